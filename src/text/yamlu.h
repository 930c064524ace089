/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yamlu.h - small helpers over libfyaml's document tree (private)
 */
#ifndef VPCI_YAMLU_H
#define VPCI_YAMLU_H

#include <libfyaml.h>
#include <stddef.h>

/* Start position of a node (line/column 0-based, -1 when unknown): for a
 * collection, the position of its first key or item. */
struct fy_mark yamlu_mark(struct fy_node *n);
/* Value of @key in mapping @map, or NULL. */
struct fy_node *yamlu_get(struct fy_node *map, const char *key);
/* Build a document from text, collecting syntax errors into @diag
 * (created and returned; destroy with fy_diag_destroy). */
struct fy_document *yamlu_build(const char *text, size_t len, struct fy_diag **diag);

/* 1 (and the 1-based position of the first bad byte) when @s is not
 * well-formed UTF-8; libfyaml 0.7.12 must never see such text. */
int yamlu_utf8_bad(const unsigned char *s, size_t n, unsigned *line, unsigned *col);

#endif
