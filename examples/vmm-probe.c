/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vmm-probe.c - the reference VMM loop, using only the public API:
 *
 *   1. load an instance and create its emulated function (snapshot
 *      backend: no hardware needed);
 *   2. play a guest that enumerates the function: size and place every
 *      BAR, enable decoding and bus mastering, enable MSI-X, program and
 *      unmask vector 0 through BAR MMIO;
 *   3. act on the engine's events as a VMM does: map and unmap BAR space,
 *      route MSI-X table accesses of the guest's MMIO to the engine, note
 *      the vectors the guest unmasks;
 *   4. migrate: save the state, load it into a fresh function of the same
 *      instance on a second "VM", and check that the events the load
 *      replays rebuild the same mappings there.
 *
 * It checks every step and exits 1 on the first surprise, so it doubles as
 * a test (meson test --suite examples).
 *
 *   cc vmm-probe.c $(pkg-config --cflags --libs libvpci) -o vmm-probe
 *   ./vmm-probe examples/nvme.yaml
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpci/vpci.h>

/* What one VM knows about the function: its BAR windows and vectors. */
struct vm {
	const char *name;
	struct {
		bool mapped;
		uint64_t addr, size;
	} bar[7];
	bool msix_on;
	unsigned unmasked;       /* vectors whose Mask bit is clear */
	uint64_t vec0_addr;      /* vector 0's message, as the VMM routes it */
	uint32_t vec0_data;
};

static int failures;

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			fprintf(stderr, "vmm-probe: " __VA_ARGS__); \
			fputc('\n', stderr);                      \
			failures++;                               \
		}                                                 \
	} while (0)

/* The VMM's side of the events. */
static void on_event(void *opaque, const struct vpci_event *ev)
{
	struct vm *vm = opaque;

	switch (ev->kind) {
	case VPCI_EV_BAR:
		vm->bar[ev->index].mapped = ev->enabled;
		vm->bar[ev->index].addr = ev->addr;
		vm->bar[ev->index].size = ev->size;
		printf("[%s] %s BAR %u: 0x%llx+0x%llx\n", vm->name, ev->enabled ? "map" : "unmap", ev->index,
		       (unsigned long long)ev->addr, (unsigned long long)ev->size);
		break;
	case VPCI_EV_MSIX:
		vm->msix_on = ev->enabled && !ev->masked;
		printf("[%s] MSI-X %s%s, %u vectors\n", vm->name, ev->enabled ? "on" : "off",
		       ev->masked ? ", function masked" : "", ev->index);
		break;
	case VPCI_EV_MSIX_VECTOR:
		vm->unmasked += ev->masked ? -1u : 1u;
		if (ev->index == 0) {
			vm->vec0_addr = ev->addr;
			vm->vec0_data = ev->data;
		}
		printf("[%s] MSI-X vector %u %s: 0x%llx data 0x%x\n", vm->name, ev->index,
		       ev->masked ? "masked" : "unmasked", (unsigned long long)ev->addr, ev->data);
		break;
	case VPCI_EV_COMMAND:
		printf("[%s] command 0x%04x (bus master %s)\n", vm->name, ev->data, ev->enabled ? "on" : "off");
		break;
	default:
		printf("[%s] %s: 0x%x\n", vm->name, vpci_event_kind_name(ev->kind), ev->data);
		break;
	}
}

/* A guest MMIO write that the VMM trapped: inside the MSI-X table of a
 * mapped BAR it goes to the engine (a real VMM sends the rest to its
 * device model). */
static int mmio_write(vpci_emu *e, const struct vm *vm, uint64_t gpa, unsigned size, uint64_t val)
{
	struct vpci_msix_info mx;

	if (vpci_func_msix(vpci_emu_instance(e), &mx))
		return -1;
	unsigned b = mx.table_bar;
	if (!vm->bar[b].mapped || gpa < vm->bar[b].addr + mx.table_offset ||
	    gpa + size > vm->bar[b].addr + mx.table_offset + mx.table_size)
		return -1;
	return vpci_emu_msix_table_write(e, (unsigned)(gpa - vm->bar[b].addr - mx.table_offset), size, val);
}

static uint32_t cfg_read(vpci_emu *e, unsigned off, unsigned size)
{
	uint32_t v = 0;

	CHECK(vpci_emu_read(e, off, size, &v) == 0, "read at 0x%x failed", off);
	return v;
}

static void cfg_write(vpci_emu *e, unsigned off, unsigned size, uint32_t v)
{
	CHECK(vpci_emu_write(e, off, size, v) == 0, "write at 0x%x failed", off);
}

/* The guest sizes one BAR register pair (PCI 3.0 §6.2.5.1): all ones,
 * read back, the size is the complement of the address bits.  Returns the
 * size (0: unimplemented) and whether it takes the next register too. */
static uint64_t guest_size_bar(vpci_emu *e, unsigned i, bool *is64, bool *io)
{
	unsigned reg = 0x10 + 4 * i;

	cfg_write(e, reg, 4, 0xffffffff);
	uint32_t lo = cfg_read(e, reg, 4);
	*io = lo & 1;
	*is64 = !*io && (lo & 6) == 4;
	uint64_t mask = *io ? (lo & ~3u) | 0xffff0000u : lo & ~0xfu;
	if (*is64) {
		cfg_write(e, reg + 4, 4, 0xffffffff);
		mask |= (uint64_t)cfg_read(e, reg + 4, 4) << 32;
	} else {
		mask |= 0xffffffff00000000ull;
	}
	return mask == 0xffffffff00000000ull || !mask ? 0 : ~mask + 1;
}

/* The guest: enumerate every BAR, place it naturally aligned, enable
 * decoding and bus mastering, then MSI-X with vector 0 programmed. */
static void guest_probe(vpci_emu *e, struct vm *vm)
{
	const vpci_func *f = vpci_emu_instance(e);
	uint64_t mem = 0xc0000000, io = 0xc000;

	uint32_t id = cfg_read(e, 0, 4);
	printf("[%s] found %04x:%04x\n", vm->name, id & 0xffff, id >> 16);
	unsigned nbars = vpci_func_kind(f) == VPCI_KIND_BRIDGE ? 2 : 6;
	for (unsigned i = 0; i < nbars; i++) {
		struct vpci_bar_info bi;
		bool is64, isio;
		uint64_t size = guest_size_bar(e, i, &is64, &isio);
		bool known = vpci_func_bar(f, i, &bi) == 0;
		CHECK(size == (known ? bi.size : 0), "BAR %u sizes as 0x%llx, the instance says 0x%llx", i,
		      (unsigned long long)size, (unsigned long long)(known ? bi.size : 0));
		if (!size) {
			cfg_write(e, 0x10 + 4 * i, 4, 0);
			continue;
		}
		uint64_t *next = isio ? &io : &mem;
		uint64_t addr = (*next + size - 1) & ~(size - 1);
		*next = addr + size;
		printf("[%s] BAR %u: 0x%llx bytes at 0x%llx\n", vm->name, i, (unsigned long long)size,
		       (unsigned long long)addr);
		cfg_write(e, 0x10 + 4 * i, 4, (uint32_t)addr);
		if (is64)
			cfg_write(e, 0x10 + 4 * ++i, 4, (uint32_t)(addr >> 32));
		CHECK(!vm->bar[is64 ? i - 1 : i].mapped, "BAR %u mapped before decoding is on", i);
	}
	cfg_write(e, 0x04, 2, 0x0007); /* I/O and memory decode, bus master */
	for (unsigned i = 0; i < nbars; i++) {
		struct vpci_bar_info bi;
		if (vpci_func_bar(f, i, &bi) == 0 && bi.type != VPCI_BAR_MEM64_HI)
			CHECK(vm->bar[i].mapped && vm->bar[i].size == bi.size, "no map event for BAR %u", i);
	}

	struct vpci_msix_info mx;
	if (vpci_func_msix(f, &mx) == 0) {
		/* enable MSI-X with the function masked, program vector 0,
		 * unmask it, then the function (as Linux does) */
		cfg_write(e, mx.cap + 2, 2, 0xc000);
		uint64_t entry = vm->bar[mx.table_bar].addr + mx.table_offset;
		CHECK(mmio_write(e, vm, entry, 8, 0xfee00000ull) == 0, "vector 0 address not routed");
		CHECK(mmio_write(e, vm, entry + 8, 4, 0x41) == 0, "vector 0 data not routed");
		CHECK(mmio_write(e, vm, entry + 12, 4, 0) == 0, "vector 0 control not routed");
		cfg_write(e, mx.cap + 2, 2, 0x8000);
		CHECK(vm->msix_on && vm->unmasked == 1 && vm->vec0_addr == 0xfee00000ull && vm->vec0_data == 0x41,
		      "MSI-X on with vector 0 at 0xfee00000/0x41 expected");
	}
}

static int report(vpci_diag *d)
{
	char msg[512];

	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		vpci_diag_format(vpci_diag_get(d, i), msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
	}
	return 65;
}

int main(int argc, char **argv)
{
	vpci_diag *d = NULL;
	vpci_func *f = NULL;
	vpci_emu *src = NULL, *dst = NULL;
	struct vm vm0 = { .name = "vm0" }, vm1 = { .name = "vm1" };
	const struct vpci_emu_ops ops = { on_event };
	void *blob = NULL;
	size_t len = 0;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: vmm-probe INSTANCE.yaml\n");
		return 64;
	}
	d = vpci_diag_new();
	if (vpci_parse_file(argv[1], &f, d) || vpci_emu_new(f, NULL, &ops, &vm0, &src, d)) {
		rc = report(d);
		goto out;
	}

	guest_probe(src, &vm0);

	/* migrate: the source saves, the destination (same instance, its own
	 * backend) loads; the load replays the events the destination VMM
	 * needs to map the BARs and route the vectors as the source did */
	CHECK(vpci_emu_save(src, &blob, &len) == 0, "save failed");
	printf("[vm0] saved %zu bytes of state\n", len);
	if (vpci_emu_new(f, NULL, &ops, &vm1, &dst, d) || vpci_emu_load(dst, blob, len, d)) {
		rc = report(d);
		goto out;
	}
	printf("[vm1] loaded\n");
	for (unsigned i = 0; i < 7; i++)
		CHECK(vm1.bar[i].mapped == vm0.bar[i].mapped && vm1.bar[i].addr == vm0.bar[i].addr &&
		      vm1.bar[i].size == vm0.bar[i].size, "the destination maps BAR %u differently", i);
	CHECK(vm1.msix_on == vm0.msix_on && vm1.unmasked == vm0.unmasked && vm1.vec0_addr == vm0.vec0_addr &&
	      vm1.vec0_data == vm0.vec0_data, "the destination's MSI-X routing differs from the source's");
	for (unsigned off = 0; off < vpci_func_config_size(f); off += 4)
		CHECK(cfg_read(src, off, 4) == cfg_read(dst, off, 4), "config 0x%x differs after migration", off);
	printf("%s\n", failures ? "vmm-probe: FAILED" : "vmm-probe: ok (enumerated, mapped, MSI-X routed, migrated)");
	rc = failures ? 1 : 0;
out:
	free(blob);
	vpci_emu_free(src);
	vpci_emu_free(dst);
	vpci_func_free(f);
	vpci_diag_free(d);
	return rc;
}
