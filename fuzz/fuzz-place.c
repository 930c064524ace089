/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-place.c - libFuzzer target for the placement of virtual
 * capabilities (vpci/place.h)
 *
 * The input is a config image (any bytes: a function as a device shows
 * it, however broken) followed by operations, every value at its full
 * range: declare a free range (offset and length 0..0xffff), keep one for
 * a name, add or fit a virtual capability (any type of the table or a
 * template or an unknown name, any flags, pinned offset 0..0xffff, any
 * version, parameters by name with 64-bit values, a body of up to 255
 * bytes), remove, pin and explain one, draw the map.  After every step:
 *   - fit and add agree, and the same add on a copy gives the same offset
 *     (placement is deterministic);
 *   - a placed capability is virtual, inside its capability space, overlaps
 *     no other capability, and no bit of it is device-backed;
 *   - a refused add leaves the function exactly as it was;
 *   - explaining an automatically placed capability that nothing followed
 *     (and that needed no new empty header at 0x100) gives back its offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/func.h"
#include "vpci/vpci.h"

static const char *const types[] = {
	"pasid", "ats", "pri", "vendor", "vsec", "dvsec", "msi", "pm", "pcie", "aer", "doe", "rebar",
	"nvidia-gpudirect-clique", "intel-vmd-membar-shadow", "pcix", "null-ext", "", "nope",
};
static const char *const params[] = {
	"width", "exec", "priv", "queue-depth", "capacity", "clique", "membar1", "membar2",
	"pasid-capability", "MaxPASIDWidth", "length", "message-control", "vsec-header", "dvsec-header-1",
	"bar0-control", "x",
};
static const char *const tags[] = { NULL, "nvidia-gpudirect-clique", "intel-vmd-membar-shadow", "a", "Bad Name" };

struct in {
	const uint8_t *p;
	size_t n, pos;
};

static uint64_t rd(struct in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++, in->pos++)
		v |= (uint64_t)(in->pos < in->n ? in->p[in->pos] : 0) << (8 * i);
	return v;
}

static int same_func(const vpci_func *a, const vpci_func *b)
{
	if (memcmp(vpci_func_bytes(a), vpci_func_bytes(b), VPCI_CFG_SIZE) ||
	    vpci_func_cap_count(a) != vpci_func_cap_count(b) ||
	    vpci_func_free_range_count(a) != vpci_func_free_range_count(b))
		return 0;
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		if (memcmp(vpci_func_plane(a, (enum vpci_plane)p), vpci_func_plane(b, (enum vpci_plane)p), VPCI_CFG_SIZE))
			return 0;
	return 1;
}

static void check_placed(const vpci_func *f, const struct vpci_placement *pl)
{
	struct vpci_cap_info ci;

	if (vpci_func_cap(f, pl->index, &ci) || !ci.is_virtual || ci.offset != pl->offset)
		abort();
	unsigned lo = ci.extended ? 0x100u : 0x40u, hi = ci.extended ? vpci_func_config_size(f) : 0x100u;
	if (pl->offset & 3 || pl->offset < lo || pl->offset + pl->length > hi)
		abort();
	const uint8_t *dev = vpci_func_plane(f, VPCI_PL_DEVICE);
	for (unsigned k = pl->offset; k < pl->offset + pl->length; k++)
		if (dev[k])
			abort();
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		if (i != pl->index && c->off < pl->offset + pl->length && pl->offset < c->off + cap_extent(c) &&
		    c->off >= 0x40)
			abort(); /* a broken device's own overlaps are not ours */
	}
}

static void op_add(vpci_func *f, struct in *in, int fit_only)
{
	struct vpci_vcap_param ps[4];
	uint8_t body[255];
	struct vpci_vcap vc;

	memset(&vc, 0, sizeof(vc));
	vc.type = types[rd(in, 1) % (sizeof(types) / sizeof(types[0]))];
	vc.flags = (unsigned)rd(in, 1);
	vc.offset = (unsigned)rd(in, 2);
	vc.version = (unsigned)rd(in, 1);
	vc.name = tags[rd(in, 1) % (sizeof(tags) / sizeof(tags[0]))];
	vc.nparams = rd(in, 1) % 5;
	for (size_t i = 0; i < vc.nparams; i++) {
		ps[i].name = params[rd(in, 1) % (sizeof(params) / sizeof(params[0]))];
		ps[i].value = rd(in, 8);
	}
	vc.params = ps;
	vc.body_len = rd(in, 1);
	for (size_t i = 0; i < vc.body_len; i++)
		body[i] = (uint8_t)rd(in, 1);
	vc.body = vc.body_len ? body : NULL;

	struct vpci_placement fit, pl, again;
	int rf = vpci_vcap_fit(f, &vc, &fit, NULL);
	if (fit_only)
		return;
	vpci_func *before = vpci_func_dup(f);
	if (!before)
		return;
	int ra = vpci_vcap_add(f, &vc, &pl, NULL);
	if (ra != rf && ra != VPCI_ENOMEM && rf != VPCI_ENOMEM)
		abort();
	if (ra) {
		if (ra != VPCI_ENOMEM && !same_func(f, before))
			abort();
		vpci_func_free(before);
		return;
	}
	if (pl.offset != fit.offset || pl.where != fit.where || pl.anchor != fit.anchor)
		abort();
	check_placed(f, &pl);
	/* the same request on the same function: the same place */
	if (!vpci_vcap_add(before, &vc, &again, NULL) && (again.offset != pl.offset || !same_func(before, f)))
		abort();
	vpci_func_free(before);
	/* explaining reads the function as it is now: an empty header the add
	 * put at 0x100 stays, and without it the rule might have chosen
	 * otherwise, so only an add without one explains back */
	if ((vc.flags & VPCI_VCAP_AUTO) && !pl.anchor && pl.index + 1 == (pl.offset >= 0x100 ? f->ncaps : f->nstd)) {
		struct vpci_placement ex;
		if (!vpci_vcap_explain(f, pl.index, &ex) && ex.offset != pl.offset)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t cfg[VPCI_CFG_SIZE] = { 0 };
	struct in in = { data, size, 0 };
	vpci_func *f = NULL;

	if (size < 2)
		return 0;
	size_t len = (data[0] & 1) ? VPCI_CFG_SIZE : VPCI_CFG_SIZE_CONV;
	in.pos = 1;
	for (size_t i = 0; i < len; i++)
		cfg[i] = (uint8_t)rd(&in, 1);
	if (vpci_func_from_config(cfg, len, &f, NULL))
		return 0;
	for (unsigned ops = 0; ops < 24 && in.pos < in.n; ops++) {
		unsigned op = (unsigned)rd(&in, 1) % 9;
		switch (op) {
		case 0:
			func_add_free_range(f, (uint16_t)rd(&in, 2), (uint16_t)rd(&in, 2), 0);
			break;
		case 1: {
			unsigned off = (unsigned)rd(&in, 2) % VPCI_CFG_SIZE, len2 = (unsigned)rd(&in, 1);
			func_reserve_range(f, off, MIN(len2, VPCI_CFG_SIZE - off), tags[rd(&in, 1) % 5]);
			break;
		}
		case 2:
		case 3:
			op_add(f, &in, op == 3);
			break;
		case 4:
			vpci_vcap_remove(f, (unsigned)rd(&in, 2));
			break;
		case 5:
			vpci_vcap_pin(f, (unsigned)rd(&in, 2));
			break;
		case 6: {
			struct vpci_placement ex;
			vpci_vcap_explain(f, (unsigned)rd(&in, 2), &ex);
			break;
		}
		case 7: {
			char *out = NULL;
			if (!vpci_map(f, (unsigned)rd(&in, 1), &out))
				free(out);
			break;
		}
		default:
			func_free_hidden(f, (unsigned)rd(&in, 2), (unsigned)rd(&in, 2));
			break;
		}
	}
	vpci_func_free(f);
	return 0;
}
