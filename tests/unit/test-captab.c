/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-captab.c - the capability table checked against an independent
 * transcription of register offsets, widths and key access bits.
 *
 * The expectations below were written from the register maps of the PCI
 * Express Base Specification r6.0 (chapter 7, §9.3.3 for SR-IOV), the PCI
 * Local Bus Specification 3.0 and PCI-PM 1.2, cross-checked against the
 * offsets the Linux UAPI header pci_regs.h defines (as facts only).  They
 * are deliberately not derived from captab.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/captab.h"

/* ---- helpers ---------------------------------------------------------- */

static uint64_t wmask(unsigned width)
{
	return width >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1;
}

/* Is the field present in an instance with features @ft? */
static bool present(const struct vpci_fdesc *fd, uint32_t ft)
{
	return (ft & fd->need) == fd->need && !(ft & fd->excl);
}

/* Can two fields exist in the same instance? */
static bool coexist(const struct vpci_fdesc *a, const struct vpci_fdesc *b)
{
	return !((a->need | b->need) & (a->excl | b->excl));
}

static const struct vpci_fdesc *field_in(const struct vpci_cdesc *cd,
					 const char *name, uint32_t ft)
{
	if (!cd || !cd->fields)
		return NULL;
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++)
		if (strcmp(fd->name, name) == 0 && present(fd, ft))
			return fd;
	return NULL;
}

static unsigned nfields_in(const struct vpci_cdesc *cd, uint32_t ft)
{
	unsigned n = 0;

	if (!cd || !cd->fields)
		return 0;
	for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++)
		n += present(fd, ft);
	return n;
}

/* ---- the independent transcription ------------------------------------ */

/* count: 1 = once; >1 = fixed repeat; 0 = variable repeat (REBAR/lanes) */
struct xf {
	const char *name;
	uint16_t off;
	uint8_t width;
	uint8_t count;
	uint8_t stride;
};

struct xcap {
	const char *what;
	int kind;
	uint16_t id;
	uint32_t ft;      /* features under which the list below is complete */
	const struct xf *f;
};

#define X(n, o, w) { (n), (o), (w), 1, 0 }
#define XR(n, o, w, c, s) { (n), (o), (w), (c), (s) }
#define XEND { NULL, 0, 0, 0, 0 }

/* Type 0 configuration header (PCIe r6.0 §7.5.1.1, §7.5.1.2) */
static const struct xf x_type0[] = {
	X("vendor-id", 0x00, 2), X("device-id", 0x02, 2),
	X("command", 0x04, 2), X("status", 0x06, 2),
	X("revision-id", 0x08, 1), X("class-code", 0x09, 3),
	X("cache-line-size", 0x0c, 1), X("latency-timer", 0x0d, 1),
	X("header-type", 0x0e, 1), X("bist", 0x0f, 1),
	XR("bar%u", 0x10, 4, 6, 4),
	X("cardbus-cis-pointer", 0x28, 4),
	X("subsystem-vendor-id", 0x2c, 2), X("subsystem-id", 0x2e, 2),
	X("expansion-rom", 0x30, 4), X("capabilities-pointer", 0x34, 1),
	X("interrupt-line", 0x3c, 1), X("interrupt-pin", 0x3d, 1),
	X("min-gnt", 0x3e, 1), X("max-lat", 0x3f, 1),
	XEND
};

/* Type 1 configuration header (PCIe r6.0 §7.5.1.3) */
static const struct xf x_type1[] = {
	X("vendor-id", 0x00, 2), X("device-id", 0x02, 2),
	X("command", 0x04, 2), X("status", 0x06, 2),
	X("revision-id", 0x08, 1), X("class-code", 0x09, 3),
	X("cache-line-size", 0x0c, 1), X("latency-timer", 0x0d, 1),
	X("header-type", 0x0e, 1), X("bist", 0x0f, 1),
	XR("bar%u", 0x10, 4, 2, 4),
	X("primary-bus", 0x18, 1), X("secondary-bus", 0x19, 1),
	X("subordinate-bus", 0x1a, 1), X("secondary-latency-timer", 0x1b, 1),
	X("io-base", 0x1c, 1), X("io-limit", 0x1d, 1),
	X("secondary-status", 0x1e, 2),
	X("memory-base", 0x20, 2), X("memory-limit", 0x22, 2),
	X("prefetchable-base", 0x24, 2), X("prefetchable-limit", 0x26, 2),
	X("prefetchable-base-upper", 0x28, 4), X("prefetchable-limit-upper", 0x2c, 4),
	X("io-base-upper", 0x30, 2), X("io-limit-upper", 0x32, 2),
	X("capabilities-pointer", 0x34, 1), X("expansion-rom", 0x38, 4),
	X("interrupt-line", 0x3c, 1), X("interrupt-pin", 0x3d, 1),
	X("bridge-control", 0x3e, 2),
	XEND
};

/* Power Management (PCI-PM 1.2 §3.2) */
static const struct xf x_pm[] = {
	X("header", 0, 2), X("pmc", 0x02, 2), X("pmcsr", 0x04, 2),
	X("pmcsr-bse", 0x06, 1), X("data", 0x07, 1), XEND
};

/* MSI (PCIe r6.0 §7.7.1): four layouts */
static const struct xf x_msi32[] = {
	X("header", 0, 2), X("message-control", 0x02, 2),
	X("message-address", 0x04, 4), X("message-data", 0x08, 2), XEND
};
static const struct xf x_msi64[] = {
	X("header", 0, 2), X("message-control", 0x02, 2),
	X("message-address", 0x04, 4), X("message-upper-address", 0x08, 4),
	X("message-data", 0x0c, 2), XEND
};
static const struct xf x_msi32pvm[] = {
	X("header", 0, 2), X("message-control", 0x02, 2),
	X("message-address", 0x04, 4), X("message-data", 0x08, 2),
	X("mask-bits", 0x0c, 4), X("pending-bits", 0x10, 4), XEND
};
static const struct xf x_msi64pvm[] = {
	X("header", 0, 2), X("message-control", 0x02, 2),
	X("message-address", 0x04, 4), X("message-upper-address", 0x08, 4),
	X("message-data", 0x0c, 2), X("mask-bits", 0x10, 4),
	X("pending-bits", 0x14, 4), XEND
};
/* Extended Message Data follows Message Data (PCIe r6.0 §7.7.1.5/.6) */
static const struct xf x_msi32ext[] = {
	X("header", 0, 2), X("message-control", 0x02, 2),
	X("message-address", 0x04, 4), X("message-data", 0x08, 2),
	X("extended-message-data", 0x0a, 2), XEND
};
static const struct xf x_msi64ext_pvm[] = {
	X("header", 0, 2), X("message-control", 0x02, 2),
	X("message-address", 0x04, 4), X("message-upper-address", 0x08, 4),
	X("message-data", 0x0c, 2), X("extended-message-data", 0x0e, 2),
	X("mask-bits", 0x10, 4), X("pending-bits", 0x14, 4), XEND
};

/* MSI-X (PCIe r6.0 §7.7.2) */
static const struct xf x_msix[] = {
	X("header", 0, 2), X("message-control", 0x02, 2),
	X("table", 0x04, 4), X("pba", 0x08, 4), XEND
};

/* PCI Express capability (PCIe r6.0 §7.5.3), all registers */
static const struct xf x_pcie[] = {
	X("header", 0, 2), X("pcie-capabilities", 0x02, 2),
	X("device-capabilities", 0x04, 4), X("device-control", 0x08, 2),
	X("device-status", 0x0a, 2), X("link-capabilities", 0x0c, 4),
	X("link-control", 0x10, 2), X("link-status", 0x12, 2),
	X("slot-capabilities", 0x14, 4), X("slot-control", 0x18, 2),
	X("slot-status", 0x1a, 2), X("root-control", 0x1c, 2),
	X("root-capabilities", 0x1e, 2), X("root-status", 0x20, 4),
	X("device-capabilities-2", 0x24, 4), X("device-control-2", 0x28, 2),
	X("device-status-2", 0x2a, 2), X("link-capabilities-2", 0x2c, 4),
	X("link-control-2", 0x30, 2), X("link-status-2", 0x32, 2),
	X("slot-capabilities-2", 0x34, 4), X("slot-control-2", 0x38, 2),
	X("slot-status-2", 0x3a, 2),
	XEND
};
/* A v2 RCiEP: no link, slot or root registers */
static const struct xf x_pcie_rciep2[] = {
	X("header", 0, 2), X("pcie-capabilities", 0x02, 2),
	X("device-capabilities", 0x04, 4), X("device-control", 0x08, 2),
	X("device-status", 0x0a, 2),
	X("device-capabilities-2", 0x24, 4), X("device-control-2", 0x28, 2),
	X("device-status-2", 0x2a, 2),
	XEND
};

static const struct xf x_vndr[] = { X("header", 0, 2), X("length", 0x02, 1), XEND };
static const struct xf x_ssvid[] = {
	X("header", 0, 2), X("subsystem-vendor-id", 0x04, 2), X("subsystem-id", 0x06, 2), XEND
};
/* Advanced Features (PCI AF ECN) */
static const struct xf x_af[] = {
	X("header", 0, 2), X("length", 0x02, 1), X("af-capabilities", 0x03, 1),
	X("af-control", 0x04, 1), X("af-status", 0x05, 1), XEND
};

/* AER (PCIe r6.0 §7.8.4), with the root port registers */
static const struct xf x_aer[] = {
	X("header", 0, 4),
	X("uncorrectable-status", 0x04, 4), X("uncorrectable-mask", 0x08, 4),
	X("uncorrectable-severity", 0x0c, 4), X("correctable-status", 0x10, 4),
	X("correctable-mask", 0x14, 4), X("capabilities-control", 0x18, 4),
	XR("header-log%u", 0x1c, 4, 4, 4),
	X("root-error-command", 0x2c, 4), X("root-error-status", 0x30, 4),
	X("error-source-id", 0x34, 4),
	XEND
};
/* Error Source Identification: ERR_COR source 0x34, ERR_FATAL/NONFATAL 0x36 */
static const struct xf x_dsn[] = { X("header", 0, 4), X("serial-number", 0x04, 8), XEND };
static const struct xf x_pwrbudget[] = {
	X("header", 0, 4), X("data-select", 0x04, 1), X("data", 0x08, 4),
	X("power-budget-capability", 0x0c, 1), XEND
};
static const struct xf x_rcec[] = {
	X("header", 0, 4), X("association-bitmap", 0x04, 4),
	X("association-bus-numbers", 0x08, 4), XEND
};
static const struct xf x_vsec[] = { X("header", 0, 4), X("vsec-header", 0x04, 4), XEND };
static const struct xf x_acs[] = {
	X("header", 0, 4), X("acs-capability", 0x04, 2), X("acs-control", 0x06, 2),
	X("egress-control-vector", 0x08, 4), XEND
};
static const struct xf x_ari[] = {
	X("header", 0, 4), X("ari-capability", 0x04, 2), X("ari-control", 0x06, 2), XEND
};
static const struct xf x_ats[] = {
	X("header", 0, 4), X("ats-capability", 0x04, 2), X("ats-control", 0x06, 2), XEND
};
/* SR-IOV (PCIe r6.0 §9.3.3): 0x13 and 0x18 are reserved */
static const struct xf x_sriov[] = {
	X("header", 0, 4),
	X("sriov-capabilities", 0x04, 4),
	X("sriov-control", 0x08, 2),
	X("sriov-status", 0x0a, 2),
	X("initial-vfs", 0x0c, 2),
	X("total-vfs", 0x0e, 2),
	X("num-vfs", 0x10, 2),
	X("function-dependency-link", 0x12, 1),
	X("first-vf-offset", 0x14, 2),
	X("vf-stride", 0x16, 2),
	X("vf-device-id", 0x1a, 2),
	X("supported-page-sizes", 0x1c, 4),
	X("system-page-size", 0x20, 4),
	XR("vf-bar%u", 0x24, 4, 6, 4),
	X("vf-migration-state-array-offset", 0x3c, 4),
	XEND
};
static const struct xf x_pri[] = {
	X("header", 0, 4), X("pri-control", 0x04, 2), X("pri-status", 0x06, 2),
	X("outstanding-capacity", 0x08, 4), X("outstanding-allocation", 0x0c, 4), XEND
};
static const struct xf x_rebar[] = {
	X("header", 0, 4), XR("bar%u-capability", 0x04, 4, 0, 8),
	XR("bar%u-control", 0x08, 4, 0, 8), XEND
};
static const struct xf x_tph[] = {
	X("header", 0, 4), X("tph-capability", 0x04, 4), X("tph-control", 0x08, 4), XEND
};
static const struct xf x_ltr[] = {
	X("header", 0, 4), X("max-snoop-latency", 0x04, 2),
	X("max-no-snoop-latency", 0x06, 2), XEND
};
static const struct xf x_secpci[] = {
	X("header", 0, 4), X("link-control-3", 0x04, 4), X("lane-error-status", 0x08, 4),
	XR("lane%u-equalization-control", 0x0c, 2, 0, 2), XEND
};
static const struct xf x_pasid[] = {
	X("header", 0, 4), X("pasid-capability", 0x04, 2), X("pasid-control", 0x06, 2), XEND
};
static const struct xf x_dpc[] = {
	X("header", 0, 4), X("dpc-capability", 0x04, 2), X("dpc-control", 0x06, 2),
	X("dpc-status", 0x08, 2), X("dpc-error-source-id", 0x0a, 2), XEND
};
static const struct xf x_l1ss[] = {
	X("header", 0, 4), X("l1ss-capabilities", 0x04, 4),
	X("l1ss-control-1", 0x08, 4), X("l1ss-control-2", 0x0c, 4), XEND
};
static const struct xf x_ptm[] = {
	X("header", 0, 4), X("ptm-capability", 0x04, 4), X("ptm-control", 0x08, 4), XEND
};
static const struct xf x_dvsec[] = {
	X("header", 0, 4), X("dvsec-header-1", 0x04, 4), X("dvsec-header-2", 0x08, 2), XEND
};
static const struct xf x_dlf[] = {
	X("header", 0, 4), X("dlf-capabilities", 0x04, 4), X("dlf-status", 0x08, 4), XEND
};
static const struct xf x_pl16[] = {
	X("header", 0, 4), X("pl16-capabilities", 0x04, 4), X("pl16-control", 0x08, 4),
	X("pl16-status", 0x0c, 4), X("local-data-parity-mismatch", 0x10, 4),
	X("first-retimer-data-parity-mismatch", 0x14, 4),
	X("second-retimer-data-parity-mismatch", 0x18, 4),
	XR("lane%u-equalization-control", 0x20, 1, 0, 1), XEND
};
static const struct xf x_pl32[] = {
	X("header", 0, 4), X("pl32-capabilities", 0x04, 4), X("pl32-control", 0x08, 4),
	X("pl32-status", 0x0c, 4), X("received-modified-ts-data-1", 0x10, 4),
	X("received-modified-ts-data-2", 0x14, 4),
	X("transmitted-modified-ts-data-1", 0x18, 4),
	X("transmitted-modified-ts-data-2", 0x1c, 4),
	XR("lane%u-equalization-control", 0x20, 1, 0, 1), XEND
};
static const struct xf x_lmr[] = {
	X("header", 0, 4), X("margining-port-capabilities", 0x04, 2),
	X("margining-port-status", 0x06, 2),
	XR("lane%u-margining-control", 0x08, 2, 0, 4),
	XR("lane%u-margining-status", 0x0a, 2, 0, 4), XEND
};
static const struct xf x_doe[] = {
	X("header", 0, 4), X("doe-capabilities", 0x04, 4), X("doe-control", 0x08, 4),
	X("doe-status", 0x0c, 4), X("write-data-mailbox", 0x10, 4),
	X("read-data-mailbox", 0x14, 4), XEND
};
static const struct xf x_dev3[] = {
	X("header", 0, 4), X("device-capabilities-3", 0x04, 4),
	X("device-control-3", 0x08, 4), X("device-status-3", 0x0c, 4), XEND
};

#define ALLPCIE (FT_PCIE_V2 | FT_LINK | FT_SLOT | FT_ROOT)

static const struct xcap xcaps[] = {
	{ "type 0 header", CK_HDR, CAPTAB_HDR_TYPE0, 0, x_type0 },
	{ "type 1 header", CK_HDR, CAPTAB_HDR_TYPE1, 0, x_type1 },
	{ "PM", CK_STD, 0x01, 0, x_pm },
	{ "MSI 32-bit", CK_STD, 0x05, 0, x_msi32 },
	{ "MSI 64-bit", CK_STD, 0x05, FT_MSI64, x_msi64 },
	{ "MSI 32-bit PVM", CK_STD, 0x05, FT_MSI_PVM, x_msi32pvm },
	{ "MSI 64-bit PVM", CK_STD, 0x05, FT_MSI64 | FT_MSI_PVM, x_msi64pvm },
	{ "MSI 32-bit ext data", CK_STD, 0x05, FT_MSI_EXT, x_msi32ext },
	{ "MSI 64-bit ext data PVM", CK_STD, 0x05, FT_MSI64 | FT_MSI_PVM | FT_MSI_EXT, x_msi64ext_pvm },
	{ "vendor", CK_STD, 0x09, 0, x_vndr },
	{ "SSVID", CK_STD, 0x0d, 0, x_ssvid },
	{ "PCIe root port v2", CK_STD, 0x10, ALLPCIE, x_pcie },
	{ "PCIe RCiEP v2", CK_STD, 0x10, FT_PCIE_V2, x_pcie_rciep2 },
	{ "MSI-X", CK_STD, 0x11, 0, x_msix },
	{ "AF", CK_STD, 0x13, 0, x_af },
	{ "AER", CK_EXT, 0x0001, FT_AER_ROOT, x_aer },
	{ "DSN", CK_EXT, 0x0003, 0, x_dsn },
	{ "Power Budgeting", CK_EXT, 0x0004, 0, x_pwrbudget },
	{ "RCEC v2", CK_EXT, 0x0007, FT_RCEC_V2, x_rcec },
	{ "VSEC", CK_EXT, 0x000b, 0, x_vsec },
	{ "ACS", CK_EXT, 0x000d, FT_ACS_EC, x_acs },
	{ "ARI", CK_EXT, 0x000e, 0, x_ari },
	{ "ATS", CK_EXT, 0x000f, 0, x_ats },
	{ "SR-IOV", CK_EXT, 0x0010, 0, x_sriov },
	{ "PRI", CK_EXT, 0x0013, 0, x_pri },
	{ "ReBAR", CK_EXT, 0x0015, 0, x_rebar },
	{ "TPH", CK_EXT, 0x0017, 0, x_tph },
	{ "LTR", CK_EXT, 0x0018, 0, x_ltr },
	{ "Secondary PCIe", CK_EXT, 0x0019, 0, x_secpci },
	{ "PASID", CK_EXT, 0x001b, 0, x_pasid },
	{ "DPC", CK_EXT, 0x001d, 0, x_dpc },
	{ "L1SS", CK_EXT, 0x001e, 0, x_l1ss },
	{ "PTM", CK_EXT, 0x001f, 0, x_ptm },
	{ "DVSEC", CK_EXT, 0x0023, 0, x_dvsec },
	{ "VF ReBAR", CK_EXT, 0x0024, 0, x_rebar },
	{ "DLF", CK_EXT, 0x0025, 0, x_dlf },
	{ "PL16", CK_EXT, 0x0026, 0, x_pl16 },
	{ "Lane Margining", CK_EXT, 0x0027, 0, x_lmr },
	{ "PL32", CK_EXT, 0x002a, 0, x_pl32 },
	{ "DOE", CK_EXT, 0x002e, 0, x_doe },
	{ "Device 3", CK_EXT, 0x002f, 0, x_dev3 },
};

/* Fixed lengths (PCIe r6.0 and the kernel's *_SIZEOF facts) */
static const struct { int kind; uint16_t id; uint16_t len; } xlens[] = {
	{ CK_STD, 0x01, 8 }, { CK_STD, 0x0d, 8 }, { CK_STD, 0x11, 12 }, { CK_STD, 0x13, 6 },
	{ CK_EXT, 0x0003, 12 }, { CK_EXT, 0x0004, 16 }, { CK_EXT, 0x000e, 8 },
	{ CK_EXT, 0x000f, 8 }, { CK_EXT, 0x0010, 0x40 }, { CK_EXT, 0x0013, 16 },
	{ CK_EXT, 0x0018, 8 }, { CK_EXT, 0x001b, 8 }, { CK_EXT, 0x001e, 16 },
	{ CK_EXT, 0x001f, 12 }, { CK_EXT, 0x0025, 12 }, { CK_EXT, 0x002e, 0x18 },
	{ CK_EXT, 0x002f, 0x10 },
};

static void test_offsets(void **state)
{
	(void)state;
	unsigned bad = 0;

	for (size_t i = 0; i < sizeof(xcaps) / sizeof(xcaps[0]); i++) {
		const struct xcap *x = &xcaps[i];
		const struct vpci_cdesc *cd = captab_find(x->kind, x->id);
		unsigned n = 0;

		if (!cd || !cd->fields) {
			print_error("%s: no field table\n", x->what);
			bad++;
			continue;
		}
		for (const struct xf *e = x->f; e->name; e++, n++) {
			const struct vpci_fdesc *fd = field_in(cd, e->name, x->ft);
			if (!fd) {
				print_error("%s: field %s missing\n", x->what, e->name);
				bad++;
				continue;
			}
			if (fd->off != e->off || fd->width != e->width) {
				print_error("%s: %s at %#x width %u, expected %#x width %u\n",
					    x->what, e->name, fd->off, fd->width, e->off, e->width);
				bad++;
			}
			if (e->count == 1 && fd->rep != RP_ONCE) {
				print_error("%s: %s should not repeat\n", x->what, e->name);
				bad++;
			}
			if (e->count > 1 && (fd->rep != RP_FIXED || fd->count != e->count ||
					     fd->stride != e->stride)) {
				print_error("%s: %s repeats %u/%u, expected %u every %u\n",
					    x->what, e->name, fd->count, fd->stride, e->count, e->stride);
				bad++;
			}
			if (e->count == 0 && (fd->rep == RP_ONCE || fd->rep == RP_FIXED ||
					      fd->stride != e->stride)) {
				print_error("%s: %s should repeat variably every %u\n",
					    x->what, e->name, e->stride);
				bad++;
			}
		}
		if (nfields_in(cd, x->ft) != n) {
			print_error("%s: captab has %u fields, expected %u\n", x->what,
				    nfields_in(cd, x->ft), n);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_fixed_lengths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(xlens) / sizeof(xlens[0]); i++) {
		const struct vpci_cdesc *cd = captab_find(xlens[i].kind, xlens[i].id);
		assert_non_null(cd);
		assert_int_equal(cd->lenkind, LN_FIXED);
		assert_int_equal(cd->len, xlens[i].len);
	}
	/* header layouts are 64 bytes */
	assert_int_equal(captab_find(CK_HDR, CAPTAB_HDR_TYPE0)->len, 0x40);
	assert_int_equal(captab_find(CK_HDR, CAPTAB_HDR_TYPE1)->len, 0x40);
}

/* ---- key access bits ---------------------------------------------------- */

struct xacc {
	int kind;
	uint16_t id;
	uint32_t ft;
	const char *field;
	int plane;
	uint32_t care;   /* bits looked at */
	uint32_t value;  /* their expected value in the plane */
};

#define P_RW VPCI_PL_RW
#define P_W1C VPCI_PL_RW1C
#define P_RSVDP VPCI_PL_RSVDP
#define P_RSVDZ VPCI_PL_RSVDZ
#define P_HWINIT VPCI_PL_HWINIT
#define P_STICKY VPCI_PL_STICKY

static const struct xacc xaccs[] = {
	/* Command: I/O, Mem, Bus Master, Parity Error Response, SERR#,
	 * Interrupt Disable RW; 15:11 RsvdP (PCIe r6.0 §7.5.1.1.3) */
	{ CK_HDR, 0, 0, "command", P_RW, 0xffff, 0x0547 },
	{ CK_HDR, 0, 0, "command", P_RSVDP, 0xffff, 0xf800 },
	{ CK_HDR, 1, 0, "command", P_RSVDP, 0xffff, 0xf800 },
	/* Status: Master Data Parity Error, Signaled/Received Target Abort,
	 * Received Master Abort, Signaled System Error, Detected Parity
	 * Error RW1C (§7.5.1.1.4) */
	{ CK_HDR, 0, 0, "status", P_W1C, 0xffff, 0xf900 },
	{ CK_HDR, 1, 0, "status", P_W1C, 0xffff, 0xf900 },
	{ CK_HDR, 0, 0, "status", P_RW, 0xffff, 0 },
	{ CK_HDR, 1, 0, "secondary-status", P_W1C, 0xffff, 0xf900 },
	{ CK_HDR, 0, 0, "vendor-id", P_RW, 0xffff, 0 },
	{ CK_HDR, 0, 0, "interrupt-line", P_RW, 0xff, 0xff },
	{ CK_HDR, 1, 0, "secondary-bus", P_RW, 0xff, 0xff },
	{ CK_HDR, 1, 0, "subordinate-bus", P_RW, 0xff, 0xff },
	/* Bridge Control: Secondary Bus Reset RW (bit 6) */
	{ CK_HDR, 1, 0, "bridge-control", P_RW, 0x0040, 0x0040 },
	/* PMCSR (PCI-PM 1.2 §3.2.4): PowerState RW, PME_En RWS, PME_Status RW1CS */
	{ CK_STD, 0x01, 0, "pmcsr", P_RW, 0x8103, 0x0103 },
	{ CK_STD, 0x01, 0, "pmcsr", P_W1C, 0xffff, 0x8000 },
	{ CK_STD, 0x01, 0, "pmcsr", P_STICKY, 0x8100, 0x8100 },
	{ CK_STD, 0x01, 0, "pmc", P_RW, 0xffff, 0 },
	/* MSI Message Control: Enable, Multiple Message Enable RW */
	{ CK_STD, 0x05, 0, "message-control", P_RW, 0x01ff, 0x0071 },
	{ CK_STD, 0x05, 0, "message-address", P_RW, 0xfffffffc, 0xfffffffc },
	{ CK_STD, 0x05, 0, "message-data", P_RW, 0xffff, 0xffff },
	/* MSI-X Message Control: Function Mask (14), Enable (15) RW */
	{ CK_STD, 0x11, 0, "message-control", P_RW, 0xffff, 0xc000 },
	{ CK_STD, 0x11, 0, "table", P_RW, 0xffffffff, 0 },
	{ CK_STD, 0x11, 0, "pba", P_RW, 0xffffffff, 0 },
	/* PCIe Device Status: CED, NFED, FED, URD, EPRD RW1C; AUX PD, TP RO */
	{ CK_STD, 0x10, ALLPCIE, "device-status", P_W1C, 0xffff, 0x004f },
	{ CK_STD, 0x10, ALLPCIE, "device-status", P_RW, 0xffff, 0 },
	{ CK_STD, 0x10, ALLPCIE, "device-control", P_RW, 0x7fff, 0x7fff },
	{ CK_STD, 0x10, ALLPCIE, "device-control", P_STICKY, 0x0400, 0x0400 },
	{ CK_STD, 0x10, ALLPCIE, "device-capabilities", P_RW, 0xffffffff, 0 },
	/* Link Status: LBMS, LABS RW1C; Link Training RO */
	{ CK_STD, 0x10, ALLPCIE, "link-status", P_W1C, 0xffff, 0xc000 },
	{ CK_STD, 0x10, ALLPCIE, "link-control", P_RW, 0x0023, 0x0023 },
	/* Slot Status: ABP, PFD, MRLSC, PDC, CC, DLLSC RW1C */
	{ CK_STD, 0x10, ALLPCIE, "slot-status", P_W1C, 0xffff, 0x011f },
	/* Root Status: PME Status RW1C */
	{ CK_STD, 0x10, ALLPCIE, "root-status", P_W1C, 0xffffffff, 0x00010000 },
	{ CK_STD, 0x10, ALLPCIE, "root-control", P_RW, 0x001f, 0x001f },
	{ CK_STD, 0x10, ALLPCIE, "link-status-2", P_W1C, 0x0020, 0x0020 },
	/* AER: status registers RW1CS, masks and severity RWS */
	{ CK_EXT, 0x0001, FT_AER_ROOT, "uncorrectable-status", P_W1C, 0x00001030, 0x00001030 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "uncorrectable-status", P_STICKY, 0x00001030, 0x00001030 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "uncorrectable-mask", P_RW, 0x00101000, 0x00101000 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "uncorrectable-severity", P_RW, 0x00040010, 0x00040010 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "correctable-status", P_W1C, 0x000000c1, 0x000000c1 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "correctable-status", P_STICKY, 0x000000c1, 0x000000c1 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "correctable-mask", P_RW, 0x0000e1c1, 0x0000e1c1 },
	/* Capabilities and Control: ECRC Generation/Check Enable and
	 * Multiple Header Recording Enable RWS, First Error Pointer ROS,
	 * capable bits RO */
	{ CK_EXT, 0x0001, FT_AER_ROOT, "capabilities-control", P_RW, 0x000001ff, 0x00000140 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "capabilities-control", P_STICKY, 0x000007ff, 0x0000055f },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "capabilities-control", P_RW, 0x00000400, 0x00000400 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "header-log%u", P_RW, 0xffffffff, 0 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "root-error-command", P_RW, 0xffffffff, 0x7 },
	{ CK_EXT, 0x0001, FT_AER_ROOT, "root-error-status", P_W1C, 0x0000007f, 0x0000007f },
	/* SR-IOV */
	{ CK_EXT, 0x0010, 0, "sriov-control", P_RW, 0x001f, 0x001f },
	{ CK_EXT, 0x0010, 0, "num-vfs", P_RW, 0xffff, 0xffff },
	{ CK_EXT, 0x0010, 0, "total-vfs", P_RW, 0xffff, 0 },
	{ CK_EXT, 0x0010, 0, "initial-vfs", P_RW, 0xffff, 0 },
	{ CK_EXT, 0x0010, 0, "first-vf-offset", P_RW, 0xffff, 0 },
	{ CK_EXT, 0x0010, 0, "vf-stride", P_RW, 0xffff, 0 },
	{ CK_EXT, 0x0010, 0, "vf-device-id", P_RW, 0xffff, 0 },
	{ CK_EXT, 0x0010, 0, "supported-page-sizes", P_RW, 0xffffffff, 0 },
	{ CK_EXT, 0x0010, 0, "system-page-size", P_RW, 0xffffffff, 0xffffffff },
	{ CK_EXT, 0x0010, 0, "sriov-status", P_W1C, 0xffff, 0x0001 },
	/* PASID control: PASID Enable, Execute, Privileged Mode RW */
	{ CK_EXT, 0x001b, 0, "pasid-control", P_RW, 0xffff, 0x0007 },
	{ CK_EXT, 0x001b, 0, "pasid-capability", P_RW, 0xffff, 0 },
	/* ATS control: STU 4:0, Enable 15 */
	{ CK_EXT, 0x000f, 0, "ats-control", P_RW, 0xffff, 0x801f },
	/* PRI control: Enable, Reset; status RF, UPRGI RW1C, Stopped RO */
	{ CK_EXT, 0x0013, 0, "pri-control", P_RW, 0xffff, 0x0003 },
	{ CK_EXT, 0x0013, 0, "pri-status", P_W1C, 0xffff, 0x0003 },
	{ CK_EXT, 0x0013, 0, "outstanding-allocation", P_RW, 0xffffffff, 0xffffffff },
	/* ARI control: MFVC FG, ACS FG enables, Function Group */
	{ CK_EXT, 0x000e, 0, "ari-control", P_RW, 0xffff, 0x0073 },
	/* LTR: value 9:0, scale 12:10 */
	{ CK_EXT, 0x0018, 0, "max-snoop-latency", P_RW, 0xffff, 0x1fff },
	{ CK_EXT, 0x0018, 0, "max-no-snoop-latency", P_RW, 0xffff, 0x1fff },
	/* L1SS control 1: PCI-PM/ASPM L1.2/L1.1 enables */
	{ CK_EXT, 0x001e, 0, "l1ss-control-1", P_RW, 0x0000000f, 0x0000000f },
	/* PTM control: Enable, Root Select, Effective Granularity */
	{ CK_EXT, 0x001f, 0, "ptm-control", P_RW, 0x0000ffff, 0x0000ff03 },
	/* DPC status: Trigger Status RW1C */
	{ CK_EXT, 0x001d, 0, "dpc-status", P_W1C, 0x0001, 0x0001 },
	/* TPH control: ST Mode Select 2:0, Requester Enable 9:8 */
	{ CK_EXT, 0x0017, 0, "tph-control", P_RW, 0x000003ff, 0x00000307 },
	/* ReBAR control: BAR Size 13:8 RW; index and count RO */
	{ CK_EXT, 0x0015, 0, "bar%u-control", P_RW, 0x000000ff, 0 },
	{ CK_EXT, 0x0015, 0, "bar%u-control", P_RW, 0x00003f00, 0x00003f00 },
	/* DOE: Abort, Interrupt Enable, Go RW; Interrupt Status RW1C;
	 * Busy, Error, Data Object Ready read-only */
	{ CK_EXT, 0x002e, 0, "doe-control", P_RW, 0x80000003, 0x80000003 },
	{ CK_EXT, 0x002e, 0, "doe-status", P_W1C, 0x80000007, 0x00000002 },
	{ CK_EXT, 0x002e, 0, "doe-status", P_RSVDZ, 0x80000007, 0 },
	{ CK_EXT, 0x002e, 0, "doe-status", P_RSVDP, 0x80000007, 0 },
	{ CK_EXT, 0x002e, 0, "doe-status", P_RW, 0x80000007, 0 },
	/* Secondary PCIe Link Control 3: Perform Equalization, Link
	 * Equalization Request Interrupt Enable, Enable Lower SKP OS
	 * Generation Vector (15:9) RW */
	{ CK_EXT, 0x0019, 0, "link-control-3", P_RW, 0x0000ffff, 0x0000fe03 },
	{ CK_EXT, 0x0019, 0, "lane-error-status", P_W1C, 0x0000ffff, 0x0000ffff },
	/* PL 16 GT/s status: Link Equalization Request 16.0 GT/s RW1C */
	{ CK_EXT, 0x0026, 0, "pl16-status", P_W1C, 0x1f, 0x10 },
	/* Vendor-specific headers are read-only */
	{ CK_EXT, 0x000b, 0, "vsec-header", P_RW, 0xffffffff, 0 },
	{ CK_EXT, 0x0023, 0, "dvsec-header-1", P_RW, 0xffffffff, 0 },
};

static const char *plane_name(int p)
{
	static const char *const n[] = { "RW", "RW1C", "RsvdP", "RsvdZ", "HwInit", "sticky", "device" };
	return p >= 0 && p < VPCI_PL_COUNT ? n[p] : "?";
}

static void test_access_bits(void **state)
{
	static const uint8_t zero[VPCI_CFG_SIZE];
	unsigned bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(xaccs) / sizeof(xaccs[0]); i++) {
		const struct xacc *x = &xaccs[i];
		const struct vpci_cdesc *cd = captab_find(x->kind, x->id);
		const struct vpci_fdesc *fd = field_in(cd, x->field, x->ft);
		struct captab_planes pl;

		if (!fd) {
			print_error("%#x/%s: missing\n", x->id, x->field);
			bad++;
			continue;
		}
		captab_field_planes(fd, zero, 0x100, &pl);
		uint32_t got = (uint32_t)pl.pl[x->plane] & x->care;
		if (got != x->value) {
			print_error("%#x/%s: %s bits %#x under %#x, expected %#x\n", x->id,
				    x->field, plane_name(x->plane), got, x->care, x->value);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Default values that the spec fixes (reset values) */
static void test_reset_values(void **state)
{
	const struct vpci_cdesc *pcie = captab_find(CK_STD, 0x10);
	const struct vpci_cdesc *aer = captab_find(CK_EXT, 0x0001);
	const struct vpci_cdesc *iov = captab_find(CK_EXT, 0x0010);

	(void)state;
	/* Device Control: Relaxed Ordering and No Snoop enabled, MRRS 512 */
	assert_int_equal(field_in(pcie, "device-control", ALLPCIE)->reset, 0x2810);
	/* Correctable Error Mask: Advisory Non-Fatal, Corrected Internal,
	 * Header Log Overflow masked by default */
	assert_int_equal(field_in(aer, "correctable-mask", 0)->reset, 0x0000e000);
	/* Uncorrectable Error Severity: DLP, SDES, FCP, Receiver Overflow,
	 * MTLP and Uncorrectable Internal Error fatal (§7.8.4.4) */
	assert_int_equal(field_in(aer, "uncorrectable-severity", 0)->reset, 0x00462030);
	/* System Page Size: 4 KiB */
	assert_int_equal(field_in(iov, "system-page-size", 0)->reset, 1);
}

/* ---- table-wide invariants ---------------------------------------------- */

static void test_ids_present(void **state)
{
	(void)state;
	for (unsigned id = 0x01; id <= 0x15; id++) {
		const struct vpci_cdesc *cd = captab_find(CK_STD, (uint16_t)id);
		if (!cd)
			print_error("standard capability %#x missing\n", id);
		assert_non_null(cd);
		assert_int_equal(cd->kind, CK_STD);
		assert_int_equal(cd->id, id);
		assert_non_null(cd->name);
		assert_non_null(cd->key);
		assert_ptr_equal(captab_find_key(cd->key), cd);
	}
	for (unsigned id = 0x0001; id <= 0x0031; id++) {
		const struct vpci_cdesc *cd = captab_find(CK_EXT, (uint16_t)id);
		if (!cd)
			print_error("extended capability %#x missing\n", id);
		assert_non_null(cd);
		assert_int_equal(cd->kind, CK_EXT);
		assert_int_equal(cd->id, id);
		assert_ptr_equal(captab_find_key(cd->key), cd);
	}
	assert_non_null(captab_find(CK_HDR, CAPTAB_HDR_TYPE0));
	assert_non_null(captab_find(CK_HDR, CAPTAB_HDR_TYPE1));
	assert_null(captab_find(CK_STD, 0xfe));
	assert_null(captab_find(CK_EXT, 0xfffe));
	assert_null(captab_find_key("no-such-capability"));

	char buf[64];
	assert_string_equal(captab_cap_name(CK_STD, 0x11, buf, sizeof(buf)), "MSI-X");
	const char *n = captab_cap_name(CK_EXT, 0x7777, buf, sizeof(buf));
	assert_non_null(strstr(n, "0x7777"));
}

static void test_keys_unique(void **state)
{
	(void)state;
	for (unsigned i = 0; captab_at(i); i++) {
		const struct vpci_cdesc *a = captab_at(i);
		for (unsigned j = i + 1; captab_at(j); j++) {
			const struct vpci_cdesc *b = captab_at(j);
			if (a->kind == b->kind && a->id == b->id) {
				print_error("duplicate id %#x\n", a->id);
				fail();
			}
			if (a->kind != CK_HDR && b->kind != CK_HDR && strcmp(a->key, b->key) == 0) {
				print_error("duplicate key %s\n", a->key);
				fail();
			}
		}
	}
}

/* Number of instances of @fd to check for overlaps: the most a layout
 * can produce (6 ReBAR entries, 32 lanes). */
static unsigned max_count(const struct vpci_fdesc *fd)
{
	switch (fd->rep) {
	case RP_ONCE: return 1;
	case RP_FIXED: return fd->count;
	case RP_REBAR: return 6;
	default: return 32;
	}
}

static void test_field_invariants(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (unsigned i = 0; captab_at(i); i++) {
		const struct vpci_cdesc *cd = captab_at(i);
		const char *k = cd->key;

		assert_true(cd->kind == CK_STD || cd->kind == CK_EXT || cd->kind == CK_HDR);
		if (cd->kind == CK_STD)
			assert_true(cd->id <= 0xff);
		if (!cd->fields)
			continue;
		/* the header is the first row and is managed by structure */
		if (cd->kind != CK_HDR) {
			const struct vpci_fdesc *h = &cd->fields[0];
			if (!h->name || strcmp(h->name, "header") || h->off != 0 ||
			    h->width != (cd->kind == CK_STD ? 2 : 4) || !(h->flags & FD_MANAGED) ||
			    h->need || h->excl) {
				print_error("%s: no managed header field\n", k);
				bad++;
			}
		} else {
			static const char *const managed[] = {
				"header-type", "bar%u", "expansion-rom", "capabilities-pointer"
			};
			for (size_t m = 0; m < 4; m++) {
				const struct vpci_fdesc *fd = field_in(cd, managed[m], 0);
				if (!fd || !(fd->flags & FD_MANAGED)) {
					print_error("%s %u: %s not managed\n", k, cd->id, managed[m]);
					bad++;
				}
			}
		}
		for (const struct vpci_fdesc *a = cd->fields; a->name; a++) {
			uint64_t full = wmask(a->width);
			uint32_t m[5] = { a->rw, a->w1c, a->rsvdp, a->rsvdz, a->hwinit };

			if (a->width != 1 && a->width != 2 && a->width != 3 && a->width != 4 &&
			    a->width != 8) {
				print_error("%s.%s: width %u\n", k, a->name, a->width);
				bad++;
			}
			if (a->width == 8 && (a->acc != VPCI_ACC_RO || a->rw || a->w1c || a->rsvdp ||
					      a->rsvdz || a->hwinit || a->sticky || a->reset)) {
				print_error("%s.%s: 8-byte field not plain RO\n", k, a->name);
				bad++;
			}
			if (a->acc >= VPCI_ACC_COUNT) {
				print_error("%s.%s: bad access %u\n", k, a->name, a->acc);
				bad++;
			}
			for (int p = 0; p < 5; p++) {
				if (m[p] & ~full) {
					print_error("%s.%s: mask %d %#x wider than %u bytes\n", k,
						    a->name, p, m[p], a->width);
					bad++;
				}
				for (int q = p + 1; q < 5; q++)
					if (m[p] & m[q]) {
						print_error("%s.%s: masks %d and %d share %#x\n", k,
							    a->name, p, q, m[p] & m[q]);
						bad++;
					}
			}
			if ((a->sticky & ~full) || (a->reset & ~full)) {
				print_error("%s.%s: sticky/reset wider than the field\n", k, a->name);
				bad++;
			}
			if ((a->rep == RP_ONCE) != (strstr(a->name, "%u") == NULL)) {
				print_error("%s.%s: %%u and repeat kind disagree\n", k, a->name);
				bad++;
			}
			if (a->rep != RP_ONCE && a->stride < a->width) {
				print_error("%s.%s: stride %u < width\n", k, a->name, a->stride);
				bad++;
			}
			if (a->rep == RP_FIXED && a->count < 2) {
				print_error("%s.%s: fixed repeat count %u\n", k, a->name, a->count);
				bad++;
			}
			if (a->need & a->excl) {
				print_error("%s.%s: needs what it excludes\n", k, a->name);
				bad++;
			}
			for (const struct vpci_bitdesc *b = a->bits; b && b->name; b++)
				if (b->lo > b->hi || b->hi >= 8 * a->width) {
					print_error("%s.%s: bit range %s %u..%u\n", k, a->name,
						    b->name, b->lo, b->hi);
					bad++;
				}
			/* never past a fixed length; the base fields never past
			 * the minimum length of a variable one */
			unsigned end = a->off + (unsigned)(max_count(a) - 1) * a->stride + a->width;
			unsigned end1 = a->off + a->width;
			if (cd->lenkind == LN_FIXED && end > cd->len) {
				print_error("%s.%s: ends at %#x past length %#x\n", k, a->name, end, cd->len);
				bad++;
			}
			if (cd->lenkind != LN_FIXED && !a->need && a->rep != RP_LANES &&
			    a->rep != RP_LANES_W2 && (a->rep == RP_FIXED ? end : end1) > cd->len) {
				print_error("%s.%s: base field ends at %#x past minimum %#x\n", k,
					    a->name, end, cd->len);
				bad++;
			}
			/* names unique and no overlap among coexisting fields */
			for (const struct vpci_fdesc *b = a + 1; b->name; b++) {
				if (!coexist(a, b))
					continue;
				if (strcmp(a->name, b->name) == 0) {
					print_error("%s: field name %s twice\n", k, a->name);
					bad++;
				}
				for (unsigned ia = 0; ia < max_count(a); ia++) {
					unsigned ao = a->off + ia * a->stride;
					for (unsigned ib = 0; ib < max_count(b); ib++) {
						unsigned bo = b->off + ib * b->stride;
						if (ao < bo + b->width && bo < ao + a->width) {
							print_error("%s: %s[%u]@%#x overlaps %s[%u]@%#x\n",
								    k, a->name, ia, ao, b->name, ib, bo);
							bad++;
						}
					}
				}
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* Field names of instances, and the access-plane helper */
static void test_helpers(void **state)
{
	const struct vpci_cdesc *cd = captab_find(CK_EXT, 0x0010);
	const struct vpci_fdesc *fd = field_in(cd, "vf-bar%u", 0);
	struct captab_planes pl;
	char buf[32];

	(void)state;
	captab_field_name(fd, 5, buf, sizeof(buf));
	assert_string_equal(buf, "vf-bar5");
	captab_field_name(field_in(cd, "num-vfs", 0), 3, buf, sizeof(buf));
	assert_string_equal(buf, "num-vfs");

	captab_access_planes(VPCI_ACC_RW1CS, 2, &pl);
	assert_int_equal(pl.pl[VPCI_PL_RW1C], 0xffff);
	assert_int_equal(pl.pl[VPCI_PL_STICKY], 0xffff);
	assert_int_equal(pl.pl[VPCI_PL_RW], 0);
	captab_access_planes(VPCI_ACC_RWS, 4, &pl);
	assert_int_equal(pl.pl[VPCI_PL_RW], 0xffffffffu);
	assert_int_equal(pl.pl[VPCI_PL_STICKY], 0xffffffffu);
	captab_access_planes(VPCI_ACC_ROS, 1, &pl);
	assert_int_equal(pl.pl[VPCI_PL_STICKY], 0xff);
	assert_int_equal(pl.pl[VPCI_PL_RW], 0);
	captab_access_planes(VPCI_ACC_HWINIT, 3, &pl);
	assert_int_equal(pl.pl[VPCI_PL_HWINIT], 0xffffff);
	captab_access_planes(VPCI_ACC_RO, 4, &pl);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		assert_int_equal(pl.pl[p], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_fixed_lengths),
		cmocka_unit_test(test_access_bits),
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_ids_present),
		cmocka_unit_test(test_keys_unique),
		cmocka_unit_test(test_field_invariants),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests_name("captab", tests, NULL, NULL);
}
