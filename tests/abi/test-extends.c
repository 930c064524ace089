/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-extends.c - instance types: `version:` and `extends:` (format §21)
 *   - what an extending file changes, field by field, BAR by BAR,
 *     capability by capability, and what it keeps (the type's planes);
 *   - where types are found (the file's directory, then the types path,
 *     in order) and every error at the extends line: missing, another
 *     version or name, no version, a cycle, too deep, an invalid type
 *     (whose own problems follow at their positions), kind and size;
 *   - the canonical writer: minimal, a fixed point, giving back the same
 *     function; written whole when the order cannot be said, and with
 *     --flatten; positions of inherited bytes at the extends line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/func.h"
#include "vpci/vpci.h"

static char dir[256], dir2[256];

static void put(const char *d, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", d, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* The type everything here builds on. */
static const char type_t1[] =
	"vpci: 1\nname: t\nversion: 1\ndescription: \"the type\"\n"
	"function:\n"
	"  header:\n"
	"    vendor-id: 0x1af4\n    device-id: 0x1041\n    class-code: 0x020000\n"
	"    command: {value: 0x0000, device: 0x0547}\n"
	"    subsystem-id: {value: 0x1100, access: HwInit}\n"
	"  bars:\n"
	"    - {index: 0, type: mem64, size: 16KiB}\n"
	"    - {index: 2, type: mem32, size: 4KiB}\n"
	"  expansion-rom: {size: 64KiB}\n"
	"  capabilities:\n"
	"    - {type: msix, offset: 0x40, fields: {message-control: 0x0003, table: 0x00000000, pba: 0x00000800}}\n"
	"    - {type: pm, offset: 0x50, fields: {pmc: 0x0003, pmcsr: {value: 0x0008, device: 0x8103}}}\n"
	"    - {type: msi, offset: 0x60, fields: {message-control: 0x0080}}\n"
	"    - {type: pcie, offset: 0x80, fields: {pcie-capabilities: 0x0002}}\n"
	"  extended-capabilities:\n"
	"    - {type: aer, offset: 0x100, version: 2}\n"
	"    - {type: ari, offset: 0x150}\n"
	"  free-ranges:\n    - {offset: 0x400, length: 0x100}\n";

static vpci_func *load(const char *name, vpci_diag *d)
{
	char path[512];
	vpci_func *f = NULL;
	const char *types[] = { dir2, NULL };
	struct vpci_parse_opts o = { 0, types };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	vpci_parse_file_opts(path, &o, &f, d);
	return f;
}

static vpci_func *load_ok(const char *name)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = load(name, d);

	for (size_t i = 0; !f && i < vpci_diag_count(d); i++) {
		char b[512];
		vpci_diag_format(vpci_diag_get(d, i), b, sizeof(b));
		print_error("%s\n", b);
	}
	vpci_diag_free(d);
	assert_non_null(f);
	return f;
}

/* The first diagnostic of loading @name must be @msg at @line:@col. */
static void expect_error(const char *name, unsigned line, unsigned col, const char *msg)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = load(name, d);

	assert_null(f);
	const struct vpci_diag_entry *e = vpci_diag_get(d, 0);
	assert_non_null(e);
	if (!strstr(e->message, msg) || e->line != line || e->column != col)
		fail_msg("%s: %u:%u '%s', want %u:%u '%s'", name, e->line, e->column, e->message, line, col, msg);
	vpci_diag_free(d);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vpci-extends.XXXXXX");
	snprintf(dir2, sizeof(dir2), "/tmp/vpci-types.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(dir2));
	put(dir2, "t@1.yaml", type_t1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, dir2);
	return system(cmd) ? -1 : 0;
}

static uint32_t rd(const vpci_func *f, unsigned off, unsigned w)
{
	return vpci_func_read(f, off, w);
}

static uint64_t plane(const vpci_func *f, int p, unsigned off, unsigned w)
{
	return func_plane_get(f, p, off, w);
}

static void test_changes(void **state)
{
	(void)state;
	put(dir, "x.yaml",
	    "vpci: 1\nname: x\nextends: t@1\n"
	    "function:\n"
	    "  multifunction: true\n"
	    "  header:\n"
	    "    device-id: 0x1042\n"                       /* a value: planes stay */
	    "    command: {value: 0x0000, device: 0x0004}\n" /* one plane replaced */
	    "  bars:\n"
	    "    - {index: 2, remove: true}\n"
	    "    - {index: 4, type: io, size: 32}\n"
	    "  expansion-rom: {remove: true}\n"
	    "  capabilities:\n"
	    "    - {type: pm, offset: 0x50, remove: true}\n"
	    "    - {type: msi, offset: 0x60, fields: {message-control: 0x0000}}\n" /* 32-bit: a new layout */
	    "    - {type: vendor, offset: 0xc0, fields: {length: 0x08}}\n"
	    "  extended-capabilities:\n"
	    "    - {type: aer, offset: 0x100, version: 1}\n"
	    "    - {type: ats, offset: 0x160}\n"
	    "  free-ranges:\n    - {offset: 0x500, length: 0x40}\n");
	vpci_func *f = load_ok("x.yaml"), *t = NULL;
	char tp[512];
	snprintf(tp, sizeof(tp), "%s/t@1.yaml", dir2);
	assert_int_equal(vpci_parse_file(tp, &t, NULL), 0);

	assert_string_equal(vpci_func_extends(f), "t@1");
	assert_int_equal(vpci_func_version(f), 0);
	assert_int_equal(vpci_func_version(t), 1);
	assert_string_equal(vpci_func_name(f), "x");
	assert_string_equal(vpci_func_description(f), ""); /* the file's own */
	assert_int_equal(rd(f, 0x0e, 1) & 0x80, 0x80);
	assert_int_equal(rd(f, 0x02, 2), 0x1042);
	assert_int_equal(rd(f, 0x00, 2), 0x1af4);
	/* subsystem-id keeps the type's HwInit; command only its device plane */
	assert_int_equal(plane(f, VPCI_PL_HWINIT, 0x2e, 2), 0xffff);
	assert_int_equal(plane(f, VPCI_PL_DEVICE, 0x04, 2), 0x0004);
	assert_int_equal(plane(f, VPCI_PL_RW, 0x04, 2), plane(t, VPCI_PL_RW, 0x04, 2));
	/* BARs */
	struct vpci_bar_info b;
	assert_int_equal(vpci_func_bar(f, 0, &b), 0);
	assert_int_equal(b.size, 16384);
	assert_int_equal(vpci_func_bar(f, 2, &b), VPCI_ENOENT);
	assert_int_equal(rd(f, 0x18, 4), 0);
	assert_int_equal(vpci_func_bar(f, 4, &b), 0);
	assert_int_equal(b.type, VPCI_BAR_IO);
	assert_int_equal(plane(f, VPCI_PL_RW, 0x20, 4), 0xffffffe0u);
	assert_int_equal(vpci_func_bar(f, 6, &b), VPCI_ENOENT);
	/* capabilities: pm gone, msi re-laid, vendor new at the end of the
	 * standard list; aer version 1, ats new after ari */
	const char *want[] = { "msix", "msi", "pcie", "vendor", "aer", "ari", "ats" };
	assert_int_equal(vpci_func_cap_count(f), 7);
	for (unsigned i = 0; i < 7; i++) {
		struct vpci_cap_info c;
		vpci_func_cap(f, i, &c);
		assert_string_equal(c.key, want[i]);
		if (!strcmp(c.key, "aer"))
			assert_int_equal(c.version, 1);
	}
	assert_int_equal(rd(f, 0x50, 4), 0);              /* pm's bytes */
	assert_int_equal(plane(f, VPCI_PL_DEVICE, 0x54, 2), 0);
	assert_int_equal(rd(f, 0x34, 1), 0x40);
	/* MSI 32-bit: data at 0x08, with the table's planes */
	assert_int_equal(plane(f, VPCI_PL_RW, 0x68, 2), 0xffff);
	assert_int_equal(plane(t, VPCI_PL_RW, 0x6c, 2), 0xffff);
	assert_int_equal(f->nfree, 2);
	assert_int_equal(f->free[1].off, 0x500);
	assert_int_equal(vpci_validate(f, NULL), 0);
	/* positions: what the file set is at its line, the rest at extends */
	char path[512];
	snprintf(path, sizeof(path), "%s/x.yaml", dir);
	assert_string_equal(f->file, path);
	assert_int_equal(f->locs[f->byteloc[0x02]].line, 7);
	assert_int_equal(f->locs[f->byteloc[0x00]].line, 3);
	assert_int_equal(f->locs[f->byteloc[0x00]].col, 10);
	vpci_func_free(f);
	vpci_func_free(t);
}

static void test_errors(void **state)
{
	(void)state;
	put(dir, "e1.yaml", "vpci: 1\nname: e\nextends: nosuch@1\nfunction: {}\n");
	expect_error("e1.yaml", 3, 10, "extends nosuch@1: no nosuch@1.yaml beside this file or on the types path");
	put(dir, "e2.yaml", "vpci: 1\nname: e\nextends: t\nfunction: {}\n");
	expect_error("e2.yaml", 3, 10, "expected NAME@VERSION");
	put(dir, "e3.yaml", "vpci: 1\nname: e\nextends: t@0\nfunction: {}\n");
	expect_error("e3.yaml", 3, 10, "expected NAME@VERSION");
	/* a file of that name that is another version, another name, none */
	put(dir2, "t@2.yaml", type_t1);
	put(dir, "e4.yaml", "vpci: 1\nname: e\nextends: t@2\nfunction: {}\n");
	expect_error("e4.yaml", 3, 10, "is 't' version 1");
	put(dir2, "u@1.yaml", "vpci: 1\nname: u\nfunction: {}\n");
	put(dir, "e5.yaml", "vpci: 1\nname: e\nextends: u@1\nfunction: {}\n");
	expect_error("e5.yaml", 3, 10, "with no 'version': not an instance type");
	/* cycles, direct and through another type */
	put(dir, "a@1.yaml", "vpci: 1\nname: a\nversion: 1\nextends: b@1\nfunction: {}\n");
	put(dir, "b@1.yaml", "vpci: 1\nname: b\nversion: 1\nextends: a@1\nfunction: {}\n");
	vpci_diag *d = vpci_diag_new();
	assert_null(load("a@1.yaml", d));
	int cycle = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		cycle |= strstr(vpci_diag_get(d, i)->message, "a cycle (a@1 -> b@1 -> a@1)") != NULL;
	assert_true(cycle);
	vpci_diag_free(d);
	put(dir, "s@1.yaml", "vpci: 1\nname: s\nversion: 1\nextends: s@1\nfunction: {}\n");
	expect_error("s@1.yaml", 4, 10, "a cycle (s@1 -> s@1)");
	/* too deep: d0 <- d1 <- ... <- d17 */
	for (int i = 0; i <= 17; i++) {
		char n[32], t[160];
		snprintf(n, sizeof(n), "d%d@1.yaml", i);
		if (i)
			snprintf(t, sizeof(t), "vpci: 1\nname: d%d\nversion: 1\nextends: d%d@1\nfunction: {}\n", i, i - 1);
		else
			snprintf(t, sizeof(t), "%s", "vpci: 1\nname: d0\nversion: 1\nfunction: {}\n");
		put(dir, n, t);
	}
	vpci_func_free(load_ok("d15@1.yaml"));
	d = vpci_diag_new();
	assert_null(load("d17@1.yaml", d));
	int deep = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		deep |= strstr(vpci_diag_get(d, i)->message, "more than 16 types deep") != NULL;
	assert_true(deep);
	vpci_diag_free(d);
	/* an invalid type: the error at extends, then its own at its lines */
	put(dir2, "bad@1.yaml", "vpci: 1\nname: bad\nversion: 1\nfunction:\n  header: {vendr-id: 1}\n");
	put(dir, "e6.yaml", "vpci: 1\nname: e\nextends: bad@1\nfunction: {}\n");
	d = vpci_diag_new();
	assert_null(load("e6.yaml", d));
	assert_true(vpci_diag_count(d) >= 2);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "is not a valid instance (its problems follow)"));
	const struct vpci_diag_entry *e = vpci_diag_get(d, 1);
	assert_non_null(strstr(e->file, "bad@1.yaml"));
	assert_int_equal(e->line, 5);
	assert_non_null(strstr(e->message, "vendr-id"));
	vpci_diag_free(d);
	/* what an extending file may not do */
	put(dir, "e7.yaml", "vpci: 1\nname: e\nextends: t@1\nfunction:\n  kind: bridge\n");
	expect_error("e7.yaml", 5, 9, "keeps its header kind");
	put(dir, "e8.yaml", "vpci: 1\nname: e\nextends: t@1\nfunction:\n  config-size: 256\n");
	expect_error("e8.yaml", 5, 16, "keeps its config size");
	put(dir, "e9.yaml", "vpci: 1\nname: e\nextends: t@1\nfunction:\n  capabilities:\n"
			    "    - {type: pm, offset: 0x54, remove: true}\n");
	expect_error("e9.yaml", 6, 26, "t@1 has no pm at 0x54 to remove");
	put(dir, "e10.yaml", "vpci: 1\nname: e\nextends: t@1\nfunction:\n  bars:\n    - {index: 1, remove: true}\n");
	expect_error("e10.yaml", 6, 15, "BAR 1 is the upper half of t@1's 64-bit BAR 0");
	put(dir, "e11.yaml", "vpci: 1\nname: e\nextends: t@1\nfunction:\n  bars:\n    - {index: 3, remove: true}\n");
	expect_error("e11.yaml", 6, 15, "t@1 has no BAR 3 to remove");
	put(dir, "e12.yaml", "vpci: 1\nname: e\nfunction:\n  expansion-rom: {size: 2KiB, remove: true}\n");
	expect_error("e12.yaml", 4, 39, "only a file with 'extends' has one");
	put(dir, "e13.yaml", "vpci: 1\nname: e\nversion: 0\nfunction: {}\n");
	expect_error("e13.yaml", 3, 10, "versions start at 1");
}

/* The file's own directory first, then the types path in order. */
static void test_search_order(void **state)
{
	(void)state;
	char t2[sizeof(type_t1) + 32];
	snprintf(t2, sizeof(t2), "%s", type_t1);
	char *p = strstr(t2, "0x1041");
	memcpy(p, "0x1099", 6);
	put(dir, "t@1.yaml", t2); /* beside the file: wins */
	put(dir, "y.yaml", "vpci: 1\nname: y\nextends: t@1\nfunction: {}\n");
	vpci_func *f = load_ok("y.yaml");
	assert_int_equal(rd(f, 2, 2), 0x1099);
	vpci_func_free(f);
	char path[512];
	snprintf(path, sizeof(path), "%s/t@1.yaml", dir);
	unlink(path);
	f = load_ok("y.yaml");
	assert_int_equal(rd(f, 2, 2), 0x1041);
	vpci_func_free(f);
	/* a buffer has no directory: only the types path */
	const char *text = "vpci: 1\nname: y\nextends: t@1\nfunction: {}\n";
	const char *types[] = { "/nonexistent", dir2, NULL };
	struct vpci_parse_opts o = { 0, types };
	assert_int_equal(vpci_parse_buffer_opts(text, strlen(text), "buf", &o, &f, NULL), 0);
	vpci_func_free(f);
	assert_int_equal(vpci_parse_buffer(text, strlen(text), "buf", &f, NULL), VPCI_EDATA);
}

/* write(f) is minimal, a fixed point, and reads back as f. */
static void check_written(const char *name, int relative)
{
	vpci_func *f = load_ok(name), *g = NULL;
	char *w1 = NULL, *w2 = NULL;
	size_t l1, l2;
	const char *types[] = { dir2, NULL };
	struct vpci_parse_opts o = { 0, types };

	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, &w1, &l1), 0);
	assert_int_equal((strstr(w1, "\nextends: \"t@1\"\n") != NULL), relative);
	assert_int_equal(vpci_parse_buffer_opts(w1, l1, "w1", &o, &g, NULL), 0);
	vpci_diff *l;
	assert_int_equal(vpci_diff_new(f, g, 0, NULL, &l, NULL), 0);
	for (size_t i = 0; i < vpci_diff_count(l); i++)
		print_error("%s: %s\n", name, vpci_diff_get(l, i)->message);
	assert_int_equal(vpci_diff_count(l), 0);
	vpci_diff_free(l);
	assert_int_equal(vpci_write(g, VPCI_WRITE_NO_NAMES, &w2, &l2), 0);
	assert_string_equal(w1, w2);
	if (relative)
		assert_null(strstr(w1, "vendor-id")); /* only what differs */
	/* flattened: whole, and the same function */
	vpci_func_flatten(f);
	assert_string_equal(vpci_func_extends(f), "");
	free(w2);
	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, &w2, &l2), 0);
	assert_null(strstr(w2, "extends"));
	assert_non_null(strstr(w2, "vendor-id"));
	vpci_func_free(g);
	assert_int_equal(vpci_parse_buffer(w2, l2, "w2", &g, NULL), 0);
	assert_int_equal(vpci_diff_new(f, g, 0, NULL, &l, NULL), 0);
	assert_int_equal(vpci_diff_count(l), 0);
	vpci_diff_free(l);
	free(w1);
	free(w2);
	vpci_func_free(f);
	vpci_func_free(g);
}

static void test_writer(void **state)
{
	(void)state;
	put(dir, "w0.yaml", "vpci: 1\nname: w0\nextends: t@1\nfunction: {}\n");
	check_written("w0.yaml", 1);
	/* test_changes' file, and raw bytes on top */
	put(dir, "w1.yaml",
	    "vpci: 1\nname: w1\nversion: 4\nextends: t@1\ndescription: \"w\"\n"
	    "function:\n  multifunction: true\n"
	    "  header: {device-id: 0x1042, command: {value: 0x0000, device: 0x0004}}\n"
	    "  bars:\n    - {index: 2, remove: true}\n    - {index: 4, type: io, size: 32}\n"
	    "  expansion-rom: {remove: true}\n"
	    "  capabilities:\n    - {type: pm, offset: 0x50, remove: true}\n"
	    "    - {type: msi, offset: 0x60, fields: {message-control: 0x0000}}\n"
	    "    - {type: vendor, offset: 0xc0, fields: {length: 0x08}}\n"
	    "  extended-capabilities:\n    - {type: aer, offset: 0x100, version: 1}\n"
	    "    - {type: ats, offset: 0x160}\n"
	    "  raw:\n    - {offset: 0xf0, bytes: \"12 34\", rw: \"ff 00\"}\n"
	    "  free-ranges:\n    - {offset: 0x500, length: 0x40}\n");
	check_written("w1.yaml", 1);
	/* a removed capability replaced at the same offset */
	put(dir, "w2.yaml",
	    "vpci: 1\nname: w2\nextends: t@1\nfunction:\n  capabilities:\n"
	    "    - {type: pm, offset: 0x50, remove: true}\n"
	    "    - {type: vendor, offset: 0x50, fields: {length: 0x0c}}\n");
	check_written("w2.yaml", 1);
	/* virtual capabilities have their own list: such a file is written
	 * whole (and reads back as the same function) */
	put(dir, "w3.yaml",
	    "vpci: 1\nname: w3\nextends: t@1\nfunction:\n  virtual-capabilities:\n"
	    "    - {type: pasid, offset: 0x200}\n");
	check_written("w3.yaml", 0);
}

/* A model whose capabilities are not the type's order plus new ones at
 * the end is written whole. */
static void test_writer_whole(void **state)
{
	(void)state;
	put(dir, "o.yaml", "vpci: 1\nname: o\nextends: t@1\nfunction: {}\n");
	vpci_func *f = load_ok("o.yaml");
	/* swap msix and pm in the chain */
	struct capinst tmp = f->caps[0];
	f->caps[0] = f->caps[1];
	f->caps[1] = tmp;
	func_apply_structure(f);
	char *w = NULL;
	size_t l;
	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, &w, &l), 0);
	assert_null(strstr(w, "extends"));
	vpci_func *g;
	assert_int_equal(vpci_parse_buffer(w, l, "w", &g, NULL), 0);
	vpci_diff *df;
	assert_int_equal(vpci_diff_new(f, g, VPCI_DIFF_ABI_ONLY, NULL, &df, NULL), 0);
	assert_int_equal(vpci_diff_count(df), 0);
	vpci_diff_free(df);
	vpci_func_free(g);
	free(w);
	vpci_func_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_search_order),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_whole),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
