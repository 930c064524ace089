/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-show.c - vpci show [--json] [--access] FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_JSON, O_ACCESS, O_NO_CHECK, O_TYPES };

static const struct cli_opt opts[] = {
	[O_JSON] = { "json", 'j', NULL, "machine-readable JSON (shape in vpci(1))", NULL, NULL, NULL },
	[O_ACCESS] = { "access", 'a', NULL, "also show the access type and backing of every\nfield", NULL, NULL, NULL },
	[O_NO_CHECK] = { "no-check", 0, NULL, "skip the PCI rules (describe a device that\nbreaks them)", NULL, NULL,
			 NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static int run(struct cli_args *a)
{
	unsigned flags = (cli_has(a, O_JSON) ? VPCI_SHOW_JSON : 0) | (cli_has(a, O_ACCESS) ? VPCI_SHOW_ACCESS : 0);
	vpci_func *f = NULL;
	int rc = cli_load_flags(a->pos[0], cli_has(a, O_NO_CHECK) ? VPCI_PARSE_NO_VALIDATE : 0, &f);

	if (rc)
		return rc;
	char *out = NULL;
	int st = vpci_show(f, flags, &out);
	vpci_func_free(f);
	if (st) {
		fprintf(stderr, "vpci show: %s\n", vpci_strerror(st));
		return cli_exit_code(st);
	}
	rc = cli_write_output(NULL, out, strlen(out));
	free(out);
	return rc;
}

const struct cli_cmd cli_cmd_show = {
	.name = "show",
	.summary = "describe an instance for people (or --json for scripts)",
	.synopsis = "[--json] [--access] [--no-check] FILE",
	.description = "Describe an instance: header, BARs and every capability with decoded\n"
		       "fields, like lspci -vvv.\n",
	.opts = opts,
	.min_args = 1,
	.max_args = 1,
	.args_name = "FILE",
	.run = run,
};
