/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * place.h - the place module's interface (private to libvpci): placing
 * virtual capabilities by the placement rule (vpci/place.h, format §19).
 *
 * A virtual capability is first *staged*: built in a scratch copy of the
 * function at a scratch offset, where its fields are applied like those of
 * any capability (the instance reader applies a file's fields there, the
 * API its parameters); then *placed*: the rule picks the offset from the
 * function alone; then *inserted*: its bytes and planes are copied to that
 * offset and it is linked at the end of its list.
 */
#ifndef VPCI_PLACE_PLACE_H
#define VPCI_PLACE_PLACE_H

#include "model/func.h"
#include "vpci/place.h"

/* A virtual capability being built. */
struct vcap_stage {
	struct vpci_func *s;      /* scratch: the function's bytes, one capability */
	unsigned at;              /* its offset in the scratch */
	const struct vpci_cdesc *cd; /* NULL for an unknown ID */
	uint16_t id;
	uint8_t ext, version;
	uint8_t placement;        /* VCAP_PINNED or VCAP_AUTO[|VCAP_GAPS] */
	unsigned off;             /* the pinned offset */
	char tag[VCAP_TAG_MAX];
	uint32_t loc;             /* the file position of the item (0 = none) */
};

/* Start staging a capability of type @cd (or @id for an unknown one) for
 * @f: the scratch holds @f's bytes and the capability's header with the
 * table's reset values.  0 or VPCI_ENOMEM. */
int place_stage_begin(const struct vpci_func *f, const struct vpci_cdesc *cd, uint16_t id, int ext,
		      uint8_t version, struct vcap_stage *st);
/* Default planes for the staged capability's fields (after values that
 * change its layout or dynamic masks). */
void place_stage_planes(struct vcap_stage *st);
/* A capability that gives its own length (vendor-specific, VSEC, DVSEC)
 * and was left at 0: its header plus @body bytes, at least the table's
 * minimum. */
void place_stage_own_len(struct vcap_stage *st, unsigned body);
/* The staged capability's length (its layout's, at least its header). */
unsigned place_stage_len(const struct vcap_stage *st);
/* Free the scratch. */
void place_stage_end(struct vcap_stage *st);

/* Where the staged capability goes in @f by the rule (or its pinned
 * offset).  Diagnostics at @pos say exactly why it does not fit.  0,
 * VPCI_ENOENT (no room), VPCI_EDATA (pinned conflict), VPCI_ERANGE
 * (pinned outside its space). */
int place_find(const struct vpci_func *f, const struct vcap_stage *st, struct vpci_placement *out,
	       struct diag_pos pos, vpci_diag *d);
/* Put the staged capability into @f where @pl says (an empty header at
 * 0x100 first when @pl->anchor); sets @pl->index.  0 or VPCI_ENOMEM (@f
 * unchanged). */
int place_insert(struct vpci_func *f, const struct vcap_stage *st, struct vpci_placement *pl);

#endif
