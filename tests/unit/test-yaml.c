/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-yaml.c - the typed YAML reading layer (src/yaml/reader.h): the
 * integer and size grammars, the text guard, positions (one convention
 * for libfyaml's syntax errors and for nodes, the same in an instance and
 * in a quirk file), documents, keys, scalars, limits and the order of
 * diagnostics.
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
#include <libfyaml.h>

#include "vpci/vpci.h"
#include "yaml/reader.h"

/* --- helpers ------------------------------------------------------------ */

/* Open @text (length @len) with the default limits; returns yr_open's status. */
static int open_text(struct yr *r, const char *text, size_t len, vpci_diag *d)
{
	struct yr_opts o = { "t.yaml", "a test file", 0, 0 };

	return yr_open(r, text, len, &o, d);
}

/* The single diagnostic of @d must be at @line:@col and contain @msg. */
static void expect_one(const vpci_diag *d, unsigned line, unsigned col, const char *msg)
{
	const struct vpci_diag_entry *e = vpci_diag_get(d, 0);

	assert_int_equal(vpci_diag_count(d), 1);
	if (!strstr(e->message, msg))
		fail_msg("'%s' does not contain '%s'", e->message, msg);
	assert_int_equal(e->line, line);
	assert_int_equal(e->column, col);
}

static int has_msg(const vpci_diag *d, const char *msg)
{
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		if (strstr(vpci_diag_get(d, i)->message, msg))
			return 1;
	return 0;
}

/* --- the integer and size grammars -------------------------------------- */

static void test_uint_grammar(void **state)
{
	static const struct { const char *s; enum yr_num rc; uint64_t v; } cases[] = {
		{ "0", YR_NUM_OK, 0 },
		{ "4096", YR_NUM_OK, 4096 },
		{ "0x1b36", YR_NUM_OK, 0x1b36 },
		{ "0X1B36", YR_NUM_OK, 0x1b36 },
		{ "0o17", YR_NUM_OK, 017 },
		{ "0b1010", YR_NUM_OK, 10 },
		{ "0xffffffffffffffff", YR_NUM_OK, UINT64_MAX },
		{ "18446744073709551615", YR_NUM_OK, UINT64_MAX },
		{ "0x10000000000000000", YR_NUM_OVERFLOW, 0 },
		{ "18446744073709551616", YR_NUM_OVERFLOW, 0 },
		{ "0b11111111111111111111111111111111111111111111111111111111111111111", YR_NUM_OVERFLOW, 0 },
		{ "010", YR_NUM_LEADING_ZERO, 0 },
		{ "00", YR_NUM_LEADING_ZERO, 0 },
		{ "", YR_NUM_SYNTAX, 0 },
		{ "0x", YR_NUM_SYNTAX, 0 },
		{ "0b", YR_NUM_SYNTAX, 0 },
		{ "0b102", YR_NUM_SYNTAX, 0 },
		{ "0o8", YR_NUM_SYNTAX, 0 },
		{ "0O17", YR_NUM_SYNTAX, 0 },
		{ "0B1", YR_NUM_SYNTAX, 0 },
		{ "-1", YR_NUM_SYNTAX, 0 },
		{ "+1", YR_NUM_SYNTAX, 0 },
		{ "1_000", YR_NUM_SYNTAX, 0 },
		{ "1 ", YR_NUM_SYNTAX, 0 },
		{ " 1", YR_NUM_SYNTAX, 0 },
		{ "0x 1", YR_NUM_SYNTAX, 0 },
		{ "12junk", YR_NUM_SYNTAX, 0 },
		{ "1.5", YR_NUM_SYNTAX, 0 },
		{ "1e3", YR_NUM_SYNTAX, 0 },
		{ "0x12g4", YR_NUM_SYNTAX, 0 },
		{ "abc", YR_NUM_SYNTAX, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		enum yr_num rc = yr_parse_uint(cases[i].s, strlen(cases[i].s), &v);
		if (rc != cases[i].rc)
			fail_msg("'%s': %d, want %d", cases[i].s, rc, cases[i].rc);
		if (rc == YR_NUM_OK)
			assert_true(v == cases[i].v);
	}
	/* the length is the text: a NUL inside is not an end */
	uint64_t v;
	assert_int_equal(yr_parse_uint("12\0junk", 7, &v), YR_NUM_SYNTAX);
	assert_int_equal(yr_parse_uint("12\0", 3, &v), YR_NUM_SYNTAX);
	assert_int_equal(yr_parse_uint("12junk", 2, &v), YR_NUM_OK);
	assert_true(v == 12);
}

static void test_size_grammar(void **state)
{
	static const struct { const char *s; enum yr_num rc; uint64_t v; } cases[] = {
		{ "16KiB", YR_NUM_OK, 16384 },
		{ "16K", YR_NUM_OK, 16384 },
		{ "256MiB", YR_NUM_OK, 256u << 20 },
		{ "4GiB", YR_NUM_OK, 4ull << 30 },
		{ "2TiB", YR_NUM_OK, 2ull << 40 },
		{ "0x4000", YR_NUM_OK, 0x4000 },
		{ "0x1B", YR_NUM_OK, 27 },       /* hex before suffix */
		{ "1B", YR_NUM_OK, 1 },
		{ "0x10KiB", YR_NUM_OK, 16384 },
		{ "16KB", YR_NUM_SYNTAX, 0 },
		{ "16 KiB", YR_NUM_SYNTAX, 0 },
		{ "16kib", YR_NUM_SYNTAX, 0 },
		{ "KiB", YR_NUM_SYNTAX, 0 },
		{ "016KiB", YR_NUM_LEADING_ZERO, 0 },
		{ "16777216TiB", YR_NUM_OVERFLOW, 0 },
		{ "99999999999999999999KiB", YR_NUM_OVERFLOW, 0 },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		enum yr_num rc = yr_parse_size(cases[i].s, strlen(cases[i].s), &v);
		if (rc != cases[i].rc)
			fail_msg("'%s': %d, want %d", cases[i].s, rc, cases[i].rc);
		if (rc == YR_NUM_OK)
			assert_true(v == cases[i].v);
	}
	/* the writer's form reads back */
	static const uint64_t sizes[] = { 1, 256, 1000, 1024, 16384, 1u << 20, 3ull << 30, 1ull << 63, UINT64_MAX };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t v = 0;
		yr_format_size(sizes[i], buf, sizeof(buf));
		assert_int_equal(yr_parse_size(buf, strlen(buf), &v), YR_NUM_OK);
		assert_true(v == sizes[i]);
	}
	yr_format_size(16384, buf, sizeof(buf));
	assert_string_equal(buf, "16KiB");
}

/* --- the text guard, directives, documents ------------------------------- */

static void test_guard(void **state)
{
	static const struct { const char *text; size_t len; unsigned line, col; const char *msg; } cases[] = {
		{ "\0a: 1\n", 6, 1, 1, "a NUL byte" },
		{ "a: 1\nb: \"x\0y\"\n", 14, 2, 6, "a NUL byte" },
		{ "a: 1\r\nb: \x01\n", 10, 2, 4, "a control character (0x01)" },
		{ "a: 1\rb: \x7f\n", 9, 2, 4, "a control character (0x7f)" },
		{ "a: \xc3\xa9\xfe\n", 7, 1, 5, "not UTF-8" },
		{ "a: \xc0\xaf\n", 6, 1, 4, "not UTF-8" },          /* overlong '/' */
		{ "a: \xed\xa0\x80\n", 7, 1, 4, "not UTF-8" },      /* surrogate */
		{ "%\xfe\n", 3, 1, 2, "not UTF-8" },               /* libfyaml #101 */
		{ "a: \xe2\x82", 5, 1, 4, "not UTF-8" },            /* cut at the end */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vpci_diag *d = vpci_diag_new();
		struct yr r;
		assert_int_equal(open_text(&r, cases[i].text, cases[i].len, d), VPCI_EDATA);
		yr_close(&r);
		expect_one(d, cases[i].line, cases[i].col, cases[i].msg);
		vpci_diag_free(d);
	}
	/* tabs, CR LF, multibyte characters are text */
	vpci_diag *d = vpci_diag_new();
	struct yr r;
	const char *ok = "a: \"\xc3\xa9\t\xe2\x82\xac\"\r\nb: 1\n";
	assert_int_equal(open_text(&r, ok, strlen(ok), d), 0);
	assert_non_null(r.root);
	yr_close(&r);
	assert_int_equal(vpci_diag_count(d), 0);
	vpci_diag_free(d);
}

static void test_size_limit(void **state)
{
	struct yr_opts o = { "t.yaml", "a test file", 16, 0 };
	vpci_diag *d = vpci_diag_new();
	struct yr r;

	(void)state;
	/* byte 16 (the first past the limit) is line 3, column 2 */
	assert_int_equal(yr_open(&r, "a: 1234\nb: 123\nc: 1\n", 20, &o, d), VPCI_EDATA);
	yr_close(&r);
	expect_one(d, 3, 2, "larger than");
	vpci_diag_clear(d);
	assert_int_equal(yr_open(&r, "a: 1234\nb: 12345", 16, &o, d), 0);
	yr_close(&r);
	assert_int_equal(vpci_diag_count(d), 0);
	vpci_diag_free(d);
}

static void test_directives_and_documents(void **state)
{
	static const struct { const char *text; unsigned line, col; const char *msg; } bad[] = {
		{ "%YAML 2.0\n---\na: 1\n", 1, 7, "YAML version '2.0'" },
		{ "# c\n%YAML 1.3\n---\na: 1\n", 2, 7, "YAML version '1.3'" },
		{ "a: 1\n---\nb: 2\n", 2, 1, "a second YAML document" },
		{ "a: 1\n...\ngarbage\n", 3, 1, "a second YAML document" },
		{ "a: 1\n---\n", 2, 1, "a second YAML document" },
		{ "a: 1\nb: 2\nc:\n  d: 1\n e: 2\n", 5, 2, "YAML: invalid indentation" },
		{ "a: 1\na: 2\n", 2, 1, "duplicate key 'a' (first at 1:1)" },
		/* a quoted scalar's position is its first character inside the quotes */
		{ "m: {x: 1, \"x\": 2}\n", 1, 12, "duplicate key 'x' (first at 1:5)" },
	};
	static const char *const good[] = {
		"%YAML 1.2\n---\na: 1\n", "%YAML 1.1\n---\na: 1\n", "a: 1\n...\n# end\n", "---\na: 1\n...\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vpci_diag *d = vpci_diag_new();
		struct yr r;
		assert_int_equal(open_text(&r, bad[i].text, strlen(bad[i].text), d), VPCI_EDATA);
		yr_close(&r);
		expect_one(d, bad[i].line, bad[i].col, bad[i].msg);
		vpci_diag_free(d);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		vpci_diag *d = vpci_diag_new();
		struct yr r;
		assert_int_equal(open_text(&r, good[i], strlen(good[i]), d), 0);
		assert_non_null(r.root);
		yr_close(&r);
		assert_int_equal(vpci_diag_count(d), 0);
		vpci_diag_free(d);
	}
	/* nothing, or comments only: no document and no error here */
	vpci_diag *d = vpci_diag_new();
	struct yr r;
	assert_int_equal(open_text(&r, "# only\n", 7, d), 0);
	assert_null(r.root);
	yr_close(&r);
	assert_int_equal(open_text(&r, "", 0, d), 0);
	assert_null(r.root);
	yr_close(&r);
	assert_int_equal(vpci_diag_count(d), 0);
	vpci_diag_free(d);
}

/*
 * One line convention: the same broken text is reported at the same
 * line and column in an instance file and in a quirk file (it was 5:1 in
 * one and 6:2 in the other), and that position is the broken key.
 */
static void test_same_position_everywhere(void **state)
{
	static const char *const broken[] = {
		"vpci: 1\nname: x\nfunction:\n  kind: endpoint\n config-size: 256\n",
		"vpci-quirks: 1\nquirks:\n  - id: a\n    why: \"x\n",
		"vpci: 1\nvpci: 2\n",
	};
	char dir[] = "/tmp/test-yaml.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		vpci_diag *di = vpci_diag_new(), *dq = vpci_diag_new();
		vpci_func *f = NULL;
		vpci_quirkdb *db = NULL;
		char path[300];
		FILE *fp;

		assert_int_equal(vpci_parse_buffer(broken[i], strlen(broken[i]), "i.yaml", &f, di), VPCI_EDATA);
		snprintf(path, sizeof(path), "%s/q.yaml", dir);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs(broken[i], fp);
		fclose(fp);
		assert_int_equal(vpci_quirkdb_load(dir, &db, dq), VPCI_EDATA);
		const struct vpci_diag_entry *a = vpci_diag_get(di, 0), *b = vpci_diag_get(dq, 0);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(a->line > 0);
		assert_int_equal(a->line, b->line);
		assert_int_equal(a->column, b->column);
		assert_string_equal(a->message, b->message);
		unlink(path);
		vpci_diag_free(di);
		vpci_diag_free(dq);
	}
	rmdir(dir);
	/* and the position is the key that breaks the indentation */
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	vpci_parse_buffer(broken[0], strlen(broken[0]), "i.yaml", &f, d);
	assert_int_equal(vpci_diag_get(d, 0)->line, 5);
	assert_int_equal(vpci_diag_get(d, 0)->column, 2);
	vpci_diag_free(d);
}

/* --- keys, scalars, positions ----------------------------------------------- */

static void test_keys(void **state)
{
	static const char *const keys[] = { "offset", "length", "size" };
	static const char *const reserved[] = { "extends" };
	const char *text = "offst: 1\nextends: x\n\"size\\0x\": 3\nlength: 2\nqqqqqqqqqq: 4\n[a]: 5\n";
	vpci_diag *d = vpci_diag_new();
	struct yr r;

	(void)state;
	assert_int_equal(open_text(&r, text, strlen(text), d), 0);
	assert_int_equal(yr_check_keys(&r, r.root, "a range", YR_KEYS_RESERVED(keys, reserved)), 5);
	assert_non_null(yr_get(&r, r.root, "length"));
	assert_null(yr_get(&r, r.root, "size")); /* "size\0x" is not "size" */
	yr_close(&r);
	assert_int_equal(vpci_diag_count(d), 5);
	/* sorted by position */
	static const struct { unsigned line, col; const char *msg; } want[] = {
		{ 1, 1, "unknown key 'offst' in a range (did you mean 'offset'?)" },
		{ 2, 1, "'extends' in a range is reserved for a later version of the format" },
		{ 3, 2, "key 'size' in a range holds a NUL character" },
		{ 5, 1, "unknown key 'qqqqqqqqqq' in a range" },
		{ 6, 2, "keys in a range must be scalars" },
	};
	for (size_t i = 0; i < 5; i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		assert_int_equal(e->line, want[i].line);
		assert_int_equal(e->column, want[i].col);
		if (strcmp(e->message, want[i].msg) && !(i == 2 && strstr(e->message, want[i].msg)))
			fail_msg("'%s', want '%s'", e->message, want[i].msg);
	}
	assert_null(strstr(vpci_diag_get(d, 3)->message, "did you mean"));
	vpci_diag_free(d);
}

static void test_scalars(void **state)
{
	static const char *const names[] = { "mem32", "mem64", "io" };
	const char *text =
		"i: 0x10\nbig: 0x100\nz: 010\nw: \"1\\0\"\nb: true\nbb: yes\ne: mem65\ne2: zzz\n"
		"id: acme-1.x_y\nbadid: \"a b\"\nlong: abcdefghijk\nempty:\nseq: [1]\nalias: &a 1\nref: *a\n"
		"s: 16KiB\nbs: 16KB\n";
	vpci_diag *d = vpci_diag_new();
	struct yr r;
	uint64_t v;
	unsigned e;
	int b;
	char buf[16];

	(void)state;
	assert_int_equal(open_text(&r, text, strlen(text), d), 0);
	assert_int_equal(yr_uint(&r, yr_get(&r, r.root, "i"), "i", 0xff, &v), 0);
	assert_true(v == 0x10);
	assert_int_equal(yr_uint(&r, yr_get(&r, r.root, "big"), "big", 0xff, &v), -1);
	assert_int_equal(yr_uint(&r, yr_get(&r, r.root, "z"), "z", 0xff, &v), -1);
	assert_int_equal(yr_uint(&r, yr_get(&r, r.root, "w"), "w", 0xff, &v), -1);
	assert_int_equal(yr_bool(&r, yr_get(&r, r.root, "b"), "b", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(yr_bool(&r, yr_get(&r, r.root, "bb"), "bb", &b), -1);
	assert_int_equal(yr_enum(&r, yr_get(&r, r.root, "e"), "type", names, 3, &e), -1);
	assert_int_equal(yr_enum(&r, yr_get(&r, r.root, "e2"), "type", names, 3, &e), -1);
	assert_int_equal(yr_ident(&r, yr_get(&r, r.root, "id"), "id", 64, buf), 0);
	assert_string_equal(buf, "acme-1.x_y");
	assert_int_equal(yr_ident(&r, yr_get(&r, r.root, "badid"), "id", 64, buf), -1);
	assert_int_equal(yr_str(&r, yr_get(&r, r.root, "long"), "long", buf, 8), -1);
	assert_int_equal(yr_str(&r, yr_get(&r, r.root, "empty"), "empty", buf, 8), -1);
	assert_int_equal(yr_str(&r, yr_get(&r, r.root, "seq"), "seq", buf, 8), -1);
	assert_int_equal(yr_uint(&r, yr_get(&r, r.root, "ref"), "ref", 9, &v), -1);
	assert_int_equal(yr_size(&r, yr_get(&r, r.root, "s"), "s", &v), 0);
	assert_true(v == 16384);
	assert_int_equal(yr_size(&r, yr_get(&r, r.root, "bs"), "bs", &v), -1);
	yr_close(&r);
	static const struct { unsigned line, col; const char *msg; } want[] = {
		{ 2, 6, "big: value 0x100 does not fit (maximum 0xff)" },
		{ 3, 4, "z: '010' has a leading zero" },
		{ 4, 5, "w holds a NUL character" },
		{ 6, 5, "bb must be true or false, not 'yes'" },
		{ 7, 4, "type: unknown value 'mem65' (did you mean 'mem64'?)" },
		{ 8, 5, "type: unknown value 'zzz'" },
		{ 10, 9, "id 'a b' must be 1-64 characters" },
		{ 11, 7, "long is longer than 7 characters" },
		{ 12, 1, "empty has no value" },           /* an empty value: its key */
		{ 13, 7, "seq must be a scalar" },
		{ 15, 7, "ref: YAML aliases (*name) are not supported" },
		{ 17, 5, "bs must be a number of bytes" },
	};
	assert_int_equal(vpci_diag_count(d), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct vpci_diag_entry *en = vpci_diag_get(d, i);
		if (!strstr(en->message, want[i].msg) || en->line != want[i].line || en->column != want[i].col)
			fail_msg("%u:%u '%s', want %u:%u '%s'", en->line, en->column, en->message, want[i].line,
				 want[i].col, want[i].msg);
	}
	assert_null(strstr(vpci_diag_get(d, 5)->message, "did you mean"));
	vpci_diag_free(d);
}

/* Single-quoted scalars are decoded by the reader (libfyaml 0.7.12 leaks
 * formatting some): fixed cases, including a long run of escaped quotes
 * (under ASan a leak fails this test), then libfyaml as the oracle on
 * generated texts it formats without leaking. */
static void test_single_quoted(void **state)
{
	static const struct { const char *src, *want; } cases[] = {
		{ "", "" },
		{ "it''s", "it's" },
		{ "''''''''''''''''''''''''''''''''''''''''", "''''''''''''''''''''" },
		{ " lead and trail ", " lead and trail " },
		{ " 1st non-empty\n\n 2nd non-empty \n\t3rd non-empty ", " 1st non-empty\n2nd non-empty 3rd non-empty " },
		{ "a\nb", "a b" },
		{ "a  \n   b", "a b" },
		{ "a\n\n\nb", "a\n\nb" },
		{ "a\r\nb\rc", "a b c" },
		{ "a\n", "a " },
		{ "a\n  \n", "a\n" },
		{ "\n", " " },
		{ "\n  ''''\n\nab", " ''\nab" },
		{ "  \nb", " b" },
		{ "a\r\n  ", "a " },
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = yr_fold_single(cases[i].src, strlen(cases[i].src), out);
		out[n] = '\0';
		if (strcmp(out, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, out, cases[i].want);
	}

	/* through the reader: key and value */
	const char *text = "'k''ey': 'x''''''''''''''''''''''''''''''''''''''''y'\n";
	vpci_diag *d = vpci_diag_new();
	struct yr r;
	size_t len;
	assert_int_equal(open_text(&r, text, strlen(text), d), 0);
	const char *v = yr_scalar(&r, yr_get(&r, r.root, "k'ey"), "v", &len);
	assert_non_null(v);
	assert_int_equal(len, 22);
	assert_memory_equal(v, "x''''''''''''''''''''y", 22);
	yr_close(&r);
	vpci_diag_free(d);

	/* libfyaml as the oracle where it is right: 0.7.12 turns two escaped
	 * quotes in a row into three ('a''''b' gives "a'''"), so the texts
	 * have no such run (the fixed cases above have) */
	static const char *const atoms[] = { "a", "b", " ", "\t", "\n", "\r\n", "''", "  ", "#", ":" };
	unsigned seed = 20261203, agreed = 0;
	char src[64], doc[72];
	for (int t = 0; t < 3000; t++) {
		size_t n = 0;
		int run = 0;
		while (n < 40) {
			seed = seed * 1103515245u + 12345u;
			const char *a = atoms[(seed >> 16) % 10];
			if (!strcmp(a, "''") && ++run > 1)
				continue;
			if (strcmp(a, "''"))
				run = 0;
			memcpy(src + n, a, strlen(a));
			n += strlen(a);
			if ((seed >> 8) % 9 == 0)
				break;
		}
		/* libfyaml 0.7.12 is wrong on escapes in a multi-line scalar
		 * ("\n  ''''\n\nab" between quotes gives " '''\na", the spec " ''\nab",
		 * a fixed case above): the oracle sees single-line ones only */
		if (memchr(src, '\n', n) && memmem(src, n, "''", 2))
			continue;
		/* ... and on a final CRLF: "a\r\n" gives "a\n" where "a\n" gives "a " */
		size_t tail = n;
		while (tail && (src[tail - 1] == ' ' || src[tail - 1] == '\t'))
			tail--;
		if (tail >= 2 && src[tail - 2] == '\r' && src[tail - 1] == '\n')
			continue;
		int dn = snprintf(doc, sizeof(doc), "'%.*s'", (int)n, src);
		struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 };
		struct fy_document *fd = fy_document_build_from_string(&cfg, doc, (size_t)dn);
		if (!fd)
			continue;
		size_t flen = 0;
		const char *ft = fy_node_get_scalar(fy_document_root(fd), &flen);
		size_t on = yr_fold_single(src, n, out);
		if (!ft || on != flen || memcmp(out, ft, on))
			fail_msg("'%.*s': reader '%.*s', libfyaml '%.*s'", (int)n, src, (int)on, out, (int)flen,
				 ft ? ft : "");
		agreed++;
		fy_document_destroy(fd);
	}
	print_message("single-quoted: %u texts agree with libfyaml\n", agreed);
	assert_true(agreed > 1000);
}

/* A plain scalar on one line is read from the source text (libfyaml would
 * format a copy); its text must be libfyaml's.  Generated one-line and
 * multi-line plain values, with blanks and comments after them, against
 * libfyaml's text of the same document. */
static void test_plain_scalars(void **state)
{
	static const char *const atoms[] = { "a", "0x1f", "-", ".", " ", "  ", "\t", "a#b", "x:y", "16KiB", "\xc3\xa9" };
	static const char *const tails[] = { "", "  ", "\t", " # note", "\n", "\r\n", "\n  more words\n",
					     "\n\n  after a blank line\n" };
	unsigned seed = 16, direct = 0, folded = 0;
	char val[96], doc[160];

	(void)state;
	for (int t = 0; t < 3000; t++) {
		size_t n = 0;
		val[n++] = 'v'; /* a plain scalar starts with neither a blank nor an indicator */
		while (n < 60) {
			seed = seed * 1103515245u + 12345u;
			const char *a = atoms[(seed >> 16) % (sizeof(atoms) / sizeof(atoms[0]))];
			memcpy(val + n, a, strlen(a));
			n += strlen(a);
			if ((seed >> 8) % 7 == 0)
				break;
		}
		seed = seed * 1103515245u + 12345u;
		int dn = snprintf(doc, sizeof(doc), "k: %.*s%s", (int)n, val,
				  tails[(seed >> 16) % (sizeof(tails) / sizeof(tails[0]))]);
		struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 };
		struct fy_document *fd = fy_document_build_from_string(&cfg, doc, (size_t)dn);
		if (!fd)
			continue;
		size_t flen = 0;
		const char *ft = fy_node_get_scalar(fy_node_mapping_lookup_by_string(fy_document_root(fd), "k", 1), &flen);
		vpci_diag *d = vpci_diag_new();
		struct yr r;
		size_t len = 0;
		assert_int_equal(open_text(&r, doc, (size_t)dn, d), 0);
		const char *v = yr_scalar(&r, yr_get(&r, r.root, "k"), "k", &len);
		if (!v || !ft || len != flen || memcmp(v, ft, len))
			fail_msg("'%s': reader '%.*s', libfyaml '%.*s'", doc, (int)len, v ? v : "", (int)flen, ft ? ft : "");
		if (v >= doc && v < doc + dn)
			direct++;
		else
			folded++;
		yr_close(&r);
		vpci_diag_free(d);
		fy_document_destroy(fd);
	}
	print_message("plain: %u read from the source, %u from libfyaml, all agree\n", direct, folded);
	assert_true(direct > 1000);
	assert_true(folded > 300);
}

/* Flow text for display: plain scalars as written, others re-quoted. */
static void test_flow_text(void **state)
{
	const char *text = "m: {a: 'x''y', b: [1, \"q\\\"\\n\"], c: plain, d: ''}\n";
	vpci_diag *d = vpci_diag_new();
	struct yr r;

	(void)state;
	assert_int_equal(open_text(&r, text, strlen(text), d), 0);
	char *s = yr_flow_text(yr_get(&r, r.root, "m"));
	assert_non_null(s);
	assert_string_equal(s, "{a: \"x'y\", b: [1, \"q\\\"\\n\"], c: plain, d: \"\"}");
	free(s);
	s = yr_flow_text(NULL);
	assert_string_equal(s, "{}");
	free(s);
	yr_close(&r);
	vpci_diag_free(d);
}

static void test_empty_collection_position(void **state)
{
	const char *text = "r:\n  offset: []\n  length: 8\n";
	vpci_diag *d = vpci_diag_new();
	struct yr r;

	(void)state;
	assert_int_equal(open_text(&r, text, strlen(text), d), 0);
	struct fy_node *m = yr_get(&r, r.root, "r"), *off = yr_get(&r, m, "offset");
	yr_get(&r, m, "length"); /* a later lookup must not move the position */
	yr_err(&r, off, "'offset' lists no value");
	yr_close(&r);
	expect_one(d, 2, 3, "lists no value");
	vpci_diag_free(d);
}

static void test_error_limit(void **state)
{
	struct yr_opts o = { "t.yaml", "a test file", 0, 5 };
	vpci_diag *d = vpci_diag_new();
	struct yr r;

	(void)state;
	assert_int_equal(yr_open(&r, "a: 1\n", 5, &o, d), 0);
	for (int i = 0; i < 1000; i++)
		yr_err(&r, r.root, "error %d", i);
	assert_true(yr_stopped(&r));
	assert_int_equal(r.errors, 1000);
	yr_close(&r);
	assert_int_equal(vpci_diag_count(d), 6);
	assert_non_null(strstr(vpci_diag_get(d, 5)->message, "too many errors (more than 5)"));
	vpci_diag_free(d);
}

static void test_closest(void **state)
{
	static const char *const c[] = { "vendor-id", "device-id", NULL, "command" };

	(void)state;
	assert_string_equal(yr_closest("vendr-id", c, 4), "vendor-id");
	assert_string_equal(yr_closest("DEVICE-ID", c, 4), "device-id");
	assert_string_equal(yr_closest("comand", c, 4), "command");
	assert_null(yr_closest("status", c, 4));
	assert_null(yr_closest("", c, 4));
}

/* Diagnostics of a file come out in the order of the file, whatever
 * order the reader found them in (fields are read in two passes, plane
 * overrides after the defaults, validation last). */
static void test_diagnostics_in_line_order(void **state)
{
	const char *text =
		"vpci: 1\n"
		"name: x\n"
		"function:\n"
		"  header:\n"
		"    command: {value: 0, access: RQ}\n"
		"    interrupt-pin: 0x09\n"
		"  capabilities:\n"
		"    - type: msi\n"
		"      offset: 0x40\n"
		"      fields: {message-upper-address: 1, message-control: 0x0000, bogus: 1}\n"
		"  raw:\n"
		"    - {offset: 0x80, bytes: \"zz\"}\n";
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;

	(void)state;
	assert_int_equal(vpci_parse_buffer(text, strlen(text), "o.yaml", &f, d), VPCI_EDATA);
	assert_true(vpci_diag_count(d) >= 3);
	for (size_t i = 1; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *a = vpci_diag_get(d, i - 1), *b = vpci_diag_get(d, i);
		if (!b->line)
			continue;
		assert_true(a->line);
		assert_true(a->line < b->line || (a->line == b->line && a->column <= b->column));
	}
	assert_true(has_msg(d, "access: unknown value 'RQ' (did you mean 'RO'?)"));
	assert_true(has_msg(d, "unknown key 'bogus' in msi fields"));
	vpci_diag_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_grammar),
		cmocka_unit_test(test_size_grammar),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_directives_and_documents),
		cmocka_unit_test(test_same_position_everywhere),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_single_quoted),
		cmocka_unit_test(test_plain_scalars),
		cmocka_unit_test(test_flow_text),
		cmocka_unit_test(test_empty_collection_position),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_diagnostics_in_line_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
