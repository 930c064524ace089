/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/abi.h - the guest ABI of an instance, differences between two
 * instances, and whether a running guest may migrate from one to the other
 *
 * The guest ABI of an instance is everything a guest can observe through
 * its config space (docs/abi.md): the config size and header kind, the
 * capability list (IDs, versions, offsets, chain order), BAR and ROM kinds
 * and sizes, the value of every bit the guest cannot change, and per bit
 * whether the guest may write it (RW), clear it (RW1C), whether it keeps
 * its value across resets (sticky) and whether the device backs it.  It is
 * a pure function of the model: no file name, comment, name, description or
 * origin enters it, and neither do the reset values of bits the guest can
 * write (their live values are migrated state, not the type).
 *
 * The ABI has one canonical byte encoding (docs/abi.md says it byte for
 * byte); its 64-bit FNV-1a hash is the ABI hash.  Two instances with the
 * same hash present the same function to a guest.
 *
 * vpci_diff_new() lists every difference between two instances by named
 * field, bit and plane, structure first, each marked as part of the guest
 * ABI or not.  vpci_compat() is the migration decision: a running guest may
 * move from SRC to DST exactly when no ABI difference remains after the
 * caller's explicit opt-outs.  vpci_emu_load() decides with the same
 * function, so a blob saved on SRC loads on DST exactly when
 * vpci_compat(SRC, DST) says so.
 *
 * Thread safety: the objects are immutable after creation; concurrent
 * readers are safe.
 */
#ifndef VPCI_ABI_H
#define VPCI_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** VPCI_ABI_VERSION - version of the ABI definition and its encoding */
#define VPCI_ABI_VERSION 2

/** typedef vpci_abi - the guest ABI of one instance (opaque) */
typedef struct vpci_abi vpci_abi;

/**
 * enum vpci_abi_part - the parts of the ABI, in encoding order
 * @VPCI_ABI_FUNCTION: config size, header kind, multi-function
 * @VPCI_ABI_CAPS: capability IDs, versions, offsets and chain order
 * @VPCI_ABI_BARS: BAR and ROM kinds, prefetchability and sizes
 * @VPCI_ABI_VALUES: values of the bits a guest cannot change (neither RW,
 *                   RW1C nor device-backed)
 * @VPCI_ABI_RW: bits the guest may write
 * @VPCI_ABI_RW1C: bits the guest may clear by writing 1
 * @VPCI_ABI_STICKY: guest-changeable virtual bits kept across FLR and hot
 *                   reset
 * @VPCI_ABI_DEVICE: bits backed by the device (RsvdZ bits excluded: they
 *                   read 0 whatever backs them)
 * @VPCI_ABI_PART_COUNT: number of parts
 */
enum vpci_abi_part {
	VPCI_ABI_FUNCTION = 0,
	VPCI_ABI_CAPS,
	VPCI_ABI_BARS,
	VPCI_ABI_VALUES,
	VPCI_ABI_RW,
	VPCI_ABI_RW1C,
	VPCI_ABI_STICKY,
	VPCI_ABI_DEVICE,
	VPCI_ABI_PART_COUNT
};

/**
 * vpci_abi_new() - the guest ABI of an instance
 * @f: the instance
 * @out: receives the ABI; free it with vpci_abi_free()
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_abi_new(const vpci_func *f, vpci_abi **out);

/**
 * vpci_abi_decode() - read an ABI from its canonical encoding
 * @data: the encoding (as vpci_abi_encoding() gives it)
 * @len: its length
 * @out: receives the ABI
 * @d: diagnostics (may be NULL): why the bytes are not an ABI
 *
 * Every count, offset and run is checked; @data may come from anywhere.
 *
 * Return: 0, VPCI_EDATA (malformed, or another ABI version), VPCI_ENOMEM.
 */
int vpci_abi_decode(const void *data, size_t len, vpci_abi **out, vpci_diag *d);

/**
 * vpci_abi_free() - free an ABI
 * @a: the ABI; NULL is allowed
 */
void vpci_abi_free(vpci_abi *a);

/**
 * vpci_abi_hash() - the ABI hash: FNV-1a (64 bits) of the encoding
 * @a: the ABI
 *
 * Return: the hash.
 */
uint64_t vpci_abi_hash(const vpci_abi *a);

/**
 * vpci_abi_encoding() - the canonical encoding (docs/abi.md)
 * @a: the ABI
 * @len: receives its length
 *
 * Return: the bytes, owned by @a.
 */
const uint8_t *vpci_abi_encoding(const vpci_abi *a, size_t *len);

/**
 * vpci_abi_part_name() - "function", "capabilities", "bars", "values",
 * "rw", "rw1c", "sticky", "device"
 * @p: the part
 *
 * Return: a static string ("?" for an invalid @p).
 */
const char *vpci_abi_part_name(enum vpci_abi_part p);

/**
 * vpci_abi_part_hash() - FNV-1a (64 bits) of one part's encoding
 * @a: the ABI
 * @p: the part
 *
 * Return: the hash, 0 for an invalid @p.
 */
uint64_t vpci_abi_part_hash(const vpci_abi *a, enum vpci_abi_part p);

/**
 * vpci_abi_array() - the bytes of a per-bit part
 * @a: the ABI
 * @p: VPCI_ABI_VALUES .. VPCI_ABI_DEVICE
 *
 * Return: VPCI_CFG_SIZE bytes (bit n of byte i describes bit n of config
 * byte i; zero past the config size), or NULL for another @p.
 */
const uint8_t *vpci_abi_array(const vpci_abi *a, enum vpci_abi_part p);

/**
 * vpci_abi_range_hash() - hash of the per-bit parts over a byte range
 * @a: the ABI
 * @off: first byte
 * @len: number of bytes (clipped to the config space)
 *
 * FNV-1a (64 bits) of the five per-bit parts' bytes in [@off, @off + @len),
 * part after part: equal hashes of a capability's range on two functions
 * mean the guest sees the same registers there.
 *
 * Return: the hash.
 */
uint64_t vpci_abi_range_hash(const vpci_abi *a, unsigned off, unsigned len);

/**
 * vpci_func_abi_hash() - the ABI hash of an instance
 * @f: the instance
 *
 * Return: vpci_abi_hash() of vpci_abi_new(@f); 0 when out of memory.
 */
uint64_t vpci_func_abi_hash(const vpci_func *f);

/** enum vpci_diff_kind - what a difference is about, structure first */
enum vpci_diff_kind {
	VPCI_DIFF_FUNCTION = 0, /* config size, header kind, multi-function */
	VPCI_DIFF_CAP_ADDED,    /* a capability only B has */
	VPCI_DIFF_CAP_REMOVED,  /* a capability only A has */
	VPCI_DIFF_CAP_MOVED,    /* a capability at another offset */
	VPCI_DIFF_CAP_VERSION,  /* a capability of another version */
	VPCI_DIFF_CAP_ORDER,    /* the same capabilities in another chain order */
	VPCI_DIFF_BAR,          /* a BAR's or the ROM's kind or size */
	VPCI_DIFF_FIELD_ADDED,  /* a register only B's layout has */
	VPCI_DIFF_FIELD_REMOVED, /* a register only A's layout has */
	VPCI_DIFF_VALUE,        /* value bits of a register or of raw bytes */
	VPCI_DIFF_PLANE,        /* bits of one access plane */
	VPCI_DIFF_META,         /* name, description, origin, free ranges */
	VPCI_DIFF_HASH,         /* the ABI hashes differ and nothing else says
				 * why (only a damaged ABI encoding does this) */
	VPCI_DIFF_KIND_COUNT
};

/**
 * struct vpci_diff_side - where a difference is in one of the two
 * @file: the instance's file, NULL when it has none
 * @line: 1-based line, 0 when unknown
 * @column: 1-based column, 0 when unknown
 * @offset: config offset, -1 when none applies
 */
struct vpci_diff_side {
	const char *file;
	unsigned line, column;
	int offset;
};

/**
 * struct vpci_diff_entry - one difference between A and B
 * @kind: what it is about
 * @abi: a difference of the guest ABI: a migration blocker unless waived
 * @waived: an ABI difference an explicit opt-out waives
 * @region: "function", "header", a capability key ("msix"), "raw" (bytes
 *          outside every capability) or "meta"
 * @field: the register's name in the format ("device-control"), NULL for
 *         bytes outside every register and for structure
 * @what: "value", a plane key ("rw", "rw1c", "sticky", "device", "hwinit",
 *        "rsvdp", "rsvdz"), "reset value", or for structure "size",
 *        "kind", "offset", "version", ... (never NULL)
 * @width: bytes the values below span (0 when they are not register bits)
 * @a: A's value (register value or plane mask, BAR size, offset, ...)
 * @b: B's value
 * @bits: the bits that differ (register entries)
 * @pa: where in A
 * @pb: where in B
 * @message: the whole difference as one sentence, without position
 *
 * Strings are owned by the list.
 */
struct vpci_diff_entry {
	enum vpci_diff_kind kind;
	bool abi;
	bool waived;
	const char *region;
	const char *field;
	const char *what;
	unsigned width;
	uint64_t a, b, bits;
	struct vpci_diff_side pa, pb;
	const char *message;
};

/** typedef vpci_diff - an ordered list of differences (opaque) */
typedef struct vpci_diff vpci_diff;

/**
 * struct vpci_compat_opts - explicit opt-outs of the migration check
 * @ignore: NULL-terminated list of registers and regions whose content
 *          differences are waived, or NULL: "REGION", "REGION.FIELD",
 *          "REGION@OFFSET" or "REGION@OFFSET.FIELD", where REGION is
 *          "header", "raw" or a capability key ("vsec", "vendor") and
 *          OFFSET the capability's offset in SRC.  Structure (capabilities
 *          added, removed, moved, BARs, config size) is never waived.
 */
struct vpci_compat_opts {
	const char *const *ignore;
};

/** enum vpci_diff_flags - what vpci_diff_new() lists */
enum vpci_diff_flags {
	VPCI_DIFF_ABI_ONLY = 1u << 0, /* only differences of the guest ABI */
};

/**
 * vpci_diff_new() - every difference between two instances
 * @a: instance A
 * @b: instance B
 * @flags: enum vpci_diff_flags
 * @opts: opt-outs that waive ABI differences (may be NULL)
 * @out: receives the list; free it with vpci_diff_free()
 * @d: diagnostics (may be NULL): malformed opt-outs
 *
 * Order: the function, capabilities (added, removed, moved, version,
 * order), BARs, then per region (header, capabilities in A's chain order,
 * raw bytes) each register's differences by value and plane, then names
 * and other metadata.  Capabilities are paired by ID, version-less
 * identity and occurrence, so a moved capability's registers are compared
 * with each other, not with whatever sits at the old offset.
 *
 * Return: 0, VPCI_EINVAL (an opt-out names no known region or register),
 * VPCI_ENOMEM.
 */
int vpci_diff_new(const vpci_func *a, const vpci_func *b, unsigned flags,
		  const struct vpci_compat_opts *opts, vpci_diff **out, vpci_diag *d);

/**
 * vpci_compat() - may a running guest migrate from @src to @dst?
 * @src: the instance the guest runs on
 * @dst: the instance it would run on
 * @opts: explicit opt-outs (may be NULL)
 * @out: receives the ABI differences (blockers and waived ones); may be
 *       NULL
 * @d: diagnostics (may be NULL): malformed opt-outs
 *
 * This is the decision vpci_emu_load() makes with the ABI a saved state
 * carries.
 *
 * Return: 0 when safe, VPCI_EDATA when at least one blocker remains,
 * VPCI_EINVAL, VPCI_ENOMEM.
 */
int vpci_compat(const vpci_func *src, const vpci_func *dst, const struct vpci_compat_opts *opts,
		vpci_diff **out, vpci_diag *d);

/**
 * vpci_diff_count() - number of entries
 * @l: the list
 *
 * Return: the count.
 */
size_t vpci_diff_count(const vpci_diff *l);

/**
 * vpci_diff_get() - one entry
 * @l: the list
 * @i: 0 .. vpci_diff_count() - 1
 *
 * Return: the entry, NULL for a bad @i.
 */
const struct vpci_diff_entry *vpci_diff_get(const vpci_diff *l, size_t i);

/**
 * vpci_diff_blockers() - ABI differences no opt-out waives
 * @l: the list
 *
 * Return: their number; 0 means a guest may migrate.
 */
size_t vpci_diff_blockers(const vpci_diff *l);

/**
 * vpci_diff_free() - free a list
 * @l: the list; NULL is allowed
 */
void vpci_diff_free(vpci_diff *l);

/**
 * vpci_diff_kind_name() - "function", "capability-added", ...
 * @kind: the kind
 *
 * Return: a static string ("?" for an invalid value).
 */
const char *vpci_diff_kind_name(enum vpci_diff_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_ABI_H */
