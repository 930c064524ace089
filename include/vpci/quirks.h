/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/quirks.h - the quirk database (docs/quirks.md)
 *
 * Reviewed YAML files of device-specific knowledge, built into the library
 * (quirks/ in the source tree), plus files of a directory the caller names.
 * vpci_derive() applies matching entries; this API lists them.
 */
#ifndef VPCI_QUIRKS_H
#define VPCI_QUIRKS_H

#include <stddef.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/** typedef vpci_quirkdb - a loaded quirk database (opaque) */
typedef struct vpci_quirkdb vpci_quirkdb;

/**
 * struct vpci_quirk_info - one quirk entry; strings owned by the database
 * @id: unique identifier
 * @why: the reason the entry exists
 * @file: file that defines it ("quirks/NAME.yaml" for built-in entries)
 * @line: line of the entry in @file
 * @policy: "guest" or "any" (which derive policies apply it)
 * @match: the match conditions, as one-line YAML
 * @actions: the actions, as one-line YAML
 */
struct vpci_quirk_info {
	const char *id;
	const char *why;
	const char *file;
	unsigned line;
	const char *policy;
	const char *match;
	const char *actions;
};

/**
 * vpci_quirkdb_load() - load the built-in quirks, plus those of @dir
 * @dir: directory of extra *.yaml quirk files, or NULL
 * @out: receives the database
 * @d: diagnostics (may be NULL): malformed entries with file:line:column
 *
 * Return: 0, VPCI_EIO (directory unreadable), VPCI_EDATA (malformed
 * entry), VPCI_ENOMEM.
 */
int vpci_quirkdb_load(const char *dir, vpci_quirkdb **out, vpci_diag *d);

/**
 * vpci_quirkdb_free() - free a database
 * @db: the database; NULL is allowed
 */
void vpci_quirkdb_free(vpci_quirkdb *db);

/**
 * vpci_quirkdb_count() - number of entries
 * @db: the database
 *
 * Return: the count.
 */
size_t vpci_quirkdb_count(const vpci_quirkdb *db);

/**
 * vpci_quirkdb_get() - one entry
 * @db: the database
 * @i: index, 0 .. vpci_quirkdb_count() - 1
 * @out: receives the entry
 *
 * Return: 0 or VPCI_ENOENT.
 */
int vpci_quirkdb_get(const vpci_quirkdb *db, size_t i, struct vpci_quirk_info *out);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_QUIRKS_H */
