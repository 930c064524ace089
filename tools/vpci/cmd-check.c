/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-check.c - vpci check FILE...: validate instance files
 */
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_QUIET, O_JSON, O_TYPES };

static const struct cli_opt opts[] = {
	[O_QUIET] = { "quiet", 'q', NULL, "print nothing for valid files", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "one JSON array of per-file results on standard\n"
		     "output (diagnostics go there, not to standard\n"
		     "error)", NULL, NULL, NULL },
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

static int run(struct cli_args *a)
{
	int quiet = cli_has(a, O_QUIET), json = cli_has(a, O_JSON), worst = 0, shown = 0;
	vpci_diag *d = json ? vpci_diag_new() : NULL;

	if (json && !d)
		return EX_SOFTWARE_;
	if (json)
		printf("[");
	for (int i = 0; i < a->npos; i++) {
		const char *name = cli_input_name(a->pos[i]);
		vpci_func *f = NULL;
		int rc = cli_load_diag(a->pos[i], 0, &f, d);
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
	.synopsis = "[-q] [--json] FILE...",
	.description = "Validate vPCI instance files (vpci-instance(5)): YAML syntax, keys, types,\n"
		       "ranges, capability layout, BAR and capability rules.  Every problem is\n"
		       "printed as FILE:LINE:COL: error: MESSAGE.  FILE '-' reads standard input.\n",
	.opts = opts,
	.min_args = 1,
	.max_args = -1,
	.args_name = "FILE",
	.exit_status = "0 all valid, 64 usage error, 65 some file invalid,\n"
		       "66 some file unreadable.",
	.run = run,
};
