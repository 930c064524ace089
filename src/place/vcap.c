/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vcap.c - the public API of virtual capabilities (vpci/place.h): types,
 * templates and parameters as data, add/fit/remove/pin, and the check of
 * a function's PASID promises against the host.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "place.h"

/*
 * Templates: vendor-specific capabilities that drivers look for at a fixed
 * offset, which a VMM adds (format §19).  Their names are those of the
 * quirks that reserve their place (quirks/capabilities.yaml).
 */
struct vcap_template {
	const char *name;
	const char *type;          /* capability table key */
	uint8_t body[22];          /* from byte 2 of the capability */
	uint8_t body_len;
};

static const struct vcap_template templates[] = {
	/* NVIDIA GPUDirect P2P clique (QEMU x-nv-gpudirect-clique,
	 * hw/vfio/pci-quirks.c vfio_add_nv_gpudirect_cap, after NVIDIA's
	 * specification linked there): a vendor-specific capability (PCI 3.0
	 * §6.7) of 8 bytes: byte 2 the length 8, bytes 3..5 the signature
	 * "P2P", byte 6 bits 6:3 the clique ID (parameter "clique", 0..15),
	 * byte 7 0.  The driver reads it at 0xd4 (Turing and later) or 0xc8. */
	{ "nvidia-gpudirect-clique", "vendor", { 8, 'P', '2', 'P', 0, 0 }, 6 },
	/* Intel VMD MEMBAR shadow (Linux drivers/pci/controller/vmd.c,
	 * VMD_FEAT_HAS_MEMBAR_SHADOW_VSCAP: the first vendor-specific
	 * capability with the DWORD 0x53484457 "SHDW" at +4; QEMU
	 * hw/vfio/pci-quirks.c vfio_add_vmd_shadow_cap at 0xe8): 24 bytes:
	 * byte 2 the length 24, byte 3 version 1, bytes 4..7 "SHDW", bytes
	 * 8..15 the host physical address of MEMBAR1 (BAR 2/3, parameter
	 * "membar1"), bytes 16..23 that of MEMBAR2 (BAR 4/5, "membar2"); the
	 * driver subtracts them from its own BAR addresses to program bridge
	 * windows in the VMD domain.  The addresses are the host's: a VMM
	 * fills them when it builds the instance. */
	{ "intel-vmd-membar-shadow", "vendor", { 24, 1, 0x57, 0x44, 0x48, 0x53 }, 6 },
};

/* Parameters: named values of a type that are not whole registers. */
struct vcap_param_def {
	const char *type;          /* capability table key or template name */
	const char *name;
	const char *field;         /* the register, or NULL: bytes of the capability */
	uint8_t off, width;        /* field == NULL: offset in the capability, bytes */
	uint8_t lo, hi;            /* bit range */
};

static const struct vcap_param_def params[] = {
	/* PASID Capability register (PCIe r6.0 §7.8.9.2): bit 1 Execute
	 * Permission Supported, bit 2 Privileged Mode Supported, bits 12:8
	 * Max PASID Width */
	{ "pasid", "width", "pasid-capability", 0, 0, 8, 12 },
	{ "pasid", "exec", "pasid-capability", 0, 0, 1, 1 },
	{ "pasid", "priv", "pasid-capability", 0, 0, 2, 2 },
	/* ATS Capability register (PCIe r6.0 §10.5.1.2): bits 4:0 Invalidate
	 * Queue Depth, 5 Page Aligned Request, 6 Global Invalidate Supported */
	{ "ats", "queue-depth", "ats-capability", 0, 0, 0, 4 },
	{ "ats", "page-aligned", "ats-capability", 0, 0, 5, 5 },
	{ "ats", "global-invalidate", "ats-capability", 0, 0, 6, 6 },
	/* PRI Outstanding Page Request Capacity (PCIe r6.0 §10.5.2.4) */
	{ "pri", "capacity", "outstanding-capacity", 0, 0, 0, 31 },
	{ "nvidia-gpudirect-clique", "clique", NULL, 6, 1, 3, 6 },
	{ "intel-vmd-membar-shadow", "membar1", NULL, 8, 8, 0, 63 },
	{ "intel-vmd-membar-shadow", "membar2", NULL, 16, 8, 0, 63 },
};

static const struct vcap_template *find_template(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(templates); i++)
		if (!strcmp(templates[i].name, name))
			return &templates[i];
	return NULL;
}

/* Write bits @lo..@hi of the @width-byte little-endian value at @p. */
static void put_bits(uint8_t *p, unsigned width, unsigned lo, unsigned hi, uint64_t v)
{
	uint64_t m = (hi - lo + 1 >= 64 ? UINT64_MAX : ((uint64_t)1 << (hi - lo + 1)) - 1) << lo;
	uint64_t cur = le_get64(p, width);

	le_put64(p, width, (cur & ~m) | ((v << lo) & m));
}

static int too_big(uint64_t v, unsigned bits)
{
	return bits < 64 && v >> bits;
}

struct pctx {
	const char *name;
	uint64_t value;
	int done;                  /* 1 set, -1 value too big */
	unsigned bits;             /* width of what it names, for the message */
	int bitnames;              /* match named bit ranges */
};

/* A register by its name, or (with @bitnames) a named bit range of one. */
static int param_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct pctx *c = ctx;

	if (r->fd->flags & FD_MANAGED)
		return 0;
	if (!c->bitnames) {
		if (strcmp(r->name, c->name))
			return 0;
		c->bits = 8u * r->fd->width;
		if (too_big(c->value, c->bits)) {
			c->done = -1;
			return 1;
		}
		le_put64(f->val + r->off, r->fd->width, c->value);
		c->done = 1;
		return 1;
	}
	for (const struct vpci_bitdesc *b = r->fd->bits; b && b->name; b++) {
		if (strcasecmp(b->name, c->name))
			continue;
		c->bits = b->hi - b->lo + 1u;
		if (too_big(c->value, c->bits)) {
			c->done = -1;
			return 1;
		}
		put_bits(f->val + r->off, r->fd->width, b->lo, b->hi, c->value);
		c->done = 1;
		return 1;
	}
	return 0;
}

static int apply_param(struct vcap_stage *st, const char *type, const struct vpci_vcap_param *p, vpci_diag *d)
{
	struct diag_pos pos = DIAG_NOPOS;
	struct pctx c = { p->name, p->value, 0, 0, 0 };

	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		const struct vcap_param_def *pd = &params[i];
		if (strcmp(pd->type, type) || strcmp(pd->name, p->name))
			continue;
		c.bits = pd->hi - pd->lo + 1u;
		if (too_big(p->value, c.bits))
			break;
		if (!pd->field) {
			put_bits(st->s->val + st->at + pd->off, pd->width, pd->lo, pd->hi, p->value);
			return 0;
		}
		for (const struct vpci_fdesc *fd = st->cd->fields; fd->name; fd++) {
			if (strcmp(fd->name, pd->field))
				continue;
			put_bits(st->s->val + st->at + fd->off, fd->width, pd->lo, pd->hi, p->value);
			return 0;
		}
	}
	if (!c.bits) {
		func_foreach_cap_field(st->s, 0, param_cb, &c);
		if (!c.done) {
			c.bitnames = 1;
			func_foreach_cap_field(st->s, 0, param_cb, &c);
		}
		if (c.done > 0)
			return 0;
	}
	if (c.done < 0 || c.bits) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_ERANGE, pos, "virtual %s: %s = %#llx does not fit in %u bits", type,
			 p->name, (unsigned long long)p->value, c.bits);
		return VPCI_ERANGE;
	}
	diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, pos,
		 "virtual %s: '%s' is neither a register of it, a named bit range of one (as vpci show prints "
		 "them), nor one of its parameters", type, p->name);
	return VPCI_EINVAL;
}

/* Build @vc in a stage for @f. */
static int stage_vcap(const struct vpci_func *f, const struct vpci_vcap *vc, struct vcap_stage *st, vpci_diag *d)
{
	struct diag_pos pos = DIAG_NOPOS;
	const struct vcap_template *t = vc->type ? find_template(vc->type) : NULL;
	const struct vpci_cdesc *cd = vc->type ? captab_find_key(t ? t->type : vc->type) : NULL;
	const char *name = vc->name ? vc->name : t ? t->name : NULL;
	int rc;

	if (!cd) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, pos, "virtual capability: '%s' is not a capability type "
			 "of the table nor a template", vc->type ? vc->type : "(null)");
		return VPCI_EINVAL;
	}
	if (cd->lenkind == LN_UNKNOWN) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, pos, "virtual %s: the capability table does not know its "
			 "length, so it cannot be placed", cd->key);
		return VPCI_EINVAL;
	}
	if (name && !func_tag_valid(name)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, pos, "virtual %s: name '%s' is not 1..39 characters of "
			 "a-z, 0-9 and '-'", cd->key, name);
		return VPCI_EINVAL;
	}
	if (vc->version > 15 || (vc->version && cd->kind != CK_EXT)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_ERANGE, pos, "virtual %s: version %u (extended capabilities only, "
			 "0..15)", cd->key, vc->version);
		return VPCI_ERANGE;
	}
	rc = place_stage_begin(f, cd, cd->id, cd->kind == CK_EXT, (uint8_t)(vc->version ? vc->version : 1), st);
	if (rc)
		return rc;
	st->placement = (vc->flags & VPCI_VCAP_AUTO) ? (uint8_t)(VCAP_AUTO | ((vc->flags & VPCI_VCAP_GAPS) ? VCAP_GAPS : 0))
						     : (uint8_t)VCAP_PINNED;
	st->off = vc->offset;
	if (name)
		snprintf(st->tag, sizeof(st->tag), "%s", name);
	unsigned hdr = st->ext ? 4u : 2u;
	const uint8_t *body = t ? t->body : vc->body;
	size_t blen = t ? t->body_len : vc->body ? vc->body_len : 0;
	for (int pass = 0; pass < (t && vc->body ? 2 : 1); pass++) {
		if (pass) {
			body = vc->body;
			blen = vc->body_len;
		}
		if (blen > VPCI_CFG_SIZE || hdr + blen > (st->ext ? VPCI_CFG_SIZE - 0x100u : 0xc0u)) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_ERANGE, pos, "virtual %s: a body of %zu bytes does not fit "
				 "its space", cd->key, blen);
			rc = VPCI_ERANGE;
			goto fail;
		}
		if (blen)
			memcpy(st->s->val + st->at + hdr, body, blen);
	}
	for (size_t i = 0; i < vc->nparams; i++) {
		rc = apply_param(st, t ? t->name : cd->key, &vc->params[i], d);
		if (rc)
			goto fail;
	}
	place_stage_own_len(st, (unsigned)blen);
	place_stage_planes(st);
	unsigned len = place_stage_len(st);
	if (hdr + blen > len) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_ERANGE, pos, "virtual %s: its body of %zu bytes runs past its "
			 "length of %u bytes", cd->key, blen, len);
		rc = VPCI_ERANGE;
		goto fail;
	}
	return 0;
fail:
	place_stage_end(st);
	return rc;
}

VPCI_EXPORT int vpci_vcap_fit(const vpci_func *f, const struct vpci_vcap *vc, struct vpci_placement *out,
			      vpci_diag *d)
{
	struct vcap_stage st;
	int rc = stage_vcap(f, vc, &st, d);

	if (rc)
		return rc;
	rc = place_find(f, &st, out, DIAG_NOPOS, d);
	place_stage_end(&st);
	return rc;
}

VPCI_EXPORT int vpci_vcap_add(vpci_func *f, const struct vpci_vcap *vc, struct vpci_placement *out,
			      vpci_diag *d)
{
	struct vpci_placement pl;
	struct vcap_stage st;
	int rc = stage_vcap(f, vc, &st, d);

	if (rc)
		return rc;
	rc = place_find(f, &st, &pl, DIAG_NOPOS, d);
	if (!rc)
		rc = place_insert(f, &st, &pl);
	place_stage_end(&st);
	if (!rc && out)
		*out = pl;
	return rc;
}

static int virtual_at(const vpci_func *f, unsigned index)
{
	if (index >= f->ncaps)
		return VPCI_ENOENT;
	return f->caps[index].virt ? 0 : VPCI_EINVAL;
}

VPCI_EXPORT int vpci_vcap_remove(vpci_func *f, unsigned index)
{
	int rc = virtual_at(f, index);

	if (rc)
		return rc;
	int ext = f->caps[index].ext;
	func_remove_cap(f, index);
	if (!ext && !f->nstd)
		f->val[0x06] &= (uint8_t)~0x10u;
	func_apply_structure(f);
	return 0;
}

VPCI_EXPORT int vpci_vcap_pin(vpci_func *f, unsigned index)
{
	int rc = virtual_at(f, index);

	if (!rc)
		f->caps[index].placement = VCAP_PINNED;
	return rc;
}

VPCI_EXPORT int vpci_vcap_explain(const vpci_func *f, unsigned index, struct vpci_placement *out)
{
	int rc = virtual_at(f, index);

	if (rc)
		return rc;
	const struct capinst *c = &f->caps[index];
	if (!c->desc)
		return VPCI_EINVAL;
	/* the function as the rule saw it: without this capability and the
	 * virtual ones listed after it */
	struct vpci_func *g = vpci_func_dup(f);
	if (!g)
		return VPCI_ENOMEM;
	for (unsigned i = g->ncaps; i-- > index;)
		if (g->caps[i].virt && g->caps[i].ext == c->ext)
			func_remove_cap(g, i);
	func_apply_structure(g);
	struct vcap_stage st;
	rc = place_stage_begin(g, c->desc, c->id, c->ext, c->version, &st);
	if (!rc) {
		unsigned len = MIN(cap_extent(c), VPCI_CFG_SIZE - c->off);
		memcpy(st.s->val + st.at, f->val + c->off, len);
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			memcpy(st.s->pl[p] + st.at, f->pl[p] + c->off, len);
		st.placement = c->placement;
		st.off = c->off;
		memcpy(st.tag, c->tag, sizeof(st.tag));
		rc = place_find(g, &st, out, DIAG_NOPOS, NULL);
		out->index = index;
		place_stage_end(&st);
	}
	vpci_func_free(g);
	return rc;
}

VPCI_EXPORT const char *vpci_vcap_name(const vpci_func *f, unsigned index)
{
	return index < f->ncaps && f->caps[index].virt ? f->caps[index].tag : "";
}

/* --- the host's PASID limits ------------------------------------------------ */

VPCI_EXPORT unsigned vpci_check_host_pasid(const vpci_func *f, const struct vpci_host_pasid *h, vpci_diag *d)
{
	unsigned errors = 0;

	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		if (!c->ext || c->id != 0x001b || c->off + 8u > f->size)
			continue;
		/* PASID Capability register (PCIe r6.0 §7.8.9.2) */
		unsigned cap = le16(f->val + c->off + 4), width = (cap >> 8) & 0x1f;
		struct diag_pos pos = func_pos(f, f->byteloc[c->off + 4] ? f->byteloc[c->off + 4] : c->loc, c->off + 4);
		const char *what = c->virt ? "virtual PASID" : "PASID";
		if (!h->known) {
			diag_add(d, VPCI_SEV_WARNING, VPCI_ENOENT, pos, "%s at 0x%x: the host's PASID limits are "
				 "unknown (%s)", what, c->off, h->why[0] ? h->why : "nothing could be read");
			continue;
		}
		if (!h->supported) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "%s at 0x%x promises PASID, which the host cannot "
				 "back: %s", what, c->off, h->why);
			errors++;
			continue;
		}
		/* who was asked: the device's PASID capability, its IOMMU */
		const char *src = h->iommu && h->device ? "its PASID capability and its IOMMU" :
				  h->iommu ? "its IOMMU" : "its PASID capability";
		if (width > h->width) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "%s at 0x%x promises Max PASID Width %u; the host "
				 "function backs %u (%s)", what, c->off, width, h->width, src);
			errors++;
		}
		if ((cap & 0x2) && !h->exec) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "%s at 0x%x promises Execute Permission, which the "
				 "host function does not back (%s)", what, c->off, src);
			errors++;
		}
		if ((cap & 0x4) && !h->priv) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "%s at 0x%x promises Privileged Mode, which the "
				 "host function does not back (%s)", what, c->off, src);
			errors++;
		}
		if (!h->iommu)
			diag_add(d, VPCI_SEV_WARNING, VPCI_ENOENT, pos, "%s at 0x%x: checked against the function's "
				 "PASID capability only; %s", what, c->off, h->why);
	}
	return errors;
}
