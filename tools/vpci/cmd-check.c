/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-check.c - vpci check FILE...: validate instance files
 */
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_QUIET, O_JSON, O_HOST, O_SYSFS_ROOT, O_TYPES };

static const struct cli_opt opts[] = {
	[O_QUIET] = { "quiet", 'q', NULL, "print nothing for valid files", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "one JSON array of per-file results on standard\n"
		     "output (diagnostics go there, not to standard\n"
		     "error)", NULL, NULL, NULL },
	[O_HOST] = { "host", 0, "BDF", "also check that host function BDF backs what each\n"
		     "file's PASID capabilities promise (width, execute,\n"
		     "privileged: its own PASID capability and its IOMMU)", NULL, NULL, NULL },
	[O_SYSFS_ROOT] = { "sysfs-root", 0, "DIR", "with --host: read DIR instead of /sys", NULL, NULL, "host" },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

/* One file's entry of the --json array. */
static void json_result(const char *name, const vpci_func *f, const vpci_diag *d, int first)
{
	printf("%s\n  {\"file\": ", first ? "" : ",");
	json_str(stdout, name);
	printf(", \"ok\": %s, \"name\": ", f ? "true" : "false");
	json_str(stdout, f ? vpci_func_name(f) : NULL);
	if (f)
		printf(", \"capabilities\": %u", vpci_func_cap_count(f));
	else
		printf(", \"capabilities\": null");
	printf(", \"diagnostics\": ");
	json_diags(stdout, d, VPCI_SEV_NOTE);
	printf("}");
}

/* With --host: what a PASID capability may promise on that function. */
static int host_facts(struct cli_args *a, struct vpci_host_pasid *h)
{
	vpci_diag *d = vpci_diag_new();

	if (!d)
		return EX_SOFTWARE_;
	int st = vpci_host_pasid(cli_get(a, O_SYSFS_ROOT, NULL), a->val[O_HOST], h, d);
	if (!cli_has(a, O_JSON))
		cli_print_diags_min(d, VPCI_SEV_WARNING);
	vpci_diag_free(d);
	if (st == VPCI_EINVAL)
		return cli_usage("check", "malformed --host '%s' (expected [DDDD:]BB:DD.F)", a->val[O_HOST]);
	return st ? cli_exit_code(st) : 0;
}

/* The file's promises against the host's facts: 0 or EX_DATAERR_ (the
 * diagnostics go into @d, or to standard error when @d is NULL). */
static int check_host(const vpci_func *f, const struct vpci_host_pasid *h, vpci_diag *d)
{
	vpci_diag *own = d ? d : vpci_diag_new();

	if (!own)
		return EX_SOFTWARE_;
	unsigned errors = vpci_check_host_pasid(f, h, own);
	if (!d) {
		cli_print_diags(own);
		vpci_diag_free(own);
	}
	return errors ? EX_DATAERR_ : 0;
}

static int run(struct cli_args *a)
{
	int quiet = cli_has(a, O_QUIET), json = cli_has(a, O_JSON), worst = 0, shown = 0;
	vpci_diag *d = json ? vpci_diag_new() : NULL;
	struct vpci_host_pasid host;

	if (json && !d)
		return EX_SOFTWARE_;
	if (cli_has(a, O_HOST)) {
		int rc = host_facts(a, &host);
		if (rc) {
			vpci_diag_free(d);
			return rc;
		}
	}
	if (json)
		printf("[");
	for (int i = 0; i < a->npos; i++) {
		const char *name = cli_input_name(a->pos[i]);
		vpci_func *f = NULL;
		int rc = cli_load_diag(a->pos[i], 0, &f, d);
		if (!rc && cli_has(a, O_HOST) && check_host(f, &host, d)) {
			rc = EX_DATAERR_;
			vpci_func_free(f);
			f = NULL;
		}
		if (json && (rc || !quiet))
			json_result(name, rc ? NULL : f, d, !shown++);
		else if (!rc && !quiet)
			printf("%s: ok (%s, %u capabilities)\n", name, vpci_func_name(f), vpci_func_cap_count(f));
		vpci_func_free(f);
		if (d)
			vpci_diag_clear(d);
		/* 66 (no input) outranks 65 (bad data) outranks 0 */
		if (rc == EX_NOINPUT_ || (rc && worst != EX_NOINPUT_))
			worst = rc;
	}
	if (json)
		printf(shown ? "\n]\n" : "]\n");
	vpci_diag_free(d);
	return worst;
}

const struct cli_cmd cli_cmd_check = {
	.name = "check",
	.summary = "validate instance files",
	.synopsis = "[-q] [--json] [--host BDF [--sysfs-root DIR]] FILE...",
	.description = "Validate vPCI instance files (vpci-instance(5)): YAML syntax, keys, types,\n"
		       "ranges, capability layout, BAR and capability rules.  Every problem is\n"
		       "printed as FILE:LINE:COL: error: MESSAGE.  FILE '-' reads standard input.\n"
		       "With --host, a file whose PASID capability promises more than that host\n"
		       "function and its IOMMU back (Max PASID Width, execute, privileged mode)\n"
		       "is invalid too.\n",
	.opts = opts,
	.min_args = 1,
	.max_args = -1,
	.args_name = "FILE",
	.exit_status = "0 all valid, 64 usage error, 65 some file invalid,\n"
		       "66 some file unreadable.",
	.run = run,
};
