/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * diag.c - diagnostics lists and error strings
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct vpci_diag {
	struct vpci_diag_entry *e;
	size_t n, cap;
	size_t errors;
};

VPCI_EXPORT vpci_diag *vpci_diag_new(void)
{
	return calloc(1, sizeof(struct vpci_diag));
}

static void entry_free(struct vpci_diag_entry *e)
{
	free((char *)e->file);
	free((char *)e->field);
	free((char *)e->message);
}

VPCI_EXPORT void vpci_diag_clear(vpci_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		entry_free(&d->e[i]);
	d->n = 0;
	d->errors = 0;
}

VPCI_EXPORT void vpci_diag_free(vpci_diag *d)
{
	if (!d)
		return;
	vpci_diag_clear(d);
	free(d->e);
	free(d);
}

VPCI_EXPORT size_t vpci_diag_count(const vpci_diag *d)
{
	return d ? d->n : 0;
}

VPCI_EXPORT size_t vpci_diag_errors(const vpci_diag *d)
{
	return d ? d->errors : 0;
}

VPCI_EXPORT const struct vpci_diag_entry *vpci_diag_get(const vpci_diag *d, size_t i)
{
	return d && i < d->n ? &d->e[i] : NULL;
}

void diag_add(vpci_diag *d, enum vpci_severity sev, int code,
	      struct diag_pos pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!d)
		return;
	if (xgrow(&d->e, &d->cap, d->n, sizeof(*d->e), 16))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	struct vpci_diag_entry *e = &d->e[d->n];
	memset(e, 0, sizeof(*e));
	e->severity = sev;
	e->code = code;
	e->line = pos.line;
	e->column = pos.column;
	e->offset = pos.offset;
	e->file = pos.file ? xstrdup(pos.file) : NULL;
	e->field = pos.field ? xstrdup(pos.field) : NULL;
	e->message = xstrdup(msg);
	if (!e->message || (pos.file && !e->file) || (pos.field && !e->field)) {
		entry_free(e);
		return;
	}
	d->n++;
	if (sev == VPCI_SEV_ERROR)
		d->errors++;
}

struct sort_item {
	struct vpci_diag_entry e;
	size_t idx;
};

static int by_pos(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	unsigned la = a->e.line ? a->e.line : UINT32_MAX, lb = b->e.line ? b->e.line : UINT32_MAX;
	unsigned ca = a->e.line ? a->e.column : 0, cb = b->e.line ? b->e.column : 0;

	if (la != lb)
		return la < lb ? -1 : 1;
	if (ca != cb)
		return ca < cb ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void diag_sort(vpci_diag *d, size_t from)
{
	if (!d || from + 1 >= d->n)
		return;
	size_t n = d->n - from;
	struct sort_item *t = malloc(n * sizeof(*t));
	if (!t)
		return; /* unsorted, but complete */
	for (size_t i = 0; i < n; i++) {
		t[i].e = d->e[from + i];
		t[i].idx = i;
	}
	qsort(t, n, sizeof(*t), by_pos);
	for (size_t i = 0; i < n; i++)
		d->e[from + i] = t[i].e;
	free(t);
}

static const char *sev_name(enum vpci_severity s)
{
	switch (s) {
	case VPCI_SEV_NOTE: return "note";
	case VPCI_SEV_WARNING: return "warning";
	default: return "error";
	}
}

VPCI_EXPORT int vpci_diag_format(const struct vpci_diag_entry *e, char *buf, size_t size)
{
	char off[32] = "";

	if (e->offset >= 0 && !e->line)
		snprintf(off, sizeof(off), "offset %#x: ", (unsigned)e->offset);
	if (e->file && e->line)
		return snprintf(buf, size, "%s:%u:%u: %s: %s", e->file, e->line,
				e->column ? e->column : 1, sev_name(e->severity), e->message);
	if (e->file)
		return snprintf(buf, size, "%s: %s: %s%s", e->file, sev_name(e->severity), off,
				e->message);
	return snprintf(buf, size, "%s: %s%s", sev_name(e->severity), off, e->message);
}

VPCI_EXPORT const char *vpci_strerror(int code)
{
	switch (code) {
	case VPCI_OK: return "success";
	case VPCI_ENOMEM: return "out of memory";
	case VPCI_EINVAL: return "invalid argument";
	case VPCI_EIO: return "input/output error";
	case VPCI_EDATA: return "invalid data";
	case VPCI_ERANGE: return "out of range";
	case VPCI_ENOENT: return "not found";
	case VPCI_ENOTSUP: return "not supported";
	case VPCI_EBUSY: return "busy";
	case VPCI_EPERM: return "not permitted";
	default: return "unknown error";
	}
}

void diag_copy(vpci_diag *d, const struct vpci_diag_entry *e, const char *prefix)
{
	struct diag_pos p = { e->file, e->line, e->column, e->offset, e->field };

	diag_add(d, e->severity, e->code, p, "%s%s", prefix ? prefix : "", e->message);
}
