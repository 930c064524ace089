/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-iommufd.c - what a virtual PASID may promise on a host
 * (vpci_host_pasid): the function's PASID capability from a crafted sysfs
 * tree (a VF's from its PF) and its IOMMU through iommufd, against
 * scripted kernel replies (the syscall seam of host/sysops.h), since the
 * lab kernel (6.1) has neither VFIO device files nor IOMMU_GET_HW_INFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "host/sysops.h"
#include "linux-uapi/linux/iommufd.h"
#include "linux-uapi/linux/vfio_cdev.h"
#include "tree.h"
#include "vpci/vpci.h"

#define FD_IOMMU 20
#define FD_DEV 21

static struct {
	int iommu_errno;       /* open /dev/iommu fails with it */
	int dev_errno;         /* open of the device file fails with it */
	int bind_errno;
	int info_errno;
	uint8_t width;
	uint64_t caps;
	char opened[96];       /* the device file opened */
	unsigned binds, infos, closes;
	uint32_t devid;
} k;

static int f_open(const char *path, int flags)
{
	assert_int_equal(flags & O_ACCMODE, O_RDWR);
	if (!strcmp(path, "/dev/iommu")) {
		if (k.iommu_errno) {
			errno = k.iommu_errno;
			return -1;
		}
		return FD_IOMMU;
	}
	snprintf(k.opened, sizeof(k.opened), "%s", path);
	if (k.dev_errno) {
		errno = k.dev_errno;
		return -1;
	}
	return FD_DEV;
}

static int f_close(int fd)
{
	assert_true(fd == FD_IOMMU || fd == FD_DEV);
	k.closes++;
	return 0;
}

static int f_ioctl(int fd, unsigned long req, void *arg)
{
	if (req == VFIO_DEVICE_BIND_IOMMUFD) {
		struct vfio_device_bind_iommufd *b = arg;
		assert_int_equal(fd, FD_DEV);
		assert_int_equal(b->argsz, sizeof(*b));
		assert_int_equal(b->flags, 0);
		assert_int_equal(b->iommufd, FD_IOMMU);
		k.binds++;
		if (k.bind_errno) {
			errno = k.bind_errno;
			return -1;
		}
		b->out_devid = k.devid;
		return 0;
	}
	if (req == IOMMU_GET_HW_INFO) {
		struct iommu_hw_info *hi = arg;
		assert_int_equal(fd, FD_IOMMU);
		assert_int_equal(hi->size, sizeof(*hi));
		assert_int_equal(hi->flags, 0);
		assert_int_equal(hi->dev_id, k.devid);
		k.infos++;
		if (k.info_errno) {
			errno = k.info_errno;
			return -1;
		}
		hi->out_max_pasid_log2 = k.width;
		hi->out_capabilities = k.caps;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static ssize_t f_pread(int fd, void *buf, size_t n, off_t off)
{
	(void)fd, (void)buf, (void)n, (void)off;
	fail();
	return -1;
}

static ssize_t f_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	(void)fd, (void)buf, (void)n, (void)off;
	fail();
	return -1;
}

static const struct vpci_sys_ops fake = { f_open, f_close, f_ioctl, f_pread, f_pwrite };

/* A PCIe endpoint's 4 KiB config with a PASID capability at 0x100 whose
 * PASID Capability register is @reg (0: no PASID capability). */
static void put_config(const char *dir, uint16_t reg, size_t len)
{
	uint8_t c[4096] = { 0 };
	char p[300];

	c[0] = 0x86, c[1] = 0x80, c[2] = 0x34, c[3] = 0x12;
	c[6] = 0x10;                /* Capabilities List */
	c[0x34] = 0x40;
	c[0x40] = 0x10;             /* PCIe, end of the list */
	c[0x42] = 0x02;
	if (reg) {
		c[0x100] = 0x1b;    /* PASID, version 1, last */
		c[0x102] = 0x01;
		c[0x104] = (uint8_t)reg;
		c[0x105] = (uint8_t)(reg >> 8);
	}
	snprintf(p, sizeof(p), "%s/config", dir);
	tree_put_bin(p, c, len);
}

static char root[300];

static int setup(void **state)
{
	(void)state;
	memset(&k, 0, sizeof(k));
	k.devid = 7;
	tree_make("iommufd");
	tree_sh("mkdir -p sys/bus/pci/devices/0000:01:00.0/vfio-dev/vfio3 sys/bus/pci/devices/0000:01:00.1");
	tree_sh("mkdir -p sys/bus/pci/devices/0000:02:00.0");
	put_config("sys/bus/pci/devices/0000:01:00.0", 0x1006, 4096); /* width 16, exec, priv */
	put_config("sys/bus/pci/devices/0000:01:00.1", 0, 4096);      /* a VF: no PASID of its own */
	tree_ln("../0000:01:00.0", "sys/bus/pci/devices/0000:01:00.1/physfn");
	put_config("sys/bus/pci/devices/0000:02:00.0", 0x0802, 256);   /* not root: 256 bytes */
	snprintf(root, sizeof(root), "%s/sys", tree_root);
	sys_ops_set(&fake);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sys_ops_set(NULL);
	return tree_remove();
}

/* Linux 6.15+: the IOMMU and the device both answer; the smaller width,
 * execute and privileged only where both have them. */
static void test_both_sides(void **state)
{
	(void)state;
	struct vpci_host_pasid h;

	k.width = 20;
	k.caps = IOMMU_HW_CAP_PCI_PASID_EXEC | IOMMU_HW_CAP_DIRTY_TRACKING;
	assert_int_equal(vpci_host_pasid(root, "01:00.0", &h, NULL), 0);
	assert_string_equal(k.opened, "/dev/vfio/devices/vfio3");
	assert_int_equal(k.binds, 1);
	assert_int_equal(k.infos, 1);
	assert_int_equal(k.closes, 2);
	assert_true(h.config && h.device && h.iommu && h.known && h.supported);
	assert_int_equal(h.dev_width, 16);
	assert_true(h.dev_exec && h.dev_priv);
	assert_int_equal(h.iommu_width, 20);
	assert_true(h.iommu_exec);
	assert_false(h.iommu_priv);
	assert_int_equal(h.width, 16);
	assert_true(h.exec);
	assert_false(h.priv);
	assert_string_equal(h.why, "");
}

/* A VF has no PASID capability: its PF's is the one it uses. */
static void test_vf_uses_pf(void **state)
{
	(void)state;
	struct vpci_host_pasid h;

	assert_int_equal(vpci_host_pasid(root, "0000:01:00.1", &h, NULL), 0);
	assert_true(h.device);
	assert_int_equal(h.dev_width, 16);
	assert_false(h.iommu); /* no VFIO device file */
	assert_non_null(strstr(h.why, "0000:01:00.1 has no VFIO device file"));
	assert_true(h.supported);
	assert_int_equal(h.width, 16);
	assert_true(h.exec && h.priv);
}

/* Kernels 6.6..6.14 answer IOMMU_GET_HW_INFO without the PASID fields:
 * no PASID can be backed; a kernel without it says so. */
static void test_old_kernels(void **state)
{
	(void)state;
	struct vpci_host_pasid h;

	k.width = 0;
	assert_int_equal(vpci_host_pasid(root, "01:00.0", &h, NULL), 0);
	assert_true(h.iommu && h.known);
	assert_false(h.supported);
	assert_non_null(strstr(h.why, "the IOMMU reports no PASID support for it (kernels before 6.15 report none)"));
	k.info_errno = ENOTTY;
	assert_int_equal(vpci_host_pasid(root, "01:00.0", &h, NULL), 0);
	assert_false(h.iommu);
	assert_true(h.supported); /* the device side alone */
	assert_non_null(strstr(h.why, "IOMMU_GET_HW_INFO: "));
	assert_non_null(strstr(h.why, "(the kernel predates it)"));
	assert_int_equal(k.closes % 2, 0);
}

/* Every failure on the way says why, and closes what it opened. */
static void test_failures(void **state)
{
	(void)state;
	struct vpci_host_pasid h;

	k.iommu_errno = ENOENT;
	assert_int_equal(vpci_host_pasid(root, "01:00.0", &h, NULL), 0);
	assert_non_null(strstr(h.why, "cannot open /dev/iommu: "));
	assert_int_equal(k.closes, 0);
	k.iommu_errno = 0;
	k.dev_errno = EBUSY;
	assert_int_equal(vpci_host_pasid(root, "01:00.0", &h, NULL), 0);
	assert_non_null(strstr(h.why, "cannot open /dev/vfio/devices/vfio3: "));
	assert_non_null(strstr(h.why, "a VMM holds it"));
	assert_int_equal(k.closes, 1);
	k.dev_errno = 0;
	k.bind_errno = EINVAL;
	assert_int_equal(vpci_host_pasid(root, "01:00.0", &h, NULL), 0);
	assert_non_null(strstr(h.why, "VFIO_DEVICE_BIND_IOMMUFD on /dev/vfio/devices/vfio3: "));
	assert_int_equal(k.closes, 3);
	assert_false(h.iommu);
	assert_true(h.known && h.device);
	assert_int_equal(vpci_host_pasid(root, "zz:00.0", &h, NULL), VPCI_EINVAL);
	assert_int_equal(vpci_host_pasid(root, NULL, &h, NULL), VPCI_EINVAL);
}

/* 256 readable bytes (not root): the device side is unknown; nothing
 * readable at all: nothing is known. */
static void test_unreadable(void **state)
{
	(void)state;
	struct vpci_host_pasid h;
	vpci_diag *d = vpci_diag_new();

	assert_int_equal(vpci_host_pasid(root, "02:00.0", &h, d), 0);
	assert_false(h.config || h.known || h.supported);
	assert_non_null(strstr(h.why, "only 256 bytes of the config space of 0000:02:00.0 are readable (run as root)"));
	assert_non_null(strstr(h.why, "0000:02:00.0 has no VFIO device file"));
	assert_int_equal(vpci_host_pasid(root, "03:00.0", &h, d), 0);
	assert_false(h.known);
	assert_non_null(strstr(h.why, "the config space of 0000:03:00.0 cannot be read"));
	vpci_diag_free(d);
}

/* The facts checked against a file that promises PASID. */
static void test_check_file(void **state)
{
	(void)state;
	const char *text = "vpci: 1\nname: t\nfunction:\n  config-size: 4096\n"
			   "  capabilities:\n    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002}}\n"
			   "  extended-capabilities:\n"
			   "    - {type: pasid, offset: 0x100, fields: {pasid-capability: 0x1404}}\n";
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_host_pasid h;

	assert_int_equal(vpci_parse_buffer(text, strlen(text), "t.yaml", &f, NULL), 0);
	k.width = 20;
	k.caps = IOMMU_HW_CAP_PCI_PASID_EXEC | IOMMU_HW_CAP_PCI_PASID_PRIV;
	assert_int_equal(vpci_host_pasid(root, "01:00.0", &h, NULL), 0);
	assert_int_equal(vpci_check_host_pasid(f, &h, d), 1); /* width 20 > 16 */
	assert_non_null(strstr(vpci_diag_get(d, 0)->message,
			       "PASID at 0x100 promises Max PASID Width 20; the host function backs 16 "
			       "(its PASID capability and its IOMMU)"));
	assert_int_equal(vpci_diag_get(d, 0)->line, 8);
	vpci_func_free(f);
	vpci_diag_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_uses_pf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_kernels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
