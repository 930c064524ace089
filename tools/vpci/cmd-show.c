/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-show.c - vpci show [--json] [--access] FILE
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci show [--json] [--access] FILE\n\n"
	       "Describe an instance: header, BARs and every capability with decoded\n"
	       "fields, like lspci -vvv.\n\n"
	       "  --json     machine-readable JSON\n"
	       "  --access   also show the access type and backing of every field\n"
	       "  --no-check skip the PCI rules (describe a device that breaks them)\n");
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-check", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "access", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned flags = 0, pflags = 0;
	int c;

	while ((c = getopt_long(argc, argv, "hja", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'C': pflags |= VPCI_PARSE_NO_VALIDATE; break;
		case 'j': flags |= VPCI_SHOW_JSON; break;
		case 'a': flags |= VPCI_SHOW_ACCESS; break;
		default: return cli_usage("show", "invalid option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("show", "expected exactly one FILE");
	vpci_func *f = NULL;
	int rc = cli_load_flags(argv[optind], pflags, &f);
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
