/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy.h - the policy module's interface to the derive pipeline: the
 * guest policy and the quirk database (private to libvpci)
 */
#ifndef VPCI_POLICY_H
#define VPCI_POLICY_H

#include "model/func.h"
#include "vpci/derive.h"

struct host_facts;

/* What the guest policy does with a capability (docs/policy.md). */
enum cap_action {
	CA_HIDE = 0, /* unlinked from the chain, bytes zeroed */
	CA_KEEP,     /* kept, fields as the field rules say */
	CA_SCRUB,    /* kept, body zeroed: vendor data that can identify the host */
};

/* The guest policy's rule for a capability: action and reason. */
enum cap_action policy_guest_action(int ext, uint16_t id, const char **why);

/* The quirks that match one function: what the guest policy must keep,
 * and the entries whose actions run after it. */
struct quirk_plan {
	struct vpci_quirkdb *db;
	unsigned idx[32];
	unsigned n;
	struct { uint8_t ext, device; uint16_t id; } keep[16];
	unsigned nkeep;
	int device_gaps;
	int ref;                /* index into idx[] of the quirk with a reference, -1 = none */
	const char *ref_file;   /* its reference instance file, or NAME@N */
	int ref_type;           /* ref_file names an instance type */
};

/* Match the database (built in, plus @dir) against a function. */
int quirks_plan(struct vpci_func *f, const struct host_facts *facts, enum vpci_policy pol,
		const char *dir, struct quirk_plan *plan, vpci_diag *d);
/* Run the hide/set actions and record the applied quirks in the origin. */
int quirks_finish(struct vpci_func *f, const struct host_facts *facts, struct quirk_plan *plan,
		  vpci_diag *d);
/* When a matching quirk names a reference instance (a file, or an
 * instance type found on @types), check that it describes this function
 * (IDs, class, header layout) and that @phys (the function as it is: raw
 * config with BAR kinds and sizes) can back it (vpci_bind(), every
 * can-back rule of docs/binding.md), then replace *@f with it (for a type:
 * an instance that extends it), keeping the derived origin.  Sets *@used.
 * 0 or VPCI_EDATA/VPCI_ENOMEM. */
int quirks_reference(struct vpci_func **f, const struct vpci_func *phys, const struct host_facts *facts,
		     const struct quirk_plan *plan, const char *const *types, int *used, vpci_diag *d);
void quirks_plan_free(struct quirk_plan *plan);

/* The guest view of a derived function; @plan may be NULL; @view says how
 * a VF is presented (docs/policy.md). */
int policy_guest(struct vpci_func *f, const struct host_facts *facts, const struct quirk_plan *plan,
		 enum vpci_vf_view view, vpci_diag *d);

#endif
