/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.c - the source registry and the public source API
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_priv.h"

static const struct source_ops *const source_table[] = {
	[VPCI_SRC_SYSFS] = &source_sysfs_ops,
	[VPCI_SRC_DUMP] = &source_dump_ops,
	[VPCI_SRC_BIN] = &source_bin_ops,
	[VPCI_SRC_VFIO] = &source_vfio_ops,
};

int source_add_slot(struct vpci_source *s, const char *slot)
{
	char (*n)[HOST_SLOT_LEN] = realloc(s->slots, (s->n + 1) * sizeof(*n));

	if (!n)
		return VPCI_ENOMEM;
	s->slots = n;
	snprintf(n[s->n], HOST_SLOT_LEN, "%s", slot);
	s->n++;
	return 0;
}

int source_parse_lspci_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return -1;
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	case 'T': v <<= 40; end++; break;
	default: break;
	}
	if (*end && *end != ']')
		return -1;
	*out = v;
	return 0;
}

struct vpci_source *source_new(enum vpci_source_kind kind)
{
	struct vpci_source *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ops = source_table[kind];
	s->spec = xstrdup("-");
	if (!s->spec) {
		free(s);
		return NULL;
	}
	return s;
}

VPCI_EXPORT int vpci_source_open(enum vpci_source_kind kind, const char *spec,
				 vpci_source **out, vpci_diag *d)
{
	struct vpci_source *s;
	int rc;

	*out = NULL;
	if ((unsigned)kind >= ARRAY_SIZE(source_table))
		return VPCI_EINVAL;
	if (!spec && kind != VPCI_SRC_SYSFS)
		return VPCI_EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return VPCI_ENOMEM;
	s->ops = source_table[kind];
	s->spec = xstrdup(spec ? spec : "/sys");
	if (!s->spec) {
		free(s);
		return VPCI_ENOMEM;
	}
	rc = s->ops->open(s, s->spec, d);
	if (rc) {
		vpci_source_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

VPCI_EXPORT int vpci_source_set_param(vpci_source *s, const char *key, const char *value)
{
	if (!strcmp(key, "vfio.device") && s->ops == &source_vfio_ops) {
		char slot[HOST_SLOT_LEN];
		if (host_slot_norm(value, slot))
			return VPCI_EINVAL;
		char *v = xstrdup(slot);
		if (!v)
			return VPCI_ENOMEM;
		free(s->vfio_device);
		s->vfio_device = v;
		s->n = 0;
		return source_add_slot(s, slot);
	}
	return VPCI_ENOENT;
}

VPCI_EXPORT void vpci_source_free(vpci_source *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	free(s->slots);
	free(s->spec);
	free(s->vfio_device);
	free(s);
}

VPCI_EXPORT size_t vpci_source_count(vpci_source *s)
{
	return s->n;
}

VPCI_EXPORT const char *vpci_source_slot(vpci_source *s, size_t i)
{
	return i < s->n ? s->slots[i] : NULL;
}

VPCI_EXPORT int vpci_source_find(vpci_source *s, const char *slot)
{
	char norm[HOST_SLOT_LEN];

	if (host_slot_norm(slot, norm))
		return VPCI_EINVAL;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->slots[i], norm))
			return (int)i;
	return VPCI_ENOENT;
}

int source_read(struct vpci_source *s, size_t i, struct host_facts *f, vpci_diag *d)
{
	if (i >= s->n)
		return VPCI_ENOENT;
	host_facts_init(f, s->slots[i]);
	return s->ops->read(s, i, f, d);
}

const struct host_facts *source_peek(struct vpci_source *s, size_t i)
{
	return i < s->n && s->ops->peek ? s->ops->peek(s, i) : NULL;
}

const char *source_name(const struct vpci_source *s)
{
	return s->ops->name;
}

VPCI_EXPORT const char *vpci_policy_name(enum vpci_policy p)
{
	return p == VPCI_POLICY_RAW ? "raw" : "guest";
}
