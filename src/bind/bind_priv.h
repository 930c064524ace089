/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bind_priv.h - the inside of the bind module (private to src/bind/)
 *
 * The can-back rules are rows of one table (rules.c); the binder
 * (bind.c) evaluates them, vpci_common() (common.c) uses each row's
 * "meet" action to make an instance that a function can back.
 */
#ifndef VPCI_BIND_PRIV_H
#define VPCI_BIND_PRIV_H

#include "model/func.h"
#include "vpci/bind.h"

#define BIND_NONE 0xffffu

/* How a rule compares the guest's register with the function's. */
enum bind_cmp {
	BC_STRUCT = 0, /* structural: checked by the binder's own pass */
	BC_PRESENT,    /* the capability needs its physical counterpart */
	BC_LE,         /* guest value <= physical value (field bits under mask) */
	BC_EQ,         /* equal */
	BC_IMPLIES,    /* a bit set in the guest is set on the function */
	BC_NONZERO,    /* a non-zero guest value needs a non-zero physical one */
	BC_EMULATED,   /* accepted whatever the function has: the engine or VMM emulates it */
};

/* What vpci_common() does to the instance when a function breaks the rule. */
enum bind_meet {
	BM_NONE = 0,   /* nothing helps: no common instance */
	BM_DROP_CAP,   /* drop the capability */
	BM_MIN,        /* take the function's (smaller) value */
	BM_AND,        /* clear the bits the function lacks */
	BM_VIRTUAL,    /* make the bytes virtual (gap bytes: also zero) */
	BM_DROP_BAR,   /* drop the BAR (and an MSI-X whose table or PBA lived in it) */
	BM_BAR_PREF,   /* not prefetchable */
	BM_BAR_SIZE,   /* the function's (smaller) size */
	BM_CONFIG_256, /* 256 bytes: drop every extended capability */
	BM_ZERO,       /* the register becomes 0 */
};

/* Structural rules: indexes into bind_rules[], in table order. */
enum {
	R_CONFIG_SIZE = 0,
	R_HEADER_KIND,
	R_FUNCTION_TYPE,
	R_CAP_DEVICE,
	R_CAP_PRESENT,
	R_FIELD,
	R_CAP_BODY,
	R_GAP,
	R_BAR_KIND,
	R_BAR_PREFETCH,
	R_BAR_SIZE,
	R_ROM,
	R_STRUCT_COUNT
};

/* One can-back rule (docs/binding.md has the same table, with reasons). */
struct bind_rule {
	const char *id;
	uint8_t cmp;          /* enum bind_cmp */
	uint8_t meet;         /* enum bind_meet */
	/* value rules: the register, by capability kind (CK_HDR, CK_STD,
	 * CK_EXT), ID and field name, and the bits compared */
	uint8_t kind;
	uint16_t cap;
	const char *field;
	uint32_t mask;
	/* BC_IMPLIES: a second place the function may show the feature */
	uint8_t alt_kind;
	uint16_t alt_cap;
	const char *alt_field;
	uint32_t alt_mask;
	const char *why;
};

extern const struct bind_rule bind_rules[];
extern const unsigned bind_nrules;

/* What identifies a capability beyond its ID and version: bytes of its
 * header that must be equal (vendor-specific length, VSEC ID/rev/length,
 * DVSEC vendor/rev/length and DVSEC ID). */
struct bind_key {
	uint8_t kind;
	uint16_t cap;
	uint8_t off, width;
};
extern const struct bind_key bind_keys[];
extern const unsigned bind_nkeys;

/* One reason.  Positions are copied: a binding outlives its instance. */
struct bind_reason {
	uint16_t rule;
	uint8_t blocker;
	int gcap;             /* guest capability index, -1 */
	int goff, poff;       /* -1 = none */
	unsigned len;         /* bytes concerned (value rules: field width) */
	int bar;              /* BAR/ROM index, -1 */
	uint64_t pval;        /* value rules: the function's bits (masked, unshifted) */
	uint32_t line, col;
	char *msg;
};

struct bind_range {
	uint16_t g, p, len;
	char what[112];
};

struct vpci_binding {
	uint16_t map[VPCI_CFG_SIZE];   /* physical offset per guest byte, BIND_NONE */
	unsigned gsize, psize;
	int ok;
	char *gname, *gfile, *pname;
	struct bind_range *ranges;
	size_t nranges;
	struct bind_reason *reasons;
	size_t nreasons, areasons;
};

/* Bind flags */
enum {
	BIND_STRICT = 1u << 0, /* every capability needs a counterpart (vpci_common) */
};

/* The binder; *@out always set unless VPCI_ENOMEM.  Reasons are not
 * added to a diag here: vpci_bind() does that. */
int bind_run(const struct vpci_func *g, const struct vpci_func *p, unsigned flags,
	     struct vpci_binding **out);

/* A model's function type: 1 VF, 0 PF, -1 not stated. */
int bind_function_type(const struct vpci_func *f, int physical);

/* Where field @name (instance name, e.g. "header-log2") of capability
 * @cap (-1 = header) is: its offset and width; 0, or -1 when the layout
 * has no such field. */
int bind_field_find(const struct vpci_func *f, int cap, const char *name, unsigned *off,
		    unsigned *width);

#endif
