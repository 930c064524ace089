/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registry.c - the PF/VF registry: a table of functions ordered by
 * address, and the rules every operation decides by.
 *
 * The rules and the order they are checked in are the specification of
 * docs/sriov.md ("The registry"); tests/registry/model.py is the same
 * specification as an executable model, and the random-sequence test
 * compares the two.  Each operation checks, in this order: the actor's
 * label, the addresses, that the function exists and is the right kind,
 * that the actor may manage it, the fixed rules (identity, range,
 * routing), then the rules that depend on state (in use, VFs present,
 * assigned elsewhere, split trust), which VPCI_REG_FORCE turns into
 * warnings.  Nothing changes unless every check passes, and never with
 * VPCI_REG_CHECK.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_priv.h"

/* --- the table -------------------------------------------------------- */

VPCI_EXPORT vpci_registry *vpci_registry_new(void)
{
	return calloc(1, sizeof(struct vpci_registry));
}

VPCI_EXPORT void vpci_registry_free(vpci_registry *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

/* Index of the first entry with a key >= @key. */
static size_t lower_bound(const vpci_registry *r, uint64_t key)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct reg_fn *reg_lookup(const vpci_registry *r, const struct host_bdf *b)
{
	uint64_t key = reg_key(b);
	size_t i = lower_bound(r, key);

	return i < r->n && r->v[i].key == key ? &r->v[i] : NULL;
}

struct reg_fn *reg_insert(vpci_registry *r, const struct host_bdf *b, const struct vpci_reg_func *f)
{
	uint64_t key = reg_key(b);
	size_t i = lower_bound(r, key);

	if (xgrow(&r->v, &r->cap, r->n, sizeof(*r->v), 16))
		return NULL;
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
	r->n++;
	struct reg_fn *e = &r->v[i];
	e->key = key;
	e->bdf = *b;
	e->f = *f;
	host_bdf_format(b, e->f.slot);
	e->f.nvfs = 0;
	return e;
}

void reg_erase(vpci_registry *r, struct reg_fn *e)
{
	size_t i = (size_t)(e - r->v);

	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
	r->n--;
}

static bool linked_vf_of(const struct reg_fn *e, const char *pf)
{
	return e->f.kind == VPCI_REG_VF && !e->f.broken && !strcmp(e->f.pf, pf);
}

unsigned reg_count_vfs(const vpci_registry *r, const char *pf)
{
	unsigned n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += linked_vf_of(&r->v[i], pf);
	return n;
}

VPCI_EXPORT size_t vpci_registry_count(const vpci_registry *r)
{
	return r->n;
}

static void copy_out(const vpci_registry *r, const struct reg_fn *e, struct vpci_reg_func *out)
{
	*out = e->f;
	out->nvfs = e->f.kind == VPCI_REG_PF ? reg_count_vfs(r, e->f.slot) : 0;
}

VPCI_EXPORT int vpci_registry_get(const vpci_registry *r, size_t i, struct vpci_reg_func *out)
{
	if (i >= r->n)
		return VPCI_ERANGE;
	copy_out(r, &r->v[i], out);
	return 0;
}

VPCI_EXPORT int vpci_registry_find(const vpci_registry *r, const char *slot, struct vpci_reg_func *out)
{
	struct host_bdf b;

	if (!slot || host_bdf_parse(slot, &b))
		return VPCI_EINVAL;
	const struct reg_fn *e = reg_lookup(r, &b);
	if (!e)
		return VPCI_ENOENT;
	if (out)
		copy_out(r, e, out);
	return 0;
}

bool reg_label_ok(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '-')
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._:@+-", c)))
			return false;
	}
	return n < VPCI_REG_LABEL_LEN;
}

int reg_vf_slot(const struct host_bdf *pf, const struct vpci_reg_sriov *s, unsigned n, struct host_bdf *out)
{
	return host_vf_bdf(pf, s->offset, s->stride, n, out);
}

/* --- diagnostics -------------------------------------------------------- */

void reg_diag(vpci_diag *d, enum vpci_severity sev, int code, const char *slot, const char *rule,
	      const char *fmt, ...)
{
	char msg[448];
	va_list ap;
	struct diag_pos p = DIAG_NOPOS;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p.file = slot;
	p.field = rule;
	diag_add(d, sev, code, p, "%s", msg);
}

#define REFUSE(d, code, slot, rule, ...) reg_diag(d, VPCI_SEV_ERROR, code, slot, rule, __VA_ARGS__)

/* One decision in progress: the state-dependent refusals are collected
 * (errors, or warnings when forced) so that all of them are reported. */
struct verdict {
	vpci_diag *d;
	bool force;
	int busy;
};

static void busy(struct verdict *v, const char *slot, const char *rule, const char *fmt, ...) PRINTF(4, 5);

static void busy(struct verdict *v, const char *slot, const char *rule, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->busy = 1;
	if (v->force)
		reg_diag(v->d, VPCI_SEV_WARNING, VPCI_EBUSY, slot, rule, "%s (overridden by force)", msg);
	else
		reg_diag(v->d, VPCI_SEV_ERROR, VPCI_EBUSY, slot, rule, "%s", msg);
}

static int verdict_rc(const struct verdict *v)
{
	return v->busy && !v->force ? VPCI_EBUSY : 0;
}

/* --- the checks every operation starts with ------------------------------ */

static int check_label(const char *label, const char *what, vpci_diag *d)
{
	if (reg_label_ok(label))
		return 0;
	REFUSE(d, VPCI_EINVAL, label ? label : "", "label",
	       "malformed %s label: 1 to 63 characters of A-Z a-z 0-9 . _ : @ + -, not starting with '-'", what);
	return VPCI_EINVAL;
}

static int check_actor(const char *actor, vpci_diag *d)
{
	return actor ? check_label(actor, "actor", d) : 0;
}

static int check_addr(const char *slot, struct host_bdf *b, vpci_diag *d)
{
	if (slot && !host_bdf_parse(slot, b))
		return 0;
	REFUSE(d, VPCI_EINVAL, slot ? slot : "", "address", "malformed PCI address (expected [DDDD:]BB:DD.F)");
	return VPCI_EINVAL;
}

/* An existing function: EINVAL or ENOENT with a diagnostic. */
static int get_fn(const vpci_registry *r, const char *slot, struct reg_fn **out, vpci_diag *d)
{
	struct host_bdf b;
	int rc = check_addr(slot, &b, d);

	if (rc)
		return rc;
	*out = reg_lookup(r, &b);
	if (*out)
		return 0;
	char s[HOST_SLOT_LEN];
	host_bdf_format(&b, s);
	REFUSE(d, VPCI_ENOENT, s, "no-function", "no such function in the registry");
	return VPCI_ENOENT;
}

static const struct reg_fn *pf_of(const vpci_registry *r, const struct reg_fn *vf)
{
	struct host_bdf b;

	if (vf->f.kind != VPCI_REG_VF || vf->f.broken || host_bdf_parse(vf->f.pf, &b))
		return NULL;
	return reg_lookup(r, &b);
}

static bool may_manage(const vpci_registry *r, const struct reg_fn *e, const char *actor)
{
	if (!actor)
		return true;
	if (e->f.owner[0] && !strcmp(e->f.owner, actor))
		return true;
	const struct reg_fn *pf = pf_of(r, e);
	return pf && pf->f.owner[0] && !strcmp(pf->f.owner, actor);
}

static int check_manage(const vpci_registry *r, const struct reg_fn *e, const char *actor, vpci_diag *d)
{
	if (may_manage(r, e, actor))
		return 0;
	const struct reg_fn *pf = pf_of(r, e);
	char whose[160];
	if (e->f.owner[0])
		snprintf(whose, sizeof(whose), "it is owned by '%s'", e->f.owner);
	else
		snprintf(whose, sizeof(whose), "it has no owner, so only the administrator manages it");
	REFUSE(d, VPCI_EPERM, e->f.slot, "owner",
	       "'%s' may not manage this function: %s%s%s%s; a domain manages what it owns and the VFs of the PFs it owns",
	       actor, whose, pf ? " (its PF " : "", pf ? pf->f.slot : "",
	       pf ? (pf->f.owner[0] ? " is owned by another domain)" : " has no owner)") : "");
	return VPCI_EPERM;
}

static const char *kind_name(const struct reg_fn *e)
{
	if (e->f.kind == VPCI_REG_PF)
		return "an SR-IOV PF";
	if (e->f.kind == VPCI_REG_FN)
		return "a function without SR-IOV";
	return e->f.broken ? "a broken VF record" : "a VF";
}

static int occupied(const struct reg_fn *e, vpci_diag *d)
{
	REFUSE(d, VPCI_EDATA, e->f.slot, "occupied",
	       "the address is registered as %s (%04x:%04x%s%s); remove that record first", kind_name(e), e->f.vendor,
	       e->f.device, e->f.kind == VPCI_REG_VF ? " of PF " : "", e->f.kind == VPCI_REG_VF ? e->f.pf : "");
	return VPCI_EDATA;
}

static int check_not_broken(const struct reg_fn *e, const char *verb, vpci_diag *d)
{
	if (e->f.kind != VPCI_REG_VF || !e->f.broken)
		return 0;
	REFUSE(d, VPCI_ENOTSUP, e->f.slot, "broken",
	       "a broken VF record (its PF %s was removed) cannot be %s: add the PF again with the same VF routing to "
	       "re-associate it, or remove the record", e->f.pf, verb);
	return VPCI_ENOTSUP;
}

static bool in_use(const struct reg_fn *e)
{
	return e->f.assigned || e->f.user[0];
}

/* The in-use rule for @e itself; @verb says what would happen to it. */
static void check_in_use(struct verdict *v, const struct reg_fn *e, const char *verb)
{
	if (e->f.assigned)
		busy(v, e->f.slot, "in-use", "assigned to '%s': it is not %s while assigned (release it first: vpci sriov "
		     "release %s; or force)", e->f.owner, verb, e->f.slot);
	if (e->f.user[0])
		busy(v, e->f.slot, "in-use", "held open through VFIO by %s: it is not %s under its user (stop the user "
		     "first, or force)", e->f.user, verb);
}

/* The VFs of a PF that are in use, one refusal each. */
static void check_vfs_in_use(struct verdict *v, const vpci_registry *r, const struct reg_fn *pf, const char *verb)
{
	if (pf->f.kind != VPCI_REG_PF)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const struct reg_fn *vf = &r->v[i];
		if (!linked_vf_of(vf, pf->f.slot) || !in_use(vf))
			continue;
		busy(v, pf->f.slot, "vfs-in-use", "its VF %s is %s%s%s: the PF is not %s while a VF is in use (free the "
		     "VF first, or force)", vf->f.slot,
		     vf->f.assigned ? "assigned to '" : "held open through VFIO by ",
		     vf->f.assigned ? vf->f.owner : vf->f.user, vf->f.assigned ? "'" : "", verb);
	}
}

/* --- adding -------------------------------------------------------------- */

static void fn_init(struct vpci_reg_func *f, enum vpci_reg_kind kind, uint16_t vendor, uint16_t device)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->vendor = vendor;
	f->device = device;
}

/* What adding a PF or a plain function checks first: the actor's label,
 * the address (into @b and @s), that the actor is the administrator. */
static int check_add(const char *actor, const char *slot, struct host_bdf *b, char s[HOST_SLOT_LEN], vpci_diag *d)
{
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = check_addr(slot, b, d)))
		return rc;
	host_bdf_format(b, s);
	if (!actor)
		return 0;
	REFUSE(d, VPCI_EPERM, s, "admin-only",
	       "'%s' may not add functions: the administrator registers functions (a PF's owner may add its VFs)", actor);
	return VPCI_EPERM;
}

VPCI_EXPORT int vpci_registry_add_fn(vpci_registry *r, const char *slot, uint16_t vendor, uint16_t device,
				     const char *actor, unsigned flags, vpci_diag *d)
{
	struct host_bdf b;
	char s[HOST_SLOT_LEN];
	int rc = check_add(actor, slot, &b, s, d);

	if (rc)
		return rc;
	struct reg_fn *e = reg_lookup(r, &b);
	if (e)
		return e->f.kind == VPCI_REG_FN && e->f.vendor == vendor && e->f.device == device ? 0 : occupied(e, d);
	if (flags & VPCI_REG_CHECK)
		return 0;
	struct vpci_reg_func f;
	fn_init(&f, VPCI_REG_FN, vendor, device);
	return reg_insert(r, &b, &f) ? 0 : VPCI_ENOMEM;
}

const char *reg_relink_mismatch(const struct reg_fn *pf, const struct reg_fn *vf, char *buf, size_t size)
{
	const struct vpci_reg_sriov *s = &pf->f.sriov;
	struct host_bdf at;

	if (vf->f.vendor != pf->f.vendor || vf->f.pf_device != pf->f.device) {
		snprintf(buf, size, "its PF was %04x:%04x, the PF now at %s is %04x:%04x", vf->f.vendor, vf->f.pf_device,
			 pf->f.slot, pf->f.vendor, pf->f.device);
		return buf;
	}
	if (vf->f.device != s->vf_device) {
		snprintf(buf, size, "its VF Device ID was %04x, the PF now gives %04x", vf->f.device, s->vf_device);
		return buf;
	}
	if (vf->f.pf_ari != s->ari) {
		snprintf(buf, size, "its PF had ARI Capable Hierarchy %s, now %s", vf->f.pf_ari ? "set" : "clear",
			 s->ari ? "set" : "clear");
		return buf;
	}
	if (vf->f.vf_index > s->total_vfs) {
		snprintf(buf, size, "it was VF %u, the PF now has TotalVFs %u", vf->f.vf_index, s->total_vfs);
		return buf;
	}
	if (reg_vf_slot(&pf->bdf, s, vf->f.vf_index, &at) || reg_key(&at) != vf->key) {
		char where[HOST_SLOT_LEN] = "past bus 255";
		if (!reg_vf_slot(&pf->bdf, s, vf->f.vf_index, &at))
			host_bdf_format(&at, where);
		snprintf(buf, size, "VF %u of the PF is now at %s (First VF Offset %u, VF Stride %u)", vf->f.vf_index, where,
			 s->offset, s->stride);
		return buf;
	}
	return NULL;
}

void reg_relink_all(vpci_registry *r, struct reg_fn *pf, vpci_diag *d)
{
	char why[200];

	for (size_t i = 0; i < r->n; i++) {
		struct reg_fn *vf = &r->v[i];
		if (vf->f.kind != VPCI_REG_VF || !vf->f.broken || strcmp(vf->f.pf, pf->f.slot))
			continue;
		const char *bad = reg_relink_mismatch(pf, vf, why, sizeof(why));
		if (bad) {
			reg_diag(d, VPCI_SEV_NOTE, 0, vf->f.slot, "stays-broken",
				 "broken VF record not re-associated with its PF %s: %s", pf->f.slot, bad);
			continue;
		}
		vf->f.broken = false;
		reg_diag(d, VPCI_SEV_NOTE, 0, vf->f.slot, "relinked",
			 "re-associated as VF %u of %s (same identity and VF routing); owner '%s' and assignment kept",
			 vf->f.vf_index, pf->f.slot, vf->f.owner);
	}
}

static bool same_pf_identity(const struct reg_fn *e, uint16_t vendor, uint16_t device, const struct vpci_reg_sriov *s)
{
	return e->f.kind == VPCI_REG_PF && e->f.vendor == vendor && e->f.device == device &&
	       e->f.sriov.vf_device == s->vf_device && e->f.sriov.total_vfs == s->total_vfs && e->f.sriov.ari == s->ari;
}

VPCI_EXPORT int vpci_registry_add_pf(vpci_registry *r, const char *slot, uint16_t vendor, uint16_t device,
				     const struct vpci_reg_sriov *sr, const char *actor, unsigned flags, vpci_diag *d)
{
	struct host_bdf b, last;
	char s[HOST_SLOT_LEN];
	int rc = check_add(actor, slot, &b, s, d);

	if (rc)
		return rc;
	/* the kernel refuses the same values (drivers/pci/iov.c, sriov_init) */
	if (!sr->offset || (sr->total_vfs > 1 && !sr->stride)) {
		REFUSE(d, VPCI_EDATA, s, "identity",
		       "First VF Offset %u, VF Stride %u with TotalVFs %u: the offset must not be 0, nor the stride when "
		       "there is more than one VF (the VFs would share an address)", sr->offset, sr->stride, sr->total_vfs);
		return VPCI_EDATA;
	}
	if (sr->total_vfs && reg_vf_slot(&b, sr, sr->total_vfs, &last)) {
		REFUSE(d, VPCI_ERANGE, s, "vf-range",
		       "VF %u would lie past bus 255 (First VF Offset %u, VF Stride %u): not a valid SR-IOV routing",
		       sr->total_vfs, sr->offset, sr->stride);
		return VPCI_ERANGE;
	}
	struct reg_fn *e = reg_lookup(r, &b);
	if (e && !same_pf_identity(e, vendor, device, sr))
		return occupied(e, d);
	if (e && (e->f.sriov.offset != sr->offset || e->f.sriov.stride != sr->stride) && reg_count_vfs(r, s)) {
		REFUSE(d, VPCI_EDATA, s, "routing",
		       "the PF has %u linked VFs placed by First VF Offset %u, VF Stride %u; new values %u, %u would move "
		       "them (the offset and stride change only with NumVFs: remove the VFs first)",
		       reg_count_vfs(r, s), e->f.sriov.offset, e->f.sriov.stride, sr->offset, sr->stride);
		return VPCI_EDATA;
	}
	if (flags & VPCI_REG_CHECK)
		return 0;
	if (e) {
		e->f.sriov.offset = sr->offset;
		e->f.sriov.stride = sr->stride;
	} else {
		struct vpci_reg_func f;
		fn_init(&f, VPCI_REG_PF, vendor, device);
		f.sriov = *sr;
		if (!(e = reg_insert(r, &b, &f)))
			return VPCI_ENOMEM;
	}
	reg_relink_all(r, e, d);
	return 0;
}

VPCI_EXPORT int vpci_registry_add_vf(vpci_registry *r, const char *slot, const char *pf, unsigned index,
				     const char *actor, unsigned flags, vpci_diag *d)
{
	struct host_bdf b, pb, want;
	char s[HOST_SLOT_LEN], ps[HOST_SLOT_LEN], ws[HOST_SLOT_LEN];
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = check_addr(slot, &b, d)) || (rc = check_addr(pf, &pb, d)))
		return rc;
	host_bdf_format(&b, s);
	host_bdf_format(&pb, ps);
	struct reg_fn *p = reg_lookup(r, &pb);
	if (!p) {
		REFUSE(d, VPCI_ENOENT, s, "no-pf",
		       "its PF %s is not registered: a VF exists only while its PF does (add the PF first)", ps);
		return VPCI_ENOENT;
	}
	if (p->f.kind != VPCI_REG_PF) {
		REFUSE(d, VPCI_ENOTSUP, ps, "not-pf", "%s is %s, not an SR-IOV PF: it has no VFs", ps, kind_name(p));
		return VPCI_ENOTSUP;
	}
	if ((rc = check_manage(r, p, actor, d)))
		return rc;
	if (!index || index > p->f.sriov.total_vfs) {
		REFUSE(d, VPCI_ERANGE, s, "vf-range", "VF %u: the PF %s has VFs 1 to %u (TotalVFs)", index, ps,
		       p->f.sriov.total_vfs);
		return VPCI_ERANGE;
	}
	reg_vf_slot(&pb, &p->f.sriov, index, &want); /* in range: add_pf checked TotalVFs */
	if (reg_key(&want) != reg_key(&b)) {
		host_bdf_format(&want, ws);
		REFUSE(d, VPCI_EDATA, s, "vf-address",
		       "VF %u of %s is at %s (its Routing ID + First VF Offset %u + (n - 1) * VF Stride %u), not here",
		       index, ps, ws, p->f.sriov.offset, p->f.sriov.stride);
		return VPCI_EDATA;
	}
	struct reg_fn *e = reg_lookup(r, &b);
	if (e)
		return linked_vf_of(e, ps) && e->f.vf_index == index ? 0 : occupied(e, d);
	if (flags & VPCI_REG_CHECK)
		return 0;
	struct vpci_reg_func f;
	fn_init(&f, VPCI_REG_VF, p->f.vendor, p->f.sriov.vf_device);
	snprintf(f.pf, sizeof(f.pf), "%s", ps);
	f.vf_index = index;
	f.pf_device = p->f.device;
	f.pf_ari = p->f.sriov.ari;
	return reg_insert(r, &b, &f) ? 0 : VPCI_ENOMEM;
}

/* --- removing ------------------------------------------------------------- */

void reg_break_vfs(vpci_registry *r, const char *pf, const char *why, vpci_diag *d)
{
	for (size_t i = 0; i < r->n; i++) {
		struct reg_fn *vf = &r->v[i];
		if (!linked_vf_of(vf, pf))
			continue;
		vf->f.broken = true;
		reg_diag(d, VPCI_SEV_NOTE, 0, vf->f.slot, "broken",
			 "now a broken VF record: %s; it keeps owner '%s'%s until it is removed or its PF comes back", why,
			 vf->f.owner, vf->f.assigned ? " and its assignment" : "");
	}
}

VPCI_EXPORT int vpci_registry_remove(vpci_registry *r, const char *slot, const char *actor, unsigned flags,
				     vpci_diag *d)
{
	struct reg_fn *e;
	struct verdict v = { d, (flags & VPCI_REG_FORCE) != 0, 0 };
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = get_fn(r, slot, &e, d)) || (rc = check_manage(r, e, actor, d)))
		return rc;
	check_in_use(&v, e, "removed");
	unsigned nvfs = e->f.kind == VPCI_REG_PF ? reg_count_vfs(r, e->f.slot) : 0;
	if (nvfs)
		busy(&v, e->f.slot, "pf-has-vfs",
		     "the PF has %u VFs: a PF removed before its VFs leaves them orphaned (on Linux 6.1 they stay on the bus "
		     "without their PF); disable them first (vpci sriov disable %s), or force: the VFs still go first and "
		     "stay in the registry as broken records", nvfs, e->f.slot);
	if ((rc = verdict_rc(&v)) || (flags & VPCI_REG_CHECK))
		return rc;
	char s[HOST_SLOT_LEN];
	memcpy(s, e->f.slot, sizeof(s));
	reg_erase(r, e);
	if (nvfs)
		reg_break_vfs(r, s, "its PF was removed by force", d);
	return 0;
}

VPCI_EXPORT int vpci_registry_remove_vfs(vpci_registry *r, const char *pf, const char *actor, unsigned flags,
					 vpci_diag *d)
{
	struct reg_fn *e;
	struct verdict v = { d, (flags & VPCI_REG_FORCE) != 0, 0 };
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = get_fn(r, pf, &e, d)))
		return rc;
	if (e->f.kind != VPCI_REG_PF) {
		REFUSE(d, VPCI_ENOTSUP, e->f.slot, "not-pf", "%s, not an SR-IOV PF: it has no VFs", kind_name(e));
		return VPCI_ENOTSUP;
	}
	if ((rc = check_manage(r, e, actor, d)))
		return rc;
	check_vfs_in_use(&v, r, e, "left without its VFs");
	if ((rc = verdict_rc(&v)) || (flags & VPCI_REG_CHECK))
		return rc;
	char s[HOST_SLOT_LEN];
	memcpy(s, e->f.slot, sizeof(s));
	for (size_t i = r->n; i-- > 0;)
		if (linked_vf_of(&r->v[i], s))
			reg_erase(r, &r->v[i]);
	return 0;
}

/* --- decisions without a change: reset, driver change, management -------- */

static int disturb(vpci_registry *r, const char *slot, const char *actor, unsigned flags, const char *verb,
		   vpci_diag *d)
{
	struct reg_fn *e;
	struct verdict v = { d, (flags & VPCI_REG_FORCE) != 0, 0 };
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = get_fn(r, slot, &e, d)) || (rc = check_not_broken(e, verb, d)) ||
	    (rc = check_manage(r, e, actor, d)))
		return rc;
	check_in_use(&v, e, verb);
	check_vfs_in_use(&v, r, e, verb);
	return verdict_rc(&v);
}

VPCI_EXPORT int vpci_registry_reset(vpci_registry *r, const char *slot, const char *actor, unsigned flags,
				    vpci_diag *d)
{
	return disturb(r, slot, actor, flags, "reset", d);
}

VPCI_EXPORT int vpci_registry_rebind(vpci_registry *r, const char *slot, const char *actor, unsigned flags,
				     vpci_diag *d)
{
	return disturb(r, slot, actor, flags, "rebound to another driver", d);
}

VPCI_EXPORT int vpci_registry_may_manage(const vpci_registry *r, const char *slot, const char *actor, vpci_diag *d)
{
	struct reg_fn *e;
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = get_fn(r, slot, &e, d)))
		return rc;
	return check_manage(r, e, actor, d);
}

/* --- owners and assignments ---------------------------------------------- */

VPCI_EXPORT int vpci_registry_assign(vpci_registry *r, const char *slot, const char *owner, const char *actor,
				     unsigned flags, vpci_diag *d)
{
	struct reg_fn *e;
	struct verdict v = { d, (flags & VPCI_REG_FORCE) != 0, 0 };
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = check_label(owner, "owner", d)) || (rc = get_fn(r, slot, &e, d)) ||
	    (rc = check_not_broken(e, "assigned", d)) || (rc = check_manage(r, e, actor, d)))
		return rc;
	if (e->f.assigned && strcmp(e->f.owner, owner))
		busy(&v, e->f.slot, "assigned-elsewhere", "assigned to '%s': release it before assigning it to '%s'",
		     e->f.owner, owner);
	/* a PF controls its VFs (it can reset or disable them, and on many
	 * devices see their traffic): one owner for a PF and its VFs in use */
	if (e->f.kind == VPCI_REG_PF) {
		for (size_t i = 0; i < r->n; i++) {
			const struct reg_fn *vf = &r->v[i];
			if (linked_vf_of(vf, e->f.slot) && vf->f.assigned && strcmp(vf->f.owner, owner))
				busy(&v, e->f.slot, "trust-split",
				     "its VF %s is assigned to '%s': the PF's user could reset or disable that VF; assign "
				     "the PF to the same owner, or release the VF first", vf->f.slot, vf->f.owner);
		}
	}
	const struct reg_fn *pf = pf_of(r, e);
	if (pf && pf->f.assigned && strcmp(pf->f.owner, owner))
		busy(&v, e->f.slot, "trust-split",
		     "its PF %s is assigned to '%s', which controls this VF (it can reset or disable it); assign the VF "
		     "to '%s' too, or release the PF first", pf->f.slot, pf->f.owner, pf->f.owner);
	if ((rc = verdict_rc(&v)) || (flags & VPCI_REG_CHECK))
		return rc;
	snprintf(e->f.owner, sizeof(e->f.owner), "%s", owner);
	e->f.assigned = true;
	return 0;
}

VPCI_EXPORT int vpci_registry_release(vpci_registry *r, const char *slot, const char *actor, unsigned flags,
				      vpci_diag *d)
{
	struct reg_fn *e;
	int rc;

	if ((rc = check_actor(actor, d)) || (rc = get_fn(r, slot, &e, d)) || (rc = check_manage(r, e, actor, d)))
		return rc;
	if (!(flags & VPCI_REG_CHECK))
		e->f.assigned = false;
	return 0;
}

VPCI_EXPORT int vpci_registry_set_owner(vpci_registry *r, const char *slot, const char *owner, const char *actor,
					unsigned flags, vpci_diag *d)
{
	struct reg_fn *e;
	struct verdict v = { d, (flags & VPCI_REG_FORCE) != 0, 0 };
	int rc;

	if ((rc = check_actor(actor, d)) || (owner && (rc = check_label(owner, "owner", d))) ||
	    (rc = get_fn(r, slot, &e, d)) || (rc = check_manage(r, e, actor, d)))
		return rc;
	const char *want = owner ? owner : "";
	bool change = strcmp(e->f.owner, want) != 0;
	if (change && e->f.assigned)
		busy(&v, e->f.slot, "assigned-elsewhere",
		     "assigned to '%s': release it before giving it to %s%s%s (the assignment belongs to its owner)",
		     e->f.owner, owner ? "'" : "", owner ? owner : "nobody", owner ? "'" : "");
	if ((rc = verdict_rc(&v)) || (flags & VPCI_REG_CHECK) || !change)
		return rc;
	snprintf(e->f.owner, sizeof(e->f.owner), "%s", want);
	e->f.assigned = false;
	return 0;
}

VPCI_EXPORT int vpci_registry_set_user(vpci_registry *r, const char *slot, const char *user, vpci_diag *d)
{
	struct reg_fn *e;
	int rc;

	if (user && strlen(user) >= VPCI_REG_LABEL_LEN) {
		REFUSE(d, VPCI_EINVAL, slot ? slot : "", "user", "the user text is longer than %d bytes",
		       VPCI_REG_LABEL_LEN - 1);
		return VPCI_EINVAL;
	}
	if ((rc = get_fn(r, slot, &e, d)))
		return rc;
	snprintf(e->f.user, sizeof(e->f.user), "%s", user ? user : "");
	return 0;
}
