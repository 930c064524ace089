/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vmm-probe.c - what a VMM does with libvpci, using only the public API:
 * load an instance, attach a backend, forward the guest's config accesses
 * (here: the accesses of a guest enumerating the function) and act on the
 * events.
 *
 *   cc vmm-probe.c $(pkg-config --cflags --libs libvpci) -o vmm-probe
 *   ./vmm-probe examples/nvme.yaml
 */
#include <stdio.h>
#include <stdlib.h>

#include <vpci/vpci.h>

/* The VMM's side of the events: map BARs, route interrupts, reset. */
static void on_event(void *opaque, const struct vpci_event *ev)
{
	const char *vm = opaque;

	switch (ev->kind) {
	case VPCI_EV_BAR:
		printf("[%s] %s BAR %u: 0x%llx+0x%llx\n", vm, ev->enabled ? "map" : "unmap", ev->index,
		       (unsigned long long)ev->addr, (unsigned long long)ev->size);
		break;
	case VPCI_EV_MSIX:
		printf("[%s] MSI-X %s%s\n", vm, ev->enabled ? "on" : "off", ev->masked ? ", masked" : "");
		break;
	case VPCI_EV_MSI:
		printf("[%s] MSI %s: %u vectors at 0x%llx data 0x%x\n", vm, ev->enabled ? "on" : "off", ev->index,
		       (unsigned long long)ev->addr, ev->data);
		break;
	case VPCI_EV_FLR:
		printf("[%s] function reset\n", vm);
		break;
	default:
		printf("[%s] %s: 0x%x\n", vm, vpci_event_kind_name(ev->kind), ev->data);
		break;
	}
}

/* The guest side: read a register as a trapped config access would. */
static uint32_t cfg_read(vpci_emu *e, unsigned off, unsigned size)
{
	uint32_t v = 0;

	if (vpci_emu_read(e, off, size, &v))
		fprintf(stderr, "bad read at 0x%x\n", off);
	return v;
}

int main(int argc, char **argv)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	vpci_emu *e = NULL;
	struct vpci_emu_ops ops = { on_event };
	char msg[512];

	if (argc != 2) {
		fprintf(stderr, "usage: vmm-probe INSTANCE.yaml\n");
		return 64;
	}
	if (vpci_parse_file(argv[1], &f, d) || vpci_emu_new(f, NULL, &ops, "vm0", &e, d)) {
		for (size_t i = 0; i < vpci_diag_count(d); i++) {
			vpci_diag_format(vpci_diag_get(d, i), msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
		}
		return 65;
	}
	vpci_func_free(f); /* the emulated function keeps its own copy */

	uint32_t id = cfg_read(e, 0, 4);
	printf("[vm0] found %04x:%04x\n", id & 0xffff, id >> 16);
	/* size and place BAR 0, enable memory decode and bus mastering */
	vpci_emu_write(e, 0x10, 4, 0xffffffff);
	uint32_t sz = cfg_read(e, 0x10, 4);
	printf("[vm0] BAR 0 sizing reads 0x%08x\n", sz);
	vpci_emu_write(e, 0x10, 4, 0xfe000000);
	if ((sz & 0x6) == 0x4)
		vpci_emu_write(e, 0x14, 4, 0);
	vpci_emu_write(e, 0x04, 2, 0x0006);
	/* find MSI-X and enable it */
	for (unsigned p = cfg_read(e, 0x34, 1) & 0xfc; p; p = cfg_read(e, p + 1, 1) & 0xfc) {
		if (cfg_read(e, p, 1) == 0x11) {
			uint32_t ctl = cfg_read(e, p + 2, 2);
			vpci_emu_write(e, p + 2, 2, ctl | 0x8000);
			break;
		}
	}
	/* migrate: save, and load into a fresh function of the same instance */
	void *blob;
	size_t len;
	if (vpci_emu_save(e, &blob, &len) == 0) {
		printf("[vm0] saved %zu bytes of state\n", len);
		free(blob);
	}
	vpci_emu_free(e);
	vpci_diag_free(d);
	return 0;
}
