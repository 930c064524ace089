/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-write.c - the canonical writer keeps per-field plane overrides in
 * the field's long form (docs/format.md §8, §15): every plane that differs
 * from the capability table's default is listed after the value, a fully
 * device-backed field says "backing: device", and nothing falls back to a
 * raw region.  A raw region would also round-trip the bytes and planes,
 * so the round-trip tests cannot see a writer that drops the overrides;
 * this test reads the text.
 *
 * The expected lines are written by hand from the table's defaults
 * (PCIe r6.0 register definitions) and the overrides below.
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

static const char *input =
	"vpci: 1\n"
	"name: overrides\n"
	"function:\n"
	"  kind: endpoint\n"
	"  header:\n"
	"    vendor-id: 0x8086\n"
	"    device-id: 0x1520\n"
	"    command: {value: 0x0000, device: 0x0004}\n"
	"    class-code: 0x020000\n"
	"    cache-line-size: {value: 0x10, access: RO}\n"
	"    interrupt-line: {value: 0x00, access: HwInit}\n"
	"  bars:\n"
	"    - {index: 0, type: mem64, size: 16KiB}\n"
	"  capabilities:\n"
	"    - type: msix\n"
	"      offset: 0x70\n"
	"      fields: {message-control: 0x0002, table: 0x00000000, pba: 0x00002000}\n"
	"    - type: pcie\n"
	"      offset: 0xa0\n"
	"      fields:\n"
	"        pcie-capabilities: 0x0002\n"
	"        device-capabilities: 0x10008cc2\n"
	"        device-control: {value: 0x2810, rw: 0xf81f, rsvdp: 0x07e0, sticky: 0x0000}\n"
	"        device-status: {value: 0x0000, backing: device}\n"
	"        link-capabilities: 0x0042ec42\n"
	"        link-control: {value: 0x0000, access: RsvdP}\n"
	"        link-status: {value: 0x1042, hwinit: 0x0000}\n"
	"    - type: pm\n"
	"      offset: 0x60\n"
	"      fields:\n"
	"        pmc: 0x0003\n"
	"        pmcsr: {value: 0x0008, access: RW, backing: virtual}\n"
	"  extended-capabilities:\n"
	"    - type: aer\n"
	"      offset: 0x100\n"
	"      version: 2\n"
	"      fields:\n"
	"        uncorrectable-mask: {value: 0x00000000, sticky: 0x00000000}\n"
	"        correctable-status: {value: 0x00000000, access: RW1C}\n"
	"    - type: ats\n"
	"      offset: 0x160\n"
	"      fields:\n"
	"        ats-control: {value: 0x0000, rw: 0x8000, rsvdp: 0x7fff}\n";

/* The canonical lines, by hand: only the planes that differ from the
 * table, in the order rw, rw1c, rsvdp, rsvdz, hwinit, sticky, device. */
static const char *const expected[] = {
	/* Command default rw 0x0547, rsvdp 0xf800: only the device plane differs */
	"    command: {value: 0x0000, device: 0x0004}\n",
	/* Cache Line Size is RW: RO clears the rw plane */
	"    cache-line-size: {value: 0x10, rw: 0x00}\n",
	/* Interrupt Line is RW: HwInit clears rw, sets hwinit */
	"    interrupt-line: {value: 0x00, rw: 0x00, hwinit: 0xff}\n",
	/* Device Control: all RW, bit 10 sticky by default */
	"        device-control: {value: 0x2810, rw: 0xf81f, rsvdp: 0x07e0, sticky: 0x0000}\n",
	/* the whole field device-backed */
	"        device-status: {value: 0x0000, backing: device}\n",
	/* Link Control default rw 0x0ffb, rsvdp 0xf004 */
	"        link-control: {value: 0x0000, rw: 0x0000, rsvdp: 0xffff}\n",
	/* Link Status: bit 12 HwInit by default */
	"        link-status: {value: 0x1042, hwinit: 0x0000}\n",
	/* PMCSR default rw 0x1f03, rw1c 0x8000, rsvdp 0x00f4, sticky 0x8100 */
	"        pmcsr: {value: 0x0008, rw: 0xffff, rw1c: 0x0000, rsvdp: 0x0000, sticky: 0x0000}\n",
	/* AER masks are RWS: the sticky plane cleared */
	"        uncorrectable-mask: {value: 0x00000000, sticky: 0x00000000}\n",
	/* Correctable Error Status default rw1c+sticky 0x0000f1c1, rsvdz the rest */
	"        correctable-status: {value: 0x00000000, rw1c: 0xffffffff, rsvdz: 0x00000000, sticky: 0x00000000}\n",
	/* ATS Control default rw 0x801f, rsvdp 0x7fe0 */
	"        ats-control: {value: 0x0000, rw: 0x8000, rsvdp: 0x7fff}\n",
	/* untouched fields stay short */
	"        device-capabilities: 0x10008cc2\n",
	"        uncorrectable-severity: 0x00462030\n",
};

static vpci_func *parse(const char *text, size_t len)
{
	return unit_parse(text, len, "overrides.yaml", 0);
}

static char *write_text(const vpci_func *f, size_t *len)
{
	char *out = NULL;

	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, &out, len), 0);
	assert_non_null(out);
	return out;
}

static void test_long_form_kept(void **state)
{
	vpci_func *f = parse(input, strlen(input));
	size_t len;
	char *out = write_text(f, &len);
	unsigned bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (!strstr(out, expected[i])) {
			print_error("not written: %s", expected[i]);
			bad++;
		}
	}
	/* everything is expressible as fields: no raw fallback */
	if (strstr(out, "\n  raw:\n")) {
		print_error("the writer fell back to raw regions:\n%s", strstr(out, "\n  raw:\n") + 1);
		bad++;
	}
	if (bad)
		print_error("--- written ---\n%s", out);
	assert_int_equal(bad, 0);
	free(out);
	vpci_func_free(f);
}

/* The long forms are read back to the same bytes and planes, and the
 * text is a fixed point. */
static void test_long_form_round_trip(void **state)
{
	vpci_func *f = parse(input, strlen(input));
	size_t len, len2;
	char *out = write_text(f, &len);
	vpci_func *g = parse(out, len);
	char *out2 = write_text(g, &len2);

	(void)state;
	assert_memory_equal(vpci_func_bytes(f), vpci_func_bytes(g), VPCI_CFG_SIZE);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		assert_memory_equal(vpci_func_plane(f, (enum vpci_plane)p), vpci_func_plane(g, (enum vpci_plane)p),
				    VPCI_CFG_SIZE);
	assert_int_equal(len, len2);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	vpci_func_free(f);
	vpci_func_free(g);
}

/* A plane override on bytes no field covers is what raw regions are
 * for: the writer uses one there, and only there. */
static void test_raw_only_outside_fields(void **state)
{
	static const char *text = "vpci: 1\nname: raw-gap\nfunction:\n  kind: endpoint\n"
				  "  header: {vendor-id: 0x8086, device-id: 0x1520}\n"
				  "  raw:\n    - offset: 0xf0\n      bytes: \"12 34 00 00\"\n"
				  "      rw:    \"00 00 ff ff\"\n";
	vpci_func *f = parse(text, strlen(text));
	size_t len;
	char *out = write_text(f, &len);

	(void)state;
	assert_non_null(strstr(out, "  raw:\n    - offset: 0xf0  # outside every capability\n"
				    "      bytes: \"12 34 00 00\"\n      rw: \"00 00 ff ff\"\n"));
	free(out);
	vpci_func_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_form_kept),
		cmocka_unit_test(test_long_form_round_trip),
		cmocka_unit_test(test_raw_only_outside_fields),
	};
	return cmocka_run_group_tests_name("write", tests, NULL, NULL);
}
