/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-serve.c - vpci serve against a fake QEMU: this test is the peer on
 * a socket pair (or a listening path) and speaks QEMU 7.2's multi-process
 * protocol to the server, message by message:
 *   - QEMU's start-up BAR probe of 0x10..0x28 (upper halves of 64-bit
 *     BARs, absent BARs and the CIS pointer answer 0), then the guest's
 *     own sizing after the device reset;
 *   - config accesses reaching the engine, events, read-only bits;
 *   - BAR accesses: the MSI-X table and PBA through the engine, the rest
 *     through the program's BAR handler, misses answered with all-ones;
 *   - device reset, INTx through the irqfd and its resample fd;
 *   - memory fds closed, malformed and unknown messages answered safely,
 *     a stream that cannot be followed disconnected, a split message;
 *   - a listening path; bridges refused;
 *   - the vpci serve command with an inherited fd and with --socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "serve/serve_priv.h"
#include "vpci/vpci.h"

/* An endpoint with MSI-X in BAR 0 (64-bit), an I/O BAR, a 32-bit BAR,
 * INTx pin A and FLR. */
static const char ENDPOINT[] =
	"vpci: 1\nname: ep\nfunction:\n"
	"  config-size: 4096\n"
	"  header: {vendor-id: 0x1234, device-id: 0x5678, class-code: 0x020000, interrupt-pin: 1}\n"
	"  bars:\n"
	"    - {index: 0, type: mem64, size: 16KiB}\n"
	"    - {index: 2, type: io, size: 32}\n"
	"    - {index: 3, type: mem32, size: 4KiB}\n"
	"  capabilities:\n"
	"    - {type: msix, offset: 0x40, fields: {message-control: 0x0003, table: 0x2000, pba: 0x3000}}\n"
	"    - {type: pcie, offset: 0x60, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}}\n";

static const char BRIDGE[] =
	"vpci: 1\nname: br\nfunction:\n  kind: bridge\n"
	"  header: {vendor-id: 0x8086, device-id: 0x1234, class-code: 0x060400}\n";

/* --- the fixture: a server, one function, the peer's socket ---------------- */

#define MAXEV 64
struct fx {
	vpci_serve *s;
	vpci_serve_fn *fn;
	int peer;
	struct vpci_event ev[MAXEV];
	unsigned nev;
	char log[64][256];
	unsigned nlog;
	unsigned bar_calls;
	unsigned last_bar;
	uint64_t last_off, last_val;
	unsigned accesses;
};

static void on_event(void *o, const struct vpci_event *ev)
{
	struct fx *x = o;
	if (x->nev < MAXEV)
		x->ev[x->nev++] = *ev;
}

static void on_log(void *o, const char *msg)
{
	struct fx *x = o;
	if (x->nlog < 64)
		snprintf(x->log[x->nlog++], sizeof(x->log[0]), "%s", msg);
}

static int bar_read(void *o, unsigned bar, uint64_t off, unsigned size, uint64_t *val)
{
	struct fx *x = o;
	x->bar_calls++;
	x->last_bar = bar;
	x->last_off = off;
	*val = 0x1122334455667788ull + off + size;
	return 0;
}

static int bar_write(void *o, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct fx *x = o;
	(void)size;
	x->bar_calls++;
	x->last_bar = bar;
	x->last_off = off;
	x->last_val = val;
	return 0;
}

static void on_access(void *o, const struct vpci_serve_access *a)
{
	struct fx *x = o;
	(void)a;
	x->accesses++;
}

static const struct vpci_serve_ops OPS = { bar_read, bar_write, on_event, on_access, on_log };

static vpci_func *parse(const char *text)
{
	vpci_func *f = NULL;
	assert_int_equal(vpci_parse_buffer(text, strlen(text), "t.yaml", &f, NULL), 0);
	return f;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	int sv[2];
	vpci_func *f = parse(ENDPOINT);

	assert_non_null(x);
	assert_int_equal(vpci_serve_new(&x->s), 0);
	assert_int_equal(vpci_serve_add(x->s, f, NULL, &OPS, x, &x->fn, NULL), 0);
	vpci_func_free(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(vpci_serve_attach(x->fn, sv[0]), 0);
	x->peer = sv[1];
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	if (x->peer >= 0)
		close(x->peer);
	vpci_serve_free(x->s);
	free(x);
	return 0;
}

/* --- the fake QEMU ---------------------------------------------------------- */

static void send_raw(int fd, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	struct iovec iov = { (void *)buf, len };
	union {
		char b[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	assert_int_equal(sendmsg(fd, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_msg(int fd, int32_t cmd, const void *data, size_t len, const int *fds, unsigned nfds)
{
	uint8_t b[MPQ_HDR_SIZE + 512];

	assert_true(len <= 512);
	mpq_hdr_encode(b, cmd, len);
	if (len)
		memcpy(b + MPQ_HDR_SIZE, data, len);
	send_raw(fd, b, MPQ_HDR_SIZE + len, fds, nfds);
}

/* one RET carrying a u64 */
static uint64_t recv_reply(int fd, int flags)
{
	uint8_t b[MPQ_REPLY_SIZE];
	int32_t cmd;
	uint64_t size, v;

	assert_int_equal(recv(fd, b, sizeof(b), flags), (ssize_t)sizeof(b));
	mpq_hdr_decode(b, &cmd, &size);
	assert_int_equal(cmd, MPQ_RET);
	assert_int_equal(size, 8);
	memcpy(&v, b + MPQ_HDR_SIZE, 8);
	return v;
}

/* the answer to what was sent, after the server has run */
static uint64_t reply(struct fx *x)
{
	assert_true(vpci_serve_poll(x->s, 1000) >= 0);
	return recv_reply(x->peer, MSG_DONTWAIT);
}

/* the wire data of config and BAR accesses */
static void cfg_data(uint8_t *d, uint32_t addr, int32_t len, uint32_t val)
{
	memset(d, 0, sizeof(struct mpq_wire_cfg));
	memcpy(d + offsetof(struct mpq_wire_cfg, addr), &addr, 4);
	memcpy(d + offsetof(struct mpq_wire_cfg, val), &val, 4);
	memcpy(d + offsetof(struct mpq_wire_cfg, len), &len, 4);
}

static void bar_data(uint8_t *d, uint64_t addr, uint32_t size, uint64_t val, uint8_t memory)
{
	memset(d, 0, sizeof(struct mpq_wire_bar));
	memcpy(d + offsetof(struct mpq_wire_bar, addr), &addr, 8);
	memcpy(d + offsetof(struct mpq_wire_bar, val), &val, 8);
	memcpy(d + offsetof(struct mpq_wire_bar, size), &size, 4);
	d[offsetof(struct mpq_wire_bar, memory)] = memory;
}

/* nothing answered */
static void no_reply(struct fx *x)
{
	uint8_t b[8];

	assert_true(vpci_serve_poll(x->s, 100) >= 0);
	assert_int_equal(recv(x->peer, b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static uint64_t cfg(struct fx *x, bool write, uint32_t addr, int len, uint32_t val)
{
	uint8_t d[sizeof(struct mpq_wire_cfg)];

	cfg_data(d, addr, len, val);
	send_msg(x->peer, write ? MPQ_CFG_WRITE : MPQ_CFG_READ, d, sizeof(d), NULL, 0);
	return reply(x);
}

static uint32_t cr(struct fx *x, uint32_t addr, int len)
{
	uint64_t v = cfg(x, false, addr, len, 0);
	assert_true(v <= 0xffffffffu);
	return (uint32_t)v;
}

static void cw(struct fx *x, uint32_t addr, int len, uint32_t val)
{
	assert_int_equal(cfg(x, true, addr, len, val), 0);
}

static uint64_t bar(struct fx *x, bool write, uint64_t addr, unsigned size, uint64_t val, uint8_t memory)
{
	uint8_t d[sizeof(struct mpq_wire_bar)];

	bar_data(d, addr, size, val, memory);
	send_msg(x->peer, write ? MPQ_BAR_WRITE : MPQ_BAR_READ, d, sizeof(d), NULL, 0);
	return reply(x);
}

static bool logged(struct fx *x, const char *part)
{
	for (unsigned i = 0; i < x->nlog; i++)
		if (strstr(x->log[i], part))
			return true;
	return false;
}

static const struct vpci_event *last_ev(struct fx *x, enum vpci_event_kind k)
{
	for (unsigned i = x->nev; i-- > 0;)
		if (x->ev[i].kind == k)
			return &x->ev[i];
	return NULL;
}

/* QEMU's start-up: the IDs, then 0x10..0x28 each sized as a 32-bit BAR;
 * returns what each sizing read answered */
static void qemu_probe(struct fx *x, uint32_t sized[7])
{
	assert_int_equal(cr(x, 0x00, 2), 0x1234);
	assert_int_equal(cr(x, 0x02, 2), 0x5678);
	assert_int_equal(cr(x, 0x0a, 2), 0x0200);
	cr(x, 0x2e, 2);
	for (unsigned i = 0; i < 7; i++) {
		uint32_t off = 0x10 + 4 * i, orig = cr(x, off, 4);
		cw(x, off, 4, 0xffffffffu);
		sized[i] = cr(x, off, 4);
		cw(x, off, 4, orig);
	}
}

/* place BAR 0 (64-bit) at 0xfe000000, BAR 2 (I/O) at 0xc000, BAR 3 at
 * 0xfe100000, decode on */
static void place(struct fx *x)
{
	cw(x, 0x10, 4, 0xfe000000u);
	cw(x, 0x14, 4, 0);
	cw(x, 0x18, 4, 0xc000);
	cw(x, 0x1c, 4, 0xfe100000u);
	cw(x, 0x04, 2, 0x0003);
}

/* --- tests ----------------------------------------------------------------- */

static void test_startup_probe(void **state)
{
	struct fx *x = *state;
	uint32_t sized[7];

	qemu_probe(x, sized);
	/* the proxy sees power-of-two sizes for real BARs and nothing else */
	assert_int_equal(sized[0], 0xffffc004u); /* 64-bit, 16 KiB */
	assert_int_equal(sized[1], 0);           /* its upper half */
	assert_int_equal(sized[2], 0xffffffe1u); /* I/O, 32 bytes */
	assert_int_equal(sized[3], 0xfffff000u); /* 32-bit, 4 KiB */
	assert_int_equal(sized[4], 0);           /* absent */
	assert_int_equal(sized[5], 0);
	assert_int_equal(sized[6], 0);           /* CardBus CIS pointer */
	for (unsigned i = 0; i < 7; i++) {
		uint32_t size = ~(sized[i] & 0xfffffff0u) + 1;
		assert_true((size & (size - 1)) == 0);
	}
	/* the probe restored every register and was silent */
	assert_int_equal(cr(x, 0x10, 4), 0x4);
	assert_int_equal(x->nev, 0);
	/* after QEMU's device reset, the guest sizes the upper half for real */
	send_msg(x->peer, MPQ_DEVICE_RESET, NULL, 0, NULL, 0);
	assert_int_equal(reply(x), 0);
	assert_true(logged(x, "reset"));
	cw(x, 0x14, 4, 0xffffffffu);
	assert_int_equal(cr(x, 0x14, 4), 0xffffffffu);
	cw(x, 0x14, 4, 0);
}

static void test_config(void **state)
{
	struct fx *x = *state;
	unsigned acc = x->accesses;

	/* read-only: IDs, class, capability pointer */
	cw(x, 0x00, 4, 0xdeadbeefu);
	cw(x, 0x08, 4, 0xffffffffu);
	cw(x, 0x34, 1, 0x00);
	assert_int_equal(cr(x, 0x00, 4), 0x56781234u);
	assert_int_equal(cr(x, 0x0a, 2), 0x0200);
	assert_int_equal(cr(x, 0x34, 1), 0x40);
	/* RW: Interrupt Line */
	cw(x, 0x3c, 1, 0x0b);
	assert_int_equal(cr(x, 0x3c, 1), 0x0b);
	assert_int_equal(x->accesses, acc + 8);
	/* events: Command, BARs */
	place(x);
	const struct vpci_event *ev = last_ev(x, VPCI_EV_BAR);
	assert_non_null(ev);
	assert_int_equal(ev->enabled, 1);
	assert_non_null(last_ev(x, VPCI_EV_COMMAND));
	/* MSI-X enable */
	cw(x, 0x42, 2, 0x8000);
	ev = last_ev(x, VPCI_EV_MSIX);
	assert_non_null(ev);
	assert_int_equal(ev->enabled, 1);
	/* FLR through PCIe Device Control */
	cw(x, 0x60 + 8, 2, 0x8000);
	assert_non_null(last_ev(x, VPCI_EV_FLR));
	assert_int_equal(cr(x, 0x04, 2), 0);
	/* the engine's view and the served one are the same */
	uint32_t v;
	assert_int_equal(vpci_emu_read(vpci_serve_emu(x->fn), 0x3c, 1, &v), 0);
	assert_int_equal(cr(x, 0x3c, 1), v);
}

static void test_bars(void **state)
{
	struct fx *x = *state;
	uint32_t sized[7];

	qemu_probe(x, sized);
	send_msg(x->peer, MPQ_DEVICE_RESET, NULL, 0, NULL, 0);
	reply(x);
	place(x);
	/* MSI-X table in BAR 0 at 0x2000: the engine's table */
	assert_int_equal(bar(x, true, 0xfe002008u, 4, 0xabcd, 1), 0);
	assert_int_equal(bar(x, false, 0xfe002008u, 4, 0, 1), 0xabcd);
	assert_int_equal(bar(x, false, 0xfe002008u, 2, 0, 1), 0xabcd);
	assert_int_equal(bar(x, false, 0xfe002009u, 1, 0, 1), 0xab);
	assert_int_equal(bar(x, true, 0xfe002009u, 1, 0x12, 1), 0);
	assert_int_equal(bar(x, false, 0xfe002008u, 8, 0, 1) & 0xffffffffu, 0x12cd);
	assert_int_equal(x->bar_calls, 0);
	/* a vector's mask is an event (index = the vector) */
	x->nev = 0;
	assert_int_equal(bar(x, true, 0xfe00201cu, 4, 0, 1), 0);
	assert_int_equal(bar(x, true, 0xfe00201cu, 4, 1, 1), 0);
	const struct vpci_event *ev = last_ev(x, VPCI_EV_MSIX_VECTOR);
	assert_non_null(ev);
	assert_int_equal(ev->index, 1);
	/* the PBA: read-only zeros, writes ignored */
	assert_int_equal(bar(x, false, 0xfe003000u, 8, 0, 1), 0);
	assert_int_equal(bar(x, true, 0xfe003000u, 8, ~0ull, 1), 0);
	assert_int_equal(bar(x, false, 0xfe003000u, 4, 0, 1), 0);
	vpci_emu_msix_set_pending(vpci_serve_emu(x->fn), 2, true);
	assert_int_equal(bar(x, false, 0xfe003000u, 1, 0, 1), 4);
	/* elsewhere: the program's handler, by BAR index and offset */
	assert_int_equal(bar(x, false, 0xfe000100u, 4, 0, 1), (0x1122334455667788ull + 0x104) & 0xffffffffu);
	assert_int_equal(x->last_bar, 0);
	assert_int_equal(x->last_off, 0x100);
	assert_int_equal(bar(x, false, 0xfe000100u, 8, 0, 1), 0x1122334455667788ull + 0x108);
	assert_int_equal(bar(x, true, 0xc004, 2, 0x5555, 0), 0);
	assert_int_equal(x->last_bar, 2);
	assert_int_equal(x->last_off, 4);
	assert_int_equal(x->last_val, 0x5555);
	assert_int_equal(bar(x, true, 0xfe100ffcu, 4, 7, 1), 0);
	assert_int_equal(x->last_bar, 3);
	assert_int_equal(x->last_off, 0xffc);
	/* misses: all-ones, logged */
	unsigned calls = x->bar_calls;
	assert_int_equal(bar(x, false, 0xfe200000u, 4, 0, 1), UINT64_MAX);       /* no BAR */
	assert_int_equal(bar(x, false, 0xc004, 4, 0, 1), UINT64_MAX);            /* I/O address as memory */
	assert_int_equal(bar(x, false, 0xfe100ffeu, 4, 0, 1), UINT64_MAX);      /* straddles the end */
	assert_int_equal(bar(x, false, 0xfe000000u, 3, 0, 1), UINT64_MAX);      /* size 3 */
	assert_int_equal(bar(x, false, 0xfe000000u, 0x80000000u, 0, 1), UINT64_MAX);
	assert_int_equal(bar(x, false, UINT64_MAX, 8, 0, 1), UINT64_MAX);
	assert_int_equal(x->bar_calls, calls);
	assert_true(logged(x, "no enabled BAR decodes it"));
	/* decode off: nothing decodes */
	cw(x, 0x04, 2, 0);
	assert_int_equal(bar(x, false, 0xfe000100u, 4, 0, 1), UINT64_MAX);
}

static void test_reset_and_intx(void **state)
{
	struct fx *x = *state;
	int fds[2] = { eventfd(0, EFD_NONBLOCK), eventfd(0, EFD_NONBLOCK) };
	uint64_t n;

	assert_int_equal(vpci_serve_intx(x->fn, true), VPCI_ENOENT);
	send_msg(x->peer, MPQ_SET_IRQFD, NULL, 0, fds, 2);
	no_reply(x);
	/* the level asserted earlier fires as soon as the fd arrives */
	assert_int_equal(read(fds[0], &n, 8), 8);
	assert_int_equal(n, 1);
	/* end of interrupt while still asserted: again */
	n = 1;
	assert_int_equal(write(fds[1], &n, 8), 8);
	assert_true(vpci_serve_poll(x->s, 1000) > 0);
	assert_int_equal(read(fds[0], &n, 8), 8);
	/* deasserted: nothing */
	assert_int_equal(vpci_serve_intx(x->fn, false), 0);
	n = 1;
	assert_int_equal(write(fds[1], &n, 8), 8);
	assert_true(vpci_serve_poll(x->s, 1000) > 0);
	assert_int_equal(read(fds[0], &n, 8), -1);
	/* INTx Disable masks the line; clearing it delivers the pending level */
	cw(x, 0x04, 2, 0x0400);
	assert_int_equal(vpci_serve_intx(x->fn, true), 0);
	assert_int_equal(read(fds[0], &n, 8), -1);
	cw(x, 0x04, 2, 0x0000);
	assert_int_equal(read(fds[0], &n, 8), 8);
	/* a device reset: the engine is back to the instance, answered 0 */
	cw(x, 0x3c, 1, 0x0b);
	send_msg(x->peer, MPQ_DEVICE_RESET, NULL, 0, NULL, 0);
	assert_int_equal(reply(x), 0);
	assert_int_equal(cr(x, 0x3c, 1), 0);
	/* a resample fd that hangs up is dropped, not polled for ever */
	int p[2];
	assert_int_equal(pipe(p), 0);
	int pair[2] = { fds[0], p[0] };
	send_msg(x->peer, MPQ_SET_IRQFD, NULL, 0, pair, 2);
	close(p[0]);
	no_reply(x);
	close(p[1]);
	assert_true(vpci_serve_poll(x->s, 1000) > 0);
	assert_true(logged(x, "resample fd closed"));
	close(fds[0]);
	close(fds[1]);
}

/* a fd the server received is closed when the write end sees EPIPE */
static bool server_closed(int wr)
{
	return write(wr, "x", 1) == -1 && errno == EPIPE;
}

static void test_fds_closed(void **state)
{
	struct fx *x = *state;
	int p[2], q[2];
	uint8_t sysmem[MPQ_SYSMEM_SIZE] = { 0 };

	signal(SIGPIPE, SIG_IGN);
	/* guest memory: not used, closed */
	assert_int_equal(pipe(p), 0);
	send_msg(x->peer, MPQ_SYNC_SYSMEM, sysmem, sizeof(sysmem), &p[0], 1);
	close(p[0]);
	no_reply(x);
	assert_true(server_closed(p[1]));
	close(p[1]);
	/* fds with a config read: answered, fds closed */
	assert_int_equal(pipe(q), 0);
	uint8_t d[sizeof(struct mpq_wire_cfg)];
	cfg_data(d, 0, 2, 0);
	send_msg(x->peer, MPQ_CFG_READ, d, sizeof(d), &q[0], 1);
	close(q[0]);
	assert_int_equal(reply(x), 0x1234);
	assert_true(server_closed(q[1]));
	close(q[1]);
	/* a third irqfd pair replaces the previous one, which is closed */
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	int first[2] = { a[0], b[0] };
	send_msg(x->peer, MPQ_SET_IRQFD, NULL, 0, first, 2);
	no_reply(x);
	int e[2] = { eventfd(0, 0), eventfd(0, 0) };
	send_msg(x->peer, MPQ_SET_IRQFD, NULL, 0, e, 2);
	no_reply(x);
	close(a[0]);
	close(b[0]);
	assert_true(server_closed(a[1]));
	assert_true(server_closed(b[1]));
	/* SET_IRQFD with one fd: ignored, closed */
	int c[2];
	assert_int_equal(pipe(c), 0);
	send_msg(x->peer, MPQ_SET_IRQFD, NULL, 0, &c[0], 1);
	close(c[0]);
	no_reply(x);
	assert_true(server_closed(c[1]));
	close(a[1]);
	close(b[1]);
	close(c[1]);
	close(e[0]);
	close(e[1]);
	assert_int_equal(cr(x, 0, 2), 0x1234);
}

static void test_bad_messages(void **state)
{
	struct fx *x = *state;
	uint8_t d[64] = { 0 };

	/* unknown commands, RET from the peer: no answer */
	send_msg(x->peer, 99, d, 8, NULL, 0);
	no_reply(x);
	send_msg(x->peer, -1, NULL, 0, NULL, 0);
	no_reply(x);
	send_msg(x->peer, MPQ_RET, d, 8, NULL, 0);
	no_reply(x);
	/* requests of the wrong shape: all-ones */
	send_msg(x->peer, MPQ_CFG_READ, d, 10, NULL, 0);
	assert_int_equal(reply(x), UINT64_MAX);
	send_msg(x->peer, MPQ_CFG_WRITE, d, 0, NULL, 0);
	assert_int_equal(reply(x), UINT64_MAX);
	send_msg(x->peer, MPQ_BAR_READ, d, 23, NULL, 0);
	assert_int_equal(reply(x), UINT64_MAX);
	assert_int_equal(cfg(x, false, 0x10, 3, 0), UINT64_MAX);
	assert_int_equal(cfg(x, false, 0x10, -4, 0), UINT64_MAX);
	assert_int_equal(cfg(x, false, 0x1000, 4, 0), UINT64_MAX);
	assert_int_equal(cfg(x, false, 0xfffffffeu, 2, 0), UINT64_MAX);
	assert_int_equal(cfg(x, true, 0xffffffffu, 1, 0), UINT64_MAX);
	/* the reset with data still resets and answers */
	send_msg(x->peer, MPQ_DEVICE_RESET, d, 8, NULL, 0);
	assert_int_equal(reply(x), 0);
	/* the same message split in two sends */
	uint8_t b[MPQ_HDR_SIZE + sizeof(struct mpq_wire_cfg)];
	mpq_hdr_encode(b, MPQ_CFG_READ, sizeof(struct mpq_wire_cfg));
	cfg_data(b + MPQ_HDR_SIZE, 0, 4, 0);
	send_raw(x->peer, b, 5, NULL, 0);
	assert_true(vpci_serve_poll(x->s, 100) > 0);
	send_raw(x->peer, b + 5, sizeof(b) - 5, NULL, 0);
	assert_int_equal(reply(x), 0x56781234u);
	/* refusals are logged, then only counted */
	assert_true(logged(x, "unknown command 99"));
	for (int i = 0; i < 40; i++)
		send_msg(x->peer, 1000 + i, NULL, 0, NULL, 0);
	no_reply(x);
	assert_true(logged(x, "only counted"));
	assert_true(x->nlog < 30);
	/* the server still answers */
	assert_int_equal(cr(x, 0, 2), 0x1234);
	/* data too large to skip: disconnected */
	mpq_hdr_encode(b, MPQ_CFG_READ, (uint64_t)MPQ_DATA_LIMIT + 1);
	send_raw(x->peer, b, MPQ_HDR_SIZE, NULL, 0);
	assert_int_equal(vpci_serve_poll(x->s, 1000), 0);
	assert_true(logged(x, "cannot be followed"));
	assert_int_equal(recv(x->peer, b, 1, 0), 0);
}

static void test_peer_close(void **state)
{
	struct fx *x = *state;

	assert_int_equal(cr(x, 0, 2), 0x1234);
	/* closed in the middle of a message */
	send_raw(x->peer, "\x03\0\0", 3, NULL, 0);
	close(x->peer);
	x->peer = -1;
	assert_int_equal(vpci_serve_poll(x->s, 1000), 0);
	assert_true(logged(x, "peer closed"));
	assert_true(logged(x, "1 config reads"));
	assert_int_equal(vpci_serve_poll(x->s, 0), 0);
	assert_int_equal(vpci_serve_run(x->s), 0);
	/* the engine outlives the peer */
	uint32_t v;
	assert_int_equal(vpci_emu_read(vpci_serve_emu(x->fn), 0, 2, &v), 0);
	assert_int_equal(v, 0x1234);
}

/* a new directory under $TMPDIR (short: socket paths are limited) */
static void scratch_dir(char *buf, size_t size)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, size, "%s/vpci-serve-XXXXXX", t && *t && strlen(t) < 80 ? t : "/tmp");
	assert_non_null(mkdtemp(buf));
}

static void test_listen(void **state)
{
	(void)state;
	vpci_serve *s;
	vpci_serve_fn *fn;
	vpci_func *f = parse(ENDPOINT);
	char path[200];
	struct fx x = { 0 };

	scratch_dir(path, sizeof(path));
	char sock[sizeof(path) + 8];
	snprintf(sock, sizeof(sock), "%s/s", path);
	assert_int_equal(vpci_serve_new(&s), 0);
	assert_int_equal(vpci_serve_add(s, f, NULL, &OPS, &x, &fn, NULL), 0);
	/* a regular file is not replaced */
	FILE *fp = fopen(sock, "w");
	assert_non_null(fp);
	fclose(fp);
	vpci_diag *d = vpci_diag_new();
	assert_int_equal(vpci_serve_listen(fn, sock, d), VPCI_EBUSY);
	assert_int_equal(vpci_diag_errors(d), 1);
	vpci_diag_free(d);
	unlink(sock);
	assert_int_equal(vpci_serve_listen(fn, sock, NULL), 0);
	assert_int_equal(vpci_serve_listen(fn, sock, NULL), VPCI_EBUSY);
	assert_int_equal(vpci_serve_attach(fn, -1), VPCI_EBUSY);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	x.peer = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(x.peer, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(vpci_serve_poll(s, 1000), 1);
	struct stat st;
	assert_int_equal(stat(sock, &st), -1); /* unlinked once connected */
	x.s = s;
	assert_int_equal(cr(&x, 0, 4), 0x56781234u);
	close(x.peer);
	assert_int_equal(vpci_serve_run(s), 0);
	vpci_serve_free(s);
	vpci_func_free(f);
	rmdir(path);
}

static void test_refusals(void **state)
{
	(void)state;
	vpci_serve *s;
	vpci_serve_fn *fn = (vpci_serve_fn *)1;
	vpci_func *f = parse(BRIDGE);
	vpci_diag *d = vpci_diag_new();
	char msg[512];

	assert_int_equal(vpci_serve_new(&s), 0);
	assert_int_equal(vpci_serve_add(s, f, NULL, NULL, NULL, &fn, d), VPCI_EDATA);
	assert_null(fn);
	assert_int_equal(vpci_diag_errors(d), 1);
	vpci_diag_format(vpci_diag_get(d, 0), msg, sizeof(msg));
	assert_non_null(strstr(msg, "bridge"));
	assert_non_null(strstr(msg, "type-0"));
	vpci_func_free(f);
	/* 4096 bytes: a note that the guest sees 256 */
	vpci_diag_clear(d);
	f = parse(ENDPOINT);
	assert_int_equal(vpci_serve_add(s, f, NULL, NULL, NULL, &fn, d), 0);
	assert_int_equal(vpci_diag_count(d), 1);
	assert_int_equal(vpci_diag_errors(d), 0);
	vpci_diag_format(vpci_diag_get(d, 0), msg, sizeof(msg));
	assert_non_null(strstr(msg, "256"));
	/* not a socket */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vpci_serve_attach(fn, p[0]), VPCI_EINVAL);
	close(p[1]);
	/* nothing to serve */
	assert_int_equal(vpci_serve_poll(s, 0), 0);
	vpci_func_free(f);
	vpci_diag_free(d);
	vpci_serve_free(s);
	vpci_serve_free(NULL);
}

/* --- the command ------------------------------------------------------------ */

/* run argv with output to @out, keeping fds @keep and @keep2 (or -1) */
static pid_t spawn2(char *const argv[], int keep, int keep2, const char *out)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(o, 1);
		dup2(o, 2);
		for (int fd = 3; fd < 64; fd++)
			if (fd != keep && fd != keep2)
				close(fd);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static pid_t spawn(char *const argv[], int keep, const char *out)
{
	return spawn2(argv, keep, -1, out);
}

static int wait_exit(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool file_has(const char *path, const char *part)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;

	if (fp)
		fclose(fp);
	buf[n] = 0;
	return strstr(buf, part) != NULL;
}

/* a request to another process, and its answer */
static uint64_t call(int fd, int32_t cmd, const void *data, size_t len)
{
	send_msg(fd, cmd, data, len, NULL, 0);
	return recv_reply(fd, MSG_WAITALL);
}

static void test_command(void **state)
{
	(void)state;
	const char *exe = getenv("VPCI_EXE"), *ex = getenv("VPCI_EXAMPLES");
	char dir[200];

	if (!exe || !ex)
		skip();
	scratch_dir(dir, sizeof(dir));
	char nvme[512], port[512], out[256], state_dir[256], sock[256], fdarg[16];
	snprintf(nvme, sizeof(nvme), "%s/nvme.yaml", ex);
	snprintf(port, sizeof(port), "%s/root-port.yaml", ex);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(state_dir, sizeof(state_dir), "%s", dir);
	snprintf(sock, sizeof(sock), "%s/sock", dir);

	/* --check refuses a bridge, saying why */
	char *chk[] = { (char *)exe, "serve", "--check", nvme, port, NULL };
	assert_int_equal(wait_exit(spawn(chk, -1, out)), 65);
	assert_true(file_has(out, "nvme.yaml: can be served"));
	assert_true(file_has(out, "bridge"));

	/* --fd: the IDs, a BAR placed and decoded, the register file, then close */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", sv[0]);
	char *srv[] = { (char *)exe, "serve", "--dump-dir", state_dir, "--trace", "--fd", fdarg, nvme, NULL };
	pid_t pid = spawn(srv, sv[0], out);
	close(sv[0]);
	int peer = sv[1];
	uint8_t d[sizeof(struct mpq_wire_cfg)], b[sizeof(struct mpq_wire_bar)];
	/* answers come from the child */
	cfg_data(d, 0, 4, 0);
	assert_int_equal(call(peer, MPQ_CFG_READ, d, sizeof(d)), 0x00101b36);
	cfg_data(d, 0x10, 4, 0xfe000000u);
	assert_int_equal(call(peer, MPQ_CFG_WRITE, d, sizeof(d)), 0);
	cfg_data(d, 0x04, 2, 2);
	assert_int_equal(call(peer, MPQ_CFG_WRITE, d, sizeof(d)), 0);
	/* a write to the register file reads back */
	bar_data(b, 0xfe000100u, 4, 0xcafe, 1);
	assert_int_equal(call(peer, MPQ_BAR_WRITE, b, sizeof(b)), 0);
	assert_int_equal(call(peer, MPQ_BAR_READ, b, sizeof(b)), 0xcafe);
	close(peer);
	assert_int_equal(wait_exit(pid), 0);
	assert_true(file_has(out, "nvme: serving"));
	assert_true(file_has(out, "nvme: event bar index=0 addr=0xfe000000 size=0x4000 enabled=1"));
	assert_true(file_has(out, "nvme: r 0x0 4 = 0x00101b36"));
	assert_true(file_has(out, "nvme: bar0 r 0x100 4 = 0x0000cafe"));
	assert_true(file_has(out, "nvme: peer closed"));
	char st[300];
	snprintf(st, sizeof(st), "%s/nvme.bin", state_dir);
	uint8_t cfgb[4096];
	FILE *fp = fopen(st, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(cfgb, 1, sizeof(cfgb), fp), 4096);
	fclose(fp);
	assert_int_equal(cfgb[0x04], 2);
	assert_int_equal(cfgb[0x13], 0xfe);

	/* two functions: each FILE on the fd given just before it */
	int p1[2], p2[2];
	char a1[16], a2[16], vnet[512];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p1), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p2), 0);
	snprintf(a1, sizeof(a1), "%d", p1[0]);
	snprintf(a2, sizeof(a2), "%d", p2[0]);
	snprintf(vnet, sizeof(vnet), "%s/virtio-net.yaml", ex);
	char *two[] = { (char *)exe, "serve", "--fd", a1, nvme, "--bars", "zero", "--fd", a2, vnet, NULL };
	pid = spawn2(two, p1[0], p2[0], out);
	close(p1[0]);
	close(p2[0]);
	cfg_data(d, 0, 4, 0);
	assert_int_equal(call(p2[1], MPQ_CFG_READ, d, sizeof(d)), 0x10411af4);
	assert_int_equal(call(p1[1], MPQ_CFG_READ, d, sizeof(d)), 0x00101b36);
	close(p1[1]);
	assert_int_equal(call(p2[1], MPQ_CFG_READ, d, sizeof(d)), 0x10411af4);
	close(p2[1]);
	assert_int_equal(wait_exit(pid), 0);
	assert_true(file_has(out, "virtio-net: peer closed"));

	/* --socket: listens, one peer */
	char *lsn[] = { (char *)exe, "serve", "--socket", sock, nvme, NULL };
	pid = spawn(lsn, -1, out);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	int ok = -1;
	for (int i = 0; i < 200 && ok; i++) {
		ok = connect(c, (struct sockaddr *)&sa, sizeof(sa));
		if (ok)
			usleep(20000);
	}
	assert_int_equal(ok, 0);
	cfg_data(d, 0, 2, 0);
	assert_int_equal(call(c, MPQ_CFG_READ, d, sizeof(d)), 0x1b36);
	close(c);
	assert_int_equal(wait_exit(pid), 0);

	/* usage errors */
	char *u1[] = { (char *)exe, "serve", nvme, NULL };
	assert_int_equal(wait_exit(spawn(u1, -1, out)), 64);
	char *u2[] = { (char *)exe, "serve", "--fd", "x", nvme, NULL };
	assert_int_equal(wait_exit(spawn(u2, -1, out)), 64);
	char *u3[] = { (char *)exe, "serve", "--fd", "0", NULL };
	assert_int_equal(wait_exit(spawn(u3, -1, out)), 64);
	char *u5[] = { (char *)exe, "serve", nvme, "--fd", "3", NULL };
	assert_int_equal(wait_exit(spawn(u5, -1, out)), 64);
	assert_true(file_has(out, "must come just before its FILE"));
	char *u6[] = { (char *)exe, "serve", "--check", "--fd", "3", nvme, NULL };
	assert_int_equal(wait_exit(spawn(u6, -1, out)), 64);
	char *u4[] = { (char *)exe, "serve", "--fd", "63", nvme, NULL };
	assert_int_equal(wait_exit(spawn(u4, -1, out)), 64);
	assert_true(file_has(out, "not a connected stream socket"));
	char rm[300];
	snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_startup_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fds_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_close, setup, teardown),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
