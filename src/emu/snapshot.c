/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * snapshot.c - the default backend: a simulated device built from the
 * instance's own values and access planes, so that emulation runs with
 * no hardware.  It also polices the engine: a write that would change a
 * bit outside the mask it was given is refused (VPCI_EINVAL), which the
 * fuzz target turns into a failure.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

struct snap {
	uint8_t val[VPCI_CFG_SIZE], init[VPCI_CFG_SIZE];
	uint8_t rw[VPCI_CFG_SIZE], w1c[VPCI_CFG_SIZE], sticky[VPCI_CFG_SIZE];
	struct elock lock;
	unsigned writes;
};

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
	int rc = 0;

	if (off + size > VPCI_CFG_SIZE)
		return VPCI_ERANGE;
	elock_lock(&s->lock);
	for (unsigned i = 0; i < size; i++) {
		uint8_t v = (uint8_t)(val >> (8 * i)), m = (uint8_t)(mask >> (8 * i));
		uint8_t cur = s->val[off + i];
		/* outside the mask: the device's own value, or 0 for RW1C */
		uint8_t out = (uint8_t)(~m & ~s->w1c[off + i]);
		if ((v & out) != (cur & out) || (v & ~m & s->w1c[off + i]))
			rc = VPCI_EINVAL;
		uint8_t rw = m & s->rw[off + i], w1c = m & s->w1c[off + i];
		s->val[off + i] = (uint8_t)(((cur & ~rw) | (v & rw)) & ~(w1c & v));
	}
	s->writes++;
	elock_unlock(&s->lock);
	return rc;
}

static int snap_reset(void *ctx, enum vpci_reset kind)
{
	struct snap *s = ctx;

	elock_lock(&s->lock);
	for (unsigned i = 0; i < VPCI_CFG_SIZE; i++) {
		uint8_t keep = kind == VPCI_RESET_COLD ? 0 : s->sticky[i];
		s->val[i] = (uint8_t)((s->init[i] & ~keep) | (s->val[i] & keep));
	}
	elock_unlock(&s->lock);
	return 0;
}

static void snap_destroy(void *ctx)
{
	struct snap *s = ctx;

	elock_destroy(&s->lock);
	free(s);
}

static const struct vpci_backend_ops snap_ops = {
	.read = snap_read,
	.write = snap_write,
	.reset = snap_reset,
	.destroy = snap_destroy,
};

VPCI_EXPORT int vpci_backend_snapshot(const vpci_func *f, struct vpci_backend *out)
{
	struct snap *s = calloc(1, sizeof(*s));

	if (!s)
		return VPCI_ENOMEM;
	if (elock_init(&s->lock)) {
		free(s);
		return VPCI_ENOMEM;
	}
	for (unsigned i = 0; i < VPCI_CFG_SIZE; i++) {
		s->init[i] = s->val[i] = (uint8_t)(f->val[i] & ~f->pl[VPCI_PL_RSVDZ][i]);
		s->rw[i] = f->pl[VPCI_PL_RW][i];
		s->w1c[i] = f->pl[VPCI_PL_RW1C][i];
		s->sticky[i] = f->pl[VPCI_PL_STICKY][i];
	}
	out->ops = &snap_ops;
	out->ctx = s;
	out->binding = NULL; /* a simulated device of the instance itself */
	return 0;
}
