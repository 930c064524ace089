/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * discover.c - build a model from raw config bytes: header kind, BAR
 * kinds, and both capability chains, walked bounded and cycle-safe.
 */
#include <string.h>

#include "func.h"

static void warn(vpci_diag *d, int off, const char *fmt, unsigned a, unsigned b)
{
	struct diag_pos p = DIAG_NOPOS;

	p.offset = off;
	diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, p, fmt, a, b);
}

static void discover_bars(struct vpci_func *f)
{
	unsigned n = func_nbars(f);

	for (unsigned i = 0; i < n; i++) {
		uint32_t v = le32(f->val + func_bar_off(f, i));
		struct barinst *b = &f->bar[i];
		if (v == 0)
			continue; /* unimplemented, or unassigned 32-bit: unknowable */
		if (v & BAR_SPACE_IO) {
			b->type = VPCI_BAR_IO;
			continue;
		}
		b->pref = !!(v & BAR_MEM_PREFETCH);
		switch (v & BAR_MEM_TYPE) {
		case 0: b->type = VPCI_BAR_MEM32; break;
		case BAR_MEM_TYPE_1M: b->type = VPCI_BAR_MEM1M; break;
		case BAR_MEM_TYPE_64:
			if (i + 1 < n) {
				b->type = VPCI_BAR_MEM64;
				f->bar[i + 1].type = VPCI_BAR_MEM64_HI;
				i++;
			}
			break;
		default: break; /* reserved encoding: left as raw bytes */
		}
	}
	if (f->kind != VPCI_KIND_CARDBUS && le32(f->val + func_bar_off(f, ROM_INDEX)))
		f->bar[ROM_INDEX].type = VPCI_BAR_MEM32;
}

static int discover_std(struct vpci_func *f, unsigned avail, vpci_diag *d)
{
	uint8_t seen[256] = { 0 };
	unsigned ptrreg = f->kind == VPCI_KIND_CARDBUS ? CFG2_CAP_PTR : CFG_CAP_PTR;

	if (!(le16(f->val + CFG_STATUS) & CFG_STATUS_CAP_LIST))
		return 0;
	if (avail <= CFG_HEADER_END) {
		warn(d, (int)ptrreg, "capability list not readable: only %u bytes of config space%.0u", avail, 0);
		return 0;
	}
	unsigned ptr = f->val[ptrreg] & CFG_CAP_PTR_MASK;
	for (unsigned ttl = CAP_LIST_MAX; ptr; ttl--) {
		if (ptr < CFG_HEADER_END) {
			warn(d, (int)ptr, "capability pointer %#x points into the header%.0u", ptr, 0);
			break;
		}
		if (seen[ptr]) {
			warn(d, (int)ptr, "capability chain loops back to %#x%.0u", ptr, 0);
			break;
		}
		if (!ttl) {
			warn(d, (int)ptr, "capability chain longer than 48 entries at %#x%.0u", ptr, 0);
			break;
		}
		if (f->val[ptr + CAP_ID] == 0xff) {
			warn(d, (int)ptr, "capability chain broken at %#x (ID 0xff)%.0u", ptr, 0);
			break;
		}
		seen[ptr] = 1;
		struct capinst *c = func_add_cap(f, 0);
		if (!c)
			return VPCI_ENOMEM;
		c->id = f->val[ptr + CAP_ID];
		c->off = (uint16_t)ptr;
		c->desc = captab_find(CK_STD, c->id);
		ptr = f->val[ptr + CAP_NEXT] & CFG_CAP_PTR_MASK;
	}
	return 0;
}

/* The extended capability chain (PCIe §7.6.3), walked bounded and
 * cycle-safe: each call gives the next header in *@h and its offset, or 0
 * at the end (and says why in @d when the chain is broken). */
struct ext_walk {
	uint8_t seen[VPCI_CFG_SIZE / 4];
	unsigned off, ttl;
};

static void ext_walk_init(struct ext_walk *w)
{
	memset(w->seen, 0, sizeof(w->seen));
	w->off = ECAP_START;
	w->ttl = ECAP_LIST_MAX;
}

static unsigned ext_walk_next(const uint8_t *cfg, struct ext_walk *w, uint32_t *h, vpci_diag *d)
{
	unsigned off = w->off;

	if (!off || !w->ttl--)
		return 0;
	*h = le32(cfg + off + ECAP_HEADER);
	if (*h == 0 || *h == 0xffffffffu)
		return 0;
	if (w->seen[off / 4]) {
		warn(d, (int)off, "extended capability chain loops back to %#x%.0u", off, 0);
		return 0;
	}
	w->seen[off / 4] = 1;
	w->off = ECAP_NEXT(*h);
	if (w->off && w->off < ECAP_START) {
		warn(d, (int)off, "extended capability at %#x points below 0x100 (to %#x)", off, w->off);
		w->off = 0;
	}
	return off;
}

static int discover_ext(struct vpci_func *f, vpci_diag *d)
{
	struct ext_walk w;
	uint32_t h;

	if (f->size < VPCI_CFG_SIZE)
		return 0;
	ext_walk_init(&w);
	for (unsigned off; (off = ext_walk_next(f->val, &w, &h, d));) {
		struct capinst *c = func_add_cap(f, 1);
		if (!c)
			return VPCI_ENOMEM;
		c->id = (uint16_t)(h & 0xffff);
		c->version = (uint8_t)ECAP_VERSION(h);
		c->off = (uint16_t)off;
		c->desc = captab_find(CK_EXT, c->id);
	}
	return 0;
}

unsigned config_find_ext_cap(const uint8_t *cfg, uint16_t id)
{
	struct ext_walk w;
	uint32_t h;

	ext_walk_init(&w);
	for (unsigned off; (off = ext_walk_next(cfg, &w, &h, NULL));)
		if ((h & 0xffff) == id)
			return off;
	return 0;
}

VPCI_EXPORT int vpci_func_from_config(const uint8_t *cfg, size_t len, vpci_func **out,
				      vpci_diag *d)
{
	struct vpci_func *f;
	int rc;

	*out = NULL;
	if (!cfg || (len != 64 && len != 128 && len != 256 && len != VPCI_CFG_SIZE))
		return VPCI_EINVAL;
	f = vpci_func_new();
	if (!f)
		return VPCI_ENOMEM;
	memcpy(f->val, cfg, len);
	/* 64 or 128 bytes: a partial capture (what Linux shows a user who is
	 * not root), described as such, never padded */
	f->size = (uint16_t)len;
	if (len < VPCI_CFG_SIZE_CONV)
		warn(d, (int)len, "only %u bytes of config space given: a partial capture, without capabilities%.0u",
		     (unsigned)len, 0u);
	unsigned ht = f->val[CFG_HEADER_TYPE] & CFG_HEADER_LAYOUT;
	f->kind = ht <= 2 ? (uint8_t)ht : VPCI_KIND_ENDPOINT;
	if (ht > 2)
		warn(d, CFG_HEADER_TYPE, "unknown header type %u, described as raw bytes%.0u", ht, 0);
	f->multifunction = !!(f->val[CFG_HEADER_TYPE] & CFG_HEADER_MULTIFUNC);
	if (ht <= 2)
		discover_bars(f);
	rc = discover_std(f, (unsigned)len, d);
	if (!rc)
		rc = discover_ext(f, d);
	if (rc) {
		vpci_func_free(f);
		return rc;
	}
	func_update_lengths(f);
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		if (c->off + cap_extent(c) > f->size)
			warn(d, c->off, "capability at %#x runs past the end of config space (length %u)",
			     c->off, c->len);
	}
	func_default_planes(f);
	*out = f;
	return 0;
}
