/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * validate.c - check a function model against the PCI rules
 *
 * Every check reports through the diagnostics list with the position of
 * the file node that set the offending bytes (when the model came from a
 * file) and the config offset.  All problems are reported, not the first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "func.h"
#include "vpci/text.h"

struct vctx {
	const struct vpci_func *f;
	vpci_diag *d;
	unsigned errors;
	int capture;   /* a raw capture: a PCI rule the device breaks is a fact */
};

/* Severity of a broken PCI rule: an error, or for a raw capture (what a
 * device shows, rule breaks included) a warning that says so */
enum { SEV_RULE = -1 };

PRINTF(5, 6)
static void report(struct vctx *v, int sev, uint32_t loc, int off, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	struct diag_pos p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p = loc ? func_pos(v->f, loc, off) : func_pos_off(v->f, off);
	if (sev == SEV_RULE && v->capture) {
		diag_add(v->d, VPCI_SEV_WARNING, VPCI_EDATA, p, "the device breaks a PCI rule (kept as captured): %s",
			 msg);
		return;
	}
	if (sev == SEV_RULE)
		sev = VPCI_SEV_ERROR;
	if (sev == VPCI_SEV_ERROR)
		v->errors++;
	diag_add(v->d, (enum vpci_severity)sev, VPCI_EDATA, p, "%s", msg);
}

/* a PCI rule the bytes break (a fact about the device in a raw capture) */
#define ERR(v, loc, off, ...) report(v, SEV_RULE, loc, (int)(off), __VA_ARGS__)
/* the file contradicts itself (planes, free ranges): always an error */
#define FILE_ERR(v, loc, off, ...) report(v, VPCI_SEV_ERROR, loc, (int)(off), __VA_ARGS__)
#define WARN(v, loc, off, ...) report(v, VPCI_SEV_WARNING, loc, (int)(off), __VA_ARGS__)
/* an error about register @reg of capability @c */
#define CAP_ERR(v, c, reg, ...) ERR(v, loc_of((v)->f, (c)->off + (reg), c), (c)->off + (reg), __VA_ARGS__)

static const char *capname(const struct capinst *c)
{
	return c->desc ? c->desc->name : (c->ext ? "unknown extended capability" : "unknown capability");
}

/* --- header --------------------------------------------------------------- */

static void check_header(struct vctx *v)
{
	const struct vpci_func *f = v->f;
	uint16_t vid = le16(f->val + CFG_VENDOR_ID), status = le16(f->val + CFG_STATUS);
	uint32_t cls = le_get(f->val + CFG_CLASS_CODE, 3);

	if (vid == 0xffff)
		WARN(v, 0, CFG_VENDOR_ID, "vendor-id 0xffff is not a valid vendor (a VF or an absent function reads it)");
	if (f->kind == VPCI_KIND_BRIDGE && (cls >> 8) != 0x0604 && (cls >> 8) != 0x0609)
		WARN(v, 0, CFG_CLASS_CODE, "a type 1 (bridge) header with class-code %#08x; PCI-to-PCI bridges are class 0x0604xx", cls);
	if (f->kind == VPCI_KIND_ENDPOINT && (cls >> 8) == 0x0604)
		WARN(v, 0, CFG_CLASS_CODE, "class-code %#08x is a PCI-to-PCI bridge but the kind is endpoint", cls);
	if (f->nstd && !(status & CFG_STATUS_CAP_LIST))
		ERR(v, 0, CFG_STATUS, "status bit 4 (Capabilities List) is clear, so the %u capabilities are invisible (PCIe §7.5.1.1.4)", f->nstd);
	if (!f->nstd && (status & CFG_STATUS_CAP_LIST) && f->kind != VPCI_KIND_CARDBUS)
		WARN(v, 0, CFG_STATUS, "status bit 4 (Capabilities List) is set but there are no capabilities");
	if (f->val[CFG_INTERRUPT_PIN] > 4)
		ERR(v, 0, CFG_INTERRUPT_PIN, "interrupt-pin %u is invalid (0 = none, 1..4 = INTA..INTD)",
		    f->val[CFG_INTERRUPT_PIN]);
}

/* --- BARs -------------------------------------------------------------------- */

static void check_bars(struct vctx *v)
{
	const struct vpci_func *f = v->f;

	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *b = &f->bar[i];
		struct vpci_bar_info bi;
		char what[16];
		if (i < ROM_INDEX && i >= func_nbars(f))
			continue;
		if (vpci_func_bar(f, i, &bi) || bi.type == VPCI_BAR_MEM64_HI)
			continue;
		if (i == ROM_INDEX)
			snprintf(what, sizeof(what), "expansion ROM");
		else
			snprintf(what, sizeof(what), "BAR %u", i);
		unsigned off = func_bar_off(f, i);
		uint32_t lsz = b->loc_size ? b->loc_size : b->loc, lad = b->loc_addr ? b->loc_addr : b->loc;
		if (!b->size_known) {
			if (!b->size_bad)
				WARN(v, b->loc, off, "%s size is unknown; give 'size' before the function is emulated", what);
			continue;
		}
		uint64_t s = b->size;
		if (!is_pow2(s)) {
			ERR(v, lsz, off, "%s size 0x%llx is not a power of two (PCI 3.0 §6.2.5.1)", what,
			    (unsigned long long)s);
			continue;
		}
		if (i == ROM_INDEX) {
			if (s < 2048 || s > (16u << 20))
				ERR(v, lsz, off, "expansion ROM size 0x%llx is outside 2 KiB..16 MiB (PCI 3.0 §6.2.5.2)",
				    (unsigned long long)s);
		} else if (b->type == VPCI_BAR_IO) {
			if (s < 4 || s > 256)
				ERR(v, lsz, off, "I/O BAR %u size %llu is outside 4..256 bytes (PCI 3.0 §6.2.5.1)", i,
				    (unsigned long long)s);
		} else {
			if (s < 16)
				ERR(v, lsz, off, "memory BAR %u size %llu is below the 16-byte minimum (PCI 3.0 §6.2.5.1)",
				    i, (unsigned long long)s);
			if (b->type != VPCI_BAR_MEM64 && s > (1ull << 31))
				ERR(v, lsz, off, "32-bit BAR %u cannot decode 0x%llx bytes; use type mem64", i,
				    (unsigned long long)s);
			if (b->type == VPCI_BAR_MEM1M && s > (1u << 20))
				ERR(v, lsz, off, "below-1MiB BAR %u cannot be larger than 1 MiB", i);
		}
		if (bi.address & (s - 1))
			ERR(v, lad, off, "%s address 0x%llx is not aligned to its size 0x%llx", what,
			    (unsigned long long)bi.address, (unsigned long long)s);
		if (f->kind == VPCI_KIND_ENDPOINT && b->type == VPCI_BAR_MEM64 && i == 5)
			ERR(v, b->loc, off, "BAR 5 cannot be 64-bit: it has no upper half");
	}
}

/* --- capability lists -------------------------------------------------- */

static int multi_ok(const struct capinst *c)
{
	/* vendor-specific and vendor-defined capabilities may repeat */
	return (!c->ext && (c->id == CAPID_VENDOR || c->id == CAPID_NULL)) ||
	       (c->ext && (c->id == ECAPID_VSEC || c->id == ECAPID_DVSEC || c->id == ECAPID_NULL ||
			   c->id == ECAPID_DOE));
}

/* A virtual capability is served by the engine alone: no bit of it may be
 * device-backed (format §19). */
static void check_virtual(struct vctx *v, const struct capinst *c, unsigned len)
{
	if (!c->virt)
		return;
	for (unsigned k = c->off; k < c->off + len && k < VPCI_CFG_SIZE; k++) {
		if (v->f->pl[VPCI_PL_DEVICE][k]) {
			FILE_ERR(v, v->f->byteloc[k] ? v->f->byteloc[k] : c->loc, k,
			    "virtual %s at 0x%x has device-backed bits at 0x%x: no device backs a virtual capability",
			    capname(c), c->off, k);
			return;
		}
	}
}

static void check_caps(struct vctx *v)
{
	const struct vpci_func *f = v->f;
	int have_pcie = 0;

	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		unsigned len = cap_extent(c);
		if (!c->ext && c->id == CAPID_PCIE)
			have_pcie = 1;
		if (c->off & 3)
			ERR(v, c->loc, c->off, "%s at 0x%x is not DWORD aligned", capname(c), c->off);
		if (!c->ext && (c->off < CFG_HEADER_END || c->off + len > VPCI_CFG_SIZE_CONV))
			ERR(v, c->loc, c->off, "%s at 0x%x (length %u) does not fit in 0x40..0xff", capname(c), c->off, len);
		if (c->ext && (c->off < ECAP_START || c->off + len > f->size))
			ERR(v, c->loc, c->off, "%s at 0x%x (length %u) does not fit in 0x100..0x%x", capname(c),
			    c->off, len, f->size - 1u);
		if (c->off + len > f->size)
			continue;
		int twice = 0, overlaps = 0; /* said once per capability, not once per pair */
		for (unsigned j = 0; j < i; j++) {
			const struct capinst *o = &f->caps[j];
			unsigned olen = cap_extent(o);
			if (!overlaps && c->off < o->off + olen && o->off < c->off + len) {
				ERR(v, c->loc, c->off, "%s at 0x%x (length %u) overlaps %s at 0x%x (length %u)",
				    capname(c), c->off, len, capname(o), o->off, olen);
				overlaps = 1;
			}
			if (!twice && o->ext == c->ext && o->id == c->id && !multi_ok(c)) {
				WARN(v, c->loc, c->off, "%s appears twice (at 0x%x and 0x%x)", capname(c), o->off, c->off);
				twice = 1;
			}
		}
		if (c->off < CFG_HEADER_END)
			continue;
		/* free ranges stay free but for virtual capabilities they are
		 * kept for (format §11, §19) */
		for (unsigned k = 0; k < f->nfree; k++) {
			const struct freerange *r = &f->free[k];
			char nm[80];
			if (!(c->off < r->off + r->len && r->off < c->off + len) || func_range_allows(r, c))
				continue;
			snprintf(nm, sizeof(nm), "%s%s", c->virt ? "virtual " : "", capname(c));
			FILE_ERR(v, r->loc, r->off, "free range 0x%x+0x%x overlaps %s at 0x%x", r->off, r->len, nm, c->off);
		}
		check_virtual(v, c, len);
	}
	if (f->ncaps > f->nstd) {
		const struct capinst *first = &f->caps[f->nstd];
		if (f->size < VPCI_CFG_SIZE)
			ERR(v, first->loc, first->off, "extended capabilities need a 4096-byte config space");
		if (!have_pcie)
			ERR(v, first->loc, first->off,
			    "extended capabilities need a PCI Express capability (PCIe §7.6): no software walks them without one");
		if (first->off != ECAP_START)
			ERR(v, first->loc, first->off,
			    "the first extended capability must be at 0x100, not 0x%x (PCIe §7.6.3)", first->off);
	}
}

/* Walk the chains in the bytes and compare with the structure: raw bytes
 * can rewrite next pointers, and software sees the bytes.  @seen marks
 * the DWORDs visited (the two chains cannot share one either). */
static void check_std_chain_bytes(struct vctx *v, uint8_t *seen)
{
	const struct vpci_func *f = v->f;
	unsigned ptr, idx = 0;

	ptr = f->val[CFG_CAP_PTR];
	if (ptr & ~CFG_CAP_PTR_MASK)
		ERR(v, 0, CFG_CAP_PTR, "capabilities-pointer 0x%x has reserved bits 1:0 set", ptr);
	ptr &= CFG_CAP_PTR_MASK;
	while (ptr && idx < CAP_LIST_MAX) {
		if (ptr < CFG_HEADER_END) {
			ERR(v, 0, ptr, "capability chain points into the header (0x%x)", ptr);
			return;
		}
		if (seen[ptr / 4]) {
			ERR(v, 0, ptr, "capability chain loops back to 0x%x", ptr);
			return;
		}
		seen[ptr / 4] = 1;
		if (idx >= f->nstd || f->caps[idx].off != ptr) {
			ERR(v, 0, ptr, "the bytes link a capability at 0x%x that the capability list does not have there",
			    ptr);
			return;
		}
		if (f->val[ptr + CAP_ID] != f->caps[idx].id)
			ERR(v, 0, ptr, "capability at 0x%x has ID 0x%x in its bytes but 0x%x in the list", ptr,
			    f->val[ptr + CAP_ID], f->caps[idx].id);
		idx++;
		ptr = f->val[ptr + CAP_NEXT] & CFG_CAP_PTR_MASK;
	}
	if (idx != f->nstd)
		ERR(v, idx < f->nstd ? f->caps[idx].loc : 0, idx < f->nstd ? f->caps[idx].off : CFG_CAP_PTR,
		    "the capability chain in the bytes ends after %u of %u capabilities", idx, f->nstd);
}

static void check_ext_chain_bytes(struct vctx *v, uint8_t *seen)
{
	const struct vpci_func *f = v->f;
	unsigned ptr, idx = f->nstd;

	ptr = ECAP_START;
	while (ptr) {
		uint32_t h = le32(f->val + ptr + ECAP_HEADER);
		if (h == 0 || h == 0xffffffffu)
			break;
		if (seen[ptr / 4]) {
			ERR(v, 0, ptr, "extended capability chain loops back to 0x%x", ptr);
			return;
		}
		seen[ptr / 4] = 1;
		if (idx >= f->ncaps || f->caps[idx].off != ptr) {
			ERR(v, 0, ptr, "the bytes link an extended capability at 0x%x that the list does not have there", ptr);
			return;
		}
		idx++;
		unsigned next = ECAP_NEXT(h);
		if (next && next < ECAP_START) {
			ERR(v, 0, ptr, "extended capability at 0x%x links to 0x%x, below 0x100", ptr, next);
			return;
		}
		ptr = next;
	}
	if (idx != f->ncaps)
		ERR(v, idx < f->ncaps ? f->caps[idx].loc : 0, idx < f->ncaps ? f->caps[idx].off : ECAP_START,
		    "the extended capability chain in the bytes ends after %u of %u capabilities", idx - f->nstd,
		    f->ncaps - f->nstd);
}

static void check_chain_bytes(struct vctx *v)
{
	uint8_t seen[VPCI_CFG_SIZE / 4];

	if (v->f->kind == VPCI_KIND_CARDBUS)
		return;
	memset(seen, 0, sizeof(seen));
	check_std_chain_bytes(v, seen);
	if (v->f->size >= VPCI_CFG_SIZE)
		check_ext_chain_bytes(v, seen);
}

/* --- capability-specific rules -------------------------------------------- */

static uint32_t loc_of(const struct vpci_func *f, unsigned off, const struct capinst *c)
{
	return f->byteloc[off] ? f->byteloc[off] : c->loc;
}

static void check_msi(struct vctx *v, const struct capinst *c)
{
	const uint8_t *p = v->f->val + c->off;
	unsigned ctl = le16(p + MSI_CTL), mmc = MSI_CTL_MMC(ctl), mme = MSI_CTL_MME(ctl);
	uint32_t loc = loc_of(v->f, c->off + MSI_CTL, c);

	if (mmc > 5)
		ERR(v, loc, c->off + MSI_CTL, "MSI Multiple Message Capable %u is reserved (at most 5 = 32 vectors, PCIe §7.7.1.2)", mmc);
	if (mme > mmc)
		ERR(v, loc, c->off + MSI_CTL, "MSI Multiple Message Enable (%u vectors) exceeds Capable (%u vectors)",
		    1u << mme, 1u << mmc);
}

static void check_msix(struct vctx *v, const struct capinst *c)
{
	const struct vpci_func *f = v->f;
	static const char *const what[2] = { "table", "PBA" };
	struct msix_region r[2];
	unsigned n = func_msix_regions(f, c, r);

	for (int k = 0; k < 2; k++) {
		struct vpci_bar_info bi;
		uint32_t loc = loc_of(f, r[k].reg, c);
		if (r[k].bir > 5 || vpci_func_bar(f, r[k].bir, &bi) || bi.type == VPCI_BAR_IO) {
			ERR(v, loc, r[k].reg, "MSI-X %s is in BAR %u, which is not an implemented memory BAR",
			    what[k], r[k].bir);
			continue;
		}
		if (bi.size_known && r[k].off + r[k].len > bi.size)
			ERR(v, loc, r[k].reg, "MSI-X %s (0x%llx+0x%llx, %u vectors) runs past the end of BAR %u (size 0x%llx)",
			    what[k], (unsigned long long)r[k].off, (unsigned long long)r[k].len, n, r[k].bir,
			    (unsigned long long)bi.size);
	}
	if (r[0].bir == r[1].bir && r[0].off < r[1].off + r[1].len && r[1].off < r[0].off + r[0].len)
		ERR(v, loc_of(f, r[1].reg, c), r[1].reg, "MSI-X table (0x%llx+0x%llx) and PBA (0x%llx+0x%llx) overlap in BAR %u",
		    (unsigned long long)r[0].off, (unsigned long long)r[0].len, (unsigned long long)r[1].off,
		    (unsigned long long)r[1].len, r[0].bir);
}

static void check_pcie(struct vctx *v, const struct capinst *c)
{
	const struct vpci_func *f = v->f;
	const uint8_t *p = f->val + c->off;
	unsigned flags = le16(p + PCIE_FLAGS), ver = PCIE_FLAGS_VERSION(flags), type = PCIE_FLAGS_TYPE(flags);
	unsigned mpss = le32(p + PCIE_DEVCAP) & PCIE_DEVCAP_MPSS, ctl = le16(p + PCIE_DEVCTL);
	unsigned mps = PCIE_DEVCTL_MPS(ctl), mrrs = PCIE_DEVCTL_MRRS(ctl);
	uint32_t loc = loc_of(f, c->off + PCIE_FLAGS, c);
	uint32_t cap_loc = loc_of(f, c->off + PCIE_DEVCAP, c), ctl_loc = loc_of(f, c->off + PCIE_DEVCTL, c);
	static const unsigned bridge_types = (1u << PCIE_TYPE_ROOT_PORT) | (1u << PCIE_TYPE_UPSTREAM) |
					     (1u << PCIE_TYPE_DOWNSTREAM) | (1u << PCIE_TYPE_PCI_TO_PCIE);
	static const unsigned valid_types = (1u << PCIE_TYPE_ENDPOINT) | (1u << PCIE_TYPE_LEGACY) | bridge_types |
					    (1u << PCIE_TYPE_PCIE_TO_PCI) | (1u << PCIE_TYPE_RCIEP) |
					    (1u << PCIE_TYPE_RCEC);

	if (ver != 1 && ver != 2)
		ERR(v, loc, c->off + PCIE_FLAGS, "PCI Express capability version %u (must be 1 or 2, PCIe §7.5.3.2)", ver);
	if (!(valid_types & (1u << type)))
		ERR(v, loc, c->off + PCIE_FLAGS, "PCI Express device/port type %u is reserved", type);
	else if (((bridge_types >> type) & 1) != (f->kind == VPCI_KIND_BRIDGE) && type != PCIE_TYPE_PCIE_TO_PCI)
		WARN(v, loc, c->off + PCIE_FLAGS, "PCI Express device/port type %u normally has a %s header (kind: %s)",
		     type, (bridge_types >> type) & 1 ? "type 1" : "type 0",
		     model_kind_names[(bridge_types >> type) & 1 ? VPCI_KIND_BRIDGE : VPCI_KIND_ENDPOINT]);
	if (mpss > 5)
		ERR(v, cap_loc, c->off + PCIE_DEVCAP, "Max_Payload_Size Supported encoding %u is reserved", mpss);
	if (mps > mpss)
		ERR(v, ctl_loc, c->off + PCIE_DEVCTL, "Max_Payload_Size %u bytes exceeds the supported %u bytes",
		    128u << mps, 128u << mpss);
	if (mrrs > 5)
		ERR(v, ctl_loc, c->off + PCIE_DEVCTL, "Max_Read_Request_Size encoding %u is reserved", mrrs);
}

static void check_sriov(struct vctx *v, const struct capinst *c)
{
	const struct vpci_func *f = v->f;
	const uint8_t *p = f->val + c->off;
	unsigned init = le16(p + SRIOV_INITIAL_VFS), total = le16(p + SRIOV_TOTAL_VFS);
	unsigned num = le16(p + SRIOV_NUM_VFS), stride = le16(p + SRIOV_VF_STRIDE);
	uint32_t sup = le32(p + SRIOV_SUP_PGSIZE), sys = le32(p + SRIOV_SYS_PGSIZE);

	if (f->kind != VPCI_KIND_ENDPOINT)
		ERR(v, c->loc, c->off, "SR-IOV is for type 0 functions only");
	if (init > total)
		CAP_ERR(v, c, SRIOV_INITIAL_VFS, "InitialVFs %u exceeds TotalVFs %u (PCIe §9.3.3.5)", init, total);
	if (num > total)
		CAP_ERR(v, c, SRIOV_NUM_VFS, "NumVFs %u exceeds TotalVFs %u (PCIe §9.3.3.7)", num, total);
	if (total > 1 && stride == 0)
		CAP_ERR(v, c, SRIOV_VF_STRIDE, "VF Stride 0 with %u VFs would give every VF the same routing ID", total);
	if (!(sup & 1))
		CAP_ERR(v, c, SRIOV_SUP_PGSIZE, "Supported Page Sizes must include 4 KiB (bit 0, PCIe §9.3.3.12)");
	if (!is_pow2(sys) || !(sys & sup))
		CAP_ERR(v, c, SRIOV_SYS_PGSIZE,
		    "System Page Size 0x%x must have exactly one bit set, among the supported 0x%x (PCIe §9.3.3.13)", sys, sup);
}

static void check_rebar(struct vctx *v, const struct capinst *c)
{
	const struct vpci_func *f = v->f;
	struct captab_layout lay;

	captab_layout(c->desc, f->val, c->off, &lay);
	for (unsigned i = 0; i < lay.rebar; i++) {
		unsigned reg = c->off + REBAR_CTL + REBAR_ENTRY * i;
		uint32_t ctl = le32(f->val + reg);
		unsigned bar = ctl & REBAR_CTL_BAR;
		struct vpci_bar_info bi;
		if (c->id == ECAPID_REBAR && (bar > 5 || vpci_func_bar(f, bar, &bi) || bi.type == VPCI_BAR_IO))
			ERR(v, loc_of(f, reg, c), reg, "Resizable BAR entry %u names BAR %u, which is not an implemented memory BAR", i, bar);
		unsigned cur = REBAR_CTL_SIZE(ctl);
		uint32_t capbits = le32(f->val + reg - REBAR_CTL + REBAR_CAP) >> 4;
		if (cur < 28 && !((capbits >> cur) & 1))
			WARN(v, loc_of(f, reg, c), reg, "Resizable BAR entry %u: current size %u MiB is not among the supported sizes",
			     i, 1u << cur);
	}
}

static void check_pasid(struct vctx *v, const struct capinst *c)
{
	unsigned w = PASID_CAP_WIDTH(le16(v->f->val + c->off + PASID_CAP));

	if (w > 20)
		ERR(v, loc_of(v->f, c->off + PASID_CAP, c), c->off + PASID_CAP, "Max PASID Width %u exceeds 20 bits (PCIe §7.8.9.2)", w);
}

static void check_vendor_len(struct vctx *v, const struct capinst *c)
{
	unsigned len, min, reg = c->ext ? VSEC_HEADER : VNDR_LEN;

	if (func_declared_len(v->f, c, &len, &min) && len < min)
		ERR(v, loc_of(v->f, c->off + reg, c), c->off + (c->ext ? VSEC_HEADER + 2 : VNDR_LEN),
		    "%s length %u is shorter than its own header (%u bytes)", capname(c), len, min);
}

static void check_specific(struct vctx *v)
{
	const struct vpci_func *f = v->f;

	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		if (c->off + cap_extent(c) > f->size || !c->desc)
			continue;
		if (!c->ext) {
			switch (c->id) {
			case CAPID_MSI: check_msi(v, c); break;
			case CAPID_VENDOR: check_vendor_len(v, c); break;
			case CAPID_PCIE: check_pcie(v, c); break;
			case CAPID_MSIX: check_msix(v, c); break;
			default: break;
			}
		} else {
			switch (c->id) {
			case ECAPID_VSEC: case ECAPID_DVSEC: check_vendor_len(v, c); break;
			case ECAPID_SRIOV: check_sriov(v, c); break;
			case ECAPID_REBAR: case ECAPID_VF_REBAR: check_rebar(v, c); break;
			case ECAPID_PASID: check_pasid(v, c); break;
			default: break;
			}
		}
	}
}

/* --- planes and reserved bits ------------------------------------------- */

/* Report the conflicts of byte @i (see check_planes). */
static void check_planes_byte(struct vctx *v, unsigned i)
{
	const struct vpci_func *f = v->f;
	const uint8_t pl[5] = { f->pl[VPCI_PL_RW][i], f->pl[VPCI_PL_RW1C][i], f->pl[VPCI_PL_RSVDP][i],
				f->pl[VPCI_PL_RSVDZ][i], f->pl[VPCI_PL_HWINIT][i] };

	for (int a = 0; a < 5; a++)
		for (int b = a + 1; b < 5; b++)
			if (pl[a] & pl[b])
				FILE_ERR(v, 0, i, "byte 0x%x: bits 0x%02x are both %s and %s", i, pl[a] & pl[b],
				    vpci_access_name(model_plane_access((enum vpci_plane)a)),
				    vpci_access_name(model_plane_access((enum vpci_plane)b)));
	if (f->val[i] & pl[3])
		ERR(v, 0, i, "byte 0x%x: RsvdZ bits %#04x are set; reserved-zero bits must read 0 (PCIe §7.4)", i,
		    f->val[i] & pl[3]);
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* The exclusive access planes (RW, RW1C, RsvdP, RsvdZ, HwInit) must not
 * overlap, RsvdZ bits must be 0, and nothing lies past the config size.
 * Eight bytes at a time: a word with a conflict is examined bytewise. */
static void check_planes(struct vctx *v)
{
	const struct vpci_func *f = v->f;

	for (unsigned w = 0; w < f->size; w += 8) {
		uint64_t rw = ld64(f->pl[VPCI_PL_RW] + w), w1c = ld64(f->pl[VPCI_PL_RW1C] + w);
		uint64_t rp = ld64(f->pl[VPCI_PL_RSVDP] + w), rz = ld64(f->pl[VPCI_PL_RSVDZ] + w);
		uint64_t hw = ld64(f->pl[VPCI_PL_HWINIT] + w), val = ld64(f->val + w);
		/* a bit in two planes: seen as a carry into the "twice" word */
		uint64_t once = 0, twice = 0;
		const uint64_t pls[5] = { rw, w1c, rp, rz, hw };
		for (int k = 0; k < 5; k++) {
			twice |= once & pls[k];
			once |= pls[k];
		}
		if (twice || (val & rz))
			for (unsigned i = w; i < w + 8 && i < f->size; i++)
				check_planes_byte(v, i);
	}
	for (unsigned i = f->size; i < VPCI_CFG_SIZE; i++)
		if (f->val[i])
			FILE_ERR(v, 0, i, "byte 0x%x is beyond the %u-byte config space", i, f->size);
}

/* --- what the engine needs to run the instance as written ------------------- */

struct rz_ctx {
	struct vctx *v;
	uint8_t seen[VPCI_CFG_SIZE];
};

/* A device mask that names RsvdZ bits of a field: RsvdZ bits read 0 and
 * are never device-backed, so only a whole register may be device-backed
 * across them ('backing: device'; the engine leaves them out). */
static int rsvdz_dev_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct rz_ctx *c = ctx;
	unsigned w = r->fd->width;
	uint64_t full = w >= 8 ? UINT64_MAX : (1ull << (8 * w)) - 1;
	uint64_t dev = func_plane_get(f, VPCI_PL_DEVICE, r->off, w), rz = func_plane_get(f, VPCI_PL_RSVDZ, r->off, w);

	memset(c->seen + r->off, 1, w);
	if ((dev & rz) && dev != full)
		FILE_ERR(c->v, f->byteloc[r->off], r->off,
		    "%s %s: device mask 0x%llx covers RsvdZ bits 0x%llx; RsvdZ bits read 0 and are never device-backed "
		    "(PCIe §7.4): leave them out of the mask, or back the whole register", r->cap < 0 ? "header" : r->cd->key,
		    r->name, (unsigned long long)dev, (unsigned long long)(dev & rz));
	return 0;
}

static void check_rsvdz_device(struct vctx *v)
{
	const struct vpci_func *f = v->f;
	const uint8_t *devp = f->pl[VPCI_PL_DEVICE], *rzp = f->pl[VPCI_PL_RSVDZ];
	struct rz_ctx c;
	uint64_t any = 0;

	/* nothing to say unless a byte is both (the sizes are multiples of 8) */
	for (unsigned i = 0; i < f->size && !any; i += 8)
		any = ld64(devp + i) & ld64(rzp + i);
	if (!any)
		return;
	c.v = v;
	memset(c.seen, 0, sizeof(c.seen));
	func_foreach_field(f, rsvdz_dev_cb, &c);
	for (unsigned i = 0; i < f->size; i++) {
		uint8_t dev = f->pl[VPCI_PL_DEVICE][i], rz = f->pl[VPCI_PL_RSVDZ][i];
		if (!c.seen[i] && (dev & rz) && dev != 0xff)
			FILE_ERR(v, 0, i, "byte 0x%x: device mask 0x%02x covers RsvdZ bits 0x%02x; RsvdZ bits read 0 and are never "
			    "device-backed (PCIe §7.4)", i, dev, dev & rz);
	}
}

/* Initiate FLR reads 0 (PCIe §7.5.3.4; AF Control, PCI AF ECN): a 1 in
 * the initial value is a guest view no function has, and the engine
 * never shows it. */
static int flr_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct vctx *v = ctx;
	uint32_t bit = r->fd->role == RL_DEVCTL ? PCIE_DEVCTL_FLR : r->fd->role == RL_AF_CTL ? AF_CTL_FLR : 0;

	if (bit && (le_get(f->val + r->off, r->fd->width) & bit))
		ERR(v, f->byteloc[r->off], r->off, "%s %s: Initiate FLR (0x%x) is set; it reads 0 (it starts a reset when written)",
		    r->cd->key, r->name, bit);
	return 0;
}

/* A BAR's writable bits are its address bits above its size: a writable
 * bit inside the size would change the size the guest reads back and the
 * address it maps.  MSI-X structures live in a BAR the guest maps: not in
 * the upper half of a 64-bit BAR, which is not a BAR of its own. */
static void check_emulated_bars(struct vctx *v)
{
	const struct vpci_func *f = v->f;

	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct barinst *b = &f->bar[i];
		if ((i < ROM_INDEX && i >= func_nbars(f)) || b->type == VPCI_BAR_NONE || b->type == VPCI_BAR_MEM64_HI ||
		    !b->size_known)
			continue;
		unsigned off = func_bar_off(f, i), w = b->type == VPCI_BAR_MEM64 && i < 5 ? 8 : 4;
		uint64_t extra = func_plane_get(f, VPCI_PL_RW, off, w) & ~func_bar_rw(f, i);
		if (extra)
			FILE_ERR(v, b->loc, off, "%s %u: bits 0x%llx are writable but lie inside its size 0x%llx (or its type bits); "
			    "only the address bits above the size are writable (PCI 3.0 §6.2.5.1)", i == ROM_INDEX ? "ROM" : "BAR",
			    i, (unsigned long long)extra, (unsigned long long)b->size);
	}
	for (unsigned i = 0; i < f->nstd; i++) {
		const struct capinst *c = &f->caps[i];
		struct msix_region r[2];
		struct vpci_bar_info bi;
		if (c->id != 0x11 || c->off + 12u > f->size)
			continue;
		func_msix_regions(f, c, r);
		for (int k = 0; k < 2; k++)
			if (r[k].bir <= 5 && !vpci_func_bar(f, r[k].bir, &bi) && bi.type == VPCI_BAR_MEM64_HI)
				ERR(v, loc_of(f, r[k].reg, c), r[k].reg,
				    "MSI-X %s is in BAR %u, the upper half of 64-bit BAR %u: name BAR %u", k ? "PBA" : "table",
				    r[k].bir, r[k].bir - 1, r[k].bir - 1);
	}
}

/* The header or a capability with a field of role @a or @b. */
static int has_role(const struct vpci_cdesc *cd, unsigned a, unsigned b)
{
	for (const struct vpci_fdesc *fd = cd ? cd->fields : NULL; fd && fd->name; fd++)
		if (fd->role == a || fd->role == b)
			return 1;
	return 0;
}

/* flr_cb over the fields of the header and capabilities that can hold
 * Initiate FLR (walking only those). */
static void check_flr(struct vctx *v)
{
	const struct vpci_func *f = v->f;

	if (has_role(func_header_desc(f), RL_DEVCTL, RL_AF_CTL))
		func_foreach_cap_field(f, -1, flr_cb, v);
	for (unsigned i = 0; i < f->ncaps; i++)
		if (has_role(f->caps[i].desc, RL_DEVCTL, RL_AF_CTL))
			func_foreach_cap_field(f, (int)i, flr_cb, v);
}

static void check_emulated(struct vctx *v)
{
	check_rsvdz_device(v);
	check_flr(v);
	check_emulated_bars(v);
}

/* A VF's PF-shared bits are never device-backed: a guest write to them
 * would reach state the PF or another VF owns (docs/vf-shared-fields.md) */
static int pf_shared_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct vctx *v = ctx;
	uint64_t sh = le_get64(f->pfshared + r->off, r->fd->width);
	uint64_t dev = func_plane_get(f, VPCI_PL_DEVICE, r->off, r->fd->width) & sh;

	if (dev)
		ERR(v, 0, r->off,
		    "%s: bits %#llx are a VF's, shared with its PF (policy: pf-shared); they cannot be device-backed",
		    r->name, (unsigned long long)dev);
	return 0;
}

/* A virtual PF and its VF template (function: vf-template:): the PF has an
 * SR-IOV capability whose VFs the template describes (PCIe §9.3.3-9.3.4) */
static void check_vf_template(struct vctx *v)
{
	const struct vpci_func *f = v->f, *t = f->vf_template;
	int k = vpci_func_find_cap(f, true, ECAPID_SRIOV, NULL);
	struct sriov_layout l;

	if (!t)
		return;
	if (k < 0 || f->caps[k].off + f->caps[k].len > f->size) {
		ERR(v, f->vf_template_loc, 0, "vf-template: the function has no SR-IOV capability, so it has no VFs (only a PF does)");
		return;
	}
	captab_sriov_layout(f->caps[k].off, &l);
	unsigned total = le16(f->val + l.total), first = le16(f->val + l.first), vfdid = le16(f->val + l.vfdid);
	if (total && !first)
		ERR(v, f->vf_template_loc, l.first, "vf-template: First VF Offset 0 puts VF 1 on the PF's own Routing ID (PCIe §9.3.3.10)");
	if (t->kind != VPCI_KIND_ENDPOINT) {
		ERR(v, f->vf_template_loc, 0, "vf-template %s: a VF is an endpoint (type 0 header)", f->vf_template_ref);
		return;
	}
	for (unsigned i = 0; i < t->ncaps; i++)
		if (t->caps[i].ext && captab_vf_never(CK_EXT, t->caps[i].id))
			ERR(v, f->vf_template_loc, 0, "vf-template %s: a VF cannot carry %s at %#x: %s", f->vf_template_ref,
			    t->caps[i].desc ? t->caps[i].desc->name : "this capability", t->caps[i].off,
			    captab_vf_never(CK_EXT, t->caps[i].id));
	uint16_t tv = le16(t->val + CFG_VENDOR_ID), td = le16(t->val + CFG_DEVICE_ID);
	if ((tv != 0xffff && tv != le16(f->val + CFG_VENDOR_ID)) || (td != 0xffff && td != vfdid))
		ERR(v, f->vf_template_loc, 0, "vf-template %s: IDs %04x:%04x; a VF reads ffff:ffff (PCIe §9.3.4.1.1-2), or shows its "
			     "PF's vendor %04x and the VF Device ID %04x", f->vf_template_ref, tv, td,
		    le16(f->val + CFG_VENDOR_ID), vfdid);
	if (t->val[CFG_INTERRUPT_PIN])
		ERR(v, f->vf_template_loc, 0, "vf-template %s: Interrupt Pin %u; a VF has no INTx (PCIe §9.3.4.1.18)", f->vf_template_ref,
		    t->val[CFG_INTERRUPT_PIN]);
	if (t->bar[ROM_INDEX].type != VPCI_BAR_NONE)
		ERR(v, f->vf_template_loc, 0, "vf-template %s: a VF has no expansion ROM", f->vf_template_ref);
	/* every VF BAR is one of the PF's SR-IOV VF BARs (§9.3.3.14): its
	 * kind there, its size in the template */
	for (unsigned i = 0; i < 6; i++) {
		const struct barinst *b = &t->bar[i];
		uint32_t pfbar = le32(f->val + l.vfbar[i]);
		if (b->type == VPCI_BAR_NONE || b->type == VPCI_BAR_MEM64_HI)
			continue;
		if (b->type == VPCI_BAR_IO || b->type == VPCI_BAR_MEM1M) {
			ERR(v, f->vf_template_loc, l.vfbar[i], "vf-template %s: BAR %u is no 32- or 64-bit memory BAR, which a VF's BARs "
						"are (PCIe §9.3.3.14)", f->vf_template_ref, i);
			continue;
		}
		unsigned want = (b->type == VPCI_BAR_MEM64 ? BAR_MEM_TYPE_64 : 0) | (b->pref ? BAR_MEM_PREFETCH : 0);
		if ((pfbar & (BAR_SPACE_IO | BAR_MEM_TYPE | BAR_MEM_PREFETCH)) != want)
			ERR(v, f->vf_template_loc, l.vfbar[i], "vf-template %s: BAR %u is %s%s, but the PF's vf-bar%u type bits (%#x) say "
						"otherwise", f->vf_template_ref, i, b->type == VPCI_BAR_MEM64 ? "mem64" : "mem32",
			    b->pref ? " prefetchable" : "", i, pfbar & 0xf);
		if (!b->size_known)
			ERR(v, f->vf_template_loc, l.vfbar[i], "vf-template %s: BAR %u has no size: the guest sizes VF BARs through the PF",
			    f->vf_template_ref, i);
	}
}

static int validate(const vpci_func *f, vpci_diag *d, int capture, int emulate)
{
	struct vctx v = { f, d, 0, capture };

	if (f->size < VPCI_CFG_SIZE_CONV) {
		report(&v, emulate ? VPCI_SEV_ERROR : VPCI_SEV_WARNING, 0, 0,
		       "a partial capture of %u bytes: enough to compare, not to emulate", f->size);
		if (f->ncaps)
			FILE_ERR(&v, f->caps[0].loc, f->caps[0].off, "a %u-byte partial capture cannot hold capabilities",
			    f->size);
		check_planes(&v);
		return v.errors ? VPCI_EDATA : 0;
	}

	if (f->kind != VPCI_KIND_CARDBUS) {
		check_header(&v);
		check_bars(&v);
	}
	check_caps(&v);
	check_chain_bytes(&v);
	check_specific(&v);
	check_planes(&v);
	check_emulated(&v);
	func_foreach_field(f, pf_shared_cb, &v);
	check_vf_template(&v);
	return v.errors ? VPCI_EDATA : 0;
}

VPCI_EXPORT int vpci_validate(const vpci_func *f, vpci_diag *d)
{
	return validate(f, d, func_is_capture(f), 0);
}

VPCI_EXPORT int vpci_validate_emulation(const vpci_func *f, vpci_diag *d)
{
	return validate(f, d, 0, 1);
}
