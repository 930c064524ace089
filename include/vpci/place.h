/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/place.h - virtual capabilities: capabilities a function shows that
 * no device backs (a virtual PASID for a VF behind vfio-pci, the NVIDIA
 * GPUDirect clique and Intel VMD MEMBAR shadow capabilities a driver reads
 * at a fixed offset), placed at a pinned offset or by a documented,
 * versioned placement rule; a map of the config space; what the host's
 * IOMMU lets a virtual PASID promise.
 *
 * The placement rule (docs/format.md §19) depends on the function alone,
 * so the same instance gives the same offsets on every host and release.
 * Rule 1:
 *   1. a virtual capability with a name goes into the free range kept for
 *      that name (a quirk's `reserve`), when it fits there;
 *   2. otherwise into the lowest DWORD-aligned offset of a declared free
 *      range (one kept for nothing) where it fits;
 *   3. otherwise, only when gaps are allowed, into the lowest DWORD-aligned
 *      offset where every byte is free: in a free range or in a gap the
 *      function proves free (outside every capability and free range kept
 *      for something else, value 0, every bit read-only and virtual).
 * Standard capabilities go into 0x40..0xff, extended ones into
 * 0x100..0xfff (a 4096-byte function with a PCI Express capability);
 * when the extended list is empty the capability goes to 0x100, or an
 * empty header (ID 0) at 0x100 leads to it (PCIe r6.0 §7.6.3).  A virtual
 * capability is linked at the end of its list.
 *
 * Thread safety: as vpci_func (a writer needs exclusive access).
 */
#ifndef VPCI_PLACE_H
#define VPCI_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** VPCI_PLACE_RULE - the version of the placement rule this library applies */
#define VPCI_PLACE_RULE 1

/**
 * enum vpci_vcap_flags - how a virtual capability is placed
 * @VPCI_VCAP_AUTO: by the placement rule (`placement: auto`); the offset
 *                  given is ignored
 * @VPCI_VCAP_GAPS: the rule may also use gaps the function proves free
 *                  (`placement: auto-gaps`)
 */
enum vpci_vcap_flags {
	VPCI_VCAP_AUTO = 1u << 0,
	VPCI_VCAP_GAPS = 1u << 1,
};

/**
 * struct vpci_vcap_param - one value of a virtual capability
 * @name: a register of the capability as the format names it
 *        ("pasid-capability"), a named bit range of one as vpci_show()
 *        prints it ("MaxPASIDWidth"), or a parameter of the type: pasid
 *        "width", "exec", "priv"; ats "queue-depth", "page-aligned",
 *        "global-invalidate"; pri "capacity"; nvidia-gpudirect-clique
 *        "clique"; intel-vmd-membar-shadow "membar1", "membar2"
 * @value: the value; it must fit the register, bit range or parameter
 */
struct vpci_vcap_param {
	const char *name;
	uint64_t value;
};

/**
 * struct vpci_vcap - a virtual capability to add
 * @type: a key of the capability table ("pasid", "ats", "pri", "vendor",
 *        ...), or a template: "nvidia-gpudirect-clique" (the 8-byte
 *        vendor-specific capability NVIDIA's driver reads at 0xd4 or 0xc8),
 *        "intel-vmd-membar-shadow" (the 24-byte "SHDW" capability the
 *        Linux vmd driver reads at 0xe8)
 * @flags: OR of enum vpci_vcap_flags
 * @offset: the pinned offset (without VPCI_VCAP_AUTO)
 * @version: extended capabilities: the version, 0 for 1
 * @name: what the capability is for, matching a free range kept for that
 *        name ([a-z0-9-], at most 39 characters); NULL for none (a
 *        template's name is its own)
 * @params: values applied in order after the table's reset values and
 *          @body (may be NULL)
 * @nparams: number of @params
 * @body: bytes after the capability header (from byte 2 of a standard,
 *        byte 4 of an extended capability), applied before @params; NULL
 *        for none
 * @body_len: number of bytes of @body
 */
struct vpci_vcap {
	const char *type;
	unsigned flags;
	unsigned offset;
	unsigned version;
	const char *name;
	const struct vpci_vcap_param *params;
	size_t nparams;
	const uint8_t *body;
	size_t body_len;
};

/**
 * enum vpci_place_where - why a virtual capability is where it is
 * @VPCI_PLACED_PINNED: at the offset it gives
 * @VPCI_PLACED_RESERVED: in the free range kept for its name (rule step 1)
 * @VPCI_PLACED_FREE_RANGE: in the lowest declared free range with room
 *                          (rule step 2)
 * @VPCI_PLACED_GAP: in the lowest run of free bytes, gaps included (rule
 *                   step 3)
 */
enum vpci_place_where {
	VPCI_PLACED_PINNED = 0,
	VPCI_PLACED_RESERVED,
	VPCI_PLACED_FREE_RANGE,
	VPCI_PLACED_GAP,
};

/**
 * struct vpci_placement - where a virtual capability goes
 * @offset: its offset
 * @length: the bytes it takes (its length rounded up to a DWORD)
 * @where: the rule step that chose the offset
 * @region_offset: the free range or run of free bytes it lies in
 * @region_length: its length
 * @anchor: an empty extended capability header is (to be) put at 0x100
 *          to lead to it, because the extended list was empty
 * @index: after vpci_vcap_add(): its index for vpci_func_cap()
 * @reason: one line for people: where, and which rule step
 */
struct vpci_placement {
	unsigned offset;
	unsigned length;
	enum vpci_place_where where;
	unsigned region_offset;
	unsigned region_length;
	bool anchor;
	unsigned index;
	char reason[200];
};

/**
 * vpci_vcap_fit() - where a virtual capability would go
 * @f: the function (not changed)
 * @vc: the capability
 * @out: receives the placement
 * @d: diagnostics (may be NULL): why it does not fit, naming what is in
 *     the way
 *
 * Return: 0; VPCI_ENOENT when there is no room (the diagnostic says
 * exactly why); VPCI_EDATA when a pinned offset conflicts with something
 * (named); VPCI_EINVAL for an unknown type or parameter, a bad name;
 * VPCI_ERANGE for a value that does not fit or a pinned offset outside
 * the capability's space; VPCI_ENOMEM.
 */
int vpci_vcap_fit(const vpci_func *f, const struct vpci_vcap *vc, struct vpci_placement *out,
		  vpci_diag *d);

/**
 * vpci_vcap_add() - add a virtual capability
 * @f: the function
 * @vc: the capability
 * @out: receives the placement (may be NULL)
 * @d: diagnostics (may be NULL)
 *
 * Places the capability as vpci_vcap_fit() says, writes its bytes (every
 * bit virtual, the access of the capability table), links it at the end
 * of its list and sets Status.Capabilities List when it is the first
 * standard capability.  On error @f is unchanged.
 *
 * Return: as vpci_vcap_fit().
 */
int vpci_vcap_add(vpci_func *f, const struct vpci_vcap *vc, struct vpci_placement *out, vpci_diag *d);

/**
 * vpci_vcap_remove() - remove a virtual capability
 * @f: the function
 * @index: its index for vpci_func_cap()
 *
 * Its bytes become 0, read-only and virtual again; an empty header at 0x100
 * that only led to it stays.
 *
 * Return: 0, VPCI_ENOENT (no such capability), VPCI_EINVAL (not virtual).
 */
int vpci_vcap_remove(vpci_func *f, unsigned index);

/**
 * vpci_vcap_pin() - pin an automatically placed virtual capability
 * @f: the function
 * @index: its index for vpci_func_cap()
 *
 * The capability keeps its offset, and a written instance names it
 * (`offset:`) instead of `placement: auto`.
 *
 * Return: 0, VPCI_ENOENT, VPCI_EINVAL (not virtual).
 */
int vpci_vcap_pin(vpci_func *f, unsigned index);

/**
 * vpci_vcap_explain() - why a virtual capability is where it is
 * @f: the function
 * @index: its index for vpci_func_cap()
 * @out: receives its placement: the rule step (or pinned) and region,
 *       as the rule decides it for the function as it is, without this
 *       capability and the virtual capabilities of its list after it (an
 *       empty header at 0x100 that its placement added stays, so the rule
 *       may now choose another offset)
 *
 * For a capability the rule placed, @out->offset is its offset.
 *
 * Return: 0, VPCI_ENOENT, VPCI_EINVAL (not virtual), VPCI_ENOMEM, or the
 * rule's error when the function changed since (see vpci_vcap_fit()).
 */
int vpci_vcap_explain(const vpci_func *f, unsigned index, struct vpci_placement *out);

/**
 * vpci_vcap_name() - what a virtual capability is for
 * @f: the function
 * @index: its index for vpci_func_cap()
 *
 * Return: its name, "" when it has none or is not virtual.
 */
const char *vpci_vcap_name(const vpci_func *f, unsigned index);

/** enum vpci_map_flags - options of vpci_map() */
enum vpci_map_flags {
	VPCI_MAP_SVG = 1u << 0, /* an SVG picture instead of terminal text */
};

/**
 * vpci_map() - draw the config space for people
 * @f: the function
 * @flags: OR of enum vpci_map_flags
 * @out: receives a malloc'd NUL-terminated string; free() it
 *
 * One cell per DWORD, 64 per row: the header, each capability by a letter
 * (upper case where some bit is device-backed, lower case where every bit
 * is virtual), virtual capabilities, free ranges (and those kept for a
 * name), gaps that are free, gaps holding virtual data and device-backed
 * gaps (registers a quirk keeps); then a legend with every block's
 * offset, length, name and backing.  The SVG form draws the same grid.
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_map(const vpci_func *f, unsigned flags, char **out);

/**
 * struct vpci_host_pasid - what the host lets a virtual PASID promise
 * @known: at least one side below could be asked
 * @supported: the host can back a PASID capability at all (every side
 *             that was asked supports one)
 * @width: the Max PASID Width a virtual PASID may promise: the smallest
 *         of the known sides
 * @exec: Execute Permission may be promised (every known side has it)
 * @priv: Privileged Mode may be promised (every known side has it)
 * @config: the function's config space was read (sysfs, as root)
 * @device: ... and the function has a PASID capability (for a VF: its PF
 *          has one; VFs use their PF's and must not implement their own,
 *          PCIe r6.0 §7.8.9)
 * @dev_width: its Max PASID Width (PCIe r6.0 §7.8.9.2)
 * @dev_exec: its Execute Permission Supported
 * @dev_priv: its Privileged Mode Supported
 * @iommu: the IOMMU answered IOMMU_GET_HW_INFO through iommufd
 * @iommu_width: the PASID width it reports (0: none)
 * @iommu_exec: execute permission supported for the function's PASIDs
 * @iommu_priv: privileged mode supported for the function's PASIDs
 * @why: what could not be asked, and why ("" when everything was)
 */
struct vpci_host_pasid {
	bool known;
	bool supported;
	unsigned width;
	bool exec, priv;
	bool config;
	bool device;
	unsigned dev_width;
	bool dev_exec, dev_priv;
	bool iommu;
	unsigned iommu_width;
	bool iommu_exec, iommu_priv;
	char why[400];
};

/**
 * vpci_host_pasid() - ask the host what a virtual PASID may promise
 * @sysfs_root: sysfs root, NULL for "/sys"
 * @slot: the function, "[DDDD:]BB:DD.F"
 * @out: receives the facts
 * @d: diagnostics (may be NULL)
 *
 * Reads the function's PASID capability from its sysfs config and, when
 * the function is bound to vfio-pci with a VFIO device file
 * (vfio-dev/vfioN), binds that file to a new iommufd and asks the IOMMU
 * with IOMMU_GET_HW_INFO (Linux 6.15 and later report the PASID width and
 * the execute/privileged capabilities; earlier kernels leave them 0).
 *
 * Return: 0 (see @out->known and @out->why), VPCI_EINVAL (bad slot),
 * VPCI_ENOMEM.
 */
int vpci_host_pasid(const char *sysfs_root, const char *slot, struct vpci_host_pasid *out,
		    vpci_diag *d);

/**
 * vpci_check_host_pasid() - does a function promise more than the host backs
 * @f: the function
 * @h: the host's facts (vpci_host_pasid())
 * @d: diagnostics: one error per promise the host cannot keep (Max PASID
 *     Width, Execute, Privileged), naming both values; a warning when the
 *     host's facts are unknown
 *
 * Every PASID capability of @f is checked, virtual or not.
 *
 * Return: the number of errors added.
 */
unsigned vpci_check_host_pasid(const vpci_func *f, const struct vpci_host_pasid *h, vpci_diag *d);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_PLACE_H */
