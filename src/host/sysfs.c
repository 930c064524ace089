/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs.c - the sysfs tree of PCI functions (live, or captured under a
 * root directory): attributes, links, config bytes, resource lines
 * (BAR, ROM and VF BAR sizes), SR-IOV attributes, driver and IOMMU group.
 * Attribute semantics: the kernel's Documentation/ABI/testing/sysfs-bus-pci.
 *
 * A tree can be a crafted copy: files are opened without blocking and
 * anything that is not a regular file is refused, so a FIFO in place of
 * an attribute cannot hang a derive or a dry run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"

/* Open a regular file for reading; the fd, -1 (errno), or -2. */
static int open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -2;
	}
	return fd;
}

long host_read_bytes(const char *path, void *buf, size_t size)
{
	int fd = open_regular(path);
	size_t got = 0;

	if (fd < 0)
		return fd;
	while (got < size) {
		ssize_t n = pread(fd, (char *)buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return got ? (long)got : -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (long)got;
}

int host_read_small(const char *path, char *buf, size_t size)
{
	long n = host_read_bytes(path, buf, size - 1);

	if (n < 0) {
		buf[0] = '\0';
		return (int)n;
	}
	buf[n] = '\0';
	/* an attribute is text: a NUL inside ends it */
	n = (long)strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

void host_link_base(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	ssize_t l = readlink(path, target, sizeof(target) - 1);

	out[0] = '\0';
	if (l <= 0)
		return;
	target[l] = '\0';
	const char *b = strrchr(target, '/');
	b = b ? b + 1 : target;
	snprintf(out, size, "%s", b);
}

void host_dev_path(const char *root, const char *slot, const char *attr, char *out, size_t size)
{
	snprintf(out, size, "%s/bus/pci/devices/%s%s%s", root, slot, attr ? "/" : "", attr ? attr : "");
}

int host_dev_attr(const char *root, const char *slot, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];

	host_dev_path(root, slot, attr, path, sizeof(path));
	return host_read_small(path, buf, size);
}

int host_dev_uint(const char *root, const char *slot, const char *attr, int base, unsigned *out)
{
	char buf[64], *end;

	if (host_dev_attr(root, slot, attr, buf, sizeof(buf)) || !buf[0] || buf[0] == '-')
		return -1;
	errno = 0;
	unsigned long v = strtoul(buf, &end, base);
	if (*end || errno || v > 0xffffffffu)
		return -1;
	*out = (unsigned)v;
	return 0;
}

void host_dev_link(const char *root, const char *slot, const char *link, char *out, size_t size)
{
	char path[PATH_MAX];

	host_dev_path(root, slot, link, path, sizeof(path));
	host_link_base(path, out, size);
}

int host_dev_group(const char *root, const char *slot)
{
	char grp[32], *end;

	host_dev_link(root, slot, "iommu_group", grp, sizeof(grp));
	if (!grp[0])
		return -1;
	long g = strtol(grp, &end, 10);
	return *end || g < 0 || g > 0x7fffffff ? -1 : (int)g;
}

static int cmp_slot(const void *a, const void *b)
{
	return strcmp(a, b);
}

int host_sysfs_list(const char *root, char (**slots)[HOST_SLOT_LEN], size_t *n, vpci_diag *d)
{
	char path[PATH_MAX];
	char(*v)[HOST_SLOT_LEN] = NULL;
	size_t k = 0, cap = 0;
	DIR *dir;
	struct dirent *e;

	*slots = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	dir = opendir(path);
	if (!dir) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = path;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot list PCI functions: %s", strerror(errno));
		return VPCI_EIO;
	}
	while ((e = readdir(dir))) {
		char slot[HOST_SLOT_LEN];
		if (e->d_name[0] == '.' || host_slot_norm(e->d_name, slot))
			continue;
		if (xgrow(&v, &cap, k, sizeof(*v), 64)) {
			free(v);
			closedir(dir);
			return VPCI_ENOMEM;
		}
		memcpy(v[k++], slot, HOST_SLOT_LEN);
	}
	closedir(dir);
	if (k)
		qsort(v, k, sizeof(v[0]), cmp_slot);
	*slots = v;
	*n = k;
	return 0;
}

void host_sysfs_sriov(const char *root, const char *slot, struct host_sriov *s)
{
	unsigned v;

	memset(s, 0, sizeof(*s));
	s->autoprobe = -1;
	if (host_dev_uint(root, slot, "sriov_totalvfs", 10, &s->totalvfs))
		return;
	s->present = 1;
	host_dev_uint(root, slot, "sriov_numvfs", 10, &s->numvfs);
	host_dev_uint(root, slot, "sriov_offset", 10, &s->offset);
	host_dev_uint(root, slot, "sriov_stride", 10, &s->stride);
	host_dev_uint(root, slot, "sriov_vf_device", 16, &s->vf_device);
	if (!host_dev_uint(root, slot, "sriov_drivers_autoprobe", 10, &v))
		s->autoprobe = v != 0;
}

void host_facts_init(struct host_facts *f, const char *slot)
{
	memset(f, 0, sizeof(*f));
	f->iommu_group = -1;
	f->sriov.autoprobe = -1;
	snprintf(f->slot, sizeof(f->slot), "%s", slot);
}

/* resource: one "start end flags" line per resource (BAR0-5, ROM, then
 * the SR-IOV VF BARs 7..12 on a PF). */
static void read_resources(const char *root, const char *slot, struct host_facts *f)
{
	char text[4096];
	char path[PATH_MAX];
	unsigned i = 0;

	host_dev_path(root, slot, "resource", path, sizeof(path));
	if (host_read_small(path, text, sizeof(text)))
		return;
	for (char *line = text; line && *line && i < 13; i++) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
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
		line = nl ? nl + 1 : NULL;
	}
}

int host_sysfs_facts(const char *root, const char *slot, struct host_facts *f, vpci_diag *d)
{
	char path[PATH_MAX];
	struct diag_pos p = DIAG_NOPOS;
	unsigned v;

	host_facts_init(f, slot);
	host_dev_path(root, slot, "config", path, sizeof(path));
	p.file = path;
	long got = host_read_bytes(path, f->cfg, sizeof(f->cfg));
	if (got == -2) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "not a regular file (a sysfs config attribute is one)");
		return VPCI_EIO;
	}
	if (got < 0) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot read: %s", strerror(errno));
		return VPCI_EIO;
	}
	f->len = (size_t)got;
	if (got < 64) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "only %ld bytes of config space could be read", got);
		return VPCI_EIO;
	}
	if (got < 256)
		diag_add(d, VPCI_SEV_WARNING, VPCI_EIO, p,
			 "only %ld bytes of config space are readable (the kernel shows 64 to users who are not root); capabilities are not visible",
			 got);
	read_resources(root, slot, f);
	if (!host_dev_uint(root, slot, "vendor", 16, &v)) {
		f->vendor = (uint16_t)v;
		f->have_ids = !host_dev_uint(root, slot, "device", 16, &v);
		f->device = (uint16_t)v;
	}
	host_dev_link(root, slot, "physfn", f->physfn, sizeof(f->physfn));
	f->is_vf = f->physfn[0] != '\0';
	host_sysfs_sriov(root, slot, &f->sriov);
	host_dev_link(root, slot, "driver", f->driver, sizeof(f->driver));
	f->iommu_group = host_dev_group(root, slot);
	return 0;
}
