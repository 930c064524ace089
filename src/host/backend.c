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
	char root[4096];  /* sysfs root ("" = /sys) */
	char slot[HOST_SLOT_LEN];
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

/* What config space does not say, from the kernel's view in sysfs: BAR
 * kinds and sizes (resource), VF-ness (physfn).  0; 1 when the function
 * has no sysfs entry (nothing is known then); VPCI_ENOMEM. */
static int sysfs_desc(const struct osbe *b, struct vpci_backend_desc *out)
{
	struct host_facts *f = calloc(1, sizeof(*f));

	if (!f)
		return VPCI_ENOMEM;
	if (host_sysfs_facts(b->root[0] ? b->root : "/sys", b->slot, f, NULL)) {
		free(f);
		return 1;
	}
	for (unsigned i = 0; i < 7; i++) {
		struct vpci_bar_info *bi = &out->bar[i];
		bi->index = i;
		bi->size_known = (f->bar_known >> i) & 1;
		bi->size = f->bar_size[i];
		if (!bi->size_known || !bi->size)
			continue;
		bi->type = i == 6 ? VPCI_BAR_MEM32 : (f->bar_io >> i) & 1 ? VPCI_BAR_IO :
			   (f->bar_64 >> i) & 1 ? VPCI_BAR_MEM64 : VPCI_BAR_MEM32;
		bi->prefetchable = (f->bar_pref >> i) & 1;
	}
	out->is_vf = f->is_vf;
	free(f);
	return 0;
}

static int sysfs_describe(void *ctx, struct vpci_backend_desc *out)
{
	return sysfs_desc(ctx, out) < 0 ? VPCI_ENOMEM : 0;
}

/* VFIO: region sizes are vfio-pci's (authoritative); kinds and VF-ness
 * from the host's sysfs when the function has an entry there; vfio-pci
 * emulates a VF's Memory Space Enable. */
static int vfio_describe(void *ctx, struct vpci_backend_desc *out)
{
	struct osbe *b = ctx;
	if (sysfs_desc(b, out) < 0)
		return VPCI_ENOMEM;
	for (unsigned i = 0; i < 7; i++) {
		uint64_t off, size;
		if (host_vfio_region(b->fd, VFIO_PCI_BAR0_REGION_INDEX + i, &off, &size) == 0) {
			out->bar[i].size = size;        /* 0: known to be absent */
			out->bar[i].size_known = true;
		}
	}
	out->vf_memory = out->is_vf;
	return 0;
}

static const struct vpci_backend_ops sysfs_ops = {
	.read = os_read,
	.write = os_write,
	.destroy = os_destroy,
	.flags = VPCI_BACKEND_REAL,
	.describe = sysfs_describe,
};

static const struct vpci_backend_ops vfio_ops = {
	.read = os_read,
	.write = os_write,
	.reset = vfio_reset,
	.destroy = os_destroy,
	.flags = VPCI_BACKEND_REAL,
	.describe = vfio_describe,
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
	snprintf(b->root, sizeof(b->root), "%s", root ? root : "");
	snprintf(b->slot, sizeof(b->slot), "%s", norm);
	out->ops = &sysfs_ops;
	out->ctx = b;
	out->binding = NULL;
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
	snprintf(b->slot, sizeof(b->slot), "%s", norm);
	out->ops = &vfio_ops;
	out->ctx = b;
	out->binding = NULL;
	return 0;
}
