/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * relocate.c - the engine's side of a binding (docs/binding.md): which
 * physical byte backs each device-backed guest byte, and the accesses
 * that go there.
 *
 * On a real backend the engine reads the function's layout through the
 * backend itself (config space, plus the backend's description of BARs
 * and VF-ness) and binds the instance to it before it serves a single
 * access.  A device-backed piece of an access is sent for the bytes from
 * the first to the last that hold device-backed bits, at the physical
 * offsets of the map, as naturally aligned runs of contiguous physical
 * bytes, skipping bytes the binding did not match: no access ever reaches
 * a physical byte that is not a matched register.
 */
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

#define NONE 0xffffu

static inline unsigned bytes_of(uint32_t bits, unsigned sh, unsigned i)
{
	return (bits >> (sh + 8 * i)) & 0xff;
}

static inline uint32_t bytes_mask(unsigned n)
{
	return n >= 4 ? 0xffffffffu : (1u << (8 * n)) - 1;
}

/* The piece bytes from the first to the last that hold @bits (DWORD
 * positions, @sh the piece's shift); 0 when none does. */
static int span(uint32_t bits, unsigned sh, unsigned size, unsigned *lo, unsigned *hi)
{
	int any = 0;

	for (unsigned i = 0; i < size; i++) {
		if (!bytes_of(bits, sh, i))
			continue;
		if (!any)
			*lo = i;
		*hi = i;
		any = 1;
	}
	return any;
}

/* The run from piece byte @i up to @hi: bytes of matched registers with
 * contiguous physical offsets, cut to a naturally aligned access. */
static unsigned run_len(const struct vpci_emu *e, unsigned off, unsigned i, unsigned hi)
{
	unsigned p = e->reloc[off + i], n = 1;

	while (i + n <= hi && e->reloc[off + i + n] == p + n)
		n++;
	if (n >= 4 && !(p & 3))
		return 4;
	if (n >= 2 && !(p & 1))
		return 2;
	return 1;
}

int emu_dev_read(struct vpci_emu *e, unsigned off, unsigned size, uint32_t *val)
{
	unsigned sh = (off & 3) * 8, lo = 0, hi = 0;
	uint32_t v = 0;

	if (span(e->dev[off >> 2], sh, size, &lo, &hi)) {
		for (unsigned i = lo; i <= hi;) {
			if (e->reloc[off + i] == NONE) {
				i++; /* not a register the binding matched */
				continue;
			}
			unsigned n = run_len(e, off, i, hi);
			uint32_t b = 0;
			int rc = e->be.ops->read(e->be.ctx, e->reloc[off + i], n, &b);
			if (rc)
				return rc;
			v |= (b & bytes_mask(n)) << (8 * i);
			i += n;
		}
	}
	*val = v;
	return 0;
}

int emu_dev_write(struct vpci_emu *e, unsigned off, unsigned size, uint32_t val, uint32_t devbits, uint32_t keep)
{
	unsigned lo = 0, hi = 0;

	if (!span(devbits, 0, size, &lo, &hi))
		return 0;
	for (unsigned i = lo; i <= hi;) {
		if (e->reloc[off + i] == NONE) {
			i++;
			continue;
		}
		unsigned n = run_len(e, off, i, hi), p = e->reloc[off + i];
		uint32_t rm = bytes_mask(n) << (8 * i), cur = 0;
		if (keep & rm) {
			int rc = e->be.ops->read(e->be.ctx, p, n, &cur);
			if (rc)
				return rc;
			cur <<= 8 * i;
		}
		uint32_t out = ((cur & keep) | (val & devbits)) & rm;
		int rc = e->be.ops->write(e->be.ctx, p, n, out >> (8 * i), (devbits & rm) >> (8 * i));
		if (rc)
			return rc;
		i += n;
	}
	return 0;
}

/* The function's layout, read through the backend: config space DWORD by
 * DWORD (a conventional function ends at 256 bytes), BAR kinds and sizes
 * and VF-ness from the backend's description. */
static int read_physical(const struct vpci_backend *be, struct vpci_func **out, vpci_diag *d)
{
	uint8_t cfg[VPCI_CFG_SIZE] = { 0 };
	struct vpci_backend_desc desc;
	unsigned len = 0;
	int rc;

	for (unsigned o = 0; o < VPCI_CFG_SIZE; o += 4) {
		uint32_t v;
		if (be->ops->read(be->ctx, o, 4, &v))
			break;
		le_put64(cfg + o, 4, v);
		len = o + 4;
	}
	if (len < 64) {
		struct diag_pos p = DIAG_NOPOS;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p,
			 "the backend cannot read the function's config space: its layout cannot be bound");
		return VPCI_EIO;
	}
	memset(&desc, 0, sizeof(desc));
	if (be->ops->describe && (rc = be->ops->describe(be->ctx, &desc)))
		return rc;
	if (desc.is_vf)
		memset(cfg, 0xff, 4); /* a VF's IDs read 0xffff (PCIe §9.3.4.1.1) */
	rc = vpci_func_from_config(cfg, len >= VPCI_CFG_SIZE ? VPCI_CFG_SIZE : len >= 256 ? 256 : len >= 128 ? 128 : 64,
				   out, NULL);
	if (rc)
		return rc;
	struct vpci_func *f = *out;
	if (desc.is_vf && desc.vf_memory)
		f->pl[VPCI_PL_DEVICE][0x04] |= 0x2; /* the backend backs its Memory Space Enable */
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct vpci_bar_info *b = &desc.bar[i];
		if (!b->size_known || !b->size || (i < ROM_INDEX && i >= func_nbars(f)))
			continue;
		if (f->bar[i].type == VPCI_BAR_NONE && (b->type != VPCI_BAR_NONE || i == ROM_INDEX)) {
			if (func_set_bar(f, i, i == ROM_INDEX ? VPCI_BAR_MEM32 : b->type, b->prefetchable))
				continue;
			func_apply_structure(f);
		}
		vpci_func_set_bar_size(f, i, b->size);
	}
	return 0;
}

void emu_reloc_identity(uint16_t *reloc, unsigned size)
{
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o++)
		reloc[o] = o < size ? (uint16_t)o : NONE;
}

int emu_bind(struct vpci_emu *e, const struct vpci_func *f, const struct vpci_binding *given, vpci_diag *d)
{
	struct vpci_binding *own = NULL;
	struct vpci_func *phys = NULL;
	const struct vpci_binding *b = given;
	struct diag_pos pos = DIAG_NOPOS;
	int rc = 0;

	pos.file = f->file;
	if (!b && (e->be.ops->flags & VPCI_BACKEND_REAL)) {
		rc = read_physical(&e->be, &phys, d);
		if (!rc) {
			rc = vpci_bind(f, phys, &own, d);
			if (rc == VPCI_EDATA)
				diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos,
					 "the function behind the backend cannot back instance '%s' (reasons above)",
					 vpci_func_name(f));
		}
		vpci_func_free(phys);
		b = own;
	}
	/* without a binding every byte is backed at its own offset: the
	 * type's map (emu_reloc_identity) */
	if (!rc && b && !(e->own_reloc = malloc(VPCI_CFG_SIZE * sizeof(*e->own_reloc))))
		rc = VPCI_ENOMEM;
	/* every byte of a matched register has an entry (an access spanning
	 * a register goes to the device whole); a device-backed byte must */
	for (unsigned o = 0; !rc && b && o < VPCI_CFG_SIZE; o++) {
		int p = o >= f->size ? -1 : vpci_binding_lookup(b, o);
		e->own_reloc[o] = p < 0 ? NONE : (uint16_t)p;
		if (p < 0 && o < f->size && f->pl[VPCI_PL_DEVICE][o]) {
			pos.offset = (int)o;
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos,
				 "the binding was not made for this instance: device-backed byte %#x has no register", o);
			rc = VPCI_EDATA;
		}
	}
	if (e->own_reloc)
		e->reloc = e->own_reloc;
	vpci_binding_free(own);
	return rc;
}
