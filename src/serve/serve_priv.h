/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * serve_priv.h - the QEMU multi-process protocol and a served function
 * (private)
 *
 * The protocol is the one QEMU 7.2's x-pci-proxy-dev speaks (its
 * include/hw/remote/mpqemu-link.h; facts only, our own code).  Both ends
 * run on one host, so every field is in the host's byte order and layout:
 *
 *   header   int cmd; size_t size;              16 bytes on x86-64
 *   data     `size` bytes, depending on cmd
 *   fds      SCM_RIGHTS on the same sendmsg as the header
 *
 *   cmd  name          data                                    answer
 *   0    SYNC_SYSMEM   8 x {u64 gpa}, 8 x {u64 size},          none
 *                      8 x {off_t offset}, 1..8 memory fds
 *   1    RET           u64                                     (an answer)
 *   2    PCI_CFGWRITE  {u32 addr; u32 val; int len}            RET u64 0
 *   3    PCI_CFGREAD   {u32 addr; u32 val; int len}            RET u64 value
 *   4    BAR_WRITE     {u64 addr; u64 val; unsigned size;      RET u64 0
 *                       bool memory}
 *   5    BAR_READ      the same                                RET u64 value
 *   6    SET_IRQFD     none; fds: interrupt, resample eventfds none
 *   7    DEVICE_RESET  none                                    RET
 *
 * A BAR access carries the guest address (QEMU adds the region's base),
 * `memory` false for I/O space.  An answer of all-ones means failure.
 */
#ifndef VPCI_SERVE_PRIV_H
#define VPCI_SERVE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/common.h"
#include "vpci/serve.h"

enum mpq_cmd {
	MPQ_SYNC_SYSMEM = 0,
	MPQ_RET,
	MPQ_CFG_WRITE,
	MPQ_CFG_READ,
	MPQ_BAR_WRITE,
	MPQ_BAR_READ,
	MPQ_SET_IRQFD,
	MPQ_DEVICE_RESET,
	MPQ_CMD_COUNT
};

/* The layouts of the wire structures, in the host's C ABI as QEMU's. */
struct mpq_wire_hdr {
	int32_t cmd;
	size_t size;
};
struct mpq_wire_cfg {
	uint32_t addr;
	uint32_t val;
	int32_t len;
};
struct mpq_wire_bar {
	uint64_t addr;
	uint64_t val;
	uint32_t size;
	bool memory;
};

#define MPQ_HDR_SIZE sizeof(struct mpq_wire_hdr)
#define MPQ_MAX_FDS 8          /* QEMU's REMOTE_MAX_FDS */
#define MPQ_SYSMEM_SIZE (MPQ_MAX_FDS * 3 * 8)
#define MPQ_DATA_LIMIT 4096    /* more cannot be skipped safely: disconnect */
#define MPQ_REPLY_SIZE (MPQ_HDR_SIZE + 8)
#define MPQ_BAD_LOGGED 16      /* bad messages logged per peer, then counted */

/* What the transport does after a message was dispatched. */
enum serve_action {
	SERVE_NOTHING = 0, /* no answer (and close any fds) */
	SERVE_REPLY,       /* send RET with the value */
	SERVE_IRQFD,       /* keep fds[0] (interrupt) and fds[1] (resample) */
};

struct serve_bar {
	bool present, io, enabled;
	uint64_t addr, size;
};

struct serve_stats {
	unsigned long cfg_reads, cfg_writes, bar_reads, bar_writes, resets, sysmem, bad;
};

/* One served function: the engine, how BAR space decodes, the peer. */
struct vpci_serve_fn {
	struct vpci_serve *srv;
	struct vpci_serve_fn *next;
	vpci_emu *emu;
	struct vpci_serve_ops ops;
	void *opaque;

	struct serve_bar bar[6];
	bool msix;                 /* MSI-X table and PBA location known */
	unsigned table_bir, pba_bir;
	uint64_t table_off, table_len, pba_off, pba_len;

	uint8_t bar_lo;            /* bit i: register 0x10 + 4i is a BAR's low DWORD */
	bool probing;              /* QEMU's start-up BAR probe is running */
	int sized;                 /* register just written with all-ones, or -1 */

	bool intx_pin, intx_disabled, intx_level;

	/* the transport (serve.c) */
	int state;
	int fd, listen_fd, irq_fd, resample_fd;
	char *path;
	uint8_t hdr[MPQ_HDR_SIZE];
	uint8_t data[MPQ_DATA_LIMIT];
	size_t have;               /* bytes of the current message received */
	uint64_t size;             /* its data size, once the header is complete */
	int fds[MPQ_MAX_FDS];
	unsigned nfds;
	bool fds_lost;

	struct serve_stats st;
	unsigned logged;
};

/* proto.c: everything between a received message and the engine. */

/* Prepare @fn for @f (BAR kinds, MSI-X location, the probe registers);
 * @fn->emu must be set. */
void serve_fn_setup(struct vpci_serve_fn *fn, const vpci_func *f);
/* The engine's event callback (opaque = the function). */
void serve_on_event(void *opaque, const struct vpci_event *ev);
/* Decode a header. */
void mpq_hdr_decode(const uint8_t *b, int32_t *cmd, uint64_t *size);
/* Encode a RET answer of MPQ_REPLY_SIZE bytes. */
void mpq_reply_encode(uint8_t *b, uint64_t val);
/* Encode a header (for tests and fuzzing). */
void mpq_hdr_encode(uint8_t *b, int32_t cmd, uint64_t size);
/* Act on one complete message: @data holds min(@size, MPQ_DATA_LIMIT)
 * bytes, @nfds file descriptors came with it.  *@reply receives the
 * answer for SERVE_REPLY. */
enum serve_action serve_dispatch(struct vpci_serve_fn *fn, int32_t cmd, const uint8_t *data,
				 uint64_t size, unsigned nfds, uint64_t *reply);
/* Log a line through the function's log callback. */
void serve_log(struct vpci_serve_fn *fn, const char *fmt, ...) PRINTF(2, 3);
/* Log a refused message (rate-limited per peer) and count it. */
void serve_bad(struct vpci_serve_fn *fn, const char *fmt, ...) PRINTF(2, 3);

/* serve.c: the transport reacts to INTx Disable changes. */
void serve_intx_update(struct vpci_serve_fn *fn);

#endif
