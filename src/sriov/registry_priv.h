/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registry_priv.h - the registry's insides, shared by its files (private
 * to src/sriov/): the table of functions (registry.c), the registry file
 * (regfile.c), the state directory (regstate.c) and the host sync
 * (regsync.c).
 */
#ifndef VPCI_REGISTRY_PRIV_H
#define VPCI_REGISTRY_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "util/diag.h"
#include "vpci/registry.h"

/* One registered function; @key orders the table by address. */
struct reg_fn {
	uint64_t key;
	struct host_bdf bdf;
	struct vpci_reg_func f; /* f.nvfs is not kept: counted on demand */
};

struct vpci_registry {
	struct reg_fn *v; /* sorted by key */
	size_t n, cap;
};

/* The address key: domain, then the 16-bit Routing ID. */
static inline uint64_t reg_key(const struct host_bdf *b)
{
	return (uint64_t)b->dom << 16 | host_bdf_rid(b);
}

/* The entry at @b, or NULL. */
struct reg_fn *reg_lookup(const vpci_registry *r, const struct host_bdf *b);
/* Insert a copy of @f at @b (which must be free); the entry or NULL
 * (out of memory). */
struct reg_fn *reg_insert(vpci_registry *r, const struct host_bdf *b, const struct vpci_reg_func *f);
/* Drop the entry @e points to. */
void reg_erase(vpci_registry *r, struct reg_fn *e);
/* Linked VFs of the PF at @pf (a slot). */
unsigned reg_count_vfs(const vpci_registry *r, const char *pf);

/* A label (owner or actor): 1-63 characters of A-Z a-z 0-9 . _ : @ + -,
 * not starting with '-'. */
bool reg_label_ok(const char *s);

/* Where the SR-IOV arithmetic puts VF @n of the PF at @pf; 0 or -1. */
int reg_vf_slot(const struct host_bdf *pf, const struct vpci_reg_sriov *s, unsigned n, struct host_bdf *out);

/* Why broken VF @vf cannot be re-associated with PF @pf: a static or
 * @buf-held reason, or NULL when it can. */
const char *reg_relink_mismatch(const struct reg_fn *pf, const struct reg_fn *vf, char *buf, size_t size);

/* Re-associate every broken VF whose PF was @pf's slot with @pf; a note
 * for each, re-associated or not. */
void reg_relink_all(vpci_registry *r, struct reg_fn *pf, vpci_diag *d);

/* Mark the linked VFs of @pf broken, with a note each. */
void reg_break_vfs(vpci_registry *r, const char *pf, const char *why, vpci_diag *d);

/* The VFs a PF's sysfs directory links (virtfnN is VF N+1): @fn(opaque,
 * slot, n) for each; stops at and returns @fn's first non-zero result. */
typedef int (*reg_virtfn_fn)(void *opaque, const char *slot, unsigned n);
int reg_host_virtfns(const char *sysfs_root, const char *pf, reg_virtfn_fn fn, void *opaque);

/* Diagnostics of the registry: the file is the function's address, the
 * field the rule's name (docs/sriov.md). */
void reg_diag(vpci_diag *d, enum vpci_severity sev, int code, const char *slot, const char *rule,
	      const char *fmt, ...) PRINTF(6, 7);

/* Fault injection for the crash-consistency tests: @fn is called at every
 * write point of vpci_reg_state_save() ("create", "write" per line,
 * "fsync", "rename", "dirsync") with a running count.  NULL turns it off. */
typedef void (*reg_fault_fn)(const char *point, unsigned seq);
void regstate_set_fault_hook(reg_fault_fn fn);

#endif /* VPCI_REGISTRY_PRIV_H */
