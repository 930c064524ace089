/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu-bench.c - the cost of the emulation engine, each number a ratio to a
 * baseline measured in the same run (machines here are noisy):
 *   - virtual DWORD read / write vs. the floor of any emulator call: a
 *     non-inlined function that bounds-checks and copies 1/2/4 bytes out
 *     of a 4 KiB array;
 *   - a full Linux-like probe replay vs. the same number of floor calls;
 *   - passthrough: a device-backed read through the sysfs backend vs. a
 *     bare pread() of the same bytes of the same config file;
 *   - contention: two threads writing device-backed bits through a backend
 *     that makes a system call per access (a pread of /dev/zero, a pwrite
 *     to /dev/null), against one thread doing the same writes: the
 *     throughput ratio, and CPU time per wall-clock time (a waiter that
 *     spins burns a core while the lock holder is in the kernel; one that
 *     blocks does not).
 * Rounds are interleaved and the median is reported.
 *
 *   emu-bench [--rounds R] [--iters N] [--sysfs BDF]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vpci/vpci.h>

static uint8_t floor_space[4096];

/* the floor: bounds check and copy, not inlined */
__attribute__((noinline)) static int floor_read(unsigned off, unsigned size, uint32_t *val)
{
	if ((size != 1 && size != 2 && size != 4) || off + size > sizeof(floor_space))
		return -1;
	uint32_t v = 0;
	memcpy(&v, floor_space + off, size);
	*val = v;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int median_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), median_cmp);
	return v[n / 2];
}

static const char *instance =
	"vpci: 1\nname: bench\nfunction:\n"
	"  header: {vendor-id: 0x1b36, device-id: 0x0010, class-code: 0x010802}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 16KiB}\n"
	"  capabilities:\n"
	"    - {type: pm, offset: 0x40, fields: {pmc: 0x0003}}\n"
	"    - {type: msix, offset: 0x50, fields: {message-control: 0x0040, table: 0x2000, pba: 0x3000}}\n"
	"    - {type: pcie, offset: 0x60, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}}\n"
	"  extended-capabilities:\n    - {type: aer, offset: 0x100}\n";

static volatile uint32_t sink;

/* --- contention: a backend that enters the kernel on every access ---------- */

static int zero_fd = -1, null_fd = -1;

static int sys_rd(void *ctx, unsigned off, unsigned size, uint32_t *v)
{
	uint8_t b[4] = { 0 };

	(void)ctx;
	if (pread(zero_fd, b, size, off) != (ssize_t)size)
		return -5;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

static int sys_wr(void *ctx, unsigned off, unsigned size, uint32_t v, uint32_t mask)
{
	(void)ctx;
	(void)mask;
	return pwrite(null_fd, &v, size, off) == (ssize_t)size ? 0 : -5;
}

static const struct vpci_backend_ops sys_ops = { sys_rd, sys_wr, NULL, NULL };

/* half of the DWORD device-backed: every write reads the device's other
 * half first, then writes */
static const char *contended =
	"vpci: 1\nname: contended\nfunction:\n"
	"  header: {vendor-id: 0x1b36, device-id: 0x0010}\n"
	"  raw:\n    - {offset: 0x40, bytes: \"00 00 00 00\", rw: \"ff ff ff ff\", device: \"ff ff 00 00\"}\n";

struct cwork {
	vpci_emu *e;
	long n;
};

static void *cwriter(void *arg)
{
	struct cwork *w = arg;

	for (long i = 0; i < w->n; i++)
		vpci_emu_write(w->e, 0x40, 1, (uint32_t)i);
	return NULL;
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* @nthreads writers of @per writes each; returns wall ns, sets *cpu */
static double run_writers(vpci_emu *e, int nthreads, long per, double *cpu)
{
	pthread_t th[2];
	struct cwork w = { e, per };
	double c0 = cpu_ns(), t0 = now_ns();

	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, cwriter, &w))
			return -1;
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	*cpu = cpu_ns() - c0;
	return now_ns() - t0;
}

static int bench_contention(int rounds, long iters)
{
	vpci_func *f = NULL;
	vpci_emu *e = NULL;
	struct vpci_backend be = { &sys_ops, NULL };

	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	if (zero_fd < 0 || null_fd < 0 || vpci_parse_buffer(contended, strlen(contended), "contended", &f, NULL) ||
	    vpci_emu_new(f, &be, NULL, NULL, &e, NULL)) {
		printf("contention: skipped (cannot open /dev/zero or /dev/null)\n");
		return 0;
	}
	long per = iters / 40;
	double t1[101], t2[101], load[101], cpu[101];
	for (int r = 0; r < rounds; r++) {
		double c1, c2;
		double w1 = run_writers(e, 1, 2 * per, &c1);
		double w2 = run_writers(e, 2, per, &c2);
		if (w1 < 0 || w2 < 0)
			return 71;
		t1[r] = w1 / (2 * per);
		t2[r] = w2 / (2 * per);
		load[r] = c2 / w2;
		cpu[r] = c2 / c1; /* the same writes: CPU time contended vs alone */
	}
	double a = median(t1, rounds), b = median(t2, rounds), l = median(load, rounds), c = median(cpu, rounds);
	printf("device-backed write, 1 thread:            %7.0f ns\n", a);
	printf("device-backed write, 2 threads contending: %6.0f ns  ratio %.2fx, CPU time / wall time %.2f\n", b,
	       b / a, l);
	printf("CPU time of the same writes, contended / alone: %.2fx (waiting that burns CPU shows here)\n", c);
	vpci_emu_free(e);
	vpci_func_free(f);
	close(zero_fd);
	close(null_fd);
	return 0;
}

/* config accessors: the engine, or raw preads on a VFIO config region */
struct acc {
	int (*rd)(void *ctx, unsigned off, unsigned size, uint32_t *v);
	int (*wr)(void *ctx, unsigned off, unsigned size, uint32_t v);
	void *ctx;
};

static int emu_rd(void *ctx, unsigned off, unsigned size, uint32_t *v)
{
	return vpci_emu_read(ctx, off, size, v);
}

static int emu_wr(void *ctx, unsigned off, unsigned size, uint32_t v)
{
	return vpci_emu_write(ctx, off, size, v);
}

/* the accesses of a Linux-like enumeration; returns how many it made */
static unsigned probe(const struct acc *a)
{
	uint32_t v = 0, n = 0;

	for (unsigned o = 0; o < 0x40; o += 4, n++)
		a->rd(a->ctx, o, 4, &v);
	a->rd(a->ctx, 0x34, 1, &v);
	for (unsigned p = v & 0xfc, ttl = 48; p && ttl--; p = (v >> 8) & 0xfc, n++)
		a->rd(a->ctx, p, 4, &v);
	a->rd(a->ctx, 0x100, 4, &v);
	for (unsigned p = 0x100, ttl = 64; p && v && v != 0xffffffffu && ttl--; p = (v >> 20) & 0xffc, n++)
		a->rd(a->ctx, p, 4, &v);
	a->wr(a->ctx, 0x04, 2, 0);
	for (unsigned b = 0x10; b < 0x28; b += 4, n += 4) {
		a->rd(a->ctx, b, 4, &v);
		a->wr(a->ctx, b, 4, 0xffffffff);
		a->rd(a->ctx, b, 4, &v);
		a->wr(a->ctx, b, 4, 0);
	}
	a->wr(a->ctx, 0x10, 4, 0xfe000000);
	a->wr(a->ctx, 0x04, 2, 6);
	a->rd(a->ctx, 0x52, 2, &v);
	a->wr(a->ctx, 0x52, 2, v | 0x8000);
	sink = v;
	return n + 5;
}

/* raw preads/pwrites on the config region of a VFIO device, through the
 * library's VFIO backend with a passthrough view of the function */
static int be_rd(void *ctx, unsigned off, unsigned size, uint32_t *v)
{
	struct vpci_backend *b = ctx;
	return b->ops->read(b->ctx, off, size, v);
}

static int be_wr(void *ctx, unsigned off, unsigned size, uint32_t v)
{
	struct vpci_backend *b = ctx;
	return b->ops->write(b->ctx, off, size, v, 0xffffffffu);
}

/* The probe replay through the engine (guest view of the device, snapshot
 * backend) vs the same accesses as preads/pwrites on vfio-pci's config
 * region (what a VMM without libvpci does). */
static int bench_vfio(const char *spec, int rounds, long iters)
{
	char group[256];
	const char *comma = strchr(spec, ',');
	vpci_diag *d = vpci_diag_new();
	vpci_source *src = NULL;
	vpci_func *f = NULL;
	vpci_emu *e = NULL;
	struct vpci_backend be;

	if (!comma || (size_t)(comma - spec) >= sizeof(group))
		return 64;
	snprintf(group, sizeof(group), "%.*s", (int)(comma - spec), spec);
	struct vpci_derive_opts o = { VPCI_POLICY_GUEST, false, NULL, "bench" };
	if (vpci_source_open(VPCI_SRC_VFIO, group, &src, d) || vpci_source_set_param(src, "vfio.device", comma + 1) ||
	    vpci_derive(src, 0, &o, &f, d) || vpci_emu_new(f, NULL, NULL, NULL, &e, d) ||
	    vpci_backend_vfio(group, comma + 1, &be, d)) {
		printf("vfio: skipped (cannot open %s)\n", spec);
		return 0;
	}
	vpci_source_free(src);
	struct acc ea = { emu_rd, emu_wr, e }, va = { be_rd, be_wr, &be };
	long np = iters / 500;
	double te[101], tv[101];
	unsigned n = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();
		for (long i = 0; i < np; i++)
			n = probe(&ea);
		double t1 = now_ns();
		for (long i = 0; i < np / 20 + 1; i++)
			probe(&va);
		double t2 = now_ns();
		te[r] = (t1 - t0) / np;
		tv[r] = (t2 - t1) / (np / 20 + 1);
	}
	double em = median(te, rounds), vf = median(tv, rounds);
	printf("probe replay, %u accesses: engine (guest view, snapshot) %.0f ns, preads on the vfio-pci config region %.0f ns: ratio %.4f\n",
	       n, em, vf, em / vf);
	be.ops->destroy(be.ctx);
	vpci_emu_free(e);
	vpci_func_free(f);
	vpci_diag_free(d);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = 9;
	long iters = 2000000;
	const char *bdf = NULL, *vfio = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atol(argv[++i]);
		else if (!strcmp(argv[i], "--sysfs") && i + 1 < argc)
			bdf = argv[++i];
		else if (!strcmp(argv[i], "--vfio") && i + 1 < argc)
			vfio = argv[++i];
		else {
			fprintf(stderr, "usage: emu-bench [--rounds R] [--iters N] [--sysfs BDF] [--vfio GROUP,BDF]\n");
			return 64;
		}
	}
	if (rounds < 1 || rounds > 101 || iters < 1000)
		return 64;
	vpci_func *f = NULL;
	vpci_emu *e = NULL;
	if (vpci_parse_buffer(instance, strlen(instance), "bench", &f, NULL) ||
	    vpci_emu_new(f, NULL, NULL, NULL, &e, NULL))
		return 70;
	memcpy(floor_space, vpci_func_bytes(f), 4096);

	double tf[101], tr[101], tw[101], tp[101], tpf[101];
	uint32_t v;
	unsigned nprobe = 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();
		for (long i = 0; i < iters; i++) {
			floor_read((unsigned)(i & 0x3c), 4, &v);
			sink = v;
		}
		double t1 = now_ns();
		for (long i = 0; i < iters; i++) {
			vpci_emu_read(e, (unsigned)(i & 0x3c), 4, &v);
			sink = v;
		}
		double t2 = now_ns();
		for (long i = 0; i < iters / 4; i++)
			vpci_emu_write(e, 0x0c, 1, (uint32_t)i); /* cache line size: RW, virtual */
		double t3 = now_ns();
		long np = iters / 200;
		struct acc ea = { emu_rd, emu_wr, e };
		for (long i = 0; i < np; i++)
			nprobe = probe(&ea);
		double t4 = now_ns();
		for (long i = 0; i < np * nprobe; i++) {
			floor_read((unsigned)(i & 0x3c), 4, &v);
			sink = v;
		}
		double t5 = now_ns();
		tf[r] = (t1 - t0) / iters;
		tr[r] = (t2 - t1) / iters;
		tw[r] = (t3 - t2) / (iters / 4);
		tp[r] = (t4 - t3) / np;
		tpf[r] = (t5 - t4) / np;
	}
	double fl = median(tf, rounds), rd = median(tr, rounds), wr = median(tw, rounds);
	double pr = median(tp, rounds), prf = median(tpf, rounds);
	printf("floor (bounds check + copy, not inlined): %7.2f ns per DWORD\n", fl);
	printf("virtual DWORD read:                       %7.2f ns  ratio %.2fx (target <= 4x)\n", rd, rd / fl);
	printf("virtual DWORD write:                      %7.2f ns  ratio %.2fx\n", wr, wr / fl);
	printf("probe replay (%u accesses):               %7.0f ns  ratio %.2fx to %u floor calls\n", nprobe, pr,
	       pr / prf, nprobe);
	vpci_emu_free(e);
	int crc = bench_contention(rounds, iters);
	if (crc)
		return crc;

	if (vfio)
		return bench_vfio(vfio, rounds, iters);

	/* passthrough: a device-backed read through the sysfs backend vs a
	 * bare pread of the same config bytes */
	char path[256];
	if (!bdf) {
		printf("passthrough: skipped (give --sysfs BDF of a readable function)\n");
		vpci_func_free(f);
		return 0;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	int fd = open(path, O_RDONLY);
	struct vpci_backend be;
	vpci_diag *d = vpci_diag_new();
	if (fd < 0 || vpci_backend_sysfs(NULL, bdf, &be, d)) {
		printf("passthrough: skipped (%s cannot be opened for reading and writing)\n", path);
		vpci_diag_free(d);
		vpci_func_free(f);
		return 0;
	}
	/* make the whole function device-backed: an instance derived raw */
	vpci_source *src = NULL;
	vpci_func *g = NULL;
	struct vpci_derive_opts o = { VPCI_POLICY_RAW, true, NULL, "pt" };
	if (vpci_source_open(VPCI_SRC_SYSFS, NULL, &src, d) || vpci_derive(src, (size_t)vpci_source_find(src, bdf), &o, &g, d)) {
		printf("passthrough: skipped (cannot derive %s)\n", bdf);
		return 0;
	}
	vpci_source_free(src);
	char *text = NULL;
	size_t len;
	vpci_write(g, 0, &text, &len);
	vpci_func_free(g);
	/* back the Status register by the device */
	char *p = strstr(text, "    status: ");
	if (p) {
		char *eol = strchr(p, '\n');
		char repl[] = "    status: {value: 0x0010, backing: device}";
		memmove(p + sizeof(repl) - 1, eol, strlen(eol) + 1);
		memcpy(p, repl, sizeof(repl) - 1);
	}
	if (vpci_parse_buffer_flags(text, strlen(text), "pt", VPCI_PARSE_NO_VALIDATE, &g, d) ||
	    vpci_emu_new(g, &be, NULL, NULL, &e, d)) {
		printf("passthrough: skipped (instance not emulatable)\n");
		return 0;
	}
	free(text);
	/* A config read of a real function can take tens of microseconds (a
	 * hypervisor traps it) and varies with the machine's load: the two
	 * loops alternate in short slices, their order swapped every round,
	 * and the overhead is the median of the per-round ratios. */
	enum { SLICES = 40 };
	long pn = iters / 20000 + 1;
	double tb[101], te[101], ratio[101 * SLICES];
	int nr = 0;
	for (int r = 0; r < rounds; r++) {
		uint8_t buf[4];
		double sb = 0, se = 0;
		for (int s = 0; s < SLICES; s++) {
			double pair[2];
			for (int k = 0; k < 2; k++) {
				int engine = (k ^ s ^ r) & 1;
				double t0 = now_ns();
				if (engine) {
					for (long i = 0; i < pn; i++)
						vpci_emu_read(e, 6, 2, &v);
				} else {
					for (long i = 0; i < pn; i++)
						if (pread(fd, buf, 2, 6) != 2)
							return 74;
				}
				pair[engine] = now_ns() - t0;
			}
			sb += pair[0];
			se += pair[1];
			ratio[nr++] = pair[1] / pair[0];
		}
		tb[r] = sb / ((double)pn * SLICES);
		te[r] = se / ((double)pn * SLICES);
	}
	double b = median(tb, rounds), em = median(te, rounds), ov = median(ratio, nr);
	printf("bare pread of config (2 bytes):           %7.0f ns\n", b);
	printf("device-backed read through the engine:    %7.0f ns  overhead %+.1f%% (median of %d adjacent-slice ratios; target <= 5%%)\n",
	       em, (ov - 1) * 100, nr);
	close(fd);
	vpci_emu_free(e);
	vpci_func_free(g);
	vpci_func_free(f);
	vpci_diag_free(d);
	return 0;
}
