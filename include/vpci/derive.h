/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/derive.h - describe physical functions as instances
 *
 * A source is a set of functions read from somewhere: the live sysfs tree
 * (or a captured copy of it), an lspci text dump, a binary config image,
 * or a VFIO device.  vpci_derive() turns one function of a source into a
 * model, under a policy: "raw" describes exactly what the device shows,
 * "guest" (the default) is the view a guest should get when the function
 * is assigned to it (docs/policy.md), with quirks from the quirk database
 * applied on top.
 */
#ifndef VPCI_DERIVE_H
#define VPCI_DERIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** typedef vpci_source - an open source of functions (opaque) */
typedef struct vpci_source vpci_source;

/** enum vpci_source_kind - where functions are read from */
enum vpci_source_kind {
	VPCI_SRC_SYSFS = 0, /* spec: sysfs root, NULL = "/sys" */
	VPCI_SRC_DUMP,      /* spec: lspci -x/-xxx/-xxxx text file */
	VPCI_SRC_BIN,       /* spec: binary config image (64..4096 bytes) */
	VPCI_SRC_VFIO,      /* spec: /dev/vfio/GROUP or /dev/vfio/devices/vfioN;
			     * the device address is the "vfio.device" param */
};

/**
 * vpci_source_open() - open a source
 * @kind: the kind of source
 * @spec: what to open (see enum vpci_source_kind)
 * @out: receives the source
 * @d: diagnostics (may be NULL): unreadable input, malformed dump lines
 *     with their line numbers
 *
 * A dump source reads the whole file at once and reports every malformed
 * line; sysfs and VFIO sources read devices lazily in vpci_derive().
 *
 * Return: 0, VPCI_EIO (cannot read), VPCI_EDATA (malformed), VPCI_ENOMEM.
 */
int vpci_source_open(enum vpci_source_kind kind, const char *spec,
		     vpci_source **out, vpci_diag *d);

/**
 * vpci_source_set_param() - set a named source parameter
 * @s: the source
 * @key: "vfio.device" (BDF of the VFIO device to use)
 * @value: the value (copied)
 *
 * Return: 0, VPCI_ENOENT for a key the source does not know, VPCI_ENOMEM.
 */
int vpci_source_set_param(vpci_source *s, const char *key, const char *value);

/**
 * vpci_source_free() - close a source
 * @s: the source; NULL is allowed
 */
void vpci_source_free(vpci_source *s);

/**
 * vpci_source_count() - number of functions the source holds
 * @s: the source
 *
 * Return: the count (0 for an empty sysfs tree).
 */
size_t vpci_source_count(vpci_source *s);

/**
 * vpci_source_slot() - address of one function
 * @s: the source
 * @i: index, 0 .. vpci_source_count() - 1
 *
 * Return: "DDDD:BB:DD.F", owned by @s; NULL for a bad @i.
 */
const char *vpci_source_slot(vpci_source *s, size_t i);

/**
 * vpci_source_find() - index of a function by address
 * @s: the source
 * @slot: "BB:DD.F" or "DDDD:BB:DD.F" (domain 0 when omitted)
 *
 * Return: the index, VPCI_ENOENT when absent, VPCI_EINVAL when malformed.
 */
int vpci_source_find(vpci_source *s, const char *slot);

/** enum vpci_policy - what a derived instance describes */
enum vpci_policy {
	VPCI_POLICY_GUEST = 0, /* the view for a guest (docs/policy.md) */
	VPCI_POLICY_RAW,       /* exactly what the device shows */
};

/**
 * enum vpci_vf_view - how a guest view presents an SR-IOV VF
 * @VPCI_VF_VIEW_PLAIN: as a plain function (the default): the bits the PF
 *   owns or shares are emulated for this guest alone, read-write where the
 *   capability table makes them writable (docs/vf-shared-fields.md)
 * @VPCI_VF_VIEW_VF: as a VF (PCIe r6.0 §9.3.4-9.3.7): IDs and BARs are
 *   emulated (the guest must enumerate it), but what a VF does not own
 *   is RsvdP or reads 0 as on the device: Memory Space Enable reads 0 and
 *   the BARs decode as the PF's VF MSE does, Device Control's PF-owned
 *   bits are RsvdP, and so on.  For a guest that is told out of band
 *   that it runs on a VF (s390 zPCI firmware reports the VF number; Linux
 *   then sets no_command_memory), so that it cooperates with the PF's
 *   settings instead of trusting an emulation that cannot be faithful
 *   (PRI Reset and Stopped; docs/policy.md)
 */
enum vpci_vf_view {
	VPCI_VF_VIEW_PLAIN = 0,
	VPCI_VF_VIEW_VF,
};

/**
 * struct vpci_derive_opts - options of vpci_derive()
 * @policy: raw or guest
 * @no_quirks: do not apply the quirk database
 * @quirk_dir: directory of more quirk files (*.yaml), loaded after the
 *             database built into the library; NULL = the built-in
 *             database only (the library reads no data files of its own,
 *             so a derive depends only on its inputs and the version)
 * @name: instance name; NULL = derived from the IDs and the slot
 * @bars: BAR (index 0..5) and ROM (index 6) facts the source cannot give,
 *        e.g. sizes for a dump without lspci -vvv text: @type (VPCI_BAR_NONE
 *        = the kind the bytes or the source show), @prefetchable and
 *        @size are used; a size the source gives too must agree with it
 * @nbars: number of entries of @bars
 * @types: NULL-terminated directories where a quirk's `reference: {type:
 *         NAME@N}` finds the instance type (as `extends:` does, format
 *         §21), or NULL: such a quirk then fails the derive
 * @vf: 0 derives function @i itself; N > 0 derives VF N (1 .. TotalVFs) of
 *      function @i, which must be an SR-IOV PF: a *persona* synthesized
 *      from the PF alone, without enabling VFs (docs/policy.md "VF
 *      personas"): vendor from the PF, the VF Device ID, VF BAR kinds and
 *      sizes from the SR-IOV VF BARs (sizes where the source gives the
 *      PF's VF BAR space: sysfs resource lines 7..12), the address from
 *      First VF Offset and VF Stride, the capabilities a VF may carry.
 *      @bars then gives the VF's BARs
 * @pf: for a function that reads Vendor ID 0xffff in a source that does
 *      not know its identity (a VF in an lspci dump): the address of its
 *      PF in the same source; NULL = the PF is found by Routing-ID
 *      arithmetic over the source's SR-IOV PFs.  A guest view of such a VF
 *      without its PF is refused
 * @vf_view: how a guest view presents a VF (enum vpci_vf_view)
 */
struct vpci_derive_opts {
	enum vpci_policy policy;
	bool no_quirks;
	const char *quirk_dir;
	const char *name;
	const struct vpci_bar_info *bars;
	size_t nbars;
	const char *const *types;
	unsigned vf;
	const char *pf;
	enum vpci_vf_view vf_view;
};

/**
 * vpci_derive() - describe one function of a source
 * @s: the source
 * @i: index of the function
 * @opts: options (NULL = guest policy with quirks)
 * @out: receives the model
 * @d: diagnostics (may be NULL): what could not be read (e.g. only 64
 *     bytes of config space without root), unknown BAR sizes, applied
 *     quirks, malformed capability chains
 *
 * A guest view is checked with vpci_validate() before it is returned: a
 * device whose bytes cannot give a valid guest view is refused with the
 * rules it breaks, never written as a file that `vpci check` rejects.
 *
 * Return: 0, VPCI_EIO, VPCI_EDATA (e.g. a function that reads all-ones:
 * gone from the bus; a guest view that breaks a PCI rule; @opts->bars that
 * disagree with the source), VPCI_ENOENT (no such index), VPCI_ENOMEM.
 */
int vpci_derive(vpci_source *s, size_t i, const struct vpci_derive_opts *opts,
		vpci_func **out, vpci_diag *d);

/**
 * vpci_derive_physical() - the function as it is, to bind instances to it
 * @s: the source
 * @i: index of the function
 * @out: receives the model
 * @d: diagnostics (may be NULL), as vpci_derive()
 *
 * The raw description (every byte as the device shows it, no quirks)
 * plus what the source knows that config space does not say: BAR and ROM
 * kinds and sizes, also of a VF (whose BAR registers read 0; the kernel
 * knows them).  A VF keeps (or, through VFIO, which shows the PF's IDs,
 * gets back) the 0xffff Vendor and Device ID of its hardware, so that
 * vpci_bind() knows it is a VF.  This is what vpci_bind() and
 * `vpci can-back` take as the physical side.
 *
 * Return: 0, VPCI_EIO, VPCI_EDATA (the function reads all-ones),
 * VPCI_ENOENT, VPCI_ENOMEM.
 */
int vpci_derive_physical(vpci_source *s, size_t i, vpci_func **out, vpci_diag *d);

/**
 * vpci_policy_name() - "guest" or "raw"
 * @p: the policy
 *
 * Return: a static string.
 */
const char *vpci_policy_name(enum vpci_policy p);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_DERIVE_H */
