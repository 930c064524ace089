/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto.c - one message of QEMU's multi-process protocol against a served
 * function: decoding, validation, the engine calls, BAR decoding and the
 * answer.  No socket code here (serve.c), so that the fuzzer drives the
 * same path with any bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/regs.h"
#include "serve_priv.h"

/* the last register QEMU's proxy sizes at start-up */
#define CFG_CIS CFG0_CARDBUS_CIS

static void vlog(struct vpci_serve_fn *fn, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fn->ops.log(fn->opaque, buf);
}

void serve_log(struct vpci_serve_fn *fn, const char *fmt, ...)
{
	va_list ap;

	if (!fn->ops.log)
		return;
	va_start(ap, fmt);
	vlog(fn, fmt, ap);
	va_end(ap);
}

void serve_bad(struct vpci_serve_fn *fn, const char *fmt, ...)
{
	va_list ap;

	fn->st.bad++;
	if (!fn->ops.log || fn->logged > MPQ_BAD_LOGGED)
		return;
	if (fn->logged++ == MPQ_BAD_LOGGED) {
		fn->ops.log(fn->opaque, "further refused messages of this peer are only counted");
		return;
	}
	va_start(ap, fmt);
	vlog(fn, fmt, ap);
	va_end(ap);
}

/* --- wire ------------------------------------------------------------------ */

void mpq_hdr_decode(const uint8_t *b, int32_t *cmd, uint64_t *size)
{
	size_t sz;

	memcpy(cmd, b + offsetof(struct mpq_wire_hdr, cmd), sizeof(*cmd));
	memcpy(&sz, b + offsetof(struct mpq_wire_hdr, size), sizeof(sz));
	*size = sz;
}

void mpq_hdr_encode(uint8_t *b, int32_t cmd, uint64_t size)
{
	size_t sz = (size_t)size;

	memset(b, 0, MPQ_HDR_SIZE);
	memcpy(b + offsetof(struct mpq_wire_hdr, cmd), &cmd, sizeof(cmd));
	memcpy(b + offsetof(struct mpq_wire_hdr, size), &sz, sizeof(sz));
}

void mpq_reply_encode(uint8_t *b, uint64_t val)
{
	mpq_hdr_encode(b, MPQ_RET, 8);
	memcpy(b + MPQ_HDR_SIZE, &val, 8);
}

#define FIELD(buf, type, member, out) \
	memcpy(&(out), (buf) + offsetof(type, member), sizeof(out))

/* --- setup ----------------------------------------------------------------- */

static void msix_locate(struct vpci_serve_fn *fn, const vpci_func *f)
{
	struct vpci_msix_info m;

	if (vpci_func_msix(f, &m))
		return;
	fn->table_bir = m.table_bar;
	fn->pba_bir = m.pba_bar;
	fn->table_off = m.table_offset;
	fn->pba_off = m.pba_offset;
	fn->table_len = m.table_size;
	fn->pba_len = m.pba_size;
	fn->msix = fn->table_bir < 6 && fn->pba_bir < 6;
}

void serve_fn_setup(struct vpci_serve_fn *fn, const vpci_func *f)
{
	for (unsigned i = 0; i < 6; i++) {
		struct vpci_bar_info b;
		if (vpci_func_bar(f, i, &b) || b.type == VPCI_BAR_NONE || b.type == VPCI_BAR_MEM64_HI)
			continue;
		fn->bar[i].present = true;
		fn->bar[i].io = b.type == VPCI_BAR_IO;
		fn->bar_lo |= (uint8_t)(1u << i);
	}
	msix_locate(fn, f);
	fn->intx_pin = vpci_func_read(f, CFG_INTERRUPT_PIN, 1) != 0;
	fn->intx_disabled = (vpci_func_read(f, CFG_COMMAND, 2) & CFG_COMMAND_INTX_DISABLE) != 0;
	fn->probing = true;
	fn->sized = -1;
}

void serve_on_event(void *opaque, const struct vpci_event *ev)
{
	struct vpci_serve_fn *fn = opaque;

	if (ev->kind == VPCI_EV_BAR && ev->index < 6) {
		struct serve_bar *b = &fn->bar[ev->index];
		b->enabled = ev->enabled;
		b->addr = ev->addr;
		b->size = ev->size;
	} else if (ev->kind == VPCI_EV_COMMAND) {
		bool was = fn->intx_disabled;
		fn->intx_disabled = (ev->data & CFG_COMMAND_INTX_DISABLE) != 0;
		if (was != fn->intx_disabled)
			serve_intx_update(fn);
	}
	if (fn->ops.event)
		fn->ops.event(fn->opaque, ev);
}

/* --- config space ---------------------------------------------------------- */

/* QEMU 7.2's proxy sizes 0x10..0x28 as seven independent 32-bit BARs when
 * it starts (write all-ones, read, restore) and aborts on a size that is
 * not a power of two.  While that probe runs, a register that is not a
 * BAR's low DWORD (the upper half of a 64-bit BAR, an absent BAR, the CIS
 * pointer) answers 0, so the proxy makes no region for it. */
static uint32_t probe_answer(struct vpci_serve_fn *fn, unsigned off, uint32_t v)
{
	unsigned i = (off - CFG_BAR0) / 4;
	uint32_t size = ~(v & ~0xfu) + 1;

	if (!(fn->bar_lo & (1u << i)) || (size & (size - 1)))
		return 0;
	return v;
}

static bool probe_reg(unsigned off, int len)
{
	return len == 4 && off >= CFG_BAR0 && off <= CFG_CIS && !(off & 3);
}

static void probe_track_write(struct vpci_serve_fn *fn, unsigned off, int len, uint32_t val)
{
	if (!fn->probing)
		return;
	fn->sized = probe_reg(off, len) && val == 0xffffffffu ? (int)off : -1;
	/* the restore of the last register ends the probe */
	if (probe_reg(off, len) && off == CFG_CIS && val != 0xffffffffu)
		fn->probing = false;
}

static void traced(struct vpci_serve_fn *fn, enum vpci_serve_kind kind, int bar, uint64_t addr,
		   unsigned size, uint64_t val, int status)
{
	if (fn->ops.access) {
		struct vpci_serve_access a = { kind, bar, addr, size, val, status };
		fn->ops.access(fn->opaque, &a);
	}
}

static uint64_t cfg_access(struct vpci_serve_fn *fn, bool write, const uint8_t *data, uint64_t size)
{
	uint32_t addr, val;
	int32_t len;
	int rc;

	if (size != sizeof(struct mpq_wire_cfg)) {
		serve_bad(fn, "config %s with %llu bytes of data (want %zu): answered all-ones",
			  write ? "write" : "read", (unsigned long long)size, sizeof(struct mpq_wire_cfg));
		return UINT64_MAX;
	}
	FIELD(data, struct mpq_wire_cfg, addr, addr);
	FIELD(data, struct mpq_wire_cfg, val, val);
	FIELD(data, struct mpq_wire_cfg, len, len);
	if (len != 1 && len != 2 && len != 4) {
		serve_bad(fn, "config %s at 0x%x of length %d: answered all-ones", write ? "write" : "read",
			  addr, len);
		traced(fn, write ? VPCI_SERVE_CFG_WRITE : VPCI_SERVE_CFG_READ, -1, addr, 0, val, VPCI_ERANGE);
		return UINT64_MAX;
	}
	if (write) {
		fn->st.cfg_writes++;
		probe_track_write(fn, addr, len, val);
		rc = vpci_emu_write(fn->emu, addr, (unsigned)len, val);
	} else {
		fn->st.cfg_reads++;
		rc = vpci_emu_read(fn->emu, addr, (unsigned)len, &val);
		if (!rc && fn->probing && fn->sized >= 0 && (unsigned)fn->sized == addr && len == 4)
			val = probe_answer(fn, addr, val);
		if (fn->probing)
			fn->sized = -1;
	}
	if (rc)
		serve_bad(fn, "config %s at 0x%x/%d refused (%s): answered all-ones", write ? "write" : "read",
			  addr, len, vpci_strerror(rc));
	traced(fn, write ? VPCI_SERVE_CFG_WRITE : VPCI_SERVE_CFG_READ, -1, addr, (unsigned)len, val, rc);
	if (rc)
		return UINT64_MAX;
	return write ? 0 : val;
}

/* --- BAR space ------------------------------------------------------------- */

static bool inside(uint64_t off, unsigned size, uint64_t start, uint64_t len)
{
	return off >= start && off - start < len && size <= len - (off - start);
}

/* The MSI-X table or PBA: the engine takes aligned 4- and 8-byte accesses;
 * other sizes become aligned DWORD reads (and read-modify-writes). */
static int msix_access(struct vpci_serve_fn *fn, bool pba, uint64_t off, unsigned size, bool write,
		       uint64_t *val)
{
	if ((size == 4 || size == 8) && !(off % size)) {
		if (write)
			return pba ? 0 : vpci_emu_msix_table_write(fn->emu, (unsigned)off, size, *val);
		return vpci_emu_msix_table_read(fn->emu, pba, (unsigned)off, size, val);
	}
	uint64_t out = 0;
	for (unsigned i = 0; i < size; i++) {
		uint64_t dw;
		unsigned o = (unsigned)(off + i), sh = (o & 3) * 8;
		int rc = vpci_emu_msix_table_read(fn->emu, pba, o & ~3u, 4, &dw);
		if (rc)
			return rc;
		if (write) {
			if (pba)
				continue;
			dw = (dw & ~((uint64_t)0xff << sh)) | (((*val >> (8 * i)) & 0xff) << sh);
			rc = vpci_emu_msix_table_write(fn->emu, o & ~3u, 4, dw);
			if (rc)
				return rc;
		} else {
			out |= ((dw >> sh) & 0xff) << (8 * i);
		}
	}
	if (!write)
		*val = out;
	return 0;
}

static int bar_access(struct vpci_serve_fn *fn, bool write, const uint8_t *data, uint64_t size,
		      unsigned nfds, uint64_t *val)
{
	uint64_t addr;
	uint32_t sz;
	uint8_t memory;

	if (size != sizeof(struct mpq_wire_bar) || nfds) {
		serve_bad(fn, "BAR %s with %llu bytes of data and %u fds (want %zu and none): answered all-ones",
			  write ? "write" : "read", (unsigned long long)size, nfds, sizeof(struct mpq_wire_bar));
		return VPCI_EINVAL;
	}
	FIELD(data, struct mpq_wire_bar, addr, addr);
	FIELD(data, struct mpq_wire_bar, val, *val);
	FIELD(data, struct mpq_wire_bar, size, sz);
	FIELD(data, struct mpq_wire_bar, memory, memory);
	if (write)
		fn->st.bar_writes++;
	else
		fn->st.bar_reads++;
	fn->probing = false;
	fn->sized = -1;
	if (sz != 1 && sz != 2 && sz != 4 && sz != 8) {
		serve_bad(fn, "BAR %s at 0x%llx of size %u: answered all-ones", write ? "write" : "read",
			  (unsigned long long)addr, sz);
		traced(fn, write ? VPCI_SERVE_BAR_WRITE : VPCI_SERVE_BAR_READ, -1, addr, 0, *val, VPCI_ERANGE);
		return VPCI_ERANGE;
	}
	/* which BAR decodes it, as the engine's BAR events placed them */
	int bar = -1;
	for (unsigned i = 0; i < 6 && bar < 0; i++) {
		const struct serve_bar *b = &fn->bar[i];
		if (b->present && b->enabled && b->io == !memory && inside(addr, sz, b->addr, b->size))
			bar = (int)i;
	}
	int rc;
	uint64_t off = addr;
	if (bar < 0) {
		serve_bad(fn, "BAR %s of %u bytes at %s 0x%llx: no enabled BAR decodes it, answered all-ones",
			  write ? "write" : "read", sz, memory ? "memory" : "I/O", (unsigned long long)addr);
		rc = VPCI_ENOENT;
	} else {
		off = addr - fn->bar[bar].addr;
		if (fn->msix && (unsigned)bar == fn->table_bir && inside(off, sz, fn->table_off, fn->table_len))
			rc = msix_access(fn, false, off - fn->table_off, sz, write, val);
		else if (fn->msix && (unsigned)bar == fn->pba_bir && inside(off, sz, fn->pba_off, fn->pba_len))
			rc = msix_access(fn, true, off - fn->pba_off, sz, write, val);
		else if (write)
			rc = fn->ops.bar_write ? fn->ops.bar_write(fn->opaque, (unsigned)bar, off, sz, *val) : 0;
		else if (fn->ops.bar_read)
			rc = fn->ops.bar_read(fn->opaque, (unsigned)bar, off, sz, val);
		else
			rc = 0, *val = 0;
		if (rc)
			serve_bad(fn, "BAR %u %s of %u bytes at offset 0x%llx failed (%s): answered all-ones",
				  (unsigned)bar, write ? "write" : "read", sz, (unsigned long long)off,
				  vpci_strerror(rc));
	}
	if (!write && !rc)
		*val &= width_mask(sz);
	traced(fn, write ? VPCI_SERVE_BAR_WRITE : VPCI_SERVE_BAR_READ, bar, off, sz, *val, rc);
	return rc;
}

/* --- dispatch -------------------------------------------------------------- */

static const char *const cmd_names[MPQ_CMD_COUNT] = {
	"SYNC_SYSMEM", "RET", "PCI_CFGWRITE", "PCI_CFGREAD", "BAR_WRITE", "BAR_READ", "SET_IRQFD",
	"DEVICE_RESET",
};

enum serve_action serve_dispatch(struct vpci_serve_fn *fn, int32_t cmd, const uint8_t *data,
				 uint64_t size, unsigned nfds, uint64_t *reply)
{
	uint64_t val = 0;
	int rc;

	*reply = 0;
	if (size > MPQ_DATA_LIMIT)
		size = MPQ_DATA_LIMIT + 1; /* never matches a valid size */
	/* requests QEMU waits for get exactly one answer */
	switch (cmd) {
	case MPQ_CFG_READ:
	case MPQ_CFG_WRITE:
		if (nfds)
			serve_bad(fn, "%s with %u fds: fds closed", cmd_names[cmd], nfds);
		*reply = cfg_access(fn, cmd == MPQ_CFG_WRITE, data, size);
		return SERVE_REPLY;
	case MPQ_BAR_READ:
	case MPQ_BAR_WRITE:
		rc = bar_access(fn, cmd == MPQ_BAR_WRITE, data, size, nfds, &val);
		*reply = rc ? UINT64_MAX : cmd == MPQ_BAR_READ ? val : 0;
		return SERVE_REPLY;
	case MPQ_DEVICE_RESET:
		if (size || nfds)
			serve_bad(fn, "DEVICE_RESET with %llu bytes of data and %u fds: reset anyway",
				  (unsigned long long)size, nfds);
		fn->st.resets++;
		fn->probing = false;
		fn->sized = -1;
		rc = vpci_emu_reset(fn->emu, VPCI_RESET_HOT);
		serve_log(fn, "reset (QEMU device reset: hot reset)%s%s", rc ? ": " : "",
			  rc ? vpci_strerror(rc) : "");
		traced(fn, VPCI_SERVE_RESET, -1, 0, 0, 0, rc);
		*reply = rc ? UINT64_MAX : 0;
		return SERVE_REPLY;
	case MPQ_SET_IRQFD:
		if (size || nfds != 2) {
			serve_bad(fn, "SET_IRQFD with %llu bytes of data and %u fds (want none and 2): ignored",
				  (unsigned long long)size, nfds);
			return SERVE_NOTHING;
		}
		return SERVE_IRQFD;
	case MPQ_SYNC_SYSMEM:
		/* guest memory: the server does no DMA, the fds are closed */
		if (size != MPQ_SYSMEM_SIZE || !nfds || nfds > MPQ_MAX_FDS)
			serve_bad(fn, "SYNC_SYSMEM with %llu bytes of data and %u fds: ignored",
				  (unsigned long long)size, nfds);
		else
			fn->st.sysmem++;
		return SERVE_NOTHING;
	case MPQ_RET:
		serve_bad(fn, "unexpected RET from the peer: ignored");
		return SERVE_NOTHING;
	default:
		serve_bad(fn, "unknown command %d with %llu bytes of data: ignored", (int)cmd,
			  (unsigned long long)size);
		return SERVE_NOTHING;
	}
}
