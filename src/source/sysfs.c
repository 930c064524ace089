/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs.c - functions of a Linux sysfs tree (live, or captured under a
 * root directory for tests): config, resource (BAR, ROM and VF BAR sizes),
 * SR-IOV attributes, physfn/virtfn links, driver and IOMMU group.
 * Attribute semantics: Documentation/ABI/testing/sysfs-bus-pci.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source_priv.h"
#include "util/sysfs_attr.h"

static int cmp_slot(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int sysfs_open(struct vpci_source *s, const char *root, vpci_diag *d)
{
	char path[PATH_MAX];
	DIR *dir;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	dir = opendir(path);
	if (!dir) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = path;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot list PCI functions: %s", strerror(errno));
		return VPCI_EIO;
	}
	while ((e = readdir(dir))) {
		char slot[SLOT_LEN];
		if (e->d_name[0] == '.' || source_norm_slot(e->d_name, slot))
			continue;
		if (source_add_slot(s, slot)) {
			closedir(dir);
			return VPCI_ENOMEM;
		}
	}
	closedir(dir);
	if (s->n)
		qsort(s->slots, s->n, sizeof(s->slots[0]), cmp_slot);
	return 0;
}

/* Read a small attribute file into @buf; -1 when absent. */
static int attr(const char *dev, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	return sysfs_read(path, buf, size);
}

static int attr_uint(const char *dev, const char *name, unsigned *out, int base)
{
	char buf[64], *end;

	if (attr(dev, name, buf, sizeof(buf)) || !buf[0])
		return -1;
	unsigned long v = strtoul(buf, &end, base);
	if (*end)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* basename of a symlink target, "" when absent */
static void link_name(const char *dev, const char *name, char *out, size_t size)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	sysfs_link_base(path, out, size);
}

/* resource: one "start end flags" line per resource (BAR0-5, ROM, then
 * the SR-IOV VF BARs 7..12 on a PF). */
static void read_resources(const char *dev, struct src_facts *f)
{
	char path[PATH_MAX + 64], line[128];
	FILE *fp;
	unsigned i = 0;

	snprintf(path, sizeof(path), "%s/resource", dev);
	fp = fopen(path, "r");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp) && i < 13) {
		unsigned long long start, end, flags;
		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) == 3 && end > start) {
			uint64_t size = end - start + 1;
			if (i < 7) {
				/* IORESOURCE_IO 0x100, _PREFETCH 0x2000, _MEM_64 0x100000 */
				f->bar_size[i] = size;
				f->bar_known |= (uint8_t)(1u << i);
				if (flags & 0x100)
					f->bar_io |= (uint8_t)(1u << i);
				if (flags & 0x2000)
					f->bar_pref |= (uint8_t)(1u << i);
				if (flags & 0x100000)
					f->bar_64 |= (uint8_t)(1u << i);
			} else {
				f->vf_bar_size[i - 7] = size;
			}
		}
		i++;
	}
	fclose(fp);
}

static int sysfs_read_fn(struct vpci_source *s, size_t i, struct src_facts *f, vpci_diag *d)
{
	char dev[PATH_MAX], path[PATH_MAX + 64];
	struct diag_pos p = DIAG_NOPOS;
	int fd;
	ssize_t n;
	unsigned v;

	snprintf(dev, sizeof(dev), "%s/bus/pci/devices/%s", s->spec, s->slots[i]);
	snprintf(path, sizeof(path), "%s/config", dev);
	p.file = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot open: %s", strerror(errno));
		return VPCI_EIO;
	}
	size_t got = 0;
	while (got < sizeof(f->cfg)) {
		n = pread(fd, f->cfg + got, sizeof(f->cfg) - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	f->len = got;
	if (got < 64) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "only %zu bytes of config space could be read", got);
		return VPCI_EIO;
	}
	if (got < 256)
		diag_add(d, VPCI_SEV_WARNING, VPCI_EIO, p,
			 "only %zu bytes of config space are readable (the kernel shows 64 to users who are not root); capabilities are not visible",
			 got);
	read_resources(dev, f);
	if (!attr_uint(dev, "vendor", &v, 16)) {
		f->vendor = (uint16_t)v;
		f->have_ids = !attr_uint(dev, "device", &v, 16);
		f->device = (uint16_t)v;
	}
	link_name(dev, "physfn", f->physfn, sizeof(f->physfn));
	f->is_vf = f->physfn[0] != '\0';
	if (!attr_uint(dev, "sriov_totalvfs", &f->totalvfs, 10)) {
		f->have_sriov = 1;
		attr_uint(dev, "sriov_numvfs", &f->numvfs, 10);
		attr_uint(dev, "sriov_offset", &f->vf_offset, 10);
		attr_uint(dev, "sriov_stride", &f->vf_stride, 10);
		attr_uint(dev, "sriov_vf_device", &f->vf_device, 16);
	}
	link_name(dev, "driver", f->driver, sizeof(f->driver));
	char grp[32];
	link_name(dev, "iommu_group", grp, sizeof(grp));
	f->iommu_group = grp[0] ? atoi(grp) : -1;
	return 0;
}

const struct source_ops source_sysfs_ops = {
	.name = "sysfs",
	.open = sysfs_open,
	.read = sysfs_read_fn,
};
