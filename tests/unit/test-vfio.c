/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-vfio.c - the VFIO derive source against scripted kernel replies
 * (the syscall seam of util/sysops.h): container/group/device setup, the
 * config region, BAR and ROM region sizes, and the error paths users hit
 * (group not viable, device not bound to vfio-pci).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "linux-uapi/linux/vfio.h"
#include "host/sysops.h"
#include "vpci/vpci.h"

#define FD_CONTAINER 10
#define FD_GROUP 11
#define FD_DEVICE 12
#define CFG_OFFSET 0x70000000000ull

static struct {
	int viable;
	int group_exists;
	int calls_set_iommu;
	char device_name[32];
	uint8_t cfg[4096];
	uint64_t region_size[9];
	unsigned asked[9]; /* VFIO_DEVICE_GET_REGION_INFO calls per region index */
} k; /* the scripted kernel */

static int f_open(const char *path, int flags)
{
	(void)flags;
	if (!strcmp(path, "/dev/vfio/vfio"))
		return FD_CONTAINER;
	if (!strcmp(path, "/dev/vfio/42") && k.group_exists)
		return FD_GROUP;
	errno = ENOENT;
	return -1;
}

static int f_close(int fd)
{
	assert_true(fd >= FD_CONTAINER && fd <= FD_DEVICE);
	return 0;
}

static int f_ioctl(int fd, unsigned long req, void *arg)
{
	if (req == VFIO_GROUP_GET_STATUS) {
		struct vfio_group_status *st = arg;
		assert_int_equal(fd, FD_GROUP);
		st->flags = k.viable ? VFIO_GROUP_FLAGS_VIABLE : 0;
		return 0;
	}
	if (req == VFIO_GROUP_SET_CONTAINER) {
		assert_int_equal(fd, FD_GROUP);
		assert_int_equal(*(int *)arg, FD_CONTAINER);
		return 0;
	}
	if (req == VFIO_SET_IOMMU) {
		assert_int_equal(fd, FD_CONTAINER);
		k.calls_set_iommu++;
		return (uintptr_t)arg == VFIO_TYPE1v2_IOMMU ? 0 : -1;
	}
	if (req == VFIO_GROUP_GET_DEVICE_FD) {
		snprintf(k.device_name, sizeof(k.device_name), "%s", (const char *)arg);
		return FD_DEVICE;
	}
	if (req == VFIO_DEVICE_GET_REGION_INFO) {
		struct vfio_region_info *ri = arg;
		assert_int_equal(fd, FD_DEVICE);
		assert_true(ri->argsz >= sizeof(*ri));
		if (ri->index > VFIO_PCI_CONFIG_REGION_INDEX) {
			errno = EINVAL;
			return -1;
		}
		k.asked[ri->index]++;
		ri->size = k.region_size[ri->index];
		ri->offset = (uint64_t)ri->index << 40;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static ssize_t f_pread(int fd, void *buf, size_t n, off_t off)
{
	assert_int_equal(fd, FD_DEVICE);
	assert_true((uint64_t)off == CFG_OFFSET);
	if (n > sizeof(k.cfg))
		n = sizeof(k.cfg);
	memcpy(buf, k.cfg, n);
	return (ssize_t)n;
}

static ssize_t f_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	(void)fd;
	(void)buf;
	(void)off;
	return (ssize_t)n;
}

static const struct vpci_sys_ops fake = { f_open, f_close, f_ioctl, f_pread, f_pwrite };

static int setup(void **state)
{
	(void)state;
	memset(&k, 0, sizeof(k));
	k.viable = 1;
	k.group_exists = 1;
	/* a VF-like endpoint: IDs read 0xffff, MSI-X in BAR 0 */
	memset(k.cfg, 0, sizeof(k.cfg));
	k.cfg[0] = k.cfg[1] = k.cfg[2] = k.cfg[3] = 0xff;
	k.cfg[0x06] = 0x10;
	k.cfg[0x0b] = 0x01;
	k.cfg[0x0a] = 0x08;
	k.cfg[0x10] = 0x04; /* BAR0 mem64 */
	k.cfg[0x34] = 0x40;
	k.cfg[0x40] = 0x11; k.cfg[0x42] = 0x01; k.cfg[0x48] = 0x00; k.cfg[0x49] = 0x10;
	k.region_size[0] = 0x4000;
	k.region_size[VFIO_PCI_ROM_REGION_INDEX] = 0;
	k.region_size[VFIO_PCI_CONFIG_REGION_INDEX] = 4096;
	sys_ops_set(&fake);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sys_ops_set(NULL);
	return 0;
}

static int derive(vpci_func **f, vpci_diag *d, enum vpci_policy pol)
{
	vpci_source *s = NULL;
	struct vpci_derive_opts o = { pol, true, NULL, NULL };
	int rc = vpci_source_open(VPCI_SRC_VFIO, "/dev/vfio/42", &s, d);

	if (rc)
		return rc;
	assert_int_equal(vpci_source_set_param(s, "vfio.device", "01:00.2"), 0);
	assert_int_equal(vpci_source_count(s), 1);
	assert_string_equal(vpci_source_slot(s, 0), "0000:01:00.2");
	rc = vpci_derive(s, 0, &o, f, d);
	vpci_source_free(s);
	return rc;
}

static void test_reads_config_and_regions(void **state)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_bar_info bi;

	(void)state;
	assert_int_equal(derive(&f, d, VPCI_POLICY_RAW), 0);
	assert_string_equal(k.device_name, "0000:01:00.2");
	assert_int_equal(k.calls_set_iommu, 1);
	assert_memory_equal(vpci_func_bytes(f), k.cfg, 4096);
	assert_int_equal(vpci_func_config_size(f), 4096);
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM64);
	assert_true(bi.size_known);
	assert_int_equal(bi.size, 0x4000);
	assert_int_equal(vpci_func_find_cap(f, false, 0x11, NULL), 0);
	vpci_func_free(f);
	vpci_diag_free(d);
}

/* Every BAR region and the ROM region are asked for (VFIO_PCI_BAR0..5,
 * VFIO_PCI_ROM_REGION_INDEX); the ROM region's size becomes the size of
 * the expansion ROM the bytes show, and absent BARs stay absent. */
static void test_rom_region(void **state)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_bar_info bi;

	(void)state;
	k.cfg[0x33] = 0xfe; /* Expansion ROM at 0xfe000000, disabled */
	k.region_size[VFIO_PCI_ROM_REGION_INDEX] = 0x10000;
	assert_int_equal(derive(&f, d, VPCI_POLICY_RAW), 0);
	for (unsigned i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_ROM_REGION_INDEX; i++)
		assert_true(k.asked[i] > 0);
	assert_int_equal(vpci_func_bar(f, 6, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM32);
	assert_true(bi.size_known);
	assert_int_equal(bi.size, 0x10000);
	assert_int_equal(vpci_func_bar(f, 2, &bi), VPCI_ENOENT);
	assert_int_equal(bi.type, VPCI_BAR_NONE);
	vpci_func_free(f);
	vpci_diag_free(d);
}

static void test_group_not_viable(void **state)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	k.viable = 0;
	assert_int_equal(derive(&f, d, VPCI_POLICY_RAW), VPCI_EBUSY);
	assert_null(f);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "not viable"));
	vpci_diag_free(d);
}

static void test_group_missing(void **state)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	k.group_exists = 0;
	assert_int_equal(derive(&f, d, VPCI_POLICY_RAW), VPCI_EIO);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "vfio-pci"));
	vpci_diag_free(d);
}

static void test_cdev_explained(void **state)
{
	vpci_source *s = NULL;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	assert_int_equal(vpci_source_open(VPCI_SRC_VFIO, "/dev/vfio/devices/vfio0", &s, d), VPCI_ENOTSUP);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "iommufd"));
	vpci_diag_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_config_and_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rom_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_not_viable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cdev_explained, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
