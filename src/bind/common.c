/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * common.c - vpci_common(): the largest instance a set of functions can
 * all back.  Start from the first function's layout, bind it strictly
 * (every capability needs a counterpart) against each function, and meet
 * every blocker with its rule's "meet" action (rules.c): drop, minimum,
 * intersection, virtual.  Repeat until every function binds; each change
 * leaves a note that the canonical writer emits as a comment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_priv.h"
#include "vpci/vpci.h"

#define MAX_ROUNDS 32

struct mctx {
	struct vpci_func *o;
	const struct vpci_func *p;
	const char *label;
	uint8_t drop[VPCI_CFG_SIZE / 4]; /* capabilities to drop, by index */
	int changed;
	vpci_diag *d;
};

static int note(struct mctx *m, const struct bind_reason *r, const char *action)
{
	char buf[700];

	snprintf(buf, sizeof(buf), "%s (%s): %s", action, m->label, r->msg);
	m->changed = 1;
	return func_add_note(m->o, buf);
}

/* Re-apply the planes that depend on other values (MSI mask bits follow
 * the vector count) for the fields of capability @cap. */
static void dynamic_planes(struct vpci_func *o, int cap)
{
	const struct capinst *c = &o->caps[cap];
	struct captab_layout lay;

	if (!c->desc || !c->desc->fields)
		return;
	captab_layout(c->desc, o->val, c->off, &lay);
	for (const struct vpci_fdesc *fd = c->desc->fields; fd->name; fd++)
		if (fd->dyn != DM_NONE && captab_field_count(fd, &lay))
			func_set_field_planes(o, fd, c->off, c->off + fd->off);
}

static void zero_bytes(struct vpci_func *o, unsigned off, unsigned len)
{
	if (off >= VPCI_CFG_SIZE)
		return;
	if (off + len > VPCI_CFG_SIZE)
		len = VPCI_CFG_SIZE - off;
	memset(o->val + off, 0, len);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		memset(o->pl[p] + off, 0, len);
}

static void drop_bar(struct mctx *m, unsigned i)
{
	struct vpci_func *o = m->o;
	unsigned off = func_bar_off(o, i), len = o->bar[i].type == VPCI_BAR_MEM64 ? 8 : 4;

	if (i == ROM_INDEX)
		o->bar[i].type = VPCI_BAR_NONE;
	else
		func_set_bar(o, i, VPCI_BAR_NONE, 0);
	o->bar[i].size = 0;
	o->bar[i].size_known = 0;
	zero_bytes(o, off, len);
	if (i == ROM_INDEX)
		return;
	/* an MSI-X whose table or PBA lived there goes too */
	for (unsigned c = 0; c < o->nstd; c++) {
		struct msix_region reg[2];
		if (o->caps[c].id != 0x11)
			continue;
		func_msix_regions(o, &o->caps[c], reg);
		if (reg[0].bir == i || reg[1].bir == i)
			m->drop[c] = 1;
	}
}

/* Meet one blocker; 0, or VPCI_EDATA when nothing helps. */
static int meet(struct mctx *m, const struct bind_reason *r)
{
	const struct bind_rule *rule = &bind_rules[r->rule];
	struct vpci_func *o = m->o;
	uint32_t mask = rule->mask;
	unsigned w = r->len;

	switch (rule->meet) {
	case BM_DROP_CAP:
		if (r->gcap < 0)
			break;
		m->drop[r->gcap] = 1;
		return note(m, r, "dropped the capability");
	case BM_MIN:
	case BM_AND:
	case BM_ZERO: {
		uint32_t v = (uint32_t)le_get(o->val + r->goff, w);
		if (rule->meet == BM_MIN)
			v = (v & ~mask) | ((uint32_t)r->pval & mask);
		else if (rule->meet == BM_AND)
			v &= ~(mask & ~(uint32_t)r->pval);
		else
			v &= ~mask;
		le_put64(o->val + r->goff, w, v);
		if (r->gcap >= 0)
			dynamic_planes(o, r->gcap);
		return note(m, r, rule->meet == BM_MIN ? "took the function's value" :
				   rule->meet == BM_AND ? "cleared the bits" : "set to 0");
	}
	case BM_VIRTUAL:
		if (r->rule == R_GAP)
			zero_bytes(o, (unsigned)r->goff, r->len);
		else
			memset(o->pl[VPCI_PL_DEVICE] + r->goff, 0, r->len);
		return note(m, r, r->rule == R_GAP ? "removed the gap registers" : "made the bytes virtual");
	case BM_DROP_BAR:
		drop_bar(m, (unsigned)r->bar);
		return note(m, r, "dropped the BAR");
	case BM_BAR_PREF:
		o->bar[r->bar].pref = 0;
		return note(m, r, "made the BAR non-prefetchable");
	case BM_BAR_SIZE:
		if (!r->pval || vpci_func_set_bar_size(o, (unsigned)r->bar, r->pval)) {
			drop_bar(m, (unsigned)r->bar);
			return note(m, r, r->bar == ROM_INDEX ? "dropped the ROM" : "dropped the BAR");
		}
		return note(m, r, "took the function's size");
	case BM_CONFIG_256:
		for (unsigned c = o->nstd; c < o->ncaps; c++)
			m->drop[c] = 1;
		o->size = VPCI_CFG_SIZE_CONV;
		return note(m, r, "256 bytes of config space, extended capabilities dropped");
	default:
		break;
	}
	struct diag_pos pos = DIAG_NOPOS;
	pos.file = m->label;
	diag_add(m->d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "no common instance: %s", r->msg);
	return VPCI_EDATA;
}

static int apply_drops(struct mctx *m)
{
	struct vpci_func *o = m->o;

	func_remove_caps(o, m->drop);
	memset(m->drop, 0, sizeof(m->drop));
	if (o->size < VPCI_CFG_SIZE) {
		zero_bytes(o, VPCI_CFG_SIZE_CONV, VPCI_CFG_SIZE - VPCI_CFG_SIZE_CONV);
		unsigned k = 0;
		for (unsigned i = 0; i < o->nfree; i++)
			if (o->free[i].off < VPCI_CFG_SIZE_CONV)
				o->free[k++] = o->free[i];
		o->nfree = k;
	}
	int rc = func_link_ext_list(o);
	/* Status.Capabilities List follows the standard list (PCI §6.7) */
	func_sync_caplist(o);
	func_apply_structure(o);
	return rc;
}

static const char *label_of(const struct vpci_func *const *fns, size_t k, const struct vpci_common_opts *opts)
{
	if (opts && opts->labels && opts->labels[k])
		return opts->labels[k];
	if (fns[k]->file)
		return fns[k]->file;
	return vpci_func_name(fns[k]);
}

/* Identity registers of the result (PCIe §7.5.1.1, §7.5.1.2) */
static void copy_ids(struct vpci_func *o, const struct vpci_func *from)
{
	static const struct { unsigned off, len; } ids[] = { { 0x00, 4 }, { 0x08, 4 }, { 0x2c, 4 } };

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (i < 2 || (o->kind == VPCI_KIND_ENDPOINT && from->kind == VPCI_KIND_ENDPOINT))
			memcpy(o->val + ids[i].off, from->val + ids[i].off, ids[i].len);
}

static int start(const struct vpci_func *const *fns, size_t n, const struct vpci_common_opts *opts,
		 struct vpci_func **out)
{
	struct vpci_func *o = vpci_func_dup(fns[0]);
	char buf[160];
	int rc;

	if (!o)
		return VPCI_ENOMEM;
	if (opts && opts->ids)
		copy_ids(o, opts->ids);
	for (unsigned i = 0; i < o->nnotes; i++)
		free(o->notes[i]);
	o->nnotes = 0;
	func_clear_origin(o);
	snprintf(buf, sizeof(buf), "vpci %s", vpci_version());
	rc = func_add_origin(o, "tool", buf);
	rc |= func_add_origin(o, "source", "common");
	snprintf(buf, sizeof(buf), "the largest instance %zu functions can back (first: %s)", n,
		 label_of(fns, 0, opts));
	rc |= func_add_origin(o, "note", buf);
	rc |= vpci_func_set_name(o, opts && opts->name ? opts->name : "common");
	if (rc) {
		vpci_func_free(o);
		return VPCI_ENOMEM;
	}
	*out = o;
	return 0;
}

VPCI_EXPORT int vpci_common(const vpci_func *const *fns, size_t n, const struct vpci_common_opts *opts,
			    vpci_func **out, vpci_diag *d)
{
	struct mctx *m;
	int rc;

	*out = NULL;
	if (!n || !fns)
		return VPCI_EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return VPCI_ENOMEM;
	m->d = d;
	rc = start(fns, n, opts, &m->o);
	for (unsigned round = 0; !rc; round++) {
		int changed = 0;
		for (size_t k = 0; k < n && !rc; k++) {
			struct vpci_binding *b;
			m->p = fns[k];
			m->label = label_of(fns, k, opts);
			m->changed = 0;
			rc = bind_run(m->o, m->p, BIND_STRICT, &b);
			for (size_t i = 0; !rc && i < b->nreasons; i++)
				if (b->reasons[i].blocker)
					rc = meet(m, &b->reasons[i]);
			vpci_binding_free(b);
			if (!rc && m->changed)
				rc = apply_drops(m);
			changed |= m->changed;
		}
		if (!changed)
			break;
		if (round + 1 == MAX_ROUNDS) {
			struct diag_pos pos = DIAG_NOPOS;
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "no common instance after %d rounds", MAX_ROUNDS);
			rc = VPCI_EDATA;
		}
	}
	if (rc) {
		vpci_func_free(m->o);
		free(m);
		return rc;
	}
	*out = m->o;
	free(m);
	return 0;
}
