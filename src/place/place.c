/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * place.c - the placement rule for virtual capabilities (vpci/place.h,
 * docs/format.md §19): staging, finding the offset, inserting.
 *
 * The rule reads the function alone (its bytes, planes, capabilities and
 * free ranges), never the host, so an instance gives the same offsets on
 * every host.  Changing what it decides is a new rule version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place.h"

/* PCI 3.0 §6.7: standard capabilities live in 0x40..0xff; PCIe r6.0
 * §7.6.3: extended ones in 0x100..0xfff, the list starting at 0x100. */
#define STD_LO 0x40u
#define STD_HI 0x100u
#define EXT_LO 0x100u
#define EXT_HDR_LEN 4u

static unsigned round4(unsigned v)
{
	return (v + 3u) & ~3u;
}

/* --- staging ----------------------------------------------------------------- */

static int reset_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	(void)ctx;
	if (!(r->fd->flags & FD_MANAGED))
		le_put64(f->val + r->off, r->fd->width, r->fd->reset);
	return 0;
}

static int planes_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	(void)ctx;
	func_set_field_planes(f, r->fd, r->capoff, r->off);
	return 0;
}

static unsigned stage_room(const struct vcap_stage *st)
{
	return st->ext ? VPCI_CFG_SIZE - EXT_LO : STD_HI - STD_LO;
}

int place_stage_begin(const struct vpci_func *f, const struct vpci_cdesc *cd, uint16_t id, int ext,
		      uint8_t version, struct vcap_stage *st)
{
	memset(st, 0, sizeof(*st));
	st->s = vpci_func_new();
	if (!st->s)
		return VPCI_ENOMEM;
	st->cd = cd;
	st->id = id;
	st->ext = (uint8_t)(ext != 0);
	st->version = st->ext ? version : 0;
	st->at = st->ext ? EXT_LO : STD_LO;
	/* the function's bytes, so that layouts that read the PCI Express
	 * capability (AER root registers, per-lane registers) see it; the
	 * standard chain survives an extended capability staged at 0x100 */
	memcpy(st->s->val, f->val, VPCI_CFG_SIZE);
	memset(st->s->val + st->at, 0, stage_room(st));
	st->s->kind = f->kind;
	struct capinst *c = func_add_cap(st->s, st->ext);
	if (!c) {
		place_stage_end(st);
		return VPCI_ENOMEM;
	}
	c->id = id;
	c->version = st->version;
	c->off = (uint16_t)st->at;
	c->desc = cd;
	c->virt = 1;
	if (st->ext)
		le_put64(st->s->val + st->at, 4, (uint32_t)id | (uint32_t)(st->version & 0xf) << 16);
	else
		st->s->val[st->at] = (uint8_t)id;
	/* reset values, twice: a reset value may change the layout */
	func_foreach_cap_field(st->s, 0, reset_cb, NULL);
	func_foreach_cap_field(st->s, 0, reset_cb, NULL);
	place_stage_planes(st);
	return 0;
}

void place_stage_planes(struct vcap_stage *st)
{
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		memset(st->s->pl[p] + st->at, 0, stage_room(st));
	func_foreach_cap_field(st->s, 0, planes_cb, NULL);
}

void place_stage_own_len(struct vcap_stage *st, unsigned body)
{
	uint8_t *c = st->s->val + st->at;
	unsigned want = (st->ext ? EXT_HDR_LEN : 2u) + body;

	if (!st->cd)
		return;
	/* PCI 3.0 §6.7: byte 2 of a vendor-specific capability is its length;
	 * PCIe r6.0 §7.9.5/§7.9.6: bits 31:20 of DWORD 1 of a VSEC/DVSEC */
	if (st->cd->lenkind == LN_BYTE2 && !c[2])
		c[2] = (uint8_t)MIN(MAX(want, st->cd->len), 0xffu);
	else if (st->cd->lenkind == LN_VSEC && !(le32(c + 4) >> 20))
		le_put64(c + 4, 4, le32(c + 4) | (uint32_t)MIN(MAX(want, st->cd->len), 0xfffu) << 20);
}

unsigned place_stage_len(const struct vcap_stage *st)
{
	struct captab_layout lay;
	unsigned hdr = st->ext ? EXT_HDR_LEN : 2u;

	if (!st->cd)
		return hdr;
	captab_layout(st->cd, st->s->val, st->at, &lay);
	return MAX(lay.length, hdr);
}

void place_stage_end(struct vcap_stage *st)
{
	vpci_func_free(st->s);
	st->s = NULL;
}

/* --- which bytes are free ---------------------------------------------------- */

enum {
	FB_RANGE = 1u << 0, /* in a free range kept for any capability */
	FB_MINE = 1u << 1,  /* in a free range kept for this capability's name */
	FB_GAP = 1u << 2,   /* outside every structure: value 0, read-only, virtual */
};

/* Classify every byte for a capability named @tag (FB_* bits, 0: taken).
 * A gap byte is inert: value 0 and no plane bit (the planes are OR-ed a
 * whole plane at a time, not byte by byte across the planes). */
static void classify(const struct vpci_func *f, const char *tag, uint8_t *cls)
{
	uint8_t used[VPCI_CFG_SIZE];

	memcpy(used, f->val, sizeof(used));
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		for (unsigned k = 0; k < VPCI_CFG_SIZE; k++)
			used[k] |= f->pl[p][k];
	for (unsigned i = 0; i < f->ncaps; i++) {
		unsigned off = f->caps[i].off, len = cap_extent(&f->caps[i]);
		if (off < VPCI_CFG_SIZE)
			memset(used + off, 1, MIN(len, VPCI_CFG_SIZE - off));
	}
	memset(cls, 0, VPCI_CFG_SIZE);
	for (unsigned k = STD_LO; k < f->size; k++)
		if (!used[k])
			cls[k] = FB_GAP;
	for (unsigned i = 0; i < f->nfree; i++) {
		const struct freerange *r = &f->free[i];
		uint8_t c = !r->tag[0] ? FB_RANGE : tag && !strcmp(tag, r->tag) ? FB_MINE : 0;
		for (unsigned k = r->off; k < (unsigned)r->off + r->len && k < VPCI_CFG_SIZE; k++)
			if (cls[k])
				cls[k] = c;
	}
}

/* Why byte @k is not free, for a message. */
static void blocker(const struct vpci_func *f, unsigned k, char *buf, size_t size)
{
	char nb[48];

	if (k < STD_LO) {
		snprintf(buf, size, "the header (0x00..0x3f)");
		return;
	}
	if (k >= f->size) {
		snprintf(buf, size, "the end of the %u-byte config space", f->size);
		return;
	}
	int i = func_cap_overlapping(f, k, 1);
	if (i >= 0) {
		const struct capinst *c = &f->caps[i];
		snprintf(buf, size, "%s%s at 0x%x (length %u)", c->virt ? "virtual " : "",
			 captab_cap_name(c->ext ? CK_EXT : CK_STD, c->id, nb, sizeof(nb)), c->off, cap_extent(c));
		return;
	}
	for (unsigned r = 0; r < f->nfree; r++) {
		const struct freerange *fr = &f->free[r];
		if (k >= fr->off && k < (unsigned)fr->off + fr->len && fr->tag[0]) {
			snprintf(buf, size, "free range 0x%x+0x%x, kept for %s", fr->off, fr->len, fr->tag);
			return;
		}
	}
	if (f->pl[VPCI_PL_DEVICE][k])
		snprintf(buf, size, "device-backed byte 0x%x (registers the device keeps outside its capabilities)", k);
	else if (f->val[k])
		snprintf(buf, size, "byte 0x%x, which holds 0x%02x outside every capability", k, f->val[k]);
	else
		snprintf(buf, size, "byte 0x%x, which is not read-only outside every capability", k);
}

static int fits(const uint8_t *cls, unsigned off, unsigned len, uint8_t mask)
{
	for (unsigned k = off; k < off + len; k++)
		if (!(cls[k] & mask))
			return 0;
	return 1;
}

/* Lowest DWORD-aligned offset in [@lo, @hi) where @len bytes fit, skipping
 * [@skip, @skip + 4) when @skip; -1 when none. */
static int first_fit(const uint8_t *cls, unsigned lo, unsigned hi, unsigned len, uint8_t mask, unsigned skip)
{
	for (unsigned o = lo; o + len <= hi; o += 4) {
		if (skip && o < skip + EXT_HDR_LEN && skip < o + len)
			continue;
		if (fits(cls, o, len, mask))
			return (int)o;
	}
	return -1;
}

/* The longest run of bytes with @mask in [@lo, @hi): its length, and its
 * start in *@at. */
static unsigned longest_run(const uint8_t *cls, unsigned lo, unsigned hi, uint8_t mask, unsigned *at)
{
	unsigned best = 0, run = 0;

	*at = lo;
	for (unsigned k = lo; k < hi; k++) {
		run = (cls[k] & mask) ? run + 1 : 0;
		if (run > best) {
			best = run;
			*at = k + 1 - run;
		}
	}
	return best;
}

struct where {
	const struct vpci_func *f;
	const struct vcap_stage *st;
	const uint8_t *cls;
	unsigned lo, hi, len;
	int ext_empty;
	char what[80];            /* "virtual PASID (8 bytes)" */
};

/* The region a placement lies in: the declared free range that holds it,
 * else the run of @mask bytes around it. */
static void region(const struct where *w, struct vpci_placement *pl, uint8_t mask)
{
	for (unsigned i = 0; pl->where != VPCI_PLACED_GAP && i < w->f->nfree; i++) {
		const struct freerange *r = &w->f->free[i];
		if (pl->offset >= r->off && pl->offset + pl->length <= (unsigned)r->off + r->len) {
			pl->region_offset = r->off;
			pl->region_length = r->len;
			return;
		}
	}
	unsigned a = pl->offset, b = pl->offset + pl->length;
	while (a > w->lo && (w->cls[a - 1] & mask))
		a--;
	while (b < w->hi && (w->cls[b] & mask))
		b++;
	pl->region_offset = a;
	pl->region_length = b - a;
}

/* One rule step: the capability at the lowest offset where it fits in
 * bytes of @mask (an empty extended list: at 0x100, or with an empty header
 * there).  1 when placed. */
static int try_step(const struct where *w, uint8_t mask, enum vpci_place_where why, struct vpci_placement *pl)
{
	int o;

	pl->anchor = 0;
	if (w->ext_empty) {
		if (fits(w->cls, EXT_LO, w->len, mask)) {
			o = EXT_LO;
		} else if (fits(w->cls, EXT_LO, EXT_HDR_LEN, mask)) {
			o = first_fit(w->cls, EXT_LO, w->hi, w->len, mask, EXT_LO);
			pl->anchor = o >= 0;
		} else {
			o = -1;
		}
	} else {
		o = first_fit(w->cls, w->lo, w->hi, w->len, mask, 0);
	}
	if (o < 0)
		return 0;
	pl->offset = (unsigned)o;
	pl->length = w->len;
	pl->where = why;
	region(w, pl, mask);
	return 1;
}

static void explain(const struct where *w, struct vpci_placement *pl)
{
	char extra[64] = "";

	if (pl->anchor)
		snprintf(extra, sizeof(extra), "; an empty header at 0x100 leads to it");
	switch (pl->where) {
	case VPCI_PLACED_PINNED:
		snprintf(pl->reason, sizeof(pl->reason), "pinned at 0x%x%s", pl->offset, extra);
		break;
	case VPCI_PLACED_RESERVED:
		snprintf(pl->reason, sizeof(pl->reason), "at 0x%x in free range 0x%x+0x%x, kept for %s (rule %d step 1)%s",
			 pl->offset, pl->region_offset, pl->region_length, w->st->tag, VPCI_PLACE_RULE, extra);
		break;
	case VPCI_PLACED_FREE_RANGE:
		snprintf(pl->reason, sizeof(pl->reason),
			 "at 0x%x in free range 0x%x+0x%x, the lowest with room (rule %d step 2)%s", pl->offset,
			 pl->region_offset, pl->region_length, VPCI_PLACE_RULE, extra);
		break;
	case VPCI_PLACED_GAP:
		snprintf(pl->reason, sizeof(pl->reason),
			 "at 0x%x in free bytes 0x%x+0x%x, the lowest run with room, gaps included (rule %d step 3)%s",
			 pl->offset, pl->region_offset, pl->region_length, VPCI_PLACE_RULE, extra);
		break;
	}
}

/* No room: say exactly why. */
static int no_room(const struct where *w, struct diag_pos pos, vpci_diag *d)
{
	unsigned at, run = longest_run(w->cls, w->lo, w->hi, FB_RANGE | FB_MINE, &at), declared = 0;
	char have[200] = "", gaps[160] = "";

	for (unsigned i = 0; i < w->f->nfree; i++) {
		const struct freerange *r = &w->f->free[i];
		if (r->off >= w->hi || (unsigned)r->off + r->len <= w->lo)
			continue;
		if (r->tag[0] && strcmp(r->tag, w->st->tag)) {
			size_t n = strlen(have);
			snprintf(have + n, sizeof(have) - n, "%sfree range 0x%x+0x%x is kept for %s",
				 declared ? "; " : "", r->off, r->len, r->tag);
		}
		declared++;
	}
	if (!declared)
		snprintf(have, sizeof(have), "the function declares no free range there");
	else if (!run)
		snprintf(have + strlen(have), sizeof(have) - strlen(have), "%sno free range there has a free byte",
			 have[0] ? "; " : "");
	else
		snprintf(have + strlen(have), sizeof(have) - strlen(have),
			 "%sthe longest run of free bytes in its free ranges is %u at 0x%x", have[0] ? "; " : "", run, at);
	if (w->ext_empty && w->len <= w->hi - w->lo)
		snprintf(have + strlen(have), sizeof(have) - strlen(have),
			 ", and the empty extended list needs its first header at 0x100");
	struct vpci_placement g;
	if (!(w->st->placement & VCAP_GAPS)) {
		if (try_step(w, FB_RANGE | FB_MINE | FB_GAP, VPCI_PLACED_GAP, &g))
			snprintf(gaps, sizeof(gaps), "; gaps the function proves free would take it at 0x%x "
				 "(placement: auto-gaps)", g.offset);
	} else {
		run = longest_run(w->cls, w->lo, w->hi, FB_RANGE | FB_MINE | FB_GAP, &at);
		snprintf(gaps, sizeof(gaps), "; counting gaps the function proves free, the longest run is %u bytes at 0x%x",
			 run, at);
	}
	diag_add(d, VPCI_SEV_ERROR, VPCI_ENOENT, pos, "no room for %s in 0x%x..0x%x: %s%s", w->what, w->lo,
		 w->hi - 1, have, gaps);
	return VPCI_ENOENT;
}

static int pinned(const struct where *w, struct vpci_placement *pl, struct diag_pos pos, vpci_diag *d)
{
	unsigned off = w->st->off;
	char b[160];

	pos.offset = (int)off;
	if (off & 3) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_ERANGE, pos, "%s at 0x%x: the offset is not DWORD aligned", w->what, off);
		return VPCI_ERANGE;
	}
	if (off < w->lo || off + w->len > w->hi) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_ERANGE, pos, "%s at 0x%x does not fit in 0x%x..0x%x", w->what, off,
			 w->lo, w->hi - 1);
		return VPCI_ERANGE;
	}
	for (unsigned k = off; k < off + w->len; k++) {
		if (!w->cls[k]) {
			blocker(w->f, k, b, sizeof(b));
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "%s at 0x%x overlaps %s", w->what, off, b);
			return VPCI_EDATA;
		}
	}
	pl->anchor = 0;
	if (w->ext_empty && off != EXT_LO) {
		for (unsigned k = EXT_LO; k < EXT_LO + EXT_HDR_LEN; k++) {
			if (!w->cls[k] || (k >= off && k < off + w->len)) {
				blocker(w->f, k, b, sizeof(b));
				diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos,
					 "%s at 0x%x: the extended list is empty, so an empty header at 0x100 must lead "
					 "to it (PCIe r6.0 §7.6.3), and 0x100 is taken by %s", w->what, off,
					 k >= off && k < off + w->len ? "the capability itself" : b);
				return VPCI_EDATA;
			}
		}
		pl->anchor = 1;
	}
	pl->offset = off;
	pl->length = w->len;
	pl->where = VPCI_PLACED_PINNED;
	region(w, pl, FB_RANGE | FB_MINE | FB_GAP);
	return 0;
}

int place_find(const struct vpci_func *f, const struct vcap_stage *st, struct vpci_placement *out,
	       struct diag_pos pos, vpci_diag *d)
{
	uint8_t *cls = malloc(VPCI_CFG_SIZE);
	struct where w = { f, st, cls, 0, 0, 0, 0, "" };
	char nb[48];
	int rc = 0, pcie = 0, ext_caps = 0;

	if (!cls)
		return VPCI_ENOMEM;
	memset(out, 0, sizeof(*out));
	snprintf(w.what, sizeof(w.what), "virtual %s (%u bytes)",
		 captab_cap_name(st->ext ? CK_EXT : CK_STD, st->id, nb, sizeof(nb)), round4(place_stage_len(st)));
	w.len = round4(place_stage_len(st));
	for (unsigned i = 0; i < f->ncaps; i++) {
		pcie |= !f->caps[i].ext && f->caps[i].id == 0x10;
		ext_caps += f->caps[i].ext;
	}
	if (st->ext) {
		w.lo = EXT_LO;
		w.hi = f->size;
		w.ext_empty = !ext_caps;
		if (f->size < VPCI_CFG_SIZE) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_ENOENT, pos, "no room for %s: extended capabilities need a "
				 "4096-byte config space, and this function has %u bytes", w.what, f->size);
			rc = VPCI_ENOENT;
		} else if (!pcie) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_ENOENT, pos, "no room for %s: extended capabilities need a "
				 "PCI Express capability (PCIe r6.0 §7.6), and this function has none", w.what);
			rc = VPCI_ENOENT;
		}
	} else {
		w.lo = STD_LO;
		w.hi = MIN(STD_HI, (unsigned)f->size);
		if (f->kind == VPCI_KIND_CARDBUS) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_ENOENT, pos, "no room for %s: a CardBus function is "
				 "described by raw bytes only", w.what);
			rc = VPCI_ENOENT;
		}
	}
	if (!rc) {
		classify(f, st->tag[0] ? st->tag : NULL, cls);
		if (!(st->placement & VCAP_AUTO))
			rc = pinned(&w, out, pos, d);
		else if (!(st->tag[0] && try_step(&w, FB_MINE, VPCI_PLACED_RESERVED, out)) &&
			 !try_step(&w, FB_RANGE | FB_MINE, VPCI_PLACED_FREE_RANGE, out) &&
			 !((st->placement & VCAP_GAPS) && try_step(&w, FB_RANGE | FB_MINE | FB_GAP, VPCI_PLACED_GAP, out)))
			rc = no_room(&w, pos, d);
	}
	if (!rc)
		explain(&w, out);
	free(cls);
	return rc;
}

/* --- inserting ---------------------------------------------------------------- */

int place_insert(struct vpci_func *f, const struct vcap_stage *st, struct vpci_placement *pl)
{
	unsigned len = place_stage_len(st), room = pl->length;
	struct capinst *c = func_add_cap(f, st->ext);

	if (!c)
		return VPCI_ENOMEM;
	c->id = st->id;
	c->version = st->version;
	c->off = (uint16_t)pl->offset;
	c->desc = st->cd;
	c->loc = st->loc;
	c->virt = 1;
	c->placement = st->placement;
	snprintf(c->tag, sizeof(c->tag), "%s", st->tag);
	unsigned idx = st->ext ? f->ncaps - 1 : f->nstd - 1;
	if (pl->anchor) {
		if (func_link_ext_list(f)) {
			func_remove_cap(f, idx);
			return VPCI_ENOMEM;
		}
		/* the empty header leads to virtual capabilities only: it is
		 * one of them, pinned at 0x100 */
		f->caps[f->nstd].virt = 1;
		f->caps[f->nstd].placement = VCAP_PINNED;
	}
	for (unsigned k = 0; k < room; k++) {
		unsigned to = pl->offset + k, from = st->at + k;
		int inside = k < len;
		f->val[to] = inside ? st->s->val[from] : 0;
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			f->pl[p][to] = inside ? st->s->pl[p][from] : 0;
		f->byteloc[to] = inside ? st->s->byteloc[from] : 0;
	}
	if (!st->ext)
		f->val[0x06] |= 0x10; /* Status.Capabilities List (PCIe r6.0 §7.5.1.1.4) */
	func_apply_structure(f);
	for (unsigned i = 0; i < f->ncaps; i++)
		if (f->caps[i].off == pl->offset && f->caps[i].virt)
			pl->index = i;
	return 0;
}
