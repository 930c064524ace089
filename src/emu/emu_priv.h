/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_priv.h - the inside of an emulated function (private)
 *
 * The engine core (engine.c, snapshot.c, migrate.c) uses only C11
 * headers: OS access lives in the backends (backend_os.c).
 */
#ifndef VPCI_EMU_PRIV_H
#define VPCI_EMU_PRIV_H

#include <stdatomic.h>
#include <stdint.h>
#include <threads.h>

#include "model/model_priv.h"
#include "vpci/emu.h"

#define NDW (VPCI_CFG_SIZE / 4)

/* The write lock: a C11 atomic flag, so that it needs no OS header and
 * ThreadSanitizer understands it.  Writes are rare next to reads and short
 * (a backend access at most), so waiting spins a little, then yields. */
struct wlock {
	atomic_flag f;
};

static inline void wlock_init(struct wlock *l)
{
	atomic_flag_clear(&l->f);
}

static inline void wlock_lock(struct wlock *l)
{
	unsigned n = 0;

	while (atomic_flag_test_and_set_explicit(&l->f, memory_order_acquire))
		if (++n > 64)
			thrd_yield();
}

static inline void wlock_unlock(struct wlock *l)
{
	atomic_flag_clear_explicit(&l->f, memory_order_release);
}

/* What a write to a DWORD may change (watch[] bits). */
enum {
	W_BAR = 1u << 0,
	W_CMD = 1u << 1,
	W_MSI = 1u << 2,
	W_MSIX = 1u << 3,
	W_PM = 1u << 4,
	W_DEVCTL = 1u << 5,
	W_AF = 1u << 6,
	W_LINK = 1u << 7,
	W_PASID = 1u << 8,
	W_ATS = 1u << 9,
	W_PRI = 1u << 10,
	W_SRIOV = 1u << 11,
};

struct barstate {
	uint64_t addr;
	uint8_t enabled;
};

struct vpci_emu {
	_Atomic uint32_t cur[NDW];  /* virtual state; device-backed bits unused */
	uint32_t init[NDW];         /* reset values (the instance) */
	uint32_t rw[NDW], w1c[NDW], sticky[NDW], dev[NDW];
	uint8_t dev_dw[NDW];        /* a DWORD with device-backed bits */
	uint16_t reloc[VPCI_CFG_SIZE]; /* physical offset of each device-backed byte (relocate.c) */
	uint16_t watch[NDW];
	unsigned size;
	struct vpci_func *f;        /* the instance (a copy) */
	struct vpci_backend be;
	struct vpci_emu_ops ops;
	void *opaque;
	struct wlock lock;
	/* layout, from the instance: where each watched register is (the
	 * capability table's roles, first instance; 0 = none) */
	uint16_t reg[RL_COUNT];
	/* MSI-X table and PBA (virtual) */
	unsigned msix_n;
	uint32_t *msix_table;       /* 4 DWORDs per vector */
	uint64_t *msix_pba;
	/* last reported state, to report changes only */
	struct barstate bar[7];
	uint32_t last[16];
	uint8_t in_reset;
};

/* Index into last[] per event kind (BARs use bar[]). */
enum { L_CMD, L_MSI_CTL, L_MSI_ADDR, L_MSI_ADDR_HI, L_MSI_DATA, L_MSI_MASK, L_MSIX, L_PM,
       L_LINK, L_PASID, L_ATS, L_PRI, L_SRIOV_CTL, L_SRIOV_NUM };

/* The binding (relocate.c): read the function's layout through a real
 * backend and bind @f to it, or take the backend's binding, or back every
 * device-backed byte at its own offset; fills e->reloc.  0, VPCI_EDATA
 * (the function cannot back @f, every reason in @d), VPCI_EIO, VPCI_ENOMEM. */
int emu_bind(struct vpci_emu *e, const struct vpci_func *f, const struct vpci_binding *given, vpci_diag *d);
/* The device's bytes of the piece [@off, @off + @size) (inside one DWORD),
 * read from the physical registers that back them: only bytes with
 * device-backed bits; the value is aligned to @off, other bytes 0. */
int emu_dev_read(struct vpci_emu *e, unsigned off, unsigned size, uint32_t *val);
/* Write the bytes of the piece that hold @devbits (aligned to @off) to the
 * physical registers: @val where @devbits, the device's current value
 * where @keep (read first), 0 elsewhere. */
int emu_dev_write(struct vpci_emu *e, unsigned off, unsigned size, uint32_t val, uint32_t devbits, uint32_t keep);

/* Read the guest's view of @size bytes at @off (device bits merged). */
int emu_read_merged(struct vpci_emu *e, unsigned off, unsigned size, uint32_t *val);
/* Report every state change since the last report (called locked). */
void emu_update(struct vpci_emu *e, unsigned kinds);
/* Reset the virtual state (called locked). */
int emu_reset_locked(struct vpci_emu *e, enum vpci_reset kind, int call_backend);

#endif
