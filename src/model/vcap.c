/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vcap.c - what the model knows of virtual capabilities and free ranges:
 * names, the free-range accessors, which free range a virtual capability
 * may use.  Placing them is the place module's job.
 */
#include <stdio.h>
#include <string.h>

#include "func.h"

int func_tag_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n >= VCAP_TAG_MAX || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int func_range_allows(const struct freerange *r, const struct capinst *c)
{
	return c->virt && (!r->tag[0] || !strcmp(r->tag, c->tag));
}

VPCI_EXPORT unsigned vpci_func_free_range_count(const vpci_func *f)
{
	return f->nfree;
}

VPCI_EXPORT int vpci_func_free_range(const vpci_func *f, unsigned i, struct vpci_free_range *out)
{
	if (i >= f->nfree)
		return VPCI_ENOENT;
	out->offset = f->free[i].off;
	out->length = f->free[i].len;
	out->kept_for = f->free[i].tag;
	return 0;
}

/* Keep the ranges sorted by offset: insert @r at its place. */
static int insert_range(struct vpci_func *f, uint16_t off, uint16_t len, const char *tag)
{
	unsigned at = f->nfree;

	if (func_add_free_range(f, off, len, 0))
		return VPCI_ENOMEM;
	while (at && f->free[at - 1].off > off) {
		f->free[at] = f->free[at - 1];
		at--;
	}
	f->free[at].off = off;
	f->free[at].len = len;
	f->free[at].loc = 0;
	snprintf(f->free[at].tag, sizeof(f->free[at].tag), "%s", tag ? tag : "");
	return 0;
}

int func_carve_free_range(struct vpci_func *f, unsigned off, unsigned len)
{
	for (unsigned i = 0; i < f->nfree; i++) {
		struct freerange *r = &f->free[i];
		unsigned a = r->off, b = (unsigned)r->off + r->len;
		if (r->tag[0] || off >= b || off + len <= a)
			continue;
		/* keep [a, off) here, re-add [off + len, b) */
		if (off + len < b && insert_range(f, (uint16_t)(off + len), (uint16_t)(b - off - len), NULL))
			return VPCI_ENOMEM;
		r = &f->free[i];
		if (off > a) {
			r->len = (uint16_t)(off - a);
		} else {
			memmove(r, r + 1, (f->nfree - i - 1) * sizeof(*r));
			f->nfree--;
			i--;
		}
	}
	return 0;
}

/* A byte nothing describes: no capability, no free range, value 0, every
 * plane clear. */
static int byte_unused(const struct vpci_func *f, unsigned k)
{
	if (f->val[k] || func_cap_overlapping(f, k, 1) >= 0)
		return 0;
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		if (f->pl[p][k])
			return 0;
	for (unsigned i = 0; i < f->nfree; i++)
		if (k >= f->free[i].off && k < (unsigned)f->free[i].off + f->free[i].len)
			return 0;
	return 1;
}

int func_free_hidden(struct vpci_func *f, unsigned off, unsigned len)
{
	/* whole DWORDs inside the config space and inside one of the two
	 * capability spaces (0x40..0xff, 0x100..end), each byte unused */
	unsigned a = (off + 3) & ~3u, end = MIN(off + len, (unsigned)f->size) & ~3u;

	a = MAX(a, 0x40u);
	while (a < end) {
		unsigned b = a, lim = a < 0x100 ? MIN(end, 0x100u) : end;
		while (b < lim && byte_unused(f, b) && byte_unused(f, b + 1) && byte_unused(f, b + 2) &&
		       byte_unused(f, b + 3))
			b += 4;
		if (b > a) {
			/* join an untagged range that ends where this one starts
			 * or starts where it ends (same capability space) */
			int joined = 0;
			for (unsigned i = 0; i < f->nfree && !joined; i++) {
				struct freerange *r = &f->free[i];
				unsigned rb = (unsigned)r->off + r->len;
				if (r->tag[0] || (r->off < 0x100) != (a < 0x100))
					continue;
				if (rb == a) {
					r->len = (uint16_t)(r->len + (b - a));
					joined = 1;
				} else if (r->off == b) {
					r->off = (uint16_t)a;
					r->len = (uint16_t)(r->len + (b - a));
					joined = 1;
				}
			}
			if (!joined && insert_range(f, (uint16_t)a, (uint16_t)(b - a), NULL))
				return VPCI_ENOMEM;
			a = b;
		} else {
			a += 4;
		}
	}
	return 0;
}

int func_reserve_range(struct vpci_func *f, unsigned off, unsigned len, const char *tag)
{
	int rc = func_carve_free_range(f, off, len);

	return rc ? rc : insert_range(f, (uint16_t)off, (uint16_t)len, func_tag_valid(tag) ? tag : NULL);
}
