/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-text.c - the instance reader and the canonical writer as a hostile
 * file meets them: the text the reader accepts is the text the file says
 * (NUL bytes, keys and names cut at a NUL, trailing junk, more than one
 * document), the writer cannot be made to write another function (every
 * string quoted), input limits refused with a position, and the
 * structural rules the model owns (Status.CapList, enum names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/func.h"
#include "vpci/vpci.h"
#include "yaml/reader.h"

static const char base[] =
	"vpci: 1\n"
	"name: t\n"
	"function:\n"
	"  header: {vendor-id: 0x1b36, device-id: 0x0010}\n";

/* Parse @text; the status, and *@d keeps the diagnostics. */
static int parse(const char *text, size_t len, vpci_func **f, vpci_diag *d)
{
	vpci_diag_clear(d);
	return vpci_parse_buffer(text, len, "t.yaml", f, d);
}

static const struct vpci_diag_entry *first_error(const vpci_diag *d)
{
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		if (vpci_diag_get(d, i)->severity == VPCI_SEV_ERROR)
			return vpci_diag_get(d, i);
	fail_msg("no error");
	return NULL;
}

static void expect_error(const char *text, size_t len, unsigned line, unsigned col, const char *msg)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;

	assert_int_equal(parse(text, len, &f, d), VPCI_EDATA);
	assert_null(f);
	const struct vpci_diag_entry *e = first_error(d);
	if (!strstr(e->message, msg) || e->line != line || e->column != col)
		fail_msg("%u:%u '%s', want %u:%u '%s'", e->line, e->column, e->message, line, col, msg);
	vpci_diag_free(d);
}

/* --- what the reader accepts ---------------------------------------------- */

static void test_nul_and_junk(void **state)
{
	static const char nul_start[] = "\0vpci: 1\n";
	static const char nul_mid[] = "vpci: 1\nname: t\0x\nfunction: {}\n";
	static const char nul_key[] =
		"vpci: 1\nname: t\nfunction:\n  header: {\"vendor-id\\0x\": 0x1234, vendor-id: 0x1b36}\n";
	static const char nul_name[] = "vpci: 1\nname: \"t\\0evil\"\nfunction: {}\n";
	static const char nul_int[] = "vpci: 1\nname: t\nfunction:\n  header: {device-id: \"0x10\\0ff\"}\n";
	static const char junk_int[] = "vpci: 1\nname: t\nfunction:\n  header: {device-id: 0x10zz}\n";
	static const char junk_name[] = "vpci: 1\nname: \"t\\nfunction: {}\"\nfunction: {}\n";

	(void)state;
	/* a NUL is an error at its position, not the end of the input */
	expect_error(nul_start, sizeof(nul_start) - 1, 1, 1, "a NUL byte");
	expect_error(nul_mid, sizeof(nul_mid) - 1, 2, 8, "a NUL byte");
	/* a key is not cut at a NUL before matching */
	expect_error(nul_key, sizeof(nul_key) - 1, 4, 13, "key 'vendor-id' in header fields holds a NUL");
	expect_error(nul_name, sizeof(nul_name) - 1, 2, 8, "name holds a NUL character");
	expect_error(nul_int, sizeof(nul_int) - 1, 4, 24, "field 'device-id' holds a NUL character");
	expect_error(junk_int, sizeof(junk_int) - 1, 4, 23, "must be an integer");
	expect_error(junk_name, sizeof(junk_name) - 1, 2, 8, "name 't?function: {}' must be 1-64"); /* one line */
}

static void test_one_document(void **state)
{
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "%s---\nvpci: 1\n", base);
	expect_error(text, strlen(text), 5, 1, "a second YAML document");
	snprintf(text, sizeof(text), "%s...\nfunction: {kind: bridge}\n", base);
	expect_error(text, strlen(text), 6, 1, "a second YAML document");
	snprintf(text, sizeof(text), "%%YAML 2.0\n---\n%s", base);
	expect_error(text, strlen(text), 1, 7, "YAML version '2.0' is not supported");
	/* a document end with only comments after it is fine */
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	snprintf(text, sizeof(text), "%s...\n# the end\n", base);
	assert_int_equal(parse(text, strlen(text), &f, d), 0);
	vpci_func_free(f);
	vpci_diag_free(d);
}

static void test_reserved_keys(void **state)
{
	char text[512];

	(void)state;
	/* extends: is no longer reserved (format §21); a text that is not a
	 * file has no directory to find its type in */
	snprintf(text, sizeof(text), "extends: nvme-basic@2\n%s", base);
	expect_error(text, strlen(text), 1, 10, "extends nvme-basic@2: no nvme-basic@2.yaml (this text is not a file, and no types path is given)");
	snprintf(text, sizeof(text), "%s  vf-template: {}\n", base);
	expect_error(text, strlen(text), 5, 3, "vf-template must be a scalar"); /* a file name (§4); no longer reserved */
	/* policy: was reserved; v1 reads it now (docs/format.md §8) */
	vpci_func *f = NULL;
	snprintf(text, sizeof(text),
		 "vpci: 1\nname: t\nfunction:\n  header: {command: {value: 0x0000, policy: pf-shared}}\n");
	assert_int_equal(parse(text, strlen(text), &f, NULL), 0);
	vpci_func_free(f);
	snprintf(text, sizeof(text),
		 "vpci: 1\nname: t\nfunction:\n  header: {command: {value: 0x0000, policy: pf-owned}}\n");
	expect_error(text, strlen(text), 4, 45, "policy: unknown value 'pf-owned'");
}

/* A list longer than the format allows is refused at its first item too
 * many, and not read further. */
static void test_list_limits(void **state)
{
	/* items at distinct offsets: within the limit, each is good */
	static const struct { const char *list, *item; unsigned base, n; const char *msg; } lists[] = {
		{ "capabilities", "{id: 0x77, offset: %#x}", 0x40, 49, "more than 48 capabilities" },
		{ "extended-capabilities", "{id: 0x7777, offset: %#x}", 0x100, 961, "more than 960 extended capabilities" },
		{ "raw", "{offset: %#x, bytes: \"00\"}", 0x40, 1025, "more than 1024 raw regions" },
		{ "free-ranges", "{offset: %#x, length: 4}", 0x40, 1025, "more than 1024 free ranges" },
		{ "bars", "{index: 0, type: mem32, address: %#x}", 0, 7, "more than 6 BARs" },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		struct strbuf sb;
		vpci_diag *d = vpci_diag_new();
		vpci_func *f = NULL;
		sb_init(&sb);
		sb_printf(&sb, "vpci: 1\nname: t\nfunction:\n  %s:\n", lists[k].list);
		for (unsigned i = 0; i < lists[k].n; i++) {
			sb_puts(&sb, "    - ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			sb_printf(&sb, lists[k].item, lists[k].base + 4 * (i % ((VPCI_CFG_SIZE - lists[k].base) / 4)));
#pragma GCC diagnostic pop
			sb_putc(&sb, '\n');
		}
		char *text = sb_finish(&sb, NULL);
		assert_non_null(text);
		assert_int_equal(parse(text, strlen(text), &f, d), VPCI_EDATA);
		int found = 0;
		for (size_t i = 0; i < vpci_diag_count(d); i++) {
			const struct vpci_diag_entry *e = vpci_diag_get(d, i);
			if (strstr(e->message, lists[k].msg)) {
				assert_int_equal(e->line, 4 + lists[k].n); /* the first item too many */
				found = 1;
			}
		}
		if (!found)
			fail_msg("%s: no '%s'", lists[k].list, lists[k].msg);
		/* bounded output: never one diagnostic per pair of items */
		assert_true(vpci_diag_count(d) <= 2u * lists[k].n + 10);
		free(text);
		vpci_diag_free(d);
	}
}

/* A file over the size limit is refused with the position of its first
 * byte too many (it was ENOMEM and no message over 64 MiB). */
static void test_file_limit(void **state)
{
	char path[] = "/tmp/test-text.XXXXXX";
	int fd = mkstemp(path);
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	FILE *fp;

	(void)state;
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(base, fp);
	/* 100-byte comment lines up to twice the limit */
	for (size_t n = sizeof(base) - 1; n < 2 * YR_MAX_BYTES; n += 100)
		fprintf(fp, "#%098d\n", 0);
	fclose(fp);
	assert_int_equal(vpci_parse_file(path, &f, d), VPCI_EDATA);
	assert_null(f);
	const struct vpci_diag_entry *e = first_error(d);
	assert_non_null(strstr(e->message, "larger than 1024 KiB, the limit for an instance file"));
	/* byte 1 MiB: after the 4-line base (76 bytes), in 100-byte lines */
	size_t at = YR_MAX_BYTES - (sizeof(base) - 1);
	assert_int_equal(e->line, 5 + at / 100);
	assert_int_equal(e->column, 1 + at % 100);
	assert_string_equal(e->file, path);
	unlink(path);
	vpci_diag_free(d);
}

/* --- the canonical writer ----------------------------------------------------- */

/* Write @f, parse the text back (it must parse) and return the result. */
static vpci_func *round_trip(const vpci_func *f, char **text)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *g = NULL;
	size_t len;

	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, text, &len), 0);
	if (vpci_parse_buffer_flags(*text, len, "w.yaml", VPCI_PARSE_NO_VALIDATE, &g, d)) {
		char buf[512];
		vpci_diag_format(vpci_diag_get(d, 0), buf, sizeof(buf));
		fail_msg("the written text does not parse: %s\n%s", buf, *text);
	}
	vpci_diag_free(d);
	return g;
}

/* A crafted string (an origin from derive, a sysfs driver link name, a
 * description from the API) cannot change the structure of the file:
 * every string is quoted, and reads back as itself. */
static void test_writer_quotes_every_string(void **state)
{
	static const char *const evil[] = {
		"[a]\nfunction:\n  kind: bridge",
		"[]",
		"{kind: bridge}",
		"x\" # \"\nname: other",
		"- a",
		"-",
		"",
		"true",
		"0x10",
		"~",
		"a\\b\t\x01\x7f",
		"line\xc2\x85next\xe2\x80\xa8sep\xe2\x80\xa9para",
		"&anchor *alias !tag %d @at `tick` |",
		"caf\xc3\xa9",
	};
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;

	char *text = NULL;
	vpci_func *g;

	(void)state;
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		assert_int_equal(parse(base, sizeof(base) - 1, &f, d), 0);
		/* as derive records them: one value per origin key */
		assert_int_equal(func_add_origin(f, "driver", evil[i]), 0);
		assert_int_equal(func_add_origin(f, "note", evil[(i + 1) % (sizeof(evil) / sizeof(evil[0]))]), 0);
		assert_int_equal(vpci_func_set_description(f, evil[i]), 0);
		g = round_trip(f, &text);
		assert_int_equal(vpci_func_kind(g), VPCI_KIND_ENDPOINT);
		assert_string_equal(vpci_func_description(g), vpci_func_description(f));
		assert_string_equal(vpci_func_name(g), "t");
		assert_int_equal(g->norigin, f->norigin);
		for (unsigned k = 0; k < f->norigin; k++) {
			assert_string_equal(g->origin[k].key, f->origin[k].key);
			assert_string_equal(g->origin[k].value, f->origin[k].value);
		}
		/* the line breaks of YAML 1.1 are escaped, never raw */
		assert_null(strstr(text, "\xe2\x80\xa8"));
		assert_null(strstr(text, "\xc2\x85"));
		free(text);
		vpci_func_free(g);
		vpci_func_free(f);
	}

	/* a string that is not UTF-8 (from sysfs or the API) is escaped: the
	 * file stays text the reader accepts */
	assert_int_equal(parse(base, sizeof(base) - 1, &f, d), 0);
	assert_int_equal(func_add_origin(f, "driver", "bad\xfe\xff"), 0);
	g = round_trip(f, &text);
	assert_non_null(strstr(text, "bad\\xfe\\xff"));
	free(text);
	vpci_func_free(g);

	/* a name that is not an identifier (set through the API) is never
	 * written: the writer reads its own text back and refuses */
	assert_int_equal(vpci_func_set_name(f, "x\nfunction: {kind: bridge}"), 0);
	size_t len;
	text = NULL;
	assert_int_equal(vpci_write(f, 0, &text, &len), VPCI_EINVAL);
	assert_null(text);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* --- structure the model owns ------------------------------------------------- */

static void test_caplist_rule(void **state)
{
	vpci_func *f = vpci_func_new();

	(void)state;
	assert_non_null(f);
	f->val[CFG_STATUS] = 0xff;
	func_sync_caplist(f);
	assert_int_equal(f->val[CFG_STATUS], 0xff & ~CFG_STATUS_CAP_LIST);
	struct capinst *c = func_add_cap(f, 0);
	assert_non_null(c);
	c->id = CAPID_PM;
	c->off = 0x40;
	func_sync_caplist(f);
	assert_int_equal(f->val[CFG_STATUS], 0xff);
	/* the reader sets it when the file leaves status out */
	vpci_func_free(f);
	f = NULL;
	vpci_diag *d = vpci_diag_new();
	const char *text = "vpci: 1\nname: t\nfunction:\n  capabilities: [{type: pm, offset: 0x40}]\n";
	assert_int_equal(parse(text, strlen(text), &f, d), 0);
	assert_true(vpci_func_read(f, CFG_STATUS, 2) & CFG_STATUS_CAP_LIST);
	vpci_func_free(f);
	vpci_diag_free(d);
}

static void test_declared_length(void **state)
{
	vpci_func *f = vpci_func_new();
	unsigned len = 99, min = 99;

	(void)state;
	struct capinst *c = func_add_cap(f, 1);
	c->id = ECAPID_VSEC;
	c->off = 0xffc; /* its length field would be past the array */
	c->desc = captab_find(CK_EXT, ECAPID_VSEC);
	assert_int_equal(func_declared_len(f, c, &len, &min), 1);
	assert_int_equal(len, 0);
	assert_int_equal(min, 8);
	c->off = 0x100;
	le_put64(f->val + 0x104, 4, 0x0180000bu); /* length 0x18 */
	assert_int_equal(func_declared_len(f, c, &len, &min), 1);
	assert_int_equal(len, 0x18);
	c->desc = captab_find(CK_EXT, ECAPID_DVSEC);
	assert_int_equal(func_declared_len(f, c, &len, &min), 1);
	assert_int_equal(min, 10);
	c->desc = captab_find(CK_EXT, ECAPID_AER);
	assert_int_equal(func_declared_len(f, c, &len, &min), 0);
	vpci_func_free(f);
}

static void test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(vpci_bar_type_name(VPCI_BAR_MEM1M), "mem1m");
	assert_string_equal(vpci_bar_type_name(VPCI_BAR_MEM64_HI), "mem64-hi");
	assert_string_equal(vpci_bar_type_name((enum vpci_bar_type)99), "?");
	assert_string_equal(vpci_kind_name(VPCI_KIND_CARDBUS), "cardbus");
	assert_string_equal(vpci_access_name(VPCI_ACC_RW1CS), "RW1CS");
	assert_string_equal(vpci_access_name(model_sticky_access(VPCI_ACC_RW)), "RWS");
	assert_string_equal(vpci_access_name(model_plane_access(VPCI_PL_RSVDZ)), "RsvdZ");
	/* every BAR type a file may give reads back as itself */
	for (unsigned t = VPCI_BAR_IO; t < MODEL_BAR_FORMAT_TYPES; t++) {
		char text[256];
		vpci_diag *d = vpci_diag_new();
		vpci_func *f = NULL;
		snprintf(text, sizeof(text), "vpci: 1\nname: t\nfunction:\n  bars: [{index: 0, type: %s, size: 16}]\n",
			 vpci_bar_type_name((enum vpci_bar_type)t));
		assert_int_equal(vpci_parse_buffer_flags(text, strlen(text), "t", VPCI_PARSE_NO_VALIDATE, &f, d), 0);
		struct vpci_bar_info bi;
		assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
		assert_int_equal(bi.type, t);
		vpci_func_free(f);
		vpci_diag_free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nul_and_junk),
		cmocka_unit_test(test_one_document),
		cmocka_unit_test(test_reserved_keys),
		cmocka_unit_test(test_list_limits),
		cmocka_unit_test(test_file_limit),
		cmocka_unit_test(test_writer_quotes_every_string),
		cmocka_unit_test(test_caplist_rule),
		cmocka_unit_test(test_declared_length),
		cmocka_unit_test(test_enum_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
