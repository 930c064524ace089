/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd.c - what the host's IOMMU lets a function use of PASID, asked
 * through iommufd: the function's VFIO device file (vfio-dev/vfioN, Linux
 * 6.6 and later) is bound to a new iommufd and IOMMU_GET_HW_INFO reports
 * the PASID width and the execute/privileged capabilities (Linux 6.15 and
 * later; earlier kernels leave them 0).  Every syscall goes through the
 * seam of host/sysops.h so that tests can script the kernel's replies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "linux-uapi/linux/iommufd.h"
#include "linux-uapi/linux/vfio_cdev.h"
#include "sysops.h"

/* The function's VFIO device file name ("vfioN") from sysfs; 0 or -1. */
static int vfio_cdev_name(const char *root, const char *slot, char *out, size_t size)
{
	char path[PATH_MAX];
	DIR *dir;
	struct dirent *e;
	int rc = -1;

	host_dev_path(root, slot, "vfio-dev", path, sizeof(path));
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		const char *n = e->d_name;
		if (strncmp(n, "vfio", 4) || !n[4] || strspn(n + 4, "0123456789") != strlen(n + 4) || strlen(n) >= size)
			continue;
		memcpy(out, n, strlen(n) + 1);
		rc = 0;
		break;
	}
	closedir(dir);
	return rc;
}

int host_iommu_pasid(const char *root, const char *slot, struct host_iommu_pasid *out)
{
	const struct vpci_sys_ops *os = sys_ops();
	char name[64], dev[96];
	int ifd = -1, dfd = -1;

	memset(out, 0, sizeof(*out));
	if (vfio_cdev_name(root, slot, name, sizeof(name))) {
		snprintf(out->why, sizeof(out->why), "%s has no VFIO device file: bind it to vfio-pci on Linux 6.6 "
			 "or later (CONFIG_VFIO_DEVICE_CDEV)", slot);
		return -1;
	}
	snprintf(dev, sizeof(dev), "/dev/vfio/devices/%s", name);
	ifd = os->open("/dev/iommu", O_RDWR);
	if (ifd < 0) {
		snprintf(out->why, sizeof(out->why), "cannot open /dev/iommu: %s", strerror(errno));
		goto fail;
	}
	dfd = os->open(dev, O_RDWR);
	if (dfd < 0) {
		snprintf(out->why, sizeof(out->why), "cannot open %s: %s%s", dev, strerror(errno),
			 errno == EBUSY ? " (a VMM holds it: ask before starting the VMM)" : "");
		goto fail;
	}
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = ifd };
	if (os->ioctl(dfd, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
		snprintf(out->why, sizeof(out->why), "VFIO_DEVICE_BIND_IOMMUFD on %s: %s", dev, strerror(errno));
		goto fail;
	}
	struct iommu_hw_info hi = { .size = sizeof(hi), .dev_id = bind.out_devid };
	if (os->ioctl(ifd, IOMMU_GET_HW_INFO, &hi) < 0) {
		snprintf(out->why, sizeof(out->why), "IOMMU_GET_HW_INFO: %s%s", strerror(errno),
			 errno == ENOTTY ? " (the kernel predates it)" : "");
		goto fail;
	}
	/* out_max_pasid_log2 0: no PASID (kernels before 6.15 report none) */
	out->width = hi.out_max_pasid_log2;
	out->exec = out->width && (hi.out_capabilities & IOMMU_HW_CAP_PCI_PASID_EXEC);
	out->priv = out->width && (hi.out_capabilities & IOMMU_HW_CAP_PCI_PASID_PRIV);
	out->asked = 1;
	os->close(dfd);
	os->close(ifd);
	return 0;
fail:
	if (dfd >= 0)
		os->close(dfd);
	if (ifd >= 0)
		os->close(ifd);
	return -1;
}
