/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-emu.c - the emulation engine, bit by bit:
 *   - for every register of every capability in the table (built into one
 *     function per capability), reads at widths 1, 2, 4 and every legal
 *     alignment agree with each other (Xen's multiread idea);
 *   - a write matrix proving RO, RW, RW1C, RsvdP, RsvdZ, HwInit and
 *     sticky behaviour, and that the backend sees device-backed bits only;
 *   - BAR sizing for I/O, mem32, mem64 pairs and the expansion ROM;
 *   - MSI and MSI-X event sequences, the MSI-X table and PBA;
 *   - FLR through PCIe Device Control and Advanced Features;
 *   - migration round trip and precise refusal;
 *   - hardening (issue 10): MSI-X offsets that would wrap, event handlers
 *     calling back into the function, a state loaded in D3hot, MSI MME
 *     clamped to MMC, restored MSI-X table and PBA masked, RsvdZ bits
 *     never device-backed, Initiate FLR a trigger, BAR mappings the VMM
 *     can use (no address 0, no sizing value), and the validator refusing
 *     what the engine cannot run as written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/captab.h"
#include "emu/emu_priv.h"
#include "model/func.h"
#include "vpci/vpci.h"

static vpci_func *parse(const char *text)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	int rc = vpci_parse_buffer(text, strlen(text), "test.yaml", &f, d);

	for (size_t i = 0; rc && i < vpci_diag_count(d); i++) {
		char b[512];
		vpci_diag_format(vpci_diag_get(d, i), b, sizeof(b));
		print_error("%s\n", b);
	}
	vpci_diag_free(d);
	assert_int_equal(rc, 0);
	return f;
}

static int has_diag(const vpci_diag *d, const char *text)
{
	for (size_t k = 0; k < vpci_diag_count(d); k++)
		if (strstr(vpci_diag_get(d, k)->message, text))
			return 1;
	for (size_t k = 0; k < vpci_diag_count(d); k++)
		print_error("  %s\n", vpci_diag_get(d, k)->message);
	return 0;
}

/* --- events recorder ---------------------------------------------------- */

#define MAXEV 64
static struct vpci_event evs[MAXEV];
static unsigned nev;

static void record(void *opaque, const struct vpci_event *ev)
{
	(void)opaque;
	if (nev < MAXEV)
		evs[nev++] = *ev;
}

static const struct vpci_event *find_ev(enum vpci_event_kind k)
{
	for (unsigned i = 0; i < nev; i++)
		if (evs[i].kind == k)
			return &evs[i];
	return NULL;
}

static vpci_emu *emu(const vpci_func *f)
{
	static const struct vpci_emu_ops ops = { record };
	vpci_emu *e = NULL;

	assert_int_equal(vpci_emu_new(f, NULL, &ops, NULL, &e, NULL), 0);
	nev = 0;
	return e;
}

static uint32_t r(vpci_emu *e, unsigned off, unsigned size)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vpci_emu_read(e, off, size, &v), 0);
	return v;
}

static void w(vpci_emu *e, unsigned off, unsigned size, uint32_t v)
{
	assert_int_equal(vpci_emu_write(e, off, size, v), 0);
}

/* Every legal width and alignment of [off, off + len) agrees. */
static void multiread(vpci_emu *e, unsigned off, unsigned len)
{
	for (unsigned a = off & ~3u; a < off + len; a += 4) {
		uint32_t d = r(e, a, 4);
		for (unsigned k = 0; k < 4; k++)
			assert_int_equal(r(e, a + k, 1), (d >> (8 * k)) & 0xff);
		for (unsigned k = 0; k < 4; k += 2)
			assert_int_equal(r(e, a + k, 2), (d >> (8 * k)) & 0xffff);
		/* unaligned accesses are split and agree too */
		if (a + 5 <= VPCI_CFG_SIZE) {
			uint32_t u = r(e, a + 1, 4);
			uint32_t n = r(e, a + 4, 4);
			assert_int_equal(u, (d >> 8) | (n << 24));
		}
	}
}

/* Build one function holding one instance of capability @cd with
 * non-trivial field values, so that every register of the table is
 * exercised. */
static vpci_func *func_with(const struct vpci_cdesc *cd)
{
	char text[8192];
	int n;

	n = snprintf(text, sizeof(text),
		     "vpci: 1\nname: cap-%s\nfunction:\n  header: {vendor-id: 0x1234, device-id: 0x5678, class-code: 0x020000}\n"
		     "  bars:\n    - {index: 0, type: mem64, size: 64KiB}\n"
		     "  capabilities:\n    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0042, link-capabilities: 0x00000481}}\n",
		     cd->key);
	if (cd->kind == CK_STD && cd->id != 0x10)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "    - {type: %s, offset: 0x80}\n", cd->key);
	if (cd->kind == CK_EXT)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "  extended-capabilities:\n    - {type: %s, offset: 0x100}\n", cd->key);
	if (cd->kind == CK_STD && cd->id == 0x11)
		snprintf(text, sizeof(text),
			 "vpci: 1\nname: cap-msix\nfunction:\n  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			 "  bars:\n    - {index: 0, type: mem64, size: 64KiB}\n"
			 "  capabilities:\n    - {type: msix, offset: 0x80, fields: {message-control: 0x0007, table: 0, pba: 0x800}}\n");
	vpci_func *f = NULL;
	vpci_parse_buffer_flags(text, strlen(text), "gen.yaml", VPCI_PARSE_NO_VALIDATE, &f, NULL);
	return f;
}

/* Patterns written into writable registers so that reads see real bits. */
static void fill_writable(vpci_emu *e, const vpci_func *f)
{
	const uint8_t *rw = vpci_func_plane(f, VPCI_PL_RW);

	for (unsigned i = 0x40; i < VPCI_CFG_SIZE; i++)
		if (rw[i])
			w(e, i, 1, (uint32_t)(0xa5 ^ i));
}

static void test_width_alignment_matrix(void **state)
{
	unsigned tested = 0;

	(void)state;
	for (unsigned i = 0; captab_at(i); i++) {
		const struct vpci_cdesc *cd = captab_at(i);
		if (cd->kind == CK_HDR || !cd->fields)
			continue;
		vpci_func *f = func_with(cd);
		if (!f)
			continue;
		vpci_emu *e = emu(f);
		fill_writable(e, f);
		multiread(e, 0, VPCI_CFG_SIZE);
		tested++;
		vpci_emu_free(e);
		vpci_func_free(f);
	}
	assert_true(tested >= 30);
	print_message("width/alignment matrix: %u capabilities, every DWORD of 4 KiB\n", tested);
}

/* --- write semantics ------------------------------------------------------- */

static const char *matrix =
	"vpci: 1\nname: matrix\nfunction:\n"
	"  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
	"  raw:\n"
	"    - offset: 0x40\n      bytes: \"ff 00 f0 0f\"\n      access: RO\n"
	"    - offset: 0x44\n      bytes: \"00 00 00 00\"\n      access: RW\n"
	"    - offset: 0x48\n      bytes: \"ff ff ff ff\"\n      access: RW1C\n"
	"    - offset: 0x4c\n      bytes: \"5a 5a 5a 5a\"\n      access: RsvdP\n"
	"    - offset: 0x50\n      bytes: \"00 00 00 00\"\n      access: RsvdZ\n"
	"    - offset: 0x54\n      bytes: \"12 34 56 78\"\n      access: HwInit\n"
	"    - offset: 0x58\n      bytes: \"00 00 00 00\"\n      access: RWS\n"
	"    - offset: 0x5c\n      bytes: \"ff ff 00 00\"\n      access: RW1CS\n"
	"    - offset: 0x60\n      bytes: \"00 00 00 00\"\n      rw: \"0f 0f 0f 0f\"\n"
	"    - offset: 0x64\n      bytes: \"00 00 00 00\"\n      rw: \"ff ff ff ff\"\n      device: \"00 ff 00 ff\"\n";

static void test_write_matrix(void **state)
{
	vpci_func *f = parse(matrix);
	vpci_emu *e = emu(f);

	(void)state;
	w(e, 0x40, 4, 0x12345678);
	assert_int_equal(r(e, 0x40, 4), 0x0ff000ff);        /* RO */
	w(e, 0x44, 4, 0x12345678);
	assert_int_equal(r(e, 0x44, 4), 0x12345678);        /* RW */
	w(e, 0x44, 1, 0xff);
	assert_int_equal(r(e, 0x44, 4), 0x123456ff);        /* RW, byte */
	w(e, 0x48, 4, 0x0000ff01);
	assert_int_equal(r(e, 0x48, 4), 0xffff00fe);        /* RW1C */
	w(e, 0x48, 4, 0);
	assert_int_equal(r(e, 0x48, 4), 0xffff00fe);        /* writing 0 keeps */
	w(e, 0x4c, 4, 0);
	assert_int_equal(r(e, 0x4c, 4), 0x5a5a5a5a);        /* RsvdP preserves */
	w(e, 0x50, 4, 0xffffffff);
	assert_int_equal(r(e, 0x50, 4), 0);                 /* RsvdZ */
	w(e, 0x54, 4, 0);
	assert_int_equal(r(e, 0x54, 4), 0x78563412);        /* HwInit */
	w(e, 0x58, 4, 0xcafef00d);
	w(e, 0x5c, 2, 0x0f0f);
	assert_int_equal(r(e, 0x5c, 4), 0x0000f0f0);
	w(e, 0x60, 4, 0xffffffff);
	assert_int_equal(r(e, 0x60, 4), 0x0f0f0f0f);        /* per-bit RW */
	w(e, 0x44, 4, 0x11111111);
	/* sticky across FLR and hot reset, not across cold */
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_FLR), 0);
	assert_int_equal(r(e, 0x58, 4), 0xcafef00d);
	assert_int_equal(r(e, 0x5c, 4), 0x0000f0f0);
	assert_int_equal(r(e, 0x44, 4), 0);                 /* not sticky */
	assert_int_equal(r(e, 0x48, 4), 0xffffffff);        /* back to reset */
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_HOT), 0);
	assert_int_equal(r(e, 0x58, 4), 0xcafef00d);
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_COLD), 0);
	assert_int_equal(r(e, 0x58, 4), 0);
	assert_int_equal(r(e, 0x5c, 4), 0x0000ffff);
	/* device-backed bits come from the backend (the snapshot) and
	 * writes reach it through the mask */
	w(e, 0x64, 4, 0xaabbccdd);
	assert_int_equal(r(e, 0x64, 4), 0xaabbccdd);
	/* bad accesses touch nothing */
	uint32_t v;
	assert_int_equal(vpci_emu_read(e, 4095, 2, &v), VPCI_ERANGE);
	assert_int_equal(vpci_emu_read(e, 4096, 1, &v), VPCI_ERANGE);
	assert_int_equal(vpci_emu_read(e, 0, 3, &v), VPCI_ERANGE);
	assert_int_equal(vpci_emu_write(e, 4094, 4, 0), VPCI_ERANGE);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* A backend that records what it is asked to write. */
static uint32_t dev_reg[1024];
static uint32_t last_mask;
static int dev_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	(void)ctx;
	*val = (uint32_t)(le_get64((const uint8_t *)dev_reg + off, size));
	return 0;
}

static int dev_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	(void)ctx;
	last_mask = mask;
	le_put64((uint8_t *)dev_reg + off, size, val);
	return 0;
}

static const struct vpci_backend_ops rec_ops = { dev_read, dev_write, NULL, NULL };

static void test_backend_sees_device_bits_only(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: dev\nfunction:\n"
			     "  header:\n    vendor-id: 0x1234\n    device-id: 0x5678\n"
			     "    command: {value: 0, device: 0x0004}\n"
			     "    status: {value: 0, device: 0xf900}\n");
	struct vpci_backend be = { &rec_ops, NULL };
	vpci_emu *e = NULL;

	(void)state;
	memset(dev_reg, 0, sizeof(dev_reg));
	dev_reg[1] = 0x01000000 | 0x0002; /* status: Master Data Parity Error; command: MEM set on the device */
	assert_int_equal(vpci_emu_new(f, &be, NULL, NULL, &e, NULL), 0);
	/* bus master is device-backed; memory enable is virtual */
	w(e, 0x04, 2, 0x0006);
	assert_int_equal(last_mask, 0x0004);
	assert_int_equal(dev_reg[1] & 0xffff, 0x0006); /* device keeps its MEM bit, gets BME */
	assert_int_equal(r(e, 0x04, 2), 0x0006);
	/* RW1C status bits reach the device as written; the write carried 0
	 * in the RW1C bits it did not clear */
	w(e, 0x04, 4, 0x01000000);
	assert_int_equal(last_mask >> 16, 0xf900);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* --- BAR sizing --------------------------------------------------------------- */

static void test_bar_sizing(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: bars\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  bars:\n"
			     "    - {index: 0, type: io, size: 64}\n"
			     "    - {index: 1, type: mem32, size: 4KiB}\n"
			     "    - {index: 2, type: mem64, size: 8GiB, prefetchable: true}\n"
			     "    - {index: 4, type: mem32, size: 1MiB, prefetchable: true}\n"
			     "  expansion-rom: {size: 128KiB}\n");
	vpci_emu *e = emu(f);

	(void)state;
	w(e, 0x10, 4, 0xffffffff);
	assert_int_equal(r(e, 0x10, 4), 0xffffffc1);
	w(e, 0x14, 4, 0xffffffff);
	assert_int_equal(r(e, 0x14, 4), 0xfffff000);
	w(e, 0x18, 4, 0xffffffff);
	w(e, 0x1c, 4, 0xffffffff);
	assert_int_equal(r(e, 0x18, 4), 0x0000000c);
	assert_int_equal(r(e, 0x1c, 4), 0xfffffffe);
	w(e, 0x20, 4, 0xffffffff);
	assert_int_equal(r(e, 0x20, 4), 0xfff00008);
	w(e, 0x24, 4, 0xffffffff);
	assert_int_equal(r(e, 0x24, 4), 0);             /* unimplemented */
	w(e, 0x30, 4, 0xfffff800);
	assert_int_equal(r(e, 0x30, 4), 0xfffe0000);
	assert_null(find_ev(VPCI_EV_BAR));             /* decode off: no mapping */
	/* program and enable: one event per BAR */
	w(e, 0x10, 4, 0xc000);
	w(e, 0x14, 4, 0xfe000000);
	w(e, 0x18, 4, 0);
	w(e, 0x1c, 4, 0x4);
	w(e, 0x20, 4, 0xfd000000);
	w(e, 0x30, 4, 0xfe020001);
	nev = 0;
	w(e, 0x04, 2, 0x0003);
	unsigned bars = 0;
	for (unsigned i = 0; i < nev; i++) {
		if (evs[i].kind != VPCI_EV_BAR)
			continue;
		bars++;
		assert_true(evs[i].enabled);
		if (evs[i].index == 2) {
			assert_int_equal(evs[i].addr, 0x400000000ull);
			assert_int_equal(evs[i].size, 8ull << 30);
		}
		if (evs[i].index == 6)
			assert_int_equal(evs[i].addr, 0xfe020000);
	}
	assert_int_equal(bars, 5);
	/* moving an enabled BAR is an event; disabling decode too */
	nev = 0;
	w(e, 0x14, 4, 0xfe100000);
	assert_non_null(find_ev(VPCI_EV_BAR));
	assert_int_equal(find_ev(VPCI_EV_BAR)->addr, 0xfe100000);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* --- MSI and MSI-X -------------------------------------------------------------- */

static void test_msi_msix(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: irq\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  bars:\n    - {index: 0, type: mem32, size: 16KiB}\n"
			     "  capabilities:\n"
			     "    - {type: msi, offset: 0x40, fields: {message-control: 0x0186}}\n"
			     "    - {type: msix, offset: 0x60, fields: {message-control: 0x0003, table: 0x2000, pba: 0x3000}}\n");
	vpci_emu *e = emu(f);
	uint64_t v;

	(void)state;
	/* MSI: 64-bit, 8 vectors capable, per-vector masking */
	w(e, 0x44, 4, 0xfee00000);
	w(e, 0x48, 4, 0x1);
	w(e, 0x4c, 2, 0x4041);
	w(e, 0x50, 4, 0xffffffff);
	assert_int_equal(r(e, 0x50, 4), 0xff);          /* 8 mask bits exist */
	nev = 0;
	w(e, 0x42, 2, 0x0031);                         /* enable, 8 vectors */
	const struct vpci_event *ev = find_ev(VPCI_EV_MSI);
	assert_non_null(ev);
	assert_true(ev->enabled);
	assert_int_equal(ev->index, 8);
	assert_int_equal(ev->addr, 0x1fee00000ull);
	assert_int_equal(ev->data, 0x4041);
	assert_int_equal(ev->masked, 0xff);
	/* MSI-X: enable with the function mask, then unmask */
	nev = 0;
	w(e, 0x62, 2, 0xc000);
	w(e, 0x62, 2, 0x8000);
	assert_int_equal(nev, 2);
	assert_true(evs[0].enabled && evs[0].masked);
	assert_true(evs[1].enabled && !evs[1].masked);
	assert_int_equal(r(e, 0x62, 2), 0x8003);       /* table size is RO */
	/* table: 4 vectors, masked at reset; unmasking vector 2 is an event */
	assert_int_equal(vpci_emu_msix_table_read(e, false, 2 * 16 + 12, 4, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(vpci_emu_msix_table_write(e, 2 * 16, 8, 0xfee00000ull), 0);
	assert_int_equal(vpci_emu_msix_table_write(e, 2 * 16 + 8, 4, 0x33), 0);
	nev = 0;
	assert_int_equal(vpci_emu_msix_table_write(e, 2 * 16 + 12, 4, 0), 0);
	assert_int_equal(nev, 1);
	assert_int_equal(evs[0].index, 2);
	assert_int_equal(evs[0].data, 0x33);
	assert_int_equal(vpci_emu_msix_table_read(e, false, 4 * 16, 4, &v), VPCI_ERANGE);
	/* PBA */
	assert_int_equal(vpci_emu_msix_set_pending(e, 3, true), 0);
	assert_int_equal(vpci_emu_msix_table_read(e, true, 0, 8, &v), 0);
	assert_int_equal(v, 0x8);
	assert_int_equal(vpci_emu_msix_set_pending(e, 4, true), VPCI_ERANGE);
	/* FLR-like cold reset masks vectors again and clears the PBA */
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_COLD), 0);
	vpci_emu_msix_table_read(e, false, 2 * 16 + 12, 4, &v);
	assert_int_equal(v, 1);
	vpci_emu_msix_table_read(e, true, 0, 8, &v);
	assert_int_equal(v, 0);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* --- FLR, PM and virtual PASID/ATS/PRI controls ------------------------------- */

static void test_flr_pm_pasid(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: flr\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  capabilities:\n"
			     "    - {type: pm, offset: 0x40, fields: {pmc: 0x0003}}\n"
			     "    - {type: pcie, offset: 0x50, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10000000}}\n"
			     "  extended-capabilities:\n"
			     "    - {type: pasid, offset: 0x100, fields: {pasid-capability: 0x1406}}\n"
			     "    - {type: ats, offset: 0x108}\n"
			     "    - {type: pri, offset: 0x110}\n");
	vpci_emu *e = emu(f);

	(void)state;
	w(e, 0x04, 2, 0x0006);
	w(e, 0x58, 2, 0x0040);                    /* MPS 256 */
	nev = 0;
	w(e, 0x106, 2, 0x0005);
	assert_non_null(find_ev(VPCI_EV_PASID));
	assert_true(find_ev(VPCI_EV_PASID)->enabled);
	w(e, 0x10e, 2, 0x8003);
	assert_non_null(find_ev(VPCI_EV_ATS));
	w(e, 0x114, 2, 0x0001);
	assert_non_null(find_ev(VPCI_EV_PRI));
	/* D0 -> D3hot -> D0 without No_Soft_Reset resets the function */
	nev = 0;
	w(e, 0x44, 2, 0x0003);
	assert_int_equal(find_ev(VPCI_EV_PM)->data, 3);
	w(e, 0x44, 2, 0x0000);
	assert_int_equal(r(e, 0x04, 2), 0);
	/* FLR: Initiate FLR reads 0, state is reset, an event is reported */
	w(e, 0x04, 2, 0x0006);
	w(e, 0x58, 2, 0x0040);
	nev = 0;
	w(e, 0x58, 2, 0x8040);
	assert_non_null(find_ev(VPCI_EV_FLR));
	assert_int_equal(r(e, 0x58, 2), 0x2810);  /* reset value */
	assert_int_equal(r(e, 0x04, 2), 0);
	assert_int_equal(r(e, 0x106, 2), 0);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* The registers the engine watches come from the capability table's
 * roles: a 32-bit MSI with per-vector masking (data at 0x08, mask at
 * 0x0c), FLR through Advanced Features, Link Control, SR-IOV controls;
 * a second MSI capability is not the one the events describe. */
static void test_roles_from_table(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: roles\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  capabilities:\n"
			     "    - {type: msi, offset: 0x40, fields: {message-control: 0x0104}}\n"
			     "    - {type: af, offset: 0x58, fields: {length: 6, af-capabilities: 0x03}}\n"
			     "    - {type: msi, offset: 0x60, fields: {message-control: 0x0000}}\n"
			     "    - {type: pcie, offset: 0x70, fields: {pcie-capabilities: 0x0002}}\n"
			     "  extended-capabilities:\n"
			     "    - {type: sriov, offset: 0x100, fields: {total-vfs: 8, initial-vfs: 8, first-vf-offset: 1, vf-stride: 1, supported-page-sizes: 0x553}}\n");
	vpci_emu *e = emu(f);

	(void)state;
	/* MSI, 32-bit: address 0x44, data 0x48, mask 0x4c (4 vectors) */
	w(e, 0x44, 4, 0xfee01000);
	w(e, 0x48, 2, 0x0021);
	nev = 0;
	w(e, 0x4c, 4, 0x5);
	const struct vpci_event *ev = find_ev(VPCI_EV_MSI);
	assert_non_null(ev);
	assert_int_equal(ev->addr, 0xfee01000u);
	assert_int_equal(ev->data, 0x21);
	assert_int_equal(ev->masked, 0x5);
	assert_int_equal(r(e, 0x4c, 4), 0x5);
	/* the second MSI capability is ordinary registers */
	nev = 0;
	w(e, 0x64, 4, 0xfee02000);
	w(e, 0x62, 2, 0x0001);
	assert_null(find_ev(VPCI_EV_MSI));
	assert_int_equal(r(e, 0x62, 2), 0x0001);
	/* Link Control */
	nev = 0;
	w(e, 0x80, 2, 0x0040);
	assert_non_null(find_ev(VPCI_EV_LINK));
	assert_int_equal(find_ev(VPCI_EV_LINK)->data, 0x0040);
	/* SR-IOV: NumVFs, then VF Enable */
	nev = 0;
	w(e, 0x110, 2, 4);
	w(e, 0x108, 2, 0x0001);
	assert_int_equal(nev, 2);
	assert_int_equal(evs[1].kind, VPCI_EV_SRIOV);
	assert_int_equal(evs[1].data, 4);
	assert_true(evs[1].enabled);
	/* FLR through AF (capable: bit 1), Initiate FLR reads 0 afterwards */
	nev = 0;
	w(e, 0x5c, 1, 0x01);
	assert_non_null(find_ev(VPCI_EV_FLR));
	assert_int_equal(r(e, 0x5c, 1), 0);
	assert_int_equal(r(e, 0x44, 4), 0);
	assert_int_equal(r(e, 0x108, 2), 0);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* --- migration ------------------------------------------------------------------ */

static void test_save_load(void **state)
{
	const char *t = "vpci: 1\nname: mig\nfunction:\n"
			"  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			"  bars:\n    - {index: 0, type: mem32, size: 16KiB}\n"
			"  capabilities:\n"
			"    - {type: msix, offset: 0x60, fields: {message-control: 0x0003, table: 0x2000, pba: 0x3000}}\n";
	vpci_func *f = parse(t);
	vpci_emu *e = emu(f), *e2;
	void *blob;
	size_t len;

	(void)state;
	w(e, 0x10, 4, 0xfe000000);
	w(e, 0x04, 2, 0x0006);
	w(e, 0x62, 2, 0x8000);
	vpci_emu_msix_table_write(e, 8, 4, 0x55);
	assert_int_equal(vpci_emu_save(e, &blob, &len), 0);
	e2 = emu(f);
	vpci_diag *d = vpci_diag_new();
	assert_int_equal(vpci_emu_load(e2, blob, len, d), 0);
	assert_int_equal(r(e2, 0x10, 4), 0xfe000000);
	assert_int_equal(r(e2, 0x62, 2), 0x8003);
	uint64_t v;
	vpci_emu_msix_table_read(e2, false, 8, 4, &v);
	assert_int_equal(v, 0x55);
	/* restoring re-reports BAR and MSI-X state to the VMM */
	assert_non_null(find_ev(VPCI_EV_BAR));
	assert_non_null(find_ev(VPCI_EV_MSIX));
	vpci_emu_free(e2);

	/* a different layout is refused with the reason */
	char t2[1024];
	snprintf(t2, sizeof(t2), "%s", t);
	char *p = strstr(t2, "16KiB");
	memcpy(p, "32KiB", 5);
	vpci_func *g = parse(t2);
	e2 = emu(g);
	vpci_diag_clear(d);
	assert_int_equal(vpci_emu_load(e2, blob, len, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "BAR 0"));
	vpci_emu_free(e2);
	vpci_func_free(g);

	p = strstr(t2, "32KiB");
	memcpy(p, "16KiB", 5);
	p = strstr(t2, "0x5678");
	memcpy(p, "0x5679", 6);
	g = parse(t2);
	e2 = emu(g);
	vpci_diag_clear(d);
	assert_int_equal(vpci_emu_load(e2, blob, len, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "header.device-id"));
	vpci_emu_free(e2);
	vpci_func_free(g);

	/* a truncated or foreign blob */
	vpci_diag_clear(d);
	assert_int_equal(vpci_emu_load(e, blob, 10, d), VPCI_EDATA);
	assert_int_equal(vpci_emu_load(e, "hello", 5, d), VPCI_EINVAL);
	((uint8_t *)blob)[8] = 3; /* a future format */
	vpci_diag_clear(d);
	assert_int_equal(vpci_emu_load(e, blob, len, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "format 3"));
	vpci_diag_free(d);
	free(blob);
	vpci_emu_free(e);
	vpci_func_free(f);
}

static void test_unknown_bar_size_refused(void **state)
{
	vpci_func *f = NULL;
	const char *t = "vpci: 1\nname: nosize\nfunction:\n"
			"  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			"  bars:\n    - {index: 0, type: mem32}\n";
	vpci_emu *e = NULL;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	assert_int_equal(vpci_parse_buffer(t, strlen(t), "t.yaml", &f, NULL), 0);
	assert_int_equal(vpci_emu_new(f, NULL, NULL, NULL, &e, d), VPCI_EDATA);
	assert_null(e);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "no size"));
	vpci_diag_free(d);
	vpci_func_free(f);
}


/* --- hardening (issue 10) ------------------------------------------------------ */

static const char *msix3 =
	"vpci: 1\nname: msix3\nfunction:\n"
	"  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
	"  bars:\n    - {index: 0, type: mem32, size: 16KiB}\n"
	"  capabilities:\n"
	"    - {type: msix, offset: 0x60, fields: {message-control: 0x0002, table: 0x2000, pba: 0x3000}}\n";

/* Offsets near 2^32 must not wrap past the bounds check (they landed
 * ~16 GiB away; `vpci emulate` died on `table w 0xfffffffc 4 ...`). */
static void test_msix_offsets_do_not_wrap(void **state)
{
	vpci_func *f = parse(msix3);
	vpci_emu *e = emu(f);
	static const unsigned offs[] = { 0xfffffffcu, 0xfffffff8u, 0xfffffff0u, 0x80000000u, 0xfffffff4u, 48, 64 };
	uint64_t v = 0x1234;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(offs); i++) {
		for (unsigned size = 0; size <= 9; size++) {
			assert_int_equal(vpci_emu_msix_table_write(e, offs[i], size, 0x4141414141414141ull), VPCI_ERANGE);
			assert_int_equal(vpci_emu_msix_table_read(e, false, offs[i], size, &v), VPCI_ERANGE);
			if (offs[i] >= 8)
				assert_int_equal(vpci_emu_msix_table_read(e, true, offs[i], size, &v), VPCI_ERANGE);
		}
	}
	assert_int_equal(v, 0x1234); /* nothing was read */
	/* the last entry is in range, one past it is not; the PBA is 8 bytes */
	assert_int_equal(vpci_emu_msix_table_write(e, 44, 4, 0), 0);
	assert_int_equal(vpci_emu_msix_table_read(e, false, 40, 8, &v), 0);
	assert_int_equal(vpci_emu_msix_table_read(e, true, 4, 4, &v), 0);
	assert_int_equal(vpci_emu_msix_table_read(e, true, 8, 4, &v), VPCI_ERANGE);
	assert_int_equal(vpci_emu_msix_table_read(e, false, 2, 4, &v), VPCI_ERANGE); /* unaligned */
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* An event handler calls back into the function it is handling: reads,
 * MSI-X table reads and writes, config writes, a save.  Nothing
 * deadlocks, and what the handler changes is reported after the events
 * of the round it runs in, so the last event of each kind describes the
 * final state. */
static vpci_emu *reentry_e;
static unsigned reentry_calls;

static void reentrant(void *opaque, const struct vpci_event *ev)
{
	uint64_t q;
	uint32_t v;
	void *blob;
	size_t len;

	record(opaque, ev);
	if (ev->kind != VPCI_EV_MSIX || ev->index != 3 || !ev->enabled || reentry_calls++)
		return;
	/* MSI-X was enabled: program and unmask vector 1, turn bus mastering on */
	assert_int_equal(vpci_emu_msix_table_read(reentry_e, false, 16 + 12, 4, &q), 0);
	assert_int_equal(q, 1);
	assert_int_equal(vpci_emu_msix_table_read(reentry_e, true, 0, 8, &q), 0);
	assert_int_equal(vpci_emu_msix_table_write(reentry_e, 16, 8, 0xfee00000ull), 0);
	assert_int_equal(vpci_emu_msix_table_write(reentry_e, 16 + 8, 4, 0x41), 0);
	assert_int_equal(vpci_emu_msix_table_write(reentry_e, 16 + 12, 4, 0), 0);
	assert_int_equal(vpci_emu_read(reentry_e, 0x62, 2, &v), 0);
	assert_int_equal(v & 0x8000, 0x8000);
	assert_int_equal(vpci_emu_write(reentry_e, 0x04, 2, 0x0006), 0);
	assert_int_equal(vpci_emu_save(reentry_e, &blob, &len), 0);
	free(blob);
}

static void test_handler_reentry(void **state)
{
	static const struct vpci_emu_ops ops = { reentrant };
	vpci_func *f = parse(msix3);

	(void)state;
	assert_int_equal(vpci_emu_new(f, NULL, &ops, NULL, &reentry_e, NULL), 0);
	nev = 0;
	reentry_calls = 0;
	w(reentry_e, 0x62, 2, 0x8000);
	assert_int_equal(reentry_calls, 1);
	/* the write's own event first, then what the handler did: Command
	 * (bus master), BAR 0 (memory decode on, address still 0: no
	 * mapping, so no event), vector 1 unmasked */
	assert_int_equal(nev, 3);
	assert_int_equal(evs[0].kind, VPCI_EV_MSIX);
	assert_int_equal(evs[0].index, 3);
	assert_int_equal(evs[1].kind, VPCI_EV_COMMAND);
	assert_int_equal(evs[1].data, 0x0006);
	assert_int_equal(evs[2].kind, VPCI_EV_MSIX_VECTOR);
	assert_int_equal(evs[2].index, 1);
	assert_false(evs[2].masked);
	assert_int_equal(evs[2].addr, 0xfee00000u);
	assert_int_equal(evs[2].data, 0x41);
	assert_int_equal(r(reentry_e, 0x04, 2), 0x0006);
	vpci_emu_free(reentry_e);
	vpci_func_free(f);
}

/* A saved state with section @tag (format 2, src/emu/migrate.c) replaced
 * by @payload, its length and checksum made right again: what a hostile
 * source could send.  Frees @blob. */
static void *blob_with(void *blob, size_t *len, unsigned tag, const void *payload, size_t plen)
{
	const uint8_t *p = blob;
	uint8_t *out = malloc(*len + plen + 8);
	size_t n = 24, pos = 24;

	assert_non_null(out);
	memcpy(out, p, 24);
	while (pos < *len - 8) {
		unsigned t = p[pos] | p[pos + 1] << 8;
		size_t sl = le_get64(p + pos + 4, 4);
		if (t != tag) {
			memcpy(out + n, p + pos, 8 + sl);
			n += 8 + sl;
		}
		pos += 8 + sl;
	}
	le_put64(out + n, 2, tag);
	le_put64(out + n + 2, 2, 1);
	le_put64(out + n + 4, 4, plen);
	memcpy(out + n + 8, payload, plen);
	n += 8 + plen;
	le_put64(out + 12, 4, n + 8);
	le_put64(out + n, 8, emu_state_sum(out, n));
	free(blob);
	*len = n + 8;
	return out;
}

/* Loading a state into an engine in D3hot is not a D3hot -> D0
 * transition: the loaded state stays (it was reset and lost, rc 0). */
static void test_load_into_d3hot(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: pmload\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  bars:\n    - {index: 0, type: mem32, size: 16KiB}\n"
			     "  capabilities:\n    - {type: pm, offset: 0x40, fields: {pmc: 0x0003}}\n");
	vpci_emu *a = emu(f), *b = emu(f);
	void *blob;
	size_t len;

	(void)state;
	w(a, 0x10, 4, 0xfe000000);
	w(a, 0x04, 2, 0x0006);
	assert_int_equal(vpci_emu_save(a, &blob, &len), 0);
	w(b, 0x44, 2, 0x0003); /* D3hot */
	assert_int_equal(r(b, 0x44, 2) & 3, 3);
	nev = 0;
	assert_int_equal(vpci_emu_load(b, blob, len, NULL), 0);
	assert_int_equal(r(b, 0x04, 2), 0x0006);
	assert_int_equal(r(b, 0x10, 4), 0xfe000000);
	assert_int_equal(r(b, 0x44, 2) & 3, 0);
	const struct vpci_event *ev = find_ev(VPCI_EV_PM);
	assert_non_null(ev);
	assert_int_equal(ev->old, 3);
	assert_int_equal(ev->data, 0);
	assert_non_null(find_ev(VPCI_EV_BAR));
	/* and the other way: a D3hot state loaded, then D0 written resets */
	w(a, 0x44, 2, 0x0003);
	free(blob);
	assert_int_equal(vpci_emu_save(a, &blob, &len), 0);
	assert_int_equal(vpci_emu_load(b, blob, len, NULL), 0);
	assert_int_equal(r(b, 0x04, 2), 0x0006);
	w(b, 0x44, 2, 0x0000);
	assert_int_equal(r(b, 0x04, 2), 0);
	free(blob);
	vpci_emu_free(a);
	vpci_emu_free(b);
	vpci_func_free(f);
}

/* MSI Multiple Message Enable never exceeds Multiple Message Capable:
 * not by a guest write, not from a loaded state, not from an instance
 * that was not validated (a 1-vector MSI reported vectors=128). */
static void test_msi_mme_clamped(void **state)
{
	static const char *t = "vpci: 1\nname: mme\nfunction:\n"
			       "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			       "  capabilities:\n    - {type: msi, offset: 0x40, fields: {message-control: 0x%04x}}\n";
	char text[512];
	void *blob;
	size_t len;

	(void)state;
	snprintf(text, sizeof(text), t, 0x0080); /* 64-bit, 1 vector */
	vpci_func *f = parse(text);
	vpci_emu *e = emu(f);
	w(e, 0x42, 2, 0x0071); /* enable, MME 7 (reserved) */
	assert_int_equal(r(e, 0x42, 2), 0x0081);
	const struct vpci_event *ev = find_ev(VPCI_EV_MSI);
	assert_non_null(ev);
	assert_int_equal(ev->index, 1);
	assert_true(ev->enabled);
	/* a saved state claiming 128 vectors is clamped on load */
	assert_int_equal(vpci_emu_save(e, &blob, &len), 0);
	uint8_t cfg[8] = { 0x10, 0, 1, 0, 0, 0, 0x71, 0 }; /* DWORD 0x40: MME 32 */
	blob = blob_with(blob, &len, 3, cfg, sizeof(cfg));
	w(e, 0x42, 2, 0x0000);
	nev = 0;
	assert_int_equal(vpci_emu_load(e, blob, len, NULL), 0);
	assert_int_equal(r(e, 0x42, 2), 0x0081);
	assert_int_equal(find_ev(VPCI_EV_MSI)->index, 1);
	free(blob);
	vpci_emu_free(e);
	vpci_func_free(f);

	/* 4 vectors capable: 32 requested gives 4; 2 stays 2 */
	snprintf(text, sizeof(text), t, 0x0084);
	f = parse(text);
	e = emu(f);
	w(e, 0x42, 2, 0x0051);
	assert_int_equal(r(e, 0x42, 2), 0x00a5);
	assert_int_equal(find_ev(VPCI_EV_MSI)->index, 4);
	w(e, 0x42, 2, 0x0011);
	assert_int_equal(r(e, 0x42, 2), 0x0095);
	vpci_emu_free(e);
	vpci_func_free(f);

	/* an instance the validator refuses (MME 8 > MMC 1) still runs */
	snprintf(text, sizeof(text), t, 0x00b0);
	assert_int_equal(vpci_parse_buffer_flags(text, strlen(text), "t.yaml", VPCI_PARSE_NO_VALIDATE, &f, NULL), 0);
	e = emu(f);
	assert_int_equal(r(e, 0x42, 2), 0x0080);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* A restored MSI-X table and PBA get the masks of guest writes: reserved
 * Vector Control bits read 0, no PBA bit for a vector that does not
 * exist; the restored vector masks are reported. */
static void test_restore_masks_msix(void **state)
{
	vpci_func *f = parse(msix3);
	vpci_emu *e = emu(f);
	void *blob;
	size_t len;
	uint64_t q;

	(void)state;
	assert_int_equal(vpci_emu_save(e, &blob, &len), 0);
	uint8_t tab[4 + 16] = { 1, 0, 1, 0 }, pba[4 + 8] = { 0, 0, 1, 0 };
	le_put64(tab + 4 + 12, 4, 0xfffffffeu); /* vector 1: reserved bits, unmasked */
	le_put64(pba + 4, 8, UINT64_MAX);       /* PBA: 64 pending bits */
	blob = blob_with(blob, &len, 5, tab, sizeof(tab));
	blob = blob_with(blob, &len, 6, pba, sizeof(pba));
	nev = 0;
	assert_int_equal(vpci_emu_load(e, blob, len, NULL), 0);
	assert_int_equal(vpci_emu_msix_table_read(e, false, 16 + 12, 4, &q), 0);
	assert_int_equal(q, 0);
	assert_int_equal(vpci_emu_msix_table_read(e, true, 0, 8, &q), 0);
	assert_int_equal(q, 0x7);
	assert_int_equal(nev, 1);
	assert_int_equal(evs[0].kind, VPCI_EV_MSIX_VECTOR);
	assert_int_equal(evs[0].index, 1);
	assert_false(evs[0].masked);
	free(blob);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* RsvdZ wins over device backing: the bits read 0 whatever the device
 * shows, and the device is written 0 there (PCIe §7.4: software writes
 * RsvdZ as 0).  The validator refuses a partial device mask naming RsvdZ
 * bits; backing a whole register is fine. */
static void test_rsvdz_never_device(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: rz\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  raw:\n    - {offset: 0x40, bytes: \"00 00 00 00\", rw: \"0f ff ff ff\", rsvdz: \"f0 00 00 00\","
			     " backing: device}\n");
	struct vpci_backend be = { &rec_ops, NULL };
	vpci_emu *e = NULL;

	(void)state;
	memset(dev_reg, 0, sizeof(dev_reg));
	dev_reg[0x10] = 0xffffffff;
	assert_int_equal(vpci_emu_new(f, &be, NULL, NULL, &e, NULL), 0);
	assert_int_equal(r(e, 0x40, 4), 0xffffff0f);
	assert_int_equal(r(e, 0x40, 1), 0x0f);
	w(e, 0x40, 1, 0xf5);
	assert_int_equal(last_mask, 0x0f);
	assert_int_equal(dev_reg[0x10] & 0xff, 0x05);
	w(e, 0x40, 2, 0xfff5);
	assert_int_equal(last_mask, 0xff0f);
	assert_int_equal(dev_reg[0x10] & 0xffff, 0xff05);
	vpci_emu_free(e);
	vpci_func_free(f);

	vpci_diag *d = vpci_diag_new();
	const char *bad = "vpci: 1\nname: rzbad\nfunction:\n"
			  "  header: {vendor-id: 0x1234, device-id: 0x5678, status: {value: 0x0010, device: 0xf946}}\n";
	assert_int_equal(vpci_parse_buffer(bad, strlen(bad), "t.yaml", &f, d), VPCI_EDATA);
	assert_true(has_diag(d, "header status: device mask 0xf946 covers RsvdZ bits 0x46"));
	vpci_diag_clear(d);
	const char *raw = "vpci: 1\nname: rzraw\nfunction:\n  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			  "  raw:\n    - {offset: 0x40, bytes: \"00\", rsvdz: \"f0\", device: \"3c\"}\n";
	assert_int_equal(vpci_parse_buffer(raw, strlen(raw), "t.yaml", &f, d), VPCI_EDATA);
	assert_true(has_diag(d, "byte 0x40: device mask 0x3c covers RsvdZ bits 0x30"));
	vpci_diag_free(d);
	/* whole-register backing across RsvdZ bits is accepted */
	f = parse("vpci: 1\nname: rzok\nfunction:\n"
		  "  header: {vendor-id: 0x1234, device-id: 0x5678, status: {value: 0x0010, backing: device}}\n");
	vpci_func_free(f);
}

/* Initiate FLR is a trigger: a 1 in the instance's value does not make
 * every write to its DWORD reset the function, it reads 0; the validator
 * refuses such a value. */
static void test_flr_trigger(void **state)
{
	const char *t = "vpci: 1\nname: flrinit\nfunction:\n"
			"  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			"  capabilities:\n"
			"    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10000000,"
			" device-control: 0xa810}}\n";
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	assert_int_equal(vpci_parse_buffer(t, strlen(t), "t.yaml", &f, d), VPCI_EDATA);
	assert_true(has_diag(d, "pcie device-control: Initiate FLR (0x8000) is set"));
	vpci_diag_free(d);
	assert_int_equal(vpci_parse_buffer_flags(t, strlen(t), "t.yaml", VPCI_PARSE_NO_VALIDATE, &f, NULL), 0);
	vpci_emu *e = emu(f);
	assert_int_equal(r(e, 0x48, 2), 0x2810);
	w(e, 0x4a, 2, 0x000f);       /* Device Status, same DWORD */
	w(e, 0x48, 2, 0x2830);       /* Device Control without Initiate FLR */
	assert_null(find_ev(VPCI_EV_FLR));
	assert_int_equal(r(e, 0x48, 2), 0x2830);
	w(e, 0x48, 2, 0xa830);
	assert_non_null(find_ev(VPCI_EV_FLR));
	assert_int_equal(r(e, 0x48, 2), 0x2810);
	nev = 0;
	w(e, 0x48, 2, 0x2850);
	assert_null(find_ev(VPCI_EV_FLR));
	/* and a saved state holding the bit does not arm it */
	void *blob;
	size_t len;
	assert_int_equal(vpci_emu_save(e, &blob, &len), 0);
	uint8_t cfg[8] = { 0x12, 0, 1, 0, 0x50, 0xa8, 0, 0 }; /* DWORD 0x48: 0xa850 */
	blob = blob_with(blob, &len, 3, cfg, sizeof(cfg));
	assert_int_equal(vpci_emu_load(e, blob, len, NULL), 0);
	assert_int_equal(r(e, 0x48, 2), 0x2850);
	nev = 0;
	w(e, 0x4a, 2, 0);
	assert_null(find_ev(VPCI_EV_FLR));
	free(blob);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* Engines of one instance share its rules (an instance type, src/emu/type.c)
 * whether they come from one model or from parses of the same text, and
 * keep their own state; another instance, even one differing only in its
 * name, has its own.  An engine whose device reads other FLR capability
 * bits than the instance gets its own triggers, the others keep the type's. */
static void test_instance_types(void **state)
{
	const char *t = "vpci: 1\nname: shared\nfunction:\n"
			"  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			"  capabilities:\n"
			"    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002,"
			" device-capabilities: {value: 0x10000000, device: 0x10000000}}}\n";
	static const struct vpci_emu_ops ops = { record };
	vpci_func *f1 = parse(t), *f2 = parse(t);
	vpci_emu *a = emu(f1), *b = emu(f2), *c = emu(f1), *other = NULL, *nodev = NULL;

	(void)state;
	assert_ptr_equal(vpci_emu_instance(a), vpci_emu_instance(b));
	assert_ptr_equal(vpci_emu_instance(a), vpci_emu_instance(c));
	assert_ptr_not_equal(vpci_emu_instance(a), f1); /* a copy: the model may go */
	vpci_func_free(f1);
	/* state is each engine's own */
	w(a, 0x04, 2, 0x0006);
	assert_int_equal(r(a, 0x04, 2), 0x0006);
	assert_int_equal(r(b, 0x04, 2), 0x0000);
	assert_int_equal(r(c, 0x04, 2), 0x0000);
	/* another name is another instance */
	char *t2 = strdup(t);
	assert_non_null(t2);
	memcpy(strstr(t2, "shared"), "sharex", 6);
	vpci_func *f3 = parse(t2);
	other = emu(f3);
	assert_ptr_not_equal(vpci_emu_instance(other), vpci_emu_instance(b));
	/* and so is one whose capability differs only in what the engine
	 * does not read (a virtual capability's name): the type's copy is
	 * the instance vpci_emu_instance() gives back */
	vpci_func *f4 = vpci_func_dup(f2);
	assert_non_null(f4);
	memcpy(f4->caps[0].tag, "x", 2);
	vpci_emu *tagged = emu(f4);
	assert_ptr_not_equal(vpci_emu_instance(tagged), vpci_emu_instance(b));
	assert_string_equal(vpci_emu_instance(tagged)->caps[0].tag, "x");
	vpci_emu_free(tagged);
	/* ... or in its version as an instance type */
	memcpy(f4->caps[0].tag, "", 1);
	assert_int_equal(vpci_func_set_version(f4, 2), 0);
	tagged = emu(f4);
	assert_ptr_not_equal(vpci_emu_instance(tagged), vpci_emu_instance(b));
	assert_int_equal(vpci_func_version(vpci_emu_instance(tagged)), 2);
	vpci_emu_free(tagged);
	/* ... or in the bits its PF shares (a VF) */
	assert_int_equal(vpci_func_set_version(f4, 0), 0);
	f4->pfshared[0x44] = 0x01;
	tagged = emu(f4);
	assert_ptr_not_equal(vpci_emu_instance(tagged), vpci_emu_instance(b));
	assert_int_equal(vpci_emu_instance(tagged)->pfshared[0x44], 0x01);
	vpci_emu_free(tagged);
	vpci_func_free(f4);
	/* a device without FLR: no trigger there, the instance's elsewhere */
	struct vpci_backend be = { &rec_ops, NULL };
	memset(dev_reg, 0, sizeof(dev_reg));
	assert_int_equal(vpci_emu_new(f2, &be, &ops, NULL, &nodev, NULL), 0);
	assert_ptr_equal(vpci_emu_instance(nodev), vpci_emu_instance(b));
	assert_int_equal(r(nodev, 0x44, 4), 0);
	nev = 0;
	w(nodev, 0x48, 2, 0x8000);
	assert_null(find_ev(VPCI_EV_FLR));
	w(b, 0x48, 2, 0x8000);
	assert_non_null(find_ev(VPCI_EV_FLR));
	assert_int_equal(r(b, 0x48, 2) & 0x8000, 0);
	nev = 0;
	w(c, 0x48, 2, 0x8000);
	assert_non_null(find_ev(VPCI_EV_FLR));
	/* freed in any order; a type built again after the last one went */
	vpci_emu_free(a);
	vpci_emu_free(nodev);
	assert_int_equal(r(b, 0x04, 2), 0x0000);
	vpci_emu_free(b);
	vpci_emu_free(c);
	vpci_emu_free(other);
	a = emu(f2);
	assert_int_equal(r(a, 0x44, 4), 0x10000000);
	vpci_emu_free(a);
	vpci_func_free(f2);
	vpci_func_free(f3);
	free(t2);
}

static int count_ev(enum vpci_event_kind k)
{
	int n = 0;

	for (unsigned i = 0; i < nev; i++)
		n += evs[i].kind == k;
	return n;
}

/* A BAR maps only at an address a VMM can use: not at 0 with decode on,
 * not at the sizing value written while decode is on. */
static void test_bar_mapping_filter(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: barmap\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  bars:\n"
			     "    - {index: 0, type: mem32, size: 4KiB}\n"
			     "    - {index: 1, type: io, size: 32}\n"
			     "    - {index: 2, type: mem64, size: 16KiB}\n"
			     "  expansion-rom: {size: 64KiB}\n");
	vpci_emu *e = emu(f);

	(void)state;
	w(e, 0x30, 4, 0x1);            /* ROM enabled at address 0 */
	w(e, 0x04, 2, 0x0003);         /* decode on, every address 0 */
	assert_int_equal(count_ev(VPCI_EV_BAR), 0);
	nev = 0;
	w(e, 0x10, 4, 0xfe000000);
	w(e, 0x14, 4, 0xc000);
	w(e, 0x18, 4, 0);
	w(e, 0x1c, 4, 0x1);
	w(e, 0x30, 4, 0xfd000001);
	assert_int_equal(count_ev(VPCI_EV_BAR), 4);
	for (unsigned i = 0; i < nev; i++)
		assert_true(evs[i].enabled);
	/* sizing with decode on: each BAR unmaps, then maps back */
	static const struct { unsigned off, len; uint64_t back; } sz[] = {
		{ 0x10, 4, 0xfe000000 }, { 0x14, 4, 0xc000 }, { 0x18, 8, 0x100000000ull }, { 0x30, 4, 0xfd000001 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(sz); i++) {
		nev = 0;
		w(e, sz[i].off, 4, 0xffffffff);
		if (sz[i].len == 8)
			w(e, sz[i].off + 4, 4, 0xffffffff);
		/* a 64-bit BAR written one half at a time maps at the
		 * intermediate address, as hardware would decode it */
		assert_int_equal(count_ev(VPCI_EV_BAR), sz[i].len == 8 ? 2 : 1);
		assert_false(evs[nev - 1].enabled);
		for (unsigned k = 0; k < nev; k++)
			assert_true(!evs[k].enabled || evs[k].addr + evs[k].size - 1 < (sz[i].len == 8 ? UINT64_MAX : 0xffffffffu));
		nev = 0;
		w(e, sz[i].off, 4, (uint32_t)sz[i].back);
		if (sz[i].len == 8)
			w(e, sz[i].off + 4, 4, (uint32_t)(sz[i].back >> 32));
		assert_true(count_ev(VPCI_EV_BAR) >= 1);
		assert_true(evs[nev - 1].enabled);
		assert_int_equal(evs[nev - 1].addr, sz[i].back & ~1ull);
	}
	/* moving a mapped BAR to 0 unmaps it */
	nev = 0;
	w(e, 0x10, 4, 0);
	assert_int_equal(count_ev(VPCI_EV_BAR), 1);
	assert_false(evs[0].enabled);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* What `check` accepts the engine runs as written: writable bits inside
 * a BAR's size and MSI-X in the upper half of a 64-bit BAR are refused. */
static void test_validator_engine_rules(void **state)
{
	static const char *const bad[][2] = {
		{ "  bars:\n    - {index: 0, type: mem32, size: 4KiB}\n"
		  "  raw:\n    - {offset: 0x10, bytes: \"00 00 00 00\", rw: \"f0 ff ff ff\"}\n",
		  "BAR 0: bits 0xff0 are writable but lie inside its size 0x1000" },
		{ "  bars:\n    - {index: 0, type: mem64, size: 16KiB}\n"
		  "  capabilities:\n    - {type: msix, offset: 0x60, fields: {message-control: 0x0003, table: 0x1, pba: 0x800}}\n",
		  "MSI-X table is in BAR 1, the upper half of 64-bit BAR 0" },
		{ "  bars:\n    - {index: 0, type: mem64, size: 16KiB}\n"
		  "  capabilities:\n    - {type: msix, offset: 0x60, fields: {message-control: 0x0003, table: 0x0, pba: 0x801}}\n",
		  "MSI-X PBA is in BAR 1, the upper half of 64-bit BAR 0" },
	};
	char text[1024];

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		vpci_func *f = NULL;
		vpci_diag *d = vpci_diag_new();
		snprintf(text, sizeof(text), "vpci: 1\nname: v%u\nfunction:\n  header: {vendor-id: 0x1234, device-id: 0x5678}\n%s",
			 i, bad[i][0]);
		assert_int_equal(vpci_parse_buffer(text, strlen(text), "t.yaml", &f, d), VPCI_EDATA);
		assert_true(has_diag(d, bad[i][1]));
		vpci_diag_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width_alignment_matrix),
		cmocka_unit_test(test_write_matrix),
		cmocka_unit_test(test_backend_sees_device_bits_only),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_msi_msix),
		cmocka_unit_test(test_flr_pm_pasid),
		cmocka_unit_test(test_roles_from_table),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_unknown_bar_size_refused),
		cmocka_unit_test(test_msix_offsets_do_not_wrap),
		cmocka_unit_test(test_handler_reentry),
		cmocka_unit_test(test_load_into_d3hot),
		cmocka_unit_test(test_msi_mme_clamped),
		cmocka_unit_test(test_restore_masks_msix),
		cmocka_unit_test(test_rsvdz_never_device),
		cmocka_unit_test(test_flr_trigger),
		cmocka_unit_test(test_instance_types),
		cmocka_unit_test(test_bar_mapping_filter),
		cmocka_unit_test(test_validator_engine_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
