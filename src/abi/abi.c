/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * abi.c - the guest ABI of a model, its canonical encoding and hash
 *
 * The definition (what a guest observes and why) is docs/abi.md; this file
 * is its implementation.  Per bit, with the model's planes:
 *   device  = DEVICE & ~RSVDZ            (RsvdZ reads 0 whatever backs it)
 *   values  = value & ~(RW | RW1C | device)
 *   rw, rw1c as they are
 *   sticky  = STICKY & (RW | RW1C) & ~device
 * HwInit and RsvdP read and ignore writes exactly like RO, so their labels
 * are not observable; RsvdZ bits read 0, which the values say.
 *
 * Encoding (docs/abi.md §"Encoding"), little-endian:
 *   "vpci-abi"  u8 version  u8 kind  u8 multifunction  u8 BAR count
 *   u16 config size  u16 capability count
 *   capabilities: u8 extended, u8 version, u16 id, u16 offset (chain order)
 *   BARs: u8 index, u8 type, u8 prefetchable, u8 0, u64 size (0 unknown)
 *   5 per-bit parts, each as runs of non-zero DWORDs:
 *     u16 first DWORD, u16 count, count * 4 bytes ... u16 0xffff
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

#define MAGIC "vpci-abi"
#define HDR 16u
#define CAP_LEN 6u
#define BAR_LEN 12u
#define END_RUN 0xffffu

uint64_t abi_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Implemented BARs (and the ROM) as vpci_func_bar() sees them. */
static int bar_implemented(const struct vpci_func *f, unsigned i)
{
	uint8_t t = f->bar[i].type;

	if (i < ROM_INDEX && i >= func_nbars(f))
		return 0;
	return t != VPCI_BAR_NONE && t != VPCI_BAR_MEM64_HI;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The per-bit parts, 8 bytes at a time (byte order does not matter: every
 * operation is bitwise). */
static void project(const struct vpci_func *f, struct vpci_abi *a)
{
	memset(a->arr, 0, sizeof(a->arr));
	for (unsigned i = 0; i < f->size; i += 8) {
		uint64_t rw = ld64(f->pl[VPCI_PL_RW] + i), w1c = ld64(f->pl[VPCI_PL_RW1C] + i);
		uint64_t dev = ld64(f->pl[VPCI_PL_DEVICE] + i) & ~ld64(f->pl[VPCI_PL_RSVDZ] + i);
		uint64_t out[ABI_NARR] = {
			ld64(f->val + i) & ~(rw | w1c | dev), rw, w1c,
			ld64(f->pl[VPCI_PL_STICKY] + i) & (rw | w1c) & ~dev, dev,
		};
		for (unsigned k = 0; k < ABI_NARR; k++)
			memcpy(a->arr[k] + i, &out[k], 8);
	}
}

static int dw_zero(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return !v;
}

/* Most bytes the runs of one array can take: n non-zero DWORDs in r runs
 * take 4r + 4n, and n + r - 1 <= 1024; plus the end marker. */
#define RUNS_MAX (4u * (NDWORDS + 1) + 2)
#define NDWORDS (VPCI_CFG_SIZE / 4)

static uint8_t *put_runs(uint8_t *p, const uint8_t *arr, unsigned size)
{
	unsigned n = size / 4;

	for (unsigned dw = 0; dw < n;) {
		/* skip zeros a QWORD at a time */
		if (!(dw & 1) && dw + 1 < n && !ld64(arr + 4 * dw)) {
			dw += 2;
			continue;
		}
		if (dw_zero(arr + 4 * dw)) {
			dw++;
			continue;
		}
		unsigned s = dw;
		while (dw < n && !dw_zero(arr + 4 * dw))
			dw++;
		le_put64(p, 2, s);
		le_put64(p + 2, 2, dw - s);
		memcpy(p + 4, arr + 4 * s, 4u * (dw - s));
		p += 4 + 4u * (dw - s);
	}
	le_put64(p, 2, END_RUN);
	return p + 2;
}

static unsigned nbars(const struct vpci_abi *a)
{
	unsigned n = 0;

	for (unsigned i = 0; i <= ROM_INDEX; i++)
		n += a->bar[i].type != VPCI_BAR_NONE;
	return n;
}

/* Build enc, the part spans and the hash from the decoded fields. */
static int encode(struct vpci_abi *a)
{
	unsigned nb = nbars(a);
	size_t max = HDR + CAP_LEN * a->ncaps + BAR_LEN * nb + ABI_NARR * RUNS_MAX;
	uint8_t *p = malloc(max);

	if (!p)
		return VPCI_ENOMEM;
	a->enc = p;
	memcpy(p, MAGIC, 8);
	p[8] = VPCI_ABI_VERSION;
	p[9] = a->kind;
	p[10] = a->multifunction;
	p[11] = (uint8_t)nb;
	le_put64(p + 12, 2, a->size);
	le_put64(p + 14, 2, a->ncaps);
	a->part[VPCI_ABI_FUNCTION] = 8;
	p += HDR;
	a->part[VPCI_ABI_CAPS] = HDR;
	for (unsigned i = 0; i < a->ncaps; i++, p += CAP_LEN) {
		p[0] = a->caps[i].ext;
		p[1] = a->caps[i].version;
		le_put64(p + 2, 2, a->caps[i].id);
		le_put64(p + 4, 2, a->caps[i].off);
	}
	a->part[VPCI_ABI_BARS] = (size_t)(p - a->enc);
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		if (a->bar[i].type == VPCI_BAR_NONE)
			continue;
		p[0] = (uint8_t)i;
		p[1] = a->bar[i].type;
		p[2] = a->bar[i].pref;
		p[3] = 0;
		le_put64(p + 4, 8, a->bar[i].size);
		p += BAR_LEN;
	}
	for (unsigned k = 0; k < ABI_NARR; k++) {
		a->part[VPCI_ABI_VALUES + k] = (size_t)(p - a->enc);
		p = put_runs(p, a->arr[k], a->size);
	}
	a->enclen = (size_t)(p - a->enc);
	a->part[VPCI_ABI_PART_COUNT] = a->enclen;
	uint8_t *small = realloc(a->enc, a->enclen);
	if (small)
		a->enc = small;
	a->hash = abi_fnv(ABI_FNV_INIT, a->enc, a->enclen);
	return 0;
}

VPCI_EXPORT int vpci_abi_new(const vpci_func *f, vpci_abi **out)
{
	struct vpci_abi *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return VPCI_ENOMEM;
	a->size = f->size;
	a->kind = f->kind;
	a->multifunction = f->multifunction;
	a->ncaps = f->ncaps;
	if (f->ncaps && !(a->caps = calloc(f->ncaps, sizeof(*a->caps)))) {
		free(a);
		return VPCI_ENOMEM;
	}
	for (unsigned i = 0; i < f->ncaps; i++) {
		a->caps[i].ext = f->caps[i].ext;
		a->caps[i].version = f->caps[i].ext ? f->caps[i].version : 0;
		a->caps[i].id = f->caps[i].id;
		a->caps[i].off = f->caps[i].off;
	}
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		if (!bar_implemented(f, i))
			continue;
		a->bar[i].type = f->bar[i].type;
		a->bar[i].pref = f->bar[i].pref;
		a->bar[i].size = f->bar[i].size_known ? f->bar[i].size : 0;
	}
	project(f, a);
	if (encode(a)) {
		vpci_abi_free(a);
		return VPCI_ENOMEM;
	}
	*out = a;
	return 0;
}

VPCI_EXPORT void vpci_abi_free(vpci_abi *a)
{
	if (!a)
		return;
	free(a->caps);
	free(a->enc);
	free(a);
}

VPCI_EXPORT uint64_t vpci_abi_hash(const vpci_abi *a)
{
	return a->hash;
}

VPCI_EXPORT const uint8_t *vpci_abi_encoding(const vpci_abi *a, size_t *len)
{
	*len = a->enclen;
	return a->enc;
}

VPCI_EXPORT const char *vpci_abi_part_name(enum vpci_abi_part p)
{
	static const char *const names[VPCI_ABI_PART_COUNT] = {
		"function", "capabilities", "bars", "values", "rw", "rw1c", "sticky", "device",
	};
	return (unsigned)p < VPCI_ABI_PART_COUNT ? names[p] : "?";
}

VPCI_EXPORT uint64_t vpci_abi_part_hash(const vpci_abi *a, enum vpci_abi_part p)
{
	if ((unsigned)p >= VPCI_ABI_PART_COUNT)
		return 0;
	return abi_fnv(ABI_FNV_INIT, a->enc + a->part[p], a->part[p + 1] - a->part[p]);
}

VPCI_EXPORT const uint8_t *vpci_abi_array(const vpci_abi *a, enum vpci_abi_part p)
{
	if (p < VPCI_ABI_VALUES || p >= VPCI_ABI_PART_COUNT)
		return NULL;
	return a->arr[p - VPCI_ABI_VALUES];
}

VPCI_EXPORT uint64_t vpci_abi_range_hash(const vpci_abi *a, unsigned off, unsigned len)
{
	uint64_t h = ABI_FNV_INIT;

	if (off >= VPCI_CFG_SIZE)
		return h;
	if (len > VPCI_CFG_SIZE - off)
		len = VPCI_CFG_SIZE - off;
	for (unsigned k = 0; k < ABI_NARR; k++)
		h = abi_fnv(h, a->arr[k] + off, len);
	return h;
}

VPCI_EXPORT uint64_t vpci_func_abi_hash(const vpci_func *f)
{
	vpci_abi *a;

	if (vpci_abi_new(f, &a))
		return 0;
	uint64_t h = a->hash;
	vpci_abi_free(a);
	return h;
}

/* --- decoding ------------------------------------------------------------------ */

struct rd {
	const uint8_t *p;
	size_t len, pos;
	vpci_diag *d;
};

PRINTF(2, 3)
static int bad(struct rd *r, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(r->d, VPCI_SEV_ERROR, VPCI_EDATA, DIAG_NOPOS, "guest ABI encoding: %s (byte %zu)", msg, r->pos);
	return VPCI_EDATA;
}

static int need(struct rd *r, size_t n)
{
	return r->len - r->pos >= n ? 0 : bad(r, "truncated");
}

static int read_runs(struct rd *r, uint8_t *arr, unsigned size)
{
	unsigned next = 0; /* first DWORD a run may start at */

	for (;;) {
		if (need(r, 2))
			return VPCI_EDATA;
		unsigned s = le16(r->p + r->pos);
		if (s == END_RUN) {
			r->pos += 2;
			return 0;
		}
		if (need(r, 4))
			return VPCI_EDATA;
		unsigned n = le16(r->p + r->pos + 2);
		/* runs ascend, are maximal (a zero DWORD between two) and
		 * stay inside the config space */
		if (n == 0 || s < next || s + n > size / 4)
			return bad(r, "run of %u DWORDs at DWORD %u out of order or out of range", n, s);
		r->pos += 4;
		if (need(r, 4u * n))
			return VPCI_EDATA;
		memcpy(arr + 4 * s, r->p + r->pos, 4u * n);
		for (unsigned i = 0; i < n; i++)
			if (dw_zero(arr + 4 * (s + i)))
				return bad(r, "zero DWORD %u inside a run", s + i);
		r->pos += 4u * n;
		next = s + n + 1;
	}
}

VPCI_EXPORT int vpci_abi_decode(const void *data, size_t len, vpci_abi **out, vpci_diag *d)
{
	struct rd r = { data, len, 0, d };
	struct vpci_abi *a;
	int rc;

	*out = NULL;
	if (!data || len < HDR || memcmp(data, MAGIC, 8))
		return bad(&r, "no 'vpci-abi' header");
	if (r.p[8] != VPCI_ABI_VERSION)
		return bad(&r, "ABI version %u; this library defines version %u", r.p[8], VPCI_ABI_VERSION);
	if (!(a = calloc(1, sizeof(*a))))
		return VPCI_ENOMEM;
	a->kind = r.p[9];
	a->multifunction = r.p[10];
	unsigned nb = r.p[11];
	a->size = le16(r.p + 12);
	a->ncaps = le16(r.p + 14);
	r.pos = HDR;
	rc = VPCI_EDATA;
	if (a->kind > VPCI_KIND_CARDBUS || a->multifunction > 1 || nb > ROM_INDEX + 1 ||
	    (a->size != VPCI_CFG_SIZE && a->size != VPCI_CFG_SIZE_CONV && a->size != 128 && a->size != 64)) {
		bad(&r, "bad function header");
		goto fail;
	}
	if (need(&r, (size_t)CAP_LEN * a->ncaps))
		goto fail;
	if (a->ncaps && !(a->caps = calloc(a->ncaps, sizeof(*a->caps)))) {
		rc = VPCI_ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < a->ncaps; i++, r.pos += CAP_LEN) {
		const uint8_t *p = r.p + r.pos;
		struct abi_cap *c = &a->caps[i];
		c->ext = p[0];
		c->version = p[1];
		c->id = le16(p + 2);
		c->off = le16(p + 4);
		/* standard before extended, offsets inside the space */
		if (c->ext > 1 || c->off >= a->size || c->off % 4 || (!c->ext && (c->id > 0xff || c->version)) ||
		    c->version > 15 || (i && a->caps[i - 1].ext > c->ext)) {
			bad(&r, "bad capability %u", i);
			goto fail;
		}
	}
	if (need(&r, (size_t)BAR_LEN * nb))
		goto fail;
	for (unsigned i = 0, last = 0; i < nb; i++, r.pos += BAR_LEN) {
		const uint8_t *p = r.p + r.pos;
		unsigned idx = p[0];
		if (idx > ROM_INDEX || (i && idx <= last) || p[1] == VPCI_BAR_NONE || p[1] > VPCI_BAR_MEM1M ||
		    p[2] > 1 || p[3]) {
			bad(&r, "bad BAR entry %u", i);
			goto fail;
		}
		last = idx;
		a->bar[idx].type = p[1];
		a->bar[idx].pref = p[2];
		a->bar[idx].size = le_get64(p + 4, 8);
	}
	for (unsigned k = 0; k < ABI_NARR; k++)
		if (read_runs(&r, a->arr[k], a->size))
			goto fail;
	if (r.pos != len) {
		bad(&r, "%zu bytes after the end", len - r.pos);
		goto fail;
	}
	/* one encoding per ABI: what we read must be what we would write */
	if ((rc = encode(a)))
		goto fail;
	if (a->enclen != len || memcmp(a->enc, data, len)) {
		r.pos = 0;
		rc = bad(&r, "not in canonical form");
		goto fail;
	}
	*out = a;
	return 0;
fail:
	vpci_abi_free(a);
	return rc;
}

/* --- a model with a given ABI --------------------------------------------------- */

int abi_func(const struct vpci_abi *a, struct vpci_func **out)
{
	struct vpci_func *f = vpci_func_new();

	*out = NULL;
	if (!f)
		return VPCI_ENOMEM;
	f->size = a->size;
	f->kind = a->kind;
	f->multifunction = a->multifunction;
	memcpy(f->val, a->arr[0], VPCI_CFG_SIZE);
	memcpy(f->pl[VPCI_PL_RW], a->arr[1], VPCI_CFG_SIZE);
	memcpy(f->pl[VPCI_PL_RW1C], a->arr[2], VPCI_CFG_SIZE);
	memcpy(f->pl[VPCI_PL_STICKY], a->arr[3], VPCI_CFG_SIZE);
	memcpy(f->pl[VPCI_PL_DEVICE], a->arr[4], VPCI_CFG_SIZE);
	for (unsigned i = 0; i < a->ncaps; i++) {
		struct capinst *c = func_add_cap(f, a->caps[i].ext);
		if (!c) {
			vpci_func_free(f);
			return VPCI_ENOMEM;
		}
		c->id = a->caps[i].id;
		c->version = a->caps[i].version;
		c->off = a->caps[i].off;
		c->desc = captab_find(c->ext ? CK_EXT : CK_STD, c->id);
	}
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		struct barinst *b = &f->bar[i];
		b->type = a->bar[i].type;
		b->pref = a->bar[i].pref;
		b->size = a->bar[i].size;
		b->size_known = a->bar[i].size != 0;
	}
	for (unsigned i = 0; i + 1 < ROM_INDEX; i++)
		if (f->bar[i].type == VPCI_BAR_MEM64 && f->bar[i + 1].type == VPCI_BAR_NONE)
			f->bar[i + 1].type = VPCI_BAR_MEM64_HI;
	func_update_lengths(f);
	*out = f;
	return 0;
}
