/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-vcap-emu.c - virtual capabilities placed by the rule, emulated
 * under a hostile guest.
 *
 * An endpoint whose AER capability is device-backed gets virtual ATS, PRI
 * and PASID capabilities by `placement: auto` (the way a VMM reads a
 * placed file).  The guest then writes every byte offset of the placed
 * block and the gap bytes around it with sizes 1, 2 and 4 at any
 * alignment, with full 32-bit values (bits above the access size
 * included): all 2^16 values of every 16-bit register at its own offset,
 * all 2^8 values of every byte, and seeded random values with 0, all ones
 * and walking ones for the other accesses.  After every write:
 *
 *   - the block and its neighbourhood read back as the specification
 *     says: the masks below are transcribed from PCIe r6.0 (§10.5.1 ATS,
 *     §10.5.2 PRI, §7.8.9 PASID), not taken from the capability table;
 *     capability headers, capability registers and gap bytes never move;
 *   - the VMM hears of exactly the control registers that changed: one
 *     `pasid`, `ats` or `pri` event each, with the new value, the value
 *     last reported and the enable bit (PASID Enable bit 0, ATS Enable
 *     bit 15, PRI Enable bit 0), and no other event;
 *   - the device sees nothing: the backend gets no write at all (a
 *     virtual capability has no device-backed bit), while a write to the
 *     device-backed AER next to it does reach it.
 *
 * VPCI_VCAP_SEED=0x... replays the random part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vpci/vpci.h"
#include "unit-util.h"

/* ATS, PRI and PASID go in this order into the free range at 0x140:
 * ATS 0x140 (8 bytes), PRI 0x148 (16), PASID 0x158 (8). */
static const char instance[] =
	"vpci: 1\nname: vcap-hostile\nfunction:\n  kind: endpoint\n  config-size: 4096\n"
	"  header: {vendor-id: 0x8086, device-id: 0x1520}\n"
	"  capabilities:\n"
	"    - type: pcie\n      offset: 0x40\n"
	"      fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}\n"
	"  extended-capabilities:\n"
	"    - {type: aer, offset: 0x100, version: 2, backing: device}\n"
	"  free-ranges:\n    - {offset: 0x140, length: 0x40}\n"
	"  virtual-capabilities:\n"
	"    - type: ats\n      placement: auto\n      fields: {ats-capability: 0x0065}\n"
	"    - type: pri\n      placement: auto\n"
	"      fields: {pri-status: 0x8103, outstanding-capacity: 0x00000200}\n"
	"    - type: pasid\n      placement: auto\n      fields: {pasid-capability: 0x1406}\n";

enum { ATS = 0x140, PRI = 0x148, PASID = 0x158, END = 0x160 };
/* the region the guest attacks: the placed block and gap bytes around it */
enum { LO = 0x12c, HI = 0x180 };

/* What the specification makes guest-writable in the block. */
struct spec_reg {
	unsigned off, width;
	uint32_t rw, w1c, dc;
	const char *spec;
};

static const struct spec_reg spec[] = {
	{ ATS + 0x06, 2, .rw = 0x801f, .spec = "§10.5.1.3 ATS Control: 4:0 STU, 15 Enable RW" },
	{ PRI + 0x04, 2, .rw = 0x0003, .dc = 0x0002,
	  .spec = "§10.5.2.2 PRI Control: 0 Enable, 1 Reset RW (Reset read-back not asserted)" },
	{ PRI + 0x06, 2, .w1c = 0x0003,
	  .spec = "§10.5.2.3 PRI Status: 0 Response Failure, 1 Unexpected PRG Index RW1C; 8, 15 RO" },
	{ PRI + 0x0c, 4, .rw = 0xffffffff, .spec = "§10.5.2.5 Outstanding Page Request Allocation RW" },
	{ PASID + 0x06, 2, .rw = 0x0007,
	  .spec = "§7.8.9.3 PASID Control: 0 Enable, 1 Execute, 2 Privileged Mode Enable RW (capable)" },
};

/* The control registers the VMM hears about. */
static const struct watched {
	enum vpci_event_kind kind;
	unsigned off;
	uint32_t enable;
} watched[] = {
	{ VPCI_EV_PASID, PASID + 0x06, 0x0001 },
	{ VPCI_EV_ATS, ATS + 0x06, 0x8000 },
	{ VPCI_EV_PRI, PRI + 0x04, 0x0001 },
};

static uint8_t rw[4096], w1c[4096], dc[4096];
static uint8_t model[4096], initial[4096];
static uint32_t reported[3];

static struct vpci_event evs[64];
static unsigned nev;

static unsigned dev_writes;

static void on_event(void *opaque, const struct vpci_event *ev)
{
	(void)opaque;
	assert_true(nev < 64);
	evs[nev++] = *ev;
}

/* The device: AER's registers as the instance has them; writes counted. */
static int dev_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	const uint8_t *b = ctx;

	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint32_t)b[off + i] << (8 * i);
	return 0;
}

static int dev_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	(void)ctx;
	(void)off;
	(void)size;
	(void)val;
	if (mask)
		dev_writes++;
	return 0;
}

static const struct vpci_backend_ops dev_ops = { .read = dev_read, .write = dev_write };

static uint64_t rng;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint32_t model_get(unsigned off, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)model[off + i] << (8 * i);
	return v;
}

/* The model after the guest writes @size bytes of @val at @off. */
static void model_write(unsigned off, unsigned size, uint32_t val)
{
	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));
		model[o] = (uint8_t)((model[o] & ~rw[o]) | (b & rw[o]));
		model[o] &= (uint8_t)~(b & w1c[o]);
	}
}

/* The region reads back as the model says (bits whose read-back the spec
 * leaves undefined are taken from the engine). */
static void check_region(vpci_emu *e, const char *what, unsigned off, unsigned size, uint32_t val)
{
	for (unsigned d = LO; d < HI; d += 4) {
		uint32_t dw = unit_rd(e, d, 4);
		for (unsigned o = d; o < d + 4; o++) {
			uint8_t got = (uint8_t)(dw >> (8 * (o - d)));
			if ((got & ~dc[o]) != (model[o] & ~dc[o])) {
				print_error("%s %u bytes of %#x at %#x: %#x reads %#x, expected %#x\n", what, size, val,
					    off, o, got, model[o]);
				fail();
			}
			model[o] = (uint8_t)((model[o] & ~dc[o]) | (got & dc[o]));
		}
	}
}

/* Exactly one event per watched control register that changed. */
static void check_events(const char *what, unsigned off, uint32_t val)
{
	unsigned want = 0;

	for (unsigned k = 0; k < 3; k++) {
		uint32_t cur = model_get(watched[k].off, 2);
		unsigned seen = 0;
		for (unsigned i = 0; i < nev; i++) {
			if (evs[i].kind != watched[k].kind)
				continue;
			seen++;
			if (evs[i].data != cur || evs[i].old != reported[k] ||
			    evs[i].enabled != ((cur & watched[k].enable) != 0)) {
				print_error("%s %#x at %#x: %s event data %#x old %#x enabled %d, expected %#x %#x %d\n",
					    what, val, off, vpci_event_kind_name(evs[i].kind), evs[i].data, evs[i].old,
					    evs[i].enabled, cur, reported[k], (cur & watched[k].enable) != 0);
				fail();
			}
		}
		if (seen != (cur != reported[k])) {
			print_error("%s %#x at %#x: %u %s events for %#x -> %#x\n", what, val, off, seen,
				    vpci_event_kind_name(watched[k].kind), reported[k], cur);
			fail();
		}
		want += seen;
		reported[k] = cur;
	}
	if (nev != want) {
		print_error("%s %#x at %#x: %u events, %u of them not PASID, ATS or PRI (first: %s)\n", what, val,
			    off, nev, nev - want, vpci_event_kind_name(evs[0].kind));
		fail();
	}
	nev = 0;
}

static void hostile_write(vpci_emu *e, unsigned off, unsigned size, uint32_t val)
{
	unit_wr(e, off, size, val);
	model_write(off, size, val);
	check_region(e, "write", off, size, val);
	assert_int_equal(unit_rd(e, off, size), model_get(off, size)); /* at the access's own width */
	check_events("write", off, val);
}

/* Back to the instance's values (RW1C bits set again). */
static void cold_reset(vpci_emu *e)
{
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_COLD), 0);
	memcpy(model, initial, sizeof(model));
	check_region(e, "cold reset", 0, 0, 0);
	check_events("cold reset", 0, 0);
}

static void test_hostile(void **state)
{
	(void)state;
	vpci_func *f = unit_parse(instance, sizeof(instance) - 1, "vcap-hostile.yaml", 0);
	uint8_t dev[4096];
	struct vpci_emu_ops ops = { on_event };
	vpci_emu *e = NULL;
	const char *env = getenv("VPCI_VCAP_SEED");
	unsigned long long seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL) * 2654435761u;
	unsigned long writes = 0;

	rng = seed ? seed : 1;
	print_message("seed %#llx (VPCI_VCAP_SEED replays it)\n", seed);

	/* where the rule put them, linked AER -> ATS -> PRI -> PASID */
	struct vpci_cap_info ci;
	const char *keys[3] = { "ats", "pri", "pasid" };
	unsigned at[3] = { ATS, PRI, PASID };
	for (unsigned k = 0; k < 3; k++) {
		int i = vpci_func_find_cap(f, true, k == 0 ? 0x000f : k == 1 ? 0x0013 : 0x001b, &ci);
		assert_true(i >= 0);
		assert_string_equal(ci.key, keys[k]);
		assert_int_equal(ci.offset, at[k]);
		assert_true(ci.is_virtual);
	}
	for (unsigned o = ATS; o < END; o++)
		assert_int_equal(vpci_func_plane(f, VPCI_PL_DEVICE)[o], 0);

	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++)
		for (unsigned b = 0; b < spec[i].width; b++) {
			rw[spec[i].off + b] = (uint8_t)(spec[i].rw >> (8 * b));
			w1c[spec[i].off + b] = (uint8_t)(spec[i].w1c >> (8 * b));
			dc[spec[i].off + b] = (uint8_t)(spec[i].dc >> (8 * b));
		}

	memcpy(dev, vpci_func_bytes(f), sizeof(dev));
	struct vpci_backend be = { &dev_ops, dev, NULL };
	assert_int_equal(vpci_emu_new(f, &be, &ops, NULL, &e, NULL), 0);
	for (unsigned o = 0; o < 4096; o++)
		initial[o] = (uint8_t)unit_rd(e, o, 1);
	/* the chain and the values the file gave, as a guest reads them */
	assert_int_equal(unit_rd(e, 0x100, 4) >> 20, ATS);
	assert_int_equal(unit_rd(e, ATS, 4), 0x14810000u | 0x000f);
	assert_int_equal(unit_rd(e, PRI, 4), 0x15810000u | 0x0013);
	assert_int_equal(unit_rd(e, PASID, 4), 0x00010000u | 0x001b);
	assert_int_equal(unit_rd(e, ATS + 4, 2), 0x0065);
	assert_int_equal(unit_rd(e, PRI + 6, 2), 0x8103);
	assert_int_equal(unit_rd(e, PRI + 8, 4), 0x200);
	assert_int_equal(unit_rd(e, PASID + 4, 2), 0x1406);
	for (unsigned o = LO; o < HI; o++)
		if (o < ATS || o >= END)
			assert_int_equal(initial[o], 0); /* gap and free-range bytes */
	memcpy(model, initial, sizeof(model));
	for (unsigned k = 0; k < 3; k++)
		reported[k] = model_get(watched[k].off, 2);
	nev = 0;
	dev_writes = 0;

	/* every 16-bit value, with garbage above it, into each 16-bit
	 * register of the spec table; PRI Status from its initial RW1C bits
	 * each time */
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		if (spec[i].width != 2)
			continue;
		for (uint32_t v = 0; v <= 0xffff; v++) {
			if (spec[i].w1c)
				cold_reset(e);
			hostile_write(e, spec[i].off, 2, v | next_rand() << 16);
			writes++;
		}
		cold_reset(e);
	}
	/* every byte offset and size of the region, any alignment */
	for (unsigned off = LO; off < HI; off++)
		for (unsigned size = 1; size <= 4; size *= 2) {
			if (off + size > HI)
				continue;
			uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
			unsigned n = size == 1 ? 256 : 512;
			for (unsigned j = 0; j < n + 3 + 8 * size; j++) {
				uint32_t v;
				if (size == 1 && j < 256)
					v = j | next_rand() << 8;
				else if (j < n)
					v = next_rand() ^ next_rand() << 7;
				else if (j == n)
					v = 0;
				else if (j == n + 1)
					v = 0xffffffffu;
				else if (j == n + 2)
					v = ones;
				else
					v = 1u << (j - n - 3);
				hostile_write(e, off, size, v);
				writes++;
				if ((j & 63) == 63)
					cold_reset(e);
			}
			cold_reset(e);
		}
	assert_int_equal(dev_writes, 0);

	/* the recorder does see what the device backs */
	unit_wr(e, 0x104, 4, 0xffffffff); /* AER Uncorrectable Error Status */
	assert_true(dev_writes > 0);
	print_message("%lu hostile writes into the placed ATS/PRI/PASID block and the gap bytes around it; "
		      "every PASID, ATS and PRI control change reported once, none reached the device\n",
		      writes);
	vpci_emu_free(e);
	vpci_func_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
