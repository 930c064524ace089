/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.h - the host module's interface (private to libvpci): everything
 * that touches the operating system of the machine vpci runs on.
 *
 *   - PCI addresses ("DDDD:BB:DD.F") and routing-ID arithmetic, VF
 *     addresses from First VF Offset and VF Stride (bdf.c);
 *   - the sysfs tree of PCI functions (live, or a captured copy under a
 *     root directory): attributes, links, config bytes, resources, SR-IOV
 *     attributes, the facts a derive needs (sysfs.c);
 *   - VFIO: opening a device through its group, region info; which
 *     process holds a VFIO group open (vfio.c);
 *   - the backends of the emulation engine on a real function (backend.c).
 *
 * Every syscall of the VFIO code goes through the seam of host/sysops.h
 * so that tests can script the kernel's replies.  No other module opens
 * device files or reads sysfs: source, derive, sriov and the backends all
 * come here (docs/architecture.md).
 */
#ifndef VPCI_HOST_H
#define VPCI_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

/* --- addresses (bdf.c) ----------------------------------------------- */

/* "DDDD:BB:DD.F" plus NUL; domains above 0xffff print more digits */
#define HOST_SLOT_LEN 16

/* A PCI function address. */
struct host_bdf {
	uint32_t dom;   /* 0 .. 0xffffff */
	uint8_t bus;
	uint8_t dev;    /* 0 .. 31 */
	uint8_t fn;     /* 0 .. 7 */
};

/* Parse "BB:DD.F" or "DDDD:BB:DD.F" (hex, domain 0 when omitted); nothing
 * else may follow.  0, or -1 when malformed or out of range. */
int host_bdf_parse(const char *s, struct host_bdf *out);
/* Format as "DDDD:BB:DD.F". */
void host_bdf_format(const struct host_bdf *b, char out[HOST_SLOT_LEN]);
/* Normalise an address into "DDDD:BB:DD.F"; 0 or -1. */
int host_slot_norm(const char *in, char out[HOST_SLOT_LEN]);

/* The 16-bit Routing ID (PCIe r6.0 §2.2.6.2): bus, device, function. */
static inline unsigned host_bdf_rid(const struct host_bdf *b)
{
	return (unsigned)b->bus << 8 | (unsigned)b->dev << 3 | b->fn;
}

/*
 * host_vf_bdf() - address of VF @n (1-based, as in "VF n") of a PF
 *
 * PCIe r6.0 §9.3.3.10 and §9.3.3.11: the Routing ID of VF n is the PF's
 * Routing ID + First VF Offset + (n - 1) * VF Stride, in 16-bit Routing
 * ID space (VFs may sit on higher bus numbers than their PF).  The same
 * arithmetic holds with ARI (the device and function numbers then form one
 * 8-bit function number; Linux still names it DD.F).  The domain is the
 * PF's.  Returns 0, or -1 when @n is 0 or the result passes bus 255.
 */
int host_vf_bdf(const struct host_bdf *pf, unsigned offset, unsigned stride, unsigned n,
		struct host_bdf *out);

/* --- what a host function is (sysfs.c, and the derive sources) ------- */

/* The SR-IOV attributes of a PF (sysfs sriov_*; PCIe r6.0 §9.3.3). */
struct host_sriov {
	int present;                /* sriov_totalvfs exists: an SR-IOV PF */
	unsigned totalvfs, numvfs;
	unsigned offset, stride;    /* First VF Offset, VF Stride */
	unsigned vf_device;         /* VF Device ID */
	int autoprobe;              /* sriov_drivers_autoprobe, -1 unknown */
};

/* What a source knows of one function: the config bytes plus what config
 * space cannot say (BAR sizes, the kernel's view of a VF's IDs, SR-IOV
 * attributes, driver, IOMMU group). */
struct host_facts {
	char slot[HOST_SLOT_LEN];
	uint8_t cfg[4096];
	size_t len;                 /* bytes of cfg that were read */
	uint64_t bar_size[7];       /* BAR 0..5, ROM = 6 */
	uint8_t bar_io;             /* bit i: BAR i is an I/O BAR (resource flags) */
	uint8_t bar_pref;           /* bit i: prefetchable */
	uint8_t bar_64;             /* bit i: 64-bit */
	uint8_t bar_known;          /* bit i: bar_size[i] is known */
	uint8_t bar_typed;          /* bit i: the kind bits above are known, even
				     * without a size (a VF BAR, from its PF) */
	int is_vf;
	char physfn[HOST_SLOT_LEN]; /* the PF's slot for a VF */
	int have_ids;               /* the kernel's vendor/device (VFs read 0xffff) */
	uint16_t vendor, device;
	struct host_sriov sriov;
	uint64_t vf_bar_size[6];    /* a PF's VF BAR i space: TotalVFs times one VF's
				     * BAR size (the kernel's resource lines 7..12) */
	char driver[64];            /* "" = none */
	int iommu_group;            /* -1 = none */
};

/* Empty facts for @slot (no group, nothing known). */
void host_facts_init(struct host_facts *f, const char *slot);

/* --- sysfs (sysfs.c) -------------------------------------------------- */

/*
 * Reading a file of a sysfs tree.  A tree may be a captured copy, or
 * crafted: every read opens without blocking and refuses anything that is
 * not a regular file (a FIFO would block forever).
 */

/* Read a whole small file into @buf (NUL-terminated, trailing newlines
 * and spaces removed).  0; -1 when absent or unreadable; -2 when it is
 * not a regular file. */
int host_read_small(const char *path, char *buf, size_t size);
/* Read up to @size bytes of a regular file from offset 0 into @buf; the
 * count read, -1 (errno set) when it cannot be opened or read, -2 when it
 * is not a regular file. */
long host_read_bytes(const char *path, void *buf, size_t size);
/* The last component of a symlink's target ("" when no link). */
void host_link_base(const char *path, char *out, size_t size);

/* "ROOT/bus/pci/devices/SLOT[/ATTR]" into @out. */
void host_dev_path(const char *root, const char *slot, const char *attr, char *out, size_t size);
/* One attribute of a function, as host_read_small(). */
int host_dev_attr(const char *root, const char *slot, const char *attr, char *buf, size_t size);
/* An unsigned attribute in @base (16 accepts a 0x prefix); 0 or -1. */
int host_dev_uint(const char *root, const char *slot, const char *attr, int base, unsigned *out);
/* The target name of a link of a function ("driver", "iommu_group",
 * "physfn"); "" when absent. */
void host_dev_link(const char *root, const char *slot, const char *link, char *out, size_t size);
/* The IOMMU group number of a function, -1 when none. */
int host_dev_group(const char *root, const char *slot);

/* Every function of the tree, sorted: *@slots (malloc'd) and *@n.
 * 0, VPCI_EIO (the devices directory cannot be listed), VPCI_ENOMEM. */
int host_sysfs_list(const char *root, char (**slots)[HOST_SLOT_LEN], size_t *n, vpci_diag *d);
/* The SR-IOV attributes of a function (@out->present = 0 for a function
 * that is not an SR-IOV PF). */
void host_sysfs_sriov(const char *root, const char *slot, struct host_sriov *out);
/* Everything a derive needs of one function: config, resources, IDs,
 * physfn, SR-IOV, driver, IOMMU group.  0 or VPCI_EIO (with a diagnostic). */
int host_sysfs_facts(const char *root, const char *slot, struct host_facts *f, vpci_diag *d);

/* --- VFIO (vfio.c) ---------------------------------------------------- */

/* Open container, group and device: fds[0..2]; 0 or VPCI_E*. */
int host_vfio_open(const char *group, const char *slot, int fds[3], vpci_diag *d);
/* Close what host_vfio_open() opened (any fd may be -1). */
void host_vfio_close(int fds[3]);
/* What VFIO shows of a device (config region, BAR and ROM region sizes;
 * the driver is vfio-pci, the group is the number in @group).  0 or VPCI_E*. */
int host_vfio_facts(const char *group, const char *slot, struct host_facts *f, vpci_diag *d);
/* Offset and size of region @index of the device fd; 0 or -1 (errno). */
int host_vfio_region(int dev, unsigned index, uint64_t *offset, uint64_t *size);

/* --- iommufd (iommufd.c) --------------------------------------------- */

/* What the IOMMU reports of a function's PASID support. */
struct host_iommu_pasid {
	int asked;                  /* IOMMU_GET_HW_INFO answered */
	unsigned width;             /* out_max_pasid_log2: 0 = no PASID */
	int exec, priv;             /* execute / privileged mode supported */
	char why[200];              /* when not asked: why */
};
/* Ask the IOMMU through iommufd: bind the function's VFIO device file
 * (sysfs vfio-dev/vfioN -> /dev/vfio/devices/vfioN) to a new iommufd and
 * issue IOMMU_GET_HW_INFO.  0, or -1 with @out->why. */
int host_iommu_pasid(const char *root, const char *slot, struct host_iommu_pasid *out);

/* Which processes hold VFIO groups open, read from a procfs tree once. */
struct host_vfio_users {
	struct host_vfio_user {
		int group;
		char who[64];       /* "PID (COMM)" */
	} *v;
	size_t n;
};
/* Scan @proc_root ("/proc") once: every /dev/vfio/N an fd points to.
 * 0 or VPCI_ENOMEM (an unreadable procfs gives an empty table). */
int host_vfio_users_scan(const char *proc_root, struct host_vfio_users *u);
/* The holder of group @group: "PID (COMM)" in @who and 1, or 0. */
int host_vfio_users_find(const struct host_vfio_users *u, int group, char *who, size_t size);
void host_vfio_users_free(struct host_vfio_users *u);

#endif /* VPCI_HOST_H */
