/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * derive_priv.h - inside the derive pipeline (private to src/derive/)
 */
#ifndef VPCI_DERIVE_PRIV_H
#define VPCI_DERIVE_PRIV_H

#include "host/host.h"
#include "model/func.h"
#include "source/source.h"

/* What makes a function a VF of a PF: the PF's address and the VF number. */
struct vf_link {
	char pf[HOST_SLOT_LEN];
	unsigned n;                 /* 1-based, as in "VF n" */
};

/*
 * vf_persona() - the facts of VF @n of the PF @pf, synthesized from the
 * PF alone (vpci_derive_opts.vf): the config space the VF would show
 * (0xffff IDs, BARs and ROM reading 0, no INTx, the capabilities a VF may
 * carry, registers at their reset values), plus the identity and the BAR
 * kinds and sizes the PF's SR-IOV capability gives.  0 or VPCI_EDATA /
 * VPCI_EINVAL / VPCI_ENOMEM with a diagnostic.
 */
int vf_persona(const struct host_facts *pf, unsigned n, struct host_facts *out, vpci_diag *d);

/*
 * vf_from_pf() - a VF whose source does not know its identity (a dump):
 * find its PF in @s (the one @want names, or by Routing-ID arithmetic
 * over the source's SR-IOV PFs) and give @vf the identity, BAR kinds and
 * sizes the PF's SR-IOV capability gives.  Returns 1 when @vf was
 * completed (@link says from which PF), 0 when no PF was found (nothing
 * is reported), or a negative VPCI_E* with a diagnostic.
 */
int vf_from_pf(struct vpci_source *s, const char *want, struct host_facts *vf, struct vf_link *link,
	       vpci_diag *d);

/* The VF number of a VF whose source knows its PF (sysfs physfn), from
 * the PF's First VF Offset and VF Stride: 1 and @link, or 0. */
int vf_number_of(struct vpci_source *s, const struct host_facts *vf, struct vf_link *link);

/* Does @f look like a VF whose identity the source does not know: it
 * reads Vendor and Device ID 0xffff but is not all-ones? */
int vf_unnamed(const struct host_facts *f);

#endif
