/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-threads.c - the concurrency contract of vpci/emu.h: several vCPU
 * threads read and write one function at once.  Writers store values
 * whose four bytes are equal; readers must never see a DWORD whose bytes
 * differ (a torn read) nor a value that was never written.  Run in the
 * ThreadSanitizer build of CI, it also proves the absence of data races.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdatomic.h>
#include <pthread.h>

#include <cmocka.h>

#include "vpci/vpci.h"

#define ITER 20000

static vpci_emu *e;
static atomic_int torn;

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
	const char *t = "vpci: 1\nname: threads\nfunction:\n"
			"  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
			"  raw:\n    - {offset: 0x44, bytes: \"00 00 00 00 00 00\", access: RW}\n";
	vpci_func *f = NULL;
	pthread_t th[6];

	(void)state;
	assert_int_equal(vpci_parse_buffer(t, strlen(t), "t.yaml", &f, NULL), 0);
	assert_int_equal(vpci_emu_new(f, NULL, NULL, NULL, &e, NULL), 0);
	vpci_func_free(f);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&th[i], NULL, i < 2 ? writer : reader, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&torn), 0);
	vpci_emu_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
