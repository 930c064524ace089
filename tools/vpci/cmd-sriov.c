/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-sriov.c - vpci sriov: host-side SR-IOV management through sysfs,
 * every decision made by the registry kept in the state directory
 *
 * Each invocation: open the state directory (locked when it changes
 * anything), load the registry, bring it up to date with the host, decide
 * and act through libvpci, save the registry atomically (docs/sriov.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

#define EX_NOPERM_ 77
#define LOCK_WAIT_MS 30000

enum {
	O_DRY_RUN, O_SYSFS_ROOT, O_PROC_ROOT, O_STATE_DIR, O_AS, O_JSON, O_DESCRIPTION, O_NO_AUTOPROBE, O_BIND,
	O_FORCE
};

static const struct cli_opt opts[] = {
	[O_DRY_RUN] = { "dry-run", 'n', NULL, "print every sysfs write instead of making it;\n"
			"decide, but save nothing", NULL, NULL, NULL },
	[O_SYSFS_ROOT] = { "sysfs-root", 0, "DIR", "use DIR instead of /sys", NULL, NULL, NULL },
	[O_PROC_ROOT] = { "proc-root", 0, "DIR", "use DIR instead of /proc (to find VFIO users)", NULL, NULL, NULL },
	[O_STATE_DIR] = { "state-dir", 0, "DIR", "the registry's directory (default $VPCI_STATE_DIR,\n"
			  "else " VPCI_STATE_DIR_DEFAULT ")", NULL, NULL, NULL },
	[O_AS] = { "as", 0, "LABEL", "act for the domain LABEL: only what it owns and\n"
		   "the VFs of the PFs it owns (default: the\nadministrator)", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "list, status: JSON (shapes in vpci(1))", NULL, "list status", NULL },
	[O_DESCRIPTION] = { "description", 0, "FILE", "status: the registry a description file builds\n"
			    "(no host, no state)", NULL, "status", NULL },
	[O_NO_AUTOPROBE] = { "no-autoprobe", 0, NULL, "enable: leave the new VFs unbound", NULL, "enable", NULL },
	[O_BIND] = { "bind", 0, "DRIVER", "enable: bind each new VF to DRIVER\n"
		     "(driver_override + drivers_probe, verified)", NULL, "enable", NULL },
	[O_FORCE] = { "force", 0, NULL, "override a refusal for a function in use, a PF\n"
		      "with VFs, an assignment elsewhere (never the\norder of the writes, nor ownership)", NULL,
		      "disable bind unbind reset remove assign owner", NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_verb verbs[] = {
	{ "list", "", 0, 0, "PFs with TotalVFs/NumVFs, VF Device ID,\n"
	  "offset/stride, autoprobe, driver, IOMMU group,\n"
	  "and their VFs with drivers and state" },
	{ "status", "", 0, 0, "the registry: functions, PF/VF links, owners,\n"
	  "assignments, VFIO users, broken VF records" },
	{ "enable", "PF N", 2, 2, "create N VFs (the PF's owner or the\nadministrator)" },
	{ "disable", "PF", 1, 1, "remove the VFs; refused while a VF is in use" },
	{ "bind", "BDF DRIVER", 2, 2, "bind a function to DRIVER; refused while it\nis in use" },
	{ "unbind", "BDF [DRIVER]", 1, 2, "unbind a function (from DRIVER only, when\ngiven); refused while in use" },
	{ "reset", "BDF", 1, 1, "reset a function; refused while it or (a PF)\none of its VFs is in use" },
	{ "remove", "BDF", 1, 1, "hot-unplug a function; refused while in use,\n"
	  "and for a PF with VFs; the VFs always go first" },
	{ "assign", "BDF OWNER", 2, 2, "hand a function to OWNER (a domain label)" },
	{ "release", "BDF", 1, 1, "end the assignment (the owner stays)" },
	{ "owner", "BDF OWNER|-", 2, 2, "set who may manage a function ('-': only the\nadministrator)" },
	{ NULL, NULL, 0, 0, NULL },
};

static void show_write(void *opaque, const char *path, const char *value)
{
	(void)opaque;
	printf("write %s %s\n", path, strcmp(value, "\n") ? value : "''");
}

static const char *tf(bool v)
{
	return v ? "true" : "false";
}

static void list_text(const struct vpci_sriov_pf *pfs, size_t n)
{
	if (!n)
		printf("no SR-IOV physical functions\n");
	for (size_t i = 0; i < n; i++) {
		const struct vpci_sriov_pf *p = &pfs[i];
		printf("%s  VFs %u/%u  VF device %04x  offset %u stride %u  autoprobe %s  driver %s  iommu-group %d\n",
		       p->slot, p->num_vfs, p->total_vfs, p->vf_device, p->vf_offset, p->vf_stride,
		       p->autoprobe < 0 ? "?" : p->autoprobe ? "on" : "off", p->driver[0] ? p->driver : "-",
		       p->iommu_group);
		for (size_t k = 0; k < p->nvfs; k++) {
			const struct vpci_sriov_vf *v = &p->vfs[k];
			printf("  %s  driver %s  iommu-group %d%s%s%s\n", v->slot, v->driver[0] ? v->driver : "-",
			       v->iommu_group, v->gone ? "  GONE (reads all-ones)" : "",
			       v->in_use ? "  in use by " : "", v->in_use ? v->user : "");
		}
	}
}

static void list_json(const struct vpci_sriov_pf *pfs, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct vpci_sriov_pf *p = &pfs[i];
		printf("%s\n  {\"slot\": ", i ? "," : "");
		json_str(stdout, p->slot);
		printf(", \"total_vfs\": %u, \"num_vfs\": %u, \"vf_device\": %u, \"vf_offset\": %u, \"vf_stride\": %u, "
		       "\"autoprobe\": %s, \"driver\": ", p->total_vfs, p->num_vfs, p->vf_device, p->vf_offset,
		       p->vf_stride, p->autoprobe < 0 ? "null" : tf(p->autoprobe));
		json_str(stdout, p->driver[0] ? p->driver : NULL);
		printf(", \"iommu_group\": %d, \"vfs\": [", p->iommu_group);
		for (size_t k = 0; k < p->nvfs; k++) {
			const struct vpci_sriov_vf *v = &p->vfs[k];
			printf("%s{\"slot\": ", k ? ", " : "");
			json_str(stdout, v->slot);
			printf(", \"driver\": ");
			json_str(stdout, v->driver[0] ? v->driver : NULL);
			printf(", \"iommu_group\": %d, \"gone\": %s, \"in_use\": %s}", v->iommu_group, tf(v->gone),
			       tf(v->in_use));
		}
		printf("]}");
	}
	printf("\n]\n");
}

static const char *const kind_word[] = { "fn", "pf", "vf" };

static void status_text(const vpci_registry *r)
{
	struct vpci_reg_func f;

	if (!vpci_registry_count(r)) {
		printf("no functions registered\n");
		return;
	}
	printf("%-13s %-7s %-10s %-16s %-9s %s\n", "FUNCTION", "KIND", "ID", "OWNER", "STATE", "LINKS, USER");
	for (size_t i = 0; !vpci_registry_get(r, i, &f); i++) {
		char kind[16], more[256] = "";
		if (f.kind == VPCI_REG_VF)
			snprintf(kind, sizeof(kind), "vf %u", f.vf_index);
		else
			snprintf(kind, sizeof(kind), "%s", kind_word[f.kind]);
		if (f.kind == VPCI_REG_PF)
			snprintf(more, sizeof(more), "%u of %u VFs (VF device %04x, offset %u, stride %u%s)", f.nvfs,
				 f.sriov.total_vfs, f.sriov.vf_device, f.sriov.offset, f.sriov.stride,
				 f.sriov.ari ? ", ARI" : "");
		else if (f.kind == VPCI_REG_VF)
			snprintf(more, sizeof(more), "%s %s", f.broken ? "BROKEN: was a VF of" : "VF of", f.pf);
		if (f.user[0])
			snprintf(more + strlen(more), sizeof(more) - strlen(more), "%sheld by %s", more[0] ? "; " : "",
				 f.user);
		printf("%-13s %-7s %04x:%04x  %-16s %-9s%s%s\n", f.slot, kind, f.vendor, f.device,
		       f.owner[0] ? f.owner : "-", f.assigned ? "assigned" : f.user[0] ? "in use" : "free",
		       more[0] ? " " : "", more);
	}
}

static void status_json(const vpci_registry *r)
{
	struct vpci_reg_func f;

	printf("[");
	for (size_t i = 0; !vpci_registry_get(r, i, &f); i++) {
		printf("%s\n  {\"slot\": ", i ? "," : "");
		json_str(stdout, f.slot);
		printf(", \"kind\": \"%s\", \"vendor\": %u, \"device\": %u, \"owner\": ", kind_word[f.kind], f.vendor,
		       f.device);
		json_str(stdout, f.owner[0] ? f.owner : NULL);
		printf(", \"assigned\": %s, \"user\": ", tf(f.assigned));
		json_str(stdout, f.user[0] ? f.user : NULL);
		if (f.kind == VPCI_REG_PF)
			printf(", \"vf_device\": %u, \"total_vfs\": %u, \"vf_offset\": %u, \"vf_stride\": %u, \"ari\": %s, "
			       "\"vfs\": %u", f.sriov.vf_device, f.sriov.total_vfs, f.sriov.offset, f.sriov.stride,
			       tf(f.sriov.ari), f.nvfs);
		if (f.kind == VPCI_REG_VF) {
			printf(", \"pf\": ");
			json_str(stdout, f.pf);
			printf(", \"vf_index\": %u, \"broken\": %s", f.vf_index, tf(f.broken));
		}
		printf("}");
	}
	printf("\n]\n");
}

/* Exit status of a libvpci result; @writing: EIO came from a write. */
static int sriov_exit(int rc, bool writing)
{
	switch (rc) {
	case VPCI_OK: return 0;
	case VPCI_EINVAL: return EX_USAGE_;
	case VPCI_ENOENT: case VPCI_ENOTSUP: case VPCI_ERANGE: case VPCI_EDATA: return EX_DATAERR_;
	case VPCI_EIO: return writing ? EX_IOERR_ : EX_NOINPUT_;
	case VPCI_EBUSY: return EX_TEMPFAIL_; /* retry when the function is free */
	case VPCI_EPERM: return EX_NOPERM_;
	default: return EX_SOFTWARE_;
	}
}

static bool is(const struct cli_args *a, const char *verb)
{
	return !strcmp(a->verb->name, verb);
}

/* The verbs that act on sysfs, through the library (which asks the
 * attached registry). */
static int run_host(vpci_sriov *s, struct cli_args *a, vpci_diag *d)
{
	char **p = a->pos;
	bool force = cli_has(a, O_FORCE);

	if (is(a, "enable")) /* N was checked before anything was opened */
		return vpci_sriov_enable(s, p[0], (unsigned)strtoul(p[1], NULL, 0), a->val[O_BIND],
					 cli_has(a, O_NO_AUTOPROBE), d);
	if (is(a, "disable"))
		return vpci_sriov_disable(s, p[0], force, d);
	if (is(a, "bind"))
		return vpci_sriov_bind(s, p[0], p[1], force, d);
	if (is(a, "unbind"))
		return vpci_sriov_unbind(s, p[0], a->npos > 1 ? p[1] : NULL, force, d);
	if (is(a, "reset"))
		return vpci_sriov_reset(s, p[0], force, d);
	return vpci_sriov_remove(s, p[0], force, d);
}

/* The verbs that change only the registry. */
static int run_registry(vpci_registry *r, struct cli_args *a, vpci_diag *d)
{
	char **p = a->pos;
	const char *actor = a->val[O_AS];
	unsigned flags = (cli_has(a, O_FORCE) ? VPCI_REG_FORCE : 0) | (cli_has(a, O_DRY_RUN) ? VPCI_REG_CHECK : 0);

	if (is(a, "assign"))
		return vpci_registry_assign(r, p[0], p[1], actor, flags, d);
	if (is(a, "release"))
		return vpci_registry_release(r, p[0], actor, flags, d);
	return vpci_registry_set_owner(r, p[0], strcmp(p[1], "-") ? p[1] : NULL, actor, flags, d);
}

static int do_list(struct cli_args *a, vpci_diag *d)
{
	vpci_sriov *s = vpci_sriov_new(a->val[O_SYSFS_ROOT], a->val[O_PROC_ROOT]);
	struct vpci_sriov_pf *pfs = NULL;
	size_t n = 0;

	if (!s)
		return EX_SOFTWARE_;
	int rc = vpci_sriov_list(s, &pfs, &n, d);
	if (!rc)
		cli_has(a, O_JSON) ? list_json(pfs, n) : list_text(pfs, n);
	vpci_sriov_list_free(pfs, n);
	vpci_sriov_free(s);
	return sriov_exit(rc, false);
}

/* status --description FILE: the registry a description builds */
static int describe(struct cli_args *a, vpci_diag *d)
{
	vpci_registry *r;
	int rc = vpci_registry_parse_file(a->val[O_DESCRIPTION], &r, d);

	if (rc)
		return sriov_exit(rc, false);
	cli_has(a, O_JSON) ? status_json(r) : status_text(r);
	vpci_registry_free(r);
	return 0;
}

/* Everything but list and descriptions: state, sync, decide, act, save. */
static int with_state(struct cli_args *a, vpci_diag *d)
{
	const char *dir = a->val[O_STATE_DIR];
	bool reads = is(a, "status"), host = !reads && !is(a, "assign") && !is(a, "release") && !is(a, "owner");
	/* status and a dry run only read: no lock, nothing saved */
	bool write = !reads && !cli_has(a, O_DRY_RUN);
	vpci_reg_state *st = NULL;
	vpci_registry *r = NULL;
	vpci_sriov *s = NULL;
	int rc, ex = 0;

	if (!dir)
		dir = getenv("VPCI_STATE_DIR") && *getenv("VPCI_STATE_DIR") ? getenv("VPCI_STATE_DIR")
									  : VPCI_STATE_DIR_DEFAULT;
	if ((rc = vpci_reg_state_open(dir, write, LOCK_WAIT_MS, &st, d))) {
		ex = rc == VPCI_EIO ? EX_CANTCREAT_ : sriov_exit(rc, false);
		goto out;
	}
	if ((rc = vpci_reg_state_load(st, &r, d)) ||
	    (rc = vpci_registry_sync_host(r, a->val[O_SYSFS_ROOT], a->val[O_PROC_ROOT], d))) {
		ex = sriov_exit(rc, false);
		goto out;
	}
	if (reads) {
		cli_has(a, O_JSON) ? status_json(r) : status_text(r);
		goto out;
	}
	if (host) {
		if (!(s = vpci_sriov_new(a->val[O_SYSFS_ROOT], a->val[O_PROC_ROOT])) ||
		    vpci_sriov_set_registry(s, r, a->val[O_AS])) {
			ex = EX_SOFTWARE_;
			goto out;
		}
		if (cli_has(a, O_DRY_RUN))
			vpci_sriov_set_dry_run(s, show_write, NULL);
		rc = run_host(s, a, d);
	} else {
		rc = run_registry(r, a, d);
	}
	ex = sriov_exit(rc, true);
	/* saved even after a refusal: the sync may have recorded what the
	 * host changed (VFs that vanished while assigned) */
	if (write) {
		int sr = vpci_reg_state_save(st, r, d);
		if (sr && !ex)
			ex = sriov_exit(sr, true);
	}
out:
	vpci_sriov_free(s);
	vpci_registry_free(r);
	vpci_reg_state_close(st);
	return ex;
}

static int run(struct cli_args *a)
{
	if (is(a, "enable")) {
		char *end;
		unsigned long n = strtoul(a->pos[1], &end, 0);
		if (*end || !*a->pos[1] || n > 0xffff)
			return cli_usage("sriov", "N must be a number of VFs, not '%s'", a->pos[1]);
	}
	vpci_diag *d = vpci_diag_new();
	if (!d)
		return EX_SOFTWARE_;
	int ex = is(a, "list") ? do_list(a, d) : cli_has(a, O_DESCRIPTION) ? describe(a, d) : with_state(a, d);
	cli_print_diags(d);
	vpci_diag_free(d);
	return ex;
}

const struct cli_cmd cli_cmd_sriov = {
	.name = "sriov",
	.summary = "manage SR-IOV on this host, decided by the PF/VF registry",
	.synopsis = "[OPTIONS] list [--json]\n"
		    "[OPTIONS] status [--json] [--description FILE]\n"
		    "[OPTIONS] enable PF N [--no-autoprobe] [--bind DRIVER]\n"
		    "[OPTIONS] disable PF [--force]\n"
		    "[OPTIONS] bind BDF DRIVER [--force]\n"
		    "[OPTIONS] unbind BDF [DRIVER] [--force]\n"
		    "[OPTIONS] reset BDF [--force]\n"
		    "[OPTIONS] remove BDF [--force]\n"
		    "[OPTIONS] assign BDF OWNER [--force]\n"
		    "[OPTIONS] release BDF\n"
		    "[OPTIONS] owner BDF OWNER|- [--force]",
	.description = "Manage SR-IOV on this host through sysfs (as root).  A registry of the\n"
		       "functions, their PF/VF links, owners (domain labels) and assignments,\n"
		       "kept in the state directory, decides every operation: a function in use\n"
		       "(assigned, or held open through VFIO) is not removed, reset or rebound; a\n"
		       "PF with VFs is not removed; the owner of a PF manages its VFs, the owner\n"
		       "of a VF only that VF.  --force overrides a refusal; the sysfs writes are\n"
		       "always in the safe order (a PF's VFs before the PF).\n",
	.opts = opts,
	.verbs = verbs,
	.exit_status = "0 done, 64 usage, 65 the function is not what the command\n"
		       "needs (no such function, not an SR-IOV PF, a broken VF record, a\n"
		       "malformed registry file), 66 input unreadable, 70 internal error,\n"
		       "73 the state directory cannot be created, 74 a sysfs or state write\n"
		       "failed, 75 refused because busy (in use, VFs present, state locked:\n"
		       "retry, or --force), 77 refused because --as LABEL does not manage\n"
		       "the function.",
	.run = run,
};
