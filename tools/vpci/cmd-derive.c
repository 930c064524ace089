/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-derive.c - vpci derive: describe a physical function as an instance
 *
 * Sources: a raw binary config image (--bin FILE, e.g. a sysfs `config`
 * file).  The result describes exactly what the image shows.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci derive --bin FILE [--name NAME] [-o OUT]\n\n"
	       "Describe a function from a binary config image (64, 128, 256 or 4096\n"
	       "bytes, e.g. /sys/bus/pci/devices/BDF/config) as an instance file.\n\n"
	       "  --bin FILE        the config image (\"-\" for standard input)\n"
	       "  --name NAME       instance name (default: derived-VVVV-DDDD)\n"
	       "  -o, --output OUT  write to OUT atomically (default: standard output)\n"
	       "  --no-names        no vendor/device names in comments\n");
}

int cmd_derive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "bin", required_argument, NULL, 'b' },
		{ "name", required_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-names", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bin = NULL, *name = NULL, *outpath = NULL;
	unsigned wflags = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'b': bin = optarg; break;
		case 'N': name = optarg; break;
		case 'o': outpath = optarg; break;
		case 'n': wflags |= VPCI_WRITE_NO_NAMES; break;
		default: return cli_usage("derive", "invalid option");
		}
	}
	if (optind != argc)
		return cli_usage("derive", "unexpected argument '%s'", argv[optind]);
	if (!bin)
		return cli_usage("derive", "no source: give --bin FILE");

	uint8_t *data = NULL;
	size_t len = 0;
	rc = cli_read_file(bin, &data, &len);
	if (rc)
		return rc;
	if (len != 64 && len != 128 && len != 256 && len != 4096) {
		fprintf(stderr, "%s: error: a config image has 64, 128, 256 or 4096 bytes, not %zu\n", bin, len);
		free(data);
		return EX_DATAERR_;
	}
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	int st = d ? vpci_func_from_config(data, len, &f, d) : VPCI_ENOMEM;
	free(data);
	if (d)
		cli_print_diags(d);
	vpci_diag_free(d);
	if (st)
		return cli_exit_code(st);
	char defname[32];
	if (!name) {
		const uint8_t *b = vpci_func_bytes(f);
		snprintf(defname, sizeof(defname), "derived-%02x%02x-%02x%02x", b[1], b[0], b[3], b[2]);
		name = defname;
	}
	if (vpci_func_set_name(f, name)) {
		vpci_func_free(f);
		return EX_SOFTWARE_;
	}
	char *text = NULL;
	size_t tl = 0;
	st = vpci_write(f, wflags, &text, &tl);
	vpci_func_free(f);
	if (st)
		return cli_exit_code(st);
	rc = cli_write_output(outpath, text, tl);
	free(text);
	return rc;
}
