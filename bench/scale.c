/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * scale.c - what many emulated functions cost in one process
 *
 * For N functions (1, 4, 16, ... up to --max, default 4096) of one
 * instance file, each measured in a fresh child process so that memory
 * freed by an earlier measurement does not hide what the next one takes:
 *
 *   file    every function parsed from the file (vpci_parse_file()), its
 *           engine created (vpci_emu_new(), snapshot backend), the model
 *           freed: what a daemon that reads one file per guest pays
 *   shared  the file parsed once, N engines created from that model
 *
 * and for each: creation time per function, resident memory per function
 * (the growth of /proc/self/statm's resident pages over the N creations)
 * and heap in use per function (mallinfo2), then the migration state: its
 * size, vpci_emu_save() and vpci_emu_load() per function, and
 * vpci_emu_free().  Baselines measured in the same run: a bare read of the
 * same file (open, read, close), and a memcpy of a state-sized buffer.
 * Times are CPU time (the machine may be busy with other work), medians
 * over --rounds runs of each child.
 *
 *   scale [--max N] [--rounds R] [FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <vpci/vpci.h>

#include "bench-util.h"

#ifndef VPCI_SOURCE_ROOT
#define VPCI_SOURCE_ROOT "."
#endif

#define MAX_ROUNDS 51

/* CPU time of this process: what the work costs, not what other
 * processes on a loaded machine take from it (the measuring children are
 * single-threaded). */
static double now_ns(void)
{
	return bench_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* Resident bytes of this process (statm's second field, in pages). */
static double resident_bytes(void)
{
	unsigned long size = 0, res = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (!fp)
		return 0;
	if (fscanf(fp, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(fp);
	return (double)res * (double)sysconf(_SC_PAGESIZE);
}

/* Heap bytes in use (allocated chunks, mmapped ones included). */
static double heap_bytes(void)
{
#ifdef __GLIBC__
	struct mallinfo2 mi = mallinfo2();
	return (double)mi.uordblks + (double)mi.hblkhd;
#else
	return 0;
#endif
}

/* What one child measures, per function. */
struct result {
	int ok;
	double create_ns, resident, heap, save_ns, load_ns, free_ns;
	double state_bytes;
};

static volatile uint32_t sink;

/* N functions of @path (@shared: from one parsed model); fills @r. */
static void measure(const char *path, unsigned n, int shared, struct result *r)
{
	vpci_emu **e = calloc(n, sizeof(*e));
	void **blob = calloc(n, sizeof(*blob));
	size_t *len = calloc(n, sizeof(*len));
	vpci_func *model = NULL;

	memset(r, 0, sizeof(*r));
	if (!e || !blob || !len || (shared && vpci_parse_file(path, &model, NULL)))
		return;
	double res0 = resident_bytes(), heap0 = heap_bytes();
	double t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		vpci_func *f = model;
		if (!shared && vpci_parse_file(path, &f, NULL))
			return;
		if (vpci_emu_new(f, NULL, NULL, NULL, &e[i], NULL))
			return;
		if (!shared)
			vpci_func_free(f);
	}
	double t1 = now_ns();
	/* every engine read once through (nothing lazily made stays out) */
	for (unsigned i = 0; i < n; i++) {
		uint32_t v = 0;
		for (unsigned off = 0; off < 4096; off += 4)
			vpci_emu_read(e[i], off, 4, &v);
		sink = v;
	}
	double res1 = resident_bytes(), heap1 = heap_bytes();
	double t2 = now_ns();
	for (unsigned i = 0; i < n; i++)
		if (vpci_emu_save(e[i], &blob[i], &len[i]))
			return;
	double t3 = now_ns();
	for (unsigned i = 0; i < n; i++)
		if (vpci_emu_load(e[i], blob[i], len[i], NULL))
			return;
	double t4 = now_ns();
	for (unsigned i = 0; i < n; i++)
		vpci_emu_free(e[i]);
	double t5 = now_ns();
	r->create_ns = (t1 - t0) / n;
	r->resident = (res1 - res0) / n;
	r->heap = (heap1 - heap0) / n;
	r->save_ns = (t3 - t2) / n;
	r->load_ns = (t4 - t3) / n;
	r->free_ns = (t5 - t4) / n;
	r->state_bytes = (double)len[0];
	r->ok = 1;
	for (unsigned i = 0; i < n; i++)
		free(blob[i]);
	free(blob);
	free(len);
	free(e);
	vpci_func_free(model);
}

/* measure() in a child process: a fresh heap for every measurement. */
static int measure_child(const char *path, unsigned n, int shared, struct result *r)
{
	int fd[2];
	pid_t pid;

	if (pipe(fd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct result mine;
		close(fd[0]);
		measure(path, n, shared, &mine);
		ssize_t w = write(fd[1], &mine, sizeof(mine));
		_exit(w == (ssize_t)sizeof(mine) ? 0 : 1);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], r, sizeof(*r));
	close(fd[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	return got == (ssize_t)sizeof(*r) && r->ok ? 0 : -1;
}

/* Baseline: a bare read of the file (open, read all, close), ns. */
static double bare_read(const char *path, int rounds)
{
	static char buf[1 << 20];
	double t[MAX_ROUNDS];

	for (int k = 0; k < rounds; k++) {
		double t0 = now_ns();
		for (int i = 0; i < 200; i++) {
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				return -1;
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
		t[k] = (now_ns() - t0) / 200;
	}
	return bench_median(t, rounds);
}

/* Baseline: a memcpy of @len bytes (a state held elsewhere), ns. */
static double bare_copy(size_t len, int rounds)
{
	double t[MAX_ROUNDS];
	char *a = malloc(len ? len : 1), *b = malloc(len ? len : 1);

	if (!a || !b)
		return -1;
	memset(a, 0x5a, len);
	for (int k = 0; k < rounds; k++) {
		double t0 = now_ns();
		for (int i = 0; i < 4096; i++) {
			a[i % (len ? len : 1)] = (char)i;
			memcpy(b, a, len);
			sink = (uint32_t)b[i % (len ? len : 1)];
		}
		t[k] = (now_ns() - t0) / 4096;
	}
	free(a);
	free(b);
	return bench_median(t, rounds);
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: scale [--max N] [--rounds R] [FILE]\n\n"
		    "N emulated functions (1, 4, 16, ... up to --max, default 4096) of FILE\n"
		    "(default %s/examples/nvme.yaml), each parsed from the file or all from\n"
		    "one parsed model: creation time, resident and heap KiB per function,\n"
		    "state size, save, load and free per function, next to a bare read of\n"
		    "the file and a memcpy of the state measured in the same run.\n"
		    "  --rounds R   runs per measurement, median reported (3)\n",
		VPCI_SOURCE_ROOT);
}

int main(int argc, char **argv)
{
	const char *path = VPCI_SOURCE_ROOT "/examples/nvme.yaml";
	unsigned max = 4096;
	int rounds = 3;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--max") && i + 1 < argc) {
			max = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (argv[i][0] == '-') {
			usage(stderr);
			return 64;
		} else {
			path = argv[i];
		}
	}
	if (!max || max > 65536 || rounds < 1 || rounds > MAX_ROUNDS) {
		usage(stderr);
		return 64;
	}
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	if (vpci_parse_file(path, &f, d)) {
		fprintf(stderr, "scale: %s does not parse\n", path);
		for (size_t k = 0; k < vpci_diag_count(d) && k < 5; k++) {
			char buf[512];
			vpci_diag_format(vpci_diag_get(d, k), buf, sizeof(buf));
			fprintf(stderr, "  %s\n", buf);
		}
		return 65;
	}
	vpci_diag_free(d);
	vpci_func_free(f);

	struct result one;
	if (measure_child(path, 1, 1, &one)) {
		fprintf(stderr, "scale: %s cannot be emulated\n", path);
		return 65;
	}
	double rd = bare_read(path, rounds), cp = bare_copy((size_t)one.state_bytes, rounds);
	printf("scale: libvpci %s, %s; CPU time, medians of %d run(s), each in a fresh process\n", vpci_version(), path,
	       rounds);
	printf("baselines: bare read of the file %.1f us; memcpy of %.0f bytes (the state) %.0f ns\n", rd / 1e3,
	       one.state_bytes, cp);
	printf("%6s %-6s %11s %8s %13s %13s %8s %8s %8s %8s\n", "N", "from", "create us/fn", "x read",
	       "resident KiB", "heap KiB/fn", "save us", "load us", "x memcpy", "free us");
	double at_max[2][3] = { { 0 } }; /* per mode: resident, create total, heap */
	unsigned last = 0;
	for (unsigned n = 1;; n = n * 4 > max ? max : n * 4) {
		for (int shared = 0; shared < 2; shared++) {
			double c[MAX_ROUNDS], rs[MAX_ROUNDS], hp[MAX_ROUNDS], sv[MAX_ROUNDS], ld[MAX_ROUNDS],
				fr[MAX_ROUNDS];
			struct result r;
			for (int k = 0; k < rounds; k++) {
				if (measure_child(path, n, shared, &r)) {
					fprintf(stderr, "scale: %u functions: the measurement failed\n", n);
					return 70;
				}
				c[k] = r.create_ns;
				rs[k] = r.resident;
				hp[k] = r.heap;
				sv[k] = r.save_ns;
				ld[k] = r.load_ns;
				fr[k] = r.free_ns;
			}
			double mc = bench_median(c, rounds), mr = bench_median(rs, rounds), mh = bench_median(hp, rounds);
			double ms = bench_median(sv, rounds), ml = bench_median(ld, rounds), mf = bench_median(fr, rounds);
			printf("%6u %-6s %11.1f %8.1f %13.1f %13.1f %8.2f %8.2f %8.1f %8.2f\n", n,
			       shared ? "shared" : "file", mc / 1e3, mc / rd, mr / 1024, mh / 1024, ms / 1e3, ml / 1e3,
			       (ms + ml) / cp, mf / 1e3);
			at_max[shared][0] = mr / 1024;
			at_max[shared][1] = mc * n / 1e9;
			at_max[shared][2] = mh / 1024;
			fflush(stdout);
		}
		last = n;
		if (n == max)
			break;
	}
	printf("state: %.0f bytes per function\n", one.state_bytes);
	printf("at %u functions: from the file %.1f KiB resident (%.1f heap) per function, all created in %.2f s;\n"
	       "                 from one model %.1f KiB resident (%.1f heap) per function, all created in %.2f s\n",
	       last, at_max[0][0], at_max[0][2], at_max[0][1], at_max[1][0], at_max[1][2], at_max[1][1]);
	return 0;
}
