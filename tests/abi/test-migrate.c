/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-migrate.c - saved state (format 2) and the load decision
 *   - the matrix (matrix.h): over every ordered pair of the base and its
 *     variants, an actual save on one and load on the other succeeds
 *     exactly when vpci_compat() says the pair is compatible (100%), and
 *     a refused load reports every blocker compat names;
 *   - integrity: every truncation, every extension and every changed byte
 *     is refused, and a refused blob leaves the engine exactly as it was
 *     (config space, MSI-X table and PBA, no event);
 *   - only what differs from reset is carried; a state round-trips;
 *   - device-backed state the guest set (Command decode and bus master,
 *     the power state, Device Control) reaches the destination's device,
 *     in order (registers, then enables, Command, the power state last),
 *     and the destination reports the BAR, Command, MSI-X and vector
 *     events that rebuild the VMM's mappings;
 *   - vpci_emu_state_info() reads name, hash and contents without an
 *     engine; an unknown optional section is skipped, a needed one refused.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu/emu_priv.h"
#include "vpci/vpci.h"

#include "matrix-util.h"

/* --- events ---------------------------------------------------------------- */

#define MAXEV 512
static struct vpci_event evs[MAXEV];
static unsigned nev;

static void record(void *opaque, const struct vpci_event *ev)
{
	(void)opaque;
	if (nev < MAXEV)
		evs[nev++] = *ev;
}

static const struct vpci_emu_ops rec_ops = { record };

static const struct vpci_event *find_ev(enum vpci_event_kind k, int index)
{
	for (unsigned i = 0; i < nev; i++)
		if (evs[i].kind == k && (index < 0 || evs[i].index == (unsigned)index))
			return &evs[i];
	return NULL;
}

static vpci_emu *emu(const vpci_func *f)
{
	vpci_emu *e = NULL;

	assert_int_equal(vpci_emu_new(f, NULL, &rec_ops, NULL, &e, NULL), 0);
	return e;
}

/* A guest's setup: BARs, decode and bus master, MSI-X with vectors
 * programmed, MSI, a vector pending. */
static void run_guest(vpci_emu *e, const vpci_func *f)
{
	struct vpci_cap_info c;
	uint64_t a = 0x80000000u;

	for (unsigned i = 0; i < 6; i++) {
		struct vpci_bar_info b;
		if (vpci_func_bar(f, i, &b) || b.type == VPCI_BAR_MEM64_HI || !b.size_known)
			continue;
		uint64_t at = b.type == VPCI_BAR_IO ? 0xc000 : (a + b.size - 1) & ~(b.size - 1);
		if (b.type != VPCI_BAR_IO)
			a = at + b.size;
		unit_wr(e, 0x10 + 4 * i, 4, (uint32_t)at);
		if (b.type == VPCI_BAR_MEM64)
			unit_wr(e, 0x14 + 4 * i, 4, (uint32_t)(at >> 32));
	}
	unit_wr(e, 0x04, 2, 0x0007);
	if (vpci_func_find_cap(f, false, 0x11, &c) >= 0) {
		unsigned n = (vpci_func_read(f, c.offset + 2, 2) & 0x7ff) + 1;
		unit_wr(e, c.offset + 2, 2, 0x8000);
		for (unsigned v = 0; v < n; v++) {
			assert_int_equal(vpci_emu_msix_table_write(e, 16 * v, 8, 0xfee00000ull | v << 12), 0);
			assert_int_equal(vpci_emu_msix_table_write(e, 16 * v + 8, 4, 0x40 + v), 0);
			assert_int_equal(vpci_emu_msix_table_write(e, 16 * v + 12, 4, v & 1), 0);
		}
		assert_int_equal(vpci_emu_msix_set_pending(e, n - 1, true), 0);
	}
	if (vpci_func_find_cap(f, false, 0x05, &c) >= 0) {
		unit_wr(e, c.offset + 4, 4, 0xfee01000);
		unit_wr(e, c.offset + 2, 2, 0x0001);
	}
}

/* Everything a guest or VMM can read of @e. */
struct snap {
	uint32_t cfg[VPCI_CFG_SIZE / 4];
	uint64_t tab[2 * 64], pba;
};

static void snapshot_of(vpci_emu *e, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o += 4)
		s->cfg[o / 4] = unit_rd(e, o, 4);
	for (unsigned q = 0; q < 2 * 64; q++)
		if (vpci_emu_msix_table_read(e, false, 8 * q, 8, &s->tab[q]))
			break;
	vpci_emu_msix_table_read(e, true, 0, 8, &s->pba);
}

/* --- the matrix: compat and an actual load agree ------------------------------ */

static void test_matrix_load_agrees(void **state)
{
	vpci_func *f[MATRIX_N + 1];
	void *blob[MATRIX_N + 1];
	size_t len[MATRIX_N + 1];
	static struct snap live[MATRIX_N + 1];
	unsigned pairs = 0, agree = 0, loads = 0;

	(void)state;
	for (int i = -1; i < (int)MATRIX_N; i++) {
		f[i + 1] = matrix_variant(i);
		vpci_emu *e = emu(f[i + 1]);
		run_guest(e, f[i + 1]);
		assert_int_equal(vpci_emu_save(e, &blob[i + 1], &len[i + 1]), 0);
		snapshot_of(e, &live[i + 1]);
		vpci_emu_free(e);
	}
	for (size_t i = 0; i <= MATRIX_N; i++) {
		for (size_t j = 0; j <= MATRIX_N; j++) {
			vpci_diff *l = NULL;
			int c = vpci_compat(f[i], f[j], NULL, &l, NULL);
			vpci_emu *e = emu(f[j]);
			vpci_diag *d = vpci_diag_new();
			struct snap before, after;
			snapshot_of(e, &before);
			nev = 0;
			int rc = vpci_emu_load(e, blob[i], len[i], d);
			pairs++;
			agree += (c == 0) == (rc == 0);
			if ((c == 0) != (rc == 0))
				print_error("%s -> %s: compat %d, load %d\n", i ? matrix_changes[i - 1].name : "base",
					    j ? matrix_changes[j - 1].name : "base", c, rc);
			if (rc) {
				/* refused: every blocker reported, nothing changed */
				assert_int_equal(rc, VPCI_EDATA);
				if (vpci_diag_errors(d) != vpci_diff_blockers(l)) {
					for (size_t k = 0; k < vpci_diag_count(d); k++)
						print_error("  load: %s\n", vpci_diag_get(d, k)->message);
					for (size_t k = 0; k < vpci_diff_count(l); k++)
						print_error("  compat: %s\n", vpci_diff_get(l, k)->message);
				}
				assert_int_equal(vpci_diag_errors(d), vpci_diff_blockers(l));
				snapshot_of(e, &after);
				assert_memory_equal(&before, &after, sizeof(before));
				assert_int_equal(nev, 0);
			} else {
				loads++;
				/* the guest sees exactly what it saw on the source,
				 * also where the destination's reset values differ */
				snapshot_of(e, &after);
				if (memcmp(&after, &live[i], sizeof(after)))
					fail_msg("%s -> %s: the guest's view changed", i ? matrix_changes[i - 1].name : "base",
						 j ? matrix_changes[j - 1].name : "base");
				/* the destination maps what the guest had mapped */
				assert_non_null(find_ev(VPCI_EV_COMMAND, -1));
				if (vpci_func_cap_count(f[j]))
					assert_non_null(find_ev(VPCI_EV_BAR, 0));
			}
			vpci_diag_free(d);
			vpci_diff_free(l);
			vpci_emu_free(e);
		}
	}
	print_message("compat against an actual save and load: %u of %u ordered pairs agree (%u loads)\n",
		      agree, pairs, loads);
	assert_int_equal(agree, pairs);
	for (size_t i = 0; i <= MATRIX_N; i++) {
		free(blob[i]);
		vpci_func_free(f[i]);
	}
}

/* --- integrity ---------------------------------------------------------------- */

static void test_integrity(void **state)
{
	vpci_func *f = matrix_variant(-1);
	vpci_emu *src = emu(f), *dst = emu(f);
	void *blob;
	size_t len;
	struct snap before, after;

	(void)state;
	run_guest(src, f);
	assert_int_equal(vpci_emu_save(src, &blob, &len), 0);
	run_guest(dst, f);
	unit_wr(dst, 0x04, 2, 0x0002); /* a state of its own */
	snapshot_of(dst, &before);
	uint8_t *buf = malloc(len + 16);
	unsigned refused = 0;
	/* every truncation and extension */
	for (size_t n = 0; n < len; n++) {
		nev = 0;
		assert_int_not_equal(vpci_emu_load(dst, blob, n, NULL), 0);
		refused++;
	}
	memcpy(buf, blob, len);
	memset(buf + len, 0, 16);
	for (size_t x = 1; x <= 16; x++) {
		assert_int_equal(vpci_emu_load(dst, buf, len + x, NULL), VPCI_EDATA);
		refused++;
	}
	/* every byte changed, to several values */
	for (size_t i = 0; i < len; i++) {
		for (unsigned k = 1; k < 256; k += 51) {
			memcpy(buf, blob, len);
			buf[i] ^= (uint8_t)k;
			nev = 0;
			vpci_diag *d = vpci_diag_new();
			int rc = vpci_emu_load(dst, buf, len, d);
			if (!rc)
				fail_msg("byte %zu ^ 0x%x: loaded", i, k);
			assert_true(vpci_diag_errors(d) > 0);
			vpci_diag_free(d);
			assert_int_equal(nev, 0);
			refused++;
		}
	}
	snapshot_of(dst, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	print_message("a %zu-byte state: %u damaged forms refused, the engine unchanged\n", len, refused);
	/* and the good blob still loads: the source's state */
	assert_int_equal(vpci_emu_load(dst, blob, len, NULL), 0);
	snapshot_of(dst, &after);
	snapshot_of(src, &before);
	assert_memory_equal(&before, &after, sizeof(before));
	free(buf);
	free(blob);
	vpci_emu_free(src);
	vpci_emu_free(dst);
	vpci_func_free(f);
}

/* Only what differs from reset, and what the ABI check needs. */
static void test_compact(void **state)
{
	vpci_func *f = matrix_variant(-1);
	vpci_emu *e = emu(f);
	void *blob;
	size_t len;
	struct vpci_state_info in;
	vpci_abi *a;
	size_t alen;

	(void)state;
	assert_int_equal(vpci_abi_new(f, &a), 0);
	vpci_abi_encoding(a, &alen);
	assert_int_equal(vpci_emu_save(e, &blob, &len), 0);
	/* at reset: header, name, ABI, checksum, and the DWORDs whose
	 * guest-changeable bits reset to something else than 0 (Device
	 * Control, AER severity and masks) */
	unsigned nz = 0, runs = 0;
	int prev = 0;
	for (unsigned o = 0; o < 4096; o += 4) {
		uint32_t m = 0;
		for (int p = VPCI_PL_RW; p <= VPCI_PL_RW1C; p++)
			m |= vpci_func_plane(f, (enum vpci_plane)p)[o] | vpci_func_plane(f, (enum vpci_plane)p)[o + 1] << 8 |
			     vpci_func_plane(f, (enum vpci_plane)p)[o + 2] << 16 |
			     (uint32_t)vpci_func_plane(f, (enum vpci_plane)p)[o + 3] << 24;
		int on = (vpci_func_read(f, o, 4) & m) != 0;
		nz += on;
		runs += on && !prev;
		prev = on;
	}
	assert_true(nz > 0);
	assert_int_equal(len, 24 + 8 + strlen("base") + 8 + alen + 8 + 4 * runs + 4 * nz + 8);
	assert_int_equal(vpci_emu_state_info(blob, len, &in, NULL), 0);
	assert_int_equal(in.config_dwords, nz);
	assert_int_equal(in.device_dwords + in.msix_vectors + in.pba_words, 0);
	free(blob);
	run_guest(e, f);
	assert_int_equal(vpci_emu_save(e, &blob, &len), 0);
	assert_int_equal(vpci_emu_state_info(blob, len, &in, NULL), 0);
	assert_int_equal(in.format, 2);
	assert_string_equal(in.name, "base");
	assert_true(in.abi_hash == vpci_abi_hash(a));
	assert_int_equal(in.abi_version, VPCI_ABI_VERSION);
	assert_int_equal(in.config_size, 4096);
	assert_int_equal(in.abi_bytes, alen);
	/* and BAR0 (below 4 GiB: its upper half stays 0), BAR2, Command,
	 * MSI-X control, MSI control and address */
	assert_int_equal(in.config_dwords, nz + 6);
	assert_int_equal(in.device_dwords, 0);
	assert_int_equal(in.msix_vectors, 8);
	assert_int_equal(in.pba_words, 1);
	/* the target: config + MSI-X table + 64 bytes */
	assert_true(len <= 4096 + 16 * 8 + 64);
	print_message("base after a guest's setup: %zu bytes (ABI %zu; target %u)\n", len, alen, 4096 + 16 * 8 + 64);
	/* not a blob, a foreign one */
	assert_int_equal(vpci_emu_state_info("hello", 5, &in, NULL), VPCI_EINVAL);
	((uint8_t *)blob)[40] ^= 1;
	assert_int_equal(vpci_emu_state_info(blob, len, &in, NULL), VPCI_EDATA);
	free(blob);
	vpci_abi_free(a);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* Sections a reader does not know: skipped when optional, refused when
 * needed.  (The blob is rebuilt with its length and checksum right.) */
static void *with_section(const void *blob, size_t *len, unsigned tag, unsigned flags)
{
	uint8_t *out = malloc(*len + 16);
	size_t n = *len - 8;

	memcpy(out, blob, n);
	le_put64(out + n, 2, tag);
	le_put64(out + n + 2, 2, flags);
	le_put64(out + n + 4, 4, 4);
	memcpy(out + n + 8, "next", 4);
	n += 12;
	le_put64(out + 12, 4, n + 8);
	le_put64(out + n, 8, emu_state_sum(out, n));
	*len = n + 8;
	return out;
}

static void test_forward(void **state)
{
	vpci_func *f = matrix_variant(-1);
	vpci_emu *e = emu(f);
	void *blob, *b2;
	size_t len, l2;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	run_guest(e, f);
	assert_int_equal(vpci_emu_save(e, &blob, &len), 0);
	l2 = len;
	b2 = with_section(blob, &l2, 77, 0);
	assert_int_equal(vpci_emu_load(e, b2, l2, d), 0);
	free(b2);
	l2 = len;
	b2 = with_section(blob, &l2, 77, 1);
	assert_int_equal(vpci_emu_load(e, b2, l2, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "section 77 is needed"));
	free(b2);
	/* a section twice */
	l2 = len;
	b2 = with_section(blob, &l2, 1, 0);
	vpci_diag_clear(d);
	assert_int_equal(vpci_emu_load(e, b2, l2, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "appears twice"));
	free(b2);
	vpci_diag_free(d);
	free(blob);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* --- device-backed state -------------------------------------------------------- */

/* A backend that remembers every write, over a snapshot backend. */
struct rec {
	struct vpci_backend inner;
	unsigned writes[64];
	unsigned n;
};

static int rec_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	struct rec *rc = ctx;
	return rc->inner.ops->read(rc->inner.ctx, off, size, val);
}

static int rec_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	struct rec *rc = ctx;
	if (rc->n < 64)
		rc->writes[rc->n++] = off;
	return rc->inner.ops->write(rc->inner.ctx, off, size, val, mask);
}

static int rec_reset(void *ctx, enum vpci_reset kind)
{
	struct rec *rc = ctx;
	return rc->inner.ops->reset ? rc->inner.ops->reset(rc->inner.ctx, kind) : 0;
}

static void rec_destroy(void *ctx)
{
	struct rec *rc = ctx;
	rc->inner.ops->destroy(rc->inner.ctx);
	free(rc);
}

static const struct vpci_backend_ops rec_backend = { .read = rec_read, .write = rec_write, .reset = rec_reset,
						     .destroy = rec_destroy };

static vpci_emu *emu_rec(const vpci_func *f, struct rec **out)
{
	struct rec *rc = calloc(1, sizeof(*rc));
	struct vpci_backend be = { &rec_backend, rc, NULL };
	vpci_emu *e;

	assert_int_equal(vpci_backend_snapshot(f, &rc->inner), 0);
	assert_int_equal(vpci_emu_new(f, &be, &rec_ops, NULL, &e, NULL), 0);
	*out = rc;
	return e;
}

static const char dev_instance[] =
	"vpci: 1\nname: devstate\nfunction:\n"
	"  header:\n    vendor-id: 0x1b36\n    device-id: 0x0010\n    class-code: 0x010802\n"
	"    command: {value: 0x0000, device: 0x0547}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 16KiB}\n"
	"  capabilities:\n"
	"    - {type: msix, offset: 0x40, fields: {message-control: 0x0001, table: 0x2000, pba: 0x3000}}\n"
	"    - {type: pm, offset: 0x60, fields: {pmc: 0x0003, pmcsr: {value: 0x0008, device: 0x8103}}}\n"
	"    - {type: pcie, offset: 0x80, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000,"
	" device-control: {value: 0x2810, device: 0x081f}}}\n";

static void test_device_state(void **state)
{
	vpci_func *f = unit_parse(dev_instance, strlen(dev_instance), "dev.yaml", 0);
	struct rec *rs, *rd;
	vpci_emu *src = emu_rec(f, &rs), *dst = emu_rec(f, &rd);
	void *blob;
	size_t len;

	(void)state;
	unit_wr(src, 0x10, 4, 0xfe000000);
	unit_wr(src, 0x04, 2, 0x0006);           /* decode and bus master: the device's */
	unit_wr(src, 0x88, 2, 0x2811);           /* Device Control: CorrErr reporting */
	unit_wr(src, 0x42, 2, 0x8000);           /* MSI-X enable (virtual) */
	assert_int_equal(vpci_emu_msix_table_write(src, 0, 8, 0xfee00000), 0);
	assert_int_equal(vpci_emu_msix_table_write(src, 12, 4, 0), 0);
	unit_wr(src, 0x64, 2, 0x0003);           /* D3hot: the device's */
	assert_int_equal(vpci_emu_save(src, &blob, &len), 0);
	struct vpci_state_info in;
	assert_int_equal(vpci_emu_state_info(blob, len, &in, NULL), 0);
	assert_int_equal(in.device_dwords, 3); /* Command, PMCSR, Device Control */

	/* the destination's device is at reset: Command 0 */
	assert_int_equal(unit_rd(dst, 0x04, 2), 0);
	nev = 0;
	rd->n = 0;
	assert_int_equal(vpci_emu_load(dst, blob, len, NULL), 0);
	/* the device-backed registers are the source's */
	assert_int_equal(unit_rd(dst, 0x04, 2), 0x0006);
	assert_int_equal(unit_rd(dst, 0x64, 2) & 3, 3);
	assert_int_equal(unit_rd(dst, 0x88, 2) & 0x081f, 0x0811 & 0x081f);
	/* written to the device: Device Control, then Command, the power
	 * state last */
	assert_int_equal(rd->n, 3);
	assert_int_equal(rd->writes[0], 0x88);
	assert_int_equal(rd->writes[1], 0x04);
	assert_int_equal(rd->writes[2], 0x64);
	/* and the VMM hears what to rebuild */
	const struct vpci_event *ev = find_ev(VPCI_EV_COMMAND, -1);
	assert_non_null(ev);
	assert_int_equal(ev->data, 0x0006);
	ev = find_ev(VPCI_EV_BAR, 0);
	assert_non_null(ev);
	assert_true(ev->enabled);
	assert_int_equal(ev->addr, 0xfe000000);
	assert_non_null(find_ev(VPCI_EV_MSIX, 2)); /* enable: index = table size */
	ev = find_ev(VPCI_EV_MSIX_VECTOR, 0);    /* vector 0 unmasked */
	assert_non_null(ev);
	assert_false(ev->masked);
	assert_int_equal(ev->addr, 0xfee00000);
	ev = find_ev(VPCI_EV_PM, -1);
	assert_non_null(ev);
	assert_int_equal(ev->data, 3);
	/* the same into the source itself: nothing to re-report but the
	 * device state is written again */
	free(blob);
	vpci_emu_free(src);
	vpci_emu_free(dst);
	vpci_func_free(f);
}

/* --- completeness: every example and instance type ------------------------------ */

static uint64_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 11);
}

/* A hostile guest: full-range values at every offset and size of the
 * config space (FLRs, power-state changes and resets included), the whole
 * MSI-X table, random pending bits. */
static void scribble(vpci_emu *e, const vpci_func *f, unsigned vectors)
{
	unsigned size = vpci_func_config_size(f);

	for (unsigned pass = 0; pass < 3; pass++) {
		for (unsigned o = 0; o < size; o++) {
			unsigned n = 1u << (rnd() % 3);
			if (o % n == 0 && o + n <= size)
				vpci_emu_write(e, o, n, rnd());
		}
		for (unsigned o = 0; o < 16 * vectors; o += 4)
			vpci_emu_msix_table_write(e, o, 4, rnd());
		for (unsigned v = 0; v < vectors; v++)
			vpci_emu_msix_set_pending(e, v, rnd() & 1);
	}
}

/* Everything a guest reads of @a and @b is the same. */
static unsigned same_view(vpci_emu *a, vpci_emu *b, const vpci_func *f, unsigned vectors, const char *file)
{
	unsigned size = vpci_func_config_size(f), n = 0;

	for (unsigned o = 0; o < size; o += 4, n++) {
		uint32_t x = unit_rd(a, o, 4), y = unit_rd(b, o, 4);
		if (x != y)
			fail_msg("%s: config 0x%x: 0x%08x saved, 0x%08x loaded", file, o, x, y);
	}
	for (unsigned o = 0; o < 16 * vectors; o += 4, n++) {
		uint64_t x = 0, y = 0;
		assert_int_equal(vpci_emu_msix_table_read(a, false, o, 4, &x), 0);
		assert_int_equal(vpci_emu_msix_table_read(b, false, o, 4, &y), 0);
		if (x != y)
			fail_msg("%s: MSI-X table 0x%x: 0x%08llx saved, 0x%08llx loaded", file, o,
				 (unsigned long long)x, (unsigned long long)y);
	}
	for (unsigned o = 0; o < 8 * ((vectors + 63) / 64); o += 8, n++) {
		uint64_t x = 0, y = 0;
		assert_int_equal(vpci_emu_msix_table_read(a, true, o, 8, &x), 0);
		assert_int_equal(vpci_emu_msix_table_read(b, true, o, 8, &y), 0);
		if (x != y)
			fail_msg("%s: PBA 0x%x: 0x%016llx saved, 0x%016llx loaded", file, o, (unsigned long long)x,
				 (unsigned long long)y);
	}
	return n;
}

static void complete_one(const char *path, unsigned *files, unsigned *reads, unsigned *bytes)
{
	vpci_func *f = NULL;
	vpci_emu *src = NULL, *fresh = NULL, *dirty = NULL;
	struct vpci_cap_info c;
	void *blob;
	size_t len;

	if (vpci_parse_file(path, &f, NULL))
		fail_msg("%s does not parse", path);
	if (vpci_emu_new(f, NULL, &rec_ops, NULL, &src, NULL)) {
		vpci_func_free(f); /* not emulatable (a BAR of unknown size) */
		return;
	}
	unsigned vectors = vpci_func_find_cap(f, false, 0x11, &c) >= 0 ? (vpci_func_read(f, c.offset + 2, 2) & 0x7ff) + 1 : 0;
	fresh = emu(f);
	dirty = emu(f);
	for (unsigned round = 0; round < 8; round++) {
		scribble(src, f, vectors);
		scribble(dirty, f, vectors);
		assert_int_equal(vpci_emu_save(src, &blob, &len), 0);
		/* into a function at reset and into one with a state of its own */
		assert_int_equal(vpci_emu_load(fresh, blob, len, NULL), 0);
		assert_int_equal(vpci_emu_load(dirty, blob, len, NULL), 0);
		*reads += same_view(src, fresh, f, vectors, path);
		*reads += same_view(src, dirty, f, vectors, path);
		*bytes += (unsigned)len;
		free(blob);
		vpci_emu_reset(fresh, VPCI_RESET_COLD);
	}
	(*files)++;
	vpci_emu_free(src);
	vpci_emu_free(fresh);
	vpci_emu_free(dirty);
	vpci_func_free(f);
}

static void test_complete(void **state)
{
	const char *root = getenv("VPCI_SOURCE_ROOT");
	static const char *const dirs[] = { "examples", "instances" };
	unsigned files = 0, reads = 0, bytes = 0;

	(void)state;
	assert_non_null(root);
	rnd_state = 0x9e3779b97f4a7c15ull;
	for (unsigned k = 0; k < 2; k++) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/%s", root, dirs[k]);
		DIR *dp = opendir(dir);
		struct dirent *de;
		assert_non_null(dp);
		while ((de = readdir(dp))) {
			size_t l = strlen(de->d_name);
			if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
				continue;
			char path[4096 + 256];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			complete_one(path, &files, &reads, &bytes);
		}
		closedir(dp);
	}
	print_message("%u files, 8 hostile guests each: %u reads the same after save and load (%u bytes saved)\n",
		      files, reads, bytes);
	assert_true(files >= 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_load_agrees),
		cmocka_unit_test(test_integrity),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_device_state),
		cmocka_unit_test(test_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
