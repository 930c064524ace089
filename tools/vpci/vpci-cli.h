/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci-cli.h - shared pieces of the vpci command-line tool
 *
 * The tool uses only the public libvpci API.  Exit codes follow
 * sysexits(3).
 *
 * Adding a command FOO:
 *  1. tools/vpci/cmd-foo.c: an options table (struct cli_opt, indexed by an
 *     enum so the code reads a->val[O_BAR]), a `const struct cli_cmd
 *     cli_cmd_foo` with its synopsis, description and operands, and a run
 *     function that gets the parsed arguments (cli_parse() has already
 *     checked options, their values, subcommands and operand counts, and
 *     printed "did you mean" suggestions; 'vpci help foo' and
 *     'vpci foo --help' print the help generated from the descriptor);
 *  2. one line in the command table of main.c, and the file in
 *     tools/vpci/meson.build;
 *  3. a section "vpci foo" in man/vpci.1.in (every option, --json shape);
 *  4. a case in data/bash-completion/vpci (options, and what completes
 *     each option's value and the operands).
 * The `cli` test suite (tests/cli/) fails until 3 and 4 name every
 * command, subcommand and option that `vpci help foo` prints.
 */
#ifndef VPCI_CLI_H
#define VPCI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vpci/vpci.h>

#define EX_OK_ 0
#define EX_USAGE_ 64
#define EX_DATAERR_ 65
#define EX_NOINPUT_ 66
#define EX_SOFTWARE_ 70
#define EX_CANTCREAT_ 73
#define EX_IOERR_ 74
#define EX_TEMPFAIL_ 75

/* How standard input is named in every message ("-" on the command line). */
#define CLI_STDIN_NAME "<stdin>"

/* Most options a command may have (its table's length). */
#define CLI_MAX_OPTS 24

/**
 * struct cli_opt - one option of a command
 * @name: long name without "--"
 * @short_name: one-letter form, 0 for none
 * @arg: name of the value in help ("FILE"); NULL for a flag
 * @help: one line for --help (may contain '\n' for more lines)
 * @choices: NULL-terminated accepted values, or NULL for any value
 * @verbs: for a command with subcommands: the space-separated subcommands
 *         the option goes with, NULL for all
 * @requires: long name of another option this one goes with, or NULL
 * @repeat: may be given more than once; every value is kept in order, with
 *          how many operands came before it (struct cli_args.rep)
 */
struct cli_opt {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
	const char *const *choices;
	const char *verbs;
	const char *requires;
	bool repeat;
};

/* Most values of repeatable options on one command line. */
#define CLI_MAX_REP 64

/**
 * struct cli_rep - one value of a repeatable option
 * @opt: the option (index of the command's table)
 * @val: its value
 * @before: how many operands came before it on the command line
 */
struct cli_rep {
	int opt;
	const char *val;
	int before;
};

/**
 * struct cli_verb - one subcommand (vpci quirks list, vpci sriov enable)
 * @name: the word
 * @args: its operands for help ("PF N"), "" for none
 * @min: fewest operands
 * @max: most operands
 * @help: one line
 */
struct cli_verb {
	const char *name;
	const char *args;
	int min, max;
	const char *help;
};

struct cli_cmd;

/**
 * struct cli_args - a parsed command line
 * @cmd: the command
 * @val: per option (index of the command's table): its value, "" for a
 *       flag that was given, NULL when absent
 * @pos: the operands (for a command with subcommands, after the verb)
 * @npos: their number
 * @verb: the subcommand, or NULL for a command without
 * @rep: the values of repeatable options, in command-line order
 * @nrep: their number
 */
struct cli_args {
	const struct cli_cmd *cmd;
	const char *val[CLI_MAX_OPTS];
	char **pos;
	int npos;
	const struct cli_verb *verb;
	struct cli_rep rep[CLI_MAX_REP];
	int nrep;
};

/**
 * struct cli_cmd - one command of the tool
 * @name: the word after "vpci"
 * @summary: one line for 'vpci help'
 * @synopsis: usage lines after "vpci NAME ", separated by '\n'
 * @description: text of --help between the usage and the options
 * @opts: options, terminated by an entry with a NULL name (--help is
 *        implicit); at most CLI_MAX_OPTS
 * @verbs: subcommands, NULL-name terminated, or NULL
 * @min_args: without verbs: fewest operands
 * @max_args: without verbs: most operands, -1 for any number
 * @args_name: the operand's name in messages ("FILE")
 * @exit_status: the exit-status paragraph when it differs from the usual
 * @more_help: prints more help after the options (e.g. a console's
 *             commands), or NULL
 * @run: runs the command on its parsed arguments; returns the exit code
 */
struct cli_cmd {
	const char *name;
	const char *summary;
	const char *synopsis;
	const char *description;
	const struct cli_opt *opts;
	const struct cli_verb *verbs;
	int min_args, max_args;
	const char *args_name;
	const char *exit_status;
	void (*more_help)(FILE *fp);
	int (*run)(struct cli_args *a);
};

extern const struct cli_cmd cli_cmd_check, cli_cmd_show, cli_cmd_render, cli_cmd_derive,
	cli_cmd_quirks, cli_cmd_emulate, cli_cmd_serve, cli_cmd_sriov, cli_cmd_canback, cli_cmd_common,
	cli_cmd_place, cli_cmd_map, cli_cmd_abi, cli_cmd_diff, cli_cmd_compat;

/* --- opt.c: parsing, help, suggestions ------------------------------- */

/* Parse argv (argv[0] is the command's name).  Returns 0 to run the
 * command, -1 when --help was printed (exit 0), or EX_USAGE_ after one
 * line per problem and one "Try" line on stderr. */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *a);
/* Free what cli_parse() allocated after it returned 0. */
void cli_args_free(struct cli_args *a);
/* Print a command's help (usage, description, subcommands, options). */
void cli_help(const struct cli_cmd *cmd, FILE *fp);
/* The candidate closest to @word (a typo or a prefix), or NULL. */
const char *cli_suggest(const char *word, const char *const *cands, size_t n);
/* Usage error: prints "vpci CMD: MSG" and "Try 'vpci CMD --help'."; 64. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether option @i was given. */
static inline bool cli_has(const struct cli_args *a, int i)
{
	return a->val[i] != NULL;
}
/* Option @i's value, or @def when absent. */
static inline const char *cli_get(const struct cli_args *a, int i, const char *def)
{
	return a->val[i] ? a->val[i] : def;
}

/* --- cmd-emulate.c: the engine's events as vpci emulate prints them ------ */

/* "event KIND key=value ..." (or its JSON object) and a newline on
 * standard output; vpci serve prints the same after "NAME: ". */
void cli_put_event(int json, const struct vpci_event *ev);

/* --- util.c ------------------------------------------------------------ */

/* Names from the PCI ID database (libpci), for comments. */
extern const struct vpci_names cli_names;

/* Print the diagnostics of @d of at least @min severity to stderr;
 * returns the error count. */
size_t cli_print_diags_min(const vpci_diag *d, enum vpci_severity min);
/* Print every diagnostic of @d to stderr; returns the error count. */
size_t cli_print_diags(const vpci_diag *d);
/* Exit code for a libvpci status. */
int cli_exit_code(int status);
/* The name of input @path in messages: CLI_STDIN_NAME for "-". */
const char *cli_input_name(const char *path);
/* Write @len bytes to @path atomically (temp file + rename); "-" or NULL
 * writes standard output.  Returns 0 or an exit code. */
int cli_write_output(const char *path, const void *data, size_t len);
/* Read a whole file ("-" = stdin); returns 0 or an exit code. */
int cli_read_file(const char *path, uint8_t **data, size_t *len);
/* Parse and check an instance file; diagnostics go to stderr, or into
 * @d when it is not NULL.  Returns an exit code. */
int cli_load_diag(const char *path, unsigned flags, vpci_func **out, vpci_diag *d);
/* Directories (colon-separated) where `extends:` finds instance types,
 * searched before $VPCI_TYPES_PATH and DATADIR/vpci/instances; main()
 * adds the value of a command's --types option. */
void cli_types_add(const char *dirs);
/* The whole types path, NULL-terminated (fixed by the first call). */
const char *const *cli_types(void);
/* The --types option every command that reads instance files has. */
#define CLI_OPT_TYPES { "types", 0, "DIR", "look for instance types ('extends:', a quirk's\n" \
			"reference type) in DIR (':'-separated list) before\n" \
			"$VPCI_TYPES_PATH and the data directory's instances/", \
			NULL, NULL, NULL }
/* Parse and check an instance file, printing diagnostics; exit code. */
int cli_load(const char *path, vpci_func **out);
/* Same with enum vpci_parse_flags. */
int cli_load_flags(const char *path, unsigned flags, vpci_func **out);
/* cli_load() of a file to emulate: also vpci_validate_emulation() (a raw
 * capture that breaks a PCI rule is refused, exit 65). */
int cli_load_emulation(const char *path, vpci_func **out);
/* The directory of the installed data files (schema, examples, quirk
 * files, instance types): $VPCI_DATADIR when set and not empty, else the
 * directory chosen at build time (DATADIR/vpci). */
const char *cli_data_dir(void);
/* Path of @rel under the data directory in @buf when that file exists;
 * NULL otherwise. */
const char *cli_data_path(const char *rel, char *buf, size_t size);

/* --- cmd-diff.c: differences, shared with compat ------------------------- */

/* Load operands 0 and 1; 66 outranks 65.  Returns an exit code. */
int cli_load_pair(struct cli_args *a, vpci_func **fa, vpci_func **fb);
/* One line per entry: 'A:L:C: B:L:C: abi|note: MESSAGE', or for compat
 * 'error' (a blocker) and 'note: waived:'. */
void cli_diff_text(FILE *fp, const vpci_diff *l, const char *na, const char *nb, bool compat);
/* The entries as a JSON array (shape in vpci(1)). */
void cli_diff_json(FILE *fp, const vpci_diff *l, const char *na, const char *nb);
/* '"KEY": {"file", "name", "abi_hash"},' for the --json objects. */
void cli_diff_json_file(FILE *fp, const char *key, const char *name, const vpci_func *f);

/* --- json.c: JSON output ----------------------------------------------- */

/* A JSON string (quoted, escaped); NULL writes null. */
void json_str(FILE *fp, const char *s);
/* One diagnostic as an object: severity, file, line, column, offset,
 * field, message (absent positions are null). */
void json_diag(FILE *fp, const struct vpci_diag_entry *e);
/* The diagnostics of @d of at least @min severity as an array. */
void json_diags(FILE *fp, const vpci_diag *d, enum vpci_severity min);

#endif
