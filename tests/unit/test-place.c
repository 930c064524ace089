/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-place.c - virtual capabilities: the placement rule step by step
 * (a free range kept for the name, the lowest free range, gaps), pinned
 * offsets and their conflicts naming both parties, the 0x100 rule, the
 * config-space and PCI Express preconditions, parameters, templates,
 * removal, the free-range helpers the guest policy and quirks use, the
 * engine's PASID event for a virtual PASID, the map, and the check of a
 * function's PASID promises against the host's facts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/func.h"
#include "vpci/vpci.h"
#include "unit-util.h"

/* A PCIe endpoint: PM at 0x40, PCIe at 0x50, AER at 0x100 (unless
 * @no_ext), and @extra YAML lines appended to the function. */
static vpci_func *make(const char *extra, int no_ext)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "vpci: 1\nname: t\nfunction:\n  kind: endpoint\n  config-size: 4096\n"
		 "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
		 "  capabilities:\n"
		 "    - {type: pm, offset: 0x40}\n"
		 "    - type: pcie\n      offset: 0x50\n      fields: {pcie-capabilities: 0x0002}\n"
		 "%s%s",
		 no_ext ? "" : "  extended-capabilities:\n    - {type: aer, offset: 0x100, version: 2}\n",
		 extra ? extra : "");
	return unit_parse(text, strlen(text), "t.yaml", 0);
}

/* The first error message of @d ("" when none). */
static const char *msg(const vpci_diag *d)
{
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		if (vpci_diag_get(d, i)->severity == VPCI_SEV_ERROR)
			return vpci_diag_get(d, i)->message;
	return "";
}

static void valid(const vpci_func *f)
{
	vpci_diag *d = vpci_diag_new();
	int rc = vpci_validate(f, d);

	if (rc)
		fprintf(stderr, "invalid: %s\n", msg(d));
	assert_int_equal(rc, 0);
	vpci_diag_free(d);
}

static const struct vpci_vcap PASID_AUTO = { .type = "pasid", .flags = VPCI_VCAP_AUTO };

/* Step 2: the lowest declared free range with room, in list order of the
 * ranges' offsets; ATS, PRI and PASID one after the other. */
static void test_free_range_first_fit(void **state)
{
	(void)state;
	vpci_func *f = make("  free-ranges:\n    - {offset: 0x200, length: 0x4}\n"
			    "    - {offset: 0x300, length: 0x1c}\n    - {offset: 0x400, length: 0x100}\n", 0);
	struct vpci_placement pl;
	const char *types[3] = { "ats", "pri", "pasid" };
	unsigned want[3] = { 0x300, 0x308, 0x400 };

	for (int i = 0; i < 3; i++) {
		struct vpci_vcap vc = { .type = types[i], .flags = VPCI_VCAP_AUTO };
		assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
		assert_int_equal(pl.offset, want[i]);
		assert_int_equal(pl.where, VPCI_PLACED_FREE_RANGE);
		assert_false(pl.anchor);
		struct vpci_cap_info ci;
		assert_int_equal(vpci_func_cap(f, pl.index, &ci), 0);
		assert_string_equal(ci.key, types[i]);
		assert_true(ci.is_virtual);
		assert_true(ci.auto_placed);
		assert_int_equal(ci.offset, want[i]);
	}
	assert_int_equal(pl.region_offset, 0x400);
	assert_int_equal(pl.region_length, 0x100);
	assert_non_null(strstr(pl.reason, "rule 1 step 2"));
	/* linked at the end of the extended list: AER -> ATS -> PRI -> PASID */
	assert_int_equal(vpci_func_read(f, 0x102, 2) >> 4, 0x300);
	assert_int_equal(vpci_func_read(f, 0x302, 2) >> 4, 0x308);
	assert_int_equal(vpci_func_read(f, 0x30a, 2) >> 4, 0x400);
	assert_int_equal(vpci_func_read(f, 0x402, 2) >> 4, 0);
	/* served by the engine alone: no device-backed bit */
	const uint8_t *dev = vpci_func_plane(f, VPCI_PL_DEVICE);
	for (unsigned k = 0x300; k < 0x318; k++)
		assert_int_equal(dev[k], 0);
	/* PASID Control's access from the table: Enable, Exec, Priv RW */
	assert_int_equal(vpci_func_plane(f, VPCI_PL_RW)[0x406], 0x07);
	valid(f);
	vpci_func_free(f);
}

/* Same function, same request: same offsets, every time. */
static void test_deterministic(void **state)
{
	(void)state;
	unsigned first = 0;

	for (int run = 0; run < 20; run++) {
		vpci_func *f = make("  free-ranges:\n    - {offset: 0x180, length: 0x8}\n"
				    "    - {offset: 0x140, length: 0x10}\n", 0);
		struct vpci_placement pl;
		assert_int_equal(vpci_vcap_add(f, &PASID_AUTO, &pl, NULL), 0);
		if (!run)
			first = pl.offset;
		assert_int_equal(pl.offset, first);
		vpci_func_free(f);
	}
	assert_int_equal(first, 0x140);
}

/* No free range: no room, and the message says the gaps would take it;
 * with gaps allowed it goes to the lowest gap. */
static void test_gaps(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	vpci_diag *d = vpci_diag_new();
	struct vpci_placement pl;
	struct vpci_vcap vc = { .type = "pasid", .flags = VPCI_VCAP_AUTO | VPCI_VCAP_GAPS };

	assert_int_equal(vpci_vcap_fit(f, &PASID_AUTO, &pl, d), VPCI_ENOENT);
	assert_non_null(strstr(msg(d), "no room for virtual Process Address Space ID (PASID) (8 bytes) in 0x100..0xfff"));
	assert_non_null(strstr(msg(d), "declares no free range"));
	assert_non_null(strstr(msg(d), "would take it at 0x12c (placement: auto-gaps)"));
	assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0x12c); /* right after AER's 44 bytes */
	assert_int_equal(pl.where, VPCI_PLACED_GAP);
	valid(f);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* A gap byte that holds a value or is device-backed is not free. */
static void test_gap_must_be_inert(void **state)
{
	(void)state;
	vpci_func *f = make("  raw:\n    - {offset: 0x12c, bytes: \"00 00 00 01\"}\n"
			    "    - {offset: 0x130, bytes: \"00 00 00 00\", backing: device}\n", 0);
	struct vpci_placement pl;
	struct vpci_vcap vc = { .type = "pasid", .flags = VPCI_VCAP_AUTO | VPCI_VCAP_GAPS };
	vpci_diag *d = vpci_diag_new();

	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0x134);
	vc.flags = 0;
	vc.offset = 0x12c;
	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, d), VPCI_EDATA);
	assert_non_null(strstr(msg(d), "byte 0x12f, which holds 0x01 outside every capability"));
	vpci_diag_clear(d);
	vc.offset = 0x130;
	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, d), VPCI_EDATA);
	assert_non_null(strstr(msg(d), "device-backed byte 0x130"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* Pinned: the offset given, or an error naming both parties. */
static void test_pinned(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	vpci_diag *d = vpci_diag_new();
	struct vpci_placement pl;
	struct vpci_vcap vc = { .type = "pasid", .offset = 0xff8 };

	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, d), 0);
	assert_int_equal(pl.offset, 0xff8);
	assert_int_equal(pl.where, VPCI_PLACED_PINNED);
	assert_string_equal(pl.reason, "pinned at 0xff8");
	vc.offset = 0x128;
	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, d), VPCI_EDATA);
	assert_string_equal(msg(d), "virtual Process Address Space ID (PASID) (8 bytes) at 0x128 overlaps "
				    "Advanced Error Reporting at 0x100 (length 44)");
	vpci_diag_clear(d);
	vc.offset = 0xffc;
	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, d), VPCI_ERANGE);
	assert_non_null(strstr(msg(d), "does not fit in 0x100..0xfff"));
	vpci_diag_clear(d);
	vc.offset = 0x202;
	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, d), VPCI_ERANGE);
	assert_non_null(strstr(msg(d), "not DWORD aligned"));
	vpci_diag_clear(d);
	vc.offset = 0xf0; /* below 0x100 */
	assert_int_equal(vpci_vcap_fit(f, &vc, &pl, d), VPCI_ERANGE);
	/* a standard one inside the PCIe capability */
	struct vpci_vcap v2 = { .type = "vendor", .offset = 0x58 };
	vpci_diag_clear(d);
	assert_int_equal(vpci_vcap_fit(f, &v2, &pl, d), VPCI_EDATA);
	assert_non_null(strstr(msg(d), "overlaps Express at 0x50"));
	/* two virtual capabilities: the second is told about the first */
	vc.offset = 0x800;
	assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
	struct vpci_vcap v3 = { .type = "ats", .offset = 0x804 };
	vpci_diag_clear(d);
	assert_int_equal(vpci_vcap_add(f, &v3, &pl, d), VPCI_EDATA);
	assert_non_null(strstr(msg(d), "overlaps virtual Process Address Space ID (PASID) at 0x800 (length 8)"));
	valid(f);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* Extended capabilities need 4096 bytes and a PCIe capability. */
static void test_preconditions(void **state)
{
	(void)state;
	const char *conv = "vpci: 1\nname: c\nfunction:\n  config-size: 256\n"
			   "  capabilities:\n    - {type: pm, offset: 0x40}\n";
	const char *nopcie = "vpci: 1\nname: c\nfunction:\n  config-size: 4096\n"
			     "  capabilities:\n    - {type: pm, offset: 0x40}\n";
	vpci_diag *d = vpci_diag_new();
	struct vpci_placement pl;
	vpci_func *f = NULL;
	struct vpci_vcap gaps = { .type = "pasid", .flags = VPCI_VCAP_AUTO | VPCI_VCAP_GAPS };

	assert_int_equal(vpci_parse_buffer(conv, strlen(conv), "c", &f, NULL), 0);
	assert_int_equal(vpci_vcap_fit(f, &gaps, &pl, d), VPCI_ENOENT);
	assert_non_null(strstr(msg(d), "need a 4096-byte config space, and this function has 256 bytes"));
	vpci_func_free(f);
	vpci_diag_clear(d);
	assert_int_equal(vpci_parse_buffer(nopcie, strlen(nopcie), "c", &f, NULL), 0);
	assert_int_equal(vpci_vcap_fit(f, &gaps, &pl, d), VPCI_ENOENT);
	assert_non_null(strstr(msg(d), "need a PCI Express capability"));
	/* a standard one fits a conventional function */
	struct vpci_vcap vnd = { .type = "vendor", .flags = VPCI_VCAP_AUTO | VPCI_VCAP_GAPS };
	assert_int_equal(vpci_vcap_fit(f, &vnd, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0x48);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* An empty extended list: 0x100 when free, else an empty header there
 * leads to the capability; when 0x100 is not free, no room. */
static void test_empty_ext_list(void **state)
{
	(void)state;
	vpci_func *f = make("  free-ranges:\n    - {offset: 0x100, length: 0x10}\n", 1);
	struct vpci_placement pl;

	assert_int_equal(vpci_vcap_add(f, &PASID_AUTO, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0x100);
	assert_false(pl.anchor);
	valid(f);
	vpci_func_free(f);

	f = make("  free-ranges:\n    - {offset: 0x100, length: 0x4}\n    - {offset: 0x200, length: 0x10}\n", 1);
	assert_int_equal(vpci_vcap_add(f, &PASID_AUTO, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0x200);
	assert_true(pl.anchor);
	assert_non_null(strstr(pl.reason, "an empty header at 0x100 leads to it"));
	assert_int_equal(vpci_func_read(f, 0x100, 4), 0x20000000u); /* ID 0, version 0, next 0x200 */
	struct vpci_cap_info ci;
	assert_int_equal(vpci_func_cap(f, pl.index, &ci), 0);
	assert_int_equal(ci.offset, 0x200);
	assert_true(ci.is_virtual);
	valid(f);
	vpci_func_free(f);

	vpci_diag *d = vpci_diag_new();
	f = make("  free-ranges:\n    - {offset: 0x200, length: 0x10}\n"
		 "  raw:\n    - {offset: 0x100, bytes: \"00\", backing: device}\n", 1);
	assert_int_equal(vpci_vcap_fit(f, &PASID_AUTO, &pl, d), VPCI_ENOENT);
	assert_non_null(strstr(msg(d), "the empty extended list needs its first header at 0x100"));
	struct vpci_vcap pin = { .type = "pasid", .offset = 0x200 };
	vpci_diag_clear(d);
	assert_int_equal(vpci_vcap_fit(f, &pin, &pl, d), VPCI_EDATA);
	assert_non_null(strstr(msg(d), "0x100 is taken by device-backed byte 0x100"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* Step 1: a range kept for a name takes the capability of that name and
 * no other. */
static void test_kept_range(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	vpci_diag *d = vpci_diag_new();
	struct vpci_placement pl;

	assert_int_equal(func_reserve_range(f, 0xd4, 8, "nvidia-gpudirect-clique"), 0);
	assert_int_equal(func_free_hidden(f, 0xc0, 0x10), 0); /* 0xc0..0xcf for anyone */
	struct vpci_vcap vnd = { .type = "vendor", .flags = VPCI_VCAP_AUTO,
				 .body = (const uint8_t[]){ 8 }, .body_len = 1 };
	assert_int_equal(vpci_vcap_fit(f, &vnd, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0xc0);
	vnd.flags = 0;
	vnd.offset = 0xd4;
	assert_int_equal(vpci_vcap_fit(f, &vnd, &pl, d), VPCI_EDATA);
	assert_non_null(strstr(msg(d), "free range 0xd4+0x8, kept for nvidia-gpudirect-clique"));
	struct vpci_vcap_param cl = { "clique", 5 };
	struct vpci_vcap gd = { .type = "nvidia-gpudirect-clique", .flags = VPCI_VCAP_AUTO, .params = &cl, .nparams = 1 };
	assert_int_equal(vpci_vcap_add(f, &gd, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0xd4);
	assert_int_equal(pl.where, VPCI_PLACED_RESERVED);
	assert_non_null(strstr(pl.reason, "kept for nvidia-gpudirect-clique (rule 1 step 1)"));
	/* the body the driver reads: ID 9, length 8, "P2P", clique << 3 */
	const uint8_t want[8] = { 0x09, 0x00, 8, 'P', '2', 'P', 5 << 3, 0 };
	assert_memory_equal(vpci_func_bytes(f) + 0xd4, want, 8);
	assert_string_equal(vpci_vcap_name(f, pl.index), "nvidia-gpudirect-clique");
	valid(f);
	/* the clique ID has 4 bits */
	cl.value = 16;
	vpci_diag_clear(d);
	assert_int_equal(vpci_vcap_fit(f, &gd, &pl, d), VPCI_ERANGE);
	assert_non_null(strstr(msg(d), "clique = 0x10 does not fit in 4 bits"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* The VMD MEMBAR shadow: "SHDW" and the two addresses where the Linux
 * vmd driver reads them. */
static void test_vmd_template(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	struct vpci_placement pl;
	struct vpci_vcap_param p[2] = { { "membar1", 0x00000038fe000000ull }, { "membar2", 0xfb000000ull } };
	struct vpci_vcap vc = { .type = "intel-vmd-membar-shadow", .flags = VPCI_VCAP_AUTO, .params = p, .nparams = 2 };

	assert_int_equal(func_reserve_range(f, 0xe8, 0x18, "intel-vmd-membar-shadow"), 0);
	assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0xe8);
	assert_int_equal(pl.length, 24);
	assert_int_equal(vpci_func_read(f, 0xe8, 1), 0x09);
	assert_int_equal(vpci_func_read(f, 0xea, 1), 24);
	assert_int_equal(vpci_func_read(f, 0xeb, 1), 1);
	assert_int_equal(vpci_func_read(f, 0xec, 4), 0x53484457u);
	assert_int_equal(vpci_func_read(f, 0xf0, 4), 0xfe000000u);
	assert_int_equal(vpci_func_read(f, 0xf4, 4), 0x38u);
	assert_int_equal(vpci_func_read(f, 0xf8, 4), 0xfb000000u);
	assert_int_equal(vpci_func_read(f, 0xfc, 4), 0);
	/* chained after PCIe at 0x50 */
	assert_int_equal(vpci_func_read(f, 0x51, 1), 0xe8);
	valid(f);
	vpci_func_free(f);
}

/* Parameters: a register by name, a bit range by the name vpci show
 * prints, a shorthand; values that do not fit; unknown names and types. */
static void test_params(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	vpci_diag *d = vpci_diag_new();
	struct vpci_placement pl;
	struct vpci_vcap_param p[3] = { { "width", 20 }, { "exec", 1 }, { "Priv", 1 } };
	struct vpci_vcap vc = { .type = "pasid", .offset = 0x200, .params = p, .nparams = 3 };

	assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
	assert_int_equal(vpci_func_read(f, 0x204, 2), 0x1406);
	assert_int_equal(vpci_vcap_remove(f, pl.index), 0);
	struct vpci_vcap_param q[2] = { { "pasid-capability", 0x0802 }, { "MaxPASIDWidth", 5 } };
	vc.params = q;
	vc.nparams = 2;
	assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
	assert_int_equal(vpci_func_read(f, 0x204, 2), 0x0502);
	p[0].value = 32; /* 5 bits */
	vc.params = p;
	vc.nparams = 1;
	vc.offset = 0x300;
	assert_int_equal(vpci_vcap_add(f, &vc, &pl, d), VPCI_ERANGE);
	assert_non_null(strstr(msg(d), "width = 0x20 does not fit in 5 bits"));
	vpci_diag_clear(d);
	struct vpci_vcap_param bad = { "wdith", 1 };
	vc.params = &bad;
	assert_int_equal(vpci_vcap_add(f, &vc, &pl, d), VPCI_EINVAL);
	assert_non_null(strstr(msg(d), "'wdith' is neither a register"));
	vpci_diag_clear(d);
	struct vpci_vcap_param big = { "pasid-capability", 0x10000 };
	vc.params = &big;
	assert_int_equal(vpci_vcap_add(f, &vc, &pl, d), VPCI_ERANGE);
	struct vpci_vcap nt = { .type = "pasidd", .flags = VPCI_VCAP_AUTO };
	vpci_diag_clear(d);
	assert_int_equal(vpci_vcap_fit(f, &nt, &pl, d), VPCI_EINVAL);
	assert_non_null(strstr(msg(d), "'pasidd' is not a capability type"));
	struct vpci_vcap unk = { .type = "pcix", .flags = VPCI_VCAP_AUTO };
	assert_int_equal(vpci_vcap_fit(f, &unk, &pl, NULL), VPCI_EINVAL);
	struct vpci_vcap badname = { .type = "ats", .flags = VPCI_VCAP_AUTO, .name = "Not A Name" };
	assert_int_equal(vpci_vcap_fit(f, &badname, &pl, NULL), VPCI_EINVAL);
	struct vpci_vcap ver = { .type = "vendor", .flags = VPCI_VCAP_AUTO, .version = 2 };
	assert_int_equal(vpci_vcap_fit(f, &ver, &pl, NULL), VPCI_ERANGE);
	/* a body longer than its length */
	struct vpci_vcap longbody = { .type = "vendor", .offset = 0xc0,
				      .body = (const uint8_t[]){ 4, 1, 2, 3, 4 }, .body_len = 5 };
	vpci_diag_clear(d);
	assert_int_equal(vpci_vcap_fit(f, &longbody, &pl, d), VPCI_ERANGE);
	assert_non_null(strstr(msg(d), "runs past its length of 4 bytes"));
	valid(f);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* Removing: bytes back to 0, only virtual capabilities; pinning. */
static void test_remove_pin(void **state)
{
	(void)state;
	vpci_func *f = make("  free-ranges:\n    - {offset: 0x90, length: 0x10}\n", 0);
	vpci_func *orig = vpci_func_dup(f);
	struct vpci_placement pl;
	struct vpci_vcap vc = { .type = "vendor", .flags = VPCI_VCAP_AUTO, .body = (const uint8_t[]){ 8, 0xaa },
				.body_len = 2 };

	assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
	assert_int_equal(pl.offset, 0x90);
	assert_int_equal(vpci_func_read(f, 0x51, 1), 0x90);
	assert_int_equal(vpci_vcap_remove(f, 0), VPCI_EINVAL); /* PM is not virtual */
	assert_int_equal(vpci_vcap_remove(f, 99), VPCI_ENOENT);
	struct vpci_cap_info ci;
	assert_int_equal(vpci_func_cap(f, pl.index, &ci), 0);
	assert_true(ci.auto_placed);
	assert_int_equal(vpci_vcap_pin(f, pl.index), 0);
	assert_int_equal(vpci_func_cap(f, pl.index, &ci), 0);
	assert_false(ci.auto_placed);
	assert_int_equal(vpci_vcap_pin(f, 0), VPCI_EINVAL);
	assert_int_equal(vpci_vcap_remove(f, pl.index), 0);
	assert_memory_equal(vpci_func_bytes(f), vpci_func_bytes(orig), VPCI_CFG_SIZE);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		assert_memory_equal(vpci_func_plane(f, (enum vpci_plane)p), vpci_func_plane(orig, (enum vpci_plane)p),
				    VPCI_CFG_SIZE);
	assert_int_equal(vpci_func_cap_count(f), vpci_func_cap_count(orig));
	vpci_func_free(orig);
	vpci_func_free(f);
}

/* A failed add leaves the function as it was. */
static void test_failure_unchanged(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	vpci_func *orig = vpci_func_dup(f);
	struct vpci_placement pl;

	assert_int_equal(vpci_vcap_add(f, &PASID_AUTO, &pl, NULL), VPCI_ENOENT);
	assert_memory_equal(vpci_func_bytes(f), vpci_func_bytes(orig), VPCI_CFG_SIZE);
	assert_int_equal(vpci_func_cap_count(f), vpci_func_cap_count(orig));
	vpci_func_free(orig);
	vpci_func_free(f);
}

/* The helpers behind derive's free ranges and a quirk's reserve. */
static void test_free_range_helpers(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	struct vpci_free_range r;

	/* a hidden capability's space: whole DWORDs, joined, sorted, split at 0x100 */
	assert_int_equal(func_free_hidden(f, 0x9a, 0x6e), 0);  /* 0x9c..0x107, AER at 0x100 */
	assert_int_equal(vpci_func_free_range_count(f), 1);
	assert_int_equal(vpci_func_free_range(f, 0, &r), 0);
	assert_int_equal(r.offset, 0x9c);
	assert_int_equal(r.length, 0x64);
	assert_string_equal(r.kept_for, "");
	assert_int_equal(func_free_hidden(f, 0x200, 0x10), 0);
	assert_int_equal(func_free_hidden(f, 0x1f0, 0x10), 0); /* joins the one at 0x200 */
	assert_int_equal(func_free_hidden(f, 0xf8, 0x10), 0);  /* 0xf8 already, 0x100.. is AER */
	assert_int_equal(vpci_func_free_range_count(f), 2);
	assert_int_equal(vpci_func_free_range(f, 1, &r), 0);
	assert_int_equal(r.offset, 0x1f0);
	assert_int_equal(r.length, 0x20);
	/* a reserve carves its bytes out */
	assert_int_equal(func_reserve_range(f, 0xd4, 8, "nvidia-gpudirect-clique"), 0);
	assert_int_equal(vpci_func_free_range_count(f), 4);
	unsigned want[4][2] = { { 0x9c, 0x38 }, { 0xd4, 8 }, { 0xdc, 0x24 }, { 0x1f0, 0x20 } };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(vpci_func_free_range(f, i, &r), 0);
		assert_int_equal(r.offset, want[i][0]);
		assert_int_equal(r.length, want[i][1]);
		assert_string_equal(r.kept_for, i == 1 ? "nvidia-gpudirect-clique" : "");
	}
	assert_int_equal(vpci_func_free_range(f, 4, &r), VPCI_ENOENT);
	/* a name that is not one keeps the range for any capability */
	assert_int_equal(func_reserve_range(f, 0x400, 8, "Bad Name"), 0);
	assert_int_equal(vpci_func_free_range(f, 4, &r), 0);
	assert_string_equal(r.kept_for, "");
	valid(f);
	vpci_func_free(f);
}

static void on_event(void *opaque, const struct vpci_event *ev)
{
	struct vpci_event *last = opaque;

	if (ev->kind == VPCI_EV_PASID)
		*last = *ev;
}

/* A guest enabling a virtual PASID reaches the VMM as a PASID event. */
static void test_engine_event(void **state)
{
	(void)state;
	vpci_func *f = make("  free-ranges:\n    - {offset: 0x200, length: 0x8}\n", 0);
	struct vpci_vcap_param p[2] = { { "width", 16 }, { "exec", 1 } };
	struct vpci_vcap vc = { .type = "pasid", .flags = VPCI_VCAP_AUTO, .params = p, .nparams = 2 };
	struct vpci_placement pl;
	struct vpci_event last = { .kind = VPCI_EV_COUNT };
	struct vpci_emu_ops ops = { on_event };
	vpci_emu *e = NULL;
	uint32_t v;

	assert_int_equal(vpci_vcap_add(f, &vc, &pl, NULL), 0);
	assert_int_equal(vpci_emu_new(f, NULL, &ops, &last, &e, NULL), 0);
	assert_int_equal(vpci_emu_read(e, 0x204, 2, &v), 0);
	assert_int_equal(v, 0x1002);
	assert_int_equal(vpci_emu_write(e, 0x206, 2, 0x0003), 0); /* Enable + Exec */
	assert_int_equal(last.kind, VPCI_EV_PASID);
	assert_true(last.enabled);
	assert_int_equal(last.data, 3);
	assert_int_equal(vpci_emu_read(e, 0x206, 2, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(vpci_emu_write(e, 0x206, 2, 0xffff), 0); /* RsvdP above bit 2 */
	assert_int_equal(vpci_emu_read(e, 0x206, 2, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(vpci_emu_write(e, 0x206, 2, 0), 0);
	assert_false(last.enabled);
	assert_int_equal(last.old, 7);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* The map names every block; the SVG draws one rectangle per cell. */
static void test_map(void **state)
{
	(void)state;
	vpci_func *f = make("  free-ranges:\n    - {offset: 0x200, length: 0x10}\n", 0);
	struct vpci_placement pl;
	char *out = NULL;

	assert_int_equal(func_reserve_range(f, 0xd4, 8, "nvidia-gpudirect-clique"), 0);
	assert_int_equal(vpci_vcap_add(f, &PASID_AUTO, &pl, NULL), 0);
	assert_int_equal(vpci_map(f, 0, &out), 0);
	assert_non_null(strstr(out, "0x000  ================ aa..bbbbbbbbbbbb b......"));
	assert_non_null(strstr(out, "0x200  11++"));
	assert_non_null(strstr(out, "  1  0x200..0x207      8  virtual Process Address Space ID (PASID)"));
	assert_non_null(strstr(out, "placement: auto"));
	assert_non_null(strstr(out, "  *  0x0d4..0x0db      8  free range kept for nvidia-gpudirect-clique"));
	assert_non_null(strstr(out, "  +  0x200..0x20f     16  free range"));
	free(out);
	assert_int_equal(vpci_map(f, VPCI_MAP_SVG, &out), 0);
	assert_true(!strncmp(out, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39));
	unsigned cells = 0;
	for (const char *s = out; (s = strstr(s, "<rect x=")); s++)
		cells++;
	/* one rectangle per run of like cells: row 0x000 holds the header,
	 * PM, a gap, PCIe, a gap, the kept range, a gap (7); 0x100 AER and a
	 * gap (2); 0x200 PASID, the range, a gap (3); 13 rows of gap; then one
	 * swatch per legend block (header, PM, PCIe, AER, PASID, two ranges)
	 * and three gap swatches */
	assert_int_equal(cells, 7 + 2 + 3 + 13 + 7 + 3);
	/* a block's key where it fits its cells, else its map symbol */
	assert_non_null(strstr(out, ">aer</text>"));
	assert_non_null(strstr(out, ">pcie</text>"));
	assert_non_null(strstr(out, ">1</text>"));
	assert_non_null(strstr(out, "</svg>\n"));
	free(out);
	vpci_func_free(f);
}

/* What the host backs, checked against every PASID of a function. */
static void test_check_host(void **state)
{
	(void)state;
	vpci_func *f = make(NULL, 0);
	vpci_diag *d = vpci_diag_new();
	struct vpci_vcap_param p[3] = { { "width", 20 }, { "exec", 1 }, { "priv", 1 } };
	struct vpci_vcap vc = { .type = "pasid", .offset = 0x400, .params = p, .nparams = 3 };
	struct vpci_host_pasid h;

	assert_int_equal(vpci_vcap_add(f, &vc, NULL, NULL), 0);
	memset(&h, 0, sizeof(h));
	assert_int_equal(vpci_check_host_pasid(f, &h, d), 0);
	assert_int_equal(vpci_diag_count(d), 1); /* unknown: a warning */
	assert_int_equal(vpci_diag_get(d, 0)->severity, VPCI_SEV_WARNING);
	vpci_diag_clear(d);
	h.known = h.supported = h.iommu = true;
	h.width = h.iommu_width = 16;
	h.exec = true;
	assert_int_equal(vpci_check_host_pasid(f, &h, d), 2);
	assert_string_equal(msg(d), "virtual PASID at 0x400 promises Max PASID Width 20; the host function backs 16 "
				    "(its IOMMU)");
	assert_non_null(strstr(vpci_diag_get(d, 1)->message, "promises Privileged Mode"));
	vpci_diag_clear(d);
	h.width = 20;
	h.priv = true;
	assert_int_equal(vpci_check_host_pasid(f, &h, d), 0);
	assert_int_equal(vpci_diag_count(d), 0);
	h.supported = false;
	snprintf(h.why, sizeof(h.why), "the IOMMU reports no PASID support");
	assert_int_equal(vpci_check_host_pasid(f, &h, d), 1);
	assert_non_null(strstr(msg(d), "promises PASID, which the host cannot back: the IOMMU reports no PASID"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* Binding to a real function: a virtual PASID needs no PASID on the
 * function (a VF has none of its own), an ordinary one does. */
static void test_bind(void **state)
{
	(void)state;
	vpci_func *phys = make(NULL, 0);
	vpci_func *g = make("  free-ranges:\n    - {offset: 0x200, length: 0x8}\n", 0);
	vpci_binding *b = NULL;

	assert_int_equal(vpci_vcap_add(g, &PASID_AUTO, NULL, NULL), 0);
	assert_int_equal(vpci_bind(g, phys, &b, NULL), 0);
	vpci_binding_free(b);
	b = NULL;
	/* empty lists are lists */
	vpci_func_free(make("  virtual-capabilities: []\n  free-ranges: []\n", 0));
	/* the same PASID as an ordinary capability needs the function's own */
	const char *text = "vpci: 1\nname: t\nfunction:\n  config-size: 4096\n"
			   "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			   "  capabilities:\n    - {type: pm, offset: 0x40}\n"
			   "    - type: pcie\n      offset: 0x50\n      fields: {pcie-capabilities: 0x0002}\n"
			   "  extended-capabilities:\n    - {type: aer, offset: 0x100, version: 2}\n"
			   "    - {type: pasid, offset: 0x200}\n";
	vpci_func *ord = NULL;
	assert_int_equal(vpci_parse_buffer(text, strlen(text), "o.yaml", &ord, NULL), 0);
	assert_int_not_equal(vpci_bind(ord, phys, &b, NULL), 0);
	vpci_binding_free(b);
	vpci_func_free(ord);
	vpci_func_free(g);
	vpci_func_free(phys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_range_first_fit),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_gap_must_be_inert),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_preconditions),
		cmocka_unit_test(test_empty_ext_list),
		cmocka_unit_test(test_kept_range),
		cmocka_unit_test(test_vmd_template),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_remove_pin),
		cmocka_unit_test(test_failure_unchanged),
		cmocka_unit_test(test_free_range_helpers),
		cmocka_unit_test(test_engine_event),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_check_host),
		cmocka_unit_test(test_bind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
