/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/bind.h - binding an instance to the function that backs it
 *
 * An instance is the guest's layout; the function that backs it has its
 * own.  A binding pairs them: for every device-backed byte of the instance
 * (the VPCI_PL_DEVICE plane) the physical byte that backs it.  Header
 * registers stay at their fixed offsets; a capability is matched to the
 * physical capability of the same ID, version and (Vendor-Specific, VSEC,
 * DVSEC) vendor/DVSEC ID and length, wherever it sits, so a guest AER at
 * 0x100 may be backed by a physical AER at 0x200; device-backed bytes
 * outside every capability stay at their offset and only where the
 * function has no structure.  The binding also checks the can-back rules
 * of docs/binding.md (config size, capability presence, BAR kinds and
 * sizes, the ROM, vector counts, capability bits, PASID, interrupt pin,
 * VF vs PF) and keeps every reason it found.
 *
 * vpci_common() computes the largest instance a set of functions can all
 * back.
 *
 * Thread safety: a binding is immutable once made; any number of threads
 * may read it.
 */
#ifndef VPCI_BIND_H
#define VPCI_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** typedef vpci_binding - an instance bound to a physical function (opaque) */
typedef struct vpci_binding vpci_binding;

/**
 * vpci_bind() - bind an instance to the function that backs it
 * @instance: the guest's layout (e.g. a parsed instance file)
 * @physical: a raw model of the backing function: vpci_func_from_config()
 *            of its config bytes, or a raw derive (vpci_derive_physical()),
 *            with BAR kinds and sizes where they are known
 * @out: receives the binding, also when the instance cannot be backed
 *       (it then holds the reasons); NULL only on VPCI_ENOMEM
 * @d: diagnostics (may be NULL): one entry per reason, an error for a
 *     blocker, a warning for a rule that could not be checked; each names
 *     the instance's file:line and the guest and physical offsets
 *
 * Return: 0 when @physical can back @instance, VPCI_EDATA when it cannot
 * (every reason is listed, not just the first), VPCI_ENOMEM.
 */
int vpci_bind(const vpci_func *instance, const vpci_func *physical, vpci_binding **out,
	      vpci_diag *d);

/**
 * vpci_binding_free() - free a binding
 * @b: the binding; NULL is allowed
 */
void vpci_binding_free(vpci_binding *b);

/**
 * vpci_binding_ok() - the verdict
 * @b: the binding
 *
 * Return: true when the function can back the instance (no blocker).
 */
bool vpci_binding_ok(const vpci_binding *b);

/**
 * vpci_binding_lookup() - the physical byte behind a guest byte
 * @b: the binding
 * @guest: a guest config offset
 *
 * O(1): one table load, fit for an emulator's hot path.
 *
 * Return: the physical offset backing the device-backed guest byte
 * @guest, or -1 when the byte is not device-backed (or not bound).
 */
int vpci_binding_lookup(const vpci_binding *b, unsigned guest);

/**
 * struct vpci_bind_range - one entry of the relocation map
 * @guest: first guest byte
 * @physical: the physical byte backing it
 * @length: number of bytes
 * @what: the register(s), e.g. "header command" or
 *        "Advanced Error Reporting uncorrectable-status"; owned by the binding
 */
struct vpci_bind_range {
	unsigned guest;
	unsigned physical;
	unsigned length;
	const char *what;
};

/**
 * vpci_binding_range_count() - number of entries of the relocation map
 * @b: the binding
 *
 * Return: the count; consecutive bytes of one register with one offset
 * difference form one entry.
 */
size_t vpci_binding_range_count(const vpci_binding *b);

/**
 * vpci_binding_range() - one entry of the relocation map
 * @b: the binding
 * @i: index, 0 .. vpci_binding_range_count() - 1
 * @out: receives the entry
 *
 * Return: 0 or VPCI_ENOENT.
 */
int vpci_binding_range(const vpci_binding *b, size_t i, struct vpci_bind_range *out);

/**
 * struct vpci_bind_reason - why a function cannot back an instance (or a
 * rule that could not be checked)
 * @rule: the rule's name in docs/binding.md, e.g. "bar-size"
 * @blocker: true for a blocker, false for a warning
 * @file: the instance file ("" when the instance has none)
 * @line: line in @file, 0 when unknown
 * @column: column in @file, 0 when unknown
 * @guest: guest config offset, -1 when none applies
 * @physical: physical config offset, -1 when there is none
 * @message: what is wrong, naming both sides
 *
 * Strings are owned by the binding.
 */
struct vpci_bind_reason {
	const char *rule;
	bool blocker;
	const char *file;
	unsigned line;
	unsigned column;
	int guest;
	int physical;
	const char *message;
};

/**
 * vpci_binding_reason_count() - number of reasons (blockers and warnings)
 * @b: the binding
 *
 * Return: the count.
 */
size_t vpci_binding_reason_count(const vpci_binding *b);

/**
 * vpci_binding_reason() - one reason
 * @b: the binding
 * @i: index, 0 .. vpci_binding_reason_count() - 1
 * @out: receives the reason
 *
 * Return: 0 or VPCI_ENOENT.
 */
int vpci_binding_reason(const vpci_binding *b, size_t i, struct vpci_bind_reason *out);

/** enum vpci_binding_format - output formats of vpci_binding_format() */
enum vpci_binding_format {
	VPCI_BINDING_TEXT = 0, /* for people: verdict, relocation map, reasons */
	VPCI_BINDING_JSON,     /* one JSON object (docs/binding.md) */
};

/**
 * vpci_binding_format() - print a binding
 * @b: the binding
 * @fmt: text or JSON
 * @out: receives a malloc'd, NUL-terminated string; free() it
 * @len: receives its length (may be NULL)
 *
 * Return: 0, VPCI_EINVAL (bad @fmt), VPCI_ENOMEM.
 */
int vpci_binding_format(const vpci_binding *b, enum vpci_binding_format fmt, char **out,
			size_t *len);

/**
 * struct vpci_common_opts - options of vpci_common()
 * @name: name of the result; NULL: "common"
 * @ids: the identity (vendor, device, revision, class, subsystem IDs) of
 *       the result; NULL: the first function's
 * @labels: a label per function for the notes (e.g. its file name); NULL:
 *          the functions' names
 */
struct vpci_common_opts {
	const char *name;
	const vpci_func *ids;
	const char *const *labels;
};

/**
 * vpci_common() - the largest instance every function can back
 * @fns: the functions (instances, raw or derived); the first one gives
 *       the layout (capability offsets and order)
 * @n: number of functions, at least 1
 * @opts: options (may be NULL)
 * @out: receives the result
 * @d: diagnostics (may be NULL): why no common instance exists
 *
 * Starts from the first function and meets it with every other one, rule
 * by rule (docs/binding.md, column "common"): a capability missing on any
 * function is dropped, vector counts and BAR sizes take their minimum,
 * capability bits are intersected, registers a function cannot back
 * become virtual.  The result carries one note per change (the canonical
 * writer emits them as comments) and vpci_bind() accepts it against every
 * function.  Deterministic: the same inputs give the same result.
 *
 * Return: 0, VPCI_EINVAL (@n is 0), VPCI_EDATA (no instance can be backed
 * by all: e.g. a VF and a PF, or two header layouts), VPCI_ENOMEM.
 */
int vpci_common(const vpci_func *const *fns, size_t n, const struct vpci_common_opts *opts,
		vpci_func **out, vpci_diag *d);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_BIND_H */
