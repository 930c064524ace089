/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source_priv.h - derive sources behind one ops table (private to
 * src/source/; other modules use source/source.h)
 *
 * Each source kind lives in its own file and fills struct host_facts: the
 * config bytes plus what config space cannot say (BAR sizes, the kernel's
 * view of a VF's IDs, SR-IOV facts, driver, IOMMU group).
 */
#ifndef VPCI_SOURCE_PRIV_H
#define VPCI_SOURCE_PRIV_H

#include <stdio.h>

#include "host/host.h"
#include "source.h"

struct source_ops {
	const char *name;
	/* fill s->slots / s->n; may read everything at once */
	int (*open)(struct vpci_source *s, const char *spec, vpci_diag *d);
	int (*read)(struct vpci_source *s, size_t i, struct host_facts *f, vpci_diag *d);
	/* the facts of function @i without a copy, for sources that hold
	 * them in memory (may be NULL) */
	const struct host_facts *(*peek)(struct vpci_source *s, size_t i);
	void (*close)(struct vpci_source *s);
};

struct vpci_source {
	const struct source_ops *ops;
	char *spec;
	char (*slots)[HOST_SLOT_LEN];
	size_t n;
	void *priv;
	char *vfio_device;
};

extern const struct source_ops source_sysfs_ops;
extern const struct source_ops source_dump_ops;
extern const struct source_ops source_bin_ops;
extern const struct source_ops source_vfio_ops;

/* Append a slot; 0 or VPCI_ENOMEM. */
int source_add_slot(struct vpci_source *s, const char *slot);
/* Parse "16K", "256M", "1G", "512" (lspci size notation) into bytes. */
int source_parse_lspci_size(const char *s, uint64_t *out);

/* The dump reader on an open stream (for fuzzing and stdin). */
int dump_read_stream(struct vpci_source *s, FILE *fp, const char *path, vpci_diag *d);
/* A source of @kind with nothing opened yet; vpci_source_free() frees it. */
struct vpci_source *source_new(enum vpci_source_kind kind);

#endif
