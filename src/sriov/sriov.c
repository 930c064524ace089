/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sriov.c - host-side SR-IOV management through sysfs
 *
 * The kernel's rules this encodes (drivers/pci/iov.c, pci-sysfs.c,
 * Documentation/ABI/testing/sysfs-bus-pci):
 *   - sriov_numvfs: more than TotalVFs is ERANGE; changing a non-zero
 *     count to another non-zero count is EBUSY ("disable before
 *     enabling"); without a PF driver, or with one that cannot configure
 *     SR-IOV, ENOENT; with VFs assigned to a guest, EPERM;
 *   - sriov_drivers_autoprobe must be written before the VFs exist;
 *   - driver_override + drivers_probe binds one function to one driver,
 *     and drivers_probe "succeeds" even when nothing binds;
 *   - removing a PF while VFs exist leaves orphan VFs (Linux 6.1), so the
 *     safe order is VFs first (sriov_numvfs = 0), then the PF.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/host.h"
#include "util/diag_priv.h"
#include "vpci/sriov.h"

struct vpci_sriov {
	char *sys, *proc;
	vpci_sriov_write_fn dry;
	void *opaque;
};

VPCI_EXPORT vpci_sriov *vpci_sriov_new(const char *sysfs_root, const char *proc_root)
{
	struct vpci_sriov *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sys = xstrdup(sysfs_root ? sysfs_root : "/sys");
	s->proc = xstrdup(proc_root ? proc_root : "/proc");
	if (!s->sys || !s->proc) {
		vpci_sriov_free(s);
		return NULL;
	}
	return s;
}

VPCI_EXPORT void vpci_sriov_free(vpci_sriov *s)
{
	if (!s)
		return;
	free(s->sys);
	free(s->proc);
	free(s);
}

VPCI_EXPORT void vpci_sriov_set_dry_run(vpci_sriov *s, vpci_sriov_write_fn fn, void *opaque)
{
	s->dry = fn;
	s->opaque = opaque;
}

static struct diag_pos at(const char *slot)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = slot;
	return p;
}

#define ERR(d, slot, code, ...) diag_add(d, VPCI_SEV_ERROR, code, at(slot), __VA_ARGS__)
#define NOTE(d, slot, ...) diag_add(d, VPCI_SEV_NOTE, 0, at(slot), __VA_ARGS__)

static void devpath(const vpci_sriov *s, const char *slot, const char *attr, char *out, size_t n)
{
	host_dev_path(s->sys, slot, attr, out, n);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* One sysfs write, or its report in a dry run; 0 or -errno. */
static int write_attr(const vpci_sriov *s, const char *path, const char *value)
{
	if (s->dry) {
		s->dry(s->opaque, path, value);
		return 0;
	}
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int e = n < 0 ? errno : 0;
	close(fd);
	return n < 0 ? -e : 0;
}

static int norm(const char *in, char out[HOST_SLOT_LEN], vpci_diag *d)
{
	if (host_slot_norm(in, out)) {
		ERR(d, in, VPCI_EINVAL, "malformed address (expected [DDDD:]BB:DD.F)");
		return VPCI_EINVAL;
	}
	return 0;
}

/* Normalise @bdf into @slot and check that the function exists; its
 * sysfs directory is left in @path. */
static int find_fn(const vpci_sriov *s, const char *bdf, char slot[HOST_SLOT_LEN], char *path, size_t n,
		   vpci_diag *d)
{
	int rc = norm(bdf, slot, d);

	if (rc)
		return rc;
	devpath(s, slot, NULL, path, n);
	if (!exists(path)) {
		ERR(d, slot, VPCI_ENOENT, "no such PCI function");
		return VPCI_ENOENT;
	}
	return 0;
}

static int cmp_vf(const void *a, const void *b)
{
	return strcmp(((const struct vpci_sriov_vf *)a)->slot, ((const struct vpci_sriov_vf *)b)->slot);
}

static void fill_vf(const vpci_sriov *s, const struct host_vfio_users *users, struct vpci_sriov_vf *v)
{
	char path[PATH_MAX];
	uint8_t b[8];

	host_dev_link(s->sys, v->slot, "driver", v->driver, sizeof(v->driver));
	v->iommu_group = host_dev_group(s->sys, v->slot);
	devpath(s, v->slot, "config", path, sizeof(path));
	/* a VF reads 0xffff IDs by design; it is gone only when everything
	 * reads all-ones, Command and Status included */
	v->gone = host_read_bytes(path, b, sizeof(b)) == (long)sizeof(b);
	for (size_t i = 0; v->gone && i < sizeof(b); i++)
		v->gone = b[i] == 0xff;
	if (!strcmp(v->driver, "vfio-pci"))
		v->in_use = host_vfio_users_find(users, v->iommu_group, v->user, sizeof(v->user));
}

/* Read one PF; 0, or -1 when it is not an SR-IOV PF. */
static int read_pf(const vpci_sriov *s, const struct host_vfio_users *users, const char *slot,
		   struct vpci_sriov_pf *pf)
{
	char path[PATH_MAX];
	struct host_sriov sr;

	memset(pf, 0, sizeof(*pf));
	snprintf(pf->slot, sizeof(pf->slot), "%s", slot);
	host_sysfs_sriov(s->sys, slot, &sr);
	if (!sr.present)
		return -1;
	pf->total_vfs = sr.totalvfs;
	pf->num_vfs = sr.numvfs;
	pf->vf_offset = sr.offset;
	pf->vf_stride = sr.stride;
	pf->vf_device = sr.vf_device;
	pf->autoprobe = sr.autoprobe;
	host_dev_link(s->sys, slot, "driver", pf->driver, sizeof(pf->driver));
	pf->iommu_group = host_dev_group(s->sys, slot);
	devpath(s, slot, NULL, path, sizeof(path));
	DIR *dir = opendir(path);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (strncmp(e->d_name, "virtfn", 6))
			continue;
		char lp[PATH_MAX + 300];
		snprintf(lp, sizeof(lp), "%s/%s", path, e->d_name);
		struct vpci_sriov_vf *nv = realloc(pf->vfs, (pf->nvfs + 1) * sizeof(*nv));
		if (!nv)
			break;
		pf->vfs = nv;
		memset(&nv[pf->nvfs], 0, sizeof(*nv));
		host_link_base(lp, nv[pf->nvfs].slot, sizeof(nv[pf->nvfs].slot));
		fill_vf(s, users, &nv[pf->nvfs]);
		pf->nvfs++;
	}
	if (dir)
		closedir(dir);
	if (pf->nvfs)
		qsort(pf->vfs, pf->nvfs, sizeof(*pf->vfs), cmp_vf);
	return 0;
}

/* read_pf() with a fresh scan of the VFIO group holders */
static int read_pf_now(const vpci_sriov *s, const char *slot, struct vpci_sriov_pf *pf)
{
	struct host_vfio_users users;

	memset(pf, 0, sizeof(*pf));
	if (host_vfio_users_scan(s->proc, &users))
		return -1; /* out of memory: nothing can be read */
	int rc = read_pf(s, &users, slot, pf);
	host_vfio_users_free(&users);
	return rc;
}

VPCI_EXPORT void vpci_sriov_list_free(struct vpci_sriov_pf *pfs, size_t n)
{
	for (size_t i = 0; pfs && i < n; i++)
		free(pfs[i].vfs);
	free(pfs);
}

static void explain_pf(const struct vpci_sriov_pf *pf, vpci_diag *d)
{
	for (size_t k = 0; k < pf->nvfs; k++)
		if (pf->vfs[k].gone)
			diag_add(d, VPCI_SEV_WARNING, VPCI_EIO, at(pf->vfs[k].slot),
				 "VF reads all-ones: its PF %s was reset or opened through VFIO while VFs existed, and the VF "
				 "no longer answers; recover with 'vpci sriov disable %s' then 'vpci sriov enable %s %u'",
				 pf->slot, pf->slot, pf->slot, pf->num_vfs);
	if (!strcmp(pf->driver, "vfio-pci"))
		NOTE(d, pf->slot,
		     "the PF is bound to vfio-pci: creating VFs needs vfio-pci's enable_sriov=1 module parameter, and "
		     "its VFs then need the PF user's VF token (vfio-pci's vf_token) to be opened");
}

VPCI_EXPORT int vpci_sriov_list(vpci_sriov *s, struct vpci_sriov_pf **pfs, size_t *n, vpci_diag *d)
{
	char (*slots)[HOST_SLOT_LEN] = NULL;
	struct host_vfio_users users;
	size_t ns = 0;
	int rc;

	*pfs = NULL;
	*n = 0;
	rc = host_sysfs_list(s->sys, &slots, &ns, d);
	if (rc)
		return rc;
	/* /proc is scanned once for every VF of every PF */
	rc = host_vfio_users_scan(s->proc, &users);
	for (size_t i = 0; !rc && i < ns; i++) {
		struct vpci_sriov_pf pf;
		if (read_pf(s, &users, slots[i], &pf))
			continue;
		struct vpci_sriov_pf *np = realloc(*pfs, (*n + 1) * sizeof(*np));
		if (!np) {
			free(pf.vfs);
			rc = VPCI_ENOMEM;
			break;
		}
		*pfs = np;
		np[(*n)++] = pf;
		explain_pf(&pf, d);
	}
	host_vfio_users_free(&users);
	free(slots);
	if (rc) {
		vpci_sriov_list_free(*pfs, *n);
		*pfs = NULL;
		*n = 0;
	}
	return rc;
}

/* Translate a failed sriov_numvfs write. */
static int numvfs_error(int err, const struct vpci_sriov_pf *pf, unsigned n, vpci_diag *d)
{
	switch (err) {
	case ERANGE:
		ERR(d, pf->slot, VPCI_ERANGE, "the kernel refused %u VFs: the PF supports %u (TotalVFs)", n, pf->total_vfs);
		return VPCI_ERANGE;
	case EBUSY:
		ERR(d, pf->slot, VPCI_EBUSY, "%u VFs exist already: the kernel changes the count only from 0 "
		    "(disable before enabling: vpci sriov disable %s)", pf->num_vfs, pf->slot);
		return VPCI_EBUSY;
	case ENOENT:
		ERR(d, pf->slot, VPCI_ENOENT, "the PF's driver (%s) cannot configure SR-IOV; a PF that needs no driver "
		    "can be bound to pci-pf-stub: vpci sriov bind %s pci-pf-stub",
		    pf->driver[0] ? pf->driver : "none", pf->slot);
		return VPCI_ENOENT;
	case EPERM:
		ERR(d, pf->slot, VPCI_EBUSY, "the kernel refused: VFs of this PF are assigned to a guest; release them first");
		return VPCI_EBUSY;
	default:
		ERR(d, pf->slot, VPCI_EIO, "writing sriov_numvfs failed: %s", strerror(err));
		return VPCI_EIO;
	}
}

VPCI_EXPORT int vpci_sriov_bind(vpci_sriov *s, const char *bdf, const char *driver, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX], cur[64];
	int rc = find_fn(s, bdf, slot, path, sizeof(path), d);

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s", s->sys, driver);
	if (!exists(path)) {
		ERR(d, slot, VPCI_ENOENT, "driver '%s' is not loaded (modprobe %s)", driver, driver);
		return VPCI_ENOENT;
	}
	host_dev_link(s->sys, slot, "driver", cur, sizeof(cur));
	if (!strcmp(cur, driver) && !s->dry)
		return 0;
	devpath(s, slot, "driver_override", path, sizeof(path));
	if ((rc = write_attr(s, path, driver))) {
		ERR(d, slot, VPCI_EIO, "writing driver_override failed: %s", strerror(-rc));
		return VPCI_EIO;
	}
	if (cur[0]) {
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver/unbind", s->sys, slot);
		if ((rc = write_attr(s, path, slot))) {
			ERR(d, slot, VPCI_EIO, "unbinding from %s failed: %s", cur, strerror(-rc));
			return VPCI_EIO;
		}
	}
	snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", s->sys);
	if ((rc = write_attr(s, path, slot))) {
		ERR(d, slot, VPCI_EIO, "drivers_probe failed: %s", strerror(-rc));
		return VPCI_EIO;
	}
	if (s->dry)
		return 0;
	/* drivers_probe "succeeds" even when nothing binds: check */
	host_dev_link(s->sys, slot, "driver", cur, sizeof(cur));
	if (strcmp(cur, driver)) {
		ERR(d, slot, VPCI_EIO, "the probe bound %s, not %s (the driver refused the function; see dmesg)",
		    cur[0] ? cur : "nothing", driver);
		return VPCI_EIO;
	}
	return 0;
}

VPCI_EXPORT int vpci_sriov_unbind(vpci_sriov *s, const char *bdf, const char *driver, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX], cur[64];
	int rc = norm(bdf, slot, d);

	if (rc)
		return rc;
	host_dev_link(s->sys, slot, "driver", cur, sizeof(cur));
	if (!cur[0]) {
		ERR(d, slot, VPCI_ENOENT, "not bound to any driver");
		return VPCI_ENOENT;
	}
	if (driver && strcmp(cur, driver)) {
		ERR(d, slot, VPCI_ENOENT, "bound to %s, not %s", cur, driver);
		return VPCI_ENOENT;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver/unbind", s->sys, slot);
	if ((rc = write_attr(s, path, slot))) {
		ERR(d, slot, VPCI_EIO, "unbinding failed: %s", strerror(-rc));
		return VPCI_EIO;
	}
	/* leave no override behind: it would block the next bind elsewhere */
	devpath(s, slot, "driver_override", path, sizeof(path));
	if (exists(path))
		write_attr(s, path, "\n");
	return 0;
}

static int open_pf(vpci_sriov *s, const char *bdf, struct vpci_sriov_pf *pf, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX];
	int rc = find_fn(s, bdf, slot, path, sizeof(path), d);

	if (rc)
		return rc;
	if (read_pf_now(s, slot, pf)) {
		ERR(d, slot, VPCI_ENOENT, "not an SR-IOV physical function (no sriov_totalvfs)");
		return VPCI_ENOENT;
	}
	return 0;
}

VPCI_EXPORT int vpci_sriov_enable(vpci_sriov *s, const char *bdf, unsigned n, const char *driver,
				  bool no_autoprobe, vpci_diag *d)
{
	struct vpci_sriov_pf pf;
	char path[PATH_MAX], num[16];
	int rc = open_pf(s, bdf, &pf, d);

	if (rc)
		return rc;
	rc = 0;
	if (!n || n > pf.total_vfs) {
		ERR(d, pf.slot, VPCI_ERANGE, "%u VFs requested: the PF supports 1 to %u (TotalVFs)", n, pf.total_vfs);
		rc = VPCI_ERANGE;
		goto out;
	}
	if (pf.num_vfs == n) {
		NOTE(d, pf.slot, "%u VFs exist already", n);
	} else if (pf.num_vfs) {
		rc = numvfs_error(EBUSY, &pf, n, d);
		goto out;
	} else {
		if (!pf.driver[0]) {
			rc = numvfs_error(ENOENT, &pf, n, d);
			goto out;
		}
		if (!strcmp(pf.driver, "vfio-pci")) {
			char param[PATH_MAX], v[8] = "";
			snprintf(param, sizeof(param), "%s/module/vfio_pci/parameters/enable_sriov", s->sys);
			if (!host_read_small(param, v, sizeof(v)) && v[0] != 'Y' && v[0] != '1') {
				ERR(d, pf.slot, VPCI_ENOENT,
				    "the PF is bound to vfio-pci, which creates VFs only with enable_sriov=1 "
				    "(modprobe vfio-pci enable_sriov=1); its VFs then need the PF user's VF token");
				rc = VPCI_ENOENT;
				goto out;
			}
		}
		if (no_autoprobe) {
			devpath(s, pf.slot, "sriov_drivers_autoprobe", path, sizeof(path));
			int e = write_attr(s, path, "0");
			if (e) {
				ERR(d, pf.slot, VPCI_EIO, "writing sriov_drivers_autoprobe failed: %s", strerror(-e));
				rc = VPCI_EIO;
				goto out;
			}
		}
		devpath(s, pf.slot, "sriov_numvfs", path, sizeof(path));
		snprintf(num, sizeof(num), "%u", n);
		int e = write_attr(s, path, num);
		if (e) {
			rc = numvfs_error(-e, &pf, n, d);
			goto out;
		}
	}
	if (driver) {
		struct vpci_sriov_pf after;
		if (s->dry) {
			/* the VFs do not exist yet: their addresses follow from
			 * First VF Offset and Stride */
			struct host_bdf pfa, vfa;
			host_bdf_parse(pf.slot, &pfa);
			for (unsigned i = 1; i <= n && !rc; i++) {
				char vf[HOST_SLOT_LEN];
				if (host_vf_bdf(&pfa, pf.vf_offset, pf.vf_stride, i, &vfa)) {
					ERR(d, pf.slot, VPCI_ERANGE, "VF %u would lie past bus 255 (First VF Offset %u, Stride %u)",
					    i, pf.vf_offset, pf.vf_stride);
					rc = VPCI_ERANGE;
					break;
				}
				host_bdf_format(&vfa, vf);
				devpath(s, vf, "driver_override", path, sizeof(path));
				write_attr(s, path, driver);
				snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", s->sys);
				write_attr(s, path, vf);
			}
		} else if (!read_pf_now(s, pf.slot, &after)) {
			if (after.nvfs != n) {
				ERR(d, pf.slot, VPCI_EIO, "the kernel reports %zu VFs after creating %u", after.nvfs, n);
				rc = VPCI_EIO;
			}
			for (size_t i = 0; i < after.nvfs && !rc; i++)
				rc = vpci_sriov_bind(s, after.vfs[i].slot, driver, d);
			free(after.vfs);
		}
	}
out:
	free(pf.vfs);
	return rc;
}

VPCI_EXPORT int vpci_sriov_disable(vpci_sriov *s, const char *bdf, bool force, vpci_diag *d)
{
	struct vpci_sriov_pf pf;
	char path[PATH_MAX];
	int rc = open_pf(s, bdf, &pf, d), busy = 0;

	if (rc)
		return rc;
	if (!pf.num_vfs && !pf.nvfs) {
		NOTE(d, pf.slot, "no VFs to disable");
		free(pf.vfs);
		return 0;
	}
	for (size_t i = 0; i < pf.nvfs; i++) {
		const struct vpci_sriov_vf *v = &pf.vfs[i];
		if (!v->in_use)
			continue;
		busy = 1;
		diag_add(d, force ? VPCI_SEV_WARNING : VPCI_SEV_ERROR, VPCI_EBUSY, at(v->slot),
			 "bound to vfio-pci and in use: /dev/vfio/%d is open by %s%s", v->iommu_group, v->user,
			 force ? "; disabling anyway (--force)" : "");
	}
	if (busy && !force) {
		ERR(d, pf.slot, VPCI_EBUSY,
		    "refusing to disable SR-IOV while VFs are in use: the kernel would unbind their drivers and remove "
		    "them from under their users (stop the users, or give --force)");
		free(pf.vfs);
		return VPCI_EBUSY;
	}
	NOTE(d, pf.slot, "the kernel unbinds the drivers of all %u VFs and removes them", pf.num_vfs);
	devpath(s, pf.slot, "sriov_numvfs", path, sizeof(path));
	int e = write_attr(s, path, "0");
	rc = e ? numvfs_error(-e, &pf, 0, d) : 0;
	free(pf.vfs);
	return rc;
}

VPCI_EXPORT int vpci_sriov_remove(vpci_sriov *s, const char *bdf, bool force, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX];
	struct vpci_sriov_pf pf;
	int rc = find_fn(s, bdf, slot, path, sizeof(path), d);

	if (rc)
		return rc;
	if (!read_pf_now(s, slot, &pf) && (pf.num_vfs || pf.nvfs)) {
		free(pf.vfs);
		if (!force) {
			ERR(d, slot, VPCI_EBUSY,
			    "the PF has %u VFs: removing it first leaves them orphaned (on Linux 6.1 they stay on the bus "
			    "without their PF); the safe order is 'vpci sriov disable %s' then remove, which --force does",
			    pf.num_vfs ? pf.num_vfs : (unsigned)pf.nvfs, slot);
			return VPCI_EBUSY;
		}
		rc = vpci_sriov_disable(s, slot, true, d);
		if (rc)
			return rc;
	} else if (pf.vfs) {
		free(pf.vfs);
	}
	devpath(s, slot, "remove", path, sizeof(path));
	int e = write_attr(s, path, "1");
	if (e) {
		ERR(d, slot, VPCI_EIO, "writing remove failed: %s", strerror(-e));
		return VPCI_EIO;
	}
	return 0;
}
