/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - the vpci command-line tool: command table and dispatch
 *
 * A new command is one line in cmds[] below plus its cmd-NAME.c; see the
 * checklist at the top of vpci-cli.h (help, man page, completion).
 */
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

static const struct cli_cmd *const cmds[] = {
	&cli_cmd_check,
	&cli_cmd_show,
	&cli_cmd_render,
	&cli_cmd_derive,
	&cli_cmd_quirks,
	&cli_cmd_emulate,
	&cli_cmd_serve,
	&cli_cmd_sriov,
	&cli_cmd_canback,
	&cli_cmd_common,
	&cli_cmd_place,
	&cli_cmd_map,
	&cli_cmd_abi,
	&cli_cmd_diff,
	&cli_cmd_compat,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *fp)
{
	fprintf(fp, "usage: vpci [--version] [--help] COMMAND [ARGS]\n"
		    "       vpci help [COMMAND]\n\nCommands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(fp, "  %-8s %s\n", cmds[i]->name, cmds[i]->summary);
	fprintf(fp, "\n'vpci help COMMAND' or 'vpci COMMAND --help' describes one command;\n"
		    "the manual pages vpci(1) and vpci-instance(5) describe the tool and the format.\n"
		    "Data files (schema, examples, quirks, instance types): %s\n"
		    "Exit status (sysexits): 0 success, 64 usage error, 65 invalid data, 66 input\n"
		    "unreadable, 70 internal error, 73/74 output not written, 75 refused: busy,\n"
		    "77 refused: not permitted (vpci(1) lists which command uses which).\n",
		cli_data_dir());
}

/* The command named @name; NULL after a usage error with a suggestion. */
static const struct cli_cmd *find_cmd(const char *name, const char *who)
{
	const char *names[NCMDS];
	char h[96] = "";

	for (size_t i = 0; i < NCMDS; i++) {
		if (!strcmp(name, cmds[i]->name))
			return cmds[i];
		names[i] = cmds[i]->name;
	}
	const char *s = cli_suggest(name, names, NCMDS);
	if (s)
		snprintf(h, sizeof(h), "; did you mean '%s'?", s);
	cli_usage(who, "unknown command '%s'%s", name, h);
	return NULL;
}

/* vpci help [COMMAND] */
static int help(int argc, char **argv)
{
	if (argc > 2)
		return cli_usage("help", "unexpected argument '%s' (vpci help [COMMAND])", argv[2]);
	if (argc == 1 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	const struct cli_cmd *c = find_cmd(argv[1], "help");
	if (!c)
		return EX_USAGE_;
	cli_help(c, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE_;
	}
	const char *w = argv[1];
	if (!strcmp(w, "help") || !strcmp(w, "--help") || !strcmp(w, "-h"))
		return help(argc - 1, argv + 1);
	if (!strcmp(w, "--version")) {
		if (argc > 2)
			return cli_usage(NULL, "'--version' takes no argument, got '%s'", argv[2]);
		printf("vpci %s\n", vpci_version());
		return 0;
	}
	if (w[0] == '-') {
		static const char *const globals[] = { "help", "version" };
		const char *s = w[1] == '-' ? cli_suggest(w + 2, globals, 2) : NULL;
		return cli_usage(NULL, "unknown option '%s'%s%s%s", w, s ? "; did you mean '--" : "", s ? s : "",
				 s ? "'?" : "");
	}
	const struct cli_cmd *c = find_cmd(w, NULL);
	if (!c)
		return EX_USAGE_;
	struct cli_args a;
	int rc = cli_parse(c, argc - 1, argv + 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	/* --types of any command: before the first file is read */
	for (int i = 0; c->opts[i].name; i++)
		if (!strcmp(c->opts[i].name, "types") && a.val[i])
			cli_types_add(a.val[i]);
	rc = c->run(&a);
	cli_args_free(&a);
	return rc;
}
