/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio.c - the VFIO source: one function opened through its VFIO group
 * (legacy container/group API); the config region and the BAR/ROM region
 * sizes come from vfio-pci through the host module (host/vfio.c).
 */
#include <string.h>

#include "host/host.h"
#include "source_priv.h"

static int vfio_open_src(struct vpci_source *s, const char *spec, vpci_diag *d)
{
	(void)s;
	if (!strncmp(spec, "/dev/vfio/devices/", 18)) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = spec;
		diag_add(d, VPCI_SEV_ERROR, VPCI_ENOTSUP, p,
			 "VFIO device cdevs need iommufd (Linux 6.6+); give the group, /dev/vfio/GROUP");
		return VPCI_ENOTSUP;
	}
	return 0; /* the device address comes with the vfio.device param */
}

static int vfio_read(struct vpci_source *s, size_t i, struct host_facts *f, vpci_diag *d)
{
	(void)i;
	if (!s->vfio_device) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = s->spec;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, p, "no device address: set the vfio.device parameter (--device BDF)");
		return VPCI_EINVAL;
	}
	return host_vfio_facts(s->spec, s->vfio_device, f, d);
}

const struct source_ops source_vfio_ops = {
	.name = "vfio",
	.open = vfio_open_src,
	.read = vfio_read,
};
