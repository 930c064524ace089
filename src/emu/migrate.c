/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * migrate.c - saving and loading an emulated function's state
 *
 * A saved state (format 2, docs/emulation.md "Migration") holds only what
 * differs from the instance's reset state, plus the guest ABI the check
 * needs, and is integrity-checked as a whole.  Little-endian:
 *
 *   "VPCIEMU\0"  u16 format  u16 0  u32 length  u64 ABI hash
 *   sections, each u16 tag, u16 flags (bit 0: needed), u32 length, payload:
 *     1 name     the instance's name
 *     2 abi      the canonical ABI encoding (src/abi/abi.c)
 *     3 config   virtual DWORDs whose guest-changeable bits are not 0
 *     4 device   DWORDs with device-backed guest-writable bits, as the
 *                device had them
 *     5 msix     MSI-X table entries that differ from reset
 *     6 pba      non-zero PBA QWORDs
 *     (runs of u16 first index, u16 count, count items)
 *   u64 checksum of every byte before it
 *
 * A reader skips a section it does not know unless its flag says it is
 * needed; so later formats can add what an older library may ignore.
 *
 * Loading decides with vpci_compat() on the ABI the blob carries (rebuilt
 * as a model, abi_func()) against this engine's instance: the decision of
 * `vpci compat`.  Everything is checked before anything changes: a blob
 * that is refused leaves the engine as it was.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "emu_priv.h"

#define BLOB_MAGIC "VPCIEMU"
#define BLOB_FORMAT 2u
#define HDR_LEN 24u
#define SEC_LEN 8u
#define SUM_LEN 8u
#define SEC_NEEDED 1u

enum { S_NAME = 1, S_ABI, S_CONFIG, S_DEVICE, S_MSIX, S_PBA, S_KNOWN };

/* A little-endian QWORD, one load (the checksum's hot loop). */
static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* --- the checksum ------------------------------------------------------------ */

/* 64 bits over 8-byte words (the tail zero-padded), each step
 * h = rotl(h ^ w, 29) * K with K odd: a bijection of h ^ w, so any change
 * within one word always changes the result; the length is mixed in too. */
uint64_t emu_state_sum(const uint8_t *p, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = 0x736f6d6570736575ull ^ (uint64_t)n;

	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		h ^= le64(p + i);
		h = (h << 29 | h >> 35) * k;
	}
	if (i < n) {
		h ^= le_get64(p + i, (unsigned)(n - i));
		h = (h << 29 | h >> 35) * k;
	}
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

/* --- what an engine's saved states need, computed once ------------------------ */

/* The instance's ABI encoding and hash, and the DWORDs that can hold
 * state: those with virtual bits a guest can change, those with
 * device-backed bits it can write.  Save and load visit only these. */
struct emu_mig {
	uint8_t *abi;
	size_t abi_len;
	uint64_t abi_hash;
	unsigned ncfg, ndev;
	uint16_t *cfg, *dev;
};

void emu_mig_free(struct emu_mig *m)
{
	if (!m)
		return;
	free(m->abi);
	free(m->cfg);
	free(m);
}

/* Guest-changeable virtual bits of DWORD @dw (never a trigger). */
static uint32_t cfg_bits(const struct vpci_emu *e, unsigned dw)
{
	return (e->rw[dw] | e->w1c[dw]) & ~e->dev[dw] & ~e->trig[dw];
}

/* Locked: e->mig, made on first use. */
static int emu_mig(struct vpci_emu *e)
{
	struct emu_mig *m;
	vpci_abi *a;
	size_t len;

	if (e->mig)
		return 0;
	if (!(m = calloc(1, sizeof(*m))) || !(m->cfg = malloc(2 * NDW * sizeof(uint16_t))) ||
	    vpci_abi_new(e->f, &a)) {
		emu_mig_free(m);
		return VPCI_ENOMEM;
	}
	const uint8_t *enc = vpci_abi_encoding(a, &len);
	if ((m->abi = malloc(len))) {
		memcpy(m->abi, enc, len);
		m->abi_len = len;
		m->abi_hash = vpci_abi_hash(a);
	}
	vpci_abi_free(a);
	if (!m->abi) {
		emu_mig_free(m);
		return VPCI_ENOMEM;
	}
	m->dev = m->cfg + NDW;
	for (unsigned dw = 0; dw < e->size / 4; dw++) {
		if (cfg_bits(e, dw))
			m->cfg[m->ncfg++] = (uint16_t)dw;
		if (e->dev[dw] & e->rw[dw])
			m->dev[m->ndev++] = (uint16_t)dw;
	}
	e->mig = m;
	return 0;
}

/* --- save ----------------------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t len;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void putn(struct wbuf *w, uint64_t v, unsigned width)
{
	le_put64(w->p + w->len, width, v);
	w->len += width;
}

/* A section header now, its length filled in by sec_end(). */
static size_t sec_begin(struct wbuf *w, unsigned tag, unsigned flags)
{
	size_t at = w->len;

	putn(w, tag, 2);
	putn(w, flags, 2);
	putn(w, 0, 4);
	return at;
}

static void sec_end(struct wbuf *w, size_t at)
{
	if (w->len == at + SEC_LEN) {
		w->len = at; /* nothing in it: left out */
		return;
	}
	le_put64(w->p + at + 4, 4, w->len - at - SEC_LEN);
}

/* Runs of the items @take selects out of @n, each @isize bytes at
 * @item(i); items of one run are consecutive. */
struct runs {
	struct wbuf *w;
	size_t head;    /* where the open run's header is */
	long start;     /* first item of the open run, -1 = none */
	unsigned count;
};

static void run_item(struct runs *r, unsigned i, const void *item, size_t isize)
{
	if (r->start < 0 || (unsigned)r->start + r->count != i || r->count == 0xffff) {
		if (r->start >= 0)
			le_put64(r->w->p + r->head + 2, 2, r->count);
		r->head = r->w->len;
		r->start = i;
		r->count = 0;
		putn(r->w, i, 2);
		putn(r->w, 0, 2);
	}
	put(r->w, item, isize);
	r->count++;
}

static void run_end(struct runs *r)
{
	if (r->start >= 0)
		le_put64(r->w->p + r->head + 2, 2, r->count);
}

/* Largest blob of @e: every item its own run. */
static size_t blob_max(const struct vpci_emu *e, size_t namelen)
{
	const struct emu_mig *m = e->mig;

	return HDR_LEN + SEC_LEN + namelen + SEC_LEN + m->abi_len + SEC_LEN + 8u * m->ncfg + SEC_LEN +
	       8u * m->ndev + SEC_LEN + 20u * e->msix_n + SEC_LEN + 12u * ((e->msix_n + 63) / 64) + SUM_LEN;
}

static int msix_at_reset(const struct vpci_emu *e, unsigned v)
{
	const uint32_t *t = &e->msix_table[4 * v];

	return !t[0] && !t[1] && !t[2] && t[3] == 1;
}

VPCI_EXPORT int vpci_emu_save(vpci_emu *e, void **blob, size_t *len)
{
	const char *name = vpci_func_name(e->f);
	size_t nl = strlen(name);
	struct wbuf w = { NULL, 0 };
	int rc;

	if (nl > 255)
		nl = 255;
	elock_lock(&e->lock);
	if ((rc = emu_mig(e)))
		goto out;
	const struct emu_mig *m = e->mig;
	if (!(w.p = malloc(blob_max(e, nl)))) {
		rc = VPCI_ENOMEM;
		goto out;
	}
	put(&w, BLOB_MAGIC, 8);
	putn(&w, BLOB_FORMAT, 2);
	putn(&w, 0, 2);
	putn(&w, 0, 4); /* the length, below */
	putn(&w, m->abi_hash, 8);
	size_t s = sec_begin(&w, S_NAME, 0);
	put(&w, name, nl);
	sec_end(&w, s);
	s = sec_begin(&w, S_ABI, SEC_NEEDED);
	put(&w, m->abi, m->abi_len);
	sec_end(&w, s);
	/* the virtual bits a guest can change, where they are not 0: the
	 * destination takes the rest as 0, so it gets the live state even
	 * where its reset values differ (they are not guest ABI); triggers
	 * are never state */
	s = sec_begin(&w, S_CONFIG, SEC_NEEDED);
	struct runs r = { &w, 0, -1, 0 };
	for (unsigned i = 0; i < m->ncfg; i++) {
		unsigned dw = m->cfg[i];
		uint32_t v = atomic_load_explicit(&e->cur[dw], memory_order_relaxed);
		if (v & cfg_bits(e, dw)) {
			uint8_t b[4];
			le_put64(b, 4, v);
			run_item(&r, dw, b, 4);
		}
	}
	run_end(&r);
	sec_end(&w, s);
	/* what the device holds of the guest's settings: read now */
	s = sec_begin(&w, S_DEVICE, SEC_NEEDED);
	r = (struct runs){ &w, 0, -1, 0 };
	for (unsigned i = 0; i < m->ndev; i++) {
		unsigned dw = m->dev[i];
		uint32_t v = 0;
		if ((rc = emu_read_merged(e, 4 * dw, 4, &v)))
			goto out;
		uint8_t b[4];
		le_put64(b, 4, v);
		run_item(&r, dw, b, 4);
	}
	run_end(&r);
	sec_end(&w, s);
	s = sec_begin(&w, S_MSIX, SEC_NEEDED);
	r = (struct runs){ &w, 0, -1, 0 };
	for (unsigned v = 0; v < e->msix_n; v++) {
		if (msix_at_reset(e, v))
			continue;
		uint8_t b[16];
		for (unsigned k = 0; k < 4; k++)
			le_put64(b + 4 * k, 4, e->msix_table[4 * v + k]);
		run_item(&r, v, b, 16);
	}
	run_end(&r);
	sec_end(&w, s);
	s = sec_begin(&w, S_PBA, SEC_NEEDED);
	r = (struct runs){ &w, 0, -1, 0 };
	for (unsigned q = 0; q < (e->msix_n + 63) / 64; q++) {
		if (!e->msix_pba[q])
			continue;
		uint8_t b[8];
		le_put64(b, 8, e->msix_pba[q]);
		run_item(&r, q, b, 8);
	}
	run_end(&r);
	sec_end(&w, s);
	le_put64(w.p + 12, 4, w.len + SUM_LEN);
	putn(&w, emu_state_sum(w.p, w.len), 8);
out:
	elock_unlock(&e->lock);
	if (rc) {
		free(w.p);
		return rc;
	}
	*blob = w.p;
	*len = w.len;
	return 0;
}

/* --- reading a blob --------------------------------------------------------------- */

struct section {
	const uint8_t *p;
	size_t len;
	int present;
};

struct parsed {
	unsigned format;
	uint64_t hash;
	struct section sec[S_KNOWN];
};

PRINTF(2, 3)
static int refuse(vpci_diag *d, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, DIAG_NOPOS, "saved state refused: %s", msg);
	return VPCI_EDATA;
}

/* Check a run section: runs ascend, stay below @max items of @isize
 * bytes, and fill the section exactly.  Counts the items. */
static int runs_ok(const struct section *s, unsigned max, size_t isize, unsigned *items, vpci_diag *d,
		   const char *what)
{
	size_t pos = 0;
	unsigned next = 0;

	*items = 0;
	while (pos < s->len) {
		if (s->len - pos < 4)
			return refuse(d, "the %s section ends inside a run header", what);
		unsigned first = le16(s->p + pos), n = le16(s->p + pos + 2);
		if (!n || first < next || first + n > max)
			return refuse(d, "the %s section has a run of %u at %u (out of order or beyond %u)", what, n,
				      first, max);
		if (s->len - pos - 4 < n * isize)
			return refuse(d, "the %s section ends inside a run", what);
		pos += 4 + n * isize;
		next = first + n;
		*items += n;
	}
	return 0;
}

/* Visit every item of a checked run section. */
static void runs_each(const struct section *s, size_t isize, void (*fn)(void *, unsigned, const uint8_t *),
		      void *ctx)
{
	for (size_t pos = 0; pos < s->len;) {
		unsigned first = le16(s->p + pos), n = le16(s->p + pos + 2);
		pos += 4;
		for (unsigned i = 0; i < n; i++, pos += isize)
			fn(ctx, first + i, s->p + pos);
	}
}

/* The items of a checked run section one by one, in ascending index:
 * @idx is UINT_MAX past the last. */
struct cursor {
	const struct section *s;
	size_t isize, pos;
	unsigned idx, left;
	const uint8_t *item;
};

static void cursor_next(struct cursor *c)
{
	if (!c->left) {
		if (c->pos >= c->s->len) {
			c->idx = UINT_MAX;
			return;
		}
		c->idx = le16(c->s->p + c->pos);
		c->left = le16(c->s->p + c->pos + 2);
		c->pos += 4;
	} else {
		c->idx++;
	}
	c->item = c->s->p + c->pos;
	c->pos += c->isize;
	c->left--;
}

/* The item for index @i, or NULL (indexes asked in ascending order). */
static const uint8_t *cursor_at(struct cursor *c, unsigned i)
{
	while (c->idx < i)
		cursor_next(c);
	return c->idx == i ? c->item : NULL;
}

static void cursor_init(struct cursor *c, const struct section *s, size_t isize)
{
	*c = (struct cursor){ s, isize, 0, 0, 0, NULL };
	cursor_next(c);
}

/* The header, the checksum and the sections; nothing about an engine. */
static int parse_blob(const void *blob, size_t len, struct parsed *b, vpci_diag *d)
{
	const uint8_t *p = blob;

	memset(b, 0, sizeof(*b));
	if (!p || len < 8 || memcmp(p, BLOB_MAGIC, 8)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, DIAG_NOPOS, "saved state refused: not a vpci saved state");
		return VPCI_EINVAL;
	}
	if (len < 12)
		return refuse(d, "truncated: %zu bytes", len);
	b->format = le16(p + 8);
	if (b->format != BLOB_FORMAT)
		return refuse(d, "saved state format %u; this library reads format %u%s", b->format, BLOB_FORMAT,
			      b->format > BLOB_FORMAT ? " (saved by a newer library)" : "");
	if (len < HDR_LEN + SUM_LEN)
		return refuse(d, "truncated: %zu bytes", len);
	uint32_t total = le32(p + 12);
	if (total != len)
		return refuse(d, "the blob is %zu bytes, its header says %u (truncated or extended)", len, total);
	if (le64(p + len - SUM_LEN) != emu_state_sum(p, len - SUM_LEN))
		return refuse(d, "checksum mismatch: the blob is damaged");
	b->hash = le64(p + 16);
	for (size_t pos = HDR_LEN; pos < len - SUM_LEN;) {
		if (len - SUM_LEN - pos < SEC_LEN)
			return refuse(d, "a section header is cut at byte %zu", pos);
		unsigned tag = le16(p + pos), flags = le16(p + pos + 2);
		uint32_t sl = le32(p + pos + 4);
		if (sl > len - SUM_LEN - pos - SEC_LEN)
			return refuse(d, "section %u at byte %zu runs past the end", tag, pos);
		if (tag && tag < S_KNOWN) {
			if (b->sec[tag].present)
				return refuse(d, "section %u appears twice", tag);
			b->sec[tag] = (struct section){ p + pos + SEC_LEN, sl, 1 };
		} else if (flags & SEC_NEEDED) {
			return refuse(d, "section %u is needed to read this state and this library does not know it "
				      "(saved by a newer library)", tag);
		}
		pos += SEC_LEN + sl;
	}
	if (!b->sec[S_ABI].present)
		return refuse(d, "no guest ABI section");
	return 0;
}

/* The header's ABI hash is the hash of the ABI section; @known, when
 * given, is the hash of those very bytes. */
static int hash_ok(const struct parsed *b, const uint64_t *known, vpci_diag *d)
{
	uint64_t h = known ? *known : abi_fnv(ABI_FNV_INIT, b->sec[S_ABI].p, b->sec[S_ABI].len);

	return h == b->hash ? 0 : refuse(d, "the guest ABI section does not hash to the header's ABI hash");
}

/* --- load ------------------------------------------------------------------------ */

/* The ABI of the blob against this engine's instance: vpci_compat(), the
 * decision of `vpci compat`, every blocker reported. */
static int check_abi(struct vpci_emu *e, const struct parsed *b, const struct vpci_compat_opts *opts,
		     vpci_diag *d)
{
	const struct section *abi = &b->sec[S_ABI];

	if (abi->len == e->mig->abi_len && !memcmp(abi->p, e->mig->abi, abi->len))
		return hash_ok(b, &e->mig->abi_hash, d); /* the same ABI, byte for byte */
	if (hash_ok(b, NULL, d))
		return VPCI_EDATA;
	vpci_abi *a = NULL;
	struct vpci_func *saved = NULL;
	vpci_diff *l = NULL;
	int rc = vpci_abi_decode(abi->p, abi->len, &a, d);
	if (rc) {
		if (rc == VPCI_EDATA)
			refuse(d, "its guest ABI section is malformed");
		return rc;
	}
	if (!(rc = abi_func(a, &saved)))
		rc = vpci_compat(saved, e->f, opts, &l, d);
	for (size_t i = 0; rc == VPCI_EDATA && i < vpci_diff_count(l); i++) {
		const struct vpci_diff_entry *x = vpci_diff_get(l, i);
		struct diag_pos pos = DIAG_NOPOS;
		pos.offset = x->pb.offset >= 0 ? x->pb.offset : x->pa.offset;
		diag_add(d, x->waived ? VPCI_SEV_NOTE : VPCI_SEV_ERROR, x->waived ? 0 : VPCI_EDATA, pos,
			 "saved state refused: %s%s", x->waived ? "waived: " : "", x->message);
	}
	vpci_diff_free(l);
	vpci_func_free(saved);
	vpci_abi_free(a);
	return rc;
}

static void apply_pba(void *ctx, unsigned q, const uint8_t *p)
{
	struct vpci_emu *e = ctx;

	e->msix_pba[q] = le64(p) & emu_pba_valid(e, q);
}

/* The order in which saved device state goes back to the device: plain
 * registers first, then the interrupt enables, then Command (decode and
 * bus master once everything they use is in place), the power state last
 * (a function in D3hot was put there after it was set up). */
static int dev_rank(const struct vpci_emu *e, unsigned dw)
{
	unsigned o = 4 * dw;
	const uint16_t *r = e->reg;

	if (r[RL_PMCSR] && o == (r[RL_PMCSR] & ~3u))
		return 3;
	if (r[RL_COMMAND] && o == (r[RL_COMMAND] & ~3u))
		return 2;
	if ((r[RL_MSI_CTL] && o == (r[RL_MSI_CTL] & ~3u)) || (r[RL_MSIX_CTL] && o == (r[RL_MSIX_CTL] & ~3u)))
		return 1;
	return 0;
}

struct devstate {
	struct vpci_emu *e;
	int rank;
	int rc;
};

/* Write the guest-writable device-backed bits of one saved DWORD to the
 * device, through the binding; RW1C bits are not written (a 1 would
 * clear), the device's other bits keep their value. */
static void apply_device(void *ctx, unsigned dw, const uint8_t *p)
{
	struct devstate *ds = ctx;
	struct vpci_emu *e = ds->e;
	uint32_t bits = e->dev[dw] & e->rw[dw] & ~e->trig[dw];

	if (!bits || dev_rank(e, dw) != ds->rank)
		return;
	uint32_t keep = ~bits & ~e->w1c[dw] & ~e->rsvdz[dw];
	int rc = emu_dev_write(e, 4 * dw, 4, le32(p), bits, keep);
	if (rc && !ds->rc)
		ds->rc = rc;
}

VPCI_EXPORT int vpci_emu_load_ex(vpci_emu *e, const void *blob, size_t len, const struct vpci_compat_opts *opts,
				 vpci_diag *d)
{
	struct parsed b;
	unsigned nconf, ndev, nvec, npba;
	int rc;

	if ((rc = parse_blob(blob, len, &b, d)))
		return rc;
	elock_lock(&e->lock);
	/* the ABI first (every difference reported), then the state against
	 * this function's config size and vectors */
	if ((rc = emu_mig(e)) || (rc = check_abi(e, &b, opts, d)) ||
	    (rc = runs_ok(&b.sec[S_CONFIG], e->size / 4, 4, &nconf, d, "config")) ||
	    (rc = runs_ok(&b.sec[S_DEVICE], e->size / 4, 4, &ndev, d, "device")) ||
	    (rc = runs_ok(&b.sec[S_MSIX], e->msix_n, 16, &nvec, d, "MSI-X table")) ||
	    (rc = runs_ok(&b.sec[S_PBA], (e->msix_n + 63) / 64, 8, &npba, d, "PBA"))) {
		elock_unlock(&e->lock);
		return rc;
	}
	const struct section *ns = &b.sec[S_NAME];
	const char *mine = vpci_func_name(e->f);
	if (ns->present && (ns->len != strlen(mine) || memcmp(ns->p, mine, ns->len)))
		diag_add(d, VPCI_SEV_NOTE, 0, DIAG_NOPOS, "state saved from instance '%.*s' loaded into '%s'",
			 (int)(ns->len > 64 ? 64 : ns->len), (const char *)ns->p, mine);
	/* the virtual state: the bits a guest can change as saved (0 where
	 * the blob has nothing), the others this instance's; never a
	 * trigger.  DWORDs without such bits never change: left as they are */
	const struct emu_mig *m = e->mig;
	struct cursor c;
	cursor_init(&c, &b.sec[S_CONFIG], 4);
	for (unsigned i = 0; i < m->ncfg; i++) {
		unsigned dw = m->cfg[i];
		const uint8_t *p = cursor_at(&c, dw);
		uint32_t w = (e->rw[dw] | e->w1c[dw]) & ~e->trig[dw];
		uint32_t nv = (e->init[dw] & ~w) | ((p ? le32(p) : 0) & w);
		atomic_store_explicit(&e->cur[dw], nv & ~e->dev[dw] & ~e->trig[dw], memory_order_release);
	}
	/* the MSI-X table and PBA: the saved entries, the others at reset,
	 * as a guest write stores them (reserved Vector Control bits 0, no
	 * pending bit of a vector that does not exist) */
	static const uint8_t reset[16] = { [12] = 1 };
	cursor_init(&c, &b.sec[S_MSIX], 16);
	for (unsigned v = 0; v < e->msix_n; v++) {
		const uint8_t *p = cursor_at(&c, v);
		for (unsigned k = 0; k < 4; k++)
			emu_msix_store(e, 4 * v + k, le32((p ? p : reset) + 4 * k));
	}
	if (e->msix_n)
		memset(e->msix_pba, 0, ((e->msix_n + 63) / 64) * sizeof(uint64_t));
	runs_each(&b.sec[S_PBA], 8, apply_pba, e);
	/* the device: the guest's settings back, in an order that enables
	 * last what uses the rest */
	struct devstate ds = { e, 0, 0 };
	for (ds.rank = 0; ds.rank <= 3; ds.rank++)
		runs_each(&b.sec[S_DEVICE], 4, apply_device, &ds);
	/* no side effect of its own (a D0 state loaded into a function in
	 * D3hot does not reset it); every change is reported */
	emu_restored(e);
	emu_unlock_deliver(e);
	return ds.rc;
}

VPCI_EXPORT int vpci_emu_load(vpci_emu *e, const void *blob, size_t len, vpci_diag *d)
{
	return vpci_emu_load_ex(e, blob, len, NULL, d);
}

VPCI_EXPORT int vpci_emu_state_info(const void *blob, size_t len, struct vpci_state_info *info, vpci_diag *d)
{
	struct parsed b;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = parse_blob(blob, len, &b, d)) || (rc = hash_ok(&b, NULL, d)))
		return rc;
	const struct section *abi = &b.sec[S_ABI];
	if (abi->len < 16 || memcmp(abi->p, "vpci-abi", 8))
		return refuse(d, "its guest ABI section is malformed");
	info->format = b.format;
	info->abi_hash = b.hash;
	info->abi_version = abi->p[8];
	info->config_size = le16(abi->p + 12);
	info->abi_bytes = abi->len;
	size_t nl = b.sec[S_NAME].len < sizeof(info->name) - 1 ? b.sec[S_NAME].len : sizeof(info->name) - 1;
	memcpy(info->name, b.sec[S_NAME].p ? (const char *)b.sec[S_NAME].p : "", nl);
	info->name[nl] = '\0';
	if ((rc = runs_ok(&b.sec[S_CONFIG], info->config_size / 4, 4, &info->config_dwords, d, "config")) ||
	    (rc = runs_ok(&b.sec[S_DEVICE], info->config_size / 4, 4, &info->device_dwords, d, "device")) ||
	    (rc = runs_ok(&b.sec[S_MSIX], 2048, 16, &info->msix_vectors, d, "MSI-X table")) ||
	    (rc = runs_ok(&b.sec[S_PBA], 32, 8, &info->pba_words, d, "PBA")))
		return rc;
	return 0;
}
