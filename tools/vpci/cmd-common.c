/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-common.c - vpci common: the largest instance a set of functions can
 * all back
 *
 *   vpci common FILE... [-o OUT] [--name N] [--ids FROM]
 *
 * FILEs are instance files (raw or derived).  The result keeps the first
 * file's layout, drops what is missing anywhere, takes minimum vector
 * counts and sizes, intersects capability bits, and says what it changed
 * in comments.  `vpci can-back OUT FILE...` passes for every FILE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_OUTPUT, O_NAME, O_IDS, O_NO_NAMES, O_QUIET, O_TYPES };

static const struct cli_opt opts[] = {
	[O_OUTPUT] = { "output", 'o', "OUT", "write to OUT atomically (default: standard\noutput)", NULL, NULL,
		       NULL },
	[O_NAME] = { "name", 0, "NAME", "instance name (default: common)", NULL, NULL, NULL },
	[O_IDS] = { "ids", 0, "FROM", "vendor, device, revision, class and subsystem IDs\n"
		    "from the instance file FROM (default: the first\nFILE)", NULL, NULL, NULL },
	[O_NO_NAMES] = { "no-names", 0, NULL, "no vendor/device names in comments", NULL, NULL, NULL },
	[O_QUIET] = { "quiet", 'q', NULL, "no summary on standard error", NULL, NULL, NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

/* Raw descriptions of real devices may break PCI rules: read them as
 * `vpci render --no-check` does. */
static int load(const char *path, vpci_func **out)
{
	return cli_load_flags(path, VPCI_PARSE_NO_VALIDATE, out);
}

static int run(struct cli_args *a)
{
	size_t n = (size_t)a->npos;
	vpci_func **fns = calloc(n, sizeof(*fns)), *ids = NULL, *out = NULL;
	const char **labels = calloc(n, sizeof(*labels));
	int rc = 0;

	if (!fns || !labels) {
		free(fns);
		free(labels);
		return EX_SOFTWARE_;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		labels[i] = cli_input_name(a->pos[i]);
		rc = load(a->pos[i], &fns[i]);
	}
	if (!rc && cli_has(a, O_IDS))
		rc = load(cli_get(a, O_IDS, NULL), &ids);
	if (!rc) {
		struct vpci_common_opts o = { cli_get(a, O_NAME, NULL), ids, labels };
		vpci_diag *d = vpci_diag_new();
		if (!d) {
			rc = EX_SOFTWARE_;
		} else {
			int st = vpci_common((const vpci_func *const *)fns, n, &o, &out, d);
			cli_print_diags(d);
			vpci_diag_free(d);
			rc = cli_exit_code(st);
		}
	}
	if (!rc) {
		char *text = NULL;
		size_t len = 0;
		rc = cli_exit_code(vpci_write_names(out, cli_has(a, O_NO_NAMES) ? VPCI_WRITE_NO_NAMES : 0,
						    &cli_names, &text, &len));
		if (!rc)
			rc = cli_write_output(cli_get(a, O_OUTPUT, NULL), text, len);
		if (!rc && !cli_has(a, O_QUIET)) {
			size_t notes = 0;
			for (const char *p = text; (p = strstr(p, "\n# ")); p++)
				notes++;
			fprintf(stderr, "vpci common: %zu functions, %zu change%s (comments in the output)\n", n,
				notes, notes == 1 ? "" : "s");
		}
		free(text);
	}
	vpci_func_free(out);
	vpci_func_free(ids);
	for (size_t i = 0; i < n; i++)
		vpci_func_free(fns[i]);
	free(fns);
	free(labels);
	return rc;
}

const struct cli_cmd cli_cmd_common = {
	.name = "common",
	.summary = "the largest instance a set of functions can all back",
	.synopsis = "[-o OUT] [--name NAME] [--ids FROM] FILE...",
	.description = "Write the largest instance that every function described by FILE (instance\n"
		       "files, raw or derived) can back: the first file's layout, capabilities\n"
		       "present on all, vector counts and BAR sizes at their minimum, capability\n"
		       "bits intersected, registers a function cannot back made virtual\n"
		       "(docs/binding.md).  Comments in the output say what was dropped and why;\n"
		       "'vpci can-back OUT FILE...' accepts it for every FILE.\n",
	.opts = opts,
	.min_args = 1,
	.max_args = -1,
	.args_name = "FILE",
	.exit_status = "0 written, 64 usage error, 65 no instance can be backed by all\n"
		       "(e.g. a VF and a PF, two header layouts), 66 a FILE cannot be read.",
	.run = run,
};
