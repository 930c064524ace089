/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs.c - the sysfs source: every function of a Linux sysfs tree (live,
 * or captured under a root directory for tests), read through the host
 * module (host/sysfs.c).
 */
#include <stdlib.h>

#include "host/host.h"
#include "source_priv.h"

static int sysfs_open(struct vpci_source *s, const char *root, vpci_diag *d)
{
	free(s->slots);
	s->slots = NULL;
	s->n = 0;
	return host_sysfs_list(root, &s->slots, &s->n, d);
}

static int sysfs_read_fn(struct vpci_source *s, size_t i, struct host_facts *f, vpci_diag *d)
{
	return host_sysfs_facts(s->spec, s->slots[i], f, d);
}

const struct source_ops source_sysfs_ops = {
	.name = "sysfs",
	.open = sysfs_open,
	.read = sysfs_read_fn,
};
