/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * type.c - instance types: what the engines of one instance share
 *
 * An engine's rules (reset values, access planes, triggers, watched
 * registers, the instance itself) depend only on its instance.  They are
 * built once per instance and shared, read-only, by every engine and
 * snapshot backend of it: the registry below finds the type of an instance
 * by a hash of its content and func_same(), so engines share it whether
 * they were created from one parsed model or each from its own parse of
 * the same file.  A type lives while something holds a reference.
 *
 * The registry is a hash table under a lock made of one atomic flag (no
 * initialisation, and ThreadSanitizer sees the ordering): it is held for
 * a lookup and a comparison only, never while a type is built or freed.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <threads.h>

#include "emu_priv.h"

static atomic_flag reg_busy = ATOMIC_FLAG_INIT;
static struct emu_type **reg_tab; /* chains; a power-of-two number of them */
static size_t reg_size, reg_count;

static void reg_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&reg_busy, memory_order_acquire))
		thrd_yield();
}

static void reg_unlock(void)
{
	atomic_flag_clear_explicit(&reg_busy, memory_order_release);
}

/* The type of @f in the registry, with one more reference (locked). */
static struct emu_type *reg_find(uint64_t hash, const struct vpci_func *f)
{
	if (!reg_size)
		return NULL;
	for (struct emu_type *t = reg_tab[hash & (reg_size - 1)]; t; t = t->next) {
		if (t->hash == hash && func_same(t->f, f)) {
			t->refs++;
			return t;
		}
	}
	return NULL;
}

/* Grow to twice the chains when they average two types (locked); a
 * failure only leaves the chains longer. */
static void reg_grow(void)
{
	size_t n = reg_size ? reg_size * 2 : 64;
	struct emu_type **tab = calloc(n, sizeof(*tab));

	if (!tab)
		return;
	for (size_t i = 0; i < reg_size; i++) {
		for (struct emu_type *t = reg_tab[i], *next; t; t = next) {
			next = t->next;
			t->next = tab[t->hash & (n - 1)];
			tab[t->hash & (n - 1)] = t;
		}
	}
	free(reg_tab);
	reg_tab = tab;
	reg_size = n;
}

static void type_free(struct emu_type *t)
{
	if (!t)
		return;
	vpci_func_free(t->f);
	free(t);
}

static struct emu_type *type_build(const struct vpci_func *f, uint64_t hash)
{
	struct emu_type *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->hash = hash;
	t->refs = 1;
	t->f = vpci_func_dup(f);
	if (!t->f) {
		free(t);
		return NULL;
	}
	emu_type_fill(t);
	return t;
}

struct emu_type *emu_type_get(const struct vpci_func *f)
{
	uint64_t hash = func_hash(f);
	struct emu_type *t, *built;

	reg_lock();
	t = reg_find(hash, f);
	reg_unlock();
	if (t)
		return t;
	built = type_build(f, hash);
	if (!built)
		return NULL;
	reg_lock();
	t = reg_find(hash, f); /* built by another thread meanwhile */
	if (!t) {
		if (reg_count >= 2 * reg_size)
			reg_grow();
		if (reg_size) {
			size_t b = hash & (reg_size - 1);
			built->next = reg_tab[b];
			reg_tab[b] = built;
			reg_count++;
			t = built;
			built = NULL;
		}
	}
	reg_unlock();
	type_free(built);
	return t;
}

void emu_type_hold(struct emu_type *t)
{
	reg_lock();
	t->refs++;
	reg_unlock();
}

void emu_type_put(struct emu_type *t)
{
	if (!t)
		return;
	reg_lock();
	if (--t->refs) {
		reg_unlock();
		return;
	}
	struct emu_type **p = &reg_tab[t->hash & (reg_size - 1)];
	while (*p != t)
		p = &(*p)->next;
	*p = t->next;
	if (!--reg_count) {
		free(reg_tab);
		reg_tab = NULL;
		reg_size = 0;
	}
	reg_unlock();
	type_free(t);
}
