/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bdf.c - PCI function addresses and Routing-ID arithmetic
 */
#include <stdio.h>

#include "host.h"
#include "util/common.h"

/* 1..@max hex digits at *@s, then *@s points past them; -1 when none */
static long hexnum(const char **s, unsigned max)
{
	long v = 0;
	unsigned n = 0;

	while (n < max && hex_digit(**s) >= 0) {
		v = v * 16 + hex_digit(**s);
		(*s)++;
		n++;
	}
	return n && hex_digit(**s) < 0 ? v : -1;
}

int host_bdf_parse(const char *s, struct host_bdf *out)
{
	long a, b, dom = 0, bus, dev;

	/* BB:DD.F or DDDD:BB:DD.F: read the first two numbers, then decide */
	if ((a = hexnum(&s, 6)) < 0 || *s++ != ':' || (b = hexnum(&s, 2)) < 0)
		return -1;
	if (*s == ':') {
		s++;
		dom = a;
		bus = b;
		if ((dev = hexnum(&s, 2)) < 0)
			return -1;
	} else {
		if (a > 0xff)
			return -1;
		bus = a;
		dev = b;
	}
	if (*s++ != '.' || *s < '0' || *s > '7' || s[1])
		return -1;
	if (dev > 0x1f)
		return -1;
	out->dom = (uint32_t)dom;
	out->bus = (uint8_t)bus;
	out->dev = (uint8_t)dev;
	out->fn = (uint8_t)(*s - '0');
	return 0;
}

void host_bdf_format(const struct host_bdf *b, char out[HOST_SLOT_LEN])
{
	snprintf(out, HOST_SLOT_LEN, "%04x:%02x:%02x.%u", (unsigned)b->dom, b->bus, b->dev, b->fn);
}

int host_slot_norm(const char *in, char out[HOST_SLOT_LEN])
{
	struct host_bdf b;

	if (host_bdf_parse(in, &b))
		return -1;
	host_bdf_format(&b, out);
	return 0;
}

int host_vf_bdf(const struct host_bdf *pf, unsigned offset, unsigned stride, unsigned n,
		struct host_bdf *out)
{
	if (!n || offset > 0xffff || stride > 0xffff)
		return -1;
	uint64_t rid = host_bdf_rid(pf) + (uint64_t)offset + (uint64_t)(n - 1) * stride;
	if (rid > 0xffff)
		return -1;
	out->dom = pf->dom;
	out->bus = (uint8_t)(rid >> 8);
	out->dev = (uint8_t)((rid >> 3) & 0x1f);
	out->fn = (uint8_t)(rid & 7);
	return 0;
}
