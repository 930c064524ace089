/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/registry.h - the PF/VF registry: functions, SR-IOV links, owners
 * and assignments, and the rules of their lifecycle
 *
 * A registry records PCI functions by address (segment:bus:device.function):
 * plain functions, SR-IOV physical functions (PFs) with the routing of
 * their VFs, and virtual functions (VFs) linked to their PF.  Each has an
 * owner (a domain label that may manage it), an assignment state (handed
 * to its owner, e.g. attached to a VM) and, when observed on the host, the
 * process that holds it open through VFIO.
 *
 * Every operation decides by the rules of docs/sriov.md ("The registry"):
 * a VF is added only while its PF exists; a PF with VFs is removed only
 * with VPCI_REG_FORCE, which unlinks its VFs and marks them broken; a PF
 * added again re-associates its broken VFs only when the VF Routing-ID
 * arithmetic (First VF Offset, VF Stride, ARI) and the identity match; a PF
 * whose VFs are in use is reset only with VPCI_REG_FORCE; the owner of a
 * PF may manage its VFs, the owner of a VF only that VF.  A refusal is an
 * error diagnostic whose file is the function's address, whose message
 * says the rule and what to do, and whose field is the rule's name (the
 * names are listed in docs/sriov.md), so programs can tell refusals apart.
 *
 * A registry is built from the host (vpci_registry_sync_host()) or from a
 * description file (vpci_registry_parse_file(), format in docs/sriov.md),
 * and kept in a state directory that several processes share
 * (vpci_reg_state_*).  It is not thread-safe: one thread at a time.
 */
#ifndef VPCI_REGISTRY_H
#define VPCI_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/** typedef vpci_registry - a registry of functions (opaque) */
typedef struct vpci_registry vpci_registry;

/** enum vpci_reg_kind - what a registered function is */
enum vpci_reg_kind {
	VPCI_REG_FN = 0, /* a function without SR-IOV */
	VPCI_REG_PF = 1, /* an SR-IOV physical function */
	VPCI_REG_VF = 2, /* a virtual function */
};

/** enum vpci_reg_flags - flags of the registry operations */
enum vpci_reg_flags {
	/* override a refusal that depends on state (in use, VFs present,
	 * assigned elsewhere, split trust); never ownership or addressing */
	VPCI_REG_FORCE = 1u << 0,
	/* decide only: report what the operation would do, change nothing */
	VPCI_REG_CHECK = 1u << 1,
};

/* Longest owner label or VFIO user text, with its NUL. */
#define VPCI_REG_LABEL_LEN 64

/**
 * struct vpci_reg_sriov - a PF's SR-IOV routing, as its capability says
 * @vf_device: VF Device ID (SR-IOV capability +0x1a; PCIe r6.0 §9.3.3)
 * @total_vfs: TotalVFs (+0x0e)
 * @offset: First VF Offset for the current NumVFs (+0x14)
 * @stride: VF Stride (+0x16)
 * @ari: ARI Capable Hierarchy (SR-IOV Control bit 4) is set: offset and
 *       stride then count in ARI's 8-bit function numbers
 *
 * VF n (1-based) has the Routing ID of the PF + @offset + (n - 1) * @stride.
 */
struct vpci_reg_sriov {
	uint16_t vf_device;
	uint16_t total_vfs;
	uint16_t offset;
	uint16_t stride;
	bool ari;
};

/**
 * struct vpci_reg_func - one registered function (a copy)
 * @slot: "DDDD:BB:DD.F"
 * @kind: plain function, PF or VF
 * @vendor: Vendor ID (a VF: its PF's)
 * @device: Device ID (a VF: its PF's VF Device ID)
 * @sriov: a PF's SR-IOV routing (zero otherwise)
 * @pf: a VF's PF ("" for others); for a broken VF the PF it had
 * @vf_index: a VF's number n (1-based, "VF n")
 * @pf_device: a VF's PF Device ID when the VF was linked
 * @pf_ari: the ARI Capable Hierarchy of a VF's PF when the VF was linked
 * @broken: a VF whose PF was removed (or that vanished from the host while
 *          owned or assigned); it keeps its owner and assignment until it
 *          is removed or re-associated
 * @owner: the domain label that may manage the function, "" for none (only
 *         the administrator)
 * @assigned: handed to its owner (attached to a VM)
 * @user: the process that holds the function open through VFIO,
 *        "PID (COMM)", as last observed on the host; "" for none
 * @nvfs: a PF's linked VFs
 */
struct vpci_reg_func {
	char slot[16];
	enum vpci_reg_kind kind;
	uint16_t vendor, device;
	struct vpci_reg_sriov sriov;
	char pf[16];
	unsigned vf_index;
	uint16_t pf_device;
	bool pf_ari;
	bool broken;
	char owner[VPCI_REG_LABEL_LEN];
	bool assigned;
	char user[VPCI_REG_LABEL_LEN];
	unsigned nvfs;
};

/**
 * vpci_registry_new() - an empty registry
 *
 * Return: the registry, or NULL when out of memory.
 */
vpci_registry *vpci_registry_new(void);

/**
 * vpci_registry_free() - free a registry
 * @r: the registry; NULL is allowed
 */
void vpci_registry_free(vpci_registry *r);

/**
 * vpci_registry_count() - number of registered functions
 * @r: the registry
 *
 * Return: the count.
 */
size_t vpci_registry_count(const vpci_registry *r);

/**
 * vpci_registry_get() - one function, in address order
 * @r: the registry
 * @i: 0 .. vpci_registry_count() - 1
 * @out: receives a copy
 *
 * Return: 0, or VPCI_ERANGE when @i is out of range.
 */
int vpci_registry_get(const vpci_registry *r, size_t i, struct vpci_reg_func *out);

/**
 * vpci_registry_find() - the function at an address
 * @r: the registry
 * @slot: "[DDDD:]BB:DD.F"
 * @out: receives a copy (may be NULL)
 *
 * Return: 0, VPCI_EINVAL (malformed address), VPCI_ENOENT (not registered).
 */
int vpci_registry_find(const vpci_registry *r, const char *slot, struct vpci_reg_func *out);

/*
 * The operations.  Each takes:
 *   @actor: the domain label the caller acts for, or NULL for the
 *           administrator (who may manage everything);
 *   @flags: enum vpci_reg_flags;
 *   @d:     diagnostics (may be NULL): refusals as errors (their field is
 *           the rule), overridden refusals as warnings, what changed as
 *           notes.
 * and returns 0 or the refusal's code: VPCI_EINVAL (malformed address or
 * label), VPCI_ENOENT (not registered), VPCI_ENOTSUP (not the kind of
 * function the operation needs, or a broken VF), VPCI_EDATA (identity or
 * address that contradicts the registry), VPCI_ERANGE (VF number out of
 * range), VPCI_EPERM (@actor may not manage the function), VPCI_EBUSY (in
 * use: overridable with VPCI_REG_FORCE), VPCI_ENOMEM.
 */

/**
 * vpci_registry_add_fn() - register a function without SR-IOV
 * @r: the registry
 * @slot: its address
 * @vendor: Vendor ID
 * @device: Device ID
 * @actor: must be NULL (adding functions is the administrator's)
 * @flags: VPCI_REG_CHECK
 * @d: diagnostics
 *
 * Registering the same function again (same identity) changes nothing.
 *
 * Return: 0 or a refusal (see above).
 */
int vpci_registry_add_fn(vpci_registry *r, const char *slot, uint16_t vendor, uint16_t device,
			 const char *actor, unsigned flags, vpci_diag *d);

/**
 * vpci_registry_add_pf() - register an SR-IOV physical function
 * @r: the registry
 * @slot: its address
 * @vendor: Vendor ID
 * @device: Device ID
 * @sriov: its SR-IOV routing (First VF Offset must not be 0; VF Stride
 *         must not be 0 when TotalVFs > 1; VF TotalVFs must lie on a bus
 *         number up to 255)
 * @actor: must be NULL
 * @flags: VPCI_REG_CHECK
 * @d: diagnostics
 *
 * Every broken VF whose PF was at @slot is re-associated when its address
 * is still that of its VF number by @sriov's arithmetic, its number is at
 * most TotalVFs, and its PF's Vendor ID, Device ID, VF Device ID and ARI
 * Capable Hierarchy are the same as before; the others stay broken, each
 * with a note saying which part differs.  Registering the same PF again
 * with the same identity updates its offset and stride (they follow NumVFs).
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_add_pf(vpci_registry *r, const char *slot, uint16_t vendor, uint16_t device,
			 const struct vpci_reg_sriov *sriov, const char *actor, unsigned flags, vpci_diag *d);

/**
 * vpci_registry_add_vf() - register VF number @index of a registered PF
 * @r: the registry
 * @slot: the VF's address: must be the one First VF Offset and VF Stride
 *        give for @index
 * @pf: its PF
 * @index: its number n, 1 .. TotalVFs
 * @actor: NULL, or the PF's owner
 * @flags: VPCI_REG_CHECK
 * @d: diagnostics
 *
 * Return: 0 or a refusal (VPCI_ENOENT when the PF is not registered: a VF
 * exists only while its PF does).
 */
int vpci_registry_add_vf(vpci_registry *r, const char *slot, const char *pf, unsigned index,
			 const char *actor, unsigned flags, vpci_diag *d);

/**
 * vpci_registry_remove() - unregister a function
 * @r: the registry
 * @slot: the function
 * @actor: NULL, its owner, or (a VF) its PF's owner
 * @flags: VPCI_REG_FORCE, VPCI_REG_CHECK
 * @d: diagnostics
 *
 * Refused when the function is assigned or held through VFIO, and for a
 * PF with linked VFs; with VPCI_REG_FORCE the PF goes and its VFs stay as
 * broken records (on the host, remove the VFs first: docs/sriov.md).
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_remove(vpci_registry *r, const char *slot, const char *actor, unsigned flags, vpci_diag *d);

/**
 * vpci_registry_remove_vfs() - unregister every linked VF of a PF
 * @r: the registry
 * @pf: the PF
 * @actor: NULL or the PF's owner
 * @flags: VPCI_REG_FORCE, VPCI_REG_CHECK
 * @d: diagnostics
 *
 * What disabling SR-IOV does.  All or nothing: refused when any VF is in use.
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_remove_vfs(vpci_registry *r, const char *pf, const char *actor, unsigned flags,
			     vpci_diag *d);

/**
 * vpci_registry_reset() - may a function be reset?
 * @r: the registry
 * @slot: the function
 * @actor: NULL, its owner, or (a VF) its PF's owner
 * @flags: VPCI_REG_FORCE
 * @d: diagnostics
 *
 * Refused when the function is in use (assigned or held through VFIO) and,
 * for a PF, when one of its VFs is (a PF reset drops or disturbs its VFs).
 * The registry does not change.
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_reset(vpci_registry *r, const char *slot, const char *actor, unsigned flags, vpci_diag *d);

/**
 * vpci_registry_rebind() - may a function's driver be changed?
 * @r: the registry
 * @slot: the function
 * @actor: as vpci_registry_reset()
 * @flags: VPCI_REG_FORCE
 * @d: diagnostics
 *
 * The rules of vpci_registry_reset(): unbinding a driver resets or
 * releases the function, and a PF driver's removal disables its VFs.
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_rebind(vpci_registry *r, const char *slot, const char *actor, unsigned flags, vpci_diag *d);

/**
 * vpci_registry_may_manage() - may @actor manage the function?
 * @r: the registry
 * @slot: the function
 * @actor: NULL (always yes), or a label
 * @d: diagnostics
 *
 * Return: 0, VPCI_EINVAL, VPCI_ENOENT, VPCI_EPERM.
 */
int vpci_registry_may_manage(const vpci_registry *r, const char *slot, const char *actor, vpci_diag *d);

/**
 * vpci_registry_assign() - hand a function to an owner
 * @r: the registry
 * @slot: the function
 * @owner: the domain label (1-63 characters of A-Z a-z 0-9 . _ : @ + -,
 *         not starting with '-')
 * @actor: NULL, the function's owner, or (a VF) its PF's owner
 * @flags: VPCI_REG_FORCE, VPCI_REG_CHECK
 * @d: diagnostics
 *
 * Sets the owner and marks the function assigned.  Refused for a broken
 * VF; when the function is assigned to another owner; and when a PF and
 * one of its VFs would be assigned to different owners (the PF controls
 * its VFs: its user can reset or disable them).
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_assign(vpci_registry *r, const char *slot, const char *owner, const char *actor,
			 unsigned flags, vpci_diag *d);

/**
 * vpci_registry_release() - end an assignment (the owner stays)
 * @r: the registry
 * @slot: the function
 * @actor: NULL, the owner, or (a VF) its PF's owner
 * @flags: VPCI_REG_CHECK
 * @d: diagnostics
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_release(vpci_registry *r, const char *slot, const char *actor, unsigned flags,
			  vpci_diag *d);

/**
 * vpci_registry_set_owner() - change who may manage a function
 * @r: the registry
 * @slot: the function
 * @owner: a label, or NULL for none
 * @actor: NULL, the owner, or (a VF) its PF's owner
 * @flags: VPCI_REG_FORCE, VPCI_REG_CHECK
 * @d: diagnostics
 *
 * Refused while the function is assigned to another owner.
 *
 * Return: 0 or a refusal.
 */
int vpci_registry_set_owner(vpci_registry *r, const char *slot, const char *owner, const char *actor,
			    unsigned flags, vpci_diag *d);

/**
 * vpci_registry_set_user() - record who holds a function through VFIO
 * @r: the registry
 * @slot: the function
 * @user: "PID (COMM)" or any text up to 63 bytes, NULL for nobody
 * @d: diagnostics
 *
 * An observation, not a decision (vpci_registry_sync_host() makes it from
 * /proc): a function with a user is in use like an assigned one.
 *
 * Return: 0, VPCI_EINVAL, VPCI_ENOENT.
 */
int vpci_registry_set_user(vpci_registry *r, const char *slot, const char *user, vpci_diag *d);

/**
 * vpci_registry_sync_host() - bring the registry up to date with the host
 * @r: the registry (empty: built from the host)
 * @sysfs_root: sysfs root, NULL for "/sys"
 * @proc_root: procfs root (VFIO users), NULL for "/proc"
 * @d: diagnostics: notes and warnings on what the host changed behind the
 *     registry's back (a PF gone, VFs vanished while assigned, a broken VF
 *     re-associated or replaced by another function)
 *
 * Registers every function of the host except bridges (PCI class 06): PFs
 * with their SR-IOV attributes, VFs by their virtfnN links, the rest as
 * plain functions; records VFIO users; keeps owners and assignments of
 * functions that are still the same.  The steps are in docs/sriov.md.
 *
 * Return: 0, VPCI_EIO (the PCI devices cannot be listed), VPCI_ENOMEM.
 */
int vpci_registry_sync_host(vpci_registry *r, const char *sysfs_root, const char *proc_root, vpci_diag *d);

/**
 * vpci_registry_write() - the registry as a registry file
 * @r: the registry
 * @out: receives the text (free() it)
 * @len: receives its length (may be NULL)
 *
 * Canonical: one line per function in address order, every key written.
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_registry_write(const vpci_registry *r, char **out, size_t *len);

/**
 * vpci_registry_parse() - a registry from a registry file's text
 * @text: the text (need not be NUL-terminated)
 * @len: its length
 * @name: the file name for diagnostics (may be NULL)
 * @out: receives the registry
 * @d: diagnostics: every problem with file:line:column
 *
 * Return: 0, VPCI_EDATA, VPCI_ENOMEM.
 */
int vpci_registry_parse(const char *text, size_t len, const char *name, vpci_registry **out, vpci_diag *d);

/**
 * vpci_registry_parse_file() - vpci_registry_parse() on a file
 * @path: the file
 * @out: receives the registry
 * @d: diagnostics
 *
 * Return: 0, VPCI_EIO (unreadable), VPCI_EDATA, VPCI_ENOMEM.
 */
int vpci_registry_parse_file(const char *path, vpci_registry **out, vpci_diag *d);

/* --- the state directory ------------------------------------------- */

/* The state directory a tool uses when it is given none. */
#define VPCI_STATE_DIR_DEFAULT "/run/vpci"

/** typedef vpci_reg_state - an open state directory (opaque) */
typedef struct vpci_reg_state vpci_reg_state;

/**
 * vpci_reg_state_open() - open a state directory
 * @dir: the directory (created, with its parents, when @write is true)
 * @write: take its lock, exclusively, for a read-modify-write; false to
 *         only read (readers need no lock: the file is replaced atomically)
 * @timeout_ms: how long to wait for the lock before giving up
 * @out: receives the handle
 * @d: diagnostics
 *
 * The lock is a flock(2) on DIR/lock, released by vpci_reg_state_close()
 * or when the process dies.  Opening for writing also removes temporary
 * files a killed writer left behind.
 *
 * Return: 0, VPCI_EIO (cannot create or open), VPCI_EBUSY (the lock is
 * held by another process past @timeout_ms; the message names its pid),
 * VPCI_ENOMEM.
 */
int vpci_reg_state_open(const char *dir, bool write, unsigned timeout_ms, vpci_reg_state **out, vpci_diag *d);

/**
 * vpci_reg_state_load() - the registry saved in the directory
 * @st: the directory
 * @out: receives the registry (empty when nothing was saved yet)
 * @d: diagnostics
 *
 * Return: 0, VPCI_EIO (unreadable), VPCI_EDATA (not a registry file:
 * diagnostics with file:line:column), VPCI_ENOMEM.
 */
int vpci_reg_state_load(vpci_reg_state *st, vpci_registry **out, vpci_diag *d);

/**
 * vpci_reg_state_save() - replace the saved registry atomically
 * @st: the directory, opened for writing
 * @r: the registry
 * @d: diagnostics
 *
 * Writes a temporary file, syncs it, renames it over DIR/registry and
 * syncs the directory: a reader, or a crash at any point, sees the old
 * registry or the new one, never a mix.
 *
 * Return: 0, VPCI_EINVAL (opened read-only), VPCI_EIO, VPCI_ENOMEM.
 */
int vpci_reg_state_save(vpci_reg_state *st, const vpci_registry *r, vpci_diag *d);

/**
 * vpci_reg_state_close() - release the lock and free the handle
 * @st: the handle; NULL is allowed
 */
void vpci_reg_state_close(vpci_reg_state *st);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_REGISTRY_H */
