/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio.c - functions opened through VFIO (legacy container/group API) and
 * the processes that hold VFIO groups open.  Every syscall goes through
 * the seam of host/sysops.h so that tests can script the kernel's replies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "linux-uapi/linux/vfio.h"
#include "sysops.h"

static void err(vpci_diag *d, const char *what, const char *obj, int e)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = obj;
	diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "%s: %s", what, strerror(e));
}

/* Open the device fd: container, group, IOMMU type, then the device. */
int host_vfio_open(const char *group, const char *slot, int fds[3], vpci_diag *d)
{
	const struct vpci_sys_ops *os = sys_ops();
	struct vfio_group_status st = { .argsz = sizeof(st) };

	fds[0] = fds[1] = fds[2] = -1;
	fds[0] = os->open("/dev/vfio/vfio", O_RDWR);
	if (fds[0] < 0) {
		err(d, "cannot open the VFIO container", "/dev/vfio/vfio", errno);
		return VPCI_EIO;
	}
	fds[1] = os->open(group, O_RDWR);
	if (fds[1] < 0) {
		err(d, "cannot open the VFIO group (is the device bound to vfio-pci?)", group, errno);
		return VPCI_EIO;
	}
	if (os->ioctl(fds[1], VFIO_GROUP_GET_STATUS, &st) < 0) {
		err(d, "VFIO_GROUP_GET_STATUS", group, errno);
		return VPCI_EIO;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = group;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EBUSY, p,
			 "the VFIO group is not viable: bind every device of the IOMMU group to vfio-pci (or unbind it)");
		return VPCI_EBUSY;
	}
	if (os->ioctl(fds[1], VFIO_GROUP_SET_CONTAINER, &fds[0]) < 0) {
		err(d, "VFIO_GROUP_SET_CONTAINER", group, errno);
		return VPCI_EIO;
	}
	unsigned long type = VFIO_TYPE1v2_IOMMU;
	if (os->ioctl(fds[0], VFIO_SET_IOMMU, (void *)type) < 0) {
		type = VFIO_TYPE1_IOMMU;
		if (os->ioctl(fds[0], VFIO_SET_IOMMU, (void *)type) < 0) {
			err(d, errno == ENODEV ? "VFIO_SET_IOMMU (is the vfio_iommu_type1 module loaded?)"
					       : "VFIO_SET_IOMMU", group, errno);
			return VPCI_EIO;
		}
	}
	fds[2] = os->ioctl(fds[1], VFIO_GROUP_GET_DEVICE_FD, (void *)slot);
	if (fds[2] < 0) {
		err(d, "VFIO_GROUP_GET_DEVICE_FD (a VF of a PF owned by vfio-pci needs the VF token)", slot, errno);
		return VPCI_EIO;
	}
	return 0;
}

void host_vfio_close(int fds[3])
{
	const struct vpci_sys_ops *os = sys_ops();

	for (int i = 2; i >= 0; i--)
		if (fds[i] >= 0)
			os->close(fds[i]);
}

/* Region info of @index; 0 or -1 with errno. */
int host_vfio_region(int dev, unsigned index, uint64_t *offset, uint64_t *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (sys_ops()->ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return -1;
	*offset = ri.offset;
	*size = ri.size;
	return 0;
}

/*
 * host_vfio_facts() - what VFIO shows of a device: its config region and
 * the sizes of its BAR and ROM regions (vfio-pci reports an absent BAR as
 * a region of size 0).
 */
int host_vfio_facts(const char *group, const char *slot, struct host_facts *f, vpci_diag *d)
{
	int fds[3], rc;
	uint64_t off, size;

	host_facts_init(f, slot);
	const char *g = strrchr(group, '/');
	char *end;
	long gn = g ? strtol(g + 1, &end, 10) : -1;
	f->iommu_group = g && g[1] && !*end && gn >= 0 && gn <= 0x7fffffff ? (int)gn : -1;
	snprintf(f->driver, sizeof(f->driver), "vfio-pci");
	rc = host_vfio_open(group, slot, fds, d);
	if (rc) {
		host_vfio_close(fds);
		return rc;
	}
	if (host_vfio_region(fds[2], VFIO_PCI_CONFIG_REGION_INDEX, &off, &size) < 0) {
		err(d, "VFIO_DEVICE_GET_REGION_INFO (config)", slot, errno);
		host_vfio_close(fds);
		return VPCI_EIO;
	}
	if (size > sizeof(f->cfg))
		size = sizeof(f->cfg);
	ssize_t n = sys_ops()->pread(fds[2], f->cfg, (size_t)size, (off_t)off);
	if (n < 64) {
		err(d, "reading the VFIO config region", slot, n < 0 ? errno : EIO);
		host_vfio_close(fds);
		return VPCI_EIO;
	}
	f->len = (size_t)n;
	/* a VF: VFIO does not say, the kernel's sysfs does (the guest policy
	 * keeps a VF's PF-shared bits off the device: vf-shared-fields.md) */
	host_dev_link("/sys", slot, "physfn", f->physfn, sizeof(f->physfn));
	f->is_vf = f->physfn[0] != '\0';
	for (unsigned b = VFIO_PCI_BAR0_REGION_INDEX; b <= VFIO_PCI_ROM_REGION_INDEX; b++) {
		if (host_vfio_region(fds[2], b, &off, &size) == 0) {
			f->bar_size[b] = size;               /* 0: known to be absent */
			f->bar_known |= (uint8_t)(1u << b);
		}
	}
	host_vfio_close(fds);
	return 0;
}

/* --- who holds a VFIO group open -------------------------------------- */

static int add_user(struct host_vfio_users *u, int group, const char *pid, const char *comm)
{
	struct host_vfio_user *nv = realloc(u->v, (u->n + 1) * sizeof(*nv));

	if (!nv)
		return VPCI_ENOMEM;
	u->v = nv;
	nv[u->n].group = group;
	snprintf(nv[u->n].who, sizeof(nv[u->n].who), "%.24s (%.20s)", pid, comm);
	u->n++;
	return 0;
}

/* The group of /dev/vfio/N a link points to, -1 otherwise */
static int vfio_group_of(const char *target)
{
	char *end;

	if (strncmp(target, "/dev/vfio/", 10) || target[10] < '0' || target[10] > '9')
		return -1;
	long g = strtol(target + 10, &end, 10);
	return *end || g > 0x7fffffff ? -1 : (int)g;
}

int host_vfio_users_scan(const char *proc_root, struct host_vfio_users *u)
{
	char path[PATH_MAX], lp[PATH_MAX + 300], target[PATH_MAX];
	DIR *pd = opendir(proc_root);
	struct dirent *p;
	int rc = 0;

	u->v = NULL;
	u->n = 0;
	if (!pd)
		return 0;
	while (!rc && (p = readdir(pd))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", proc_root, p->d_name);
		DIR *fd = opendir(path);
		struct dirent *f;
		if (!fd)
			continue;
		int last = -1;
		while (!rc && (f = readdir(fd))) {
			snprintf(lp, sizeof(lp), "%s/%s", path, f->d_name);
			ssize_t l = readlink(lp, target, sizeof(target) - 1);
			if (l <= 0)
				continue;
			target[l] = '\0';
			int g = vfio_group_of(target);
			if (g < 0 || g == last)
				continue;
			char comm[32] = "?";
			snprintf(lp, sizeof(lp), "%s/%s/comm", proc_root, p->d_name);
			if (host_read_small(lp, comm, sizeof(comm)) || !comm[0])
				snprintf(comm, sizeof(comm), "?");
			rc = add_user(u, g, p->d_name, comm);
			last = g;
		}
		closedir(fd);
	}
	closedir(pd);
	if (rc)
		host_vfio_users_free(u);
	return rc;
}

int host_vfio_users_find(const struct host_vfio_users *u, int group, char *who, size_t size)
{
	if (size)
		who[0] = '\0';
	for (size_t i = 0; group >= 0 && i < u->n; i++) {
		if (u->v[i].group == group) {
			snprintf(who, size, "%s", u->v[i].who);
			return 1;
		}
	}
	return 0;
}

void host_vfio_users_free(struct host_vfio_users *u)
{
	free(u->v);
	u->v = NULL;
	u->n = 0;
}
