/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-host.c - the host module: PCI addresses, VF Routing-ID arithmetic,
 * reading a crafted sysfs tree (a FIFO must never block a read) and the
 * table of VFIO group holders read from a crafted procfs.
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

#include "host/host.h"

static void test_bdf_parse(void **state)
{
	static const struct { const char *in, *out; } good[] = {
		{ "00:00.0", "0000:00:00.0" },
		{ "0000:03:1f.7", "0000:03:1f.7" },
		{ "3:1.2", "0000:03:01.2" },
		{ "ABCD:EF:1F.7", "abcd:ef:1f.7" },
		{ "10000:00:02.0", "10000:00:02.0" },
		{ "ffffff:ff:1f.7", "ffffff:ff:1f.7" },
	};
	static const char *const bad[] = {
		"", "00:00", "00:00.", "00:00.8", "00:20.0", "100:00.0", "1000000:00:00.0",
		"00:00.0 ", " 00:00.0", "00:00.0x", "0x0:00:00.0", "+0:00.0", "00:-1.0", "0:0:0:0.0",
		"00:00.00", "g0:00.0", "00:000.0", "000:00:00.0.0", ":00.0", "0000::00.0",
	};
	char out[HOST_SLOT_LEN];
	struct host_bdf b;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(host_slot_norm(good[i].in, out), 0);
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (host_bdf_parse(bad[i], &b) == 0)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_int_equal(host_bdf_parse("0000:81:02.3", &b), 0);
	assert_int_equal(host_bdf_rid(&b), 0x8113);
}

/* PCIe r6.0 §9.3.3.10-11: VF n = PF RID + First VF Offset + (n-1) * Stride */
static void test_vf_rid(void **state)
{
	static const struct {
		const char *pf;
		unsigned offset, stride, n;
		const char *vf; /* NULL: out of range */
	} cases[] = {
		{ "0000:01:00.0", 128, 4, 1, "0000:01:10.0" },
		{ "0000:01:00.0", 128, 4, 2, "0000:01:10.4" },
		{ "0000:01:00.0", 128, 4, 3, "0000:01:11.0" },
		{ "0000:01:00.0", 2, 1, 1, "0000:01:00.2" },   /* NVMe-like, ARI */
		{ "0000:01:00.0", 2, 1, 254, "0000:01:1f.7" },
		{ "0000:01:00.0", 2, 1, 255, "0000:02:00.0" }, /* next bus */
		{ "0001:05:00.1", 0xff, 2, 1, "0001:06:00.0" },
		{ "0000:ff:00.0", 256, 1, 1, NULL },           /* past bus 255 */
		{ "0000:01:00.0", 1, 1, 0, NULL },             /* no VF 0 */
		{ "0000:fe:00.0", 0x100, 0xffff, 2, NULL },
	};
	struct host_bdf pf, vf;
	char out[HOST_SLOT_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(host_bdf_parse(cases[i].pf, &pf), 0);
		int rc = host_vf_bdf(&pf, cases[i].offset, cases[i].stride, cases[i].n, &vf);
		if (!cases[i].vf) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		host_bdf_format(&vf, out);
		assert_string_equal(out, cases[i].vf);
	}
}

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup_tree(void **state)
{
	char cmd[2048];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vpci-test-host.%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/sys/bus/pci/devices/0000:01:00.0 "
		 "%s/sys/bus/pci/devices/0000:02:00.0 %s/sys/bus/pci/devices/junk %s/proc/41/fd %s/proc/42/fd",
		 root, root, root, root, root, root);
	return system(cmd);
}

static int teardown_tree(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void test_sysfs_reads(void **state)
{
	char sys[300], path[400], buf[64];
	uint8_t cfg[64] = { 0x86, 0x80, 0x21, 0x15 };
	struct host_facts f;
	char (*slots)[HOST_SLOT_LEN];
	size_t n;

	(void)state;
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:01:00.0/config", sys);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fwrite(cfg, 1, sizeof(cfg), fp);
	fclose(fp);
	put("sys/bus/pci/devices/0000:01:00.0/vendor", "0x8086\n");
	put("sys/bus/pci/devices/0000:01:00.0/sriov_totalvfs", "7\n");
	put("sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "-1\n");
	put("sys/bus/pci/devices/0000:01:00.0/sriov_stride", "99999999999\n");
	/* a FIFO where attributes and the config are: must not block */
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:02:00.0/config", sys);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:01:00.0/device", sys);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:01:00.0/sriov_offset", sys);
	assert_int_equal(mkfifo(path, 0600), 0);

	assert_int_equal(host_sysfs_list(sys, &slots, &n, NULL), 0);
	assert_int_equal(n, 2); /* "junk" is not an address */
	assert_string_equal(slots[0], "0000:01:00.0");
	assert_string_equal(slots[1], "0000:02:00.0");
	free(slots);

	assert_int_equal(host_dev_attr(sys, "0000:01:00.0", "device", buf, sizeof(buf)), -2);
	assert_int_equal(host_dev_attr(sys, "0000:01:00.0", "absent", buf, sizeof(buf)), -1);
	assert_int_equal(host_dev_attr(sys, "0000:01:00.0", "vendor", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0x8086");

	vpci_diag *d = vpci_diag_new();
	assert_int_equal(host_sysfs_facts(sys, "0000:01:00.0", &f, d), 0);
	assert_int_equal(f.len, 64);
	assert_int_equal(f.have_ids, 0); /* device is a FIFO: not read */
	assert_true(f.sriov.present);
	assert_int_equal(f.sriov.totalvfs, 7);
	assert_int_equal(f.sriov.numvfs, 0);  /* "-1" refused */
	assert_int_equal(f.sriov.stride, 0);  /* out of range refused */
	assert_int_equal(f.sriov.offset, 0);  /* FIFO refused */
	assert_int_equal(f.iommu_group, -1);
	assert_int_equal(host_sysfs_facts(sys, "0000:02:00.0", &f, d), VPCI_EIO);
	char msg[512];
	vpci_diag_format(vpci_diag_get(d, vpci_diag_count(d) - 1), msg, sizeof(msg));
	assert_non_null(strstr(msg, "not a regular file"));
	vpci_diag_free(d);
}

static void test_vfio_users(void **state)
{
	char path[400], proc[300];
	struct host_vfio_users u;
	char who[64];

	(void)state;
	snprintf(proc, sizeof(proc), "%s/proc", root);
	put("proc/41/comm", "qemu-system-x86\n");
	snprintf(path, sizeof(path), "%s/proc/41/fd/7", root);
	assert_int_equal(symlink("/dev/vfio/12", path), 0);
	snprintf(path, sizeof(path), "%s/proc/41/fd/8", root);
	assert_int_equal(symlink("/dev/vfio/vfio", path), 0);
	snprintf(path, sizeof(path), "%s/proc/42/fd/3", root);
	assert_int_equal(symlink("/dev/vfio/120x", path), 0); /* not a group */
	snprintf(path, sizeof(path), "%s/proc/42/comm", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/proc/42/fd/4", root);
	assert_int_equal(symlink("/dev/vfio/3", path), 0);

	assert_int_equal(host_vfio_users_scan(proc, &u), 0);
	assert_int_equal(u.n, 2);
	assert_int_equal(host_vfio_users_find(&u, 12, who, sizeof(who)), 1);
	assert_string_equal(who, "41 (qemu-system-x86)");
	assert_int_equal(host_vfio_users_find(&u, 3, who, sizeof(who)), 1);
	assert_string_equal(who, "42 (?)"); /* comm is a FIFO: not read */
	assert_int_equal(host_vfio_users_find(&u, 120, who, sizeof(who)), 0);
	assert_int_equal(host_vfio_users_find(&u, -1, who, sizeof(who)), 0);
	host_vfio_users_free(&u);
	/* no procfs: an empty table */
	assert_int_equal(host_vfio_users_scan("/nonexistent-proc", &u), 0);
	assert_int_equal(u.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf_parse),
		cmocka_unit_test(test_vf_rid),
		cmocka_unit_test(test_sysfs_reads),
		cmocka_unit_test(test_vfio_users),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
