/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine.c - the emulation engine
 *
 * State is one atomic DWORD per config DWORD.  A read of virtual bits is
 * a bounds check and one atomic load (no lock).  A read touching
 * device-backed bits merges (virtual & ~device) | (backend & device).
 * Writes take the function's state lock, apply the access rules plane by
 * plane (PCIe r6.0 §7.4):
 *   RW: takes the written value      RW1C: a written 1 clears
 *   RO, HwInit, RsvdP: unchanged      RsvdZ: stays 0, also when the
 *                                     instance backs it by the device
 * send device-backed bits to the backend (and only those: the other bits
 * of the access carry the device's current value, RW1C and RsvdZ bits 0),
 * publish each DWORD atomically, act on side effects (FLR, a power state
 * transition that resets, MSI Multiple Message Enable above Capable), and
 * mark what changed.  After the state lock is released the changes are
 * reported as events, by one thread at a time (the delivery lock), so a
 * handler may call back into the same function.
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

/* --- the lock (see emu_priv.h) ------------------------------------------------ */

int elock_init(struct elock *l)
{
	atomic_init(&l->state, 0);
	if (mtx_init(&l->m, mtx_plain) != thrd_success)
		return VPCI_ENOMEM;
	if (cnd_init(&l->c) != thrd_success) {
		mtx_destroy(&l->m);
		return VPCI_ENOMEM;
	}
	return 0;
}

void elock_destroy(struct elock *l)
{
	cnd_destroy(&l->c);
	mtx_destroy(&l->m);
}

void elock_wait(struct elock *l)
{
	mtx_lock(&l->m);
	while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) != 0)
		cnd_wait(&l->c, &l->m);
	mtx_unlock(&l->m);
}

void elock_wake(struct elock *l)
{
	mtx_lock(&l->m);
	cnd_signal(&l->c);
	mtx_unlock(&l->m);
}

/* Mark event groups for the next delivery (locked).  Without an event
 * callback nobody listens and nothing is tracked. */
static void mark(struct vpci_emu *e, unsigned kinds)
{
	if (e->ops.event)
		e->dirty |= kinds;
}

static void mark_vector(struct vpci_emu *e, unsigned v)
{
	if (!e->ops.event)
		return;
	e->msix_dirty[v / 64] |= 1ull << (v % 64);
	e->dirty |= W_VEC;
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

/* An access of @size bytes at @off inside config space (0..4095). */
static int cfg_range_ok(unsigned off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && off < VPCI_CFG_SIZE && size <= VPCI_CFG_SIZE - off;
}

VPCI_EXPORT int vpci_emu_read(vpci_emu *e, unsigned off, unsigned size, uint32_t *val)
{
	if (!cfg_range_ok(off, size))
		return VPCI_ERANGE;
	unsigned dw = off >> 2, sh = (off & 3) * 8;
	/* fast path: inside one DWORD, no device-backed bit, inside the space */
	if ((off & 3) + size <= 4 && !((e->dev_dws[dw / 64] >> (dw % 64)) & 1) && off < e->size) {
		*val = (cur_get(e, dw) >> sh) & size_mask(size);
		return 0;
	}
	return emu_read_merged(e, off, size, val);
}

static uint32_t rd(struct vpci_emu *e, unsigned off, unsigned size)
{
	uint32_t v = 0;

	emu_read_merged(e, off, size, &v);
	return v;
}

/* --- side effects ------------------------------------------------------------ */

/* MSI Multiple Message Enable above Multiple Message Capable (or above 32
 * vectors, the largest encoding that is not reserved) is clamped to it, as
 * a function allocates at most what it is capable of (PCIe §7.7.1.2):
 * the guest never reads back a reserved or impossible value.  A
 * device-backed field is the device's. */
static void clamp_msi(struct vpci_emu *e)
{
	unsigned reg = e->reg[RL_MSI_CTL];

	if (!reg)
		return;
	uint32_t ctl = rd(e, reg, 2);
	unsigned mmc = MSI_CTL_MMC(ctl), mme = MSI_CTL_MME(ctl);
	if (mmc > 5)
		mmc = 5;
	unsigned dw = reg >> 2, sh = (reg & 3) * 8 + 4;
	uint32_t bits = 7u << sh;
	if (mme <= mmc || (e->dev[dw] & bits))
		return;
	cur_set(e, dw, (cur_get(e, dw) & ~bits) | (mmc << sh));
}

static unsigned pm_state_now(struct vpci_emu *e)
{
	return e->reg[RL_PMCSR] ? rd(e, e->reg[RL_PMCSR], 2) & 3 : 0;
}

/* Restore the instance's values (sticky bits kept unless cold), mask
 * every MSI-X vector and clear the PBA (PCIe §7.7.2.5), reset the backend
 * when asked (locked). */
static int reset_state(struct vpci_emu *e, enum vpci_reset kind, int call_backend)
{
	int rc = 0;

	if (e->vpf && e->vfs_up)
		e->vf_cycle = 1; /* a PF reset takes its VFs away (§9.3.3.3.1) */
	for (unsigned dw = 0; dw < NDW; dw++) {
		uint32_t keep = kind == VPCI_RESET_COLD ? 0 : e->sticky[dw];
		cur_set(e, dw, (e->init[dw] & ~keep) | (cur_get(e, dw) & keep));
	}
	for (unsigned v = 0; v < e->msix_n; v++) {
		memset(&e->msix_table[4 * v], 0, 12);
		e->msix_table[4 * v + 3] = 1;
		mark_vector(e, v);
	}
	if (e->msix_n)
		memset(e->msix_pba, 0, ((e->msix_n + 63) / 64) * sizeof(uint64_t));
	if (call_backend && e->be.ops->reset)
		rc = e->be.ops->reset(e->be.ctx, kind);
	clamp_msi(e);
	e->pm_state = (uint8_t)pm_state_now(e);
	mark(e, W_ALL);
	return rc;
}

/* D3hot -> D0 without No_Soft_Reset: the function resets its state
 * (PCI-PM 1.2 §5.4; PCIe §5.3.1.4).  The device, if it backs the power
 * state, resets itself. */
static void pm_transition(struct vpci_emu *e)
{
	unsigned reg = e->reg[RL_PMCSR];

	if (!reg)
		return;
	uint32_t pmcsr = rd(e, reg, 2);
	unsigned st = pmcsr & 3;
	if (e->pm_state == 3 && st == 0 && !(pmcsr & 0x8))
		reset_state(e, VPCI_RESET_HOT, 0);
	else
		e->pm_state = (uint8_t)st;
}

/* --- writes ---------------------------------------------------------------- */

static int write_piece(struct vpci_emu *e, unsigned off, unsigned size, uint32_t val, int *flr)
{
	unsigned dw = off >> 2, sh = (off & 3) * 8;
	uint32_t m = size_mask(size) << sh;
	uint32_t v = val << sh;
	uint32_t old = cur_get(e, dw);
	uint32_t rw = e->rw[dw] & m, w1c = e->w1c[dw] & m;
	uint32_t nv = (old & ~rw) | (v & rw);

	nv &= ~(w1c & v);
	/* Initiate FLR and its kind: a written 1 acts, the bit reads 0 */
	if (v & e->trig[dw] & m)
		*flr = 1;
	nv &= ~e->trig[dw];
	uint32_t devbits = e->dev[dw] & (rw | w1c);
	if (devbits) {
		/* the backend sees the guest's bits only where they are
		 * device-backed; elsewhere the device's own value (RW1C and
		 * RsvdZ: 0); through the binding, only the bytes that hold
		 * devbits */
		uint32_t keep = m & ~devbits & ~e->w1c[dw] & ~e->rsvdz[dw];
		int rc = emu_dev_write(e, off, size, v >> sh, devbits >> sh, keep >> sh);
		if (rc)
			return rc;
	}
	if (nv != old)
		cur_set(e, dw, (nv & ~e->dev[dw]) | (old & e->dev[dw]));
	return 0;
}

/* A virtual PF's NumVFs (PCIe §9.3.3.7): written while VF Enable is Set,
 * or above TotalVFs, the results are undefined; vpci keeps the value it
 * had.  VF Enable cleared (§9.3.3.3.1) takes its VFs away, even when it is
 * set again before the VMM heard of it (locked). */
static void sriov_rules(struct vpci_emu *e, uint32_t old_ctl, uint32_t old_num)
{
	uint32_t ctl = rd(e, e->sr.ctl, 2), num = rd(e, e->sr.num, 2), total = rd(e, e->sr.total, 2);
	unsigned dw = e->sr.num >> 2, sh = (e->sr.num & 3) * 8;

	if (num != old_num && ((old_ctl & SRIOV_CTL_VF_ENABLE) || num > total) && !(e->dev[dw] & (0xffffu << sh)))
		cur_set(e, dw, (cur_get(e, dw) & ~(0xffffu << sh)) | (old_num << sh));
	if ((old_ctl & SRIOV_CTL_VF_ENABLE) && !(ctl & SRIOV_CTL_VF_ENABLE) && e->vfs_up)
		e->vf_cycle = 1;
}

VPCI_EXPORT int vpci_emu_write(vpci_emu *e, unsigned off, unsigned size, uint32_t val)
{
	unsigned done = 0, kinds = 0;
	int rc = 0, flr = 0;
	uint32_t old_ctl = 0, old_num = 0;

	if (!cfg_range_ok(off, size))
		return VPCI_ERANGE;
	elock_lock(&e->lock);
	if (e->vpf) {
		old_ctl = rd(e, e->sr.ctl, 2);
		old_num = rd(e, e->sr.num, 2);
	}
	while (done < size && !rc) {
		unsigned o = off + done;
		unsigned n = 4 - (o & 3);
		if (n > size - done)
			n = size - done;
		if (o < e->size) {
			rc = write_piece(e, o, n, (val >> (8 * done)) & size_mask(n), &flr);
			kinds |= e->watch[o >> 2];
		}
		done += n;
	}
	if (flr) {
		int rrc = reset_state(e, VPCI_RESET_FLR, 1);
		if (!rc)
			rc = rrc;
		if (e->ops.event)
			e->flr_pending++;
	} else {
		if (kinds & W_MSI)
			clamp_msi(e);
		if (kinds & W_PM)
			pm_transition(e);
		if ((kinds & W_SRIOV) && e->vpf)
			sriov_rules(e, old_ctl, old_num);
		mark(e, kinds);
	}
	emu_unlock_deliver(e);
	return rc;
}

VPCI_EXPORT void vpci_emu_set_routing_id(vpci_emu *e, uint16_t rid)
{
	elock_lock(&e->lock);
	e->rid = rid;
	elock_unlock(&e->lock);
}

/* --- events ---------------------------------------------------------------- */

struct evbuf {
	struct vpci_event ev[32];
	unsigned n;
};

static void put_ev(struct evbuf *b, const struct vpci_event *ev)
{
	b->ev[b->n++] = *ev;
}

/* A BAR maps only when its decode is on, its address is not 0 and its
 * region ends below the top of its address space (4 GiB for I/O, 32-bit
 * memory and the ROM; 2^64 for 64-bit memory): the value a guest writes
 * to size a BAR (all ones) never maps. */
static int bar_maps(uint64_t addr, uint64_t size, int is64)
{
	uint64_t top = is64 ? UINT64_MAX : 0xffffffffu;

	return addr && size && addr <= top && size - 1 < top - addr;
}

static void update_bars(struct vpci_emu *e, struct evbuf *b)
{
	const struct vpci_func *f = e->f;
	uint16_t cmd = (uint16_t)rd(e, e->reg[RL_COMMAND], 2);

	/* Memory Space Enable read-only in a function with memory BARs: a VF
	 * presented as a VF, whose BARs the PF's VF MSE decodes (PCIe
	 * §9.3.4.1.3); they decode whenever they hold an address */
	if (!(le16(f->pl[VPCI_PL_RW] + e->reg[RL_COMMAND]) & CFG_COMMAND_MEMORY))
		cmd |= CFG_COMMAND_MEMORY;

	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *bi = &f->bar[i];
		if (i < ROM_INDEX && i >= func_nbars(f))
			continue;
		if (bi->type == VPCI_BAR_NONE || bi->type == VPCI_BAR_MEM64_HI)
			continue;
		unsigned off = func_bar_off(f, i);
		uint64_t addr;
		uint8_t en;
		if (i == ROM_INDEX) {
			uint32_t r = rd(e, off, 4);
			addr = r & 0xfffff800u;
			en = (cmd & 2) && (r & 1);
		} else if (bi->type == VPCI_BAR_IO) {
			addr = rd(e, off, 4) & 0xfffffffcu;
			en = cmd & 1;
		} else {
			addr = rd(e, off, 4) & 0xfffffff0u;
			if (bi->type == VPCI_BAR_MEM64)
				addr |= (uint64_t)rd(e, off + 4, 4) << 32;
			en = (cmd >> 1) & 1;
		}
		en = en && bar_maps(addr, bi->size, bi->type == VPCI_BAR_MEM64);
		/* a mapping exists only while it maps; an address change while
		 * it does not (BAR sizing) is not an event */
		if (en == e->bar[i].enabled && (!en || addr == e->bar[i].addr))
			continue;
		e->bar[i].enabled = en;
		e->bar[i].addr = addr;
		struct vpci_event ev = { .kind = VPCI_EV_BAR, .index = i, .addr = addr, .size = bi->size,
					 .enabled = en };
		put_ev(b, &ev);
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

static void update_msi(struct vpci_emu *e, struct evbuf *b)
{
	const uint16_t *r = e->reg;
	uint32_t ctl = rd(e, r[RL_MSI_CTL], 2);
	uint32_t lo = rd(e, r[RL_MSI_ADDR], 4), hi = r[RL_MSI_ADDR_HI] ? rd(e, r[RL_MSI_ADDR_HI], 4) : 0;
	uint32_t data = rd(e, r[RL_MSI_DATA], 2), mask = r[RL_MSI_MASK] ? rd(e, r[RL_MSI_MASK], 4) : 0;
	unsigned mmc = MSI_CTL_MMC(ctl), mme = MSI_CTL_MME(ctl);
	int ch = changed(e, L_MSI_CTL, ctl);

	ch |= changed(e, L_MSI_ADDR, lo);
	ch |= changed(e, L_MSI_ADDR_HI, hi);
	ch |= changed(e, L_MSI_DATA, data);
	ch |= changed(e, L_MSI_MASK, mask);
	if (!ch)
		return;
	if (mmc > 5)
		mmc = 5;
	struct vpci_event ev = { .kind = VPCI_EV_MSI, .index = 1u << (mme < mmc ? mme : mmc),
				 .addr = ((uint64_t)hi << 32) | lo, .enabled = ctl & 1, .masked = mask,
				 .data = data };
	put_ev(b, &ev);
}

static void update_msix(struct vpci_emu *e, struct evbuf *b)
{
	uint32_t ctl = rd(e, e->reg[RL_MSIX_CTL], 2) & 0xc000;

	if (!changed(e, L_MSIX, ctl))
		return;
	struct vpci_event ev = { .kind = VPCI_EV_MSIX, .index = e->msix_n, .enabled = (ctl >> 15) & 1,
				 .masked = (ctl >> 14) & 1 };
	put_ev(b, &ev);
}

static void update_pm(struct vpci_emu *e, struct evbuf *b)
{
	uint32_t pmcsr = rd(e, e->reg[RL_PMCSR], 2);
	uint32_t st = pmcsr & 3, old = e->last[L_PM];

	if (!changed(e, L_PM, st))
		return;
	struct vpci_event ev = { .kind = VPCI_EV_PM, .data = st, .old = old,
				 .enabled = (pmcsr >> 3) & 1 /* No_Soft_Reset */ };
	put_ev(b, &ev);
}

/* Report a change of a 16-bit control register (@role) as @kind. */
static void update_ctl(struct vpci_emu *e, struct evbuf *b, enum vpci_event_kind kind, unsigned slot,
		       unsigned role, uint32_t enable_bit)
{
	uint32_t v = rd(e, e->reg[role], 2), old = e->last[slot];

	if (!changed(e, slot, v))
		return;
	struct vpci_event ev = { .kind = kind, .data = v, .old = old, .enabled = (v & enable_bit) != 0 };
	put_ev(b, &ev);
}

static void update_sriov(struct vpci_emu *e, struct evbuf *b)
{
	const uint16_t *r = e->reg;
	uint32_t ctl = rd(e, r[RL_SRIOV_CTL], 2), num = r[RL_SRIOV_NUMVFS] ? rd(e, r[RL_SRIOV_NUMVFS], 2) : 0;
	uint32_t oldnum = e->last[L_SRIOV_NUM];
	int ch = changed(e, L_SRIOV_CTL, ctl);

	ch |= changed(e, L_SRIOV_NUM, num);
	if (!ch)
		return;
	struct vpci_event ev = { .kind = VPCI_EV_SRIOV, .data = num, .old = oldnum, .enabled = ctl & 1 };
	put_ev(b, &ev);
}

/* A virtual PF's VFs: enabled ones reported one by one ("vf", enabled),
 * each with its Routing ID and the template instance; taken away in the
 * reverse order when VF Enable clears or the PF resets.  While @b has
 * room; the rest in the next round. */
static void update_vfs(struct vpci_emu *e, struct evbuf *b)
{
	uint32_t ctl = rd(e, e->sr.ctl, 2), num = rd(e, e->sr.num, 2), total = rd(e, e->sr.total, 2);
	uint32_t first = rd(e, e->sr.first, 2), stride = rd(e, e->sr.stride, 2);
	unsigned want = (ctl & SRIOV_CTL_VF_ENABLE) ? (num < total ? num : total) : 0;

	if (e->vf_cycle)
		want = 0;
	while (e->vfs_up != want && b->n < ARRAY_SIZE(b->ev)) {
		int up = e->vfs_up < want;
		unsigned n = up ? e->vfs_up + 1u : e->vfs_up;
		struct vpci_event ev = { .kind = VPCI_EV_VF, .index = n, .enabled = up,
					 .data = (uint32_t)e->rid + first + (n - 1) * stride, .func = e->f->vf_template };
		put_ev(b, &ev);
		e->vfs_up = (uint16_t)(up ? n : n - 1);
	}
	if (e->vf_cycle && !e->vfs_up) {
		e->vf_cycle = 0;
		if (ctl & SRIOV_CTL_VF_ENABLE)
			e->dirty |= W_SRIOV; /* enabled again: report the new VFs */
	}
	if (e->vfs_up != want)
		e->dirty |= W_SRIOV;
}

/* A virtual PF's VF BAR spaces ("vf-bar"): VF n's BAR i is at the VF BAR
 * register's address + (n - 1) * its size (PCIe §9.3.3.14); they decode
 * while VF Enable and VF MSE are Set. */
static void update_vf_bars(struct vpci_emu *e, struct evbuf *b)
{
	const struct vpci_func *t = e->f->vf_template;
	uint32_t ctl = rd(e, e->sr.ctl, 2);

	for (unsigned i = 0; i < 6 && b->n < ARRAY_SIZE(b->ev); i++) {
		const struct barinst *bi = &t->bar[i];
		if ((bi->type != VPCI_BAR_MEM32 && bi->type != VPCI_BAR_MEM64) || !bi->size_known)
			continue;
		uint64_t addr = rd(e, e->sr.vfbar[i], 4) & BAR_MEM_ADDR;
		if (bi->type == VPCI_BAR_MEM64 && i < 5)
			addr |= (uint64_t)rd(e, e->sr.vfbar[i + 1], 4) << 32;
		uint16_t count = e->vfs_up;
		uint64_t span; /* every VF's BAR i; a span past 2^64 never maps */
		uint8_t en = (ctl & SRIOV_CTL_VF_ENABLE) && (ctl & SRIOV_CTL_VF_MSE) && count &&
			     !__builtin_mul_overflow(bi->size, (uint64_t)count, &span) &&
			     bar_maps(addr, span, bi->type == VPCI_BAR_MEM64);
		struct vfbarstate *st = &e->vfbar[i];
		if (en == st->enabled && (!en || (addr == st->addr && count == st->count)))
			continue;
		st->enabled = en;
		st->addr = addr;
		st->count = count;
		struct vpci_event ev = { .kind = VPCI_EV_VF_BAR, .index = i, .addr = addr, .size = bi->size,
					 .enabled = en, .data = count };
		put_ev(b, &ev);
	}
}

/* Vectors whose Mask bit differs from the last report, while @b has room. */
static void update_vectors(struct vpci_emu *e, struct evbuf *b)
{
	uint32_t en = (rd(e, e->reg[RL_MSIX_CTL], 2) >> 15) & 1;

	for (unsigned w = 0; w < (e->msix_n + 63) / 64; w++) {
		while (e->msix_dirty[w]) {
			if (b->n == ARRAY_SIZE(b->ev))
				return; /* the rest in the next round */
			unsigned v = 64 * w + (unsigned)__builtin_ctzll(e->msix_dirty[w]);
			uint64_t bit = 1ull << (v % 64);
			e->msix_dirty[w] &= ~bit;
			uint32_t masked = e->msix_table[4 * v + 3] & 1;
			if (!!(e->msix_seen[w] & bit) == masked)
				continue;
			e->msix_seen[w] ^= bit;
			struct vpci_event ev = { .kind = VPCI_EV_MSIX_VECTOR, .index = v, .masked = masked, .enabled = en,
						 .addr = e->msix_table[4 * v] | (uint64_t)e->msix_table[4 * v + 1] << 32,
						 .data = e->msix_table[4 * v + 2] };
			put_ev(b, &ev);
		}
	}
	e->dirty &= ~(unsigned)W_VEC;
}

/* The events of what changed since the last report, in a fixed order:
 * Command, BARs, MSI, MSI-X, PM, Link, PASID, ATS, PRI, SR-IOV, a virtual
 * PF's VFs and VF BARs, FLR, then per-vector MSI-X masks (both locks
 * held). */
static void collect(struct vpci_emu *e, struct evbuf *b)
{
	const uint16_t *r = e->reg;
	unsigned kinds = e->dirty & W_ALL;

	b->n = 0;
	e->dirty &= ~kinds;
	if (kinds & W_CMD) {
		uint32_t v = rd(e, r[RL_COMMAND], 2), old = e->last[L_CMD];
		if (changed(e, L_CMD, v)) {
			struct vpci_event ev = { .kind = VPCI_EV_COMMAND, .data = v, .old = old,
						 .enabled = (v >> 2) & 1 /* bus master */ };
			put_ev(b, &ev);
		}
	}
	if (kinds & (W_BAR | W_CMD))
		update_bars(e, b);
	if ((kinds & W_MSI) && r[RL_MSI_CTL])
		update_msi(e, b);
	if ((kinds & W_MSIX) && r[RL_MSIX_CTL])
		update_msix(e, b);
	if ((kinds & W_PM) && r[RL_PMCSR])
		update_pm(e, b);
	if ((kinds & W_LINK) && r[RL_LINKCTL])
		update_ctl(e, b, VPCI_EV_LINK, L_LINK, RL_LINKCTL, 0);
	if ((kinds & W_PASID) && r[RL_PASID_CTL])
		update_ctl(e, b, VPCI_EV_PASID, L_PASID, RL_PASID_CTL, 0x1);
	if ((kinds & W_ATS) && r[RL_ATS_CTL])
		update_ctl(e, b, VPCI_EV_ATS, L_ATS, RL_ATS_CTL, 0x8000);
	if ((kinds & W_PRI) && r[RL_PRI_CTL])
		update_ctl(e, b, VPCI_EV_PRI, L_PRI, RL_PRI_CTL, 0x1);
	if ((kinds & W_SRIOV) && r[RL_SRIOV_CTL])
		update_sriov(e, b);
	if ((kinds & W_SRIOV) && e->vpf) {
		update_vfs(e, b);
		update_vf_bars(e, b);
	}
	for (; e->flr_pending && b->n < ARRAY_SIZE(b->ev); e->flr_pending--) {
		struct vpci_event ev = { .kind = VPCI_EV_FLR };
		put_ev(b, &ev);
	}
	if (e->dirty & W_VEC)
		update_vectors(e, b);
}

/* The function this thread is delivering events of (a handler is running
 * on this thread): a call from the handler leaves its changes marked for
 * the delivery loop below, which reports them after the current round. */
static _Thread_local struct vpci_emu *delivering;

static void deliver(struct vpci_emu *e)
{
	struct vpci_emu *outer = delivering;
	struct evbuf b;

	elock_lock(&e->dlock);
	delivering = e;
	for (;;) {
		elock_lock(&e->lock);
		collect(e, &b);
		elock_unlock(&e->lock);
		if (!b.n)
			break;
		for (unsigned i = 0; i < b.n; i++)
			e->ops.event(e->opaque, &b.ev[i]);
	}
	delivering = outer;
	elock_unlock(&e->dlock);
}

void emu_unlock_deliver(struct vpci_emu *e)
{
	int pending = e->dirty || e->flr_pending;

	elock_unlock(&e->lock);
	if (pending && delivering != e)
		deliver(e);
}

/* --- reset ------------------------------------------------------------------- */

VPCI_EXPORT int vpci_emu_reset(vpci_emu *e, enum vpci_reset kind)
{
	int rc;

	if ((unsigned)kind > VPCI_RESET_COLD)
		return VPCI_EINVAL;
	elock_lock(&e->lock);
	rc = reset_state(e, kind, 1);
	emu_unlock_deliver(e);
	return rc;
}

void emu_restored(struct vpci_emu *e)
{
	clamp_msi(e);
	e->pm_state = (uint8_t)pm_state_now(e);
	mark(e, W_ALL);
	for (unsigned v = 0; v < e->msix_n; v++)
		mark_vector(e, v);
}

/* --- MSI-X table and PBA ------------------------------------------------------ */

uint32_t emu_msix_store(struct vpci_emu *e, unsigned i, uint32_t v)
{
	if ((i & 3) == 3) {
		v &= 1; /* Vector Control: only Mask is defined (PCIe §7.7.2.5) */
		if ((e->msix_table[i] ^ v) & 1)
			mark_vector(e, i / 4);
	}
	e->msix_table[i] = v;
	return v;
}

uint64_t emu_pba_valid(const struct vpci_emu *e, unsigned i)
{
	unsigned n = e->msix_n - 64 * i;

	return n >= 64 ? UINT64_MAX : (1ull << n) - 1;
}

/* An access of @size (4 or 8) bytes at @off, aligned to its size, inside
 * a region of @len bytes; no sum that can wrap. */
static int msix_range_ok(unsigned off, unsigned size, uint64_t len)
{
	return (size == 4 || size == 8) && !(off & (size - 1)) && (uint64_t)off + size <= len;
}

VPCI_EXPORT int vpci_emu_msix_table_read(vpci_emu *e, bool pba, unsigned off, unsigned size,
					 uint64_t *val)
{
	if (!e->msix_n)
		return VPCI_ENOENT;
	uint64_t len = pba ? 8ull * ((e->msix_n + 63) / 64) : 16ull * e->msix_n;
	if (!msix_range_ok(off, size, len))
		return VPCI_ERANGE;
	elock_lock(&e->lock);
	if (pba) {
		uint64_t q = e->msix_pba[off / 8];
		*val = size == 8 ? q : (q >> ((off & 4) * 8)) & 0xffffffffu;
	} else {
		*val = e->msix_table[off / 4];
		if (size == 8)
			*val |= (uint64_t)e->msix_table[off / 4 + 1] << 32;
	}
	elock_unlock(&e->lock);
	return 0;
}

VPCI_EXPORT int vpci_emu_msix_table_write(vpci_emu *e, unsigned off, unsigned size, uint64_t val)
{
	if (!e->msix_n)
		return VPCI_ENOENT;
	if (!msix_range_ok(off, size, 16ull * e->msix_n))
		return VPCI_ERANGE;
	elock_lock(&e->lock);
	for (unsigned k = 0; k < size / 4; k++)
		emu_msix_store(e, off / 4 + k, (uint32_t)(val >> (32 * k)));
	emu_unlock_deliver(e);
	return 0;
}

VPCI_EXPORT int vpci_emu_msix_set_pending(vpci_emu *e, unsigned vector, bool pending)
{
	if (!e->msix_n)
		return VPCI_ENOENT;
	if (vector >= e->msix_n)
		return VPCI_ERANGE;
	elock_lock(&e->lock);
	if (pending)
		e->msix_pba[vector / 64] |= 1ull << (vector % 64);
	else
		e->msix_pba[vector / 64] &= ~(1ull << (vector % 64));
	elock_unlock(&e->lock);
	return 0;
}

/* --- creation ------------------------------------------------------------------- */

VPCI_EXPORT const vpci_func *vpci_emu_instance(const vpci_emu *e)
{
	return e->f;
}

VPCI_EXPORT const char *vpci_event_kind_name(enum vpci_event_kind kind)
{
	static const char *const names[VPCI_EV_COUNT] = {
		"bar", "command", "msi", "msix", "pm", "flr", "link", "pasid", "ats", "pri", "sriov", "msix-vector", "vf", "vf-bar"
	};
	return (unsigned)kind < VPCI_EV_COUNT ? names[kind] : "?";
}

/* The event group of each role's register, and whether a write to it
 * concerns that group (capability registers are read, not watched; FLR
 * is a trigger bit, see find_triggers). */
static const struct {
	uint16_t group;
	uint8_t watched;
} roles[RL_COUNT] = {
	[RL_COMMAND] = { W_CMD, 1 },
	[RL_PMCSR] = { W_PM, 1 },
	[RL_MSI_CTL] = { W_MSI, 1 }, [RL_MSI_ADDR] = { W_MSI, 1 }, [RL_MSI_ADDR_HI] = { W_MSI, 1 },
	[RL_MSI_DATA] = { W_MSI, 1 }, [RL_MSI_MASK] = { W_MSI, 1 },
	[RL_MSIX_CTL] = { W_MSIX, 1 },
	[RL_DEVCAP] = { W_DEVCTL, 0 }, [RL_DEVCTL] = { W_DEVCTL, 0 },
	[RL_LINKCTL] = { W_LINK, 1 },
	[RL_AF_CAP] = { W_AF, 0 }, [RL_AF_CTL] = { W_AF, 0 },
	[RL_PASID_CTL] = { W_PASID, 1 },
	[RL_ATS_CTL] = { W_ATS, 1 },
	[RL_PRI_CTL] = { W_PRI, 1 },
	[RL_SRIOV_CTL] = { W_SRIOV, 1 }, [RL_SRIOV_NUMVFS] = { W_SRIOV, 1 },
};

static void watch(struct emu_type *t, unsigned off, unsigned len, unsigned kind)
{
	for (unsigned o = off & ~3u; o < off + len && o < VPCI_CFG_SIZE; o += 4)
		t->watch[o >> 2] |= (uint16_t)kind;
}

struct role_ctx {
	struct emu_type *t;
	int cap_of[16];   /* per group: the capability its registers come from */
};

/* The registers with a role, from the capability table.  All registers
 * of a group come from one capability: the first of its kind. */
static int find_role(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct role_ctx *rc = ctx;
	unsigned role = r->fd->role;

	(void)f;
	if (!role || r->inst || rc->t->reg[role])
		return 0;
	int *owner = &rc->cap_of[__builtin_ctz(roles[role].group)];
	if (*owner != INT32_MIN && *owner != r->cap)
		return 0;
	*owner = r->cap;
	rc->t->reg[role] = (uint16_t)r->off;
	if (roles[role].watched)
		watch(rc->t, r->off, r->fd->width, roles[role].group);
	return 0;
}

static void find_layout(struct emu_type *t)
{
	const struct vpci_func *f = t->f;

	for (unsigned i = 0; i < func_nbars(f); i++)
		if (f->bar[i].type != VPCI_BAR_NONE)
			watch(t, func_bar_off(f, i), 4, W_BAR);
	if (f->bar[ROM_INDEX].type != VPCI_BAR_NONE && f->kind != VPCI_KIND_CARDBUS)
		watch(t, func_bar_off(f, ROM_INDEX), 4, W_BAR);
	struct role_ctx rc = { t, { 0 } };
	for (unsigned g = 0; g < ARRAY_SIZE(rc.cap_of); g++)
		rc.cap_of[g] = INT32_MIN;
	func_foreach_field(f, find_role, &rc);
	/* a virtual PF: its VF BARs are watched too */
	int k = f->vf_template ? vpci_func_find_cap(f, true, ECAPID_SRIOV, NULL) : -1;
	if (k >= 0 && f->caps[k].off + f->caps[k].len <= VPCI_CFG_SIZE && t->reg[RL_SRIOV_CTL]) {
		t->vpf = 1;
		captab_sriov_layout(f->caps[k].off, &t->sr);
		for (unsigned i = 0; i < 6; i++)
			watch(t, t->sr.vfbar[i], 4, W_SRIOV);
	}
	if (t->reg[RL_MSIX_CTL])
		t->msix_n = (le16(f->val + t->reg[RL_MSIX_CTL]) & MSIX_CTL_TABLE_SIZE) + 1u;
}

/* Write-only trigger bits: Initiate FLR in PCIe Device Control (PCIe
 * §7.5.3.4; FLR capable: Device Capabilities bit 28, §7.5.3.3) and in AF
 * Control (PCI Advanced Features ECN; capable: AF Capabilities bit 1).
 * A trigger is virtual and writable, fires on a written 1, reads 0 and is
 * never stored: not from the instance's value, not from a saved state. */
static const struct {
	uint8_t cap, ctl, capsize;
	uint32_t capbit, bit;
} triggers[] = {
	{ RL_DEVCAP, RL_DEVCTL, 4, PCIE_DEVCAP_FLR, PCIE_DEVCTL_FLR },
	{ RL_AF_CAP, RL_AF_CTL, 1, AF_CAP_FLR, AF_CTL_FLR },
};

/* Where trigger @i is in the instance: its DWORD and bit there (0 when
 * the instance has no such control register). */
static uint32_t trigger_at(const struct emu_type *t, unsigned i, unsigned *dw)
{
	unsigned ctl = t->reg[triggers[i].ctl];

	*dw = ctl >> 2;
	return ctl && t->reg[triggers[i].cap] ? triggers[i].bit << ((ctl & 3) * 8) : 0;
}

/* Its bits when the capability register reads @capval: virtual and
 * writable ones only. */
static uint32_t trigger_bits(const struct emu_type *t, unsigned i, uint32_t capval)
{
	unsigned dw;
	uint32_t bit = trigger_at(t, i, &dw);

	return capval & triggers[i].capbit ? bit & t->rw[dw] & ~t->dev[dw] : 0;
}

/* The type's triggers: from the instance's capability bits (the device
 * of a snapshot backend has the instance's values). */
static void find_triggers(struct emu_type *t)
{
	for (unsigned i = 0; i < ARRAY_SIZE(triggers); i++) {
		unsigned dw;
		if (!trigger_at(t, i, &dw))
			continue;
		unsigned reg = t->reg[triggers[i].cap];
		uint32_t capval = le_get(t->f->val + reg, triggers[i].capsize) & ~le_get(t->f->pl[VPCI_PL_RSVDZ] + reg, triggers[i].capsize);
		t->trig[dw] |= trigger_bits(t, i, capval);
	}
}

/* This engine's triggers: the capability bits as its device reads them
 * (device-backed ones from the backend).  When they differ from the
 * type's, the engine gets its own trigger and reset values. */
static int engine_triggers(struct vpci_emu *e)
{
	const struct emu_type *t = e->t;
	uint32_t bits[ARRAY_SIZE(triggers)], mask[ARRAY_SIZE(triggers)];
	unsigned dw[ARRAY_SIZE(triggers)];
	int same = 1;

	for (unsigned i = 0; i < ARRAY_SIZE(triggers); i++) {
		mask[i] = trigger_at(t, i, &dw[i]);
		bits[i] = mask[i] ? trigger_bits(t, i, rd(e, t->reg[triggers[i].cap], triggers[i].capsize)) : 0;
		same &= (t->trig[dw[i]] & mask[i]) == bits[i];
	}
	if (same)
		return 0;
	uint32_t *own = malloc(2 * NDW * sizeof(*own));
	if (!own)
		return VPCI_ENOMEM;
	uint32_t *init = own, *trig = own + NDW;
	memcpy(trig, t->trig, NDW * sizeof(*trig));
	for (unsigned i = 0; i < ARRAY_SIZE(triggers); i++)
		trig[dw[i]] = (trig[dw[i]] & ~mask[i]) | bits[i];
	for (unsigned k = 0; k < NDW; k++)
		init[k] = le32(t->f->val + 4 * k) & ~t->rsvdz[k] & ~trig[k];
	e->own = own;
	e->init = init;
	e->trig = trig;
	return 0;
}

/* Every BAR and the ROM have a size, so that the guest can size them. */
static int bars_sized(const struct vpci_func *f, vpci_diag *d)
{
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *b = &f->bar[i];
		if ((i < ROM_INDEX && i >= func_nbars(f)) || b->type == VPCI_BAR_NONE ||
		    b->type == VPCI_BAR_MEM64_HI || b->size_known)
			continue;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, func_pos(f, b->loc, (int)func_bar_off(f, i)),
			 "%s %u has no size: give 'size' so that the guest can size it", i == ROM_INDEX ? "ROM" : "BAR", i);
		return 0;
	}
	return 1;
}

/* The per-DWORD rules from the instance's planes.  RsvdZ wins over every
 * other plane: it reads 0, is never written, never device-backed. */
static void load_planes(struct emu_type *t)
{
	const struct vpci_func *f = t->f;

	for (unsigned dw = 0; dw < NDW; dw++) {
		unsigned o = dw * 4;
		uint32_t rz = le32(f->pl[VPCI_PL_RSVDZ] + o);
		t->rsvdz[dw] = rz;
		t->init[dw] = le32(f->val + o) & ~rz;
		t->rw[dw] = le32(f->pl[VPCI_PL_RW] + o) & ~rz;
		t->w1c[dw] = le32(f->pl[VPCI_PL_RW1C] + o) & ~rz;
		t->sticky[dw] = le32(f->pl[VPCI_PL_STICKY] + o);
		/* a VF's PF-shared bits never reach the device, whatever the
		 * device plane says (docs/vf-shared-fields.md) */
		t->dev[dw] = le32(f->pl[VPCI_PL_DEVICE] + o) & ~rz & ~le32(f->pfshared + o);
		if (t->dev[dw])
			t->dev_dws[dw / 64] |= 1ull << (dw % 64);
	}
}

void emu_type_fill(struct emu_type *t)
{
	load_planes(t);
	find_layout(t);
	find_triggers(t);
	for (unsigned dw = 0; dw < NDW; dw++)
		t->init[dw] &= ~t->trig[dw];
	emu_reloc_identity(t->reloc, t->f->size);
}

static int alloc_msix(struct vpci_emu *e)
{
	size_t words = (e->msix_n + 63) / 64;

	e->msix_table = calloc(e->msix_n, 16);
	e->msix_pba = calloc(3 * words, sizeof(uint64_t));
	if (!e->msix_table || !e->msix_pba)
		return VPCI_ENOMEM;
	e->msix_dirty = e->msix_pba + words;
	e->msix_seen = e->msix_pba + 2 * words;
	for (unsigned v = 0; v < e->msix_n; v++) {
		e->msix_table[4 * v + 3] = 1;
		e->msix_seen[v / 64] |= 1ull << (v % 64);
	}
	return 0;
}

/* The engine's rules: its type's. */
static void use_type(struct vpci_emu *e, struct emu_type *t)
{
	e->t = t;
	e->f = t->f;
	e->init = t->init;
	e->rw = t->rw;
	e->w1c = t->w1c;
	e->sticky = t->sticky;
	e->dev = t->dev;
	e->rsvdz = t->rsvdz;
	e->trig = t->trig;
	e->reloc = t->reloc;
	e->watch = t->watch;
	e->reg = t->reg;
	e->msix_n = t->msix_n;
	e->vpf = t->vpf;
	e->sr = t->sr;
	e->size = t->f->size;
	memcpy(e->dev_dws, t->dev_dws, sizeof(e->dev_dws));
}

VPCI_EXPORT int vpci_emu_new(const vpci_func *f, const struct vpci_backend *be,
			     const struct vpci_emu_ops *ops, void *opaque, vpci_emu **out,
			     vpci_diag *d)
{
	struct vpci_backend own = { NULL, NULL };
	struct vpci_emu *e = NULL;
	struct emu_type *t;
	int rc;

	*out = NULL;
	if (be)
		own = *be;
	if (be && (!be->ops || !be->ops->read || !be->ops->write)) {
		rc = VPCI_EINVAL;
		goto fail;
	}
	if (!bars_sized(f, d)) {
		rc = VPCI_EDATA;
		goto fail;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		rc = VPCI_ENOMEM;
		goto fail;
	}
	/* from here on vpci_emu_free() destroys the backend */
	e->be = own;
	own.ops = NULL;
	t = emu_type_get(f);
	if (!t) {
		rc = VPCI_ENOMEM;
		goto fail;
	}
	use_type(e, t);
	if (!e->be.ops && (rc = emu_snapshot_new(t, &e->be)))
		goto fail;
	/* bound before a single access: device-backed bytes go to the
	 * registers that back them (relocate.c, docs/binding.md) */
	if ((rc = emu_bind(e, f, be ? be->binding : NULL, d)))
		goto fail;
	if ((rc = elock_init(&e->lock)))
		goto fail;
	e->nlocks = 1;
	if ((rc = elock_init(&e->dlock)))
		goto fail;
	e->nlocks = 2;
	if (ops)
		e->ops = *ops;
	e->opaque = opaque;
	for (unsigned dw = 0; dw < NDW; dw++)
		atomic_init(&e->cur[dw], e->init[dw]);
	if ((rc = engine_triggers(e)))
		goto fail;
	if (e->own)
		for (unsigned dw = 0; dw < NDW; dw++)
			cur_set(e, dw, e->init[dw]);
	if (e->msix_n && (rc = alloc_msix(e)))
		goto fail;
	clamp_msi(e);
	e->pm_state = (uint8_t)pm_state_now(e);
	/* the initial state is the baseline: report only changes */
	if (e->ops.event) {
		struct evbuf b;
		e->dirty = W_ALL;
		collect(e, &b);
	}
	*out = e;
	return 0;
fail:
	if (own.ops && own.ops->destroy)
		own.ops->destroy(own.ctx);
	vpci_emu_free(e);
	return rc;
}

VPCI_EXPORT void vpci_emu_free(vpci_emu *e)
{
	if (!e)
		return;
	if (e->be.ops && e->be.ops->destroy)
		e->be.ops->destroy(e->be.ctx);
	if (e->nlocks > 1)
		elock_destroy(&e->dlock);
	if (e->nlocks > 0)
		elock_destroy(&e->lock);
	free(e->own);
	free(e->own_reloc);
	free(e->msix_table);
	free(e->msix_pba);
	emu_mig_free(e->mig);
	emu_type_put(e->t);
	free(e);
}
