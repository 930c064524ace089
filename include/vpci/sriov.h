/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/sriov.h - host-side SR-IOV management through sysfs
 *
 * Enabling VFs, binding them to a driver (vfio-pci for assignment),
 * disabling, resetting and removing functions in the safe order, with every
 * kernel refusal translated into what to do about it.  All writes go
 * through one hook, so a dry run reports every sysfs write a command would
 * make.  Attribute semantics: the kernel's
 * Documentation/ABI/testing/sysfs-bus-pci and drivers/pci/iov.c.
 *
 * Every decision is made by the registry of vpci/registry.h: the caller's
 * (vpci_sriov_set_registry()), which then also records what changed, or
 * one built from the host for each call.  @force overrides the registry's
 * refusals that depend on state (a function in use, a PF with VFs); the
 * order of the sysfs writes is always the safe one.
 */
#ifndef VPCI_SRIOV_H
#define VPCI_SRIOV_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/** typedef vpci_sriov - a management context (opaque) */
typedef struct vpci_sriov vpci_sriov;

/**
 * struct vpci_sriov_vf - one virtual function
 * @slot: "DDDD:BB:DD.F"
 * @driver: bound driver, "" when none
 * @iommu_group: IOMMU group number, -1 when none
 * @gone: reads all-ones: its PF was reset (or opened through VFIO) while
 *        the VF existed, and it no longer answers
 * @in_use: bound to vfio-pci and its group is open by a process
 * @user: "PID (COMM)" of such a process, "" otherwise
 */
struct vpci_sriov_vf {
	char slot[16];
	char driver[64];
	int iommu_group;
	bool gone;
	bool in_use;
	char user[64];
};

/**
 * struct vpci_sriov_pf - one physical function with SR-IOV
 * @slot: "DDDD:BB:DD.F"
 * @driver: bound driver, "" when none
 * @iommu_group: IOMMU group number, -1 when none
 * @total_vfs: sriov_totalvfs
 * @num_vfs: sriov_numvfs
 * @vf_offset: sriov_offset (First VF Offset)
 * @vf_stride: sriov_stride
 * @vf_device: sriov_vf_device (VF Device ID)
 * @autoprobe: sriov_drivers_autoprobe, -1 when unknown
 * @vfs: its VFs (virtfnN links), @nvfs of them
 */
struct vpci_sriov_pf {
	char slot[16];
	char driver[64];
	int iommu_group;
	unsigned total_vfs, num_vfs, vf_offset, vf_stride, vf_device;
	int autoprobe;
	struct vpci_sriov_vf *vfs;
	size_t nvfs;
};

/**
 * vpci_sriov_new() - a management context
 * @sysfs_root: sysfs root, NULL for "/sys"
 * @proc_root: procfs root (to find processes holding VFIO groups), NULL
 *             for "/proc"
 *
 * Return: the context, or NULL when out of memory.
 */
vpci_sriov *vpci_sriov_new(const char *sysfs_root, const char *proc_root);

/**
 * vpci_sriov_free() - free a context
 * @s: the context; NULL is allowed
 */
void vpci_sriov_free(vpci_sriov *s);

/**
 * vpci_sriov_set_registry() - decide with, and record in, a registry
 * @s: the context
 * @r: the registry (borrowed: it must outlive its use by @s), or NULL to
 *     build one from the host for each call
 * @actor: the domain label the operations are made for, or NULL for the
 *         administrator (copied)
 *
 * Each operation brings @r up to date with the host before it decides, and
 * records its effect after it succeeds (not in a dry run).
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_sriov_set_registry(vpci_sriov *s, vpci_registry *r, const char *actor);

/** typedef vpci_sriov_write_fn - receives each sysfs write of a dry run */
typedef void (*vpci_sriov_write_fn)(void *opaque, const char *path, const char *value);

/**
 * vpci_sriov_set_dry_run() - report writes instead of making them
 * @s: the context
 * @fn: called for every sysfs write, in order; NULL turns dry run off
 * @opaque: passed to @fn
 *
 * In a dry run, checks that need the kernel's reaction (that a VF really
 * bound) are skipped.
 */
void vpci_sriov_set_dry_run(vpci_sriov *s, vpci_sriov_write_fn fn, void *opaque);

/**
 * vpci_sriov_list() - SR-IOV PFs and their VFs
 * @s: the context
 * @pfs: receives an array; free with vpci_sriov_list_free()
 * @n: receives its length
 * @d: diagnostics (may be NULL): notes on VFs that are gone, PFs owned by
 *     vfio-pci
 *
 * Return: 0, VPCI_EIO, VPCI_ENOMEM.
 */
int vpci_sriov_list(vpci_sriov *s, struct vpci_sriov_pf **pfs, size_t *n, vpci_diag *d);

/**
 * vpci_sriov_list_free() - free what vpci_sriov_list() returned
 * @pfs: the array
 * @n: its length
 */
void vpci_sriov_list_free(struct vpci_sriov_pf *pfs, size_t n);

/**
 * vpci_sriov_enable() - create VFs on a PF
 * @s: the context
 * @pf: the PF, "[DDDD:]BB:DD.F"
 * @n: number of VFs (1 .. TotalVFs)
 * @driver: bind every VF to this driver (driver_override + drivers_probe,
 *          then verified), or NULL
 * @no_autoprobe: set sriov_drivers_autoprobe to 0 first, so that the VFs
 *                stay unbound (or bind only to @driver)
 * @d: diagnostics (may be NULL): the kernel's refusal, explained
 *
 * Return: 0, VPCI_ENOENT (no such function), VPCI_ENOTSUP (not an SR-IOV
 * PF, or its driver cannot configure SR-IOV), VPCI_ERANGE (more than
 * TotalVFs), VPCI_EBUSY (VFs exist: disable first), VPCI_EPERM (the actor
 * does not manage the PF), VPCI_EIO.
 */
int vpci_sriov_enable(vpci_sriov *s, const char *pf, unsigned n, const char *driver,
		      bool no_autoprobe, vpci_diag *d);

/**
 * vpci_sriov_disable() - remove every VF of a PF
 * @s: the context
 * @pf: the PF
 * @force: also when a VF is assigned or held open through VFIO
 * @d: diagnostics (may be NULL)
 *
 * Return: 0, VPCI_EBUSY (a VF is in use: one error per VF), VPCI_ENOENT,
 * VPCI_ENOTSUP (not an SR-IOV PF), VPCI_EPERM, VPCI_EIO.
 */
int vpci_sriov_disable(vpci_sriov *s, const char *pf, bool force, vpci_diag *d);

/**
 * vpci_sriov_bind() - bind a function to a driver, verified
 * @s: the context
 * @bdf: the function
 * @driver: the driver (e.g. "vfio-pci")
 * @force: also when the function (or, a PF, one of its VFs) is in use
 * @d: diagnostics (may be NULL)
 *
 * Unbinds the current driver, sets driver_override, asks drivers_probe,
 * and checks that the function really is bound to @driver afterwards.
 * Refused while the function is in use: its user would lose it.
 *
 * Return: 0, VPCI_ENOENT (no such function or driver), VPCI_EBUSY,
 * VPCI_EPERM, VPCI_EIO (the probe bound nothing).
 */
int vpci_sriov_bind(vpci_sriov *s, const char *bdf, const char *driver, bool force, vpci_diag *d);

/**
 * vpci_sriov_unbind() - unbind a function from its driver
 * @s: the context
 * @bdf: the function
 * @driver: the driver it must be bound to, or NULL for any
 * @force: also when the function (or, a PF, one of its VFs) is in use
 * @d: diagnostics (may be NULL)
 *
 * Return: 0, VPCI_ENOENT, VPCI_EBUSY, VPCI_EPERM, VPCI_EIO.
 */
int vpci_sriov_unbind(vpci_sriov *s, const char *bdf, const char *driver, bool force, vpci_diag *d);

/**
 * vpci_sriov_remove() - hot-unplug a function in the safe order
 * @s: the context
 * @bdf: the function (or a broken VF record, which only the registry holds)
 * @force: also a function in use, and a PF with VFs
 * @d: diagnostics (may be NULL)
 *
 * Refused for a function that is assigned or held open through VFIO, and
 * for a PF with VFs (removing it first would leave them orphaned).  With
 * @force a PF's VFs are disabled first, then the PF is removed, and the
 * registry keeps the VFs as broken records.
 *
 * Return: 0, VPCI_EBUSY, VPCI_ENOENT, VPCI_EPERM, VPCI_EIO.
 */
int vpci_sriov_remove(vpci_sriov *s, const char *bdf, bool force, vpci_diag *d);

/**
 * vpci_sriov_reset() - reset a function (its sysfs reset attribute)
 * @s: the context
 * @bdf: the function
 * @force: also when it, or (a PF) one of its VFs, is in use
 * @d: diagnostics (may be NULL)
 *
 * Refused for a PF whose VFs are in use: a PF reset drops its VFs from
 * under their users (they read all-ones afterwards on Linux 6.1).
 *
 * Return: 0, VPCI_EBUSY, VPCI_ENOENT, VPCI_ENOTSUP (no reset method),
 * VPCI_EPERM, VPCI_EIO.
 */
int vpci_sriov_reset(vpci_sriov *s, const char *bdf, bool force, vpci_diag *d);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_SRIOV_H */
