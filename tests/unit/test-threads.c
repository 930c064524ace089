/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-threads.c - the concurrency contract of vpci/emu.h: several vCPU
 * threads read and write one function at once.
 *
 *   - torn reads: writers store values whose four bytes are equal; readers
 *     must never see a DWORD whose bytes differ, nor a value never written;
 *   - lost updates: threads write single bytes of one DWORD, each its own
 *     byte, and read back what they wrote: a write that is not serialised
 *     with the others (a read-modify-write of the DWORD) loses bytes;
 *     the same through a backend whose write is a read-modify-write with
 *     a yield inside (emu.h: writes reach a backend under the lock), with
 *     overlapping backend calls counted directly;
 *   - events: MSI-X enable/function mask, Command and MSI-X vector masks
 *     toggled from several threads while others read; an event handler
 *     (which also reads the MSI-X table, as a VMM does) records the state
 *     the events describe, without a lock of its own: the engine delivers
 *     one thread at a time.  When all threads are done, the recorded state
 *     must be the registers' state.
 *
 * Run in the ThreadSanitizer build of CI, it also proves the absence of
 * data races.  Removing the engine's write lock makes it fail (lost
 * updates; TSan reports races on the MSI-X table and the event state).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sched.h>

#include <cmocka.h>

#include "vpci/vpci.h"

#define ITER 20000
#define BYTE_ITER 100000 /* enough for lost updates to show without TSan too */

static vpci_emu *e;
static atomic_int torn;

static vpci_func *parse(const char *t)
{
	vpci_func *f = NULL;

	assert_int_equal(vpci_parse_buffer(t, strlen(t), "t.yaml", &f, NULL), 0);
	return f;
}

/* The threads start together (a barrier), so that they overlap. */
static pthread_barrier_t start;

struct job {
	void *(*fn)(void *);
	uintptr_t id;
};

static void *started(void *arg)
{
	struct job *j = arg;

	pthread_barrier_wait(&start);
	return j->fn((void *)j->id);
}

static void run(void *(*fn[])(void *), unsigned n)
{
	pthread_t th[8];
	struct job jobs[8];

	assert_true(n <= 8);
	assert_int_equal(pthread_barrier_init(&start, NULL, n), 0);
	for (unsigned i = 0; i < n; i++) {
		jobs[i].fn = fn[i];
		jobs[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, started, &jobs[i]), 0);
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
}

/* --- torn reads ---------------------------------------------------------------- */

static void *writer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < ITER; i++) {
		uint32_t b = (id * 37 + i) & 0xff;
		vpci_emu_write(e, 0x44, 4, b * 0x01010101u);
		vpci_emu_write(e, 0x48, 2, b * 0x0101u);
		if (!(i % 1000))
			vpci_emu_reset(e, VPCI_RESET_HOT);
	}
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ITER * 2; i++) {
		uint32_t v = 0;
		vpci_emu_read(e, 0x44, 4, &v);
		if ((v & 0xff) * 0x01010101u != v)
			atomic_fetch_add(&torn, 1);
		vpci_emu_read(e, 0x48, 2, &v);
		if ((v & 0xff) * 0x0101u != v)
			atomic_fetch_add(&torn, 1);
		vpci_emu_read(e, 0x00, 4, &v);
		if (v != 0x56781234u)
			atomic_fetch_add(&torn, 1);
	}
	return NULL;
}

static void test_concurrent_access(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: threads\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  raw:\n    - {offset: 0x44, bytes: \"00 00 00 00 00 00\", access: RW}\n");
	void *(*fn[6])(void *) = { writer, writer, reader, reader, reader, reader };

	(void)state;
	atomic_store(&torn, 0);
	assert_int_equal(vpci_emu_new(f, NULL, NULL, NULL, &e, NULL), 0);
	vpci_func_free(f);
	run(fn, 6);
	assert_int_equal(atomic_load(&torn), 0);
	vpci_emu_free(e);
}

/* --- lost updates ---------------------------------------------------------------- */

static atomic_int lost;

/* Thread k owns byte k of the DWORD at 0x44 (and of the device-backed
 * one at 0x48): nobody else writes it, so it reads back what was
 * written. */
static void *byte_writer(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < BYTE_ITER; i++) {
		uint32_t b = (i * 7 + k) & 0xff, v = 0;
		for (unsigned off = 0x44; off <= 0x48; off += 4) {
			vpci_emu_write(e, off + k, 1, b);
			vpci_emu_read(e, off + k, 1, &v);
			if (v != b)
				atomic_fetch_add(&lost, 1);
		}
	}
	return NULL;
}

static void test_byte_writes_one_dword(void **state)
{
	vpci_func *f = parse("vpci: 1\nname: bytes\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  raw:\n    - {offset: 0x44, bytes: \"00 00 00 00\", access: RW}\n"
			     "    - {offset: 0x48, bytes: \"00 00 00 00\", access: RW, backing: device}\n");
	void *(*fn[4])(void *) = { byte_writer, byte_writer, byte_writer, byte_writer };
	uint32_t v;

	(void)state;
	atomic_store(&lost, 0);
	assert_int_equal(vpci_emu_new(f, NULL, NULL, NULL, &e, NULL), 0);
	vpci_func_free(f);
	run(fn, 4);
	if (atomic_load(&lost))
		print_error("%d byte writes were lost\n", atomic_load(&lost));
	assert_int_equal(atomic_load(&lost), 0);
	/* every thread's last byte is there */
	uint32_t want = 0;
	for (unsigned k = 0; k < 4; k++)
		want |= (((BYTE_ITER - 1) * 7 + k) & 0xffu) << (8 * k);
	assert_int_equal(vpci_emu_read(e, 0x44, 4, &v), 0);
	assert_int_equal(v, want);
	assert_int_equal(vpci_emu_read(e, 0x48, 4, &v), 0);
	assert_int_equal(v, want);
	vpci_emu_free(e);
}

/* --- events under contention ----------------------------------------------------- */

#define NVEC 8

/* A backend that, as the contract allows, does a plain read-modify-write
 * of its own DWORD with a yield inside: the engine's lock must serialise
 * its writes (emu.h: @write is called with the lock held).  Overlapping
 * calls are counted directly, and the bytes must survive. */
static atomic_int in_write, overlaps;
static _Atomic uint32_t dev_dword; /* reads may race with writes: relaxed */

static int slow_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	(void)ctx;
	*val = off >= 0x48 && off < 0x4c ? (atomic_load_explicit(&dev_dword, memory_order_relaxed) >> (8 * (off & 3))) & (size == 4 ? ~0u : (1u << (8 * size)) - 1) : 0;
	return 0;
}

static int slow_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	(void)ctx;
	if (off < 0x48 || off >= 0x4c)
		return 0;
	if (atomic_fetch_add(&in_write, 1))
		atomic_fetch_add(&overlaps, 1);
	unsigned sh = 8 * (off & 3);
	uint32_t m = (size == 4 ? ~0u : (1u << (8 * size)) - 1) << sh;
	uint32_t old = atomic_load_explicit(&dev_dword, memory_order_relaxed);
	sched_yield(); /* a load and a store, not one atomic step */
	atomic_store_explicit(&dev_dword, (old & ~(mask << sh & m)) | (val << sh & mask << sh & m),
			      memory_order_relaxed);
	atomic_fetch_sub(&in_write, 1);
	return 0;
}

static void *slow_writer(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < 2000; i++) {
		uint32_t b = (i * 7 + k) & 0xff, v = 0;
		vpci_emu_write(e, 0x48 + k, 1, b);
		vpci_emu_read(e, 0x48 + k, 1, &v);
		if (v != b)
			atomic_fetch_add(&lost, 1);
	}
	return NULL;
}

static void test_backend_writes_serialised(void **state)
{
	static const struct vpci_backend_ops ops = { slow_read, slow_write, NULL, NULL, 0, NULL };
	struct vpci_backend be = { &ops, NULL, NULL };
	vpci_func *f = parse("vpci: 1\nname: slow\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  raw:\n    - {offset: 0x48, bytes: \"00 00 00 00\", access: RW, backing: device}\n");
	void *(*fn[4])(void *) = { slow_writer, slow_writer, slow_writer, slow_writer };

	(void)state;
	atomic_store(&lost, 0);
	atomic_store(&overlaps, 0);
	atomic_store(&dev_dword, 0);
	assert_int_equal(vpci_emu_new(f, &be, NULL, NULL, &e, NULL), 0);
	vpci_func_free(f);
	run(fn, 4);
	if (atomic_load(&overlaps) || atomic_load(&lost))
		print_error("%d overlapping backend writes, %d bytes lost\n", atomic_load(&overlaps),
			    atomic_load(&lost));
	assert_int_equal(atomic_load(&overlaps), 0);
	assert_int_equal(atomic_load(&lost), 0);
	vpci_emu_free(e);
}

/* What the events said last.  Written by the handler only, with no lock:
 * the engine delivers one thread at a time. */
static struct {
	uint32_t cmd;
	int msix_enabled, msix_masked;
	int vec_masked[NVEC];
	unsigned events, bad;
} seen;

static void on_event(void *opaque, const struct vpci_event *ev)
{
	uint64_t q;

	(void)opaque;
	seen.events++;
	if (ev->kind == VPCI_EV_BAR) {
		/* BAR 0 stays at address 0: never mapped */
		seen.bad++;
	} else if (ev->kind == VPCI_EV_COMMAND) {
		seen.cmd = ev->data;
	} else if (ev->kind == VPCI_EV_MSIX && ev->index == NVEC) {
		/* function-level: enable and function mask (index = the table
		 * size) */
		seen.msix_enabled = ev->enabled;
		seen.msix_masked = (int)ev->masked;
	} else if (ev->kind == VPCI_EV_MSIX_VECTOR && ev->index < NVEC) {
		seen.vec_masked[ev->index] = (int)ev->masked;
		/* a VMM reads the entry it routes, from the handler */
		if (vpci_emu_msix_table_read(e, false, 16 * ev->index + 12, 4, &q))
			seen.bad++;
	} else {
		seen.bad++;
	}
}

static void *msix_toggler(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ITER / 4; i++)
		vpci_emu_write(e, 0x62, 2, (i & 3) << 14); /* enable, function mask */
	return NULL;
}

static void *command_toggler(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ITER / 4; i++)
		vpci_emu_write(e, 0x04, 2, (i & 1) ? 0x0006 : 0x0002);
	return NULL;
}

static void *vector_toggler(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < ITER / 4; i++) {
		unsigned v = (i + id) % NVEC;
		vpci_emu_msix_table_write(e, 16 * v, 8, 0xfee00000ull + v);
		vpci_emu_msix_table_write(e, 16 * v + 8, 4, v);
		vpci_emu_msix_table_write(e, 16 * v + 12, 4, (i >> 3) & 1);
		if (!(i % 64))
			vpci_emu_msix_set_pending(e, v, i & 64);
	}
	return NULL;
}

static void *event_reader(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ITER / 2; i++) {
		uint32_t v = 0;
		uint64_t q = 0;
		vpci_emu_read(e, 0x60, 4, &v);
		vpci_emu_msix_table_read(e, false, 16 * (i % NVEC), 8, &q);
		vpci_emu_msix_table_read(e, true, 0, 8, &q);
	}
	return NULL;
}

static void test_events_under_contention(void **state)
{
	static const struct vpci_emu_ops ops = { on_event };
	vpci_func *f = parse("vpci: 1\nname: events\nfunction:\n"
			     "  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			     "  bars:\n    - {index: 0, type: mem32, size: 16KiB}\n"
			     "  capabilities:\n"
			     "    - {type: msix, offset: 0x60, fields: {message-control: 0x0007, table: 0x2000, pba: 0x3000}}\n");
	void *(*fn[6])(void *) = { msix_toggler, command_toggler, vector_toggler, vector_toggler, event_reader,
				  event_reader };
	uint32_t v;
	uint64_t q;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	for (unsigned i = 0; i < NVEC; i++)
		seen.vec_masked[i] = 1; /* masked at reset */
	assert_int_equal(vpci_emu_new(f, NULL, &ops, NULL, &e, NULL), 0);
	vpci_func_free(f);
	run(fn, 6);
	assert_true(seen.events > 0);
	assert_int_equal(seen.bad, 0);
	assert_int_equal(vpci_emu_read(e, 0x04, 2, &v), 0);
	assert_int_equal(seen.cmd, v);
	assert_int_equal(vpci_emu_read(e, 0x62, 2, &v), 0);
	assert_int_equal(seen.msix_enabled, (v >> 15) & 1);
	assert_int_equal(seen.msix_masked, (v >> 14) & 1);
	for (unsigned i = 0; i < NVEC; i++) {
		assert_int_equal(vpci_emu_msix_table_read(e, false, 16 * i + 12, 4, &q), 0);
		assert_int_equal(seen.vec_masked[i], (int)q);
	}
	print_message("%u events delivered\n", seen.events);
	vpci_emu_free(e);
}

/* --- instance types: engines of one instance created and freed at once ----------- */

#define TYPE_ITER 300

static vpci_func *type_f[2];
static atomic_int type_bad;

/* Engines of two instances (another per thread parity) created and freed
 * against the other threads: the shared rules are found, built and
 * dropped under contention, and every engine reads its instance. */
static void *type_churn(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	vpci_emu *mine[4] = { NULL };

	for (unsigned i = 0; i < TYPE_ITER; i++) {
		unsigned k = i % 4, which = (id + i) & 1;
		uint32_t v = 0;
		vpci_emu_free(mine[k]);
		mine[k] = NULL;
		if (vpci_emu_new(type_f[which], NULL, NULL, NULL, &mine[k], NULL)) {
			atomic_fetch_add(&type_bad, 1);
			continue;
		}
		vpci_emu_read(mine[k], 0x00, 4, &v);
		if (v != (which ? 0x56781234u : 0x43211234u))
			atomic_fetch_add(&type_bad, 1);
		vpci_emu_write(mine[k], 0x04, 2, 0x0002);
	}
	for (unsigned k = 0; k < 4; k++)
		vpci_emu_free(mine[k]);
	return NULL;
}

static void test_types_under_contention(void **state)
{
	void *(*fn[])(void *) = { type_churn, type_churn, type_churn, type_churn };

	(void)state;
	type_f[0] = parse("vpci: 1\nname: a\nfunction:\n  header: {vendor-id: 0x1234, device-id: 0x4321}\n");
	type_f[1] = parse("vpci: 1\nname: b\nfunction:\n  header: {vendor-id: 0x1234, device-id: 0x5678}\n");
	run(fn, 4);
	assert_int_equal(atomic_load(&type_bad), 0);
	vpci_func_free(type_f[0]);
	vpci_func_free(type_f[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_access),
		cmocka_unit_test(test_byte_writes_one_dword),
		cmocka_unit_test(test_backend_writes_serialised),
		cmocka_unit_test(test_events_under_contention),
		cmocka_unit_test(test_types_under_contention),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
