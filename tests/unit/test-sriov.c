/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-sriov.c - vpci sriov's decisions on a crafted sysfs and procfs tree,
 * with the dry-run hook recording every write: the order of writes for
 * enable/bind/disable/remove, and each refusal with its explanation.  The
 * kernel's side of the story is tested for real in the VM harness.
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

#include "tree.h"
#include "vpci/vpci.h"

static char sys_[300], proc_[300];
static char writes[4096];

static void rec(void *opaque, const char *path, const char *value)
{
	(void)opaque;
	const char *rel = strstr(path, "/bus/pci/") ? strstr(path, "/bus/pci/") : path;
	size_t l = strlen(writes);
	snprintf(writes + l, sizeof(writes) - l, "%s=%s\n", rel, value);
}

static int setup(void **state)
{
	(void)state;
	tree_make("sriov");
	snprintf(sys_, sizeof(sys_), "%s/sys", tree_root);
	snprintf(proc_, sizeof(proc_), "%s/proc", tree_root);
	tree_sh("mkdir -p sys/bus/pci/devices/0000:01:00.0 sys/bus/pci/devices/0000:01:00.1 "
	   "sys/bus/pci/devices/0000:01:00.2 sys/bus/pci/devices/0000:02:00.0 "
	   "sys/bus/pci/drivers/nvme sys/bus/pci/drivers/vfio-pci sys/kernel/iommu_groups/7 "
	   "proc/4242/fd sys/module/vfio_pci/parameters");
	/* PF 01:00.0 with 2 VFs at 01:00.1 (vfio-pci, open by pid 4242) and
	 * 01:00.2 (gone: reads all-ones) */
	tree_put("sys/bus/pci/devices/0000:01:00.0/sriov_totalvfs", "4\n");
	tree_put("sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "2\n");
	tree_put("sys/bus/pci/devices/0000:01:00.0/sriov_offset", "1\n");
	tree_put("sys/bus/pci/devices/0000:01:00.0/sriov_stride", "1\n");
	tree_put("sys/bus/pci/devices/0000:01:00.0/sriov_vf_device", "10\n");
	tree_put("sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe", "1\n");
	tree_ln("../../drivers/nvme", "sys/bus/pci/devices/0000:01:00.0/driver");
	tree_ln("../0000:01:00.1", "sys/bus/pci/devices/0000:01:00.0/virtfn0");
	tree_ln("../0000:01:00.2", "sys/bus/pci/devices/0000:01:00.0/virtfn1");
	tree_ln("../0000:01:00.0", "sys/bus/pci/devices/0000:01:00.1/physfn");
	tree_ln("../0000:01:00.0", "sys/bus/pci/devices/0000:01:00.2/physfn");
	tree_ln("../../drivers/vfio-pci", "sys/bus/pci/devices/0000:01:00.1/driver");
	tree_ln("../../../../kernel/iommu_groups/7", "sys/bus/pci/devices/0000:01:00.1/iommu_group");
	tree_put_bin("sys/bus/pci/devices/0000:01:00.1/config", "\xff\xff\xff\xff\x00\x00\x10\x00", 8);
	tree_put_bin("sys/bus/pci/devices/0000:01:00.2/config", "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	tree_ln("/dev/vfio/7", "proc/4242/fd/9");
	tree_put("proc/4242/comm", "qemu-system-x86\n");
	/* PF 02:00.0 without VFs and without a driver */
	tree_put("sys/bus/pci/devices/0000:02:00.0/sriov_totalvfs", "8\n");
	tree_put("sys/bus/pci/devices/0000:02:00.0/sriov_numvfs", "0\n");
	tree_put("sys/bus/pci/devices/0000:02:00.0/sriov_offset", "2\n");
	tree_put("sys/bus/pci/devices/0000:02:00.0/sriov_stride", "1\n");
	tree_put("sys/module/vfio_pci/parameters/enable_sriov", "N\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tree_remove();
}

static vpci_sriov *ctx(void)
{
	vpci_sriov *s = vpci_sriov_new(sys_, proc_);

	assert_non_null(s);
	vpci_sriov_set_dry_run(s, rec, NULL);
	writes[0] = '\0';
	return s;
}

static int has_msg(vpci_diag *d, const char *needle)
{
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		if (strstr(vpci_diag_get(d, i)->message, needle))
			return 1;
	return 0;
}

static void test_list(void **state)
{
	vpci_sriov *s = ctx();
	vpci_diag *d = vpci_diag_new();
	struct vpci_sriov_pf *pfs;
	size_t n;

	(void)state;
	assert_int_equal(vpci_sriov_list(s, &pfs, &n, d), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pfs[0].slot, "0000:01:00.0");
	assert_int_equal(pfs[0].total_vfs, 4);
	assert_int_equal(pfs[0].num_vfs, 2);
	assert_int_equal(pfs[0].vf_device, 0x10);
	assert_int_equal(pfs[0].autoprobe, 1);
	assert_string_equal(pfs[0].driver, "nvme");
	assert_int_equal(pfs[0].nvfs, 2);
	assert_string_equal(pfs[0].vfs[0].driver, "vfio-pci");
	assert_true(pfs[0].vfs[0].in_use);
	assert_non_null(strstr(pfs[0].vfs[0].user, "4242 (qemu-system-x86)"));
	assert_false(pfs[0].vfs[0].gone); /* VF IDs read 0xffff by design */
	assert_true(pfs[0].vfs[1].gone);
	assert_true(has_msg(d, "reads all-ones"));
	assert_true(has_msg(d, "vpci sriov disable 0000:01:00.0"));
	vpci_sriov_list_free(pfs, n);
	vpci_diag_free(d);
	vpci_sriov_free(s);
}

static void test_enable(void **state)
{
	vpci_sriov *s = ctx();
	vpci_diag *d = vpci_diag_new();

	(void)state;
	/* no PF driver: not a PF that can make VFs, with the pci-pf-stub route */
	assert_int_equal(vpci_sriov_enable(s, "02:00.0", 2, NULL, false, d), VPCI_ENOTSUP);
	assert_true(has_msg(d, "pci-pf-stub"));
	assert_string_equal(writes, "");
	/* too many */
	vpci_diag_clear(d);
	assert_int_equal(vpci_sriov_enable(s, "01:00.0", 5, NULL, false, d), VPCI_ERANGE);
	/* VFs exist: disable first */
	vpci_diag_clear(d);
	assert_int_equal(vpci_sriov_enable(s, "01:00.0", 3, NULL, false, d), VPCI_EBUSY);
	assert_true(has_msg(d, "disable before enabling"));
	/* a PF bound to vfio-pci without enable_sriov */
	tree_ln("../../drivers/vfio-pci", "sys/bus/pci/devices/0000:02:00.0/driver");
	vpci_diag_clear(d);
	assert_int_equal(vpci_sriov_enable(s, "02:00.0", 2, NULL, false, d), VPCI_ENOTSUP);
	assert_true(has_msg(d, "enable_sriov=1"));
	assert_true(has_msg(d, "VF token"));
	tree_put("sys/module/vfio_pci/parameters/enable_sriov", "Y\n");
	/* the write order: autoprobe off, count, then each VF's override and probe */
	vpci_diag_clear(d);
	writes[0] = '\0';
	assert_int_equal(vpci_sriov_enable(s, "02:00.0", 2, "vfio-pci", true, d), 0);
	assert_string_equal(writes,
			    "/bus/pci/devices/0000:02:00.0/sriov_drivers_autoprobe=0\n"
			    "/bus/pci/devices/0000:02:00.0/sriov_numvfs=2\n"
			    "/bus/pci/devices/0000:02:00.2/driver_override=vfio-pci\n"
			    "/bus/pci/drivers_probe=0000:02:00.2\n"
			    "/bus/pci/devices/0000:02:00.3/driver_override=vfio-pci\n"
			    "/bus/pci/drivers_probe=0000:02:00.3\n");
	vpci_diag_free(d);
	vpci_sriov_free(s);
}

static void test_disable_and_remove(void **state)
{
	vpci_sriov *s = ctx();
	vpci_diag *d = vpci_diag_new();

	(void)state;
	/* a VF is open through VFIO: refused, saying by whom */
	assert_int_equal(vpci_sriov_disable(s, "01:00.0", false, d), VPCI_EBUSY);
	assert_true(has_msg(d, "held open through VFIO by 4242 (qemu-system-x86)"));
	assert_string_equal(writes, "");
	vpci_diag_clear(d);
	assert_int_equal(vpci_sriov_disable(s, "01:00.0", true, d), 0);
	assert_string_equal(writes, "/bus/pci/devices/0000:01:00.0/sriov_numvfs=0\n");
	assert_true(has_msg(d, "removes them"));
	/* removing a PF with VFs: refused; --force does the safe order */
	vpci_diag_clear(d);
	writes[0] = '\0';
	assert_int_equal(vpci_sriov_remove(s, "01:00.0", false, d), VPCI_EBUSY);
	assert_true(has_msg(d, "orphan"));
	assert_string_equal(writes, "");
	vpci_diag_clear(d);
	assert_int_equal(vpci_sriov_remove(s, "01:00.0", true, d), 0);
	assert_string_equal(writes, "/bus/pci/devices/0000:01:00.0/sriov_numvfs=0\n"
				    "/bus/pci/devices/0000:01:00.0/remove=1\n");
	/* a VF that QEMU holds open through VFIO is not removed (this
	 * succeeded with rc 0 before the registry decided) */
	vpci_diag_clear(d);
	writes[0] = '\0';
	assert_int_equal(vpci_sriov_remove(s, "01:00.1", false, d), VPCI_EBUSY);
	assert_true(has_msg(d, "held open through VFIO by 4242 (qemu-system-x86)"));
	assert_string_equal(writes, "");
	assert_int_equal(vpci_sriov_remove(s, "01:00.1", true, d), 0);
	assert_string_equal(writes, "/bus/pci/devices/0000:01:00.1/remove=1\n");
	/* a free VF is removed without --force */
	writes[0] = '\0';
	assert_int_equal(vpci_sriov_remove(s, "01:00.2", false, d), 0);
	assert_string_equal(writes, "/bus/pci/devices/0000:01:00.2/remove=1\n");
	/* resetting the PF, or changing its driver (which disables its VFs),
	 * is refused while a VF is in use */
	tree_put("sys/bus/pci/devices/0000:01:00.0/reset", "");
	vpci_diag_clear(d);
	writes[0] = '\0';
	assert_int_equal(vpci_sriov_reset(s, "01:00.0", false, d), VPCI_EBUSY);
	assert_true(has_msg(d, "its VF 0000:01:00.1 is held open through VFIO by 4242"));
	assert_int_equal(vpci_sriov_reset(s, "01:00.0", true, d), 0);
	assert_string_equal(writes, "/bus/pci/devices/0000:01:00.0/reset=1\n");
	vpci_diag_clear(d);
	assert_int_equal(vpci_sriov_reset(s, "02:00.0", false, d), VPCI_ENOTSUP);
	assert_true(has_msg(d, "no reset method"));
	vpci_diag_clear(d);
	writes[0] = '\0';
	assert_int_equal(vpci_sriov_bind(s, "01:00.0", "vfio-pci", false, d), VPCI_EBUSY);
	assert_string_equal(writes, "");
	/* bind: unbind from the current driver, override, probe */
	assert_int_equal(vpci_sriov_bind(s, "01:00.0", "vfio-pci", true, d), 0);
	assert_string_equal(writes, "/bus/pci/devices/0000:01:00.0/driver_override=vfio-pci\n"
				    "/bus/pci/devices/0000:01:00.0/driver/unbind=0000:01:00.0\n"
				    "/bus/pci/drivers_probe=0000:01:00.0\n");
	vpci_diag_clear(d);
	assert_int_equal(vpci_sriov_bind(s, "01:00.0", "nosuchdrv", false, d), VPCI_ENOENT);
	assert_true(has_msg(d, "modprobe nosuchdrv"));
	assert_int_equal(vpci_sriov_bind(s, "1:2:3", "vfio-pci", false, d), VPCI_EINVAL);
	vpci_diag_free(d);
	vpci_sriov_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_enable),
		cmocka_unit_test(test_disable_and_remove),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
