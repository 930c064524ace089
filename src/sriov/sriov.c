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
 *
 * Every decision is the registry's (registry.c): each operation brings a
 * registry up to date with the host (the caller's, attached with
 * vpci_sriov_set_registry(), or one built for the call), asks the
 * registry's rule with VPCI_REG_CHECK, acts on sysfs in the safe order,
 * then records the change in the registry.  --force overrides a refusal;
 * the order of the writes is the same with or without it.
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
#include "registry_priv.h"
#include "util/diag.h"
#include "vpci/sriov.h"

struct vpci_sriov {
	char *sys, *proc;
	vpci_sriov_write_fn dry;
	void *opaque;
	vpci_registry *reg; /* attached (borrowed), or NULL */
	char *actor;        /* NULL: the administrator */
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
	free(s->actor);
	free(s);
}

VPCI_EXPORT int vpci_sriov_set_registry(vpci_sriov *s, vpci_registry *r, const char *actor)
{
	char *a = actor ? xstrdup(actor) : NULL;

	if (actor && !a)
		return VPCI_ENOMEM;
	free(s->actor);
	s->reg = r;
	s->actor = a;
	return 0;
}

/* The registry a decision is made on: the attached one or, without one,
 * one built from the host for this call (free it with decide_end()).
 * Either way it is brought up to date with the host first: who holds a
 * VF through VFIO changes from one moment to the next. */
static int decide_begin(const vpci_sriov *s, vpci_registry **r, vpci_diag *d)
{
	*r = s->reg ? s->reg : vpci_registry_new();
	if (!*r)
		return VPCI_ENOMEM;
	/* an attached registry was synced, with diagnostics, by its owner */
	int rc = vpci_registry_sync_host(*r, s->sys, s->proc, s->reg ? NULL : d);
	if (rc && !s->reg) {
		vpci_registry_free(*r);
		*r = NULL;
	}
	return rc;
}

static void decide_end(const vpci_sriov *s, vpci_registry *r)
{
	if (r && r != s->reg)
		vpci_registry_free(r);
}

/* Record what the host did in the attached registry (a built one is
 * dropped anyway). */
static void resync(const vpci_sriov *s)
{
	if (s->reg && !s->dry)
		vpci_registry_sync_host(s->reg, s->sys, s->proc, NULL);
}

static unsigned reg_flags(bool force)
{
	return force ? VPCI_REG_FORCE : 0;
}

/* The registry's rule @op on @slot for the context's actor: a registered
 * function is decided by @op; one the registry does not hold (a bridge)
 * has no rules for the administrator and is refused to a domain. */
typedef int (*reg_rule_fn)(vpci_registry *r, const char *slot, const char *actor, unsigned flags, vpci_diag *d);

static int decide(const vpci_sriov *s, vpci_registry *r, reg_rule_fn op, const char *slot, bool force,
		  vpci_diag *d)
{
	if (vpci_registry_find(r, slot, NULL) == VPCI_ENOENT && !s->actor)
		return 0;
	return op(r, slot, s->actor, reg_flags(force) | VPCI_REG_CHECK, d);
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

struct pf_walk {
	const vpci_sriov *s;
	const struct host_vfio_users *users;
	struct vpci_sriov_pf *pf;
};

static int add_vf(void *opaque, const char *slot, unsigned n)
{
	struct pf_walk *w = opaque;
	struct vpci_sriov_pf *pf = w->pf;
	struct vpci_sriov_vf *nv = realloc(pf->vfs, (pf->nvfs + 1) * sizeof(*nv));

	(void)n;
	if (!nv)
		return -1;
	pf->vfs = nv;
	memset(&nv[pf->nvfs], 0, sizeof(*nv));
	snprintf(nv[pf->nvfs].slot, sizeof(nv[pf->nvfs].slot), "%s", slot);
	fill_vf(w->s, w->users, &nv[pf->nvfs]);
	pf->nvfs++;
	return 0;
}

/* Read one PF; 0, or -1 when it is not an SR-IOV PF. */
static int read_pf(const vpci_sriov *s, const struct host_vfio_users *users, const char *slot,
		   struct vpci_sriov_pf *pf)
{
	struct host_sriov sr;
	struct pf_walk w = { s, users, pf };

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
	reg_host_virtfns(s->sys, slot, add_vf, &w);
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
		ERR(d, pf->slot, VPCI_ENOTSUP, "the PF's driver (%s) cannot configure SR-IOV; a PF that needs no driver "
		    "can be bound to pci-pf-stub: vpci sriov bind %s pci-pf-stub",
		    pf->driver[0] ? pf->driver : "none", pf->slot);
		return VPCI_ENOTSUP;
	case EPERM:
		ERR(d, pf->slot, VPCI_EBUSY, "the kernel refused: VFs of this PF are assigned to a guest; release them first");
		return VPCI_EBUSY;
	default:
		ERR(d, pf->slot, VPCI_EIO, "writing sriov_numvfs failed: %s", strerror(err));
		return VPCI_EIO;
	}
}

/* bind, after the decision: override, unbind, probe, verify */
static int do_bind(vpci_sriov *s, const char *slot, const char *driver, const char *cur, vpci_diag *d)
{
	char path[PATH_MAX], now[64];
	int rc;

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
	host_dev_link(s->sys, slot, "driver", now, sizeof(now));
	if (strcmp(now, driver)) {
		ERR(d, slot, VPCI_EIO, "the probe bound %s, not %s (the driver refused the function; see dmesg)",
		    now[0] ? now : "nothing", driver);
		return VPCI_EIO;
	}
	return 0;
}

VPCI_EXPORT int vpci_sriov_bind(vpci_sriov *s, const char *bdf, const char *driver, bool force, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX], cur[64];
	vpci_registry *r;
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
	if ((rc = decide_begin(s, &r, d)))
		return rc;
	if (!(rc = decide(s, r, vpci_registry_rebind, slot, force, d)))
		rc = do_bind(s, slot, driver, cur, d);
	decide_end(s, r);
	if (!rc)
		resync(s);
	return rc;
}

VPCI_EXPORT int vpci_sriov_unbind(vpci_sriov *s, const char *bdf, const char *driver, bool force, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX], cur[64];
	vpci_registry *r;
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
	if ((rc = decide_begin(s, &r, d)))
		return rc;
	rc = decide(s, r, vpci_registry_rebind, slot, force, d);
	decide_end(s, r);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver/unbind", s->sys, slot);
	if ((rc = write_attr(s, path, slot))) {
		ERR(d, slot, VPCI_EIO, "unbinding failed: %s", strerror(-rc));
		return VPCI_EIO;
	}
	/* leave no override behind: it would block the next bind elsewhere */
	devpath(s, slot, "driver_override", path, sizeof(path));
	if (exists(path))
		write_attr(s, path, "\n");
	resync(s);
	return 0;
}

static int open_pf(vpci_sriov *s, const char *bdf, struct vpci_sriov_pf *pf, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX];
	int rc = find_fn(s, bdf, slot, path, sizeof(path), d);

	if (rc)
		return rc;
	if (read_pf_now(s, slot, pf)) {
		ERR(d, slot, VPCI_ENOTSUP, "not an SR-IOV physical function (no sriov_totalvfs)");
		return VPCI_ENOTSUP;
	}
	return 0;
}

static int enable_vfs(vpci_sriov *s, const struct vpci_sriov_pf *pf, unsigned n, bool no_autoprobe, vpci_diag *d)
{
	char path[PATH_MAX], num[16];

	if (!pf->driver[0])
		return numvfs_error(ENOENT, pf, n, d);
	if (!strcmp(pf->driver, "vfio-pci")) {
		char param[PATH_MAX], v[8] = "";
		snprintf(param, sizeof(param), "%s/module/vfio_pci/parameters/enable_sriov", s->sys);
		if (!host_read_small(param, v, sizeof(v)) && v[0] != 'Y' && v[0] != '1') {
			ERR(d, pf->slot, VPCI_ENOTSUP,
			    "the PF is bound to vfio-pci, which creates VFs only with enable_sriov=1 "
			    "(modprobe vfio-pci enable_sriov=1); its VFs then need the PF user's VF token");
			return VPCI_ENOTSUP;
		}
	}
	if (no_autoprobe) {
		devpath(s, pf->slot, "sriov_drivers_autoprobe", path, sizeof(path));
		int e = write_attr(s, path, "0");
		if (e) {
			ERR(d, pf->slot, VPCI_EIO, "writing sriov_drivers_autoprobe failed: %s", strerror(-e));
			return VPCI_EIO;
		}
	}
	devpath(s, pf->slot, "sriov_numvfs", path, sizeof(path));
	snprintf(num, sizeof(num), "%u", n);
	int e = write_attr(s, path, num);
	return e ? numvfs_error(-e, pf, n, d) : 0;
}

/* Bind the new VFs of @pf to @driver. */
static int bind_vfs(vpci_sriov *s, const struct vpci_sriov_pf *pf, unsigned n, const char *driver, vpci_diag *d)
{
	char path[PATH_MAX];
	int rc = 0;

	if (s->dry) {
		/* the VFs do not exist yet: their addresses follow from
		 * First VF Offset and Stride */
		struct host_bdf pfa, vfa;
		host_bdf_parse(pf->slot, &pfa);
		for (unsigned i = 1; i <= n; i++) {
			char vf[HOST_SLOT_LEN];
			if (host_vf_bdf(&pfa, pf->vf_offset, pf->vf_stride, i, &vfa)) {
				ERR(d, pf->slot, VPCI_ERANGE, "VF %u would lie past bus 255 (First VF Offset %u, Stride %u)", i,
				    pf->vf_offset, pf->vf_stride);
				return VPCI_ERANGE;
			}
			host_bdf_format(&vfa, vf);
			devpath(s, vf, "driver_override", path, sizeof(path));
			write_attr(s, path, driver);
			snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", s->sys);
			write_attr(s, path, vf);
		}
		return 0;
	}
	struct vpci_sriov_pf after;
	if (read_pf_now(s, pf->slot, &after))
		return 0;
	if (after.nvfs != n) {
		ERR(d, pf->slot, VPCI_EIO, "the kernel reports %zu VFs after creating %u", after.nvfs, n);
		rc = VPCI_EIO;
	}
	for (size_t i = 0; i < after.nvfs && !rc; i++)
		rc = vpci_sriov_bind(s, after.vfs[i].slot, driver, false, d);
	free(after.vfs);
	return rc;
}

VPCI_EXPORT int vpci_sriov_enable(vpci_sriov *s, const char *bdf, unsigned n, const char *driver,
				  bool no_autoprobe, vpci_diag *d)
{
	struct vpci_sriov_pf pf;
	vpci_registry *r;
	int rc = open_pf(s, bdf, &pf, d);

	if (rc)
		return rc;
	if ((rc = decide_begin(s, &r, d))) {
		free(pf.vfs);
		return rc;
	}
	/* creating VFs is managing the PF: its owner's or the administrator's */
	if (s->actor)
		rc = vpci_registry_may_manage(r, pf.slot, s->actor, d);
	decide_end(s, r);
	if (rc)
		goto out;
	if (!n || n > pf.total_vfs) {
		ERR(d, pf.slot, VPCI_ERANGE, "%u VFs requested: the PF supports 1 to %u (TotalVFs)", n, pf.total_vfs);
		rc = VPCI_ERANGE;
		goto out;
	}
	if (pf.num_vfs == n)
		NOTE(d, pf.slot, "%u VFs exist already", n);
	else if (pf.num_vfs)
		rc = numvfs_error(EBUSY, &pf, n, d);
	else
		rc = enable_vfs(s, &pf, n, no_autoprobe, d);
	if (!rc)
		resync(s); /* the new VFs join the registry */
	if (!rc && driver)
		rc = bind_vfs(s, &pf, n, driver, d);
out:
	free(pf.vfs);
	return rc;
}

/* sriov_numvfs = 0, after the decision */
static int do_disable(vpci_sriov *s, const struct vpci_sriov_pf *pf, vpci_diag *d)
{
	char path[PATH_MAX];

	NOTE(d, pf->slot, "the kernel unbinds the drivers of all %u VFs and removes them",
	     pf->num_vfs ? pf->num_vfs : (unsigned)pf->nvfs);
	devpath(s, pf->slot, "sriov_numvfs", path, sizeof(path));
	int e = write_attr(s, path, "0");
	return e ? numvfs_error(-e, pf, 0, d) : 0;
}

VPCI_EXPORT int vpci_sriov_disable(vpci_sriov *s, const char *bdf, bool force, vpci_diag *d)
{
	struct vpci_sriov_pf pf;
	vpci_registry *r;
	int rc = open_pf(s, bdf, &pf, d);

	if (rc)
		return rc;
	if (!pf.num_vfs && !pf.nvfs) {
		NOTE(d, pf.slot, "no VFs to disable");
		free(pf.vfs);
		return 0;
	}
	if ((rc = decide_begin(s, &r, d))) {
		free(pf.vfs);
		return rc;
	}
	rc = decide(s, r, vpci_registry_remove_vfs, pf.slot, force, d);
	if (!rc)
		rc = do_disable(s, &pf, d);
	if (!rc && !s->dry)
		vpci_registry_remove_vfs(r, pf.slot, s->actor, reg_flags(force), NULL);
	decide_end(s, r);
	resync(s);
	free(pf.vfs);
	return rc;
}

VPCI_EXPORT int vpci_sriov_remove(vpci_sriov *s, const char *bdf, bool force, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX];
	struct vpci_reg_func f;
	vpci_registry *r;
	int rc = norm(bdf, slot, d);

	if (rc || (rc = decide_begin(s, &r, d)))
		return rc;
	devpath(s, slot, NULL, path, sizeof(path));
	bool on_host = exists(path), known = !vpci_registry_find(r, slot, &f);
	if (!on_host && !known) {
		ERR(d, slot, VPCI_ENOENT, "no such PCI function");
		rc = VPCI_ENOENT;
	}
	if (!rc)
		rc = decide(s, r, vpci_registry_remove, slot, force, d);
	/* the safe order, forced or not: a PF's VFs go before the PF */
	if (!rc && on_host && known && f.kind == VPCI_REG_PF) {
		struct vpci_sriov_pf pf;
		if (!read_pf_now(s, slot, &pf)) {
			if (pf.num_vfs || pf.nvfs)
				rc = do_disable(s, &pf, d);
			free(pf.vfs);
		}
	}
	if (!rc && on_host) {
		devpath(s, slot, "remove", path, sizeof(path));
		int e = write_attr(s, path, "1");
		if (e) {
			ERR(d, slot, VPCI_EIO, "writing remove failed: %s", strerror(-e));
			rc = VPCI_EIO;
		}
	}
	if (!rc && known && !s->dry)
		vpci_registry_remove(r, slot, s->actor, reg_flags(force), s->reg ? d : NULL);
	decide_end(s, r);
	resync(s);
	return rc;
}

VPCI_EXPORT int vpci_sriov_reset(vpci_sriov *s, const char *bdf, bool force, vpci_diag *d)
{
	char slot[HOST_SLOT_LEN], path[PATH_MAX];
	vpci_registry *r;
	int rc = find_fn(s, bdf, slot, path, sizeof(path), d);

	if (rc)
		return rc;
	devpath(s, slot, "reset", path, sizeof(path));
	if (!exists(path)) {
		ERR(d, slot, VPCI_ENOTSUP, "the kernel knows no reset method for this function (no 'reset' attribute)");
		return VPCI_ENOTSUP;
	}
	if ((rc = decide_begin(s, &r, d)))
		return rc;
	rc = decide(s, r, vpci_registry_reset, slot, force, d);
	decide_end(s, r);
	if (rc)
		return rc;
	int e = write_attr(s, path, "1");
	if (e) {
		ERR(d, slot, VPCI_EIO, "writing reset failed: %s", strerror(-e));
		return VPCI_EIO;
	}
	resync(s);
	return 0;
}
