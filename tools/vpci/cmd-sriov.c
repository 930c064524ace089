/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-sriov.c - vpci sriov: host-side SR-IOV management through sysfs
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci sriov [OPTIONS] list [--json]\n"
	       "       vpci sriov [OPTIONS] enable PF N [--no-autoprobe] [--bind DRIVER]\n"
	       "       vpci sriov [OPTIONS] disable PF [--force]\n"
	       "       vpci sriov [OPTIONS] bind BDF DRIVER\n"
	       "       vpci sriov [OPTIONS] unbind BDF [DRIVER]\n"
	       "       vpci sriov [OPTIONS] remove BDF [--force]\n\n"
	       "Manage SR-IOV on this host through sysfs.\n"
	       "  list        PFs with TotalVFs/NumVFs, VF Device ID, offset/stride, autoprobe,\n"
	       "              driver, IOMMU group, and their VFs with drivers and state\n"
	       "  enable      create N VFs; --no-autoprobe keeps them unbound, --bind binds\n"
	       "              each to DRIVER (driver_override + drivers_probe, verified)\n"
	       "  disable     remove the VFs; refused while a VF is in use through VFIO\n"
	       "  remove      hot-unplug a function; a PF with VFs only with --force, which\n"
	       "              removes the VFs first (the safe order)\n\n"
	       "  --dry-run          print every sysfs write instead of making it\n"
	       "  --sysfs-root DIR   use DIR instead of /sys\n"
	       "  --proc-root DIR    use DIR instead of /proc (to find VFIO users)\n");
}

static void show_write(void *opaque, const char *path, const char *value)
{
	(void)opaque;
	printf("write %s %s\n", path, strcmp(value, "\n") ? value : "''");
}

static void print_diags_all(vpci_diag *d)
{
	char buf[1024];

	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		vpci_diag_format(vpci_diag_get(d, i), buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
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

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void list_json(const struct vpci_sriov_pf *pfs, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct vpci_sriov_pf *p = &pfs[i];
		printf("%s\n  {\"slot\": ", i ? "," : "");
		json_str(p->slot);
		printf(", \"total_vfs\": %u, \"num_vfs\": %u, \"vf_device\": %u, \"vf_offset\": %u, \"vf_stride\": %u, "
		       "\"autoprobe\": %s, \"driver\": ", p->total_vfs, p->num_vfs, p->vf_device, p->vf_offset,
		       p->vf_stride, p->autoprobe < 0 ? "null" : p->autoprobe ? "true" : "false");
		if (p->driver[0])
			json_str(p->driver);
		else
			printf("null");
		printf(", \"iommu_group\": %d, \"vfs\": [", p->iommu_group);
		for (size_t k = 0; k < p->nvfs; k++) {
			const struct vpci_sriov_vf *v = &p->vfs[k];
			printf("%s{\"slot\": ", k ? ", " : "");
			json_str(v->slot);
			printf(", \"driver\": ");
			if (v->driver[0])
				json_str(v->driver);
			else
				printf("null");
			printf(", \"iommu_group\": %d, \"gone\": %s, \"in_use\": %s}", v->iommu_group,
			       v->gone ? "true" : "false", v->in_use ? "true" : "false");
		}
		printf("]}");
	}
	printf("\n]\n");
}

int cmd_sriov(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "sysfs-root", required_argument, NULL, 'R' },
		{ "proc-root", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-autoprobe", no_argument, NULL, 'a' },
		{ "bind", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *proc = NULL, *bind = NULL;
	int c, dry = 0, json = 0, noauto = 0, force = 0, rc;

	while ((c = getopt_long(argc, argv, "hn", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'n': dry = 1; break;
		case 'R': root = optarg; break;
		case 'P': proc = optarg; break;
		case 'j': json = 1; break;
		case 'a': noauto = 1; break;
		case 'b': bind = optarg; break;
		case 'f': force = 1; break;
		default: return cli_usage("sriov", "invalid option");
		}
	}
	if (optind >= argc)
		return cli_usage("sriov", "expected a subcommand: list, enable, disable, bind, unbind, remove");
	const char *verb = argv[optind];
	int nargs = argc - optind - 1;
	char **a = argv + optind + 1;
	static const struct { const char *verb; int min, max; } shapes[] = {
		{ "list", 0, 0 }, { "enable", 2, 2 }, { "disable", 1, 1 }, { "bind", 2, 2 },
		{ "unbind", 1, 2 }, { "remove", 1, 1 },
	};
	int known = 0;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		if (strcmp(verb, shapes[i].verb))
			continue;
		known = 1;
		if (nargs < shapes[i].min || nargs > shapes[i].max)
			return cli_usage("sriov", "wrong number of arguments for '%s'", verb);
	}
	if (!known)
		return cli_usage("sriov", "unknown subcommand '%s'", verb);
	if ((json && strcmp(verb, "list")) || ((noauto || bind) && strcmp(verb, "enable")) ||
	    (force && strcmp(verb, "disable") && strcmp(verb, "remove")))
		return cli_usage("sriov", "option not valid with '%s'", verb);

	vpci_sriov *s = vpci_sriov_new(root, proc);
	vpci_diag *d = vpci_diag_new();
	if (!s || !d)
		return EX_SOFTWARE_;
	if (dry)
		vpci_sriov_set_dry_run(s, show_write, NULL);
	if (!strcmp(verb, "list")) {
		struct vpci_sriov_pf *pfs = NULL;
		size_t n = 0;
		rc = vpci_sriov_list(s, &pfs, &n, d);
		if (!rc)
			json ? list_json(pfs, n) : list_text(pfs, n);
		vpci_sriov_list_free(pfs, n);
	} else if (!strcmp(verb, "enable")) {
		char *end;
		unsigned long n = strtoul(a[1], &end, 0);
		if (*end || !*a[1] || n > 0xffff) {
			vpci_diag_free(d);
			vpci_sriov_free(s);
			return cli_usage("sriov", "N must be a number of VFs, not '%s'", a[1]);
		}
		rc = vpci_sriov_enable(s, a[0], (unsigned)n, bind, noauto, d);
	} else if (!strcmp(verb, "disable")) {
		rc = vpci_sriov_disable(s, a[0], force, d);
	} else if (!strcmp(verb, "bind")) {
		rc = vpci_sriov_bind(s, a[0], a[1], d);
	} else if (!strcmp(verb, "unbind")) {
		rc = vpci_sriov_unbind(s, a[0], nargs > 1 ? a[1] : NULL, d);
	} else {
		rc = vpci_sriov_remove(s, a[0], force, d);
	}
	print_diags_all(d);
	vpci_diag_free(d);
	vpci_sriov_free(s);
	switch (rc) {
	case 0: return 0;
	case VPCI_EINVAL: return EX_USAGE_;
	case VPCI_ENOENT: return EX_NOINPUT_;
	case VPCI_EBUSY: return 75; /* EX_TEMPFAIL: try again once the VFs are free */
	case VPCI_ERANGE: return EX_DATAERR_;
	default: return cli_exit_code(rc);
	}
}
