/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * func.c - the function model: lifetime, accessors, structure
 */
#include <stdlib.h>
#include <string.h>

#include "func.h"

VPCI_EXPORT vpci_func *vpci_func_new(void)
{
	struct vpci_func *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->size = VPCI_CFG_SIZE;
	f->kind = VPCI_KIND_ENDPOINT;
	f->nlocs = 1;
	return f;
}

VPCI_EXPORT void vpci_func_free(vpci_func *f)
{
	if (!f)
		return;
	free(f->name);
	free(f->description);
	free(f->caps);
	free(f->free);
	func_clear_origin(f);
	for (unsigned i = 0; i < f->nnotes; i++)
		free(f->notes[i]);
	free(f->notes);
	free(f->file);
	free(f->locs);
	free(f->extends);
	vpci_func_free(f->base);
	vpci_func_free(f->vf_template);
	free(f->vf_template_ref);
	free(f);
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = xstrdup(src);
	return *dst ? 0 : -1;
}

VPCI_EXPORT vpci_func *vpci_func_dup(const vpci_func *f)
{
	struct vpci_func *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	memcpy(n, f, sizeof(*n));
	/* nothing of @f's is owned by the copy until duplicated: a failure
	 * below frees only what the copy allocated */
	n->name = n->description = n->file = NULL;
	n->caps = NULL;
	n->locs = NULL;
	n->free = NULL;
	n->origin = NULL;
	n->norigin = 0;
	n->notes = NULL;
	n->nnotes = 0;
	n->extends = NULL;
	n->base = NULL;
	n->vf_template = NULL;
	n->vf_template_ref = NULL;
	n->acaps = n->ncaps;
	n->alocs = 0;
	if (dup_str(&n->name, f->name) || dup_str(&n->description, f->description) ||
	    dup_str(&n->file, f->file) || dup_str(&n->extends, f->extends) ||
	    dup_str(&n->vf_template_ref, f->vf_template_ref))
		goto fail;
	if (f->base && !(n->base = vpci_func_dup(f->base)))
		goto fail;
	if (f->vf_template && !(n->vf_template = vpci_func_dup(f->vf_template)))
		goto fail;
	if (f->ncaps) {
		n->caps = malloc(f->ncaps * sizeof(*n->caps));
		if (!n->caps)
			goto fail;
		memcpy(n->caps, f->caps, f->ncaps * sizeof(*n->caps));
	}
	for (unsigned i = 0; i < f->norigin; i++)
		if (func_add_origin(n, f->origin[i].key, f->origin[i].value))
			goto fail;
	for (unsigned i = 0; i < f->nnotes; i++)
		if (func_add_note(n, f->notes[i]))
			goto fail;
	if (f->nfree) {
		n->free = malloc(f->nfree * sizeof(*n->free));
		if (!n->free)
			goto fail;
		memcpy(n->free, f->free, f->nfree * sizeof(*n->free));
	}
	if (f->locs) {
		n->locs = malloc(f->nlocs * sizeof(*n->locs));
		if (!n->locs)
			goto fail;
		memcpy(n->locs, f->locs, f->nlocs * sizeof(*n->locs));
		n->alocs = f->nlocs;
	}
	return n;
fail:
	vpci_func_free(n);
	return NULL;
}

#define HASH_MUL 0x9e3779b97f4a7c15ull

static uint64_t hash_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * HASH_MUL;
	return h ^ (h >> 29);
}

/* @n bytes (a multiple of 32) in four independent lanes. */
static uint64_t hash_block(uint64_t h, const uint8_t *p, size_t n)
{
	uint64_t l[4] = { h, h ^ 1, h ^ 2, h ^ 3 };

	for (size_t i = 0; i + 32 <= n; i += 32) {
		uint64_t w[4];
		memcpy(w, p + i, sizeof(w));
		for (int k = 0; k < 4; k++)
			l[k] = (l[k] ^ w[k]) * HASH_MUL;
	}
	for (int k = 0; k < 4; k++)
		h = hash_mix(h, l[k]);
	return h;
}

uint64_t func_hash(const struct vpci_func *f)
{
	uint64_t h = hash_mix(0x736361706963ull, (uint64_t)f->size << 32 | (uint64_t)f->kind << 16 |
						     (uint64_t)f->multifunction << 8 | f->ncaps);

	h = hash_mix(h, f->type_version);
	for (const char *s = f->name; s && *s; s++)
		h = hash_mix(h, (unsigned char)*s);
	h = hash_block(h, f->val, sizeof(f->val));
	h = hash_block(h, f->pfshared, sizeof(f->pfshared));
	return hash_block(h, f->pl[0], sizeof(f->pl));
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

int func_same(const struct vpci_func *a, const struct vpci_func *b)
{
	if (a == b)
		return 1;
	if (a->size != b->size || a->kind != b->kind || a->multifunction != b->multifunction ||
	    a->ncaps != b->ncaps || a->nstd != b->nstd || a->norigin != b->norigin || a->nfree != b->nfree ||
	    a->nnotes != b->nnotes || a->nlocs != b->nlocs)
		return 0;
	if (!same_str(a->name, b->name) || !same_str(a->description, b->description) || !same_str(a->file, b->file))
		return 0;
	if (a->type_version != b->type_version || !same_str(a->extends, b->extends) || !a->base != !b->base ||
	    (a->base && !func_same(a->base, b->base)))
		return 0;
	if (!same_str(a->vf_template_ref, b->vf_template_ref) || a->vf_template_loc != b->vf_template_loc ||
	    !a->vf_template != !b->vf_template || (a->vf_template && !func_same(a->vf_template, b->vf_template)) ||
	    memcmp(a->pfshared, b->pfshared, sizeof(a->pfshared)))
		return 0;
	if (memcmp(a->val, b->val, sizeof(a->val)) || memcmp(a->pl, b->pl, sizeof(a->pl)) ||
	    memcmp(a->byteloc, b->byteloc, sizeof(a->byteloc)))
		return 0;
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *x = &a->bar[i], *y = &b->bar[i];
		if (x->type != y->type || x->pref != y->pref || x->size_known != y->size_known || x->size != y->size ||
		    x->loc != y->loc || x->loc_size != y->loc_size || x->loc_addr != y->loc_addr ||
		    x->size_bad != y->size_bad)
			return 0;
	}
	for (unsigned i = 0; i < a->ncaps; i++) {
		const struct capinst *x = &a->caps[i], *y = &b->caps[i];
		if (x->id != y->id || x->ext != y->ext || x->version != y->version || x->off != y->off ||
		    x->len != y->len || x->desc != y->desc || x->loc != y->loc || x->virt != y->virt ||
		    x->placement != y->placement || strncmp(x->tag, y->tag, sizeof(x->tag)))
			return 0;
	}
	for (unsigned i = 0; i < a->norigin; i++)
		if (!same_str(a->origin[i].key, b->origin[i].key) || !same_str(a->origin[i].value, b->origin[i].value))
			return 0;
	for (unsigned i = 0; i < a->nfree; i++)
		if (a->free[i].off != b->free[i].off || a->free[i].len != b->free[i].len || a->free[i].loc != b->free[i].loc ||
		    strncmp(a->free[i].tag, b->free[i].tag, sizeof(a->free[i].tag)))
			return 0;
	for (unsigned i = 0; i < a->nnotes; i++)
		if (!same_str(a->notes[i], b->notes[i]))
			return 0;
	/* locs[0] is "unknown" (and absent before the first position) */
	for (uint32_t i = 1; i < a->nlocs; i++)
		if (a->locs[i].line != b->locs[i].line || a->locs[i].col != b->locs[i].col)
			return 0;
	return 1;
}

uint32_t func_add_loc(struct vpci_func *f, uint32_t line, uint32_t col)
{
	if (f->nlocs >= f->alocs) {
		uint32_t cap = f->alocs ? f->alocs * 2 : 64;
		struct vpci_loc *l = realloc(f->locs, cap * sizeof(*l));
		if (!l)
			return 0;
		if (!f->alocs)
			memset(&l[0], 0, sizeof(l[0]));
		f->locs = l;
		f->alocs = cap;
	}
	f->locs[f->nlocs].line = line;
	f->locs[f->nlocs].col = col;
	return f->nlocs++;
}

struct diag_pos func_pos(const struct vpci_func *f, uint32_t loc, int offset)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = f->file;
	p.offset = offset;
	if (loc && loc < f->nlocs && f->locs) {
		p.line = f->locs[loc].line;
		p.column = f->locs[loc].col;
	}
	return p;
}

struct diag_pos func_pos_off(const struct vpci_func *f, int offset)
{
	uint32_t loc = offset >= 0 && offset < (int)VPCI_CFG_SIZE ? f->byteloc[offset] : 0;

	return func_pos(f, loc, offset);
}

int func_cap_overlapping(const struct vpci_func *f, unsigned off, unsigned len)
{
	for (unsigned i = 0; i < f->ncaps; i++)
		if (off < f->caps[i].off + cap_extent(&f->caps[i]) && f->caps[i].off < off + len)
			return (int)i;
	return -1;
}

int func_is_capture(const struct vpci_func *f)
{
	for (unsigned i = 0; i < f->norigin; i++)
		if (!strcmp(f->origin[i].key, "policy") && !strcmp(f->origin[i].value, "raw"))
			return 1;
	return 0;
}

void func_clear_origin(struct vpci_func *f)
{
	for (unsigned i = 0; i < f->norigin; i++) {
		free(f->origin[i].key);
		free(f->origin[i].value);
	}
	free(f->origin);
	f->origin = NULL;
	f->norigin = 0;
}

int func_add_origin(struct vpci_func *f, const char *key, const char *value)
{
	struct origin_kv *o = realloc(f->origin, (f->norigin + 1) * sizeof(*o));

	if (!o)
		return VPCI_ENOMEM;
	f->origin = o;
	o[f->norigin].key = xstrdup(key);
	o[f->norigin].value = xstrdup(value);
	if (!o[f->norigin].key || !o[f->norigin].value) {
		free(o[f->norigin].key);
		free(o[f->norigin].value);
		return VPCI_ENOMEM;
	}
	f->norigin++;
	return 0;
}

int func_add_note(struct vpci_func *f, const char *text)
{
	char **n = realloc(f->notes, (f->nnotes + 1) * sizeof(*n));

	if (!n)
		return VPCI_ENOMEM;
	f->notes = n;
	n[f->nnotes] = xstrdup(text);
	if (!n[f->nnotes])
		return VPCI_ENOMEM;
	f->nnotes++;
	return 0;
}

int func_add_origin_note(struct vpci_func *f, const char *text)
{
	for (unsigned i = 0; i < f->norigin; i++) {
		if (strcmp(f->origin[i].key, "note"))
			continue;
		size_t a = strlen(f->origin[i].value), b = strlen(text);
		char *v = realloc(f->origin[i].value, a + b + 3);
		if (!v)
			return VPCI_ENOMEM;
		memcpy(v + a, "; ", 2);
		memcpy(v + a + 2, text, b + 1);
		f->origin[i].value = v;
		return 0;
	}
	return func_add_origin(f, "note", text);
}

int func_set_bar(struct vpci_func *f, unsigned i, enum vpci_bar_type type, int pref)
{
	unsigned n = i == ROM_INDEX ? ROM_INDEX + 1 : func_nbars(f);

	if (i >= n || (type == VPCI_BAR_MEM64 && i + 1 >= n))
		return VPCI_ERANGE;
	if (f->bar[i].type == VPCI_BAR_MEM64 && i + 1 < n)
		f->bar[i + 1].type = VPCI_BAR_NONE;
	f->bar[i].type = (uint8_t)type;
	f->bar[i].pref = (uint8_t)(pref != 0);
	if (type == VPCI_BAR_MEM64)
		f->bar[i + 1].type = VPCI_BAR_MEM64_HI;
	return 0;
}


/* Zero the bytes and planes of @c that no byte of @keep marks */
static void zero_uncovered(struct vpci_func *f, const struct capinst *c, const uint8_t *keep)
{
	for (unsigned k = c->off; k < c->off + cap_extent(c) && k < VPCI_CFG_SIZE; k++) {
		if (keep[k])
			continue;
		f->val[k] = 0;
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			f->pl[p][k] = 0;
	}
}

/* The bytes of every capability except those with @hide[i] (NULL: all
 * except @skip) */
static void kept_bytes(const struct vpci_func *f, const uint8_t *hide, unsigned skip, uint8_t *keep)
{
	memset(keep, 0, VPCI_CFG_SIZE);
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		unsigned len = cap_extent(c);
		if (hide ? hide[i] : i == skip)
			continue;
		memset(keep + c->off, 1, c->off + len <= VPCI_CFG_SIZE ? len : VPCI_CFG_SIZE - c->off);
	}
}

void func_remove_caps(struct vpci_func *f, const uint8_t *hide)
{
	uint8_t keep[VPCI_CFG_SIZE];
	unsigned n = 0;

	kept_bytes(f, hide, 0, keep);
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		if (!hide[i]) {
			f->caps[n++] = *c;
			continue;
		}
		zero_uncovered(f, c, keep);
		if (!c->ext)
			f->nstd--;
	}
	f->ncaps = n;
}

void func_remove_cap(struct vpci_func *f, unsigned i)
{
	uint8_t keep[VPCI_CFG_SIZE];
	struct capinst c = f->caps[i];

	kept_bytes(f, NULL, i, keep);
	zero_uncovered(f, &c, keep);
	memmove(&f->caps[i], &f->caps[i + 1], (f->ncaps - i - 1) * sizeof(c));
	f->ncaps--;
	if (!c.ext)
		f->nstd--;
}

int func_link_ext_list(struct vpci_func *f)
{
	/* PCIe r6.0 §7.6.3: the extended list starts at 0x100; when the
	 * capability there is gone, an empty header (ID 0, version 0) leads
	 * to the rest */
	if (f->ncaps == f->nstd || f->caps[f->nstd].off == 0x100)
		return 0;
	struct capinst *c = func_add_cap(f, 1);
	if (!c)
		return VPCI_ENOMEM;
	/* func_add_cap appends: rotate it to the front of the extended list */
	struct capinst tmp = *c;
	memmove(&f->caps[f->nstd + 1], &f->caps[f->nstd], (f->ncaps - f->nstd - 1) * sizeof(tmp));
	tmp.id = 0;
	tmp.version = 0;
	tmp.off = 0x100;
	tmp.len = 4;
	tmp.desc = captab_find(CK_EXT, 0);
	f->caps[f->nstd] = tmp;
	return 0;
}

/* PCIe §7.7.2: Table Size N-1 in control[10:0]; the table has 16 bytes
 * per vector, the PBA one bit per vector in QWORDs. */
unsigned func_msix_regions(const struct vpci_func *f, const struct capinst *c, struct msix_region r[2])
{
	const uint8_t *p = f->val + c->off;
	unsigned n = (le16(p + MSIX_CTL) & MSIX_CTL_TABLE_SIZE) + 1;
	uint32_t t = le32(p + MSIX_TABLE), pb = le32(p + MSIX_PBA);

	r[0].bir = t & MSIX_BIR;
	r[0].off = t & ~MSIX_BIR;
	r[0].len = (uint64_t)MSIX_ENTRY_SIZE * n;
	r[0].reg = c->off + MSIX_TABLE;
	r[1].bir = pb & MSIX_BIR;
	r[1].off = pb & ~MSIX_BIR;
	r[1].len = 8ull * ((n + 63) / 64);
	r[1].reg = c->off + MSIX_PBA;
	return n;
}

int func_declared_len(const struct vpci_func *f, const struct capinst *c, unsigned *len,
		      unsigned *min)
{
	const struct vpci_cdesc *cd = c->desc;

	if (!cd || (cd->lenkind != LN_BYTE2 && cd->lenkind != LN_VSEC))
		return 0;
	*min = cd->len;
	if (cd->lenkind == LN_BYTE2)
		*len = (unsigned)c->off + VNDR_LEN < VPCI_CFG_SIZE ? f->val[c->off + VNDR_LEN] : 0;
	else
		*len = (unsigned)c->off + VSEC_HEADER + 4u <= VPCI_CFG_SIZE ? VSEC_LEN(le32(f->val + c->off + VSEC_HEADER)) : 0;
	return 1;
}

void func_sync_caplist(struct vpci_func *f)
{
	uint16_t st = le16(f->val + CFG_STATUS);

	st = (uint16_t)(f->nstd ? st | CFG_STATUS_CAP_LIST : st & ~CFG_STATUS_CAP_LIST);
	le_put64(f->val + CFG_STATUS, 2, st);
}

int func_add_free_range(struct vpci_func *f, uint16_t off, uint16_t len, uint32_t loc)
{
	struct freerange *r = realloc(f->free, (f->nfree + 1) * sizeof(*r));

	if (!r)
		return VPCI_ENOMEM;
	f->free = r;
	r[f->nfree].off = off;
	r[f->nfree].len = len;
	r[f->nfree].loc = loc;
	r[f->nfree].tag[0] = '\0';
	f->nfree++;
	return 0;
}

struct capinst *func_add_cap(struct vpci_func *f, int ext)
{
	if (f->ncaps == f->acaps) {
		unsigned cap = f->acaps ? f->acaps * 2 : 16;
		struct capinst *c = realloc(f->caps, cap * sizeof(*c));
		if (!c)
			return NULL;
		f->caps = c;
		f->acaps = cap;
	}
	struct capinst *c;
	if (ext) {
		c = &f->caps[f->ncaps];
	} else {
		memmove(&f->caps[f->nstd + 1], &f->caps[f->nstd],
			(f->ncaps - f->nstd) * sizeof(*c));
		c = &f->caps[f->nstd++];
	}
	f->ncaps++;
	memset(c, 0, sizeof(*c));
	c->ext = (uint8_t)ext;
	return c;
}

const struct vpci_cdesc *func_header_desc(const struct vpci_func *f)
{
	return captab_find(CK_HDR, f->kind == VPCI_KIND_BRIDGE ? CAPTAB_HDR_TYPE1 : CAPTAB_HDR_TYPE0);
}

unsigned func_nbars(const struct vpci_func *f)
{
	return f->kind == VPCI_KIND_ENDPOINT ? 6 : f->kind == VPCI_KIND_BRIDGE ? 2 : 0;
}

unsigned func_bar_off(const struct vpci_func *f, unsigned i)
{
	if (i == ROM_INDEX)
		return f->kind == VPCI_KIND_BRIDGE ? CFG1_ROM : CFG0_ROM;
	return CFG_BAR0 + 4 * i;
}

uint64_t func_plane_get(const struct vpci_func *f, int plane, unsigned off, unsigned width)
{
	if (off + width > VPCI_CFG_SIZE)
		return 0;
	return le_get64(f->pl[plane] + off, width);
}

void func_plane_put(struct vpci_func *f, int plane, unsigned off, unsigned width, uint64_t v)
{
	if (off + width <= VPCI_CFG_SIZE)
		le_put64(f->pl[plane] + off, width, v);
}

void func_set_field_planes(struct vpci_func *f, const struct vpci_fdesc *fd,
			   unsigned capoff, unsigned off)
{
	struct captab_planes pl;

	if (off + fd->width > VPCI_CFG_SIZE)
		return;
	captab_field_planes(fd, f->val, capoff, &pl);
	for (int p = 0; p < VPCI_PL_DEVICE; p++)
		func_plane_put(f, p, off, fd->width, pl.pl[p]);
}

void func_update_lengths(struct vpci_func *f)
{
	for (unsigned i = 0; i < f->ncaps; i++) {
		struct capinst *c = &f->caps[i];
		struct captab_layout lay;
		if (!c->desc) {
			c->len = 0;
			continue;
		}
		captab_layout(c->desc, f->val, c->off, &lay);
		c->len = lay.length;
	}
}

/* PCI 3.0 §6.2.5.1: writable address bits of a BAR of the given size. */
uint64_t func_bar_rw(const struct vpci_func *f, unsigned i)
{
	const struct barinst *b = &f->bar[i];

	if (b->type == VPCI_BAR_NONE || b->type == VPCI_BAR_MEM64_HI || !b->size_known || !b->size)
		return 0;
	if (i == ROM_INDEX)
		return (~(b->size - 1) & ROM_ADDR) | ROM_ENABLE;
	if (b->type == VPCI_BAR_IO)
		return ~(b->size - 1) & BAR_IO_ADDR;
	if (b->type == VPCI_BAR_MEM64)
		return ~(b->size - 1) & ~(uint64_t)~BAR_MEM_ADDR;
	return ~(b->size - 1) & BAR_MEM_ADDR;
}

void func_bar_planes(struct vpci_func *f, unsigned i)
{
	const struct barinst *b = &f->bar[i];
	unsigned off = func_bar_off(f, i);
	uint64_t rw = func_bar_rw(f, i);

	if (b->type == VPCI_BAR_NONE || b->type == VPCI_BAR_MEM64_HI)
		return;
	for (int p = 0; p < VPCI_PL_DEVICE; p++)
		func_plane_put(f, p, off, 4, 0);
	func_plane_put(f, VPCI_PL_RW, off, 4, rw & 0xffffffffu);
	if (b->type == VPCI_BAR_MEM64 && i < 5) {
		for (int p = 0; p < VPCI_PL_DEVICE; p++)
			func_plane_put(f, p, off + 4, 4, 0);
		func_plane_put(f, VPCI_PL_RW, off + 4, 4, rw >> 32);
	}
}

void func_apply_structure(struct vpci_func *f)
{
	func_link_structure(f);
	func_update_lengths(f);
}

void func_link_structure(struct vpci_func *f)
{
	uint8_t *v = f->val;

	/* header type: layout in 6:0, multi-function in 7 (PCIe §7.5.1.1.9) */
	/* a layout the model does not know (3..127, a broken device) stays as
	 * the bytes say: the model describes it as an endpoint plus raw bytes */
	if ((v[CFG_HEADER_TYPE] & CFG_HEADER_LAYOUT) <= VPCI_KIND_CARDBUS)
		v[CFG_HEADER_TYPE] = (uint8_t)((f->kind & CFG_HEADER_LAYOUT) |
					       (f->multifunction ? CFG_HEADER_MULTIFUNC : 0));

	/* BAR type bits (PCI 3.0 §6.2.5.1) */
	for (unsigned i = 0; i < func_nbars(f); i++) {
		const struct barinst *b = &f->bar[i];
		uint8_t *r = v + func_bar_off(f, i);
		unsigned pf = b->pref ? BAR_MEM_PREFETCH : 0;
		switch (b->type) {
		case VPCI_BAR_IO: r[0] = (uint8_t)((r[0] & BAR_IO_ADDR) | BAR_SPACE_IO); break;
		case VPCI_BAR_MEM32: r[0] = (uint8_t)((r[0] & BAR_MEM_ADDR) | pf); break;
		case VPCI_BAR_MEM1M: r[0] = (uint8_t)((r[0] & BAR_MEM_ADDR) | BAR_MEM_TYPE_1M | pf); break;
		case VPCI_BAR_MEM64: r[0] = (uint8_t)((r[0] & BAR_MEM_ADDR) | BAR_MEM_TYPE_64 | pf); break;
		default: break;
		}
	}

	/* standard chain (PCI 3.0 §6.7) */
	if (f->kind != VPCI_KIND_CARDBUS) {
		v[CFG_CAP_PTR] = f->nstd ? (uint8_t)f->caps[0].off : 0;
		for (unsigned i = 0; i < f->nstd; i++) {
			struct capinst *c = &f->caps[i];
			v[c->off + CAP_ID] = (uint8_t)c->id;
			v[c->off + CAP_NEXT] = i + 1 < f->nstd ? (uint8_t)f->caps[i + 1].off : 0;
		}
	}
	/* extended chain (PCIe §7.6.3) */
	for (unsigned i = f->nstd; i < f->ncaps; i++) {
		struct capinst *c = &f->caps[i];
		uint32_t next = i + 1 < f->ncaps ? f->caps[i + 1].off : 0;
		le_put64(v + c->off + ECAP_HEADER, 4, (uint32_t)c->id | ((uint32_t)(c->version & 0xf) << 16) | (next << 20));
	}
}

/* --- public accessors ------------------------------------------------- */

VPCI_EXPORT const char *vpci_func_name(const vpci_func *f)
{
	return f->name ? f->name : "";
}

VPCI_EXPORT int vpci_func_set_name(vpci_func *f, const char *name)
{
	char *n = xstrdup(name);

	if (!n)
		return VPCI_ENOMEM;
	free(f->name);
	f->name = n;
	return 0;
}

VPCI_EXPORT const char *vpci_func_description(const vpci_func *f)
{
	return f->description ? f->description : "";
}

VPCI_EXPORT int vpci_func_set_description(vpci_func *f, const char *text)
{
	char *n = NULL;

	if (text && !(n = xstrdup(text)))
		return VPCI_ENOMEM;
	free(f->description);
	f->description = n;
	return 0;
}

VPCI_EXPORT unsigned vpci_func_version(const vpci_func *f)
{
	return f->type_version;
}

VPCI_EXPORT int vpci_func_set_version(vpci_func *f, unsigned version)
{
	if (version > VPCI_TYPE_VERSION_MAX)
		return VPCI_ERANGE;
	f->type_version = version;
	return 0;
}

VPCI_EXPORT const char *vpci_func_extends(const vpci_func *f)
{
	return f->extends ? f->extends : "";
}

VPCI_EXPORT void vpci_func_flatten(vpci_func *f)
{
	free(f->extends);
	f->extends = NULL;
	vpci_func_free(f->base);
	f->base = NULL;
}

VPCI_EXPORT unsigned vpci_func_config_size(const vpci_func *f)
{
	return f->size;
}

VPCI_EXPORT enum vpci_kind vpci_func_kind(const vpci_func *f)
{
	return (enum vpci_kind)f->kind;
}

VPCI_EXPORT const uint8_t *vpci_func_bytes(const vpci_func *f)
{
	return f->val;
}

VPCI_EXPORT const uint8_t *vpci_func_plane(const vpci_func *f, enum vpci_plane plane)
{
	if ((unsigned)plane >= VPCI_PL_COUNT)
		return NULL;
	return f->pl[plane];
}

VPCI_EXPORT uint32_t vpci_func_read(const vpci_func *f, unsigned off, unsigned width)
{
	if ((width != 1 && width != 2 && width != 4) || off + width > f->size)
		return 0;
	return le_get(f->val + off, width);
}

VPCI_EXPORT int vpci_func_bar(const vpci_func *f, unsigned index, struct vpci_bar_info *out)
{
	if (index > ROM_INDEX)
		return VPCI_EINVAL;
	const struct barinst *b = &f->bar[index];
	unsigned off = func_bar_off(f, index);

	memset(out, 0, sizeof(*out));
	out->index = index;
	out->type = (enum vpci_bar_type)b->type;
	if (index < ROM_INDEX && index >= func_nbars(f))
		out->type = VPCI_BAR_NONE;
	if (out->type == VPCI_BAR_NONE)
		return VPCI_ENOENT;
	out->prefetchable = b->pref;
	out->size = b->size;
	out->size_known = b->size_known;
	if (index == ROM_INDEX) {
		out->address = le32(f->val + off) & ROM_ADDR;
		out->enabled = f->val[off] & ROM_ENABLE;
	} else if (b->type == VPCI_BAR_IO) {
		out->address = le32(f->val + off) & BAR_IO_ADDR;
	} else if (b->type == VPCI_BAR_MEM64 && index < 5) {
		out->address = le_get64(f->val + off, 8) & ~(uint64_t)~BAR_MEM_ADDR;
	} else {
		out->address = le32(f->val + off) & BAR_MEM_ADDR;
	}
	return 0;
}

VPCI_EXPORT int vpci_func_set_bar_size(vpci_func *f, unsigned index, uint64_t size)
{
	if (index > ROM_INDEX)
		return VPCI_EINVAL;
	struct barinst *b = &f->bar[index];
	if (b->type == VPCI_BAR_NONE || b->type == VPCI_BAR_MEM64_HI ||
	    (index < ROM_INDEX && index >= func_nbars(f)))
		return VPCI_ENOENT;
	uint64_t min = index == ROM_INDEX ? 2048 : b->type == VPCI_BAR_IO ? 4 : 16;
	/* PCI 3.0 §6.2.5.1-2: an expansion ROM is at most 16 MiB; a "below
	 * 1 MiB" BAR at most 1 MiB */
	uint64_t max = index == ROM_INDEX ? (16ull << 20) : b->type == VPCI_BAR_MEM64 ? (1ull << 63) :
		       b->type == VPCI_BAR_IO ? 256 : b->type == VPCI_BAR_MEM1M ? (1ull << 20) : (1ull << 31);
	if (!is_pow2(size) || size < min || size > max)
		return VPCI_ERANGE;
	b->size = size;
	b->size_known = 1;
	func_bar_planes(f, index);
	return 0;
}

VPCI_EXPORT int vpci_func_set_plane(vpci_func *f, enum vpci_plane plane, unsigned off, unsigned len,
				    const uint8_t *mask)
{
	if ((unsigned)plane >= VPCI_PL_COUNT)
		return VPCI_EINVAL;
	if (off > VPCI_CFG_SIZE || len > VPCI_CFG_SIZE - off)
		return VPCI_ERANGE;
	if (mask)
		memcpy(f->pl[plane] + off, mask, len);
	else
		memset(f->pl[plane] + off, 0xff, len);
	return 0;
}

VPCI_EXPORT int vpci_func_msix(const vpci_func *f, struct vpci_msix_info *out)
{
	struct msix_region r[2];

	for (unsigned i = 0; i < f->nstd; i++) {
		const struct capinst *c = &f->caps[i];
		if (c->id != CAPID_MSIX)
			continue;
		unsigned n = func_msix_regions(f, c, r);
		*out = (struct vpci_msix_info){
			.cap = c->off, .vectors = n,
			.table_bar = r[0].bir, .table_offset = r[0].off, .table_size = r[0].len,
			.pba_bar = r[1].bir, .pba_offset = r[1].off, .pba_size = r[1].len,
		};
		return 0;
	}
	return VPCI_ENOENT;
}

VPCI_EXPORT unsigned vpci_func_cap_count(const vpci_func *f)
{
	return f->ncaps;
}

static void cap_info(const struct capinst *c, struct vpci_cap_info *out)
{
	static char unknown_std[] = "unknown";
	out->id = c->id;
	out->extended = c->ext;
	out->version = c->version;
	out->offset = c->off;
	out->length = c->len;
	out->key = c->desc ? c->desc->key : unknown_std;
	out->name = c->desc ? c->desc->name : (c->ext ? "Unknown extended capability" : "Unknown capability");
	out->is_virtual = c->virt;
	out->auto_placed = c->virt && (c->placement & VCAP_AUTO);
}

VPCI_EXPORT int vpci_func_cap(const vpci_func *f, unsigned i, struct vpci_cap_info *out)
{
	if (i >= f->ncaps)
		return VPCI_ENOENT;
	cap_info(&f->caps[i], out);
	return 0;
}

VPCI_EXPORT int vpci_func_find_cap(const vpci_func *f, bool extended, uint16_t id,
				   struct vpci_cap_info *out)
{
	for (unsigned i = 0; i < f->ncaps; i++) {
		if (f->caps[i].ext == extended && f->caps[i].id == id) {
			if (out)
				cap_info(&f->caps[i], out);
			return (int)i;
		}
	}
	return VPCI_ENOENT;
}

int func_foreach_cap_field(const struct vpci_func *f, int cap, field_cb cb, void *ctx)
{
	struct field_ref r;
	struct captab_layout lay;
	const struct vpci_cdesc *cd;
	unsigned capoff;

	if (cap < 0) {
		cd = func_header_desc(f);
		capoff = 0;
	} else {
		cd = f->caps[cap].desc;
		capoff = f->caps[cap].off;
	}
	if (!cd || !cd->fields)
		return 0;
	captab_layout(cd, f->val, capoff, &lay);
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++) {
		unsigned n = captab_field_count(fd, &lay);
		for (unsigned i = 0; i < n; i++) {
			memset(&r, 0, sizeof(r));
			r.cap = cap;
			r.cd = cd;
			r.fd = fd;
			r.inst = i;
			r.capoff = capoff;
			r.off = capoff + fd->off + i * fd->stride;
			if (r.off + fd->width > f->size)
				break;
			captab_field_name(fd, i, r.name, sizeof(r.name));
			int rc = cb((struct vpci_func *)f, &r, ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int func_foreach_field(const struct vpci_func *f, field_cb cb, void *ctx)
{
	int rc = func_foreach_cap_field(f, -1, cb, ctx);

	for (unsigned i = 0; !rc && i < f->ncaps; i++)
		rc = func_foreach_cap_field(f, (int)i, cb, ctx);
	return rc;
}

static int default_planes_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	(void)ctx;
	func_set_field_planes(f, r->fd, r->capoff, r->off);
	return 0;
}

void func_default_planes(struct vpci_func *f)
{
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		memset(f->pl[p], 0, sizeof(f->pl[p]));
	func_foreach_field(f, default_planes_cb, NULL);
	for (unsigned i = 0; i < func_nbars(f); i++)
		func_bar_planes(f, i);
	func_bar_planes(f, ROM_INDEX);
}

struct vfmask_ctx {
	int kind;
	uint8_t *mask;
};

static int vf_mask_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	const struct vfmask_ctx *c = ctx;
	const struct vpci_fdesc *fd = r->fd;
	uint64_t m = c->kind == 'p' ? fd->vfp : c->kind == 'r' ? fd->vfr : c->kind == 'u' ? fd->vfu : fd->vfs;

	(void)f;
	m &= width_mask(fd->width);
	for (unsigned k = 0; k < fd->width && r->off + k < VPCI_CFG_SIZE; k++)
		c->mask[r->off + k] |= (uint8_t)(m >> (8 * k));
	return 0;
}

void func_vf_rule_mask(const struct vpci_func *f, int kind, uint8_t *mask)
{
	struct vfmask_ctx c = { kind, mask };

	memset(mask, 0, VPCI_CFG_SIZE);
	func_foreach_field(f, vf_mask_cb, &c);
}

void func_mark_pf_shared(struct vpci_func *f)
{
	func_vf_rule_mask(f, 0, f->pfshared);
	for (unsigned k = 0; k < VPCI_CFG_SIZE; k++)
		f->pl[VPCI_PL_DEVICE][k] &= (uint8_t)~f->pfshared[k];
}

static int reset_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	(void)ctx;
	if (r->fd->flags & FD_MANAGED)
		return 0;
	uint64_t rw = func_plane_get(f, VPCI_PL_RW, r->off, r->fd->width);
	uint64_t w1c = func_plane_get(f, VPCI_PL_RW1C, r->off, r->fd->width);
	uint64_t v = le_get64(f->val + r->off, r->fd->width);
	le_put64(f->val + r->off, r->fd->width, (v & ~(rw | w1c)) | (r->fd->reset & rw));
	return 0;
}

void func_reset_fields(struct vpci_func *f)
{
	func_foreach_field(f, reset_cb, NULL);
}

VPCI_EXPORT const vpci_func *vpci_func_vf_template(const vpci_func *f)
{
	return f->vf_template;
}

void func_vf_template_planes(struct vpci_func *f)
{
	const struct vpci_func *t = f->vf_template;
	struct sriov_layout l;
	int k;

	if (!t || (k = vpci_func_find_cap(f, true, ECAPID_SRIOV, NULL)) < 0 ||
	    f->caps[k].off + f->caps[k].len > VPCI_CFG_SIZE)
		return;
	captab_sriov_layout(f->caps[k].off, &l);
	for (unsigned i = 0; i < 6; i++) {
		const struct barinst *b = &t->bar[i];
		uint64_t rw = 0;
		if (b->size_known && (b->type == VPCI_BAR_MEM32 || b->type == VPCI_BAR_MEM64))
			rw = ~(b->size - 1) & ~(uint64_t)(BAR_MEM_ADDR ^ 0xffffffffu);
		if (b->type == VPCI_BAR_MEM64_HI || !rw)
			continue;
		func_plane_put(f, VPCI_PL_RW, l.vfbar[i], 4, rw & 0xffffffffu);
		if (b->type == VPCI_BAR_MEM64 && i < 5)
			func_plane_put(f, VPCI_PL_RW, l.vfbar[i + 1], 4, rw >> 32);
	}
}
