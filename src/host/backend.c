/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend.c - the emulation engine's backends on a real function: a sysfs
 * `config` file or the config region of a VFIO device.  All syscalls go
 * through the seam of host/sysops.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "host.h"
#include "linux-uapi/linux/vfio.h"
#include "sysops.h"
#include "vpci/emu.h"

struct osbe {
	int fd;
	int fds[3];       /* VFIO container, group, device; -1 when unused */
	uint64_t base;    /* offset of the config region in fd */
};

static int os_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	struct osbe *b = ctx;
	uint8_t buf[4] = { 0 };
	ssize_t n = sys_ops()->pread(b->fd, buf, size, (off_t)(b->base + off));

	if (n != (ssize_t)size)
		return VPCI_EIO;
	*val = le_get(buf, size);
	return 0;
}

static int os_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	struct osbe *b = ctx;
	uint8_t buf[4];

	(void)mask; /* the engine already merged the device's own bits */
	le_put64(buf, size, val);
	return sys_ops()->pwrite(b->fd, buf, size, (off_t)(b->base + off)) == (ssize_t)size ? 0 : VPCI_EIO;
}

static int vfio_reset(void *ctx, enum vpci_reset kind)
{
	struct osbe *b = ctx;

	(void)kind;
	return sys_ops()->ioctl(b->fd, VFIO_DEVICE_RESET, NULL) < 0 ? VPCI_EIO : 0;
}

static void os_destroy(void *ctx)
{
	struct osbe *b = ctx;

	if (b->fds[2] >= 0)
		host_vfio_close(b->fds);
	else if (b->fd >= 0)
		sys_ops()->close(b->fd);
	free(b);
}

static const struct vpci_backend_ops sysfs_ops = {
	.read = os_read,
	.write = os_write,
	.destroy = os_destroy,
};

static const struct vpci_backend_ops vfio_ops = {
	.read = os_read,
	.write = os_write,
	.reset = vfio_reset,
	.destroy = os_destroy,
};

VPCI_EXPORT int vpci_backend_sysfs(const char *root, const char *slot, struct vpci_backend *out,
				   vpci_diag *d)
{
	char norm[HOST_SLOT_LEN], path[4096];
	struct osbe *b;

	if (host_slot_norm(slot, norm))
		return VPCI_EINVAL;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/config", root ? root : "/sys", norm);
	b = calloc(1, sizeof(*b));
	if (!b)
		return VPCI_ENOMEM;
	b->fds[0] = b->fds[1] = b->fds[2] = -1;
	b->fd = sys_ops()->open(path, O_RDWR);
	if (b->fd < 0) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = path;
		int e = errno;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot open for reading and writing: %s%s", strerror(e),
			 (e == EACCES || e == EPERM) && geteuid() != 0 ? " (writing config space needs root)" : "");
		free(b);
		return VPCI_EIO;
	}
	out->ops = &sysfs_ops;
	out->ctx = b;
	return 0;
}

VPCI_EXPORT int vpci_backend_vfio(const char *group, const char *slot, struct vpci_backend *out,
				  vpci_diag *d)
{
	char norm[HOST_SLOT_LEN];
	struct osbe *b;
	uint64_t size;
	int rc;

	if (host_slot_norm(slot, norm))
		return VPCI_EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return VPCI_ENOMEM;
	rc = host_vfio_open(group, norm, b->fds, d);
	if (rc) {
		host_vfio_close(b->fds);
		free(b);
		return rc;
	}
	b->fd = b->fds[2];
	if (host_vfio_region(b->fd, VFIO_PCI_CONFIG_REGION_INDEX, &b->base, &size) < 0) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = norm;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "VFIO_DEVICE_GET_REGION_INFO (config): %s", strerror(errno));
		host_vfio_close(b->fds);
		free(b);
		return VPCI_EIO;
	}
	out->ops = &vfio_ops;
	out->ctx = b;
	return 0;
}
