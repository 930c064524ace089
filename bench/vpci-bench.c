/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci-bench.c - how long reading an instance file takes, next to the cost
 * of the YAML parse underneath it
 *
 * For every instance file (default: the project's examples/ directory) the text
 * is loaded into memory once, then measured two ways, interleaved in the
 * same run so that both see the same machine state:
 *
 *   vpci      vpci_parse_buffer() (YAML parse, format checks and
 *             vpci_validate()) + vpci_render_bin() + vpci_func_free()
 *   libfyaml  fy_document_build_from_string() + fy_document_destroy(),
 *             the bare YAML parse with the same parser flags (of the file,
 *             and of the VF template file it names, which vpci reads too)
 *
 * Each measurement times N back-to-back iterations (--repeat N; by default
 * N is calibrated so that one measurement takes about --min-time ms), and
 * R rounds (--rounds R) of measurements alternate which side runs first.
 * The per-file figure is the median over the rounds.  The RATIO line is
 * sum(vpci medians) / sum(libfyaml medians): how many bare YAML parses one
 * full read costs.
 */
#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfyaml.h>
#include <vpci/vpci.h>

#ifndef VPCI_SOURCE_ROOT
#define VPCI_SOURCE_ROOT "."
#endif

struct item {
	const char *path;
	char *text;
	size_t len;
	char *tmpl;     /* the VF template file a virtual PF names (read too) */
	size_t tmpl_len;
	double *ours;   /* ns per iteration, one per round */
	double *fy;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp)
		return -1;
	for (;;) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, nc + 1);
			if (!nb) {
				free(buf);
				fclose(fp);
				return -1;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(fp);
	fclose(fp);
	if (err) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* One full read: parse + validate, render the image, free.  0 on success. */
static int run_ours(const struct item *it, unsigned n)
{
	static uint8_t img[VPCI_CFG_SIZE];

	for (unsigned i = 0; i < n; i++) {
		vpci_func *f = NULL;
		if (vpci_parse_buffer(it->text, it->len, it->path, &f, NULL))
			return -1;
		if (vpci_render_bin(f, img, sizeof(img)) <= 0) {
			vpci_func_free(f);
			return -1;
		}
		vpci_func_free(f);
	}
	return 0;
}

static int run_fy(const struct item *it, unsigned n)
{
	struct fy_parse_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	for (unsigned i = 0; i < n; i++) {
		struct fy_document *doc = fy_document_build_from_string(&cfg, it->text, it->len);
		if (!doc)
			return -1;
		fy_document_destroy(doc);
		if (it->tmpl) {
			doc = fy_document_build_from_string(&cfg, it->tmpl, it->tmpl_len);
			if (!doc)
				return -1;
			fy_document_destroy(doc);
		}
	}
	return 0;
}

/* The VF template a file names (function: vf-template:, relative to the
 * file), read so that the baseline parses what vpci parses. */
static int read_template(struct item *it)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 };
	struct fy_document *doc = fy_document_build_from_string(&cfg, it->text, it->len);
	struct fy_node *n = doc ? fy_node_by_path(fy_document_root(doc), "/function/vf-template", FY_NT,
						  FYNWF_DONT_FOLLOW) : NULL;
	const char *ref = n ? fy_node_get_scalar0(n) : NULL;
	int rc = 0;

	if (ref && *ref) {
		const char *slash = strrchr(it->path, '/');
		char path[4096];
		if (ref[0] != '/' && slash)
			snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - it->path), it->path, ref);
		else
			snprintf(path, sizeof(path), "%s", ref);
		rc = read_all(path, &it->tmpl, &it->tmpl_len);
	}
	fy_document_destroy(doc);
	return rc;
}

static double time_one(int ours, const struct item *it, unsigned n)
{
	uint64_t t0 = now_ns();
	int rc = ours ? run_ours(it, n) : run_fy(it, n);
	uint64_t t1 = now_ns();

	if (rc) {
		fprintf(stderr, "vpci-bench: %s: %s failed during the run\n", it->path,
			ours ? "vpci_parse_buffer" : "fy_document_build_from_string");
		exit(70);
	}
	return (double)(t1 - t0) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vpci-bench [--rounds R] [--repeat N] [--min-time MS] [FILE...]\n\n"
		"Times reading instance files (parse + validate + render to bytes) against\n"
		"libfyaml's bare parse of the same text, interleaved; prints the median\n"
		"ns per file for both and their RATIO.  Default files: %s/examples/*.yaml\n\n"
		"  --rounds R    measurements per file and side; the median is reported (7)\n"
		"  --repeat N    iterations per measurement (default: calibrated)\n"
		"  --min-time MS calibration target for one measurement (20)\n",
		VPCI_SOURCE_ROOT);
}

static int parse_uint(const char *opt, const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s ? s : "", &end, 10);
	if (!s || !*s || *end || errno || v == 0 || v > 100000000ul) {
		fprintf(stderr, "vpci-bench: %s needs a positive number\n", opt);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned rounds = 7, repeat = 0, min_ms = 20;
	const char **paths = NULL;
	size_t npaths = 0;
	glob_t g;
	int globbed = 0;

	paths = calloc((size_t)argc, sizeof(*paths));
	if (!paths)
		return 71;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--rounds") || !strcmp(a, "--repeat") || !strcmp(a, "--min-time")) {
			unsigned *dst = !strcmp(a, "--rounds") ? &rounds :
					!strcmp(a, "--repeat") ? &repeat : &min_ms;
			if (parse_uint(a, v, dst))
				return 64;
			i++;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "vpci-bench: unknown option '%s'\n", a);
			usage(stderr);
			return 64;
		} else {
			paths[npaths++] = a;
		}
	}
	if (!npaths) {
		if (glob(VPCI_SOURCE_ROOT "/examples/*.yaml", 0, NULL, &g) || !g.gl_pathc) {
			fprintf(stderr, "vpci-bench: no files given and none in %s/examples/\n",
				VPCI_SOURCE_ROOT);
			return 66;
		}
		globbed = 1;
		free(paths);
		paths = (const char **)g.gl_pathv;
		npaths = g.gl_pathc;
	}

	struct item *items = calloc(npaths, sizeof(*items));
	size_t n = 0;
	if (!items)
		return 71;
	for (size_t i = 0; i < npaths; i++) {
		struct item *it = &items[n];
		it->path = paths[i];
		if (read_all(it->path, &it->text, &it->len)) {
			fprintf(stderr, "vpci-bench: %s: cannot read: %s\n", it->path, strerror(errno));
			return 66;
		}
		vpci_diag *d = vpci_diag_new();
		vpci_func *f = NULL;
		int st = vpci_parse_buffer(it->text, it->len, it->path, &f, d);
		if (st) {
			fprintf(stderr, "vpci-bench: %s: does not parse (%s); skipped\n", it->path,
				vpci_strerror(st));
			for (size_t k = 0; k < vpci_diag_count(d) && k < 5; k++) {
				char buf[512];
				vpci_diag_format(vpci_diag_get(d, k), buf, sizeof(buf));
				fprintf(stderr, "  %s\n", buf);
			}
			free(it->text);
			vpci_diag_free(d);
			continue;
		}
		vpci_func_free(f);
		vpci_diag_free(d);
		if (read_template(it)) {
			fprintf(stderr, "vpci-bench: %s: its VF template cannot be read\n", it->path);
			return 66;
		}
		it->ours = calloc(rounds, sizeof(double));
		it->fy = calloc(rounds, sizeof(double));
		if (!it->ours || !it->fy)
			return 71;
		n++;
	}
	if (!n) {
		fprintf(stderr, "vpci-bench: no file parses; nothing to measure\n");
		return 65;
	}

	/* Warm up (caches, lazily loaded tables), then calibrate on the
	 * slower side (ours) of the largest file. */
	for (size_t i = 0; i < n; i++) {
		time_one(1, &items[i], 2);
		time_one(0, &items[i], 2);
	}
	if (!repeat) {
		size_t big = 0;
		for (size_t i = 1; i < n; i++)
			if (items[i].len > items[big].len)
				big = i;
		unsigned k = 1;
		for (;;) {
			double ns = time_one(1, &items[big], k) * k;
			if (ns >= min_ms * 1e6 || k >= (1u << 24))
				break;
			k *= 2;
		}
		repeat = k;
	}

	for (unsigned r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i++) {
			if ((r + i) % 2 == 0) {
				items[i].ours[r] = time_one(1, &items[i], repeat);
				items[i].fy[r] = time_one(0, &items[i], repeat);
			} else {
				items[i].fy[r] = time_one(0, &items[i], repeat);
				items[i].ours[r] = time_one(1, &items[i], repeat);
			}
		}
	}

	printf("vpci-bench: libvpci %s, libfyaml %s; %zu file(s), %u round(s) x %u iteration(s), median\n",
	       vpci_version(), fy_library_version(), n, rounds, repeat);
	printf("%-40s %8s %14s %14s %7s\n", "file", "bytes", "vpci ns/file", "fyaml ns/file", "ratio");
	double sum_ours = 0, sum_fy = 0;
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		double mo = median(items[i].ours, rounds), mf = median(items[i].fy, rounds);
		const char *name = items[i].path;
		size_t rl = strlen(VPCI_SOURCE_ROOT "/");
		if (globbed && !strncmp(name, VPCI_SOURCE_ROOT "/", rl))
			name += rl;
		size_t nl = strlen(name);
		if (nl > 40)
			name += nl - 40;
		printf("%-40s %8zu %14.0f %14.0f %7.2f\n", name, items[i].len, mo, mf, mf > 0 ? mo / mf : 0);
		sum_ours += mo;
		sum_fy += mf;
		bytes += items[i].len;
	}
	double mean_ours = sum_ours / n, mean_fy = sum_fy / n;
	printf("%-40s %8zu %14.0f %14.0f %7.2f\n", "mean per file", bytes / n, mean_ours, mean_fy,
	       sum_fy > 0 ? sum_ours / sum_fy : 0);
	printf("per 1000 files: vpci %.2f ms, libfyaml %.2f ms (%.1f MB/s vs %.1f MB/s)\n",
	       mean_ours * 1000 / 1e6, mean_fy * 1000 / 1e6,
	       (double)bytes / n / mean_ours * 1e3, (double)bytes / n / mean_fy * 1e3);
	printf("RATIO vpci/libfyaml: %.2f\n", sum_fy > 0 ? sum_ours / sum_fy : 0);

	for (size_t i = 0; i < n; i++) {
		free(items[i].text);
		free(items[i].tmpl);
		free(items[i].ours);
		free(items[i].fy);
	}
	free(items);
	if (globbed)
		globfree(&g);
	else
		free(paths);
	return 0;
}
