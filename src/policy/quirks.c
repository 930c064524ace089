/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quirks.c - the quirk database: reviewed YAML files (quirks/NAME.yaml,
 * built in; more from a directory) matched on IDs, with actions that the
 * guest policy consults (keep, device-gaps), that run after it (hide,
 * set, reserve), or that replace its result with a reviewed reference
 * instance (reference).  docs/quirks.md specifies the format.
 */
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "quirks_builtin.h"
#include "host/host.h"
#include "text/text_priv.h"
#include "text/yamlu.h"
#include "vpci/quirks.h"

enum qa_kind { QA_HIDE, QA_KEEP, QA_SET, QA_DEVICE_GAPS, QA_RESERVE, QA_REFERENCE };

#define QA_MAX_OFFSETS 4

struct qaction {
	enum qa_kind kind;
	int ext;                /* capability list */
	uint16_t id;            /* capability ID */
	int in_header;          /* QA_SET on a header field */
	char field[48];
	uint64_t value, mask;
	int device;             /* QA_KEEP: contents backed by the device */
	uint16_t roff[QA_MAX_OFFSETS]; /* QA_RESERVE: offsets, first free wins */
	unsigned nroff;
	uint16_t rlen;          /* QA_RESERVE: length in bytes */
	char *ref;              /* QA_REFERENCE: path of the instance file */
};

struct quirk {
	char *id, *why, *file, *match_text, *actions_text;
	unsigned line;
	int any_policy;
	int has_vendor, has_sv, has_sd, has_class, has_rev, vf;
	uint16_t vendor, device_mask, sv, sd;
	uint16_t device[8];     /* ndev of them; any one matches */
	unsigned ndev;
	uint32_t cls, cls_mask;
	uint8_t rev;
	struct qaction *a;
	unsigned na;
};

struct vpci_quirkdb {
	struct quirk *q;
	unsigned n;
};

struct qctx {
	struct vpci_quirkdb *db;
	const char *file;
	const char *dir;        /* directory of the file; NULL when built in */
	vpci_diag *d;
	unsigned errors;
};

PRINTF(3, 4)
static void qerr(struct qctx *c, struct fy_node *n, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	struct diag_pos p = DIAG_NOPOS;
	struct fy_mark m = yamlu_mark(n);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p.file = c->file;
	if (m.line >= 0) {
		p.line = (unsigned)m.line + 1;
		p.column = (unsigned)m.column + 1;
	}
	c->errors++;
	diag_add(c->d, VPCI_SEV_ERROR, VPCI_EDATA, p, "%s", msg);
}

static int qstr(struct qctx *c, struct fy_node *n, const char *what, char *buf, size_t size)
{
	size_t len;
	const char *s = n && fy_node_get_type(n) == FYNT_SCALAR ? fy_node_get_scalar(n, &len) : NULL;

	if (!s) {
		qerr(c, n, "%s must be a scalar", what);
		return -1;
	}
	snprintf(buf, size, "%.*s", (int)len, s);
	return 0;
}

static int qint(struct qctx *c, struct fy_node *n, const char *what, uint64_t max, uint64_t *out)
{
	char buf[64];

	if (qstr(c, n, what, buf, sizeof(buf)))
		return -1;
	if (text_parse_uint(buf, strlen(buf), out) || *out > max) {
		qerr(c, n, "%s: '%s' is not an integer up to %#llx", what, buf, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int qbool(struct qctx *c, struct fy_node *n, const char *what, int *out)
{
	char buf[16];

	if (qstr(c, n, what, buf, sizeof(buf)))
		return -1;
	if (!strcmp(buf, "true") || !strcmp(buf, "false")) {
		*out = buf[0] == 't';
		return 0;
	}
	qerr(c, n, "%s must be true or false", what);
	return -1;
}

/* One integer, or a list of up to @cap of them (alternatives); an empty
 * list is reported at @parent (an empty flow list has no position). */
static int qint_list(struct qctx *c, struct fy_node *parent, struct fy_node *n, const char *what, uint64_t max,
		     uint16_t *out, unsigned cap, unsigned *count)
{
	uint64_t v;

	*count = 0;
	if (fy_node_get_type(n) != FYNT_SEQUENCE) {
		if (qint(c, n, what, max, &v))
			return -1;
		out[(*count)++] = (uint16_t)v;
		return 0;
	}
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(n, &it))) {
		if (*count == cap) {
			qerr(c, item, "at most %u values in '%s'", cap, what);
			return -1;
		}
		if (qint(c, item, what, max, &v))
			return -1;
		out[(*count)++] = (uint16_t)v;
	}
	if (!*count) {
		qerr(c, parent, "'%s' lists no value", what);
		return -1;
	}
	return 0;
}

static int known_key(struct qctx *c, struct fy_node *map, const char *where, const char *const *keys, unsigned n)
{
	void *it = NULL;
	struct fy_node_pair *p;
	char k[48];
	int bad = 0;

	while ((p = fy_node_mapping_iterate(map, &it))) {
		int ok = 0;
		if (qstr(c, fy_node_pair_key(p), "a key", k, sizeof(k)))
			return -1;
		for (unsigned i = 0; i < n; i++)
			ok |= !strcmp(k, keys[i]);
		if (!ok) {
			qerr(c, fy_node_pair_key(p), "unknown key '%s' in %s", k, where);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static int cap_ref(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	struct fy_node *n = yamlu_get(m, "capability");
	char key[48];

	if (!n) {
		qerr(c, m, "the action needs a 'capability'");
		return -1;
	}
	if (qstr(c, n, "capability", key, sizeof(key)))
		return -1;
	const struct vpci_cdesc *cd = captab_find_key(key);
	if (!cd) {
		qerr(c, n, "unknown capability type '%s'", key);
		return -1;
	}
	a->ext = cd->kind == CK_EXT;
	a->id = cd->id;
	return 0;
}

static const char *const match_keys[] = {
	"vendor", "device", "device-mask", "subsystem-vendor", "subsystem", "class", "class-mask", "revision", "vf"
};
static const char *const quirk_keys[] = { "id", "why", "policy", "match", "actions" };

static int parse_match(struct qctx *c, struct fy_node *m, struct quirk *q)
{
	struct fy_node *n;
	uint64_t v;

	q->vf = -1;
	q->device_mask = 0xffff;
	if (!m || fy_node_get_type(m) != FYNT_MAPPING) {
		qerr(c, m, "'match' must be a mapping (use {} to match every function)");
		return -1;
	}
	if (known_key(c, m, "match", match_keys, ARRAY_SIZE(match_keys)))
		return -1;
	if ((n = yamlu_get(m, "vendor")) && !qint(c, n, "vendor", 0xffff, &v))
		q->has_vendor = 1, q->vendor = (uint16_t)v;
	if ((n = yamlu_get(m, "device")) &&
	    qint_list(c, m, n, "device", 0xffff, q->device, ARRAY_SIZE(q->device), &q->ndev))
		return -1;
	if ((n = yamlu_get(m, "device-mask")) && !qint(c, n, "device-mask", 0xffff, &v))
		q->device_mask = (uint16_t)v;
	if ((n = yamlu_get(m, "subsystem-vendor")) && !qint(c, n, "subsystem-vendor", 0xffff, &v))
		q->has_sv = 1, q->sv = (uint16_t)v;
	if ((n = yamlu_get(m, "subsystem")) && !qint(c, n, "subsystem", 0xffff, &v))
		q->has_sd = 1, q->sd = (uint16_t)v;
	q->cls_mask = 0xffffff;
	if ((n = yamlu_get(m, "class")) && !qint(c, n, "class", 0xffffff, &v))
		q->has_class = 1, q->cls = (uint32_t)v;
	if ((n = yamlu_get(m, "class-mask")) && !qint(c, n, "class-mask", 0xffffff, &v))
		q->cls_mask = (uint32_t)v;
	if ((n = yamlu_get(m, "revision")) && !qint(c, n, "revision", 0xff, &v))
		q->has_rev = 1, q->rev = (uint8_t)v;
	int b;
	if ((n = yamlu_get(m, "vf")) && !qbool(c, n, "vf", &b))
		q->vf = b;
	return 0;
}

/* reserve: {offset: OFF | [OFF, ...], length: LEN} - a free range for a
 * virtual capability that a driver looks for at a fixed offset. */
static int parse_reserve(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	static const char *const k[] = { "offset", "length" };
	struct fy_node *on = yamlu_get(m, "offset"), *ln = yamlu_get(m, "length");
	uint64_t v;

	a->kind = QA_RESERVE;
	if (known_key(c, m, "reserve", k, 2))
		return -1;
	if (!on || !ln) {
		qerr(c, m, "'reserve' needs an 'offset' and a 'length'");
		return -1;
	}
	if (qint(c, ln, "length", 0x400, &v))
		return -1;
	if (!v || (v & 3)) {
		qerr(c, ln, "length must be a positive multiple of 4");
		return -1;
	}
	a->rlen = (uint16_t)v;
	if (qint_list(c, m, on, "offset", VPCI_CFG_SIZE - 4, a->roff, QA_MAX_OFFSETS, &a->nroff))
		return -1;
	for (unsigned i = 0; i < a->nroff; i++) {
		if ((a->roff[i] & 3) || a->roff[i] < 0x40 || a->roff[i] + a->rlen > VPCI_CFG_SIZE ||
		    (a->roff[i] < 0x100 && a->roff[i] + a->rlen > 0x100)) {
			qerr(c, on, "reserved range 0x%x+0x%x must be DWORD aligned and lie in 0x40..0xff or "
			     "0x100..0xfff", a->roff[i], a->rlen);
			return -1;
		}
	}
	return 0;
}

/* reference: {file: NAME.yaml} - the guest view is a reviewed instance
 * file, found beside the quirk file that names it. */
static int parse_reference(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	static const char *const k[] = { "file" };
	struct fy_node *n = yamlu_get(m, "file");
	char name[256], path[4096];

	a->kind = QA_REFERENCE;
	if (known_key(c, m, "reference", k, 1))
		return -1;
	if (!n) {
		qerr(c, m, "'reference' needs a 'file'");
		return -1;
	}
	if (qstr(c, n, "file", name, sizeof(name)))
		return -1;
	if (!c->dir) {
		/* the repository carries no reviewed reference file yet; when
		 * one is contributed it is embedded like the quirk files */
		qerr(c, n, "built-in quirks cannot name a reference file; keep reference instances in a "
		     "quirk directory (--quirk-dir)");
		return -1;
	}
	if (name[0] == '/' || strstr(name, "..")) {
		qerr(c, n, "the reference file '%s' must be a path inside the quirk directory", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (access(path, R_OK)) {
		qerr(c, n, "reference file %s: %s", path, strerror(errno));
		return -1;
	}
	a->ref = xstrdup(path);
	return a->ref ? 0 : -1;
}

static int parse_action(struct qctx *c, struct fy_node *item, struct qaction *a)
{
	struct fy_node_pair *p;
	void *it = NULL;
	char verb[32];
	uint64_t v;

	memset(a, 0, sizeof(*a));
	if (!item || fy_node_get_type(item) != FYNT_MAPPING || fy_node_mapping_item_count(item) != 1) {
		qerr(c, item, "an action is a mapping with one key: hide, keep, set, device-gaps, reserve or reference");
		return -1;
	}
	p = fy_node_mapping_iterate(item, &it);
	if (qstr(c, fy_node_pair_key(p), "an action", verb, sizeof(verb)))
		return -1;
	struct fy_node *m = fy_node_pair_value(p);
	if (!strcmp(verb, "device-gaps")) {
		int b = 0;
		if (qbool(c, m, "device-gaps", &b))
			return -1;
		a->kind = QA_DEVICE_GAPS;
		return b ? 0 : -1;
	}
	if (!m || fy_node_get_type(m) != FYNT_MAPPING) {
		qerr(c, m, "'%s' takes a mapping", verb);
		return -1;
	}
	if (!strcmp(verb, "hide")) {
		static const char *const k[] = { "capability" };
		a->kind = QA_HIDE;
		return known_key(c, m, "hide", k, 1) || cap_ref(c, m, a) ? -1 : 0;
	}
	if (!strcmp(verb, "keep")) {
		static const char *const k[] = { "capability", "backing" };
		char b[16] = "virtual";
		a->kind = QA_KEEP;
		if (known_key(c, m, "keep", k, 2) || cap_ref(c, m, a))
			return -1;
		struct fy_node *bn = yamlu_get(m, "backing");
		if (bn && qstr(c, bn, "backing", b, sizeof(b)))
			return -1;
		if (strcmp(b, "virtual") && strcmp(b, "device")) {
			qerr(c, bn, "backing is virtual or device");
			return -1;
		}
		a->device = b[0] == 'd';
		return 0;
	}
	if (!strcmp(verb, "set")) {
		static const char *const k[] = { "capability", "field", "value", "mask" };
		a->kind = QA_SET;
		if (known_key(c, m, "set", k, 4))
			return -1;
		if (yamlu_get(m, "capability")) {
			if (cap_ref(c, m, a))
				return -1;
		} else {
			a->in_header = 1;
		}
		struct fy_node *n = yamlu_get(m, "field");
		if (!n || qstr(c, n, "field", a->field, sizeof(a->field))) {
			if (!n)
				qerr(c, m, "'set' needs a 'field'");
			return -1;
		}
		if (!(n = yamlu_get(m, "value")) || qint(c, n, "value", UINT64_MAX, &a->value)) {
			if (!n)
				qerr(c, m, "'set' needs a 'value'");
			return -1;
		}
		a->mask = UINT64_MAX;
		if ((n = yamlu_get(m, "mask")) && !qint(c, n, "mask", UINT64_MAX, &v))
			a->mask = v;
		return 0;
	}
	if (!strcmp(verb, "reserve"))
		return parse_reserve(c, m, a);
	if (!strcmp(verb, "reference"))
		return parse_reference(c, m, a);
	qerr(c, fy_node_pair_key(p), "unknown action '%s' (hide, keep, set, device-gaps, reserve or reference)", verb);
	return -1;
}

static char *node_text(struct fy_node *n)
{
	char *s = n ? fy_emit_node_to_string(n, FYECF_MODE_FLOW_ONELINE) : NULL;
	char *r = s ? xstrdup(s) : xstrdup("{}");

	free(s);
	return r;
}

static void quirk_free(struct quirk *q)
{
	free(q->id);
	free(q->why);
	free(q->file);
	free(q->match_text);
	free(q->actions_text);
	for (unsigned i = 0; i < q->na; i++)
		free(q->a[i].ref);
	free(q->a);
}

static int load_text(struct qctx *c, const char *text, size_t len)
{
	struct fy_diag *diag = NULL;
	struct fy_document *doc;
	struct fy_node *root, *list, *item;
	void *it = NULL;
	uint64_t v;
	unsigned bl, bc;

	if (yamlu_utf8_bad((const unsigned char *)text, len, &bl, &bc)) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = c->file;
		p.line = bl;
		p.column = bc;
		diag_add(c->d, VPCI_SEV_ERROR, VPCI_EDATA, p, "not UTF-8 text: a quirk file must be UTF-8");
		c->errors++;
		return VPCI_EDATA;
	}
	doc = yamlu_build(text, len, &diag);

	if (!diag)
		return VPCI_ENOMEM;
	if (!doc) {
		void *ei = NULL;
		struct fy_diag_error *e;
		while ((e = fy_diag_errors_iterate(diag, &ei))) {
			struct diag_pos p = DIAG_NOPOS;
			p.file = c->file;
			p.line = (unsigned)e->line + 1;
			p.column = (unsigned)e->column + 1;
			diag_add(c->d, VPCI_SEV_ERROR, VPCI_EDATA, p, "YAML: %s", e->msg);
		}
		c->errors++;
		fy_diag_destroy(diag);
		return VPCI_EDATA;
	}
	root = fy_document_root(doc);
	if (!yamlu_get(root, "vpci-quirks") || qint(c, yamlu_get(root, "vpci-quirks"), "vpci-quirks", 1, &v) ||
	    v != 1) {
		if (!yamlu_get(root, "vpci-quirks"))
			qerr(c, root, "a quirk file starts with 'vpci-quirks: 1'");
		goto out;
	}
	list = yamlu_get(root, "quirks");
	if (!list || fy_node_get_type(list) != FYNT_SEQUENCE) {
		qerr(c, list ? list : root, "'quirks' must be a list");
		goto out;
	}
	while ((item = fy_node_sequence_iterate(list, &it))) {
		struct quirk q;
		char buf[96];
		memset(&q, 0, sizeof(q));
		if (fy_node_get_type(item) != FYNT_MAPPING || known_key(c, item, "a quirk", quirk_keys, ARRAY_SIZE(quirk_keys)))
			continue;
		struct fy_node *n = yamlu_get(item, "id");
		if (!n || qstr(c, n, "id", buf, sizeof(buf))) {
			if (!n)
				qerr(c, item, "a quirk needs an 'id'");
			continue;
		}
		for (unsigned i = 0; i < c->db->n; i++)
			if (!strcmp(c->db->q[i].id, buf))
				qerr(c, n, "quirk '%s' is defined twice (also in %s)", buf, c->db->q[i].file);
		q.id = xstrdup(buf);
		q.line = (unsigned)yamlu_mark(item).line + 1;
		q.file = xstrdup(c->file);
		size_t wl;
		struct fy_node *wn = yamlu_get(item, "why");
		const char *w = wn && fy_node_get_type(wn) == FYNT_SCALAR ? fy_node_get_scalar(wn, &wl) : NULL;
		if (!w || wl < 10)
			qerr(c, wn ? wn : item, "quirk '%s' needs a 'why' that explains it", buf);
		else
			q.why = strndup(w, wl);
		if ((n = yamlu_get(item, "policy"))) {
			char pol[16];
			if (!qstr(c, n, "policy", pol, sizeof(pol))) {
				if (!strcmp(pol, "any"))
					q.any_policy = 1;
				else if (strcmp(pol, "guest"))
					qerr(c, n, "policy is guest or any");
			}
		}
		parse_match(c, yamlu_get(item, "match"), &q);
		q.match_text = node_text(yamlu_get(item, "match"));
		struct fy_node *acts = yamlu_get(item, "actions");
		q.actions_text = node_text(acts);
		if (!acts || fy_node_get_type(acts) != FYNT_SEQUENCE || !fy_node_sequence_item_count(acts)) {
			qerr(c, acts ? acts : item, "quirk '%s' needs a list of 'actions'", buf);
		} else {
			int na = fy_node_sequence_item_count(acts);
			q.a = calloc((size_t)na, sizeof(*q.a));
			void *ai = NULL;
			struct fy_node *an;
			while (q.a && (an = fy_node_sequence_iterate(acts, &ai)))
				if (!parse_action(c, an, &q.a[q.na]))
					q.na++;
		}
		struct quirk *nq = realloc(c->db->q, (c->db->n + 1) * sizeof(*nq));
		if (!nq || !q.id || !q.file || !q.match_text || !q.actions_text) {
			quirk_free(&q);
			if (nq)
				c->db->q = nq;
			c->errors++;
			break;
		}
		c->db->q = nq;
		c->db->q[c->db->n++] = q;
	}
out:
	fy_document_destroy(doc);
	fy_diag_destroy(diag);
	return c->errors ? VPCI_EDATA : 0;
}

VPCI_EXPORT int vpci_quirkdb_load(const char *dir, vpci_quirkdb **out, vpci_diag *d)
{
	struct qctx c = { .d = d };

	*out = NULL;
	c.db = calloc(1, sizeof(*c.db));
	if (!c.db)
		return VPCI_ENOMEM;
	for (unsigned i = 0; i < quirks_builtin_count; i++) {
		c.file = quirks_builtin[i].name;
		load_text(&c, quirks_builtin[i].text, strlen(quirks_builtin[i].text));
	}
	if (dir) {
		DIR *dh = opendir(dir);
		struct dirent *e;
		if (!dh) {
			struct diag_pos p = DIAG_NOPOS;
			p.file = dir;
			diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot read the quirk directory: %s", strerror(errno));
			vpci_quirkdb_free(c.db);
			return VPCI_EIO;
		}
		while ((e = readdir(dh))) {
			size_t l = strlen(e->d_name);
			if (l < 6 || strcmp(e->d_name + l - 5, ".yaml"))
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			FILE *fp = fopen(path, "r");
			if (!fp)
				continue;
			char *buf = NULL;
			size_t cap = 0, n = 0, r;
			char chunk[4096];
			while ((r = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
				char *nb = realloc(buf, cap = n + r + 1);
				if (!nb)
					break;
				buf = nb;
				memcpy(buf + n, chunk, r);
				n += r;
			}
			fclose(fp);
			c.file = path;
			c.dir = dir;
			if (buf)
				load_text(&c, buf, n);
			free(buf);
			(void)cap;
		}
		closedir(dh);
	}
	if (c.errors) {
		vpci_quirkdb_free(c.db);
		return VPCI_EDATA;
	}
	*out = c.db;
	return 0;
}

VPCI_EXPORT void vpci_quirkdb_free(vpci_quirkdb *db)
{
	if (!db)
		return;
	for (unsigned i = 0; i < db->n; i++)
		quirk_free(&db->q[i]);
	free(db->q);
	free(db);
}

VPCI_EXPORT size_t vpci_quirkdb_count(const vpci_quirkdb *db)
{
	return db ? db->n : 0;
}

VPCI_EXPORT int vpci_quirkdb_get(const vpci_quirkdb *db, size_t i, struct vpci_quirk_info *out)
{
	if (!db || i >= db->n)
		return VPCI_ENOENT;
	const struct quirk *q = &db->q[i];
	out->id = q->id;
	out->why = q->why ? q->why : "";
	out->file = q->file;
	out->line = q->line;
	out->policy = q->any_policy ? "any" : "guest";
	out->match = q->match_text;
	out->actions = q->actions_text;
	return 0;
}

/* --- matching and applying -------------------------------------------- */

static int matches(const struct quirk *q, const struct vpci_func *f, const struct host_facts *facts)
{
	const uint8_t *v = f->val;
	uint16_t vendor = le16(v), device = le16(v + 2);

	if (facts && facts->have_ids && vendor == 0xffff) {
		vendor = facts->vendor;
		device = facts->device;
	}
	if (q->has_vendor && vendor != q->vendor)
		return 0;
	if (q->ndev) {
		int hit = 0;
		for (unsigned i = 0; i < q->ndev; i++)
			hit |= (device & q->device_mask) == (q->device[i] & q->device_mask);
		if (!hit)
			return 0;
	}
	if (q->has_sv && le16(v + 0x2c) != q->sv)
		return 0;
	if (q->has_sd && le16(v + 0x2e) != q->sd)
		return 0;
	if (q->has_class && (le_get(v + 9, 3) & q->cls_mask) != (q->cls & q->cls_mask))
		return 0;
	if (q->has_rev && v[8] != q->rev)
		return 0;
	if (q->vf >= 0 && (facts ? facts->is_vf : 0) != q->vf)
		return 0;
	return 1;
}

struct set_ctx {
	const struct qaction *a;
	int done;
};

static int set_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct set_ctx *s = ctx;
	uint64_t full = width_mask(r->fd->width);

	if (strcmp(r->name, s->a->field))
		return 0;
	uint64_t old = le_get64(f->val + r->off, r->fd->width);
	uint64_t m = s->a->mask & full;
	le_put64(f->val + r->off, r->fd->width, (old & ~m) | (s->a->value & m));
	s->done = 1;
	return 1;
}

/* Is [off, off+len) unused: no capability, no declared free range, no
 * byte with a value or a plane bit? */
static int range_unused(const struct vpci_func *f, unsigned off, unsigned len)
{
	if (off + len > f->size)
		return 0;
	if (func_cap_overlapping(f, off, len) >= 0)
		return 0;
	for (unsigned r = 0; r < f->nfree; r++)
		if (off < f->free[r].off + f->free[r].len && f->free[r].off < off + len)
			return 0;
	for (unsigned i = off; i < off + len; i++) {
		if (f->val[i])
			return 0;
		for (unsigned p = 0; p < VPCI_PL_COUNT; p++)
			if (f->pl[p][i])
				return 0;
	}
	return 1;
}

/* Declare the first of the action's offsets that is unused as a free
 * range; its offset, or -1 when none is. */
static int reserve_range(struct vpci_func *f, const struct qaction *a)
{
	for (unsigned o = 0; o < a->nroff; o++)
		if (range_unused(f, a->roff[o], a->rlen))
			return func_add_free_range(f, a->roff[o], a->rlen, 0) ? -1 : a->roff[o];
	return -1;
}

int quirks_plan(struct vpci_func *f, const struct host_facts *facts, enum vpci_policy pol,
		const char *dir, struct quirk_plan *plan, vpci_diag *d)
{
	vpci_quirkdb *db;
	int rc = vpci_quirkdb_load(dir, &db, d);

	memset(plan, 0, sizeof(*plan));
	plan->ref = -1;
	if (rc)
		return rc;
	plan->db = db;
	for (unsigned i = 0; i < db->n; i++) {
		const struct quirk *q = &db->q[i];
		if ((pol == VPCI_POLICY_RAW && !q->any_policy) || !matches(q, f, facts))
			continue;
		if (plan->n < ARRAY_SIZE(plan->idx))
			plan->idx[plan->n++] = i;
		for (unsigned k = 0; k < q->na; k++) {
			const struct qaction *a = &q->a[k];
			if (a->kind == QA_DEVICE_GAPS)
				plan->device_gaps = 1;
			if (a->kind == QA_REFERENCE && pol == VPCI_POLICY_GUEST) {
				if (plan->ref >= 0) {
					struct diag_pos pos = DIAG_NOPOS;
					pos.file = facts ? facts->slot : NULL;
					diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos,
						 "quirks %s and %s both name a reference instance; %s is used",
						 db->q[plan->idx[plan->ref]].id, q->id, db->q[plan->idx[plan->ref]].id);
				} else {
					plan->ref = (int)plan->n - 1;
					plan->ref_file = a->ref;
				}
			}
			if (a->kind == QA_KEEP && plan->nkeep < ARRAY_SIZE(plan->keep)) {
				plan->keep[plan->nkeep].ext = (uint8_t)a->ext;
				plan->keep[plan->nkeep].id = a->id;
				plan->keep[plan->nkeep].device = (uint8_t)a->device;
				plan->nkeep++;
			}
		}
	}
	return 0;
}

int quirks_finish(struct vpci_func *f, const struct host_facts *facts, struct quirk_plan *plan, vpci_diag *d)
{
	struct diag_pos pos = DIAG_NOPOS;
	struct strbuf ids;
	int changed = 0;

	pos.file = facts ? facts->slot : NULL;
	sb_init(&ids);
	for (unsigned i = 0; i < plan->n; i++) {
		const struct quirk *q = &plan->db->q[plan->idx[i]];
		int effective = 0;
		for (unsigned k = 0; k < q->na; k++) {
			const struct qaction *a = &q->a[k];
			if (a->kind == QA_DEVICE_GAPS) {
				effective = 1;
			} else if (a->kind == QA_KEEP) {
				for (unsigned c = 0; c < f->ncaps; c++)
					effective |= f->caps[c].ext == a->ext && f->caps[c].id == a->id;
			} else if (a->kind == QA_HIDE) {
				for (unsigned c = 0; c < f->ncaps; c++) {
					if (f->caps[c].ext == a->ext && f->caps[c].id == a->id) {
						func_remove_cap(f, c);
						c--;
						changed = effective = 1;
					}
				}
			} else if (a->kind == QA_RESERVE) {
				int at = reserve_range(f, a);
				if (at < 0) {
					struct strbuf offs;
					sb_init(&offs);
					for (unsigned o = 0; o < a->nroff; o++)
						sb_printf(&offs, "%s0x%x", o ? " or " : "", a->roff[o]);
					char *list = sb_finish(&offs, NULL);
					diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos,
						 "quirk %s: %u bytes at %s are not free in the guest view; the VMM "
						 "has no place for the capability the driver looks for there",
						 q->id, a->rlen, list ? list : "?");
					free(list);
				} else {
					changed = effective = 1;
				}
			} else if (a->kind == QA_REFERENCE) {
				effective |= plan->ref >= 0 && plan->ref_file == a->ref;
			} else if (a->kind == QA_SET) {
				struct set_ctx s = { a, 0 };
				if (a->in_header)
					func_foreach_cap_field(f, -1, set_cb, &s);
				for (unsigned c = 0; !a->in_header && c < f->ncaps; c++)
					if (f->caps[c].ext == a->ext && f->caps[c].id == a->id)
						func_foreach_cap_field(f, (int)c, set_cb, &s);
				if (!s.done)
					diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos,
						 "quirk %s: field '%s' not found; action skipped", q->id, a->field);
				changed |= s.done;
				effective |= s.done;
			}
		}
		if (!effective)
			continue;
		diag_add(d, VPCI_SEV_NOTE, 0, pos, "quirk %s applied (%s:%u)", q->id, q->file, q->line);
		sb_puts(&ids, ids.len ? ", " : "[");
		sb_puts(&ids, q->id);
	}
	if (changed) {
		f->val[0x06] = (uint8_t)((f->val[0x06] & ~0x10u) | (f->nstd ? 0x10u : 0));
		func_apply_structure(f);
	}
	int rc = 0;
	if (ids.len) {
		sb_putc(&ids, ']');
		char *s = sb_finish(&ids, NULL);
		rc = s ? func_add_origin(f, "quirks", s) : VPCI_ENOMEM;
		free(s);
	} else {
		sb_free(&ids);
	}
	return rc;
}

static const char *bar_kind(const struct barinst *b)
{
	static const char *const names[] = { "none", "io", "mem32", "mem64", "mem64-hi" };

	return b->type < ARRAY_SIZE(names) ? names[b->type] : "?";
}

int quirks_reference(struct vpci_func **fp, const struct host_facts *facts, const struct quirk_plan *plan,
		     int *used, vpci_diag *d)
{
	struct vpci_func *g = *fp, *r = NULL;
	struct diag_pos pos = DIAG_NOPOS;
	int rc, bad = 0;

	*used = 0;
	if (plan->ref < 0)
		return 0;
	const struct quirk *q = &plan->db->q[plan->idx[plan->ref]];
	pos.file = facts ? facts->slot : NULL;
	rc = vpci_parse_file(plan->ref_file, &r, d);
	if (rc) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "quirk %s: its reference instance %s does not load",
			 q->id, plan->ref_file);
		return rc == VPCI_ENOMEM ? rc : VPCI_EDATA;
	}
	/* the reference must describe this function: the same identity and
	 * BARs the device can back (kinds and sizes) */
	static const struct { unsigned off, width; const char *name; } ids[] = {
		{ 0x00, 2, "vendor-id" }, { 0x02, 2, "device-id" }, { 0x09, 3, "class-code" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++) {
		uint32_t gv = le_get(g->val + ids[i].off, ids[i].width), rv = le_get(r->val + ids[i].off, ids[i].width);
		if (gv != rv) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos,
				 "quirk %s: reference %s has %s %#x, the function %#x", q->id, plan->ref_file,
				 ids[i].name, rv, gv);
			bad = 1;
		}
	}
	if (r->kind != g->kind) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos, "quirk %s: reference %s has another header layout",
			 q->id, plan->ref_file);
		bad = 1;
	}
	for (unsigned i = 0; !bad && i <= ROM_INDEX; i++) {
		const struct barinst *gb = &g->bar[i], *rb = &r->bar[i];
		const char *what = i == ROM_INDEX ? "ROM" : "BAR";
		if (rb->type == VPCI_BAR_NONE)
			continue; /* an instance may leave a BAR out */
		if (gb->type == VPCI_BAR_NONE && facts && !facts->bar_known) {
			/* bare config bytes: a BAR reading 0 may be unassigned */
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos,
				 "quirk %s: %s %u of reference %s cannot be checked: the source gives no BAR sizes",
				 q->id, what, i, plan->ref_file);
			continue;
		}
		if (gb->type != rb->type || gb->pref != rb->pref) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos,
				 "quirk %s: reference %s has %s %u as %s%s, the function as %s%s", q->id,
				 plan->ref_file, what, i, bar_kind(rb), rb->pref ? " prefetchable" : "",
				 bar_kind(gb), gb->pref ? " prefetchable" : "");
			bad = 1;
		} else if (gb->size_known && rb->size_known && gb->size != rb->size) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, pos,
				 "quirk %s: reference %s gives %s %u %#llx bytes, the function has %#llx", q->id,
				 plan->ref_file, what, i, (unsigned long long)rb->size, (unsigned long long)gb->size);
			bad = 1;
		}
	}
	if (bad) {
		vpci_func_free(r);
		return VPCI_EDATA;
	}
	/* where it was derived from, plus which reference it is */
	char note[300];
	func_clear_origin(r);
	rc = 0;
	for (unsigned i = 0; i < g->norigin; i++)
		rc |= func_add_origin(r, g->origin[i].key, g->origin[i].value);
	snprintf(note, sizeof(note), "reference instance %s (quirk %s)", plan->ref_file, q->id);
	rc |= func_add_origin(r, "note", note);
	if (rc) {
		vpci_func_free(r);
		return VPCI_ENOMEM;
	}
	vpci_func_free(g);
	*fp = r;
	*used = 1;
	return 0;
}

void quirks_plan_free(struct quirk_plan *plan)
{
	vpci_quirkdb_free(plan->db);
	memset(plan, 0, sizeof(*plan));
}
