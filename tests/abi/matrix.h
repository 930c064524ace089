/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * matrix.h - a base instance and one small change of each kind, with what
 * a guest makes of it: the matrix on which `compat` and an actual save and
 * load must agree (test-abi.c; test-abi --write DIR writes the files for
 * the command-line test, compat-cli.sh).
 */
#ifndef VPCI_TEST_MATRIX_H
#define VPCI_TEST_MATRIX_H

#include <stdbool.h>

static const char matrix_base[] =
	"vpci: 1\n"
	"name: base\n"
	"description: \"the matrix base\"\n"
	"function:\n"
	"  kind: endpoint\n"
	"  config-size: 4096\n"
	"  header:\n"
	"    vendor-id: 0x1b36\n"
	"    device-id: 0x0010\n"
	"    command: 0x0000\n"
	"    revision-id: 0x02\n"
	"    class-code: 0x010802\n"
	"    subsystem-vendor-id: 0x1af4\n"
	"    subsystem-id: 0x1100\n"
	"    interrupt-line: 0x00\n"
	"    interrupt-pin: 0x01\n"
	"  bars:\n"
	"    - index: 0\n"
	"      type: mem64\n"
	"      size: 16KiB\n"
	"    - index: 2\n"
	"      type: mem32\n"
	"      size: 4KiB\n"
	"      address: 0x0\n"
	"  expansion-rom:\n"
	"    size: 64KiB\n"
	"  capabilities:\n"
	"    - type: msix\n"
	"      offset: 0x40\n"
	"      fields:\n"
	"        message-control: 0x0007\n"
	"        table: 0x00002000\n"
	"        pba: 0x00003000\n"
	"    - type: msi\n"
	"      offset: 0x50\n"
	"      fields:\n"
	"        message-control: 0x0084\n"
	"    - type: pm\n"
	"      offset: 0x60\n"
	"      fields:\n"
	"        pmc: 0x0003\n"
	"        pmcsr: 0x0008\n"
	"    - type: vendor\n"
	"      offset: 0x68\n"
	"      fields:\n"
	"        length: 0x08\n"
	"    - type: pcie\n"
	"      offset: 0x80\n"
	"      fields:\n"
	"        pcie-capabilities: 0x0002\n"
	"        device-capabilities: 0x10008000\n"
	"        link-capabilities: 0x00000411\n"
	"        link-status: 0x0011\n"
	"  extended-capabilities:\n"
	"    - type: aer\n"
	"      offset: 0x100\n"
	"      version: 2\n"
	"    - type: ari\n"
	"      offset: 0x150\n"
	"  raw:\n"
	"    - offset: 0x6c\n"
	"      bytes: \"12 34 56 78\"\n";

/*
 * One change: replace @find (which occurs once in the base) by @repl, and
 * @find2 by @repl2 when given.
 * @compatible: a guest may migrate between the base and the variant
 * @kind, @region, @field: the first ABI difference vpci_diff_new() lists
 * (kind -1 when there is none), @field NULL for none
 */
struct matrix_change {
	const char *name;
	const char *find, *repl;
	const char *find2, *repl2;      /* a second replacement, or NULL */
	bool compatible;
	int kind;
	const char *region, *field;
};

#define M_SAME (-1)

static const struct matrix_change matrix_changes[] = {
	/* register values */
	{ "ro-value", "device-id: 0x0010", "device-id: 0x0011", NULL, NULL, false, VPCI_DIFF_VALUE, "header", "device-id" },
	{ "rw-reset-value", "command: 0x0000", "command: 0x0006", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "rw-reset-intline", "interrupt-line: 0x00", "interrupt-line: 0x0b", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "bar-address", "address: 0x0\n", "address: 0xfe000000\n", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "rw1c-reset-value", "    interrupt-pin: 0x01\n", "    interrupt-pin: 0x01\n    status: 0x4010\n", NULL, NULL, true,
	  M_SAME, NULL, NULL },
	{ "sticky-rw-reset", "      version: 2\n",
	  "      version: 2\n      fields:\n        uncorrectable-severity: 0x00062030\n", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "pm-state-reset", "pmcsr: 0x0008", "pmcsr: 0x000b", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "msix-vectors", "message-control: 0x0007", "message-control: 0x000f", NULL, NULL, false, VPCI_DIFF_VALUE, "msix",
	  "message-control" },
	{ "msi-vectors", "message-control: 0x0084", "message-control: 0x0082", NULL, NULL, false, VPCI_DIFF_VALUE, "msi",
	  "message-control" },
	{ "msi-64bit", "message-control: 0x0084", "message-control: 0x0004", NULL, NULL, false, VPCI_DIFF_VALUE, "msi",
	  "message-control" },
	{ "link-capabilities", "link-capabilities: 0x00000411", "link-capabilities: 0x00000412", NULL, NULL, false,
	  VPCI_DIFF_VALUE, "pcie", "link-capabilities" },
	/* planes */
	{ "plane-rw", "pmcsr: 0x0008", "pmcsr: {value: 0x0008, rw: 0x0000}", NULL, NULL, false, VPCI_DIFF_PLANE, "pm", "pmcsr" },
	{ "plane-rw1c", "pmcsr: 0x0008", "pmcsr: {value: 0x0008, rw1c: 0x0000}", NULL, NULL, false, VPCI_DIFF_PLANE, "pm",
	  "pmcsr" },
	{ "plane-hwinit-label", "pmc: 0x0003", "pmc: {value: 0x0003, access: HwInit}", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "plane-rsvdp-label", "subsystem-id: 0x1100", "subsystem-id: {value: 0x1100, access: RsvdP}", NULL, NULL, true,
	  M_SAME, NULL, NULL },
	{ "sticky-on-ro", "revision-id: 0x02", "revision-id: {value: 0x02, sticky: 0xff}", NULL, NULL, true, M_SAME, NULL,
	  NULL },
	{ "sticky-on-rw", "interrupt-line: 0x00", "interrupt-line: {value: 0x00, sticky: 0x01}", NULL, NULL, false,
	  VPCI_DIFF_PLANE, "header", "interrupt-line" },
	{ "device-backed", "link-status: 0x0011", "link-status: {value: 0x0011, backing: device}", NULL, NULL, false,
	  VPCI_DIFF_PLANE, "pcie", "link-status" },
	/* capabilities */
	{ "cap-moved", "    - type: pm\n      offset: 0x60\n", "    - type: pm\n      offset: 0x74\n", NULL, NULL, false,
	  VPCI_DIFF_CAP_MOVED, "pm", NULL },
	{ "cap-removed", "    - type: pm\n      offset: 0x60\n      fields:\n        pmc: 0x0003\n        pmcsr: 0x0008\n",
	  "", NULL, NULL, false, VPCI_DIFF_CAP_REMOVED, "pm", NULL },
	{ "cap-added", "    - type: ari\n      offset: 0x150\n",
	  "    - type: ari\n      offset: 0x150\n    - type: ats\n      offset: 0x160\n", NULL, NULL, false, VPCI_DIFF_CAP_ADDED,
	  "ats", NULL },
	{ "cap-version", "      version: 2\n", "      version: 1\n", NULL, NULL, false, VPCI_DIFF_CAP_VERSION, "aer", NULL },
	{ "cap-order",
	  "    - type: msix\n      offset: 0x40\n      fields:\n        message-control: 0x0007\n        table: 0x00002000\n"
	  "        pba: 0x00003000\n    - type: msi\n      offset: 0x50\n      fields:\n        message-control: 0x0084\n",
	  "    - type: msi\n      offset: 0x50\n      fields:\n        message-control: 0x0084\n    - type: msix\n"
	  "      offset: 0x40\n      fields:\n        message-control: 0x0007\n        table: 0x00002000\n"
	  "        pba: 0x00003000\n", NULL, NULL,
	  false, VPCI_DIFF_CAP_ORDER, "capabilities", NULL },
	{ "vendor-length", "length: 0x08", "length: 0x0c", NULL, NULL, false, VPCI_DIFF_VALUE, "vendor", "length" },
	{ "vendor-body", "\"12 34 56 78\"", "\"12 34 56 79\"", NULL, NULL, false, VPCI_DIFF_VALUE, "vendor", NULL },
	/* BARs */
	{ "bar-size", "size: 16KiB", "size: 32KiB", NULL, NULL, false, VPCI_DIFF_BAR, "bars", NULL },
	{ "bar-prefetchable", "      type: mem64\n", "      type: mem64\n      prefetchable: true\n", NULL, NULL, false,
	  VPCI_DIFF_BAR, "bars", NULL },
	{ "bar-added", "  expansion-rom:\n", "    - index: 4\n      type: io\n      size: 32\n  expansion-rom:\n", NULL, NULL, false,
	  VPCI_DIFF_BAR, "bars", NULL },
	{ "rom-removed", "  expansion-rom:\n    size: 64KiB\n", "", NULL, NULL, false, VPCI_DIFF_BAR, "expansion-rom", NULL },
	/* the function */
	{ "multifunction", "  config-size: 4096\n", "  config-size: 4096\n  multifunction: true\n", NULL, NULL, false,
	  VPCI_DIFF_FUNCTION, "function", NULL },
	{ "config-size",
	  "  config-size: 4096\n", "  config-size: 256\n",
	  "  extended-capabilities:\n    - type: aer\n      offset: 0x100\n      version: 2\n    - type: ari\n"
	  "      offset: 0x150\n", "", false, VPCI_DIFF_FUNCTION, "function", NULL },
	/* bytes outside every capability */
	{ "raw-gap-value", "      bytes: \"12 34 56 78\"\n",
	  "      bytes: \"12 34 56 78\"\n    - offset: 0xf0\n      bytes: \"01 00 00 00\"\n", NULL, NULL, false, VPCI_DIFF_VALUE,
	  "raw", NULL },
	{ "raw-gap-rw", "      bytes: \"12 34 56 78\"\n",
	  "      bytes: \"12 34 56 78\"\n    - offset: 0xf0\n      bytes: \"00 00 00 00\"\n      rw: \"ff 00 00 00\"\n", NULL, NULL,
	  false, VPCI_DIFF_PLANE, "raw", NULL },
	/* what no register shows */
	{ "name", "name: base", "name: other", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "description", "the matrix base", "another description", NULL, NULL, true, M_SAME, NULL, NULL },
	{ "free-range", "      bytes: \"12 34 56 78\"\n", "      bytes: \"12 34 56 78\"\n  free-ranges:\n    - {offset: 0x400, length: 0x100}\n", NULL, NULL,
	  true, M_SAME, NULL, NULL },
};

#define MATRIX_N (sizeof(matrix_changes) / sizeof(matrix_changes[0]))

#endif
