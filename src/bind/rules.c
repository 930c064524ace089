/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules.c - the can-back rules (data).  docs/binding.md has the same
 * table with the reasons; tests/unit/test-bind.c proves every row.
 *
 * Structural rows (BC_STRUCT) are checked by the binder's own passes
 * (config size, header layout, function type, capability and register
 * presence, gaps, BARs, ROM); every other row is evaluated generically
 * from its register (capability kind, ID, field, mask) and its compare
 * kind.  The "meet" column is what vpci_common() does when a function
 * breaks the rule.
 *
 * References: PCI Express Base Specification r6.0 (PCIe), PCI Local Bus
 * 3.0 (PCI), PCI-PM 1.2, the PCI Advanced Features ECN (AF).
 */
#include "bind_priv.h"

#define STRUCT(i, m, w) { .id = (i), .cmp = BC_STRUCT, .meet = (m), .why = (w) }
#define VALUE(i, c, m, k, cp, f, mk, w) \
	{ .id = (i), .cmp = (c), .meet = (m), .kind = (k), .cap = (cp), .field = (f), .mask = (mk), .why = (w) }
#define HW(k, cp) \
	{ .id = "cap-hardware", .cmp = BC_PRESENT, .meet = BM_DROP_CAP, .kind = (k), .cap = (cp), \
	  .why = "the VMM carries out what the guest programs here on the function's own capability" }

const struct bind_rule bind_rules[] = {
	/* --- structural (order: enum R_*) --- */
	[R_CONFIG_SIZE] = STRUCT("config-size", BM_CONFIG_256,
		"extended capabilities need 4096 bytes of config space on the function (PCIe §7.2.2)"),
	[R_HEADER_KIND] = STRUCT("header-kind", BM_NONE,
		"header registers are backed at fixed offsets, which differ between type 0 and type 1 (PCIe §7.5.1.2, §7.5.1.3)"),
	[R_FUNCTION_TYPE] = STRUCT("function-type", BM_NONE,
		"a VF's Memory Space Enable is RsvdP, the PF gates its BARs (PCIe §9.3.4.1.3): a PF view loses decode control on a VF, a VF view never reaches a PF's"),
	[R_CAP_DEVICE] = STRUCT("cap-device", BM_DROP_CAP,
		"a device-backed register is backed by the capability of the same ID, version (and vendor/DVSEC ID and length), wherever it sits"),
	[R_CAP_PRESENT] = STRUCT("cap-present", BM_DROP_CAP,
		"vpci common keeps only the capabilities every function has"),
	[R_FIELD] = STRUCT("field-present", BM_VIRTUAL,
		"layouts depend on version, port type and feature bits (PCIe v1/v2, link registers, MSI 64-bit): a device-backed register needs the same register"),
	[R_CAP_BODY] = STRUCT("cap-body", BM_VIRTUAL,
		"device-backed bytes of a body the capability table does not describe move with their capability and must lie inside the function's"),
	[R_GAP] = STRUCT("gap", BM_VIRTUAL,
		"registers outside every capability cannot be identified: backed only at the same offset, where the function has no structure"),
	[R_BAR_KIND] = STRUCT("bar-kind", BM_DROP_BAR,
		"the VMM maps guest BAR i onto the function's BAR i (VFIO region i): I/O or memory, 32 or 64 bits (a pair of indexes) must agree"),
	[R_BAR_PREFETCH] = STRUCT("bar-prefetch", BM_BAR_PREF,
		"a guest maps a prefetchable BAR with merged writes; registers with side effects must not sit behind it (PCI §6.2.5.1)"),
	[R_BAR_SIZE] = STRUCT("bar-size", BM_BAR_SIZE,
		"the guest BAR is a window onto the start of the function's BAR: not larger (bytes past its end have nothing behind them), smaller only hides the rest"),
	[R_ROM] = STRUCT("rom", BM_BAR_SIZE,
		"the guest's ROM is read from the function's ROM BAR: it needs one at least as large"),

	/* --- capability presence beyond device-backed registers --- */
	HW(CK_STD, 0x05),    /* MSI: vectors */
	HW(CK_STD, 0x11),    /* MSI-X: vectors */
	HW(CK_EXT, 0x000f),  /* ATS: device TLB behind the vIOMMU */
	HW(CK_EXT, 0x0010),  /* SR-IOV: VFs of a virtual PF */
	HW(CK_EXT, 0x0013),  /* PRI */
	HW(CK_EXT, 0x0015),  /* Resizable BAR */
	HW(CK_EXT, 0x0017),  /* TPH steering tags */
	HW(CK_EXT, 0x001b),  /* PASID */
	HW(CK_EXT, 0x0024),  /* VF Resizable BAR */

	/* --- registers: guest against function --- */
	VALUE("interrupt-pin", BC_NONZERO, BM_ZERO, CK_HDR, 0, "interrupt-pin", 0xff,
	      "INTx reaches the guest only from a function with a pin (PCIe §7.5.1.1.15); VFs have none (§9.3.4.1.18)"),
	VALUE("msi-vectors", BC_LE, BM_MIN, CK_STD, 0x05, "message-control", 0x000e,
	      "the VMM enables at most the function's vectors (Multiple Message Capable, PCIe §7.7.1.2)"),
	VALUE("msi-64bit", BC_EMULATED, BM_NONE, CK_STD, 0x05, "message-control", 0x0080,
	      "MSI addresses are the VMM's: it turns the guest's message into a host interrupt"),
	VALUE("msi-masking", BC_EMULATED, BM_NONE, CK_STD, 0x05, "message-control", 0x0100,
	      "per-vector masking is emulated: the VMM masks the host interrupt"),
	VALUE("msix-vectors", BC_LE, BM_MIN, CK_STD, 0x11, "message-control", 0x07ff,
	      "guest vectors are programmed onto the function's table entries (Table Size, PCIe §7.7.2.2)"),
	VALUE("msix-table", BC_EQ, BM_DROP_CAP, CK_STD, 0x11, "table", 0xffffffff,
	      "BAR contents are not relocated: the VMM traps the table where the function has it and maps the rest of the BAR"),
	VALUE("msix-pba", BC_EQ, BM_DROP_CAP, CK_STD, 0x11, "pba", 0xffffffff,
	      "as msix-table, for the Pending Bit Array"),
	{ .id = "flr", .cmp = BC_IMPLIES, .meet = BM_AND, .kind = CK_STD, .cap = 0x10,
	  .field = "device-capabilities", .mask = 1u << 28,
	  .alt_kind = CK_STD, .alt_cap = 0x13, .alt_field = "af-capabilities", .alt_mask = 0x02,
	  .why = "the engine resets the virtual state, the backend must reset the device: FLR on the function (PCIe §6.6.2 or AF)" },
	{ .id = "flr-af", .cmp = BC_IMPLIES, .meet = BM_AND, .kind = CK_STD, .cap = 0x13,
	  .field = "af-capabilities", .mask = 0x02,
	  .alt_kind = CK_STD, .alt_cap = 0x10, .alt_field = "device-capabilities", .alt_mask = 1u << 28,
	  .why = "as flr, advertised through Advanced Features" },
	VALUE("af-tp", BC_EMULATED, BM_NONE, CK_STD, 0x13, "af-capabilities", 0x01,
	      "Transactions Pending is read from the virtual AF status"),
	VALUE("mps", BC_EMULATED, BM_NONE, CK_STD, 0x10, "device-capabilities", 0x0007,
	      "Max Payload Size is a virtual setting of the guest view; the function keeps the host's"),
	VALUE("pm-d1d2", BC_IMPLIES, BM_AND, CK_STD, 0x01, "pmc", 0x0600,
	      "PowerState is device-backed: a D1 or D2 the guest may select must exist (PCI-PM §3.2.3)"),
	VALUE("pm-pme", BC_IMPLIES, BM_AND, CK_STD, 0x01, "pmc", 0xf800,
	      "PME_En and PME_Status are device-backed: PME from the states the guest expects"),
	VALUE("pasid-width", BC_LE, BM_MIN, CK_EXT, 0x001b, "pasid-capability", 0x1f00,
	      "the guest may tag requests with PASIDs up to its width (PCIe §7.8.9.2)"),
	VALUE("pasid-exec", BC_IMPLIES, BM_AND, CK_EXT, 0x001b, "pasid-capability", 0x0002,
	      "Execute Permission requests need the function's support"),
	VALUE("pasid-priv", BC_IMPLIES, BM_AND, CK_EXT, 0x001b, "pasid-capability", 0x0004,
	      "Privileged Mode requests need the function's support"),
	VALUE("ats-page-aligned", BC_IMPLIES, BM_AND, CK_EXT, 0x000f, "ats-capability", 0x0020,
	      "a guest IOMMU driver may rely on page-aligned requests (PCIe §10.5.1.2)"),
	VALUE("ats-global-invalidate", BC_IMPLIES, BM_AND, CK_EXT, 0x000f, "ats-capability", 0x0040,
	      "global invalidations need the function's support"),
	VALUE("pri-capacity", BC_LE, BM_MIN, CK_EXT, 0x0013, "outstanding-capacity", 0xffffffff,
	      "the guest allocates page requests up to the capacity (PCIe §10.5.2.4)"),
	VALUE("sriov-vfs", BC_LE, BM_MIN, CK_EXT, 0x0010, "total-vfs", 0xffff,
	      "a virtual PF's VFs are created on the function (TotalVFs, PCIe §9.3.3.6)"),
};

const unsigned bind_nrules = ARRAY_SIZE(bind_rules);

/* Capability identity beyond ID and version (PCI §6.7, PCIe §7.9.5, §7.9.6) */
const struct bind_key bind_keys[] = {
	{ CK_STD, 0x09, 2, 1 },   /* Vendor-Specific: length */
	{ CK_EXT, 0x000b, 4, 4 }, /* VSEC: VSEC ID, revision, length */
	{ CK_EXT, 0x0023, 4, 4 }, /* DVSEC: vendor, revision, length */
	{ CK_EXT, 0x0023, 8, 2 }, /* DVSEC: DVSEC ID */
};

const unsigned bind_nkeys = ARRAY_SIZE(bind_keys);
