/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-map.c - vpci map FILE [--svg] [-o OUT]: the config space drawn for
 * people
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_SVG, O_OUT, O_NO_CHECK };

static const struct cli_opt opts[] = {
	[O_SVG] = { "svg", 0, NULL, "an SVG picture instead of terminal text", NULL, NULL, NULL },
	[O_OUT] = { "output", 'o', "OUT", "write to OUT atomically (default: standard\noutput)", NULL, NULL, NULL },
	[O_NO_CHECK] = { "no-check", 0, NULL, "skip the PCI rules (draw a device that breaks\nthem)", NULL, NULL,
			 NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static int run(struct cli_args *a)
{
	vpci_func *f = NULL;
	char *out = NULL;
	int rc = cli_load_flags(a->pos[0], cli_has(a, O_NO_CHECK) ? VPCI_PARSE_NO_VALIDATE : 0, &f);

	if (rc)
		return rc;
	int st = vpci_map(f, cli_has(a, O_SVG) ? VPCI_MAP_SVG : 0, &out);
	vpci_func_free(f);
	if (st) {
		fprintf(stderr, "vpci map: %s\n", vpci_strerror(st));
		return cli_exit_code(st);
	}
	rc = cli_write_output(cli_get(a, O_OUT, NULL), out, strlen(out));
	free(out);
	return rc;
}

const struct cli_cmd cli_cmd_map = {
	.name = "map",
	.summary = "draw the config space: capabilities, free ranges, gaps, backing",
	.synopsis = "FILE [--svg] [--no-check] [-o OUT]",
	.description = "Draw an instance's config space, one cell per DWORD and 256 bytes a row:\n"
		       "= the header (# with device-backed bits), a letter per capability\n"
		       "(upper case: some bit is device-backed; lower case: every bit\n"
		       "virtual), a digit per virtual capability, + free range, * free range\n"
		       "kept for a named capability, . free gap, : gap holding a value,\n"
		       "! device-backed gap; then every block with its offsets, length, name\n"
		       "and backing.  --svg draws the same picture as SVG.\n",
	.opts = opts,
	.min_args = 1,
	.max_args = 1,
	.args_name = "FILE",
	.run = run,
};
