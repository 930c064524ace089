/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse.c - reader of the vPCI instance format v1 (docs/format.md)
 *
 * libfyaml builds the YAML 1.2 tree (syntax errors and duplicate keys are
 * its job); this file walks the tree against the format, builds the model
 * and reports every problem with the line and column of its node.  The
 * model is then checked by vpci_validate().
 *
 * Order of construction (so that raw bytes can override anything):
 *   header and capability field values -> structure (chain, BAR types)
 *   -> default planes from the capability table -> per-field plane
 *   overrides -> raw regions -> lengths.
 */
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_priv.h"
#include "yamlu.h"

/* A field whose planes the file overrides, applied after the defaults. */
struct override {
	struct fy_node *node;  /* the field's mapping value, or NULL */
	unsigned off, width;
	int dev_all;           /* capability-level "backing: device" */
	char path[96];
};

struct pctx {
	struct vpci_func *f;
	vpci_diag *d;
	const char *file;
	unsigned errors;
	int status_given;
	struct override *ov;
	unsigned nov, aov;
	struct fy_node *raw;   /* the raw: sequence */
	int fatal;             /* stopped before building a function */
	struct fy_node *nullkey; /* key of the last empty value looked up */
};

/* --- positions and messages -------------------------------------------- */

static struct diag_pos npos(struct pctx *c, struct fy_node *n, const char *field)
{
	struct diag_pos p = DIAG_NOPOS;
	struct fy_mark m = yamlu_mark(n);

	if (m.line < 0) /* an empty value has no token: point at its key */
		m = yamlu_mark(c->nullkey);

	p.file = c->file;
	p.field = field;
	if (m.line >= 0) {
		p.line = (unsigned)m.line + 1;
		p.column = (unsigned)m.column + 1;
	}
	return p;
}

PRINTF(4, 5)
static void perr(struct pctx *c, struct fy_node *n, const char *field, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->errors++;
	diag_add(c->d, VPCI_SEV_ERROR, VPCI_EDATA, npos(c, n, field), "%s", msg);
}

static uint32_t nloc(struct pctx *c, struct fy_node *n)
{
	struct fy_mark m = yamlu_mark(n);

	if (m.line < 0)
		return 0;
	return func_add_loc(c->f, (uint32_t)m.line + 1, (uint32_t)m.column + 1);
}

static void mark_bytes(struct pctx *c, unsigned off, unsigned width, uint32_t loc)
{
	for (unsigned i = 0; i < width && off + i < VPCI_CFG_SIZE; i++)
		c->f->byteloc[off + i] = loc;
}

/* --- did you mean ------------------------------------------------------ */

static unsigned edit_distance(const char *a, const char *b)
{
	unsigned la = (unsigned)strlen(a), lb = (unsigned)strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = i;
		for (unsigned j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned sub = prev + (a[i - 1] != b[j - 1]);
			unsigned v = MIN(MIN(row[j] + 1, row[j - 1] + 1), sub);
			row[j] = v;
			prev = cur;
		}
	}
	return row[lb];
}

/* Best candidate within a small distance, or NULL. */
static const char *closest(const char *word, const char *const *cands, unsigned n)
{
	const char *best = NULL;
	unsigned bestd = 99, lim = (unsigned)strlen(word) / 3 + 1;

	for (unsigned i = 0; i < n; i++) {
		char a[64], b[64];
		size_t k;
		for (k = 0; word[k] && k < 63; k++)
			a[k] = (char)tolower((unsigned char)word[k]);
		a[k] = 0;
		for (k = 0; cands[i][k] && k < 63; k++)
			b[k] = (char)tolower((unsigned char)cands[i][k]);
		b[k] = 0;
		unsigned d = edit_distance(a, b);
		if (!strcmp(a, b))
			d = 0;
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= lim ? best : NULL;
}

static void unknown_key(struct pctx *c, struct fy_node *k, const char *where,
			const char *key, const char *const *cands, unsigned n)
{
	const char *s = closest(key, cands, n);

	if (s)
		perr(c, k, NULL, "unknown key '%s' in %s (did you mean '%s'?)", key, where, s);
	else
		perr(c, k, NULL, "unknown key '%s' in %s", key, where);
}

/* --- scalar helpers ---------------------------------------------------- */

static const char *scalar(struct pctx *c, struct fy_node *n, const char *what, size_t *len)
{
	if (n && fy_node_is_alias(n)) {
		perr(c, n, NULL, "%s: YAML aliases (*name) are not supported; write the value", what);
		return NULL;
	}
	if (!n || fy_node_get_type(n) != FYNT_SCALAR) {
		perr(c, n, NULL, "%s must be a scalar", what);
		return NULL;
	}
	return fy_node_get_scalar(n, len);
}

static void key_str(struct fy_node *k, char *buf, size_t n)
{
	size_t len = 0;
	const char *t = k ? fy_node_get_scalar(k, &len) : NULL;

	if (!t)
		t = "";
	snprintf(buf, n, "%.*s", (int)MIN(len, n - 1), t);
}

int text_parse_uint(const char *s, size_t len, uint64_t *out)
{
	char buf[40], *end;
	int base = 10;
	const char *p;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	p = buf;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p[1] == 'o') {
		base = 8;
		p += 2;
	} else if (p[0] == '0' && p[1] == 'b') {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		for (const char *q = p; *q; q++)
			if (!isdigit((unsigned char)*q))
				return -1;
		return -2; /* leading zero: octal in YAML 1.1, decimal in 1.2 */
	}
	if (!isxdigit((unsigned char)p[0]))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(p, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int text_parse_size(const char *s, size_t len, uint64_t *out)
{
	static const struct { const char *suf; unsigned shift; } sfx[] = {
		{ "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 },
		{ "K", 10 }, { "M", 20 }, { "G", 30 }, { "T", 40 }, { "B", 0 },
	};
	uint64_t v;

	if (text_parse_uint(s, len, &v) == 0) {
		*out = v;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		size_t sl = strlen(sfx[i].suf);
		if (len > sl && memcmp(s + len - sl, sfx[i].suf, sl) == 0) {
			if (text_parse_uint(s, len - sl, &v) || (sfx[i].shift && v >> (64 - sfx[i].shift)))
				return -1;
			*out = v << sfx[i].shift;
			return 0;
		}
	}
	return -1;
}

void text_format_size(uint64_t size, char *buf, unsigned n)
{
	static const char *const suf[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = -1;

	while (u < 3 && size >= 1024 && !(size & 1023)) {
		size >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%llu", (unsigned long long)size);
	else
		snprintf(buf, n, "%llu%s", (unsigned long long)size, suf[u]);
}

static int get_uint(struct pctx *c, struct fy_node *n, const char *what, uint64_t max, uint64_t *out)
{
	size_t len;
	const char *s = scalar(c, n, what, &len);
	int rc;

	if (!s)
		return -1;
	rc = text_parse_uint(s, len, out);
	if (rc == -2) {
		perr(c, n, NULL, "%s: '%.*s' has a leading zero; write 0x%.*s for hex or drop the zero",
		     what, (int)len, s, (int)len - 1, s + 1);
		return -1;
	}
	if (rc) {
		perr(c, n, NULL, "%s must be an integer (0x.. hex, 0b.. binary or decimal), not '%.*s'",
		     what, (int)MIN(len, 40), s);
		return -1;
	}
	if (*out > max) {
		perr(c, n, NULL, "%s: value 0x%llx does not fit (maximum 0x%llx)", what,
		     (unsigned long long)*out, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int get_bool(struct pctx *c, struct fy_node *n, const char *what, int *out)
{
	size_t len;
	const char *s = scalar(c, n, what, &len);

	if (!s)
		return -1;
	if (len == 4 && !memcmp(s, "true", 4)) {
		*out = 1;
		return 0;
	}
	if (len == 5 && !memcmp(s, "false", 5)) {
		*out = 0;
		return 0;
	}
	perr(c, n, NULL, "%s must be true or false, not '%.*s'", what, (int)MIN(len, 40), s);
	return -1;
}

static int get_enum(struct pctx *c, struct fy_node *n, const char *what,
		    const char *const *names, unsigned count, unsigned *out)
{
	size_t len;
	const char *s = scalar(c, n, what, &len);
	char buf[64];

	if (!s)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		if (names[i] && strlen(names[i]) == len && !memcmp(names[i], s, len)) {
			*out = i;
			return 0;
		}
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)MIN(len, 60), s);
	const char *cand[16];
	unsigned nc = 0;
	for (unsigned i = 0; i < count && nc < 16; i++)
		if (names[i])
			cand[nc++] = names[i];
	const char *sug = closest(buf, cand, nc);
	if (sug)
		perr(c, n, NULL, "%s: unknown value '%s' (did you mean '%s'?)", what, buf, sug);
	else
		perr(c, n, NULL, "%s: unknown value '%s'", what, buf);
	return -1;
}

static int want_type(struct pctx *c, struct fy_node *n, enum fy_node_type t, const char *what)
{
	static const char *const tn[] = { "a scalar", "a sequence", "a mapping" };

	if (n && fy_node_get_type(n) == t && !fy_node_is_alias(n))
		return 0;
	perr(c, n, NULL, "%s must be %s", what, tn[t]);
	return -1;
}

/* Check a mapping's keys against @allowed; report unknown ones. */
static void check_keys(struct pctx *c, struct fy_node *map, const char *where,
		       const char *const *allowed, unsigned n)
{
	void *it = NULL;
	struct fy_node_pair *p;
	char key[64];

	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		int ok = 0;
		if (!k || fy_node_get_type(k) != FYNT_SCALAR) {
			perr(c, k ? k : map, NULL, "keys in %s must be scalars", where);
			continue;
		}
		key_str(k, key, sizeof(key));
		for (unsigned i = 0; i < n && !ok; i++)
			ok = !strcmp(key, allowed[i]);
		if (!ok)
			unknown_key(c, k, where, key, allowed, n);
	}
}

/* Look up @key; remember the key node when its value is empty so that
 * messages about the missing value point at the key. */
static _Thread_local struct pctx *cur_ctx;
static struct fy_node *get(struct fy_node *map, const char *key)
{
	struct fy_node_pair *p;

	if (!map || fy_node_get_type(map) != FYNT_MAPPING)
		return NULL;
	p = fy_node_mapping_lookup_pair_by_string(map, key, strlen(key));
	if (!p)
		return NULL;
	if (cur_ctx)
		cur_ctx->nullkey = fy_node_pair_key(p);
	return fy_node_pair_value(p);
}

/* --- access planes from the file --------------------------------------- */

const char *const text_bar_types[] = { "none", "io", "mem32", "mem64", "mem1m", NULL };
const char *const text_kinds[] = { "endpoint", "bridge", "cardbus" };

static const char *const acc_names[VPCI_ACC_COUNT] = {
	"RO", "RW", "RW1C", "RsvdP", "RsvdZ", "HwInit", "RWS", "RW1CS", "ROS"
};
static const char *const backing_names[] = { "virtual", "device" };
/* plane keys, indexed by enum vpci_plane */
static const char *const plane_keys[VPCI_PL_COUNT] = {
	"rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device"
};

static const char *const field_keys[] = {
	"value", "access", "backing", "rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device"
};

/* Apply access:/backing:/plane masks of a field mapping to the model. */
static void apply_field_planes(struct pctx *c, struct fy_node *m, unsigned off, unsigned width)
{
	struct vpci_func *f = c->f;
	uint64_t full = width_mask(width), v;
	struct fy_node *n;
	unsigned e;

	if ((n = get(m, "access")) && !get_enum(c, n, "access", acc_names, VPCI_ACC_COUNT, &e)) {
		struct captab_planes pl;
		captab_access_planes((enum vpci_access)e, width, &pl);
		for (int p = 0; p < VPCI_PL_DEVICE; p++)
			func_plane_put(f, p, off, width, pl.pl[p]);
	}
	for (int p = 0; p < VPCI_PL_COUNT; p++) {
		if ((n = get(m, plane_keys[p])) && !get_uint(c, n, plane_keys[p], full, &v))
			func_plane_put(f, p, off, width, v);
	}
	if ((n = get(m, "backing")) && !get_enum(c, n, "backing", backing_names, 2, &e)) {
		if (get(m, "device"))
			perr(c, n, NULL, "give either 'backing' or a 'device' mask, not both");
		else
			func_plane_put(f, VPCI_PL_DEVICE, off, width, e ? full : 0);
	}
}

static void add_override(struct pctx *c, struct fy_node *m, unsigned off, unsigned width,
			 int dev_all)
{
	if (c->nov == c->aov) {
		unsigned cap = c->aov ? c->aov * 2 : 32;
		struct override *o = realloc(c->ov, cap * sizeof(*o));
		if (!o) {
			c->errors++;
			return;
		}
		c->ov = o;
		c->aov = cap;
	}
	struct override *o = &c->ov[c->nov++];
	o->node = m;
	o->off = off;
	o->width = width;
	o->dev_all = dev_all;
}

/* --- fields of the header and of capabilities -------------------------- */

/* Match "bar2-control" against "bar%u-control"; returns instance or -1. */
static int match_name(const char *pat, const char *name)
{
	const char *pc = strstr(pat, "%u");

	if (!pc)
		return strcmp(pat, name) ? -1 : 0;
	size_t pre = (size_t)(pc - pat), post = strlen(pc + 2);
	size_t nl = strlen(name);
	if (nl <= pre + post || strncmp(pat, name, pre) || strcmp(name + nl - post, pc + 2))
		return -1;
	unsigned v = 0;
	for (size_t i = pre; i < nl - post; i++) {
		if (!isdigit((unsigned char)name[i]) || v > 1000)
			return -1;
		v = v * 10 + (unsigned)(name[i] - '0');
	}
	if (nl - post - pre > 1 && name[pre] == '0')
		return -1;
	return (int)v;
}

/* Candidate names for did-you-mean: the first instance of each field. */
static unsigned field_names(const struct vpci_cdesc *cd, const char **out, char (*bufs)[48],
			    unsigned max)
{
	unsigned n = 0;

	for (const struct vpci_fdesc *fd = cd->fields; fd && fd->name && n < max; fd++) {
		if (fd->flags & FD_MANAGED)
			continue;
		captab_field_name(fd, 0, bufs[n], 48);
		int dup = 0;
		for (unsigned i = 0; i < n; i++)
			dup |= !strcmp(out[i], bufs[n]);
		if (!dup) {
			out[n] = bufs[n];
			n++;
		}
	}
	return n;
}

/* Parse the fields: mapping of one capability (or the header).  Two
 * passes: values first (they decide the layout), then the layout tells
 * which registers exist and where the conditional ones live. */
static void parse_fields(struct pctx *c, struct fy_node *map, const struct vpci_cdesc *cd,
			 unsigned capoff, unsigned caplen_hint, const char *where)
{
	struct vpci_func *f = c->f;
	void *it = NULL;
	struct fy_node_pair *p;
	char key[64];

	if (want_type(c, map, FYNT_MAPPING, cd->kind == CK_HDR ? "header" : "fields"))
		return;
	for (int pass = 0; pass < 2; pass++) {
		struct captab_layout lay;
		captab_layout(cd, f->val, capoff, &lay);
		it = NULL;
		while ((p = fy_node_mapping_iterate(map, &it))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			const struct vpci_fdesc *hit = NULL, *any = NULL;
			int inst = -1, conditional = 0;
			key_str(k, key, sizeof(key));
			for (const struct vpci_fdesc *fd = cd->fields; fd && fd->name; fd++) {
				int i = match_name(fd->name, key);
				if (i < 0)
					continue;
				any = fd;
				if (fd->need || fd->excl || fd->rep > RP_FIXED)
					conditional = 1;
				if ((unsigned)i < captab_field_count(fd, &lay) ||
				    (pass == 0 && !fd->need && !fd->excl && fd->rep <= RP_FIXED &&
				     (fd->rep == RP_ONCE ? i == 0 : (unsigned)i < fd->count))) {
					hit = fd;
					inst = i;
					break;
				}
			}
			if (pass == 0 && conditional && !hit)
				continue; /* decided in pass 1 once the layout is known */
			if (pass == 1 && !conditional)
				continue; /* done in pass 0 */
			if (!any) {
				const char *names[96];
				char bufs[96][48];
				unsigned n = field_names(cd, names, bufs, 96);
				char w[96];
				snprintf(w, sizeof(w), "%s fields", where);
				unknown_key(c, k, w, key, names, n);
				continue;
			}
			if (any->flags & FD_MANAGED) {
				perr(c, k, NULL, "'%s' is set by the structure (%s), not as a field", key,
				     cd->kind == CK_HDR ? "kind, bars, expansion-rom and the capability lists"
							: "type, offset, version and list order");
				continue;
			}
			if (!hit) {
				perr(c, k, NULL, "field '%s' does not exist in this %s capability (its layout depends on other registers)",
				     key, cd->name);
				continue;
			}
			unsigned off = capoff + hit->off + (unsigned)inst * hit->stride;
			if (off + hit->width > VPCI_CFG_SIZE ||
			    (caplen_hint && cd->kind != CK_HDR && hit->off + (unsigned)inst * hit->stride >= caplen_hint + 0x1000u)) {
				perr(c, k, NULL, "field '%s' lies outside config space", key);
				continue;
			}
			struct fy_node *valnode = v;
			if (v && fy_node_get_type(v) == FYNT_MAPPING) {
				char w[96];
				snprintf(w, sizeof(w), "field '%s'", key);
				check_keys(c, v, w, field_keys, ARRAY_SIZE(field_keys));
				valnode = get(v, "value");
				add_override(c, v, off, hit->width, 0);
				if (!valnode) {
					le_put64(f->val + off, hit->width, hit->reset);
					mark_bytes(c, off, hit->width, nloc(c, v));
					goto status;
				}
			}
			uint64_t val;
			char what[80];
			snprintf(what, sizeof(what), "field '%s'", key);
			if (get_uint(c, valnode, what, width_mask(hit->width), &val))
				continue;
			le_put64(f->val + off, hit->width, val);
			mark_bytes(c, off, hit->width, nloc(c, valnode));
status:
			if (cd->kind == CK_HDR && !strcmp(key, "status"))
				c->status_given = 1;
		}
	}
}

/* Values of fields the file leaves out: the table's reset values. */
static int reset_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	(void)ctx;
	if (!(r->fd->flags & FD_MANAGED) && r->fd->reset)
		le_put64(f->val + r->off, r->fd->width, r->fd->reset);
	return 0;
}

/* --- capabilities ------------------------------------------------------- */

static const char *const cap_keys[] = { "type", "id", "offset", "version", "fields", "backing" };

static void parse_cap(struct pctx *c, struct fy_node *item, int ext, unsigned idx)
{
	struct vpci_func *f = c->f;
	const char *where = ext ? "an extended capability" : "a capability";
	struct fy_node *n;
	uint64_t v;
	const struct vpci_cdesc *cd = NULL;
	char path[64];

	snprintf(path, sizeof(path), "%s[%u]", ext ? "extended-capabilities" : "capabilities", idx);
	if (want_type(c, item, FYNT_MAPPING, where))
		return;
	check_keys(c, item, where, cap_keys, ARRAY_SIZE(cap_keys));

	struct fy_node *tn = get(item, "type"), *in = get(item, "id");
	uint16_t id = 0;
	if (tn && in) {
		perr(c, in, path, "give either 'type' or 'id', not both");
		return;
	}
	if (!tn && !in) {
		perr(c, item, path, "%s needs a 'type' (or an 'id' for one this library does not know)", where);
		return;
	}
	if (tn) {
		size_t len;
		const char *s = scalar(c, tn, "type", &len);
		char key[48];
		if (!s)
			return;
		snprintf(key, sizeof(key), "%.*s", (int)MIN(len, 47), s);
		cd = captab_find_key(key);
		if (cd && (cd->kind == CK_EXT) != ext) {
			perr(c, tn, path, "'%s' is %s capability; list it under %s", key,
			     cd->kind == CK_EXT ? "an extended" : "a standard",
			     cd->kind == CK_EXT ? "extended-capabilities" : "capabilities");
			return;
		}
		if (!cd) {
			const char *cand[128];
			unsigned nc = 0;
			for (unsigned i = 0; captab_at(i) && nc < 128; i++)
				if (captab_at(i)->kind == (ext ? CK_EXT : CK_STD))
					cand[nc++] = captab_at(i)->key;
			const char *sug = closest(key, cand, nc);
			if (sug)
				perr(c, tn, path, "unknown %s type '%s' (did you mean '%s'?)",
				     ext ? "extended capability" : "capability", key, sug);
			else
				perr(c, tn, path, "unknown %s type '%s' (docs/format.md lists them)",
				     ext ? "extended capability" : "capability", key);
			return;
		}
		id = cd->id;
	} else {
		if (get_uint(c, in, "id", ext ? 0xffff : 0xff, &v))
			return;
		id = (uint16_t)v;
		cd = captab_find(ext ? CK_EXT : CK_STD, id);
	}
	n = get(item, "offset");
	if (!n) {
		perr(c, item, path, "%s needs an 'offset'", where);
		return;
	}
	if (get_uint(c, n, "offset", VPCI_CFG_SIZE - 1, &v))
		return;
	unsigned off = (unsigned)v;
	if (off & 3) {
		perr(c, n, path, "capability offset 0x%x is not DWORD aligned", off);
		return;
	}
	if (!ext && (off < 0x40 || off > 0xfc)) {
		perr(c, n, path, "capability offset 0x%x is outside 0x40..0xfc", off);
		return;
	}
	if (ext && off < 0x100) {
		perr(c, n, path, "extended capability offset 0x%x is below 0x100", off);
		return;
	}
	for (unsigned i = 0; i < f->ncaps; i++) {
		if (f->caps[i].off == off) {
			perr(c, n, path, "two capabilities at offset 0x%x", off);
			return;
		}
	}
	struct capinst *ci = func_add_cap(f, ext);
	if (!ci) {
		c->errors++;
		return;
	}
	ci->id = id;
	ci->off = (uint16_t)off;
	ci->desc = cd;
	ci->loc = nloc(c, item);
	mark_bytes(c, off, ext ? 4 : 2, ci->loc);
	if ((n = get(item, "version"))) {
		if (!ext)
			perr(c, n, path, "only extended capabilities have a 'version' (PCIe §7.6.3)");
		else if (!get_uint(c, n, "version", 15, &v))
			ci->version = (uint8_t)v;
	} else if (ext) {
		ci->version = 1;
	}
	/* header bytes first so that the layout sees the ID */
	f->val[off] = (uint8_t)id;
	if (ext) {
		f->val[off + 1] = (uint8_t)(id >> 8);
		f->val[off + 2] = ci->version & 0xf;
	}
	/* chain pointers now, so that layouts that depend on another
	 * capability (AER root registers, per-lane registers) can find it */
	func_apply_structure(f);
	if (cd && cd->fields) {
		/* reset values, then the file's values */
		for (const struct vpci_fdesc *fd = cd->fields; fd->name; fd++)
			if (fd->reset && !(fd->flags & FD_MANAGED) && off + fd->off + fd->width <= VPCI_CFG_SIZE)
				le_put64(f->val + off + fd->off, fd->width, fd->reset);
	}
	if ((n = get(item, "fields"))) {
		if (!cd || !cd->fields)
			perr(c, n, path, "the library has no field table for %s 0x%x (%s); give its bytes under 'raw'",
			     where, id, cd ? cd->name : "unknown ID");
		else
			parse_fields(c, n, cd, off, 0, cd->key);
	}
	if ((n = get(item, "backing"))) {
		unsigned e;
		if (!get_enum(c, n, "backing", backing_names, 2, &e) && e)
			add_override(c, NULL, off, 0, 1); /* resolved once lengths are known */
	}
}

static void parse_cap_list(struct pctx *c, struct fy_node *seq, int ext)
{
	void *it = NULL;
	struct fy_node *item;
	unsigned i = 0;

	if (want_type(c, seq, FYNT_SEQUENCE, ext ? "extended-capabilities" : "capabilities"))
		return;
	while ((item = fy_node_sequence_iterate(seq, &it)))
		parse_cap(c, item, ext, i++);
}

/* --- BARs ---------------------------------------------------------------- */

static const char *const bar_keys[] = { "index", "type", "prefetchable", "size", "address" };
static const char *const rom_keys[] = { "size", "address", "enabled" };

static void parse_size_node(struct pctx *c, struct fy_node *n, struct barinst *b)
{
	size_t len;
	const char *s = scalar(c, n, "size", &len);
	uint64_t v;

	if (!s)
		return;
	if (len == 7 && !memcmp(s, "unknown", 7))
		return;
	if (text_parse_size(s, len, &v)) {
		perr(c, n, NULL, "size must be a number of bytes such as 4096, 0x1000, 16KiB or 1MiB, not '%.*s'",
		     (int)MIN(len, 40), s);
		b->size_bad = 1;
		return;
	}
	b->size = v;
	b->size_known = 1;
}

static void parse_bars(struct pctx *c, struct fy_node *seq)
{
	struct vpci_func *f = c->f;
	void *it = NULL;
	struct fy_node *item, *n;
	uint64_t v;
	unsigned nb = func_nbars(f);

	if (want_type(c, seq, FYNT_SEQUENCE, "bars"))
		return;
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		if (want_type(c, item, FYNT_MAPPING, "a BAR"))
			continue;
		check_keys(c, item, "a BAR", bar_keys, ARRAY_SIZE(bar_keys));
		n = get(item, "index");
		if (!n) {
			perr(c, item, NULL, "a BAR needs an 'index'");
			continue;
		}
		if (get_uint(c, n, "index", 5, &v))
			continue;
		unsigned i = (unsigned)v;
		if (i >= nb) {
			perr(c, n, NULL, "BAR %u does not exist in a %s header (BARs 0..%u)", i,
			     text_kinds[f->kind], nb ? nb - 1 : 0);
			continue;
		}
		struct barinst *b = &f->bar[i];
		if (b->type == VPCI_BAR_MEM64_HI) {
			perr(c, n, NULL, "BAR %u is the upper half of 64-bit BAR %u", i, i - 1);
			continue;
		}
		if (b->type != VPCI_BAR_NONE) {
			perr(c, n, NULL, "BAR %u is listed twice", i);
			continue;
		}
		unsigned t;
		if (!(n = get(item, "type"))) {
			perr(c, item, NULL, "BAR %u needs a 'type' (io, mem32, mem64 or mem1m)", i);
			continue;
		}
		if (get_enum(c, n, "BAR type", text_bar_types, 5, &t))
			continue;
		if (t == VPCI_BAR_NONE) {
			perr(c, n, NULL, "leave an unimplemented BAR out instead of giving type 'none'");
			continue;
		}
		if (t == VPCI_BAR_MEM64) {
			if (i + 1 >= nb) {
				perr(c, n, NULL, "64-bit BAR %u needs BAR %u for its upper half", i, i + 1);
				continue;
			}
			if (f->bar[i + 1].type != VPCI_BAR_NONE) {
				perr(c, n, NULL, "64-bit BAR %u overlaps BAR %u, which is listed before it", i, i + 1);
				continue;
			}
			f->bar[i + 1].type = VPCI_BAR_MEM64_HI;
		}
		b->type = (uint8_t)t;
		b->loc = nloc(c, item);
		int pf = 0;
		if ((n = get(item, "prefetchable")) && !get_bool(c, n, "prefetchable", &pf)) {
			if (pf && t == VPCI_BAR_IO)
				perr(c, n, NULL, "an I/O BAR cannot be prefetchable");
			b->pref = (uint8_t)pf;
		}
		if ((n = get(item, "size"))) {
			parse_size_node(c, n, b);
			b->loc_size = nloc(c, n);
		}
		unsigned off = func_bar_off(f, i);
		uint64_t amax = t == VPCI_BAR_MEM64 ? UINT64_MAX : 0xffffffffu;
		if ((n = get(item, "address")) && !get_uint(c, n, "address", amax, &v)) {
			uint64_t low = t == VPCI_BAR_IO ? 3 : 0xf;
			b->loc_addr = nloc(c, n);
			if (v & low)
				perr(c, n, NULL, "BAR address 0x%llx has type bits set; give the address only",
				     (unsigned long long)v);
			le_put64(f->val + off, t == VPCI_BAR_MEM64 ? 8 : 4, v & ~low);
		}
		mark_bytes(c, off, t == VPCI_BAR_MEM64 ? 8 : 4, b->loc);
	}
}

static void parse_rom(struct pctx *c, struct fy_node *m)
{
	struct vpci_func *f = c->f;
	struct barinst *b = &f->bar[ROM_INDEX];
	struct fy_node *n;
	uint64_t v;
	unsigned off = func_bar_off(f, ROM_INDEX);
	int en = 0;

	if (want_type(c, m, FYNT_MAPPING, "expansion-rom"))
		return;
	if (f->kind == VPCI_KIND_CARDBUS) {
		perr(c, m, NULL, "a cardbus header has no expansion ROM register");
		return;
	}
	check_keys(c, m, "expansion-rom", rom_keys, ARRAY_SIZE(rom_keys));
	b->type = VPCI_BAR_MEM32;
	b->loc = nloc(c, m);
	if ((n = get(m, "size"))) {
		parse_size_node(c, n, b);
		b->loc_size = nloc(c, n);
	}
	if ((n = get(m, "address")) && !get_uint(c, n, "address", 0xffffffffu, &v)) {
		b->loc_addr = nloc(c, n);
		if (v & 0x7ff)
			perr(c, n, NULL, "expansion ROM address 0x%llx is not 2 KiB aligned", (unsigned long long)v);
		le_put64(f->val + off, 4, (le32(f->val + off) & 1) | (v & ~0x7ffu));
	}
	if ((n = get(m, "enabled")) && !get_bool(c, n, "enabled", &en))
		f->val[off] = (uint8_t)((f->val[off] & ~1u) | (unsigned)en);
	mark_bytes(c, off, 4, b->loc);
}

/* --- raw regions -------------------------------------------------------- */

static const char *const raw_keys[] = {
	"offset", "bytes", "access", "backing", "rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device"
};

/* "01 02 ff" -> bytes; returns count or -1. */
static int parse_hexbytes(const char *s, size_t len, uint8_t *out, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t') {
			i++;
			continue;
		}
		if (i + 1 >= len || !isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]) ||
		    (i + 2 < len && !isspace((unsigned char)s[i + 2])))
			return -1;
		if (n >= max)
			return -2;
		char b[3] = { s[i], s[i + 1], 0 };
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		i += 2;
	}
	return (int)n;
}

static int get_hexbytes(struct pctx *c, struct fy_node *n, const char *what, uint8_t *out, unsigned max)
{
	size_t len;
	const char *s = scalar(c, n, what, &len);
	int r;

	if (!s)
		return -1;
	r = parse_hexbytes(s, len, out, max);
	if (r == -2)
		perr(c, n, NULL, "%s: more bytes than fit in config space", what);
	else if (r < 0)
		perr(c, n, NULL, "%s must be hex bytes separated by spaces, like \"01 a0 ff\"", what);
	else if (r == 0)
		perr(c, n, NULL, "%s is empty", what);
	return r > 0 ? r : -1;
}

static void parse_raw(struct pctx *c, struct fy_node *seq)
{
	struct vpci_func *f = c->f;
	void *it = NULL;
	struct fy_node *item, *n;
	uint64_t v;
	static uint8_t buf[VPCI_CFG_SIZE];

	if (want_type(c, seq, FYNT_SEQUENCE, "raw"))
		return;
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		if (want_type(c, item, FYNT_MAPPING, "a raw region"))
			continue;
		check_keys(c, item, "a raw region", raw_keys, ARRAY_SIZE(raw_keys));
		if (!(n = get(item, "offset"))) {
			perr(c, item, NULL, "a raw region needs an 'offset'");
			continue;
		}
		if (get_uint(c, n, "offset", f->size - 1, &v))
			continue;
		unsigned off = (unsigned)v, len;
		if (!(n = get(item, "bytes"))) {
			perr(c, item, NULL, "a raw region needs 'bytes'");
			continue;
		}
		int r = get_hexbytes(c, n, "bytes", buf, VPCI_CFG_SIZE);
		if (r < 0)
			continue;
		len = (unsigned)r;
		if (off + len > f->size) {
			perr(c, n, NULL, "raw region 0x%x..0x%x runs past the end of the %u-byte config space",
			     off, off + len - 1, f->size);
			continue;
		}
		uint32_t loc = nloc(c, n);
		memcpy(f->val + off, buf, len);
		mark_bytes(c, off, len, loc);
		/* planes: uniform access, then per-plane byte masks */
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			memset(f->pl[p] + off, 0, len);
		unsigned e;
		if ((n = get(item, "access")) && !get_enum(c, n, "access", acc_names, VPCI_ACC_COUNT, &e)) {
			struct captab_planes pl;
			captab_access_planes((enum vpci_access)e, 1, &pl);
			for (int p = 0; p < VPCI_PL_DEVICE; p++)
				memset(f->pl[p] + off, (int)pl.pl[p], len);
		}
		if ((n = get(item, "backing")) && !get_enum(c, n, "backing", backing_names, 2, &e))
			memset(f->pl[VPCI_PL_DEVICE] + off, e ? 0xff : 0, len);
		for (int p = 0; p < VPCI_PL_COUNT; p++) {
			if (!(n = get(item, plane_keys[p])))
				continue;
			int m = get_hexbytes(c, n, plane_keys[p], buf, VPCI_CFG_SIZE);
			if (m < 0)
				continue;
			if ((unsigned)m != len) {
				perr(c, n, NULL, "mask '%s' has %d byte%s but the region has %u", plane_keys[p], m,
				     m == 1 ? "" : "s", len);
				continue;
			}
			memcpy(f->pl[p] + off, buf, len);
		}
	}
}

/* --- free ranges (space a later virtual capability may be placed in) --- */

static const char *const range_keys[] = { "offset", "length" };

static void parse_free_ranges(struct pctx *c, struct fy_node *seq)
{
	void *it = NULL;
	struct fy_node *item, *n;
	uint64_t off, len;

	if (want_type(c, seq, FYNT_SEQUENCE, "free-ranges"))
		return;
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		if (want_type(c, item, FYNT_MAPPING, "a free range"))
			continue;
		check_keys(c, item, "a free range", range_keys, ARRAY_SIZE(range_keys));
		if (!(n = get(item, "offset")) || get_uint(c, n, "offset", VPCI_CFG_SIZE - 1, &off)) {
			if (!n)
				perr(c, item, NULL, "a free range needs an 'offset'");
			continue;
		}
		struct fy_node *ln = get(item, "length");
		if (!ln) {
			perr(c, item, NULL, "a free range needs a 'length'");
			continue;
		}
		size_t sl;
		const char *s = scalar(c, ln, "length", &sl);
		if (!s)
			continue;
		if (text_parse_size(s, sl, &len) || !len) {
			perr(c, ln, NULL, "length must be a positive number of bytes");
			continue;
		}
		if ((off & 3) || (len & 3))
			perr(c, n, NULL, "free range 0x%llx+0x%llx is not DWORD aligned",
			     (unsigned long long)off, (unsigned long long)len);
		else if (off + len > c->f->size)
			perr(c, ln, NULL, "free range 0x%llx+0x%llx runs past the end of config space",
			     (unsigned long long)off, (unsigned long long)len);
		else {
			uint32_t loc = nloc(c, item);
			for (unsigned i = (unsigned)off; i < off + len; i++) {
				if (func_cap_overlapping(c->f, i, 1) >= 0)
					continue; /* vpci_validate() names the capability */
				if (c->f->byteloc[i] && c->f->byteloc[i] != loc) {
					perr(c, item, NULL, "free range 0x%llx+0x%llx overlaps bytes described at offset 0x%x",
					     (unsigned long long)off, (unsigned long long)len, i);
					break;
				}
			}
			if (func_add_free_range(c->f, (uint16_t)off, (uint16_t)len, loc))
				c->errors++;
		}
	}
}

/* --- top level ------------------------------------------------------------ */

static const char *const top_keys[] = { "vpci", "name", "description", "origin", "function" };
static const char *const origin_keys[] = {
	"tool", "source", "slot", "driver", "iommu-group", "policy", "quirks", "note"
};

/* origin: informational key/value pairs, kept in order */
static void parse_origin(struct pctx *c, struct fy_node *m)
{
	void *it = NULL;
	struct fy_node_pair *p;
	char key[32];

	if (want_type(c, m, FYNT_MAPPING, "origin"))
		return;
	check_keys(c, m, "origin", origin_keys, ARRAY_SIZE(origin_keys));
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *v = fy_node_pair_value(p);
		struct strbuf sb;
		size_t len;
		const char *t;
		key_str(fy_node_pair_key(p), key, sizeof(key));
		sb_init(&sb);
		if (v && fy_node_get_type(v) == FYNT_SEQUENCE) {
			void *si = NULL;
			struct fy_node *item;
			sb_putc(&sb, '[');
			while ((item = fy_node_sequence_iterate(v, &si))) {
				if (!(t = scalar(c, item, "an origin list item", &len)))
					break;
				if (sb.len > 1)
					sb_puts(&sb, ", ");
				sb_putn(&sb, t, len);
			}
			sb_putc(&sb, ']');
		} else if ((t = scalar(c, v, "an origin value", &len))) {
			sb_putn(&sb, t, len);
		}
		char *str = sb_finish(&sb, NULL);
		if (!str || func_add_origin(c->f, key, str))
			c->errors++;
		free(str);
	}
}
static const char *const func_keys[] = {
	"kind", "config-size", "multifunction", "header", "bars", "expansion-rom",
	"capabilities", "extended-capabilities", "raw", "free-ranges"
};

static int valid_name(const char *s, size_t len)
{
	if (!len || len > 64 || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

static void parse_function(struct pctx *c, struct fy_node *fn)
{
	struct vpci_func *f = c->f;
	struct fy_node *n;
	uint64_t v;
	unsigned e;
	int b;

	if (want_type(c, fn, FYNT_MAPPING, "function"))
		return;
	check_keys(c, fn, "function", func_keys, ARRAY_SIZE(func_keys));
	if ((n = get(fn, "kind")) && !get_enum(c, n, "kind", text_kinds, 3, &e)) {
		f->kind = (uint8_t)e;
		if (e == VPCI_KIND_CARDBUS && (get(fn, "header") || get(fn, "bars") || get(fn, "expansion-rom")))
			perr(c, n, NULL, "a cardbus function is described by its raw bytes only");
	}
	if ((n = get(fn, "config-size")) && !get_uint(c, n, "config-size", 4096, &v)) {
		if (v != 256 && v != 4096 && v != 64 && v != 128)
			perr(c, n, NULL, "config-size must be 256 (conventional PCI) or 4096 (PCIe), or 64/128 for a partial capture, not %llu",
			     (unsigned long long)v);
		else
			f->size = (uint16_t)v;
	}
	if ((n = get(fn, "multifunction")) && !get_bool(c, n, "multifunction", &b))
		f->multifunction = (uint8_t)b;

	/* header defaults, then values from the file */
	func_foreach_cap_field(f, -1, reset_cb, NULL);
	if ((n = get(fn, "header")) && f->kind != VPCI_KIND_CARDBUS)
		parse_fields(c, n, func_header_desc(f), 0, 0, "header");
	if ((n = get(fn, "bars")) && f->kind != VPCI_KIND_CARDBUS)
		parse_bars(c, n);
	if ((n = get(fn, "expansion-rom")) && f->kind != VPCI_KIND_CARDBUS)
		parse_rom(c, n);
	if ((n = get(fn, "capabilities")))
		parse_cap_list(c, n, 0);
	if ((n = get(fn, "extended-capabilities"))) {
		if (f->size < VPCI_CFG_SIZE)
			perr(c, n, NULL, "extended capabilities need config-size 4096");
		else
			parse_cap_list(c, n, 1);
	}
	if (!c->status_given && f->nstd)
		f->val[0x06] |= 0x10; /* Status.Capabilities List (PCIe §7.5.1.1.4) */

	func_apply_structure(f);
	func_default_planes(f);
	/* per-field plane overrides, now that defaults are in place */
	for (unsigned i = 0; i < c->nov; i++) {
		struct override *o = &c->ov[i];
		if (o->node) {
			apply_field_planes(c, o->node, o->off, o->width);
		} else if (o->dev_all) {
			for (unsigned k = 0; k < f->ncaps; k++) {
				const struct capinst *ci = &f->caps[k];
				if (ci->off != o->off)
					continue;
				unsigned len = cap_extent(ci);
				for (unsigned x = ci->off; x < ci->off + len && x < VPCI_CFG_SIZE; x++)
					f->pl[VPCI_PL_DEVICE][x] = 0xff;
			}
		}
	}
	if ((n = get(fn, "raw")))
		parse_raw(c, n);
	if ((n = get(fn, "free-ranges")))
		parse_free_ranges(c, n);
	func_update_lengths(f);
}

static void parse_root(struct pctx *c, struct fy_node *root)
{
	struct fy_node *n;
	uint64_t v;
	size_t len;
	const char *s;

	c->fatal = 1; /* until the version is known to be right */
	if (!root) {
		perr(c, NULL, NULL, "empty document: an instance needs 'vpci', 'name' and 'function'");
		return;
	}
	if (want_type(c, root, FYNT_MAPPING, "the document"))
		return;
	check_keys(c, root, "the document", top_keys, ARRAY_SIZE(top_keys));
	if (!(n = get(root, "vpci"))) {
		perr(c, root, NULL, "missing 'vpci: 1' (the format version)");
		return; /* without a version nothing else can be trusted */
	}
	if (get_uint(c, n, "vpci", 0xffff, &v))
		return;
	if (v != VPCI_FORMAT_VERSION) {
		perr(c, n, NULL, "format version %llu is not supported (this library reads version %d)",
		     (unsigned long long)v, VPCI_FORMAT_VERSION);
		return;
	}
	c->fatal = 0;
	if (!(n = get(root, "name"))) {
		perr(c, root, NULL, "missing 'name' (the instance name)");
	} else if ((s = scalar(c, n, "name", &len))) {
		if (!valid_name(s, len))
			perr(c, n, NULL, "name '%.*s' must be 1-64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit",
			     (int)MIN(len, 64), s);
		else {
			char *nm = strndup(s, len);
			if (!nm || vpci_func_set_name(c->f, nm))
				c->errors++;
			free(nm);
		}
	}
	if ((n = get(root, "description")) && (s = scalar(c, n, "description", &len))) {
		char *ds = strndup(s, len);
		if (!ds || vpci_func_set_description(c->f, ds))
			c->errors++;
		free(ds);
	}
	if ((n = get(root, "origin")))
		parse_origin(c, n);
	if (!(n = get(root, "function"))) {
		perr(c, root, NULL, "missing 'function' (the config space description)");
		c->fatal = 1;
	} else if (fy_node_get_type(n) != FYNT_MAPPING) {
		want_type(c, n, FYNT_MAPPING, "function");
		c->fatal = 1;
	} else {
		parse_function(c, n);
	}
}

/* Turn libfyaml's collected syntax errors into our diagnostics. */
static void yaml_errors(struct pctx *c, struct fy_diag *diag)
{
	void *it = NULL;
	struct fy_diag_error *e;
	unsigned n = 0;

	while ((e = fy_diag_errors_iterate(diag, &it))) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = c->file;
		/* libfyaml's collected errors are 1-based already */
		p.line = e->line > 0 ? (unsigned)e->line : 0;
		p.column = e->column > 0 ? (unsigned)e->column : 0;
		diag_add(c->d, VPCI_SEV_ERROR, VPCI_EDATA, p, "YAML: %s", e->msg ? e->msg : "syntax error");
		n++;
	}
	if (!n)
		perr(c, NULL, NULL, "empty document: an instance needs 'vpci', 'name' and 'function'");
	c->errors++;
	c->fatal = 1;
}

VPCI_EXPORT int vpci_parse_buffer(const char *text, size_t len, const char *name,
				  vpci_func **out, vpci_diag *d)
{
	return text_parse(text, len, name, 1, out, d);
}

VPCI_EXPORT int vpci_parse_buffer_flags(const char *text, size_t len, const char *name,
					unsigned flags, vpci_func **out, vpci_diag *d)
{
	return text_parse(text, len, name, !(flags & VPCI_PARSE_NO_VALIDATE), out, d);
}

int text_parse(const char *text, size_t len, const char *name, int validate,
	       vpci_func **out, vpci_diag *d)
{
	struct pctx c;
	struct fy_diag *diag = NULL;
	struct fy_document *doc;
	int rc = 0;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.d = d;
	c.file = name;
	c.f = vpci_func_new();
	if (!c.f)
		return VPCI_ENOMEM;
	if (name && !(c.f->file = xstrdup(name))) {
		vpci_func_free(c.f);
		return VPCI_ENOMEM;
	}
	unsigned bl, bc;
	if (yamlu_utf8_bad((const unsigned char *)text, len, &bl, &bc)) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = name;
		p.line = bl;
		p.column = bc;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, p, "not UTF-8 text: an instance file must be UTF-8");
		vpci_func_free(c.f);
		return VPCI_EDATA;
	}
	cur_ctx = &c;
	doc = yamlu_build(text, len, &diag);
	if (!diag) {
		vpci_func_free(c.f);
		return VPCI_ENOMEM;
	}
	if (!doc) {
		yaml_errors(&c, diag);
	} else {
		parse_root(&c, fy_document_root(doc));
		fy_document_destroy(doc);
	}
	fy_diag_destroy(diag);
	free(c.ov);
	cur_ctx = NULL;
	if (c.errors) {
		/* still validate what was built, so one run reports everything */
		if (validate && !c.fatal)
			vpci_validate(c.f, d);
		rc = VPCI_EDATA;
	} else if (validate && vpci_validate(c.f, d)) {
		rc = VPCI_EDATA;
	}
	if (rc) {
		vpci_func_free(c.f);
		return rc;
	}
	*out = c.f;
	return 0;
}

VPCI_EXPORT int vpci_parse_file(const char *path, vpci_func **out, vpci_diag *d)
{
	return vpci_parse_file_flags(path, 0, out, d);
}

VPCI_EXPORT int vpci_parse_file_flags(const char *path, unsigned flags, vpci_func **out,
				      vpci_diag *d)
{
	FILE *fp;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!fp) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = path;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot open: %s", strerror(errno));
		return VPCI_EIO;
	}
	for (;;) {
		if (len + 4096 > cap) {
			size_t nc = cap ? cap * 2 : 16384;
			char *nb = nc <= (64u << 20) ? realloc(buf, nc) : NULL;
			if (!nb) {
				free(buf);
				if (fp != stdin)
					fclose(fp);
				return VPCI_ENOMEM;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + len, 1, cap - len, fp);
		len += r;
		if (r == 0)
			break;
	}
	int err = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (err) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = path;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "read error");
		free(buf);
		return VPCI_EIO;
	}
	rc = vpci_parse_buffer_flags(buf, len, strcmp(path, "-") ? path : "<stdin>", flags, out, d);
	free(buf);
	return rc;
}
