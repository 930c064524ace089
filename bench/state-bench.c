/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * state-bench.c - saved migration state: its size and the time to save and
 * load it, against baselines of the same run (machines here are noisy):
 *   - size against the target of issue 16: the config size plus the MSI-X
 *     table plus 64 bytes;
 *   - save + load against two floors: copying the config space and the
 *     MSI-X table out and back in with memcpy (the least any state copy
 *     costs), and reading the whole config space and table through the
 *     engine's API (what a VMM that saved registers itself would pay).
 * Each instance is brought to a running guest's state first: decode and
 * bus master on, BARs placed, MSI-X enabled with every vector programmed
 * and unmasked, MSI programmed, a few vectors pending.  Rounds are
 * interleaved and the median is reported.
 *
 *   state-bench [--rounds R] [--iters N] [FILE...]
 * Without files: examples/ and instances/ of the source tree.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vpci/vpci.h>

#include "bench-util.h"

static double now_ns(void)
{
	return bench_ns(CLOCK_MONOTONIC);
}

static unsigned nevents;

static void on_event(void *opaque, const struct vpci_event *ev)
{
	(void)opaque;
	(void)ev;
	nevents++;
}

static const struct vpci_emu_ops ops = { on_event };
static volatile uint32_t sink;

/* Bring @e to what a running guest leaves behind; returns the number of
 * MSI-X vectors. */
static unsigned run_guest(vpci_emu *e, const vpci_func *f)
{
	struct vpci_cap_info c;
	uint64_t addr = 0x80000000ull;
	unsigned vectors = 0;

	for (unsigned i = 0; i < 6; i++) {
		struct vpci_bar_info b;
		if (vpci_func_bar(f, i, &b) || b.type == VPCI_BAR_MEM64_HI || !b.size_known)
			continue;
		uint64_t a = b.type == VPCI_BAR_IO ? 0xc000 + 0x100 * i : (addr + b.size - 1) & ~(b.size - 1);
		if (b.type != VPCI_BAR_IO)
			addr = a + b.size;
		vpci_emu_write(e, 0x10 + 4 * i, 4, (uint32_t)a);
		if (b.type == VPCI_BAR_MEM64)
			vpci_emu_write(e, 0x14 + 4 * i, 4, (uint32_t)(a >> 32));
	}
	vpci_emu_write(e, 0x04, 2, 0x0006);
	int mi = vpci_func_find_cap(f, false, 0x05, &c);
	if (mi >= 0) {
		vpci_emu_write(e, c.offset + 4, 4, 0xfee00000);
		vpci_emu_write(e, c.offset + 8, 4, 0);
		vpci_emu_write(e, c.offset + 0xc, 2, 0x4041);
		vpci_emu_write(e, c.offset + 2, 2, 0x0001);
	}
	int xi = vpci_func_find_cap(f, false, 0x11, &c);
	if (xi >= 0) {
		vectors = (vpci_func_read(f, c.offset + 2, 2) & 0x7ff) + 1;
		vpci_emu_write(e, c.offset + 2, 2, 0x8000);
		for (unsigned v = 0; v < vectors; v++) {
			vpci_emu_msix_table_write(e, 16 * v, 8, 0xfee00000ull | (uint64_t)v << 12);
			vpci_emu_msix_table_write(e, 16 * v + 8, 4, 0x4000 + v);
			vpci_emu_msix_table_write(e, 16 * v + 12, 4, 0);
		}
		for (unsigned v = 0; v < vectors; v += 7)
			vpci_emu_msix_set_pending(e, v, true);
	}
	return vectors;
}

struct result {
	size_t size, target;
	double save, load, copy, api;
};

static int bench_file(const char *path, int rounds, int iters, struct result *r)
{
	vpci_func *f = NULL;
	vpci_emu *a = NULL, *b = NULL;
	void *blob = NULL;
	size_t len = 0;
	int rc = -1;

	if (vpci_parse_file(path, &f, NULL))
		return -1;
	if (vpci_emu_new(f, NULL, &ops, NULL, &a, NULL) || vpci_emu_new(f, NULL, &ops, NULL, &b, NULL))
		goto out; /* not emulatable (a BAR of unknown size): skipped */
	unsigned vectors = run_guest(a, f), size = vpci_func_config_size(f);
	if (vpci_emu_save(a, &blob, &len) || vpci_emu_load(b, blob, len, NULL))
		goto out;
	r->size = len;
	r->target = size + 16u * vectors + 64;
	size_t raw = size + 16u * vectors;
	uint8_t *state = calloc(1, raw), *copy = calloc(1, raw);
	double *ts = calloc((size_t)rounds, sizeof(double)), *tl = calloc((size_t)rounds, sizeof(double));
	double *tc = calloc((size_t)rounds, sizeof(double)), *ta = calloc((size_t)rounds, sizeof(double));
	if (!state || !copy || !ts || !tl || !tc || !ta)
		goto free_all;
	for (int k = 0; k < rounds; k++) {
		double t0 = now_ns();
		for (int i = 0; i < iters; i++) {
			void *x;
			size_t l;
			vpci_emu_save(a, &x, &l);
			free(x);
		}
		double t1 = now_ns();
		for (int i = 0; i < iters; i++)
			vpci_emu_load(b, blob, len, NULL);
		double t2 = now_ns();
		for (int i = 0; i < iters; i++) {
			memcpy(copy, state, raw);
			__asm__ volatile("" ::"r"(copy) : "memory");
			memcpy(state, copy, raw);
			__asm__ volatile("" ::"r"(state) : "memory");
		}
		double t3 = now_ns();
		for (int i = 0; i < iters; i++) {
			uint32_t v, acc = 0;
			for (unsigned off = 0; off < size; off += 4) {
				vpci_emu_read(a, off, 4, &v);
				acc ^= v;
			}
			for (unsigned q = 0; q < 2 * vectors; q++) {
				uint64_t w;
				vpci_emu_msix_table_read(a, false, 8 * q, 8, &w);
				acc ^= (uint32_t)w;
			}
			sink = acc;
		}
		double t4 = now_ns();
		ts[k] = (t1 - t0) / iters;
		tl[k] = (t2 - t1) / iters;
		tc[k] = (t3 - t2) / iters;
		ta[k] = (t4 - t3) / iters;
	}
	r->save = bench_median(ts, rounds);
	r->load = bench_median(tl, rounds);
	r->copy = bench_median(tc, rounds);
	r->api = bench_median(ta, rounds);
	rc = 0;
free_all:
	free(state);
	free(copy);
	free(ts);
	free(tl);
	free(tc);
	free(ta);
out:
	free(blob);
	vpci_emu_free(a);
	vpci_emu_free(b);
	vpci_func_free(f);
	return rc;
}

static int add_dir(const char *dir, char ***files, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		char *p = malloc(strlen(dir) + l + 2);
		char **v = realloc(*files, (size_t)(*n + 1) * sizeof(char *));
		if (!p || !v) {
			free(p);
			closedir(d);
			return -1;
		}
		sprintf(p, "%s/%s", dir, de->d_name);
		*files = v;
		v[(*n)++] = p;
	}
	closedir(d);
	return 0;
}

static int cmp_s(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int rounds = 21, iters = 2000, n = 0, fail = 0;
	char **files = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atoi(argv[++i]);
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: state-bench [--rounds R] [--iters N] [FILE...]\n");
			return 64;
		} else {
			char **v = realloc(files, (size_t)(n + 1) * sizeof(char *));
			if (!v)
				return 70;
			files = v;
			files[n++] = strdup(argv[i]);
		}
	}
	if (rounds < 1 || iters < 1)
		return 64;
	if (!n) {
		char d[4096];
		snprintf(d, sizeof(d), "%s/examples", VPCI_SOURCE_ROOT);
		add_dir(d, &files, &n);
		snprintf(d, sizeof(d), "%s/instances", VPCI_SOURCE_ROOT);
		add_dir(d, &files, &n);
	}
	qsort(files, (size_t)n, sizeof(char *), cmp_s);
	printf("saved state per function: size against the target (config + MSI-X table + 64),\n"
	       "save + load against copying the same state with memcpy and reading it through the API\n"
	       "(median of %d rounds of %d; times in ns)\n\n", rounds, iters);
	printf("%-28s %6s %6s %6s %8s %8s %8s %7s %7s %7s\n", "file", "bytes", "target", "ratio", "save",
	       "load", "s+l", "memcpy", "x", "api-x");
	for (int i = 0; i < n; i++) {
		struct result r;
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		if (bench_file(files[i], rounds, iters, &r)) {
			printf("%-28s (not emulatable: skipped)\n", base);
			free(files[i]);
			continue;
		}
		double sl = r.save + r.load;
		printf("%-28s %6zu %6zu %6.2f %8.0f %8.0f %8.0f %7.0f %7.1f %7.2f\n", base, r.size, r.target,
		       (double)r.size / (double)r.target, r.save, r.load, sl, r.copy, sl / r.copy, sl / r.api);
		if (r.size > r.target || sl > 10000)
			fail++;
		free(files[i]);
	}
	free(files);
	printf("\n%d file(s) above a target (size <= target, save + load <= 10000 ns)\n", fail);
	return 0;
}
