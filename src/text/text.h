/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * text.h - shared pieces of the format reader and writer: the text
 * module's interface inside the library (not installed)
 */
#ifndef VPCI_TEXT_TEXT_H
#define VPCI_TEXT_TEXT_H

#include <stdint.h>

#include "model/func.h"
#include "vpci/text.h"
#include "vpci/render.h"

/* The reader; @validate = 0 skips vpci_validate() (the writer uses it). */
int text_parse(const char *text, size_t len, const char *name, int validate,
	       vpci_func **out, vpci_diag *d);
/* While set (on this thread), the reader records a vf-template reference
 * without reading the file it names (the writer's own re-read). */
extern _Thread_local int text_no_templates;

/* A type being resolved, for cycles: the chain of `extends:` that led
 * here (innermost first). */
struct text_chain {
	const char *spec;            /* "NAME@N" */
	const struct text_chain *up;
};

/*
 * Where `extends: NAME@N` finds NAME@N.yaml: @dir (the directory of the
 * file being read, may be NULL), then each of @types.  @given, when set,
 * is the type @given_spec already resolved (the writer reads its own
 * output back against the type it wrote the differences against).
 */
struct text_env {
	const char *dir;
	const char *const *types;
	const char *given_spec;
	const struct vpci_func *given;
	const struct text_chain *chain;
};

/* text_parse() with an environment for `extends:` (NULL: none). */
int text_parse_env(const char *text, size_t len, const char *name, int validate,
		   const struct text_env *env, vpci_func **out, vpci_diag *d);

/* Split "NAME@N" (NAME a valid instance name, N 1..VPCI_TYPE_VERSION_MAX);
 * 0 or -1. */
int text_type_spec(const char *spec, char *name, size_t size, unsigned *version);

#endif
