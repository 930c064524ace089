/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-serve.c - libFuzzer target for vpci serve's message decoder: the
 * input is what a hostile QEMU peer sends.
 *
 * The first byte picks the path:
 *   even: the decoder and dispatcher directly, as a sequence of records
 *         [header][fd count][data]: every command number, every announced
 *         size (up to 2^64-1), every address, length, size and `memory`
 *         byte, any number of fds said to come with the message;
 *   odd:  the same bytes through a real socket pair and the transport,
 *         cut into chunks at fuzzed points (partial headers and data,
 *         announced sizes too large to follow).
 * Checked after every message:
 *   - a request QEMU waits for (config/BAR read/write, device reset) gets
 *     exactly one answer, anything else none;
 *   - a config or BAR read answers all-ones or a value of its width, a
 *     well-formed config read within 4 KiB never fails;
 *   - the server never crashes or reads outside the data (ASan).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/serve_priv.h"
#include "vpci/vpci.h"

static const char INSTANCE[] =
	"vpci: 1\nname: fz\nfunction:\n"
	"  header: {vendor-id: 0x1b36, device-id: 0x0010, class-code: 0x010802, interrupt-pin: 1}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 16KiB}\n    - {index: 2, type: io, size: 32}\n"
	"    - {index: 3, type: mem32, size: 4KiB}\n"
	"  capabilities:\n"
	"    - {type: msi, offset: 0x48, fields: {message-control: 0x0186}}\n"
	"    - {type: msix, offset: 0x60, fields: {message-control: 0x0007, table: 0x2000, pba: 0x3000}}\n"
	"    - {type: pcie, offset: 0x70, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}}\n";

static vpci_func *func;
static uint8_t regs[3][256];

static int bar_read(void *o, unsigned bar, uint64_t off, unsigned size, uint64_t *val)
{
	(void)o;
	if (bar > 5 || size > 8)
		abort();
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint64_t)regs[bar % 3][(off + i) & 0xff] << (8 * i);
	return (off & 0xfff) == 0xbad ? VPCI_EIO : 0;
}

static int bar_write(void *o, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	(void)o;
	if (bar > 5 || size > 8)
		abort();
	for (unsigned i = 0; i < size; i++)
		regs[bar % 3][(off + i) & 0xff] = (uint8_t)(val >> (8 * i));
	return 0;
}

static bool is_request(int32_t cmd)
{
	return cmd == MPQ_CFG_READ || cmd == MPQ_CFG_WRITE || cmd == MPQ_BAR_READ || cmd == MPQ_BAR_WRITE ||
	       cmd == MPQ_DEVICE_RESET;
}

static void check(int32_t cmd, const uint8_t *data, uint64_t size, enum serve_action act, uint64_t reply)
{
	if ((act == SERVE_REPLY) != is_request(cmd))
		abort();
	if (cmd == MPQ_CFG_READ && size == sizeof(struct mpq_wire_cfg)) {
		uint32_t addr;
		int32_t len;
		memcpy(&addr, data + offsetof(struct mpq_wire_cfg, addr), 4);
		memcpy(&len, data + offsetof(struct mpq_wire_cfg, len), 4);
		bool valid = (len == 1 || len == 2 || len == 4) && addr <= VPCI_CFG_SIZE - (unsigned)len;
		if (valid && reply > width_mask((unsigned)len))
			abort();
		if (!valid && reply != UINT64_MAX)
			abort();
	}
	if (cmd == MPQ_BAR_READ && size == sizeof(struct mpq_wire_bar)) {
		uint32_t sz;
		memcpy(&sz, data + offsetof(struct mpq_wire_bar, size), 4);
		if (reply != UINT64_MAX && (sz > 8 || reply > width_mask(sz)))
			abort();
	}
}

static uint64_t get(const uint8_t *p, size_t n, size_t *pos, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++, (*pos)++)
		v |= (uint64_t)(*pos < n ? p[*pos] : 0) << (8 * i);
	return v;
}

/* records: cmd (4), size (8), fd count (1), then min(size, rest) bytes */
static void direct(vpci_serve_fn *fn, const uint8_t *p, size_t n)
{
	static uint8_t data[MPQ_DATA_LIMIT];
	size_t pos = 0;

	while (pos < n) {
		int32_t cmd = (int32_t)get(p, n, &pos, 4);
		uint64_t size = get(p, n, &pos, 8);
		unsigned nfds = (unsigned)get(p, n, &pos, 1) % (MPQ_MAX_FDS + 2);
		size_t rest = pos < n ? n - pos : 0;
		size_t have = rest < size ? rest : (size_t)size;
		if (have > sizeof(data))
			have = sizeof(data);
		memset(data, 0, sizeof(data));
		memcpy(data, p + pos, have);
		pos += have;
		uint64_t reply = 0;
		enum serve_action act = serve_dispatch(fn, cmd, data, size, nfds, &reply);
		check(cmd, data, size, act, reply);
	}
}

/* the bytes through the transport: header fields laid out as QEMU's */
static void transport(vpci_serve *s, vpci_serve_fn *fn, const uint8_t *p, size_t n)
{
	int sv[2];
	uint8_t sink[4096];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();
	if (vpci_serve_attach(fn, sv[0]))
		abort();
	size_t pos = 0;
	while (pos < n) {
		size_t chunk = 1 + p[pos] % 64;
		pos++;
		if (chunk > n - pos)
			chunk = n - pos;
		if (chunk && send(sv[1], p + pos, chunk, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
			break; /* the server disconnected */
		pos += chunk;
		if (vpci_serve_poll(s, 0) < 0)
			abort();
		while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
	close(sv[1]);
	for (int i = 0; i < 100 && vpci_serve_poll(s, 0) > 0; i++)
		;
	if (vpci_serve_poll(s, 0) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vpci_serve_ops ops = { bar_read, bar_write, NULL, NULL, NULL };
	vpci_serve *s;
	vpci_serve_fn *fn;

	if (!func && vpci_parse_buffer(INSTANCE, strlen(INSTANCE), "fuzz", &func, NULL))
		abort();
	if (!size)
		return 0;
	if (vpci_serve_new(&s) || vpci_serve_add(s, func, NULL, &ops, NULL, &fn, NULL))
		abort();
	if (data[0] & 1)
		transport(s, fn, data + 1, size - 1);
	else
		direct(fn, data + 1, size - 1);
	vpci_serve_free(s);
	return 0;
}
