/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-render.c - vpci render FILE --format bin|lspci|yaml [-o OUT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_FORMAT, O_OUTPUT, O_SLOT, O_NO_NAMES, O_NO_CHECK, O_FLATTEN, O_TYPES };

static const char *const formats[] = { "bin", "lspci", "yaml", NULL };

static const struct cli_opt opts[] = {
	[O_FORMAT] = { "format", 'f', "FORMAT", "what to write (default lspci)", formats, NULL, NULL },
	[O_OUTPUT] = { "output", 'o', "OUT", "write to OUT atomically (default: standard\noutput)", NULL, NULL, NULL },
	[O_SLOT] = { "slot", 's', "BDF", "lspci: device address on the header line\n(default 00:00.0)", NULL, NULL, NULL },
	[O_NO_NAMES] = { "no-names", 0, NULL, "yaml: no vendor/device names in comments", NULL, NULL, NULL },
	[O_NO_CHECK] = { "no-check", 0, NULL, "skip the PCI rules (render a raw description\n"
			 "of a device that breaks them, e.g. a broken\n"
			 "chain)", NULL, NULL, NULL },
	[O_FLATTEN] = { "flatten", 0, NULL, "with --format yaml: write an instance built on a\n"
		       "type (extends:) whole, without extends:", NULL, NULL, "format" },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

/* The text formats: an lspci dump or the canonical instance. */
static int render_text(const vpci_func *f, struct cli_args *a, const char *format)
{
	const char *slot = cli_get(a, O_SLOT, NULL);
	char *text = NULL;
	size_t len = 0;
	int st;

	if (!strcmp(format, "lspci")) {
		st = vpci_render_lspci(f, slot, &text);
		if (st == VPCI_EINVAL)
			return cli_usage("render", "malformed --slot '%s' (expected [DDDD:]BB:DD.F)", slot);
	} else {
		st = vpci_write_names(f, cli_has(a, O_NO_NAMES) ? VPCI_WRITE_NO_NAMES : 0, &cli_names, &text, &len);
	}
	int rc = st ? cli_exit_code(st) : cli_write_output(cli_get(a, O_OUTPUT, NULL), text, strlen(text));
	free(text);
	return rc;
}

static int run(struct cli_args *a)
{
	const char *format = cli_get(a, O_FORMAT, "lspci");
	vpci_func *f = NULL;
	int rc = cli_load_flags(a->pos[0], cli_has(a, O_NO_CHECK) ? VPCI_PARSE_NO_VALIDATE : 0, &f);

	if (rc)
		return rc;
	if (cli_has(a, O_FLATTEN))
		vpci_func_flatten(f);
	if (!strcmp(format, "bin")) {
		uint8_t buf[VPCI_CFG_SIZE];
		int n = vpci_render_bin(f, buf, sizeof(buf));
		rc = n < 0 ? cli_exit_code(n) : cli_write_output(cli_get(a, O_OUTPUT, NULL), buf, (size_t)n);
	} else {
		rc = render_text(f, a, format);
	}
	vpci_func_free(f);
	return rc;
}

const struct cli_cmd cli_cmd_render = {
	.name = "render",
	.summary = "render the guest's initial view: bin, lspci dump or canonical yaml",
	.synopsis = "FILE [--format bin|lspci|yaml] [--slot BDF] [-o OUT]",
	.description = "Render the guest's initial view of the function:\n"
		       "  bin     the config space image (4096 bytes, 256 for conventional PCI)\n"
		       "  lspci   the same as an `lspci -xxxx` dump that `lspci -F` reads (default)\n"
		       "  yaml    the canonical instance file\n",
	.opts = opts,
	.min_args = 1,
	.max_args = 1,
	.args_name = "FILE",
	.run = run,
};
