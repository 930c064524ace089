/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-sriov.c - vpci sriov: host-side SR-IOV management through sysfs
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_DRY_RUN, O_SYSFS_ROOT, O_PROC_ROOT, O_JSON, O_NO_AUTOPROBE, O_BIND, O_FORCE };

static const struct cli_opt opts[] = {
	[O_DRY_RUN] = { "dry-run", 'n', NULL, "print every sysfs write instead of making it", NULL, NULL, NULL },
	[O_SYSFS_ROOT] = { "sysfs-root", 0, "DIR", "use DIR instead of /sys", NULL, NULL, NULL },
	[O_PROC_ROOT] = { "proc-root", 0, "DIR", "use DIR instead of /proc (to find VFIO users)", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "list: JSON (shape in vpci(1))", NULL, "list", NULL },
	[O_NO_AUTOPROBE] = { "no-autoprobe", 0, NULL, "enable: leave the new VFs unbound", NULL, "enable", NULL },
	[O_BIND] = { "bind", 0, "DRIVER", "enable: bind each new VF to DRIVER\n"
		     "(driver_override + drivers_probe, verified)", NULL, "enable", NULL },
	[O_FORCE] = { "force", 0, NULL, "disable, remove: also when VFs exist (removes\nthem first)", NULL,
		      "disable remove", NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_verb verbs[] = {
	{ "list", "", 0, 0, "PFs with TotalVFs/NumVFs, VF Device ID,\n"
	  "offset/stride, autoprobe, driver, IOMMU group,\n"
	  "and their VFs with drivers and state" },
	{ "enable", "PF N", 2, 2, "create N VFs" },
	{ "disable", "PF", 1, 1, "remove the VFs; refused while a VF is in use\nthrough VFIO" },
	{ "bind", "BDF DRIVER", 2, 2, "bind a function to DRIVER" },
	{ "unbind", "BDF [DRIVER]", 1, 2, "unbind a function (from DRIVER only, when given)" },
	{ "remove", "BDF", 1, 1, "hot-unplug a function; a PF with VFs only with\n--force" },
	{ NULL, NULL, 0, 0, NULL },
};

static void show_write(void *opaque, const char *path, const char *value)
{
	(void)opaque;
	printf("write %s %s\n", path, strcmp(value, "\n") ? value : "''");
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
		       p->vf_stride, p->autoprobe < 0 ? "null" : p->autoprobe ? "true" : "false");
		json_str(stdout, p->driver[0] ? p->driver : NULL);
		printf(", \"iommu_group\": %d, \"vfs\": [", p->iommu_group);
		for (size_t k = 0; k < p->nvfs; k++) {
			const struct vpci_sriov_vf *v = &p->vfs[k];
			printf("%s{\"slot\": ", k ? ", " : "");
			json_str(stdout, v->slot);
			printf(", \"driver\": ");
			json_str(stdout, v->driver[0] ? v->driver : NULL);
			printf(", \"iommu_group\": %d, \"gone\": %s, \"in_use\": %s}", v->iommu_group,
			       v->gone ? "true" : "false", v->in_use ? "true" : "false");
		}
		printf("]}");
	}
	printf("\n]\n");
}

static int do_list(vpci_sriov *s, struct cli_args *a, vpci_diag *d)
{
	struct vpci_sriov_pf *pfs = NULL;
	size_t n = 0;
	int rc = vpci_sriov_list(s, &pfs, &n, d);

	if (!rc)
		cli_has(a, O_JSON) ? list_json(pfs, n) : list_text(pfs, n);
	vpci_sriov_list_free(pfs, n);
	return rc;
}

/* Run the subcommand; a libvpci status, or 1 after a usage error. */
static int do_verb(vpci_sriov *s, struct cli_args *a, vpci_diag *d)
{
	const char *verb = a->verb->name;
	char **p = a->pos;
	int force = cli_has(a, O_FORCE);

	if (!strcmp(verb, "list"))
		return do_list(s, a, d);
	if (!strcmp(verb, "enable")) {
		char *end;
		unsigned long n = strtoul(p[1], &end, 0);
		if (*end || !*p[1] || n > 0xffff) {
			cli_usage("sriov", "N must be a number of VFs, not '%s'", p[1]);
			return 1;
		}
		return vpci_sriov_enable(s, p[0], (unsigned)n, a->val[O_BIND], cli_has(a, O_NO_AUTOPROBE), d);
	}
	if (!strcmp(verb, "disable"))
		return vpci_sriov_disable(s, p[0], force, d);
	if (!strcmp(verb, "bind"))
		return vpci_sriov_bind(s, p[0], p[1], d);
	if (!strcmp(verb, "unbind"))
		return vpci_sriov_unbind(s, p[0], a->npos > 1 ? p[1] : NULL, d);
	return vpci_sriov_remove(s, p[0], force, d);
}

static int run(struct cli_args *a)
{
	vpci_sriov *s = vpci_sriov_new(a->val[O_SYSFS_ROOT], a->val[O_PROC_ROOT]);
	vpci_diag *d = vpci_diag_new();
	int rc = s && d ? 0 : VPCI_ENOMEM;

	if (!rc && cli_has(a, O_DRY_RUN))
		vpci_sriov_set_dry_run(s, show_write, NULL);
	if (!rc)
		rc = do_verb(s, a, d);
	cli_print_diags(d);
	vpci_diag_free(d);
	vpci_sriov_free(s);
	switch (rc) {
	case 0: return 0;
	case 1: return EX_USAGE_;
	case VPCI_EINVAL: return EX_USAGE_;
	case VPCI_ENOENT: return EX_NOINPUT_;
	case VPCI_EBUSY: return EX_TEMPFAIL_; /* try again once the VFs are free */
	default: return cli_exit_code(rc);
	}
}

const struct cli_cmd cli_cmd_sriov = {
	.name = "sriov",
	.summary = "manage SR-IOV on this host: list, enable, disable, bind, remove",
	.synopsis = "[OPTIONS] list [--json]\n"
		    "[OPTIONS] enable PF N [--no-autoprobe] [--bind DRIVER]\n"
		    "[OPTIONS] disable PF [--force]\n"
		    "[OPTIONS] bind BDF DRIVER\n"
		    "[OPTIONS] unbind BDF [DRIVER]\n"
		    "[OPTIONS] remove BDF [--force]",
	.description = "Manage SR-IOV on this host through sysfs (as root).  'remove --force' of a\n"
		       "PF removes its VFs first (the safe order).\n",
	.opts = opts,
	.verbs = verbs,
	.exit_status = "0 success, 64 usage error, 65 invalid data, 66 no such function,\n"
		       "75 busy (a VF is in use; try again once it is free).",
	.run = run,
};
