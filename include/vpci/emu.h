/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/emu.h - the emulation engine: the call a VMM makes on every guest
 * config access
 *
 * An emulated function is created from an instance (a vpci_func) and a
 * backend.  Every guest read and write goes through vpci_emu_read() and
 * vpci_emu_write(): virtual bits are served from the engine's state,
 * device-backed bits (the instance's "device" plane) from the backend,
 * and every write obeys the per-bit access of the instance (RO, RW,
 * RW1C, RsvdP, RsvdZ, HwInit; sticky bits survive resets).  RsvdZ bits
 * read 0 even where the instance backs them by the device, and the device
 * is written 0 there.  Side effects the VMM must act on (BAR placement,
 * MSI/MSI-X, power states, FLR, link control, PASID/ATS/PRI control) are
 * reported as events.
 *
 * Concurrency: any number of threads may call every function below on one
 * function at once, except vpci_emu_free(), which must not race with other
 * calls nor be called from the function's own event handler.  Reads of virtual bits take no lock (each naturally aligned access
 * is one atomic load).  Writes, resets, loads and MSI-X table and PBA
 * accesses are serialised by a lock that is an atomic word when free and
 * a sleep (C11 mtx_t/cnd_t) when held: a waiter never spins while the
 * holder is in a backend call.  Each aligned DWORD is published
 * atomically, so a read sees a register either before or after a write,
 * never torn.
 *
 * Events are delivered on a calling thread after the lock is released,
 * one thread at a time and in the order the state changed, in rounds:
 * each round reports what changed since the previous one (Command, BARs,
 * MSI, MSI-X, PM, Link, PASID, ATS, PRI, SR-IOV, a virtual PF's VFs and VF
 * BAR spaces, FLR, then MSI-X vector masks), so the last event of each
 * kind always describes the current state; with several writers at once,
 * changes between two rounds may be merged into one event.  An event
 * handler may call any function of this header on the same function
 * (vpci_emu_read(), vpci_emu_write(), vpci_emu_msix_table_read() and
 * _write(), vpci_emu_reset(), save, load): what it changes is reported in
 * the next round, on the same thread, before the outermost call returns.  A
 * handler must not wait for another thread that calls into the same
 * function: that thread may be waiting for the handler's round to end.
 */
#ifndef VPCI_EMU_H
#define VPCI_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bind.h"
#include "abi.h"
#include "diag.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** typedef vpci_emu - an emulated function (opaque) */
typedef struct vpci_emu vpci_emu;

/** enum vpci_reset - kinds of reset */
enum vpci_reset {
	VPCI_RESET_FLR = 0, /* Function Level Reset: sticky bits kept */
	VPCI_RESET_HOT,     /* conventional (hot) reset: sticky bits kept */
	VPCI_RESET_COLD,    /* power-on: everything back to the instance */
};

/**
 * struct vpci_backend_desc - what a backend on a real function knows that
 * its config space does not say
 * @bar: BARs 0..5 and the expansion ROM (6): .size and .size_known (false:
 *       unknown); .type and .prefetchable where the kind is known (a VF's
 *       BAR registers read 0), VPCI_BAR_NONE to take the kind from the
 *       config register
 * @is_vf: the function is an SR-IOV VF (through VFIO it shows its PF's IDs)
 * @vf_memory: a VF's Memory Space Enable, which the hardware does not
 *             implement (PCIe §9.3.4.1.3), is emulated by the backend
 *             (vfio-pci does): a PF view of the function works
 */
struct vpci_backend_desc {
	struct vpci_bar_info bar[7];
	bool is_vf;
	bool vf_memory;
};

/** VPCI_BACKEND_REAL - a backend flag: @read shows a real function, whose
 * layout the engine reads and binds the instance to (docs/binding.md) */
#define VPCI_BACKEND_REAL 0x1u

/**
 * struct vpci_backend_ops - what backs device-backed bits
 * @read: read @size (1, 2 or 4) bytes at @off into @val
 * @write: write @size bytes at @off; only bits in @mask are the guest's
 *         write, the others carry the device's current value (or 0 for
 *         write-1-to-clear bits) so that nothing else changes
 * @reset: perform a reset of the real function (may be NULL)
 * @destroy: free @ctx (may be NULL)
 * @flags: VPCI_BACKEND_* (0 for a simulated device)
 * @describe: a real function's BAR kinds and sizes and whether it is a VF
 *            (may be NULL: config space alone is read then)
 *
 * Each returns 0 or a negative VPCI_E* code.  @read and @write may be
 * called from several threads at once.  Offsets are the function's own:
 * with VPCI_BACKEND_REAL the engine relocates the guest's offsets.  @write
 * and @reset are called with the engine's lock held (so are @read calls a
 * write or an event needs): a backend must not call back into the emulated
 * function.
 */
struct vpci_backend_ops {
	int (*read)(void *ctx, unsigned off, unsigned size, uint32_t *val);
	int (*write)(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask);
	int (*reset)(void *ctx, enum vpci_reset kind);
	void (*destroy)(void *ctx);
	unsigned flags;
	int (*describe)(void *ctx, struct vpci_backend_desc *out);
};

/**
 * struct vpci_backend - a backend: ops plus their context
 * @ops: the operations
 * @ctx: their context
 * @binding: optional: the instance bound to the function behind @ops
 *           (vpci_bind()); read during vpci_emu_new() only.  NULL: the
 *           engine binds itself (VPCI_BACKEND_REAL) or backs every
 *           device-backed byte at its own offset (a simulated device)
 */
struct vpci_backend {
	const struct vpci_backend_ops *ops;
	void *ctx;
	const struct vpci_binding *binding;
};

/**
 * vpci_backend_snapshot() - a simulated device built from the instance
 * @f: the instance (copied)
 * @out: receives the backend
 *
 * Device-backed bits read the instance's values and obey its access
 * rules, so everything runs with no hardware.
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_backend_snapshot(const vpci_func *f, struct vpci_backend *out);

/**
 * vpci_backend_sysfs() - a host function's sysfs `config` file
 * @root: sysfs root, NULL for "/sys"
 * @slot: the function, "[DDDD:]BB:DD.F"
 * @out: receives the backend
 * @d: diagnostics (may be NULL)
 *
 * Return: 0, VPCI_EINVAL (bad slot), VPCI_EIO (cannot open), VPCI_ENOMEM.
 */
int vpci_backend_sysfs(const char *root, const char *slot, struct vpci_backend *out,
		       vpci_diag *d);

/**
 * vpci_backend_vfio() - the config region of a VFIO device
 * @group: "/dev/vfio/GROUP"
 * @slot: the device, "[DDDD:]BB:DD.F"
 * @out: receives the backend
 * @d: diagnostics (may be NULL)
 *
 * Resets go to VFIO_DEVICE_RESET.
 *
 * Return: 0, VPCI_EINVAL, VPCI_EIO, VPCI_EBUSY, VPCI_ENOMEM.
 */
int vpci_backend_vfio(const char *group, const char *slot, struct vpci_backend *out,
		      vpci_diag *d);

/** enum vpci_event_kind - what happened */
enum vpci_event_kind {
	VPCI_EV_BAR = 0,   /* a BAR (or the ROM, index 6) mapping changed */
	VPCI_EV_COMMAND,   /* Command register changed */
	VPCI_EV_MSI,       /* MSI enable, address, data, vectors or mask changed */
	VPCI_EV_MSIX,      /* MSI-X enable or function mask changed */
	VPCI_EV_PM,        /* power state changed */
	VPCI_EV_FLR,       /* a Function Level Reset was initiated and done */
	VPCI_EV_LINK,      /* PCIe Link Control written */
	VPCI_EV_PASID,     /* PASID control changed (stays virtual) */
	VPCI_EV_ATS,       /* ATS control changed (stays virtual) */
	VPCI_EV_PRI,       /* PRI control changed (stays virtual) */
	VPCI_EV_SRIOV,     /* SR-IOV control or NumVFs changed (virtual PF) */
	VPCI_EV_MSIX_VECTOR, /* the Mask bit of one MSI-X vector changed */
	VPCI_EV_VF,        /* a virtual PF's VF came or went (VF Enable, reset) */
	VPCI_EV_VF_BAR,    /* a virtual PF's VF BAR space mapping changed */
	VPCI_EV_COUNT
};

/**
 * struct vpci_event - one event; fields that do not apply are zero
 * @kind: what happened
 * @index: BAR index (0..5, 6 = ROM); MSI: vectors enabled (Multiple
 *         Message Enable, which never exceeds Multiple Message Capable);
 *         MSI-X: the table size (vectors); MSI-X vector: the vector;
 *         VF: the VF number n (1..NumVFs); VF BAR: the VF BAR index
 * @addr: BAR address, MSI address, the MSI-X vector's Message Address;
 *        VF BAR: VF 1's BAR address (VF n's is @addr + (n - 1) * @size)
 * @size: BAR size; VF BAR: one VF's BAR size
 * @enabled: BAR decode / MSI / MSI-X / PASID / ATS / PRI / VF enable; VF:
 *           the VF came (true) or went (false); VF BAR: the VF BAR space
 *           decodes (VF Enable and VF MSE)
 * @masked: MSI-X Function Mask, MSI per-vector mask bits, the MSI-X
 *          vector's Mask bit
 * @data: MSI data, the MSI-X vector's Message Data, Command, Link
 *        Control, PM state, control registers, SR-IOV NumVFs; VF: the
 *        VF's Routing ID, the PF's (vpci_emu_set_routing_id()) + First VF
 *        Offset + (n - 1) * VF Stride (PCIe r6.0 §9.3.3.10-11), above
 *        0xffff for a VF that cannot exist (the VMM refuses it); VF BAR:
 *        the number of VFs it covers
 * @old: the previous value of @data where that is useful
 * @func: VF: the VF's instance, the PF instance's `vf-template` (owned by
 *        the engine, valid while the handler runs: vpci_emu_new() copies
 *        it, vpci_func_dup() keeps it)
 *
 * VF events (a virtual PF, whose instance names a VF template): when the
 * guest sets VF Enable, one event per VF 1..NumVFs; when it clears VF
 * Enable, or the PF is reset, one per VF from the last down.  NumVFs
 * written while VF Enable is Set, or above TotalVFs, keeps its value
 * (PCIe §9.3.3.7 leaves the result undefined).  A VF BAR space is
 * reported for each of the template's BARs: the PF's SR-IOV VF BAR
 * register gives the address (the guest sizes it with the template's
 * size), and it maps while VF Enable and VF MSE are Set and, as a BAR
 * below, its address is not 0 and the span of all its VFs (@data times
 * @size) ends below the top of its address space.
 *
 * BAR events: a BAR (or the ROM) is mapped (@enabled) only while its
 * decode is on (Command I/O or Memory Space; the ROM also needs its
 * enable bit), its address is not 0 and its region ends below the top of
 * its address space (4 GiB for I/O, 32-bit memory BARs and the ROM, 2^64
 * for 64-bit BARs).  So the sizing value (all ones written) never maps,
 * even with decode on: the BAR is reported unmapped until an address is
 * written back.  While the two halves of a 64-bit BAR are written one at a
 * time the intermediate address maps, as it does on hardware.  The VMM
 * still checks that an address fits its own guest physical (or I/O) space
 * and does not overlap RAM or another device.
 */
struct vpci_event {
	enum vpci_event_kind kind;
	unsigned index;
	uint64_t addr;
	uint64_t size;
	bool enabled;
	uint32_t masked;
	uint32_t data;
	uint32_t old;
	const vpci_func *func;
};

/** struct vpci_emu_ops - callbacks to the VMM (any may be NULL) */
struct vpci_emu_ops {
	void (*event)(void *opaque, const struct vpci_event *ev);
};

/**
 * vpci_event_kind_name() - "bar", "command", "msi", ...
 * @kind: the kind
 *
 * Return: a static string.
 */
const char *vpci_event_kind_name(enum vpci_event_kind kind);

/**
 * vpci_emu_new() - create an emulated function
 * @f: the instance (copied: the caller may free it)
 * @be: the backend, or NULL for a snapshot backend of @f.  It is taken
 *      over whatever happens: vpci_emu_free() destroys it, and when
 *      vpci_emu_new() fails it has destroyed it (ops->destroy, if any)
 *      before returning.  @be->ops, its @read and @write must be set.
 * @ops: event callbacks (copied; may be NULL)
 * @opaque: passed to the callbacks
 * @out: receives the function (NULL on failure)
 * @d: diagnostics (may be NULL): why the instance cannot be emulated
 *
 * Refuses an instance with a BAR of unknown size (the guest could not
 * size it).  Other PCI rules are not checked here: the engine keeps its
 * own rules on any instance (it clamps, masks and triggers as
 * docs/emulation.md says), and a VMM that wants every rule kept calls
 * vpci_validate_emulation() first, as `vpci emulate` and `vpci serve` do.  On a backend with VPCI_BACKEND_REAL it reads the function's
 * layout through the backend (config space, and @describe) and binds the
 * instance to it (vpci_bind()): device-backed accesses then go to the
 * physical registers that back them, wherever they sit, and an instance
 * the function cannot back is refused with every reason.  A binding given
 * in @be must have been made for @f.  The instance's initial state is the
 * baseline of events: only later changes are reported.
 *
 * Return: 0, VPCI_EDATA (not emulatable, or the function cannot back it),
 * VPCI_EIO (the function's layout cannot be read), VPCI_EINVAL (a backend
 * without read or write), VPCI_ENOMEM.
 */
int vpci_emu_new(const vpci_func *f, const struct vpci_backend *be,
		 const struct vpci_emu_ops *ops, void *opaque, vpci_emu **out,
		 vpci_diag *d);

/**
 * vpci_emu_free() - destroy an emulated function and its backend
 * @e: the function; NULL is allowed
 */
void vpci_emu_free(vpci_emu *e);

/**
 * vpci_emu_instance() - the instance an emulated function runs
 * @e: the function
 *
 * For vpci_func_bar() (BAR kinds and sizes) and vpci_func_msix() (where
 * the MSI-X table and PBA are) without decoding config bytes.
 *
 * Return: the engine's copy, valid until vpci_emu_free().
 */
const vpci_func *vpci_emu_instance(const vpci_emu *e);

/**
 * vpci_emu_read() - a guest config read
 * @e: the function
 * @off: offset, 0 .. 4095
 * @size: 1, 2 or 4
 * @val: receives the value
 *
 * Accesses crossing a DWORD are split; beyond the function's config size
 * a read returns 0 (conventional functions have 256 bytes).
 *
 * Return: 0, VPCI_ERANGE (offset or size invalid: nothing is touched), or
 * the backend's error.
 */
int vpci_emu_read(vpci_emu *e, unsigned off, unsigned size, uint32_t *val);

/**
 * vpci_emu_write() - a guest config write
 * @e: the function
 * @off: offset, 0 .. 4095
 * @size: 1, 2 or 4
 * @val: the value (low @size bytes)
 *
 * Initiate FLR (PCIe Device Control, or AF Control) acts when a 1 is
 * written to it on an FLR-capable function and always reads 0: the state
 * is reset as by vpci_emu_reset(VPCI_RESET_FLR).  MSI Multiple Message
 * Enable written above Multiple Message Capable is set to Capable.
 *
 * Return: 0, VPCI_ERANGE (nothing is touched), or the backend's error
 * (of the write, or of the reset an FLR makes).
 */
int vpci_emu_write(vpci_emu *e, unsigned off, unsigned size, uint32_t val);

/**
 * vpci_emu_set_routing_id() - the PF's Routing ID, for its VFs' events
 * @e: the function (a virtual PF: its instance names a VF template)
 * @rid: bus << 8 | device << 3 | function, as the guest sees the PF
 *
 * VF events carry the PF's Routing ID plus each VF's offset; until this
 * is called the PF's is taken as 0, so @data is the offset alone.
 */
void vpci_emu_set_routing_id(vpci_emu *e, uint16_t rid);

/**
 * vpci_emu_reset() - reset the function
 * @e: the function
 * @kind: FLR, hot or cold
 *
 * Restores the instance's values except sticky bits (FLR, hot), resets the
 * backend, and reports the BAR/MSI/MSI-X changes that follow.
 *
 * Return: 0 or the backend's error.
 */
int vpci_emu_reset(vpci_emu *e, enum vpci_reset kind);

/**
 * vpci_emu_msix_table_read() - guest read of the MSI-X table or PBA
 * @e: the function
 * @pba: false for the table, true for the PBA
 * @off: offset inside the table or PBA (any value: an access that does
 *       not lie wholly inside is refused)
 * @size: 4 or 8, and @off aligned to it
 * @val: receives the value
 *
 * The table is virtual (the VMM routes vectors); the PBA reads the
 * pending bits set with vpci_emu_msix_set_pending().
 *
 * Return: 0, VPCI_ERANGE (nothing is read), VPCI_ENOENT (no MSI-X).
 */
int vpci_emu_msix_table_read(vpci_emu *e, bool pba, unsigned off, unsigned size,
			     uint64_t *val);

/**
 * vpci_emu_msix_table_write() - guest write of the MSI-X table
 * @e: the function
 * @off: offset inside the table (any value, as for the read)
 * @size: 4 or 8, and @off aligned to it
 * @val: the value
 *
 * Reserved Vector Control bits are stored as 0 (only Mask, bit 0, is
 * defined).  A change of a vector's Mask bit is reported as an
 * VPCI_EV_MSIX_VECTOR event with @index = the vector, @masked its Mask
 * bit, @addr and @data its Message Address and Data.  The PBA is read-only: the VMM does not
 * forward guest writes to it.
 *
 * Return: 0, VPCI_ERANGE, VPCI_ENOENT.
 */
int vpci_emu_msix_table_write(vpci_emu *e, unsigned off, unsigned size, uint64_t val);

/**
 * vpci_emu_msix_set_pending() - set or clear a vector's pending bit
 * @e: the function
 * @vector: vector number
 * @pending: the new state
 *
 * Return: 0, VPCI_ERANGE, VPCI_ENOENT.
 */
int vpci_emu_msix_set_pending(vpci_emu *e, unsigned vector, bool pending);

/**
 * vpci_emu_save() - save the emulated state for migration
 * @e: the function
 * @blob: receives a malloc'd blob; free() it
 * @len: receives its length
 *
 * The blob (format 2, docs/emulation.md) holds what differs from the
 * instance's reset state: the virtual registers the guest changed, the
 * device-backed registers the guest can write as the device holds them now
 * (read through the backend), the MSI-X table entries and pending bits
 * that are not at their reset values; plus the instance's name and its
 * guest ABI (docs/abi.md), which the destination compares with its own,
 * and a checksum over everything.  It is a few hundred bytes plus 20 per
 * programmed MSI-X vector.
 *
 * Around it the VMM: stops the guest's vCPUs first (a config access after
 * the save is not in the blob), and saves the device's internal state by
 * its own means (VFIO migration, a vendor interface): config space is
 * all this blob carries.
 *
 * Return: 0, VPCI_ENOMEM, or the backend's error (reading a device-backed
 * register).
 */
int vpci_emu_save(vpci_emu *e, void **blob, size_t *len);

/**
 * vpci_emu_load() - restore a saved state
 * @e: the function
 * @blob: the blob
 * @len: its length
 * @d: diagnostics (may be NULL): why a blob is refused, every difference
 *     of the guest ABI by named register, bit and plane
 *
 * Same as vpci_emu_load_ex() without opt-outs.
 *
 * Return: as vpci_emu_load_ex().
 */
int vpci_emu_load(vpci_emu *e, const void *blob, size_t len, vpci_diag *d);

/**
 * vpci_emu_load_ex() - restore a saved state, with migration opt-outs
 * @e: the function (the destination)
 * @blob: the blob vpci_emu_save() made (on the source)
 * @len: its length
 * @opts: opt-outs of the ABI check (may be NULL), as `vpci compat --ignore`
 * @d: diagnostics (may be NULL)
 *
 * Checks the whole blob first and changes nothing when it refuses it: a
 * blob that is damaged (checksum), truncated or extended, of another
 * format, with a section this library needs but does not know, or whose
 * guest ABI differs from this function's instance.  The ABI decision is
 * vpci_compat() of the saved ABI against this instance, so a blob loads
 * exactly when `vpci compat SRC DST` says yes; every blocker is reported.
 *
 * Then the state is replaced: virtual registers take the saved values of
 * the bits a guest can change (with the masks a guest write has: MSI
 * Multiple Message Enable at most Capable, Initiate FLR 0), the MSI-X
 * table and PBA the saved entries (reserved Vector Control bits 0),
 * everything else its reset value.  The device-backed registers the guest
 * can write are written back to this function's device through the
 * binding: plain registers first, then the MSI and MSI-X enables, then
 * Command (decode, bus master), the power state last; write-1-to-clear
 * bits are not written.  Loading has no side effect of its own (a D0 state
 * loaded into a function in D3hot does not reset it).
 *
 * Every change is reported as events, as after writes: on a function
 * created for the incoming guest (its reset state as the baseline), a
 * `bar` event for every BAR the guest had mapped, `command`, `msi`,
 * `msix` (enable), `msix-vector` (one per unmasked vector, its address and data),
 * `pm`, `link`, `pasid`, `ats`, `pri`, `sriov` as restored.
 *
 * Around it the VMM: creates the destination function (its backend bound
 * to the destination device), loads before the guest's vCPUs run, rebuilds
 * BAR mappings and interrupt routes from the events (a masked vector's
 * entry can be read with vpci_emu_msix_table_read() when it is unmasked),
 * restores the device's internal state by its own means, then starts the
 * vCPUs.  On a refusal (VPCI_EDATA) the function is untouched and the
 * guest stays on the source.
 *
 * Return: 0; VPCI_EINVAL (not a saved state); VPCI_EDATA (refused,
 * nothing changed); VPCI_ENOMEM (nothing changed); or the backend's error
 * of writing device state back (the state is restored, the device may
 * lack some of it).
 */
int vpci_emu_load_ex(vpci_emu *e, const void *blob, size_t len, const struct vpci_compat_opts *opts,
		     vpci_diag *d);

/**
 * struct vpci_state_info - what a saved state holds
 * @format: the blob's format (2)
 * @abi_hash: the source instance's guest ABI hash (vpci_abi_hash())
 * @abi_version: the version of that ABI's definition (VPCI_ABI_VERSION)
 * @name: the source instance's name ("" when it had none)
 * @config_size: its config size
 * @abi_bytes: bytes of the ABI encoding it carries
 * @config_dwords: virtual DWORDs the guest had changed
 * @device_dwords: device-backed DWORDs carried
 * @msix_vectors: MSI-X table entries not at their reset values
 * @pba_words: non-zero PBA QWORDs
 */
struct vpci_state_info {
	unsigned format;
	uint64_t abi_hash;
	unsigned abi_version;
	char name[65];
	unsigned config_size;
	size_t abi_bytes;
	unsigned config_dwords, device_dwords, msix_vectors, pba_words;
};

/**
 * vpci_emu_state_info() - read a saved state without an engine
 * @blob: the blob
 * @len: its length
 * @info: receives what it holds
 * @d: diagnostics (may be NULL): why it is not a good blob
 *
 * Checks the blob as vpci_emu_load() does, except against an instance: a
 * VMM or a tool can name the instance and ABI a state needs before
 * choosing a destination.
 *
 * Return: 0, VPCI_EINVAL (not a saved state), VPCI_EDATA (damaged or of
 * another format).
 */
int vpci_emu_state_info(const void *blob, size_t len, struct vpci_state_info *info, vpci_diag *d);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_EMU_H */
