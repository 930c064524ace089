/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-roundtrip.c - libFuzzer target: the canonical writer cannot be made
 * to describe another function
 *
 * For every input x that parses (with or without validation), the
 * canonical text w = write(parse(x)) must parse again, with the same
 * flags, into the same model:
 *
 *     parse(write(parse(x))) == parse(x)
 *
 * where "the same model" is compared on everything the model holds: the
 * rendered bytes, all seven attribute planes over the whole 4 KiB, every
 * BAR and the ROM (kind, prefetchable, size, address, enable), every
 * capability (ID, list, version, offset, length), the header kind, the
 * config size, the name, the description, and the canonical text itself
 * (origins and free ranges are in it).  A crafted string (an origin that
 * starts with '[', a name with a newline, a description with a quote)
 * that changed the structure of the written file would fail here.
 *
 * Run: build with clang (fuzz/meson.build does), then
 *   build-clang/fuzz/fuzz-roundtrip -max_total_time=60 -dict=fuzz/vpci.dict \
 *       CORPUS_DIR fuzz/corpus-roundtrip examples
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpci/vpci.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
	fprintf(stderr, "fuzz-roundtrip: %s\n--- first ---\n%.*s\n--- second ---\n%.*s\n--- end ---\n", what,
		(int)(alen > 65536 ? 65536 : alen), a ? a : "", (int)(blen > 65536 ? 65536 : blen), b ? b : "");
	abort();
}

/* The first difference between two models, or NULL.  Bytes and planes
 * are compared over @span bytes: the whole 4 KiB for a valid function
 * (nothing lies past its config size), the config size for one read
 * without validation (the format cannot say anything past it, and the
 * reader refuses raw bytes there). */
static const char *model_diff(const vpci_func *f, const vpci_func *g, unsigned span)
{
	static uint8_t bf[VPCI_CFG_SIZE], bg[VPCI_CFG_SIZE];

	if (vpci_func_kind(f) != vpci_func_kind(g))
		return "kind";
	if (vpci_func_config_size(f) != vpci_func_config_size(g))
		return "config size";
	if (strcmp(vpci_func_name(f), vpci_func_name(g)))
		return "name";
	if (strcmp(vpci_func_description(f), vpci_func_description(g)))
		return "description";
	int nf = vpci_render_bin(f, bf, sizeof(bf)), ng = vpci_render_bin(g, bg, sizeof(bg));
	if (nf != ng || nf < 0 || memcmp(bf, bg, (size_t)nf))
		return "rendered bytes";
	if (memcmp(vpci_func_bytes(f), vpci_func_bytes(g), span))
		return "bytes beyond the config size";
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		if (memcmp(vpci_func_plane(f, (enum vpci_plane)p), vpci_func_plane(g, (enum vpci_plane)p), span))
			return "an attribute plane";
	for (unsigned i = 0; i <= 6; i++) {
		struct vpci_bar_info a, b;
		int ra = vpci_func_bar(f, i, &a), rb = vpci_func_bar(g, i, &b);
		if (ra != rb)
			return "a BAR's presence";
		if (!ra && (a.type != b.type || a.prefetchable != b.prefetchable || a.size != b.size ||
			    a.size_known != b.size_known || a.address != b.address || a.enabled != b.enabled))
			return "a BAR";
	}
	if (vpci_func_cap_count(f) != vpci_func_cap_count(g))
		return "the number of capabilities";
	for (unsigned i = 0; i < vpci_func_cap_count(f); i++) {
		struct vpci_cap_info a, b;
		if (vpci_func_cap(f, i, &a) || vpci_func_cap(g, i, &b))
			return "a capability's presence";
		/* a length that depends on bytes past the span is not the file's */
		int len_known = a.offset + (a.length ? a.length : 4u) <= span;
		if (a.id != b.id || a.extended != b.extended || a.version != b.version || a.offset != b.offset ||
		    (len_known && a.length != b.length) || strcmp(a.key, b.key))
			return "a capability";
	}
	return NULL;
}

static void round_trip(vpci_func *f, unsigned pflags)
{
	char *w = NULL, *w2 = NULL;
	size_t wl = 0, wl2 = 0;
	vpci_func *g = NULL;

	if (vpci_write(f, 0, &w, &wl))
		return; /* out of memory, or a model the writer refuses */
	vpci_diag *d = vpci_diag_new();
	if (!d) {
		free(w);
		return;
	}
	int st = vpci_parse_buffer_flags(w, wl, "written", pflags, &g, d);
	if (st) {
		char buf[512] = "";
		const struct vpci_diag_entry *e = vpci_diag_get(d, 0);
		if (e)
			vpci_diag_format(e, buf, sizeof(buf));
		fail(buf, w, wl, NULL, 0);
	}
	vpci_diag_free(d);
	const char *diff = model_diff(f, g, pflags & VPCI_PARSE_NO_VALIDATE ? vpci_func_config_size(f) : VPCI_CFG_SIZE);
	if (diff) {
		fprintf(stderr, "fuzz-roundtrip: the written file describes another function: %s differs\n", diff);
		fail("parse(write(parse(x))) != parse(x)", w, wl, NULL, 0);
	}
	if (vpci_write(g, 0, &w2, &wl2) == 0) {
		if (wl2 != wl || memcmp(w, w2, wl))
			fail("write(parse(write(f))) != write(f)", w, wl, w2, wl2);
		free(w2);
	}
	vpci_func_free(g);
	free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = { 0, VPCI_PARSE_NO_VALIDATE };

	for (unsigned i = 0; i < 2; i++) {
		vpci_func *f = NULL;
		if (vpci_parse_buffer_flags((const char *)data, size, "fuzz", flags[i], &f, NULL) == 0) {
			round_trip(f, flags[i]);
			vpci_func_free(f);
		}
	}
	return 0;
}
