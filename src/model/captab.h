/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * captab.h - the capability table: what libvpci knows about every
 * capability, shared by the parser, writer, validator, renderer and the
 * emulation engine.  Data, not code: adding a capability is adding rows.
 */
#ifndef VPCI_CAPTAB_H
#define VPCI_CAPTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "vpci/model.h"

/* Presence features of a capability instance, computed from its bytes
 * (and, for a few, from the PCIe capability of the same function). */
enum {
	FT_MSI64 = 1u << 0,    /* MSI 64-bit address capable */
	FT_MSI_PVM = 1u << 1,  /* MSI per-vector masking capable */
	FT_PCIE_V2 = 1u << 2,  /* PCIe capability version >= 2 */
	FT_LINK = 1u << 3,     /* PCIe function with a link (not RCiEP/RCEC) */
	FT_SLOT = 1u << 4,     /* PCIe slot registers (root/downstream port) */
	FT_ROOT = 1u << 5,     /* PCIe root registers (root port, RCEC) */
	FT_AER_ROOT = 1u << 6, /* AER root registers (root port, RCEC) */
	FT_RCEC_V2 = 1u << 7,  /* RCEC association with bus numbers */
	FT_BRIDGE = 1u << 8,   /* header type 1 */
	FT_ENDPOINT = 1u << 9, /* header type 0 */
	FT_MSI_EXT = 1u << 10, /* MSI extended message data capable */
	FT_ACS_EC = 1u << 11,  /* ACS egress control vector present */
};

/* Repeat kinds: how many instances of a repeated field exist. */
enum {
	RP_ONCE = 0,
	RP_FIXED,     /* fd->count instances */
	RP_REBAR,     /* number of resizable BARs (control[7:5] of entry 0) */
	RP_LANES,     /* PCIe Max Link Width (Link Capabilities[9:4]) */
	RP_LANES_W2,  /* as RP_LANES, 16-bit per lane */
};

/* Dynamic masks: the writable bits depend on other values. */
enum {
	DM_NONE = 0,
	DM_MSI_MASK,  /* MSI mask bits: only vectors that exist are RW */
	DM_ACS_CTRL,  /* ACS control: only capable features are RW */
};

/* Roles: registers the emulation engine watches for side effects (events,
 * FLR).  The engine finds them through these tags, not through offsets
 * of its own. */
enum {
	RL_NONE = 0,
	RL_COMMAND,       /* header Command */
	RL_PMCSR,         /* PM Control/Status */
	RL_MSI_CTL,       /* MSI Message Control */
	RL_MSI_ADDR,      /* MSI Message Address */
	RL_MSI_ADDR_HI,   /* MSI Message Upper Address (64-bit) */
	RL_MSI_DATA,      /* MSI Message Data */
	RL_MSI_MASK,      /* MSI Mask Bits (per-vector masking) */
	RL_MSIX_CTL,      /* MSI-X Message Control */
	RL_DEVCAP,        /* PCIe Device Capabilities (FLR capable) */
	RL_DEVCTL,        /* PCIe Device Control (Initiate FLR) */
	RL_LINKCTL,       /* PCIe Link Control */
	RL_AF_CAP,        /* AF Capabilities (FLR capable) */
	RL_AF_CTL,        /* AF Control (Initiate FLR) */
	RL_PASID_CTL,     /* PASID Control */
	RL_ATS_CTL,       /* ATS Control */
	RL_PRI_CTL,       /* PRI Control */
	RL_SRIOV_CTL,     /* SR-IOV Control */
	RL_SRIOV_NUMVFS,  /* SR-IOV NumVFs */
	RL_COUNT
};

/* Field flags */
enum {
	FD_MANAGED = 1u << 0, /* set by structure (cap header, next, BARs) */
	FD_HIDDEN = 1u << 1,  /* not written by the canonical writer */
};

/**
 * struct vpci_bitdesc - a named bit range of a register, for decoding
 * @name: lspci-like short name
 * @lo: lowest bit
 * @hi: highest bit
 */
struct vpci_bitdesc {
	const char *name;
	uint8_t lo, hi;
};

/**
 * struct vpci_fdesc - one register of a capability
 * @name: the format's key; contains "%u" for repeated fields
 * @off: offset from the capability start (first instance)
 * @width: size in bytes: 1, 2, 3, 4 or 8 (8 only for RO fields)
 * @acc: access of every bit no mask below names
 * @rw, @w1c, @rsvdp, @rsvdz, @hwinit: bits with that access
 * @sticky: bits that survive FLR / hot reset
 * @reset: value when the instance file does not give one
 * @need: FT_* features that must all be present
 * @excl: FT_* features that must all be absent
 * @rep: RP_* repeat kind; @count for RP_FIXED; @stride between instances
 * @flags: FD_* flags
 * @dyn: DM_* dynamic mask kind
 * @role: RL_* role for the emulation engine
 * @bits: named bit ranges, NULL-name terminated (may be NULL)
 * @vfs: bits a VF does not own (PCIe r6.0 §9.3.4-9.3.7): shared with its
 *       PF or another VF, or RsvdP / RO 0 in a VF.  In a VF they are
 *       never backed by the device (docs/vf-shared-fields.md)
 * @vfp: of @vfs, the bits that are RsvdP in a VF (the others read 0)
 * @vfr: of @vfs, the bits a VMM emulates per VF and reflects elsewhere
 *       (BAR mapping, the IOMMU's per-function controls)
 * @vfu: of @vfs, the bits no emulation keeps faithful (thread 004: PRI
 *       Reset and Stopped); the rest of @vfs is emulated only
 */
struct vpci_fdesc {
	const char *name;
	uint16_t off;
	uint8_t width;
	uint8_t acc;
	uint32_t rw, w1c, rsvdp, rsvdz, hwinit, sticky;
	uint32_t reset;
	uint16_t need, excl;
	uint8_t rep, count, stride;
	uint8_t flags;
	uint8_t dyn;
	uint8_t role;
	const struct vpci_bitdesc *bits;
	uint32_t vfs, vfp, vfr, vfu;
};

/* Length kinds */
enum {
	LN_FIXED = 0, /* desc->len */
	LN_UNKNOWN,   /* body not described: bytes stay raw */
	LN_MSI,
	LN_PCIE,
	LN_BYTE2,     /* length in byte 2 (vendor-specific, AF) */
	LN_VSEC,      /* length in bits 31:20 of dword 1 (VSEC, DVSEC) */
	LN_AER,
	LN_ACS,
	LN_REBAR,
	LN_TPH,
	LN_SECPCI,
	LN_PL,        /* 0x20 + one byte per lane (16/32/64 GT/s) */
	LN_LMR,       /* 8 + 4 per lane */
	LN_VC,
	LN_RCEC,
};

/* Capability kinds */
enum {
	CK_STD = 0,
	CK_EXT = 1,
	CK_HDR = 2, /* pseudo-capability: a config header layout */
};

/**
 * struct vpci_cdesc - one capability ID
 * @id: capability ID
 * @kind: CK_STD, CK_EXT or CK_HDR
 * @key: the format's name (e.g. "msix")
 * @name: human-readable name
 * @spec: where the layout is specified
 * @lenkind: LN_* rule for the length
 * @len: fixed length (LN_FIXED) or the minimum length
 * @fields: register table, NULL-name terminated (may be NULL)
 */
struct vpci_cdesc {
	uint16_t id;
	uint8_t kind;
	const char *key;
	const char *name;
	const char *spec;
	uint8_t lenkind;
	uint16_t len;
	const struct vpci_fdesc *fields;
};

/* Why a VF never carries capability @id (PCIe r6.0 §9.3.7; the kernel's
 * rules in drivers/pci/ats.c), or NULL when a VF may carry it. */
const char *captab_vf_never(int kind, uint16_t id);

/* Pseudo IDs of the header layouts (CK_HDR) */
#define CAPTAB_HDR_TYPE0 0
#define CAPTAB_HDR_TYPE1 1

const struct vpci_cdesc *captab_find(int kind, uint16_t id);
const struct vpci_cdesc *captab_find_key(const char *key);
/* Iterate: returns NULL past the end. */
const struct vpci_cdesc *captab_at(unsigned i);

/**
 * struct captab_layout - a capability instance evaluated against bytes
 * @features: FT_* bits
 * @length: length in bytes (0 = unknown)
 * @rebar: number of resizable BAR entries
 * @lanes: link width for per-lane registers
 */
struct captab_layout {
	uint32_t features;
	uint16_t length;
	uint8_t rebar;
	uint8_t lanes;
};

/* Evaluate a capability at @off of @cfg (4096 bytes, zero padded). */
void captab_layout(const struct vpci_cdesc *cd, const uint8_t *cfg,
		   unsigned off, struct captab_layout *lay);

/* Does field @fd exist in this instance, and how many times? */
unsigned captab_field_count(const struct vpci_fdesc *fd,
			    const struct captab_layout *lay);

/* The planes of one field instance as 64-bit masks (low @width bytes). */
struct captab_planes {
	uint64_t pl[VPCI_PL_COUNT];
};
void captab_field_planes(const struct vpci_fdesc *fd, const uint8_t *cfg,
			 unsigned capoff, struct captab_planes *out);

/* Planes of a uniform access type over @width bytes. */
void captab_access_planes(enum vpci_access acc, unsigned width,
			  struct captab_planes *out);

/* Format the name of instance @i of @fd into @buf. */
void captab_field_name(const struct vpci_fdesc *fd, unsigned i, char *buf,
		       unsigned size);

/* Does @name name an instance of @fd ("header-log2" for "header-log%u")?
 * The instance number, or -1. */
int captab_field_match(const struct vpci_fdesc *fd, const char *name);
/* The field of @cd that @name names (any instance), or NULL. */
const struct vpci_fdesc *captab_find_field(const struct vpci_cdesc *cd, const char *name);

/* Where the registers of an SR-IOV capability at @capoff are (absolute
 * config offsets), as the capability table places them (PCIe §9.3.3). */
struct sriov_layout {
	uint16_t ctl, total, num, first, stride, vfdid, sps, vfbar[6];
};
void captab_sriov_layout(unsigned capoff, struct sriov_layout *l);

/* Name of a capability ID, even an unknown one (static or in @buf). */
const char *captab_cap_name(int kind, uint16_t id, char *buf, unsigned size);

#endif /* VPCI_CAPTAB_H */
