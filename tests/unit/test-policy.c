/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-policy.c - every rule of the guest policy (docs/policy.md) and the
 * seeded quirks, proven on a crafted sysfs tree: an SR-IOV PF with hidden
 * and kept capabilities, vendor data and a register in a gap, and one of
 * its VFs (IDs 0xffff, bogus INTx pin, BARs from the kernel's resources).
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

#include <vpci/vpci.h>

#include "unit-util.h"

static char root[256];

static uint32_t get32(const uint8_t *p, unsigned off)
{
	return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
	       (uint32_t)p[off + 3] << 24;
}

static unsigned get16(const uint8_t *p, unsigned off)
{
	return p[off] | (unsigned)p[off + 1] << 8;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void write_str(const char *dir, const char *name, const char *s)
{
	write_file(dir, name, s, strlen(s));
}

#define EXT(id, ver, next) ((uint32_t)(id) | (uint32_t)(ver) << 16 | (uint32_t)(next) << 20)

/* PF 0000:01:00.0, Intel-like SR-IOV NIC */
static void make_pf(uint8_t *c)
{
	memset(c, 0, 4096);
	unit_put16(c, 0x00, 0x8086);
	unit_put16(c, 0x02, 0x1521);
	unit_put16(c, 0x04, 0x0546);          /* host left memory + bus master on */
	unit_put16(c, 0x06, 0x0010 | 0x4000); /* cap list + Signaled System Error */
	c[0x08] = 0x01;
	c[0x0b] = 0x02;                  /* network controller */
	c[0x0c] = 0x10;                  /* cache line size left by the host */
	unit_put32(c, 0x10, 0xfe000000 | 0x4); /* BAR0 mem64 */
	unit_put32(c, 0x30, 0xfeb00001);      /* ROM enabled at an address */
	unit_put16(c, 0x2c, 0x8086);
	unit_put16(c, 0x2e, 0x0001);
	c[0x34] = 0x40;
	c[0x3c] = 11;
	c[0x3d] = 1;
	/* PM @0x40 -> null cap @0x48 -> MSI-X @0x50 -> PCIe @0x60 -> vendor @0xa0 */
	c[0x40] = 0x01; c[0x41] = 0x48; unit_put16(c, 0x42, 0xc823); unit_put16(c, 0x44, 0x0003);
	c[0x48] = 0x00; c[0x49] = 0x50;
	c[0x50] = 0x11; c[0x51] = 0x60; unit_put16(c, 0x52, 0x0003);
	unit_put32(c, 0x54, 0x00000000); unit_put32(c, 0x58, 0x00002000);
	c[0x60] = 0x10; c[0x61] = 0xa0; unit_put16(c, 0x62, 0x0002);
	unit_put32(c, 0x64, 0x10008cc2);       /* FLR capable */
	unit_put16(c, 0x68, 0x2930);           /* host: MPS 256, ext tag, RO, NS */
	unit_put16(c, 0x6a, 0x0009);           /* CorrErr + UnsupReq detected */
	unit_put32(c, 0x6c, 0x00433c42);
	unit_put16(c, 0x70, 0x0042);           /* host: ASPM L0s + common clock */
	unit_put16(c, 0x72, 0x1042);
	c[0xa0] = 0x09; c[0xa1] = 0x00; c[0xa2] = 0x08;
	memcpy(c + 0xa3, "\x53\x4e\x31\x32\x33", 5); /* serial-like vendor data */
	c[0xe0] = 0x5a;                   /* a register hidden in a gap */
	/* extended: SR-IOV @100, ARI @140, DSN @148, PASID @158, AER @160,
	 * ReBAR @190, ATS @1a0, DVSEC @1b0, VSEC @1d0 */
	unit_put32(c, 0x100, EXT(0x0010, 1, 0x140));
	unit_put16(c, 0x10c, 8); unit_put16(c, 0x10e, 8); unit_put16(c, 0x114, 0x80); unit_put16(c, 0x116, 4);
	unit_put16(c, 0x11a, 0x1520); unit_put32(c, 0x11c, 0x553); unit_put32(c, 0x120, 1);
	unit_put32(c, 0x124, 0x0000000c);
	unit_put32(c, 0x140, EXT(0x000e, 1, 0x148));
	unit_put32(c, 0x148, EXT(0x0003, 1, 0x158));
	unit_put32(c, 0x14c, 0xdeadbeef); unit_put32(c, 0x150, 0x00a0c9ff);
	unit_put32(c, 0x158, EXT(0x001b, 1, 0x160));
	unit_put16(c, 0x15c, 0x1406);
	unit_put32(c, 0x160, EXT(0x0001, 2, 0x190));
	unit_put32(c, 0x164, 0x00100000);      /* an uncorrectable error is logged */
	unit_put32(c, 0x16c, 0x00462030);
	unit_put32(c, 0x190, EXT(0x0015, 1, 0x1a0));
	unit_put32(c, 0x194, 0x000000f0); unit_put32(c, 0x198, 0x00000020);
	unit_put32(c, 0x1a0, EXT(0x000f, 1, 0x1b0));
	unit_put16(c, 0x1a4, 0x0020); unit_put16(c, 0x1a6, 0x8005); /* host enabled ATS, STU 5 */
	/* DVSEC (PCIe §7.9.6): header 1 = vendor 0x8086, revision 1, length
	 * 0x14; header 2 = DVSEC ID 0x0007; then 10 bytes of vendor data */
	unit_put32(c, 0x1b0, EXT(0x0023, 1, 0x1d0));
	unit_put32(c, 0x1b4, 0x14u << 20 | 1u << 16 | 0x8086);
	unit_put16(c, 0x1b8, 0x0007);
	memcpy(c + 0x1ba, "\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa", 10);
	/* VSEC (PCIe §7.9.5): ID 0x0042, revision 2, length 0x10; 8 bytes of data */
	unit_put32(c, 0x1d0, EXT(0x000b, 1, 0));
	unit_put32(c, 0x1d4, 0x10u << 20 | 2u << 16 | 0x0042);
	memcpy(c + 0x1d8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

/* VF 0000:01:10.0 of that PF: reads 0xffff IDs, bogus pin, BARs read 0 */
static void make_vf(uint8_t *c)
{
	memset(c, 0, 4096);
	unit_put16(c, 0x00, 0xffff);
	unit_put16(c, 0x02, 0xffff);
	unit_put16(c, 0x06, 0x0010);
	c[0x0b] = 0x02;
	c[0x34] = 0x70;
	c[0x3d] = 1;                      /* bogus: VFs have no INTx */
	c[0x70] = 0x11; c[0x71] = 0xa0; unit_put16(c, 0x72, 0x0002);
	unit_put32(c, 0x74, 0x00000003); unit_put32(c, 0x78, 0x00002003);
	c[0xa0] = 0x10; c[0xa1] = 0x00; unit_put16(c, 0xa2, 0x0002);
	unit_put32(c, 0xa4, 0x10008cc2);
	unit_put32(c, 0x100, EXT(0x0001, 2, 0x150));
	unit_put32(c, 0x150, EXT(0x000e, 1, 0));
}

static int setup(void **state)
{
	uint8_t cfg[4096];
	char d[1400];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vpci-test-policy.%d", (int)getpid());
	snprintf(d, sizeof(d), "mkdir -p %s/bus/pci/devices/0000:01:00.0 %s/bus/pci/devices/0000:01:10.0 "
		 "%s/bus/pci/drivers/igb %s/bus/pci/drivers/vfio-pci", root, root, root, root);
	assert_int_equal(system(d), 0);

	snprintf(d, sizeof(d), "%s/bus/pci/devices/0000:01:00.0", root);
	make_pf(cfg);
	write_file(d, "config", cfg, sizeof(cfg));
	write_str(d, "vendor", "0x8086\n");
	write_str(d, "device", "0x1521\n");
	write_str(d, "sriov_totalvfs", "8\n");
	write_str(d, "sriov_numvfs", "1\n");
	write_str(d, "sriov_offset", "128\n");
	write_str(d, "sriov_stride", "4\n");
	write_str(d, "sriov_vf_device", "1520\n");
	/* BAR0 16K mem64, ROM 512K; VF BAR0 16K (resource7) */
	write_str(d, "resource",
		  "0x00000000fe000000 0x00000000fe003fff 0x0000000000140204\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x00000000feb00000 0x00000000feb7ffff 0x0000000000046200\n"
		  "0x00000000fd000000 0x00000000fd003fff 0x0000000000140204\n");
	snprintf(d, sizeof(d), "%s/bus/pci/devices/0000:01:00.0/driver", root);
	assert_int_equal(symlink("../../drivers/igb", d), 0);

	snprintf(d, sizeof(d), "%s/bus/pci/devices/0000:01:10.0", root);
	make_vf(cfg);
	write_file(d, "config", cfg, sizeof(cfg));
	write_str(d, "vendor", "0x8086\n");
	write_str(d, "device", "0x1520\n");
	write_str(d, "resource",
		  "0x00000000fd000000 0x00000000fd003fff 0x0000000000140204\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x00000000fd100000 0x00000000fd103fff 0x0000000000140204\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	snprintf(d, sizeof(d), "%s/bus/pci/devices/0000:01:10.0/physfn", root);
	assert_int_equal(symlink("../0000:01:00.0", d), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) ? -1 : 0;
}

static vpci_func *derive(const char *slot, enum vpci_policy pol, bool no_quirks)
{
	vpci_source *s = NULL;
	vpci_func *f = NULL;
	struct vpci_derive_opts o = { pol, no_quirks, NULL, NULL };
	vpci_diag *d = vpci_diag_new();

	assert_int_equal(vpci_source_open(VPCI_SRC_SYSFS, root, &s, d), 0);
	int i = vpci_source_find(s, slot);
	assert_true(i >= 0);
	assert_int_equal(vpci_derive(s, (size_t)i, &o, &f, d), 0);
	vpci_source_free(s);
	vpci_diag_free(d);
	/* every derived guest file is valid */
	if (pol == VPCI_POLICY_GUEST) {
		vpci_diag *v = vpci_diag_new();
		assert_int_equal(vpci_validate(f, v), 0);
		vpci_diag_free(v);
	}
	return f;
}

static int has_cap(const vpci_func *f, bool ext, unsigned id)
{
	return vpci_func_find_cap(f, ext, (uint16_t)id, NULL) >= 0;
}

/* Walk the rendered chains as software does, to prove hiding re-links. */
static int chain_has(const vpci_func *f, bool ext, unsigned id)
{
	uint8_t b[4096];
	int n = vpci_render_bin(f, b, sizeof(b));
	unsigned ptr, ttl = 64;

	assert_true(n >= 256);
	if (!ext) {
		for (ptr = b[0x34] & 0xfc; ptr && ttl--; ptr = b[ptr + 1] & 0xfc)
			if (b[ptr] == id)
				return 1;
		return 0;
	}
	for (ptr = 0x100; ptr && ttl--;) {
		uint32_t h = get32(b, ptr);
		if (!h)
			return 0;
		if ((h & 0xffff) == id)
			return 1;
		ptr = (h >> 20) & 0xffc;
	}
	return 0;
}

static void test_raw_is_exact(void **state)
{
	uint8_t in[4096], out[4096];
	vpci_func *f = derive("01:00.0", VPCI_POLICY_RAW, false);

	(void)state;
	make_pf(in);
	assert_int_equal(vpci_render_bin(f, out, sizeof(out)), 4096);
	assert_memory_equal(in, out, 4096);
	vpci_func_free(f);
}

static void test_hidden_caps_relinked(void **state)
{
	vpci_func *f = derive("01:00.0", VPCI_POLICY_GUEST, false);

	(void)state;
	/* SR-IOV, ARI, PASID, ReBAR hidden: gone from the list and from the
	 * chain a guest walks; ID 0 (null) hidden by its quirk */
	const unsigned hidden[] = { 0x0010, 0x000e, 0x001b, 0x0015 };
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		assert_false(has_cap(f, true, hidden[i]));
		assert_false(chain_has(f, true, hidden[i]));
	}
	assert_false(chain_has(f, false, 0x00));
	/* kept: PM, MSI-X, PCIe, vendor (scrubbed), AER, DSN, ATS */
	assert_true(chain_has(f, false, 0x01));
	assert_true(chain_has(f, false, 0x11));
	assert_true(chain_has(f, false, 0x10));
	assert_true(chain_has(f, false, 0x09));
	assert_true(chain_has(f, true, 0x0001));
	assert_true(chain_has(f, true, 0x0003));
	assert_true(chain_has(f, true, 0x000f));
	/* the first extended capability was hidden: a null header at 0x100
	 * leads to the rest (PCIe §7.6.3) */
	const uint8_t *b = vpci_func_bytes(f);
	assert_int_equal(get32(b, 0x100) & 0xffff, 0);
	assert_int_not_equal(get32(b, 0x100) >> 20, 0);
	/* hidden bytes are zero, not left for the guest to read */
	for (unsigned i = 0x140; i < 0x148; i++)
		assert_int_equal(b[i], 0);
	for (unsigned i = 0x190; i < 0x1a0; i++)
		assert_int_equal(b[i], 0);
	vpci_func_free(f);
}

static void test_bars_and_rom(void **state)
{
	vpci_func *f = derive("01:00.0", VPCI_POLICY_GUEST, false);
	struct vpci_bar_info bi;

	(void)state;
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM64);
	assert_int_equal(bi.size, 16384);
	assert_int_equal(bi.address, 0); /* address is the guest's */
	/* sizing works: the writable plane covers the address bits */
	assert_int_equal(get32(vpci_func_plane(f, VPCI_PL_RW), 0x10), 0xffffc000);
	assert_int_equal(vpci_func_bar(f, 6, &bi), 0);
	assert_int_equal(bi.size, 512 * 1024);
	assert_int_equal(bi.address, 0);
	assert_false(bi.enabled);
	vpci_func_free(f);
}

static void test_reset_state_and_backing(void **state)
{
	vpci_func *f = derive("01:00.0", VPCI_POLICY_GUEST, false);
	const uint8_t *b = vpci_func_bytes(f);
	const uint8_t *dev = vpci_func_plane(f, VPCI_PL_DEVICE);
	int i;

	(void)state;
	/* host state does not leak: command, status errors, cache line,
	 * interrupt line, device control, link control, ATS control */
	assert_int_equal(get16(b, 0x04), 0);
	assert_int_equal(get16(b, 0x06), 0x0010);
	assert_int_equal(b[0x0c], 0);
	assert_int_equal(b[0x3c], 0);
	assert_int_equal(b[0x3d], 1); /* a PF keeps its pin */
	i = vpci_func_find_cap(f, false, 0x10, NULL);
	assert_true(i >= 0);
	assert_int_equal(get16(b, 0x68), 0x2810); /* reset value, PCIe §7.5.3.4 */
	assert_int_equal(get16(b, 0x6a), 0);
	assert_int_equal(get16(b, 0x70), 0);
	assert_int_equal(get32(b, 0x64), 0x10008cc2); /* capabilities are kept */
	/* backing: command I/O, mem, BME, parity, SERR, INTx-disable reach
	 * the device; status errors; devctl error enables, RO, NS */
	assert_int_equal(get16(dev, 0x04), 0x0547);
	assert_int_equal(get16(dev, 0x06), 0xf908);
	assert_int_equal(get16(dev, 0x68), 0x081f);
	assert_int_equal(get16(dev, 0x70), 0); /* link control stays virtual */
	/* MSI-X fully virtual */
	for (unsigned k = 0x50; k < 0x5c; k++)
		assert_int_equal(dev[k], 0);
	/* ATS: control virtual and reset (2024 PASID/ATS/PRI decision) */
	struct vpci_cap_info ci;
	assert_true(vpci_func_find_cap(f, true, 0x000f, &ci) >= 0);
	assert_int_equal(get16(b, ci.offset + 6), 0);
	assert_int_equal(get16(dev, ci.offset + 6), 0);
	/* AER is the device's, its logged error is not carried over */
	assert_true(vpci_func_find_cap(f, true, 0x0001, &ci) >= 0);
	assert_int_equal(get32(b, ci.offset + 4), 0);
	assert_int_equal(get32(dev, ci.offset + 4), 0xffffffff);
	vpci_func_free(f);
}

static void test_dsn_vendor_gaps(void **state)
{
	vpci_func *f = derive("01:00.0", VPCI_POLICY_GUEST, false);
	const uint8_t *b = vpci_func_bytes(f);
	struct vpci_cap_info ci;

	(void)state;
	assert_true(vpci_func_find_cap(f, true, 0x0003, &ci) >= 0);
	assert_int_not_equal(get32(b, ci.offset + 4), 0xdeadbeef);
	assert_int_not_equal(get32(b, ci.offset + 8), 0x00a0c9ff);
	/* the same IDs give the same serial on every host */
	vpci_func *g = derive("01:00.0", VPCI_POLICY_GUEST, false);
	assert_memory_equal(vpci_func_bytes(g) + ci.offset, b + ci.offset, 12);
	vpci_func_free(g);
	/* vendor data scrubbed, header kept */
	assert_int_equal(b[0xa2], 0x08);
	for (unsigned i = 0xa3; i < 0xa8; i++)
		assert_int_equal(b[i], 0);
	/* a register in a gap is zeroed */
	assert_int_equal(b[0xe0], 0);
	/* DVSEC (PCIe §7.9.6): both header registers kept, including the
	 * DVSEC ID in header 2 that drivers match on; the data is zeroed */
	assert_true(vpci_func_find_cap(f, true, 0x0023, &ci) >= 0);
	assert_int_equal(ci.offset, 0x1b0);
	assert_int_equal(get32(b, 0x1b4), 0x14u << 20 | 1u << 16 | 0x8086);
	assert_int_equal(get16(b, 0x1b8), 0x0007);
	for (unsigned i = 0x1ba; i < 0x1c4; i++)
		assert_int_equal(b[i], 0);
	/* VSEC (§7.9.5): the header register kept, the data zeroed */
	assert_true(vpci_func_find_cap(f, true, 0x000b, &ci) >= 0);
	assert_int_equal(get32(b, 0x1d4), 0x10u << 20 | 2u << 16 | 0x0042);
	for (unsigned i = 0x1d8; i < 0x1e0; i++)
		assert_int_equal(b[i], 0);
	vpci_func_free(f);
}

static void test_vf_fixups_and_quirk(void **state)
{
	vpci_func *f = derive("01:10.0", VPCI_POLICY_GUEST, false);
	const uint8_t *b = vpci_func_bytes(f);
	struct vpci_bar_info bi;

	(void)state;
	/* identity from the kernel (the VF reads 0xffff) */
	assert_int_equal(get16(b, 0), 0x8086);
	assert_int_equal(get16(b, 2), 0x1520);
	/* no INTx */
	assert_int_equal(b[0x3d], 0);
	/* only Bus Master Enable is the VF's: the rest of its Command is RO 0
	 * or RsvdP, the PF's (PCIe §9.3.4.1.3, docs/vf-shared-fields.md) */
	assert_int_equal(get16(vpci_func_plane(f, VPCI_PL_DEVICE), 0x04), 0x0004);
	/* BARs from the kernel's resources, though the VF reads 0 */
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM64);
	assert_int_equal(bi.size, 16384);
	assert_int_equal(vpci_func_bar(f, 3, &bi), 0);
	assert_int_equal(bi.size, 16384);
	/* ARI hidden on the VF too */
	assert_false(chain_has(f, true, 0x000e));
	vpci_func_free(f);

	/* raw: exactly what the VF shows */
	f = derive("01:10.0", VPCI_POLICY_RAW, false);
	b = vpci_func_bytes(f);
	assert_int_equal(get16(b, 0), 0xffff);
	assert_int_equal(b[0x3d], 1);
	assert_int_equal(vpci_func_bar(f, 0, &bi), VPCI_ENOENT);
	vpci_func_free(f);
}

static void test_quirk_db(void **state)
{
	vpci_quirkdb *db = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_quirk_info q;
	int seen = 0;

	(void)state;
	assert_int_equal(vpci_quirkdb_load(NULL, &db, d), 0);
	assert_true(vpci_quirkdb_count(db) >= 7);
	for (size_t i = 0; i < vpci_quirkdb_count(db); i++) {
		assert_int_equal(vpci_quirkdb_get(db, i, &q), 0);
		assert_true(strlen(q.why) > 20); /* every entry explains itself */
		seen |= !strcmp(q.id, "qemu-nvme-vf-intx-pin");
	}
	assert_true(seen);
	vpci_quirkdb_free(db);
	/* a malformed quirk directory is reported with its position */
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/quirks", root);
	mkdir(dir, 0755);
	write_str(dir, "bad.yaml", "vpci-quirks: 1\nquirks:\n  - id: x\n    why: short\n    match: {vendr: 1}\n    actions: []\n");
	vpci_diag_clear(d);
	assert_int_equal(vpci_quirkdb_load(dir, &db, d), VPCI_EDATA);
	assert_true(vpci_diag_errors(d) >= 2);
	const struct vpci_diag_entry *e = vpci_diag_get(d, 0);
	assert_non_null(e->file);
	assert_true(e->line >= 3);
	vpci_diag_free(d);
}

/* Derive the guest view of a binary config image @cfg (BAR 0: 16 KiB mem32)
 * with the quirks of @qdir; returns the derive status, *@out the function
 * and @d the diagnostics. */
static int derive_bin(const uint8_t *cfg, const char *qdir, vpci_func **out, vpci_diag *d)
{
	char path[300];
	vpci_source *s = NULL;
	struct vpci_derive_opts o = { VPCI_POLICY_GUEST, false, qdir, NULL };

	snprintf(path, sizeof(path), "%s/image.bin", root);
	write_file(root, "image.bin", cfg, 4096);
	assert_int_equal(vpci_source_open(VPCI_SRC_BIN, path, &s, d), 0);
	int rc = vpci_derive(s, 0, &o, out, d);
	vpci_source_free(s);
	return rc;
}

/* A PCIe endpoint: PM @0x40 -> PCIe @0x60 (-> @0xc8 when @c8 is set) */
static void make_endpoint(uint8_t *c, unsigned vendor, unsigned device, uint32_t cls, int c8, int d4)
{
	memset(c, 0, 4096);
	unit_put16(c, 0x00, vendor);
	unit_put16(c, 0x02, device);
	unit_put16(c, 0x06, 0x0010);
	c[0x09] = (uint8_t)cls; c[0x0a] = (uint8_t)(cls >> 8); c[0x0b] = (uint8_t)(cls >> 16);
	unit_put32(c, 0x10, 0xfe000000);      /* BAR0 mem32 at an address */
	c[0x34] = 0x40;
	c[0x40] = 0x01; c[0x41] = 0x60; unit_put16(c, 0x42, 0x0003); unit_put16(c, 0x44, 0x0008);
	c[0x60] = 0x10; unit_put16(c, 0x62, 0x0002); unit_put32(c, 0x64, 0x10008000);
	if (c8) {
		/* MSI-X at 0xc8, as on Turing GPUs */
		c[0x61] = 0xc8;
		c[0xc8] = 0x11; unit_put16(c, 0xca, 0x0003); unit_put32(c, 0xcc, 0x0); unit_put32(c, 0xd0, 0x800);
		if (d4) {
			c[0xc9] = 0xd4; /* and PM-like vendor data right after */
			c[0xd4] = 0x09; c[0xd6] = 0x08;
		}
	}
}

static char *yaml_of(const vpci_func *f)
{
	char *text = NULL;
	size_t len;

	assert_int_equal(vpci_write(f, 0, &text, &len), 0);
	return text;
}

/* Derive @cfg with the built-in quirks; its free ranges must read @want
 * in the canonical text (NULL: it has none).  Returns whether derive
 * warned that no reserved place was free. */
static int expect_ranges(const uint8_t *cfg, const char *want)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	int warned = 0;

	assert_int_equal(derive_bin(cfg, NULL, &f, d), 0);
	char *y = yaml_of(f);
	if (want)
		assert_non_null(strstr(y, want));
	else
		assert_null(strstr(y, "free-ranges"));
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		warned |= strstr(vpci_diag_get(d, i)->message, "are not free in the guest view") != NULL;
	free(y);
	vpci_func_free(f);
	vpci_diag_free(d);
	return warned;
}

static void test_quirk_reserve(void **state)
{
	static const struct {
		unsigned vendor, device;
		uint32_t cls;
		int msix_c8, vendor_d4; /* capabilities in the reserved places */
		const char *want;
		int warn;
	} cases[] = {
		/* an NVIDIA GPU with 0xd4 free: the clique capability's place */
		{ 0x10de, 0x1d12, 0x030200, 0, 0, "free-ranges:\n    - offset: 0xd4\n      length: 0x8\n", 0 },
		/* MSI-X at 0xc8 (Turing): 0xd4 is still free */
		{ 0x10de, 0x1e04, 0x030000, 1, 0, "- offset: 0xd4\n", 0 },
		/* 0xd4 taken by a vendor capability (scrubbed, not moved) and
		 * MSI-X at 0xc8: no place, and derive says so */
		{ 0x10de, 0x1e04, 0x030000, 1, 1, NULL, 1 },
		/* not a display controller: no reservation */
		{ 0x10de, 0x1ad0, 0x020000, 0, 0, NULL, 0 },
		/* Intel VMD: one of a list of device IDs, 0xe8..0xff kept free */
		{ 0x8086, 0x9a0b, 0x010400, 0, 0, "- offset: 0xe8\n      length: 0x18\n", 0 },
		{ 0x8086, 0x9a0c, 0x010400, 0, 0, NULL, 0 },
	};
	uint8_t cfg[4096];

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_endpoint(cfg, cases[i].vendor, cases[i].device, cases[i].cls, cases[i].msix_c8,
			      cases[i].vendor_d4);
		assert_int_equal(expect_ranges(cfg, cases[i].want), cases[i].warn);
	}
	/* the fallback offset when only 0xd4 is taken */
	make_endpoint(cfg, 0x10de, 0x1e04, 0x030000, 0, 0);
	cfg[0x61] = 0xd4;
	cfg[0xd4] = 0x09;
	cfg[0xd6] = 0x08;
	assert_int_equal(expect_ranges(cfg, "- offset: 0xc8\n"), 0);
}

static const char ref_quirks[] =
	"vpci-quirks: 1\n"
	"quirks:\n"
	"  - id: acme-nic-instance\n"
	"    why: the ACME NIC model is presented as the instance type pinned in acme-nic.yaml\n"
	"    match: {vendor: 0x1d0f, device: 0xec20}\n"
	"    actions:\n"
	"      - reference: {file: ref/acme-nic.yaml}\n";

static const char ref_instance[] =
	"vpci: 1\n"
	"name: acme-nic-v1\n"
	"function:\n"
	"  kind: endpoint\n"
	"  config-size: 4096\n"
	"  header:\n"
	"    vendor-id: 0x1d0f\n"
	"    device-id: 0xec20\n"
	"    class-code: 0x020000\n"
	"  bars:\n"
	"    - {index: 0, type: mem32, size: 16KiB}\n"
	"  capabilities:\n"
	"    - type: pcie\n"
	"      offset: 0x70\n"
	"      fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}\n";

static void test_quirk_reference(void **state)
{
	char dir[300], sub[320];
	uint8_t cfg[4096];
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_bar_info bi;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/refquirks", root);
	snprintf(sub, sizeof(sub), "%s/ref", dir);
	mkdir(dir, 0755);
	mkdir(sub, 0755);
	write_str(dir, "acme.yaml", ref_quirks);
	write_str(sub, "acme-nic.yaml", ref_instance);

	/* the device shows PM + PCIe at other offsets; the guest gets the
	 * reviewed instance type, with the derived origin */
	make_endpoint(cfg, 0x1d0f, 0xec20, 0x020000, 0, 0);
	assert_int_equal(derive_bin(cfg, dir, &f, d), 0);
	assert_string_equal(vpci_func_name(f), "acme-nic-v1");
	assert_int_equal(vpci_func_find_cap(f, false, 0x10, NULL), 0);
	assert_int_equal(vpci_func_find_cap(f, false, 0x01, NULL), VPCI_ENOENT);
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.size, 16384);
	char *y = yaml_of(f);
	assert_non_null(strstr(y, "source: \"bin\""));
	assert_non_null(strstr(y, "acme-nic-instance"));
	assert_non_null(strstr(y, "reference instance"));
	free(y);
	vpci_func_free(f);

	/* a reference that does not describe the function is refused */
	make_endpoint(cfg, 0x1d0f, 0xec20, 0x010802, 0, 0);
	vpci_diag_clear(d);
	assert_int_equal(derive_bin(cfg, dir, &f, d), VPCI_EDATA);
	assert_null(f);
	int named = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		named |= strstr(vpci_diag_get(d, i)->message, "class-code 0x20000, the function 0x10802") != NULL;
	assert_true(named);
	/* the function must be able to back it (vpci_bind(), docs/binding.md):
	 * BAR kinds must agree, reported at the reference's line */
	make_endpoint(cfg, 0x1d0f, 0xec20, 0x020000, 0, 0);
	unit_put32(cfg, 0x10, 0x4); /* mem64 */
	vpci_diag_clear(d);
	assert_int_equal(derive_bin(cfg, dir, &f, d), VPCI_EDATA);
	named = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		named |= strstr(vpci_diag_get(d, i)->message,
				"[bar-kind] BAR 0 is mem32 in the instance, mem64 on the function") &&
			 vpci_diag_get(d, i)->line == 11;
	assert_true(named);
	/* ... and what the old check (IDs and BARs only) let through: the
	 * reference advertises FLR, the function has none */
	make_endpoint(cfg, 0x1d0f, 0xec20, 0x020000, 0, 0);
	unit_put32(cfg, 0x64, 0x00008000);
	vpci_diag_clear(d);
	assert_int_equal(derive_bin(cfg, dir, &f, d), VPCI_EDATA);
	named = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		named |= strstr(vpci_diag_get(d, i)->message, "[flr] device-capabilities of Express") != NULL;
	assert_true(named);
	/* a below-1MiB BAR is named mem1m (the check once said mem64-hi) */
	unit_put32(cfg, 0x10, 0xf0000 | 0x2);
	vpci_diag_clear(d);
	assert_int_equal(derive_bin(cfg, dir, &f, d), VPCI_EDATA);
	named = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		named |= strstr(vpci_diag_get(d, i)->message, "[bar-kind] BAR 0 is mem32 in the instance, mem1m on the function") != NULL;
	assert_true(named);

	/* a reference file that is missing or outside the directory is an
	 * error of the quirk file, with its position (line 7: the action) */
	static const struct { const char *action, *msg; } bad[] = {
		{ "reference: {file: ../acme-nic.yaml}", "inside the quirk directory" },
		{ "reference: {file: ref/missing.yaml}", "missing.yaml" },
		/* reserve: aligned, inside one capability space */
		{ "reserve: {offset: 0xfc, length: 8}", "0xfc+0x8" },
		{ "reserve: {offset: [0x41], length: 8}", "0x41+0x8" },
		{ "reserve: {offset: 0x100, length: 6}", "positive multiple of 4" },
		{ "reserve: {offset: [], length: 8}", "lists no value" },
		{ "reserve: {offset: [0x40, 0x44, 0x48, 0x4c, 0x50], length: 4}", "at most 4 values" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[400];
		vpci_quirkdb *db = NULL;
		snprintf(text, sizeof(text),
			 "vpci-quirks: 1\nquirks:\n  - id: acme-nic-instance\n    why: pinned instance type of the "
			 "ACME NIC\n    match: {vendor: 0x1d0f}\n    actions:\n      - %s\n", bad[i].action);
		write_str(dir, "acme.yaml", text);
		vpci_diag_clear(d);
		assert_int_equal(vpci_quirkdb_load(dir, &db, d), VPCI_EDATA);
		assert_null(db);
		assert_int_equal(vpci_diag_get(d, 0)->line, 7);
		assert_non_null(strstr(vpci_diag_get(d, 0)->message, bad[i].msg));
	}
	vpci_diag_free(d);
}

/* The quirk reader is the instance reader: suggestions for near misses,
 * identifiers checked, and the same positions. */
static void test_quirk_file_errors(void **state)
{
	static const struct { const char *quirk; unsigned line, col; const char *msg; } bad[] = {
		{ "    match: {vendr: 0x1d0f}\n    actions: [{hide: {capability: pm}}]\n", 5, 13,
		  "unknown key 'vendr' in match (did you mean 'vendor'?)" },
		{ "    match: {}\n    actions: [{hid: {capability: pm}}]\n", 6, 16,
		  "unknown action 'hid' (hide, keep, set, device-gaps, reserve or reference) (did you mean 'hide'?)" },
		{ "    match: {}\n    actions: [{hide: {capability: msixx}}]\n", 6, 35,
		  "unknown capability type 'msixx' (did you mean 'msix'?)" },
		{ "    match: {}\n    actions: [{keep: {capability: pm, backing: devce}}]\n", 6, 48,
		  "backing: unknown value 'devce' (did you mean 'device'?)" },
		{ "    match: {}\n    policy: gest\n    actions: [{hide: {capability: pm}}]\n", 6, 13,
		  "policy: unknown value 'gest' (did you mean 'guest'?)" },
		{ "    match: {vendor: \"0x1d0f\\0\"}\n    actions: [{hide: {capability: pm}}]\n", 5, 22,
		  "vendor holds a NUL character" },
		{ "    match: {device: 010}\n    actions: [{hide: {capability: pm}}]\n", 5, 21,
		  "device: '010' has a leading zero" },
		/* actions that would do nothing or break the guest view are
		 * refused when the file loads, not reported as applied */
		{ "    match: {}\n    actions: [{set: {field: capabilities-pointer, value: 0}}]\n", 6, 29,
		  "'set': 'capabilities-pointer' is computed from the structure" },
		{ "    match: {}\n    actions: [{set: {capability: pm, field: pmcx, value: 0}}]\n", 6, 45,
		  "'set': Power Management has no field 'pmcx'" },
		{ "    match: {}\n    actions: [{set: {field: interrupt-pin, value: 0x100}}]\n", 6, 51,
		  "value 0x100 does not fit (maximum 0xff)" },
		{ "    match: {}\n    actions: [{set: {capability: pcie, field: device-control, value: 0, mask: 0x10000}}]\n",
		  6, 79, "value 0x10000 does not fit (maximum 0xffff)" },
		{ "    match: {}\n    actions: [{hide: {capability: pcie}}]\n", 6, 23,
		  "'hide': the PCI Express capability cannot be hidden" },
	};
	char dir[300];
	vpci_diag *d = vpci_diag_new();

	(void)state;
	snprintf(dir, sizeof(dir), "%s/badquirks", root);
	mkdir(dir, 0755);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[600];
		vpci_quirkdb *db = NULL;
		snprintf(text, sizeof(text), "vpci-quirks: 1\nquirks:\n  - id: acme\n    why: a reason of some length\n%s",
			 bad[i].quirk);
		write_str(dir, "q.yaml", text);
		vpci_diag_clear(d);
		assert_int_equal(vpci_quirkdb_load(dir, &db, d), VPCI_EDATA);
		const struct vpci_diag_entry *e = vpci_diag_get(d, 0);
		if (!strstr(e->message, bad[i].msg) || e->line != bad[i].line || e->column != bad[i].col)
			fail_msg("%u:%u '%s', want %u:%u '%s'", e->line, e->column, e->message, bad[i].line,
				 bad[i].col, bad[i].msg);
	}
	/* an id is an identifier: it goes into origins and logs */
	static const char *const ids[] = { "\"acme nic\"", "\"[a]\"", "\"-x\"", "\"a\\nb\"" };
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char text[600];
		vpci_quirkdb *db = NULL;
		snprintf(text, sizeof(text), "vpci-quirks: 1\nquirks:\n  - id: %s\n    why: a reason of some length\n"
			 "    match: {}\n    actions: [{hide: {capability: pm}}]\n", ids[i]);
		write_str(dir, "q.yaml", text);
		vpci_diag_clear(d);
		assert_int_equal(vpci_quirkdb_load(dir, &db, d), VPCI_EDATA);
		assert_non_null(strstr(vpci_diag_get(d, 0)->message, "must be 1-64 characters of letters"));
		assert_int_equal(vpci_diag_get(d, 0)->line, 3);
	}
	vpci_diag_free(d);
}

/* The built-in database is parsed once per process and shared by every
 * database loaded after it, also when threads race to load it first. */
#include <pthread.h>

static void *load_thread(void *arg)
{
	vpci_quirkdb *db = NULL;
	struct vpci_quirk_info q;

	if (vpci_quirkdb_load(NULL, &db, NULL) || vpci_quirkdb_get(db, 0, &q)) {
		vpci_quirkdb_free(db);
		return NULL;
	}
	*(const char **)arg = q.id;
	vpci_quirkdb_free(db);
	return arg;
}

static void test_builtin_once(void **state)
{
	pthread_t t[8];
	const char *ids[8] = { NULL };
	struct vpci_quirk_info a, b;
	vpci_quirkdb *db1 = NULL, *db2 = NULL;

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, load_thread, &ids[i]), 0);
	for (int i = 0; i < 8; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_non_null(r);
	}
	for (int i = 1; i < 8; i++)
		assert_ptr_equal(ids[i], ids[0]); /* one copy of the built-in entries */
	assert_int_equal(vpci_quirkdb_load(NULL, &db1, NULL), 0);
	assert_int_equal(vpci_quirkdb_load(NULL, &db2, NULL), 0);
	assert_int_equal(vpci_quirkdb_count(db1), vpci_quirkdb_count(db2));
	for (size_t i = 0; i < vpci_quirkdb_count(db1); i++) {
		assert_int_equal(vpci_quirkdb_get(db1, i, &a), 0);
		assert_int_equal(vpci_quirkdb_get(db2, i, &b), 0);
		assert_ptr_equal(a.id, b.id);
	}
	vpci_quirkdb_free(db1);
	vpci_quirkdb_free(db2);
}

static void test_no_quirks(void **state)
{
	/* without quirks the null capability is still hidden by the policy's
	 * default (not reviewed for guests) and the VF pin by the VF rule */
	vpci_func *f = derive("01:00.0", VPCI_POLICY_GUEST, true);

	(void)state;
	assert_false(chain_has(f, false, 0x00));
	vpci_func_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: the built-in database is not loaded yet, the threads race */
		cmocka_unit_test(test_builtin_once),
		cmocka_unit_test(test_raw_is_exact),
		cmocka_unit_test(test_hidden_caps_relinked),
		cmocka_unit_test(test_bars_and_rom),
		cmocka_unit_test(test_reset_state_and_backing),
		cmocka_unit_test(test_dsn_vendor_gaps),
		cmocka_unit_test(test_vf_fixups_and_quirk),
		cmocka_unit_test(test_quirk_db),
		cmocka_unit_test(test_no_quirks),
		cmocka_unit_test(test_quirk_reserve),
		cmocka_unit_test(test_quirk_reference),
		cmocka_unit_test(test_quirk_file_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
