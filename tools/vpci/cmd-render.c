/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-render.c - vpci render FILE --format bin|lspci|yaml [-o OUT]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci render FILE [--format bin|lspci|yaml] [--slot BDF] [-o OUT]\n\n"
	       "Render the guest's initial view of the function:\n"
	       "  bin     the config space image (4096 bytes, 256 for conventional PCI)\n"
	       "  lspci   the same as an `lspci -xxxx` dump that `lspci -F` reads (default)\n"
	       "  yaml    the canonical instance file\n\n"
	       "  -o, --output OUT  write to OUT atomically (default: standard output)\n"
	       "  --slot BDF        device address on the lspci header line (00:00.0)\n"
	       "  --no-names        yaml: no vendor/device names in comments\n"
	       "  --no-check        skip the PCI rules (render a raw description of a\n"
	       "                    device that breaks them, e.g. a broken chain)\n");
}

int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-check", no_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "slot", required_argument, NULL, 's' },
		{ "no-names", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "lspci", *outpath = NULL, *slot = NULL;
	unsigned wflags = 0;
	int c, rc;
	unsigned pflags = 0;

	while ((c = getopt_long(argc, argv, "hf:o:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'C': pflags |= VPCI_PARSE_NO_VALIDATE; break;
		case 'f': format = optarg; break;
		case 'o': outpath = optarg; break;
		case 's': slot = optarg; break;
		case 'n': wflags |= VPCI_WRITE_NO_NAMES; break;
		default: return cli_usage("render", "invalid option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("render", "expected exactly one FILE");
	if (strcmp(format, "bin") && strcmp(format, "lspci") && strcmp(format, "yaml"))
		return cli_usage("render", "unknown format '%s' (bin, lspci or yaml)", format);

	vpci_func *f = NULL;
	rc = cli_load_flags(argv[optind], pflags, &f);
	if (rc)
		return rc;
	if (!strcmp(format, "bin")) {
		uint8_t buf[VPCI_CFG_SIZE];
		int n = vpci_render_bin(f, buf, sizeof(buf));
		rc = n < 0 ? cli_exit_code(n) : cli_write_output(outpath, buf, (size_t)n);
	} else {
		char *text = NULL;
		size_t len = 0;
		int st;
		if (!strcmp(format, "lspci")) {
			st = vpci_render_lspci(f, slot, &text);
			if (st == VPCI_EINVAL) {
				vpci_func_free(f);
				return cli_usage("render", "malformed --slot '%s' (expected [DDDD:]BB:DD.F)", slot);
			}
		} else {
			st = vpci_write_names(f, wflags, &cli_names, &text, &len);
		}
		if (st)
			rc = cli_exit_code(st);
		else
			rc = cli_write_output(outpath, text, strlen(text));
		free(text);
	}
	vpci_func_free(f);
	return rc;
}
