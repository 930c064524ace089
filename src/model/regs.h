/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model/regs.h - offsets and bits of the config registers the code names
 *
 * The capability table (captab.c) is the register map of every field the
 * format knows; this header names the registers that code (rather than
 * the table) reads or writes: the header, capability headers, and the
 * registers structure, validation, rendering and policies look at.
 * References: PCI Express Base Specification r6.0 ("PCIe"), PCI Local Bus
 * Specification 3.0 ("PCI").  Capability register offsets are relative
 * to the capability's start.
 */
#ifndef VPCI_MODEL_REGS_H
#define VPCI_MODEL_REGS_H

/* --- type 0/1 common header (PCIe §7.5.1.1) ------------------------------------ */

#define CFG_VENDOR_ID           0x00    /* §7.5.1.1.1 */
#define CFG_DEVICE_ID           0x02    /* §7.5.1.1.2 */
#define CFG_COMMAND             0x04    /* §7.5.1.1.3 */
#define  CFG_COMMAND_MEMORY     0x0002  /*   Memory Space Enable */
#define  CFG_COMMAND_INTX_DISABLE 0x0400 /*  Interrupt Disable */
#define CFG_STATUS              0x06    /* §7.5.1.1.4 */
#define  CFG_STATUS_CAP_LIST    0x0010  /*   Capabilities List */
#define CFG_REVISION_ID         0x08    /* §7.5.1.1.5 */
#define CFG_CLASS_CODE          0x09    /* §7.5.1.1.6: 3 bytes, programming interface first */
#define CFG_CLASS_DEVICE        0x0a    /*   sub-class and base class, 16 bits */
#define CFG_CACHE_LINE_SIZE     0x0c    /* §7.5.1.1.7 */
#define CFG_LATENCY_TIMER       0x0d    /* §7.5.1.1.8 */
#define CFG_HEADER_TYPE         0x0e    /* §7.5.1.1.9 */
#define  CFG_HEADER_LAYOUT      0x7f    /*   layout: 0 type 0, 1 type 1, 2 CardBus */
#define  CFG_HEADER_MULTIFUNC   0x80    /*   Multi-Function Device */
#define CFG_BIST                0x0f    /* §7.5.1.1.10 */
#define CFG_BAR0                0x10    /* §7.5.1.2.1: BARs 0..5 (type 1: 0..1), 4 bytes each */
#define CFG_CAP_PTR             0x34    /* §7.5.1.1.11 */
#define  CFG_CAP_PTR_MASK       0xfc    /*   bits 1:0 are reserved */
#define CFG_INTERRUPT_LINE      0x3c    /* §7.5.1.1.12 */
#define CFG_INTERRUPT_PIN       0x3d    /* §7.5.1.1.13: 0 none, 1..4 INTA..INTD */
#define CFG_HEADER_END          0x40    /* capabilities live in 0x40..0xff */

/* type 0 (§7.5.1.2) */
#define CFG0_CARDBUS_CIS        0x28    /* §7.5.1.2.2: CardBus CIS Pointer */
#define CFG0_SUBSYSTEM_VENDOR   0x2c    /* §7.5.1.2.3 */
#define CFG0_SUBSYSTEM_ID       0x2e
#define CFG0_ROM                0x30    /* §7.5.1.2.4 */

/* type 1 (§7.5.1.3) */
#define CFG1_ROM                0x38    /* Expansion ROM Base Address of a bridge */

/* type 2, CardBus bridge (PCI to CardBus Bridge Interface 1.0) */
#define CFG2_CAP_PTR            0x14

/* BAR low bits (PCI §6.2.5.1) and the ROM register (PCI §6.2.5.2) */
#define BAR_SPACE_IO            0x1     /* bit 0: I/O space */
#define BAR_MEM_TYPE            0x6     /* bits 2:1: 0 32-bit, 1 below 1 MiB, 2 64-bit */
#define  BAR_MEM_TYPE_1M        0x2
#define  BAR_MEM_TYPE_64        0x4
#define BAR_MEM_PREFETCH        0x8
#define BAR_IO_ADDR             0xfffffffcu
#define BAR_MEM_ADDR            0xfffffff0u
#define ROM_ENABLE              0x1
#define ROM_ADDR                0xfffff800u

/* --- capability lists ----------------------------------------------------------------- */

/* standard capability header (PCI §6.7) */
#define CAP_ID                  0x00
#define CAP_NEXT                0x01
#define CAP_LIST_MAX            48      /* (0x100 - 0x40) / 4 DWORDs */

/* extended capability header (PCIe §7.6.3): ID 15:0, version 19:16, next 31:20 */
#define ECAP_HEADER             0x00
#define ECAP_START              0x100
#define ECAP_LIST_MAX           960     /* (0x1000 - 0x100) / 4 DWORDs */
#define ECAP_NEXT(h)            (((h) >> 20) & 0xffc)
#define ECAP_VERSION(h)         (((h) >> 16) & 0xf)

/* capability IDs the code names (PCI Code and ID Assignment r1.11) */
#define CAPID_NULL              0x00
#define CAPID_PM                0x01
#define CAPID_MSI               0x05
#define CAPID_VENDOR            0x09
#define CAPID_PCIE              0x10
#define CAPID_SSVID             0x0d    /* bridge subsystem vendor ID */
#define CAPID_MSIX              0x11
#define CAPID_AF                0x13
#define ECAPID_NULL             0x0000
#define ECAPID_AER              0x0001
#define ECAPID_DSN              0x0003
#define ECAPID_VSEC             0x000b
#define ECAPID_ACS              0x000d
#define ECAPID_ATS              0x000f
#define ECAPID_SRIOV            0x0010
#define ECAPID_PRI              0x0013
#define ECAPID_REBAR            0x0015
#define ECAPID_PASID            0x001b
#define ECAPID_DVSEC            0x0023
#define ECAPID_VF_REBAR         0x0024
#define ECAPID_DOE              0x002e

/* --- registers inside capabilities -------------------------------------------------- */

/* PCI Power Management (PCIe §7.5.2) */
#define PM_PMC                  0x02
#define  PM_PMC_VERSION         0x0007

/* MSI (PCIe §7.7.1) */
#define MSI_CTL                 0x02    /* §7.7.1.2 Message Control */
#define  MSI_CTL_MMC(v)         (((v) >> 1) & 7) /* Multiple Message Capable */
#define  MSI_CTL_MME(v)         (((v) >> 4) & 7) /* Multiple Message Enable */
#define  MSI_CTL_64BIT          0x0080
#define  MSI_CTL_PVM            0x0100  /* per-vector masking */
#define  MSI_CTL_EXT_DATA       0x0200  /* extended message data capable */

/* MSI-X (PCIe §7.7.2) */
#define MSIX_CTL                0x02    /* §7.7.2.2 Message Control */
#define  MSIX_CTL_TABLE_SIZE    0x07ff  /*   N - 1 */
#define MSIX_TABLE              0x04    /* §7.7.2.3 Table Offset/Table BIR */
#define MSIX_PBA                0x08    /* §7.7.2.4 PBA Offset/PBA BIR */
#define  MSIX_BIR               0x7
#define MSIX_ENTRY_SIZE         16      /* §7.7.2: one table entry per vector */

/* PCI Advanced Features (PCI Advanced Capabilities for Conventional PCI ECN) */
#define AF_CAP                  0x03    /* AF Capabilities */
#define  AF_CAP_FLR             0x02    /*   FLR capable */
#define AF_CTL                  0x04    /* AF Control */
#define  AF_CTL_FLR             0x01    /*   Initiate FLR: reads 0 */
/* PCI Express capability (PCIe §7.5.3) */
#define PCIE_FLAGS              0x02    /* §7.5.3.2 PCI Express Capabilities */
#define  PCIE_FLAGS_VERSION(v)  ((v) & 0xf)
#define  PCIE_FLAGS_TYPE(v)     (((v) >> 4) & 0xf)
#define  PCIE_FLAGS_SLOT        0x0100
#define  PCIE_FLAGS_MSGNUM(v)   (((v) >> 9) & 0x1f)
#define PCIE_DEVCAP             0x04    /* §7.5.3.3 Device Capabilities */
#define  PCIE_DEVCAP_MPSS       0x7     /*   Max_Payload_Size Supported */
#define  PCIE_DEVCAP_FLR        (1u << 28) /* Function Level Reset Capability */
#define PCIE_DEVCTL             0x08    /* §7.5.3.4 Device Control */
#define  PCIE_DEVCTL_FLR        0x8000  /*   Initiate Function Level Reset: reads 0 */
#define  PCIE_DEVCTL_MPS(v)     (((v) >> 5) & 7)
#define  PCIE_DEVCTL_MRRS(v)    (((v) >> 12) & 7)
#define PCIE_LINKCAP            0x0c    /* §7.5.3.6 Link Capabilities */
#define  PCIE_LINKCAP_WIDTH(v)  (((v) >> 4) & 0x3f)
/* device/port types (§7.5.3.2) */
#define PCIE_TYPE_ENDPOINT      0
#define PCIE_TYPE_LEGACY        1
#define PCIE_TYPE_ROOT_PORT     4
#define PCIE_TYPE_UPSTREAM      5
#define PCIE_TYPE_DOWNSTREAM    6
#define PCIE_TYPE_PCIE_TO_PCI   7
#define PCIE_TYPE_PCI_TO_PCIE   8
#define PCIE_TYPE_RCIEP         9
#define PCIE_TYPE_RCEC          10

/* Vendor Specific capability (PCI §6.7, PCIe §7.9.4): its length */
#define VNDR_LEN                0x02
/* VSEC and DVSEC (PCIe §7.9.5, §7.9.6): length in bits 31:20 of DWORD 1 */
#define VSEC_HEADER             0x04
#define  VSEC_LEN(v)            ((v) >> 20)
#define  VSEC_REV(v)            (((v) >> 16) & 0xf)
#define DVSEC_ID                0x08    /* DVSEC ID (Designated Vendor-Specific Header 2) */

/* Subsystem ID and Subsystem Vendor ID capability of a bridge (PCI-to-PCI
 * Bridge Architecture 1.2 §3.2.5.14): both IDs in DWORD 1 */
#define SSVID_IDS               0x04

/* Device Serial Number (PCIe §7.9.3) */
#define DSN_SERIAL              0x04    /* 8 bytes */

/* ACS (PCIe §7.7.8) */
#define ACS_CAP                 0x04
#define  ACS_CAP_EC             0x0020  /*   Egress Control */
#define  ACS_CAP_VECTOR(v)      ((v) >> 8)
#define ACS_CTL                 0x06

/* Resizable BAR (PCIe §7.8.6): entries of 8 bytes from 0x04 */
#define REBAR_CAP               0x04
#define REBAR_CTL               0x08
#define  REBAR_CTL_BAR          0x7
#define  REBAR_CTL_NBARS(v)     (((v) >> 5) & 7)
#define  REBAR_CTL_SIZE(v)      (((v) >> 8) & 0x3f)
#define REBAR_ENTRY             8

/* PASID (PCIe §7.8.9) */
#define PASID_CAP               0x04    /* §7.8.9.2 */
#define  PASID_CAP_WIDTH(v)     (((v) >> 8) & 0x1f)

/* TPH Requester (PCIe §7.9.13) */
#define TPH_CAP                 0x04

/* SR-IOV (PCIe §9.3.3) */
#define SRIOV_CTL_VF_ENABLE     0x0001  /* §9.3.3.3.1 */
#define SRIOV_CTL_VF_MSE        0x0008  /* §9.3.3.3.4: VF Memory Space Enable */
#define SRIOV_INITIAL_VFS       0x0c    /* §9.3.3.5 */
#define SRIOV_TOTAL_VFS         0x0e    /* §9.3.3.6 */
#define SRIOV_NUM_VFS           0x10    /* §9.3.3.7 */
#define SRIOV_VF_STRIDE         0x16    /* §9.3.3.10 */
#define SRIOV_SUP_PGSIZE        0x1c    /* §9.3.3.12 */
#define SRIOV_SYS_PGSIZE        0x20    /* §9.3.3.13 */

#endif /* VPCI_MODEL_REGS_H */
