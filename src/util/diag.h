/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * diag.h - appending diagnostics: the util module's interface inside the
 * library (not installed; docs/architecture.md)
 */
#ifndef VPCI_UTIL_DIAG_H
#define VPCI_UTIL_DIAG_H

#include "vpci/diag.h"
#include "common.h"

/* Where a diagnostic points. Any member may be empty (0 / -1 / NULL). */
struct diag_pos {
	const char *file;
	unsigned line, column;
	int offset;
	const char *field;
};

#define DIAG_NOPOS ((struct diag_pos){ NULL, 0, 0, -1, NULL })

/* Append a diagnostic; silently drops it when @d is NULL or memory runs
 * out (the caller's return code still says what happened). */
void diag_add(vpci_diag *d, enum vpci_severity sev, int code,
	      struct diag_pos pos, const char *fmt, ...) PRINTF(5, 6);

/* Sort the entries from index @from on by line and column, stably; those
 * without a line keep their order and follow the others.  Used when one
 * text is read: its diagnostics come out in the order of the file. */
void diag_sort(vpci_diag *d, size_t from);

/* Append a copy of entry @e (of another list) to @d; a non-NULL @prefix
 * goes before its message. */
void diag_copy(vpci_diag *d, const struct vpci_diag_entry *e, const char *prefix);

#endif
