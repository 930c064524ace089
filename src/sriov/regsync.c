/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * regsync.c - bring a registry up to date with the host's sysfs
 *
 * The host is the truth about which functions exist; the registry is the
 * truth about owners, assignments and broken VF records.  The steps
 * (docs/sriov.md, "Built from the host"):
 *   1. read the host: every function but bridges, PFs with their SR-IOV
 *      attributes, VFs by their PF's virtfnN links (virtfnN is VF N+1),
 *      VFIO users from /proc;
 *   2. linked VF records the host no longer shows as that VF of that PF:
 *      kept as broken records when owned or assigned (a warning), dropped
 *      otherwise;
 *   3. PF and plain records whose function is gone or changed identity:
 *      dropped (a PF's remaining VFs become broken); a PF's offset and
 *      stride follow the host (they change with NumVFs); broken records at
 *      an address the host now uses for a PF or a plain function: dropped;
 *   4. new PFs (checked by the registry's add_pf rules) and plain functions;
 *   5. the host's VFs: a broken record at the address is re-associated
 *      when the registry's relink rule holds (same PF identity and VF
 *      routing), replaced otherwise (a warning says why: its owner and
 *      assignment do not carry over to a different function);
 *   6. VFIO users.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_priv.h"

enum hkind { H_FN, H_PF, H_VF, H_ORPHAN };

struct hfn {
	uint64_t key;
	struct host_bdf bdf;
	char slot[HOST_SLOT_LEN];
	enum hkind kind;
	uint16_t vendor, device;
	struct vpci_reg_sriov sr;
	char pf[HOST_SLOT_LEN];
	unsigned index;
	char user[VPCI_REG_LABEL_LEN];
};

struct host_view {
	struct hfn *v;
	size_t n;
};

static int cmp_hfn(const void *a, const void *b)
{
	uint64_t x = ((const struct hfn *)a)->key, y = ((const struct hfn *)b)->key;

	return x < y ? -1 : x > y;
}

static struct hfn *hfind(const struct host_view *h, uint64_t key)
{
	struct hfn k;

	k.key = key;
	return h->n ? bsearch(&k, h->v, h->n, sizeof(k), cmp_hfn) : NULL;
}

int reg_host_virtfns(const char *root, const char *pf, reg_virtfn_fn fn, void *opaque)
{
	char path[PATH_MAX];
	DIR *dir;
	struct dirent *e;
	int rc = 0;

	host_dev_path(root, pf, NULL, path, sizeof(path));
	if (!(dir = opendir(path)))
		return 0;
	while (!rc && (e = readdir(dir))) {
		char lp[PATH_MAX + 300], vf[HOST_SLOT_LEN + 8], *end;
		if (strncmp(e->d_name, "virtfn", 6) || e->d_name[6] < '0' || e->d_name[6] > '9')
			continue;
		unsigned long n = strtoul(e->d_name + 6, &end, 10);
		if (*end || n >= 0xffff)
			continue;
		snprintf(lp, sizeof(lp), "%s/%s", path, e->d_name);
		host_link_base(lp, vf, sizeof(vf));
		char slot[HOST_SLOT_LEN];
		if (host_slot_norm(vf, slot))
			continue;
		rc = fn(opaque, slot, (unsigned)n + 1);
	}
	closedir(dir);
	return rc;
}

static int hex_attr(const char *root, const char *slot, const char *attr, uint16_t *out)
{
	unsigned v;

	if (host_dev_uint(root, slot, attr, 16, &v) || v > 0xffff)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

struct vf_walk {
	struct host_view *h;
	const char *pf;
};

static int mark_vf(void *opaque, const char *slot, unsigned index)
{
	struct vf_walk *w = opaque;
	struct host_bdf b;

	if (host_bdf_parse(slot, &b))
		return 0;
	struct hfn *f = hfind(w->h, reg_key(&b));
	if (f && f->kind == H_ORPHAN && !strcmp(f->pf, w->pf)) {
		f->kind = H_VF;
		f->index = index;
	}
	return 0;
}

/* Step 1. */
static int read_host(const char *sys, const char *proc, struct host_view *h, vpci_diag *d)
{
	char (*slots)[HOST_SLOT_LEN] = NULL;
	struct host_vfio_users users;
	size_t ns = 0;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = host_sysfs_list(sys, &slots, &ns, d)))
		return rc;
	if ((rc = host_vfio_users_scan(proc, &users))) {
		free(slots);
		return rc;
	}
	h->v = ns ? calloc(ns, sizeof(*h->v)) : NULL;
	if (ns && !h->v) {
		free(slots);
		host_vfio_users_free(&users);
		return VPCI_ENOMEM;
	}
	for (size_t i = 0; i < ns; i++) {
		struct hfn *f = &h->v[h->n];
		unsigned cls;
		struct host_sriov sr;
		char drv[64];
		if (host_bdf_parse(slots[i], &f->bdf))
			continue;
		if (!host_dev_uint(sys, slots[i], "class", 16, &cls) && (cls >> 16) == 0x06)
			continue; /* bridges are the platform's, never assigned */
		f->key = reg_key(&f->bdf);
		memcpy(f->slot, slots[i], HOST_SLOT_LEN);
		hex_attr(sys, f->slot, "vendor", &f->vendor);
		hex_attr(sys, f->slot, "device", &f->device);
		host_dev_link(sys, f->slot, "physfn", f->pf, sizeof(f->pf));
		host_sysfs_sriov(sys, f->slot, &sr);
		if (f->pf[0]) {
			f->kind = H_ORPHAN; /* until its PF lists it */
		} else if (sr.present) {
			unsigned ari = 0;
			f->kind = H_PF;
			f->sr.vf_device = (uint16_t)sr.vf_device;
			f->sr.total_vfs = (uint16_t)MIN(sr.totalvfs, 0xffffu);
			f->sr.offset = (uint16_t)MIN(sr.offset, 0xffffu);
			f->sr.stride = (uint16_t)MIN(sr.stride, 0xffffu);
			/* pci_ari_enabled() of the PF's bus: what the kernel
			 * writes into ARI Capable Hierarchy (drivers/pci/iov.c) */
			f->sr.ari = !host_dev_uint(sys, f->slot, "ari_enabled", 10, &ari) && ari;
		} else {
			f->kind = H_FN;
		}
		host_dev_link(sys, f->slot, "driver", drv, sizeof(drv));
		if (!strcmp(drv, "vfio-pci"))
			host_vfio_users_find(&users, host_dev_group(sys, f->slot), f->user, sizeof(f->user));
		h->n++;
	}
	free(slots);
	host_vfio_users_free(&users);
	qsort(h->v, h->n, sizeof(*h->v), cmp_hfn); /* already sorted by name; by key to be sure */
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].kind != H_PF)
			continue;
		struct vf_walk w = { h, h->v[i].slot };
		reg_host_virtfns(sys, h->v[i].slot, mark_vf, &w);
	}
	return 0;
}

#define WARN(d, slot, rule, ...) reg_diag(d, VPCI_SEV_WARNING, 0, slot, rule, __VA_ARGS__)
#define NOTE(d, slot, rule, ...) reg_diag(d, VPCI_SEV_NOTE, 0, slot, rule, __VA_ARGS__)

static bool kept(const struct reg_fn *e)
{
	return e->f.owner[0] || e->f.assigned;
}

/* Step 2: linked VF records that are no longer that VF on the host. */
static void vanished_vfs(vpci_registry *r, const struct host_view *h, vpci_diag *d)
{
	for (size_t i = r->n; i-- > 0;) {
		struct reg_fn *e = &r->v[i];
		if (e->f.kind != VPCI_REG_VF || e->f.broken)
			continue;
		const struct hfn *hf = hfind(h, e->key);
		if (hf && hf->kind == H_VF && !strcmp(hf->pf, e->f.pf) && hf->index == e->f.vf_index)
			continue;
		if (hf && hf->kind == H_ORPHAN && !strcmp(hf->pf, e->f.pf))
			continue; /* its PF went first: step 3 breaks it */
		if (!hf && kept(e)) {
			e->f.broken = true;
			WARN(d, e->f.slot, "vanished",
			     "VF %u of %s is gone from the host (its PF's VFs were disabled outside vpci) while %s '%s': kept "
			     "as a broken record; remove it, or create the VFs again to re-associate it", e->f.vf_index,
			     e->f.pf, e->f.assigned ? "assigned to" : "owned by", e->f.owner);
			continue;
		}
		if (hf && kept(e))
			WARN(d, e->f.slot, "replaced",
			     "the host now has another function here (not VF %u of %s): the record owned by '%s' is dropped",
			     e->f.vf_index, e->f.pf, e->f.owner);
		reg_erase(r, e);
	}
}

static bool same_identity(const struct reg_fn *e, const struct hfn *hf)
{
	if (e->f.vendor != hf->vendor || e->f.device != hf->device)
		return false;
	if (e->f.kind == VPCI_REG_FN)
		return hf->kind == H_FN;
	return hf->kind == H_PF && e->f.sriov.vf_device == hf->sr.vf_device &&
	       e->f.sriov.total_vfs == hf->sr.total_vfs && e->f.sriov.ari == hf->sr.ari;
}

/* Step 3. */
static void gone_functions(vpci_registry *r, const struct host_view *h, vpci_diag *d)
{
	for (size_t i = r->n; i-- > 0;) {
		struct reg_fn *e = &r->v[i];
		const struct hfn *hf = hfind(h, e->key);
		if (e->f.kind == VPCI_REG_VF) {
			if (e->f.broken && hf && (hf->kind == H_PF || hf->kind == H_FN)) {
				WARN(d, e->f.slot, "replaced",
				     "broken VF record (VF %u of %s, owner '%s') dropped: the host now has %s here",
				     e->f.vf_index, e->f.pf, e->f.owner, hf->kind == H_PF ? "an SR-IOV PF" : "another function");
				reg_erase(r, e);
			}
			continue;
		}
		if (hf && same_identity(e, hf)) {
			e->f.sriov.offset = hf->sr.offset; /* the host's routing for its NumVFs */
			e->f.sriov.stride = hf->sr.stride;
			continue;
		}
		char s[HOST_SLOT_LEN];
		memcpy(s, e->f.slot, sizeof(s));
		unsigned nvfs = e->f.kind == VPCI_REG_PF ? reg_count_vfs(r, s) : 0;
		if (kept(e) || nvfs)
			WARN(d, s, "vanished", "%s %04x:%04x%s%s is %s on the host%s", e->f.kind == VPCI_REG_PF ? "PF" : "function",
			     e->f.vendor, e->f.device, kept(e) ? (e->f.assigned ? " assigned to " : " owned by ") : "",
			     kept(e) ? e->f.owner : "", hf ? "replaced by another function" : "gone",
			     nvfs ? " (removed before its VFs: they become broken records)" : "");
		reg_erase(r, e);
		if (nvfs)
			reg_break_vfs(r, s, hf ? "its PF was replaced on the host" : "its PF is gone from the host", d);
	}
}

/* Steps 4 and 5. */
static int new_functions(vpci_registry *r, const struct host_view *h, vpci_diag *d)
{
	vpci_diag *tmp = vpci_diag_new();
	char why[200];

	if (!tmp)
		return VPCI_ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < h->n; i++) {
			const struct hfn *hf = &h->v[i];
			struct reg_fn *e = reg_lookup(r, &hf->bdf);
			int rc = 0;
			if (pass == 0 && hf->kind == H_FN && !e) {
				rc = vpci_registry_add_fn(r, hf->slot, hf->vendor, hf->device, NULL, 0, tmp);
			} else if (pass == 0 && hf->kind == H_PF && !e) {
				/* the registry's rules, without its re-association:
				 * step 5 re-associates the VFs the host shows */
				rc = vpci_registry_add_pf(r, hf->slot, hf->vendor, hf->device, &hf->sr, NULL, VPCI_REG_CHECK, tmp);
				if (!rc) {
					struct vpci_reg_func f;
					memset(&f, 0, sizeof(f));
					f.kind = VPCI_REG_PF;
					f.vendor = hf->vendor;
					f.device = hf->device;
					f.sriov = hf->sr;
					rc = reg_insert(r, &hf->bdf, &f) ? 0 : VPCI_ENOMEM;
				}
			} else if (pass == 1 && (hf->kind == H_VF || hf->kind == H_ORPHAN)) {
				struct host_bdf pb;
				const struct reg_fn *pf = NULL;
				if (!host_bdf_parse(hf->pf, &pb))
					pf = reg_lookup(r, &pb);
				if (hf->kind == H_ORPHAN || !pf || pf->f.kind != VPCI_REG_PF) {
					WARN(d, hf->slot, "orphan",
					     "a VF on the host without its PF %s (the PF was removed before its VFs); remove "
					     "it (vpci sriov remove --force %s) or rescan the bus", hf->pf, hf->slot);
					continue;
				}
				if (e && e->f.kind == VPCI_REG_VF && !e->f.broken)
					continue; /* step 2 kept it: the same VF */
				if (e && e->f.kind == VPCI_REG_VF && !strcmp(e->f.pf, hf->pf) && e->f.vf_index == hf->index &&
				    !reg_relink_mismatch(pf, e, why, sizeof(why))) {
					e->f.broken = false;
					NOTE(d, e->f.slot, "relinked",
					     "re-associated as VF %u of %s (same identity and VF routing); owner '%s' and "
					     "assignment kept", e->f.vf_index, e->f.pf, e->f.owner);
					continue;
				}
				if (e) {
					const char *bad = strcmp(e->f.pf, hf->pf) || e->f.vf_index != hf->index ? NULL :
							  reg_relink_mismatch(pf, e, why, sizeof(why));
					WARN(d, e->f.slot, "replaced",
					     "broken VF record (VF %u of %s, owner '%s') not re-associated: the host has VF %u of %s "
					     "here%s%s; the record is dropped", e->f.vf_index, e->f.pf, e->f.owner, hf->index, hf->pf,
					     bad ? ": " : "", bad ? bad : "");
					reg_erase(r, e);
				}
				rc = vpci_registry_add_vf(r, hf->slot, hf->pf, hf->index, NULL, 0, tmp);
			} else {
				continue;
			}
			if (rc == VPCI_ENOMEM) {
				vpci_diag_free(tmp);
				return rc;
			}
			/* the host shows a function the rules refuse (a crafted
			 * or broken sysfs): say so, leave it out */
			for (size_t k = 0; rc && k < vpci_diag_count(tmp); k++) {
				const struct vpci_diag_entry *x = vpci_diag_get(tmp, k);
				WARN(d, x->file ? x->file : hf->slot, x->field ? x->field : "refused",
				     "not registered: %s", x->message);
			}
			vpci_diag_clear(tmp);
		}
	}
	vpci_diag_free(tmp);
	return 0;
}

VPCI_EXPORT int vpci_registry_sync_host(vpci_registry *r, const char *sysfs_root, const char *proc_root,
					vpci_diag *d)
{
	struct host_view h;
	int rc = read_host(sysfs_root ? sysfs_root : "/sys", proc_root ? proc_root : "/proc", &h, d);

	if (rc)
		return rc;
	vanished_vfs(r, &h, d);
	gone_functions(r, &h, d);
	rc = new_functions(r, &h, d);
	/* step 6: who holds what now */
	for (size_t i = 0; !rc && i < r->n; i++) {
		struct reg_fn *e = &r->v[i];
		const struct hfn *hf = e->f.kind == VPCI_REG_VF && e->f.broken ? NULL : hfind(&h, e->key);
		snprintf(e->f.user, sizeof(e->f.user), "%s", hf ? hf->user : "");
	}
	free(h.v);
	return rc;
}
