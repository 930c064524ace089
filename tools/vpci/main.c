/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - the vpci command-line tool: command table and dispatch
 */
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

static const struct cli_cmd cmds[] = {
	{ "check", cmd_check, "validate instance files" },
	{ "show", cmd_show, "describe an instance for people (or --json for scripts)" },
	{ "render", cmd_render, "render the guest's initial view: bin, lspci dump or canonical yaml" },
	{ "derive", cmd_derive, "describe physical functions (sysfs, lspci dump, image, VFIO) as instances" },
	{ "quirks", cmd_quirks, "list or show the quirk database" },
	{ "emulate", cmd_emulate, "emulate an instance: scripted config accesses, --probe replay" },
	{ "sriov", cmd_sriov, "manage SR-IOV on this host: list, enable, disable, bind, remove" },
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: vpci [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(fp, "\n'vpci COMMAND --help' describes one command.\n"
		    "Exit codes: 0 ok, 64 usage, 65 invalid data, 66 input unreadable.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE_;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vpci %s\n", vpci_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vpci: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EX_USAGE_;
}
