/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source_priv.h - derive sources behind one ops table (private)
 *
 * Each source kind lives in its own file and fills struct src_facts: the
 * config bytes plus what config space cannot say (BAR sizes, the kernel's
 * view of a VF's IDs, SR-IOV facts, driver, IOMMU group).
 */
#ifndef VPCI_SOURCE_PRIV_H
#define VPCI_SOURCE_PRIV_H

#include "vpci/derive.h"
#include "util/common.h"
#include "util/diag_priv.h"

#define SLOT_LEN 16

struct src_facts {
	char slot[SLOT_LEN];
	uint8_t cfg[4096];
	size_t len;                 /* bytes of cfg that were read */
	uint64_t bar_size[7];       /* BAR 0..5, ROM = 6 */
	uint8_t bar_io;             /* bit i: BAR i is an I/O BAR (resource flags) */
	uint8_t bar_pref;           /* bit i: prefetchable */
	uint8_t bar_64;             /* bit i: 64-bit */
	uint8_t bar_known;          /* bit i: bar_size[i] is known */
	int is_vf;
	char physfn[SLOT_LEN];      /* the PF's slot for a VF */
	int have_ids;               /* the kernel's vendor/device (VFs read 0xffff) */
	uint16_t vendor, device;
	int have_sriov;
	unsigned totalvfs, numvfs, vf_offset, vf_stride, vf_device;
	uint64_t vf_bar_size[6];
	char driver[64];            /* "" = none */
	int iommu_group;            /* -1 = none */
};

struct vpci_source;

struct source_ops {
	const char *name;
	/* fill s->slots / s->n; may read everything at once */
	int (*open)(struct vpci_source *s, const char *spec, vpci_diag *d);
	int (*read)(struct vpci_source *s, size_t i, struct src_facts *f, vpci_diag *d);
	void (*close)(struct vpci_source *s);
};

struct vpci_source {
	const struct source_ops *ops;
	char *spec;
	char (*slots)[SLOT_LEN];
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
/* Normalise "BB:DD.F" / "DDDD:BB:DD.F" into "DDDD:BB:DD.F"; 0 or -1. */
int source_norm_slot(const char *in, char out[SLOT_LEN]);
/* Parse "16K", "256M", "1G", "512" (lspci size notation) into bytes. */
int source_parse_lspci_size(const char *s, uint64_t *out);

/* The dump reader on an open stream (for fuzzing and stdin). */
#include <stdio.h>
int dump_read_stream(struct vpci_source *s, FILE *fp, const char *path, vpci_diag *d);
/* A source of @kind with nothing opened yet; vpci_source_free() frees it. */
struct vpci_source *source_new(enum vpci_source_kind kind);

/* Lay the facts over a model (BAR sizes); used by vpci_derive(). */
struct vpci_func;
int derive_apply_facts(struct vpci_func *f, const struct src_facts *facts, vpci_diag *d);

#endif
