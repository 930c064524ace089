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

/* The reader; @validate = 0 skips vpci_validate() (the writer uses it). */
int text_parse(const char *text, size_t len, const char *name, int validate,
	       vpci_func **out, vpci_diag *d);
/* While set (on this thread), the reader records a vf-template reference
 * without reading the file it names (the writer's own re-read). */
extern _Thread_local int text_no_templates;

#endif
