/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-guest.c - the guest policy on crafted functions: every host-specific
 * region set (the guest view must show none of it), broken structures (the
 * derive must give a valid view or refuse), and BAR facts from the caller.
 * Every derived guest view here must pass vpci_validate().
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

#include "vpci/vpci.h"
#include "unit-util.h"

static char path[256];

static uint32_t rd(const vpci_func *f, unsigned off, unsigned w)
{
	return vpci_func_read(f, off, w);
}

/* Write @cfg (@len bytes) as an lspci -xxxx dump with extra -v lines,
 * derive its guest view with @opts; 0 or the derive status. */
static int derive_dump(const uint8_t *cfg, unsigned len, const char *vlines, struct vpci_derive_opts *opts,
		       vpci_func **out, vpci_diag *d)
{
	FILE *fp = fopen(path, "w");
	vpci_source *s = NULL;

	assert_non_null(fp);
	fprintf(fp, "01:00.0 Device\n%s", vlines ? vlines : "");
	for (unsigned i = 0; i < len; i += 16) {
		fprintf(fp, "%02x:", i);
		for (unsigned k = 0; k < 16; k++)
			fprintf(fp, " %02x", cfg[i + k]);
		fprintf(fp, "\n");
	}
	fprintf(fp, "\n");
	fclose(fp);
	*out = NULL;
	assert_int_equal(vpci_source_open(VPCI_SRC_DUMP, path, &s, d), 0);
	int rc = vpci_derive(s, 0, opts, out, d);
	vpci_source_free(s);
	if (!rc) {
		vpci_diag *v = vpci_diag_new();
		if (vpci_validate(*out, v)) {
			char msg[512];
			vpci_diag_format(vpci_diag_get(v, 0), msg, sizeof(msg));
			fail_msg("derived guest view is invalid: %s", msg);
		}
		vpci_diag_free(v);
	}
	return rc;
}

static int has(const vpci_diag *d, const char *text)
{
	char buf[600];

	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		vpci_diag_format(vpci_diag_get(d, i), buf, sizeof(buf));
		if (strstr(buf, text))
			return 1;
	}
	return 0;
}

static int cap_at(const vpci_func *f, bool ext, unsigned id)
{
	struct vpci_cap_info ci;

	return vpci_func_find_cap(f, ext, (uint16_t)id, &ci) >= 0 ? ci.offset : -1;
}

/* A PCIe endpoint, 4 KiB, PM @0x40 -> PCIe @0x50 -> MSI @0x90, AER @0x100
 * -> DSN @0x140; BAR0 mem32 16 KiB. */
static void endpoint(uint8_t *c)
{
	memset(c, 0, 4096);
	unit_put16(c, 0x00, 0x8086);
	unit_put16(c, 0x02, 0x1234);
	unit_put16(c, 0x06, 0x0010);
	unit_put32(c, 0x08, 0x02000001);
	unit_put32(c, 0x10, 0xfe000000);
	unit_put16(c, 0x2c, 0x8086);
	unit_put16(c, 0x2e, 0x0001);
	c[0x34] = 0x40;
	c[0x3d] = 0x01;
	c[0x40] = 0x01; c[0x41] = 0x50; unit_put16(c, 0x42, 0x0003);
	c[0x50] = 0x10; c[0x51] = 0x90; unit_put16(c, 0x52, 0x0002);
	unit_put32(c, 0x54, 0x10008000);
	unit_put32(c, 0x5c, 0x00000411);
	c[0x90] = 0x05; c[0x91] = 0x00; unit_put16(c, 0x92, 0x0080);
	unit_put32(c, 0x100, 0x14020001);
	unit_put32(c, 0x140, 0x00010003);
	unit_put32(c, 0x144, 0xdeadbeef);
	unit_put32(c, 0x148, 0xcafef00d);
}

static const char bar0_size[] = "\tRegion 0: Memory at fe000000 (32-bit, non-prefetchable) [size=16K]\n";

/* docs/policy.md: the guest sees the function as after a reset and no
 * host identity: every host-specific region set here reads 0 */
static void test_host_state_gone(void **state)
{
	uint8_t c[4096];
	vpci_func *f;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	endpoint(c);
	unit_put16(c, 0x04, 0x0176);          /* MWI, VGA snoop, parity, SERR, bus master, memory */
	c[0x0c] = 0x10;                  /* cache line size */
	c[0x0d] = 0x40;                  /* latency timer */
	c[0x0e] = 0x80;                  /* multi-function */
	c[0x3c] = 0x0b;                  /* interrupt line */
	unit_put32(c, 0x54, 0x10008000 | 0x0ffc0000); /* captured slot power limit */
	unit_put32(c, 0x5c, 0x07000411);      /* port number 7 */
	unit_put32(c, 0x118, 0x000000a7);     /* AER first error pointer 7 */
	for (unsigned i = 0; i < 16; i++)
		c[0x11c + i] = (uint8_t)(0x40 + i); /* a host TLP header */
	assert_int_equal(derive_dump(c, 4096, bar0_size, NULL, &f, d), 0);
	assert_int_equal(rd(f, 0x04, 2), 0);
	assert_int_equal(rd(f, 0x0c, 1), 0);
	assert_int_equal(rd(f, 0x0d, 1), 0);
	assert_int_equal(rd(f, 0x0e, 1), 0);       /* single function, type 0 */
	assert_int_equal(rd(f, 0x3c, 1), 0);
	assert_int_equal(rd(f, 0x10, 4), 0);       /* BAR address */
	assert_int_equal(rd(f, 0x54, 4) & 0x0ffc0000, 0);
	assert_int_equal(rd(f, 0x54, 4) & 0x10008000, 0x10008000);
	assert_int_equal(rd(f, 0x5c, 4) >> 24, 0);
	assert_int_equal(rd(f, 0x118, 4) & 0x1f, 0);
	for (unsigned i = 0; i < 16; i += 4)
		assert_int_equal(rd(f, 0x11c + i, 4), 0);
	/* the serial number is a hash of the IDs, not the device's */
	assert_int_not_equal(rd(f, 0x144, 4), 0xdeadbeef);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* a bridge's DSN replacement must not hash its 0x2c (a host window) */
static void test_bridge_serial(void **state)
{
	uint8_t c[4096];
	vpci_func *f1, *f2;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	memset(c, 0, sizeof(c));
	unit_put16(c, 0x00, 0x8086);
	unit_put16(c, 0x02, 0x7777);
	unit_put16(c, 0x06, 0x0010);
	unit_put32(c, 0x08, 0x06040000);
	c[0x0e] = 0x01;
	c[0x1b] = 0x20;                 /* secondary latency timer */
	c[0x34] = 0x40;
	c[0x40] = 0x10; c[0x41] = 0x00; unit_put16(c, 0x42, 0x0042); /* PCIe v2 root port */
	unit_put32(c, 0x100, 0x00010003);
	unit_put32(c, 0x104, 0x11111111);
	unit_put32(c, 0x2c, 0x00000001);     /* prefetchable upper base */
	assert_int_equal(derive_dump(c, 4096, NULL, NULL, &f1, d), 0);
	assert_int_equal(rd(f1, 0x1b, 1), 0);
	unit_put32(c, 0x2c, 0x00000002);
	assert_int_equal(derive_dump(c, 4096, NULL, NULL, &f2, d), 0);
	assert_int_equal(rd(f1, 0x104, 4), rd(f2, 0x104, 4));
	assert_int_equal(rd(f1, 0x108, 4), rd(f2, 0x108, 4));
	vpci_func_free(f1);
	vpci_func_free(f2);
	vpci_diag_free(d);
}

static void test_interrupt_pin(void **state)
{
	uint8_t c[4096];
	vpci_func *f;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	endpoint(c);
	c[0x3d] = 0x07;
	assert_int_equal(derive_dump(c, 4096, bar0_size, NULL, &f, d), 0);
	assert_int_equal(rd(f, 0x3d, 1), 0);
	assert_true(has(d, "Interrupt Pin 0x7 is not INTA..INTD"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* extended capabilities without a PCIe capability: hidden, 256 bytes */
static void test_ext_without_pcie(void **state)
{
	uint8_t c[4096];
	vpci_func *f;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	endpoint(c);
	c[0x41] = 0x90;                 /* PM -> MSI, PCIe unlinked */
	memset(c + 0x50, 0, 0x40);
	assert_int_equal(derive_dump(c, 4096, bar0_size, NULL, &f, d), 0);
	assert_int_equal(vpci_func_config_size(f), 256);
	assert_int_equal(cap_at(f, true, 0x0001), -1);
	assert_true(has(d, "hidden from the guest: the function has no PCI Express capability"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* overlapping capabilities: the later one is hidden, the earlier one's
 * bytes survive; a capability past the end is hidden */
static void test_overlap_and_end(void **state)
{
	uint8_t c[4096];
	vpci_func *f;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	endpoint(c);
	c[0x91] = 0x44;                 /* MSI -> a 2nd MSI inside PM (PMCSR) */
	c[0x44] = 0x05;
	c[0x45] = 0x00;
	assert_int_equal(derive_dump(c, 4096, bar0_size, NULL, &f, d), 0);
	assert_true(has(d, "MSI capability hidden from the guest: it overlaps a capability kept before it"));
	assert_int_equal(cap_at(f, false, 0x01), 0x40);
	assert_int_equal(cap_at(f, false, 0x05), 0x90);
	assert_int_equal(rd(f, 0x42, 2), 0x0003); /* PM bytes intact */
	assert_int_equal(rd(f, 0x40, 1), 0x01);
	vpci_func_free(f);
	vpci_diag_clear(d);

	endpoint(c);
	c[0x41] = 0xf8;                 /* PM -> MSI-X at 0xf8 (12 bytes: past 0x100) */
	c[0xf8] = 0x11; c[0xf9] = 0x50;
	assert_int_equal(derive_dump(c, 4096, bar0_size, NULL, &f, d), 0);
	assert_true(has(d, "MSI-X capability hidden from the guest: it ends beyond the config space"));
	vpci_func_free(f);
	vpci_diag_clear(d);

	/* a vendor-specific capability at the very end: read safely, hidden */
	endpoint(c);
	unit_put32(c, 0x140, 0xffc10003);    /* DSN -> VSEC at 0xffc */
	unit_put32(c, 0xffc, 0x0001000b);
	assert_int_equal(derive_dump(c, 4096, bar0_size, NULL, &f, d), 0);
	assert_int_equal(cap_at(f, true, 0x000b), -1);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* MSI-X naming a BAR that reads 0 in a dump without sizes: no BAR is
 * guessed into the guest view; MSI-X is hidden with the reason.  With the
 * BAR given by the caller, it is kept. */
static void test_msix_bar_not_guessed(void **state)
{
	uint8_t c[4096];
	vpci_func *f;
	vpci_diag *d = vpci_diag_new();
	struct vpci_bar_info bi;

	(void)state;
	endpoint(c);
	unit_put32(c, 0x10, 0);
	c[0x91] = 0xa0;                 /* MSI -> MSI-X at 0xa0 */
	c[0xa0] = 0x11; c[0xa1] = 0x00; unit_put16(c, 0xa2, 0x0003);
	unit_put32(c, 0xa4, 0x00002000);
	unit_put32(c, 0xa8, 0x00003000);
	assert_int_equal(derive_dump(c, 4096, NULL, NULL, &f, d), 0);
	assert_int_equal(cap_at(f, false, 0x11), -1);
	assert_int_equal(vpci_func_bar(f, 0, &bi), VPCI_ENOENT);
	assert_true(has(d, "MSI-X capability hidden from the guest: its table or PBA lies in a BAR that reads 0"));
	vpci_func_free(f);
	vpci_diag_clear(d);

	struct vpci_bar_info given = { .index = 0, .type = VPCI_BAR_MEM64, .size = 16384 };
	struct vpci_derive_opts o = { VPCI_POLICY_GUEST, false, NULL, NULL, &given, 1 };
	assert_int_equal(derive_dump(c, 4096, NULL, &o, &f, d), 0);
	assert_int_equal(cap_at(f, false, 0x11), 0xa0);
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM64);
	assert_int_equal(bi.size, 16384);
	vpci_func_free(f);
	vpci_diag_clear(d);

	/* a given size that disagrees with the source is an error */
	given.size = 8192;
	assert_int_equal(derive_dump(c, 4096, bar0_size, &o, &f, d), VPCI_EDATA);
	assert_true(has(d, "given BAR 0 size 0x2000, but the source gives 0x4000"));
	vpci_diag_free(d);
}

/* a ROM size beyond PCI's 16 MiB from -vvv text is not taken */
static void test_rom_size_limit(void **state)
{
	uint8_t c[4096];
	vpci_func *f;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	endpoint(c);
	unit_put32(c, 0x30, 0xfff00000);
	assert_int_equal(derive_dump(c, 4096,
				     "\tRegion 0: Memory at fe000000 (32-bit, non-prefetchable) [size=16K]\n"
				     "\tExpansion ROM at fff00000 [disabled] [size=1G]\n", NULL, &f, d), 0);
	assert_true(has(d, "ROM 6: size 0x40000000 from the source does not fit the BAR kind"));
	vpci_func_free(f);
	vpci_diag_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_state_gone),
		cmocka_unit_test(test_bridge_serial),
		cmocka_unit_test(test_interrupt_pin),
		cmocka_unit_test(test_ext_without_pcie),
		cmocka_unit_test(test_overlap_and_end),
		cmocka_unit_test(test_msix_bar_not_guessed),
		cmocka_unit_test(test_rom_size_limit),
	};
	int rc;

	snprintf(path, sizeof(path), "/tmp/vpci-test-guest.%d.lspci", (int)getpid());
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
