/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bind-bench.c - the cost of bindings, as ratios to a baseline measured in
 * the same run: the parse (and validation) of the same instance files.
 *   - can-back: vpci_bind() of one file's instance to another file's
 *     function, per pair;
 *   - common: vpci_common() over N files, per file (goal: 1000 files in at
 *     most 1 s on one core);
 *   - the engine's device-backed read through a relocation map (a guest
 *     AER at 0x100 backed by a physical AER at 0x200) against the same
 *     instance backed at its own offsets, and against calling the backend
 *     directly (an in-memory function: the engine's own cost shows).
 * The files are N variants of a NIC-like instance (other vector counts
 * and BAR sizes, AER moved behind a VSEC, DSN on some), or the given
 * FILEs.  Times are CPU time of the one thread; rounds are interleaved
 * and the median is reported.
 *
 *   bind-bench [--rounds R] [-n N] [FILE...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vpci/vpci.h>

#include "bench-util.h"

/* CPU time of this thread: "on one core", whatever else the machine runs */
static double now_ns(void)
{
	return bench_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* Variant @i of the instance: what a fleet of one NIC model looks like
 * after firmware updates and board revisions. */
static char *variant(unsigned n)
{
	static const char *const sizes[] = { "16KiB", "32KiB", "64KiB" };
	char *t = malloc(4096);
	unsigned i = n + 1; /* the first file is not the smallest: common has work */
	int moved = i % 2, dsn = i % 5 != 0;

	if (!t)
		return NULL;
	snprintf(t, 4096,
		 "vpci: 1\nname: nic-%u\nfunction:\n  kind: endpoint\n  config-size: 4096\n"
		 "  header:\n    vendor-id: 0x8086\n    device-id: 0x10d3\n    class-code: 0x020000\n"
		 "    command: {value: 0x0000, device: 0x0547}\n    status: {value: 0x0010, device: 0xf908}\n"
		 "    interrupt-pin: 0x01\n"
		 "  bars:\n    - {index: 0, type: mem32, size: %s}\n    - {index: 3, type: mem32, size: 16KiB}\n"
		 "  capabilities:\n"
		 "    - {type: pm, offset: 0x40, fields: {pmc: 0xc803, pmcsr: {value: 0x0000, device: 0x8103}}}\n"
		 "    - {type: msi, offset: 0x50, fields: {message-control: 0x0086}}\n"
		 "    - {type: msix, offset: 0x70, fields: {message-control: 0x%04x, table: 0x00000003, pba: 0x00002003}}\n"
		 "    - type: pcie\n      offset: 0xa0\n      fields:\n        pcie-capabilities: 0x0002\n"
		 "        device-capabilities: 0x10008cc2\n        device-control: {value: 0x2810, device: 0x081f}\n"
		 "        device-status: {value: 0x0000, backing: device}\n        link-capabilities: 0x0042ec42\n"
		 "        link-status: {value: 0x1042, device: 0xefff}\n"
		 "  extended-capabilities:\n%s"
		 "    - type: aer\n      offset: %s\n      version: 2\n      fields:\n"
		 "        uncorrectable-status: {value: 0x00000000, backing: device}\n"
		 "        uncorrectable-mask: {value: 0x00000000, backing: device}\n"
		 "        correctable-status: {value: 0x00000000, backing: device}\n%s",
		 n, sizes[i % 3], 3 + i % 5,
		 moved ? "    - {type: vsec, offset: 0x100, version: 1, fields: {vsec-header: 0x01000001}}\n" : "",
		 moved ? "0x200" : "0x100",
		 dsn ? (moved ? "    - {type: dsn, offset: 0x140, version: 1}\n" : "    - {type: dsn, offset: 0x140, version: 1}\n") : "");
	return t;
}

/* An in-memory real function: its config bytes. */
static uint8_t mem_cfg[4096];

static int mem_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	uint32_t v = 0;

	(void)ctx;
	if (off + size > sizeof(mem_cfg))
		return VPCI_EIO;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)mem_cfg[off + i] << (8 * i);
	*val = v;
	return 0;
}

static int mem_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	(void)ctx;
	(void)mask;
	for (unsigned i = 0; i < size && off + i < sizeof(mem_cfg); i++)
		mem_cfg[off + i] = (uint8_t)(val >> (8 * i));
	return 0;
}

static const struct vpci_backend_ops mem_ops = { mem_read, mem_write, NULL, NULL, VPCI_BACKEND_REAL, NULL };
static const struct vpci_backend_ops sim_ops = { mem_read, mem_write, NULL, NULL, 0, NULL };

static volatile uint32_t sink;

/* ns per device-backed DWORD read: relocated, in place, bare backend */
static int bench_relocated(int rounds, double *reloc, double *same, double *bare)
{
	vpci_func *g = NULL, *p = NULL;
	/* AER at 0x100 in the instance; at 0x200 behind a VSEC on the function,
	 * which has more vectors: it can back the instance */
	char *gt = variant(5), *pt = variant(8);
	vpci_emu *er = NULL, *es = NULL;
	double tr[101], ts[101], tb[101];
	const long iters = 200000;
	int rc = 70;

	if (!gt || !pt || vpci_parse_buffer(gt, strlen(gt), "g", &g, NULL) ||
	    vpci_parse_buffer_flags(pt, strlen(pt), "p", VPCI_PARSE_NO_VALIDATE, &p, NULL) ||
	    vpci_render_bin(p, mem_cfg, sizeof(mem_cfg)) != 4096)
		goto out;
	struct vpci_backend br = { &mem_ops, NULL, NULL }, bs = { &sim_ops, NULL, NULL };
	if (vpci_emu_new(g, &br, NULL, NULL, &er, NULL) || vpci_emu_new(g, &bs, NULL, NULL, &es, NULL))
		goto out;
	for (int r = 0; r < rounds; r++) {
		uint32_t v;
		double t0 = now_ns();
		for (long i = 0; i < iters; i++) {
			vpci_emu_read(er, 0x104 + (unsigned)(i & 1) * 4, 4, &v); /* -> 0x204, 0x208 */
			sink = v;
		}
		double t1 = now_ns();
		for (long i = 0; i < iters; i++) {
			vpci_emu_read(es, 0x104 + (unsigned)(i & 1) * 4, 4, &v);
			sink = v;
		}
		double t2 = now_ns();
		for (long i = 0; i < iters; i++) {
			mem_ops.read(NULL, 0x204 + (unsigned)(i & 1) * 4, 4, &v);
			sink = v;
		}
		double t3 = now_ns();
		tr[r] = (t1 - t0) / iters;
		ts[r] = (t2 - t1) / iters;
		tb[r] = (t3 - t2) / iters;
	}
	*reloc = bench_median(tr, rounds);
	*same = bench_median(ts, rounds);
	*bare = bench_median(tb, rounds);
	rc = 0;
out:
	vpci_emu_free(er);
	vpci_emu_free(es);
	vpci_func_free(g);
	vpci_func_free(p);
	free(gt);
	free(pt);
	return rc;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *t = NULL;
	long n;

	if (!fp)
		return NULL;
	if (!fseek(fp, 0, SEEK_END) && (n = ftell(fp)) >= 0 && !fseek(fp, 0, SEEK_SET) && (t = malloc((size_t)n + 1))) {
		if (fread(t, 1, (size_t)n, fp) != (size_t)n) {
			free(t);
			t = NULL;
		} else {
			t[n] = '\0';
		}
	}
	fclose(fp);
	return t;
}

int main(int argc, char **argv)
{
	int rounds = 5;
	unsigned n = 1000;
	int first = argc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n = (unsigned)atoi(argv[++i]);
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: bind-bench [--rounds R] [-n N] [FILE...]\n");
			return 64;
		} else {
			first = i;
			break;
		}
	}
	if (first < argc)
		n = (unsigned)(argc - first);
	if (rounds < 1 || rounds > 101 || n < 2)
		return 64;
	char **text = calloc(n, sizeof(*text));
	vpci_func **f = calloc(n, sizeof(*f));
	if (!text || !f)
		return 70;
	for (unsigned i = 0; i < n; i++) {
		text[i] = first < argc ? slurp(argv[first + (int)i]) : variant(i);
		if (!text[i]) {
			fprintf(stderr, "bind-bench: cannot read %s\n", first < argc ? argv[first + (int)i] : "a variant");
			return 66;
		}
	}
	double tp[101], tb[101], tc[101];
	size_t ok = 0, notes = 0;
	for (int r = 0; r < rounds; r++) {
		/* baseline: parse (and validate) every file */
		double t0 = now_ns();
		for (unsigned i = 0; i < n; i++) {
			vpci_func_free(f[i]);
			f[i] = NULL;
			if (vpci_parse_buffer_flags(text[i], strlen(text[i]), "bench", VPCI_PARSE_NO_VALIDATE, &f[i], NULL)) {
				fprintf(stderr, "bind-bench: file %u does not parse\n", i);
				return 65;
			}
		}
		double t1 = now_ns();
		/* can-back: each file's instance on the next file's function */
		ok = 0;
		for (unsigned i = 0; i < n; i++) {
			vpci_binding *b = NULL;
			vpci_bind(f[i], f[(i + 1) % n], &b, NULL);
			ok += vpci_binding_ok(b);
			vpci_binding_free(b);
		}
		double t2 = now_ns();
		/* common over all of them */
		vpci_func *c = NULL;
		if (vpci_common((const vpci_func *const *)f, n, NULL, &c, NULL)) {
			fprintf(stderr, "bind-bench: no common instance\n");
			return 65;
		}
		double t3 = now_ns();
		char *out = NULL;
		size_t len;
		notes = 0;
		if (!vpci_write(c, VPCI_WRITE_NO_NAMES, &out, &len))
			for (const char *p = out; (p = strstr(p, "\n# ")); p++)
				notes++;
		free(out);
		vpci_func_free(c);
		tp[r] = (t1 - t0) / n;
		tb[r] = (t2 - t1) / n;
		tc[r] = (t3 - t2) / n;
	}
	double p = bench_median(tp, rounds), b = bench_median(tb, rounds), c = bench_median(tc, rounds);
	printf("%u files (%s); %zu of %u pairs can back; common: %zu change(s)\n", n,
	       first < argc ? "given" : "NIC variants: vectors, BAR sizes, AER moved, DSN", ok, n, notes);
	printf("parse + read of one file (baseline):   %9.0f ns\n", p);
	printf("can-back, one pair:                    %9.0f ns  ratio %.2fx to the parse\n", b, b / p);
	printf("common, per file:                      %9.0f ns  ratio %.2fx to the parse\n", c, c / p);
	printf("common over 1000 files:                %9.1f ms  (goal <= 1000 ms on one core)\n", c * 1000 / 1e6);
	double rl, sm, bb;
	if (bench_relocated(rounds, &rl, &sm, &bb) == 0) {
		printf("device-backed DWORD read, relocated:   %9.1f ns  ratio %.2fx to the same read in place (%.1f ns)\n",
		       rl, rl / sm, sm);
		printf("                                                    engine cost %.1f ns over the backend call (%.1f ns)\n",
		       rl - bb, bb);
	}
	for (unsigned i = 0; i < n; i++) {
		vpci_func_free(f[i]);
		free(text[i]);
	}
	free(f);
	free(text);
	return 0;
}
