/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * migrate.c - guest ABI hash, and saving/loading emulated state
 *
 * The guest ABI of a function is what a guest can observe and build on:
 * the values of bits it cannot write (and that are not backed by the
 * device, whose state migrates by other means), every access plane, the
 * capability list (IDs, versions, offsets, order), BAR kinds and sizes.
 * A saved blob carries the whole ABI, not only its hash, so that a refused
 * load can say exactly what differs.
 *
 * Blob layout (little-endian):
 *   "VPCIEMU\0"  u32 version  u32 length  u64 abi-hash
 *   u16 config-size  u16 name-length  u16 capabilities  u16 msix-vectors
 *   name, capabilities (u8 ext, u8 version, u16 id, u16 offset, u16 0),
 *   7 BARs (u8 type, u8 prefetchable, u16 0, u32 0, u64 size),
 *   ABI: observable values [size], 7 planes [size each],
 *   state: current values [size], MSI-X table [16 * vectors],
 *   PBA [8 * ceil(vectors / 64)]
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

#define BLOB_MAGIC "VPCIEMU"
#define BLOB_VERSION 1u
#define HDR_LEN 32u

struct hasher {
	uint64_t h;
};

static void hash_bytes(struct hasher *s, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		s->h ^= b[i];
		s->h *= 0x100000001b3ull;
	}
}

static void hash_u64(struct hasher *s, uint64_t v)
{
	uint8_t b[8];

	le_put64(b, 8, v);
	hash_bytes(s, b, 8);
}

static uint8_t observable(const struct vpci_func *f, unsigned i)
{
	return (uint8_t)(f->val[i] & ~(f->pl[VPCI_PL_RW][i] | f->pl[VPCI_PL_RW1C][i] |
				     f->pl[VPCI_PL_DEVICE][i] | f->pl[VPCI_PL_RSVDZ][i]));
}

VPCI_EXPORT uint64_t vpci_func_abi_hash(const vpci_func *f)
{
	struct hasher s = { 0xcbf29ce484222325ull };

	hash_bytes(&s, "vpci-abi-1", 10);
	hash_u64(&s, f->size);
	hash_u64(&s, (uint64_t)f->kind << 8 | f->multifunction);
	for (unsigned i = 0; i < f->size; i++) {
		uint8_t b = observable(f, i);
		hash_bytes(&s, &b, 1);
	}
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		hash_bytes(&s, f->pl[p], f->size);
	for (unsigned i = 0; i < f->ncaps; i++)
		hash_u64(&s, (uint64_t)f->caps[i].ext << 40 | (uint64_t)f->caps[i].version << 32 |
				     (uint64_t)f->caps[i].id << 16 | f->caps[i].off);
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		hash_u64(&s, f->bar[i].size_known ? f->bar[i].size : 0);
		hash_u64(&s, (uint64_t)f->bar[i].type << 8 | f->bar[i].pref);
	}
	return s.h;
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

static size_t blob_len(const struct vpci_emu *e, size_t namelen)
{
	const struct vpci_func *f = e->f;

	return HDR_LEN + namelen + 8u * f->ncaps + 16u * 7 + (size_t)f->size * (1 + VPCI_PL_COUNT) +
	       f->size + 16u * e->msix_n + 8u * ((e->msix_n + 63) / 64);
}

VPCI_EXPORT int vpci_emu_save(vpci_emu *e, void **blob, size_t *len)
{
	const struct vpci_func *f = e->f;
	const char *name = vpci_func_name(f);
	size_t nl = strlen(name);
	struct wbuf w;

	if (nl > 0xffff)
		nl = 0xffff;
	w.len = 0;
	w.p = malloc(blob_len(e, nl));
	if (!w.p)
		return VPCI_ENOMEM;
	elock_lock(&e->lock);
	put(&w, BLOB_MAGIC, 8);
	putn(&w, BLOB_VERSION, 4);
	putn(&w, blob_len(e, nl), 4);
	putn(&w, vpci_func_abi_hash(f), 8);
	putn(&w, f->size, 2);
	putn(&w, nl, 2);
	putn(&w, f->ncaps, 2);
	putn(&w, e->msix_n, 2);
	put(&w, name, nl);
	for (unsigned i = 0; i < f->ncaps; i++) {
		putn(&w, f->caps[i].ext, 1);
		putn(&w, f->caps[i].version, 1);
		putn(&w, f->caps[i].id, 2);
		putn(&w, f->caps[i].off, 2);
		putn(&w, 0, 2);
	}
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		putn(&w, f->bar[i].type, 1);
		putn(&w, f->bar[i].pref, 1);
		putn(&w, 0, 6);
		putn(&w, f->bar[i].size_known ? f->bar[i].size : 0, 8);
	}
	for (unsigned i = 0; i < f->size; i++)
		putn(&w, observable(f, i), 1);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		put(&w, f->pl[p], f->size);
	for (unsigned dw = 0; dw < f->size / 4; dw++)
		putn(&w, atomic_load_explicit(&e->cur[dw], memory_order_relaxed), 4);
	for (unsigned i = 0; i < 4 * e->msix_n; i++)
		putn(&w, e->msix_table[i], 4);
	for (unsigned i = 0; i < (e->msix_n + 63) / 64; i++)
		putn(&w, e->msix_pba[i], 8);
	elock_unlock(&e->lock);
	*blob = w.p;
	*len = w.len;
	return 0;
}

/* --- load ------------------------------------------------------------------------ */

struct rbuf {
	const uint8_t *p;
	size_t len, pos;
};

static int get(struct rbuf *r, void *dst, size_t n)
{
	if (r->pos + n > r->len)
		return -1;
	memcpy(dst, r->p + r->pos, n);
	r->pos += n;
	return 0;
}

static uint64_t getn(struct rbuf *r, unsigned width, int *err)
{
	if (r->pos + width > r->len) {
		*err = 1;
		return 0;
	}
	uint64_t v = le_get64(r->p + r->pos, width);
	r->pos += width;
	return v;
}

PRINTF(2, 3)
static void refuse(vpci_diag *d, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, DIAG_NOPOS, "saved state refused: %s", msg);
}

struct field_at {
	unsigned off;
	char name[96];
};

static int field_at_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct field_at *fa = ctx;

	(void)f;
	if (fa->off >= r->off && fa->off < r->off + r->fd->width) {
		snprintf(fa->name, sizeof(fa->name), "%s %s", r->cap < 0 ? "header" : r->cd->key, r->name);
		return 1;
	}
	return 0;
}

static const char *capname(int ext, unsigned id)
{
	const struct vpci_cdesc *cd = captab_find(ext ? CK_EXT : CK_STD, (uint16_t)id);

	return cd ? cd->name : "an unknown capability";
}

static const char *const plane_names[VPCI_PL_COUNT] = {
	"RW", "RW1C", "RsvdP", "RsvdZ", "HwInit", "sticky", "device-backed"
};

/* Compare the saved ABI with ours; report precisely; 0 when equal. */
static int compare_abi(const struct vpci_func *f, struct rbuf *r, unsigned size, unsigned ncaps,
		       vpci_diag *d)
{
	int err = 0, bad = 0;

	if (size != f->size) {
		refuse(d, "config space size differs: saved %u bytes, this instance has %u", size, f->size);
		return 1;
	}
	for (unsigned i = 0; i < ncaps || i < f->ncaps; i++) {
		unsigned ext = 0, ver = 0, id = 0, off = 0;
		if (i < ncaps) {
			ext = (unsigned)getn(r, 1, &err);
			ver = (unsigned)getn(r, 1, &err);
			id = (unsigned)getn(r, 2, &err);
			off = (unsigned)getn(r, 2, &err);
			getn(r, 2, &err);
		}
		if (err)
			return refuse(d, "truncated"), 1;
		if (bad)
			continue;
		if (i >= ncaps) {
			refuse(d, "this instance has %s at 0x%x, the saved one has no capability there in its list",
			       capname(f->caps[i].ext, f->caps[i].id), f->caps[i].off);
			bad = 1;
		} else if (i >= f->ncaps) {
			refuse(d, "the saved instance has %s at 0x%x, this one has no such capability", capname((int)ext, id),
			       off);
			bad = 1;
		} else if (ext != f->caps[i].ext || id != f->caps[i].id || off != f->caps[i].off ||
			   ver != f->caps[i].version) {
			refuse(d, "capability %u is %s v%u at 0x%x in the saved state, %s v%u at 0x%x here", i,
			       capname((int)ext, id), ver, off, capname(f->caps[i].ext, f->caps[i].id),
			       f->caps[i].version, f->caps[i].off);
			bad = 1;
		}
	}
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		unsigned type = (unsigned)getn(r, 1, &err), pref = (unsigned)getn(r, 1, &err);
		getn(r, 6, &err);
		uint64_t sz = getn(r, 8, &err);
		if (err)
			return refuse(d, "truncated"), 1;
		uint64_t mine = f->bar[i].size_known ? f->bar[i].size : 0;
		if (!bad && (type != f->bar[i].type || pref != f->bar[i].pref || sz != mine)) {
			refuse(d, "%s %u differs: saved kind %u%s size 0x%llx, here kind %u%s size 0x%llx",
			       i == ROM_INDEX ? "ROM" : "BAR", i, type, pref ? " prefetchable" : "",
			       (unsigned long long)sz, f->bar[i].type, f->bar[i].pref ? " prefetchable" : "",
			       (unsigned long long)mine);
			bad = 1;
		}
	}
	if (r->pos + (size_t)size * (1 + VPCI_PL_COUNT) > r->len)
		return refuse(d, "truncated"), 1;
	const uint8_t *vals = r->p + r->pos;
	unsigned reported = 0;
	for (unsigned i = 0; i < size && !bad && reported < 4; i++) {
		const char *what = NULL;
		unsigned saved = vals[i], here = observable(f, i);
		if (saved != here)
			what = "read-only value";
		for (int p = 0; !what && p < VPCI_PL_COUNT; p++) {
			saved = vals[size * (1 + p) + i];
			here = f->pl[p][i];
			if (saved != here)
				what = plane_names[p];
		}
		if (!what)
			continue;
		struct field_at fa = { i, "" };
		func_foreach_field(f, field_at_cb, &fa);
		refuse(d, "offset 0x%x%s%s%s: %s bits differ (saved 0x%02x, here 0x%02x)", i, fa.name[0] ? " (" : "",
		       fa.name, fa.name[0] ? ")" : "", what, saved, here);
		reported++;
		/* one report per field */
		while (i + 1 < size && fa.name[0]) {
			struct field_at nx = { i + 1, "" };
			func_foreach_field(f, field_at_cb, &nx);
			if (strcmp(nx.name, fa.name))
				break;
			i++;
		}
	}
	r->pos += (size_t)size * (1 + VPCI_PL_COUNT);
	return bad || reported;
}

VPCI_EXPORT int vpci_emu_load(vpci_emu *e, const void *blob, size_t len, vpci_diag *d)
{
	const struct vpci_func *f = e->f;
	struct rbuf r = { blob, len, 0 };
	char magic[8];
	int err = 0;

	if (!blob || get(&r, magic, 8) || memcmp(magic, BLOB_MAGIC, 8)) {
		refuse(d, "not a vpci saved state (bad magic)");
		return VPCI_EINVAL;
	}
	uint32_t version = (uint32_t)getn(&r, 4, &err);
	uint32_t total = (uint32_t)getn(&r, 4, &err);
	uint64_t hash = getn(&r, 8, &err);
	unsigned size = (unsigned)getn(&r, 2, &err), nl = (unsigned)getn(&r, 2, &err);
	unsigned ncaps = (unsigned)getn(&r, 2, &err), msix_n = (unsigned)getn(&r, 2, &err);
	if (err || version != BLOB_VERSION) {
		refuse(d, err ? "truncated header" : "blob format version %u; this library reads version %u", version,
		       BLOB_VERSION);
		return VPCI_EDATA;
	}
	if (total != len) {
		refuse(d, "blob is %zu bytes but says %u (truncated or padded)", len, total);
		return VPCI_EDATA;
	}
	char name[256];
	size_t keep = nl < sizeof(name) ? nl : sizeof(name) - 1;
	if (r.pos + nl > r.len)
		return refuse(d, "truncated"), VPCI_EDATA;
	memcpy(name, r.p + r.pos, keep);
	name[keep] = '\0';
	r.pos += nl;
	if (size > VPCI_CFG_SIZE || size % 4)
		return refuse(d, "bad config size %u", size), VPCI_EDATA;
	if (compare_abi(f, &r, size, ncaps, d))
		return VPCI_EDATA;
	if (hash != vpci_func_abi_hash(f)) {
		refuse(d, "guest ABI hash 0x%016llx does not match this instance's 0x%016llx",
		       (unsigned long long)hash, (unsigned long long)vpci_func_abi_hash(f));
		return VPCI_EDATA;
	}
	if (msix_n != e->msix_n)
		return refuse(d, "MSI-X vectors differ: saved %u, here %u", msix_n, e->msix_n), VPCI_EDATA;
	if (r.pos + size + 16u * msix_n + 8u * ((msix_n + 63) / 64) != r.len)
		return refuse(d, "state section has the wrong length"), VPCI_EDATA;
	if (strcmp(name, vpci_func_name(f)))
		diag_add(d, VPCI_SEV_NOTE, 0, DIAG_NOPOS,
			 "state saved from instance '%s' loaded into '%s' (same guest ABI)", name, vpci_func_name(f));
	elock_lock(&e->lock);
	for (unsigned dw = 0; dw < size / 4; dw++) {
		uint32_t v = (uint32_t)getn(&r, 4, &err);
		/* only what the guest could have changed: the rest is the ABI;
		 * trigger bits (Initiate FLR) are never state */
		uint32_t w = e->rw[dw] | e->w1c[dw];
		uint32_t nv = (e->init[dw] & ~w) | (v & w);
		atomic_store_explicit(&e->cur[dw], nv & ~e->dev[dw] & ~e->trig[dw], memory_order_release);
	}
	/* the MSI-X table and PBA as a guest could have made them: reserved
	 * Vector Control bits 0, no pending bit for a vector that does not
	 * exist */
	for (unsigned i = 0; i < 4 * msix_n; i++)
		emu_msix_store(e, i, (uint32_t)getn(&r, 4, &err));
	for (unsigned i = 0; i < (msix_n + 63) / 64; i++)
		e->msix_pba[i] = getn(&r, 8, &err) & emu_pba_valid(e, i);
	/* no side effect (a state saved in D0 loaded into an engine in D3hot
	 * is not a D3hot -> D0 transition); every change is reported */
	emu_restored(e);
	emu_unlock_deliver(e);
	return 0;
}
