/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-parse.c - libFuzzer target for the instance reader
 *
 * Every input is parsed twice, with and without vpci_validate().  Whatever
 * parses is then written, rendered (bin, lspci, text and JSON views), and
 * the written text is parsed again.  Besides memory and UB errors (ASan,
 * UBSan) the target aborts when one of these properties breaks:
 *
 *   - an input that parses with validation also parses without it;
 *   - the canonical text of a parsed function parses again (same flags);
 *   - the re-parsed function renders to the same bytes;
 *   - the writer is a fixed point: write(parse(write(f))) == write(f).
 *
 * Run: build with clang (fuzz/meson.build does), then
 *   build-clang/fuzz/fuzz-parse -max_total_time=60 CORPUS_DIR fuzz/corpus
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpci/vpci.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text, size_t len)
{
	fprintf(stderr, "fuzz-parse: %s\n--- text ---\n%.*s\n--- end ---\n",
		what, (int)(len > 65536 ? 65536 : len), text ? text : "");
	abort();
}

/* Format every diagnostic, so the formatter runs on odd positions too. */
static void touch_diags(const vpci_diag *d)
{
	char buf[256];
	size_t n = vpci_diag_count(d);

	for (size_t i = 0; i < n; i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		if (!e)
			fail("vpci_diag_get() returned NULL inside the count", NULL, 0);
		int need = vpci_diag_format(e, buf, sizeof(buf));
		if (need < 0 || strlen(buf) >= sizeof(buf))
			fail("vpci_diag_format() misbehaved", buf, strlen(buf));
	}
	if (vpci_diag_get(d, n))
		fail("vpci_diag_get() past the end returned an entry", NULL, 0);
}

/* Everything one can do with a parsed function, then the round trip. */
static void exercise(vpci_func *f, unsigned pflags)
{
	static uint8_t bin[VPCI_CFG_SIZE], bin2[VPCI_CFG_SIZE];
	char *text = NULL, *text2 = NULL, *s = NULL;
	size_t len = 0, len2 = 0;
	vpci_func *g = NULL;
	int n, n2;

	n = vpci_render_bin(f, bin, sizeof(bin));
	if (n <= 0 || (unsigned)n != vpci_func_config_size(f))
		fail("vpci_render_bin() size differs from vpci_func_config_size()", NULL, 0);
	if (vpci_render_lspci(f, NULL, &s) == 0)
		free(s);
	s = NULL;
	if (vpci_show(f, 0, &s) == 0)
		free(s);
	s = NULL;
	if (vpci_show(f, VPCI_SHOW_ACCESS, &s) == 0)
		free(s);
	s = NULL;
	if (vpci_show(f, VPCI_SHOW_JSON, &s) == 0)
		free(s);
	for (unsigned i = 0, c = vpci_func_cap_count(f); i < c; i++) {
		struct vpci_cap_info ci;
		if (vpci_func_cap(f, i, &ci) || !ci.key || !ci.name)
			fail("vpci_func_cap() failed inside the count", NULL, 0);
	}

	if (vpci_write(f, 0, &text, &len))
		return; /* out of memory */
	if (strlen(text) != len)
		fail("vpci_write() length differs from the text", text, len);

	vpci_diag *d = vpci_diag_new();
	if (!d) {
		free(text);
		return;
	}
	int st = vpci_parse_buffer_flags(text, len, "written", pflags, &g, d);
	if (st) {
		char buf[512] = "";
		const struct vpci_diag_entry *e = vpci_diag_get(d, 0);
		if (e)
			vpci_diag_format(e, buf, sizeof(buf));
		fprintf(stderr, "fuzz-parse: re-parse failed (%s): %s\n", vpci_strerror(st), buf);
		fail("the canonical text of a parsed function does not parse", text, len);
	}
	vpci_diag_free(d);

	n2 = vpci_render_bin(g, bin2, sizeof(bin2));
	if (n2 != n || memcmp(bin, bin2, (size_t)n))
		fail("the re-parsed function renders to different bytes", text, len);
	if (vpci_write(g, 0, &text2, &len2) == 0) {
		if (len2 != len || memcmp(text, text2, len))
			fail("the writer is not a fixed point (second text follows)", text2, len2);
		free(text2);
	}
	vpci_func_free(g);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	vpci_func *f = NULL, *fr = NULL;
	vpci_diag *d = vpci_diag_new();
	if (!d)
		return 0;

	int st = vpci_parse_buffer(text, size, "fuzz", &f, d);
	touch_diags(d);
	vpci_diag_clear(d);
	if (vpci_diag_count(d))
		fail("vpci_diag_clear() left entries", NULL, 0);
	int str = vpci_parse_buffer_flags(text, size, "fuzz", VPCI_PARSE_NO_VALIDATE, &fr, d);
	touch_diags(d);
	vpci_diag_free(d);

	if ((st == 0) != (f != NULL) || (str == 0) != (fr != NULL))
		fail("parse status and result disagree", text, size);
	if (st == 0 && str != 0)
		fail("valid input fails to parse without validation", text, size);

	if (f) {
		exercise(f, 0);
		vpci_func_free(f);
	}
	if (fr) {
		exercise(fr, VPCI_PARSE_NO_VALIDATE);
		vpci_func_free(fr);
	}
	return 0;
}
