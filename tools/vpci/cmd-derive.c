/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-derive.c - vpci derive: describe physical functions as instances
 *
 *   vpci derive BDF                       a function of this machine (sysfs)
 *   vpci derive --dump FILE [--slot BDF]  a function of an lspci dump
 *   vpci derive --bin FILE                a binary config image
 *   vpci derive --vfio GROUP --device BDF a function opened through VFIO
 *   vpci derive --all [--out DIR]         every function of the machine
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci derive [OPTIONS] BDF\n"
	       "       vpci derive [OPTIONS] --dump FILE [--slot BDF]\n"
	       "       vpci derive [OPTIONS] --bin FILE\n"
	       "       vpci derive [OPTIONS] --vfio /dev/vfio/GROUP --device BDF\n"
	       "       vpci derive [OPTIONS] --all [--out DIR]\n\n"
	       "Describe a physical function as an instance file.\n\n"
	       "  --policy guest|raw  guest (default): the view for a guest when the function\n"
	       "                      is assigned (docs/policy.md); raw: exactly what the\n"
	       "                      device shows\n"
	       "  --no-quirks         do not apply the quirk database (vpci quirks list)\n"
	       "  --quirk-dir DIR     also load the quirk files of DIR\n"
	       "  --sysfs-root DIR    read a captured sysfs tree instead of /sys\n"
	       "  --name NAME         instance name (default: VVVV-DDDD-SLOT)\n"
	       "  -o, --output FILE   write to FILE atomically (default: standard output)\n"
	       "  --out DIR           with --all: one file per function plus index.tsv\n"
	       "  --no-names          no vendor/device names in comments\n"
	       "  -q, --quiet         no notes about applied quirks\n");
}

/* Print diagnostics, notes only unless quiet. */
static void print_diags(const vpci_diag *d, int quiet)
{
	char buf[1024];

	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		if (quiet && e->severity == VPCI_SEV_NOTE)
			continue;
		vpci_diag_format(e, buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
}

struct dopts {
	struct vpci_derive_opts o;
	unsigned wflags;
	int quiet;
};

static int derive_one(vpci_source *src, size_t idx, const struct dopts *o, const char *outpath,
		      vpci_func **keep)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!d)
		return EX_SOFTWARE_;
	rc = vpci_derive(src, idx, &o->o, &f, d);
	print_diags(d, o->quiet);
	vpci_diag_free(d);
	if (rc)
		return cli_exit_code(rc);
	rc = vpci_write_names(f, o->wflags, &cli_names, &text, &len);
	if (rc) {
		vpci_func_free(f);
		return cli_exit_code(rc);
	}
	/* --all without --out derives (and reports) without writing */
	rc = outpath || !keep ? cli_write_output(outpath, text, len) : 0;
	free(text);
	if (keep)
		*keep = f;
	else
		vpci_func_free(f);
	return rc;
}

static int derive_all(vpci_source *src, const struct dopts *o, const char *dir)
{
	int worst = 0, tty = isatty(STDERR_FILENO);
	size_t n = vpci_source_count(src), ok = 0;
	FILE *idx = NULL;
	char path[4096];

	if (dir) {
		if (mkdir(dir, 0755) && errno != EEXIST) {
			fprintf(stderr, "vpci derive: cannot create %s: %s\n", dir, strerror(errno));
			return EX_CANTCREAT_;
		}
		snprintf(path, sizeof(path), "%s/index.tsv.tmp", dir);
		idx = fopen(path, "w");
		if (!idx) {
			fprintf(stderr, "vpci derive: cannot create %s: %s\n", path, strerror(errno));
			return EX_CANTCREAT_;
		}
		fprintf(idx, "slot\tfile\tvendor\tdevice\tclass\tcapabilities\tstatus\n");
	}
	for (size_t i = 0; i < n; i++) {
		const char *slot = vpci_source_slot(src, i);
		char file[64], *p;
		vpci_func *f = NULL;
		snprintf(file, sizeof(file), "%s.yaml", slot);
		for (p = file; *p; p++)
			if (*p == ':')
				*p = '-';
		if (tty)
			fprintf(stderr, "\r[%zu/%zu] %s ", i + 1, n, slot);
		if (dir)
			snprintf(path, sizeof(path), "%s/%s", dir, file);
		struct dopts one = *o;
		one.o.name = NULL;
		int rc = derive_one(src, i, &one, dir ? path : NULL, &f);
		if (rc) {
			worst = worst ? worst : rc;
		} else {
			ok++;
		}
		if (idx) {
			const uint8_t *b = f ? vpci_func_bytes(f) : NULL;
			if (b)
				fprintf(idx, "%s\t%s\t%02x%02x\t%02x%02x\t%02x%02x%02x\t%u\tok\n", slot, file, b[1], b[0],
					b[3], b[2], b[11], b[10], b[9], vpci_func_cap_count(f));
			else
				fprintf(idx, "%s\t-\t-\t-\t-\t-\terror %d\n", slot, rc);
		}
		vpci_func_free(f);
	}
	if (tty)
		fprintf(stderr, "\n");
	if (idx) {
		char final[4096];
		int bad = fclose(idx) != 0;
		snprintf(path, sizeof(path), "%s/index.tsv.tmp", dir);
		snprintf(final, sizeof(final), "%s/index.tsv", dir);
		if (bad || rename(path, final)) {
			fprintf(stderr, "vpci derive: cannot write %s\n", final);
			return EX_IOERR_;
		}
	}
	fprintf(stderr, "derived %zu of %zu functions\n", ok, n);
	return worst;
}

int cmd_derive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "bin", required_argument, NULL, 'b' },
		{ "dump", required_argument, NULL, 'D' },
		{ "vfio", required_argument, NULL, 'V' },
		{ "device", required_argument, NULL, 'E' },
		{ "slot", required_argument, NULL, 'S' },
		{ "all", no_argument, NULL, 'A' },
		{ "out", required_argument, NULL, 'O' },
		{ "sysfs-root", required_argument, NULL, 'R' },
		{ "policy", required_argument, NULL, 'P' },
		{ "no-quirks", no_argument, NULL, 'Q' },
		{ "quirk-dir", required_argument, NULL, 'q' + 256 },
		{ "name", required_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-names", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bin = NULL, *dump = NULL, *vfio = NULL, *device = NULL, *slot = NULL;
	const char *outdir = NULL, *root = NULL, *outpath = NULL;
	struct dopts o;
	int c, all = 0, rc;

	memset(&o, 0, sizeof(o));
	o.o.policy = VPCI_POLICY_GUEST;
	while ((c = getopt_long(argc, argv, "ho:q", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'b': bin = optarg; break;
		case 'D': dump = optarg; break;
		case 'V': vfio = optarg; break;
		case 'E': device = optarg; break;
		case 'S': slot = optarg; break;
		case 'A': all = 1; break;
		case 'O': outdir = optarg; break;
		case 'R': root = optarg; break;
		case 'P':
			if (!strcmp(optarg, "raw"))
				o.o.policy = VPCI_POLICY_RAW;
			else if (!strcmp(optarg, "guest"))
				o.o.policy = VPCI_POLICY_GUEST;
			else
				return cli_usage("derive", "unknown policy '%s' (guest or raw)", optarg);
			break;
		case 'Q': o.o.no_quirks = true; break;
		case 'q' + 256: o.o.quirk_dir = optarg; break;
		case 'N': o.o.name = optarg; break;
		case 'o': outpath = optarg; break;
		case 'n': o.wflags |= VPCI_WRITE_NO_NAMES; break;
		case 'q':
		case 'z': o.quiet = 1; break;
		default: return cli_usage("derive", "invalid option");
		}
	}
	int nsrc = !!bin + !!dump + !!vfio + all + (optind < argc);
	if (nsrc != 1)
		return cli_usage("derive", nsrc ? "give one source only" :
				 "no source: give a BDF, --dump FILE, --bin FILE, --vfio GROUP or --all");
	if (optind + 1 < argc)
		return cli_usage("derive", "unexpected argument '%s'", argv[optind + 1]);
	if (vfio && !device)
		return cli_usage("derive", "--vfio needs --device BDF");
	if (outdir && !all)
		return cli_usage("derive", "--out DIR goes with --all (use -o FILE for one function)");
	if (slot && !dump)
		return cli_usage("derive", "--slot goes with --dump");

	enum vpci_source_kind kind = bin ? VPCI_SRC_BIN : dump ? VPCI_SRC_DUMP : vfio ? VPCI_SRC_VFIO : VPCI_SRC_SYSFS;
	const char *spec = bin ? bin : dump ? dump : vfio ? vfio : root;
	vpci_diag *d = vpci_diag_new();
	vpci_source *src = NULL;
	if (!d)
		return EX_SOFTWARE_;
	rc = vpci_source_open(kind, spec, &src, d);
	print_diags(d, 0);
	vpci_diag_free(d);
	if (rc)
		return rc == VPCI_EIO ? EX_NOINPUT_ : cli_exit_code(rc);
	if (vfio && vpci_source_set_param(src, "vfio.device", device)) {
		vpci_source_free(src);
		return cli_usage("derive", "malformed --device '%s' (expected [DDDD:]BB:DD.F)", device);
	}
	if (all) {
		rc = derive_all(src, &o, outdir);
		vpci_source_free(src);
		return rc;
	}
	const char *want = optind < argc ? argv[optind] : slot;
	int idx = 0;
	if (want) {
		idx = vpci_source_find(src, want);
		if (idx == VPCI_EINVAL) {
			vpci_source_free(src);
			return cli_usage("derive", "malformed address '%s' (expected [DDDD:]BB:DD.F)", want);
		}
		if (idx < 0) {
			fprintf(stderr, "vpci derive: no function %s in %s\n", want, spec ? spec : "/sys");
			vpci_source_free(src);
			return EX_NOINPUT_;
		}
	} else if (vpci_source_count(src) > 1) {
		fprintf(stderr, "vpci derive: %s holds %zu functions; choose one with --slot BDF:", spec,
			vpci_source_count(src));
		for (size_t i = 0; i < vpci_source_count(src); i++)
			fprintf(stderr, " %s", vpci_source_slot(src, i));
		fprintf(stderr, "\n");
		vpci_source_free(src);
		return EX_USAGE_;
	}
	rc = derive_one(src, (size_t)idx, &o, outpath, NULL);
	vpci_source_free(src);
	return rc;
}
