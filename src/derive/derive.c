/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * derive.c - the derive pipeline, from the facts of a source to an
 * instance model: source (src/source/) -> bytes -> structure
 * (model/discover.c) -> facts (BAR sizes) -> policy (raw, or guest:
 * policy/guest.c) -> quirks (policy/quirks.c) -> origin record.
 *
 * This is the only module that calls both sources and policies; neither
 * calls back (docs/architecture.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive_priv.h"
#include "policy/policy.h"
#include "vpci/vpci.h"

static struct diag_pos spos(const struct host_facts *f)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = f->slot;
	return p;
}

/* Why a source of this kind gives no BAR size */
static const char *no_size_reason(const char *source)
{
	static const struct { const char *source, *why; } why[] = {
		{ "sysfs", "the kernel's resource file gives no size for it" },
		{ "dump", "a dump gives sizes only with lspci -vvv text ([size=...])" },
		{ "bin", "a config image holds no BAR sizes" },
		{ "vfio", "vfio-pci reports no region size for it" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(why); i++)
		if (!strcmp(why[i].source, source))
			return why[i].why;
	return "the source gives no size";
}

/* BAR kinds and sizes the bytes cannot tell.  A VF's BARs are read-only
 * zero in its own config space (PCIe §9.3.4.1.11): only a guest view gets
 * them, from the kernel's resources. */
static void apply_facts(struct vpci_func *f, const struct host_facts *facts, const char *source, int raw,
			vpci_diag *d)
{
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		int sized = (facts->bar_known >> i) & 1 && facts->bar_size[i];
		if (!sized && !((facts->bar_typed >> i) & 1))
			continue;
		struct barinst *b = &f->bar[i];
		if (i < ROM_INDEX && i >= func_nbars(f))
			continue;
		if (b->type == VPCI_BAR_MEM64_HI)
			continue;
		/* raw describes the bytes: a BAR that reads 0 stays as it reads
		 * (giving it a kind would rewrite its type bits) */
		if (b->type == VPCI_BAR_NONE && raw)
			continue;
		if (b->type == VPCI_BAR_NONE) {
			enum vpci_bar_type t = i == ROM_INDEX ? VPCI_BAR_MEM32 :
					       (facts->bar_io >> i) & 1 ? VPCI_BAR_IO :
					       (facts->bar_64 >> i) & 1 ? VPCI_BAR_MEM64 : VPCI_BAR_MEM32;
			if (func_set_bar(f, i, t, (facts->bar_pref >> i) & 1))
				continue;
			func_apply_structure(f);
		}
		if (!sized)
			continue;
		int rc = vpci_func_set_bar_size(f, i, facts->bar_size[i]);
		if (rc == VPCI_ERANGE)
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, spos(facts),
				 "%s %u: size %#llx from the source does not fit the BAR kind; left unknown",
				 i == ROM_INDEX ? "ROM" : "BAR", i, (unsigned long long)facts->bar_size[i]);
	}
	for (unsigned i = 0; i < func_nbars(f); i++) {
		const struct barinst *b = &f->bar[i];
		if (b->type != VPCI_BAR_NONE && b->type != VPCI_BAR_MEM64_HI && !b->size_known)
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, spos(facts), "BAR %u: size unknown: %s", i,
				 facts->is_vf ? "a VF's BAR size comes from its PF's VF BAR space, which only sysfs gives "
						"(resource lines 7..12); give --bar-size" : no_size_reason(source));
	}
}

/* A VF instead of the function the source read: VF @opts->vf of it (a
 * persona of a PF), or, for a function that reads 0xffff IDs the source
 * cannot name (a VF in a dump), the identity and BARs of its PF's SR-IOV
 * capability.  Records what was done in @note. */
static int vf_facts(vpci_source *s, const struct vpci_derive_opts *opts, struct host_facts *facts, char *note,
		    size_t size, vpci_diag *d)
{
	struct vf_link link;
	int rc;

	if (opts->vf) {
		struct host_facts *vf = malloc(sizeof(*vf));
		if (!vf)
			return VPCI_ENOMEM;
		rc = vf_persona(facts, opts->vf, vf, d);
		if (!rc) {
			snprintf(note, size, "VF %u of the PF %s, synthesized from the PF's SR-IOV capability", opts->vf,
				 facts->slot);
			*facts = *vf;
		}
		free(vf);
		return rc;
	}
	if (!opts->pf && !vf_unnamed(facts)) {
		/* a VF the source names (sysfs): which one, for the VMM that
		 * tells its guest (docs/vf-shared-fields.md) */
		if (facts->is_vf && vf_number_of(s, facts, &link))
			snprintf(note, size, "VF %u of the PF %s", link.n, link.pf);
		return 0;
	}
	if (!vf_unnamed(facts)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, spos(facts),
			 "a PF was named for %s, but it %s: only a VF that reads Vendor ID 0xffff in a source that "
			 "does not know its identity (a dump) takes it from its PF", facts->slot,
			 facts->is_vf || facts->have_ids ? "has its identity from the source" : "does not read 0xffff");
		return VPCI_EINVAL;
	}
	rc = vf_from_pf(s, opts->pf, facts, &link, d);
	if (rc < 0)
		return rc;
	if (rc) {
		snprintf(note, size, "VF %u of the PF %s: identity and BARs from the PF's SR-IOV capability", link.n,
			 link.pf);
		return 0;
	}
	int raw = opts->policy == VPCI_POLICY_RAW;
	diag_add(d, raw ? VPCI_SEV_NOTE : VPCI_SEV_ERROR, VPCI_EDATA, spos(facts),
		 "an SR-IOV VF (Vendor and Device ID read 0xffff, the rest does not): its identity and BARs are "
		 "its PF's (PCIe r6.0 §9.3.4.1), and the source holds no SR-IOV PF with a VF at this address%s",
		 raw ? "" : "; no guest view without them: derive it from sysfs, or from a dump that holds its PF "
			    "too (lspci -xxxx -vvv of both; --pf BDF names the PF)");
	return raw ? 0 : VPCI_EDATA;
}

/* BAR facts the caller gives (e.g. sizes a dump lacks): used where the
 * source has none; a size the source gives must agree. */
static int given_bars(struct host_facts *facts, const struct vpci_derive_opts *opts, vpci_diag *d)
{
	int rc = 0;

	for (size_t k = 0; k < opts->nbars; k++) {
		const struct vpci_bar_info *b = &opts->bars[k];
		unsigned i = b->index;
		const char *what = i == ROM_INDEX ? "ROM" : "BAR";
		if (i > ROM_INDEX || (b->size && !is_pow2(b->size))) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, spos(facts),
				 "given %s %u: the index is 0..5 (6 = ROM) and the size a power of two", what, i);
			rc = VPCI_EDATA;
			continue;
		}
		if ((facts->bar_known >> i) & 1 && facts->bar_size[i] && facts->bar_size[i] != b->size) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, spos(facts),
				 "given %s %u size %#llx, but the source gives %#llx", what, i,
				 (unsigned long long)b->size, (unsigned long long)facts->bar_size[i]);
			rc = VPCI_EDATA;
			continue;
		}
		facts->bar_size[i] = b->size;
		facts->bar_known |= (uint8_t)(1u << i);
		uint8_t bit = (uint8_t)(1u << i);
		if (b->type == VPCI_BAR_IO)
			facts->bar_io |= bit;
		if (b->type == VPCI_BAR_MEM64)
			facts->bar_64 |= bit;
		if (b->prefetchable)
			facts->bar_pref |= bit;
	}
	return rc;
}

/* A guest view must be valid: a derive never writes a file that `vpci
 * check` rejects.  Rules it breaks are errors of the derive. */
static int check_output(const struct vpci_func *f, const struct host_facts *facts, vpci_diag *d)
{
	vpci_diag *v = vpci_diag_new();
	int rc;

	if (!v)
		return VPCI_ENOMEM;
	rc = vpci_validate(f, v);
	for (size_t k = 0; k < vpci_diag_count(v); k++) {
		struct vpci_diag_entry e = *vpci_diag_get(v, k);
		if (e.severity != VPCI_SEV_ERROR)
			continue;
		e.file = facts->slot;
		e.line = e.column = 0;
		diag_copy(d, &e, "no valid guest view: ");
	}
	vpci_diag_free(v);
	return rc == VPCI_EDATA ? VPCI_EDATA : rc;
}

static int all_ones(const uint8_t *cfg, size_t len)
{
	for (size_t i = 0; i < len && i < 64; i++)
		if (cfg[i] != 0xff)
			return 0;
	return 1;
}

static int record_origin(struct vpci_func *f, const struct vpci_source *s, const struct host_facts *facts,
			 enum vpci_policy pol)
{
	char buf[64];
	int rc = 0;

	snprintf(buf, sizeof(buf), "vpci %s", vpci_version());
	rc |= func_add_origin(f, "tool", buf);
	rc |= func_add_origin(f, "source", source_name(s));
	rc |= func_add_origin(f, "slot", facts->slot);
	if (facts->driver[0])
		rc |= func_add_origin(f, "driver", facts->driver);
	if (facts->iommu_group >= 0) {
		snprintf(buf, sizeof(buf), "%d", facts->iommu_group);
		rc |= func_add_origin(f, "iommu-group", buf);
	}
	rc |= func_add_origin(f, "policy", vpci_policy_name(pol));
	return rc ? VPCI_ENOMEM : 0;
}

/* The facts of function @i of @s, into a new *@out. */
static int read_facts(vpci_source *s, size_t i, struct host_facts **out, vpci_diag *d)
{
	*out = NULL;
	if (i >= vpci_source_count(s))
		return VPCI_ENOENT;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return VPCI_ENOMEM;
	return source_read(s, i, *out, d);
}

/* How much of the config space a model gets: 4096, 256, 128 or 64. */
static size_t cfg_len(const struct host_facts *f)
{
	return f->len >= 4096 ? 4096 : f->len >= 256 ? 256 : f->len >= 128 ? 128 : 64;
}


VPCI_EXPORT int vpci_derive_physical(vpci_source *s, size_t i, vpci_func **out, vpci_diag *d)
{
	struct host_facts *facts;
	struct vpci_func *f = NULL;
	int rc;

	*out = NULL;
	rc = read_facts(s, i, &facts, d);
	if (!rc && all_ones(facts->cfg, facts->len)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, spos(facts),
			 "the function reads all-ones: it is gone from the bus and backs nothing");
		rc = VPCI_EDATA;
	}
	if (!rc && facts->is_vf)
		memset(facts->cfg, 0xff, 4); /* a VF's IDs read 0xffff (PCIe §9.3.4.1.1) */
	if (!rc)
		rc = vpci_func_from_config(facts->cfg, cfg_len(facts), &f, d);
	if (!rc) {
		/* vfio-pci emulates a VF's Memory Space Enable (PCIe §9.3.4.1.3
		 * has none): a PF view of it works (docs/binding.md) */
		if (facts->cfg[0] == 0xff && facts->cfg[1] == 0xff && !strcmp(source_name(s), "vfio"))
			f->pl[VPCI_PL_DEVICE][0x04] |= 0x2;
		apply_facts(f, facts, source_name(s), 0, d); /* kinds of BARs that read 0 too */
		rc = record_origin(f, s, facts, VPCI_POLICY_RAW);
		rc = rc ? rc : func_add_origin(f, "note", "physical: raw config, BAR kinds and sizes from the source");
		char name[64];
		snprintf(name, sizeof(name), "physical-%s", facts->slot);
		for (char *p = name; *p; p++)
			if (*p == ':')
				*p = '-';
		rc = rc ? rc : vpci_func_set_name(f, name);
	}
	free(facts);
	if (rc) {
		vpci_func_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

VPCI_EXPORT int vpci_derive(vpci_source *s, size_t i, const struct vpci_derive_opts *opts,
			    vpci_func **out, vpci_diag *d)
{
	static const struct vpci_derive_opts defaults = { VPCI_POLICY_GUEST, false, NULL, NULL, NULL, 0 };
	struct host_facts *facts;
	struct vpci_func *f = NULL;
	struct vpci_func *phys = NULL;
	struct quirk_plan plan;
	int rc;

	*out = NULL;
	memset(&plan, 0, sizeof(plan));
	if (!opts)
		opts = &defaults;
	char note[160] = "";
	rc = read_facts(s, i, &facts, d);
	if (!rc)
		rc = vf_facts(s, opts, facts, note, sizeof(note), d);
	if (!rc)
		rc = given_bars(facts, opts, d);
	if (rc)
		goto out;
	if (all_ones(facts->cfg, facts->len)) {
		/* raw describes what the device shows, even this; a guest
		 * cannot be given a function that is not there */
		int raw = opts->policy == VPCI_POLICY_RAW;
		diag_add(d, raw ? VPCI_SEV_WARNING : VPCI_SEV_ERROR, VPCI_EDATA, spos(facts),
			 "the function reads all-ones: it is gone from the bus (surprise removal, or its PF was reset)");
		if (!raw) {
			rc = VPCI_EDATA;
			goto out;
		}
	}
	size_t len = cfg_len(facts);
	if (len < 256 && opts->policy == VPCI_POLICY_GUEST) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, spos(facts),
			 "only %zu bytes of config space are known (not root?): a guest view needs at least 256", len);
		rc = VPCI_EDATA;
		goto out;
	}
	rc = vpci_func_from_config(facts->cfg, len, &f, d);
	if (rc)
		goto out;
	if (len == 256 && vpci_func_find_cap(f, false, 0x10, NULL) >= 0)
		diag_add(d, VPCI_SEV_WARNING, VPCI_EIO, spos(facts),
			 "a PCI Express function, but only 256 bytes of config space could be read: its extended "
			 "capabilities are not visible (no extended config access on this host, or a 256-byte dump)");
	if (!(facts->is_vf && opts->policy == VPCI_POLICY_RAW))
		apply_facts(f, facts, source_name(s), opts->policy == VPCI_POLICY_RAW, d);
	if (!opts->no_quirks) {
		rc = quirks_plan(f, facts, opts->policy, opts->quirk_dir, &plan, d);
		if (rc)
			goto out;
	}
	/* a reference instance is checked against the function as it is */
	if (plan.ref >= 0 && opts->policy == VPCI_POLICY_GUEST) {
		if (!(phys = vpci_func_dup(f))) {
			rc = VPCI_ENOMEM;
			goto out;
		}
		if (facts->is_vf)
			memset(phys->val, 0xff, 4); /* a VF's IDs read 0xffff (PCIe §9.3.4.1.1) */
	}
	if (opts->policy == VPCI_POLICY_GUEST) {
		rc = policy_guest(f, facts, opts->no_quirks ? NULL : &plan, opts->vf_view, d);
		if (rc)
			goto out;
	}
	rc = record_origin(f, s, facts, opts->policy);
	if (!rc && note[0])
		rc = func_add_origin_note(f, note) ? VPCI_ENOMEM : 0;
	if (!rc && !opts->no_quirks)
		rc = quirks_finish(f, facts, &plan, d);
	int referenced = 0;
	if (!rc && !opts->no_quirks)
		rc = quirks_reference(&f, phys, facts, &plan, opts->types, &referenced, d);
	if (rc)
		goto out;
	func_update_lengths(f);
	/* a reference instance keeps its own name: it is an instance type */
	if (opts->name) {
		rc = vpci_func_set_name(f, opts->name);
	} else if (!referenced) {
		char name[64];
		const uint8_t *v = f->val;
		snprintf(name, sizeof(name), "%04x-%04x-%s", le16(v), le16(v + 2), facts->slot);
		for (char *p = name; *p; p++)
			if (*p == ':')
				*p = '-';
		rc = vpci_func_set_name(f, name);
	}
	if (!rc && opts->policy == VPCI_POLICY_GUEST)
		rc = check_output(f, facts, d);
out:
	quirks_plan_free(&plan);
	vpci_func_free(phys);
	free(facts);
	if (rc) {
		vpci_func_free(f);
		return rc;
	}
	*out = f;
	return 0;
}
