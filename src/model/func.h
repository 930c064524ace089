/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * func.h - the inside of struct vpci_func: the model module's interface
 * inside the library (not installed; docs/architecture.md)
 */
#ifndef VPCI_MODEL_FUNC_H
#define VPCI_MODEL_FUNC_H

#include "vpci/model.h"
#include "captab.h"
#include "names.h"
#include "regs.h"
#include "util/common.h"
#include "util/diag.h"

/* A position in the source text (0 = unknown). */
struct vpci_loc {
	uint32_t line, col;
};

/* Longest name of a virtual capability's purpose, or of what a free range
 * is kept for ("nvidia-gpudirect-clique"), plus the NUL. */
#define VCAP_TAG_MAX 40

/* Placement of a virtual capability (format §19): pinned at its offset, or
 * placed by the placement rule into free ranges (and, with VCAP_GAPS, into
 * gaps the function proves free). */
enum {
	VCAP_PINNED = 0,
	VCAP_AUTO = 1u << 0,
	VCAP_GAPS = 1u << 1,
};

/* One capability of the model.  Virtual capabilities (@virt) are served by
 * the engine alone (no device-backed bit) and follow the ordinary ones of
 * their list in chain order. */
struct capinst {
	uint16_t id;
	uint8_t ext;
	uint8_t version;
	uint16_t off;
	uint16_t len;              /* 0 = unknown */
	const struct vpci_cdesc *desc; /* NULL for an unknown ID */
	uint32_t loc;              /* index into func->locs, 0 = none */
	uint8_t virt;              /* a virtual capability */
	uint8_t placement;         /* virtual: VCAP_PINNED or VCAP_AUTO[|VCAP_GAPS] */
	char tag[VCAP_TAG_MAX];    /* virtual: what it is for ("" = nothing named) */
};

/* One BAR (0..5) or the ROM (6). */
struct barinst {
	uint8_t type;              /* enum vpci_bar_type */
	uint8_t pref;
	uint8_t size_known;
	uint64_t size;
	uint32_t loc;              /* the BAR's item */
	uint32_t loc_size, loc_addr; /* its size: and address: values */
	uint8_t size_bad;          /* the file's size did not parse */
};

#define ROM_INDEX 6

/* A new member is copied by vpci_func_dup() and compared by func_same()
 * (func.c): engines share one copy of every instance that is the same. */
struct vpci_func {
	char *name;
	char *description;
	uint16_t size;             /* 256 or 4096 */
	uint8_t kind;              /* enum vpci_kind */
	uint8_t multifunction;
	uint8_t val[VPCI_CFG_SIZE];
	uint8_t pl[VPCI_PL_COUNT][VPCI_CFG_SIZE];
	/* a virtual PF: the VF persona its SR-IOV capability enables
	 * (function: vf-template:), and the reference the file gave */
	struct vpci_func *vf_template;
	char *vf_template_ref;
	uint32_t vf_template_loc;  /* its position in the file */
	/* bits of an SR-IOV VF that its PF owns or shares (the capability
	 * table's VF rules, docs/vf-shared-fields.md): never device-backed,
	 * whatever the device plane says (the engine and the validator
	 * enforce it) */
	uint8_t pfshared[VPCI_CFG_SIZE];
	struct barinst bar[7];
	struct capinst *caps;      /* standard caps, then extended caps */
	unsigned ncaps, nstd, acaps;
	/* origin: where the description came from (informational) */
	struct origin_kv { char *key, *value; } *origin;
	unsigned norigin;
	/* declared free ranges: space for virtual capabilities placed later;
	 * a range with a tag is kept for the virtual capability of that name */
	struct freerange { uint16_t off, len; uint32_t loc; char tag[VCAP_TAG_MAX]; } *free;
	unsigned nfree;
	/* notes: free text the canonical writer emits as comment lines
	 * (what a tool changed and why); never read back */
	char **notes;
	unsigned nnotes;
	/* an instance type: its version (0 = not versioned); an instance
	 * built on a type with `extends:`: the type ("NAME@N") and the
	 * resolved type it was built on, which the canonical writer writes
	 * the differences against (docs/format.md §21) */
	uint32_t type_version;
	char *extends;
	struct vpci_func *base;
	/* source positions, when the function came from a file */
	char *file;
	struct vpci_loc *locs;     /* locs[0] is "unknown" */
	uint32_t nlocs, alocs;
	uint32_t byteloc[VPCI_CFG_SIZE];
};

/* The bytes a capability covers: its length, or, when the length is
 * unknown, the DWORD of its header (capabilities are DWORD aligned, so
 * nothing else can start in it). */
static inline unsigned cap_extent(const struct capinst *c)
{
	return c->len ? c->len : 4u;
}

/* A capability that gives its own length (Vendor Specific: byte 2; VSEC
 * and DVSEC: bits 31:20 of DWORD 1): 1, with the length it gives and the
 * minimum, its own header (the capability table's length); 0 for every
 * other capability.  A length field past the config space reads 0. */
int func_declared_len(const struct vpci_func *f, const struct capinst *c, unsigned *len,
		      unsigned *min);

/* Status.Capabilities List (PCIe r6.0 §7.5.1.1.4) set exactly when the
 * function has standard capabilities. */
void func_sync_caplist(struct vpci_func *f);

/* A name of a virtual capability or of what a free range is kept for:
 * 1..39 characters of [a-z0-9-], not starting with '-'. */
int func_tag_valid(const char *s);
/* May capability @c lie in free range @r?  Only a virtual one, and only in
 * a range kept for nothing or for its own name. */
int func_range_allows(const struct freerange *r, const struct capinst *c);

/* Free ranges for the bytes of [@off, @off + @len) that nothing describes
 * any more (a hidden capability's): whole DWORDs of 0x40..0xff or
 * 0x100..end, joined to adjacent ranges kept for any capability, the list
 * sorted by offset.  0 or VPCI_ENOMEM. */
int func_free_hidden(struct vpci_func *f, unsigned off, unsigned len);
/* Take [@off, @off + @len) out of every free range kept for any capability
 * (splitting ranges).  0 or VPCI_ENOMEM. */
int func_carve_free_range(struct vpci_func *f, unsigned off, unsigned len);
/* Keep [@off, @off + @len) for the virtual capability named @tag (a
 * quirk's reserve): carved out of free ranges, declared with the tag (no
 * tag when @tag is not a valid name).  0 or VPCI_ENOMEM. */
int func_reserve_range(struct vpci_func *f, unsigned off, unsigned len, const char *tag);


/* The first capability that overlaps [@off, @off + @len), or -1. */
int func_cap_overlapping(const struct vpci_func *f, unsigned off, unsigned len);

/* A hash of the content (bytes, planes, structure, name) and whether two
 * functions are the same in every member vpci_func_dup() copies, source
 * positions included: one may stand for the other. */
uint64_t func_hash(const struct vpci_func *f);
int func_same(const struct vpci_func *a, const struct vpci_func *b);

/* Record a source position, return its index (0 on failure). */
uint32_t func_add_loc(struct vpci_func *f, uint32_t line, uint32_t col);
/* Diagnostic position for a loc index / a config offset. */
struct diag_pos func_pos(const struct vpci_func *f, uint32_t loc, int offset);
struct diag_pos func_pos_off(const struct vpci_func *f, int offset);

/* Append an origin entry (copied); 0 or VPCI_ENOMEM. */
int func_add_origin(struct vpci_func *f, const char *key, const char *value);
/* A raw capture: the origin says "policy: raw" (what a device shows, PCI
 * rule breaks included); vpci_validate() reports its rule breaks as
 * warnings, vpci_validate_emulation() as errors. */
int func_is_capture(const struct vpci_func *f);
/* Add @text to the origin's note (one note: appended after "; "). */
int func_add_origin_note(struct vpci_func *f, const char *text);
/* Drop every origin entry. */
void func_clear_origin(struct vpci_func *f);

/* Append a note (copied): a comment line for the canonical writer. */
int func_add_note(struct vpci_func *f, const char *text);

/* Make BAR @i implemented with the given kind (and the next one the upper
 * half of a 64-bit BAR); keeps the register's address bits. */
int func_set_bar(struct vpci_func *f, unsigned i, enum vpci_bar_type type, int pref);

/* Remove capability @i from the list (and zero its bytes and planes but
 * those another capability covers);
 * the chain is re-linked by func_apply_structure(). */
void func_remove_cap(struct vpci_func *f, unsigned i);

/* Remove every capability i with @hide[i] set, zeroing its bytes and
 * planes except those a remaining capability covers (a broken device may
 * have overlapping capabilities); the chain is re-linked by
 * func_apply_structure(). */
void func_remove_caps(struct vpci_func *f, const uint8_t *hide);

/* After capabilities were removed: keep the extended list starting at
 * 0x100 (an empty header leads to the rest).  0 or VPCI_ENOMEM. */
int func_link_ext_list(struct vpci_func *f);

/* Where an MSI-X capability puts its table (0) and PBA (1). */
struct msix_region {
	unsigned bir;
	uint64_t off, len;
	unsigned reg;            /* config offset of the register */
};
unsigned func_msix_regions(const struct vpci_func *f, const struct capinst *c, struct msix_region r[2]);

/* Declare a free range; 0 or VPCI_ENOMEM. */
int func_add_free_range(struct vpci_func *f, uint16_t off, uint16_t len, uint32_t loc);

/* Append a capability (kept in chain order). */
struct capinst *func_add_cap(struct vpci_func *f, int ext);


/* Write the bytes that structure determines: header type, capabilities
 * pointer, capability headers and next pointers, BAR type bits and the
 * ROM/BAR writable masks.  Field values elsewhere are left alone. */
void func_apply_structure(struct vpci_func *f);
/* The same without recomputing the capability lengths (a reader that
 * adds capabilities one by one computes them once at the end). */
void func_link_structure(struct vpci_func *f);

/* Set planes of [off, off+width) to the default planes of field @fd. */
void func_set_field_planes(struct vpci_func *f, const struct vpci_fdesc *fd,
			   unsigned capoff, unsigned off);

/* The header pseudo-capability of this function's kind. */
const struct vpci_cdesc *func_header_desc(const struct vpci_func *f);

/* Number of BAR slots of the header kind (6, 2, or 0). */
unsigned func_nbars(const struct vpci_func *f);
/* Offset of BAR @i (ROM_INDEX for the ROM). */
unsigned func_bar_off(const struct vpci_func *f, unsigned i);

/* Recompute lengths of all capabilities from the bytes. */
void func_update_lengths(struct vpci_func *f);

/* Planes helpers */
uint64_t func_plane_get(const struct vpci_func *f, int plane, unsigned off, unsigned width);
void func_plane_put(struct vpci_func *f, int plane, unsigned off, unsigned width, uint64_t v);

/* The BAR's planes for its size (writable address bits). */
void func_bar_planes(struct vpci_func *f, unsigned i);
/* Its writable bits: the address bits above the size (64 bits for a
 * 64-bit BAR, both halves), the ROM's enable bit; 0 when the size is
 * unknown. */
uint64_t func_bar_rw(const struct vpci_func *f, unsigned i);


/* Visit every field instance of the header and of every known capability.
 * @cap is -1 for the header.  Stop early when @cb returns non-zero. */
struct field_ref {
	int cap;                       /* index into caps, -1 = header */
	const struct vpci_cdesc *cd;
	const struct vpci_fdesc *fd;
	unsigned inst;                 /* instance of a repeated field */
	unsigned capoff;               /* offset of the capability */
	unsigned off;                  /* absolute offset of the field */
	char name[48];                 /* formatted field name */
};
typedef int (*field_cb)(struct vpci_func *f, const struct field_ref *r, void *ctx);
int func_foreach_field(const struct vpci_func *f, field_cb cb, void *ctx);
/* Same for one capability (or the header when @cap is -1). */
int func_foreach_cap_field(const struct vpci_func *f, int cap, field_cb cb, void *ctx);

/* Reset every plane of every field to the capability table's default. */
void func_default_planes(struct vpci_func *f);

/* The offset of the first extended capability @id in 4096 config bytes,
 * walked as vpci_func_from_config() walks them; 0 when there is none.
 * Cheap: no model is built. */
unsigned config_find_ext_cap(const uint8_t *cfg, uint16_t id);

/* A virtual PF's VF BAR registers (SR-IOV capability) become BARs the
 * guest can size: address bits writable as the VF template's BAR sizes
 * and kinds say.  No-op without a template or an SR-IOV capability. */
void func_vf_template_planes(struct vpci_func *f);

/* Every writable bit takes the capability table's reset value and every
 * RW1C bit reads 0 (managed fields excepted): the function as after a
 * reset, by the current planes. */
void func_reset_fields(struct vpci_func *f);

/* The bits a VF does not own, per the capability table's VF rules, of
 * the fields present (see struct vpci_fdesc.vfs), into @mask (4096
 * bytes, zeroed here); @kind selects: 0 all of them, 'p' RsvdP in a VF,
 * 'r' reflected, 'u' without a clean emulation. */
void func_vf_rule_mask(const struct vpci_func *f, int kind, uint8_t *mask);
/* Mark @f as a VF: its PF-shared bits (func_vf_rule_mask) go into
 * f->pfshared and off the device plane. */
void func_mark_pf_shared(struct vpci_func *f);

#endif
