/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.h - the source module's interface to the derive pipeline
 * (private to libvpci)
 *
 * A source (public API: vpci/derive.h) lists functions; reading one gives
 * its host facts (host/host.h).  The derive pipeline (src/derive/) is the
 * only user.
 */
#ifndef VPCI_SOURCE_H
#define VPCI_SOURCE_H

#include "host/host.h"
#include "vpci/derive.h"

/* Read function @i of @s into @f (initialised here).  0 or VPCI_E*. */
int source_read(struct vpci_source *s, size_t i, struct host_facts *f, vpci_diag *d);
/* The facts of function @i as the source holds them, without reading or
 * copying: a source read at open (a dump, an image) has them; NULL for
 * one that reads lazily (sysfs, VFIO: use source_read()). */
const struct host_facts *source_peek(struct vpci_source *s, size_t i);
/* The kind of @s, as the origin records it: "sysfs", "dump", "bin", "vfio". */
const char *source_name(const struct vpci_source *s);

#endif
