/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.c - vpci_host_pasid(): what a virtual PASID may promise on this
 * host, from the function's own PASID capability and from its IOMMU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "place.h"

/* The PASID capability in @cfg (PCIe r6.0 §7.8.9): its PASID Capability
 * register in *@reg; 1 when found.  The walk is bounded and cycle-safe
 * (vpci_func_from_config). */
static int find_pasid(const uint8_t *cfg, size_t len, unsigned *reg)
{
	vpci_func *f = NULL;
	struct vpci_cap_info ci;
	int found = 0;

	if (len < VPCI_CFG_SIZE || vpci_func_from_config(cfg, VPCI_CFG_SIZE, &f, NULL))
		return 0;
	if (vpci_func_find_cap(f, true, 0x001b, &ci) >= 0 && ci.offset + 8u <= VPCI_CFG_SIZE) {
		*reg = le16(cfg + ci.offset + 4);
		found = 1;
	}
	vpci_func_free(f);
	return found;
}

static void why(struct vpci_host_pasid *out, const char *text)
{
	size_t n = strlen(out->why);

	snprintf(out->why + n, sizeof(out->why) - n, "%s%s", n ? "; " : "", text);
}

/* The device side: the function's (a VF: its PF's) PASID capability. */
static void device_facts(const char *root, const char *slot, struct host_facts *two, struct vpci_host_pasid *out,
			 vpci_diag *d)
{
	struct host_facts *fa = &two[0], *pf = &two[1];
	char msg[160];

	if (host_sysfs_facts(root, slot, fa, d)) {
		snprintf(msg, sizeof(msg), "the config space of %s cannot be read", slot);
		why(out, msg);
		return;
	}
	const struct host_facts *src = fa;
	if (fa->is_vf) {
		if (host_sysfs_facts(root, fa->physfn, pf, d)) {
			snprintf(msg, sizeof(msg), "the config space of %s's PF %s cannot be read", slot, fa->physfn);
			why(out, msg);
			return;
		}
		src = pf;
	}
	if (src->len < VPCI_CFG_SIZE) {
		snprintf(msg, sizeof(msg), "only %zu bytes of the config space of %s are readable (run as root)",
			 src->len, src->slot);
		why(out, msg);
		return;
	}
	unsigned reg;
	out->config = 1;
	if (!find_pasid(src->cfg, src->len, &reg)) {
		snprintf(msg, sizeof(msg), "%s has no PASID capability", src->slot);
		why(out, msg);
		return;
	}
	/* PASID Capability register (§7.8.9.2): 1 Exec, 2 Priv, 12:8 width */
	out->device = 1;
	out->dev_exec = reg & 0x2;
	out->dev_priv = reg & 0x4;
	out->dev_width = (reg >> 8) & 0x1f;
}

static void device_side(const char *root, const char *slot, struct vpci_host_pasid *out, vpci_diag *d)
{
	struct host_facts *two = calloc(2, sizeof(*two)); /* 4 KiB of config each */

	if (!two) {
		why(out, "out of memory");
		return;
	}
	device_facts(root, slot, two, out, d);
	free(two);
}

VPCI_EXPORT int vpci_host_pasid(const char *sysfs_root, const char *slot, struct vpci_host_pasid *out,
				vpci_diag *d)
{
	char norm[HOST_SLOT_LEN];
	struct host_iommu_pasid io;

	memset(out, 0, sizeof(*out));
	if (!slot || host_slot_norm(slot, norm))
		return VPCI_EINVAL;
	device_side(sysfs_root, norm, out, d);
	if (host_iommu_pasid(sysfs_root, norm, &io)) {
		why(out, io.why);
	} else {
		out->iommu = 1;
		out->iommu_width = io.width;
		out->iommu_exec = io.exec;
		out->iommu_priv = io.priv;
		if (!io.width)
			why(out, "the IOMMU reports no PASID support for it (kernels before 6.15 report none)");
	}
	out->known = out->config || out->iommu;
	out->supported = out->known && (!out->config || out->device) && (!out->iommu || out->iommu_width);
	if (out->supported) {
		out->width = out->device ? out->dev_width : 31;
		out->exec = !out->device || out->dev_exec;
		out->priv = !out->device || out->dev_priv;
		if (out->iommu) {
			out->width = MIN(out->width, out->iommu_width);
			out->exec = out->exec && out->iommu_exec;
			out->priv = out->priv && out->iommu_priv;
		}
	}
	return 0;
}
