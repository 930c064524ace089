/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-dump.c - the lspci dump reader on hand-written dumps in
 * tests/data/dumps (the in-tree oracle; the shared corpus only adds
 * breadth):
 *
 *   multi.lspci          two devices: a 64-byte -x dump and a 256-byte -xxx
 *                        dump with -v text ("Region N: ... [size=16M]",
 *                        "Expansion ROM ... [size=128K]")
 *   4k.lspci             one 4096-byte -xxxx dump with extended capabilities
 *                        and vendor bytes up to 0xfff
 *   crlf.lspci           the second device of multi.lspci with CRLF line ends
 *   pasted-before.lspci  a shell prompt pasted above the device: ignored
 *   pasted-inside.lspci  a message pasted between hex rows: ignored, as by lspci -F
 *
 * Every byte and every BAR size read is compared with the values written
 * in this file, not with another reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vpci/vpci.h"
#include "unit-util.h"

static const char *dir;

static void path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* Open a dump, expecting @count devices. */
static vpci_source *open_dump(const char *name, size_t count)
{
	char p[4096];
	vpci_source *s = NULL;
	vpci_diag *d = vpci_diag_new();

	path(p, sizeof(p), name);
	int rc = vpci_source_open(VPCI_SRC_DUMP, p, &s, d);
	if (rc)
		unit_print_diags(d);
	vpci_diag_free(d);
	assert_int_equal(rc, 0);
	assert_int_equal(vpci_source_count(s), count);
	return s;
}

static vpci_func *raw(vpci_source *s, size_t i)
{
	struct vpci_derive_opts o = { .policy = VPCI_POLICY_RAW, .no_quirks = true };
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();

	assert_int_equal(vpci_derive(s, i, &o, &f, d), 0);
	vpci_diag_free(d);
	return f;
}

/* 00:00.0 of multi.lspci and pasted-before.lspci: 440FX host bridge, -x */
static const uint8_t host_bridge[64] = {
	0x86, 0x80, 0x37, 0x12, 0x06, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x06,
};

/* A 64-byte (-x) dump is a partial capture of 64 bytes (docs/format.md
 * §4): the header, no capabilities. */
static void check_host_bridge(const vpci_func *f)
{
	assert_int_equal(vpci_func_config_size(f), 64);
	assert_memory_equal(vpci_func_bytes(f), host_bridge, 64);
	assert_int_equal(vpci_func_cap_count(f), 0);
}

/* 01:00.0 of multi.lspci and crlf.lspci, -xxx */
static void nic_bytes(uint8_t b[256])
{
	static const uint8_t head[0x48] = {
		0x34, 0x12, 0x78, 0x56, 0x07, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x0c, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x34, 0x12, 0x01, 0x00,
		0x00, 0x00, 0x10, 0xfe, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x01, 0x00, 0x00,
		0x01, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x00,
	};
	memset(b, 0, 256);
	memcpy(b, head, sizeof(head));
	b[0xff] = 0xaa;
}

static void bar(const vpci_func *f, unsigned i, enum vpci_bar_type type, uint64_t size, uint64_t addr)
{
	struct vpci_bar_info bi;

	assert_int_equal(vpci_func_bar(f, i, &bi), 0);
	assert_int_equal(bi.type, type);
	assert_true(bi.size_known);
	assert_int_equal(bi.size, size);
	assert_int_equal(bi.address, addr);
}

/* The NIC with the sizes of its -v text. */
static void check_nic(const vpci_func *f)
{
	uint8_t want[256];
	struct vpci_cap_info ci;

	nic_bytes(want);
	assert_int_equal(vpci_func_config_size(f), 256);
	assert_memory_equal(vpci_func_bytes(f), want, 256);
	bar(f, 0, VPCI_BAR_MEM32, 16u << 20, 0xfe000000);  /* [size=16M] */
	bar(f, 2, VPCI_BAR_IO, 32, 0xe000);                /* [size=32] */
	bar(f, 4, VPCI_BAR_MEM64, 16u << 10, 0xfd000000);  /* [size=16K] */
	bar(f, 6, VPCI_BAR_MEM32, 128u << 10, 0xfe100000); /* Expansion ROM [size=128K] */
	assert_int_equal(vpci_func_cap_count(f), 1);
	assert_int_equal(vpci_func_cap(f, 0, &ci), 0);
	assert_int_equal(ci.id, 0x01);
	assert_int_equal(ci.offset, 0x40);
}

static void test_multi_device(void **state)
{
	vpci_source *s = open_dump("multi.lspci", 2);

	(void)state;
	assert_string_equal(vpci_source_slot(s, 0), "0000:00:00.0");
	assert_string_equal(vpci_source_slot(s, 1), "0000:01:00.0");
	assert_int_equal(vpci_source_find(s, "01:00.0"), 1);
	vpci_func *f = raw(s, 0);
	check_host_bridge(f);
	vpci_func_free(f);
	f = raw(s, 1);
	check_nic(f);
	vpci_func_free(f);
	vpci_source_free(s);
}

static void test_crlf(void **state)
{
	vpci_source *s = open_dump("crlf.lspci", 1);

	(void)state;
	assert_string_equal(vpci_source_slot(s, 0), "0000:01:00.0");
	vpci_func *f = raw(s, 0);
	check_nic(f); /* the same bytes and sizes as with LF line ends */
	vpci_func_free(f);
	vpci_source_free(s);
}

static void test_4k(void **state)
{
	vpci_source *s = open_dump("4k.lspci", 1);
	uint8_t want[4096];
	static const uint8_t head[0x60] = {
		0x36, 0x1b, 0x10, 0x00, 0x06, 0x04, 0x10, 0x00, 0x02, 0x02, 0x08, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x04, 0x00, 0x00, 0xfc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf4, 0x1a, 0x00, 0x11,
		0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x01, 0x00, 0x00,
		0x10, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x10, 0x10, 0x28, 0x00, 0x00, 0x11, 0x04, 0x00, 0x00,
		0x00, 0x00, 0x11, 0x00,
	};
	static const uint8_t aer[0x20] = {
		0x01, 0x00, 0x02, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x20, 0x46, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00,
	};
	static const uint8_t dsn[12] = { 0x03, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x89 };
	static const struct { uint16_t id, off; bool ext; } caps[] = {
		{ 0x10, 0x40, false }, { 0x0001, 0x100, true }, { 0x0003, 0x140, true },
	};
	struct vpci_cap_info ci;

	(void)state;
	memset(want, 0, sizeof(want));
	memcpy(want, head, sizeof(head));
	memcpy(want + 0x100, aer, sizeof(aer));
	memcpy(want + 0x140, dsn, sizeof(dsn));
	for (unsigned i = 0x200; i < 4096; i++)
		want[i] = (uint8_t)(i * 7 + 3); /* as written in the dump's comment-free rows */
	assert_string_equal(vpci_source_slot(s, 0), "0000:02:00.0");
	vpci_func *f = raw(s, 0);
	assert_int_equal(vpci_func_config_size(f), 4096);
	assert_memory_equal(vpci_func_bytes(f), want, 4096);
	bar(f, 0, VPCI_BAR_MEM64, 16u << 10, 0xfc000000);
	assert_int_equal(vpci_func_cap_count(f), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vpci_func_cap(f, i, &ci), 0);
		assert_int_equal(ci.id, caps[i].id);
		assert_int_equal(ci.offset, caps[i].off);
		assert_int_equal(ci.extended, caps[i].ext);
	}
	vpci_func_free(f);
	vpci_source_free(s);
}

/* Lines that are neither a device, a hex row nor -v text are ignored, as
 * `lspci -F` ignores them: a shell prompt pasted above the device, a
 * libkmod message pasted between its rows.  The rows around them are
 * read. */
static void test_pasted_lines_are_ignored(void **state)
{
	static const char *const files[] = { "pasted-before.lspci", "pasted-inside.lspci" };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		vpci_source *s = open_dump(files[i], 1);
		vpci_func *f = raw(s, 0);
		check_host_bridge(f);
		vpci_func_free(f);
		vpci_source_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_device),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_4k),
		cmocka_unit_test(test_pasted_lines_are_ignored),
	};
	dir = getenv("VPCI_TEST_DATA");
	if (!dir) {
		fprintf(stderr, "test-dump: VPCI_TEST_DATA (tests/data/dumps) is not set\n");
		return 1;
	}
	return cmocka_run_group_tests_name("dump", tests, NULL, NULL);
}
