/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest.c - the "guest" derive policy: the view a guest gets when the
 * function is assigned to it.  Every decision is a row of a table below
 * and is explained, row by row, in docs/policy.md next to what QEMU and
 * Linux vfio-pci do.
 */
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "policy.h"

struct cap_rule {
	uint8_t ext;
	uint16_t id;
	uint8_t action;
	const char *why;
};

/* Capabilities the guest sees.  Anything not listed is hidden: a guest
 * sees only what someone reviewed. */
static const struct cap_rule cap_rules[] = {
	{ 0, CAPID_PM, CA_KEEP, "power states are the guest's; state changes reach the device" },
	{ 0, CAPID_MSI, CA_KEEP, "MSI is emulated by the VMM, which routes vectors to the host" },
	{ 0, CAPID_VENDOR, CA_SCRUB, "vendor data may identify the host; quirks keep what drivers need" },
	{ 0, CAPID_SSVID, CA_KEEP, "subsystem IDs of a bridge are identity, not host state" },
	{ 0, CAPID_PCIE, CA_KEEP, "the guest driver needs the PCIe capability (FLR, MPS, errors)" },
	{ 0, CAPID_MSIX, CA_KEEP, "MSI-X is emulated by the VMM; table and PBA stay where the device has them" },
	{ 0, CAPID_AF, CA_KEEP, "Advanced Features carries FLR for conventional functions" },
	{ 1, ECAPID_AER, CA_KEEP, "AER lets the guest see and clear its device's errors" },
	{ 1, ECAPID_DSN, CA_KEEP, "the serial number is replaced by a value that does not identify the host" },
	{ 1, ECAPID_VSEC, CA_SCRUB, "vendor data may identify the host; quirks keep what drivers need" },
	{ 1, ECAPID_ACS, CA_KEEP, "ACS controls are virtual: the host owns the real isolation" },
	{ 1, ECAPID_ATS, CA_KEEP, "ATS control stays virtual (2024 vfio-pci PASID/ATS/PRI discussion)" },
	{ 1, ECAPID_PRI, CA_KEEP, "PRI control stays virtual (2024 vfio-pci PASID/ATS/PRI discussion)" },
	{ 1, ECAPID_DVSEC, CA_SCRUB, "vendor data may identify the host; quirks keep what drivers need" },
};

enum cap_action policy_guest_action(int ext, uint16_t id, const char **why)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_rules); i++) {
		if (cap_rules[i].ext == ext && cap_rules[i].id == id) {
			if (why)
				*why = cap_rules[i].why;
			return (enum cap_action)cap_rules[i].action;
		}
	}
	if (why)
		*why = "not reviewed for guests (SR-IOV, ARI, ReBAR, PASID, link and root-complex "
		       "capabilities are host-owned; see docs/policy.md)";
	return CA_HIDE;
}

/* Per-field rules: which bits stay backed by the real device, and bits a
 * guest must not inherit from the host (they read 0 in the guest view:
 * the value the register has after a reset, or host identity). */
struct field_rule {
	uint8_t kind;        /* CK_HDR, CK_STD, CK_EXT */
	uint16_t id;
	const char *field;
	uint64_t device;     /* bits backed by the device */
	uint64_t zero;       /* bits that read 0 */
};

#define ALL UINT64_MAX
#define HDR(fld, dev) { CK_HDR, 0, fld, dev, 0 }
#define HDR_ZERO(fld, z) { CK_HDR, 0, fld, 0, z }
#define STD(id, fld, dev) { CK_STD, id, fld, dev, 0 }
#define STD_ZERO(id, fld, dev, z) { CK_STD, id, fld, dev, z }
#define EXT_ALL(id, fld) { CK_EXT, id, fld, ALL, 0 }
#define EXT_ALL_ZERO(id, fld, z) { CK_EXT, id, fld, ALL, z }

static const struct field_rule field_rules[] = {
	/* Command: I/O, memory, bus master, parity, SERR, INTx disable reach
	 * the device (VFs: memory enable is virtual, see below); it reads 0
	 * after reset (PCI 3.0 §6.2.2), whatever the host set (Memory Write
	 * and Invalidate, VGA snoop, fast back-to-back) */
	{ CK_HDR, 0, "command", 0x0547, ALL },
	/* Status: INTx status and the RW1C error bits are the device's */
	HDR("status", 0xf908),
	HDR_ZERO("cache-line-size", ALL),
	HDR_ZERO("latency-timer", ALL),
	HDR_ZERO("secondary-latency-timer", ALL),
	HDR_ZERO("bist", ALL),
	HDR_ZERO("interrupt-line", ALL),
	HDR_ZERO("cardbus-cis-pointer", ALL),
	/* PM: PowerState, PME_En, PME_Status */
	STD(CAPID_PM, "pmcsr", 0x8103),
	/* PCIe: error-reporting enables, relaxed ordering and no snoop reach
	 * the device; MPS/MRRS/FLR stay virtual (FLR is an engine event) */
	STD(CAPID_PCIE, "device-control", 0x081f),
	STD(CAPID_PCIE, "device-status", 0x007f),
	STD(CAPID_PCIE, "link-status", 0xefff),
	/* the Captured Slot Power Limit (27:18, PCIe r6.0 §7.5.3.3) is what
	 * the host's slot sent; the Port Number (31:24, §7.5.3.6) is the
	 * host's topology */
	STD_ZERO(CAPID_PCIE, "device-capabilities", 0, 0x0ffc0000),
	STD_ZERO(CAPID_PCIE, "link-capabilities", 0, 0xff000000),
	/* AER is the device's; what it logged (a host TLP header with host
	 * addresses, the First Error Pointer, requester IDs of the host's
	 * topology) is not part of the initial view (§7.8.4.7-11) */
	EXT_ALL(ECAPID_AER, "uncorrectable-status"),
	EXT_ALL(ECAPID_AER, "uncorrectable-mask"),
	EXT_ALL(ECAPID_AER, "uncorrectable-severity"),
	EXT_ALL(ECAPID_AER, "correctable-status"),
	EXT_ALL(ECAPID_AER, "correctable-mask"),
	EXT_ALL_ZERO(ECAPID_AER, "capabilities-control", 0x1f),
	EXT_ALL_ZERO(ECAPID_AER, "header-log0", ALL),
	EXT_ALL_ZERO(ECAPID_AER, "header-log1", ALL),
	EXT_ALL_ZERO(ECAPID_AER, "header-log2", ALL),
	EXT_ALL_ZERO(ECAPID_AER, "header-log3", ALL),
	EXT_ALL_ZERO(ECAPID_AER, "error-source-id", ALL),
};

static int frule_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	const struct field_rule *fr = ctx;

	if (strcmp(r->name, fr->field))
		return 0;
	if (fr->zero) {
		uint64_t v = le_get64(f->val + r->off, r->fd->width);
		le_put64(f->val + r->off, r->fd->width, v & ~fr->zero);
	}
	func_plane_put(f, VPCI_PL_DEVICE, r->off, r->fd->width, fr->device & width_mask(r->fd->width));
	return 1;
}

static void apply_field_rules(struct vpci_func *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(field_rules); i++) {
		const struct field_rule *fr = &field_rules[i];
		if (fr->kind == CK_HDR) {
			func_foreach_cap_field(f, -1, frule_cb, (void *)fr);
			continue;
		}
		for (unsigned k = 0; k < f->ncaps; k++)
			if (f->caps[k].ext == (fr->kind == CK_EXT) && f->caps[k].id == fr->id)
				func_foreach_cap_field(f, (int)k, frule_cb, (void *)fr);
	}
}

/* A VF: the bits its PF owns or shares (the capability table's VF rules,
 * docs/vf-shared-fields.md) are never device-backed.  Presented as a
 * plain function they stay what the table makes them (a guest writes
 * and reads back its own virtual copy); presented as a VF they are what
 * a VF has (PCIe §9.3.4-9.3.7): RsvdP or read-only 0. */
static void guest_vf_rules(struct vpci_func *f, enum vpci_vf_view view)
{
	uint8_t rsvdp[VPCI_CFG_SIZE];

	func_mark_pf_shared(f);
	if (view != VPCI_VF_VIEW_VF)
		return;
	func_vf_rule_mask(f, 'p', rsvdp);
	for (unsigned k = 0; k < VPCI_CFG_SIZE; k++) {
		uint8_t sh = f->pfshared[k];
		if (!sh)
			continue;
		f->val[k] &= (uint8_t)~sh;
		f->pl[VPCI_PL_RW][k] &= (uint8_t)~sh;
		f->pl[VPCI_PL_RW1C][k] &= (uint8_t)~sh;
		f->pl[VPCI_PL_STICKY][k] &= (uint8_t)~sh;
		f->pl[VPCI_PL_RSVDP][k] |= rsvdp[k] & sh;
	}
}

/* FNV-1a, 64 bit: a stable, non-identifying serial number */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Why an MSI-X capability cannot be used by a guest driver, or NULL: its
 * table and PBA must live in an implemented memory BAR and not overlap.
 * A BAR that reads 0 in a source without BAR kinds (a bare config image,
 * a dump without -v text) is not guessed: its kind and size are unknown. */
static const char *msix_unusable(const struct vpci_func *f, const struct capinst *c)
{
	struct msix_region r[2];

	func_msix_regions(f, c, r);
	for (int k = 0; k < 2; k++) {
		unsigned b = r[k].bir;
		if (b >= func_nbars(f))
			return "its table or PBA names a BAR the header does not have";
		if (f->bar[b].type == VPCI_BAR_NONE)
			return "its table or PBA lies in a BAR that reads 0 and whose kind the source does not "
			       "give (derive from sysfs or VFIO, a dump with lspci -vvv text, or give --bar-size)";
		if (f->bar[b].type == VPCI_BAR_IO || f->bar[b].type == VPCI_BAR_MEM64_HI)
			return "its table or PBA lies in no memory BAR";
		if (f->bar[b].size_known && r[k].off + r[k].len > f->bar[b].size)
			return "its table or PBA ends beyond its BAR";
	}
	if (r[0].bir == r[1].bir && r[0].off < r[1].off + r[1].len && r[1].off < r[0].off + r[0].len)
		return "its table and PBA overlap";
	return NULL;
}

/* A capability that gives its own length (vendor-specific ones) must at
 * least hold its own header and end inside the config space. */
static int declared_len_ok(const struct vpci_func *f, const struct capinst *c)
{
	unsigned len, min, end = c->ext ? f->size : VPCI_CFG_SIZE_CONV;

	if (!func_declared_len(f, c, &len, &min))
		return 1;
	return c->off + min <= end && len >= min && c->off + len <= end;
}

static void scrub_body(struct vpci_func *f, const struct capinst *c)
{
	/* keep the header (ID, next, length/ID words), zero the rest */
	unsigned keep, len = c->len, declared;

	if (!func_declared_len(f, c, &declared, &keep) || !len || c->off + len > f->size)
		return;
	for (unsigned i = c->off + keep; i < c->off + len; i++) {
		f->val[i] = 0;
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			f->pl[p][i] = 0;
	}
}

static int kept(const struct quirk_plan *plan, const struct capinst *c, int *device)
{
	for (unsigned i = 0; plan && i < plan->nkeep; i++) {
		if (plan->keep[i].ext == c->ext && plan->keep[i].id == c->id) {
			*device = plan->keep[i].device;
			return 1;
		}
	}
	return 0;
}

/* Identity the guest must see: a VF's IDs (it reads 0xffff; the kernel
 * knows its PF's vendor and the VF Device ID, PCIe §9.3.4.1.1/2), no INTx
 * for a VF (§9.3.4.1.18), a valid Interrupt Pin, a single function. */
static void guest_identity(struct vpci_func *f, const struct host_facts *facts, vpci_diag *d)
{
	struct diag_pos pos = DIAG_NOPOS;

	pos.file = facts->slot;
	if (facts->have_ids && (le16(f->val + CFG_VENDOR_ID) == 0xffff || facts->is_vf)) {
		le_put64(f->val + CFG_VENDOR_ID, 2, facts->vendor);
		le_put64(f->val + CFG_DEVICE_ID, 2, facts->device);
	}
	if (facts->is_vf) {
		f->val[CFG_INTERRUPT_PIN] = 0;
	} else if (f->val[CFG_INTERRUPT_PIN] > 4) {
		pos.offset = CFG_INTERRUPT_PIN;
		diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos,
			 "Interrupt Pin %#x is not INTA..INTD: the guest sees no INTx", f->val[CFG_INTERRUPT_PIN]);
		f->val[CFG_INTERRUPT_PIN] = 0;
	}
	/* the guest's function is alone on its device unless an instance says
	 * otherwise: the host's Multi-Function bit is host topology */
	f->multifunction = 0;
}

/* The Device Serial Number, replaced by a hash of the identity the guest
 * sees anyway: vendor, device and subsystem IDs (a bridge's come from its
 * Subsystem ID capability; its 0x2c is a host-assigned window). */
static void replace_serial(struct vpci_func *f, const struct capinst *c)
{
	uint8_t ids[8] = { 0 };

	if (c->off + DSN_SERIAL + 8u > f->size)
		return;
	memcpy(ids, f->val + CFG_VENDOR_ID, 4);
	if (f->kind == VPCI_KIND_ENDPOINT) {
		memcpy(ids + 4, f->val + CFG0_SUBSYSTEM_VENDOR, 4);
	} else {
		for (unsigned i = 0; i < f->nstd; i++)
			if (f->caps[i].id == CAPID_SSVID && f->caps[i].off + SSVID_IDS + 4u <= VPCI_CFG_SIZE_CONV)
				memcpy(ids + 4, f->val + f->caps[i].off + SSVID_IDS, 4);
	}
	le_put64(f->val + c->off + DSN_SERIAL, 8, fnv1a(ids, sizeof(ids)));
}

/* Why a capability the rules keep must be hidden anyway, or NULL */
static const char *unfit(const struct vpci_func *f, const struct capinst *c, const uint8_t *taken)
{
	unsigned end = c->ext ? f->size : VPCI_CFG_SIZE_CONV;

	if (c->off + cap_extent(c) > end)
		return "it ends beyond the config space";
	for (unsigned k = c->off; k < c->off + cap_extent(c); k++)
		if (taken[k])
			return "it overlaps a capability kept before it";
	if (!c->ext && c->id == CAPID_MSIX)
		return msix_unusable(f, c);
	return declared_len_ok(f, c) ? NULL : "its length field does not fit";
}

/* Capabilities: hide, keep or scrub (the rules above, the quirks' keep
 * list, and what cannot work for a guest).  Hidden bytes that a kept
 * capability covers stay that capability's.  Marks the bytes a quirk keeps
 * device-backed in @keepdev. */
static int guest_caps(struct vpci_func *f, const struct host_facts *facts, const struct quirk_plan *plan,
		      uint8_t *keepdev, uint8_t *hidden, vpci_diag *d)
{
	uint8_t taken[VPCI_CFG_SIZE] = { 0 };
	uint8_t *hide = calloc(f->ncaps ? f->ncaps : 1, 1);
	int pcie = 0;

	if (!hide)
		return VPCI_ENOMEM;
	for (unsigned i = 0; i < f->ncaps; i++)
		pcie |= !f->caps[i].ext && f->caps[i].id == CAPID_PCIE;
	for (unsigned i = 0; i < f->ncaps; i++) {
		struct capinst *c = &f->caps[i];
		enum cap_action a = policy_guest_action(c->ext, c->id, NULL);
		int dev = 0;
		if (kept(plan, c, &dev))
			a = CA_KEEP;
		const char *bad = a == CA_HIDE ? NULL : c->ext && !pcie ? "the function has no PCI Express capability"
					       : unfit(f, c, taken);
		if (bad) {
			struct diag_pos pos = DIAG_NOPOS;
			pos.file = facts->slot;
			pos.offset = c->off;
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos, "%s capability hidden from the guest: %s",
				 c->desc ? c->desc->name : "unknown", bad);
			a = CA_HIDE;
		}
		if (a == CA_HIDE) {
			hide[i] = 1;
			memset(hidden + c->off, 1, MIN(cap_extent(c), VPCI_CFG_SIZE - c->off));
			continue;
		}
		unsigned len = cap_extent(c);
		memset(taken + c->off, 1, len);
		if (dev)
			memset(keepdev + c->off, 1, len);
		if (a == CA_SCRUB)
			scrub_body(f, c);
		if (c->ext && c->id == ECAPID_DSN)
			replace_serial(f, c);
	}
	func_remove_caps(f, hide);
	free(hide);
	if (!pcie && f->size > VPCI_CFG_SIZE_CONV) {
		/* no extended config space without PCI Express */
		memset(f->val + VPCI_CFG_SIZE_CONV, 0, VPCI_CFG_SIZE - VPCI_CFG_SIZE_CONV);
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			memset(f->pl[p] + VPCI_CFG_SIZE_CONV, 0, VPCI_CFG_SIZE - VPCI_CFG_SIZE_CONV);
		f->size = VPCI_CFG_SIZE_CONV;
	}
	return func_link_ext_list(f);
}

/* BARs and ROM: kinds and sizes kept, addresses are the guest's */
static void guest_bars(struct vpci_func *f)
{
	for (unsigned i = 0; i < func_nbars(f); i++) {
		if (f->bar[i].type == VPCI_BAR_NONE)
			continue;
		unsigned off = func_bar_off(f, i);
		uint32_t v = le32(f->val + off);
		le_put64(f->val + off, 4, f->bar[i].type == VPCI_BAR_MEM64_HI ? 0 :
					  v & (v & BAR_SPACE_IO ? ~BAR_IO_ADDR : ~BAR_MEM_ADDR));
	}
	if (f->bar[ROM_INDEX].type != VPCI_BAR_NONE)
		le_put64(f->val + func_bar_off(f, ROM_INDEX), 4, 0);
}

/* Bytes outside every structure (registers hidden in gaps, left-overs of
 * hidden capabilities) are zeroed; a quirk can keep them backed. */
static void guest_gaps(struct vpci_func *f, const struct quirk_plan *plan, uint8_t *keepdev)
{
	uint8_t covered[VPCI_CFG_SIZE] = { 0 };

	memset(covered, 1, CFG_HEADER_END);
	for (unsigned i = 0; i < f->ncaps; i++) {
		unsigned off = f->caps[i].off, len = cap_extent(&f->caps[i]);
		memset(covered + off, 1, off + len <= VPCI_CFG_SIZE ? len : VPCI_CFG_SIZE - off);
	}
	for (unsigned k = CFG_HEADER_END; k < f->size; k++) {
		if (covered[k])
			continue;
		if (plan && plan->device_gaps) {
			keepdev[k] = 1; /* a quirk keeps gap registers backed */
			continue;
		}
		f->val[k] = 0;
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			f->pl[p][k] = 0;
	}
}

/* The space hidden capabilities leave, where nothing else is (not a kept
 * capability, not bytes a quirk keeps device-backed), becomes free ranges:
 * the file says where virtual capabilities can go (format §11, §19). */
static int guest_free_ranges(struct vpci_func *f, const uint8_t *hidden)
{
	for (unsigned k = 0x40; k < f->size;) {
		unsigned n = 0;
		while (k + n < f->size && hidden[k + n])
			n++;
		if (n && func_free_hidden(f, k, n))
			return VPCI_ENOMEM;
		k += n ? n : 1;
	}
	return 0;
}

int policy_guest(struct vpci_func *f, const struct host_facts *facts, const struct quirk_plan *plan,
		 enum vpci_vf_view view, vpci_diag *d)
{
	uint8_t keepdev[VPCI_CFG_SIZE] = { 0 }, hidden[VPCI_CFG_SIZE] = { 0 };
	int rc;

	guest_identity(f, facts, d);
	rc = guest_caps(f, facts, plan, keepdev, hidden, d);
	if (rc)
		return rc;
	guest_bars(f);
	guest_gaps(f, plan, keepdev);
	/* Status.CapList: the guest sees a capability list only if one is kept */
	func_sync_caplist(f);
	func_apply_structure(f);
	func_default_planes(f);
	/* the guest sees the function as after a reset, not as the host left
	 * it (MPS, ASPM, enables and error bits are host state) */
	func_reset_fields(f);
	func_default_planes(f); /* dynamic masks follow the reset values */
	/* reserved-zero bits read 0, whatever the device shows (PCIe §7.4) */
	for (unsigned k = 0; k < VPCI_CFG_SIZE; k++)
		f->val[k] &= (uint8_t)~f->pl[VPCI_PL_RSVDZ][k];
	apply_field_rules(f);
	for (unsigned k = 0; k < VPCI_CFG_SIZE; k++)
		if (keepdev[k])
			f->pl[VPCI_PL_DEVICE][k] = 0xff;
	/* nothing below may back a VF's PF-shared bit */
	if (facts->is_vf)
		guest_vf_rules(f, view);
	return guest_free_ranges(f, hidden);
}
