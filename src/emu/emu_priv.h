/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_priv.h - the inside of an emulated function (private)
 *
 * The engine core (engine.c, type.c, relocate.c, snapshot.c, migrate.c)
 * uses only C11 headers: OS access lives in the backends (host/backend.c).
 */
#ifndef VPCI_EMU_PRIV_H
#define VPCI_EMU_PRIV_H

#include <stdatomic.h>
#include <stdint.h>
#include <threads.h>

#include "model/func.h"
#include "vpci/emu.h"

#define NDW (VPCI_CFG_SIZE / 4)

/*
 * The engine's lock: one atomic word for the uncontended case (a
 * compare-and-swap to take it, an exchange to release it, both inline,
 * like a spin lock) and a C11 condition variable to sleep on when it is
 * held: a waiter never spins while the holder is in a backend's system
 * call or a reset.  It needs no OS header.  The classic three-state lock:
 * 0 free, 1 held, 2 held and maybe waited for; a waiter marks it 2 under
 * the mutex before sleeping, so the release that sees 2 takes the mutex
 * and cannot signal before the waiter sleeps.  ThreadSanitizer sees the
 * ordering through the atomic word (it does not intercept C11 mtx/cnd).
 */
struct elock {
	atomic_uint state;
	mtx_t m;
	cnd_t c;
};

int elock_init(struct elock *l);
void elock_destroy(struct elock *l);
void elock_wait(struct elock *l);
void elock_wake(struct elock *l);

static inline void elock_lock(struct elock *l)
{
	unsigned free_ = 0;

	if (!atomic_compare_exchange_strong_explicit(&l->state, &free_, 1, memory_order_acquire,
						     memory_order_relaxed))
		elock_wait(l);
}

static inline void elock_unlock(struct elock *l)
{
	if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2)
		elock_wake(l);
}

/* What a write to a DWORD may change (watch[] bits, dirty bits). */
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
	W_VEC = 1u << 12,          /* dirty only: an MSI-X vector's Mask */
	W_ALL = W_BAR | W_CMD | W_MSI | W_MSIX | W_PM | W_LINK | W_PASID | W_ATS | W_PRI | W_SRIOV,
};

struct barstate {
	uint64_t addr;
	uint8_t enabled;
};

/*
 * An instance type (type.c): what every engine of one instance shares,
 * built once and read-only after, so that a thousand engines of one
 * instance cost one copy of it.  Engines and snapshot backends hold
 * counted references; instances that are the same (func_same(): bytes,
 * planes, structure, names, source positions) share one type, whether
 * they come from one parsed model or from a file parsed for each.
 */
struct emu_type {
	struct emu_type *next;      /* the registry's chain */
	uint64_t hash;              /* func_hash() of the instance */
	unsigned long refs;         /* under the registry's lock */
	struct vpci_func *f;        /* the instance (a copy) */
	uint32_t init[NDW];         /* reset values (RsvdZ and trigger bits 0) */
	uint32_t rw[NDW], w1c[NDW], sticky[NDW];
	uint32_t dev[NDW];          /* device-backed, RsvdZ bits excluded */
	uint32_t rsvdz[NDW];
	uint32_t trig[NDW];         /* write-only triggers (Initiate FLR): read 0 */
	uint64_t dev_dws[NDW / 64]; /* DWORDs with device-backed bits */
	uint16_t watch[NDW];
	uint16_t reloc[VPCI_CFG_SIZE]; /* each byte backed at its own offset */
	/* layout: where each watched register is (the capability table's
	 * roles, first instance; 0 = none) */
	uint16_t reg[RL_COUNT];
	unsigned msix_n;
	uint8_t vpf;                /* a virtual PF (the instance has a VF template) */
	struct sriov_layout sr;     /* its SR-IOV registers */
};

/* The type of @f: found (the same instance) or built; a reference the
 * caller drops with emu_type_put().  NULL when out of memory. */
struct emu_type *emu_type_get(const struct vpci_func *f);
/* One more reference to @t. */
void emu_type_hold(struct emu_type *t);
void emu_type_put(struct emu_type *t);
/* Fill the tables of @t from t->f (engine.c). */
void emu_type_fill(struct emu_type *t);
/* Each byte below @size backed at its own offset, none above (relocate.c). */
void emu_reloc_identity(uint16_t *reloc, unsigned size);
/* A snapshot backend of @t's instance (a reference to @t). */
int emu_snapshot_new(struct emu_type *t, struct vpci_backend *out);

/*
 * One emulated function.  The rules (init ... watch, reg) point into its
 * type; only trig and init may be its own (a device whose FLR capability
 * differs from the instance's), and reloc (a binding to a real function).
 */
struct vpci_emu {
	_Atomic uint32_t cur[NDW];  /* virtual state; device-backed bits unused */
	uint64_t dev_dws[NDW / 64]; /* the type's, here for the read fast path */
	const uint32_t *init;       /* reset values (the instance) */
	const uint32_t *rw, *w1c, *sticky;
	const uint32_t *dev;        /* device-backed, RsvdZ bits excluded */
	const uint32_t *rsvdz;
	const uint32_t *trig;       /* write-only triggers (Initiate FLR): read 0 */
	const uint16_t *reloc;      /* physical offset of each device-backed byte (relocate.c) */
	const uint16_t *watch;
	const uint16_t *reg;        /* where each watched register is (0 = none) */
	unsigned size;
	const struct vpci_func *f;  /* the instance (the type's copy) */
	struct emu_type *t;
	uint32_t *own;              /* this engine's init and trig, when not the type's */
	uint16_t *own_reloc;        /* this engine's reloc, when bound to a real function */
	struct vpci_backend be;
	struct vpci_emu_ops ops;
	void *opaque;
	/* lock: the state (writes, resets, loads, the MSI-X table and PBA,
	 * everything below up to "dlock").  dlock: delivery of events, one
	 * thread at a time, so that they reach the VMM in state order; taken
	 * before lock when both are held. */
	struct elock lock, dlock;
	uint8_t nlocks;             /* how many of them are initialised */
	/* MSI-X table and PBA (virtual) */
	unsigned msix_n;
	uint32_t *msix_table;       /* 4 DWORDs per vector */
	uint64_t *msix_pba;
	uint64_t *msix_dirty;       /* vectors whose Vector Control was written */
	/* side effects: the power state the engine last acted on */
	uint8_t pm_state;
	/* what to report: groups changed since the last delivery, FLRs */
	unsigned dirty;
	unsigned flr_pending;
	/* the state last reported (changed with both locks held) */
	struct barstate bar[7];
	uint32_t last[16];
	uint64_t *msix_seen;        /* vector Mask bits last reported */
	/* what saved states need of the instance, made on first use
	 * (migrate.c; locked) */
	struct emu_mig *mig;
	/* a virtual PF (the instance has a VF template): its SR-IOV registers,
	 * the PF's Routing ID (vpci_emu_set_routing_id), VFs 1..vfs_up
	 * reported enabled, VF Enable cleared since (they go first), the VF
	 * BAR spaces last reported */
	uint8_t vpf;
	struct sriov_layout sr;
	uint16_t rid;
	uint16_t vfs_up;
	uint8_t vf_cycle;
	struct vfbarstate { uint64_t addr; uint16_t count; uint8_t enabled; } vfbar[6];
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
/* Store a guest or restored value into MSI-X table DWORD @i, masked as a
 * guest write is; marks the vector when its Vector Control changes
 * (called locked).  Returns the value stored. */
uint32_t emu_msix_store(struct vpci_emu *e, unsigned i, uint32_t v);
/* The PBA bits of existing vectors in PBA QWORD @i. */
uint64_t emu_pba_valid(const struct vpci_emu *e, unsigned i);
/* After the state was replaced wholesale (a load): take it as the
 * current state without side effects, report every change (locked). */
void emu_restored(struct vpci_emu *e);
/* The checksum of a saved state (migrate.c): 64 bits over @n bytes. */
uint64_t emu_state_sum(const uint8_t *p, size_t n);
/* Free what migrate.c keeps of an engine (NULL: nothing). */
void emu_mig_free(struct emu_mig *m);
/* Release the state lock and report what changed since the last report. */
void emu_unlock_deliver(struct vpci_emu *e);

#endif
