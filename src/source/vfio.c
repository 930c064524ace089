/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio.c - a function opened through VFIO (legacy container/group API):
 * the config region and the BAR/ROM region sizes come from the
 * VFIO_DEVICE_GET_REGION_INFO replies of vfio-pci.  All syscalls go
 * through the seam in util/sysops.h so tests can script the replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux-uapi/linux/vfio.h"
#include "source_priv.h"
#include "util/sysops.h"
#include "vfio_priv.h"

static int vfio_open_src(struct vpci_source *s, const char *spec, vpci_diag *d)
{
	(void)s;
	if (!strncmp(spec, "/dev/vfio/devices/", 18)) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = spec;
		diag_add(d, VPCI_SEV_ERROR, VPCI_ENOTSUP, p,
			 "VFIO device cdevs need iommufd (Linux 6.6+); give the group, /dev/vfio/GROUP");
		return VPCI_ENOTSUP;
	}
	return 0; /* the device address comes with the vfio.device param */
}

static void err(vpci_diag *d, const char *what, const char *obj, int e)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = obj;
	diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "%s: %s", what, strerror(e));
}

/* Open the device fd: container, group, IOMMU type, then the device. */
int vfio_open_device(const char *group, const char *slot, int fds[3], vpci_diag *d)
{
	const struct vpci_sys_ops *os = sys_ops();
	struct vfio_group_status st = { .argsz = sizeof(st) };

	fds[0] = fds[1] = fds[2] = -1;
	fds[0] = os->open("/dev/vfio/vfio", O_RDWR);
	if (fds[0] < 0) {
		err(d, "cannot open the VFIO container", "/dev/vfio/vfio", errno);
		return VPCI_EIO;
	}
	fds[1] = os->open(group, O_RDWR);
	if (fds[1] < 0) {
		err(d, "cannot open the VFIO group (is the device bound to vfio-pci?)", group, errno);
		return VPCI_EIO;
	}
	if (os->ioctl(fds[1], VFIO_GROUP_GET_STATUS, &st) < 0) {
		err(d, "VFIO_GROUP_GET_STATUS", group, errno);
		return VPCI_EIO;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = group;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EBUSY, p,
			 "the VFIO group is not viable: bind every device of the IOMMU group to vfio-pci (or unbind it)");
		return VPCI_EBUSY;
	}
	if (os->ioctl(fds[1], VFIO_GROUP_SET_CONTAINER, &fds[0]) < 0) {
		err(d, "VFIO_GROUP_SET_CONTAINER", group, errno);
		return VPCI_EIO;
	}
	unsigned long type = VFIO_TYPE1v2_IOMMU;
	if (os->ioctl(fds[0], VFIO_SET_IOMMU, (void *)type) < 0) {
		type = VFIO_TYPE1_IOMMU;
		if (os->ioctl(fds[0], VFIO_SET_IOMMU, (void *)type) < 0) {
			err(d, errno == ENODEV ? "VFIO_SET_IOMMU (is the vfio_iommu_type1 module loaded?)"
					       : "VFIO_SET_IOMMU", group, errno);
			return VPCI_EIO;
		}
	}
	fds[2] = os->ioctl(fds[1], VFIO_GROUP_GET_DEVICE_FD, (void *)slot);
	if (fds[2] < 0) {
		err(d, "VFIO_GROUP_GET_DEVICE_FD (a VF of a PF owned by vfio-pci needs the VF token)", slot, errno);
		return VPCI_EIO;
	}
	return 0;
}

void vfio_close_device(int fds[3])
{
	const struct vpci_sys_ops *os = sys_ops();

	for (int i = 2; i >= 0; i--)
		if (fds[i] >= 0)
			os->close(fds[i]);
}

/* Region info of @index; 0 or -1 with errno. */
int vfio_region(int dev, unsigned index, uint64_t *offset, uint64_t *size)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (sys_ops()->ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return -1;
	*offset = ri.offset;
	*size = ri.size;
	return 0;
}

static int vfio_read(struct vpci_source *s, size_t i, struct src_facts *f, vpci_diag *d)
{
	const struct vpci_sys_ops *os = sys_ops();
	int fds[3], rc;
	uint64_t off, size;

	(void)i;
	if (!s->vfio_device) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = s->spec;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, p, "no device address: set the vfio.device parameter (--device BDF)");
		return VPCI_EINVAL;
	}
	snprintf(f->slot, sizeof(f->slot), "%s", s->vfio_device);
	f->iommu_group = -1;
	const char *g = strrchr(s->spec, '/');
	if (g)
		f->iommu_group = atoi(g + 1);
	snprintf(f->driver, sizeof(f->driver), "vfio-pci");
	rc = vfio_open_device(s->spec, s->vfio_device, fds, d);
	if (rc) {
		vfio_close_device(fds);
		return rc;
	}
	if (vfio_region(fds[2], VFIO_PCI_CONFIG_REGION_INDEX, &off, &size) < 0) {
		err(d, "VFIO_DEVICE_GET_REGION_INFO (config)", s->vfio_device, errno);
		vfio_close_device(fds);
		return VPCI_EIO;
	}
	if (size > sizeof(f->cfg))
		size = sizeof(f->cfg);
	ssize_t n = os->pread(fds[2], f->cfg, (size_t)size, (off_t)off);
	if (n < 64) {
		err(d, "reading the VFIO config region", s->vfio_device, n < 0 ? errno : EIO);
		vfio_close_device(fds);
		return VPCI_EIO;
	}
	f->len = (size_t)n;
	for (unsigned b = VFIO_PCI_BAR0_REGION_INDEX; b <= VFIO_PCI_ROM_REGION_INDEX; b++) {
		if (vfio_region(fds[2], b, &off, &size) == 0 && size) {
			f->bar_size[b] = size;
			f->bar_known |= (uint8_t)(1u << b);
		} else if (vfio_region(fds[2], b, &off, &size) == 0) {
			f->bar_known |= (uint8_t)(1u << b); /* known to be absent */
		}
	}
	vfio_close_device(fds);
	return 0;
}

const struct source_ops source_vfio_ops = {
	.name = "vfio",
	.open = vfio_open_src,
	.read = vfio_read,
};
