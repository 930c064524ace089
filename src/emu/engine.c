/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine.c - the emulation engine
 *
 * State is one atomic DWORD per config DWORD.  A read of virtual bits is
 * a bounds check and one atomic load (no lock).  A read touching
 * device-backed bits merges (virtual & ~device) | (backend & device).
 * Writes take the function's mutex, apply the access rules plane by
 * plane (PCIe r6.0 §7.4):
 *   RW: takes the written value      RW1C: a written 1 clears
 *   RO, HwInit, RsvdP: unchanged      RsvdZ: stays 0
 * send device-backed bits to the backend (and only those: the other bits
 * of the access carry the device's current value, RW1C bits 0), publish
 * each DWORD atomically, and then report what changed as events.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

static inline uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static inline uint32_t cur_get(struct vpci_emu *e, unsigned dw)
{
	return atomic_load_explicit(&e->cur[dw], memory_order_acquire);
}

static inline void cur_set(struct vpci_emu *e, unsigned dw, uint32_t v)
{
	atomic_store_explicit(&e->cur[dw], v, memory_order_release);
}

static void emit(struct vpci_emu *e, struct vpci_event *ev)
{
	if (e->ops.event)
		e->ops.event(e->opaque, ev);
}

/* --- reads ----------------------------------------------------------------- */

/* One piece inside a DWORD: @sh bit shift, @m mask at that shift. */
static int read_piece(struct vpci_emu *e, unsigned off, unsigned size, uint32_t *out)
{
	unsigned dw = off >> 2, sh = (off & 3) * 8;
	uint32_t m = size_mask(size) << sh;
	uint32_t v = cur_get(e, dw);

	if (e->dev[dw] & m) {
		uint32_t b = 0;
		int rc = emu_dev_read(e, off, size, &b); /* through the binding */
		if (rc)
			return rc;
		v = (v & ~e->dev[dw]) | ((b << sh) & e->dev[dw]);
	}
	*out = (v & m) >> sh;
	return 0;
}

int emu_read_merged(struct vpci_emu *e, unsigned off, unsigned size, uint32_t *val)
{
	uint32_t v = 0;
	unsigned done = 0;

	while (done < size) {
		unsigned o = off + done;
		unsigned n = 4 - (o & 3);
		uint32_t part = 0;
		if (n > size - done)
			n = size - done;
		if (o < e->size) {
			int rc = read_piece(e, o, n, &part);
			if (rc)
				return rc;
		}
		v |= part << (8 * done);
		done += n;
	}
	*val = v;
	return 0;
}

VPCI_EXPORT int vpci_emu_read(vpci_emu *e, unsigned off, unsigned size, uint32_t *val)
{
	if ((size != 1 && size != 2 && size != 4) || off >= VPCI_CFG_SIZE || off + size > VPCI_CFG_SIZE)
		return VPCI_ERANGE;
	unsigned dw = off >> 2, sh = (off & 3) * 8;
	/* fast path: inside one DWORD, no device-backed bit, inside the space */
	if ((off & 3) + size <= 4 && !e->dev_dw[dw] && off < e->size) {
		*val = (cur_get(e, dw) >> sh) & size_mask(size);
		return 0;
	}
	return emu_read_merged(e, off, size, val);
}

/* --- writes ---------------------------------------------------------------- */

static int write_piece(struct vpci_emu *e, unsigned off, unsigned size, uint32_t val)
{
	unsigned dw = off >> 2, sh = (off & 3) * 8;
	uint32_t m = size_mask(size) << sh;
	uint32_t v = val << sh;
	uint32_t old = cur_get(e, dw);
	uint32_t rw = e->rw[dw] & m, w1c = e->w1c[dw] & m;
	uint32_t nv = (old & ~rw) | (v & rw);

	nv &= ~(w1c & v);
	uint32_t devbits = e->dev[dw] & (rw | w1c);
	if (devbits) {
		/* the backend sees the guest's bits only where they are
		 * device-backed; elsewhere the device's own value (RW1C: 0) */
		uint32_t keep = m & ~devbits & ~e->w1c[dw];
		/* through the binding, only the bytes that hold devbits */
		int rc = emu_dev_write(e, off, size, v >> sh, devbits >> sh, keep >> sh);
		if (rc)
			return rc;
	}
	if (nv != old)
		cur_set(e, dw, (nv & ~e->dev[dw]) | (old & e->dev[dw]));
	return 0;
}

VPCI_EXPORT int vpci_emu_write(vpci_emu *e, unsigned off, unsigned size, uint32_t val)
{
	unsigned done = 0, kinds = 0;
	int rc = 0;

	if ((size != 1 && size != 2 && size != 4) || off >= VPCI_CFG_SIZE || off + size > VPCI_CFG_SIZE)
		return VPCI_ERANGE;
	wlock_lock(&e->lock);
	while (done < size && !rc) {
		unsigned o = off + done;
		unsigned n = 4 - (o & 3);
		if (n > size - done)
			n = size - done;
		if (o < e->size) {
			rc = write_piece(e, o, n, (val >> (8 * done)) & size_mask(n));
			kinds |= e->watch[o >> 2];
		}
		done += n;
	}
	if (kinds)
		emu_update(e, kinds);
	wlock_unlock(&e->lock);
	return rc;
}

/* --- events ---------------------------------------------------------------- */

static uint32_t rd(struct vpci_emu *e, unsigned off, unsigned size)
{
	uint32_t v = 0;

	emu_read_merged(e, off, size, &v);
	return v;
}

static void update_bars(struct vpci_emu *e)
{
	const struct vpci_func *f = e->f;
	uint16_t cmd = (uint16_t)rd(e, e->reg[RL_COMMAND], 2);

	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *b = &f->bar[i];
		if (i < ROM_INDEX && i >= func_nbars(f))
			continue;
		if (b->type == VPCI_BAR_NONE || b->type == VPCI_BAR_MEM64_HI)
			continue;
		unsigned off = func_bar_off(f, i);
		uint64_t addr;
		uint8_t en;
		if (i == ROM_INDEX) {
			uint32_t r = rd(e, off, 4);
			addr = r & 0xfffff800u;
			en = (cmd & 2) && (r & 1);
		} else if (b->type == VPCI_BAR_IO) {
			addr = rd(e, off, 4) & 0xfffffffcu;
			en = cmd & 1;
		} else {
			addr = rd(e, off, 4) & 0xfffffff0u;
			if (b->type == VPCI_BAR_MEM64)
				addr |= (uint64_t)rd(e, off + 4, 4) << 32;
			en = (cmd >> 1) & 1;
		}
		/* a mapping exists only while decode is on; with decode off
		 * an address change (BAR sizing) is not an event */
		if (en == e->bar[i].enabled && (!en || addr == e->bar[i].addr))
			continue;
		e->bar[i].enabled = en;
		e->bar[i].addr = addr;
		struct vpci_event ev = { .kind = VPCI_EV_BAR, .index = i, .addr = addr, .size = b->size,
					 .enabled = en };
		emit(e, &ev);
	}
}

/* Report a change of a register, remembered in last[slot]. */
static int changed(struct vpci_emu *e, unsigned slot, uint32_t v)
{
	if (e->last[slot] == v)
		return 0;
	e->last[slot] = v;
	return 1;
}

static void update_msi(struct vpci_emu *e)
{
	const uint16_t *r = e->reg;
	uint32_t ctl = rd(e, r[RL_MSI_CTL], 2);
	uint32_t lo = rd(e, r[RL_MSI_ADDR], 4), hi = r[RL_MSI_ADDR_HI] ? rd(e, r[RL_MSI_ADDR_HI], 4) : 0;
	uint32_t data = rd(e, r[RL_MSI_DATA], 2), mask = r[RL_MSI_MASK] ? rd(e, r[RL_MSI_MASK], 4) : 0;
	int ch = changed(e, L_MSI_CTL, ctl);

	ch |= changed(e, L_MSI_ADDR, lo);
	ch |= changed(e, L_MSI_ADDR_HI, hi);
	ch |= changed(e, L_MSI_DATA, data);
	ch |= changed(e, L_MSI_MASK, mask);
	if (!ch)
		return;
	struct vpci_event ev = { .kind = VPCI_EV_MSI, .index = 1u << ((ctl >> 4) & 7),
				 .addr = ((uint64_t)hi << 32) | lo, .enabled = ctl & 1, .masked = mask,
				 .data = data };
	emit(e, &ev);
}

static void update_msix(struct vpci_emu *e)
{
	uint32_t ctl = rd(e, e->reg[RL_MSIX_CTL], 2) & 0xc000;

	if (!changed(e, L_MSIX, ctl))
		return;
	struct vpci_event ev = { .kind = VPCI_EV_MSIX, .index = e->msix_n, .enabled = (ctl >> 15) & 1,
				 .masked = (ctl >> 14) & 1 };
	emit(e, &ev);
}

static void update_pm(struct vpci_emu *e)
{
	uint32_t pmcsr = rd(e, e->reg[RL_PMCSR], 2);
	uint32_t st = pmcsr & 3, old = e->last[L_PM];

	if (!changed(e, L_PM, st))
		return;
	struct vpci_event ev = { .kind = VPCI_EV_PM, .data = st, .old = old,
				 .enabled = (pmcsr >> 3) & 1 /* No_Soft_Reset */ };
	emit(e, &ev);
	/* D3hot -> D0 without No_Soft_Reset: the function resets its state
	 * (PCI-PM 1.2 §5.4; PCIe §5.3.1.4) */
	if (old == 3 && st == 0 && !(pmcsr & 0x8) && !e->in_reset)
		emu_reset_locked(e, VPCI_RESET_HOT, 0);
}

/* Initiate FLR (PCIe §6.6.2): reads 0; the function resets. */
static void do_flr(struct vpci_emu *e, unsigned reg, unsigned size, uint32_t bit)
{
	uint32_t v = rd(e, reg, size);

	if (!(v & bit))
		return;
	unsigned dw = reg >> 2, sh = (reg & 3) * 8;
	uint32_t w = cur_get(e, dw) & ~(bit << sh);
	cur_set(e, dw, w);
	emu_reset_locked(e, VPCI_RESET_FLR, 1);
	struct vpci_event ev = { .kind = VPCI_EV_FLR };
	emit(e, &ev);
}

/* Report a change of a 16-bit control register (@role) as @kind. */
static void update_ctl(struct vpci_emu *e, enum vpci_event_kind kind, unsigned slot, unsigned role,
		       uint32_t enable_bit)
{
	uint32_t v = rd(e, e->reg[role], 2), old = e->last[slot];

	if (!changed(e, slot, v))
		return;
	struct vpci_event ev = { .kind = kind, .data = v, .old = old, .enabled = (v & enable_bit) != 0 };
	emit(e, &ev);
}

void emu_update(struct vpci_emu *e, unsigned kinds)
{
	const uint16_t *r = e->reg;

	/* FLR capable: Device Capabilities bit 28 (PCIe §7.5.3.3), AF
	 * Capabilities bit 1 (PCI AF ECN) */
	if (kinds & W_DEVCTL && r[RL_DEVCTL] && r[RL_DEVCAP] && (rd(e, r[RL_DEVCAP], 4) & (1u << 28)))
		do_flr(e, r[RL_DEVCTL], 2, 0x8000);
	if (kinds & W_AF && r[RL_AF_CTL] && r[RL_AF_CAP] && (rd(e, r[RL_AF_CAP], 1) & 0x2))
		do_flr(e, r[RL_AF_CTL], 1, 0x1);
	if (kinds & W_CMD) {
		uint32_t v = rd(e, r[RL_COMMAND], 2), old = e->last[L_CMD];
		if (changed(e, L_CMD, v)) {
			struct vpci_event ev = { .kind = VPCI_EV_COMMAND, .data = v, .old = old,
						 .enabled = (v >> 2) & 1 /* bus master */ };
			emit(e, &ev);
		}
	}
	if (kinds & (W_BAR | W_CMD))
		update_bars(e);
	if ((kinds & W_MSI) && r[RL_MSI_CTL])
		update_msi(e);
	if ((kinds & W_MSIX) && r[RL_MSIX_CTL])
		update_msix(e);
	if ((kinds & W_PM) && r[RL_PMCSR])
		update_pm(e);
	if ((kinds & W_LINK) && r[RL_LINKCTL])
		update_ctl(e, VPCI_EV_LINK, L_LINK, RL_LINKCTL, 0);
	if ((kinds & W_PASID) && r[RL_PASID_CTL])
		update_ctl(e, VPCI_EV_PASID, L_PASID, RL_PASID_CTL, 0x1);
	if ((kinds & W_ATS) && r[RL_ATS_CTL])
		update_ctl(e, VPCI_EV_ATS, L_ATS, RL_ATS_CTL, 0x8000);
	if ((kinds & W_PRI) && r[RL_PRI_CTL])
		update_ctl(e, VPCI_EV_PRI, L_PRI, RL_PRI_CTL, 0x1);
	if ((kinds & W_SRIOV) && r[RL_SRIOV_CTL]) {
		uint32_t ctl = rd(e, r[RL_SRIOV_CTL], 2), num = r[RL_SRIOV_NUMVFS] ? rd(e, r[RL_SRIOV_NUMVFS], 2) : 0;
		uint32_t oldnum = e->last[L_SRIOV_NUM];
		int ch = changed(e, L_SRIOV_CTL, ctl);
		ch |= changed(e, L_SRIOV_NUM, num);
		if (ch) {
			struct vpci_event ev = { .kind = VPCI_EV_SRIOV, .data = num, .old = oldnum,
						 .enabled = ctl & 1 };
			emit(e, &ev);
		}
	}
}

/* --- reset ------------------------------------------------------------------- */

int emu_reset_locked(struct vpci_emu *e, enum vpci_reset kind, int call_backend)
{
	int rc = 0;

	e->in_reset = 1;
	for (unsigned dw = 0; dw < NDW; dw++) {
		uint32_t keep = kind == VPCI_RESET_COLD ? 0 : e->sticky[dw];
		cur_set(e, dw, (e->init[dw] & ~keep) | (cur_get(e, dw) & keep));
	}
	for (unsigned v = 0; v < e->msix_n; v++) {
		memset(&e->msix_table[4 * v], 0, 12);
		e->msix_table[4 * v + 3] = 1; /* Mask bit set at reset (PCIe §7.7.2.5) */
	}
	if (e->msix_n)
		memset(e->msix_pba, 0, ((e->msix_n + 63) / 64) * sizeof(uint64_t));
	if (call_backend && e->be.ops->reset)
		rc = e->be.ops->reset(e->be.ctx, kind);
	emu_update(e, W_CMD | W_BAR | W_MSI | W_MSIX | W_PM | W_LINK | W_PASID | W_ATS | W_PRI | W_SRIOV);
	e->in_reset = 0;
	return rc;
}

VPCI_EXPORT int vpci_emu_reset(vpci_emu *e, enum vpci_reset kind)
{
	int rc;

	if ((unsigned)kind > VPCI_RESET_COLD)
		return VPCI_EINVAL;
	wlock_lock(&e->lock);
	rc = emu_reset_locked(e, kind, 1);
	wlock_unlock(&e->lock);
	return rc;
}

/* --- MSI-X table and PBA ------------------------------------------------------ */

VPCI_EXPORT int vpci_emu_msix_table_read(vpci_emu *e, bool pba, unsigned off, unsigned size,
					 uint64_t *val)
{
	if (!e->msix_n)
		return VPCI_ENOENT;
	if ((size != 4 && size != 8) || (off & (size - 1)))
		return VPCI_ERANGE;
	wlock_lock(&e->lock);
	int rc = 0;
	if (pba) {
		unsigned n = (e->msix_n + 63) / 64;
		if (off + size > n * 8) {
			rc = VPCI_ERANGE;
		} else {
			uint64_t q = e->msix_pba[off / 8];
			*val = size == 8 ? q : (q >> ((off & 4) * 8)) & 0xffffffffu;
		}
	} else if (off + size > e->msix_n * 16) {
		rc = VPCI_ERANGE;
	} else {
		*val = e->msix_table[off / 4];
		if (size == 8)
			*val |= (uint64_t)e->msix_table[off / 4 + 1] << 32;
	}
	wlock_unlock(&e->lock);
	return rc;
}

VPCI_EXPORT int vpci_emu_msix_table_write(vpci_emu *e, unsigned off, unsigned size, uint64_t val)
{
	if (!e->msix_n)
		return VPCI_ENOENT;
	if ((size != 4 && size != 8) || (off & (size - 1)) || off + size > e->msix_n * 16)
		return VPCI_ERANGE;
	wlock_lock(&e->lock);
	for (unsigned k = 0; k < size / 4; k++) {
		unsigned i = off / 4 + k;
		uint32_t v = (uint32_t)(val >> (32 * k));
		uint32_t old = e->msix_table[i];
		if ((i & 3) == 3)
			v &= 1; /* Vector Control: only Mask is defined */
		e->msix_table[i] = v;
		if ((i & 3) == 3 && ((old ^ v) & 1)) {
			struct vpci_event ev = { .kind = VPCI_EV_MSIX, .index = i / 4, .masked = v & 1,
						 .enabled = (rd(e, e->reg[RL_MSIX_CTL], 2) >> 15) & 1,
						 .addr = e->msix_table[i - 3] | (uint64_t)e->msix_table[i - 2] << 32,
						 .data = e->msix_table[i - 1] };
			emit(e, &ev);
		}
	}
	wlock_unlock(&e->lock);
	return 0;
}

VPCI_EXPORT int vpci_emu_msix_set_pending(vpci_emu *e, unsigned vector, bool pending)
{
	if (!e->msix_n)
		return VPCI_ENOENT;
	if (vector >= e->msix_n)
		return VPCI_ERANGE;
	wlock_lock(&e->lock);
	if (pending)
		e->msix_pba[vector / 64] |= 1ull << (vector % 64);
	else
		e->msix_pba[vector / 64] &= ~(1ull << (vector % 64));
	wlock_unlock(&e->lock);
	return 0;
}

/* --- creation ------------------------------------------------------------------- */

VPCI_EXPORT const char *vpci_event_kind_name(enum vpci_event_kind kind)
{
	static const char *const names[VPCI_EV_COUNT] = {
		"bar", "command", "msi", "msix", "pm", "flr", "link", "pasid", "ats", "pri", "sriov"
	};
	return (unsigned)kind < VPCI_EV_COUNT ? names[kind] : "?";
}

/* The event group of each role's register, and whether a write to it
 * concerns that group (capability registers are read, not watched). */
static const struct {
	uint16_t group;
	uint8_t watched;
} roles[RL_COUNT] = {
	[RL_COMMAND] = { W_CMD, 1 },
	[RL_PMCSR] = { W_PM, 1 },
	[RL_MSI_CTL] = { W_MSI, 1 }, [RL_MSI_ADDR] = { W_MSI, 1 }, [RL_MSI_ADDR_HI] = { W_MSI, 1 },
	[RL_MSI_DATA] = { W_MSI, 1 }, [RL_MSI_MASK] = { W_MSI, 1 },
	[RL_MSIX_CTL] = { W_MSIX, 1 },
	[RL_DEVCAP] = { W_DEVCTL, 0 }, [RL_DEVCTL] = { W_DEVCTL, 1 },
	[RL_LINKCTL] = { W_LINK, 1 },
	[RL_AF_CAP] = { W_AF, 0 }, [RL_AF_CTL] = { W_AF, 1 },
	[RL_PASID_CTL] = { W_PASID, 1 },
	[RL_ATS_CTL] = { W_ATS, 1 },
	[RL_PRI_CTL] = { W_PRI, 1 },
	[RL_SRIOV_CTL] = { W_SRIOV, 1 }, [RL_SRIOV_NUMVFS] = { W_SRIOV, 1 },
};

static void watch(struct vpci_emu *e, unsigned off, unsigned len, unsigned kind)
{
	for (unsigned o = off & ~3u; o < off + len && o < VPCI_CFG_SIZE; o += 4)
		e->watch[o >> 2] |= (uint16_t)kind;
}

struct role_ctx {
	struct vpci_emu *e;
	int cap_of[16];   /* per group: the capability its registers come from */
};

/* The registers with a role, from the capability table.  All registers
 * of a group come from one capability: the first of its kind. */
static int find_role(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct role_ctx *rc = ctx;
	unsigned role = r->fd->role;

	(void)f;
	if (!role || r->inst || rc->e->reg[role])
		return 0;
	int *owner = &rc->cap_of[__builtin_ctz(roles[role].group)];
	if (*owner != INT32_MIN && *owner != r->cap)
		return 0;
	*owner = r->cap;
	rc->e->reg[role] = (uint16_t)r->off;
	if (roles[role].watched)
		watch(rc->e, r->off, r->fd->width, roles[role].group);
	return 0;
}

static void find_layout(struct vpci_emu *e)
{
	const struct vpci_func *f = e->f;

	for (unsigned i = 0; i < func_nbars(f); i++)
		if (f->bar[i].type != VPCI_BAR_NONE)
			watch(e, func_bar_off(f, i), 4, W_BAR);
	if (f->bar[ROM_INDEX].type != VPCI_BAR_NONE && f->kind != VPCI_KIND_CARDBUS)
		watch(e, func_bar_off(f, ROM_INDEX), 4, W_BAR);
	struct role_ctx rc = { e, { 0 } };
	for (unsigned g = 0; g < ARRAY_SIZE(rc.cap_of); g++)
		rc.cap_of[g] = INT32_MIN;
	func_foreach_field(f, find_role, &rc);
	if (e->reg[RL_MSIX_CTL])
		e->msix_n = (le16(f->val + e->reg[RL_MSIX_CTL]) & 0x7ff) + 1;
}

VPCI_EXPORT int vpci_emu_new(const vpci_func *f, const struct vpci_backend *be,
			     const struct vpci_emu_ops *ops, void *opaque, vpci_emu **out,
			     vpci_diag *d)
{
	struct vpci_emu *e;
	int rc;

	*out = NULL;
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *b = &f->bar[i];
		if ((i < ROM_INDEX && i >= func_nbars(f)) || b->type == VPCI_BAR_NONE ||
		    b->type == VPCI_BAR_MEM64_HI || b->size_known)
			continue;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, func_pos(f, b->loc, (int)func_bar_off(f, i)),
			 "%s %u has no size: give 'size' so that the guest can size it", i == ROM_INDEX ? "ROM" : "BAR", i);
		rc = VPCI_EDATA;
		if (be && be->ops && be->ops->destroy)
			be->ops->destroy(be->ctx);
		return rc;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return VPCI_ENOMEM;
	e->f = vpci_func_dup(f);
	if (!e->f) {
		free(e);
		return VPCI_ENOMEM;
	}
	wlock_init(&e->lock);
	if (be) {
		e->be = *be;
	} else if ((rc = vpci_backend_snapshot(f, &e->be))) {
		vpci_func_free(e->f);
		free(e);
		return rc;
	}
	/* bound before a single access: device-backed bytes go to the
	 * registers that back them (relocate.c, docs/binding.md) */
	if ((rc = emu_bind(e, f, be ? be->binding : NULL, d))) {
		vpci_emu_free(e);
		return rc;
	}
	if (ops)
		e->ops = *ops;
	e->opaque = opaque;
	e->size = f->size;
	for (unsigned dw = 0; dw < NDW; dw++) {
		unsigned o = dw * 4;
		e->init[dw] = le32(f->val + o);
		e->rw[dw] = le32(f->pl[VPCI_PL_RW] + o);
		e->w1c[dw] = le32(f->pl[VPCI_PL_RW1C] + o);
		e->sticky[dw] = le32(f->pl[VPCI_PL_STICKY] + o);
		e->dev[dw] = le32(f->pl[VPCI_PL_DEVICE] + o);
		/* RsvdZ bits read 0 and are never written */
		e->init[dw] &= ~le32(f->pl[VPCI_PL_RSVDZ] + o);
		e->rw[dw] &= ~le32(f->pl[VPCI_PL_RSVDZ] + o);
		e->dev_dw[dw] = e->dev[dw] != 0;
		atomic_init(&e->cur[dw], e->init[dw]);
	}
	find_layout(e);
	if (e->msix_n) {
		e->msix_table = calloc(e->msix_n, 16);
		e->msix_pba = calloc((e->msix_n + 63) / 64, sizeof(uint64_t));
		if (!e->msix_table || !e->msix_pba) {
			vpci_emu_free(e);
			return VPCI_ENOMEM;
		}
		for (unsigned v = 0; v < e->msix_n; v++)
			e->msix_table[4 * v + 3] = 1;
	}
	/* the initial state is the baseline: report only changes */
	wlock_lock(&e->lock);
	struct vpci_emu_ops none = { NULL };
	struct vpci_emu_ops saved = e->ops;
	e->ops = none;
	emu_update(e, W_CMD | W_BAR | W_MSI | W_MSIX | W_PM | W_LINK | W_PASID | W_ATS | W_PRI | W_SRIOV);
	e->ops = saved;
	wlock_unlock(&e->lock);
	*out = e;
	return 0;
}

VPCI_EXPORT void vpci_emu_free(vpci_emu *e)
{
	if (!e)
		return;
	if (e->be.ops && e->be.ops->destroy)
		e->be.ops->destroy(e->be.ctx);
	vpci_func_free(e->f);
	free(e->msix_table);
	free(e->msix_pba);
	free(e);
}
