/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-layout.c - capability lengths, presence features, repeat counts and
 * dynamic access masks evaluated against crafted config-space images.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/captab.h"

static uint8_t cfg[VPCI_CFG_SIZE];

static void put16(unsigned off, uint16_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

static void put32(unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

/* A type 0 (or 1) function with a capability list at 0x40. */
static void reset_cfg(unsigned header_type)
{
	memset(cfg, 0, sizeof(cfg));
	put16(0x00, 0x8086);
	put16(0x02, 0x1234);
	put16(0x06, 0x0010);
	cfg[0x0e] = (uint8_t)header_type;
	cfg[0x34] = 0x40;
}

/* PCIe capability at @off with version, port type, slot bit, link width. */
static void put_pcie(unsigned off, unsigned next, unsigned ver, unsigned type,
		     int slot, unsigned width)
{
	cfg[off] = 0x10;
	cfg[off + 1] = (uint8_t)next;
	put16(off + 2, (uint16_t)(ver | (type << 4) | (slot ? 0x100 : 0)));
	put32(off + 0x0c, (width << 4) | 0x3); /* 8 GT/s max */
}

static void put_ext(unsigned off, uint16_t id, unsigned ver, unsigned next)
{
	put32(off, (uint32_t)id | (ver << 16) | (next << 20));
}

static struct captab_layout lay_of(int kind, uint16_t id, unsigned off)
{
	struct captab_layout lay;
	const struct vpci_cdesc *cd = captab_find(kind, id);

	assert_non_null(cd);
	captab_layout(cd, cfg, off, &lay);
	return lay;
}

/* Every field instance a layout produces lies inside the length. */
static void check_fields_inside(int kind, uint16_t id, unsigned off)
{
	const struct vpci_cdesc *cd = captab_find(kind, id);
	struct captab_layout lay;

	captab_layout(cd, cfg, off, &lay);
	if (!lay.length || !cd->fields)
		return;
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++) {
		unsigned n = captab_field_count(fd, &lay);
		for (unsigned i = 0; i < n; i++) {
			unsigned end = fd->off + i * fd->stride + fd->width;
			if (end > lay.length) {
				print_error("%s.%s[%u] ends at %#x past length %#x\n", cd->key,
					    fd->name, i, end, lay.length);
				fail();
			}
		}
	}
}

/* Sum of the widths of the fields a layout produces */
static unsigned field_bytes(int kind, uint16_t id, unsigned off)
{
	const struct vpci_cdesc *cd = captab_find(kind, id);
	struct captab_layout lay;
	unsigned sum = 0;

	captab_layout(cd, cfg, off, &lay);
	for (const struct vpci_fdesc *fd = cd->fields; fd && fd->name; fd++)
		sum += captab_field_count(fd, &lay) * fd->width;
	return sum;
}

/* ---- MSI (PCIe r6.0 §7.7.1) ----------------------------------------------- */

static void test_msi(void **state)
{
	static const struct { uint16_t ctl; uint16_t len; uint32_t ft; } v[] = {
		{ 0x0000, 10, 0 },
		{ 0x0080, 14, FT_MSI64 },
		{ 0x0100, 20, FT_MSI_PVM },
		{ 0x0180, 24, FT_MSI64 | FT_MSI_PVM },
		{ 0x0200, 12, FT_MSI_EXT },
		{ 0x0280, 16, FT_MSI64 | FT_MSI_EXT },
		{ 0x0380, 24, FT_MSI64 | FT_MSI_PVM | FT_MSI_EXT },
		{ 0x008e, 14, FT_MSI64 },            /* 128 vectors capable: no change */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		reset_cfg(0);
		cfg[0x40] = 0x05;
		put16(0x42, v[i].ctl);
		struct captab_layout lay = lay_of(CK_STD, 0x05, 0x40);
		assert_int_equal(lay.length, v[i].len);
		assert_int_equal(lay.features & (FT_MSI64 | FT_MSI_PVM | FT_MSI_EXT), v[i].ft);
		assert_true(lay.features & FT_ENDPOINT);
		check_fields_inside(CK_STD, 0x05, 0x40);
		/* the fields tile the structure, but for the reserved word
		 * after Message Data when masking lacks extended data */
		unsigned gap = (v[i].ft & FT_MSI_PVM) && !(v[i].ft & FT_MSI_EXT) ? 2 : 0;
		assert_int_equal(field_bytes(CK_STD, 0x05, 0x40), v[i].len - gap);
	}
}

/* MSI mask bits: only vectors the function can request are writable */
static void test_msi_mask_planes(void **state)
{
	static const struct { unsigned mmc; uint32_t rw; } v[] = {
		{ 0, 0x1 }, { 1, 0x3 }, { 2, 0xf }, { 3, 0xff }, { 4, 0xffff }, { 5, 0xffffffffu },
	};
	const struct vpci_cdesc *cd = captab_find(CK_STD, 0x05);
	const struct vpci_fdesc *mask = NULL, *pend = NULL;

	(void)state;
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++) {
		if (!strcmp(fd->name, "mask-bits") && (fd->need & FT_MSI64))
			mask = fd;
		if (!strcmp(fd->name, "pending-bits") && (fd->need & FT_MSI64))
			pend = fd;
	}
	assert_non_null(mask);
	assert_non_null(pend);
	assert_int_equal(mask->off, 0x10);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct captab_planes pl;
		reset_cfg(0);
		cfg[0x40] = 0x05;
		put16(0x42, (uint16_t)(0x0180 | (v[i].mmc << 1)));
		captab_field_planes(mask, cfg, 0x40, &pl);
		assert_int_equal(pl.pl[VPCI_PL_RW], v[i].rw);
		assert_int_equal(pl.pl[VPCI_PL_RSVDP], ~v[i].rw & 0xffffffffu);
		assert_int_equal(pl.pl[VPCI_PL_RW1C], 0);
		/* pending bits stay read-only */
		captab_field_planes(pend, cfg, 0x40, &pl);
		assert_int_equal(pl.pl[VPCI_PL_RW], 0);
	}
}

/* ---- PCI Express capability (PCIe r6.0 §7.5.3) ---------------------------- */

static void test_pcie(void **state)
{
	static const struct {
		const char *what;
		unsigned ver, type;
		int slot;
		uint16_t len;
		uint32_t ft;
	} v[] = {
		{ "v1 endpoint", 1, 0, 0, 0x14, FT_LINK },
		{ "v1 legacy endpoint", 1, 1, 0, 0x14, FT_LINK },
		{ "v1 RCiEP", 1, 9, 0, 0x0c, 0 },
		{ "v1 root port", 1, 4, 0, 0x24, FT_LINK | FT_ROOT },
		{ "v1 root port + slot", 1, 4, 1, 0x24, FT_LINK | FT_ROOT | FT_SLOT },
		{ "v1 downstream + slot", 1, 6, 1, 0x1c, FT_LINK | FT_SLOT },
		{ "v1 downstream", 1, 6, 0, 0x14, FT_LINK },
		{ "v1 upstream", 1, 5, 1, 0x14, FT_LINK },
		{ "v1 RCEC", 1, 10, 0, 0x24, FT_ROOT },
		{ "v2 endpoint", 2, 0, 0, 0x34, FT_PCIE_V2 | FT_LINK },
		{ "v2 RCiEP", 2, 9, 0, 0x2c, FT_PCIE_V2 },
		{ "v2 root port", 2, 4, 0, 0x3c, FT_PCIE_V2 | FT_LINK | FT_ROOT },
		{ "v2 root port + slot", 2, 4, 1, 0x3c, FT_PCIE_V2 | FT_LINK | FT_ROOT | FT_SLOT },
		{ "v2 downstream + slot", 2, 6, 1, 0x3c, FT_PCIE_V2 | FT_LINK | FT_SLOT },
		{ "v2 upstream", 2, 5, 0, 0x34, FT_PCIE_V2 | FT_LINK },
		{ "v2 RCEC", 2, 10, 0, 0x3c, FT_PCIE_V2 | FT_ROOT },
	};
	const uint32_t mask = FT_PCIE_V2 | FT_LINK | FT_SLOT | FT_ROOT;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		reset_cfg(v[i].type == 4 || v[i].type == 5 || v[i].type == 6 ? 1 : 0);
		put_pcie(0x40, 0, v[i].ver, v[i].type, v[i].slot, 4);
		struct captab_layout lay = lay_of(CK_STD, 0x10, 0x40);
		if (lay.length != v[i].len || (lay.features & mask) != v[i].ft)
			print_error("%s: length %#x features %#x\n", v[i].what, lay.length,
				    lay.features);
		assert_int_equal(lay.length, v[i].len);
		assert_int_equal(lay.features & mask, v[i].ft);
		check_fields_inside(CK_STD, 0x10, 0x40);
	}
	/* the header kind gives the bridge/endpoint feature */
	reset_cfg(1);
	put_pcie(0x40, 0, 2, 4, 0, 4);
	assert_true(lay_of(CK_STD, 0x10, 0x40).features & FT_BRIDGE);
	assert_false(lay_of(CK_STD, 0x10, 0x40).features & FT_ENDPOINT);
}

/* ---- AER (PCIe r6.0 §7.8.4) ----------------------------------------------- */

static void test_aer(void **state)
{
	static const struct { unsigned type; uint16_t len; int root; } v[] = {
		{ 0, 0x2c, 0 }, { 9, 0x2c, 0 }, { 5, 0x2c, 0 }, { 6, 0x2c, 0 },
		{ 4, 0x38, 1 }, { 10, 0x38, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		reset_cfg(0);
		/* PM first, PCIe second: the PCIe capability is found by walking */
		cfg[0x40] = 0x01;
		cfg[0x41] = 0x60;
		put_pcie(0x60, 0, 2, v[i].type, 0, 1);
		put_ext(0x100, 0x0001, 2, 0);
		struct captab_layout lay = lay_of(CK_EXT, 0x0001, 0x100);
		assert_int_equal(lay.length, v[i].len);
		assert_int_equal(!!(lay.features & FT_AER_ROOT), v[i].root);
		check_fields_inside(CK_EXT, 0x0001, 0x100);
	}
	/* no PCIe capability at all: endpoint layout */
	reset_cfg(0);
	cfg[0x34] = 0;
	put_ext(0x100, 0x0001, 1, 0);
	assert_int_equal(lay_of(CK_EXT, 0x0001, 0x100).length, 0x2c);
}

/* ---- ACS (PCIe r6.0 §7.7.8) ----------------------------------------------- */

static void test_acs(void **state)
{
	static const struct { uint16_t cap; uint16_t len; int ec; } v[] = {
		{ 0x001f, 8, 0 },
		{ 0x007f & ~0x20, 8, 0 },
		{ 0x0820, 12, 1 },   /* 8-bit vector */
		{ 0x2020, 12, 1 },   /* 32 bits: one dword */
		{ 0x2120, 16, 1 },   /* 33 bits: two dwords */
		{ 0x4020, 16, 1 },   /* 64 bits */
		{ 0x0020, 40, 1 },   /* 0 encodes 256 bits: eight dwords */
		{ 0xff20, 40, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		reset_cfg(1);
		put_ext(0x100, 0x000d, 1, 0);
		put16(0x104, v[i].cap);
		struct captab_layout lay = lay_of(CK_EXT, 0x000d, 0x100);
		assert_int_equal(lay.length, v[i].len);
		assert_int_equal(!!(lay.features & FT_ACS_EC), v[i].ec);
		check_fields_inside(CK_EXT, 0x000d, 0x100);
	}
}

/* ACS control: only the controls of capable features are writable */
static void test_acs_ctrl_planes(void **state)
{
	const struct vpci_cdesc *cd = captab_find(CK_EXT, 0x000d);
	const struct vpci_fdesc *ctl = NULL;
	static const uint16_t caps[] = { 0x0000, 0x001f, 0x005f, 0x007f, 0xff7f };

	(void)state;
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++)
		if (!strcmp(fd->name, "acs-control"))
			ctl = fd;
	assert_non_null(ctl);
	assert_int_equal(ctl->off, 0x06);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct captab_planes pl;
		reset_cfg(1);
		put_ext(0x200, 0x000d, 1, 0);
		put16(0x204, caps[i]);
		captab_field_planes(ctl, cfg, 0x200, &pl);
		assert_int_equal(pl.pl[VPCI_PL_RW], caps[i] & 0x7f);
		assert_int_equal(pl.pl[VPCI_PL_RSVDP], ~(caps[i] & 0x7f) & 0xffff);
	}
}

/* ---- Resizable BAR (PCIe r6.0 §7.8.6) ------------------------------------- */

static void test_rebar(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 6; n++) {
		for (int vf = 0; vf < 2; vf++) {
			uint16_t id = vf ? 0x0024 : 0x0015;
			reset_cfg(0);
			put_ext(0x200, id, 1, 0);
			for (unsigned e = 0; e < n; e++) {
				put32(0x204 + 8 * e, 0x000ffff0);
				put32(0x208 + 8 * e, e | (e == 0 ? n << 5 : 0) | (8u << 8));
			}
			struct captab_layout lay = lay_of(CK_EXT, id, 0x200);
			assert_int_equal(lay.rebar, n);
			assert_int_equal(lay.length, 4 + 8 * n);
			check_fields_inside(CK_EXT, id, 0x200);
			const struct vpci_cdesc *cd = captab_find(CK_EXT, id);
			for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++)
				if (fd->rep == RP_REBAR)
					assert_int_equal(captab_field_count(fd, &lay), n);
		}
	}
}

/* ---- Vendor-specific lengths ---------------------------------------------- */

static void test_vendor_lengths(void **state)
{
	(void)state;
	/* VSEC (§7.9.5): length in bits 31:20 of the VSEC header */
	reset_cfg(0);
	put_ext(0x100, 0x000b, 1, 0);
	put32(0x104, (0x010u << 20) | (1u << 16) | 0x0001);
	assert_int_equal(lay_of(CK_EXT, 0x000b, 0x100).length, 0x10);
	put32(0x104, (0x0a0u << 20) | 0x0002);
	assert_int_equal(lay_of(CK_EXT, 0x000b, 0x100).length, 0xa0);
	put32(0x104, (0x004u << 20) | 0x0002); /* shorter than the headers */
	assert_int_equal(lay_of(CK_EXT, 0x000b, 0x100).length, 8);

	/* DVSEC (§7.9.6): length in bits 31:20 of DVSEC header 1 */
	reset_cfg(0);
	put_ext(0x100, 0x0023, 1, 0);
	put32(0x104, (0x00cu << 20) | (1u << 16) | 0x1af4);
	assert_int_equal(lay_of(CK_EXT, 0x0023, 0x100).length, 12);
	put32(0x104, (0x038u << 20) | 0x1e98);
	assert_int_equal(lay_of(CK_EXT, 0x0023, 0x100).length, 0x38);
	put32(0x104, (0x002u << 20) | 0x1e98);
	assert_int_equal(lay_of(CK_EXT, 0x0023, 0x100).length, 10);

	/* Vendor-specific capability (PCI 3.0 §6.7): byte 2 */
	reset_cfg(0);
	cfg[0x40] = 0x09;
	cfg[0x42] = 0x14;
	assert_int_equal(lay_of(CK_STD, 0x09, 0x40).length, 0x14);
	cfg[0x42] = 0x00;
	assert_int_equal(lay_of(CK_STD, 0x09, 0x40).length, 3);
}

/* ---- per-lane registers ----------------------------------------------------- */

static void test_lanes(void **state)
{
	static const struct { unsigned type, width; uint16_t sec, pl, lmr; uint8_t lanes; } v[] = {
		{ 0, 1, 0x10, 0x24, 0x0c, 1 },
		{ 0, 2, 0x10, 0x24, 0x10, 2 },
		{ 0, 4, 0x14, 0x24, 0x18, 4 },
		{ 4, 8, 0x1c, 0x28, 0x28, 8 },
		{ 6, 16, 0x2c, 0x30, 0x48, 16 },
		{ 0, 32, 0x4c, 0x40, 0x88, 32 },
		{ 9, 4, 0x0c, 0x20, 0x08, 0 },  /* RCiEP: no link */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		reset_cfg(v[i].type == 4 || v[i].type == 6 ? 1 : 0);
		put_pcie(0x40, 0, 2, v[i].type, 0, v[i].width);
		put_ext(0x100, 0x0019, 1, 0x200);
		put_ext(0x200, 0x0026, 1, 0x300);
		put_ext(0x300, 0x002a, 1, 0x400);
		put_ext(0x400, 0x0027, 1, 0x500);
		put_ext(0x500, 0x0031, 1, 0);
		struct captab_layout lay;

		lay = lay_of(CK_EXT, 0x0019, 0x100);
		assert_int_equal(lay.lanes, v[i].lanes);
		assert_int_equal(lay.length, v[i].sec);
		check_fields_inside(CK_EXT, 0x0019, 0x100);
		lay = lay_of(CK_EXT, 0x0026, 0x200);
		assert_int_equal(lay.lanes, v[i].lanes);
		assert_int_equal(lay.length, v[i].pl);
		check_fields_inside(CK_EXT, 0x0026, 0x200);
		lay = lay_of(CK_EXT, 0x002a, 0x300);
		assert_int_equal(lay.lanes, v[i].lanes);
		assert_int_equal(lay.length, v[i].pl);
		check_fields_inside(CK_EXT, 0x002a, 0x300);
		lay = lay_of(CK_EXT, 0x0027, 0x400);
		assert_int_equal(lay.lanes, v[i].lanes);
		assert_int_equal(lay.length, v[i].lmr);
		check_fields_inside(CK_EXT, 0x0027, 0x400);
		lay = lay_of(CK_EXT, 0x0031, 0x500);
		assert_int_equal(lay.length, v[i].pl);

		/* the per-lane fields repeat once per lane */
		const struct vpci_cdesc *cd = captab_find(CK_EXT, 0x0019);
		lay = lay_of(CK_EXT, 0x0019, 0x100);
		for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++)
			if (fd->rep == RP_LANES_W2)
				assert_int_equal(captab_field_count(fd, &lay), v[i].lanes);
	}
	/* without a PCIe capability there are no lanes */
	reset_cfg(0);
	cfg[0x34] = 0;
	put_ext(0x100, 0x0026, 1, 0);
	assert_int_equal(lay_of(CK_EXT, 0x0026, 0x100).lanes, 0);
	assert_int_equal(lay_of(CK_EXT, 0x0026, 0x100).length, 0x20);
}

/* ---- other variable lengths ------------------------------------------------- */

static void test_misc_lengths(void **state)
{
	(void)state;
	/* TPH (§7.9.13): ST table in the capability, 2 bytes per entry */
	reset_cfg(0);
	put_ext(0x100, 0x0017, 1, 0);
	put32(0x104, 0x00000005);                       /* no ST table */
	assert_int_equal(lay_of(CK_EXT, 0x0017, 0x100).length, 12);
	put32(0x104, 0x00000205 | (3u << 16));          /* in cap, 4 entries */
	assert_int_equal(lay_of(CK_EXT, 0x0017, 0x100).length, 20);
	put32(0x104, 0x00000205 | (2u << 16));          /* 3 entries: 18 -> 20 */
	assert_int_equal(lay_of(CK_EXT, 0x0017, 0x100).length, 20);
	put32(0x104, 0x00000405 | (63u << 16));         /* in the MSI-X table */
	assert_int_equal(lay_of(CK_EXT, 0x0017, 0x100).length, 12);

	/* VC (§7.9.1): 12 bytes per VC resource after 0x10 */
	reset_cfg(0);
	put_ext(0x100, 0x0002, 1, 0);
	assert_int_equal(lay_of(CK_EXT, 0x0002, 0x100).length, 0x1c);
	put32(0x104, 1);
	assert_int_equal(lay_of(CK_EXT, 0x0002, 0x100).length, 0x28);
	put32(0x104, 7);
	assert_int_equal(lay_of(CK_EXT, 0x0009, 0x100).length, 0x70);

	/* RCEC (§7.9.10): v2 adds the bus numbers register */
	reset_cfg(0);
	put_ext(0x100, 0x0007, 1, 0);
	assert_int_equal(lay_of(CK_EXT, 0x0007, 0x100).length, 8);
	assert_false(lay_of(CK_EXT, 0x0007, 0x100).features & FT_RCEC_V2);
	put_ext(0x100, 0x0007, 2, 0);
	assert_int_equal(lay_of(CK_EXT, 0x0007, 0x100).length, 12);
	assert_true(lay_of(CK_EXT, 0x0007, 0x100).features & FT_RCEC_V2);
	check_fields_inside(CK_EXT, 0x0007, 0x100);

	/* fixed and unknown lengths */
	reset_cfg(0);
	put_ext(0x100, 0x0010, 1, 0);
	assert_int_equal(lay_of(CK_EXT, 0x0010, 0x100).length, 0x40);
	assert_int_equal(lay_of(CK_EXT, 0x001b, 0x100).length, 8);
	assert_int_equal(lay_of(CK_STD, 0x11, 0x40).length, 12);
	assert_int_equal(lay_of(CK_STD, 0x01, 0x40).length, 8);
	assert_int_equal(lay_of(CK_EXT, 0x0005, 0x100).length, 0);   /* RC link: unknown */
	assert_int_equal(lay_of(CK_STD, 0x07, 0x40).length, 0);      /* PCI-X: unknown */

	/* too close to the end of config space: minimum length, no features */
	reset_cfg(0);
	put_ext(0xffc, 0x000d, 1, 0);
	struct captab_layout lay = lay_of(CK_EXT, 0x000d, 0xffc);
	assert_int_equal(lay.length, 8);
	assert_false(lay.features & FT_ACS_EC);
}

/* Field counts follow need/excl and repeat kinds */
static void test_field_count(void **state)
{
	const struct vpci_cdesc *pcie = captab_find(CK_STD, 0x10);
	const struct vpci_cdesc *hdr0 = captab_find(CK_HDR, CAPTAB_HDR_TYPE0);
	struct captab_layout lay;

	(void)state;
	reset_cfg(0);
	put_pcie(0x40, 0, 2, 9, 0, 0); /* v2 RCiEP */
	captab_layout(pcie, cfg, 0x40, &lay);
	for (const struct vpci_fdesc *fd = pcie->fields; fd->name; fd++) {
		unsigned n = captab_field_count(fd, &lay);
		if (!strncmp(fd->name, "link-", 5) || !strncmp(fd->name, "slot-", 5) ||
		    !strncmp(fd->name, "root-", 5))
			assert_int_equal(n, 0);
		else
			assert_int_equal(n, 1);
	}
	captab_layout(hdr0, cfg, 0, &lay);
	assert_int_equal(lay.length, 0x40);
	for (const struct vpci_fdesc *fd = hdr0->fields; fd->name; fd++)
		assert_int_equal(captab_field_count(fd, &lay), strstr(fd->name, "%u") ? 6 : 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msi),
		cmocka_unit_test(test_msi_mask_planes),
		cmocka_unit_test(test_pcie),
		cmocka_unit_test(test_aer),
		cmocka_unit_test(test_acs),
		cmocka_unit_test(test_acs_ctrl_planes),
		cmocka_unit_test(test_rebar),
		cmocka_unit_test(test_vendor_lengths),
		cmocka_unit_test(test_lanes),
		cmocka_unit_test(test_misc_lengths),
		cmocka_unit_test(test_field_count),
	};
	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
