/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bind.c - the binder: pairs every device-backed byte of an instance with
 * the physical byte that backs it, and checks the can-back rules of
 * rules.c.  Passes:
 *   1. structure: config size, header layout, function type;
 *   2. capabilities: each guest capability matched to the first unused
 *      physical one with the same ID, version and key bytes (rules.c);
 *      presence where device-backed bytes or the hardware need it;
 *   3. registers: every device-backed field mapped onto the same field of
 *      the matched capability (fields move with their capability, and
 *      with the layout: MSI data sits at 0x08 or 0x0c);
 *   4. the rest of the device-backed bytes: header bytes at their offset,
 *      bodies relative to their capability, gaps at their offset where
 *      the function has no structure;
 *   5. BARs and ROM; 6. register rules.
 * Every failure is a reason; nothing stops at the first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind_priv.h"

struct piece {
	uint16_t g, p, len;
	int cap;                     /* guest capability, -1 header / gap */
	const struct vpci_fdesc *fd; /* NULL: body or gap bytes */
	uint8_t inst, gap;
};

struct bctx {
	const struct vpci_func *g, *p;
	struct vpci_binding *b;
	unsigned flags;
	int *pmatch;                 /* guest cap -> physical cap, -1 */
	uint8_t *pused;
	uint8_t covered[VPCI_CFG_SIZE];
	int same_kind;
	struct piece *pieces;
	size_t npieces, apieces;
	int nomem;
};

/* --- helpers ---------------------------------------------------------- */

static int dev_any(const struct vpci_func *f, unsigned off, unsigned len)
{
	for (unsigned i = off; i < off + len && i < VPCI_CFG_SIZE; i++)
		if (f->pl[VPCI_PL_DEVICE][i])
			return 1;
	return 0;
}

static const char *cap_name(const struct capinst *c)
{
	if (c->desc)
		return c->desc->name;
	return c->ext ? "unknown extended capability" : "unknown capability";
}

/* "Advanced Error Reporting (0x0001 v2) at 0x100" */
static void cap_label(const struct capinst *c, char *buf, size_t n)
{
	if (c->ext)
		snprintf(buf, n, "%s (%#06x v%u) at %#x", cap_name(c), c->id, c->version, c->off);
	else
		snprintf(buf, n, "%s (%#04x) at %#x", cap_name(c), c->id, c->off);
}

PRINTF(11, 12)
static void reason(struct bctx *c, unsigned rule, int blocker, int gcap, int goff, int poff, unsigned len,
		   int bar, uint64_t pval, uint32_t loc, const char *fmt, ...)
{
	struct vpci_binding *b = c->b;
	char msg[400], full[512], where[64];
	va_list ap;

	if (xgrow(&b->reasons, &b->areasons, b->nreasons, sizeof(*b->reasons), 16)) {
		c->nomem = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (goff >= 0 && poff >= 0)
		snprintf(where, sizeof(where), "guest %#x, physical %#x", (unsigned)goff, (unsigned)poff);
	else if (goff >= 0)
		snprintf(where, sizeof(where), "guest %#x, physical: none", (unsigned)goff);
	else if (poff >= 0)
		snprintf(where, sizeof(where), "physical %#x", (unsigned)poff);
	else
		where[0] = '\0';
	snprintf(full, sizeof(full), where[0] ? "[%s] %s (%s)" : "[%s] %s", bind_rules[rule].id, msg, where);
	struct diag_pos pos = loc ? func_pos(c->g, loc, goff) : func_pos_off(c->g, goff);
	struct bind_reason *r = &b->reasons[b->nreasons];
	memset(r, 0, sizeof(*r));
	r->rule = (uint16_t)rule;
	r->blocker = (uint8_t)(blocker != 0);
	r->gcap = gcap;
	r->goff = goff;
	r->poff = poff;
	r->len = len;
	r->bar = bar;
	r->pval = pval;
	r->line = pos.line;
	r->col = pos.column;
	r->msg = xstrdup(full);
	if (!r->msg) {
		c->nomem = 1;
		return;
	}
	b->nreasons++;
	if (blocker)
		b->ok = 0;
}

static void add_piece(struct bctx *c, unsigned g, unsigned p, unsigned len, int cap,
		      const struct vpci_fdesc *fd, unsigned inst, int gap)
{
	for (unsigned i = 0; i < len; i++) {
		c->b->map[g + i] = (uint16_t)(p + i);
		c->covered[g + i] = 1;
	}
	if (xgrow(&c->pieces, &c->apieces, c->npieces, sizeof(*c->pieces), 16)) {
		c->nomem = 1;
		return;
	}
	c->pieces[c->npieces++] = (struct piece){ (uint16_t)g, (uint16_t)p, (uint16_t)len, cap, fd,
						  (uint8_t)inst, (uint8_t)gap };
}

/* A physical VF whose backend implements its Memory Space Enable (vfio-pci
 * emulates it) says so with that bit of its device plane. */
int bind_function_type(const struct vpci_func *f, int physical)
{
	/* a VF's Vendor and Device ID read 0xffff (PCIe §9.3.4.1.1) */
	if (le16(f->val) == 0xffff && le16(f->val + 2) == 0xffff)
		return 1;
	/* a view that hands Bus Master to the device says what it is: a PF's
	 * Memory Space Enable is the device's too, a VF's is not (RsvdP,
	 * §9.3.4.1.3) */
	uint16_t dev = le16(f->pl[VPCI_PL_DEVICE] + 0x04);
	if (dev & 0x4)
		return (dev & 0x2) ? 0 : 1;
	return physical ? 0 : -1;
}

/* Field @pattern (the table's name, "%u" unformatted), instance @inst, of
 * capability @cap (-1: header) in @f's layout. */
static int find_field(const struct vpci_func *f, int cap, const char *pattern, unsigned inst, unsigned *off,
		      unsigned *width)
{
	const struct vpci_cdesc *cd = cap < 0 ? func_header_desc(f) : f->caps[cap].desc;
	unsigned capoff = cap < 0 ? 0 : f->caps[cap].off;
	struct captab_layout lay;

	if (!cd || !cd->fields)
		return -1;
	captab_layout(cd, f->val, capoff, &lay);
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++) {
		if (strcmp(fd->name, pattern) || inst >= captab_field_count(fd, &lay))
			continue;
		unsigned o = capoff + fd->off + inst * fd->stride;
		if (o + fd->width > f->size)
			return -1;
		*off = o;
		*width = fd->width;
		return 0;
	}
	return -1;
}

int bind_field_find(const struct vpci_func *f, int cap, const char *name, unsigned *off, unsigned *width)
{
	return find_field(f, cap, name, 0, off, width);
}

/* The capability of @f that owns byte @b, or -1.  A capability of unknown
 * length (a body the table does not describe) is taken to reach the next
 * capability of its space, or the end of that space: a guess that errs
 * on the side of "structure here". */
static int owner(const struct vpci_func *f, unsigned b)
{
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		unsigned end = c->off + c->len;
		if (!c->len) {
			end = c->ext ? f->size : VPCI_CFG_SIZE_CONV;
			for (unsigned j = 0; j < f->ncaps; j++)
				if (f->caps[j].ext == c->ext && f->caps[j].off > c->off && f->caps[j].off < end)
					end = f->caps[j].off;
		}
		if (b >= c->off && b < end)
			return (int)i;
	}
	return -1;
}

/* --- pass 1: structure ------------------------------------------------ */

static void check_structure(struct bctx *c)
{
	const struct vpci_func *g = c->g, *p = c->p;

	if (g->size > p->size) {
		/* named where the instance needs the space: its first extended capability */
		const struct capinst *e = g->ncaps > g->nstd ? &g->caps[g->nstd] : NULL;
		reason(c, R_CONFIG_SIZE, 1, -1, e ? e->off : -1, -1, 0, -1, p->size, e ? e->loc : g->byteloc[0],
		       "the instance has %u bytes of config space, the function %u", g->size, p->size);
	}
	c->same_kind = g->kind == p->kind;
	if (!c->same_kind) {
		static const char *const kinds[] = { "type 0 (endpoint)", "type 1 (bridge)", "type 2 (CardBus)" };
		reason(c, R_HEADER_KIND, 1, -1, 0x0e, 0x0e, 1, -1, p->kind, g->byteloc[0],
		       "the instance has a %s header, the function a %s header", kinds[g->kind % 3],
		       kinds[p->kind % 3]);
	}
	int gt = bind_function_type(g, 0), pt = bind_function_type(p, 1);
	if (gt == 0 && pt == 1 && !(le16(p->pl[VPCI_PL_DEVICE] + 0x04) & 0x2))
		reason(c, R_FUNCTION_TYPE, 1, -1, 0x04, 0x04, 2, -1, (uint64_t)pt, g->byteloc[0x04],
		       "the instance is a PF view (Memory Space Enable device-backed), the function is a VF: it does "
		       "not implement that bit and its backend does not emulate it");
	else if (gt == 1 && pt == 0)
		reason(c, R_FUNCTION_TYPE, 1, -1, 0x04, 0x04, 2, -1, (uint64_t)pt, g->byteloc[0x04],
		       "the instance is a VF view (Memory Space Enable virtual, Bus Master device-backed), the function "
		       "is a PF: its memory decode would never be enabled");
}

/* --- pass 2: capabilities --------------------------------------------- */

static int same_cap(const struct vpci_func *g, const struct capinst *gc, const struct vpci_func *p,
		    const struct capinst *pc)
{
	if (gc->ext != pc->ext || gc->id != pc->id || (gc->ext && gc->version != pc->version))
		return 0;
	for (unsigned k = 0; k < bind_nkeys; k++) {
		const struct bind_key *key = &bind_keys[k];
		if (key->kind != (gc->ext ? CK_EXT : CK_STD) || key->cap != gc->id)
			continue;
		unsigned go = gc->off + key->off, po = pc->off + key->off;
		if (go + key->width > VPCI_CFG_SIZE || po + key->width > VPCI_CFG_SIZE ||
		    le_get(g->val + go, key->width) != le_get(p->val + po, key->width))
			return 0;
	}
	return 1;
}

/* The presence rule that applies to an unmatched guest capability, or -1. */
static int presence_rule(const struct bctx *c, const struct capinst *gc)
{
	if (gc->id == 0 && gc->desc && !strcmp(gc->desc->key, gc->ext ? "null-ext" : "null"))
		return -1; /* a placeholder (an empty header at 0x100) backs nothing */
	if (dev_any(c->g, gc->off, cap_extent(gc)))
		return R_CAP_DEVICE;
	for (unsigned r = R_STRUCT_COUNT; r < bind_nrules; r++)
		if (bind_rules[r].cmp == BC_PRESENT && bind_rules[r].kind == (gc->ext ? CK_EXT : CK_STD) &&
		    bind_rules[r].cap == gc->id)
			return (int)r;
	return (c->flags & BIND_STRICT) ? R_CAP_PRESENT : -1;
}

static void match_caps(struct bctx *c)
{
	const struct vpci_func *g = c->g, *p = c->p;
	char lab[128];

	for (unsigned i = 0; i < g->ncaps; i++) {
		const struct capinst *gc = &g->caps[i];
		c->pmatch[i] = -1;
		/* a virtual capability (format §19) is the VMM's: no device backs
		 * it, the function need not have one (a VF has no PASID of its
		 * own); what the host backs is vpci_check_host_pasid()'s matter */
		if (gc->virt)
			continue;
		for (unsigned j = 0; j < p->ncaps; j++) {
			if (!c->pused[j] && same_cap(g, gc, p, &p->caps[j])) {
				c->pmatch[i] = (int)j;
				c->pused[j] = 1;
				break;
			}
		}
		if (c->pmatch[i] >= 0)
			continue;
		int rule = presence_rule(c, gc);
		if (rule < 0)
			continue;
		cap_label(gc, lab, sizeof(lab));
		const char *key = gc->ext ? " and version" : "";
		for (unsigned k = 0; k < bind_nkeys; k++)
			if (bind_keys[k].kind == (gc->ext ? CK_EXT : CK_STD) && bind_keys[k].cap == gc->id)
				key = gc->id == 0x09 ? " and length" : gc->id == 0x0b ? ", version, VSEC ID and length" :
				      ", version, vendor, DVSEC ID and length";
		reason(c, (unsigned)rule, 1, (int)i, gc->off, -1, cap_extent(gc), -1, 0, gc->loc,
		       "%s %s, but the function has no capability with that ID%s", lab,
		       rule == R_CAP_DEVICE ? "has device-backed registers" :
		       rule == R_CAP_PRESENT ? "is not on every function" : "needs the function's own", key);
	}
}

/* --- pass 3: registers ------------------------------------------------ */

static void map_fields_of(struct bctx *c, int cap)
{
	const struct vpci_func *g = c->g, *p = c->p;
	const struct vpci_cdesc *cd = cap < 0 ? func_header_desc(g) : g->caps[cap].desc;
	unsigned capoff = cap < 0 ? 0 : g->caps[cap].off;
	int pc = cap < 0 ? -1 : c->pmatch[cap];
	struct captab_layout lay;

	if (!cd || !cd->fields)
		return;
	if (cap < 0 ? !c->same_kind : pc < 0)
		return; /* reported by pass 1 or 2 (or nothing device-backed) */
	captab_layout(cd, g->val, capoff, &lay);
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++) {
		unsigned n = captab_field_count(fd, &lay);
		for (unsigned i = 0; i < n; i++) {
			unsigned off = capoff + fd->off + i * fd->stride, poff, pw;
			if (off + fd->width > g->size)
				break;
			if (!dev_any(g, off, fd->width))
				continue;
			if (find_field(p, pc, fd->name, i, &poff, &pw) == 0 && pw == fd->width) {
				add_piece(c, off, poff, fd->width, cap, fd, i, 0);
				continue;
			}
			char name[48], lab[128] = "the header";
			captab_field_name(fd, i, name, sizeof(name));
			if (cap >= 0)
				cap_label(&g->caps[cap], lab, sizeof(lab));
			for (unsigned k = 0; k < fd->width; k++)
				c->covered[off + k] = 1;
			reason(c, R_FIELD, 1, cap, (int)off, pc < 0 ? -1 : (int)p->caps[pc].off, fd->width, -1, 0,
			       g->byteloc[off],
			       "register %s of %s is device-backed, but the function's %s has no such register "
			       "(another version or layout)", name, lab, cap < 0 ? "header" : cap_name(&g->caps[cap]));
		}
	}
}

/* --- pass 4: the remaining device-backed bytes ------------------------ */

/* One run of device-backed bytes [@lo, @hi) outside every described
 * register, all owned by guest capability @cap (-1: header or gap). */
static void map_run(struct bctx *c, unsigned lo, unsigned hi, int cap)
{
	const struct vpci_func *g = c->g, *p = c->p;
	char lab[128];

	if (cap < 0 && lo < 0x40) {
		if (c->same_kind)
			add_piece(c, lo, lo, hi - lo, -1, NULL, 0, 0);
		return; /* a header of another layout: reported by pass 1 */
	}
	if (cap >= 0) {
		const struct capinst *gc = &g->caps[cap];
		int pc = c->pmatch[cap];
		if (pc < 0)
			return; /* reported by pass 2 */
		const struct capinst *pcap = &p->caps[pc];
		unsigned rel = lo - gc->off;
		unsigned plen = pcap->len;
		cap_label(gc, lab, sizeof(lab));
		if (!plen && pcap->off == gc->off && owner(p, lo) == pc && owner(p, hi - 1) == pc) {
			/* a body of unknown length at the same offset, inside what
			 * the function's capability spans: kept in place */
			add_piece(c, lo, lo, hi - lo, cap, NULL, 0, 0);
			return;
		}
		if (!plen || pcap->off + rel + (hi - lo) > pcap->off + plen || pcap->off + rel + (hi - lo) > p->size) {
			reason(c, R_CAP_BODY, 1, cap, (int)lo, (int)(pcap->off + rel), hi - lo, -1, plen, g->byteloc[lo],
			       plen ? "bytes %#x..%#x of %s are device-backed, past the end of the function's (%u bytes)"
				    : "bytes %#x..%#x of %s are device-backed, and the length of the function's is unknown%.0u",
			       lo, hi - 1, lab, plen);
			return;
		}
		add_piece(c, lo, pcap->off + rel, hi - lo, cap, NULL, 0, 0);
		return;
	}
	/* gap registers: the same offset, where the function has nothing */
	unsigned a = lo;
	while (a < hi) {
		int pc = a < p->size ? owner(p, a) : -1;
		unsigned e = a + 1;
		if (a >= p->size) {
			reason(c, R_GAP, 1, -1, (int)a, -1, hi - a, -1, 0, g->byteloc[a],
			       "bytes %#x..%#x outside every capability are device-backed, past the function's config space",
			       a, hi - 1);
			return;
		}
		if (pc >= 0) {
			while (e < hi && owner(p, e) == pc)
				e++;
			cap_label(&p->caps[pc], lab, sizeof(lab));
			reason(c, R_GAP, 1, -1, (int)a, (int)a, e - a, -1, 0, g->byteloc[a],
			       "bytes %#x..%#x outside every capability are device-backed, but the function has %s there",
			       a, e - 1, lab);
		} else {
			while (e < hi && owner(p, e) < 0)
				e++;
			add_piece(c, a, a, e - a, -1, NULL, 0, 1);
		}
		a = e;
	}
}

static void map_rest(struct bctx *c)
{
	const struct vpci_func *g = c->g;
	unsigned b = 0;

	while (b < g->size) {
		if (c->covered[b] || !g->pl[VPCI_PL_DEVICE][b]) {
			b++;
			continue;
		}
		int cap = b < 0x40 ? -1 : owner(g, b);
		unsigned e = b + 1;
		while (e < g->size && !c->covered[e] && g->pl[VPCI_PL_DEVICE][e] && (e < 0x40) == (b < 0x40) &&
		       (e < 0x40 ? -1 : owner(g, e)) == cap)
			e++;
		map_run(c, b, e, cap);
		for (unsigned k = b; k < e; k++)
			c->covered[k] = 1;
		b = e;
	}
}

/* --- pass 5: BARs and the ROM ----------------------------------------- */

static void check_bars(struct bctx *c)
{
	const struct vpci_func *g = c->g, *p = c->p;
	int sizes_known = 0;

	if (!c->same_kind)
		return;
	for (unsigned i = 0; i <= ROM_INDEX; i++)
		sizes_known |= p->bar[i].size_known;
	int pvf = bind_function_type(p, 1) == 1;
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *gb = &g->bar[i], *pb = &p->bar[i];
		char what[16];
		unsigned off = func_bar_off(g, i);
		unsigned kr = i == ROM_INDEX ? R_ROM : R_BAR_KIND, sr = i == ROM_INDEX ? R_ROM : R_BAR_SIZE;
		if ((i < ROM_INDEX && i >= func_nbars(g)) || gb->type == VPCI_BAR_NONE || gb->type == VPCI_BAR_MEM64_HI)
			continue;
		if (i == ROM_INDEX)
			snprintf(what, sizeof(what), "the ROM");
		else
			snprintf(what, sizeof(what), "BAR %u", i);
		if (pb->type == VPCI_BAR_NONE) {
			/* a register that reads 0 may be unassigned; without the
			 * source's sizes (a bare image or dump, a VF) nobody knows */
			if (!sizes_known && (pvf || !le32(p->val + off)))
				reason(c, kr, 0, -1, (int)off, (int)off, 4, (int)i, 0, gb->loc,
				       "%s cannot be checked: the function's register reads 0 and the source gives no sizes",
				       what);
			else
				reason(c, kr, 1, -1, (int)off, (int)off, 4, (int)i, 0, gb->loc,
				       "%s (%s) has nothing behind it: the function has none there", what,
				       vpci_bar_type_name((enum vpci_bar_type)gb->type));
			continue;
		}
		if (i < ROM_INDEX && pb->type != gb->type) {
			reason(c, R_BAR_KIND, 1, -1, (int)off, (int)off, 4, (int)i, pb->type, gb->loc,
			       "%s is %s in the instance, %s on the function", what,
			       vpci_bar_type_name((enum vpci_bar_type)gb->type),
			       vpci_bar_type_name((enum vpci_bar_type)pb->type));
			continue;
		}
		if (i < ROM_INDEX && gb->pref && !pb->pref)
			reason(c, R_BAR_PREFETCH, 1, -1, (int)off, (int)off, 4, (int)i, 0, gb->loc,
			       "%s is prefetchable in the instance, not on the function", what);
		uint32_t sl = gb->loc_size ? gb->loc_size : gb->loc;
		if (!gb->size_known)
			reason(c, sr, 0, -1, (int)off, (int)off, 4, (int)i, 0, sl,
			       "%s has no size in the instance: not checked", what);
		else if (!pb->size_known)
			reason(c, sr, 0, -1, (int)off, (int)off, 4, (int)i, 0, sl,
			       "%s: the function's size is unknown (the source gives none): not checked", what);
		else if (gb->size > pb->size)
			reason(c, sr, 1, -1, (int)off, (int)off, 4, (int)i, pb->size, sl,
			       "%s is %#llx bytes in the instance, larger than the function's %#llx", what,
			       (unsigned long long)gb->size, (unsigned long long)pb->size);
	}
}

/* --- pass 6: register rules ------------------------------------------- */

static uint32_t field_val(const struct vpci_func *f, int cap, const char *name, uint32_t mask, int *found,
			  unsigned *off, unsigned *width)
{
	unsigned o = 0, w = 0;

	*found = find_field(f, cap, name, 0, &o, &w) == 0;
	if (off)
		*off = o;
	if (width)
		*width = w;
	return *found ? (uint32_t)le_get(f->val + o, w) & mask : 0;
}

/* The alternative place of a feature anywhere on the function. */
static int alt_present(const struct vpci_func *p, const struct bind_rule *r)
{
	for (unsigned j = 0; j < p->ncaps; j++) {
		int found;
		if (p->caps[j].ext != (r->alt_kind == CK_EXT) || p->caps[j].id != r->alt_cap)
			continue;
		if (field_val(p, (int)j, r->alt_field, r->alt_mask, &found, NULL, NULL))
			return 1;
	}
	return 0;
}

static unsigned lowest_bit(uint32_t m)
{
	return m ? (unsigned)__builtin_ctz(m) : 0;
}

static void eval_rule(struct bctx *c, unsigned ri, int gcap)
{
	const struct bind_rule *r = &bind_rules[ri];
	const struct vpci_func *g = c->g, *p = c->p;
	int pcap = gcap < 0 ? -1 : c->pmatch[gcap], gfound, pfound = 0;
	unsigned goff, poff = 0, w;
	uint32_t gv = field_val(g, gcap, r->field, r->mask, &gfound, &goff, &w);
	char lab[128] = "the header";

	if (!gfound || (!gv && r->cmp != BC_EQ))
		return; /* a zero guest value asks nothing of the function */
	if (gcap >= 0 && pcap < 0 && !(r->cmp == BC_IMPLIES && r->alt_field))
		return; /* an absent capability is the presence rules' business */
	uint32_t pv = gcap >= 0 && pcap < 0 ? 0 : field_val(p, pcap, r->field, r->mask, &pfound, &poff, NULL);
	unsigned sh = lowest_bit(r->mask);
	if (gcap >= 0)
		cap_label(&g->caps[gcap], lab, sizeof(lab));
	int po = pfound ? (int)poff : -1;
	switch (r->cmp) {
	case BC_LE:
		if ((gv >> sh) > (pv >> sh))
			reason(c, ri, 1, gcap, (int)goff, po, w, -1, pv, g->byteloc[goff],
			       "%s of %s: the instance has %u, the function %u (not more than the function)",
			       r->field, lab, gv >> sh, pv >> sh);
		break;
	case BC_EQ:
		if (gv != pv)
			reason(c, ri, 1, gcap, (int)goff, po, w, -1, pv, g->byteloc[goff],
			       "%s of %s: the instance has %#x, the function %#x (must be equal)", r->field, lab, gv, pv);
		break;
	case BC_IMPLIES: {
		uint32_t miss = gv & ~pv;
		if (miss && r->alt_field && alt_present(p, r))
			miss = 0;
		if (miss)
			reason(c, ri, 1, gcap, (int)goff, po, w, -1, pv, g->byteloc[goff],
			       "%s of %s advertises bits %#x the function does not have%s", r->field, lab, miss,
			       r->alt_field ? " (not in its alternative register either)" : "");
		break;
	}
	case BC_NONZERO:
		if (!pv)
			reason(c, ri, 1, gcap, (int)goff, po, w, -1, pv, g->byteloc[goff],
			       "%s of %s is %#x, the function's is 0", r->field, lab, gv);
		break;
	default:
		break; /* BC_EMULATED: accepted */
	}
}

static void check_rules(struct bctx *c)
{
	const struct vpci_func *g = c->g;

	for (unsigned ri = R_STRUCT_COUNT; ri < bind_nrules; ri++) {
		const struct bind_rule *r = &bind_rules[ri];
		if (r->cmp == BC_PRESENT || r->cmp == BC_EMULATED)
			continue;
		if (r->kind == CK_HDR) {
			if (c->same_kind)
				eval_rule(c, ri, -1);
			continue;
		}
		for (unsigned i = 0; i < g->ncaps; i++)
			if (g->caps[i].ext == (r->kind == CK_EXT) && g->caps[i].id == r->cap)
				eval_rule(c, ri, (int)i);
	}
}

/* --- the relocation map as ranges ------------------------------------- */

static int piece_cmp(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;
	return (x->g > y->g) - (x->g < y->g);
}

static int make_ranges(struct bctx *c)
{
	struct vpci_binding *b = c->b;

	if (!c->npieces)
		return 0;
	qsort(c->pieces, c->npieces, sizeof(*c->pieces), piece_cmp);
	b->ranges = calloc(c->npieces, sizeof(*b->ranges));
	if (!b->ranges)
		return VPCI_ENOMEM;
	for (size_t i = 0; i < c->npieces; i++) {
		const struct piece *pc = &c->pieces[i];
		struct bind_range *r = &b->ranges[b->nranges++];
		char name[48] = "";
		r->g = pc->g;
		r->p = pc->p;
		r->len = pc->len;
		if (pc->fd)
			captab_field_name(pc->fd, pc->inst, name, sizeof(name));
		if (pc->gap)
			snprintf(r->what, sizeof(r->what), "gap");
		else if (pc->cap < 0)
			snprintf(r->what, sizeof(r->what), "header %s", pc->fd ? name : "bytes");
		else
			snprintf(r->what, sizeof(r->what), "%s %s", cap_name(&c->g->caps[pc->cap]),
				 pc->fd ? name : "body");
	}
	return 0;
}

/* --- entry points ----------------------------------------------------- */

int bind_run(const struct vpci_func *g, const struct vpci_func *p, unsigned flags, struct vpci_binding **out)
{
	struct vpci_binding *b = calloc(1, sizeof(*b));
	struct bctx *c = calloc(1, sizeof(*c));
	int rc = 0;

	*out = NULL;
	if (!b || !c)
		goto nomem;
	memset(b->map, 0xff, sizeof(b->map));
	b->ok = 1;
	b->gsize = g->size;
	b->psize = p->size;
	b->gname = xstrdup(vpci_func_name(g));
	b->gfile = xstrdup(g->file ? g->file : "");
	b->pname = xstrdup(p->file ? p->file : vpci_func_name(p));
	c->g = g;
	c->p = p;
	c->b = b;
	c->flags = flags;
	c->pmatch = calloc(g->ncaps + 1, sizeof(*c->pmatch));
	c->pused = calloc(p->ncaps + 1, 1);
	if (!b->gname || !b->gfile || !b->pname || !c->pmatch || !c->pused)
		goto nomem;
	check_structure(c);
	match_caps(c);
	map_fields_of(c, -1);
	for (unsigned i = 0; i < g->ncaps; i++)
		map_fields_of(c, (int)i);
	map_rest(c);
	check_bars(c);
	check_rules(c);
	if (c->nomem || make_ranges(c))
		goto nomem;
	goto out;
nomem:
	rc = VPCI_ENOMEM;
	vpci_binding_free(b);
	b = NULL;
out:
	if (c) {
		free(c->pmatch);
		free(c->pused);
		free(c->pieces);
		free(c);
	}
	*out = b;
	return rc;
}

VPCI_EXPORT int vpci_bind(const vpci_func *instance, const vpci_func *physical, vpci_binding **out,
			  vpci_diag *d)
{
	int rc = bind_run(instance, physical, 0, out);

	if (rc)
		return rc;
	const struct vpci_binding *b = *out;
	for (size_t i = 0; i < b->nreasons; i++) {
		const struct bind_reason *r = &b->reasons[i];
		struct diag_pos pos = DIAG_NOPOS;
		pos.file = instance->file;
		pos.line = r->line;
		pos.column = r->col;
		pos.offset = r->goff;
		diag_add(d, r->blocker ? VPCI_SEV_ERROR : VPCI_SEV_WARNING, r->blocker ? VPCI_EDATA : 0, pos, "%s",
			 r->msg);
	}
	return b->ok ? 0 : VPCI_EDATA;
}

VPCI_EXPORT void vpci_binding_free(vpci_binding *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nreasons; i++)
		free(b->reasons[i].msg);
	free(b->reasons);
	free(b->ranges);
	free(b->gname);
	free(b->gfile);
	free(b->pname);
	free(b);
}

VPCI_EXPORT bool vpci_binding_ok(const vpci_binding *b)
{
	return b && b->ok;
}

VPCI_EXPORT int vpci_binding_lookup(const vpci_binding *b, unsigned guest)
{
	if (guest >= VPCI_CFG_SIZE || b->map[guest] == BIND_NONE)
		return -1;
	return b->map[guest];
}

VPCI_EXPORT size_t vpci_binding_range_count(const vpci_binding *b)
{
	return b->nranges;
}

VPCI_EXPORT int vpci_binding_range(const vpci_binding *b, size_t i, struct vpci_bind_range *out)
{
	if (i >= b->nranges)
		return VPCI_ENOENT;
	out->guest = b->ranges[i].g;
	out->physical = b->ranges[i].p;
	out->length = b->ranges[i].len;
	out->what = b->ranges[i].what;
	return 0;
}

VPCI_EXPORT size_t vpci_binding_reason_count(const vpci_binding *b)
{
	return b->nreasons;
}

VPCI_EXPORT int vpci_binding_reason(const vpci_binding *b, size_t i, struct vpci_bind_reason *out)
{
	if (i >= b->nreasons)
		return VPCI_ENOENT;
	const struct bind_reason *r = &b->reasons[i];
	out->rule = bind_rules[r->rule].id;
	out->blocker = r->blocker;
	out->file = b->gfile;
	out->line = r->line;
	out->column = r->col;
	out->guest = r->goff;
	out->physical = r->poff;
	out->message = r->msg;
	return 0;
}
