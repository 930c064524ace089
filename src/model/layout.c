/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * layout.c - evaluate capability table rows against config bytes:
 * lengths, presence features, repeated fields and per-bit planes.
 */
#include <string.h>

#include "captab.h"
#include "regs.h"
#include "util/common.h"

/* Find the PCI Express capability by walking the standard chain
 * (bounded, PCI 3.0 §6.7: at most 48 entries in 0x40..0xff). */
static unsigned find_pcie(const uint8_t *cfg)
{
	/* Status.Capabilities List is not required here: layouts follow the
	 * chain even while a file is being read (the validator checks it). */
	unsigned layout = cfg[CFG_HEADER_TYPE] & CFG_HEADER_LAYOUT;
	unsigned ptr = cfg[layout == VPCI_KIND_CARDBUS ? CFG2_CAP_PTR : CFG_CAP_PTR] & CFG_CAP_PTR_MASK;
	for (int ttl = CAP_LIST_MAX; ptr >= CFG_HEADER_END && ttl > 0; ttl--) {
		if (cfg[ptr + CAP_ID] == CAPID_PCIE)
			return ptr;
		ptr = cfg[ptr + CAP_NEXT] & CFG_CAP_PTR_MASK;
	}
	return 0;
}

static unsigned pcie_type(const uint8_t *cfg, unsigned pcie)
{
	return PCIE_FLAGS_TYPE(le16(cfg + pcie + PCIE_FLAGS));
}

static unsigned pcie_lanes(const uint8_t *cfg)
{
	unsigned pcie = find_pcie(cfg);
	unsigned t;

	if (!pcie)
		return 0;
	t = pcie_type(cfg, pcie);
	if (t == PCIE_TYPE_RCIEP || t == PCIE_TYPE_RCEC) /* no link */
		return 0;
	return PCIE_LINKCAP_WIDTH(le32(cfg + pcie + PCIE_LINKCAP));
}

static uint16_t round4(unsigned v)
{
	return (uint16_t)((v + 3) & ~3u);
}

/* MSI (PCIe §7.7.1): 10/14 bytes, 20/24 with masking, 12/16 with
 * extended data only. */
static void layout_msi(const uint8_t *c, struct captab_layout *lay)
{
	unsigned v = le16(c + MSI_CTL);

	if (v & MSI_CTL_64BIT)
		lay->features |= FT_MSI64;
	if (v & MSI_CTL_PVM)
		lay->features |= FT_MSI_PVM;
	if (v & MSI_CTL_EXT_DATA)
		lay->features |= FT_MSI_EXT;
	if (v & MSI_CTL_PVM)
		lay->length = (v & MSI_CTL_64BIT) ? 24 : 20;
	else if (v & MSI_CTL_EXT_DATA)
		lay->length = (v & MSI_CTL_64BIT) ? 16 : 12;
	else
		lay->length = (v & MSI_CTL_64BIT) ? 14 : 10;
}

/* PCI Express capability (PCIe §7.5.3): which register groups exist;
 * sizes as Linux pci_regs.h has them. */
static void layout_pcie(const uint8_t *c, struct captab_layout *lay)
{
	unsigned v = le16(c + PCIE_FLAGS), t = PCIE_FLAGS_TYPE(v);

	if (PCIE_FLAGS_VERSION(v) >= 2)
		lay->features |= FT_PCIE_V2;
	if (t != PCIE_TYPE_RCIEP && t != PCIE_TYPE_RCEC)
		lay->features |= FT_LINK;
	if ((t == PCIE_TYPE_ROOT_PORT || t == PCIE_TYPE_DOWNSTREAM) && (v & PCIE_FLAGS_SLOT))
		lay->features |= FT_SLOT;
	if (t == PCIE_TYPE_ROOT_PORT || t == PCIE_TYPE_RCEC)
		lay->features |= FT_ROOT;
	if (lay->features & FT_PCIE_V2)
		lay->length = (lay->features & (FT_SLOT | FT_ROOT)) ? 0x3c : (lay->features & FT_LINK) ? 0x34 : 0x2c;
	else
		lay->length = (lay->features & FT_ROOT) ? 0x24 : (lay->features & FT_SLOT) ? 0x1c :
			      (lay->features & FT_LINK) ? 0x14 : 0x0c;
}

void captab_layout(const struct vpci_cdesc *cd, const uint8_t *cfg,
		   unsigned off, struct captab_layout *lay)
{
	const uint8_t *c = cfg + off;
	unsigned v, t;

	memset(lay, 0, sizeof(*lay));
	lay->length = cd->len;
	lay->features = (cfg[CFG_HEADER_TYPE] & CFG_HEADER_LAYOUT) == VPCI_KIND_BRIDGE ? FT_BRIDGE : FT_ENDPOINT;
	if (off > VPCI_CFG_SIZE - 16 && cd->kind != CK_HDR) {
		/* too close to the end to evaluate: the validator reports it */
		return;
	}
	switch (cd->lenkind) {
	case LN_FIXED:
		break;
	case LN_UNKNOWN:
		lay->length = 0;
		break;
	case LN_MSI:
		layout_msi(c, lay);
		break;
	case LN_PCIE:
		layout_pcie(c, lay);
		break;
	case LN_BYTE2:
		lay->length = MAX(c[VNDR_LEN], cd->len);
		break;
	case LN_VSEC:
		lay->length = MAX((uint16_t)VSEC_LEN(le32(c + VSEC_HEADER)), cd->len);
		break;
	case LN_AER: { /* PCIe §7.8.4: root registers for root ports, RCECs */
		unsigned pcie = find_pcie(cfg);
		t = pcie ? pcie_type(cfg, pcie) : 0;
		if (pcie && (t == PCIE_TYPE_ROOT_PORT || t == PCIE_TYPE_RCEC)) {
			lay->features |= FT_AER_ROOT;
			lay->length = 0x38;
		}
		break;
	}
	case LN_ACS: /* PCIe §7.7.8: egress vector when EC is set */
		v = le16(c + ACS_CAP);
		if (v & ACS_CAP_EC) {
			unsigned n = ACS_CAP_VECTOR(v) ? ACS_CAP_VECTOR(v) : 256;
			lay->features |= FT_ACS_EC;
			lay->length = (uint16_t)(8 + 4 * ((n + 31) / 32));
		}
		break;
	case LN_REBAR: /* PCIe §7.8.6: entries count in control[7:5] */
		v = REBAR_CTL_NBARS(le32(c + REBAR_CTL));
		lay->rebar = (uint8_t)(v ? v : 1);
		lay->length = (uint16_t)(REBAR_CAP + REBAR_ENTRY * lay->rebar);
		break;
	case LN_TPH: /* PCIe §7.9.13: ST table in the capability */
		v = le32(c + TPH_CAP);
		if (((v >> 9) & 3) == 1)
			lay->length = round4(12 + 2 * (((v >> 16) & 0x7ff) + 1));
		break;
	case LN_SECPCI:
		lay->lanes = (uint8_t)pcie_lanes(cfg);
		lay->length = round4(0x0c + 2u * lay->lanes);
		break;
	case LN_PL:
		lay->lanes = (uint8_t)pcie_lanes(cfg);
		lay->length = round4(0x20 + lay->lanes);
		break;
	case LN_LMR:
		lay->lanes = (uint8_t)pcie_lanes(cfg);
		lay->length = (uint16_t)(8 + 4u * lay->lanes);
		break;
	case LN_VC: /* PCIe §7.9.1: one 12-byte resource per VC */
		v = le32(c + 4) & 7;
		lay->length = (uint16_t)(0x10 + 12 * (v + 1));
		break;
	case LN_RCEC:
		if (ECAP_VERSION(le32(c + ECAP_HEADER)) >= 2) {
			lay->features |= FT_RCEC_V2;
			lay->length = 12;
		}
		break;
	}
}

unsigned captab_field_count(const struct vpci_fdesc *fd,
			    const struct captab_layout *lay)
{
	if ((lay->features & fd->need) != fd->need || (lay->features & fd->excl))
		return 0;
	switch (fd->rep) {
	case RP_ONCE: return 1;
	case RP_FIXED: return fd->count;
	case RP_REBAR: return lay->rebar;
	case RP_LANES:
	case RP_LANES_W2: return lay->lanes;
	}
	return 0;
}

void captab_access_planes(enum vpci_access acc, unsigned width,
			  struct captab_planes *out)
{
	uint64_t m = width_mask(width);

	memset(out, 0, sizeof(*out));
	switch (acc) {
	case VPCI_ACC_RO: break;
	case VPCI_ACC_RW: out->pl[VPCI_PL_RW] = m; break;
	case VPCI_ACC_RW1C: out->pl[VPCI_PL_RW1C] = m; break;
	case VPCI_ACC_RSVDP: out->pl[VPCI_PL_RSVDP] = m; break;
	case VPCI_ACC_RSVDZ: out->pl[VPCI_PL_RSVDZ] = m; break;
	case VPCI_ACC_HWINIT: out->pl[VPCI_PL_HWINIT] = m; break;
	case VPCI_ACC_RWS: out->pl[VPCI_PL_RW] = m; out->pl[VPCI_PL_STICKY] = m; break;
	case VPCI_ACC_RW1CS: out->pl[VPCI_PL_RW1C] = m; out->pl[VPCI_PL_STICKY] = m; break;
	case VPCI_ACC_ROS: out->pl[VPCI_PL_STICKY] = m; break;
	default: break;
	}
}

void captab_field_planes(const struct vpci_fdesc *fd, const uint8_t *cfg,
			 unsigned capoff, struct captab_planes *out)
{
	uint64_t full = width_mask(fd->width);
	uint64_t rw = fd->rw, w1c = fd->w1c, rsvdp = fd->rsvdp;

	switch (fd->dyn) {
	case DM_MSI_MASK: { /* PCIe §7.7.1.7: one mask bit per vector */
		unsigned n = 1u << MSI_CTL_MMC(cfg[capoff + MSI_CTL]);
		rw = n >= 32 ? 0xffffffffu : ((1u << n) - 1);
		rsvdp = full & ~rw;
		break;
	}
	case DM_ACS_CTRL: /* PCIe §7.7.8.3: controls exist where capable */
		rw = le16(cfg + capoff + ACS_CAP) & 0x7f;
		rsvdp = full & ~rw;
		break;
	default:
		break;
	}
	uint64_t named = (rw | w1c | rsvdp | fd->rsvdz | fd->hwinit) & full;
	captab_access_planes((enum vpci_access)fd->acc, fd->width, out);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		out->pl[p] &= ~named;
	out->pl[VPCI_PL_RW] |= rw & full;
	out->pl[VPCI_PL_RW1C] |= w1c & full;
	out->pl[VPCI_PL_RSVDP] |= rsvdp & full;
	out->pl[VPCI_PL_RSVDZ] |= fd->rsvdz & full;
	out->pl[VPCI_PL_HWINIT] |= fd->hwinit & full;
	out->pl[VPCI_PL_STICKY] |= fd->sticky & full;
}

void captab_field_name(const struct vpci_fdesc *fd, unsigned i, char *buf,
		       unsigned size)
{
	/* the name, with the instance number in place of its "%u" (what
	 * snprintf(buf, size, fd->name, i) writes, without its cost: every
	 * field walk names every field) */
	unsigned n = 0;

	if (!size)
		return;
	if (!strchr(fd->name, '%')) {
		size_t len = strlen(fd->name);
		if (len >= size)
			len = size - 1;
		memcpy(buf, fd->name, len);
		buf[len] = '\0';
		return;
	}
	for (const char *p = fd->name; *p && n + 1 < size; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			char digits[12];
			unsigned k = 0, v = i;
			do
				digits[k++] = (char)('0' + v % 10);
			while ((v /= 10) && k < sizeof(digits));
			while (k && n + 1 < size)
				buf[n++] = digits[--k];
			p++;
			continue;
		}
		buf[n++] = *p;
	}
	buf[n] = '\0';
}
