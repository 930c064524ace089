/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-derive.c - vpci derive: describe physical functions as instances
 *
 *   vpci derive BDF                       a function of this machine (sysfs)
 *   vpci derive --dump FILE [--slot BDF]  a function of an lspci dump
 *   vpci derive --bin FILE                a binary config image
 *   vpci derive --vfio GROUP --device BDF a function opened through VFIO
 *   vpci derive --all [--out DIR]         every function of the machine
 *   vpci derive --vf-of PF [--vf N]       VF N of a PF, synthesized from the PF
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpci-cli.h"

enum {
	O_BIN, O_DUMP, O_VFIO, O_DEVICE, O_SLOT, O_ALL, O_OUT, O_SYSFS_ROOT, O_POLICY, O_NO_QUIRKS,
	O_QUIRK_DIR, O_NAME, O_OUTPUT, O_NO_NAMES, O_QUIET, O_JSON, O_BAR_SIZE, O_TYPES, O_VF_OF, O_VF, O_PF, O_VF_VIEW,
};

static const char *const policies[] = { "guest", "raw", NULL };
static const char *const vf_views[] = { "plain", "vf", NULL };

static const struct cli_opt opts[] = {
	[O_BIN] = { "bin", 0, "FILE", "a binary config image (64, 128, 256 or 4096\nbytes)", NULL, NULL, NULL },
	[O_DUMP] = { "dump", 0, "FILE", "an lspci -x/-xxx/-xxxx dump (with -vvv text for\nBAR sizes)", NULL, NULL,
		     NULL },
	[O_VFIO] = { "vfio", 0, "GROUP", "a VFIO group (/dev/vfio/N); needs --device", NULL, NULL, NULL },
	[O_DEVICE] = { "device", 0, "BDF", "the device of the VFIO group", NULL, NULL, "vfio" },
	[O_SLOT] = { "slot", 0, "BDF", "the function of a dump that holds several", NULL, NULL, "dump" },
	[O_ALL] = { "all", 0, NULL, "every function of the sysfs tree", NULL, NULL, NULL },
	[O_OUT] = { "out", 0, "DIR", "with --all: one file per function plus\nindex.tsv", NULL, NULL, "all" },
	[O_SYSFS_ROOT] = { "sysfs-root", 0, "DIR", "read a captured sysfs tree instead of /sys", NULL, NULL, NULL },
	[O_POLICY] = { "policy", 0, "POLICY", "guest (default): the view for a guest when the\n"
		       "function is assigned; raw: exactly what the\n"
		       "device shows", policies, NULL, NULL },
	[O_NO_QUIRKS] = { "no-quirks", 0, NULL, "do not apply the quirk database (vpci quirks\nlist)", NULL, NULL,
			  NULL },
	[O_QUIRK_DIR] = { "quirk-dir", 0, "DIR", "also load the quirk files of DIR", NULL, NULL, NULL },
	[O_NAME] = { "name", 0, "NAME", "instance name (default: VVVV-DDDD-SLOT)", NULL, NULL, NULL },
	[O_OUTPUT] = { "output", 'o', "FILE", "write to FILE atomically (default: standard\noutput)", NULL, NULL,
		       NULL },
	[O_NO_NAMES] = { "no-names", 0, NULL, "no vendor/device names in comments", NULL, NULL, NULL },
	[O_QUIET] = { "quiet", 'q', NULL, "no notes about applied quirks", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "with --all: print the index as JSON (diagnostics\n"
		     "included) instead of the diagnostics", NULL, NULL, "all" },
	[O_BAR_SIZE] = { "bar-size", 0, "LIST", "BARs the source gives no size for (a dump without\n"
			 "-vvv text, a config image): INDEX=[KIND:]SIZE,...\n"
			 "with INDEX 0..5 or rom, KIND io, mem32, mem64,\n"
			 "mem32-pref or mem64-pref\ne.g. 0=mem64:16KiB,rom=64KiB", NULL, NULL, NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	[O_VF_OF] = { "vf-of", 0, "PF", "a VF persona of the SR-IOV PF at this address\n"
		      "(of the machine, or of the --dump/--bin source),\n"
		      "synthesized from the PF alone: no VF is enabled", NULL, NULL, NULL },
	[O_VF] = { "vf", 0, "N", "with --vf-of: which VF, 1..TotalVFs (default 1)", NULL, NULL, "vf-of" },
	[O_PF] = { "pf", 0, "BDF", "the PF of the dump's VF (it reads 0xffff IDs);\n"
		   "default: found by Routing-ID arithmetic", NULL, NULL, "dump" },
	[O_VF_VIEW] = { "vf-view", 0, "VIEW", "how the guest view presents a VF: plain\n"
			"(default: a plain function) or vf (as a VF, for\n"
			"a guest told so out of band)", vf_views, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

/* "0=16KiB,2=mem64:1MiB,rom=64KiB" into @out (at most 7 entries): the
 * count, or -1 after a usage message */
static int parse_bar_sizes(const char *list, struct vpci_bar_info out[7])
{
	static const struct { const char *name; enum vpci_bar_type type; bool pref; } kinds[] = {
		{ "io", VPCI_BAR_IO, false }, { "mem32", VPCI_BAR_MEM32, false },
		{ "mem64", VPCI_BAR_MEM64, false }, { "mem32-pref", VPCI_BAR_MEM32, true },
		{ "mem64-pref", VPCI_BAR_MEM64, true },
	};
	char buf[256];
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return cli_usage("derive", "--bar-size: the list is too long"), -1;
	for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *colon, *end;
		unsigned idx;
		if (!eq)
			return cli_usage("derive", "--bar-size: '%s' is not INDEX=[KIND:]SIZE", item), -1;
		*eq = '\0';
		if (!strcmp(item, "rom")) {
			idx = 6;
		} else if (item[0] >= '0' && item[0] <= '5' && !item[1]) {
			idx = (unsigned)(item[0] - '0');
		} else {
			return cli_usage("derive", "--bar-size: BAR index '%s' is not 0..5 or rom", item), -1;
		}
		for (int k = 0; k < n; k++)
			if (out[k].index == idx)
				return cli_usage("derive", "--bar-size: BAR %s given twice", item), -1;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].index = idx;
		char *size = eq + 1;
		if ((colon = strchr(size, ':'))) {
			*colon = '\0';
			size_t k = 0;
			while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kinds[k].name, size))
				k++;
			if (k == sizeof(kinds) / sizeof(kinds[0]))
				return cli_usage("derive", "--bar-size: kind '%s' is not io, mem32, mem64, mem32-pref "
						 "or mem64-pref", size), -1;
			out[n].type = kinds[k].type;
			out[n].prefetchable = kinds[k].pref;
			size = colon + 1;
		}
		errno = 0;
		unsigned long long v = strtoull(size, &end, 0);
		unsigned shift = !strcmp(end, "KiB") || !strcmp(end, "K") ? 10 :
				 !strcmp(end, "MiB") || !strcmp(end, "M") ? 20 :
				 !strcmp(end, "GiB") || !strcmp(end, "G") ? 30 : *end ? 64 : 0;
		if (errno || end == size || size[0] == '-' || shift == 64 || v > (~0ull >> shift) ||
		    !(v << shift) || ((v << shift) & ((v << shift) - 1)))
			return cli_usage("derive", "--bar-size: '%s' is not a power-of-two size (16KiB, 1MiB, 0x4000)",
					 size), -1;
		out[n++].size = v << shift;
	}
	return n;
}

struct dopts {
	struct vpci_derive_opts o;
	unsigned wflags;
	int quiet;
	int json;
};

/* Derive function @idx of @src.  The text is written to @outpath (NULL:
 * standard output) unless @keep is given without an @outpath: then the
 * model goes to @keep and nothing is written (so the ID names are not
 * even loaded).  Diagnostics go to @into, or to stderr when it is NULL. */
static int derive_one(vpci_source *src, size_t idx, const struct dopts *o, const char *outpath,
		      vpci_func **keep, vpci_diag *into)
{
	vpci_diag *d = into ? into : vpci_diag_new();
	vpci_func *f = NULL;
	int rc;

	if (!d)
		return EX_SOFTWARE_;
	rc = vpci_derive(src, idx, &o->o, &f, d);
	if (!into) {
		cli_print_diags_min(d, o->quiet ? VPCI_SEV_WARNING : VPCI_SEV_NOTE);
		vpci_diag_free(d);
	}
	if (rc)
		return cli_exit_code(rc);
	if (outpath || !keep) {
		char *text = NULL;
		size_t len = 0;
		rc = vpci_write_names(f, o->wflags, &cli_names, &text, &len);
		rc = rc ? cli_exit_code(rc) : cli_write_output(outpath, text, len);
		free(text);
	}
	if (keep && !rc)
		*keep = f;
	else
		vpci_func_free(f);
	return rc;
}

/* --- derive --all: the index ------------------------------------------ */

struct index {
	const char *dir;
	FILE *tsv;
	int json;
	size_t rows;
};

static int index_open(struct index *x, const char *dir, int json)
{
	char path[4096];

	memset(x, 0, sizeof(*x));
	x->dir = dir;
	x->json = json;
	if (json)
		printf("[");
	if (!dir)
		return 0;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "vpci derive: cannot create %s: %s\n", dir, strerror(errno));
		return EX_CANTCREAT_;
	}
	snprintf(path, sizeof(path), "%s/index.tsv.tmp", dir);
	x->tsv = fopen(path, "w");
	if (!x->tsv) {
		fprintf(stderr, "vpci derive: cannot create %s: %s\n", path, strerror(errno));
		return EX_CANTCREAT_;
	}
	fprintf(x->tsv, "slot\tfile\tvendor\tdevice\tclass\tcapabilities\tstatus\n");
	return 0;
}

/* One function: a row of index.tsv and an element of the JSON array. */
static void index_row(struct index *x, const char *slot, const char *file, const char *path, const vpci_func *f,
		      int rc, const vpci_diag *d, int quiet)
{
	const uint8_t *b = f ? vpci_func_bytes(f) : NULL;

	if (x->tsv && b)
		fprintf(x->tsv, "%s\t%s\t%02x%02x\t%02x%02x\t%02x%02x%02x\t%u\tok\n", slot, file, b[1], b[0], b[3], b[2],
			b[11], b[10], b[9], vpci_func_cap_count(f));
	else if (x->tsv)
		fprintf(x->tsv, "%s\t-\t-\t-\t-\t-\terror %d\n", slot, rc);
	if (!x->json)
		return;
	printf("%s\n  {\"slot\": ", x->rows++ ? "," : "");
	json_str(stdout, slot);
	printf(", \"file\": ");
	json_str(stdout, b ? path : NULL);
	printf(", \"status\": \"%s\"", b ? "ok" : "error");
	if (b)
		printf(", \"vendor_id\": %u, \"device_id\": %u, \"class_code\": %u, \"capabilities\": %u",
		       b[0] | b[1] << 8, b[2] | b[3] << 8, b[9] | b[10] << 8 | (unsigned)b[11] << 16,
		       vpci_func_cap_count(f));
	printf(", \"diagnostics\": ");
	json_diags(stdout, d, quiet ? VPCI_SEV_WARNING : VPCI_SEV_NOTE);
	printf("}");
}

static int index_close(struct index *x)
{
	char path[4096], final[4096];

	if (x->json)
		printf(x->rows ? "\n]\n" : "]\n");
	if (!x->tsv)
		return 0;
	int bad = fclose(x->tsv) != 0;
	snprintf(path, sizeof(path), "%s/index.tsv.tmp", x->dir);
	snprintf(final, sizeof(final), "%s/index.tsv", x->dir);
	if (bad || rename(path, final)) {
		fprintf(stderr, "vpci derive: cannot write %s\n", final);
		return EX_IOERR_;
	}
	return 0;
}

static int derive_all(vpci_source *src, const struct dopts *o, const char *dir)
{
	int worst = 0, tty = !o->json && isatty(STDERR_FILENO);
	size_t n = vpci_source_count(src), ok = 0;
	vpci_diag *d = o->json ? vpci_diag_new() : NULL;
	struct index x;
	int rc = o->json && !d ? EX_SOFTWARE_ : index_open(&x, dir, o->json);

	if (rc) {
		vpci_diag_free(d);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const char *slot = vpci_source_slot(src, i);
		char file[64], path[4096], *p;
		vpci_func *f = NULL;
		snprintf(file, sizeof(file), "%s.yaml", slot);
		for (p = file; *p; p++)
			if (*p == ':')
				*p = '-';
		if (tty)
			fprintf(stderr, "\r[%zu/%zu] %s ", i + 1, n, slot);
		snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", file);
		struct dopts one = *o;
		one.o.name = NULL;
		rc = derive_one(src, i, &one, dir ? path : NULL, &f, d);
		worst = worst ? worst : rc;
		ok += !rc;
		index_row(&x, slot, file, dir ? path : NULL, f, rc, d, o->quiet);
		vpci_func_free(f);
		if (d)
			vpci_diag_clear(d);
	}
	if (tty)
		fprintf(stderr, "\n");
	vpci_diag_free(d);
	rc = index_close(&x);
	if (!o->json)
		fprintf(stderr, "derived %zu of %zu functions\n", ok, n);
	return rc ? rc : worst;
}

/* --- one function ------------------------------------------------------ */

/* The index of the function to derive: the one named, or the only one. */
static int pick_function(vpci_source *src, const char *want, const char *spec)
{
	if (want) {
		int idx = vpci_source_find(src, want);
		if (idx == VPCI_EINVAL)
			return -cli_usage("derive", "malformed address '%s' (expected [DDDD:]BB:DD.F)", want);
		if (idx < 0) {
			fprintf(stderr, "vpci derive: no function %s in %s\n", want, spec ? spec : "/sys");
			return -EX_NOINPUT_;
		}
		return idx;
	}
	if (vpci_source_count(src) > 1) {
		fprintf(stderr, "vpci derive: %s holds %zu functions; choose one with --slot BDF:", spec,
			vpci_source_count(src));
		for (size_t i = 0; i < vpci_source_count(src); i++)
			fprintf(stderr, " %s", vpci_source_slot(src, i));
		fprintf(stderr, "\n");
		return -EX_USAGE_;
	}
	return 0;
}

static int open_source(struct cli_args *a, vpci_source **src, const char **spec)
{
	const char *bin = a->val[O_BIN], *dump = a->val[O_DUMP], *vfio = a->val[O_VFIO];
	enum vpci_source_kind kind = bin ? VPCI_SRC_BIN : dump ? VPCI_SRC_DUMP : vfio ? VPCI_SRC_VFIO : VPCI_SRC_SYSFS;
	vpci_diag *d = vpci_diag_new();
	int rc;

	*spec = bin ? cli_input_name(bin) : dump ? cli_input_name(dump) : vfio ? vfio : a->val[O_SYSFS_ROOT];
	if (!d)
		return EX_SOFTWARE_;
	rc = vpci_source_open(kind, bin ? bin : dump ? dump : vfio ? vfio : *spec, src, d);
	cli_print_diags(d);
	vpci_diag_free(d);
	if (rc)
		return cli_exit_code(rc);
	if (vfio && vpci_source_set_param(*src, "vfio.device", a->val[O_DEVICE])) {
		vpci_source_free(*src);
		return cli_usage("derive", "malformed --device '%s' (expected [DDDD:]BB:DD.F)", a->val[O_DEVICE]);
	}
	return 0;
}

static int run(struct cli_args *a)
{
	struct dopts o = {
		.o = {
			.policy = !strcmp(cli_get(a, O_POLICY, "guest"), "raw") ? VPCI_POLICY_RAW : VPCI_POLICY_GUEST,
			.no_quirks = cli_has(a, O_NO_QUIRKS),
			.quirk_dir = a->val[O_QUIRK_DIR],
			.name = a->val[O_NAME],
			.types = cli_types(),
		},
		.wflags = cli_has(a, O_NO_NAMES) ? VPCI_WRITE_NO_NAMES : 0,
		.quiet = cli_has(a, O_QUIET),
		.json = cli_has(a, O_JSON),
	};
	if (cli_has(a, O_VF)) {
		char *end;
		unsigned long n = strtoul(a->val[O_VF], &end, 10);
		if (*end || end == a->val[O_VF] || !n || n > 0xffff)
			return cli_usage("derive", "--vf: '%s' is not a VF number (1, 2, ...)", a->val[O_VF]);
		o.o.vf = (unsigned)n;
	} else if (cli_has(a, O_VF_OF)) {
		o.o.vf = 1;
	}
	o.o.pf = a->val[O_PF];
	o.o.vf_view = !strcmp(cli_get(a, O_VF_VIEW, "plain"), "vf") ? VPCI_VF_VIEW_VF : VPCI_VF_VIEW_PLAIN;
	struct vpci_bar_info bars[7];
	if (cli_has(a, O_BAR_SIZE)) {
		int n = parse_bar_sizes(a->val[O_BAR_SIZE], bars);
		if (n < 0)
			return EX_USAGE_;
		o.o.bars = bars;
		o.o.nbars = (size_t)n;
	}
	int all = cli_has(a, O_ALL), vf_of = cli_has(a, O_VF_OF);
	int nsrc = cli_has(a, O_BIN) + cli_has(a, O_DUMP) + cli_has(a, O_VFIO) + all +
		   (a->npos > 0 || (vf_of && !cli_has(a, O_BIN) && !cli_has(a, O_DUMP) && !cli_has(a, O_VFIO)));

	if (nsrc != 1)
		return cli_usage("derive", nsrc ? "give one source only" :
				 "no source: give a BDF, --dump FILE, --bin FILE, --vfio GROUP or --all");
	if (vf_of && (all || a->npos || cli_has(a, O_SLOT) || cli_has(a, O_PF)))
		return cli_usage("derive", "--vf-of names the PF: it goes without a BDF, --slot, --pf or --all");
	if (cli_has(a, O_VFIO) && !cli_has(a, O_DEVICE))
		return cli_usage("derive", "option '--vfio' needs '--device BDF'");

	vpci_source *src = NULL;
	const char *spec;
	int rc = open_source(a, &src, &spec);
	if (rc)
		return rc;
	if (all) {
		rc = derive_all(src, &o, a->val[O_OUT]);
	} else {
		if (cli_has(a, O_PF) && vpci_source_find(src, a->val[O_PF]) < 0) {
			rc = pick_function(src, a->val[O_PF], spec);
			vpci_source_free(src);
			return -rc;
		}
		int idx = pick_function(src, vf_of ? a->val[O_VF_OF] : a->npos ? a->pos[0] : a->val[O_SLOT], spec);
		rc = idx < 0 ? -idx : derive_one(src, (size_t)idx, &o, a->val[O_OUTPUT], NULL, NULL);
	}
	vpci_source_free(src);
	return rc;
}

const struct cli_cmd cli_cmd_derive = {
	.name = "derive",
	.summary = "describe physical functions (sysfs, lspci dump, image, VFIO)",
	.synopsis = "[OPTIONS] BDF\n"
		    "[OPTIONS] --dump FILE [--slot BDF]\n"
		    "[OPTIONS] --bin FILE\n"
		    "[OPTIONS] --vfio /dev/vfio/GROUP --device BDF\n"
		    "[OPTIONS] --all [--out DIR] [--json]\n"
		    "[OPTIONS] --vf-of PF [--vf N] [--dump FILE | --bin FILE]",
	.description = "Describe a physical function as an instance file: the function BDF of\n"
		       "this machine (sysfs), of an lspci dump, a binary image, a VFIO device,\n"
		       "or every function of the machine.  FILE '-' reads standard input.\n"
		       "--vf-of synthesizes a VF of an SR-IOV PF from the PF alone (a VF\n"
		       "persona: identity, BARs, address and capabilities from the PF's\n"
		       "SR-IOV capability); a dump's VF (it reads 0xffff IDs) takes the same\n"
		       "from its PF in the dump.\n",
	.opts = opts,
	.min_args = 0,
	.max_args = 1,
	.args_name = "BDF",
	.exit_status = "0 success, 64 usage error, 65 invalid data, 66 input unreadable,\n"
		       "73/74 output not writable; with --all the first failure's code.",
	.run = run,
};
