/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * text_priv.h - shared pieces of the format reader and writer (private)
 */
#ifndef VPCI_TEXT_PRIV_H
#define VPCI_TEXT_PRIV_H

#include <stdint.h>

#include "model/model_priv.h"
#include "vpci/text.h"
#include "vpci/render.h"

/* Parse "16KiB", "1MiB", "4096", "0x1000" into bytes; 0 on success. */
int text_parse_size(const char *s, size_t len, uint64_t *out);
/* Parse an integer: 0x.., 0o.., 0b.. or decimal without leading zero. */
int text_parse_uint(const char *s, size_t len, uint64_t *out);
/* Write a size the way the parser reads it ("16KiB", "256"). */
void text_format_size(uint64_t size, char *buf, unsigned n);

/* The reader; @validate = 0 skips vpci_validate() (the writer uses it). */
int text_parse(const char *text, size_t len, const char *name, int validate,
	       vpci_func **out, vpci_diag *d);

/* Keys of the format, shared with the writer so they never drift. */
extern const char *const text_bar_types[]; /* indexed by enum vpci_bar_type */
extern const char *const text_kinds[];     /* indexed by enum vpci_kind */

#endif
