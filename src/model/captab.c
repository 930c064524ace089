/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * captab.c - the capability table (data)
 *
 * References: PCI Express Base Specification r6.0 (PCIe) chapter 7 and
 * §9.3 (SR-IOV); PCI Local Bus Specification 3.0 (PCI) §6; PCI Bus Power
 * Management Interface Specification 1.2 (PCI-PM).  Capability IDs follow
 * the PCI Code and ID Assignment Specification r1.11; names follow
 * pciutils' decoder so that `vpci show` and `lspci -vvv` read alike.
 *
 * Every register lists its access per bit.  A bit none of the masks
 * names has the register's default access (.acc).
 */
#include <stdio.h>
#include <string.h>

#include "captab.h"
#include "regs.h"
#include "util/common.h"

#define ACC(a) VPCI_ACC_##a
#define R(n, o, w, a, ...) { .name = (n), .off = (o), .width = (w), .acc = ACC(a), __VA_ARGS__ }
#define END { .name = NULL }

/* Every standard capability starts with ID and Next (PCI 3.0 §6.7). */
#define STD_HDR R("header", 0x00, 2, RO, .flags = FD_MANAGED)
/* Every extended capability starts with ID, version, next (PCIe §7.6.3). */
#define EXT_HDR R("header", 0x00, 4, RO, .flags = FD_MANAGED)

/* --- bit decodes (names as lspci prints them) -------------------------- */

static const struct vpci_bitdesc b_command[] = {
	{ "I/O", 0, 0 }, { "Mem", 1, 1 }, { "BusMaster", 2, 2 },
	{ "SpecCycle", 3, 3 }, { "MemWINV", 4, 4 }, { "VGASnoop", 5, 5 },
	{ "ParErr", 6, 6 }, { "Stepping", 7, 7 }, { "SERR", 8, 8 },
	{ "FastB2B", 9, 9 }, { "DisINTx", 10, 10 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_status[] = {
	{ "ImmReady", 0, 0 }, { "INTx", 3, 3 }, { "Cap", 4, 4 },
	{ "66MHz", 5, 5 }, { "FastB2B", 7, 7 }, { "ParErr", 8, 8 },
	{ "DEVSEL", 9, 10 }, { ">TAbort", 11, 11 }, { "<TAbort", 12, 12 },
	{ "<MAbort", 13, 13 }, { ">SERR", 14, 14 }, { "<PERR", 15, 15 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_bridgectl[] = {
	{ "Parity", 0, 0 }, { "SERR", 1, 1 }, { "NoISA", 2, 2 },
	{ "VGA", 3, 3 }, { "VGA16", 4, 4 }, { "MAbort", 5, 5 },
	{ "BusReset", 6, 6 }, { "FastB2B", 7, 7 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_pmc[] = {
	{ "Version", 0, 2 }, { "PMEClk", 3, 3 }, { "DSI", 5, 5 },
	{ "AuxCurrent", 6, 8 }, { "D1", 9, 9 }, { "D2", 10, 10 },
	{ "PME(D0)", 11, 11 }, { "PME(D1)", 12, 12 }, { "PME(D2)", 13, 13 },
	{ "PME(D3hot)", 14, 14 }, { "PME(D3cold)", 15, 15 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_pmcsr[] = {
	{ "PowerState", 0, 1 }, { "NoSoftRst", 3, 3 }, { "PME-Enable", 8, 8 },
	{ "DSel", 9, 12 }, { "DScale", 13, 14 }, { "PME", 15, 15 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_msictl[] = {
	{ "Enable", 0, 0 }, { "Count", 1, 3 }, { "CountEnabled", 4, 6 },
	{ "64bit", 7, 7 }, { "Maskable", 8, 8 }, { "ExtData", 9, 9 },
	{ "ExtDataEnable", 10, 10 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_msixctl[] = {
	{ "TableSize-1", 0, 10 }, { "Masked", 14, 14 }, { "Enable", 15, 15 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_msixtbl[] = {
	{ "BAR", 0, 2 }, { "Offset/8", 3, 31 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_expcap[] = {
	{ "Version", 0, 3 }, { "Type", 4, 7 }, { "Slot", 8, 8 },
	{ "IntMsgNum", 9, 13 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_devcap[] = {
	{ "MaxPayloadSupported", 0, 2 }, { "PhantFunc", 3, 4 },
	{ "ExtTag", 5, 5 }, { "L0sLatency", 6, 8 }, { "L1Latency", 9, 11 },
	{ "RBE", 15, 15 }, { "SlotPowerLimitValue", 18, 25 },
	{ "SlotPowerLimitScale", 26, 27 }, { "FLReset", 28, 28 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_devctl[] = {
	{ "CorrErr", 0, 0 }, { "NonFatalErr", 1, 1 }, { "FatalErr", 2, 2 },
	{ "UnsupReq", 3, 3 }, { "RlxdOrd", 4, 4 }, { "MaxPayload", 5, 7 },
	{ "ExtTag", 8, 8 }, { "PhantFunc", 9, 9 }, { "AuxPwr", 10, 10 },
	{ "NoSnoop", 11, 11 }, { "MaxReadReq", 12, 14 }, { "FLReset", 15, 15 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_devsta[] = {
	{ "CorrErr", 0, 0 }, { "NonFatalErr", 1, 1 }, { "FatalErr", 2, 2 },
	{ "UnsupReq", 3, 3 }, { "AuxPwr", 4, 4 }, { "TransPend", 5, 5 },
	{ "EmergencyPowerReduction", 6, 6 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_lnkcap[] = {
	{ "MaxSpeed", 0, 3 }, { "MaxWidth", 4, 9 }, { "ASPM", 10, 11 },
	{ "L0sExitLat", 12, 14 }, { "L1ExitLat", 15, 17 }, { "ClockPM", 18, 18 },
	{ "Surprise", 19, 19 }, { "LLActRep", 20, 20 }, { "BwNot", 21, 21 },
	{ "ASPMOptComp", 22, 22 }, { "Port#", 24, 31 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_lnkctl[] = {
	{ "ASPM", 0, 1 }, { "RCB", 3, 3 }, { "LnkDisable", 4, 4 },
	{ "Retrain", 5, 5 }, { "CommClk", 6, 6 }, { "ExtSynch", 7, 7 },
	{ "ClockPM", 8, 8 }, { "AutWidDis", 9, 9 }, { "BWInt", 10, 10 },
	{ "AutBWInt", 11, 11 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_lnksta[] = {
	{ "Speed", 0, 3 }, { "Width", 4, 9 }, { "TrErr", 10, 10 },
	{ "Train", 11, 11 }, { "SlotClk", 12, 12 }, { "DLActive", 13, 13 },
	{ "BWMgmt", 14, 14 }, { "ABWMgmt", 15, 15 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_devctl2[] = {
	{ "CompletionTimeout", 0, 3 }, { "TimeoutDis", 4, 4 },
	{ "ARIFwd", 5, 5 }, { "AtomicOpsReq", 6, 6 }, { "AtomicOpsEgressBlck", 7, 7 },
	{ "IDOReq", 8, 8 }, { "IDOCompl", 9, 9 }, { "LTR", 10, 10 },
	{ "EmergencyPowerReductionReq", 11, 11 }, { "10BitTagReq", 12, 12 },
	{ "OBFF", 13, 14 }, { "EETLPPrefixBlk", 15, 15 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_pasidcap[] = {
	{ "Exec", 1, 1 }, { "Priv", 2, 2 }, { "MaxPASIDWidth", 8, 12 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_pasidctl[] = {
	{ "Enable", 0, 0 }, { "Exec", 1, 1 }, { "Priv", 2, 2 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_atscap[] = {
	{ "InvalidateQueueDepth", 0, 4 }, { "PageAligned", 5, 5 },
	{ "GlobalInvalidate", 6, 6 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_atsctl[] = {
	{ "SmallestTranslationUnit", 0, 4 }, { "Enable", 15, 15 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_prictl[] = {
	{ "Enable", 0, 0 }, { "Reset", 1, 1 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_pristat[] = {
	{ "RespFail", 0, 0 }, { "UPRGI", 1, 1 }, { "Stopped", 8, 8 },
	{ "PASID", 15, 15 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_iovcap[] = {
	{ "Migration", 0, 0 }, { "ARIPreserved", 1, 1 }, { "10BitTagReq", 2, 2 },
	{ "IntMsgNum", 21, 31 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_iovctl[] = {
	{ "Enable", 0, 0 }, { "Migration", 1, 1 }, { "Interrupt", 2, 2 },
	{ "MSE", 3, 3 }, { "ARIHierarchy", 4, 4 }, { "10BitTagReq", 5, 5 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_acs[] = {
	{ "SrcValid", 0, 0 }, { "TransBlk", 1, 1 }, { "ReqRedir", 2, 2 },
	{ "CmpltRedir", 3, 3 }, { "UpstreamFwd", 4, 4 }, { "EgressCtrl", 5, 5 },
	{ "DirectTrans", 6, 6 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_aricap[] = {
	{ "MFVC", 0, 0 }, { "ACS", 1, 1 }, { "NextFunction", 8, 15 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_vsec[] = {
	{ "ID", 0, 15 }, { "Rev", 16, 19 }, { "Len", 20, 31 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_dvsec1[] = {
	{ "Vendor", 0, 15 }, { "Rev", 16, 19 }, { "Len", 20, 31 }, { NULL, 0, 0 }
};
static const struct vpci_bitdesc b_rebarctl[] = {
	{ "BARIndex", 0, 2 }, { "NumBARs", 5, 7 }, { "BARSize", 8, 13 },
	{ NULL, 0, 0 }
};
static const struct vpci_bitdesc b_ltr[] = {
	{ "Value", 0, 9 }, { "Scale", 10, 12 }, { NULL, 0, 0 }
};

/* --- config headers (PCIe §7.5.1) --------------------------------------- */

/* Command (PCIe §7.5.1.1.3): bits 0,1,2,6,8,10 RW; 3,4,5,7,9 RO (0 on
 * PCIe); 15:11 RsvdP. */
#define REG_COMMAND R("command", 0x04, 2, RO, .rw = 0x0547, .rsvdp = 0xf800, .role = RL_COMMAND, .bits = b_command)
/* Status (PCIe §7.5.1.1.4): 8,11-15 RW1C; 2:1 and 6 RsvdZ; others RO. */
#define REG_STATUS R("status", 0x06, 2, RO, .w1c = 0xf900, .rsvdz = 0x0046, .bits = b_status)

/* VF rules (.vfs/.vfp/.vfr/.vfu) are the SR-IOV VF view of a register
 * (PCIe r6.0 §9.3.4-9.3.7); every row is explained in
 * docs/vf-shared-fields.md, which tests/unit/test-vf.c checks against
 * this table.  Only type 0 headers can be VFs. */
static const struct vpci_fdesc f_type0[] = {
	R("vendor-id", 0x00, 2, RO),
	R("device-id", 0x02, 2, RO),
	/* VF (§9.3.4.1.3): I/O Space and Interrupt Disable RO 0, Memory
	 * Space RO 0 (the PF's VF MSE decodes every VF's BARs), Parity Error
	 * Response and SERR# Enable RsvdP (the PF's apply); Bus Master Enable
	 * is the VF's own */
	R("command", 0x04, 2, RO, .rw = 0x0547, .rsvdp = 0xf800, .role = RL_COMMAND, .bits = b_command,
	  .vfs = 0x0543, .vfp = 0x0140, .vfr = 0x0002),
	/* VF (§9.3.4.1.4): Interrupt Status RO 0 (no INTx); the error bits
	 * are the VF's own */
	R("status", 0x06, 2, RO, .w1c = 0xf900, .rsvdz = 0x0046, .bits = b_status, .vfs = 0x0008),
	R("revision-id", 0x08, 1, RO),
	R("class-code", 0x09, 3, RO),
	/* VF: does not apply (§9.3.4.1) */
	R("cache-line-size", 0x0c, 1, RW, .vfs = 0xff),
	R("latency-timer", 0x0d, 1, RO),
	R("header-type", 0x0e, 1, RO, .flags = FD_MANAGED),
	R("bist", 0x0f, 1, RO),
	R("bar%u", 0x10, 4, RO, .rep = RP_FIXED, .count = 6, .stride = 4, .flags = FD_MANAGED),
	R("cardbus-cis-pointer", 0x28, 4, RO),
	R("subsystem-vendor-id", 0x2c, 2, RO),
	R("subsystem-id", 0x2e, 2, RO),
	R("expansion-rom", 0x30, 4, RO, .flags = FD_MANAGED),
	R("capabilities-pointer", 0x34, 1, RO, .flags = FD_MANAGED),
	/* VF: no INTx, the Interrupt Line does not apply (§9.3.4.1) */
	R("interrupt-line", 0x3c, 1, RW, .vfs = 0xff),
	R("interrupt-pin", 0x3d, 1, RO),
	R("min-gnt", 0x3e, 1, RO),
	R("max-lat", 0x3f, 1, RO),
	END
};

static const struct vpci_fdesc f_type1[] = {
	R("vendor-id", 0x00, 2, RO),
	R("device-id", 0x02, 2, RO),
	REG_COMMAND,
	REG_STATUS,
	R("revision-id", 0x08, 1, RO),
	R("class-code", 0x09, 3, RO),
	R("cache-line-size", 0x0c, 1, RW),
	R("latency-timer", 0x0d, 1, RO),
	R("header-type", 0x0e, 1, RO, .flags = FD_MANAGED),
	R("bist", 0x0f, 1, RO),
	R("bar%u", 0x10, 4, RO, .rep = RP_FIXED, .count = 2, .stride = 4, .flags = FD_MANAGED),
	/* PCIe §7.5.1.3 */
	R("primary-bus", 0x18, 1, RW),
	R("secondary-bus", 0x19, 1, RW),
	R("subordinate-bus", 0x1a, 1, RW),
	R("secondary-latency-timer", 0x1b, 1, RO),
	/* I/O Base/Limit: 7:4 RW, 3:0 RO addressing capability */
	R("io-base", 0x1c, 1, RO, .rw = 0xf0),
	R("io-limit", 0x1d, 1, RO, .rw = 0xf0),
	/* Secondary Status (§7.5.1.3.7): 8,11-15 RW1C; 4:0, 6 RsvdZ */
	R("secondary-status", 0x1e, 2, RO, .w1c = 0xf900, .rsvdz = 0x005f, .bits = b_status),
	R("memory-base", 0x20, 2, RO, .rw = 0xfff0),
	R("memory-limit", 0x22, 2, RO, .rw = 0xfff0),
	R("prefetchable-base", 0x24, 2, RO, .rw = 0xfff0),
	R("prefetchable-limit", 0x26, 2, RO, .rw = 0xfff0),
	R("prefetchable-base-upper", 0x28, 4, RW),
	R("prefetchable-limit-upper", 0x2c, 4, RW),
	R("io-base-upper", 0x30, 2, RW),
	R("io-limit-upper", 0x32, 2, RW),
	R("capabilities-pointer", 0x34, 1, RO, .flags = FD_MANAGED),
	R("expansion-rom", 0x38, 4, RO, .flags = FD_MANAGED),
	R("interrupt-line", 0x3c, 1, RW),
	R("interrupt-pin", 0x3d, 1, RO),
	/* Bridge Control (§7.5.1.3.13): 0-4, 6 RW; 5, 7-11 RO; 15:12 RsvdP */
	R("bridge-control", 0x3e, 2, RO, .rw = 0x005f, .rsvdp = 0xf000, .bits = b_bridgectl),
	END
};

/* --- standard capabilities ------------------------------------------- */

/* Power Management (PCI-PM 1.2 §3.2; PCIe §7.5.2) */
static const struct vpci_fdesc f_pm[] = {
	STD_HDR,
	R("pmc", 0x02, 2, RO, .bits = b_pmc),
	/* PMCSR: 1:0 PowerState RW; 3 No_Soft_Reset RO; 8 PME_En RWS;
	 * 12:9 Data_Select RW; 14:13 Data_Scale RO; 15 PME_Status RW1CS;
	 * 2, 7:4 RsvdP. */
	R("pmcsr", 0x04, 2, RO, .rw = 0x1f03, .w1c = 0x8000, .rsvdp = 0x00f4,
	  .sticky = 0x8100, .role = RL_PMCSR, .bits = b_pmcsr),
	R("pmcsr-bse", 0x06, 1, RO),
	R("data", 0x07, 1, RO),
	END
};

/* MSI (PCIe §7.7.1; PCI 3.0 §6.8.1).  Layout depends on 64-bit and
 * per-vector masking: data follows the (upper) address. */
static const struct vpci_fdesc f_msi[] = {
	STD_HDR,
	/* Message Control: 0 Enable RW; 3:1 MMC RO; 6:4 MME RW; 7 64-bit
	 * RO; 8 PVM RO; 9 ExtData capable RO; 10 ExtData enable RW;
	 * 15:11 RsvdP */
	R("message-control", 0x02, 2, RO, .rw = 0x0471, .rsvdp = 0xf800, .role = RL_MSI_CTL, .bits = b_msictl),
	/* Message Address: 1:0 RsvdP (DWORD aligned) */
	R("message-address", 0x04, 4, RW, .rsvdp = 0x3, .role = RL_MSI_ADDR),
	R("message-upper-address", 0x08, 4, RW, .need = FT_MSI64, .role = RL_MSI_ADDR_HI),
	R("message-data", 0x08, 2, RW, .excl = FT_MSI64, .role = RL_MSI_DATA),
	R("message-data", 0x0c, 2, RW, .need = FT_MSI64, .role = RL_MSI_DATA),
	R("extended-message-data", 0x0a, 2, RW, .excl = FT_MSI64, .need = FT_MSI_EXT),
	R("extended-message-data", 0x0e, 2, RW, .need = FT_MSI64 | FT_MSI_EXT),
	R("mask-bits", 0x0c, 4, RO, .need = FT_MSI_PVM, .excl = FT_MSI64, .dyn = DM_MSI_MASK, .role = RL_MSI_MASK),
	R("pending-bits", 0x10, 4, RO, .need = FT_MSI_PVM, .excl = FT_MSI64),
	R("mask-bits", 0x10, 4, RO, .need = FT_MSI_PVM | FT_MSI64, .dyn = DM_MSI_MASK, .role = RL_MSI_MASK),
	R("pending-bits", 0x14, 4, RO, .need = FT_MSI_PVM | FT_MSI64),
	END
};

/* MSI-X (PCIe §7.7.2) */
static const struct vpci_fdesc f_msix[] = {
	STD_HDR,
	/* 10:0 Table Size RO; 13:11 RsvdP; 14 Function Mask RW; 15 Enable RW */
	R("message-control", 0x02, 2, RO, .rw = 0xc000, .rsvdp = 0x3800, .role = RL_MSIX_CTL, .bits = b_msixctl),
	R("table", 0x04, 4, RO, .bits = b_msixtbl),
	R("pba", 0x08, 4, RO, .bits = b_msixtbl),
	END
};

/* PCI Express capability (PCIe §7.5.3).  v1 functions end early; link,
 * slot and root registers exist only for the port types that have them. */
static const struct vpci_fdesc f_pcie[] = {
	STD_HDR,
	R("pcie-capabilities", 0x02, 2, RO, .bits = b_expcap),
	R("device-capabilities", 0x04, 4, RO, .role = RL_DEVCAP, .bits = b_devcap),
	/* Device Control (§7.5.3.4): all RW, Aux Power PM Enable RWS,
	 * Initiate FLR (bit 15, endpoints) reads 0.  VF (§9.3.5): the
	 * error reporting enables, Max_Payload_Size, Extended Tag, Phantom
	 * Functions and Aux Power PM Enable are RsvdP (the PF's apply) */
	R("device-control", 0x08, 2, RW, .sticky = 0x0400, .reset = 0x2810, .role = RL_DEVCTL, .bits = b_devctl,
	  .vfs = 0x07ef, .vfp = 0x07ef),
	/* Device Status (§7.5.3.5): 0-3, 6 RW1C; 4, 5 RO; 15:7 RsvdZ */
	R("device-status", 0x0a, 2, RO, .w1c = 0x004f, .rsvdz = 0xff80, .bits = b_devsta),
	R("link-capabilities", 0x0c, 4, RO, .need = FT_LINK, .bits = b_lnkcap),
	/* Link Control (§7.5.3.7): 1:0, 3-11 RW; 2, 15:12 RsvdP.  VF
	 * (§9.3.5): RsvdP, the link is the PF's */
	R("link-control", 0x10, 2, RO, .rw = 0x0ffb, .rsvdp = 0xf004, .need = FT_LINK, .role = RL_LINKCTL, .bits = b_lnkctl,
	  .vfs = 0x0ffb, .vfp = 0x0ffb),
	/* Link Status (§7.5.3.8): 14,15 RW1C; 12 Slot Clock HwInit.  VF
	 * (§9.3.5): the bandwidth status bits are the PF's link's */
	R("link-status", 0x12, 2, RO, .w1c = 0xc000, .hwinit = 0x1000, .need = FT_LINK, .bits = b_lnksta,
	  .vfs = 0xc000),
	R("slot-capabilities", 0x14, 4, HWINIT, .need = FT_SLOT),
	/* Slot Control (§7.5.3.10): 14:0 RW; 15 RsvdP */
	R("slot-control", 0x18, 2, RW, .rsvdp = 0x8000, .need = FT_SLOT),
	/* Slot Status (§7.5.3.11): 0-4, 8 RW1C; 5-7 RO; 15:9 RsvdZ */
	R("slot-status", 0x1a, 2, RO, .w1c = 0x011f, .rsvdz = 0xfe00, .need = FT_SLOT),
	/* Root Control (§7.5.3.12): 4:0 RW; 15:5 RsvdP */
	R("root-control", 0x1c, 2, RO, .rw = 0x001f, .rsvdp = 0xffe0, .need = FT_ROOT),
	R("root-capabilities", 0x1e, 2, RO, .need = FT_ROOT),
	/* Root Status (§7.5.3.14): 16 RW1C; 17 RO; 31:18 RsvdZ */
	R("root-status", 0x20, 4, RO, .w1c = 0x00010000, .rsvdz = 0xfffc0000, .need = FT_ROOT),
	R("device-capabilities-2", 0x24, 4, RO, .need = FT_PCIE_V2),
	/* VF (§9.3.5): Completion Timeout Value and Disable, LTR,
	 * Emergency Power Reduction Request, 10-Bit Tag Requester (the PF's
	 * SR-IOV Control has the VFs' bit) and OBFF are RsvdP */
	R("device-control-2", 0x28, 2, RW, .need = FT_PCIE_V2, .bits = b_devctl2, .vfs = 0x7c1f, .vfp = 0x7c1f),
	R("device-status-2", 0x2a, 2, RSVDZ, .need = FT_PCIE_V2),
	R("link-capabilities-2", 0x2c, 4, RO, .need = FT_PCIE_V2 | FT_LINK),
	/* Link Control 2 (§7.5.3.19): sticky RW fields, 6 HwInit.  VF
	 * (§9.3.5): RsvdP, the PF's link */
	R("link-control-2", 0x30, 2, RWS, .hwinit = 0x0040, .need = FT_PCIE_V2 | FT_LINK, .vfs = 0xffbf,
	  .vfp = 0xffbf),
	/* Link Status 2 (§7.5.3.20): 5 Link Equalization Request RW1C.  VF
	 * (§9.3.5): the PF's link */
	R("link-status-2", 0x32, 2, RO, .w1c = 0x0020, .need = FT_PCIE_V2 | FT_LINK, .vfs = 0x0020),
	R("slot-capabilities-2", 0x34, 4, RO, .need = FT_PCIE_V2 | FT_SLOT),
	R("slot-control-2", 0x38, 2, RSVDP, .need = FT_PCIE_V2 | FT_SLOT),
	R("slot-status-2", 0x3a, 2, RSVDZ, .need = FT_PCIE_V2 | FT_SLOT),
	END
};

/* Vendor-specific (PCI 3.0 §6.7): byte 2 is the length */
static const struct vpci_fdesc f_vndr[] = {
	STD_HDR,
	R("length", 0x02, 1, RO),
	END
};

/* Bridge subsystem vendor/device ID (PCI-to-PCI Bridge 1.2 §3.2.5.13) */
static const struct vpci_fdesc f_ssvid[] = {
	STD_HDR,
	R("subsystem-vendor-id", 0x04, 2, RO),
	R("subsystem-id", 0x06, 2, RO),
	END
};

/* Advanced Features (PCI AF ECN): initiate FLR in AF Control bit 0 */
static const struct vpci_fdesc f_af[] = {
	STD_HDR,
	R("length", 0x02, 1, RO),
	R("af-capabilities", 0x03, 1, RO, .role = RL_AF_CAP),
	R("af-control", 0x04, 1, RO, .rw = 0x01, .role = RL_AF_CTL),
	R("af-status", 0x05, 1, RO),
	END
};

/* --- extended capabilities ------------------------------------------- */

/* AER (PCIe §7.8.4).  Status registers RW1CS, masks/severity RWS.  In a
 * VF (§9.3.7) the masks, the severities and the ECRC enables are
 * RsvdP: the PF's settings apply to its VFs; status and logs are the
 * VF's own. */
#define AER_UNC 0xfffff030u /* uncorrectable error bits 4, 5, 12..31 (r6.0) */
#define AER_COR 0x0000f1c1u /* implemented correctable error bits */
static const struct vpci_fdesc f_aer[] = {
	EXT_HDR,
	R("uncorrectable-status", 0x04, 4, RO, .w1c = AER_UNC, .sticky = AER_UNC, .rsvdz = ~AER_UNC & ~1u),
	R("uncorrectable-mask", 0x08, 4, RO, .rw = AER_UNC, .sticky = AER_UNC, .rsvdp = ~AER_UNC & ~1u,
	  .vfs = AER_UNC, .vfp = AER_UNC),
	/* default severity (§7.8.4.4): DLP, SDES, FCP, MTLP, internal fatal */
	R("uncorrectable-severity", 0x0c, 4, RO, .rw = AER_UNC, .sticky = AER_UNC,
	  .rsvdp = ~AER_UNC & ~1u, .reset = 0x00462030, .vfs = AER_UNC, .vfp = AER_UNC),
	R("correctable-status", 0x10, 4, RO, .w1c = AER_COR, .sticky = AER_COR, .rsvdz = ~AER_COR),
	/* Advisory Non-Fatal, Corrected Internal, Header Log Overflow masked */
	R("correctable-mask", 0x14, 4, RO, .rw = AER_COR, .sticky = AER_COR, .rsvdp = ~AER_COR,
	  .reset = 0x0000e000, .vfs = AER_COR, .vfp = AER_COR),
	/* Capabilities and Control (§7.8.4.7): 4:0 First Error Pointer ROS,
	 * 6, 8, 10 enables RWS, 11 TLP Prefix Log Present ROS */
	R("capabilities-control", 0x18, 4, RO, .rw = 0x00000540, .sticky = 0x00000d5f, .vfs = 0x140, .vfp = 0x140),
	R("header-log%u", 0x1c, 4, ROS, .rep = RP_FIXED, .count = 4, .stride = 4),
	/* Root Error Command (§7.8.4.9): 2:0 RW */
	R("root-error-command", 0x2c, 4, RO, .rw = 0x7, .rsvdp = ~0x7u, .need = FT_AER_ROOT),
	/* Root Error Status (§7.8.4.10): 6:0 RW1CS, 31:27 RO */
	R("root-error-status", 0x30, 4, RO, .w1c = 0x7f, .sticky = 0x7f, .rsvdz = 0x07ffff80,
	  .need = FT_AER_ROOT),
	R("error-source-id", 0x34, 4, ROS, .need = FT_AER_ROOT),
	END
};

/* Device Serial Number (PCIe §7.9.3) */
static const struct vpci_fdesc f_dsn[] = {
	EXT_HDR,
	R("serial-number", 0x04, 8, RO),
	END
};

/* Power Budgeting (PCIe §7.8.1) */
static const struct vpci_fdesc f_pwrbudget[] = {
	EXT_HDR,
	R("data-select", 0x04, 1, RW),
	R("data", 0x08, 4, RO),
	R("power-budget-capability", 0x0c, 1, HWINIT),
	END
};

/* RCEC Endpoint Association (PCIe §7.9.10) */
static const struct vpci_fdesc f_rcec[] = {
	EXT_HDR,
	R("association-bitmap", 0x04, 4, HWINIT),
	R("association-bus-numbers", 0x08, 4, HWINIT, .need = FT_RCEC_V2),
	END
};

/* ACS (PCIe §7.7.8): control bits RW only where the capability has them */
static const struct vpci_fdesc f_acs[] = {
	EXT_HDR,
	R("acs-capability", 0x04, 2, RO, .bits = b_acs),
	R("acs-control", 0x06, 2, RSVDP, .dyn = DM_ACS_CTRL, .bits = b_acs),
	R("egress-control-vector", 0x08, 4, RW, .need = FT_ACS_EC),
	END
};

/* ARI (PCIe §7.8.8) */
static const struct vpci_fdesc f_ari[] = {
	EXT_HDR,
	R("ari-capability", 0x04, 2, RO, .bits = b_aricap),
	/* 0, 1, 6:4 RW; rest RsvdP.  Function groups are Function 0's: RsvdP
	 * in a VF (§7.8.8.3) */
	R("ari-control", 0x06, 2, RSVDP, .rw = 0x0073, .vfs = 0x0073, .vfp = 0x0073),
	END
};

/* ATS (PCIe §10.5.1) */
static const struct vpci_fdesc f_ats[] = {
	EXT_HDR,
	R("ats-capability", 0x04, 2, RO, .bits = b_atscap),
	/* 4:0 STU RW, 15 Enable RW, 14:5 RsvdP.  VF (§9.3.7): STU is
	 * RsvdP, the PF's applies; Enable is the VF's own */
	R("ats-control", 0x06, 2, RSVDP, .rw = 0x801f, .role = RL_ATS_CTL, .bits = b_atsctl, .vfs = 0x001f,
	  .vfp = 0x001f),
	END
};

/* SR-IOV (PCIe §9.3.3).  Offsets checked by tests/unit/test-captab.c. */
static const struct vpci_fdesc f_sriov[] = {
	EXT_HDR,
	R("sriov-capabilities", 0x04, 4, RO, .bits = b_iovcap),
	/* 5:0 RW (VF Enable, Migration, Interrupt, MSE, ARI, 10-bit tag) */
	R("sriov-control", 0x08, 2, RSVDP, .rw = 0x003f, .role = RL_SRIOV_CTL, .bits = b_iovctl),
	R("sriov-status", 0x0a, 2, RSVDZ, .w1c = 0x0001),
	R("initial-vfs", 0x0c, 2, RO),
	R("total-vfs", 0x0e, 2, RO),
	R("num-vfs", 0x10, 2, RW, .role = RL_SRIOV_NUMVFS),
	R("function-dependency-link", 0x12, 1, RO),
	R("first-vf-offset", 0x14, 2, RO),
	R("vf-stride", 0x16, 2, RO),
	R("vf-device-id", 0x1a, 2, RO),
	R("supported-page-sizes", 0x1c, 4, RO),
	R("system-page-size", 0x20, 4, RW, .reset = 0x1),
	R("vf-bar%u", 0x24, 4, RO, .rep = RP_FIXED, .count = 6, .stride = 4),
	R("vf-migration-state-array-offset", 0x3c, 4, RO),
	END
};

/* PRI (PCIe §10.5.2).  A VF has none: its PF's is shared (§9.3.7,
 * drivers/pci/ats.c).  A VF instance that carries one carries a virtual
 * PRI: Enable reflected by the IOMMU's per-function page request control,
 * Reset and Stopped with no faithful emulation (thread 004), the
 * allocation emulated only. */
static const struct vpci_fdesc f_pri[] = {
	EXT_HDR,
	R("pri-control", 0x04, 2, RSVDP, .rw = 0x0003, .role = RL_PRI_CTL, .bits = b_prictl, .vfs = 0x0003,
	  .vfr = 0x0001, .vfu = 0x0002),
	R("pri-status", 0x06, 2, RO, .w1c = 0x0003, .rsvdz = 0x7efc, .bits = b_pristat, .vfs = 0x0103,
	  .vfu = 0x0100),
	R("outstanding-capacity", 0x08, 4, RO),
	R("outstanding-allocation", 0x0c, 4, RW, .vfs = 0xffffffffu),
	END
};

/* Resizable BAR and VF Resizable BAR (PCIe §7.8.6, §9.3.7.5) */
static const struct vpci_fdesc f_rebar[] = {
	EXT_HDR,
	R("bar%u-capability", 0x04, 4, RO, .rep = RP_REBAR, .stride = 8),
	/* 2:0 index RO, 7:5 count RO, 13:8 BAR Size RW, 31:16 sizes RO */
	R("bar%u-control", 0x08, 4, RO, .rw = 0x3f00, .rsvdp = 0x00c018, .rep = RP_REBAR, .stride = 8,
	  .bits = b_rebarctl),
	END
};

/* TPH Requester (PCIe §7.9.13) */
static const struct vpci_fdesc f_tph[] = {
	EXT_HDR,
	R("tph-capability", 0x04, 4, RO),
	/* 2:0 ST Mode Select RW, 9:8 TPH Requester Enable RW */
	R("tph-control", 0x08, 4, RSVDP, .rw = 0x00000307),
	END
};

/* LTR (PCIe §7.8.2) */
static const struct vpci_fdesc f_ltr[] = {
	EXT_HDR,
	R("max-snoop-latency", 0x04, 2, RSVDP, .rw = 0x1fff, .bits = b_ltr),
	R("max-no-snoop-latency", 0x06, 2, RSVDP, .rw = 0x1fff, .bits = b_ltr),
	END
};

/* Secondary PCI Express (PCIe §7.7.3) */
static const struct vpci_fdesc f_secpci[] = {
	EXT_HDR,
	/* Link Control 3 (§7.7.3.2): 0 Perform Equalization, 1 Link
	 * Equalization Request Interrupt Enable, 15:9 Enable Lower SKP OS
	 * Generation Vector: RW */
	R("link-control-3", 0x04, 4, RSVDP, .rw = 0x0000fe03),
	R("lane-error-status", 0x08, 4, RW1CS),
	R("lane%u-equalization-control", 0x0c, 2, HWINIT, .rep = RP_LANES_W2, .stride = 2),
	END
};

/* PASID (PCIe §7.8.9).  A VF has none: its PF's is shared (§9.3.7,
 * drivers/pci/ats.c).  A VF instance that carries one carries a virtual
 * PASID whose enables the IOMMU reflects per function. */
static const struct vpci_fdesc f_pasid[] = {
	EXT_HDR,
	R("pasid-capability", 0x04, 2, RO, .bits = b_pasidcap),
	R("pasid-control", 0x06, 2, RSVDP, .rw = 0x0007, .role = RL_PASID_CTL, .bits = b_pasidctl, .vfs = 0x0007,
	  .vfr = 0x0007),
	END
};

/* DPC (PCIe §7.9.14) */
static const struct vpci_fdesc f_dpc[] = {
	EXT_HDR,
	R("dpc-capability", 0x04, 2, RO),
	R("dpc-control", 0x06, 2, RSVDP, .rw = 0x01ff),
	/* 0, 3, 13 RW1C; 12:8 RP PIO First Error Pointer ROS */
	R("dpc-status", 0x08, 2, RO, .w1c = 0x2009, .sticky = 0x1f00),
	R("dpc-error-source-id", 0x0a, 2, RO),
	END
};

/* L1 PM Substates (PCIe §7.8.3) */
static const struct vpci_fdesc f_l1ss[] = {
	EXT_HDR,
	R("l1ss-capabilities", 0x04, 4, HWINIT),
	R("l1ss-control-1", 0x08, 4, RSVDP, .rw = 0xe3ffff0f),
	R("l1ss-control-2", 0x0c, 4, RSVDP, .rw = 0x000000fb),
	END
};

/* PTM (PCIe §7.9.15) */
static const struct vpci_fdesc f_ptm[] = {
	EXT_HDR,
	R("ptm-capability", 0x04, 4, RO),
	R("ptm-control", 0x08, 4, RSVDP, .rw = 0x0000ff03),
	END
};

/* Designated Vendor-Specific (PCIe §7.9.6) */
static const struct vpci_fdesc f_dvsec[] = {
	EXT_HDR,
	R("dvsec-header-1", 0x04, 4, RO, .bits = b_dvsec1),
	R("dvsec-header-2", 0x08, 2, RO),
	END
};

/* Vendor-Specific Extended (PCIe §7.9.5) */
static const struct vpci_fdesc f_vsec[] = {
	EXT_HDR,
	R("vsec-header", 0x04, 4, RO, .bits = b_vsec),
	END
};

/* Data Link Feature (PCIe §7.7.4) */
static const struct vpci_fdesc f_dlf[] = {
	EXT_HDR,
	R("dlf-capabilities", 0x04, 4, RO, .rw = 0, .hwinit = 0x80000000u),
	R("dlf-status", 0x08, 4, RO),
	END
};

/* Physical Layer 16.0 GT/s (PCIe §7.7.5) */
static const struct vpci_fdesc f_pl16[] = {
	EXT_HDR,
	R("pl16-capabilities", 0x04, 4, RO),
	R("pl16-control", 0x08, 4, RSVDP),
	/* 4 Link Equalization Request 16.0 GT/s RW1C */
	R("pl16-status", 0x0c, 4, RO, .w1c = 0x10),
	R("local-data-parity-mismatch", 0x10, 4, RW1C),
	R("first-retimer-data-parity-mismatch", 0x14, 4, RW1C),
	R("second-retimer-data-parity-mismatch", 0x18, 4, RW1C),
	R("lane%u-equalization-control", 0x20, 1, HWINIT, .rep = RP_LANES, .stride = 1),
	END
};

/* Physical Layer 32.0 GT/s (PCIe §7.7.6) */
static const struct vpci_fdesc f_pl32[] = {
	EXT_HDR,
	R("pl32-capabilities", 0x04, 4, RO),
	/* 0 Equalization Bypass to Highest Rate Disable, 1 No Equalization
	 * Needed Disable, 9:8 Modified TS Usage Mode Selected: RW */
	R("pl32-control", 0x08, 4, RSVDP, .rw = 0x00000303),
	R("pl32-status", 0x0c, 4, RO, .w1c = 0x20),
	R("received-modified-ts-data-1", 0x10, 4, RO),
	R("received-modified-ts-data-2", 0x14, 4, RO),
	R("transmitted-modified-ts-data-1", 0x18, 4, RO),
	R("transmitted-modified-ts-data-2", 0x1c, 4, RO),
	R("lane%u-equalization-control", 0x20, 1, HWINIT, .rep = RP_LANES, .stride = 1),
	END
};

/* Lane Margining at the Receiver (PCIe §7.7.7) */
static const struct vpci_fdesc f_lmr[] = {
	EXT_HDR,
	R("margining-port-capabilities", 0x04, 2, RO),
	R("margining-port-status", 0x06, 2, RO),
	R("lane%u-margining-control", 0x08, 2, RW, .rep = RP_LANES, .stride = 4),
	R("lane%u-margining-status", 0x0a, 2, RO, .rep = RP_LANES, .stride = 4),
	END
};

/* DOE (PCIe §7.9.24) */
static const struct vpci_fdesc f_doe[] = {
	EXT_HDR,
	R("doe-capabilities", 0x04, 4, RO),
	/* 0 Abort, 1 Interrupt Enable, 31 Go: RW */
	R("doe-control", 0x08, 4, RSVDP, .rw = 0x80000003u),
	/* 1 Interrupt Status RW1C; 0 Busy, 2 Error, 31 Data Object Ready RO;
	 * 30:3 RsvdZ */
	R("doe-status", 0x0c, 4, RO, .w1c = 0x2, .rsvdz = 0x7ffffff8u),
	R("write-data-mailbox", 0x10, 4, RW),
	R("read-data-mailbox", 0x14, 4, RW),
	END
};

/* Device 3 (PCIe §7.7.9) */
static const struct vpci_fdesc f_dev3[] = {
	EXT_HDR,
	R("device-capabilities-3", 0x04, 4, RO),
	R("device-control-3", 0x08, 4, RSVDP, .rw = 0x0000007f),
	R("device-status-3", 0x0c, 4, RO),
	END
};

#define STD(i, k, n, s, lk, l, f) { .id = (i), .kind = CK_STD, .key = (k), .name = (n), .spec = (s), .lenkind = (lk), .len = (l), .fields = (f) }
#define EXT(i, k, n, s, lk, l, f) { .id = (i), .kind = CK_EXT, .key = (k), .name = (n), .spec = (s), .lenkind = (lk), .len = (l), .fields = (f) }

static const struct vpci_cdesc captab[] = {
	{ .id = CAPTAB_HDR_TYPE0, .kind = CK_HDR, .key = "header", .name = "Type 0 header",
	  .spec = "PCIe r6.0 §7.5.1.2", .lenkind = LN_FIXED, .len = 0x40, .fields = f_type0 },
	{ .id = CAPTAB_HDR_TYPE1, .kind = CK_HDR, .key = "header", .name = "Type 1 header",
	  .spec = "PCIe r6.0 §7.5.1.3", .lenkind = LN_FIXED, .len = 0x40, .fields = f_type1 },

	STD(0x00, "null", "Null", "PCI Code and ID r1.11 §2", LN_FIXED, 4, NULL),
	STD(0x01, "pm", "Power Management", "PCI-PM 1.2 §3.2", LN_FIXED, 8, f_pm),
	STD(0x02, "agp", "AGP", "AGP 3.0", LN_FIXED, 12, NULL),
	STD(0x03, "vpd", "Vital Product Data", "PCI 3.0 §6.4", LN_FIXED, 8, NULL),
	STD(0x04, "slot-id", "Slot Identification", "PCI-to-PCI Bridge 1.2", LN_FIXED, 4, NULL),
	STD(0x05, "msi", "MSI", "PCIe r6.0 §7.7.1", LN_MSI, 10, f_msi),
	STD(0x06, "chswp", "CompactPCI hot-swap", "PICMG 2.1", LN_FIXED, 4, NULL),
	STD(0x07, "pcix", "PCI-X", "PCI-X 2.0", LN_UNKNOWN, 8, NULL),
	STD(0x08, "ht", "HyperTransport", "HyperTransport 3.1", LN_UNKNOWN, 4, NULL),
	STD(0x09, "vendor", "Vendor Specific", "PCI 3.0 §6.7", LN_BYTE2, 3, f_vndr),
	STD(0x0a, "debug-port", "Debug port", "EHCI 1.0 Appendix C", LN_FIXED, 4, NULL),
	STD(0x0b, "ccrc", "CompactPCI central resource control", "PICMG 2.13", LN_UNKNOWN, 4, NULL),
	STD(0x0c, "shpc", "PCI Standard Hot-Plug Controller", "SHPC 1.0", LN_FIXED, 8, NULL),
	STD(0x0d, "ssvid", "Subsystem vendor/device ID", "PCI-to-PCI Bridge 1.2 §3.2.5.13", LN_FIXED, 8, f_ssvid),
	STD(0x0e, "agp3", "AGP 8x", "AGP 3.0", LN_UNKNOWN, 4, NULL),
	STD(0x0f, "secure", "Secure device", "AMD IOMMU", LN_UNKNOWN, 4, NULL),
	STD(0x10, "pcie", "Express", "PCIe r6.0 §7.5.3", LN_PCIE, 12, f_pcie),
	STD(0x11, "msix", "MSI-X", "PCIe r6.0 §7.7.2", LN_FIXED, 12, f_msix),
	STD(0x12, "sata", "SATA HBA", "SATA AHCI 1.3 §2.4", LN_FIXED, 8, NULL),
	STD(0x13, "af", "PCI Advanced Features", "PCI AF ECN", LN_FIXED, 6, f_af),
	STD(0x14, "ea", "Enhanced Allocation", "PCI EA ECN", LN_UNKNOWN, 4, NULL),
	STD(0x15, "fpb", "Flattening Portal Bridge", "PCIe r6.0 §7.8.11", LN_UNKNOWN, 4, NULL),

	EXT(0x0000, "null-ext", "Null", "PCIe r6.0 §7.6.3", LN_FIXED, 4, NULL),
	EXT(0x0001, "aer", "Advanced Error Reporting", "PCIe r6.0 §7.8.4", LN_AER, 0x2c, f_aer),
	EXT(0x0002, "vc", "Virtual Channel", "PCIe r6.0 §7.9.1", LN_VC, 0x1c, NULL),
	EXT(0x0003, "dsn", "Device Serial Number", "PCIe r6.0 §7.9.3", LN_FIXED, 12, f_dsn),
	EXT(0x0004, "power-budget", "Power Budgeting", "PCIe r6.0 §7.8.1", LN_FIXED, 16, f_pwrbudget),
	EXT(0x0005, "rclink", "Root Complex Link", "PCIe r6.0 §7.9.8", LN_UNKNOWN, 4, NULL),
	EXT(0x0006, "rcilink", "Root Complex Internal Link", "PCIe r6.0 §7.9.9", LN_UNKNOWN, 4, NULL),
	EXT(0x0007, "rcec", "Root Complex Event Collector", "PCIe r6.0 §7.9.10", LN_RCEC, 8, f_rcec),
	EXT(0x0008, "mfvc", "Multi-Function Virtual Channel", "PCIe r6.0 §7.9.2", LN_UNKNOWN, 4, NULL),
	EXT(0x0009, "vc9", "Virtual Channel", "PCIe r6.0 §7.9.1", LN_VC, 0x1c, NULL),
	EXT(0x000a, "rcrb", "Root Complex Register Block", "PCIe r6.0 §7.9.7", LN_UNKNOWN, 4, NULL),
	EXT(0x000b, "vsec", "Vendor Specific Information", "PCIe r6.0 §7.9.5", LN_VSEC, 8, f_vsec),
	EXT(0x000c, "cac", "Configuration Access Correlation", "PCIe 2.0 (obsolete)", LN_UNKNOWN, 4, NULL),
	EXT(0x000d, "acs", "Access Control Services", "PCIe r6.0 §7.7.8", LN_ACS, 8, f_acs),
	EXT(0x000e, "ari", "Alternative Routing-ID Interpretation (ARI)", "PCIe r6.0 §7.8.8", LN_FIXED, 8, f_ari),
	EXT(0x000f, "ats", "Address Translation Service (ATS)", "PCIe r6.0 §10.5.1", LN_FIXED, 8, f_ats),
	EXT(0x0010, "sriov", "Single Root I/O Virtualization (SR-IOV)", "PCIe r6.0 §9.3.3", LN_FIXED, 0x40, f_sriov),
	EXT(0x0011, "mriov", "Multi-Root I/O Virtualization (MR-IOV)", "MR-IOV 1.0", LN_UNKNOWN, 4, NULL),
	EXT(0x0012, "multicast", "Multicast", "PCIe r6.0 §7.9.11", LN_FIXED, 0x30, NULL),
	EXT(0x0013, "pri", "Page Request Interface (PRI)", "PCIe r6.0 §10.5.2", LN_FIXED, 16, f_pri),
	EXT(0x0014, "amd-0x14", "Reserved for AMD", "PCI Code and ID r1.11", LN_UNKNOWN, 4, NULL),
	EXT(0x0015, "rebar", "Physical Resizable BAR", "PCIe r6.0 §7.8.6", LN_REBAR, 12, f_rebar),
	EXT(0x0016, "dpa", "Dynamic Power Allocation", "PCIe r6.0 §7.9.12", LN_UNKNOWN, 4, NULL),
	EXT(0x0017, "tph", "Transaction Processing Hints", "PCIe r6.0 §7.9.13", LN_TPH, 12, f_tph),
	EXT(0x0018, "ltr", "Latency Tolerance Reporting", "PCIe r6.0 §7.8.2", LN_FIXED, 8, f_ltr),
	EXT(0x0019, "secondary-pcie", "Secondary PCI Express", "PCIe r6.0 §7.7.3", LN_SECPCI, 12, f_secpci),
	EXT(0x001a, "pmux", "Protocol Multiplexing", "PCIe r6.0 §7.9.16", LN_UNKNOWN, 4, NULL),
	EXT(0x001b, "pasid", "Process Address Space ID (PASID)", "PCIe r6.0 §7.8.9", LN_FIXED, 8, f_pasid),
	EXT(0x001c, "lnr", "LN Requester", "PCIe r6.0 §7.9.17", LN_UNKNOWN, 4, NULL),
	EXT(0x001d, "dpc", "Downstream Port Containment", "PCIe r6.0 §7.9.14", LN_FIXED, 12, f_dpc),
	EXT(0x001e, "l1ss", "L1 PM Substates", "PCIe r6.0 §7.8.3", LN_FIXED, 16, f_l1ss),
	EXT(0x001f, "ptm", "Precision Time Measurement", "PCIe r6.0 §7.9.15", LN_FIXED, 12, f_ptm),
	EXT(0x0020, "mphy", "PCI Express over M-PHY", "M-PCIe", LN_UNKNOWN, 4, NULL),
	EXT(0x0021, "frs", "FRS Queueing", "PCIe r6.0 §7.8.10", LN_UNKNOWN, 4, NULL),
	EXT(0x0022, "rtr", "Readiness Time Reporting", "PCIe r6.0 §7.9.18", LN_UNKNOWN, 4, NULL),
	EXT(0x0023, "dvsec", "Designated Vendor-Specific", "PCIe r6.0 §7.9.6", LN_VSEC, 10, f_dvsec),
	EXT(0x0024, "vf-rebar", "VF Resizable BAR", "PCIe r6.0 §9.3.7.5", LN_REBAR, 12, f_rebar),
	EXT(0x0025, "dlf", "Data Link Feature", "PCIe r6.0 §7.7.4", LN_FIXED, 12, f_dlf),
	EXT(0x0026, "pl16", "Physical Layer 16.0 GT/s", "PCIe r6.0 §7.7.5", LN_PL, 0x20, f_pl16),
	EXT(0x0027, "lane-margining", "Lane Margining at the Receiver", "PCIe r6.0 §7.7.7", LN_LMR, 8, f_lmr),
	EXT(0x0028, "hierarchy-id", "Hierarchy ID", "PCIe r6.0 §7.9.19", LN_UNKNOWN, 4, NULL),
	EXT(0x0029, "npem", "Native PCIe Enclosure Management", "PCIe r6.0 §7.9.20", LN_FIXED, 16, NULL),
	EXT(0x002a, "pl32", "Physical Layer 32.0 GT/s", "PCIe r6.0 §7.7.6", LN_PL, 0x20, f_pl32),
	EXT(0x002b, "alt-protocol", "Alternate Protocol", "PCIe r6.0 §7.9.21", LN_UNKNOWN, 4, NULL),
	EXT(0x002c, "sfi", "System Firmware Intermediary", "PCIe r6.0 §7.9.23", LN_UNKNOWN, 4, NULL),
	EXT(0x002d, "shadow-functions", "Shadow Functions", "PCIe r6.0 §7.9.22", LN_UNKNOWN, 4, NULL),
	EXT(0x002e, "doe", "Data Object Exchange", "PCIe r6.0 §7.9.24", LN_FIXED, 0x18, f_doe),
	EXT(0x002f, "dev3", "Device 3", "PCIe r6.0 §7.7.9", LN_FIXED, 0x10, f_dev3),
	EXT(0x0030, "ide", "Integrity and Data Encryption", "PCIe r6.0 §7.9.26", LN_UNKNOWN, 4, NULL),
	EXT(0x0031, "pl64", "Physical Layer 64.0 GT/s", "PCIe r6.0 §7.7.8", LN_PL, 0x20, NULL),
	EXT(0x0032, "flit-logging", "Flit Logging", "PCIe r6.0 §7.7.9", LN_UNKNOWN, 4, NULL),
	EXT(0x0033, "flit-perf", "Flit Performance Measurement", "PCIe r6.0 §7.7.10", LN_UNKNOWN, 4, NULL),
	EXT(0x0034, "flit-error-injection", "Flit Error Injection", "PCIe r6.0 §7.7.11", LN_UNKNOWN, 4, NULL),
	EXT(0x0035, "svc", "Streamlined Virtual Channel", "PCIe r6.1", LN_UNKNOWN, 4, NULL),
	EXT(0x0036, "mmio-rbl", "MMIO Register Block Locator", "PCIe r6.1", LN_UNKNOWN, 4, NULL),
	EXT(0x0037, "nop-flit", "NOP Flit", "PCIe r6.1", LN_UNKNOWN, 4, NULL),
	EXT(0x0038, "siov", "Scalable I/O Virtualization", "PCIe r6.2", LN_UNKNOWN, 4, NULL),
	EXT(0x0039, "pl128", "Physical Layer 128.0 GT/s", "PCIe r7.0", LN_UNKNOWN, 4, NULL),
	EXT(0x003a, "captured-data", "Captured Data", "PCIe r7.0", LN_UNKNOWN, 4, NULL),
};

/* Capabilities a VF never carries (PCIe r6.0 §9.3.7 lists what a VF may
 * implement); docs/vf-shared-fields.md. */
static const struct {
	uint8_t kind;
	uint16_t id;
	const char *why;
} vf_never[] = {
	{ CK_EXT, 0x0010, "a VF has no SR-IOV capability of its own (§9.3.3)" },
	{ CK_EXT, 0x0011, "MR-IOV is the PF's (§9.3.7)" },
	{ CK_EXT, 0x0015, "VF BARs are sized by the PF's VF Resizable BAR capability (§9.3.7.5)" },
	{ CK_EXT, 0x0024, "VF Resizable BAR is the PF's (§9.3.7.5)" },
	{ CK_EXT, 0x001b, "VFs share the PF's PASID and must not implement their own (§9.3.7, drivers/pci/ats.c)" },
	{ CK_EXT, 0x0013, "VFs share the PF's PRI and must not implement their own (§9.3.7, drivers/pci/ats.c)" },
	{ CK_EXT, 0x0018, "LTR is the PF's (§9.3.7)" },
	{ CK_EXT, 0x0004, "Power Budgeting is the PF's (§9.3.7)" },
	{ CK_EXT, 0x0002, "Virtual Channels are the PF's (§9.3.7)" },
	{ CK_EXT, 0x0009, "Virtual Channels are the PF's (§9.3.7)" },
	{ CK_EXT, 0x0008, "Multi-Function Virtual Channels are the PF's (§9.3.7)" },
	{ CK_EXT, 0x0019, "a VF has no link of its own: Secondary PCI Express is the PF's" },
	{ CK_EXT, 0x001e, "a VF has no link of its own: L1 PM Substates are the PF's" },
	{ CK_EXT, 0x0025, "a VF has no link of its own: Data Link Feature is the PF's" },
	{ CK_EXT, 0x0026, "a VF has no link of its own: the Physical Layer capabilities are the PF's" },
	{ CK_EXT, 0x002a, "a VF has no link of its own: the Physical Layer capabilities are the PF's" },
	{ CK_EXT, 0x0031, "a VF has no link of its own: the Physical Layer capabilities are the PF's" },
	{ CK_EXT, 0x0027, "a VF has no link of its own: Lane Margining is the PF's" },
	{ CK_EXT, 0x001d, "Downstream Port Containment belongs to ports" },
	{ CK_EXT, 0x001f, "PTM is the PF's (the kernel enables a VF's PTM through its PF, drivers/pci/pcie/ptm.c)" },
	{ CK_EXT, 0x0005, "root complex link declarations belong to root complexes" },
	{ CK_EXT, 0x0006, "root complex link declarations belong to root complexes" },
	{ CK_EXT, 0x0007, "event collectors belong to root complexes" },
	{ CK_EXT, 0x000a, "RCRBs belong to root complexes" },
};

const char *captab_vf_never(int kind, uint16_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(vf_never); i++)
		if (vf_never[i].kind == kind && vf_never[i].id == id)
			return vf_never[i].why;
	return NULL;
}

const struct vpci_cdesc *captab_at(unsigned i)
{
	return i < ARRAY_SIZE(captab) ? &captab[i] : NULL;
}

const struct vpci_cdesc *captab_find(int kind, uint16_t id)
{
	for (size_t i = 0; i < ARRAY_SIZE(captab); i++)
		if (captab[i].kind == kind && captab[i].id == id)
			return &captab[i];
	return NULL;
}

const struct vpci_cdesc *captab_find_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(captab); i++)
		if (captab[i].kind != CK_HDR && strcmp(captab[i].key, key) == 0)
			return &captab[i];
	return NULL;
}

const char *captab_cap_name(int kind, uint16_t id, char *buf, unsigned size)
{
	const struct vpci_cdesc *cd = captab_find(kind, id);

	if (cd)
		return cd->name;
	snprintf(buf, size, kind == CK_EXT ? "Extended Capability ID %#x" : "Capability ID %#x", id);
	return buf;
}

int captab_field_match(const struct vpci_fdesc *fd, const char *name)
{
	const char *pat = fd->name, *pc;

	/* most fields differ at once */
	if (pat[0] != name[0] && pat[0] != '%')
		return -1;
	pc = strstr(pat, "%u");
	if (!pc)
		return strcmp(pat, name) ? -1 : 0;
	size_t pre = (size_t)(pc - pat), post = strlen(pc + 2);
	size_t nl = strlen(name);
	if (nl <= pre + post || strncmp(pat, name, pre) || strcmp(name + nl - post, pc + 2))
		return -1;
	unsigned v = 0;
	for (size_t i = pre; i < nl - post; i++) {
		if (name[i] < '0' || name[i] > '9' || v > 1000)
			return -1;
		v = v * 10 + (unsigned)(name[i] - '0');
	}
	if (nl - post - pre > 1 && name[pre] == '0')
		return -1;
	return (int)v;
}

const struct vpci_fdesc *captab_find_field(const struct vpci_cdesc *cd, const char *name)
{
	for (const struct vpci_fdesc *fd = cd ? cd->fields : NULL; fd && fd->name; fd++)
		if (captab_field_match(fd, name) >= 0)
			return fd;
	return NULL;
}

static uint16_t sriov_reg(unsigned capoff, const char *name, unsigned inst)
{
	const struct vpci_fdesc *fd = captab_find_field(captab_find(CK_EXT, ECAPID_SRIOV), name);

	return (uint16_t)(capoff + fd->off + inst * fd->stride);
}

void captab_sriov_layout(unsigned capoff, struct sriov_layout *l)
{
	l->ctl = sriov_reg(capoff, "sriov-control", 0);
	l->total = sriov_reg(capoff, "total-vfs", 0);
	l->num = sriov_reg(capoff, "num-vfs", 0);
	l->first = sriov_reg(capoff, "first-vf-offset", 0);
	l->stride = sriov_reg(capoff, "vf-stride", 0);
	l->vfdid = sriov_reg(capoff, "vf-device-id", 0);
	l->sps = sriov_reg(capoff, "system-page-size", 0);
	for (unsigned i = 0; i < 6; i++)
		l->vfbar[i] = sriov_reg(capoff, "vf-bar0", i);
}
