/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * matrix-util.h - the variants of the change matrix (matrix.h) as text and
 * as models, for test-abi and test-migrate.  Include after <cmocka.h> and
 * "vpci/vpci.h".
 */
#ifndef VPCI_TEST_MATRIX_UTIL_H
#define VPCI_TEST_MATRIX_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/unit-util.h"
#include "matrix.h"

/* The text of variant @i (-1: the base); caller frees. */
static inline char *matrix_variant_text(int i)
{
	char *s = strdup(matrix_base);
	const struct matrix_change *m = i >= 0 ? &matrix_changes[i] : NULL;

	assert_non_null(s);
	for (int k = 0; m && k < 2; k++) {
		const char *find = k ? m->find2 : m->find, *repl = k ? m->repl2 : m->repl;
		if (!find)
			continue;
		char *at = strstr(s, find);
		if (!at || strstr(at + 1, find))
			fail_msg("change %s: '%s' must occur once in the base", m->name, find);
		size_t pre = (size_t)(at - s), fl = strlen(find), rl = strlen(repl);
		char *n = malloc(strlen(s) - fl + rl + 1);
		assert_non_null(n);
		memcpy(n, s, pre);
		memcpy(n + pre, repl, rl);
		strcpy(n + pre + rl, at + fl);
		free(s);
		s = n;
	}
	return s;
}

/* Variant @i parsed (named after its change). */
static inline vpci_func *matrix_variant(int i)
{
	char *t = matrix_variant_text(i);
	char name[64];

	snprintf(name, sizeof(name), "%s.yaml", i < 0 ? "base" : matrix_changes[i].name);
	vpci_func *f = unit_parse(t, strlen(t), name, 0);
	free(t);
	return f;
}

#endif /* VPCI_TEST_MATRIX_UTIL_H */
