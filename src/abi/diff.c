/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * diff.c - differences between two instances, and the migration decision
 *
 * Structure first: the function (size, kind, multi-function), then the
 * capabilities, paired by identity (ID, and for vendor-specific ones the
 * vendor keys) and occurrence rather than by offset, so that a moved
 * capability is one difference and its registers are compared with each
 * other; then BARs.  Then region by region (header, each paired
 * capability in A's chain order, bytes outside every capability) each
 * register by name: the guest ABI's parts (values of bits the guest cannot
 * change, RW, RW1C, sticky, device) and, unless only the ABI is asked for,
 * what is not ABI (reset values of writable bits, the HwInit, RsvdP and
 * RsvdZ labels); bytes no register covers are compared byte by byte.
 * Last, names and metadata.
 *
 * Every ABI entry is computed from the two ABIs (vpci_abi_new()), never
 * from the models' raw planes, so vpci_compat() depends on nothing but the
 * two ABIs and the opt-outs: that is what lets vpci_emu_load() decide with
 * the ABI a blob carries and agree with `vpci compat` on the files.  If
 * the hashes differ and no entry says why (only a damaged encoding can do
 * that), one VPCI_DIFF_HASH entry blocks.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

/* --- the list ------------------------------------------------------------------ */

struct dentry {
	struct vpci_diff_entry pub;
	char region[40];
	char field[48];
	char *msg;
};

struct vpci_diff {
	struct dentry *e;
	size_t n, cap;
	size_t blockers;
};

VPCI_EXPORT size_t vpci_diff_count(const vpci_diff *l)
{
	return l ? l->n : 0;
}

VPCI_EXPORT const struct vpci_diff_entry *vpci_diff_get(const vpci_diff *l, size_t i)
{
	return l && i < l->n ? &l->e[i].pub : NULL;
}

VPCI_EXPORT size_t vpci_diff_blockers(const vpci_diff *l)
{
	return l ? l->blockers : 0;
}

VPCI_EXPORT void vpci_diff_free(vpci_diff *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].msg);
	free(l->e);
	free(l);
}

VPCI_EXPORT const char *vpci_diff_kind_name(enum vpci_diff_kind kind)
{
	static const char *const names[VPCI_DIFF_KIND_COUNT] = {
		"function", "capability-added", "capability-removed", "capability-moved",
		"capability-version", "capability-order", "bar", "field-added", "field-removed",
		"value", "plane", "meta", "abi-hash",
	};
	return (unsigned)kind < VPCI_DIFF_KIND_COUNT ? names[kind] : "?";
}

/* --- opt-outs ------------------------------------------------------------------ */

struct ignore {
	char region[32];
	int off;             /* -1: any instance */
	char field[48];      /* "": the whole region's content */
};

/* Does @name name an instance of @fd ("bar%u" and "bar3")? */
static int field_name_matches(const struct vpci_fdesc *fd, const char *name)
{
	const char *p = strstr(fd->name, "%u");

	if (!p)
		return !strcmp(fd->name, name);
	size_t pre = (size_t)(p - fd->name);
	if (strncmp(fd->name, name, pre))
		return 0;
	const char *q = name + pre;
	if (*q < '0' || *q > '9')
		return 0;
	while (*q >= '0' && *q <= '9')
		q++;
	return !strcmp(q, p + 2);
}

static int known_field(const struct vpci_cdesc *cd, const char *name)
{
	for (const struct vpci_fdesc *fd = cd && cd->fields ? cd->fields : NULL; fd && fd->name; fd++)
		if (field_name_matches(fd, name))
			return 1;
	return 0;
}

static int parse_ignore(const char *spec, struct ignore *ig, vpci_diag *d)
{
	const char *dot = strchr(spec, '.'), *at = strchr(spec, '@');
	size_t rl = (size_t)((at && (!dot || at < dot)) ? at - spec : dot ? dot - spec : (ptrdiff_t)strlen(spec));

	memset(ig, 0, sizeof(*ig));
	ig->off = -1;
	if (!rl || rl >= sizeof(ig->region))
		goto bad;
	memcpy(ig->region, spec, rl);
	if (at && (!dot || at < dot)) {
		char *end;
		unsigned long v = strtoul(at + 1, &end, 0);
		if (end == at + 1 || (dot ? end != dot : *end) || v >= VPCI_CFG_SIZE)
			goto bad;
		ig->off = (int)v;
	}
	if (dot) {
		if (!dot[1] || strlen(dot + 1) >= sizeof(ig->field))
			goto bad;
		strcpy(ig->field, dot + 1);
	}
	const struct vpci_cdesc *cd = NULL;
	if (!strcmp(ig->region, "header")) {
		if (ig->off >= 0)
			goto bad;
		if (ig->field[0] && !known_field(captab_find(CK_HDR, CAPTAB_HDR_TYPE0), ig->field) &&
		    !known_field(captab_find(CK_HDR, CAPTAB_HDR_TYPE1), ig->field)) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, DIAG_NOPOS, "opt-out '%s': the header has no register '%s'",
				 spec, ig->field);
			return VPCI_EINVAL;
		}
		return 0;
	}
	if (!strcmp(ig->region, "raw")) {
		if (ig->field[0])
			goto bad;
		return 0;
	}
	if (!(cd = captab_find_key(ig->region))) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, DIAG_NOPOS,
			 "opt-out '%s': '%s' is neither 'header', 'raw' nor a capability type", spec, ig->region);
		return VPCI_EINVAL;
	}
	if (ig->field[0] && !known_field(cd, ig->field)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, DIAG_NOPOS, "opt-out '%s': %s has no register '%s'", spec,
			 cd->name, ig->field);
		return VPCI_EINVAL;
	}
	return 0;
bad:
	diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, DIAG_NOPOS,
		 "opt-out '%s': expected REGION, REGION.FIELD, REGION@OFFSET or REGION@OFFSET.FIELD", spec);
	return VPCI_EINVAL;
}

/* --- context ------------------------------------------------------------------- */

struct side {
	const struct vpci_func *f;
	const struct vpci_abi *abi;
};

struct dctx {
	struct side s[2];
	unsigned flags;
	struct ignore *ign;
	size_t nign;
	struct vpci_diff *out;
	int nomem;
	size_t abi_entries;
	/* structure differences found, to leave out the managed registers
	 * they explain */
	int func_diff, caps_diff;
	uint8_t bar_diff[ROM_INDEX + 1];
	/* capability pairing: pair[0][i] = index in B of A's capability i */
	int *pair[2];
};

/* The region currently compared, for names and opt-outs. */
struct region {
	const char *key;         /* "header", capability key, "raw" */
	char name[40];           /* "msix", "vsec@0x150", "raw" */
	int cap[2];              /* capability index per side, -1 */
	unsigned base[2];        /* offset of the region per side */
};

static int side_abi(const struct dctx *c)
{
	return c->flags & VPCI_DIFF_ABI_ONLY;
}

static struct vpci_diff_side side_pos(const struct vpci_func *f, int off, uint32_t fallback_loc)
{
	struct vpci_diff_side s = { f->file, 0, 0, off };
	uint32_t loc = off >= 0 && off < (int)VPCI_CFG_SIZE ? f->byteloc[off] : 0;

	if (!loc)
		loc = fallback_loc;
	if (loc && loc < f->nlocs && f->locs) {
		s.line = f->locs[loc].line;
		s.column = f->locs[loc].col;
	}
	return s;
}

static uint32_t cap_loc(const struct vpci_func *f, int cap)
{
	return cap >= 0 ? f->caps[cap].loc : 0;
}

static int waived(const struct dctx *c, const struct region *r, const char *field)
{
	for (size_t i = 0; i < c->nign; i++) {
		const struct ignore *ig = &c->ign[i];
		if (strcmp(ig->region, r->key))
			continue;
		if (ig->off >= 0 && (r->cap[0] < 0 || (unsigned)ig->off != r->base[0]))
			continue;
		if (ig->field[0] && (!field || strcmp(ig->field, field)))
			continue;
		return 1;
	}
	return 0;
}

PRINTF(9, 10)
static struct dentry *add(struct dctx *c, enum vpci_diff_kind kind, bool abi, const char *region,
			  const char *field, const char *what, struct vpci_diff_side pa, struct vpci_diff_side pb,
			  const char *fmt, ...)
{
	struct vpci_diff *l = c->out;
	char msg[512];
	va_list ap;

	if (!abi && side_abi(c))
		return NULL;
	if (xgrow(&l->e, &l->cap, l->n, sizeof(*l->e), 16)) {
		c->nomem = 1;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct dentry *e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	if (!(e->msg = xstrdup(msg))) {
		c->nomem = 1;
		return NULL;
	}
	l->n++;
	e->pub.kind = kind;
	e->pub.abi = abi;
	snprintf(e->region, sizeof(e->region), "%s", region);
	if (field)
		snprintf(e->field, sizeof(e->field), "%s", field);
	e->pub.what = what;
	e->pub.pa = pa;
	e->pub.pb = pb;
	if (abi)
		c->abi_entries++;
	return e;
}

static const struct vpci_diff_side nopos = { NULL, 0, 0, -1 };

/* --- names ---------------------------------------------------------------------- */

static void size_str(uint64_t v, char *buf, size_t n)
{
	static const char *const suf[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned i = 0;

	if (!v) {
		snprintf(buf, n, "unknown size");
		return;
	}
	while (i + 1 < ARRAY_SIZE(suf) && v >= 1024 && !(v % 1024)) {
		v /= 1024;
		i++;
	}
	snprintf(buf, n, "%" PRIu64 "%s", v, suf[i]);
}

static const char *cap_key(const struct abi_cap *c)
{
	const struct vpci_cdesc *cd = captab_find(c->ext ? CK_EXT : CK_STD, c->id);

	return cd ? cd->key : c->ext ? "unknown-extended" : "unknown";
}

static void cap_desc(const struct abi_cap *c, char *buf, size_t n)
{
	char nb[64];
	const char *name = captab_cap_name(c->ext ? CK_EXT : CK_STD, c->id, nb, sizeof(nb));

	if (c->ext)
		snprintf(buf, n, "%s (%s, ID 0x%04x)", cap_key(c), name, c->id);
	else
		snprintf(buf, n, "%s (%s, ID 0x%02x)", cap_key(c), name, c->id);
}

/* "bit 4 RlxdOrd", "bits 10:0 TableSize-1", joined by ", " */
static void bits_str(const struct vpci_fdesc *fd, uint64_t bits, unsigned width, char *buf, size_t n)
{
	size_t len = 0;
	uint64_t left = bits;

	buf[0] = '\0';
	for (const struct vpci_bitdesc *b = fd && fd->bits ? fd->bits : NULL; b && b->name && len < n; b++) {
		uint64_t m = (b->hi >= 63 ? UINT64_MAX : ((uint64_t)1 << (b->hi + 1)) - 1) & ~(((uint64_t)1 << b->lo) - 1);
		if (!(left & m))
			continue;
		left &= ~m;
		if (b->hi == b->lo)
			len += (size_t)snprintf(buf + len, n - len, "%sbit %u %s", len ? ", " : "", b->lo, b->name);
		else
			len += (size_t)snprintf(buf + len, n - len, "%sbits %u:%u %s", len ? ", " : "", b->hi, b->lo,
						b->name);
	}
	for (unsigned i = 0; i < 8 * width && left && len < n; i++) {
		if (!(left >> i & 1))
			continue;
		unsigned j = i;
		while (j + 1 < 8 * width && (left >> (j + 1) & 1))
			j++;
		if (i == j)
			len += (size_t)snprintf(buf + len, n - len, "%sbit %u", len ? ", " : "", i);
		else
			len += (size_t)snprintf(buf + len, n - len, "%sbits %u:%u", len ? ", " : "", j, i);
		left &= ~((j >= 63 ? UINT64_MAX : ((uint64_t)1 << (j + 1)) - 1) & ~(((uint64_t)1 << i) - 1));
		i = j;
	}
}

/* --- structure ------------------------------------------------------------------ */

static void diff_function(struct dctx *c)
{
	const struct vpci_abi *a = c->s[0].abi, *b = c->s[1].abi;
	/* the model keeps no position of these keys: the files are named */
	struct vpci_diff_side fpos[2] = { side_pos(c->s[0].f, -1, 0), side_pos(c->s[1].f, -1, 0) };

	if (a->size != b->size) {
		struct dentry *e = add(c, VPCI_DIFF_FUNCTION, true, "function", NULL, "config-size", fpos[0], fpos[1],
				       "config size %u -> %u", a->size, b->size);
		if (e)
			e->pub.a = a->size, e->pub.b = b->size;
		c->func_diff = 1;
	}
	if (a->kind != b->kind) {
		struct dentry *e = add(c, VPCI_DIFF_FUNCTION, true, "function", NULL, "kind", fpos[0], fpos[1],
				       "header kind %s -> %s", vpci_kind_name((enum vpci_kind)a->kind), vpci_kind_name((enum vpci_kind)b->kind));
		if (e)
			e->pub.a = a->kind, e->pub.b = b->kind;
		c->func_diff = 1;
	}
	if (a->multifunction != b->multifunction) {
		struct dentry *e = add(c, VPCI_DIFF_FUNCTION, true, "function", NULL, "multifunction", fpos[0], fpos[1],
				       "multi-function %s -> %s", a->multifunction ? "true" : "false",
				       b->multifunction ? "true" : "false");
		if (e)
			e->pub.a = a->multifunction, e->pub.b = b->multifunction;
		c->func_diff = 1;
	}
}

/* Identity of a capability beyond its ID: the vendor keys of vendor-specific
 * extended capabilities (VSEC ID and revision; DVSEC vendor and ID). */
static uint32_t cap_subkey(const struct vpci_abi *a, const struct abi_cap *cp)
{
	const uint8_t *v = a->arr[0];

	if (!cp->ext || cp->off + 12u > a->size)
		return 0;
	if (cp->id == 0x000b)
		return le16(v + cp->off + 4);
	if (cp->id == 0x0023)
		return le16(v + cp->off + 4) | (uint32_t)le16(v + cp->off + 8) << 16;
	return 0;
}

static int same_identity(const struct vpci_abi *a, unsigned i, const struct vpci_abi *b, unsigned j)
{
	const struct abi_cap *x = &a->caps[i], *y = &b->caps[j];

	return x->ext == y->ext && x->id == y->id && cap_subkey(a, x) == cap_subkey(b, y);
}

/* The occurrence number of capability @i among those of its identity. */
static unsigned occurrence(const struct vpci_abi *a, unsigned i)
{
	unsigned k = 0;

	for (unsigned j = 0; j < i; j++)
		k += same_identity(a, j, a, i);
	return k;
}

static int pair_caps(struct dctx *c)
{
	const struct vpci_abi *a = c->s[0].abi, *b = c->s[1].abi;

	c->pair[0] = malloc((a->ncaps + 1) * sizeof(int));
	c->pair[1] = malloc((b->ncaps + 1) * sizeof(int));
	if (!c->pair[0] || !c->pair[1])
		return VPCI_ENOMEM;
	for (unsigned j = 0; j < b->ncaps; j++)
		c->pair[1][j] = -1;
	for (unsigned i = 0; i < a->ncaps; i++) {
		unsigned k = occurrence(a, i);
		c->pair[0][i] = -1;
		for (unsigned j = 0; j < b->ncaps; j++) {
			if (c->pair[1][j] < 0 && same_identity(a, i, b, j) && occurrence(b, j) == k) {
				c->pair[0][i] = (int)j;
				c->pair[1][j] = (int)i;
				break;
			}
		}
	}
	return 0;
}

static unsigned count_key(const struct vpci_abi *a, const char *key)
{
	unsigned n = 0;

	for (unsigned i = 0; i < a->ncaps; i++)
		n += !strcmp(cap_key(&a->caps[i]), key);
	return n;
}

/* " v2" for an extended capability, "" else */
static const char *ver(const struct abi_cap *cp, char b[8])
{
	b[0] = '\0';
	if (cp->ext)
		snprintf(b, 8, " v%u", cp->version & 0xfu);
	return b;
}

static void diff_caps(struct dctx *c)
{
	const struct vpci_abi *a = c->s[0].abi, *b = c->s[1].abi;
	const struct vpci_func *fa = c->s[0].f, *fb = c->s[1].f;
	char da[160], vb[8];

	for (unsigned i = 0; i < a->ncaps; i++) {
		const struct abi_cap *x = &a->caps[i];
		struct vpci_diff_side pa = side_pos(fa, -1, cap_loc(fa, (int)i));
		pa.offset = x->off;
		cap_desc(x, da, sizeof(da));
		int j = c->pair[0][i];
		if (j < 0) {
			add(c, VPCI_DIFF_CAP_REMOVED, true, cap_key(x), NULL, "capability", pa, side_pos(fb, -1, 0),
			    "capability removed: %s%s at 0x%x", da, ver(x, vb), x->off);
			c->caps_diff = 1;
			continue;
		}
		const struct abi_cap *y = &b->caps[j];
		struct vpci_diff_side pb = side_pos(fb, -1, cap_loc(fb, j));
		pb.offset = y->off;
		if (x->off != y->off) {
			struct dentry *e = add(c, VPCI_DIFF_CAP_MOVED, true, cap_key(x), NULL, "offset", pa, pb,
					       "capability moved: %s 0x%x -> 0x%x", da, x->off, y->off);
			if (e)
				e->pub.a = x->off, e->pub.b = y->off;
			c->caps_diff = 1;
		}
		if (x->version != y->version) {
			struct dentry *e = add(c, VPCI_DIFF_CAP_VERSION, true, cap_key(x), NULL, "version", pa, pb,
					       "capability version: %s at 0x%x: v%u -> v%u", da, x->off, x->version,
					       y->version);
			if (e)
				e->pub.a = x->version, e->pub.b = y->version;
			c->caps_diff = 1;
		}
	}
	for (unsigned j = 0; j < b->ncaps; j++) {
		if (c->pair[1][j] >= 0)
			continue;
		const struct abi_cap *y = &b->caps[j];
		struct vpci_diff_side pb = side_pos(fb, -1, cap_loc(fb, (int)j));
		pb.offset = y->off;
		cap_desc(y, da, sizeof(da));
		add(c, VPCI_DIFF_CAP_ADDED, true, cap_key(y), NULL, "capability", side_pos(fa, -1, 0), pb,
		    "capability added: %s%s at 0x%x", da, ver(y, vb), y->off);
		c->caps_diff = 1;
	}
	/* chain order of the paired capabilities (each list on its own) */
	for (int ext = 0; ext <= 1; ext++) {
		int last = -1, changed = 0;
		for (unsigned i = 0; i < a->ncaps; i++) {
			if (a->caps[i].ext != ext || c->pair[0][i] < 0)
				continue;
			if (c->pair[0][i] < last)
				changed = 1;
			last = c->pair[0][i];
		}
		if (!changed)
			continue;
		char oa[400] = "", ob[400] = "";
		size_t la = 0, lb = 0;
		for (unsigned i = 0; i < a->ncaps; i++)
			if (a->caps[i].ext == ext && c->pair[0][i] >= 0 && la < sizeof(oa))
				la += (size_t)snprintf(oa + la, sizeof(oa) - la, "%s%s@0x%x", la ? " " : "",
						       cap_key(&a->caps[i]), a->caps[i].off);
		for (unsigned j = 0; j < b->ncaps; j++)
			if (b->caps[j].ext == ext && c->pair[1][j] >= 0 && lb < sizeof(ob))
				lb += (size_t)snprintf(ob + lb, sizeof(ob) - lb, "%s%s@0x%x", lb ? " " : "",
						       cap_key(&b->caps[j]), b->caps[j].off);
		/* placed at each side's first capability of that list */
		struct vpci_diff_side pa = side_pos(c->s[0].f, -1, 0), pb = side_pos(c->s[1].f, -1, 0);
		for (unsigned i = 0; i < a->ncaps; i++)
			if (a->caps[i].ext == ext) {
				pa = side_pos(c->s[0].f, -1, cap_loc(c->s[0].f, (int)i));
				break;
			}
		for (unsigned j = 0; j < b->ncaps; j++)
			if (b->caps[j].ext == ext) {
				pb = side_pos(c->s[1].f, -1, cap_loc(c->s[1].f, (int)j));
				break;
			}
		add(c, VPCI_DIFF_CAP_ORDER, true, ext ? "extended-capabilities" : "capabilities", NULL, "order",
		    pa, pb, "%s chain order: %s -> %s", ext ? "extended capability" : "capability", oa, ob);
		c->caps_diff = 1;
	}
}

static void bar_desc(const struct abi_bar *b, char *buf, size_t n)
{
	char sz[32];

	if (b->type == VPCI_BAR_NONE) {
		snprintf(buf, n, "not implemented");
		return;
	}
	size_str(b->size, sz, sizeof(sz));
	snprintf(buf, n, "%s%s %s", vpci_bar_type_name((enum vpci_bar_type)b->type), b->pref ? " prefetchable" : "", sz);
}

static void diff_bars(struct dctx *c)
{
	const struct vpci_func *fa = c->s[0].f, *fb = c->s[1].f;

	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		const struct abi_bar *x = &c->s[0].abi->bar[i], *y = &c->s[1].abi->bar[i];
		if (x->type == y->type && x->pref == y->pref && x->size == y->size)
			continue;
		char da[64], db[64];
		bar_desc(x, da, sizeof(da));
		bar_desc(y, db, sizeof(db));
		struct vpci_diff_side pa = side_pos(fa, -1, fa->bar[i].loc_size ? fa->bar[i].loc_size : fa->bar[i].loc);
		struct vpci_diff_side pb = side_pos(fb, -1, fb->bar[i].loc_size ? fb->bar[i].loc_size : fb->bar[i].loc);
		pa.offset = (int)func_bar_off(fa, i);
		pb.offset = (int)func_bar_off(fb, i);
		const char *what = x->type != y->type ? "type" : x->pref != y->pref ? "prefetchable" : "size";
		struct dentry *e;
		if (i == ROM_INDEX)
			e = add(c, VPCI_DIFF_BAR, true, "expansion-rom", NULL, what, pa, pb, "expansion ROM: %s -> %s",
				da, db);
		else
			e = add(c, VPCI_DIFF_BAR, true, "bars", NULL, what, pa, pb, "BAR %u: %s -> %s", i, da, db);
		if (e) {
			e->pub.a = x->size;
			e->pub.b = y->size;
		}
		c->bar_diff[i] = 1;
	}
}

/* --- registers ----------------------------------------------------------------- */

/* One register (or byte run) of one side: where it is, in config offsets. */
struct reg {
	unsigned off;
	const struct vpci_fdesc *fd; /* NULL for raw bytes */
};

static uint64_t arr_get(const uint8_t *arr, unsigned off, unsigned width)
{
	return le_get64(arr + off, width);
}

/* Is the register at @off of side @s a managed register a structure
 * difference already explains? */
static int explained(const struct dctx *c, int s, const struct region *r, const struct reg *g)
{
	if (!g->fd || !(g->fd->flags & FD_MANAGED))
		return 0;
	if (r->cap[s] >= 0) /* a capability's header: ID, version, next */
		return c->caps_diff;
	const struct vpci_func *f = c->s[s].f;
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		/* a 64-bit BAR on either side: its upper half too */
		int wide = c->s[0].abi->bar[i].type == VPCI_BAR_MEM64 || c->s[1].abi->bar[i].type == VPCI_BAR_MEM64;
		unsigned bo = func_bar_off(f, i);
		if (c->bar_diff[i] && g->off >= bo && g->off < bo + (wide ? 8u : 4u))
			return 1;
	}
	if (g->off == 0x0e)
		return c->func_diff;
	if (g->off == 0x34)
		return c->caps_diff;
	return 0;
}

static const char *const arr_what[ABI_NARR] = { "value", "rw", "rw1c", "sticky", "device" };
static const char *const arr_label[ABI_NARR] = {
	"read-only bits", "writable (RW) bits", "write-1-to-clear (RW1C) bits", "sticky bits", "device-backed bits"
};

static void reg_name(const struct region *r, const char *field, unsigned off_a, unsigned off_b, unsigned width,
		     char *buf, size_t n)
{
	if (field) {
		snprintf(buf, n, "%s.%s", r->name, field);
		return;
	}
	unsigned o = off_a != -1u ? off_a : off_b;
	if (width > 1)
		snprintf(buf, n, "%s bytes 0x%x-0x%x", r->name, o, o + width - 1);
	else
		snprintf(buf, n, "%s byte 0x%x", r->name, o);
}

static void value_entry(struct dctx *c, const struct region *r, const char *field, const struct vpci_fdesc *fd,
			enum vpci_diff_kind kind, bool abi, const char *what, const char *label, const char *why,
			unsigned oa, unsigned ob, unsigned width, uint64_t va, uint64_t vb, uint64_t bits)
{
	char name[160], bs[200] = "", nb[190] = "";
	int digits = (int)(2 * width);

	reg_name(r, field, oa, ob, width, name, sizeof(name));
	/* named bits where the register has names; the values say the rest */
	if (fd && fd->bits)
		bits_str(fd, bits, width, nb, sizeof(nb));
	if (nb[0])
		snprintf(bs, sizeof(bs), " (%s)", nb);
	struct vpci_diff_side pa = side_pos(c->s[0].f, (int)oa, cap_loc(c->s[0].f, r->cap[0]));
	struct vpci_diff_side pb = side_pos(c->s[1].f, (int)ob, cap_loc(c->s[1].f, r->cap[1]));
	struct dentry *e = add(c, kind, abi, r->key, field, what, pa, pb, "%s: %s 0x%0*" PRIx64 " -> 0x%0*" PRIx64
			       "%s%s", name, label, digits, va, digits, vb, bs, why);
	if (!e)
		return;
	e->pub.width = width;
	e->pub.a = va;
	e->pub.b = vb;
	e->pub.bits = bits;
	if (abi && c->nign && waived(c, r, field))
		e->pub.waived = true;
}

/* Compare @width bytes at @oa in A with @ob in B (@width <= 8). */
static void compare_bytes(struct dctx *c, const struct region *r, const char *field, const struct vpci_fdesc *fd,
			  unsigned oa, unsigned ob, unsigned width)
{
	const struct vpci_abi *a = c->s[0].abi, *b = c->s[1].abi;
	uint64_t wm = width_mask(width);

	for (unsigned k = 0; k < ABI_NARR; k++) {
		uint64_t va = arr_get(a->arr[k], oa, width), vb = arr_get(b->arr[k], ob, width);
		uint64_t bits = (va ^ vb) & wm;
		if (k == 0) {
			/* a bit one side lets the guest change shows as a
			 * plane difference; its value here would repeat it */
			uint64_t chg = arr_get(a->arr[1], oa, width) | arr_get(a->arr[2], oa, width) |
				       arr_get(a->arr[4], oa, width) | arr_get(b->arr[1], ob, width) |
				       arr_get(b->arr[2], ob, width) | arr_get(b->arr[4], ob, width);
			bits &= ~chg;
		}
		if (bits)
			value_entry(c, r, field, fd, k ? VPCI_DIFF_PLANE : VPCI_DIFF_VALUE, true, arr_what[k],
				    arr_label[k], "", oa, ob, width, va, vb, bits);
	}
	if (side_abi(c))
		return;
	/* what is not ABI: reset values of bits the guest can change, the
	 * labels that read like RO, and planes the ABI masks */
	const struct vpci_func *fa = c->s[0].f, *fb = c->s[1].f;
	uint64_t xa = le_get64(fa->val + oa, width), xb = le_get64(fb->val + ob, width);
	uint64_t chg = 0;
	for (int p = VPCI_PL_RW; p <= VPCI_PL_RW1C; p++)
		chg |= func_plane_get(fa, p, oa, width) | func_plane_get(fb, p, ob, width);
	chg |= arr_get(a->arr[4], oa, width) | arr_get(b->arr[4], ob, width);
	if ((xa ^ xb) & chg & wm)
		value_entry(c, r, field, fd, VPCI_DIFF_VALUE, false, "reset value",
			    "reset value of bits the guest can change or the device backs",
			    " (not guest ABI: the live value is migrated state)", oa, ob, width, xa & chg, xb & chg,
			    (xa ^ xb) & chg & wm);
	static const struct {
		int plane;
		const char *what, *label, *why;
	} labels[] = {
		{ VPCI_PL_HWINIT, "hwinit", "HwInit bits", " (not guest ABI: read-only either way)" },
		{ VPCI_PL_RSVDP, "rsvdp", "RsvdP bits", " (not guest ABI: read-only either way)" },
		{ VPCI_PL_RSVDZ, "rsvdz", "RsvdZ bits", " (not guest ABI: read 0 either way; the values say it)" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
		uint64_t pa = func_plane_get(fa, labels[i].plane, oa, width);
		uint64_t pb = func_plane_get(fb, labels[i].plane, ob, width);
		if ((pa ^ pb) & wm)
			value_entry(c, r, field, fd, VPCI_DIFF_PLANE, false, labels[i].what, labels[i].label,
				    labels[i].why, oa, ob, width, pa, pb, (pa ^ pb) & wm);
	}
	/* sticky on bits the guest cannot change, device on RsvdZ bits */
	uint64_t sa = func_plane_get(fa, VPCI_PL_STICKY, oa, width), sb = func_plane_get(fb, VPCI_PL_STICKY, ob, width);
	uint64_t sm = (sa ^ sb) & ~(arr_get(a->arr[3], oa, width) ^ arr_get(b->arr[3], ob, width)) & wm;
	if (sm)
		value_entry(c, r, field, fd, VPCI_DIFF_PLANE, false, "sticky", "sticky bits",
			    " (not guest ABI: on bits the guest cannot change, or device-backed)", oa, ob, width, sa, sb,
			    sm);
	uint64_t ea = func_plane_get(fa, VPCI_PL_DEVICE, oa, width), eb = func_plane_get(fb, VPCI_PL_DEVICE, ob, width);
	uint64_t em = (ea ^ eb) & ~(arr_get(a->arr[4], oa, width) ^ arr_get(b->arr[4], ob, width)) & wm;
	if (em)
		value_entry(c, r, field, fd, VPCI_DIFF_PLANE, false, "device", "device-backed bits",
			    " (not guest ABI: RsvdZ bits read 0 whatever backs them)", oa, ob, width, ea, eb, em);
}

/* The registers of a region on one side, by name. */
struct fieldlist {
	struct freg {
		char name[48];
		unsigned off;
		const struct vpci_fdesc *fd;
	} *v;
	unsigned n, cap;
	int nomem;
};

static int collect_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct fieldlist *l = ctx;

	(void)f;
	if (l->n == l->cap) {
		unsigned n = l->cap ? l->cap * 2 : 32;
		struct freg *v = realloc(l->v, n * sizeof(*v));
		if (!v) {
			l->nomem = 1;
			return 1;
		}
		l->v = v;
		l->cap = n;
	}
	struct freg *g = &l->v[l->n++];
	snprintf(g->name, sizeof(g->name), "%s", r->name);
	g->off = r->off;
	g->fd = r->fd;
	return 0;
}

static int collect(const struct vpci_func *f, int cap, struct fieldlist *l)
{
	memset(l, 0, sizeof(*l));
	if (cap < 0 && f->kind == VPCI_KIND_CARDBUS)
		return 0;
	func_foreach_cap_field(f, cap, collect_cb, l);
	return l->nomem ? VPCI_ENOMEM : 0;
}

/* Bytes [@off, @off + @len) of a region marked as compared (bit per byte). */
static void mark(uint8_t *m, unsigned off, unsigned len)
{
	for (unsigned i = 0; i < len && off + i < VPCI_CFG_SIZE; i++)
		m[(off + i) / 8] |= (uint8_t)(1u << ((off + i) % 8));
}

static int marked(const uint8_t *m, unsigned off)
{
	return off < VPCI_CFG_SIZE && (m[off / 8] >> (off % 8) & 1);
}

/* Does anything diff reports differ in byte @oa of A and @ob of B? */
static int byte_differs(const struct dctx *c, unsigned oa, unsigned ob)
{
	for (unsigned k = 0; k < ABI_NARR; k++)
		if (c->s[0].abi->arr[k][oa] != c->s[1].abi->arr[k][ob])
			return 1;
	if (side_abi(c))
		return 0;
	if (c->s[0].f->val[oa] != c->s[1].f->val[ob])
		return 1;
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		if (c->s[0].f->pl[p][oa] != c->s[1].f->pl[p][ob])
			return 1;
	return 0;
}

/* Bytes [0, @len) of the region that no register covered: runs of
 * differing bytes, at most 8 long. */
static void compare_rest(struct dctx *c, const struct region *r, const uint8_t *ma, const uint8_t *mb, unsigned len)
{
	unsigned ba = r->base[0], bb = r->base[1];

	for (unsigned i = 0; i < len;) {
		if (marked(ma, ba + i) || marked(mb, bb + i) || !byte_differs(c, ba + i, bb + i)) {
			i++;
			continue;
		}
		unsigned n = 1;
		while (n < 8 && i + n < len && !marked(ma, ba + i + n) && !marked(mb, bb + i + n) &&
		       byte_differs(c, ba + i + n, bb + i + n))
			n++;
		compare_bytes(c, r, NULL, NULL, ba + i, bb + i, n);
		i += n;
	}
}

static int compare_region(struct dctx *c, struct region *r, unsigned len_a, unsigned len_b, uint8_t *ma,
			  uint8_t *mb)
{
	struct fieldlist la, lb;
	int rc = 0;

	if ((rc = collect(c->s[0].f, r->cap[0], &la)) || (rc = collect(c->s[1].f, r->cap[1], &lb)))
		goto out;
	/* A's registers in order, each with B's of the same name */
	for (unsigned i = 0; i < la.n; i++) {
		const struct freg *x = &la.v[i], *y = NULL;
		for (unsigned j = 0; j < lb.n && !y; j++)
			if (!strcmp(lb.v[j].name, x->name))
				y = &lb.v[j];
		mark(ma, x->off, x->fd->width);
		struct reg gx = { x->off, x->fd };
		if (!y) {
			struct vpci_diff_side pa = side_pos(c->s[0].f, (int)x->off, cap_loc(c->s[0].f, r->cap[0]));
			if (!explained(c, 0, r, &gx))
				add(c, VPCI_DIFF_FIELD_REMOVED, false, r->key, x->name, "layout", pa, nopos,
				    "%s.%s: register at 0x%x only in A's layout", r->name, x->name, x->off);
			continue;
		}
		mark(mb, y->off, y->fd->width);
		struct reg gy = { y->off, y->fd };
		if (explained(c, 0, r, &gx) || explained(c, 1, r, &gy))
			continue;
		compare_bytes(c, r, x->name, x->fd, x->off, y->off, x->fd->width);
	}
	for (unsigned j = 0; j < lb.n; j++) {
		const struct freg *y = &lb.v[j];
		int found = 0;
		for (unsigned i = 0; i < la.n && !found; i++)
			found = !strcmp(la.v[i].name, y->name);
		if (found)
			continue;
		mark(mb, y->off, y->fd->width);
		struct reg gy = { y->off, y->fd };
		struct vpci_diff_side pb = side_pos(c->s[1].f, (int)y->off, cap_loc(c->s[1].f, r->cap[1]));
		if (!explained(c, 1, r, &gy))
			add(c, VPCI_DIFF_FIELD_ADDED, false, r->key, y->name, "layout", nopos, pb,
			    "%s.%s: register at 0x%x only in B's layout", r->name, y->name, y->off);
	}
	compare_rest(c, r, ma, mb, MIN(len_a, len_b));
	mark(ma, r->base[0], len_a);
	mark(mb, r->base[1], len_b);
out:
	free(la.v);
	free(lb.v);
	return rc;
}

static void region_name(struct region *r, const struct vpci_abi *a, const struct abi_cap *cp)
{
	r->key = cap_key(cp);
	if (count_key(a, r->key) > 1)
		snprintf(r->name, sizeof(r->name), "%s@0x%x", r->key, cp->off);
	else
		snprintf(r->name, sizeof(r->name), "%s", r->key);
}

static int diff_registers(struct dctx *c)
{
	const struct vpci_func *fa = c->s[0].f, *fb = c->s[1].f;
	const struct vpci_abi *a = c->s[0].abi;
	uint8_t ma[VPCI_CFG_SIZE / 8] = { 0 }, mb[VPCI_CFG_SIZE / 8] = { 0 };
	struct region r;
	int rc;

	/* every capability's bytes are its own: mark them, then compare
	 * paired ones with each other */
	for (unsigned i = 0; i < fa->ncaps; i++)
		mark(ma, fa->caps[i].off, cap_extent(&fa->caps[i]));
	for (unsigned j = 0; j < fb->ncaps; j++)
		mark(mb, fb->caps[j].off, cap_extent(&fb->caps[j]));

	memset(&r, 0, sizeof(r));
	r.key = "header";
	snprintf(r.name, sizeof(r.name), "header");
	r.cap[0] = r.cap[1] = -1;
	unsigned hl = fa->kind == VPCI_KIND_CARDBUS || fb->kind == VPCI_KIND_CARDBUS ? 0 : 0x40;
	if (hl && (rc = compare_region(c, &r, hl, hl, ma, mb)))
		return rc;
	for (unsigned i = 0; i < fa->ncaps; i++) {
		int j = c->pair[0][i];
		if (j < 0)
			continue;
		uint8_t xa[VPCI_CFG_SIZE / 8] = { 0 }, xb[VPCI_CFG_SIZE / 8] = { 0 };
		region_name(&r, a, &a->caps[i]);
		r.cap[0] = (int)i;
		r.cap[1] = j;
		r.base[0] = fa->caps[i].off;
		r.base[1] = fb->caps[j].off;
		if ((rc = compare_region(c, &r, cap_extent(&fa->caps[i]), cap_extent(&fb->caps[j]), xa, xb)))
			return rc;
	}
	/* bytes outside the header and every capability of either side */
	memset(&r, 0, sizeof(r));
	r.key = "raw";
	snprintf(r.name, sizeof(r.name), "raw");
	r.cap[0] = r.cap[1] = -1;
	for (unsigned i = 0; i < sizeof(ma); i++)
		ma[i] |= mb[i];
	compare_rest(c, &r, ma, ma, MIN(fa->size, fb->size));
	return 0;
}

/* --- metadata ------------------------------------------------------------------- */

static int same_str(const char *x, const char *y)
{
	return !strcmp(x ? x : "", y ? y : "");
}

static void diff_meta(struct dctx *c)
{
	const struct vpci_func *fa = c->s[0].f, *fb = c->s[1].f;

	if (side_abi(c))
		return;
	if (!same_str(fa->name, fb->name))
		add(c, VPCI_DIFF_META, false, "meta", NULL, "name", side_pos(fa, -1, 0), side_pos(fb, -1, 0), "name '%s' -> '%s' (not guest ABI)",
		    fa->name ? fa->name : "", fb->name ? fb->name : "");
	if (!same_str(fa->description, fb->description))
		add(c, VPCI_DIFF_META, false, "meta", NULL, "description", side_pos(fa, -1, 0), side_pos(fb, -1, 0),
		    "description differs (not guest ABI)");
	int same = fa->norigin == fb->norigin;
	for (unsigned i = 0; same && i < fa->norigin; i++)
		same = same_str(fa->origin[i].key, fb->origin[i].key) && same_str(fa->origin[i].value, fb->origin[i].value);
	if (!same)
		add(c, VPCI_DIFF_META, false, "meta", NULL, "origin", side_pos(fa, -1, 0), side_pos(fb, -1, 0), "origin differs (not guest ABI)");
	same = fa->nfree == fb->nfree;
	for (unsigned i = 0; same && i < fa->nfree; i++)
		same = fa->free[i].off == fb->free[i].off && fa->free[i].len == fb->free[i].len;
	if (!same)
		add(c, VPCI_DIFF_META, false, "meta", NULL, "free-ranges", side_pos(fa, -1, 0), side_pos(fb, -1, 0),
		    "free ranges differ (not guest ABI: they read 0 until something is placed there)");
}

/* --- entry points --------------------------------------------------------------- */

static int run(const vpci_func *a, const vpci_func *b, const vpci_abi *aa, const vpci_abi *ab, unsigned flags,
	       const struct vpci_compat_opts *opts, vpci_diff **out, vpci_diag *d)
{
	struct dctx c;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	*out = NULL;
	c.flags = flags;
	c.s[0].f = a;
	c.s[1].f = b;
	c.s[0].abi = aa;
	c.s[1].abi = ab;
	for (const char *const *p = opts && opts->ignore ? opts->ignore : NULL; p && *p; p++)
		c.nign++;
	if (c.nign && !(c.ign = calloc(c.nign, sizeof(*c.ign))))
		return VPCI_ENOMEM;
	for (size_t i = 0; i < c.nign; i++) {
		int r = parse_ignore(opts->ignore[i], &c.ign[i], d);
		if (r && !rc)
			rc = r;
	}
	if (rc)
		goto out;
	if (!(c.out = calloc(1, sizeof(*c.out))) || pair_caps(&c)) {
		rc = VPCI_ENOMEM;
		goto out;
	}
	diff_function(&c);
	diff_caps(&c);
	diff_bars(&c);
	if ((rc = diff_registers(&c)))
		goto out;
	diff_meta(&c);
	if (vpci_abi_hash(aa) != vpci_abi_hash(ab) && !c.abi_entries)
		add(&c, VPCI_DIFF_HASH, true, "function", NULL, "hash", nopos, nopos,
		    "guest ABI hash 0x%016" PRIx64 " -> 0x%016" PRIx64 " (the encodings differ where no register says)",
		    vpci_abi_hash(aa), vpci_abi_hash(ab));
	if (c.nomem) {
		rc = VPCI_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.out->n; i++) {
		struct dentry *e = &c.out->e[i];
		e->pub.region = e->region;
		e->pub.field = e->field[0] ? e->field : NULL;
		e->pub.message = e->msg;
		if (e->pub.abi && !e->pub.waived)
			c.out->blockers++;
	}
	*out = c.out;
	c.out = NULL;
out:
	vpci_diff_free(c.out);
	free(c.pair[0]);
	free(c.pair[1]);
	free(c.ign);
	return rc;
}

VPCI_EXPORT int vpci_diff_new(const vpci_func *a, const vpci_func *b, unsigned flags,
			      const struct vpci_compat_opts *opts, vpci_diff **out, vpci_diag *d)
{
	vpci_abi *aa = NULL, *ab = NULL;
	int rc;

	*out = NULL;
	if ((rc = vpci_abi_new(a, &aa)) || (rc = vpci_abi_new(b, &ab)))
		goto out;
	rc = run(a, b, aa, ab, flags, opts, out, d);
out:
	vpci_abi_free(aa);
	vpci_abi_free(ab);
	return rc;
}

VPCI_EXPORT int vpci_compat(const vpci_func *src, const vpci_func *dst, const struct vpci_compat_opts *opts,
			    vpci_diff **out, vpci_diag *d)
{
	vpci_diff *l = NULL;
	int rc = vpci_diff_new(src, dst, VPCI_DIFF_ABI_ONLY, opts, &l, d);

	if (out)
		*out = NULL;
	if (rc)
		return rc;
	rc = vpci_diff_blockers(l) ? VPCI_EDATA : 0;
	if (out)
		*out = l;
	else
		vpci_diff_free(l);
	return rc;
}
