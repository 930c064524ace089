/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-check.c - vpci check FILE...: validate instance files
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci check [-q] FILE...\n\n"
	       "Validate vPCI instance files (docs/format.md): YAML syntax, keys, types,\n"
	       "ranges, capability layout, BAR and capability rules.  Every problem is\n"
	       "printed as FILE:LINE:COL: error: MESSAGE.\n\n"
	       "  -q, --quiet   print nothing for valid files\n\n"
	       "Exit status: 0 all valid, 65 some file invalid, 66 some file unreadable.\n");
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int c, quiet = 0, worst = 0;

	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'q': quiet = 1; break;
		default: return cli_usage("check", "invalid option");
		}
	}
	if (optind >= argc)
		return cli_usage("check", "no input file");
	for (int i = optind; i < argc; i++) {
		vpci_func *f = NULL;
		int rc = cli_load(argv[i], &f);
		if (!rc && !quiet)
			printf("%s: ok (%s, %u capabilities)\n", argv[i], vpci_func_name(f),
			       vpci_func_cap_count(f));
		vpci_func_free(f);
		/* 66 (no input) outranks 65 (bad data) outranks 0 */
		if (rc == EX_NOINPUT_ || (rc && worst != EX_NOINPUT_))
			worst = rc;
	}
	return worst;
}
