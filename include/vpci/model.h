/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/model.h - the model of one PCI function's config space
 *
 * A function is 4096 (or 256) bytes of initial value plus, for every bit,
 * what a guest may do with it and who backs it (the bit planes below), plus
 * its structure: header kind, BARs, expansion ROM, the capability list and
 * the extended capability list in chain order.  Every other part of
 * libvpci (text format, validation, rendering, emulation) works on this
 * model; the capability knowledge they share lives in one table.
 *
 * Thread safety: a vpci_func is not locked; concurrent readers are safe,
 * a writer needs exclusive access.
 */
#ifndef VPCI_MODEL_H
#define VPCI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/** VPCI_CFG_SIZE - size of a PCIe function's config space */
#define VPCI_CFG_SIZE 4096u
/** VPCI_CFG_SIZE_CONV - size of a conventional PCI function's config space */
#define VPCI_CFG_SIZE_CONV 256u

/** typedef vpci_func - one function's config-space model (opaque) */
typedef struct vpci_func vpci_func;

/**
 * enum vpci_plane - per-bit attribute planes
 * @VPCI_PL_RW: the guest may write the bit (RW, RWS)
 * @VPCI_PL_RW1C: writing 1 clears the bit (RW1C, RW1CS)
 * @VPCI_PL_RSVDP: reserved, writes must preserve the value (RsvdP)
 * @VPCI_PL_RSVDZ: reserved, reads 0, writes ignored (RsvdZ)
 * @VPCI_PL_HWINIT: initialised by hardware or firmware, read-only (HwInit)
 * @VPCI_PL_STICKY: keeps its value across FLR and hot reset (RWS/RW1CS/ROS)
 * @VPCI_PL_DEVICE: backed by the real function at run time, not by the model
 * @VPCI_PL_COUNT: number of planes
 *
 * A bit with none of RW, RW1C, RSVDP, RSVDZ set is read-only.
 */
enum vpci_plane {
	VPCI_PL_RW = 0,
	VPCI_PL_RW1C,
	VPCI_PL_RSVDP,
	VPCI_PL_RSVDZ,
	VPCI_PL_HWINIT,
	VPCI_PL_STICKY,
	VPCI_PL_DEVICE,
	VPCI_PL_COUNT
};

/**
 * enum vpci_access - access semantics of a field or bit (PCIe r6.0 §7.4)
 *
 * Names: vpci_access_name().
 */
enum vpci_access {
	VPCI_ACC_RO = 0,
	VPCI_ACC_RW,
	VPCI_ACC_RW1C,
	VPCI_ACC_RSVDP,
	VPCI_ACC_RSVDZ,
	VPCI_ACC_HWINIT,
	VPCI_ACC_RWS,
	VPCI_ACC_RW1CS,
	VPCI_ACC_ROS,
	VPCI_ACC_COUNT
};

/** enum vpci_kind - config header layout (Header Type bits 6:0); names: vpci_kind_name() */
enum vpci_kind {
	VPCI_KIND_ENDPOINT = 0, /* type 0 */
	VPCI_KIND_BRIDGE = 1,   /* type 1, PCI-to-PCI bridge */
	VPCI_KIND_CARDBUS = 2,  /* type 2, described as raw bytes only */
};

/** enum vpci_bar_type - kind of a base address register; names: vpci_bar_type_name() */
enum vpci_bar_type {
	VPCI_BAR_NONE = 0,  /* unimplemented (reads 0) */
	VPCI_BAR_IO,        /* I/O space, at most 256 bytes */
	VPCI_BAR_MEM32,     /* 32-bit memory */
	VPCI_BAR_MEM64,     /* 64-bit memory, uses this and the next BAR */
	VPCI_BAR_MEM1M,     /* legacy "below 1 MiB" memory (type 01b) */
	VPCI_BAR_MEM64_HI,  /* upper half of the previous MEM64 BAR */
};

/**
 * struct vpci_bar_info - one BAR (or the expansion ROM, index 6)
 * @index: 0..5 for BARs, 6 for the expansion ROM
 * @type: kind of the BAR
 * @prefetchable: memory BAR is prefetchable
 * @size: size in bytes, a power of two; 0 when unknown
 * @address: initial address bits as found in the register
 * @size_known: false when the source gave no size (e.g. an lspci dump)
 * @enabled: expansion ROM enable bit (index 6 only)
 */
struct vpci_bar_info {
	unsigned index;
	enum vpci_bar_type type;
	bool prefetchable;
	uint64_t size;
	uint64_t address;
	bool size_known;
	bool enabled;
};

/**
 * struct vpci_cap_info - one capability in the model
 * @id: capability ID (8 bits for standard, 16 bits for extended ones)
 * @extended: true for an extended capability (offset >= 0x100)
 * @version: extended capability version (0 for standard ones)
 * @offset: offset of the capability header
 * @length: length in bytes (header included); 0 when unknown
 * @key: the format's name of the capability (e.g. "msix"), never NULL
 * @name: human-readable name (e.g. "MSI-X"), never NULL
 * @is_virtual: a virtual capability: no device backs it (vpci/place.h)
 * @auto_placed: a virtual capability placed by the placement rule rather
 *               than pinned at its offset
 *
 * Strings are static and outlive every function.
 */
struct vpci_cap_info {
	uint16_t id;
	bool extended;
	uint8_t version;
	uint16_t offset;
	uint16_t length;
	const char *key;
	const char *name;
	bool is_virtual;
	bool auto_placed;
};

/**
 * struct vpci_free_range - room the instance keeps for virtual capabilities
 * @offset: first byte
 * @length: number of bytes
 * @kept_for: the name of the virtual capability the range is kept for
 *            (a quirk's `reserve`), "" when it is for any; owned by the
 *            function
 */
struct vpci_free_range {
	unsigned offset;
	unsigned length;
	const char *kept_for;
};

/**
 * vpci_func_new() - allocate an empty endpoint model
 *
 * The function starts as a type 0 (endpoint) header in a 4096-byte
 * (PCI Express sized) config space with all bytes zero, all bits
 * read-only and virtual, no BARs and no capabilities.
 *
 * Return: the function, or NULL when out of memory.
 */
vpci_func *vpci_func_new(void);

/**
 * vpci_func_free() - free a function model
 * @f: the function; NULL is allowed
 */
void vpci_func_free(vpci_func *f);

/**
 * vpci_func_dup() - deep copy of a function model
 * @f: the function
 *
 * Return: the copy, or NULL when out of memory.
 */
vpci_func *vpci_func_dup(const vpci_func *f);

/**
 * vpci_func_from_config() - build a model from raw config bytes
 * @cfg: config bytes as the device shows them
 * @len: number of bytes in @cfg: 64, 128, 256 or 4096
 * @out: receives the new function
 * @d: diagnostics (may be NULL): malformed chains, out-of-range pointers
 *
 * Discovers the header kind, BAR kinds, the capability chains (bounded and
 * cycle-safe) and applies the capability table's default access planes.
 * Bytes no known structure explains are kept as raw bytes, so rendering
 * the model gives @cfg back exactly.  64 or 128 bytes are a partial
 * capture (what Linux shows a user who is not root): the model keeps that
 * size and has no capabilities.  BAR sizes are unknown until set with
 * vpci_func_set_bar_size().
 *
 * Return: 0, VPCI_EINVAL for a bad @len, VPCI_ENOMEM.
 */
int vpci_func_from_config(const uint8_t *cfg, size_t len, vpci_func **out,
			  vpci_diag *d);

/**
 * vpci_func_name() - the instance name
 * @f: the function
 *
 * Return: the name, or "" when unset.  Owned by @f.
 */
const char *vpci_func_name(const vpci_func *f);

/**
 * vpci_func_set_name() - set the instance name
 * @f: the function
 * @name: new name (copied)
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_func_set_name(vpci_func *f, const char *name);

/**
 * vpci_func_description() - free-text description, "" when unset
 * @f: the function
 *
 * Return: the description, owned by @f.
 */
const char *vpci_func_description(const vpci_func *f);

/**
 * vpci_func_set_description() - set the free-text description
 * @f: the function
 * @text: new description (copied); NULL clears it
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_func_set_description(vpci_func *f, const char *text);

/** VPCI_TYPE_VERSION_MAX - the highest version of an instance type */
#define VPCI_TYPE_VERSION_MAX 65535u

/**
 * vpci_func_version() - the version of an instance type
 * @f: the function
 *
 * An instance type (instances/, docs/format.md §3) says which version of
 * the type it is (`version:`); `extends: NAME@N` names it.
 *
 * Return: the version, 1 .. VPCI_TYPE_VERSION_MAX, or 0 when @f is not a
 * versioned type.
 */
unsigned vpci_func_version(const vpci_func *f);

/**
 * vpci_func_set_version() - make the function a version of a type
 * @f: the function
 * @version: 1 .. VPCI_TYPE_VERSION_MAX, or 0 for none
 *
 * Return: 0 or VPCI_ERANGE.
 */
int vpci_func_set_version(vpci_func *f, unsigned version);

/**
 * vpci_func_extends() - the instance type the function was built on
 * @f: the function
 *
 * A function read from a file with `extends: NAME@N` is the resolved
 * instance (the type with the file's differences applied); it remembers
 * the type, so that the canonical writer writes only the differences.
 *
 * Return: "NAME@N", or "" when the function extends nothing.  Owned by @f.
 */
const char *vpci_func_extends(const vpci_func *f);

/**
 * vpci_func_flatten() - forget the type the function was built on
 * @f: the function
 *
 * The function stays as it is; the canonical writer then writes it whole,
 * without `extends:`.
 */
void vpci_func_flatten(vpci_func *f);

/**
 * vpci_func_config_size() - size of the config space
 * @f: the function
 *
 * Return: 4096 for PCIe functions, 256 for conventional ones, 64 or 128
 * for a partial capture.
 */
unsigned vpci_func_config_size(const vpci_func *f);

/**
 * vpci_func_kind() - header layout of the function
 * @f: the function
 *
 * Return: the header kind.
 */
enum vpci_kind vpci_func_kind(const vpci_func *f);

/**
 * vpci_func_bytes() - the initial (reset) value of every byte
 * @f: the function
 *
 * Return: a pointer to VPCI_CFG_SIZE bytes owned by @f.  Bytes past
 * vpci_func_config_size() are zero.
 */
const uint8_t *vpci_func_bytes(const vpci_func *f);

/**
 * vpci_func_plane() - one attribute plane
 * @f: the function
 * @plane: which plane
 *
 * Return: VPCI_CFG_SIZE bytes, bit n of byte i describing bit n of config
 * byte i; NULL for an invalid @plane.
 */
const uint8_t *vpci_func_plane(const vpci_func *f, enum vpci_plane plane);

/**
 * vpci_func_read() - little-endian read of the initial value
 * @f: the function
 * @off: offset
 * @width: 1, 2 or 4
 *
 * Return: the value; 0 when the access is outside the config space.
 */
uint32_t vpci_func_read(const vpci_func *f, unsigned off, unsigned width);

/**
 * vpci_func_bar() - one BAR
 * @f: the function
 * @index: 0..5, or 6 for the expansion ROM
 * @out: receives the BAR
 *
 * Return: 0, or VPCI_ENOENT when the BAR is unimplemented (out->type is
 * VPCI_BAR_NONE then), VPCI_EINVAL for a bad @index.
 */
int vpci_func_bar(const vpci_func *f, unsigned index,
		  struct vpci_bar_info *out);

/**
 * vpci_func_set_bar_size() - record the size of a BAR or the ROM
 * @f: the function
 * @index: 0..5, or 6 for the expansion ROM
 * @size: size in bytes, a power of two
 *
 * Also updates the writable planes of the register so that BAR sizing
 * works when the function is emulated.
 *
 * Return: 0, VPCI_ENOENT for an unimplemented BAR, VPCI_ERANGE for a size
 * that is not a power of two or too small for the BAR kind.
 */
int vpci_func_set_bar_size(vpci_func *f, unsigned index, uint64_t size);

/**
 * vpci_func_set_plane() - set the bits of one attribute plane
 * @f: the function
 * @plane: which plane
 * @off: first byte
 * @len: number of bytes
 * @mask: the plane's new bits for those bytes, or NULL for all ones
 *
 * For tools that build instances (e.g. a passthrough view where every bit
 * is writable and device-backed).  The caller keeps the planes consistent
 * (vpci_validate() checks them).
 *
 * Return: 0, VPCI_EINVAL (bad plane), VPCI_ERANGE (outside 4 KiB).
 */
int vpci_func_set_plane(vpci_func *f, enum vpci_plane plane, unsigned off, unsigned len,
			const uint8_t *mask);

/**
 * vpci_func_cap_count() - number of capabilities in the model
 * @f: the function
 *
 * Return: standard capabilities (in chain order) followed by extended
 * ones (in chain order).
 */
unsigned vpci_func_cap_count(const vpci_func *f);

/**
 * vpci_func_cap() - one capability
 * @f: the function
 * @i: index, 0 .. vpci_func_cap_count() - 1
 * @out: receives the capability
 *
 * Return: 0 or VPCI_ENOENT.
 */
int vpci_func_cap(const vpci_func *f, unsigned i, struct vpci_cap_info *out);

/**
 * vpci_func_find_cap() - find a capability by ID
 * @f: the function
 * @extended: look among extended capabilities
 * @id: capability ID
 * @out: receives the first match (may be NULL)
 *
 * Return: the index for vpci_func_cap(), or VPCI_ENOENT.
 */
int vpci_func_find_cap(const vpci_func *f, bool extended, uint16_t id,
		       struct vpci_cap_info *out);

/**
 * struct vpci_msix_info - where an MSI-X capability puts its table and PBA
 * @cap: offset of the MSI-X capability
 * @vectors: Table Size + 1 (PCIe r6.0 §7.7.2.2)
 * @table_bar: BAR (0..5) that holds the table (Table BIR)
 * @table_offset: offset of the table in that BAR
 * @table_size: bytes of the table (16 per vector)
 * @pba_bar: BAR that holds the Pending Bit Array (PBA BIR)
 * @pba_offset: offset of the PBA in that BAR
 * @pba_size: bytes of the PBA (one bit per vector, in QWORDs)
 *
 * A VMM routes guest accesses to these ranges of its BAR mappings to
 * vpci_emu_msix_table_read() and vpci_emu_msix_table_write().
 */
struct vpci_msix_info {
	unsigned cap;
	unsigned vectors;
	unsigned table_bar;
	uint64_t table_offset, table_size;
	unsigned pba_bar;
	uint64_t pba_offset, pba_size;
};

/**
 * vpci_func_msix() - the MSI-X table and PBA of a function
 * @f: the function
 * @out: receives where they are
 *
 * The BAR's kind and size come from vpci_func_bar().
 *
 * Return: 0, or VPCI_ENOENT when the function has no MSI-X capability.
 */
int vpci_func_msix(const vpci_func *f, struct vpci_msix_info *out);

/**
 * vpci_func_free_range_count() - number of declared free ranges
 * @f: the function
 *
 * Return: how many free ranges the instance declares.
 */
unsigned vpci_func_free_range_count(const vpci_func *f);

/**
 * vpci_func_free_range() - one declared free range
 * @f: the function
 * @i: index, 0 .. vpci_func_free_range_count() - 1
 * @out: receives the range
 *
 * Return: 0 or VPCI_ENOENT.
 */
int vpci_func_free_range(const vpci_func *f, unsigned i, struct vpci_free_range *out);

/**
 * vpci_func_vf_template() - the VF persona of a virtual PF
 * @f: the function
 *
 * A function whose instance has `vf-template:` (docs/format.md §4) is a
 * virtual PF: when its guest sets VF Enable, its VFs are instances of
 * this template (the emulation engine reports them as `vf` events).
 *
 * Return: the template, owned by @f; NULL when @f has none.
 */
const vpci_func *vpci_func_vf_template(const vpci_func *f);

/**
 * vpci_access_name() - the format's spelling of an access type
 * @acc: access type
 *
 * Return: "RO", "RW", "RW1C", "RsvdP", "RsvdZ", "HwInit", "RWS", "RW1CS",
 * "ROS", or "?" for an invalid value.
 */
const char *vpci_access_name(enum vpci_access acc);

/**
 * vpci_kind_name() - the format's spelling of a header kind
 * @kind: header kind
 *
 * Return: "endpoint", "bridge", "cardbus", or "?" for an invalid value.
 */
const char *vpci_kind_name(enum vpci_kind kind);

/**
 * vpci_bar_type_name() - the format's spelling of a BAR type
 * @type: BAR type
 *
 * Return: "none", "io", "mem32", "mem64", "mem1m", "mem64-hi" (the upper
 * half of a 64-bit BAR, never written in a file), or "?" for an invalid
 * value.
 */
const char *vpci_bar_type_name(enum vpci_bar_type type);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_MODEL_H */
