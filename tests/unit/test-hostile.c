/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-hostile.c - a hostile guest, as a property test: random config
 * accesses over the full ranges (offsets anywhere in 32 bits, mostly
 * 0..0xffff; sizes 0..8; any value), resets, MSI-X table and PBA accesses
 * at any offset and size, saves and loads, on instances with
 * device-backed, RsvdZ, RW1C, sticky and side-effect registers.  After
 * each step the rules of docs/emulation.md are checked on the whole
 * config space against the instance's planes (not against the engine's
 * own tables):
 *
 *   - an access outside 0..4095, or of a size other than 1, 2 or 4, is
 *     refused and changes nothing; bytes past the config size read 0;
 *   - virtual RO, HwInit and RsvdP bits keep the instance's value; RsvdZ
 *     bits read 0 (device-backed or not);
 *   - a write stores RW bits, clears RW1C bits written 1, changes no
 *     virtual bit outside the access; Initiate FLR reads 0; MSI Multiple
 *     Message Enable is at most Capable;
 *   - resets (explicit, FLR, D3hot -> D0) restore every virtual bit but
 *     sticky ones (FLR, hot), or every one (cold);
 *   - every read, at any width and alignment, agrees with the state;
 *   - the backend never receives a bit that is not device-backed and
 *     writable (a checking backend wraps the snapshot backend, which
 *     itself refuses a write that would change anything else);
 *   - the MSI-X table keeps only Mask in Vector Control, the PBA has no
 *     bit for a vector that does not exist, out-of-range offsets (also
 *     ones whose end wraps in 32 bits) are refused;
 *   - a load restores the saved state; BAR events never map address 0
 *     nor a region that reaches the top of its address space; an MSI
 *     event never reports more vectors than the capability has;
 *   - a virtual PF (its instance names a VF template): NumVFs written while
 *     VF Enable is Set, or above TotalVFs, keeps its value (PCIe
 *     §9.3.3.7); after every step the VFs its events reported present are
 *     exactly 1..NumVFs while VF Enable is Set and none otherwise, they
 *     came in order and went in reverse order, each with its Routing ID
 *     (the PF's + First VF Offset + (n - 1) * VF Stride, §9.3.3.10-11) and
 *     the template; every VF BAR space maps exactly while VF Enable and
 *     VF MSE are Set, VFs are present and VF 1's address to the last VF's
 *     end lies below the top of its address space (§9.3.3.14; the rule of
 *     BAR events), at the address and for the number of VFs the registers
 *     say.
 *
 * Bounded in time: VPCI_HOSTILE_SECONDS (default 2, over all instances).
 * The seed is printed; VPCI_HOSTILE_SEED=0x... and VPCI_HOSTILE_STEPS=N
 * replay a run exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vpci/vpci.h"
#include "unit-util.h"

static const char *const instances[] = {
	/* an endpoint: device-backed Command/Status/PM/DevCtl/AER, MSI with
	 * per-vector masks, MSI-X, FLR, sticky RW1C raw region, RsvdZ in a
	 * device-backed register */
	"vpci: 1\nname: hostile-ep\nfunction:\n"
	"  header:\n    vendor-id: 0x8086\n    device-id: 0x1521\n    class-code: 0x020000\n"
	"    command: {value: 0, device: 0x0547}\n    status: {value: 0x0010, backing: device}\n"
	"  bars:\n    - {index: 0, type: mem32, size: 128KiB}\n    - {index: 2, type: io, size: 32}\n"
	"    - {index: 3, type: mem64, size: 16KiB, prefetchable: true}\n"
	"  expansion-rom: {size: 512KiB}\n"
	"  capabilities:\n"
	"    - {type: pm, offset: 0x40, fields: {pmc: 0x0003, pmcsr: {value: 0x0000, device: 0x8100}}}\n"
	"    - {type: msi, offset: 0x50, fields: {message-control: 0x0184}}\n"
	"    - {type: msix, offset: 0x70, fields: {message-control: 0x0009, table: 0x3, pba: 0x2003}}\n"
	"    - {type: pcie, offset: 0xa0, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008002,"
	" device-control: {value: 0x2810, device: 0x000f}, device-status: {value: 0, device: 0x000f}}}\n"
	"  extended-capabilities:\n"
	"    - {type: aer, offset: 0x100, version: 2, backing: device}\n"
	"    - {type: ats, offset: 0x140}\n"
	"  raw:\n    - {offset: 0x300, bytes: \"f0 0f 00 00 ff ff 00 00\", rw1c: \"ff ff 00 00 ff ff 00 00\","
	" sticky: \"0f 00 00 00 0f 0f 00 00\", rw: \"00 00 ff ff 00 00 00 00\"}\n",

	/* a virtual PF: SR-IOV with First VF Offset 0x80, Stride 3, 7 VFs of
	 * the template below (hostile-vf.yaml, written next to it): a 4 EiB
	 * 64-bit VF BAR0 (4 of them reach 2^64: the span wraps; an address near the
	 * top of 64 bits wraps) and a 1 GiB 32-bit VF BAR2 (five do not fit
	 * below 4 GiB) */
	"vpci: 1\nname: hostile-vpf\nfunction:\n  vf-template: hostile-vf.yaml\n"
	"  header:\n    vendor-id: 0x8086\n    device-id: 0x1521\n    class-code: 0x020000\n"
	"  bars:\n    - {index: 0, type: mem32, size: 1MiB}\n"
	"  capabilities:\n"
	"    - {type: msix, offset: 0x70, fields: {message-control: 0x0003, table: 0x0, pba: 0x800}}\n"
	"    - {type: pcie, offset: 0xa0, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}}\n"
	"  extended-capabilities:\n"
	"    - {type: ari, offset: 0x100}\n"
	"    - {type: sriov, offset: 0x150, fields: {initial-vfs: 7, total-vfs: 7, first-vf-offset: 0x80, vf-stride: 3,"
	" vf-device-id: 0x1520, supported-page-sizes: 0x553, vf-bar0: 0x0000000c, vf-bar2: 0x00000000}}\n",

	/* a conventional bridge with AF FLR and a 1-vector MSI */
	"vpci: 1\nname: hostile-br\nfunction:\n  kind: bridge\n  config-size: 256\n"
	"  header: {vendor-id: 0x10b5, device-id: 0x8747, class-code: 0x060400}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 256KiB}\n"
	"  capabilities:\n"
	"    - {type: msi, offset: 0x48, fields: {message-control: 0x0080}}\n"
	"    - {type: af, offset: 0x60, fields: {length: 6, af-capabilities: 0x03}}\n"
	"    - {type: pm, offset: 0x68, fields: {pmc: 0x0003}}\n",
};

/* the VF template of hostile-vpf */
static const char vf_template[] =
	"vpci: 1\nname: hostile-vf\nfunction:\n"
	"  header: {vendor-id: 0xffff, device-id: 0xffff, class-code: 0x020000}\n"
	"  bars:\n    - {index: 0, type: mem64, prefetchable: true, size: 0x4000000000000000}\n"
	"    - {index: 2, type: mem32, size: 1GiB}\n"
	"  capabilities:\n    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002}}\n";

/* --- the generator ------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Regions a guest would aim at: the header and each capability. */
static struct { unsigned off, len; } regions[64];
static unsigned nregions;

/* an offset anywhere in 32 bits, half of the time within 64 of the top
 * (where an end computed in 32 bits wraps) */
static unsigned rnd_far(void)
{
	return below(2) ? (unsigned)rnd() : 0u - 1u - below(64);
}

/* mostly inside config space and at its registers, often up to 0xffff,
 * sometimes anywhere */
static unsigned rnd_off(void)
{
	unsigned p = below(100);

	if (p < 45 && nregions) {
		unsigned r = below(nregions);
		return regions[r].off + below(regions[r].len + 4);
	}
	if (p < 75)
		return below(0x1010);
	if (p < 90)
		return below(0x10000);
	return rnd_far();
}

/* mostly a size the interface takes, otherwise 0..8 */
static unsigned rnd_size(const unsigned *ok, unsigned n)
{
	return below(4) ? ok[below(n)] : below(9);
}

static const unsigned cfg_sizes[] = { 1, 2, 4 }, tab_sizes[] = { 4, 8 };

static uint32_t rnd_val(void)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return 0xffffffffu;
	case 2: return below(16); /* small counts, single control bits */
	default: return (uint32_t)rnd();
	}
}

/* --- the function under test and what the test knows of it ---------------------- */

#define CFG 4096
#define MAXVEC 2048

struct hostile {
	const vpci_func *f;
	vpci_emu *e;
	unsigned size;
	/* per byte, from the instance's planes */
	uint8_t init[CFG], rw[CFG], w1c[CFG], rz[CFG], virt[CFG], sticky[CFG], devw[CFG];
	uint8_t trig[CFG];          /* Initiate FLR (test's own reading of the spec) */
	unsigned msi_ctl, mmc;      /* MSI Message Control, 0 = none */
	/* the state: config bytes as last read, MSI-X table and PBA */
	uint8_t cur[CFG];
	unsigned nvec;
	uint32_t table[4 * MAXVEC];
	uint64_t pba[MAXVEC / 64];
	/* a saved state */
	void *blob;
	size_t bloblen;
	uint8_t saved[CFG];
	uint32_t saved_table[4 * MAXVEC];
	uint64_t saved_pba[MAXVEC / 64];
	/* events of the current step */
	int reset_seen;
	unsigned nev, bad_events;
	/* a virtual PF: its SR-IOV registers (PCIe §9.3.3, the test's own
	 * reading), its Routing ID, the template's BAR sizes and kinds, the
	 * VFs its events said are present, the VF BAR spaces they reported */
	const vpci_func *vft;
	unsigned sr_ctl, sr_total, sr_num, sr_first, sr_stride, sr_vfbar;
	uint16_t rid;
	uint64_t vft_size[6];
	int vft_64[6];
	unsigned vfs_up, nvfev;
	struct { uint64_t addr; unsigned count; int on; } vfbar[6];
	/* the backend */
	struct vpci_backend snap;
	unsigned bad_backend;
	/* for messages */
	uint64_t seed;
	unsigned long step;
};

static struct hostile H;

#define FAIL_AT(...)                                                                                \
	do {                                                                                        \
		print_error("seed 0x%016llx step %lu: ", (unsigned long long)H.seed, H.step);        \
		print_error(__VA_ARGS__);                                                           \
		print_error("\n");                                                                  \
		fail();                                                                             \
	} while (0)

/* The checking backend: every write's mask is device-backed and writable;
 * the snapshot behind it refuses any change outside the mask.  Reads set
 * every bit the instance calls RsvdZ, as a device that implements more
 * than the instance says does: the guest must still read 0 there. */
static int chk_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	int rc = H.snap.ops->read(H.snap.ctx, off, size, val);

	(void)ctx;
	for (unsigned i = 0; i < size && off + i < CFG; i++)
		*val |= (uint32_t)H.rz[off + i] << (8 * i);
	return rc;
}

static int chk_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	(void)ctx;
	for (unsigned i = 0; i < size; i++)
		if (off + i >= CFG || ((mask >> (8 * i)) & 0xff & ~H.devw[off + i]))
			H.bad_backend++;
	return H.snap.ops->write(H.snap.ctx, off, size, val, mask);
}

static int chk_reset(void *ctx, enum vpci_reset kind)
{
	(void)ctx;
	return H.snap.ops->reset(H.snap.ctx, kind);
}

static void chk_destroy(void *ctx)
{
	(void)ctx;
	H.snap.ops->destroy(H.snap.ctx);
}

static const struct vpci_backend_ops chk_ops = { chk_read, chk_write, chk_reset, chk_destroy };

static void on_event(void *opaque, const struct vpci_event *ev)
{
	(void)opaque;
	if (getenv("DBG") && (ev->kind == VPCI_EV_VF || ev->kind == VPCI_EV_VF_BAR)) fprintf(stderr, "ev %s idx %u en %d addr %llx size %llx data %x up %u\n", vpci_event_kind_name(ev->kind), ev->index, ev->enabled, (unsigned long long)ev->addr, (unsigned long long)ev->size, ev->data, H.vfs_up);
	H.nev++;
	switch (ev->kind) {
	case VPCI_EV_FLR:
		H.reset_seen = 1;
		break;
	case VPCI_EV_PM:
		if (ev->old == 3 && ev->data == 0 && !ev->enabled)
			H.reset_seen = 1;
		break;
	case VPCI_EV_BAR:
		if (ev->enabled) {
			struct vpci_bar_info bi;
			uint64_t top = !vpci_func_bar(H.f, ev->index, &bi) && bi.type == VPCI_BAR_MEM64 ? UINT64_MAX
												  : 0xffffffffu;
			if (!ev->addr || !ev->size || ev->addr > top || ev->size - 1 >= top - ev->addr)
				H.bad_events++;
		}
		break;
	case VPCI_EV_MSI:
		if (ev->index > (1u << H.mmc))
			H.bad_events++;
		break;
	case VPCI_EV_VF:
		H.nvfev++;
		if (!H.vft || ev->func != H.vft) {
			H.bad_events++;
		} else if (ev->enabled) {
			unsigned first = (unsigned)H.cur[H.sr_first] | (unsigned)H.cur[H.sr_first + 1] << 8;
			unsigned stride = (unsigned)H.cur[H.sr_stride] | (unsigned)H.cur[H.sr_stride + 1] << 8;
			if (ev->index != H.vfs_up + 1 || ev->data != H.rid + first + (ev->index - 1) * stride)
				H.bad_events++;
			H.vfs_up++;
		} else {
			if (!H.vfs_up || ev->index != H.vfs_up)
				H.bad_events++;
			H.vfs_up--;
		}
		break;
	case VPCI_EV_VF_BAR:
		H.nvfev++;
		if (!H.vft || ev->index > 5 || !H.vft_size[ev->index] || ev->size != H.vft_size[ev->index] ||
		    ev->data != H.vfs_up) {
			H.bad_events++;
			break;
		}
		H.vfbar[ev->index].addr = ev->addr;
		H.vfbar[ev->index].count = ev->data;
		H.vfbar[ev->index].on = ev->enabled;
		break;
	default:
		break;
	}
}

static void snap_state(uint8_t *out)
{
	for (unsigned off = 0; off < CFG; off += 4) {
		uint32_t v = 0;
		if (vpci_emu_read(H.e, off, 4, &v))
			FAIL_AT("read of 0x%x failed", off);
		for (unsigned k = 0; k < 4; k++)
			out[off + k] = (uint8_t)(v >> (8 * k));
	}
}

static void setup(const vpci_func *f)
{
	const uint8_t *val = vpci_func_bytes(f);
	const uint8_t *rw = vpci_func_plane(f, VPCI_PL_RW), *w1c = vpci_func_plane(f, VPCI_PL_RW1C);
	const uint8_t *rz = vpci_func_plane(f, VPCI_PL_RSVDZ), *dev = vpci_func_plane(f, VPCI_PL_DEVICE);
	const uint8_t *st = vpci_func_plane(f, VPCI_PL_STICKY);
	struct vpci_cap_info ci;
	static const struct vpci_emu_ops ops = { on_event };

	uint64_t seed = H.seed;

	memset(&H, 0, sizeof(H));
	H.seed = seed;
	H.f = f;
	regions[0].off = 0;
	regions[0].len = 0x40;
	nregions = 1;
	for (unsigned i = 0; i < vpci_func_cap_count(f) && nregions < 64; i++, nregions++) {
		vpci_func_cap(f, i, &ci);
		regions[nregions].off = ci.offset;
		regions[nregions].len = ci.length ? ci.length : 0x40;
	}
	H.size = vpci_func_config_size(f);
	for (unsigned i = 0; i < CFG; i++) {
		H.rz[i] = rz[i];
		H.rw[i] = rw[i] & ~rz[i];
		H.w1c[i] = w1c[i] & ~rz[i];
		H.virt[i] = (uint8_t)~(dev[i] & ~rz[i]);
		H.devw[i] = dev[i] & ~rz[i] & (rw[i] | w1c[i]);
		H.sticky[i] = st[i];
		H.init[i] = val[i] & ~rz[i];
	}
	/* Initiate FLR: PCIe Device Control bit 15 when Device Capabilities
	 * bit 28 says FLR capable (PCIe §7.5.3.3/4); AF Control bit 0 when AF
	 * Capabilities bit 1 does */
	if (vpci_func_find_cap(f, false, 0x10, &ci) >= 0 && (vpci_func_read(f, ci.offset + 4u, 4) >> 28 & 1))
		H.trig[ci.offset + 9] = 0x80 & H.rw[ci.offset + 9] & H.virt[ci.offset + 9];
	if (vpci_func_find_cap(f, false, 0x13, &ci) >= 0 && (vpci_func_read(f, ci.offset + 3u, 1) & 2))
		H.trig[ci.offset + 4] = 0x01 & H.rw[ci.offset + 4] & H.virt[ci.offset + 4];
	if (vpci_func_find_cap(f, false, 0x05, &ci) >= 0) {
		H.msi_ctl = ci.offset + 2u;
		H.mmc = (vpci_func_read(f, H.msi_ctl, 2) >> 1) & 7;
	}
	if (vpci_func_find_cap(f, false, 0x11, &ci) >= 0)
		H.nvec = (vpci_func_read(f, ci.offset + 2u, 2) & 0x7ff) + 1;
	assert_true(H.nvec <= MAXVEC);
	for (unsigned v = 0; v < H.nvec; v++)
		H.table[4 * v + 3] = 1;
	if ((H.vft = vpci_func_vf_template(f)) && vpci_func_find_cap(f, true, 0x10, &ci) >= 0) {
		H.sr_ctl = ci.offset + 0x08u;
		H.sr_total = ci.offset + 0x0eu;
		H.sr_num = ci.offset + 0x10u;
		H.sr_first = ci.offset + 0x14u;
		H.sr_stride = ci.offset + 0x16u;
		H.sr_vfbar = ci.offset + 0x24u;
		for (unsigned i = 0; i < 6; i++) {
			struct vpci_bar_info bi;
			if (!vpci_func_bar(H.vft, i, &bi) && (bi.type == VPCI_BAR_MEM32 || bi.type == VPCI_BAR_MEM64)) {
				H.vft_size[i] = bi.size;
				H.vft_64[i] = bi.type == VPCI_BAR_MEM64;
			}
		}
	}
	assert_int_equal(vpci_backend_snapshot(f, &H.snap), 0);
	struct vpci_backend be = { &chk_ops, NULL };
	assert_int_equal(vpci_emu_new(f, &be, &ops, NULL, &H.e, NULL), 0);
	if (H.vft) {
		/* events name the engine's copy of the template */
		H.vft = vpci_func_vf_template(vpci_emu_instance(H.e));
		assert_non_null(H.vft);
		H.rid = (uint16_t)rnd();
		vpci_emu_set_routing_id(H.e, H.rid);
	}
	snap_state(H.cur);
}

static unsigned cur16(unsigned off)
{
	return (unsigned)H.cur[off] | (unsigned)H.cur[off + 1] << 8;
}

static uint32_t cur32(unsigned off)
{
	return (uint32_t)cur16(off) | (uint32_t)cur16(off + 2) << 16;
}

/* A virtual PF after a step: the VFs and VF BAR spaces its events
 * reported are the ones its registers (H.cur) describe. */
static void check_vfs(void)
{
	unsigned ctl = cur16(H.sr_ctl), num = cur16(H.sr_num), total = cur16(H.sr_total);
	unsigned want = (ctl & 0x0001) ? (num < total ? num : total) : 0; /* §9.3.3.3.1 VF Enable */

	if (!H.vft)
		return;
	if (H.vfs_up != want)
		FAIL_AT("virtual PF: %u VFs reported present; VF Enable %u, NumVFs %u, TotalVFs %u", H.vfs_up, ctl & 1, num,
			total);
	for (unsigned i = 0; i < 6; i++) {
		uint64_t size = H.vft_size[i], top = H.vft_64[i] ? UINT64_MAX : 0xffffffffu;
		if (!size)
			continue;
		uint64_t addr = cur32(H.sr_vfbar + 4 * i) & ~0xfull;
		if (H.vft_64[i])
			addr |= (uint64_t)cur32(H.sr_vfbar + 4 * i + 4) << 32;
		/* §9.3.3.3.4 VF MSE; VF n's BAR at addr + (n - 1) * size */
		uint64_t span;
		int on = (ctl & 0x0001) && (ctl & 0x0008) && want && addr &&
			 !__builtin_mul_overflow(size, (uint64_t)want, &span) && span - 1 < top - addr;
		if (on != H.vfbar[i].on || (on && (H.vfbar[i].addr != addr || H.vfbar[i].count != want)))
			FAIL_AT("virtual PF: VF BAR%u reported %s at 0x%llx for %u VFs; the registers say %s at 0x%llx for %u", i,
				H.vfbar[i].on ? "on" : "off", (unsigned long long)H.vfbar[i].addr, H.vfbar[i].count,
				on ? "on" : "off", (unsigned long long)addr, want);
	}
}

/* The value byte @i must have after a reset of @kind from @before. */
static uint8_t after_reset(unsigned i, const uint8_t *before, enum vpci_reset kind)
{
	uint8_t keep = kind == VPCI_RESET_COLD ? 0 : H.sticky[i];

	return (uint8_t)(((H.init[i] & ~keep) | (before[i] & keep)) & ~H.trig[i]);
}

/* Whole-space rules on the state @now (virtual bits only). */
static void check_space(const uint8_t *now)
{
	for (unsigned i = 0; i < CFG; i++) {
		if (i >= H.size) {
			if (now[i])
				FAIL_AT("byte 0x%x past the %u-byte config space reads 0x%02x", i, H.size, now[i]);
			continue;
		}
		uint8_t fixed = (uint8_t)(H.virt[i] & ~(H.rw[i] | H.w1c[i] | H.rz[i]));
		if (now[i] & H.rz[i])
			FAIL_AT("byte 0x%x: RsvdZ bits 0x%02x read 1", i, now[i] & H.rz[i]);
		if ((now[i] ^ H.init[i]) & fixed)
			FAIL_AT("byte 0x%x: read-only virtual bits changed: 0x%02x, instance 0x%02x (mask 0x%02x)", i, now[i],
				H.init[i], fixed);
		if (now[i] & H.trig[i])
			FAIL_AT("byte 0x%x: Initiate FLR reads 1", i);
	}
	if (H.msi_ctl) {
		unsigned mme = (now[H.msi_ctl] >> 4) & 7;
		if (mme > H.mmc)
			FAIL_AT("MSI Multiple Message Enable %u above Capable %u", mme, H.mmc);
	}
}

static void reset_msix(void)
{
	for (unsigned v = 0; v < H.nvec; v++) {
		memset(&H.table[4 * v], 0, 12);
		H.table[4 * v + 3] = 1;
	}
	memset(H.pba, 0, sizeof(H.pba));
}

/* --- steps ----------------------------------------------------------------------- */

static int cfg_valid(unsigned off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && (uint64_t)off + size <= CFG;
}

static void step_read(void)
{
	unsigned off = rnd_off(), size = rnd_size(cfg_sizes, 3);
	uint32_t v = 0x5a5a5a5a;
	int rc = vpci_emu_read(H.e, off, size, &v);

	if (!cfg_valid(off, size)) {
		if (rc != VPCI_ERANGE || v != 0x5a5a5a5a)
			FAIL_AT("read 0x%x size %u: rc %d, value 0x%x; want VPCI_ERANGE and nothing read", off, size, rc, v);
		return;
	}
	if (rc)
		FAIL_AT("read 0x%x size %u: rc %d", off, size, rc);
	for (unsigned k = 0; k < size; k++) {
		uint8_t b = (uint8_t)(v >> (8 * k)), m = H.virt[off + k];
		if ((b ^ H.cur[off + k]) & m)
			FAIL_AT("read 0x%x size %u: byte 0x%x is 0x%02x, a DWORD read gave 0x%02x", off, size, off + k, b,
				H.cur[off + k]);
	}
}

static void write_at(unsigned off, unsigned size, uint32_t val)
{
	uint8_t before[CFG], now[CFG];

	memcpy(before, H.cur, CFG);
	H.reset_seen = 0;
	unsigned bad = H.bad_backend;
	int rc = vpci_emu_write(H.e, off, size, val);
	snap_state(now);
	if (H.bad_backend != bad)
		FAIL_AT("write 0x%x size %u value 0x%x: the backend got bits that are not device-backed", off, size, val);
	if (!cfg_valid(off, size)) {
		if (rc != VPCI_ERANGE)
			FAIL_AT("write 0x%x size %u: rc %d, want VPCI_ERANGE", off, size, rc);
		for (unsigned i = 0; i < CFG; i++)
			if ((now[i] ^ before[i]) & H.virt[i])
				FAIL_AT("refused write 0x%x size %u changed byte 0x%x", off, size, i);
		return;
	}
	if (rc)
		FAIL_AT("write 0x%x size %u value 0x%x: rc %d (the backend refused a change outside its mask?)", off,
			size, val, rc);
	check_space(now);
	for (unsigned i = 0; i < H.size; i++) {
		int in = i >= off && i < off + size;
		uint8_t v = H.virt[i], w = in ? (uint8_t)(val >> (8 * (i - off))) : 0;
		if (H.reset_seen) {
			/* FLR or D3hot -> D0: sticky bits kept (those the write
			 * itself touched may have changed first) */
			uint8_t want = after_reset(i, before, VPCI_RESET_FLR), m = v;
			if (in)
				m &= (uint8_t)~H.sticky[i];
			if ((now[i] ^ want) & m)
				FAIL_AT("write 0x%x size %u reset the function: byte 0x%x is 0x%02x, want 0x%02x (mask 0x%02x)", off,
					size, i, now[i], want, m);
			continue;
		}
		if (!in) {
			if ((now[i] ^ before[i]) & v)
				FAIL_AT("write 0x%x size %u changed byte 0x%x outside it: 0x%02x -> 0x%02x", off, size, i,
					before[i], now[i]);
			continue;
		}
		uint8_t rw = H.rw[i] & v & ~H.trig[i], w1c = H.w1c[i] & v;
		if (i == H.msi_ctl)
			rw &= 0x8f; /* MME: checked below */
		if (H.vft && (i == H.sr_num || i == H.sr_num + 1))
			rw = 0; /* NumVFs: checked below */
		if ((now[i] ^ w) & rw)
			FAIL_AT("write 0x%x size %u: RW bits of byte 0x%x are 0x%02x, written 0x%02x (RW 0x%02x)", off, size, i,
				now[i] & rw, w & rw, rw);
		if ((now[i] ^ (before[i] & ~w)) & w1c)
			FAIL_AT("write 0x%x size %u: RW1C bits of byte 0x%x are 0x%02x, were 0x%02x, written 0x%02x", off, size,
				i, now[i] & w1c, before[i] & w1c, w & w1c);
		if (i == H.msi_ctl && (H.rw[i] & 0x70 & v) == 0x70) {
			unsigned want = (w >> 4) & 7;
			if (want > H.mmc)
				want = H.mmc;
			if (((now[i] >> 4) & 7) != want)
				FAIL_AT("MSI MME written %u reads %u (capable %u)", (w >> 4) & 7, (now[i] >> 4) & 7, H.mmc);
		}
	}
	if (H.vft && !H.reset_seen && off < H.sr_num + 2 && off + size > H.sr_num) {
		/* NumVFs (§9.3.3.7): written while VF Enable was Set, or above
		 * TotalVFs, it keeps its value (vpci's choice for "undefined") */
		unsigned old = (unsigned)before[H.sr_num] | (unsigned)before[H.sr_num + 1] << 8, wr = old;
		for (unsigned k = 0; k < 2; k++) {
			unsigned i = H.sr_num + k;
			if (i >= off && i < off + size) {
				uint8_t w = (uint8_t)(val >> (8 * (i - off))), m = H.rw[i] & H.virt[i];
				wr = (wr & ~(0xffu << (8 * k))) | ((unsigned)((before[i] & ~m) | (w & m)) << (8 * k));
			}
		}
		unsigned total = (unsigned)before[H.sr_total] | (unsigned)before[H.sr_total + 1] << 8;
		unsigned want = (before[H.sr_ctl] & 1) || wr > total ? old : wr;
		unsigned got = (unsigned)now[H.sr_num] | (unsigned)now[H.sr_num + 1] << 8;
		if (got != want)
			FAIL_AT("write 0x%x size %u value 0x%x: NumVFs %u, want %u (was %u, VF Enable %u, TotalVFs %u)", off, size,
				val, got, want, old, before[H.sr_ctl] & 1, total);
	}
	if (H.reset_seen)
		reset_msix();
	memcpy(H.cur, now, CFG);
}

static void step_write(void)
{
	unsigned off = rnd_off(), size = rnd_size(cfg_sizes, 3);

	write_at(off, size, rnd_val());
}

/* A virtual PF's driver, half hostile: NumVFs (often a count it may
 * take), a VF BAR (sized, placed anywhere, near the top), SR-IOV Control
 * (often VF Enable and VF MSE), at the register or across it. */
static void step_vpf(void)
{
	unsigned p = below(3), size = below(4) ? 4u >> below(2) : rnd_size(cfg_sizes, 3);
	uint32_t val = rnd_val();

	if (p == 0) {
		write_at(H.sr_num, below(4) ? 2 : size, below(2) ? below(10) : val);
	} else if (p == 1) {
		unsigned r = H.sr_vfbar + 4 * below(6);
		write_at(below(8) ? r : r + below(4), size, below(4) ? val : 0xffffffffu - below(3) * 0x10000000u);
	} else {
		write_at(H.sr_ctl, below(4) ? 2 : size, below(2) ? (val & ~0xfu) | below(16) : below(16));
	}
}

static void step_reset(void)
{
	enum vpci_reset kind = (enum vpci_reset)below(3);
	uint8_t now[CFG];

	if (vpci_emu_reset(H.e, kind))
		FAIL_AT("reset %d failed", kind);
	snap_state(now);
	check_space(now);
	for (unsigned i = 0; i < H.size; i++) {
		uint8_t want = after_reset(i, H.cur, kind);
		if ((now[i] ^ want) & H.virt[i])
			FAIL_AT("reset %d: byte 0x%x is 0x%02x, want 0x%02x (sticky 0x%02x)", kind, i, now[i], want, H.sticky[i]);
	}
	reset_msix();
	memcpy(H.cur, now, CFG);
}

static void step_msix(void)
{
	unsigned p = below(100), size = rnd_size(tab_sizes, 2);
	uint64_t tlen = 16ull * H.nvec, plen = 8ull * ((H.nvec + 63) / 64);
	int pba = below(3) == 0;
	unsigned off = p < 75 ? below((unsigned)(pba ? plen : tlen) + 24) : rnd_far();
	uint64_t len = pba ? plen : tlen, q = 0x5a5a;
	int valid = H.nvec && (size == 4 || size == 8) && !(off & (size - 1)) && (uint64_t)off + size <= len;
	int rc;

	if (below(4) == 0) {
		unsigned v = below(H.nvec + 4);
		int pend = (int)below(2);
		rc = vpci_emu_msix_set_pending(H.e, v, pend);
		if (!H.nvec ? rc != VPCI_ENOENT : (v < H.nvec) != (rc == 0))
			FAIL_AT("set_pending %u: rc %d", v, rc);
		if (!rc) {
			if (pend)
				H.pba[v / 64] |= 1ull << (v % 64);
			else
				H.pba[v / 64] &= ~(1ull << (v % 64));
		}
		return;
	}
	if (!pba && below(2)) {
		uint64_t val = rnd() | (below(4) ? 0 : 0xffffffffffffffffull);
		rc = vpci_emu_msix_table_write(H.e, off, size, val);
		if (valid != (rc == 0) || (!H.nvec && rc != VPCI_ENOENT))
			FAIL_AT("table write 0x%x size %u: rc %d, valid %d", off, size, rc, valid);
		if (rc)
			return;
		for (unsigned k = 0; k < size / 4; k++) {
			unsigned i = off / 4 + k;
			uint32_t v = (uint32_t)(val >> (32 * k));
			H.table[i] = (i & 3) == 3 ? (v & 1) : v;
		}
		/* and read it back at once */
		pba = 0;
	}
	rc = vpci_emu_msix_table_read(H.e, pba, off, size, &q);
	if (valid != (rc == 0) || (!H.nvec && rc != VPCI_ENOENT))
		FAIL_AT("%s read 0x%x size %u: rc %d, valid %d", pba ? "PBA" : "table", off, size, rc, valid);
	if (rc) {
		if (q != 0x5a5a)
			FAIL_AT("refused %s read 0x%x wrote its result", pba ? "PBA" : "table", off);
		return;
	}
	uint64_t want;
	if (pba) {
		want = H.pba[off / 8];
		if (size == 4)
			want = (want >> ((off & 4) * 8)) & 0xffffffffu;
	} else {
		want = H.table[off / 4];
		if (size == 8)
			want |= (uint64_t)H.table[off / 4 + 1] << 32;
	}
	if (q != want)
		FAIL_AT("%s read 0x%x size %u: 0x%llx, want 0x%llx", pba ? "PBA" : "table", off, size,
			(unsigned long long)q, (unsigned long long)want);
}

static void step_save_load(void)
{
	if (!H.blob || below(2)) {
		free(H.blob);
		H.blob = NULL;
		if (vpci_emu_save(H.e, &H.blob, &H.bloblen))
			FAIL_AT("save failed");
		memcpy(H.saved, H.cur, CFG);
		memcpy(H.saved_table, H.table, sizeof(H.table));
		memcpy(H.saved_pba, H.pba, sizeof(H.pba));
		return;
	}
	uint8_t now[CFG];
	if (vpci_emu_load(H.e, H.blob, H.bloblen, NULL))
		FAIL_AT("our own blob was refused");
	snap_state(now);
	check_space(now);
	for (unsigned i = 0; i < H.size; i++)
		if ((now[i] ^ H.saved[i]) & H.virt[i])
			FAIL_AT("load: byte 0x%x is 0x%02x, saved 0x%02x", i, now[i], H.saved[i]);
	memcpy(H.cur, now, CFG);
	memcpy(H.table, H.saved_table, sizeof(H.table));
	memcpy(H.pba, H.saved_pba, sizeof(H.pba));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_hostile_guest(void **state)
{
	const char *e_seed = getenv("VPCI_HOSTILE_SEED"), *e_steps = getenv("VPCI_HOSTILE_STEPS");
	const char *e_secs = getenv("VPCI_HOSTILE_SECONDS");
	double budget = e_secs ? atof(e_secs) : 2.0;
	unsigned long max_steps = e_steps ? strtoul(e_steps, NULL, 0) : 0;
	uint64_t seed = e_seed ? strtoull(e_seed, NULL, 0) : ((uint64_t)time(NULL) << 20) ^ (uint64_t)clock();

	(void)state;
	if (!seed)
		seed = 1;
	print_message("hostile guest: seed 0x%016llx (replay: VPCI_HOSTILE_SEED=0x%016llx%s)\n",
		      (unsigned long long)seed, (unsigned long long)seed, max_steps ? "" : " VPCI_HOSTILE_STEPS=<steps>");
	/* the VF template goes next to the instances' (nominal) file */
	char dir[256], file[300];
	const char *tmpdir = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/vpci-hostile.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/hostile-vf.yaml", dir);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fputs(vf_template, fp);
	assert_int_equal(fclose(fp), 0);
	snprintf(file, sizeof(file), "%s/hostile.yaml", dir);
	for (unsigned n = 0; n < sizeof(instances) / sizeof(instances[0]); n++) {
		vpci_func *f = unit_parse(instances[n], strlen(instances[n]), file, 0);
		H.seed = seed + n;
		rng = H.seed;
		H.step = 0;
		setup(f);
		check_space(H.cur);
		double t0 = now_s(), end = t0 + budget / (double)(sizeof(instances) / sizeof(instances[0]));
		for (H.step = 1;; H.step++) {
			if (max_steps ? H.step > max_steps : (H.step % 64 == 0 && now_s() > end))
				break;
			unsigned p = below(100);
			if (p < 35)
				step_read();
			else if (p < 75)
				H.vft && p < 55 ? step_vpf() : step_write();
			else if (p < 78)
				step_reset();
			else if (p < 96)
				step_msix();
			else
				step_save_load();
			if (H.bad_events)
				FAIL_AT("an event mapped an unusable BAR address, reported more MSI vectors than capable, or a VF "
					"out of order, with a wrong Routing ID or VF BAR");
			check_vfs();
		}
		print_message("  %s: %lu steps in %.2f s (seed 0x%016llx), %u events (%u of VFs)\n", vpci_func_name(f),
			      H.step - 1, now_s() - t0, (unsigned long long)H.seed, H.nev, H.nvfev);
		free(H.blob);
		vpci_emu_free(H.e);
		vpci_func_free(f);
	}
	snprintf(file, sizeof(file), "%s/hostile-vf.yaml", dir);
	assert_int_equal(remove(file), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_guest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
