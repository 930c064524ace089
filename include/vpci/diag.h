/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/diag.h - error codes and diagnostics of libvpci
 *
 * The library never prints and never exits.  Functions return 0 or a
 * negative VPCI_E* code; where more than one problem can be found in one
 * call (parsing, validation) each problem is appended to a caller-owned
 * diagnostics list with its position: file:line:column for text input,
 * and the config-space offset and field name where one applies.
 */
#ifndef VPCI_DIAG_H
#define VPCI_DIAG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** enum vpci_status - return codes (negated errno-like values, 0 = success) */
enum vpci_status {
	VPCI_OK = 0,
	VPCI_ENOMEM = -1,   /* out of memory */
	VPCI_EINVAL = -2,   /* invalid argument */
	VPCI_EIO = -3,      /* input unreadable or output unwritable */
	VPCI_EDATA = -4,    /* input data is invalid (see the diagnostics) */
	VPCI_ERANGE = -5,   /* offset, size or value out of range */
	VPCI_ENOENT = -6,   /* no such object (file, capability, field) */
	VPCI_ENOTSUP = -7,  /* operation not supported for this object */
	VPCI_EBUSY = -8,    /* object in a state that forbids the operation */
	VPCI_EPERM = -9,    /* the caller may not manage the object (its owner's) */
};

/** enum vpci_severity - how bad a diagnostic is */
enum vpci_severity {
	VPCI_SEV_NOTE = 0,
	VPCI_SEV_WARNING = 1,
	VPCI_SEV_ERROR = 2,
};

/**
 * struct vpci_diag_entry - one diagnostic
 * @severity: note, warning or error
 * @code: the VPCI_E* class of the problem
 * @file: input name, or NULL when the input has no name
 * @line: 1-based line in @file, 0 when unknown
 * @column: 1-based column in @file, 0 when unknown
 * @offset: config-space offset the problem concerns, -1 when none
 * @field: dotted field path (e.g. "capabilities[2].message-control"), or NULL
 * @message: the human-readable message, without position or severity
 *
 * Entries are owned by the list and valid until it is freed or cleared.
 */
struct vpci_diag_entry {
	enum vpci_severity severity;
	int code;
	const char *file;
	unsigned line;
	unsigned column;
	int offset;
	const char *field;
	const char *message;
};

/** typedef vpci_diag - an ordered list of diagnostics (opaque) */
typedef struct vpci_diag vpci_diag;

/**
 * vpci_diag_new() - allocate an empty diagnostics list
 *
 * Return: the list, or NULL when out of memory.  Free with vpci_diag_free().
 */
vpci_diag *vpci_diag_new(void);

/**
 * vpci_diag_free() - free a diagnostics list and all its entries
 * @d: the list; NULL is allowed
 */
void vpci_diag_free(vpci_diag *d);

/**
 * vpci_diag_clear() - drop every entry of a list, keeping the list
 * @d: the list
 */
void vpci_diag_clear(vpci_diag *d);

/**
 * vpci_diag_count() - number of entries
 * @d: the list; NULL counts as empty
 *
 * Return: how many entries @d holds.
 */
size_t vpci_diag_count(const vpci_diag *d);

/**
 * vpci_diag_errors() - number of entries of error severity
 * @d: the list; NULL counts as empty
 *
 * Return: how many errors @d holds.
 */
size_t vpci_diag_errors(const vpci_diag *d);

/**
 * vpci_diag_get() - one entry
 * @d: the list
 * @i: index, 0 .. vpci_diag_count() - 1
 *
 * Return: the entry, or NULL when @i is out of range.
 */
const struct vpci_diag_entry *vpci_diag_get(const vpci_diag *d, size_t i);

/**
 * vpci_diag_format() - format an entry in the gcc style
 * @e: the entry
 * @buf: output buffer
 * @size: size of @buf
 *
 * Produces "FILE:LINE:COL: error: MESSAGE" when a text position is known,
 * "FILE: error: offset 0x40: MESSAGE" when only an offset is, and
 * "error: MESSAGE" otherwise (severity "warning" or "note" likewise).
 * The output is always NUL-terminated when @size > 0.
 *
 * Return: the length the full text needs, like snprintf().
 */
int vpci_diag_format(const struct vpci_diag_entry *e, char *buf, size_t size);

/**
 * vpci_strerror() - short description of a VPCI_E* code
 * @code: a value of enum vpci_status
 *
 * Return: a static string, never NULL.
 */
const char *vpci_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_DIAG_H */
