/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snapshot.c - the default backend: a simulated device built from the
 * instance's own values and access planes, so that emulation runs with
 * no hardware.  It also polices the engine: a write that would change a
 * bit outside the mask it was given is refused (VPCI_EINVAL), which the
 * fuzz target turns into a failure.
 *
 * The device's own state is its current bytes; its reset values and
 * access planes are the instance's, read from the instance type it shares
 * with the engines of the same instance (type.c).
 */
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

struct snap {
	uint8_t val[VPCI_CFG_SIZE];
	const struct vpci_func *f;  /* the type's instance: reset values, planes */
	struct emu_type *t;
	struct elock lock;
	unsigned writes;
};

/* The device's reset value of byte @i: the instance's, RsvdZ bits 0. */
static uint8_t snap_init(const struct snap *s, unsigned i)
{
	return (uint8_t)(s->f->val[i] & ~s->f->pl[VPCI_PL_RSVDZ][i]);
}

static int snap_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	struct snap *s = ctx;

	if (off + size > VPCI_CFG_SIZE)
		return VPCI_ERANGE;
	elock_lock(&s->lock);
	*val = le_get(s->val + off, size);
	elock_unlock(&s->lock);
	return 0;
}

static int snap_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	struct snap *s = ctx;
	const uint8_t *rwp = s->f->pl[VPCI_PL_RW], *w1cp = s->f->pl[VPCI_PL_RW1C];
	int rc = 0;

	if (off + size > VPCI_CFG_SIZE)
		return VPCI_ERANGE;
	elock_lock(&s->lock);
	for (unsigned i = 0; i < size; i++) {
		uint8_t v = (uint8_t)(val >> (8 * i)), m = (uint8_t)(mask >> (8 * i));
		uint8_t cur = s->val[off + i];
		/* outside the mask: the device's own value, or 0 for RW1C */
		uint8_t out = (uint8_t)(~m & ~w1cp[off + i]);
		if ((v & out) != (cur & out) || (v & ~m & w1cp[off + i]))
			rc = VPCI_EINVAL;
		uint8_t rw = m & rwp[off + i], w1c = m & w1cp[off + i];
		s->val[off + i] = (uint8_t)(((cur & ~rw) | (v & rw)) & ~(w1c & v));
	}
	s->writes++;
	elock_unlock(&s->lock);
	return rc;
}

static int snap_reset(void *ctx, enum vpci_reset kind)
{
	struct snap *s = ctx;
	const uint8_t *sticky = s->f->pl[VPCI_PL_STICKY];

	elock_lock(&s->lock);
	for (unsigned i = 0; i < VPCI_CFG_SIZE; i++) {
		uint8_t keep = kind == VPCI_RESET_COLD ? 0 : sticky[i];
		s->val[i] = (uint8_t)((snap_init(s, i) & ~keep) | (s->val[i] & keep));
	}
	elock_unlock(&s->lock);
	return 0;
}

static void snap_destroy(void *ctx)
{
	struct snap *s = ctx;

	elock_destroy(&s->lock);
	emu_type_put(s->t);
	free(s);
}

static const struct vpci_backend_ops snap_ops = {
	.read = snap_read,
	.write = snap_write,
	.reset = snap_reset,
	.destroy = snap_destroy,
};

int emu_snapshot_new(struct emu_type *t, struct vpci_backend *out)
{
	struct snap *s = malloc(sizeof(*s));

	if (!s)
		return VPCI_ENOMEM;
	if (elock_init(&s->lock)) {
		free(s);
		return VPCI_ENOMEM;
	}
	s->f = t->f;
	s->writes = 0;
	for (unsigned i = 0; i < VPCI_CFG_SIZE; i++)
		s->val[i] = snap_init(s, i);
	emu_type_hold(t);
	s->t = t;
	out->ops = &snap_ops;
	out->ctx = s;
	out->binding = NULL; /* a simulated device of the instance itself */
	return 0;
}

VPCI_EXPORT int vpci_backend_snapshot(const vpci_func *f, struct vpci_backend *out)
{
	struct emu_type *t = emu_type_get(f);
	int rc;

	if (!t)
		return VPCI_ENOMEM;
	rc = emu_snapshot_new(t, out);
	emu_type_put(t);
	return rc;
}
