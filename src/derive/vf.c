/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vf.c - SR-IOV VFs in the derive pipeline
 *
 * A VF's own config space does not say what it is: its Vendor and Device
 * IDs read 0xffff (PCIe r6.0 §9.3.4.1.1-2), its BARs read 0 (their kinds
 * and sizes are the PF's SR-IOV VF BARs, §9.3.3.14) and it has no INTx.
 * The kernel knows (sysfs vendor, device, resource); a dump does not.
 * Here the PF's SR-IOV capability gives what the VF lacks:
 *
 *   - vf_persona(): VF n of a PF, synthesized from the PF alone, without
 *     enabling VFs (vpci derive --vf-of PF --vf N);
 *   - vf_from_pf(): a VF captured in a dump, completed from its PF in the
 *     same dump (found by Routing-ID arithmetic, or named: --pf).
 *
 * Both produce host facts, so that the rest of the pipeline (the guest
 * policy's VF rules, quirks, validation) treats them as it treats a VF
 * read from sysfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive_priv.h"

/* The PF's SR-IOV capability, as named fields of the capability table */
struct sriov_view {
	unsigned off;
	uint32_t ctl, total, num, offset, stride, vfdid, sps;
	uint32_t vfbar[6];
};

/* The SR-IOV capability of 4096 config bytes; 0, or -1 when there is none
 * (no model is built: a dump's VF looks at every function of the dump) */
static int sriov_view(const uint8_t *cfg, struct sriov_view *v)
{
	unsigned off = config_find_ext_cap(cfg, ECAPID_SRIOV);
	struct sriov_layout l;

	if (!off || off + captab_find(CK_EXT, ECAPID_SRIOV)->len > VPCI_CFG_SIZE)
		return -1;
	captab_sriov_layout(off, &l);
	memset(v, 0, sizeof(*v));
	v->off = off;
	v->ctl = le16(cfg + l.ctl);
	v->total = le16(cfg + l.total);
	v->num = le16(cfg + l.num);
	v->offset = le16(cfg + l.first);
	v->stride = le16(cfg + l.stride);
	v->vfdid = le16(cfg + l.vfdid);
	v->sps = le32(cfg + l.sps);
	for (unsigned i = 0; i < 6; i++)
		v->vfbar[i] = le32(cfg + l.vfbar[i]);
	return 0;
}

static struct diag_pos fpos(const char *slot)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = slot;
	return p;
}

/* The PF's model, with its SR-IOV capability; 0 or VPCI_E* (reported) */
static int pf_model(const struct host_facts *pf, struct vpci_func **out, struct sriov_view *sv, vpci_diag *d)
{
	*out = NULL;
	if (pf->len < VPCI_CFG_SIZE) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, fpos(pf->slot),
			 "only %zu bytes of the PF's config space are known: its SR-IOV capability is in the extended "
			 "config space (4096 bytes; lspci -xxxx, or sysfs as root)", pf->len);
		return VPCI_EDATA;
	}
	int rc = vpci_func_from_config(pf->cfg, VPCI_CFG_SIZE, out, NULL);
	if (rc)
		return rc;
	if ((*out)->kind != VPCI_KIND_ENDPOINT || sriov_view(pf->cfg, sv)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, fpos(pf->slot),
			 "not an SR-IOV physical function: it has no SR-IOV capability (PCIe r6.0 §9.3.3)%s",
			 (*out)->kind != VPCI_KIND_ENDPOINT ? " and is not an endpoint" : "");
		vpci_func_free(*out);
		*out = NULL;
		return VPCI_EDATA;
	}
	return 0;
}

/* The address of VF @n; 0 or -1 */
static int vf_slot(const char *pfslot, const struct sriov_view *sv, unsigned n, char out[HOST_SLOT_LEN])
{
	struct host_bdf pf, vf;

	if (host_bdf_parse(pfslot, &pf) || host_vf_bdf(&pf, sv->offset, sv->stride, n, &vf))
		return -1;
	host_bdf_format(&vf, out);
	return 0;
}

/* The VF's BAR kinds from the PF's VF BAR registers (memory only, 32 or
 * 64 bit, prefetchable: §9.3.3.14) and their sizes from the PF's VF BAR
 * space, which spans TotalVFs VFs (the kernel's resource lines 7..12
 * hold TotalVFs times the size of one VF's BAR). */
static void vf_bar_facts(const struct sriov_view *sv, const struct host_facts *pf, struct host_facts *vf,
			 vpci_diag *d)
{
	for (unsigned i = 0; i < 6; i++) {
		uint32_t r = sv->vfbar[i];
		uint64_t span = pf->vf_bar_size[i];
		uint8_t bit = (uint8_t)(1u << i);
		if (!r && !span)
			continue; /* not implemented, or an unassigned 32-bit BAR the source cannot tell */
		if (vf->bar_known & bit) {
			/* the source knows this VF's own BAR (lspci -vvv of a VF
			 * prints what the kernel tells) */
			i += (unsigned)((vf->bar_64 >> i) & 1);
			continue;
		}
		if (r & BAR_SPACE_IO) {
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, fpos(pf->slot),
				 "the PF's VF BAR %u reads as an I/O BAR; VF BARs are memory only (PCIe r6.0 §9.3.3.14): "
				 "ignored", i);
			continue;
		}
		int is64 = (r & BAR_MEM_TYPE) == BAR_MEM_TYPE_64;
		if (is64 && i == 5) {
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, fpos(pf->slot),
				 "the PF's VF BAR 5 is a 64-bit BAR with no upper half: ignored");
			break;
		}
		vf->bar_typed |= bit;
		if (is64)
			vf->bar_64 |= bit;
		if (r & BAR_MEM_PREFETCH)
			vf->bar_pref |= bit;
		if (span) {
			uint64_t size = sv->total ? span / sv->total : 0;
			if (size && span % sv->total == 0 && is_pow2(size) && size >= 16) {
				vf->bar_size[i] = size;
				vf->bar_known |= bit;
			} else {
				diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, fpos(pf->slot),
					 "VF BAR %u: the PF's VF BAR space of %#llx bytes is not TotalVFs (%u) times a "
					 "power of two; the size is left unknown", i, (unsigned long long)span, sv->total);
			}
		}
		i += (unsigned)is64;
	}
}

/* The identity and BARs a VF gets from its PF: the PF's vendor and the
 * VF Device ID (what the kernel shows in sysfs), the BARs of the SR-IOV
 * capability, the link to the PF. */
static void vf_identity(const struct sriov_view *sv, const struct host_facts *pff, struct host_facts *vf,
			vpci_diag *d)
{
	vf->have_ids = 1;
	vf->vendor = le16(pff->cfg + CFG_VENDOR_ID);
	vf->device = (uint16_t)sv->vfdid;
	vf->is_vf = 1;
	snprintf(vf->physfn, sizeof(vf->physfn), "%s", pff->slot);
	vf_bar_facts(sv, pff, vf, d);
}

/* The config space VF n would show, predicted from the PF: what a VF
 * carries (captab_vf_never drops the rest), 0xffff IDs, no BARs, ROM or
 * INTx, one function, every register at its reset value (a VF exists
 * only after VF Enable) and the bits a VF does not own reading 0.
 * Read-only values are the PF's: the kernel, too, assumes VFs share the
 * PF's class, revision and subsystem (PCIe r6.0 §9.3.4.1.5-6, 9.3.4.1.13). */
static int persona_config(const struct vpci_func *pf, struct host_facts *vf)
{
	struct vpci_func *v = vpci_func_dup(pf);
	uint8_t *hide = v ? calloc(v->ncaps ? v->ncaps : 1, 1) : NULL;
	uint8_t notown[VPCI_CFG_SIZE];
	int rc = VPCI_ENOMEM;

	if (!hide)
		goto out;
	for (unsigned i = 0; i < v->ncaps; i++)
		hide[i] = captab_vf_never(v->caps[i].ext ? CK_EXT : CK_STD, v->caps[i].id) != NULL;
	func_remove_caps(v, hide);
	if ((rc = func_link_ext_list(v)))
		goto out;
	memset(v->val + CFG_VENDOR_ID, 0xff, 4); /* §9.3.4.1.1-2 */
	/* cache line, latency, header type, BIST */
	memset(v->val + CFG_CACHE_LINE_SIZE, 0, CFG_BAR0 - CFG_CACHE_LINE_SIZE);
	/* BARs read 0 (§9.3.4.1.11), and the CardBus CIS pointer */
	memset(v->val + CFG_BAR0, 0, CFG0_SUBSYSTEM_VENDOR - CFG_BAR0);
	memset(v->val + CFG0_ROM, 0, 4);         /* no expansion ROM */
	/* no INTx (§9.3.4.1.18), Min_Gnt, Max_Lat */
	memset(v->val + CFG_INTERRUPT_LINE, 0, CFG_HEADER_END - CFG_INTERRUPT_LINE);
	for (unsigned i = 0; i <= ROM_INDEX; i++)
		memset(&v->bar[i], 0, sizeof(v->bar[i]));
	v->multifunction = 0;
	func_apply_structure(v);
	func_default_planes(v);
	func_reset_fields(v);
	func_vf_rule_mask(v, 0, notown);
	for (unsigned k = 0; k < VPCI_CFG_SIZE; k++)
		v->val[k] &= (uint8_t)~(notown[k] | v->pl[VPCI_PL_RSVDZ][k]);
	func_sync_caplist(v);
	memcpy(vf->cfg, v->val, VPCI_CFG_SIZE);
	vf->len = VPCI_CFG_SIZE;
	rc = 0;
out:
	free(hide);
	vpci_func_free(v);
	return rc;
}

int vf_persona(const struct host_facts *pff, unsigned n, struct host_facts *out, vpci_diag *d)
{
	struct vpci_func *pf;
	struct sriov_view sv;
	char slot[HOST_SLOT_LEN];
	int rc = pf_model(pff, &pf, &sv, d);

	if (rc)
		return rc;
	rc = VPCI_EINVAL;
	if (!n || n > sv.total) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, fpos(pff->slot),
			 "the PF has %u VFs (TotalVFs): VF %u does not exist", sv.total, n);
		goto out;
	}
	if (vf_slot(pff->slot, &sv, n, slot)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, fpos(pff->slot),
			 "VF %u: First VF Offset %u and VF Stride %u put it past bus 255 (PCIe r6.0 §9.3.3.10-11)", n,
			 sv.offset, sv.stride);
		rc = VPCI_EDATA;
		goto out;
	}
	host_facts_init(out, slot);
	vf_identity(&sv, pff, out, d);
	rc = persona_config(pf, out);
out:
	vpci_func_free(pf);
	return rc;
}

int vf_unnamed(const struct host_facts *f)
{
	if (f->have_ids || f->is_vf || f->len < CFG_HEADER_END || le32(f->cfg + CFG_VENDOR_ID) != 0xffffffffu)
		return 0;
	for (unsigned i = CFG_COMMAND; i < CFG_HEADER_END; i++)
		if (f->cfg[i] != 0xff)
			return 1;
	return 0;
}

/* Is @vf VF n of the PF @pff?  n, or 0.  Routing-ID arithmetic (PCIe
 * r6.0 §9.3.3.10-11): VF n is at the PF's Routing ID + First VF Offset +
 * (n - 1) * VF Stride, in one domain. */
static unsigned vf_number(const struct host_facts *pff, const struct sriov_view *sv, const char *vfslot)
{
	struct host_bdf pf, vf;

	if (host_bdf_parse(pff->slot, &pf) || host_bdf_parse(vfslot, &vf) || pf.dom != vf.dom)
		return 0;
	long d = (long)host_bdf_rid(&vf) - (long)host_bdf_rid(&pf) - (long)sv->offset;
	if (d < 0 || (!sv->stride && d) || (sv->stride && d % sv->stride))
		return 0;
	unsigned long n = sv->stride ? (unsigned long)d / sv->stride + 1 : 1;
	return n <= sv->total ? (unsigned)n : 0;
}

int vf_from_pf(struct vpci_source *s, const char *want, struct host_facts *vf, struct vf_link *link,
	       vpci_diag *d)
{
	struct host_facts *buf = malloc(sizeof(*buf));
	size_t cnt = vpci_source_count(s), first = 0, end = cnt;
	int rc = 0, found = 0;

	if (!buf)
		return VPCI_ENOMEM;
	memset(link, 0, sizeof(*link));
	if (want) {
		int idx = vpci_source_find(s, want);
		if (idx < 0) {
			diag_add(d, VPCI_SEV_ERROR, idx == VPCI_EINVAL ? VPCI_EINVAL : VPCI_ENOENT, fpos(vf->slot),
				 idx == VPCI_EINVAL ? "the PF address '%s' is malformed (expected [DDDD:]BB:DD.F)"
						    : "the PF %s is not in the source", want);
			rc = idx == VPCI_EINVAL ? VPCI_EINVAL : VPCI_ENOENT;
			goto out;
		}
		if (!strcmp(vpci_source_slot(s, (size_t)idx), vf->slot)) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, fpos(vf->slot), "the PF named is the VF itself");
			rc = VPCI_EINVAL;
			goto out;
		}
		first = (size_t)idx;
		end = first + 1;
	}
	for (size_t j = first; j < end; j++) {
		const struct host_facts *pff = source_peek(s, j);
		struct sriov_view sv;
		if (!strcmp(vpci_source_slot(s, j), vf->slot))
			continue;
		if (!pff) {
			if (source_read(s, j, buf, NULL))
				continue;
			pff = buf;
		}
		/* an SR-IOV PF: an endpoint with an SR-IOV capability (checked
		 * on the bytes: no model is built for every function) */
		if (pff->len < VPCI_CFG_SIZE || le16(pff->cfg + CFG_VENDOR_ID) == 0xffff ||
		    (pff->cfg[CFG_HEADER_TYPE] & CFG_HEADER_LAYOUT) ||
		    sriov_view(pff->cfg, &sv)) {
			if (want) {
				/* named: say why it cannot be the PF */
				struct vpci_func *unused = NULL;
				int e = pf_model(pff, &unused, &sv, d);
				vpci_func_free(unused);
				rc = e ? e : VPCI_EDATA;
			}
			continue;
		}
		unsigned n = vf_number(pff, &sv, vf->slot);
		if (!n) {
			if (want) {
				char lo[HOST_SLOT_LEN] = "-", hi[HOST_SLOT_LEN] = "-";
				vf_slot(pff->slot, &sv, 1, lo);
				vf_slot(pff->slot, &sv, sv.total ? sv.total : 1, hi);
				diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, fpos(vf->slot),
					 "%s is not a VF of %s: its %u VFs are %s .. %s (First VF Offset %u, VF Stride %u)",
					 vf->slot, pff->slot, sv.total, lo, hi, sv.offset, sv.stride);
				rc = VPCI_EDATA;
			}
			continue;
		}
		if (found) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, fpos(vf->slot),
				 "both %s and %s have a VF at this address: name the PF (--pf)", link->pf, pff->slot);
			rc = VPCI_EDATA;
			goto out;
		}
		found = 1;
		snprintf(link->pf, sizeof(link->pf), "%s", pff->slot);
		link->n = n;
		vf_identity(&sv, pff, vf, d);
		if (!(sv.ctl & 1) || n > sv.num)
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, fpos(vf->slot),
				 "the PF %s shows VF Enable %s and NumVFs %u, so VF %u should not exist; its First VF "
				 "Offset and VF Stride may have changed since", pff->slot, sv.ctl & 1 ? "set" : "clear",
				 sv.num, n);
	}
	rc = rc ? rc : found;
out:
	free(buf);
	return rc;
}

int vf_number_of(struct vpci_source *s, const struct host_facts *vf, struct vf_link *link)
{
	struct host_facts *pff;
	struct sriov_view sv;
	int idx = vf->physfn[0] ? vpci_source_find(s, vf->physfn) : -1, rc = 0;

	memset(link, 0, sizeof(*link));
	if (idx < 0 || !(pff = malloc(sizeof(*pff))))
		return 0;
	if (!source_read(s, (size_t)idx, pff, NULL) && pff->len >= VPCI_CFG_SIZE && !sriov_view(pff->cfg, &sv) &&
	    (link->n = vf_number(pff, &sv, vf->slot))) {
		snprintf(link->pf, sizeof(link->pf), "%s", pff->slot);
		rc = 1;
	}
	free(pff);
	return rc;
}
