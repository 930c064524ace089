/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-emu.c - libFuzzer target for the emulation engine
 *
 * The input picks one of a few instances (device-backed planes included)
 * and is then read as a sequence of operations: config reads and writes,
 * resets, MSI-X table and PBA accesses, pending bits, save and load.
 * Offsets, sizes and values are taken over their full ranges (a 32-bit
 * offset, an 8-bit size, a 64-bit value), never masked into the valid
 * ones: a hostile guest is not that polite, and masking is how the MSI-X
 * offsets that wrapped in 32 bits went unfound.  After every step the
 * invariants of vpci/emu.h are checked:
 *   - an access is accepted exactly when it is valid (config: 1, 2 or 4
 *     bytes inside 0..4095; MSI-X: 4 or 8 bytes, aligned, wholly inside
 *     the table or PBA, computed without wrapping);
 *   - bits the guest cannot write and that are virtual never change;
 *   - RsvdZ bits and bytes beyond the config size read 0;
 *   - a table write reads back, Vector Control holding only Mask;
 *   - the backend never receives a change outside device-backed bits
 *     (the snapshot backend refuses such a write, which fails the write);
 *   - invalid accesses touch nothing (ASan guards memory);
 *   - a hostile saved state (the engine's own with bytes replaced, cut or
 *     extended, its length, ABI hash and checksum made right again when
 *     the input asks, as a forger would, so that the sections, runs and
 *     ABI decoding behind the checksum are reached) is refused with the
 *     engine unchanged, or loads keeping every invariant above plus MSI
 *     Multiple Message Enable <= Capable, reserved Vector Control bits 0
 *     and no pending bit beyond the last vector.
 *   - a virtual PF (the third instance, whose VF template init() writes
 *     to a temporary directory and reads): vf events come in order and go
 *     in reverse, name the template, and after every step the VFs present
 *     are 1..NumVFs while VF Enable is Set (none otherwise); a vf-bar
 *     event covers the VFs present and maps only an address whose span
 *     of all of them ends below the top of its space (never wrapping).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/abi.h"
#include "emu/emu_priv.h"
#include "vpci/vpci.h"

static const char *const instances[] = {
	"vpci: 1\nname: f0\nfunction:\n"
	"  header:\n    vendor-id: 0x1b36\n    device-id: 0x0010\n    class-code: 0x010802\n"
	"    command: {value: 0, device: 0x0547}\n    status: {value: 0x0010, device: 0xf908}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 16KiB}\n    - {index: 2, type: io, size: 32}\n"
	"    - {index: 3, type: mem32, size: 4KiB, prefetchable: true}\n"
	"  expansion-rom: {size: 64KiB}\n"
	"  capabilities:\n"
	"    - {type: pm, offset: 0x40, fields: {pmc: 0x0003, pmcsr: {value: 0x0008, device: 0x8103}}}\n"
	"    - {type: msi, offset: 0x48, fields: {message-control: 0x0186}}\n"
	"    - {type: msix, offset: 0x60, fields: {message-control: 0x0007, table: 0x2000, pba: 0x3000}}\n"
	"    - {type: pcie, offset: 0x70, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000,"
	" device-control: {value: 0x2810, device: 0x081f}, device-status: {value: 0, device: 0x007f}}}\n"
	"  extended-capabilities:\n"
	"    - {type: aer, offset: 0x100, version: 2, backing: device}\n"
	"    - {type: pasid, offset: 0x150, fields: {pasid-capability: 0x1406}}\n"
	"    - {type: ats, offset: 0x158}\n"
	"    - {type: pri, offset: 0x160}\n"
	"    - {type: sriov, offset: 0x170, fields: {initial-vfs: 8, total-vfs: 8, vf-stride: 1, first-vf-offset: 1, supported-page-sizes: 0x553}}\n"
	"  raw:\n    - {offset: 0x200, bytes: \"00 00 00 00 ff ff 00 00\", rw1c: \"00 00 00 00 ff ff 00 00\", sticky: \"00 00 00 00 0f 0f 00 00\"}\n",

	"vpci: 1\nname: f1\nfunction:\n  kind: bridge\n  config-size: 256\n"
	"  header: {vendor-id: 0x8086, device-id: 0x1234, class-code: 0x060400}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 16}\n"
	"  capabilities:\n"
	"    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0142}}\n"
	"    - {type: msi, offset: 0x80, fields: {message-control: 0x0000}}\n"
	"    - {type: af, offset: 0x90, fields: {length: 6, af-capabilities: 0x03}}\n",

	"vpci: 1\nname: f2\nfunction:\n  vf-template: vf.yaml\n"
	"  header: {vendor-id: 0x8086, device-id: 0x1521, class-code: 0x020000}\n"
	"  bars:\n    - {index: 0, type: mem32, size: 1MiB}\n"
	"  capabilities:\n"
	"    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}}\n"
	"  extended-capabilities:\n"
	"    - {type: ari, offset: 0x100}\n"
	"    - {type: sriov, offset: 0x110, fields: {initial-vfs: 8, total-vfs: 8, first-vf-offset: 0x80, vf-stride: 2,"
	" vf-device-id: 0x1520, supported-page-sizes: 0x553, vf-bar0: 0x0000000c, vf-bar2: 0x00000000}}\n",
};

/* the VF template of f2: a 2^62-byte 64-bit BAR (four VFs wrap 2^64) and
 * a 1 GiB 32-bit one */
static const char vf_template[] =
	"vpci: 1\nname: f2-vf\nfunction:\n"
	"  header: {vendor-id: 0xffff, device-id: 0xffff, class-code: 0x020000}\n"
	"  bars:\n    - {index: 0, type: mem64, prefetchable: true, size: 0x4000000000000000}\n"
	"    - {index: 2, type: mem32, size: 1GiB}\n"
	"  capabilities:\n    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002}}\n";

#define NFUNCS 3
static vpci_func *funcs[NFUNCS];

static void init(void)
{
	char dir[] = "/tmp/fuzz-emu.XXXXXX", file[64];

	if (funcs[0])
		return;
	if (!mkdtemp(dir))
		abort();
	snprintf(file, sizeof(file), "%s/vf.yaml", dir);
	FILE *fp = fopen(file, "w");
	if (!fp || fputs(vf_template, fp) < 0 || fclose(fp))
		abort();
	snprintf(file, sizeof(file), "%s/f.yaml", dir);
	for (size_t i = 0; i < NFUNCS; i++)
		if (vpci_parse_buffer(instances[i], strlen(instances[i]), file, &funcs[i], NULL))
			abort();
	snprintf(file, sizeof(file), "%s/vf.yaml", dir);
	if (remove(file) || rmdir(dir))
		abort();
}

/* what the events of a virtual PF said */
struct vfs {
	const vpci_func *t;   /* the engine's template */
	unsigned sriov;       /* SR-IOV capability offset */
	unsigned up;          /* VFs present */
};

static void on_event(void *opaque, const struct vpci_event *ev)
{
	struct vfs *s = opaque;
	struct vpci_bar_info bi;
	uint64_t span;

	if (ev->kind == VPCI_EV_VF) {
		if (!s->t || ev->func != s->t || ev->index != (ev->enabled ? s->up + 1 : s->up) || !ev->index)
			abort();
		s->up = ev->enabled ? s->up + 1 : s->up - 1;
	} else if (ev->kind == VPCI_EV_VF_BAR) {
		if (!s->t || ev->index > 5 || ev->data != s->up || vpci_func_bar(s->t, ev->index, &bi) || ev->size != bi.size)
			abort();
		uint64_t top = bi.type == VPCI_BAR_MEM64 ? UINT64_MAX : 0xffffffffu;
		if (ev->enabled && (!ev->addr || !ev->data || __builtin_mul_overflow(ev->size, (uint64_t)ev->data, &span) ||
				    ev->addr > top || span - 1 >= top - ev->addr))
			abort();
	}
}

/* after a step: the VFs present are the ones the registers describe
 * (SR-IOV Control VF Enable, NumVFs, TotalVFs: PCIe §9.3.3.3.1, .7, .6) */
static void check_vfs(vpci_emu *e, const struct vfs *s)
{
	uint32_t ctl, num, total;

	if (!s->t)
		return;
	if (vpci_emu_read(e, s->sriov + 0x08, 2, &ctl) || vpci_emu_read(e, s->sriov + 0x10, 2, &num) ||
	    vpci_emu_read(e, s->sriov + 0x0e, 2, &total))
		abort();
	if (s->up != ((ctl & 1) ? (num < total ? num : total) : 0))
		abort();
}

static uint64_t rd(const uint8_t *p, size_t n, size_t *pos, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++, (*pos)++)
		v |= (uint64_t)(*pos < n ? p[*pos] : 0) << (8 * i);
	return v;
}

/* MSI-X vectors of @f (0 = none), from its capability */
static unsigned vectors(const vpci_func *f)
{
	struct vpci_cap_info ci;

	if (vpci_func_find_cap(f, false, 0x11, &ci) < 0)
		return 0;
	return (vpci_func_read(f, ci.offset + 2u, 2) & 0x7ff) + 1;
}

static int msix_valid(unsigned nvec, int pba, unsigned off, unsigned size)
{
	uint64_t len = pba ? 8ull * ((nvec + 63) / 64) : 16ull * nvec;

	return nvec && (size == 4 || size == 8) && !(off & (size - 1)) && (uint64_t)off + size <= len;
}

static void check_invariants(vpci_emu *e, const vpci_func *f, unsigned lo, unsigned hi)
{
	const uint8_t *init = vpci_func_bytes(f);
	const uint8_t *rw = vpci_func_plane(f, VPCI_PL_RW), *w1c = vpci_func_plane(f, VPCI_PL_RW1C);
	const uint8_t *rz = vpci_func_plane(f, VPCI_PL_RSVDZ), *dev = vpci_func_plane(f, VPCI_PL_DEVICE);
	unsigned size = vpci_func_config_size(f);

	for (unsigned off = lo; off < hi && off < VPCI_CFG_SIZE; off++) {
		uint32_t v;
		if (vpci_emu_read(e, off, 1, &v))
			abort();
		if (off >= size) {
			if (v)
				abort(); /* beyond the config size reads 0 */
			continue;
		}
		if (v & rz[off])
			abort(); /* RsvdZ reads 0 */
		uint8_t fixed = (uint8_t)~(rw[off] | w1c[off] | dev[off] | rz[off]);
		if ((v & fixed) != (init[off] & fixed))
			abort(); /* a read-only virtual bit changed */
	}
}

/* What a forger of a saved state does after changing it: the header's
 * length, the ABI hash of the ABI section (when the section headers still
 * lead to it) and the checksum made right (format 2, src/emu/migrate.c). */
static void forge(uint8_t *b, size_t len)
{
	if (len < 32)
		return;
	le_put64(b + 12, 4, len);
	for (size_t pos = 24; pos + 16 <= len;) {
		uint32_t sl = le32(b + pos + 4);
		if (sl > len - 16 - pos)
			break;
		if (le16(b + pos) == 2)
			le_put64(b + 16, 8, abi_fnv(ABI_FNV_INIT, b + pos + 8, sl));
		pos += 8 + sl;
	}
	le_put64(b + len - 8, 8, emu_state_sum(b, len - 8));
}

#define VIEW_MAX (VPCI_CFG_SIZE / 4 + 4 * 64 + 2)

/* Everything a guest reads: config space, MSI-X table, PBA. */
static void view(vpci_emu *e, unsigned nvec, uint32_t *out)
{
	if (nvec > 64)
		abort(); /* VIEW_MAX: the instances here have at most 8 */
	memset(out, 0, VIEW_MAX * sizeof(*out));
	for (unsigned o = 0; o < VPCI_CFG_SIZE; o += 4)
		if (vpci_emu_read(e, o, 4, &out[o / 4]))
			abort();
	for (unsigned o = 0; o < 16 * nvec; o += 4) {
		uint64_t q;
		if (vpci_emu_msix_table_read(e, false, o, 4, &q))
			abort();
		out[VPCI_CFG_SIZE / 4 + o / 4] = (uint32_t)q;
	}
	for (unsigned o = 0; o < 8 * ((nvec + 63) / 64); o += 4) {
		uint64_t q;
		if (vpci_emu_msix_table_read(e, true, o, 4, &q))
			abort();
		out[VPCI_CFG_SIZE / 4 + 4 * nvec + o / 4] = (uint32_t)q;
	}
}


/* What a load must keep besides the read-only bits: MME <= MMC, Vector
 * Control holds only Mask, no pending bit beyond the last vector. */
static void check_loaded(vpci_emu *e, const vpci_func *f, unsigned nvec)
{
	struct vpci_cap_info ci;
	uint32_t v[VIEW_MAX];

	view(e, nvec, v);
	if (vpci_func_find_cap(f, false, 0x05, &ci) >= 0) {
		uint32_t ctl = v[ci.offset / 4] >> (8 * (ci.offset & 3)) >> 16;
		if (((ctl >> 4) & 7) > ((ctl >> 1) & 7))
			abort();
	}
	for (unsigned k = 0; k < nvec; k++)
		if (v[VPCI_CFG_SIZE / 4 + 4 * k + 3] & ~1u)
			abort();
	uint64_t pba0 = v[VPCI_CFG_SIZE / 4 + 4 * nvec] | (uint64_t)v[VPCI_CFG_SIZE / 4 + 4 * nvec + 1] << 32;
	if (nvec && nvec < 64 && pba0 >> nvec)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;
	vpci_emu *e = NULL;
	void *blob = NULL;
	size_t bloblen = 0;
	uint8_t *hostile = NULL;
	size_t hlen = 0;

	init();
	if (!size)
		return 0;
	const vpci_func *f = funcs[data[pos++] % NFUNCS];
	static const struct vpci_emu_ops ops = { on_event };
	struct vfs vs = { 0 };
	struct vpci_cap_info ci;
	if (vpci_emu_new(f, NULL, &ops, &vs, &e, NULL))
		abort();
	if (vpci_func_vf_template(f) && vpci_func_find_cap(f, true, 0x10, &ci) >= 0) {
		vs.t = vpci_func_vf_template(vpci_emu_instance(e));
		vs.sriov = ci.offset;
	}
	unsigned nvec = vectors(f);
	for (unsigned step = 0; pos < size && step < 256; step++) {
		unsigned op = (unsigned)rd(data, size, &pos, 1) % 10;
		unsigned off = (unsigned)rd(data, size, &pos, 4);   /* any 32-bit offset */
		unsigned sz = (unsigned)rd(data, size, &pos, 1);    /* any size 0..255 */
		uint64_t val = rd(data, size, &pos, 8);
		uint32_t v;
		uint64_t q = 0;
		int valid = (sz == 1 || sz == 2 || sz == 4) && (uint64_t)off + sz <= VPCI_CFG_SIZE;
		int rc;
		switch (op) {
		case 0:
		case 1:
			rc = vpci_emu_read(e, off, sz, &v);
			if (valid != (rc == 0))
				abort();
			break;
		case 2:
		case 3:
		case 4:
			rc = vpci_emu_write(e, off, sz, (uint32_t)val);
			if (valid ? rc != 0 : rc != VPCI_ERANGE)
				abort(); /* includes the backend refusing a bad write */
			break;
		case 5:
			if (vpci_emu_reset(e, (enum vpci_reset)(val % 3)))
				abort();
			break;
		case 6: {
			int ok = msix_valid(nvec, 0, off, sz);
			rc = vpci_emu_msix_table_write(e, off, sz, val);
			if (ok != (rc == 0))
				abort();
			rc = vpci_emu_msix_table_read(e, false, off, sz, &q);
			if (ok != (rc == 0))
				abort();
			/* reads back; Vector Control keeps only Mask */
			for (unsigned k = 0; ok && k < sz / 4; k++) {
				uint32_t want = (uint32_t)(val >> (32 * k)), got = (uint32_t)(q >> (32 * k));
				if (((off / 4 + k) & 3) == 3)
					want &= 1;
				if (got != want)
					abort();
			}
			break;
		}
		case 7: {
			int ok = msix_valid(nvec, 1, off, sz);
			rc = vpci_emu_msix_table_read(e, true, off, sz, &q);
			if (ok != (rc == 0))
				abort();
			/* no pending bit for a vector that does not exist: bit 0
			 * of the value is vector 8 * off */
			if (ok && 8ull * off + 8 * sz > nvec) {
				unsigned have = nvec > 8 * off ? nvec - 8 * off : 0;
				if (q >> have)
					abort();
			}
			rc = vpci_emu_msix_set_pending(e, off, val & 1);
			if (nvec ? (off < nvec) != (rc == 0) : rc != VPCI_ENOENT)
				abort();
			break;
		}
		case 8:
			if (!blob) {
				if (vpci_emu_save(e, &blob, &bloblen))
					abort();
			} else if (vpci_emu_load(e, blob, bloblen, NULL)) {
				abort(); /* our own blob of the same instance loads */
			}
			break;
		case 9: {
			/* a hostile state, changed further at each step: @sz bit 7
			 * cuts or extends it to @off, bits 1-3 replace that many
			 * bytes at @off with @val's, bit 0 forges it */
			if (!hostile) {
				if (vpci_emu_save(e, (void **)&hostile, &hlen))
					abort();
			}
			if (sz & 0x80) {
				size_t nl = off % (hlen + 17);
				uint8_t *nh = realloc(hostile, nl + 1);
				if (!nh)
					abort();
				if (nl > hlen)
					memset(nh + hlen, 0, nl - hlen);
				hostile = nh;
				hlen = nl;
			}
			for (unsigned k = 0; k < ((sz >> 1) & 7) && hlen; k++)
				hostile[(off + k) % hlen] = (uint8_t)(val >> (8 * k));
			if (sz & 1)
				forge(hostile, hlen);
			struct vpci_state_info info;
			uint32_t before[VIEW_MAX], after[VIEW_MAX];
			vpci_emu_state_info(hostile, hlen, &info, NULL);
			view(e, nvec, before);
			if (vpci_emu_load(e, hostile, hlen, NULL)) {
				view(e, nvec, after);
				if (memcmp(before, after, sizeof(before)))
					abort(); /* refused: nothing changed */
			} else {
				check_loaded(e, f, nvec);
			}
			break;
		}
		}
		/* the touched DWORDs after an access, everything after a reset,
		 * a load or a table access (which may have reset state) */
		if (op <= 4)
			check_invariants(e, f, off & ~3u, (off & ~3u) + 8); /* nothing past 4 KiB */
		else
			check_invariants(e, f, 0, VPCI_CFG_SIZE);
		check_vfs(e, &vs);
	}
	check_invariants(e, f, 0, VPCI_CFG_SIZE);
	/* a damaged blob is refused, never trusted */
	if (blob && bloblen > 40) {
		((uint8_t *)blob)[data[0] % bloblen] ^= 0x5a;
		vpci_emu_load(e, blob, bloblen, NULL);
		check_invariants(e, f, 0, VPCI_CFG_SIZE);
	}
	free(blob);
	free(hostile);
	vpci_emu_free(e);
	return 0;
}
