/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-source.c - the lspci dump reader against what `lspci -F` accepts
 * and ignores, and its limits on hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "source/source_priv.h"

static int read_text(const char *text, size_t len, struct vpci_source **out, vpci_diag *d)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct vpci_source *s = source_new(VPCI_SRC_DUMP);

	assert_non_null(fp);
	assert_non_null(s);
	int rc = dump_read_stream(s, fp, "t.lspci", d);
	fclose(fp);
	*out = s;
	return rc;
}

static int has(const vpci_diag *d, const char *text)
{
	char buf[512];

	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		vpci_diag_format(vpci_diag_get(d, i), buf, sizeof(buf));
		if (strstr(buf, text))
			return 1;
	}
	return 0;
}

#define ROW0 "00: 86 80 21 15 00 00 10 00 01 00 00 02 00 00 00 00\n"
#define ROWS ROW0 "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n" \
	"20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n" \
	"30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"

/* lspci -F ignores lines that are neither headers, hex rows nor blank */
static void test_ignored_lines(void **state)
{
	static const char text[] =
		"lspci: Unable to load libkmod resources: error -2\n"
		"01:00.0 Ethernet controller: Intel Corporation I350\n"
		"lspci: Unable to load libkmod resources: error -2\n"
		"# a comment\n"
		ROW0
		"Kernel driver in use: igb\n"
		"10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\r\n"
		"20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		"30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \n"
		"\n";
	vpci_diag *d = vpci_diag_new();
	struct vpci_source *s;
	struct host_facts f;

	(void)state;
	assert_int_equal(read_text(text, sizeof(text) - 1, &s, d), 0);
	assert_int_equal(vpci_diag_count(d), 0);
	assert_int_equal(vpci_source_count(s), 1);
	assert_int_equal(source_read(s, 0, &f, d), 0);
	assert_int_equal(f.len, 64);
	assert_int_equal(f.cfg[0], 0x86);
	assert_int_equal(f.cfg[0x0b], 0x02);
	vpci_source_free(s);
	vpci_diag_free(d);
}

/* A dump of a host may lack bytes of functions nobody asked for: the gap
 * warning comes with the device read, not with the others. */
static void test_gap_of_another_device(void **state)
{
	static const char text[] = "00:00.0 x\n" ROW0 "\n"
		"00:01.0 y\n" ROW0
		"10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \n"
		"20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \n"
		"30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \n\n";
	vpci_diag *d = vpci_diag_new();
	struct vpci_source *s;
	struct host_facts f;

	(void)state;
	assert_int_equal(read_text(text, sizeof(text) - 1, &s, d), 0);
	assert_int_equal(vpci_source_count(s), 2);
	assert_int_equal(source_read(s, 1, &f, d), 0);
	assert_int_equal(vpci_diag_count(d), 0);
	assert_int_equal(source_read(s, 0, &f, d), 0);
	assert_true(has(d, "t.lspci:1:1: warning: device 0000:00:00.0: 48 of 64 bytes are missing"));
	vpci_source_free(s);
	vpci_diag_free(d);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *msg;
	} cases[] = {
		{ "00:00.0 x\n00: 86  80\n\n", 0, "t.lspci:2:7: error: device 0000:00:00.0: malformed hex row" },
		{ "00:00.0 x\n00: 86 80\0 21\n\n", 22, "t.lspci:2:10: error: NUL byte in a line" },
		{ "00:00.0 x\n1000: 00\n\n", 0, "offset 0x1000 is beyond the 4096-byte config space" },
		{ "00:00.0 x\nff0: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10\n\n", 0,
		  "offset 0x1000 is beyond" },
		{ "just text\n", 0, "no device found" },
		{ "00:00.0 x\n\n", 0, "device 0000:00:00.0 has no hex dump" },
		{ "00:00.0 x\n" ROW0, 0, "device 0000:00:00.0: 48 of 64 bytes are missing" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vpci_diag *d = vpci_diag_new();
		struct vpci_source *s;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		/* gaps are reported when a device is read */
		if (!read_text(cases[i].text, len, &s, d) && vpci_source_count(s)) {
			struct host_facts f;
			source_read(s, 0, &f, d);
		}
		if (!has(d, cases[i].msg)) {
			char buf[512] = "";
			if (vpci_diag_count(d))
				vpci_diag_format(vpci_diag_get(d, 0), buf, sizeof(buf));
			fail_msg("case %zu: no \"%s\" (first: %s)", i, cases[i].msg, buf);
		}
		vpci_source_free(s);
		vpci_diag_free(d);
	}
}

/* a "dump" with more devices than any host has is refused early, without
 * holding each device's 8 KiB of state */
static void test_device_limit(void **state)
{
	size_t n = 8200, per = 64;
	char *text = malloc(n * per);
	size_t len = 0;

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, per, "%02zx:%02zx.%zu x\n00: 00\n", (i >> 8) & 0xff,
					(i >> 3) & 0x1f, i & 7);
	vpci_diag *d = vpci_diag_new();
	struct vpci_source *s;
	assert_int_equal(read_text(text, len, &s, d), VPCI_EDATA);
	assert_true(has(d, "more than 8192 devices: not a dump of one host"));
	vpci_source_free(s);
	vpci_diag_free(d);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ignored_lines),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_gap_of_another_device),
		cmocka_unit_test(test_device_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
