/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-bind.c - binding an instance to the function that backs it:
 *   - every can-back rule of docs/binding.md, one case (or more) each,
 *     blocker or accepted, and every rule of the table has a case and a
 *     row in the document;
 *   - the relocation map: a moved AER, a moved vendor capability body,
 *     MSI data at 0x08 backed by MSI data at 0x0c, gap registers;
 *   - every reason is listed (not the first only), at its line;
 *   - printing (text and JSON);
 *   - vpci_common(): each meet action, notes as comments, determinism,
 *     and the result binds to every input;
 *   - the engine on a real backend: it binds before it serves an access;
 *     a recorder proves, over every offset 0..4095, size 1, 2, 4 and both
 *     directions, that no backend access reaches a physical byte that is
 *     not a matched register; a function that cannot back the instance is
 *     refused with every reason; the moved AER on a crafted sysfs tree.
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

#include "bind/bind_priv.h"
#include "vpci/vpci.h"

/* --- building functions ---------------------------------------------- */

struct side {
	const char *kind;   /* NULL: endpoint */
	unsigned size;      /* 0: 4096 */
	const char *hdr;    /* header flow mapping body; NULL: IDs only */
	const char *bars;   /* "    - {...}\n" items */
	const char *rom;    /* expansion-rom flow mapping */
	const char *caps;
	const char *ext;
	const char *raw;
};

#define IDS "vendor-id: 0x8086, device-id: 0x1234, class-code: 0x020000"

static char *doc(const char *name, const struct side *s)
{
	static char buf[4][4096];
	static unsigned k;
	char *b = buf[k++ % 4];
	int n = snprintf(b, 4096,
			 "vpci: 1\nname: %s\nfunction:\n  kind: %s\n  config-size: %u\n  header: {%s}\n", name,
			 s->kind ? s->kind : "endpoint", s->size ? s->size : 4096, s->hdr ? s->hdr : IDS);
	if (s->bars)
		n += snprintf(b + n, 4096 - (size_t)n, "  bars:\n%s", s->bars);
	if (s->rom)
		n += snprintf(b + n, 4096 - (size_t)n, "  expansion-rom: {%s}\n", s->rom);
	/* extended capabilities need a PCIe capability (PCIe §7.6) */
	int pcie = s->ext && !(s->caps && strstr(s->caps, "type: pcie"));
	if (s->caps || pcie)
		n += snprintf(b + n, 4096 - (size_t)n, "  capabilities:\n%s%s", s->caps ? s->caps : "",
			      pcie ? "    - {type: pcie, offset: 0x90, fields: {pcie-capabilities: 0x0002}}\n" : "");
	if (s->ext)
		n += snprintf(b + n, 4096 - (size_t)n, "  extended-capabilities:\n%s", s->ext);
	if (s->raw)
		snprintf(b + n, 4096 - (size_t)n, "  raw:\n%s", s->raw);
	return b;
}

static vpci_func *parse_flags(const char *text, const char *file, unsigned flags)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	int rc = vpci_parse_buffer_flags(text, strlen(text), file, flags, &f, d);

	for (size_t i = 0; rc && i < vpci_diag_count(d); i++) {
		char b[512];
		vpci_diag_format(vpci_diag_get(d, i), b, sizeof(b));
		print_error("%s\n%s\n", b, text);
	}
	vpci_diag_free(d);
	assert_int_equal(rc, 0);
	return f;
}

/* the instance is validated; a physical description may break rules */
static vpci_func *guest(const struct side *s)
{
	return parse_flags(doc("g", s), "g.yaml", 0);
}

static vpci_func *phys(const struct side *s)
{
	return parse_flags(doc("p", s), "p.yaml", VPCI_PARSE_NO_VALIDATE);
}

static const struct vpci_bind_reason *find_reason(const vpci_binding *b, const char *rule, struct vpci_bind_reason *r)
{
	for (size_t i = 0; i < vpci_binding_reason_count(b); i++) {
		vpci_binding_reason(b, i, r);
		if (!strcmp(r->rule, rule))
			return r;
	}
	return NULL;
}

/* --- every rule -------------------------------------------------------- */

#define BAR0 "    - {index: 0, type: mem32, size: 16KiB}\n"
#define PCIE_AT(off, devcap, extra) "    - {type: pcie, offset: " off ", fields: {pcie-capabilities: 0x0002, device-capabilities: " devcap extra "}}\n"
#define PCIE(devcap, extra) PCIE_AT("0x40", devcap, extra)
#define MSIX(ctl, tbl, pba) "    - {type: msix, offset: 0x70, fields: {message-control: " ctl ", table: " tbl ", pba: " pba "}}\n"
#define MSI(ctl) "    - {type: msi, offset: 0x60, fields: {message-control: " ctl "}}\n"
#define AF(cap) "    - {type: af, offset: 0x80, fields: {length: 0x06, af-capabilities: " cap "}}\n"
#define PM(pmc) "    - {type: pm, offset: 0x50, fields: {pmc: " pmc "}}\n"
#define PASID(c) "    - {type: pasid, offset: 0x100, version: 1, fields: {pasid-capability: " c "}}\n"
#define ATS(c) "    - {type: ats, offset: 0x100, version: 1, fields: {ats-capability: " c "}}\n"
#define PRI(c) "    - {type: pri, offset: 0x100, version: 1, fields: {outstanding-capacity: " c "}}\n"
#define SRIOV(n) "    - {type: sriov, offset: 0x100, version: 1, fields: {initial-vfs: " n ", total-vfs: " n \
	", first-vf-offset: 0x0001, vf-stride: 0x0001, vf-device-id: 0x1235, supported-page-sizes: 0x00000553}}\n"
#define DEVRAW(off, bytes) "    - {offset: " off ", bytes: \"" bytes "\", backing: device}\n"
#define PF_CMD IDS ", command: {value: 0x0000, device: 0x0547}"
#define VF_CMD IDS ", command: {value: 0x0000, device: 0x0545}"
#define VF_IDS "vendor-id: 0xffff, device-id: 0xffff, class-code: 0x020000"

struct rcase {
	const char *rule;   /* the rule the case proves */
	int expect;         /* 2 blocker, 1 warning only, 0 accepted (no reason of that rule) */
	int strict;         /* bind as vpci_common() does */
	struct side g, p;
};

static const struct rcase cases[] = {
	{ "config-size", 2, 0, { .ext = "    - {type: aer, offset: 0x100, version: 2}\n" }, { .size = 256 } },
	{ "header-kind", 2, 0, { 0 }, { .kind = "bridge" } },
	{ "function-type", 2, 0, { .hdr = PF_CMD }, { .hdr = VF_IDS } },
	{ "function-type", 2, 0, { .hdr = VF_CMD }, { 0 } },
	{ "function-type", 0, 0, { .hdr = VF_CMD }, { .hdr = VF_IDS } },
	/* a VF whose backend emulates Memory Space Enable (vfio-pci) backs both */
	{ "function-type", 0, 0, { .hdr = PF_CMD }, { .hdr = VF_IDS ", command: {value: 0x0000, device: 0x0002}" } },
	{ "function-type", 0, 0, { .hdr = VF_CMD }, { .hdr = VF_IDS ", command: {value: 0x0000, device: 0x0002}" } },
	{ "cap-device", 2, 0, { .caps = PCIE("0x00000000", ", device-status: {value: 0x0000, backing: device}") }, { 0 } },
	{ "cap-present", 2, 1, { .ext = "    - {type: dsn, offset: 0x100, version: 1}\n" }, { 0 } },
	{ "cap-present", 0, 0, { .ext = "    - {type: dsn, offset: 0x100, version: 1}\n" }, { 0 } },
	{ "cap-hardware", 2, 0, { .bars = BAR0, .caps = MSIX("0x0003", "0x00000000", "0x00000800") }, { .bars = BAR0 } },
	{ "cap-hardware", 2, 0, { .ext = PASID("0x1000") }, { 0 } },
	/* device-control-2 exists in PCIe v2 only */
	{ "field-present", 2, 0, { .caps = PCIE("0x00000000", ", device-control-2: {value: 0x0000, backing: device}") },
	  { .caps = "    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0001}}\n" } },
	/* link registers do not exist on an RCiEP (type 9) */
	{ "field-present", 2, 0, { .caps = PCIE("0x00000000", ", link-status: {value: 0x0000, backing: device}") },
	  { .caps = "    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0092}}\n" } },
	/* a body of unknown length: kept at its offset, never relocated */
	{ "cap-body", 2, 0, { .caps = "    - {type: ht, offset: 0x40}\n", .raw = DEVRAW("0x44", "00 00") },
	  { .caps = "    - {type: pm, offset: 0x40}\n    - {type: ht, offset: 0x50}\n" } },
	{ "cap-body", 0, 0, { .caps = "    - {type: ht, offset: 0x40}\n", .raw = DEVRAW("0x44", "00 00") },
	  { .caps = "    - {type: ht, offset: 0x40}\n" } },
	{ "cap-body", 0, 0, { .caps = "    - {type: vendor, offset: 0x40, fields: {length: 0x08}}\n", .raw = DEVRAW("0x44", "00 00 00 00") },
	  { .caps = "    - {type: pm, offset: 0x40}\n    - {type: vendor, offset: 0x50, fields: {length: 0x08}}\n" } },
	{ "gap", 2, 0, { .raw = DEVRAW("0xe0", "00 00 00 00") },
	  { .caps = "    - {type: vendor, offset: 0xe0, fields: {length: 0x08}}\n" } },
	{ "gap", 0, 0, { .raw = DEVRAW("0xe0", "00 00 00 00") }, { 0 } },
	{ "bar-kind", 2, 0, { .bars = "    - {index: 0, type: mem64, size: 16KiB}\n" }, { .bars = BAR0 } },
	{ "bar-kind", 2, 0, { .bars = "    - {index: 2, type: io, size: 32}\n" }, { .bars = BAR0 } },
	{ "bar-kind", 1, 0, { .bars = BAR0 }, { 0 } },
	{ "bar-prefetch", 2, 0, { .bars = "    - {index: 0, type: mem32, prefetchable: true, size: 16KiB}\n" }, { .bars = BAR0 } },
	{ "bar-prefetch", 0, 0, { .bars = BAR0 }, { .bars = "    - {index: 0, type: mem32, prefetchable: true, size: 16KiB}\n" } },
	{ "bar-size", 2, 0, { .bars = "    - {index: 0, type: mem32, size: 32KiB}\n" }, { .bars = BAR0 } },
	{ "bar-size", 0, 0, { .bars = "    - {index: 0, type: mem32, size: 8KiB}\n" }, { .bars = BAR0 } },
	{ "bar-size", 1, 0, { .bars = BAR0 }, { .bars = "    - {index: 0, type: mem32, size: unknown}\n" } },
	{ "rom", 2, 0, { .bars = BAR0, .rom = "size: 64KiB" }, { .bars = BAR0 } },
	{ "rom", 2, 0, { .bars = BAR0, .rom = "size: 64KiB" }, { .bars = BAR0, .rom = "size: 32KiB" } },
	{ "rom", 0, 0, { .bars = BAR0, .rom = "size: 32KiB" }, { .bars = BAR0, .rom = "size: 64KiB" } },
	{ "interrupt-pin", 2, 0, { .hdr = IDS ", interrupt-pin: 0x01" }, { 0 } },
	{ "interrupt-pin", 0, 0, { .hdr = IDS ", interrupt-pin: 0x01" }, { .hdr = IDS ", interrupt-pin: 0x02" } },
	{ "msi-vectors", 2, 0, { .caps = MSI("0x0006") }, { .caps = MSI("0x0004") } },
	{ "msi-64bit", 0, 0, { .caps = MSI("0x0080") }, { .caps = MSI("0x0000") } },
	{ "msi-masking", 0, 0, { .caps = MSI("0x0100") }, { .caps = MSI("0x0000") } },
	{ "msix-vectors", 2, 0, { .bars = BAR0, .caps = MSIX("0x0007", "0x00000000", "0x00000800") },
	  { .bars = BAR0, .caps = MSIX("0x0003", "0x00000000", "0x00000800") } },
	{ "msix-table", 2, 0, { .bars = BAR0, .caps = MSIX("0x0003", "0x00000000", "0x00000800") },
	  { .bars = BAR0, .caps = MSIX("0x0003", "0x00001000", "0x00000800") } },
	{ "msix-pba", 2, 0, { .bars = BAR0, .caps = MSIX("0x0003", "0x00000000", "0x00000800") },
	  { .bars = BAR0, .caps = MSIX("0x0003", "0x00000000", "0x00001800") } },
	{ "flr", 2, 0, { .caps = PCIE("0x10000000", "") }, { .caps = PCIE("0x00000000", "") } },
	{ "flr", 0, 0, { .caps = PCIE("0x10000000", "") }, { .caps = PCIE("0x00000000", "") AF("0x03") } },
	{ "flr-af", 2, 0, { .caps = AF("0x02") }, { .caps = PCIE("0x00000000", "") AF("0x01") } },
	{ "flr-af", 0, 0, { .caps = AF("0x02") }, { .caps = PCIE("0x10000000", "") AF("0x00") } },
	{ "af-tp", 0, 0, { .caps = AF("0x01") }, { .caps = AF("0x00") } },
	{ "mps", 0, 0, { .caps = PCIE("0x00000005", "") }, { .caps = PCIE("0x00000000", "") } },
	{ "pm-d1d2", 2, 0, { .caps = PM("0x0603") }, { .caps = PM("0x0003") } },
	{ "pm-pme", 2, 0, { .caps = PM("0xc803") }, { .caps = PM("0x4803") } },
	{ "pasid-width", 2, 0, { .ext = PASID("0x1400") }, { .ext = PASID("0x1000") } },
	{ "pasid-exec", 2, 0, { .ext = PASID("0x1002") }, { .ext = PASID("0x1004") } },
	{ "pasid-priv", 2, 0, { .ext = PASID("0x1004") }, { .ext = PASID("0x1002") } },
	{ "ats-page-aligned", 2, 0, { .ext = ATS("0x0020") }, { .ext = ATS("0x0040") } },
	{ "ats-global-invalidate", 2, 0, { .ext = ATS("0x0040") }, { .ext = ATS("0x0020") } },
	{ "pri-capacity", 2, 0, { .ext = PRI("0x00000100") }, { .ext = PRI("0x00000020") } },
	{ "sriov-vfs", 2, 0, { .ext = SRIOV("0x0008") }, { .ext = SRIOV("0x0004") } },
};

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		vpci_func *g = guest(&c->g), *p = phys(&c->p);
		vpci_binding *b = NULL;
		struct vpci_bind_reason r;
		assert_int_equal(bind_run(g, p, c->strict ? BIND_STRICT : 0, &b), 0);
		const struct vpci_bind_reason *hit = find_reason(b, c->rule, &r);
		if ((c->expect == 0) != (hit == NULL) || (hit && hit->blocker != (c->expect == 2))) {
			char *t = NULL;
			vpci_binding_format(b, VPCI_BINDING_TEXT, &t, NULL);
			print_error("case %zu (%s, expect %d):\n%s", i, c->rule, c->expect, t);
			free(t);
			fail();
		}
		if (hit) {
			/* named at the instance's line, with its offset */
			assert_string_equal(hit->file, "g.yaml");
			assert_true(hit->line > 0);
			assert_non_null(strstr(hit->message, c->rule));
		}
		/* the verdict follows the blockers */
		int blockers = 0;
		for (size_t k = 0; k < vpci_binding_reason_count(b); k++) {
			vpci_binding_reason(b, k, &r);
			blockers += r.blocker;
		}
		assert_int_equal(vpci_binding_ok(b), blockers == 0);
		vpci_binding_free(b);
		vpci_func_free(g);
		vpci_func_free(p);
	}
}

/* every rule of the table has a case above and a row in docs/binding.md */
static void test_rules_covered(void **state)
{
	char path[512], *text = NULL;
	const char *src = getenv("VPCI_SRCDIR");
	FILE *fp;

	(void)state;
	for (unsigned i = 0; i < bind_nrules; i++) {
		int seen = 0;
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
			seen |= !strcmp(cases[k].rule, bind_rules[i].id);
		if (!seen)
			print_error("rule %s has no case\n", bind_rules[i].id);
		assert_true(seen);
		assert_non_null(bind_rules[i].why);
	}
	if (!src) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "%s/docs/binding.md", src);
	fp = fopen(path, "r");
	assert_non_null(fp);
	text = calloc(1, 1 << 16);
	assert_non_null(text);
	size_t n = fread(text, 1, (1 << 16) - 1, fp);
	fclose(fp);
	text[n] = '\0';
	for (unsigned i = 0; i < bind_nrules; i++) {
		char want[64];
		snprintf(want, sizeof(want), "| `%s` |", bind_rules[i].id);
		if (!strstr(text, want))
			print_error("docs/binding.md has no row for %s\n", bind_rules[i].id);
		assert_non_null(strstr(text, want));
	}
	free(text);
}

/* --- the relocation map ------------------------------------------------ */

static const struct side moved_g = {
	.hdr = PF_CMD,
	.ext = "    - type: aer\n      offset: 0x100\n      version: 2\n      fields:\n"
	       "        uncorrectable-status: {value: 0x00000000, backing: device}\n"
	       "        uncorrectable-mask: {value: 0x00000000, backing: device}\n",
};
static const struct side moved_p = {
	.ext = "    - {type: vsec, offset: 0x100, version: 1, fields: {vsec-header: 0x01000001}}\n"
	       "    - {type: aer, offset: 0x200, version: 2}\n",
};

static void test_moved_aer(void **state)
{
	vpci_func *g = guest(&moved_g), *p = phys(&moved_p);
	vpci_binding *b = NULL;

	(void)state;
	assert_int_equal(vpci_bind(g, p, &b, NULL), 0);
	assert_true(vpci_binding_ok(b));
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(vpci_binding_lookup(b, 0x104 + i), 0x204 + (int)i);
	/* the AER header, the rest of AER and the whole VSEC are untouched */
	assert_int_equal(vpci_binding_lookup(b, 0x100), -1);
	assert_int_equal(vpci_binding_lookup(b, 0x10c), -1);
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++) {
		int ph = vpci_binding_lookup(b, o);
		assert_true(ph < 0x100 || ph >= 0x200);
	}
	/* Command stays at its offset */
	assert_int_equal(vpci_binding_lookup(b, 0x04), 0x04);
	assert_int_equal(vpci_binding_lookup(b, 0x05), 0x05);
	assert_int_equal(vpci_binding_lookup(b, 0x4000), -1);
	/* the map as ranges, moved ones named */
	struct vpci_bind_range r;
	int found = 0;
	for (size_t i = 0; i < vpci_binding_range_count(b); i++) {
		assert_int_equal(vpci_binding_range(b, i, &r), 0);
		if (r.guest == 0x104) {
			assert_int_equal(r.physical, 0x204);
			assert_int_equal(r.length, 4);
			assert_non_null(strstr(r.what, "uncorrectable-status"));
			found = 1;
		}
	}
	assert_true(found);
	assert_int_equal(vpci_binding_range(b, vpci_binding_range_count(b), &r), VPCI_ENOENT);
	vpci_binding_free(b);
	vpci_func_free(g);
	vpci_func_free(p);
}

static void test_relocated_layouts(void **state)
{
	vpci_binding *b = NULL;

	(void)state;
	/* a vendor capability body backed by the device moves with it */
	struct side vg = { .caps = "    - {type: vendor, offset: 0x40, fields: {length: 0x08}}\n",
			   .raw = DEVRAW("0x44", "00 00 00 00") };
	struct side vp = { .caps = "    - {type: pm, offset: 0x40}\n    - {type: vendor, offset: 0x50, fields: {length: 0x08}}\n" };
	vpci_func *g = guest(&vg), *p = phys(&vp);
	assert_int_equal(vpci_bind(g, p, &b, NULL), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vpci_binding_lookup(b, 0x44 + i), 0x54 + (int)i);
	vpci_binding_free(b);
	vpci_func_free(g);
	vpci_func_free(p);

	/* MSI data of a 32-bit layout (0x08) backed by a 64-bit one (0x0c):
	 * registers are matched by name, not by offset */
	struct side mg = { .caps = "    - {type: msi, offset: 0x60, fields: {message-control: 0x0000, "
				   "message-data: {value: 0x0000, backing: device}}}\n" };
	struct side mp = { .caps = "    - {type: msi, offset: 0x80, fields: {message-control: 0x0080}}\n" };
	g = guest(&mg);
	p = phys(&mp);
	assert_int_equal(vpci_bind(g, p, &b, NULL), 0);
	assert_int_equal(vpci_binding_lookup(b, 0x68), 0x8c);
	assert_int_equal(vpci_binding_lookup(b, 0x69), 0x8d);
	vpci_binding_free(b);
	vpci_func_free(g);
	vpci_func_free(p);

	/* a VSEC with another ID is not the same capability */
	struct side sg = { .ext = "    - type: vsec\n      offset: 0x100\n      version: 1\n      fields:\n"
				  "        vsec-header: {value: 0x00800002, backing: device}\n" };
	struct side sp = { .ext = "    - {type: vsec, offset: 0x100, version: 1, fields: {vsec-header: 0x00800003}}\n"
				  "    - {type: vsec, offset: 0x200, version: 1, fields: {vsec-header: 0x00800002}}\n" };
	g = guest(&sg);
	p = phys(&sp);
	assert_int_equal(vpci_bind(g, p, &b, NULL), 0);
	assert_int_equal(vpci_binding_lookup(b, 0x104), 0x204);
	vpci_binding_free(b);
	vpci_func_free(p);
	sp.ext = "    - {type: vsec, offset: 0x100, version: 1, fields: {vsec-header: 0x00800003}}\n";
	p = phys(&sp);
	assert_int_equal(vpci_bind(g, p, &b, NULL), VPCI_EDATA);
	assert_int_equal(vpci_binding_lookup(b, 0x104), -1);
	vpci_binding_free(b);
	vpci_func_free(g);
	vpci_func_free(p);
}

/* --- every reason, with positions --------------------------------------- */

static void test_every_reason(void **state)
{
	struct side g = { .hdr = IDS ", interrupt-pin: 0x01",
			  .bars = "    - {index: 0, type: mem32, size: 32KiB}\n",
			  .caps = PCIE("0x10000000", ", device-status: {value: 0x0000, backing: device}"),
			  .ext = moved_g.ext };
	struct side p = { .bars = BAR0 };
	vpci_func *gf = guest(&g), *pf = phys(&p);
	vpci_binding *b = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_bind_reason r;

	(void)state;
	assert_int_equal(vpci_bind(gf, pf, &b, d), VPCI_EDATA);
	assert_false(vpci_binding_ok(b));
	/* interrupt pin, BAR size, PCIe (device-backed), AER (device-backed);
	 * the FLR bit of a missing PCIe capability still needs an FLR */
	static const char *const want[] = { "interrupt-pin", "bar-size", "cap-device", "flr" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_non_null(find_reason(b, want[i], &r));
	size_t caps = 0;
	for (size_t i = 0; i < vpci_binding_reason_count(b); i++) {
		vpci_binding_reason(b, i, &r);
		caps += !strcmp(r.rule, "cap-device");
	}
	assert_int_equal(caps, 2);
	/* the same reasons as diagnostics: FILE:LINE, guest and physical offsets */
	assert_int_equal(vpci_diag_errors(d), vpci_binding_reason_count(b));
	assert_non_null(find_reason(b, "bar-size", &r));
	assert_int_equal(r.line, 8);
	assert_int_equal(r.guest, 0x10);
	assert_int_equal(r.physical, 0x10);
	assert_non_null(strstr(r.message, "guest 0x10, physical 0x10"));
	const struct vpci_diag_entry *e = vpci_diag_get(d, 0);
	assert_string_equal(e->file, "g.yaml");
	assert_true(e->line > 0);
	vpci_binding_free(b);
	vpci_diag_free(d);
	vpci_func_free(gf);
	vpci_func_free(pf);
}

static void test_print(void **state)
{
	vpci_func *g = guest(&moved_g), *p = phys(&moved_p);
	vpci_binding *b = NULL;
	char *t = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(vpci_bind(g, p, &b, NULL), 0);
	assert_int_equal(vpci_binding_format(b, VPCI_BINDING_TEXT, &t, &len), 0);
	assert_int_equal(strlen(t), len);
	assert_non_null(strstr(t, "can back"));
	assert_non_null(strstr(t, "0x104..0x107 -> 0x204..0x207  Advanced Error Reporting uncorrectable-status  (moved)"));
	free(t);
	assert_int_equal(vpci_binding_format(b, VPCI_BINDING_JSON, &t, NULL), 0);
	assert_non_null(strstr(t, "\"can_back\": true"));
	assert_non_null(strstr(t, "{\"guest\": 260, \"physical\": 516, \"length\": 4, \"what\": \"Advanced Error Reporting uncorrectable-status\"}"));
	free(t);
	assert_int_equal(vpci_binding_format(b, (enum vpci_binding_format)7, &t, NULL), VPCI_EINVAL);
	vpci_binding_free(b);
	vpci_func_free(p);
	/* a refusal in JSON: the rule, the position and both offsets */
	struct side none = { 0 };
	p = phys(&none);
	assert_int_equal(vpci_bind(g, p, &b, NULL), VPCI_EDATA);
	assert_int_equal(vpci_binding_format(b, VPCI_BINDING_JSON, &t, NULL), 0);
	assert_non_null(strstr(t, "\"can_back\": false"));
	assert_non_null(strstr(t, "\"rule\": \"cap-device\", \"severity\": \"error\", \"file\": \"g.yaml\", \"line\": 10"));
	assert_non_null(strstr(t, "\"guest\": 256, \"physical\": -1"));
	free(t);
	vpci_binding_free(b);
	vpci_func_free(g);
	vpci_func_free(p);
}

/* --- vpci_common() ------------------------------------------------------ */

static char *write_text(const vpci_func *f)
{
	char *t = NULL;
	size_t len;

	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, &t, &len), 0);
	return t;
}

static void assert_binds(const vpci_func *o, const vpci_func *const *fns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vpci_binding *b = NULL;
		assert_int_equal(bind_run(o, fns[i], BIND_STRICT, &b), 0);
		if (!vpci_binding_ok(b)) {
			char *t = NULL;
			vpci_binding_format(b, VPCI_BINDING_TEXT, &t, NULL);
			print_error("%s", t);
			free(t);
		}
		assert_true(vpci_binding_ok(b));
		vpci_binding_free(b);
	}
}

static void test_common(void **state)
{
	struct side a = {
		.hdr = PF_CMD ", interrupt-pin: 0x01",
		.bars = "    - {index: 0, type: mem64, prefetchable: true, size: 16KiB}\n"
			"    - {index: 2, type: mem32, size: 8KiB}\n",
		.rom = "size: 64KiB",
		.caps = PM("0xc803") MSIX("0x0007", "0x00000002", "0x00000802")
			PCIE_AT("0xa0", "0x10000000", ", device-status: {value: 0x0000, backing: device}"),
		.ext = "    - type: aer\n      offset: 0x100\n      version: 2\n      fields:\n"
		       "        uncorrectable-status: {value: 0x00000000, backing: device}\n"
		       "    - {type: dsn, offset: 0x140, version: 1}\n",
		.raw = DEVRAW("0xe0", "00 00 00 00"),
	};
	/* b: no AER, smaller vectors and BAR 0, BAR 0 not prefetchable, no
	 * FLR, no PME from D3cold, no ROM, a capability in a's gap, no pin */
	struct side bside = {
		.hdr = IDS ", interrupt-pin: 0x00",
		.bars = "    - {index: 0, type: mem64, size: 8KiB}\n    - {index: 2, type: mem32, size: 8KiB}\n",
		.caps = PM("0x4803") MSIX("0x0003", "0x00000002", "0x00000802") PCIE_AT("0xa0", "0x00000000", "")
			"    - {type: vendor, offset: 0xe0, fields: {length: 0x08}}\n",
		.ext = "    - {type: dsn, offset: 0x100, version: 1}\n",
	};
	vpci_func *fa = guest(&a), *fb = phys(&bside);
	const vpci_func *fns[] = { fa, fb };
	const char *labels[] = { "a.yaml", "b.yaml" };
	struct vpci_common_opts o = { "fleet", NULL, labels };
	vpci_func *c = NULL, *c2 = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_bar_info bi;

	(void)state;
	assert_int_equal(vpci_common(fns, 2, &o, &c, d), 0);
	assert_string_equal(vpci_func_name(c), "fleet");
	assert_int_equal(vpci_func_find_cap(c, true, 0x0001, NULL), VPCI_ENOENT);   /* AER dropped */
	struct vpci_cap_info ci;
	assert_true(vpci_func_find_cap(c, true, 0x0003, &ci) >= 0);                 /* DSN moved: kept */
	assert_int_equal(ci.offset, 0x140);
	assert_true(vpci_func_find_cap(c, true, 0x0000, &ci) >= 0);                 /* 0x100 anchor */
	assert_int_equal(ci.offset, 0x100);
	assert_int_equal(vpci_func_read(c, 0x72, 2) & 0x7ff, 3);                     /* MSI-X minimum */
	assert_int_equal(vpci_func_read(c, 0xa4, 4) & (1u << 28), 0);                /* FLR cleared */
	assert_int_equal(vpci_func_read(c, 0x52, 2), 0x4803);                        /* PME intersected */
	assert_int_equal(vpci_func_read(c, 0x3d, 1), 0);                             /* no INTx */
	assert_int_equal(vpci_func_bar(c, 0, &bi), 0);
	assert_int_equal(bi.size, 8192);                                             /* BAR minimum */
	assert_false(bi.prefetchable);
	assert_int_equal(vpci_func_bar(c, 6, &bi), VPCI_ENOENT);                     /* ROM dropped */
	assert_int_equal(vpci_func_plane(c, VPCI_PL_DEVICE)[0xe0], 0);               /* gap closed */
	assert_int_equal(vpci_func_plane(c, VPCI_PL_DEVICE)[0xaa], 0xff);            /* kept device-backed */
	assert_binds(c, fns, 2);
	/* the result is a valid instance; notes say what changed, as comments */
	vpci_diag_clear(d);
	assert_int_equal(vpci_validate(c, d), 0);
	char *t = write_text(c);
	assert_non_null(strstr(t, "\n# dropped the capability (b.yaml): [cap-device] Advanced Error Reporting"));
	assert_non_null(strstr(t, "\n# took the function's value (b.yaml): [msix-vectors]"));
	assert_non_null(strstr(t, "\n# cleared the bits (b.yaml): [flr]"));
	assert_non_null(strstr(t, "\n# took the function's size (b.yaml): [bar-size]"));
	assert_non_null(strstr(t, "\n# made the BAR non-prefetchable (b.yaml): [bar-prefetch]"));
	assert_non_null(strstr(t, "\n# dropped the ROM (b.yaml): [rom]"));
	assert_non_null(strstr(t, "\n# removed the gap registers (b.yaml): [gap]"));
	assert_non_null(strstr(t, "\n# set to 0 (b.yaml): [interrupt-pin]"));
	assert_non_null(strstr(t, "source: \"common\""));
	/* notes are comments: the text reads back to the same model */
	vpci_func *back = parse_flags(t, "c.yaml", 0);
	char *t2 = write_text(back), *stripped = calloc(1, strlen(t) + 1);
	assert_non_null(stripped);
	for (const char *l = t; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l + 1) : strlen(l);
		if (l == t || strncmp(l, "# ", 2))
			strncat(stripped, l, n);
		l += n;
	}
	assert_string_equal(stripped, t2);
	free(stripped);
	vpci_func_free(back);
	free(t2);
	/* deterministic */
	assert_int_equal(vpci_common(fns, 2, &o, &c2, NULL), 0);
	char *t3 = write_text(c2);
	assert_string_equal(t, t3);
	free(t3);
	vpci_func_free(c2);
	free(t);
	vpci_func_free(c);

	/* IDs from another function */
	struct side ids = { .hdr = "vendor-id: 0x1af4, device-id: 0x1041, class-code: 0x020000" };
	vpci_func *fi = phys(&ids);
	o.ids = fi;
	assert_int_equal(vpci_common(fns, 2, &o, &c, NULL), 0);
	assert_int_equal(vpci_func_read(c, 0, 4), 0x10411af4u);
	vpci_func_free(c);
	vpci_func_free(fi);
	vpci_func_free(fa);
	vpci_func_free(fb);
	vpci_diag_free(d);
}

static void test_common_cases(void **state)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *c = NULL;

	(void)state;
	/* a VF and a PF: nothing helps */
	struct side pf = { .hdr = PF_CMD }, vf = { .hdr = VF_IDS };
	vpci_func *a = guest(&pf), *b = phys(&vf);
	const vpci_func *fns[] = { a, b };
	assert_int_equal(vpci_common(fns, 2, NULL, &c, d), VPCI_EDATA);
	assert_null(c);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "[function-type]"));
	vpci_func_free(a);
	vpci_func_free(b);

	/* 256 bytes on one: every extended capability goes */
	struct side big = { .ext = "    - {type: dsn, offset: 0x100, version: 1}\n" }, small = { .size = 256 };
	a = guest(&big);
	b = phys(&small);
	fns[0] = a;
	fns[1] = b;
	assert_int_equal(vpci_common(fns, 2, NULL, &c, NULL), 0);
	assert_int_equal(vpci_func_config_size(c), 256);
	assert_int_equal(vpci_func_cap_count(c), 0);
	assert_binds(c, fns, 2);
	vpci_func_free(c);
	vpci_func_free(a);
	vpci_func_free(b);

	/* BAR kinds differ: the BAR goes, and the MSI-X whose table was in it */
	struct side k1 = { .bars = "    - {index: 0, type: mem64, size: 16KiB}\n",
			   .caps = MSIX("0x0003", "0x00000000", "0x00000800") };
	struct side k2 = { .bars = "    - {index: 0, type: mem32, size: 16KiB}\n",
			   .caps = MSIX("0x0003", "0x00000000", "0x00000800") };
	a = guest(&k1);
	b = phys(&k2);
	fns[0] = a;
	fns[1] = b;
	assert_int_equal(vpci_common(fns, 2, NULL, &c, NULL), 0);
	struct vpci_bar_info bi;
	assert_int_equal(vpci_func_bar(c, 0, &bi), VPCI_ENOENT);
	assert_int_equal(vpci_func_find_cap(c, false, 0x11, NULL), VPCI_ENOENT);
	assert_binds(c, fns, 2);
	vpci_func_free(c);
	vpci_func_free(a);
	vpci_func_free(b);

	/* one function: itself */
	a = guest(&moved_g);
	fns[0] = a;
	assert_int_equal(vpci_common(fns, 1, NULL, &c, NULL), 0);
	assert_int_equal(vpci_func_cap_count(c), vpci_func_cap_count(a));
	vpci_func_free(c);
	vpci_func_free(a);
	assert_int_equal(vpci_common(fns, 0, NULL, &c, NULL), VPCI_EINVAL);
	vpci_diag_free(d);
}


/* --- the engine on a real backend --------------------------------------- */

/* A real function in memory that records every access. */
struct rec {
	uint8_t cfg[VPCI_CFG_SIZE];
	unsigned size;
	unsigned naccess, nwrites;
	uint8_t touched[VPCI_CFG_SIZE];
	struct vpci_backend_desc desc;
	int destroyed;
};

static int rec_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	struct rec *r = ctx;

	if (off + size > r->size)
		return VPCI_EIO;
	r->naccess++;
	for (unsigned i = 0; i < size; i++)
		r->touched[off + i] |= 1;
	*val = 0;
	memcpy(val, r->cfg + off, size); /* little-endian host */
	return 0;
}

static int rec_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	struct rec *r = ctx;

	(void)mask;
	if (off + size > r->size)
		return VPCI_EIO;
	r->naccess++;
	r->nwrites++;
	for (unsigned i = 0; i < size; i++) {
		r->touched[off + i] |= 2;
		r->cfg[off + i] = (uint8_t)(val >> (8 * i));
	}
	return 0;
}

static int rec_describe(void *ctx, struct vpci_backend_desc *out)
{
	*out = ((struct rec *)ctx)->desc;
	return 0;
}

static void rec_destroy(void *ctx)
{
	((struct rec *)ctx)->destroyed++;
}

static const struct vpci_backend_ops rec_ops = {
	.read = rec_read, .write = rec_write, .destroy = rec_destroy,
	.flags = VPCI_BACKEND_REAL, .describe = rec_describe,
};

static void rec_init(struct rec *r, const vpci_func *p)
{
	memset(r, 0, sizeof(*r));
	r->size = vpci_func_config_size(p);
	assert_int_equal(vpci_render_bin(p, r->cfg, sizeof(r->cfg)), (int)r->size);
	for (unsigned i = 0; i < 7; i++) {
		struct vpci_bar_info bi;
		if (vpci_func_bar(p, i, &bi) == 0)
			r->desc.bar[i] = bi;
	}
}

/* The instance of the moved-AER case with more device-backed registers:
 * Command, Status, PCIe Device Control/Status, a 32-bit MSI data word
 * backed by a 64-bit MSI's, and the AER registers. */
static const struct side wide_g = {
	.hdr = IDS ", command: {value: 0x0000, device: 0x0547}, status: {value: 0x0010, device: 0xf908}",
	.bars = BAR0,
	.caps = "    - {type: msi, offset: 0x50, fields: {message-control: 0x0000, message-data: {value: 0x0000, backing: device}}}\n"
		"    - {type: pcie, offset: 0x60, fields: {pcie-capabilities: 0x0002, device-control: {value: 0x2810, device: 0x081f}, "
		"device-status: {value: 0x0000, backing: device}}}\n",
	.ext = "    - type: aer\n      offset: 0x100\n      version: 2\n      fields:\n"
	       "        uncorrectable-status: {value: 0x00000000, backing: device}\n"
	       "        uncorrectable-mask: {value: 0x00000000, backing: device}\n"
	       "        correctable-status: {value: 0x00000000, backing: device}\n",
};
static const struct side wide_p = {
	.bars = BAR0,
	.caps = "    - {type: pm, offset: 0x40}\n"
		"    - {type: pcie, offset: 0x48, fields: {pcie-capabilities: 0x0002, device-status: 0x0004}}\n"
		"    - {type: msi, offset: 0x90, fields: {message-control: 0x0080, message-data: 0x4321}}\n",
	.ext = "    - {type: vsec, offset: 0x100, version: 1, fields: {vsec-header: 0x01000001}}\n"
	       "    - {type: aer, offset: 0x200, version: 2, fields: {uncorrectable-status: 0x00001000}}\n",
};

static void test_engine_recorder(void **state)
{
	vpci_func *g = guest(&wide_g), *p = phys(&wide_p);
	vpci_binding *b = NULL;
	struct rec r;
	vpci_emu *e = NULL;
	vpci_diag *d = vpci_diag_new();
	uint8_t allowed[VPCI_CFG_SIZE] = { 0 }, before[VPCI_CFG_SIZE];

	(void)state;
	rec_init(&r, p);
	memcpy(before, r.cfg, sizeof(before));
	/* the matched registers: what the binding maps */
	assert_int_equal(vpci_bind(g, p, &b, NULL), 0);
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++)
		if (vpci_binding_lookup(b, o) >= 0)
			allowed[vpci_binding_lookup(b, o)] = 1;
	struct vpci_backend be = { &rec_ops, &r, NULL };
	assert_int_equal(vpci_emu_new(g, &be, NULL, NULL, &e, d), 0);
	/* the device's values reach the guest at the guest's offsets */
	uint32_t v;
	assert_int_equal(vpci_emu_read(e, 0x104, 4, &v), 0);
	assert_int_equal(v, 0x00001000);                /* physical AER at 0x204 */
	assert_int_equal(vpci_emu_read(e, 0x6a, 2, &v), 0);
	assert_int_equal(v, 0x0004);                    /* physical PCIe at 0x48 */
	assert_int_equal(vpci_emu_read(e, 0x58, 2, &v), 0);
	assert_int_equal(v, 0x4321);                    /* MSI data at 0x9c, not 0x98 */
	/* the whole matrix: every offset, size, direction, two patterns */
	static const unsigned sizes[] = { 1, 2, 4 };
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++) {
		for (unsigned k = 0; k < 3; k++) {
			unsigned sz = sizes[k];
			if (o + sz > VPCI_CFG_SIZE)
				continue;
			assert_int_equal(vpci_emu_read(e, o, sz, &v), 0);
			assert_int_equal(vpci_emu_write(e, o, sz, 0xffffffffu), 0);
			assert_int_equal(vpci_emu_write(e, o, sz, 0x5a5aa5a5u ^ o), 0);
			assert_int_equal(vpci_emu_read(e, o, sz, &v), 0);
		}
	}
	vpci_emu_free(e);
	assert_int_equal(r.destroyed, 1);
	unsigned reads = 0, writes = 0;
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++)
		writes += (r.touched[o] & 2) != 0;
	assert_true(writes > 0);
	/* nothing outside a matched register was ever written; the VSEC at
	 * 0x100 and the rest of the function are as they were */
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++) {
		if (r.touched[o] & 2)
			assert_true(allowed[o]);
		if (!allowed[o])
			assert_int_equal(r.cfg[o], before[o]);
	}
	/* reads too: a second engine on a recorder whose binding-time reads
	 * are cleared before the matrix runs */
	rec_init(&r, p);
	be.ctx = &r;
	assert_int_equal(vpci_emu_new(g, &be, NULL, NULL, &e, d), 0);
	memset(r.touched, 0, sizeof(r.touched));
	r.naccess = 0;
	unsigned want = 0;  /* reads that hold a device-backed byte: each reaches the backend */
	const uint8_t *dev = vpci_func_plane(g, VPCI_PL_DEVICE);
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++)
		for (unsigned k = 0; k < 3; k++)
			if (o + sizes[k] <= VPCI_CFG_SIZE) {
				for (unsigned i = 0; i < sizes[k]; i++)
					if (dev[o + i]) {
						want++;
						break;
					}
				assert_int_equal(vpci_emu_read(e, o, sizes[k], &v), 0);
				assert_int_equal(vpci_emu_write(e, o, sizes[k], ~v), 0);
			}
	vpci_emu_free(e);
	reads = 0;
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++) {
		if (r.touched[o]) {
			if (!allowed[o])
				print_error("physical %#x touched (%u), not a matched register\n", o, r.touched[o]);
			assert_true(allowed[o]);
			reads++;
		}
		assert_true(o < 0x100 || o >= 0x200 || !r.touched[o]); /* the VSEC */
	}
	assert_true(want > 50 && r.naccess >= want);
	print_message("recorder: %u backend accesses (%u guest reads hold device-backed bytes) over the 4 KiB x "
		      "{1,2,4} matrix, %u physical bytes touched, all matched\n", r.naccess, want, reads);
	vpci_binding_free(b);
	vpci_diag_free(d);
	vpci_func_free(g);
	vpci_func_free(p);
}

static void test_engine_refuses(void **state)
{
	/* the function lacks AER, has a smaller BAR and no pin */
	struct side g = moved_g;
	g.bars = "    - {index: 0, type: mem32, size: 32KiB}\n";
	g.hdr = PF_CMD ", interrupt-pin: 0x01";
	struct side ps = { .bars = BAR0 };
	vpci_func *gf = guest(&g), *pf = phys(&ps);
	struct rec r;
	vpci_emu *e = NULL;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	rec_init(&r, pf);
	struct vpci_backend be = { &rec_ops, &r, NULL };
	assert_int_equal(vpci_emu_new(gf, &be, NULL, NULL, &e, d), VPCI_EDATA);
	assert_null(e);
	assert_int_equal(r.destroyed, 1);   /* the backend was taken over */
	assert_int_equal(r.nwrites, 0);     /* nothing reached the device */
	int cap = 0, bar = 0, pin = 0, last = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const char *m = vpci_diag_get(d, i)->message;
		cap |= strstr(m, "[cap-device]") != NULL;
		bar |= strstr(m, "[bar-size]") != NULL;
		pin |= strstr(m, "[interrupt-pin]") != NULL;
		last |= strstr(m, "cannot back instance 'g'") != NULL;
	}
	assert_true(cap && bar && pin && last);

	/* a binding made for another instance is refused */
	vpci_binding *b = NULL;
	vpci_func *other = guest(&(struct side){ .hdr = PF_CMD });
	assert_int_equal(vpci_bind(other, pf, &b, NULL), 0);
	rec_init(&r, pf);
	struct vpci_backend be2 = { &rec_ops, &r, b };
	vpci_diag_clear(d);
	assert_int_equal(vpci_emu_new(gf, &be2, NULL, NULL, &e, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "not made for this instance"));
	/* ... and one made for it is used as given */
	rec_init(&r, pf);
	assert_int_equal(vpci_emu_new(other, &be2, NULL, NULL, &e, NULL), 0);
	vpci_emu_free(e);
	vpci_binding_free(b);
	/* a simulated device (no VPCI_BACKEND_REAL) backs the instance itself */
	struct vpci_backend_ops sim = rec_ops;
	sim.flags = 0;
	rec_init(&r, gf);
	struct vpci_backend be3 = { &sim, &r, NULL };
	assert_int_equal(vpci_emu_new(gf, &be3, NULL, NULL, &e, NULL), 0);
	uint32_t v;
	assert_int_equal(vpci_emu_write(e, 0x108, 4, 0x1000), 0);
	assert_int_equal(vpci_emu_read(e, 0x108, 4, &v), 0);
	assert_int_equal(v, 0x1000);
	assert_int_equal(r.cfg[0x109], 0x10);
	vpci_emu_free(e);
	vpci_func_free(other);
	vpci_func_free(gf);
	vpci_func_free(pf);
	vpci_diag_free(d);
}

/* The moved-capability case through the sysfs backend on a crafted tree:
 * the instance has AER at 0x100, the function a VSEC at 0x100 and AER at
 * 0x200; a guest write to AER reaches 0x2xx, never 0x1xx. */
static void test_sysfs_moved_aer(void **state)
{
	char root[] = "/tmp/vpci-bind-XXXXXX", path[512];
	uint8_t cfg[VPCI_CFG_SIZE], after[VPCI_CFG_SIZE];
	vpci_func *g = guest(&moved_g), *p = phys(&moved_p);
	struct vpci_backend be;
	vpci_emu *e = NULL;
	vpci_diag *d = vpci_diag_new();
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(root));
	const char *dirs[] = { "/bus", "/bus/pci", "/bus/pci/devices", "/bus/pci/devices/0000:01:00.0" };
	for (unsigned i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	assert_int_equal(vpci_render_bin(p, cfg, sizeof(cfg)), 4096);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:01:00.0/config", root);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), fp), sizeof(cfg));
	fclose(fp);
	assert_int_equal(vpci_backend_sysfs(root, "0000:01:00.0", &be, d), 0);
	assert_int_equal(vpci_emu_new(g, &be, NULL, NULL, &e, d), 0);
	/* AER Uncorrectable Error Mask, bit 12 (Poisoned TLP), at guest 0x108 */
	assert_int_equal(vpci_emu_write(e, 0x108, 4, 0x00001000), 0);
	uint32_t v;
	assert_int_equal(vpci_emu_read(e, 0x108, 4, &v), 0);
	assert_int_equal(v, 0x00001000);
	vpci_emu_free(e);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(after, 1, sizeof(after), fp), sizeof(after));
	fclose(fp);
	assert_int_equal(le32(after + 0x208), 0x00001000);          /* the physical AER */
	assert_memory_equal(after + 0x100, cfg + 0x100, 0x100);      /* the VSEC untouched */
	after[0x208 + 1] = cfg[0x208 + 1];
	assert_memory_equal(after, cfg, sizeof(cfg));                /* nothing else */

	/* a function that cannot back it: no AER at all */
	vpci_func *bad = phys(&(struct side){ .ext = "    - {type: vsec, offset: 0x100, version: 1, fields: {vsec-header: 0x01000001}}\n" });
	assert_int_equal(vpci_render_bin(bad, cfg, sizeof(cfg)), 4096);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), fp), sizeof(cfg));
	fclose(fp);
	vpci_diag_clear(d);
	assert_int_equal(vpci_backend_sysfs(root, "0000:01:00.0", &be, d), 0);
	assert_int_equal(vpci_emu_new(g, &be, NULL, NULL, &e, d), VPCI_EDATA);
	assert_true(vpci_diag_errors(d) >= 2);
	vpci_func_free(bad);
	unlink(path);
	for (int i = 3; i >= 0; i--) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		rmdir(path);
	}
	rmdir(root);
	vpci_diag_free(d);
	vpci_func_free(g);
	vpci_func_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_rules_covered),
		cmocka_unit_test(test_moved_aer),
		cmocka_unit_test(test_relocated_layouts),
		cmocka_unit_test(test_every_reason),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_common_cases),
		cmocka_unit_test(test_engine_recorder),
		cmocka_unit_test(test_engine_refuses),
		cmocka_unit_test(test_sysfs_moved_aer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
