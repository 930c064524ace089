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
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "quirks_builtin.h"
#include "host/host.h"
#include "text/text.h"
#include "vpci/bind.h"
#include "vpci/quirks.h"
#include "yaml/reader.h"

enum qa_kind { QA_HIDE, QA_KEEP, QA_SET, QA_DEVICE_GAPS, QA_RESERVE, QA_REFERENCE };

#define QA_MAX_OFFSETS 4
#define MAX_QUIRKS 1024         /* per file */
#define MAX_ACTIONS 16          /* per quirk */

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
	char *ref;              /* QA_REFERENCE: path of the instance file, or NAME@N */
	int ref_type;           /* ... an instance type on the types path */
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
	const struct vpci_quirkdb *base; /* the built-in database, shared; NULL in itself */
	struct quirk *q;                 /* entries of the quirk directory (or the built-ins) */
	unsigned n;
};

/* Entry @i: the built-in ones first, then those of the directory. */
static const struct quirk *quirk_at(const struct vpci_quirkdb *db, unsigned i)
{
	unsigned nb = db->base ? db->base->n : 0;

	return i < nb ? &db->base->q[i] : &db->q[i - nb];
}

static unsigned quirk_count(const struct vpci_quirkdb *db)
{
	return (db->base ? db->base->n : 0) + db->n;
}

struct qctx {
	struct vpci_quirkdb *db;
	struct yr y;
	const char *dir;        /* directory of the file; NULL when built in */
	unsigned errors;        /* over every file */
	int nomem;
};

#define QERR(c, n, ...) yr_err(&(c)->y, (n), __VA_ARGS__)

static struct fy_node *get(struct qctx *c, struct fy_node *map, const char *key)
{
	return yr_get(&c->y, map, key);
}

/* One integer, or a list of up to @cap of them (alternatives). */
static int qint_list(struct qctx *c, struct fy_node *n, const char *what, uint64_t max, uint16_t *out,
		     unsigned cap, unsigned *count)
{
	uint64_t v;

	*count = 0;
	if (!n || fy_node_get_type(n) != FYNT_SEQUENCE || fy_node_is_alias(n)) {
		if (yr_uint(&c->y, n, what, max, &v))
			return -1;
		out[(*count)++] = (uint16_t)v;
		return 0;
	}
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(n, &it))) {
		if (*count == cap) {
			QERR(c, item, "at most %u values in '%s'", cap, what);
			return -1;
		}
		if (yr_uint(&c->y, item, what, max, &v))
			return -1;
		out[(*count)++] = (uint16_t)v;
	}
	if (!*count) {
		QERR(c, n, "'%s' lists no value", what);
		return -1;
	}
	return 0;
}

/* 'capability: KEY' of an action: a type of the capability table. */
static int cap_ref(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	struct fy_node *n = get(c, m, "capability");
	char key[48];

	if (!n) {
		QERR(c, yr_has(m, "capability") ? NULL : m, "the action needs a 'capability'");
		return -1;
	}
	if (yr_str(&c->y, n, "capability", key, sizeof(key)))
		return -1;
	const struct vpci_cdesc *cd = captab_find_key(key);
	if (!cd || cd->kind == CK_HDR) {
		const char *cand[160];
		unsigned nc = 0;
		for (unsigned i = 0; captab_at(i) && nc < ARRAY_SIZE(cand); i++)
			if (captab_at(i)->kind != CK_HDR)
				cand[nc++] = captab_at(i)->key;
		yr_unknown(&c->y, n, NULL, key, cand, nc, "unknown capability type '%s'", key);
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
static const char *const file_keys[] = { "vpci-quirks", "quirks" };
static const char *const policy_names[] = { "guest", "any" };

/* An optional integer of a match: 1 when present and good. */
static int match_int(struct qctx *c, struct fy_node *m, const char *key, uint64_t max, uint64_t *out)
{
	struct fy_node *n = get(c, m, key);

	if (!n && !yr_has(m, key))
		return 0;
	return !yr_uint(&c->y, n, key, max, out);
}

static int parse_match(struct qctx *c, struct fy_node *m, struct quirk *q)
{
	struct fy_node *n;
	uint64_t v;
	int b;

	q->vf = -1;
	q->device_mask = 0xffff;
	q->cls_mask = 0xffffff;
	if (!m || fy_node_get_type(m) != FYNT_MAPPING || fy_node_is_alias(m)) {
		QERR(c, m, "'match' must be a mapping (use {} to match every function)");
		return -1;
	}
	if (yr_check_keys(&c->y, m, "match", YR_KEYS(match_keys)))
		return -1;
	if (match_int(c, m, "vendor", 0xffff, &v))
		q->has_vendor = 1, q->vendor = (uint16_t)v;
	if ((n = get(c, m, "device")) &&
	    qint_list(c, n, "device", 0xffff, q->device, ARRAY_SIZE(q->device), &q->ndev))
		return -1;
	if (match_int(c, m, "device-mask", 0xffff, &v))
		q->device_mask = (uint16_t)v;
	if (match_int(c, m, "subsystem-vendor", 0xffff, &v))
		q->has_sv = 1, q->sv = (uint16_t)v;
	if (match_int(c, m, "subsystem", 0xffff, &v))
		q->has_sd = 1, q->sd = (uint16_t)v;
	if (match_int(c, m, "class", 0xffffff, &v))
		q->has_class = 1, q->cls = (uint32_t)v;
	if (match_int(c, m, "class-mask", 0xffffff, &v))
		q->cls_mask = (uint32_t)v;
	if (match_int(c, m, "revision", 0xff, &v))
		q->has_rev = 1, q->rev = (uint8_t)v;
	if ((n = get(c, m, "vf")) && !yr_bool(&c->y, n, "vf", &b))
		q->vf = b;
	return 0;
}

/* reserve: {offset: OFF | [OFF, ...], length: LEN} - a free range for a
 * virtual capability that a driver looks for at a fixed offset. */
static int parse_reserve(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	static const char *const k[] = { "offset", "length" };
	struct fy_node *ln = get(c, m, "length"), *on = get(c, m, "offset");
	uint64_t v;

	a->kind = QA_RESERVE;
	if (yr_check_keys(&c->y, m, "reserve", YR_KEYS(k)))
		return -1;
	if (!on || !ln) {
		QERR(c, m, "'reserve' needs an 'offset' and a 'length'");
		return -1;
	}
	if (yr_uint(&c->y, ln, "length", 0x400, &v))
		return -1;
	if (!v || (v & 3)) {
		QERR(c, ln, "length must be a positive multiple of 4");
		return -1;
	}
	a->rlen = (uint16_t)v;
	if (qint_list(c, on, "offset", VPCI_CFG_SIZE - 4, a->roff, QA_MAX_OFFSETS, &a->nroff))
		return -1;
	for (unsigned i = 0; i < a->nroff; i++) {
		unsigned o = a->roff[i];
		if ((o & 3) || o < CFG_HEADER_END || o + a->rlen > VPCI_CFG_SIZE ||
		    (o < ECAP_START && o + a->rlen > ECAP_START)) {
			QERR(c, on, "reserved range 0x%x+0x%x must be DWORD aligned and lie in 0x40..0xff or "
			     "0x100..0xfff", o, a->rlen);
			return -1;
		}
	}
	return 0;
}

/* reference: {file: NAME.yaml} - the guest view is a reviewed instance
 * file, found beside the quirk file that names it; or {type: NAME@N} - an
 * instance type, found on the types path when derive runs (format §21). */
static int parse_reference(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	static const char *const k[] = { "file", "type" };
	struct fy_node *n = get(c, m, "file"), *tn = get(c, m, "type");
	char name[256], path[4096];

	a->kind = QA_REFERENCE;
	if (yr_check_keys(&c->y, m, "reference", YR_KEYS(k)))
		return -1;
	if (n && tn) {
		QERR(c, tn, "'reference' names a 'file' or a 'type', not both");
		return -1;
	}
	if (tn) {
		char tname[72];
		unsigned v;
		if (yr_str(&c->y, tn, "type", name, sizeof(name)))
			return -1;
		if (text_type_spec(name, tname, sizeof(tname), &v)) {
			QERR(c, tn, "reference type '%s': expected NAME@VERSION, an instance type and its version", name);
			return -1;
		}
		a->ref = xstrdup(name);
		a->ref_type = 1;
		if (!a->ref)
			c->nomem = 1;
		return a->ref ? 0 : -1;
	}
	if (!n) {
		QERR(c, yr_has(m, "file") ? NULL : m, "'reference' needs a 'file' or a 'type'");
		return -1;
	}
	if (yr_str(&c->y, n, "file", name, sizeof(name)))
		return -1;
	if (!c->dir) {
		QERR(c, n, "built-in quirks cannot name a reference file; name an instance type ('type: NAME@N') or "
		     "keep reference instances in a quirk directory (--quirk-dir)");
		return -1;
	}
	if (name[0] == '/' || strstr(name, "..")) {
		QERR(c, n, "the reference file '%s' must be a path inside the quirk directory", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (access(path, R_OK)) {
		QERR(c, n, "reference file %s: %s", path, strerror(errno));
		return -1;
	}
	a->ref = xstrdup(path);
	if (!a->ref)
		c->nomem = 1;
	return a->ref ? 0 : -1;
}

static int parse_keep(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	static const char *const k[] = { "capability", "backing" };
	struct fy_node *bn;
	unsigned e = 0;

	a->kind = QA_KEEP;
	if (yr_check_keys(&c->y, m, "keep", YR_KEYS(k)) || cap_ref(c, m, a))
		return -1;
	if ((bn = get(c, m, "backing")) && yr_enum(&c->y, bn, "backing", model_backing_names, 2, &e))
		return -1;
	a->device = e == 1;
	return 0;
}

/* The register a 'set' names: it must be a field of the table (of either
 * header layout for a header field) that the structure does not manage
 * (IDs of capabilities, next pointers, BARs are computed: setting them
 * would do nothing or break the chain).  NULL after an error. */
static const struct vpci_fdesc *set_field(struct qctx *c, struct fy_node *n, const struct qaction *a)
{
	const struct vpci_cdesc *cds[2] = { captab_find(CK_HDR, CAPTAB_HDR_TYPE0), captab_find(CK_HDR, CAPTAB_HDR_TYPE1) };
	const struct vpci_fdesc *fd = NULL;

	if (!a->in_header)
		cds[0] = captab_find(a->ext ? CK_EXT : CK_STD, a->id), cds[1] = NULL;
	for (int k = 0; k < 2 && !fd; k++)
		fd = captab_find_field(cds[k], a->field);
	if (!fd) {
		QERR(c, n, "'set': %s has no field '%s'", a->in_header ? "the header" : cds[0]->name, a->field);
		return NULL;
	}
	if (fd->flags & FD_MANAGED) {
		QERR(c, n, "'set': '%s' is computed from the structure (capability lists, BARs); a quirk cannot set it",
		     a->field);
		return NULL;
	}
	return fd;
}

static int parse_set(struct qctx *c, struct fy_node *m, struct qaction *a)
{
	static const char *const k[] = { "capability", "field", "value", "mask" };
	struct fy_node *n;

	a->kind = QA_SET;
	if (yr_check_keys(&c->y, m, "set", YR_KEYS(k)))
		return -1;
	if (yr_has(m, "capability")) {
		if (cap_ref(c, m, a))
			return -1;
	} else {
		a->in_header = 1;
	}
	if (!(n = get(c, m, "field"))) {
		QERR(c, yr_has(m, "field") ? NULL : m, "'set' needs a 'field'");
		return -1;
	}
	if (yr_str(&c->y, n, "field", a->field, sizeof(a->field)))
		return -1;
	const struct vpci_fdesc *fd = set_field(c, n, a);
	if (!fd)
		return -1;
	uint64_t full = width_mask(fd->width);
	if (!(n = get(c, m, "value"))) {
		QERR(c, yr_has(m, "value") ? NULL : m, "'set' needs a 'value'");
		return -1;
	}
	if (yr_uint(&c->y, n, "value", full, &a->value))
		return -1;
	a->mask = full;
	if ((n = get(c, m, "mask")) && yr_uint(&c->y, n, "mask", full, &a->mask))
		return -1;
	return 0;
}

enum { VERB_HIDE, VERB_KEEP, VERB_SET, VERB_DEVICE_GAPS, VERB_RESERVE, VERB_REFERENCE, VERB_COUNT };
static const char *const verbs[VERB_COUNT] = {
	[VERB_HIDE] = "hide", [VERB_KEEP] = "keep", [VERB_SET] = "set",
	[VERB_DEVICE_GAPS] = "device-gaps", [VERB_RESERVE] = "reserve", [VERB_REFERENCE] = "reference",
};

static int parse_action(struct qctx *c, struct fy_node *item, struct qaction *a)
{
	struct fy_node_pair *p;
	void *it = NULL;
	char verb[32];
	unsigned v;

	memset(a, 0, sizeof(*a));
	if (!item || fy_node_get_type(item) != FYNT_MAPPING || fy_node_is_alias(item) ||
	    fy_node_mapping_item_count(item) != 1) {
		QERR(c, item, "an action is a mapping with one key: hide, keep, set, device-gaps, reserve or reference");
		return -1;
	}
	p = fy_node_mapping_iterate(item, &it);
	if (yr_key(&c->y, fy_node_pair_key(p), "an action", verb, sizeof(verb)))
		return -1;
	for (v = 0; v < VERB_COUNT && strcmp(verb, verbs[v]); v++)
		;
	if (v == VERB_COUNT) {
		yr_unknown(&c->y, fy_node_pair_key(p), NULL, verb, verbs, VERB_COUNT,
			   "unknown action '%s' (hide, keep, set, device-gaps, reserve or reference)", verb);
		return -1;
	}
	struct fy_node *m = yr_pair_value(&c->y, p);
	if (v == VERB_DEVICE_GAPS) {
		int b = 0;
		if (yr_bool(&c->y, m, "device-gaps", &b))
			return -1;
		a->kind = QA_DEVICE_GAPS;
		return b ? 0 : -1;
	}
	if (!m || fy_node_get_type(m) != FYNT_MAPPING || fy_node_is_alias(m)) {
		QERR(c, m, "'%s' takes a mapping", verb);
		return -1;
	}
	switch (v) {
	case VERB_HIDE: {
		static const char *const k[] = { "capability" };
		a->kind = QA_HIDE;
		if (yr_check_keys(&c->y, m, "hide", YR_KEYS(k)) || cap_ref(c, m, a))
			return -1;
		if (!a->ext && a->id == CAPID_PCIE) {
			/* software walks extended capabilities only on a PCIe
			 * function (PCIe r6.0 §7.6) */
			QERR(c, m, "'hide': the PCI Express capability cannot be hidden: the extended capabilities "
			     "would be unreachable and the function no longer PCI Express");
			return -1;
		}
		return 0;
	}
	case VERB_KEEP: return parse_keep(c, m, a);
	case VERB_SET: return parse_set(c, m, a);
	case VERB_RESERVE: return parse_reserve(c, m, a);
	default: return parse_reference(c, m, a);
	}
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

/* id, why and policy of a quirk; 0 when the id is usable. */
static int parse_about(struct qctx *c, struct fy_node *item, struct quirk *q)
{
	struct fy_node *n = get(c, item, "id");
	char id[65];
	unsigned pol = 0;

	if (!n) {
		QERR(c, yr_has(item, "id") ? NULL : item, "a quirk needs an 'id'");
		return -1;
	}
	if (yr_ident(&c->y, n, "id", 64, id))
		return -1;
	for (unsigned i = 0; i < quirk_count(c->db); i++)
		if (!strcmp(quirk_at(c->db, i)->id, id))
			QERR(c, n, "quirk '%s' is defined twice (also in %s)", id, quirk_at(c->db, i)->file);
	q->id = xstrdup(id);
	unsigned col;
	if (!yr_mark(item, &q->line, &col))
		q->line = 0;
	q->file = xstrdup(c->y.opts.file);
	n = get(c, item, "why");
	if (!n || yr_strdup(&c->y, n, "why", &q->why) || strlen(q->why) < 10) {
		if (!n || q->why)
			QERR(c, n ? n : yr_has(item, "why") ? NULL : item, "quirk '%s' needs a 'why' that explains it", id);
		free(q->why);
		q->why = NULL;
	}
	if ((n = get(c, item, "policy")) && !yr_enum(&c->y, n, "policy", policy_names, 2, &pol))
		q->any_policy = pol == 1;
	return 0;
}

/* The quirk whose actions are being read, for yr_each(). */
struct action_ctx {
	struct qctx *c;
	struct quirk *q;
};

static int parse_action_item(void *ctx, struct fy_node *item, unsigned i)
{
	struct action_ctx *ac = ctx;

	(void)i;
	if (!parse_action(ac->c, item, &ac->q->a[ac->q->na]))
		ac->q->na++;
	return 0;
}

static void parse_actions(struct qctx *c, struct fy_node *item, struct quirk *q)
{
	struct fy_node *acts = get(c, item, "actions");
	struct action_ctx ac = { c, q };

	q->actions_text = yr_flow_text(acts);
	if (!acts || fy_node_get_type(acts) != FYNT_SEQUENCE || fy_node_is_alias(acts) ||
	    !fy_node_sequence_item_count(acts)) {
		QERR(c, acts ? acts : yr_has(item, "actions") ? NULL : item, "quirk '%s' needs a list of 'actions'", q->id);
		return;
	}
	q->a = calloc(MAX_ACTIONS, sizeof(*q->a));
	if (!q->a) {
		c->nomem = 1;
		return;
	}
	yr_each(&c->y, acts, "actions", MAX_ACTIONS, "actions in a quirk", parse_action_item, &ac);
}

static int parse_quirk(void *ctx, struct fy_node *item, unsigned i)
{
	struct qctx *c = ctx;
	struct quirk q;

	memset(&q, 0, sizeof(q));
	(void)i;
	if (yr_want(&c->y, item, FYNT_MAPPING, "a quirk") ||
	    yr_check_keys(&c->y, item, "a quirk", YR_KEYS(quirk_keys)) || parse_about(c, item, &q)) {
		quirk_free(&q);
		return 0;
	}
	parse_match(c, get(c, item, "match"), &q);
	q.match_text = yr_flow_text(get(c, item, "match"));
	parse_actions(c, item, &q);
	struct quirk *nq = realloc(c->db->q, (c->db->n + 1) * sizeof(*nq));
	if (!nq || !q.id || !q.file || !q.match_text || !q.actions_text) {
		quirk_free(&q);
		if (nq)
			c->db->q = nq;
		c->nomem = 1;
		return -1;
	}
	c->db->q = nq;
	c->db->q[c->db->n++] = q;
	return 0;
}

static void load_text(struct qctx *c, const char *file, const char *text, size_t len, vpci_diag *d)
{
	struct yr_opts opts = { file, "a quirk file", 0, 0 };
	struct fy_node *root, *list, *n;
	uint64_t v;

	if (yr_open(&c->y, text, len, &opts, d))
		goto out;
	root = c->y.root;
	if (!root) {
		yr_err_at(&c->y, 1, 1, "empty quirk file: it starts with 'vpci-quirks: 1'");
		goto out;
	}
	if (yr_want(&c->y, root, FYNT_MAPPING, "a quirk file"))
		goto out;
	yr_check_keys(&c->y, root, "a quirk file", YR_KEYS(file_keys));
	if (!(n = get(c, root, "vpci-quirks"))) {
		QERR(c, yr_has(root, "vpci-quirks") ? NULL : root, "a quirk file starts with 'vpci-quirks: 1'");
		goto out;
	}
	if (yr_uint(&c->y, n, "vpci-quirks", 0xffff, &v))
		goto out;
	if (v != 1) {
		QERR(c, n, "quirk format version %llu is not supported (this library reads version 1)",
		     (unsigned long long)v);
		goto out;
	}
	list = get(c, root, "quirks");
	yr_each(&c->y, list, "'quirks'", MAX_QUIRKS, "quirks in a file", parse_quirk, c);
out:
	c->errors += c->y.errors;
	yr_close(&c->y);
}

/* Read a quirk file of the directory (at most the reader's size limit,
 * plus one byte for it to refuse a longer file with its position). */
static void load_file(struct qctx *c, const char *path, vpci_diag *d)
{
	FILE *fp = fopen(path, "rb");
	char *buf = malloc(YR_MAX_BYTES + 1);
	size_t n = 0;

	if (!fp || !buf) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = path;
		if (buf)
			diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot read the quirk file: %s", strerror(errno));
		else
			c->nomem = 1;
		c->errors++;
	} else {
		n = fread(buf, 1, YR_MAX_BYTES + 1, fp);
		load_text(c, path, buf, n, d);
	}
	if (fp)
		fclose(fp);
	free(buf);
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml files of @dir, in name order (readdir's order is the
 * file system's; the database's order must not depend on it). */
static int load_dir(struct qctx *c, const char *dir, vpci_diag *d)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!dh) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = dir;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot read the quirk directory: %s", strerror(errno));
		return VPCI_EIO;
	}
	while ((e = readdir(dh))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".yaml"))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = xstrdup(e->d_name))) {
			names = nn ? nn : names;
			c->nomem = 1;
			break;
		}
		names = nn;
		n++;
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), name_order);
	c->dir = dir;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!c->nomem)
			load_file(c, path, d);
		free(names[i]);
	}
	free(names);
	return 0;
}

static void db_free(struct vpci_quirkdb *db)
{
	if (!db)
		return;
	for (unsigned i = 0; i < db->n; i++)
		quirk_free(&db->q[i]);
	free(db->q);
	free(db);
}

/*
 * The built-in database is parsed once per process, on first use, and
 * shared by every database loaded after it (derive --all derives many
 * functions; each would otherwise parse it again).  Lock-free: the first
 * thread to finish publishes its copy; a thread that lost the race frees
 * its own.  Not cached after a failure (out of memory), so a later call
 * tries again.  It is never freed: it lives as long as the library.
 */
static _Atomic(struct vpci_quirkdb *) builtin_db;

static int builtin(const struct vpci_quirkdb **out, vpci_diag *d)
{
	struct vpci_quirkdb *db = atomic_load_explicit(&builtin_db, memory_order_acquire), *none = NULL;
	struct qctx c;

	if (db) {
		*out = db;
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.db = calloc(1, sizeof(*c.db));
	if (!c.db)
		return VPCI_ENOMEM;
	for (unsigned i = 0; i < quirks_builtin_count && !c.nomem; i++)
		load_text(&c, quirks_builtin[i].name, quirks_builtin[i].text, strlen(quirks_builtin[i].text), d);
	if (c.errors || c.nomem) {
		db_free(c.db);
		return c.nomem ? VPCI_ENOMEM : VPCI_EDATA;
	}
	if (!atomic_compare_exchange_strong_explicit(&builtin_db, &none, c.db, memory_order_acq_rel,
						     memory_order_acquire)) {
		db_free(c.db);
		c.db = none;
	}
	*out = c.db;
	return 0;
}

VPCI_EXPORT int vpci_quirkdb_load(const char *dir, vpci_quirkdb **out, vpci_diag *d)
{
	struct qctx c;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.db = calloc(1, sizeof(*c.db));
	if (!c.db)
		return VPCI_ENOMEM;
	rc = builtin(&c.db->base, d);
	if (!rc && dir)
		rc = load_dir(&c, dir, d);
	if (!rc && c.nomem)
		rc = VPCI_ENOMEM;
	if (!rc && c.errors)
		rc = VPCI_EDATA;
	if (rc) {
		vpci_quirkdb_free(c.db);
		return rc;
	}
	*out = c.db;
	return 0;
}

VPCI_EXPORT void vpci_quirkdb_free(vpci_quirkdb *db)
{
	db_free(db); /* the shared built-in entries are not its own */
}

VPCI_EXPORT size_t vpci_quirkdb_count(const vpci_quirkdb *db)
{
	return db ? quirk_count(db) : 0;
}

VPCI_EXPORT int vpci_quirkdb_get(const vpci_quirkdb *db, size_t i, struct vpci_quirk_info *out)
{
	if (!db || i >= quirk_count(db))
		return VPCI_ENOENT;
	const struct quirk *q = quirk_at(db, (unsigned)i);
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
	uint16_t vendor = le16(v + CFG_VENDOR_ID), device = le16(v + CFG_DEVICE_ID);

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
	if (q->has_sv && le16(v + CFG0_SUBSYSTEM_VENDOR) != q->sv)
		return 0;
	if (q->has_sd && le16(v + CFG0_SUBSYSTEM_ID) != q->sd)
		return 0;
	if (q->has_class && (le_get(v + CFG_CLASS_CODE, 3) & q->cls_mask) != (q->cls & q->cls_mask))
		return 0;
	if (q->has_rev && v[CFG_REVISION_ID] != q->rev)
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
	/* a range kept for any capability (space a hidden capability left)
	 * gives way; one kept for another name does not */
	for (unsigned r = 0; r < f->nfree; r++)
		if (off < f->free[r].off + f->free[r].len && f->free[r].off < off + len && f->free[r].tag[0])
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

/* Keep the first of the action's offsets that is unused for the virtual
 * capability named after the quirk (format §19); its offset, or -1 when
 * none is. */
static int reserve_range(struct vpci_func *f, const struct quirk *q, const struct qaction *a)
{
	for (unsigned o = 0; o < a->nroff; o++)
		if (range_unused(f, a->roff[o], a->rlen))
			return func_reserve_range(f, a->roff[o], a->rlen, q->id) ? -1 : a->roff[o];
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
	for (unsigned i = 0; i < quirk_count(db); i++) {
		const struct quirk *q = quirk_at(db, i);
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
						 quirk_at(db, plan->idx[plan->ref])->id, q->id,
						 quirk_at(db, plan->idx[plan->ref])->id);
				} else {
					plan->ref = (int)plan->n - 1;
					plan->ref_file = a->ref;
					plan->ref_type = a->ref_type;
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

/* Result of running one action on the guest view. */
enum { ACT_IDLE = 0, ACT_EFFECTIVE = 1, ACT_CHANGED = 2, ACT_NOMEM = 4 };

static int run_reserve(struct vpci_func *f, const struct quirk *q, const struct qaction *a, struct diag_pos pos,
		       vpci_diag *d)
{
	struct strbuf offs;

	if (reserve_range(f, q, a) >= 0)
		return ACT_EFFECTIVE | ACT_CHANGED;
	sb_init(&offs);
	for (unsigned o = 0; o < a->nroff; o++)
		sb_printf(&offs, "%s0x%x", o ? " or " : "", a->roff[o]);
	char *list = sb_finish(&offs, NULL);
	diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos,
		 "quirk %s: %u bytes at %s are not free in the guest view; the VMM has no place for the "
		 "capability the driver looks for there", q->id, a->rlen, list ? list : "?");
	free(list);
	return ACT_IDLE;
}

static int run_set(struct vpci_func *f, const struct quirk *q, const struct qaction *a, struct diag_pos pos,
		   vpci_diag *d)
{
	struct set_ctx s = { a, 0 };

	if (a->in_header)
		func_foreach_cap_field(f, -1, set_cb, &s);
	for (unsigned c = 0; !a->in_header && c < f->ncaps; c++)
		if (f->caps[c].ext == a->ext && f->caps[c].id == a->id)
			func_foreach_cap_field(f, (int)c, set_cb, &s);
	if (!s.done)
		diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, pos, "quirk %s: field '%s' not found; action skipped",
			 q->id, a->field);
	return s.done ? ACT_EFFECTIVE | ACT_CHANGED : ACT_IDLE;
}

static int run_action(struct vpci_func *f, const struct quirk *q, const struct qaction *a,
		      const struct quirk_plan *plan, struct diag_pos pos, vpci_diag *d)
{
	int r = ACT_IDLE;

	switch (a->kind) {
	case QA_DEVICE_GAPS:
		return ACT_EFFECTIVE;
	case QA_KEEP:
		for (unsigned c = 0; c < f->ncaps; c++)
			if (f->caps[c].ext == a->ext && f->caps[c].id == a->id)
				r = ACT_EFFECTIVE;
		return r;
	case QA_HIDE:
		for (unsigned c = 0; c < f->ncaps;) {
			if (f->caps[c].ext == a->ext && f->caps[c].id == a->id) {
				unsigned off = f->caps[c].off, len = cap_extent(&f->caps[c]);
				func_remove_cap(f, c);
				/* the space it leaves is room for virtual capabilities */
				r |= ACT_EFFECTIVE | ACT_CHANGED | (func_free_hidden(f, off, len) ? ACT_NOMEM : 0);
			} else {
				c++;
			}
		}
		return r;
	case QA_RESERVE:
		return run_reserve(f, q, a, pos, d);
	case QA_REFERENCE:
		return plan->ref >= 0 && plan->ref_file == a->ref ? ACT_EFFECTIVE : ACT_IDLE;
	case QA_SET:
		return run_set(f, q, a, pos, d);
	}
	return r;
}

int quirks_finish(struct vpci_func *f, const struct host_facts *facts, struct quirk_plan *plan, vpci_diag *d)
{
	struct diag_pos pos = DIAG_NOPOS;
	struct strbuf ids;
	int changed = 0, rc = 0;

	pos.file = facts ? facts->slot : NULL;
	sb_init(&ids);
	for (unsigned i = 0; i < plan->n; i++) {
		const struct quirk *q = quirk_at(plan->db, plan->idx[i]);
		int r = 0;
		for (unsigned k = 0; k < q->na; k++)
			r |= run_action(f, q, &q->a[k], plan, pos, d);
		if (r & ACT_NOMEM) {
			sb_free(&ids);
			return VPCI_ENOMEM;
		}
		changed |= r & ACT_CHANGED;
		if (!(r & ACT_EFFECTIVE))
			continue;
		diag_add(d, VPCI_SEV_NOTE, 0, pos, "quirk %s applied (%s:%u)", q->id, q->file, q->line);
		sb_puts(&ids, ids.len ? ", " : "[");
		sb_puts(&ids, q->id);
	}
	if (changed) {
		func_sync_caplist(f);
		func_apply_structure(f);
	}
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

/* What a reference is checked against, and where to report. */
struct ref_check {
	const struct quirk *q;
	const char *file;        /* the reference instance */
	struct diag_pos pos;
};

/* The reference has the function's identity and header layout. */
static int reference_ids_fit(const struct vpci_func *g, const struct vpci_func *r, const struct ref_check *rc,
			     vpci_diag *d)
{
	static const struct { unsigned off, width; const char *name; } ids[] = {
		{ CFG_VENDOR_ID, 2, "vendor-id" }, { CFG_DEVICE_ID, 2, "device-id" },
		{ CFG_CLASS_CODE, 3, "class-code" },
	};
	int fit = 1;

	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++) {
		uint32_t gv = le_get(g->val + ids[i].off, ids[i].width), rv = le_get(r->val + ids[i].off, ids[i].width);
		if (gv != rv) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, rc->pos, "quirk %s: reference %s has %s %#x, the function %#x",
				 rc->q->id, rc->file, ids[i].name, rv, gv);
			fit = 0;
		}
	}
	if (r->kind != g->kind) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, rc->pos, "quirk %s: reference %s has another header layout",
			 rc->q->id, rc->file);
		fit = 0;
	}
	return fit;
}

/* The function, as it is (raw config with BAR kinds and sizes), can back
 * the reference: every can-back rule (vpci_bind(), docs/binding.md), every
 * reason reported at its line of the reference file.  1, 0, or
 * VPCI_ENOMEM. */
static int reference_binds(const struct vpci_func *phys, const struct vpci_func *r, const struct ref_check *rc,
			   vpci_diag *d)
{
	vpci_binding *b = NULL;
	int st;

	if (!phys)
		return 1;
	st = vpci_bind(r, phys, &b, d);
	vpci_binding_free(b);
	if (st == VPCI_ENOMEM)
		return st;
	if (st) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, rc->pos,
			 "quirk %s: the function cannot back reference %s (reasons above)", rc->q->id, rc->file);
		return 0;
	}
	return 1;
}

/* The instance type @spec, from the first directory of @types that has
 * NAME@N.yaml; *@path receives the file.  0, VPCI_ENOENT, or the reader's
 * error. */
static int load_type_ref(const char *spec, const char *const *types, struct vpci_func **out, char *path,
			 size_t size, vpci_diag *d)
{
	char name[72];
	unsigned v;
	struct vpci_parse_opts o = { 0, types };

	*out = NULL;
	if (text_type_spec(spec, name, sizeof(name), &v))
		return VPCI_EINVAL;
	for (const char *const *dir = types; dir && *dir; dir++) {
		snprintf(path, size, "%s/%s.yaml", *dir, spec);
		if (access(path, R_OK))
			continue;
		int rc = vpci_parse_file_opts(path, &o, out, d);
		if (rc)
			return rc;
		if (strcmp(vpci_func_name(*out), name) || vpci_func_version(*out) != v) {
			vpci_func_free(*out);
			*out = NULL;
			return VPCI_EDATA;
		}
		return 0;
	}
	return VPCI_ENOENT;
}

int quirks_reference(struct vpci_func **fp, const struct vpci_func *phys, const struct host_facts *facts,
		     const struct quirk_plan *plan, const char *const *types, int *used, vpci_diag *d)
{
	struct vpci_func *g = *fp, *r = NULL;
	char path[4096];
	struct ref_check chk = { NULL, plan->ref_file, DIAG_NOPOS };
	int rc;

	*used = 0;
	if (plan->ref < 0)
		return 0;
	chk.q = quirk_at(plan->db, plan->idx[plan->ref]);
	chk.pos.file = facts ? facts->slot : NULL;
	if (plan->ref_type) {
		rc = load_type_ref(plan->ref_file, types, &r, path, sizeof(path), d);
		if (rc == VPCI_ENOENT)
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, chk.pos,
				 "quirk %s: its reference type %s is on no directory of the types path", chk.q->id,
				 plan->ref_file);
		else if (rc)
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, chk.pos,
				 "quirk %s: its reference type %s (%s) does not load as that type", chk.q->id,
				 plan->ref_file, path);
	} else {
		rc = vpci_parse_file(plan->ref_file, &r, d);
		if (rc)
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, chk.pos,
				 "quirk %s: its reference instance %s does not load", chk.q->id, plan->ref_file);
	}
	if (rc)
		return rc == VPCI_ENOMEM ? rc : VPCI_EDATA;
	/* the reference must describe this function (the same identity), and
	 * the function must be able to back it */
	int fit = reference_ids_fit(g, r, &chk, d);
	if (fit)
		fit = reference_binds(phys, r, &chk, d);
	if (fit != 1) {
		vpci_func_free(r);
		return fit < 0 ? fit : VPCI_EDATA;
	}
	/* a type is extended, not copied: the result is an instance of it
	 * (written as `extends: NAME@N` and no difference), not the type */
	if (plan->ref_type) {
		struct vpci_func *inst = vpci_func_dup(r);
		if (!inst || !(inst->extends = xstrdup(plan->ref_file))) {
			vpci_func_free(inst);
			vpci_func_free(r);
			return VPCI_ENOMEM;
		}
		vpci_func_free(inst->base);
		inst->base = r;
		inst->type_version = 0;
		vpci_func_set_description(inst, NULL);
		r = inst;
	}
	/* where it was derived from, plus which reference it is */
	char note[300];
	func_clear_origin(r);
	rc = 0;
	for (unsigned i = 0; i < g->norigin; i++)
		rc |= func_add_origin(r, g->origin[i].key, g->origin[i].value);
	snprintf(note, sizeof(note), "reference %s %s (quirk %s)", plan->ref_type ? "type" : "instance",
		 plan->ref_file, chk.q->id);
	rc |= func_add_origin_note(r, note);
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
