/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-emu-regs.c - the emulation engine against the specification,
 * register by register.
 *
 * The expectations here are transcribed from the specifications (PCIe
 * Base r6.0 chapter 7, §9.3 and §10.5; PCI-PM 1.2), one row per register
 * with the section it comes from.  They are deliberately NOT computed
 * from the capability table (src/model/captab.c): a wrong mask in the
 * table must make this test fail, not move its expectation along.
 *
 *   - write-ones/read-back: every control and status register the table
 *     makes guest-writable is written with 0, all ones, 0 and read back
 *     each time; RW bits must follow, RW1C bits must clear on 1 and only
 *     on 1, every other bit must keep its value;
 *   - completeness: every register the capability table makes writable
 *     has a row here (the table is read only for which registers exist);
 *   - resets: Function Level Reset (through Device Control, Advanced
 *     Features and the API) and hot reset keep the sticky bits (RWS,
 *     RW1CS) and reset the others, cold reset brings everything back.
 *
 * Where the table knowingly differs from the specification, the row says
 * so in `extra` (bits the table makes writable, the spec does not, for
 * this port type) or `missing` (the reverse), with the reason; the test
 * prints every such row so the list stays visible.  Bits whose read-back
 * the specification leaves undefined are in `dc` and not compared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/captab.h"
#include "vpci/vpci.h"
#include "unit-util.h"

/* Where a register lives in the test function. */
enum where {
	HDR,  /* config header (offset 0) */
	PCIE, /* PCI Express capability at 0x40 */
	STD,  /* the capability under test at 0x80 */
	EXT,  /* the extended capability under test at 0x100 */
};

/* The function a row is tested in: an endpoint or a root port. */
enum fn {
	EP, /* type 0, PCIe v2 Endpoint, FLR capable, x8 link */
	RP, /* type 1, PCIe v2 Root Port with a slot, x8 link */
};

struct reg {
	enum fn fn;
	enum where where;
	const char *cap;    /* capability key (STD, EXT) */
	const char *setup;  /* other fields of that capability, "k: v, ..." */
	const char *field;  /* the register's name in the format */
	uint16_t off;       /* offset in the capability (spec) */
	uint8_t width;
	uint32_t rw;        /* spec: RW and RWS bits */
	uint32_t w1c;       /* spec: RW1C and RW1CS bits */
	uint32_t init;      /* initial value (RW1C bits set to see them clear) */
	uint32_t nowrite;   /* bits never written as 1 (side effects tested elsewhere) */
	uint32_t dc;        /* read-back undefined by the spec: not compared */
	uint32_t extra;     /* writable in the table, not in the spec */
	uint32_t missing;   /* writable in the spec, not in the table */
	const char *spec;
	const char *why;    /* reason for extra/missing */
};

#define ALL(w) ((w) >= 4 ? 0xffffffffu : (1u << (8 * (w))) - 1)

static const struct reg regs[] = {
	/* ---- type 0 header (PCIe r6.0 §7.5.1.1, §7.5.1.2) ---- */
	{ EP, HDR, NULL, NULL, "command", 0x04, 2, .rw = 0x0547,
	  .spec = "§7.5.1.1.3: I/O, Memory, Bus Master, Parity Error Response, SERR#, Interrupt Disable RW" },
	{ EP, HDR, NULL, NULL, "status", 0x06, 2, .w1c = 0xf900, .init = 0xf910,
	  .spec = "§7.5.1.1.4: bits 8, 11-15 RW1C" },
	{ EP, HDR, NULL, NULL, "cache-line-size", 0x0c, 1, .rw = 0xff, .spec = "§7.5.1.1.7: RW" },
	{ EP, HDR, NULL, NULL, "interrupt-line", 0x3c, 1, .rw = 0xff, .spec = "§7.5.1.1.12: RW" },

	/* ---- type 1 header (PCIe r6.0 §7.5.1.3) ---- */
	{ RP, HDR, NULL, NULL, "command", 0x04, 2, .rw = 0x0547, .spec = "§7.5.1.1.3" },
	{ RP, HDR, NULL, NULL, "status", 0x06, 2, .w1c = 0xf900, .init = 0xf910, .spec = "§7.5.1.1.4" },
	{ RP, HDR, NULL, NULL, "cache-line-size", 0x0c, 1, .rw = 0xff, .spec = "§7.5.1.1.7" },
	{ RP, HDR, NULL, NULL, "primary-bus", 0x18, 1, .rw = 0xff, .spec = "§7.5.1.3.2: RW" },
	{ RP, HDR, NULL, NULL, "secondary-bus", 0x19, 1, .rw = 0xff, .spec = "§7.5.1.3.3: RW" },
	{ RP, HDR, NULL, NULL, "subordinate-bus", 0x1a, 1, .rw = 0xff, .spec = "§7.5.1.3.4: RW" },
	{ RP, HDR, NULL, NULL, "io-base", 0x1c, 1, .rw = 0xf0, .init = 0x01,
	  .spec = "§7.5.1.3.6: 7:4 RW, 3:0 RO addressing capability" },
	{ RP, HDR, NULL, NULL, "io-limit", 0x1d, 1, .rw = 0xf0, .init = 0x01, .spec = "§7.5.1.3.6" },
	{ RP, HDR, NULL, NULL, "secondary-status", 0x1e, 2, .w1c = 0xf900, .init = 0xf900,
	  .spec = "§7.5.1.3.7: bits 8, 11-15 RW1C; 4:0, 6 RsvdZ" },
	{ RP, HDR, NULL, NULL, "memory-base", 0x20, 2, .rw = 0xfff0, .spec = "§7.5.1.3.8: 15:4 RW" },
	{ RP, HDR, NULL, NULL, "memory-limit", 0x22, 2, .rw = 0xfff0, .spec = "§7.5.1.3.8" },
	{ RP, HDR, NULL, NULL, "prefetchable-base", 0x24, 2, .rw = 0xfff0, .init = 0x0001,
	  .spec = "§7.5.1.3.9: 15:4 RW, 3:0 RO (64-bit)" },
	{ RP, HDR, NULL, NULL, "prefetchable-limit", 0x26, 2, .rw = 0xfff0, .init = 0x0001, .spec = "§7.5.1.3.9" },
	{ RP, HDR, NULL, NULL, "prefetchable-base-upper", 0x28, 4, .rw = 0xffffffff, .spec = "§7.5.1.3.10: RW" },
	{ RP, HDR, NULL, NULL, "prefetchable-limit-upper", 0x2c, 4, .rw = 0xffffffff, .spec = "§7.5.1.3.10" },
	{ RP, HDR, NULL, NULL, "io-base-upper", 0x30, 2, .rw = 0xffff, .spec = "§7.5.1.3.11: RW" },
	{ RP, HDR, NULL, NULL, "io-limit-upper", 0x32, 2, .rw = 0xffff, .spec = "§7.5.1.3.11" },
	{ RP, HDR, NULL, NULL, "interrupt-line", 0x3c, 1, .rw = 0xff, .spec = "§7.5.1.1.12" },
	{ RP, HDR, NULL, NULL, "bridge-control", 0x3e, 2, .rw = 0x005f,
	  .spec = "§7.5.1.3.13: 0-4, 6 RW; 5, 7-11 RO; 15:12 RsvdP" },

	/* ---- Power Management (PCI-PM 1.2 §3.2.4; PCIe r6.0 §7.5.2.2) ---- */
	{ EP, STD, "pm", "pmc: 0xc803", "pmcsr", 0x04, 2, .rw = 0x1f03, .w1c = 0x8000, .init = 0x8008,
	  .spec = "§7.5.2.2: 1:0 PowerState RW, 8 PME_En RWS, 12:9 Data_Select RW, 15 PME_Status RW1CS" },

	/* ---- MSI (PCIe r6.0 §7.7.1) ---- */
	/* 64-bit, per-vector masking, extended message data, 32 vectors */
	/* MME is written with the largest legal value, the capable count:
	 * software must not enable more vectors than capable (§7.7.1.2) */
	{ EP, STD, "msi", NULL, "message-control", 0x02, 2, .rw = 0x0471, .init = 0x038a, .nowrite = 0x0020,
	  .spec = "§7.7.1.2: 0 Enable, 6:4 MME (written 101b = MMC), 10 Extended Message Data Enable RW" },
	{ EP, STD, "msi", "message-control: 0x038a", "message-address", 0x04, 4, .rw = 0xfffffffc,
	  .spec = "§7.7.1.3: 31:2 RW, 1:0 RsvdP" },
	{ EP, STD, "msi", "message-control: 0x038a", "message-upper-address", 0x08, 4, .rw = 0xffffffff,
	  .spec = "§7.7.1.4: RW" },
	{ EP, STD, "msi", "message-control: 0x038a", "message-data", 0x0c, 2, .rw = 0xffff, .spec = "§7.7.1.5: RW" },
	{ EP, STD, "msi", "message-control: 0x038a", "extended-message-data", 0x0e, 2, .rw = 0xffff,
	  .spec = "§7.7.1.6: RW" },
	{ EP, STD, "msi", "message-control: 0x038a", "mask-bits", 0x10, 4, .rw = 0xffffffff,
	  .spec = "§7.7.1.7: one RW bit per vector (32)" },
	/* 32-bit, per-vector masking, 4 vectors, no extended data */
	{ EP, STD, "msi", NULL, "message-control", 0x02, 2, .rw = 0x0071, .init = 0x0104, .extra = 0x0400,
	  .nowrite = 0x0050,
	  .spec = "§7.7.1.2: MME written 010b = MMC; Extended Message Data Enable is RO 0 without the capability",
	  .why = "the table makes bit 10 RW whether or not Extended Message Data Capable (bit 9) is set" },
	{ EP, STD, "msi", "message-control: 0x0104", "message-data", 0x08, 2, .rw = 0xffff, .spec = "§7.7.1.5" },
	{ EP, STD, "msi", "message-control: 0x0104", "mask-bits", 0x0c, 4, .rw = 0x0000000f,
	  .spec = "§7.7.1.7: mask bits of vectors that exist (4)" },

	/* ---- MSI-X (PCIe r6.0 §7.7.2.2) ---- */
	{ EP, STD, "msix", "table: 0x00000000, pba: 0x00000800", "message-control", 0x02, 2, .rw = 0xc000,
	  .init = 0x0007, .spec = "§7.7.2.2: 14 Function Mask, 15 MSI-X Enable RW; 10:0 RO" },

	/* ---- PCI Express capability (PCIe r6.0 §7.5.3) ---- */
	{ EP, PCIE, NULL, NULL, "device-control", 0x08, 2, .rw = 0xffff, .nowrite = 0x8000,
	  .spec = "§7.5.3.4: all RW (10 RWS); 15 Initiate FLR (tested by the reset tests)" },
	{ RP, PCIE, NULL, NULL, "device-control", 0x08, 2, .rw = 0xffff,
	  .spec = "§7.5.3.4: all RW; 15 Bridge Configuration Retry Enable on a port" },
	{ EP, PCIE, NULL, NULL, "device-status", 0x0a, 2, .w1c = 0x004f, .init = 0x004f,
	  .spec = "§7.5.3.5: 0-3, 6 RW1C; 4, 5 RO; 15:7 RsvdZ" },
	{ EP, PCIE, NULL, NULL, "link-control", 0x10, 2, .rw = 0x03cb, .extra = 0x0c30,
	  .spec = "§7.5.3.7: 1:0, 3, 6-9 RW in an Endpoint",
	  .why = "Link Disable, Retrain Link and the bandwidth interrupt enables (4, 5, 10, 11) are RsvdP "
		 "in Endpoints; the table is port-type agnostic" },
	{ RP, PCIE, NULL, NULL, "link-control", 0x10, 2, .rw = 0x0fd3, .extra = 0x0028,
	  .spec = "§7.5.3.7: 1:0, 4, 6-11 RW in a Root Port; 3 RCB RO; 5 Retrain Link reads 0",
	  .why = "RCB (3) is RO in Root Ports and Retrain Link (5) always reads 0b" },
	{ RP, PCIE, NULL, NULL, "link-status", 0x12, 2, .w1c = 0xc000, .init = 0xd011,
	  .spec = "§7.5.3.8: 14, 15 RW1C; 12 HwInit; others RO" },
	{ RP, PCIE, NULL, NULL, "slot-control", 0x18, 2, .rw = 0x77ff, .extra = 0x0800,
	  .spec = "§7.5.3.10: 14:0 RW, 11 Electromechanical Interlock Control reads 0",
	  .why = "Electromechanical Interlock Control (11) always reads 0b" },
	{ RP, PCIE, NULL, NULL, "slot-status", 0x1a, 2, .w1c = 0x011f, .init = 0x017f,
	  .spec = "§7.5.3.11: 0-4, 8 RW1C; 5-7 RO" },
	{ RP, PCIE, NULL, NULL, "root-control", 0x1c, 2, .rw = 0x001f, .spec = "§7.5.3.12: 4:0 RW" },
	{ RP, PCIE, NULL, NULL, "root-status", 0x20, 4, .w1c = 0x00010000, .init = 0x00031234,
	  .spec = "§7.5.3.14: 16 PME Status RW1C; 15:0, 17 RO" },
	{ RP, PCIE, NULL, NULL, "device-control-2", 0x28, 2, .rw = 0xf7ff, .extra = 0x0800,
	  .spec = "§7.5.3.16: all RW in a Root Port except 11",
	  .why = "Emergency Power Reduction Request (11) is RsvdP outside the lowest Function of an "
		 "Upstream Port" },
	{ EP, PCIE, NULL, NULL, "device-control-2", 0x28, 2, .rw = 0x7f5f, .extra = 0x80a0,
	  .spec = "§7.5.3.16: 3:0, 4, 6, 8-14 RW in an Endpoint",
	  .why = "ARI Forwarding Enable (5), AtomicOp Egress Blocking (7) and End-End TLP Prefix "
		 "Blocking (15) apply to ports only" },
	{ EP, PCIE, NULL, NULL, "link-control-2", 0x30, 2, .rw = 0xffbf,
	  .spec = "§7.5.3.19: 3:0, 4, 5, 9:7, 10, 11, 15:12 RWS; 6 HwInit" },
	{ EP, PCIE, NULL, NULL, "link-status-2", 0x32, 2, .w1c = 0x0020, .init = 0x0020,
	  .spec = "§7.5.3.20: 5 Link Equalization Request 8.0 GT/s RW1CS" },

	/* ---- Advanced Error Reporting (PCIe r6.0 §7.8.4) ---- */
	{ EP, EXT, "aer", NULL, "uncorrectable-status", 0x04, 4, .w1c = 0xfffff030, .init = 0xfffff030,
	  .dc = 0x1, .spec = "§7.8.4.2: 4, 5, 12-31 RW1CS; 0 undefined" },
	{ EP, EXT, "aer", NULL, "uncorrectable-mask", 0x08, 4, .rw = 0xfffff030, .dc = 0x1,
	  .spec = "§7.8.4.3: 4, 5, 12-31 RWS" },
	{ EP, EXT, "aer", NULL, "uncorrectable-severity", 0x0c, 4, .rw = 0xfffff030, .dc = 0x1,
	  .spec = "§7.8.4.4: 4, 5, 12-31 RWS" },
	{ EP, EXT, "aer", NULL, "correctable-status", 0x10, 4, .w1c = 0x0000f1c1, .init = 0x0000f1c1,
	  .spec = "§7.8.4.5: 0, 6-8, 12-15 RW1CS" },
	{ EP, EXT, "aer", NULL, "correctable-mask", 0x14, 4, .rw = 0x0000f1c1, .spec = "§7.8.4.6: RWS" },
	{ EP, EXT, "aer", NULL, "capabilities-control", 0x18, 4, .rw = 0x00000540, .init = 0x000002a0,
	  .spec = "§7.8.4.7: 6, 8, 10 enables RWS; 4:0, 11 ROS; capable bits RO" },
	{ RP, EXT, "aer", NULL, "root-error-command", 0x2c, 4, .rw = 0x7, .spec = "§7.8.4.9: 2:0 RW" },
	{ RP, EXT, "aer", NULL, "root-error-status", 0x30, 4, .w1c = 0x7f, .init = 0x0800007f,
	  .spec = "§7.8.4.10: 6:0 RW1CS; 31:27 RO" },

	/* ---- other extended capabilities ---- */
	{ EP, EXT, "power-budget", NULL, "data-select", 0x04, 1, .rw = 0xff, .spec = "§7.8.1.2: RW" },
	{ EP, EXT, "acs", "acs-capability: 0x207f", "acs-control", 0x06, 2, .rw = 0x007f,
	  .spec = "§7.7.8.3: an enable per implemented feature (capability 6:0 all set)" },
	{ EP, EXT, "acs", "acs-capability: 0x0011", "acs-control", 0x06, 2, .rw = 0x0011,
	  .spec = "§7.7.8.3: hardwired 0 for features not implemented" },
	{ EP, EXT, "acs", "acs-capability: 0x207f", "egress-control-vector", 0x08, 4, .rw = 0xffffffff,
	  .spec = "§7.7.8.4: one bit per Function/Port (vector size 32)" },
	{ EP, EXT, "ari", NULL, "ari-control", 0x06, 2, .rw = 0x0073,
	  .spec = "§7.8.8.3: 0 MFVC, 1 ACS Function Groups Enable, 6:4 Function Group RW" },
	{ EP, EXT, "ats", NULL, "ats-control", 0x06, 2, .rw = 0x801f,
	  .spec = "§10.5.1.3: 4:0 STU, 15 Enable RW" },
	{ EP, EXT, "sriov", "total-vfs: 0x0008, initial-vfs: 0x0008, supported-page-sizes: 0x00000553",
	  "sriov-control", 0x08, 2, .rw = 0x003f,
	  .spec = "§9.3.3.3: 0 VF Enable, 1 Migration Enable, 2 Migration Interrupt, 3 VF MSE, 4 ARI "
		  "Capable Hierarchy, 5 10-Bit Tag RW" },
	{ EP, EXT, "sriov", NULL, "sriov-status", 0x0a, 2, .w1c = 0x0001, .init = 0x0001,
	  .spec = "§9.3.3.4: 0 VF Migration Status RW1C" },
	{ EP, EXT, "sriov", NULL, "num-vfs", 0x10, 2, .rw = 0xffff, .spec = "§9.3.3.7: RW" },
	{ EP, EXT, "sriov", NULL, "system-page-size", 0x20, 4, .rw = 0xffffffff, .spec = "§9.3.3.13: RW" },
	{ EP, EXT, "pri", NULL, "pri-control", 0x04, 2, .rw = 0x0003, .dc = 0x0002,
	  .spec = "§10.5.2.2: 0 Enable, 1 Reset RW (Reset read-back not asserted)" },
	{ EP, EXT, "pri", NULL, "pri-status", 0x06, 2, .w1c = 0x0003, .init = 0x8103,
	  .spec = "§10.5.2.3: 0 Response Failure, 1 Unexpected PRG Index RW1C; 8, 15 RO" },
	{ EP, EXT, "pri", NULL, "outstanding-allocation", 0x0c, 4, .rw = 0xffffffff, .spec = "§10.5.2.5: RW" },
	{ EP, EXT, "rebar", "bar0-capability: 0x0003f000", "bar0-control", 0x08, 4, .rw = 0x00003f00,
	  .init = 0x00000820, .spec = "§7.8.6.3: 13:8 BAR Size RW; index, count, capabilities RO" },
	{ EP, EXT, "vf-rebar", "bar0-capability: 0x0003f000", "bar0-control", 0x08, 4, .rw = 0x00003f00,
	  .init = 0x00000820, .spec = "§9.3.7.5 (as §7.8.6.3)" },
	{ EP, EXT, "tph", NULL, "tph-control", 0x08, 4, .rw = 0x00000307,
	  .spec = "§7.9.13.3: 2:0 ST Mode Select, 9:8 TPH Requester Enable RW" },
	{ EP, EXT, "ltr", NULL, "max-snoop-latency", 0x04, 2, .rw = 0x1fff, .spec = "§7.8.2.2: 9:0, 12:10 RW" },
	{ EP, EXT, "ltr", NULL, "max-no-snoop-latency", 0x06, 2, .rw = 0x1fff, .spec = "§7.8.2.3" },
	{ RP, EXT, "secondary-pcie", NULL, "link-control-3", 0x04, 4, .rw = 0x0000fe03,
	  .spec = "§7.7.3.2: 0 Perform Equalization, 1 Interrupt Enable, 15:9 Lower SKP OS vector RW" },
	{ EP, EXT, "secondary-pcie", NULL, "lane-error-status", 0x08, 4, .w1c = 0x000000ff, .init = 0x000000ff,
	  .spec = "§7.7.3.3: one RW1CS bit per lane (x8), RsvdZ above" },
	{ EP, EXT, "pasid", "pasid-capability: 0x1406", "pasid-control", 0x06, 2, .rw = 0x0007,
	  .spec = "§7.8.9.3: 0 Enable, 1 Execute, 2 Privileged Mode Enable RW (capable)" },
	{ RP, EXT, "dpc", "dpc-capability: 0x10e0", "dpc-control", 0x06, 2, .rw = 0x01bf, .extra = 0x0040,
	  .spec = "§7.9.14.3: 8:0 RW; 6 DPC Software Trigger reads 0",
	  .why = "DPC Software Trigger (6) always reads 0b" },
	{ RP, EXT, "dpc", NULL, "dpc-status", 0x08, 2, .w1c = 0x2009, .init = 0x3f6f,
	  .spec = "§7.9.14.4: 0, 3, 13 RW1CS; 2:1, 6:5, 12:8 ROS; 4 RO" },
	{ RP, EXT, "l1ss", NULL, "l1ss-control-1", 0x08, 4, .rw = 0xe3ffff3f, .missing = 0x00000030,
	  .spec = "§7.8.3.3: 3:0, 4, 5, 15:8, 25:16, 31:29 RW in a Downstream Port",
	  .why = "the table lacks Link Activation Interrupt Enable (4) and Link Activation Control (5)" },
	{ EP, EXT, "l1ss", NULL, "l1ss-control-2", 0x0c, 4, .rw = 0x000000fb,
	  .spec = "§7.8.3.4: 1:0 T_POWER_ON Scale, 7:3 Value RW" },
	{ EP, EXT, "ptm", NULL, "ptm-control", 0x08, 4, .rw = 0x0000ff03,
	  .spec = "§7.9.15.3: 0 Enable, 1 Root Select, 15:8 Effective Granularity RW" },
	{ EP, EXT, "pl16", NULL, "pl16-status", 0x0c, 4, .w1c = 0x10, .init = 0x1f,
	  .spec = "§7.7.5.4: 3:0 ROS, 4 Link Equalization Request 16.0 GT/s RW1CS" },
	{ EP, EXT, "pl16", NULL, "local-data-parity-mismatch", 0x10, 4, .w1c = 0xff, .init = 0xff,
	  .spec = "§7.7.5.5: RW1CS per lane (x8)" },
	{ EP, EXT, "pl16", NULL, "first-retimer-data-parity-mismatch", 0x14, 4, .w1c = 0xff, .init = 0xff,
	  .spec = "§7.7.5.6: RW1CS per lane (x8)" },
	{ EP, EXT, "pl16", NULL, "second-retimer-data-parity-mismatch", 0x18, 4, .w1c = 0xff, .init = 0xff,
	  .spec = "§7.7.5.7: RW1CS per lane (x8)" },
	{ RP, EXT, "pl32", NULL, "pl32-control", 0x08, 4, .rw = 0x00000703, .missing = 0x00000400,
	  .spec = "§7.7.6.3: 0, 1 RWS; 10:8 Modified TS Usage Mode Selected RWS in a Downstream Port",
	  .why = "the table has Modified TS Usage Mode Selected as 9:8, the spec as 10:8" },
	{ EP, EXT, "pl32", NULL, "pl32-status", 0x0c, 4, .w1c = 0x10, .init = 0x3f, .extra = 0x20,
	  .missing = 0x10,
	  .spec = "§7.7.6.4: 3:0 ROS, 4 Link Equalization Request 32.0 GT/s RW1CS, 5 Modified TS Received RO",
	  .why = "the table makes bit 5 (Modified TS Received, RO) RW1C instead of bit 4" },
	{ EP, EXT, "lane-margining", NULL, "lane0-margining-control", 0x08, 2, .rw = 0xff7f, .extra = 0x0080,
	  .spec = "§7.7.7.4: 2:0, 5:3, 6, 15:8 RW; 7 RsvdP",
	  .why = "the table makes bit 7 (RsvdP) RW" },
	{ EP, EXT, "doe", NULL, "doe-control", 0x08, 4, .rw = 0x00000002, .extra = 0x80000001,
	  .spec = "§7.9.24.4: 1 Interrupt Enable RW; 0 Abort and 31 Go are written, read 0",
	  .why = "DOE Abort (0) and DOE Go (31) always read 0b" },
	{ EP, EXT, "doe", NULL, "doe-status", 0x0c, 4, .w1c = 0x2, .init = 0x80000007,
	  .spec = "§7.9.24.5: 1 Interrupt Status RW1C; 0, 2, 31 RO" },
	{ EP, EXT, "dev3", NULL, "device-control-3", 0x08, 4, .rw = 0x0000007f,
	  .spec = "§7.7.9.3: 0 DMWr Requester, 1 DMWr Egress Blocking, 2 14-Bit Tag, 3 L0p Enable, 6:4 "
		  "Target Link Width RW" },
};

/* Registers of the table that are writable but have no row, with why. */
static const struct {
	const char *cap, *field, *why;
} not_here[] = {
	{ "af", "af-control", "Initiate FLR: tested by test_af_flr_keeps_sticky" },
	{ "doe", "write-data-mailbox", "a mailbox, not a register: DOE transfers are not emulated" },
	{ "doe", "read-data-mailbox", "a mailbox, not a register: DOE transfers are not emulated" },
};

/* --- building functions ------------------------------------------------------ */

static const char *base[] = {
	[EP] = "vpci: 1\nname: regs-ep\nfunction:\n  kind: endpoint\n"
	       "  header: {vendor-id: 0x1234, device-id: 0x5678, class-code: 0x020000%s}\n"
	       "  bars:\n    - {index: 0, type: mem64, size: 64KiB}\n    - {index: 2, type: mem64, size: 1MiB}\n"
	       "  capabilities:\n"
	       "    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002, "
	       "device-capabilities: 0x10008000, link-capabilities: 0x00000481%s}}\n",
	[RP] = "vpci: 1\nname: regs-rp\nfunction:\n  kind: bridge\n"
	       "  header: {vendor-id: 0x1234, device-id: 0x5679, class-code: 0x060400%s}\n"
	       "  capabilities:\n"
	       "    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0142, "
	       "device-capabilities: 0x00008000, link-capabilities: 0x00000481, "
	       "slot-capabilities: 0x00080000%s}}\n",
};

/* RW1C bits set at reset may break a check of vpci_validate(): the
 * engine does not care, so validation is off */
static vpci_func *parse(const char *text)
{
	return unit_parse(text, strlen(text), "regs.yaml", VPCI_PARSE_NO_VALIDATE);
}

static vpci_func *build(const struct reg *g)
{
	char text[4096], kv[96] = "", hdr[112] = "", pcie[112] = "", cap[512] = "";
	int n;

	if (g->init)
		snprintf(kv, sizeof(kv), "%s: %#x", g->field, g->init);
	if (g->where == HDR && g->init)
		snprintf(hdr, sizeof(hdr), ", %s", kv);
	if (g->where == PCIE && g->init)
		snprintf(pcie, sizeof(pcie), ", %s", kv);
	if (g->where == STD || g->where == EXT)
		snprintf(cap, sizeof(cap), "%s    - {type: %s, offset: %s, fields: {%s%s%s}}\n",
			 g->where == EXT ? "  extended-capabilities:\n" : "", g->cap,
			 g->where == EXT ? "0x100" : "0x80", g->setup ? g->setup : "",
			 g->setup && g->init ? ", " : "", kv);
	n = snprintf(text, sizeof(text), base[g->fn], hdr, pcie);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	snprintf(text + n, sizeof(text) - (size_t)n, "%s", cap);
	return parse(text);
}

static unsigned base_off(const struct reg *g)
{
	return g->where == HDR ? 0 : g->where == PCIE ? 0x40 : g->where == STD ? 0x80 : 0x100;
}

#define rd unit_rd
#define wr unit_wr

static const char *fn_name(enum fn f)
{
	return f == EP ? "endpoint" : "root port";
}

/* --- write-ones / read-back -------------------------------------------------- */

static int check(const struct reg *g, const char *step, uint32_t got, uint32_t want)
{
	uint32_t m = ALL(g->width) & ~g->dc;

	if ((got & m) == (want & m))
		return 0;
	print_error("%s %s (%s, %s): after %s read %#x, expected %#x (differs in %#x)\n",
		    g->cap ? g->cap : g->where == PCIE ? "pcie" : "header", g->field, fn_name(g->fn), g->spec,
		    step, got & m, want & m, (got ^ want) & m);
	return 1;
}

static void test_write_ones_read_back(void **state)
{
	unsigned bad = 0, deviations = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		const struct reg *g = &regs[i];
		vpci_func *f = build(g);
		vpci_emu *e = NULL;
		unsigned off = base_off(g) + g->off;
		uint32_t all = ALL(g->width);
		/* what the table should do: the spec, adjusted by the known
		 * deviations (of the row's kind: RW, or RW1C for status rows) */
		int w1c_row = g->w1c && !g->rw;
		uint32_t rw = ((g->rw & ~g->missing) | (w1c_row ? 0 : g->extra)) & all;
		uint32_t w1c = ((g->w1c & ~g->missing) | (w1c_row ? g->extra : 0)) & all;

		assert_int_equal(vpci_emu_new(f, NULL, NULL, NULL, &e, NULL), 0);
		uint32_t v0 = rd(e, off, g->width);
		wr(e, off, g->width, 0);
		bad += check(g, "writing 0", rd(e, off, g->width), v0 & ~rw);
		wr(e, off, g->width, all & ~g->nowrite);
		bad += check(g, "writing all ones", rd(e, off, g->width),
			     (v0 & ~rw & ~(w1c & ~g->nowrite)) | (rw & ~g->nowrite));
		wr(e, off, g->width, 0);
		bad += check(g, "writing 0 again", rd(e, off, g->width), v0 & ~rw & ~(w1c & ~g->nowrite));
		if (g->extra || g->missing) {
			deviations++;
			print_message("table differs from the spec: %s %s (%s): +%#x -%#x: %s\n",
				      g->cap ? g->cap : g->where == PCIE ? "pcie" : "header", g->field,
				      fn_name(g->fn), g->extra, g->missing, g->why);
		}
		vpci_emu_free(e);
		vpci_func_free(f);
	}
	print_message("%zu registers checked against the spec, %u with a known deviation\n",
		      sizeof(regs) / sizeof(regs[0]), deviations);
	assert_int_equal(bad, 0);
}

/* Rows must be honest: a deviation names its reason and the bits it
 * talks about; nothing is both RW and RW1C. */
static void test_rows_are_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		const struct reg *g = &regs[i];
		assert_int_equal(g->rw & g->w1c, 0);
		assert_true((g->extra || g->missing) == (g->why != NULL));
		assert_int_equal(g->missing & ~(g->rw | g->w1c), 0);
		assert_int_equal(g->extra & (g->rw | g->w1c) & ~g->missing, 0);
		assert_non_null(g->spec);
		assert_int_equal(g->off % g->width, 0);
	}
}

/* Every register the capability table makes writable has a row. */
static int has_row(const struct vpci_cdesc *cd, const char *name, int type1)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		const struct reg *g = &regs[i];
		if (strcmp(g->field, name))
			continue;
		if (cd->kind == CK_HDR ? g->where == HDR && (g->fn == RP) == type1
				       : g->cap ? !strcmp(g->cap, cd->key)
						: (g->where == PCIE && !strcmp(cd->key, "pcie")))
			return 1;
	}
	for (size_t i = 0; i < sizeof(not_here) / sizeof(not_here[0]); i++)
		if (!strcmp(not_here[i].cap, cd->key) && !strcmp(not_here[i].field, name))
			return 1;
	return 0;
}

static void test_every_writable_register_has_a_row(void **state)
{
	unsigned missing = 0, writable = 0;

	(void)state;
	for (unsigned i = 0; captab_at(i); i++) {
		const struct vpci_cdesc *cd = captab_at(i);
		for (const struct vpci_fdesc *fd = cd->fields; fd && fd->name; fd++) {
			int acc_w = fd->acc == VPCI_ACC_RW || fd->acc == VPCI_ACC_RW1C || fd->acc == VPCI_ACC_RWS ||
				    fd->acc == VPCI_ACC_RW1CS;
			if (fd->flags & FD_MANAGED)
				continue; /* BARs and the ROM: tested in test-emu */
			if (!(fd->rw || fd->w1c || acc_w || fd->dyn))
				continue;
			char name[64];
			captab_field_name(fd, 0, name, sizeof(name));
			writable++;
			if (!has_row(cd, name, cd->kind == CK_HDR && cd->id == CAPTAB_HDR_TYPE1)) {
				print_error("no spec row for writable register %s %s\n",
					    cd->kind == CK_HDR ? cd->name : cd->key, name);
				missing++;
			}
		}
	}
	print_message("%u writable registers in the capability table, all with a spec row\n", writable);
	assert_int_equal(missing, 0);
	assert_true(writable >= 60);
}

/* --- resets ------------------------------------------------------------------ */

/* A register across resets: what is written, which bits the spec says
 * survive FLR and hot reset, and what the table does differently. */
struct sticky {
	enum where where;
	const char *cap;
	uint16_t off;
	uint8_t width;
	uint32_t write;      /* written before the reset (RW1C bits: cleared) */
	uint32_t sticky;     /* spec: RWS, RW1CS bits */
	uint32_t table_not;  /* sticky in the spec, reset by the table */
	const char *spec, *why;
};

static const struct sticky ep_sticky[] = {
	{ HDR, NULL, 0x04, 2, 0x0546, 0, 0, "§7.5.1.1.3: Command is not sticky", NULL },
	{ PCIE, NULL, 0x08, 2, 0x743f, 0x0400, 0, "§7.5.3.4: Aux Power PM Enable RWS", NULL },
	{ PCIE, NULL, 0x30, 2, 0xffbf, 0xffbf, 0, "§7.5.3.19: Link Control 2 RWS", NULL },
	{ PCIE, NULL, 0x32, 2, 0x0020, 0x0020, 0x0020, "§7.5.3.20: Link Equalization Request RW1CS",
	  "the table does not make Link Status 2 bit 5 sticky" },
	{ STD, "pm", 0x04, 2, 0x8100, 0x8100, 0, "§7.5.2.2: PME_En RWS, PME_Status RW1CS", NULL },
	{ EXT, "aer", 0x04, 4, 0x00000010, 0xfffff030, 0, "§7.8.4.2: RW1CS", NULL },
	{ EXT, "aer", 0x08, 4, 0x00400010, 0xfffff030, 0, "§7.8.4.3: RWS", NULL },
	{ EXT, "aer", 0x0c, 4, 0x00000010, 0xfffff030, 0, "§7.8.4.4: RWS", NULL },
	{ EXT, "aer", 0x10, 4, 0x00000001, 0x0000f1c1, 0, "§7.8.4.5: RW1CS", NULL },
	{ EXT, "aer", 0x14, 4, 0x0000f1c1, 0x0000f1c1, 0, "§7.8.4.6: RWS", NULL },
	{ EXT, "aer", 0x18, 4, 0x00000540, 0x00000d5f, 0, "§7.8.4.7: enables RWS", NULL },
};

/* The endpoint for the reset tests: FLR capable, PME from D3cold, AER
 * with status bits set at reset. */
static const char *ep_text =
	"vpci: 1\nname: sticky-ep\nfunction:\n  kind: endpoint\n"
	"  header: {vendor-id: 0x1234, device-id: 0x5678, class-code: 0x020000}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 64KiB}\n"
	"  capabilities:\n"
	"    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000, "
	"link-capabilities: 0x00000481, link-status-2: 0x0020}}\n"
	"    - {type: pm, offset: 0x80, fields: {pmc: 0xc803, pmcsr: 0x8008}}\n"
	"  extended-capabilities:\n"
	"    - {type: aer, offset: 0x100, version: 2, fields: {uncorrectable-status: 0x00001010, "
	"correctable-status: 0x00000041, capabilities-control: 0x000000a0}}\n";

static unsigned sticky_off(const struct sticky *s)
{
	return (s->where == HDR ? 0 : s->where == PCIE ? 0x40 : s->where == STD ? 0x80 : 0x100) + s->off;
}

/* The value after a warm reset: written RW bits survive where sticky,
 * cleared RW1C bits stay cleared where sticky, the rest is reset. */
static uint32_t after_warm(const struct sticky *s, uint32_t init, uint32_t written)
{
	uint32_t keep = s->sticky & ~s->table_not;

	return (written & keep) | (init & ~keep);
}

static void apply(vpci_emu *e, const struct sticky *tab, size_t n, uint32_t *init, uint32_t *written)
{
	for (size_t i = 0; i < n; i++) {
		unsigned off = sticky_off(&tab[i]);
		init[i] = rd(e, off, tab[i].width);
		wr(e, off, tab[i].width, tab[i].write);
		written[i] = rd(e, off, tab[i].width);
		assert_int_not_equal(written[i], init[i]); /* the write changed something */
	}
}

static void expect(vpci_emu *e, const struct sticky *tab, size_t n, const uint32_t *init,
		   const uint32_t *written, int cold, const char *what)
{
	unsigned bad = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t want = cold ? init[i] : after_warm(&tab[i], init[i], written[i]);
		uint32_t got = rd(e, sticky_off(&tab[i]), tab[i].width);
		if (got != want) {
			print_error("after %s: %#x (%s) reads %#x, expected %#x\n", what, sticky_off(&tab[i]),
				    tab[i].spec, got, want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

#define N_EP (sizeof(ep_sticky) / sizeof(ep_sticky[0]))
#define MAX_STICKY 16

/* A warm reset as the test triggers it. */
typedef void (*warm_fn)(vpci_emu *e);

/* Build @text, write @tab, run @warm (twice: a second warm reset changes
 * nothing more), check the sticky rules after it, then a cold reset and
 * the power-on values. */
static void reset_case(const char *text, const struct sticky *tab, size_t n, warm_fn warm, const char *what)
{
	vpci_func *f = parse(text);
	vpci_emu *e = NULL;
	uint32_t init[MAX_STICKY], written[MAX_STICKY];

	assert_true(n <= MAX_STICKY);
	assert_int_equal(vpci_emu_new(f, NULL, NULL, NULL, &e, NULL), 0);
	apply(e, tab, n, init, written);
	for (int k = 0; k < 2; k++) {
		warm(e);
		expect(e, tab, n, init, written, 0, what);
	}
	/* a cold reset brings back the power-on values, sticky or not */
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_COLD), 0);
	expect(e, tab, n, init, written, 1, "cold reset");
	for (size_t i = 0; i < n; i++)
		if (tab[i].table_not)
			print_message("table differs from the spec: %s: %s\n", tab[i].spec, tab[i].why);
	vpci_emu_free(e);
	vpci_func_free(f);
}

/* Initiate FLR the way a driver does: read-modify-write of Device Control */
static void flr_devctl(vpci_emu *e)
{
	wr(e, 0x48, 2, rd(e, 0x48, 2) | 0x8000);
	assert_int_equal(rd(e, 0x48, 2) & 0x8000, 0); /* Initiate FLR reads 0 (§7.5.3.4) */
}

/* AF Control bit 0, Initiate FLR (capable: AF Capabilities bit 1) */
static void flr_af(vpci_emu *e)
{
	wr(e, 0x94, 1, 0x01);
	assert_int_equal(rd(e, 0x94, 1), 0);
}

static void api_flr(vpci_emu *e)
{
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_FLR), 0);
}

static void api_hot(vpci_emu *e)
{
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_HOT), 0);
}

static void test_flr_keeps_sticky_bits(void **state)
{
	(void)state;
	reset_case(ep_text, ep_sticky, N_EP, flr_devctl, "FLR through Device Control");
}

static void test_api_resets(void **state)
{
	(void)state;
	reset_case(ep_text, ep_sticky, N_EP, api_flr, "vpci_emu_reset(FLR)");
	reset_case(ep_text, ep_sticky, N_EP, api_hot, "vpci_emu_reset(HOT)");
}

/* Conventional PCI: FLR through Advanced Features (AF Capabilities bit 1
 * FLR, AF Control bit 0 Initiate FLR; PCI AF ECN, PCIe r6.0 §7.9.21)
 * keeps PME_En/PME_Status (PCI-PM 1.2 §3.2.4: sticky with D3cold PME). */
static void test_af_flr_keeps_sticky(void **state)
{
	static const struct sticky conv[] = {
		{ HDR, NULL, 0x04, 2, 0x0146, 0, 0, "§7.5.1.1.3: Command is not sticky", NULL },
		{ STD, "pm", 0x04, 2, 0x8100, 0x8100, 0, "PCI-PM 1.2 §3.2.4: PME_En, PME_Status sticky", NULL },
	};

	(void)state;
	reset_case("vpci: 1\nname: af\nfunction:\n  kind: endpoint\n  config-size: 256\n"
		   "  header: {vendor-id: 0x1234, device-id: 0x567a, class-code: 0x020000}\n"
		   "  capabilities:\n"
		   "    - {type: pm, offset: 0x80, fields: {pmc: 0xc803, pmcsr: 0x8008}}\n"
		   "    - {type: af, offset: 0x90, fields: {length: 0x06, af-capabilities: 0x03}}\n",
		   conv, 2, flr_af, "FLR through Advanced Features");
}

/* Root port: AER root status and severity are sticky across a hot reset
 * (ports have no FLR). */
static void test_root_port_sticky(void **state)
{
	static const struct sticky rp[] = {
		{ PCIE, NULL, 0x18, 2, 0x0003, 0, 0, "§7.5.3.10: Slot Control is not sticky", NULL },
		{ EXT, "aer", 0x30, 4, 0x00000001, 0x7f, 0, "§7.8.4.10: Root Error Status RW1CS", NULL },
		{ EXT, "aer", 0x0c, 4, 0x00000010, 0xfffff030, 0, "§7.8.4.4: RWS", NULL },
	};

	(void)state;
	reset_case("vpci: 1\nname: rp\nfunction:\n  kind: bridge\n"
		   "  header: {vendor-id: 0x1234, device-id: 0x5679, class-code: 0x060400}\n"
		   "  capabilities:\n"
		   "    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0142, "
		   "link-capabilities: 0x00000481}}\n"
		   "  extended-capabilities:\n"
		   "    - {type: aer, offset: 0x100, version: 2, fields: {root-error-status: 0x00000005}}\n",
		   rp, 3, api_hot, "hot reset");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_are_consistent),
		cmocka_unit_test(test_every_writable_register_has_a_row),
		cmocka_unit_test(test_write_ones_read_back),
		cmocka_unit_test(test_flr_keeps_sticky_bits),
		cmocka_unit_test(test_api_resets),
		cmocka_unit_test(test_af_flr_keeps_sticky),
		cmocka_unit_test(test_root_port_sticky),
	};
	return cmocka_run_group_tests_name("emu-regs", tests, NULL, NULL);
}
