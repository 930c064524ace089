/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-quirks.c - vpci quirks list|show ID: the quirk database
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci quirks [--quirk-dir DIR] list\n"
	       "       vpci quirks [--quirk-dir DIR] show ID\n\n"
	       "List the quirk database (built in, plus the *.yaml files of DIR), or show\n"
	       "one entry: why it exists, what it matches and what it does.\n");
}

int cmd_quirks(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quirk-dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'd': dir = optarg; break;
		default: return cli_usage("quirks", "invalid option");
		}
	}
	if (optind >= argc)
		return cli_usage("quirks", "expected 'list' or 'show ID'");
	const char *verb = argv[optind];
	if (strcmp(verb, "list") && strcmp(verb, "show"))
		return cli_usage("quirks", "unknown subcommand '%s' (list or show)", verb);
	if (!strcmp(verb, "show") && optind + 2 != argc)
		return cli_usage("quirks", "'show' takes one quirk ID");
	if (!strcmp(verb, "list") && optind + 1 != argc)
		return cli_usage("quirks", "'list' takes no argument");

	vpci_diag *d = vpci_diag_new();
	vpci_quirkdb *db = NULL;
	int rc = d ? vpci_quirkdb_load(dir, &db, d) : VPCI_ENOMEM;
	cli_print_diags(d);
	vpci_diag_free(d);
	if (rc)
		return rc == VPCI_EIO ? EX_NOINPUT_ : cli_exit_code(rc);
	struct vpci_quirk_info q;
	int found = 0;
	for (size_t i = 0; i < vpci_quirkdb_count(db); i++) {
		vpci_quirkdb_get(db, i, &q);
		if (!strcmp(verb, "list")) {
			printf("%-32s %-24s %s\n", q.id, q.match, q.file);
			continue;
		}
		if (strcmp(q.id, argv[optind + 1]))
			continue;
		found = 1;
		printf("id:      %s\nfile:    %s:%u\npolicy:  %s\nmatch:   %s\nactions: %s\nwhy:     %s\n",
		       q.id, q.file, q.line, q.policy, q.match, q.actions, q.why);
	}
	vpci_quirkdb_free(db);
	if (!strcmp(verb, "show") && !found) {
		fprintf(stderr, "vpci quirks: no quirk '%s' (vpci quirks list)\n", argv[optind + 1]);
		return EX_DATAERR_;
	}
	return 0;
}
