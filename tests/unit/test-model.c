/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-model.c - vpci_func_from_config() on crafted images (capability
 * chains, malformed chains, BAR kinds and sizes, accessors, dup) and, with
 * --corpus DIR (the meson test 'model-corpus'), on the corpus of real
 * config-space dumps (../shared/corpus).
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

#include "vpci/diag.h"
#include "vpci/model.h"

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

static void reset_cfg(unsigned header_type, unsigned capptr)
{
	memset(cfg, 0, sizeof(cfg));
	put16(0x00, 0x8086);
	put16(0x02, 0x1234);
	if (capptr)
		put16(0x06, 0x0010);
	cfg[0x0e] = (uint8_t)header_type;
	cfg[0x34] = (uint8_t)capptr;
}

static void put_cap(unsigned off, uint8_t id, unsigned next)
{
	cfg[off] = id;
	cfg[off + 1] = (uint8_t)next;
}

static void put_ext(unsigned off, uint16_t id, unsigned ver, unsigned next)
{
	put32(off, (uint32_t)id | (ver << 16) | (next << 20));
}

static vpci_func *build(size_t len, vpci_diag *d)
{
	vpci_func *f = NULL;

	assert_int_equal(vpci_func_from_config(cfg, len, &f, d), 0);
	assert_non_null(f);
	return f;
}

/* Does @d hold a warning whose message contains @s? */
static bool has_warning(const vpci_diag *d, const char *s)
{
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		if (e->severity == VPCI_SEV_WARNING && strstr(e->message, s))
			return true;
	}
	return false;
}

static unsigned nstd(const vpci_func *f)
{
	unsigned n = 0;
	struct vpci_cap_info ci;

	for (unsigned i = 0; vpci_func_cap(f, i, &ci) == 0; i++)
		n += !ci.extended;
	return n;
}

static unsigned next_ext(const vpci_func *f)
{
	return vpci_func_cap_count(f) - nstd(f);
}

static uint32_t plane32(const vpci_func *f, enum vpci_plane p, unsigned off)
{
	const uint8_t *pl = vpci_func_plane(f, p);

	return (uint32_t)pl[off] | (uint32_t)pl[off + 1] << 8 | (uint32_t)pl[off + 2] << 16 |
	       (uint32_t)pl[off + 3] << 24;
}

/* ---- arguments ------------------------------------------------------------ */

static void test_bad_args(void **state)
{
	vpci_func *f = (vpci_func *)1;

	(void)state;
	reset_cfg(0, 0);
	assert_int_equal(vpci_func_from_config(cfg, 100, &f, NULL), VPCI_EINVAL);
	assert_null(f);
	assert_int_equal(vpci_func_from_config(NULL, 256, &f, NULL), VPCI_EINVAL);
	assert_int_equal(vpci_func_from_config(cfg, 0, &f, NULL), VPCI_EINVAL);
	for (size_t len = 64; len <= 256; len *= 2) {
		f = build(len, NULL);
		/* 64 and 128 bytes: a partial capture, kept at its size */
		assert_int_equal(vpci_func_config_size(f), len);
		vpci_func_free(f);
	}
	f = build(4096, NULL);
	assert_int_equal(vpci_func_config_size(f), 4096);
	assert_int_equal(vpci_func_kind(f), VPCI_KIND_ENDPOINT);
	assert_int_equal(vpci_func_read(f, 0, 2), 0x8086);
	assert_int_equal(vpci_func_read(f, 0, 4), 0x12348086);
	assert_int_equal(vpci_func_read(f, 4095, 2), 0); /* past the end */
	vpci_func_free(f);
	vpci_func_free(NULL);
}

/* ---- standard chain ------------------------------------------------------- */

static void test_chain(void **state)
{
	vpci_diag *d = vpci_diag_new();
	struct vpci_cap_info ci;

	(void)state;
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x01, 0x50);               /* PM */
	put_cap(0x50, 0x05, 0x70);               /* MSI, 64-bit, PVM */
	put16(0x52, 0x0180);
	put_cap(0x70, 0x10, 0xb0);               /* PCIe v2 endpoint */
	put16(0x72, 0x0002);
	put32(0x7c, 0x00000041);                 /* x4 */
	put_cap(0xb0, 0x11, 0xc3);               /* MSI-X; low bits of next ignored */
	put_cap(0xc0, 0x09, 0x00);               /* vendor, 12 bytes */
	cfg[0xc2] = 12;
	put_ext(0x100, 0x0001, 2, 0x148);        /* AER */
	put_ext(0x148, 0x0003, 1, 0x158);        /* DSN */
	put_ext(0x158, 0x0010, 1, 0x1a0);        /* SR-IOV */
	put_ext(0x1a0, 0x0abc, 3, 0);            /* unknown ID */
	vpci_func *f = build(4096, d);

	assert_int_equal(vpci_diag_count(d), 0);
	assert_int_equal(vpci_func_cap_count(f), 9);
	static const struct { uint16_t id; bool ext; uint16_t off, len; const char *key; } x[] = {
		{ 0x01, false, 0x40, 8, "pm" },
		{ 0x05, false, 0x50, 24, "msi" },
		{ 0x10, false, 0x70, 0x34, "pcie" },
		{ 0x11, false, 0xb0, 12, "msix" },
		{ 0x09, false, 0xc0, 12, "vendor" },
		{ 0x0001, true, 0x100, 0x2c, "aer" },
		{ 0x0003, true, 0x148, 12, "dsn" },
		{ 0x0010, true, 0x158, 0x40, "sriov" },
		{ 0x0abc, true, 0x1a0, 0, NULL },
	};
	for (unsigned i = 0; i < 9; i++) {
		assert_int_equal(vpci_func_cap(f, i, &ci), 0);
		assert_int_equal(ci.id, x[i].id);
		assert_int_equal(ci.extended, x[i].ext);
		assert_int_equal(ci.offset, x[i].off);
		assert_int_equal(ci.length, x[i].len);
		assert_non_null(ci.key);
		assert_non_null(ci.name);
		if (x[i].key)
			assert_string_equal(ci.key, x[i].key);
		assert_int_equal(ci.version, x[i].ext ? (i == 5 ? 2 : i == 8 ? 3 : 1) : 0);
	}
	assert_int_equal(vpci_func_cap(f, 9, &ci), VPCI_ENOENT);

	/* find_cap */
	assert_int_equal(vpci_func_find_cap(f, false, 0x11, &ci), 3);
	assert_int_equal(ci.offset, 0xb0);
	assert_int_equal(vpci_func_find_cap(f, true, 0x0010, NULL), 7);
	assert_int_equal(vpci_func_find_cap(f, true, 0x0011, &ci), VPCI_ENOENT);
	assert_int_equal(vpci_func_find_cap(f, false, 0x0001, NULL), 0);
	assert_int_equal(vpci_func_find_cap(f, true, 0x0001, NULL), 5);
	assert_int_equal(vpci_func_find_cap(f, false, 0x03, NULL), VPCI_ENOENT);

	/* the model keeps the bytes exactly */
	assert_memory_equal(vpci_func_bytes(f), cfg, sizeof(cfg));

	/* default planes: Command RW, Status RW1C, PMCSR, MSI-X control */
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x04) & 0xffff, 0x0547);
	assert_int_equal(plane32(f, VPCI_PL_RW1C, 0x04) >> 16, 0xf900);
	assert_int_equal(plane32(f, VPCI_PL_RW1C, 0x44) & 0xffff, 0x8000);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0xb0) >> 16, 0xc000);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x158 + 0x10) & 0xffff, 0xffff); /* NumVFs */
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x1a0), 0);  /* unknown: raw RO bytes */
	/* MSI mask bits: one vector (MMC 0) */
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x60), 0x1);
	vpci_func_free(f);
	vpci_diag_free(d);
}

static void test_no_caps(void **state)
{
	vpci_diag *d = vpci_diag_new();

	(void)state;
	/* Status.Capabilities List clear: the pointer is ignored */
	reset_cfg(0, 0);
	cfg[0x34] = 0x40;
	put_cap(0x40, 0x01, 0);
	vpci_func *f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 0);
	vpci_func_free(f);

	/* a 256-byte function has no extended chain even with bytes there */
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x10, 0);
	put_ext(0x100, 0x0001, 1, 0);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 1);
	vpci_func_free(f);

	/* 64 bytes: the capability list cannot be read */
	reset_cfg(0, 0x40);
	vpci_diag_clear(d);
	f = build(64, d);
	assert_int_equal(vpci_func_cap_count(f), 0);
	assert_true(vpci_diag_count(d) > 0);
	vpci_func_free(f);
	vpci_diag_free(d);
}

static void test_loops(void **state)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f;

	(void)state;
	/* A -> B -> A */
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x01, 0x50);
	put_cap(0x50, 0x05, 0x40);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 2);
	assert_true(has_warning(d, "loop"));
	vpci_func_free(f);

	/* A -> A */
	vpci_diag_clear(d);
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x01, 0x40);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 1);
	assert_true(has_warning(d, "loop"));
	vpci_func_free(f);

	/* pointer into the header */
	vpci_diag_clear(d);
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x01, 0x20);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 1);
	assert_true(has_warning(d, "header"));
	vpci_func_free(f);

	/* Capabilities Pointer itself into the header */
	vpci_diag_clear(d);
	reset_cfg(0, 0x3c);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 0);
	assert_true(vpci_diag_count(d) > 0);
	vpci_func_free(f);

	/* ID 0xff: broken chain */
	vpci_diag_clear(d);
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x01, 0x50);
	put_cap(0x50, 0xff, 0x60);
	put_cap(0x60, 0x05, 0x00);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 1);
	assert_true(has_warning(d, "0xff"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* 0x40..0xff holds exactly 48 dword-aligned entries: a chain through all
 * of them is legal; one more link must come back to a visited entry. */
static void test_long_chain(void **state)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f;

	(void)state;
	reset_cfg(0, 0x40);
	for (unsigned off = 0x40; off < 0x100; off += 4)
		put_cap(off, 0x0a, off + 4 < 0x100 ? off + 4 : 0);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 48);
	assert_int_equal(vpci_diag_count(d), 0);
	vpci_func_free(f);

	/* the 49th link goes back to the start */
	cfg[0xfd] = 0x40;
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 48);
	assert_true(has_warning(d, "loop"));
	vpci_func_free(f);

	/* the two low bits of every pointer are ignored (PCI 3.0 §6.7);
	 * 0xfc + 7 wraps to 0x03, i.e. the end of the list */
	vpci_diag_clear(d);
	reset_cfg(0, 0x43);
	for (unsigned off = 0x40; off < 0x100; off += 4)
		put_cap(off, 0x0a, (off + 7) & 0xff);
	f = build(256, d);
	assert_int_equal(vpci_func_cap_count(f), 48);
	assert_int_equal(vpci_diag_count(d), 0);
	struct vpci_cap_info ci;
	assert_int_equal(vpci_func_cap(f, 47, &ci), 0);
	assert_int_equal(ci.offset, 0xfc);
	vpci_func_free(f);
	vpci_diag_free(d);
}

static void test_ext_chain(void **state)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f;
	struct vpci_cap_info ci;

	(void)state;
	/* loop back to the first */
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x10, 0);
	put16(0x42, 0x0002);
	put_ext(0x100, 0x0001, 1, 0x148);
	put_ext(0x148, 0x000d, 1, 0x100);
	f = build(4096, d);
	assert_int_equal(next_ext(f), 2);
	assert_true(has_warning(d, "loop"));
	vpci_func_free(f);

	/* next pointer below 0x100 */
	vpci_diag_clear(d);
	put_ext(0x148, 0x000d, 1, 0x080);
	f = build(4096, d);
	assert_int_equal(next_ext(f), 2);
	assert_true(has_warning(d, "below 0x100"));
	vpci_func_free(f);

	/* no extended capabilities: header 0 or all ones */
	vpci_diag_clear(d);
	put32(0x100, 0);
	f = build(4096, d);
	assert_int_equal(next_ext(f), 0);
	vpci_func_free(f);
	put32(0x100, 0xffffffffu);
	f = build(4096, d);
	assert_int_equal(next_ext(f), 0);
	assert_int_equal(vpci_diag_count(d), 0);
	vpci_func_free(f);

	/* a null capability (ID 0) with a next pointer is still walked */
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x10, 0);
	put_ext(0x100, 0x0000, 0, 0x200);
	put_ext(0x200, 0x0018, 1, 0);
	f = build(4096, d);
	assert_int_equal(next_ext(f), 2);
	assert_int_equal(vpci_func_find_cap(f, true, 0x0018, &ci), 2);
	assert_int_equal(ci.offset, 0x200);
	assert_int_equal(ci.length, 8);
	vpci_func_free(f);

	/* a capability running past the end is reported */
	vpci_diag_clear(d);
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x10, 0);
	put_ext(0x100, 0x0001, 1, 0xfe0);
	put_ext(0xfe0, 0x0010, 1, 0);    /* SR-IOV, 0x40 bytes */
	f = build(4096, d);
	assert_int_equal(next_ext(f), 2);
	assert_true(has_warning(d, "past the end"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* ---- BARs ------------------------------------------------------------------ */

static void test_bars(void **state)
{
	struct vpci_bar_info b;

	(void)state;
	reset_cfg(0, 0);
	put32(0x10, 0x0000e001);   /* I/O */
	put32(0x14, 0xf0000000);   /* mem32 */
	put32(0x18, 0x0000000c);   /* mem64 prefetchable, low */
	put32(0x1c, 0x00000001);   /* high */
	put32(0x20, 0xe0000008);   /* mem32 prefetchable */
	put32(0x24, 0);            /* unimplemented (or unknowable) */
	put32(0x30, 0xfff00001);   /* ROM, enabled */
	vpci_func *f = build(256, NULL);

	assert_int_equal(vpci_func_bar(f, 0, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_IO);
	assert_int_equal(b.address, 0xe000);
	assert_false(b.size_known);
	assert_int_equal(vpci_func_bar(f, 1, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_MEM32);
	assert_false(b.prefetchable);
	assert_int_equal(b.address, 0xf0000000u);
	assert_int_equal(vpci_func_bar(f, 2, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_MEM64);
	assert_true(b.prefetchable);
	assert_int_equal(b.address, 0x100000000ull);
	assert_int_equal(vpci_func_bar(f, 3, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_MEM64_HI);
	assert_int_equal(vpci_func_bar(f, 4, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_MEM32);
	assert_true(b.prefetchable);
	assert_int_equal(vpci_func_bar(f, 5, &b), VPCI_ENOENT);
	assert_int_equal(b.type, VPCI_BAR_NONE);
	assert_int_equal(vpci_func_bar(f, 6, &b), 0);
	assert_int_equal(b.index, 6);
	assert_true(b.enabled);
	assert_int_equal(b.address, 0xfff00000u);
	assert_int_equal(vpci_func_bar(f, 7, &b), VPCI_EINVAL);

	/* BARs are read-only until their size is known */
	for (unsigned off = 0x10; off < 0x28; off += 4)
		assert_int_equal(plane32(f, VPCI_PL_RW, off), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x30), 0);

	/* sizes: powers of two, minimums, I/O at most 256 bytes */
	assert_int_equal(vpci_func_set_bar_size(f, 0, 3 * 16), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 0, 2), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 0, 512), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 0, 0), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 0, 4), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x10), 0xfffffffcu);
	assert_int_equal(vpci_func_set_bar_size(f, 0, 256), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x10), 0xffffff00u);
	assert_int_equal(vpci_func_bar(f, 0, &b), 0);
	assert_true(b.size_known);
	assert_int_equal(b.size, 256);

	assert_int_equal(vpci_func_set_bar_size(f, 1, 8), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 1, 4096 + 16), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 1, 1ull << 32), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 1, 16), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x14), 0xfffffff0u);
	assert_int_equal(vpci_func_set_bar_size(f, 1, 4096), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x14), 0xfffff000u);

	/* 64-bit: the upper dword is writable too */
	assert_int_equal(vpci_func_set_bar_size(f, 2, 1ull << 33), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x18), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x1c), 0xfffffffeu);
	assert_int_equal(vpci_func_set_bar_size(f, 2, 1ull << 20), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x18), 0xfff00000u);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x1c), 0xffffffffu);
	assert_int_equal(vpci_func_set_bar_size(f, 3, 4096), VPCI_ENOENT);  /* upper half */
	assert_int_equal(vpci_func_set_bar_size(f, 5, 4096), VPCI_ENOENT);  /* none */
	assert_int_equal(vpci_func_set_bar_size(f, 7, 4096), VPCI_EINVAL);

	/* ROM: at least 2 KiB; the enable bit is writable */
	assert_int_equal(vpci_func_set_bar_size(f, 6, 1024), VPCI_ERANGE);
	assert_int_equal(vpci_func_set_bar_size(f, 6, 2048), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x30), 0xfffff801u);
	assert_int_equal(vpci_func_set_bar_size(f, 6, 1u << 16), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x30), 0xffff0001u);

	/* setting a size changes no byte */
	assert_memory_equal(vpci_func_bytes(f), cfg, 256);
	vpci_func_free(f);
}

static void test_bridge_bars(void **state)
{
	struct vpci_bar_info b;

	(void)state;
	reset_cfg(1, 0);
	put32(0x10, 0x00000004);   /* 64-bit over both BAR slots */
	put32(0x14, 0x00000000);
	put32(0x30, 0xdeadbeef);   /* I/O base upper: not a ROM */
	put32(0x38, 0x000c0000);   /* ROM of a type 1 header */
	vpci_func *f = build(256, NULL);

	assert_int_equal(vpci_func_kind(f), VPCI_KIND_BRIDGE);
	assert_int_equal(vpci_func_bar(f, 0, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_MEM64);
	assert_int_equal(vpci_func_bar(f, 1, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_MEM64_HI);
	for (unsigned i = 2; i < 6; i++)
		assert_int_equal(vpci_func_bar(f, i, &b), VPCI_ENOENT);
	assert_int_equal(vpci_func_bar(f, 6, &b), 0);
	assert_int_equal(b.address, 0x000c0000);
	assert_false(b.enabled);
	assert_int_equal(vpci_func_set_bar_size(f, 6, 4096), 0);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x38), 0xfffff001u);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x30), 0xffffffffu); /* I/O upper RW */
	/* type 1 header planes: bus numbers RW */
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x18) & 0x00ffffff, 0x00ffffff);
	vpci_func_free(f);

	/* a 64-bit BAR in the last slot has no upper half */
	reset_cfg(0, 0);
	put32(0x24, 0x0000000c);
	f = build(256, NULL);
	assert_true(vpci_func_bar(f, 5, &b) == VPCI_ENOENT || b.type != VPCI_BAR_MEM64);
	vpci_func_free(f);
}

/* ---- dup -------------------------------------------------------------------- */

static void test_dup(void **state)
{
	struct vpci_cap_info ci;

	(void)state;
	reset_cfg(0, 0x40);
	put_cap(0x40, 0x01, 0x50);
	put_cap(0x50, 0x10, 0);
	put16(0x52, 0x0002);
	put_ext(0x100, 0x0001, 1, 0x140);
	put_ext(0x140, 0x000e, 1, 0);
	put32(0x14, 0xf0000000);
	vpci_func *f = build(4096, NULL);
	assert_int_equal(vpci_func_set_name(f, "orig"), 0);
	assert_int_equal(vpci_func_set_description(f, "original"), 0);

	vpci_func *g = vpci_func_dup(f);
	assert_non_null(g);
	assert_string_equal(vpci_func_name(g), "orig");
	assert_string_equal(vpci_func_description(g), "original");
	assert_int_equal(vpci_func_cap_count(g), 4);
	assert_memory_equal(vpci_func_bytes(f), vpci_func_bytes(g), VPCI_CFG_SIZE);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		assert_memory_equal(vpci_func_plane(f, (enum vpci_plane)p),
				    vpci_func_plane(g, (enum vpci_plane)p), VPCI_CFG_SIZE);

	/* changing the copy leaves the original alone */
	assert_int_equal(vpci_func_set_name(g, "copy"), 0);
	assert_int_equal(vpci_func_set_description(g, NULL), 0);
	assert_int_equal(vpci_func_set_bar_size(g, 1, 1 << 20), 0);
	assert_string_equal(vpci_func_name(f), "orig");
	assert_string_equal(vpci_func_description(f), "original");
	assert_string_equal(vpci_func_description(g), "");
	struct vpci_bar_info b;
	assert_int_equal(vpci_func_bar(f, 1, &b), 0);
	assert_false(b.size_known);
	assert_int_equal(plane32(f, VPCI_PL_RW, 0x14), 0);
	assert_int_equal(plane32(g, VPCI_PL_RW, 0x14), 0xfff00000u);

	/* the copy survives the original */
	vpci_func_free(f);
	assert_int_equal(vpci_func_cap(g, 3, &ci), 0);
	assert_int_equal(ci.id, 0x000e);
	assert_int_equal(ci.offset, 0x140);
	assert_string_equal(vpci_func_name(g), "copy");
	vpci_func *h = vpci_func_dup(g);
	vpci_func_free(g);
	assert_int_equal(vpci_func_find_cap(h, true, 0x0001, NULL), 2);
	vpci_func_free(h);

	/* a function without capabilities or names */
	vpci_func *e = vpci_func_new();
	vpci_func *e2 = vpci_func_dup(e);
	assert_non_null(e2);
	assert_int_equal(vpci_func_cap_count(e2), 0);
	assert_string_equal(vpci_func_name(e2), "");
	vpci_func_free(e);
	vpci_func_free(e2);
}

/* ---- the corpus of real dumps ------------------------------------------------ */

struct idx_row {
	char *file;
	unsigned bytes;
	char *caps, *ecaps;
};

static char *dupn(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	assert_non_null(r);
	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

/* Split index.tsv: file bytes caps ecaps are columns 0, 7, 8, 9. */
static size_t read_index(const char *dir, struct idx_row **out)
{
	char path[4096], line[8192];
	size_t n = 0, cap = 0;
	struct idx_row *rows = NULL;

	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return 0;
	bool first = true;
	while (fgets(line, sizeof(line), fp)) {
		char *col[16] = { 0 };
		unsigned nc = 0;
		if (first) {
			first = false;
			continue;
		}
		line[strcspn(line, "\r\n")] = 0;
		char *p = line;
		while (nc < 16) {
			col[nc++] = p;
			char *t = strchr(p, '\t');
			if (!t)
				break;
			*t = 0;
			p = t + 1;
		}
		if (nc < 10)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			rows = realloc(rows, cap * sizeof(*rows));
			assert_non_null(rows);
		}
		rows[n].file = dupn(col[0], strlen(col[0]));
		rows[n].bytes = (unsigned)strtoul(col[7], NULL, 10);
		rows[n].caps = dupn(col[8], strlen(col[8]));
		rows[n].ecaps = dupn(col[9], strlen(col[9]));
		n++;
	}
	fclose(fp);
	*out = rows;
	return n;
}

/* Parse "NAME@off NAME@off ..." into offsets. */
static unsigned parse_offsets(const char *s, unsigned *off, unsigned max)
{
	unsigned n = 0;

	while (s && *s && n < max) {
		const char *at = strchr(s, '@');
		if (!at)
			break;
		off[n++] = (unsigned)strtoul(at + 1, NULL, 16);
		s = strchr(at, ' ');
	}
	return n;
}

/* Read an lspci -x dump: a header line, then "OFF: xx xx ..." rows.
 * Returns the number of bytes (64, 128, 256 or 4096) or 0. */
static size_t read_dump(const char *path, uint8_t *buf)
{
	char line[1024];
	unsigned hi = 0;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return 0;
	memset(buf, 0xff, VPCI_CFG_SIZE);
	bool header = false;
	while (fgets(line, sizeof(line), fp)) {
		char *end;
		if (!header) {
			header = true;
			continue;
		}
		unsigned long off = strtoul(line, &end, 16);
		if (end == line || *end != ':')
			continue;
		char *p = end + 1;
		for (;;) {
			unsigned long v = strtoul(p, &end, 16);
			if (end == p || off >= VPCI_CFG_SIZE)
				break;
			buf[off++] = (uint8_t)v;
			if (off > hi)
				hi = (unsigned)off;
			p = end;
		}
	}
	fclose(fp);
	return hi <= 64 ? 64 : hi <= 128 ? 128 : hi <= 256 ? 256 : hi <= 4096 ? VPCI_CFG_SIZE : 0;
}

/* Capabilities of known length that overlap another one: a sign of a
 * wrong length rule (or of a device that breaks the rules). */
static unsigned count_overlaps(const vpci_func *f, const char *name)
{
	struct vpci_cap_info a, b;
	unsigned n = 0;

	for (unsigned i = 0; vpci_func_cap(f, i, &a) == 0; i++) {
		if (!a.length)
			continue;
		for (unsigned j = 0; vpci_func_cap(f, j, &b) == 0; j++) {
			if (i == j || b.offset < a.offset)
				continue;
			if (b.offset < a.offset + a.length) {
				print_error("%s: %s@%#x (length %#x) overlaps %s@%#x\n", name, a.key,
					    a.offset, a.length, b.key, b.offset);
				n++;
			}
		}
	}
	return n;
}

static const char *corpus_dir;

static void test_corpus(void **state)
{
	const char *dir = corpus_dir;
	struct idx_row *rows = NULL;
	size_t n, match = 0, std_match = 0, ext_match = 0, tried = 0, overlaps = 0;
	static uint8_t buf[VPCI_CFG_SIZE];

	(void)state;
	n = read_index(dir, &rows);
	assert_true(n > 0); /* main() checked that index.tsv exists */
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		unsigned xs[64], xe[512], gs[64], ge[512];
		unsigned nxs, nxe, ngs = 0, nge = 0;
		vpci_func *f = NULL;
		vpci_diag *d = vpci_diag_new();

		snprintf(path, sizeof(path), "%s/%s", dir, rows[i].file);
		size_t len = read_dump(path, buf);
		if (!len) {
			print_error("%s: unreadable\n", rows[i].file);
			vpci_diag_free(d);
			continue;
		}
		tried++;
		if (len != rows[i].bytes)
			print_error("%s: %zu bytes, index says %u\n", rows[i].file, len, rows[i].bytes);
		assert_int_equal(vpci_func_from_config(buf, len, &f, d), 0);
		assert_memory_equal(vpci_func_bytes(f), buf, len);
		struct vpci_cap_info ci;
		for (unsigned c = 0; vpci_func_cap(f, c, &ci) == 0; c++) {
			if (!ci.extended && ngs < 64)
				gs[ngs++] = ci.offset;
			else if (ci.extended && nge < 512)
				ge[nge++] = ci.offset;
		}
		nxs = parse_offsets(rows[i].caps, xs, 64);
		nxe = parse_offsets(rows[i].ecaps, xe, 512);
		bool sok = nxs == ngs && !memcmp(xs, gs, ngs * sizeof(unsigned));
		bool eok = nxe == nge && !memcmp(xe, ge, nge * sizeof(unsigned));
		std_match += sok;
		ext_match += eok;
		match += sok && eok;
		if (!sok || !eok) {
			print_error("%s: caps %u/%u ecaps %u/%u (model/index); std %s ext %s\n",
				    rows[i].file, ngs, nxs, nge, nxe, sok ? "ok" : "DIFFER",
				    eok ? "ok" : "DIFFER");
			for (size_t k = 0; k < vpci_diag_count(d); k++)
				print_error("    diag: %s\n", vpci_diag_get(d, k)->message);
		}
		overlaps += count_overlaps(f, rows[i].file);
		vpci_func_free(f);
		vpci_diag_free(d);
	}
	print_message("corpus: %zu of %zu dumps match the index (caps %zu, ecaps %zu); "
		      "%zu overlapping capabilities\n", match, tried, std_match, ext_match, overlaps);
	for (size_t i = 0; i < n; i++) {
		free(rows[i].file);
		free(rows[i].caps);
		free(rows[i].ecaps);
	}
	free(rows);
	assert_int_equal(tried, n);
	assert_int_equal(match, tried);
}

/* Is there a corpus with an index at @dir? */
static int corpus_present(const char *dir)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	fp = fopen(path, "r");
	if (fp)
		fclose(fp);
	return fp != NULL;
}

/*
 * test-model            the model tests
 * test-model --corpus D the corpus of real dumps in D (../shared/corpus):
 *                       without it, exit 77 (meson: skipped), or 1 under
 *                       CI=true, where a missing corpus is an error
 */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_no_caps),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_ext_chain),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_bridge_bars),
		cmocka_unit_test(test_dup),
	};
	const struct CMUnitTest corpus[] = {
		cmocka_unit_test(test_corpus),
	};

	if (argc == 3 && !strcmp(argv[1], "--corpus")) {
		corpus_dir = argv[2];
		if (!corpus_present(corpus_dir)) {
			const char *ci = getenv("CI");
			if (ci && !strcmp(ci, "true")) {
				fprintf(stderr, "test-model: corpus %s (with index.tsv) not found; CI=true requires it\n",
					corpus_dir);
				return 1;
			}
			printf("SKIP: corpus %s (with index.tsv) not found\n", corpus_dir);
			return 77;
		}
		return cmocka_run_group_tests_name("model-corpus", corpus, NULL, NULL);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: test-model [--corpus DIR]\n");
		return 2;
	}
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
