/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-util.h - what the benchmarks share: a clock in nanoseconds and the
 * median of a round's measurements.
 */
#ifndef VPCI_BENCH_UTIL_H
#define VPCI_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

/* @clock now, in nanoseconds (CLOCK_MONOTONIC: wall time;
 * CLOCK_THREAD_CPUTIME_ID: this thread's CPU time). */
static inline double bench_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int bench_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of @n values (sorts them). */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_d);
	return v[n / 2];
}

#endif /* VPCI_BENCH_UTIL_H */
