/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-util.h - small helpers shared by the unit tests: parse an instance
 * (printing the diagnostics when it fails), read and write an emulated
 * function, store little-endian values into a crafted config space.
 * Include after <cmocka.h> and "vpci/vpci.h".
 */
#ifndef VPCI_UNIT_UTIL_H
#define VPCI_UNIT_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Little-endian stores into a config space being crafted. */
static inline void unit_put16(uint8_t *p, unsigned off, unsigned v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static inline void unit_put32(uint8_t *p, unsigned off, uint32_t v)
{
	unit_put16(p, off, v & 0xffff);
	unit_put16(p, off + 2, v >> 16);
}

/* Print every diagnostic of @d (cmocka's error stream). */
static inline void unit_print_diags(const vpci_diag *d)
{
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		char b[512];
		vpci_diag_format(vpci_diag_get(d, i), b, sizeof(b));
		print_error("%s\n", b);
	}
}

/* Parse @len bytes of @text (named @name) with @flags; the test fails,
 * showing the diagnostics, when it does not parse. */
static inline vpci_func *unit_parse(const char *text, size_t len, const char *name, unsigned flags)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	int rc = vpci_parse_buffer_flags(text, len, name, flags, &f, d);

	if (rc)
		unit_print_diags(d);
	vpci_diag_free(d);
	assert_int_equal(rc, 0);
	return f;
}

static inline uint32_t unit_rd(vpci_emu *e, unsigned off, unsigned size)
{
	uint32_t v = 0xdeadbeef;

	assert_int_equal(vpci_emu_read(e, off, size, &v), 0);
	return v;
}

static inline void unit_wr(vpci_emu *e, unsigned off, unsigned size, uint32_t v)
{
	assert_int_equal(vpci_emu_write(e, off, size, v), 0);
}

#endif /* VPCI_UNIT_UTIL_H */
