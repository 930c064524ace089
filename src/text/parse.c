/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse.c - reader of the vPCI instance format v1 (docs/format.md)
 *
 * The YAML layer (src/yaml/reader.h) checks the text, builds the YAML 1.2
 * tree and reads typed scalars with positions; this file walks the tree
 * against the format, builds the model and reports every problem with the
 * line and column of its node.  The model is then checked by
 * vpci_validate().
 *
 * Order of construction (so that raw bytes can override anything):
 *   header and capability field values -> structure (chain, BAR types)
 *   -> default planes from the capability table -> per-field plane
 *   overrides -> raw regions -> lengths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "place/place.h"
#include "text.h"
#include "yaml/reader.h"

/* Input limits (docs/format.md §2): beyond them a list is not read
 * further.  The text itself is limited by the YAML layer (1 MiB). */
#define MAX_RAW_REGIONS 1024
#define MAX_FREE_RANGES 1024
#define MAX_BARS 6

/* A field whose planes the file overrides, applied after the defaults. */
struct override {
	struct fy_node *node;  /* the field's mapping value, or NULL */
	const struct vpci_fdesc *fd; /* the field, with a node */
	unsigned off, width;
	int dev_all;           /* capability-level "backing: device" */
};

struct ext_changes;

struct pctx {
	struct yr y;
	struct ext_changes *x; /* what an extending file changed */
	struct vpci_func *f;
	const struct text_env *env;
	vpci_diag *d;
	vpci_diag *based;      /* a type's own diagnostics, after ours */
	int extending;         /* the file extends a type */
	char self[96];         /* "NAME@N" when the file is a type itself */
	uint32_t ext_loc;      /* the position of its `extends:` */
	int status_given;
	struct override *ov;
	unsigned nov, aov;
	int fatal;             /* stopped before building a function */
	int nomem;
	uint8_t bytes[VPCI_CFG_SIZE]; /* scratch for raw bytes and masks */
};

#define PERR(c, n, ...) yr_err(&(c)->y, (n), __VA_ARGS__)
#define PERR_FIELD(c, n, field, ...) yr_err_field(&(c)->y, (n), (field), __VA_ARGS__)

static struct fy_node *get(struct pctx *c, struct fy_node *map, const char *key)
{
	return yr_get(&c->y, map, key);
}

/* The position of node @n as a location of the model (0: none). */
static uint32_t nloc(struct pctx *c, struct fy_node *n)
{
	unsigned line, col;

	if (!yr_mark(n, &line, &col))
		return 0;
	uint32_t loc = func_add_loc(c->f, line, col);
	if (!loc)
		c->nomem = 1;
	return loc;
}

static void mark_bytes(struct pctx *c, unsigned off, unsigned width, uint32_t loc)
{
	for (unsigned i = 0; i < width && off + i < VPCI_CFG_SIZE; i++)
		c->f->byteloc[off + i] = loc;
}

/* --- access planes from the file --------------------------------------- */

static const char *const field_keys[] = {
	"value", "access", "backing", "rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device", "policy"
};
/* policy: how a VF emulates the bits its PF owns (docs/vf-shared-fields.md) */
static const char *const field_policies[] = { "pf-shared" };

/* Apply access:/backing:/plane masks and policy: of a field mapping to
 * the model. */
static void apply_field_planes(struct pctx *c, struct fy_node *m, const struct vpci_fdesc *fd, unsigned off,
			       unsigned width)
{
	struct vpci_func *f = c->f;
	uint64_t full = width_mask(width), v;
	struct fy_node *n;
	unsigned e;

	if ((n = get(c, m, "access")) &&
	    !yr_enum(&c->y, n, "access", model_access_names, VPCI_ACC_COUNT, &e)) {
		struct captab_planes pl;
		captab_access_planes((enum vpci_access)e, width, &pl);
		for (int p = 0; p < VPCI_PL_DEVICE; p++)
			func_plane_put(f, p, off, width, pl.pl[p]);
	}
	for (int p = 0; p < VPCI_PL_COUNT; p++) {
		if ((n = get(c, m, model_plane_keys[p])) && !yr_uint(&c->y, n, model_plane_keys[p], full, &v))
			func_plane_put(f, p, off, width, v);
	}
	if ((n = get(c, m, "backing")) && !yr_enum(&c->y, n, "backing", model_backing_names, 2, &e)) {
		if (yr_has(m, "device"))
			PERR(c, n, "give either 'backing' or a 'device' mask, not both");
		else
			func_plane_put(f, VPCI_PL_DEVICE, off, width, e ? full : 0);
	}
	/* the bits the capability table's VF rules name are the PF's: never
	 * device-backed (vpci check refuses a device mask over them) */
	if ((n = get(c, m, "policy")) &&
	    !yr_enum(&c->y, n, "policy", field_policies, ARRAY_SIZE(field_policies), &e)) {
		if (!fd->vfs)
			PERR(c, n, "'policy: pf-shared': no bit of this field is shared with a VF's PF (the fields "
				   "that have some are listed in docs/vf-shared-fields.md)");
		else
			le_put64(f->pfshared + off, width, fd->vfs & full);
	}
}

static void add_override(struct pctx *c, struct fy_node *m, const struct vpci_fdesc *fd, unsigned off,
			 unsigned width, int dev_all)
{
	if (c->nov == c->aov) {
		unsigned cap = c->aov ? c->aov * 2 : 32;
		struct override *o = realloc(c->ov, cap * sizeof(*o));
		if (!o) {
			c->nomem = 1;
			return;
		}
		c->ov = o;
		c->aov = cap;
	}
	struct override *o = &c->ov[c->nov++];
	o->node = m;
	o->fd = fd;
	o->off = off;
	o->width = width;
	o->dev_all = dev_all;
}

static void apply_overrides_from(struct pctx *c, unsigned from);

/* Per-field plane overrides and capability-level device backing, once
 * the table's default planes are in place. */
static void apply_overrides(struct pctx *c)
{
	apply_overrides_from(c, 0);
}

/* The overrides collected since override @from. */
static void apply_overrides_from(struct pctx *c, unsigned from)
{
	struct vpci_func *f = c->f;

	for (unsigned i = from; i < c->nov; i++) {
		const struct override *o = &c->ov[i];
		if (o->node) {
			apply_field_planes(c, o->node, o->fd, o->off, o->width);
			continue;
		}
		for (unsigned k = 0; o->dev_all && k < f->ncaps; k++) {
			const struct capinst *ci = &f->caps[k];
			if (ci->off != o->off)
				continue;
			unsigned len = cap_extent(ci);
			for (unsigned x = ci->off; x < ci->off + len && x < VPCI_CFG_SIZE; x++)
				f->pl[VPCI_PL_DEVICE][x] = 0xff;
		}
	}
}

/* --- fields of the header and of capabilities -------------------------- */

/* Match "bar2-control" against "bar%u-control"; returns instance or -1. */
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

/* What a key of a fields mapping names, in the given pass. */
struct field_match {
	const struct vpci_fdesc *hit;  /* the field, when it exists now */
	const struct vpci_fdesc *any;  /* a field of that name exists in some layout */
	int inst;                      /* instance of a repeated field */
	int conditional;               /* its existence depends on the layout */
};

static void match_field(const struct vpci_cdesc *cd, const char *key, const struct captab_layout *lay,
			int pass, struct field_match *m)
{
	memset(m, 0, sizeof(*m));
	m->inst = -1;
	for (const struct vpci_fdesc *fd = cd->fields; fd && fd->name; fd++) {
		int i = captab_field_match(fd, key);
		if (i < 0)
			continue;
		m->any = fd;
		if (fd->need || fd->excl || fd->rep > RP_FIXED)
			m->conditional = 1;
		/* pass 0 knows the fields whose existence does not depend on
		 * values; pass 1 evaluates the layout */
		if ((unsigned)i < captab_field_count(fd, lay) ||
		    (pass == 0 && !fd->need && !fd->excl && fd->rep <= RP_FIXED &&
		     (fd->rep == RP_ONCE ? i == 0 : (unsigned)i < fd->count))) {
			m->hit = fd;
			m->inst = i;
			return;
		}
	}
}

/* A key that names no field that exists here: say why. */
static void field_key_error(struct pctx *c, struct fy_node *k, const struct vpci_cdesc *cd,
			    const char *key, const struct field_match *m, const char *where)
{
	if (!m->any) {
		const char *names[96];
		char bufs[96][48];
		unsigned n = field_names(cd, names, bufs, 96);
		yr_unknown(&c->y, k, NULL, key, names, n, "unknown key '%s' in %s fields", key, where);
	} else if (m->any->flags & FD_MANAGED) {
		PERR(c, k, "'%s' is set by the structure (%s), not as a field", key,
		     cd->kind == CK_HDR ? "kind, bars, expansion-rom and the capability lists"
					: "type, offset, version and list order");
	} else {
		PERR(c, k, "field '%s' does not exist in this %s capability (its layout depends on other registers)",
		     key, cd->name);
	}
}

/* "field 'KEY'" (for messages; @key is at most 63 bytes) */
static void field_what(char *buf, size_t size, const char *key)
{
	size_t n = strlen(key);

	if (n + 10 > size)
		n = size - 10;
	memcpy(buf, "field '", 7);
	memcpy(buf + 7, key, n);
	memcpy(buf + 7 + n, "'", 2);
}

/* The value of one field: short form (an integer) or long form (a
 * mapping with 'value' and planes, applied after the defaults). */
static void set_field(struct pctx *c, struct fy_node *k, struct fy_node *v, const char *key,
		      const struct vpci_fdesc *fd, unsigned off)
{
	struct vpci_func *f = c->f;
	struct fy_node *valnode = v;
	char what[80];
	uint64_t val;

	if (off + fd->width > VPCI_CFG_SIZE) {
		PERR(c, k, "field '%s' lies outside config space", key);
		return;
	}
	field_what(what, sizeof(what), key);
	if (v && fy_node_get_type(v) == FYNT_MAPPING && !fy_node_is_alias(v)) {
		yr_check_keys(&c->y, v, what, YR_KEYS(field_keys));
		add_override(c, v, fd, off, fd->width, 0);
		valnode = get(c, v, "value");
		if (!valnode && !yr_has(v, "value")) {
			le_put64(f->val + off, fd->width, fd->reset);
			mark_bytes(c, off, fd->width, nloc(c, v));
			return;
		}
	}
	if (yr_uint(&c->y, valnode, what, width_mask(fd->width), &val))
		return;
	le_put64(f->val + off, fd->width, val);
	mark_bytes(c, off, fd->width, nloc(c, valnode));
}

/* Parse the fields: mapping of one capability (or the header).  Two
 * passes: values first (they decide the layout), then the layout tells
 * which registers exist and where the conditional ones live. */
static void parse_fields(struct pctx *c, struct fy_node *map, const struct vpci_cdesc *cd,
			 unsigned capoff, const char *where)
{
	struct fy_node_pair *p;
	char key[64], w[96];

	if (yr_want(&c->y, map, FYNT_MAPPING, cd->kind == CK_HDR ? "header" : "fields"))
		return;
	snprintf(w, sizeof(w), "%s fields", where);
	for (int pass = 0; pass < 2; pass++) {
		struct captab_layout lay;
		void *it = NULL;
		captab_layout(cd, c->f->val, capoff, &lay);
		while ((p = fy_node_mapping_iterate(map, &it)) && !yr_stopped(&c->y)) {
			struct fy_node *k = fy_node_pair_key(p);
			struct field_match m;
			/* a bad key is reported once, in pass 0 */
			if (pass == 0 ? yr_key(&c->y, k ? k : map, w, key, sizeof(key))
				      : yr_key(NULL, k, w, key, sizeof(key)))
				continue;
			match_field(cd, key, &lay, pass, &m);
			if (pass == 0 && m.conditional && !m.hit)
				continue; /* decided in pass 1 once the layout is known */
			if (pass == 1 && !m.conditional)
				continue; /* done in pass 0 */
			if (!m.hit || (m.hit->flags & FD_MANAGED)) {
				field_key_error(c, k, cd, key, &m, where);
				continue;
			}
			set_field(c, k, yr_pair_value(&c->y, p), key, m.hit,
				  capoff + m.hit->off + (unsigned)m.inst * m.hit->stride);
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

static const char *const cap_keys[] = { "type", "id", "offset", "version", "fields", "backing", "remove" };

/* `remove: true` of an item: only in a file that extends a type (§21).
 * 1 when the item removes, 0 when not, -1 after an error. */
static int item_remove(struct pctx *c, struct fy_node *item)
{
	struct fy_node *n = get(c, item, "remove");
	int b = 0;

	if (!n)
		return 0;
	if (yr_bool(&c->y, n, "remove", &b))
		return -1;
	if (!c->extending) {
		PERR(c, n, "'remove' takes an item of the type away: only a file with 'extends' has one");
		return -1;
	}
	if (!b) {
		PERR(c, n, "'remove: false' says nothing: leave the key out");
		return -1;
	}
	return 1;
}

/* What a capability item is: its 'type' (a key of the table) or 'id'. */
static int cap_identify(struct pctx *c, struct fy_node *item, int ext, const char *path, uint16_t *id,
			const struct vpci_cdesc **cd)
{
	const char *where = ext ? "an extended capability" : "a capability";
	const char *kind = ext ? "extended capability" : "capability";
	struct fy_node *tn = get(c, item, "type"), *in = get(c, item, "id");
	char key[48];
	uint64_t v;

	*cd = NULL;
	if (tn && in) {
		PERR_FIELD(c, in, path, "give either 'type' or 'id', not both");
		return -1;
	}
	if (in) {
		if (yr_uint(&c->y, in, "id", ext ? 0xffff : 0xff, &v))
			return -1;
		*id = (uint16_t)v;
		*cd = captab_find(ext ? CK_EXT : CK_STD, *id);
		return 0;
	}
	if (!tn) {
		PERR_FIELD(c, item, path, "%s needs a 'type' (or an 'id' for one this library does not know)", where);
		return -1;
	}
	if (yr_str(&c->y, tn, "type", key, sizeof(key)))
		return -1;
	*cd = captab_find_key(key);
	if (*cd && ((*cd)->kind == CK_EXT) != ext) {
		PERR_FIELD(c, tn, path, "'%s' is %s capability; list it under %s", key,
			   (*cd)->kind == CK_EXT ? "an extended" : "a standard",
			   (*cd)->kind == CK_EXT ? "extended-capabilities" : "capabilities");
		return -1;
	}
	if (!*cd) {
		const char *cand[128];
		unsigned nc = 0;
		for (unsigned i = 0; captab_at(i) && nc < 128; i++)
			if (captab_at(i)->kind == (ext ? CK_EXT : CK_STD))
				cand[nc++] = captab_at(i)->key;
		if (yr_closest(key, cand, nc))
			yr_unknown(&c->y, tn, path, key, cand, nc, "unknown %s type '%s'", kind, key);
		else
			PERR_FIELD(c, tn, path, "unknown %s type '%s' (docs/format.md lists them)", kind, key);
		return -1;
	}
	*id = (*cd)->id;
	return 0;
}

/* Its 'offset': DWORD aligned, in its list's range, not taken. */
static int cap_offset(struct pctx *c, struct fy_node *item, int ext, const char *path, unsigned *off)
{
	struct fy_node *n = get(c, item, "offset");
	uint64_t v;

	if (!n) {
		PERR_FIELD(c, item, path, "%s needs an 'offset'", ext ? "an extended capability" : "a capability");
		return -1;
	}
	if (yr_uint(&c->y, n, "offset", VPCI_CFG_SIZE - 1, &v))
		return -1;
	*off = (unsigned)v;
	if (*off & 3) {
		PERR_FIELD(c, n, path, "capability offset 0x%x is not DWORD aligned", *off);
		return -1;
	}
	if (!ext && (*off < CFG_HEADER_END || *off > 0xfc)) {
		PERR_FIELD(c, n, path, "capability offset 0x%x is outside 0x40..0xfc", *off);
		return -1;
	}
	if (ext && *off < ECAP_START) {
		PERR_FIELD(c, n, path, "extended capability offset 0x%x is below 0x100", *off);
		return -1;
	}
	for (unsigned i = 0; i < c->f->ncaps; i++) {
		if (c->f->caps[i].off == *off) {
			PERR_FIELD(c, n, path, "two capabilities at offset 0x%x", *off);
			return -1;
		}
	}
	return 0;
}

/* Add the capability to the model: its header bytes, version, and the
 * table's reset values for its fields. */
static struct capinst *cap_add(struct pctx *c, struct fy_node *item, int ext, const char *path, uint16_t id,
			       const struct vpci_cdesc *cd, unsigned off)
{
	struct vpci_func *f = c->f;
	struct capinst *ci = func_add_cap(f, ext);
	struct fy_node *n;
	uint64_t v;

	if (!ci) {
		c->nomem = 1;
		return NULL;
	}
	ci->id = id;
	ci->off = (uint16_t)off;
	ci->desc = cd;
	ci->loc = nloc(c, item);
	mark_bytes(c, off, ext ? 4 : 2, ci->loc);
	if ((n = get(c, item, "version"))) {
		if (!ext)
			PERR_FIELD(c, n, path, "only extended capabilities have a 'version' (PCIe §7.6.3)");
		else if (!yr_uint(&c->y, n, "version", 15, &v))
			ci->version = (uint8_t)v;
	} else if (ext) {
		ci->version = 1;
	}
	/* header bytes first so that the layout sees the ID; chain pointers
	 * now, so that layouts that depend on another capability (AER root
	 * registers, per-lane registers) can find it */
	f->val[off + CAP_ID] = (uint8_t)id;
	if (ext) {
		f->val[off + 1] = (uint8_t)(id >> 8);
		f->val[off + 2] = ci->version & 0xf;
	}
	func_link_structure(f);
	for (const struct vpci_fdesc *fd = cd ? cd->fields : NULL; fd && fd->name; fd++)
		if (fd->reset && !(fd->flags & FD_MANAGED) && off + fd->off + fd->width <= VPCI_CFG_SIZE)
			le_put64(f->val + off + fd->off, fd->width, fd->reset);
	return ci;
}

static void parse_cap(struct pctx *c, struct fy_node *item, int ext, unsigned idx)
{
	const char *where = ext ? "an extended capability" : "a capability";
	const struct vpci_cdesc *cd;
	struct fy_node *n;
	uint16_t id = 0;
	unsigned off, e;
	char path[64];

	snprintf(path, sizeof(path), "%s[%u]", ext ? "extended-capabilities" : "capabilities", idx);
	if (yr_want(&c->y, item, FYNT_MAPPING, where))
		return;
	yr_check_keys(&c->y, item, where, YR_KEYS(cap_keys));
	if (item_remove(c, item) || cap_identify(c, item, ext, path, &id, &cd) ||
	    cap_offset(c, item, ext, path, &off) || !cap_add(c, item, ext, path, id, cd, off))
		return;
	if ((n = get(c, item, "fields"))) {
		if (!cd || !cd->fields)
			PERR_FIELD(c, n, path, "the library has no field table for %s 0x%x (%s); give its bytes under 'raw'",
				   where, id, cd ? cd->name : "unknown ID");
		else
			parse_fields(c, n, cd, off, cd->key);
	}
	if ((n = get(c, item, "backing")) && !yr_enum(&c->y, n, "backing", model_backing_names, 2, &e) && e)
		add_override(c, NULL, NULL, off, 0, 1); /* resolved once lengths are known */
}

static int parse_std_cap(void *ctx, struct fy_node *item, unsigned i)
{
	parse_cap(ctx, item, 0, i);
	return 0;
}

static int parse_ext_cap(void *ctx, struct fy_node *item, unsigned i)
{
	parse_cap(ctx, item, 1, i);
	return 0;
}

/* --- BARs ---------------------------------------------------------------- */

static const char *const bar_keys[] = { "index", "type", "prefetchable", "size", "address", "remove" };
static const char *const rom_keys[] = { "size", "address", "enabled", "remove" };


static void parse_size_node(struct pctx *c, struct fy_node *n, struct barinst *b)
{
	size_t len;
	const char *s = yr_scalar(&c->y, n, "size", &len);

	b->loc_size = nloc(c, n);
	if (!s || (len == 7 && !memcmp(s, "unknown", 7)))
		return;
	if (yr_size(&c->y, n, "size", &b->size)) {
		b->size = 0;
		b->size_bad = 1;
		return;
	}
	b->size_known = 1;
}

/* The BAR an item describes (its 'index'), if it can describe one. */
static struct barinst *bar_slot(struct pctx *c, struct fy_node *item, unsigned *index)
{
	struct vpci_func *f = c->f;
	struct fy_node *n = get(c, item, "index");
	unsigned nb = func_nbars(f);
	uint64_t v;

	if (!n) {
		PERR(c, item, "a BAR needs an 'index'");
		return NULL;
	}
	if (yr_uint(&c->y, n, "index", 5, &v))
		return NULL;
	*index = (unsigned)v;
	if (*index >= nb) {
		PERR(c, n, "BAR %u does not exist in a %s header (BARs 0..%u)", *index, model_kind_names[f->kind],
		     nb ? nb - 1 : 0);
		return NULL;
	}
	if (f->bar[*index].type == VPCI_BAR_MEM64_HI) {
		PERR(c, n, "BAR %u is the upper half of 64-bit BAR %u", *index, *index - 1);
		return NULL;
	}
	if (f->bar[*index].type != VPCI_BAR_NONE) {
		PERR(c, n, "BAR %u is listed twice", *index);
		return NULL;
	}
	return &f->bar[*index];
}

/* Its 'type'; a 64-bit BAR takes the next slot as its upper half. */
static int bar_type(struct pctx *c, struct fy_node *item, unsigned i, unsigned *t)
{
	struct vpci_func *f = c->f;
	struct fy_node *n = get(c, item, "type");

	if (!n) {
		PERR(c, item, "BAR %u needs a 'type' (io, mem32, mem64 or mem1m)", i);
		return -1;
	}
	if (yr_enum(&c->y, n, "BAR type", model_bar_type_names, MODEL_BAR_FORMAT_TYPES, t))
		return -1;
	if (*t == VPCI_BAR_NONE) {
		PERR(c, n, "leave an unimplemented BAR out instead of giving type 'none'");
		return -1;
	}
	if (*t != VPCI_BAR_MEM64)
		return 0;
	if (i + 1 >= func_nbars(f)) {
		PERR(c, n, "64-bit BAR %u needs BAR %u for its upper half", i, i + 1);
		return -1;
	}
	if (f->bar[i + 1].type != VPCI_BAR_NONE) {
		PERR(c, n, "64-bit BAR %u overlaps BAR %u, which is listed before it", i, i + 1);
		return -1;
	}
	f->bar[i + 1].type = VPCI_BAR_MEM64_HI;
	return 0;
}

static int parse_bar(void *ctx, struct fy_node *item, unsigned idx)
{
	struct pctx *c = ctx;
	struct vpci_func *f = c->f;
	struct barinst *b;
	struct fy_node *n;
	unsigned i, t;
	uint64_t v;
	int pf = 0;

	if (yr_want(&c->y, item, FYNT_MAPPING, "a BAR"))
		return 0;
	yr_check_keys(&c->y, item, "a BAR", YR_KEYS(bar_keys));
	if (!c->extending && item_remove(c, item))
		return 0;
	if (!(b = bar_slot(c, item, &i)) || bar_type(c, item, i, &t))
		return 0;
	b->type = (uint8_t)t;
	b->loc = nloc(c, item);
	if ((n = get(c, item, "prefetchable")) && !yr_bool(&c->y, n, "prefetchable", &pf)) {
		if (pf && t == VPCI_BAR_IO)
			PERR(c, n, "an I/O BAR cannot be prefetchable");
		b->pref = (uint8_t)pf;
	}
	if ((n = get(c, item, "size")))
		parse_size_node(c, n, b);
	unsigned off = func_bar_off(f, i), width = t == VPCI_BAR_MEM64 ? 8 : 4;
	if ((n = get(c, item, "address")) &&
	    !yr_uint(&c->y, n, "address", t == VPCI_BAR_MEM64 ? UINT64_MAX : 0xffffffffu, &v)) {
		uint64_t low = t == VPCI_BAR_IO ? ~BAR_IO_ADDR : ~BAR_MEM_ADDR;
		b->loc_addr = nloc(c, n);
		if (v & low)
			PERR(c, n, "BAR address 0x%llx has type bits set; give the address only", (unsigned long long)v);
		le_put64(f->val + off, width, v & ~low);
	}
	mark_bytes(c, off, width, b->loc);
	(void)idx;
	return 0;
}


static void parse_rom(struct pctx *c, struct fy_node *m)
{
	struct vpci_func *f = c->f;
	struct barinst *b = &f->bar[ROM_INDEX];
	struct fy_node *n;
	uint64_t v;
	unsigned off = func_bar_off(f, ROM_INDEX);
	int en = 0;

	if (yr_want(&c->y, m, FYNT_MAPPING, "expansion-rom"))
		return;
	if (f->kind == VPCI_KIND_CARDBUS) {
		PERR(c, m, "a cardbus header has no expansion ROM register");
		return;
	}
	yr_check_keys(&c->y, m, "expansion-rom", YR_KEYS(rom_keys));
	if (!c->extending && item_remove(c, m))
		return;
	b->type = VPCI_BAR_MEM32;
	b->loc = nloc(c, m);
	if ((n = get(c, m, "size")))
		parse_size_node(c, n, b);
	if ((n = get(c, m, "address")) && !yr_uint(&c->y, n, "address", 0xffffffffu, &v)) {
		b->loc_addr = nloc(c, n);
		if (v & ~ROM_ADDR)
			PERR(c, n, "expansion ROM address 0x%llx is not 2 KiB aligned", (unsigned long long)v);
		le_put64(f->val + off, 4, (le32(f->val + off) & ROM_ENABLE) | (v & ROM_ADDR));
	}
	if ((n = get(c, m, "enabled")) && !yr_bool(&c->y, n, "enabled", &en))
		f->val[off] = (uint8_t)((f->val[off] & ~ROM_ENABLE) | (unsigned)en);
	mark_bytes(c, off, 4, b->loc);
}

/* --- raw regions -------------------------------------------------------- */

/* A raw region or free range: a mapping of @keys with an 'offset' up to
 * @max; the offset's node, or NULL after an error. */
static struct fy_node *region_offset(struct pctx *c, struct fy_node *item, const char *what, struct yr_keys keys,
				     uint64_t max, uint64_t *off)
{
	struct fy_node *n;

	if (yr_want(&c->y, item, FYNT_MAPPING, what))
		return NULL;
	yr_check_keys(&c->y, item, what, keys);
	if (!(n = get(c, item, "offset"))) {
		PERR(c, item, "%s needs an 'offset'", what);
		return NULL;
	}
	return yr_uint(&c->y, n, "offset", max, off) ? NULL : n;
}

static const char *const raw_keys[] = {
	"offset", "bytes", "access", "backing", "rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device"
};

/* "01 02 ff" -> bytes; returns count, -1 (syntax) or -2 (too many). */
static int parse_hexbytes(const char *s, size_t len, uint8_t *out, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t') {
			i++;
			continue;
		}
		int hi = hex_digit(s[i]), lo = i + 1 < len ? hex_digit(s[i + 1]) : -1;
		if (hi < 0 || lo < 0 || (i + 2 < len && s[i + 2] != ' ' && s[i + 2] != '\n' && s[i + 2] != '\t'))
			return -1;
		if (n >= max)
			return -2;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return (int)n;
}

static int get_hexbytes(struct pctx *c, struct fy_node *n, const char *what, uint8_t *out, unsigned max)
{
	size_t len;
	const char *s = yr_scalar(&c->y, n, what, &len);
	int r;

	if (!s)
		return -1;
	r = parse_hexbytes(s, len, out, max);
	if (r == -2)
		PERR(c, n, "%s: more bytes than fit in config space", what);
	else if (r < 0)
		PERR(c, n, "%s must be hex bytes separated by spaces, like \"01 a0 ff\"", what);
	else if (r == 0)
		PERR(c, n, "%s is empty", what);
	return r > 0 ? r : -1;
}

/* The planes of a raw region: uniform access, then per-plane byte masks. */
static void raw_planes(struct pctx *c, struct fy_node *item, unsigned off, unsigned len)
{
	struct vpci_func *f = c->f;
	struct fy_node *n;
	unsigned e;

	for (int p = 0; p < VPCI_PL_COUNT; p++)
		memset(f->pl[p] + off, 0, len);
	if ((n = get(c, item, "access")) &&
	    !yr_enum(&c->y, n, "access", model_access_names, VPCI_ACC_COUNT, &e)) {
		struct captab_planes pl;
		captab_access_planes((enum vpci_access)e, 1, &pl);
		for (int p = 0; p < VPCI_PL_DEVICE; p++)
			memset(f->pl[p] + off, (int)pl.pl[p], len);
	}
	if ((n = get(c, item, "backing")) && !yr_enum(&c->y, n, "backing", model_backing_names, 2, &e))
		memset(f->pl[VPCI_PL_DEVICE] + off, e ? 0xff : 0, len);
	for (int p = 0; p < VPCI_PL_COUNT; p++) {
		if (!(n = get(c, item, model_plane_keys[p])))
			continue;
		int m = get_hexbytes(c, n, model_plane_keys[p], c->bytes, VPCI_CFG_SIZE);
		if (m < 0)
			continue;
		if ((unsigned)m != len) {
			PERR(c, n, "mask '%s' has %d byte%s but the region has %u", model_plane_keys[p], m,
			     m == 1 ? "" : "s", len);
			continue;
		}
		memcpy(f->pl[p] + off, c->bytes, len);
	}
}

static int parse_raw_item(void *ctx, struct fy_node *item, unsigned idx)
{
	struct pctx *c = ctx;
	struct vpci_func *f = c->f;
	struct fy_node *n;
	uint64_t v;

	if (!region_offset(c, item, "a raw region", YR_KEYS(raw_keys), f->size - 1u, &v))
		return 0;
	unsigned off = (unsigned)v;
	if (!(n = get(c, item, "bytes"))) {
		PERR(c, item, "a raw region needs 'bytes'");
		return 0;
	}
	int r = get_hexbytes(c, n, "bytes", c->bytes, VPCI_CFG_SIZE);
	if (r < 0)
		return 0;
	unsigned len = (unsigned)r;
	if (off + len > f->size) {
		PERR(c, n, "raw region 0x%x..0x%x runs past the end of the %u-byte config space", off,
		     off + len - 1, f->size);
		return 0;
	}
	memcpy(f->val + off, c->bytes, len);
	mark_bytes(c, off, len, nloc(c, n));
	raw_planes(c, item, off, len);
	(void)idx;
	return 0;
}


/* --- free ranges (space a later virtual capability may be placed in) --- */

static const char *const range_keys[] = { "offset", "length", "for" };

static int parse_free_range(void *ctx, struct fy_node *item, unsigned idx)
{
	struct pctx *c = ctx;
	struct vpci_func *f = c->f;
	struct fy_node *n, *ln;
	uint64_t off, len;

	if (!(n = region_offset(c, item, "a free range", YR_KEYS(range_keys), VPCI_CFG_SIZE - 1, &off)))
		return 0;
	if (!(ln = get(c, item, "length"))) {
		PERR(c, item, "a free range needs a 'length'");
		return 0;
	}
	size_t sl;
	const char *s = yr_scalar(&c->y, ln, "length", &sl);
	if (!s)
		return 0;
	if (yr_parse_size(s, sl, &len) || !len) {
		PERR(c, ln, "length must be a positive number of bytes");
		return 0;
	}
	if ((off & 3) || (len & 3)) {
		PERR(c, n, "free range 0x%llx+0x%llx is not DWORD aligned", (unsigned long long)off,
		     (unsigned long long)len);
		return 0;
	}
	if (off + len > f->size) {
		PERR(c, ln, "free range 0x%llx+0x%llx runs past the end of config space", (unsigned long long)off,
		     (unsigned long long)len);
		return 0;
	}
	uint32_t loc = nloc(c, item);
	for (unsigned i = (unsigned)off; i < off + len; i++) {
		if (func_cap_overlapping(f, i, 1) >= 0)
			continue; /* vpci_validate() names the capability */
		if (f->byteloc[i] && f->byteloc[i] != loc) {
			PERR(c, item, "free range 0x%llx+0x%llx overlaps bytes described at offset 0x%x",
			     (unsigned long long)off, (unsigned long long)len, i);
			break;
		}
	}
	char tag[VCAP_TAG_MAX] = "";
	if ((n = get(c, item, "for")) && !yr_str(&c->y, n, "for", tag, sizeof(tag)) && !func_tag_valid(tag)) {
		PERR(c, n, "'%s' is not a name of a virtual capability (1..39 characters of a-z, 0-9 and '-')", tag);
		tag[0] = '\0';
	}
	if (func_add_free_range(f, (uint16_t)off, (uint16_t)len, loc))
		c->nomem = 1;
	else
		memcpy(f->free[f->nfree - 1].tag, tag, sizeof(tag));
	(void)idx;
	return 0;
}

/* --- virtual capabilities (format §19) ---------------------------------- */

static const char *const vcap_keys[] = { "type", "name", "offset", "placement", "version", "body", "fields" };
static const char *const placement_names[] = { "auto", "auto-gaps" };

/* Its 'type': any capability of the table whose length the table knows. */
static const struct vpci_cdesc *vcap_type(struct pctx *c, struct fy_node *item, const char *path)
{
	struct fy_node *tn = get(c, item, "type");
	const struct vpci_cdesc *cd;
	char key[48];

	if (!tn) {
		PERR_FIELD(c, yr_has(item, "type") ? NULL : item, path, "a virtual capability needs a 'type' (a capability "
			   "type of the table)");
		return NULL;
	}
	if (yr_str(&c->y, tn, "type", key, sizeof(key)))
		return NULL;
	if (!(cd = captab_find_key(key))) {
		const char *cand[160];
		unsigned nc = 0;
		for (unsigned i = 0; captab_at(i) && nc < 160; i++)
			if (captab_at(i)->kind != CK_HDR)
				cand[nc++] = captab_at(i)->key;
		yr_unknown(&c->y, tn, path, key, cand, nc, "unknown capability type '%s'", key);
		return NULL;
	}
	if (cd->lenkind == LN_UNKNOWN) {
		PERR_FIELD(c, tn, path, "%s cannot be a virtual capability: the capability table does not know its length",
			   cd->key);
		return NULL;
	}
	return cd;
}

/* 'offset' (pinned) or 'placement' (the rule), 'version', 'name'. */
static int vcap_where(struct pctx *c, struct fy_node *item, const char *path, struct vcap_stage *st)
{
	struct fy_node *on = get(c, item, "offset"), *pn = get(c, item, "placement"), *n;
	uint64_t v;
	unsigned e;

	if (on && pn) {
		PERR_FIELD(c, pn, path, "give either 'offset' (pinned) or 'placement', not both");
		return -1;
	}
	if (!on && !pn) {
		PERR_FIELD(c, item, path, "a virtual capability needs an 'offset' or 'placement: auto'");
		return -1;
	}
	if (on) {
		if (yr_uint(&c->y, on, "offset", VPCI_CFG_SIZE - 1, &v))
			return -1;
		st->off = (unsigned)v;
		st->placement = VCAP_PINNED;
	} else {
		if (yr_enum(&c->y, pn, "placement", placement_names, 2, &e))
			return -1;
		st->placement = (uint8_t)(VCAP_AUTO | (e ? VCAP_GAPS : 0));
	}
	if ((n = get(c, item, "name")) && !yr_str(&c->y, n, "name", st->tag, sizeof(st->tag)) &&
	    !func_tag_valid(st->tag)) {
		PERR_FIELD(c, n, path, "name '%s' is not 1..39 characters of a-z, 0-9 and '-'", st->tag);
		return -1;
	}
	return 0;
}

/* The staged capability's source positions, moved to the function's own
 * table of positions. */
static void vcap_locs(struct pctx *c, struct vcap_stage *st, unsigned len)
{
	const struct vpci_func *s = st->s;

	for (unsigned k = st->at; k < st->at + len; k++) {
		uint32_t l = s->byteloc[k];
		if (!l || l >= s->nlocs) {
			st->s->byteloc[k] = st->loc;
			continue;
		}
		uint32_t nl = func_add_loc(c->f, s->locs[l].line, s->locs[l].col);
		if (!nl)
			c->nomem = 1;
		st->s->byteloc[k] = nl;
	}
}

/* Build one virtual capability in a scratch copy of the function (its
 * fields read exactly like an ordinary capability's), then place it. */
static int parse_vcap(void *ctx, struct fy_node *item, unsigned idx)
{
	struct pctx *c = ctx;
	struct vpci_func *f = c->f;
	const struct vpci_cdesc *cd;
	struct vcap_stage st;
	struct fy_node *n;
	uint64_t v;
	char path[64];
	unsigned nov = c->nov, body = 0, errors = c->y.errors;

	snprintf(path, sizeof(path), "virtual-capabilities[%u]", idx);
	if (yr_want(&c->y, item, FYNT_MAPPING, "a virtual capability"))
		return 0;
	yr_check_keys(&c->y, item, "a virtual capability", YR_KEYS(vcap_keys));
	if (!(cd = vcap_type(c, item, path)))
		return 0;
	uint8_t version = 1;
	if ((n = get(c, item, "version"))) {
		if (cd->kind != CK_EXT)
			PERR_FIELD(c, n, path, "only extended capabilities have a 'version' (PCIe §7.6.3)");
		else if (!yr_uint(&c->y, n, "version", 15, &v))
			version = (uint8_t)v;
	}
	if (place_stage_begin(f, cd, cd->id, cd->kind == CK_EXT, version, &st)) {
		c->nomem = 1;
		return 0;
	}
	if (vcap_where(c, item, path, &st))
		goto out;
	st.loc = nloc(c, item);
	unsigned hdr = st.ext ? 4u : 2u;
	/* the body: bytes after the header, before the fields */
	c->f = st.s;
	if ((n = get(c, item, "body"))) {
		int r = get_hexbytes(c, n, "body", c->bytes, VPCI_CFG_SIZE);
		if (r > 0 && hdr + (unsigned)r > (st.ext ? VPCI_CFG_SIZE - ECAP_START : 0x100u - CFG_HEADER_END)) {
			PERR_FIELD(c, n, path, "a body of %d bytes does not fit the capability's space", r);
		} else if (r > 0) {
			memcpy(st.s->val + st.at + hdr, c->bytes, (size_t)r);
			mark_bytes(c, st.at + hdr, (unsigned)r, nloc(c, n));
			body = (unsigned)r;
		}
	}
	if ((n = get(c, item, "fields"))) {
		if (!cd->fields)
			PERR_FIELD(c, n, path, "the library has no field table for %s; give its bytes under 'body'", cd->name);
		else
			parse_fields(c, n, cd, st.at, cd->key);
	}
	place_stage_own_len(&st, body);
	place_stage_planes(&st);
	apply_overrides_from(c, nov); /* this capability's long forms, in the scratch */
	c->f = f;
	c->nov = nov;
	unsigned len = place_stage_len(&st);
	if (hdr + body > len) {
		PERR_FIELD(c, get(c, item, "body"), path, "the body runs past the capability's length of %u bytes", len);
		goto out;
	}
	if (c->y.errors > errors || c->nomem)
		goto out; /* placing what did not read would only add noise */
	vcap_locs(c, &st, len);
	struct vpci_placement pl;
	int rc = place_find(f, &st, &pl, yr_pos(&c->y, item, path), c->y.d);
	if (rc) {
		c->y.errors++;
		goto out;
	}
	uint8_t status = f->val[CFG_STATUS];
	if (place_insert(f, &st, &pl))
		c->nomem = 1;
	else if (c->status_given)
		f->val[CFG_STATUS] = status; /* as written */
out:
	c->f = f;
	c->nov = nov;
	place_stage_end(&st);
	return 0;
}

/* Last in a function, with or without extends: placement reads everything
 * above (format §19). */
static void parse_vcaps(struct pctx *c, struct fy_node *fn)
{
	struct fy_node *n = get(c, fn, "virtual-capabilities");

	if (n)
		yr_each(&c->y, n, "virtual-capabilities", ECAP_LIST_MAX,
			"virtual capabilities (a 4096-byte config space holds at most 960)", parse_vcap, c);
}



/* --- top level ------------------------------------------------------------ */

static const char *const top_keys[] = {
	"vpci", "name", "extends", "version", "description", "origin", "function"
};
static const char *const origin_keys[] = {
	"tool", "source", "slot", "driver", "iommu-group", "policy", "quirks", "note"
};

/* One origin value: a scalar, or a list of scalars kept as "[a, b]". */
static char *origin_value(struct pctx *c, struct fy_node *v)
{
	struct strbuf sb;
	size_t len;
	const char *t;

	sb_init(&sb);
	if (v && fy_node_get_type(v) == FYNT_SEQUENCE && !fy_node_is_alias(v)) {
		void *si = NULL;
		struct fy_node *item;
		sb_putc(&sb, '[');
		while ((item = fy_node_sequence_iterate(v, &si))) {
			if (!(t = yr_scalar(&c->y, item, "an origin list item", &len))) {
				sb_free(&sb);
				return NULL;
			}
			if (sb.len > 1)
				sb_puts(&sb, ", ");
			sb_putn(&sb, t, len);
		}
		sb_putc(&sb, ']');
	} else if ((t = yr_scalar(&c->y, v, "an origin value", &len))) {
		sb_putn(&sb, t, len);
	} else {
		sb_free(&sb);
		return NULL;
	}
	char *s = sb_finish(&sb, NULL);
	if (!s)
		c->nomem = 1;
	return s;
}

/* origin: informational key/value pairs, kept in order */
static void parse_origin(struct pctx *c, struct fy_node *m)
{
	void *it = NULL;
	struct fy_node_pair *p;
	char key[32];

	if (yr_want(&c->y, m, FYNT_MAPPING, "origin"))
		return;
	if (yr_check_keys(&c->y, m, "origin", YR_KEYS(origin_keys)))
		return;
	while ((p = fy_node_mapping_iterate(m, &it))) {
		if (yr_key(&c->y, fy_node_pair_key(p), "origin", key, sizeof(key)))
			continue;
		char *str = origin_value(c, yr_pair_value(&c->y, p));
		if (str && func_add_origin(c->f, key, str))
			c->nomem = 1;
		free(str);
	}
}

static const char *const func_keys[] = {
	"kind", "config-size", "multifunction", "vf-template", "header", "bars", "expansion-rom",
	"capabilities", "extended-capabilities", "raw", "free-ranges", "virtual-capabilities"
};

/* kind, config-size and multifunction: they decide the header layout. */
static void parse_shape(struct pctx *c, struct fy_node *fn)
{
	struct vpci_func *f = c->f;
	struct fy_node *n;
	uint64_t v;
	unsigned e;
	int b;

	if ((n = get(c, fn, "kind")) && !yr_enum(&c->y, n, "kind", model_kind_names, MODEL_KINDS, &e)) {
		f->kind = (uint8_t)e;
		if (e == VPCI_KIND_CARDBUS && (yr_has(fn, "header") || yr_has(fn, "bars") || yr_has(fn, "expansion-rom")))
			PERR(c, n, "a cardbus function is described by its raw bytes only");
	}
	if ((n = get(c, fn, "config-size")) && !yr_uint(&c->y, n, "config-size", 4096, &v)) {
		if (v != 256 && v != 4096 && v != 64 && v != 128)
			PERR(c, n, "config-size must be 256 (conventional PCI) or 4096 (PCIe), or 64/128 for a partial capture, not %llu",
			     (unsigned long long)v);
		else
			f->size = (uint16_t)v;
	}
	if ((n = get(c, fn, "multifunction")) && !yr_bool(&c->y, n, "multifunction", &b))
		f->multifunction = (uint8_t)b;
}

/* The two capability lists of a function, each item to its callback. */
static void parse_cap_lists(struct pctx *c, struct fy_node *fn, int (*std)(void *, struct fy_node *, unsigned),
			    int (*ext)(void *, struct fy_node *, unsigned))
{
	struct fy_node *n;

	if ((n = get(c, fn, "capabilities")))
		yr_each(&c->y, n, "capabilities", CAP_LIST_MAX, "capabilities (0x40..0xff holds at most 48)", std,
			c);
	if ((n = get(c, fn, "extended-capabilities"))) {
		if (c->f->size < VPCI_CFG_SIZE)
			PERR(c, n, "extended capabilities need config-size 4096");
		else
			yr_each(&c->y, n, "extended-capabilities", ECAP_LIST_MAX,
				"extended capabilities (a 4096-byte config space holds at most 960)", ext, c);
	}
}

/* Reading a VF template (a template cannot name one of its own: a VF has
 * no SR-IOV capability, and a file naming itself must not recurse). */
static _Thread_local int in_template;
_Thread_local int text_no_templates;

/* vf-template: the instance file of the VFs a virtual PF enables, named
 * relative to this file's directory (or absolute); read and checked as
 * any instance, its diagnostics with its own positions. */
static void parse_vf_template(struct pctx *c, struct fy_node *n)
{
	char ref[1024], path[2048];
	const char *file = c->f->file;

	if (yr_str(&c->y, n, "vf-template", ref, sizeof(ref)))
		return;
	if (!ref[0]) {
		PERR(c, n, "vf-template: give the instance file of the VFs (relative to this file)");
		return;
	}
	if (in_template) {
		PERR(c, n, "a VF template cannot name a VF template: a VF has no SR-IOV capability of its own");
		return;
	}
	if (text_no_templates) {
		if (!(c->f->vf_template_ref = xstrdup(ref)))
			c->nomem = 1;
		return;
	}
	const char *slash = file && ref[0] != '/' && strcmp(file, "<stdin>") ? strrchr(file, '/') : NULL;
	if (slash)
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - file), file, ref);
	else
		snprintf(path, sizeof(path), "%s", ref);
	/* a file, never standard input or a FIFO (it would block) */
	struct stat st;
	const char *why = !strcmp(ref, "-") ? "the VF template is a file, not standard input"
			  : stat(path, &st) ? strerror(errno) : !S_ISREG(st.st_mode) ? "not a regular file" : NULL;
	if (why) {
		PERR(c, n, "vf-template %s: %s", path, why);
		return;
	}
	in_template = 1;
	int rc = vpci_parse_file(path, &c->f->vf_template, c->y.d);
	in_template = 0;
	if (rc == VPCI_ENOMEM)
		c->nomem = 1;
	else if (rc)
		PERR(c, n, "vf-template %s: the VF template is not a valid instance (its errors are above)", path);
	if (!(c->f->vf_template_ref = xstrdup(ref)))
		c->nomem = 1;
	c->f->vf_template_loc = nloc(c, n);
}

/* What follows the structure, with or without extends: the VF template
 * (replacing a type's), the planes the file gives, raw regions, free
 * ranges, then the virtual capabilities placed into what is left. */
static void parse_function_rest(struct pctx *c, struct fy_node *fn)
{
	struct vpci_func *f = c->f;
	struct fy_node *n;

	if ((n = get(c, fn, "vf-template"))) {
		vpci_func_free(f->vf_template);
		f->vf_template = NULL;
		free(f->vf_template_ref);
		f->vf_template_ref = NULL;
		parse_vf_template(c, n);
		func_vf_template_planes(f);
	}
	apply_overrides(c);
	if ((n = get(c, fn, "raw")))
		yr_each(&c->y, n, "raw", MAX_RAW_REGIONS, "raw regions", parse_raw_item, c);
	if ((n = get(c, fn, "free-ranges")))
		yr_each(&c->y, n, "free-ranges", MAX_FREE_RANGES, "free ranges", parse_free_range, c);
	func_update_lengths(f);
	parse_vcaps(c, fn);
}

static void parse_function(struct pctx *c, struct fy_node *fn)
{
	struct vpci_func *f = c->f;
	struct fy_node *n;

	yr_check_keys(&c->y, fn, "function", YR_KEYS(func_keys));
	parse_shape(c, fn);
	/* header defaults, then values from the file */
	func_foreach_cap_field(f, -1, reset_cb, NULL);
	if ((n = get(c, fn, "header")) && f->kind != VPCI_KIND_CARDBUS)
		parse_fields(c, n, func_header_desc(f), 0, "header");
	if ((n = get(c, fn, "bars")) && f->kind != VPCI_KIND_CARDBUS)
		yr_each(&c->y, n, "bars", MAX_BARS, "BARs (a header has at most 6)", parse_bar, c);
	if ((n = get(c, fn, "expansion-rom")) && f->kind != VPCI_KIND_CARDBUS)
		parse_rom(c, n);
	parse_cap_lists(c, fn, parse_std_cap, parse_ext_cap);
	if (!c->status_given)
		func_sync_caplist(f);

	func_apply_structure(f);
	func_default_planes(f);
	parse_function_rest(c, fn);
}


/* --- extends: an instance built on a type (docs/format.md §21) ------------ */

#define EXTENDS_DEPTH 16

int text_type_spec(const char *spec, char *name, size_t size, unsigned *version)
{
	const char *at = strrchr(spec, '@');
	unsigned long v = 0;

	if (!at || at == spec || (size_t)(at - spec) >= size || !yr_ident_ok(spec, (size_t)(at - spec), 64))
		return -1;
	const char *p = at + 1;
	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned long)(*p - '0')) > VPCI_TYPE_VERSION_MAX)
			return -1;
	if (*p)
		return -1;
	memcpy(name, spec, (size_t)(at - spec));
	name[at - spec] = '\0';
	*version = (unsigned)v;
	return 0;
}

static int read_text(const char *path, size_t max, char **out, size_t *len, vpci_diag *d);

/* Find and read the type @spec names; NULL after an error reported at @n. */
static struct vpci_func *load_type(struct pctx *c, struct fy_node *n, const char *spec, const char *name,
				   unsigned version)
{
	const struct text_env *env = c->env;
	char path[4096];
	struct vpci_func *t = NULL;

	if (env && env->given && env->given_spec && !strcmp(env->given_spec, spec))
		return vpci_func_dup(env->given);
	/* this file, when it is a type, heads the chain of the types below */
	struct text_chain self = { c->self, env ? env->chain : NULL };
	int known = self.up && !strcmp(self.up->spec, c->self); /* loaded as that type */
	const struct text_chain *chain = c->self[0] && !known ? &self : self.up;
	for (const struct text_chain *ch = chain; ch; ch = ch->up) {
		if (strcmp(ch->spec, spec))
			continue;
		/* outermost first: a@1 -> b@1 -> a@1 */
		const char *trail[EXTENDS_DEPTH + 2];
		unsigned np = 0;
		for (const struct text_chain *k = chain; k && np < EXTENDS_DEPTH + 1; k = k->up) {
			trail[np++] = k->spec;
			if (k == ch)
				break;
		}
		char loop[512];
		size_t ll = 0;
		while (np && ll < sizeof(loop))
			ll += (size_t)snprintf(loop + ll, sizeof(loop) - ll, "%s -> ", trail[--np]);
		if (ll < sizeof(loop))
			snprintf(loop + ll, sizeof(loop) - ll, "%s", spec);
		PERR(c, n, "extends %s: a cycle (%s)", spec, loop);
		return NULL;
	}
	unsigned depth = 0;
	for (const struct text_chain *ch = chain; ch; ch = ch->up)
		depth++;
	if (depth >= EXTENDS_DEPTH) {
		PERR(c, n, "extends %s: more than %d types deep", spec, EXTENDS_DEPTH);
		return NULL;
	}
	const char *dirs[66];
	unsigned nd = 0;
	if (env && env->dir)
		dirs[nd++] = env->dir;
	for (const char *const *p = env && env->types ? env->types : NULL; p && *p && nd < 65; p++)
		dirs[nd++] = *p;
	FILE *fp = NULL;
	for (unsigned i = 0; i < nd && !fp; i++) {
		snprintf(path, sizeof(path), "%s/%s@%u.yaml", dirs[i], name, version);
		fp = fopen(path, "rb");
	}
	if (!fp) {
		PERR(c, n, "extends %s: no %s@%u.yaml %s", spec, name, version,
		     !nd ? "(this text is not a file, and no types path is given)"
			 : env->dir ? "beside this file or on the types path" : "on the types path");
		return NULL;
	}
	fclose(fp);
	char *text = NULL;
	size_t len = 0;
	if (!c->based && !(c->based = vpci_diag_new())) {
		c->nomem = 1;
		return NULL;
	}
	if (read_text(path, YR_MAX_BYTES, &text, &len, c->based)) {
		PERR(c, n, "extends %s: %s cannot be read", spec, path);
		free(text);
		return NULL;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	struct text_chain link = { spec, chain };
	struct text_env sub = { slash ? dir : ".", env ? env->types : NULL, NULL, NULL, &link };
	int rc = text_parse_env(text ? text : "", len, path, 1, &sub, &t, c->based);
	free(text);
	if (rc == VPCI_ENOMEM) {
		c->nomem = 1;
		return NULL;
	}
	if (rc) {
		PERR(c, n, "extends %s: %s is not a valid instance (its problems follow)", spec, path);
		return NULL;
	}
	if (strcmp(vpci_func_name(t), name) || t->type_version != version) {
		if (t->type_version)
			PERR(c, n, "extends %s: %s is '%s' version %u", spec, path, vpci_func_name(t), t->type_version);
		else
			PERR(c, n, "extends %s: %s is '%s' with no 'version': not an instance type", spec, path,
			     vpci_func_name(t));
		vpci_func_free(t);
		return NULL;
	}
	return t;
}

/* "NAME@N" of a file that is a type itself (name and version read
 * quietly: parse_names() reports what is wrong with them). */
static void self_spec(struct pctx *c, struct fy_node *root)
{
	struct fy_node *nn = fy_node_mapping_lookup_by_string(root, "name", FY_NT);
	struct fy_node *vn = fy_node_mapping_lookup_by_string(root, "version", FY_NT);
	size_t nl = 0, vl = 0;
	const char *ns = nn && fy_node_is_scalar(nn) ? fy_node_get_scalar(nn, &nl) : NULL;
	const char *vs = vn && fy_node_is_scalar(vn) ? fy_node_get_scalar(vn, &vl) : NULL;
	char spec[96], name[72];
	unsigned v;

	c->self[0] = '\0';
	if (!ns || !vs || nl + vl + 2 > sizeof(spec))
		return;
	snprintf(spec, sizeof(spec), "%.*s@%.*s", (int)nl, ns, (int)vl, vs);
	if (!text_type_spec(spec, name, sizeof(name), &v))
		memcpy(c->self, spec, sizeof(spec));
}

/* extends: NAME@N - the model starts as a copy of the type. */
static int parse_extends(struct pctx *c, struct fy_node *n)
{
	char spec[96], name[72];
	unsigned version;

	if (yr_str(&c->y, n, "extends", spec, sizeof(spec)))
		return -1;
	if (text_type_spec(spec, name, sizeof(name), &version)) {
		PERR(c, n, "extends '%s': expected NAME@VERSION, an instance type and its version (nvme@2)", spec);
		return -1;
	}
	struct vpci_func *t = load_type(c, n, spec, name, version);
	if (!t)
		return -1;
	/* the new model: the type's bytes, planes and structure, this
	 * file's name, positions and metadata */
	struct vpci_func *f = vpci_func_dup(t);
	char *ext = f ? xstrdup(spec) : NULL;
	if (!ext) {
		vpci_func_free(f);
		vpci_func_free(t);
		c->nomem = 1;
		return -1;
	}
	free(f->extends); /* the type's own, when it extends another */
	f->extends = ext;
	free(f->file);
	f->file = c->f->file;
	c->f->file = NULL;
	free(f->name);
	f->name = NULL;
	vpci_func_set_description(f, NULL);
	func_clear_origin(f);
	f->type_version = 0;
	vpci_func_free(f->base);
	f->base = t;
	vpci_func_free(c->f);
	c->f = f;
	c->extending = 1;
	c->ext_loc = nloc(c, n);
	for (unsigned i = 0; i < VPCI_CFG_SIZE; i++)
		f->byteloc[i] = f->byteloc[i] ? c->ext_loc : 0;
	for (unsigned i = 0; i < f->ncaps; i++)
		f->caps[i].loc = c->ext_loc;
	for (unsigned i = 0; i <= ROM_INDEX; i++) {
		struct barinst *b = &f->bar[i];
		b->loc = b->loc ? c->ext_loc : 0;
		b->loc_size = b->loc_size ? c->ext_loc : 0;
		b->loc_addr = b->loc_addr ? c->ext_loc : 0;
	}
	for (unsigned i = 0; i < f->nfree; i++)
		f->free[i].loc = c->ext_loc;
	return 0;
}

/* A BAR (or the ROM) and its register taken away: bytes and planes 0. */
static void clear_bar(struct vpci_func *f, unsigned i)
{
	struct barinst *b = &f->bar[i];
	unsigned off = func_bar_off(f, i);
	unsigned width = b->type == VPCI_BAR_MEM64 && i < ROM_INDEX ? 8 : 4;

	if (b->type == VPCI_BAR_MEM64 && i + 1 < ROM_INDEX)
		memset(&f->bar[i + 1], 0, sizeof(f->bar[i + 1]));
	memset(b, 0, sizeof(*b));
	memset(f->val + off, 0, width);
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		memset(f->pl[p] + off, 0, width);
	for (unsigned k = 0; k < width; k++)
		f->byteloc[off + k] = 0;
}

/* What an extending file changed, to give new things the table's planes. */
struct ext_changes {
	uint8_t bars;               /* BARs (bit 6: the ROM) replaced */
	uint8_t seen;               /* BARs (bit 6: the ROM) the file names */
	uint16_t fresh[ECAP_LIST_MAX + CAP_LIST_MAX]; /* offsets of new or re-laid capabilities */
	unsigned nfresh;
};

static int ext_bar(void *ctx, struct fy_node *item, unsigned idx)
{
	struct pctx *c = ctx;
	struct ext_changes *x = c->x;
	struct vpci_func *f = c->f;
	struct fy_node *n;
	uint64_t v;
	int rm;

	if (yr_want(&c->y, item, FYNT_MAPPING, "a BAR"))
		return 0;
	if (!(n = get(c, item, "index"))) {
		PERR(c, item, "a BAR needs an 'index'");
		return 0;
	}
	if (yr_uint(&c->y, n, "index", 5, &v) || (rm = item_remove(c, item)) < 0)
		return 0;
	unsigned i = (unsigned)v;
	if (i >= func_nbars(f)) {
		PERR(c, n, "BAR %u does not exist in a %s header (BARs 0..%u)", i, model_kind_names[f->kind],
		     func_nbars(f) ? func_nbars(f) - 1 : 0);
		return 0;
	}
	if (x->seen & (1u << i)) {
		PERR(c, n, "BAR %u is listed twice", i);
		return 0;
	}
	x->seen |= (uint8_t)(1u << i);
	if (f->bar[i].type == VPCI_BAR_MEM64_HI) {
		PERR(c, n, "BAR %u is the upper half of %s's 64-bit BAR %u: replace or remove BAR %u", i,
		     f->extends, i - 1, i - 1);
		return 0;
	}
	if (rm) {
		if (f->bar[i].type == VPCI_BAR_NONE) {
			PERR(c, n, "BAR %u: %s has no BAR %u to remove", i, c->f->extends, i);
			return 0;
		}
		yr_check_keys(&c->y, item, "a removed BAR", YR_KEYS(((const char *const[]){ "index", "remove" })));
		clear_bar(f, i);
		return 0;
	}
	clear_bar(f, i);
	x->bars |= (uint8_t)(1u << i);
	return parse_bar(ctx, item, idx);
}

/* A capability item of an extending file: changes the type's capability
 * of that type at that offset, removes it, or adds a new one at the end
 * of its list. */
static void ext_cap(struct pctx *c, struct fy_node *item, int ext, unsigned idx, struct ext_changes *x)
{
	const char *where = ext ? "an extended capability" : "a capability";
	struct vpci_func *f = c->f;
	const struct vpci_cdesc *cd;
	struct fy_node *n, *on;
	char path[64];
	uint16_t id = 0;
	uint64_t off;
	int rm;

	snprintf(path, sizeof(path), "%s[%u]", ext ? "extended-capabilities" : "capabilities", idx);
	if (yr_want(&c->y, item, FYNT_MAPPING, where))
		return;
	yr_check_keys(&c->y, item, where, YR_KEYS(cap_keys));
	if ((rm = item_remove(c, item)) < 0 || cap_identify(c, item, ext, path, &id, &cd))
		return;
	if (!(on = get(c, item, "offset"))) {
		PERR_FIELD(c, item, path, "%s needs an 'offset'", where);
		return;
	}
	if (yr_uint(&c->y, on, "offset", VPCI_CFG_SIZE - 1, &off))
		return;
	int k = -1;
	for (unsigned i = 0; i < f->ncaps; i++)
		if (f->caps[i].off == off && f->caps[i].ext == ext && f->caps[i].id == id)
			k = (int)i;
	if (k < 0) {
		if (rm) {
			PERR_FIELD(c, on, path, "%s has no %s at 0x%llx to remove", f->extends, cd ? cd->key : "such capability",
				   (unsigned long long)off);
			return;
		}
		parse_cap(c, item, ext, idx); /* a new capability, at the end of its list */
		if (x->nfresh < ARRAY_SIZE(x->fresh))
			x->fresh[x->nfresh++] = (uint16_t)off;
		return;
	}
	struct capinst *ci = &f->caps[k];
	ci->loc = nloc(c, item);
	if (rm) {
		static const char *const rk[] = { "type", "id", "offset", "remove" };
		yr_check_keys(&c->y, item, "a removed capability", YR_KEYS(rk));
		func_remove_cap(f, (unsigned)k);
		return;
	}
	uint64_t v;
	if ((n = get(c, item, "version"))) {
		if (!ext)
			PERR_FIELD(c, n, path, "only extended capabilities have a 'version' (PCIe §7.6.3)");
		else if (!yr_uint(&c->y, n, "version", 15, &v))
			ci->version = (uint8_t)v;
	}
	if ((n = get(c, item, "fields"))) {
		struct captab_layout before, after;
		if (!cd || !cd->fields) {
			PERR_FIELD(c, n, path, "the library has no field table for %s 0x%x (%s); give its bytes under 'raw'",
				   where, id, cd ? cd->name : "unknown ID");
		} else {
			captab_layout(cd, f->val, ci->off, &before);
			parse_fields(c, n, cd, ci->off, cd->key);
			captab_layout(cd, f->val, ci->off, &after);
			/* a layout the values changed gets the table's planes again */
			if (memcmp(&before, &after, sizeof(before)) && x->nfresh < ARRAY_SIZE(x->fresh))
				x->fresh[x->nfresh++] = ci->off;
		}
	}
	unsigned e;
	if ((n = get(c, item, "backing")) && !yr_enum(&c->y, n, "backing", model_backing_names, 2, &e) && e)
		add_override(c, NULL, NULL, ci->off, 0, 1);
}

static int ext_std_cap(void *ctx, struct fy_node *item, unsigned i)
{
	struct pctx *c = ctx;
	ext_cap(c, item, 0, i, c->x);
	return 0;
}

static int ext_ext_cap(void *ctx, struct fy_node *item, unsigned i)
{
	struct pctx *c = ctx;
	ext_cap(c, item, 1, i, c->x);
	return 0;
}

static int fresh_planes_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	(void)ctx;
	func_set_field_planes(f, r->fd, r->capoff, r->off);
	return 0;
}

/* The function of a file that extends a type: the type's model, changed
 * by what this file gives. */
static void parse_function_extends(struct pctx *c, struct fy_node *fn)
{
	struct vpci_func *f = c->f;
	struct ext_changes x;
	struct fy_node *n;
	uint64_t v;
	unsigned e;
	int b;

	memset(&x, 0, sizeof(x));
	yr_check_keys(&c->y, fn, "function", YR_KEYS(func_keys));
	if ((n = get(c, fn, "kind")) && !yr_enum(&c->y, n, "kind", model_kind_names, MODEL_KINDS, &e) && e != f->kind)
		PERR(c, n, "%s has kind %s: a file that extends a type keeps its header kind (make a new type)",
		     f->extends, model_kind_names[f->kind]);
	if ((n = get(c, fn, "config-size")) && !yr_uint(&c->y, n, "config-size", 4096, &v) && v != f->size)
		PERR(c, n, "%s has config-size %u: a file that extends a type keeps its config size (make a new type)",
		     f->extends, f->size);
	if ((n = get(c, fn, "multifunction")) && !yr_bool(&c->y, n, "multifunction", &b))
		f->multifunction = (uint8_t)b;
	if ((n = get(c, fn, "header")) && f->kind != VPCI_KIND_CARDBUS)
		parse_fields(c, n, func_header_desc(f), 0, "header");
	c->x = &x;
	if ((n = get(c, fn, "bars")) && f->kind != VPCI_KIND_CARDBUS)
		yr_each(&c->y, n, "bars", MAX_BARS, "BARs (a header has at most 6)", ext_bar, c);
	if ((n = get(c, fn, "expansion-rom")) && f->kind != VPCI_KIND_CARDBUS &&
	    !yr_want(&c->y, n, FYNT_MAPPING, "expansion-rom")) {
		int rm = item_remove(c, n);
		if (rm > 0 && f->bar[ROM_INDEX].type == VPCI_BAR_NONE)
			PERR(c, n, "%s has no expansion ROM to remove", f->extends);
		else if (rm >= 0)
			clear_bar(f, ROM_INDEX);
		if (!rm) {
			x.bars |= 1u << ROM_INDEX;
			parse_rom(c, n);
		}
	}
	parse_cap_lists(c, fn, ext_std_cap, ext_ext_cap);
	c->x = NULL;
	if (!c->status_given)
		func_sync_caplist(f);
	func_apply_structure(f);
	/* the table's planes for what is new: replaced BARs, new capabilities
	 * and those whose layout the file changed; everything else keeps
	 * the type's planes */
	for (unsigned i = 0; i <= ROM_INDEX; i++)
		if (x.bars & (1u << i))
			func_bar_planes(f, i);
	for (unsigned k = 0; k < x.nfresh; k++)
		for (unsigned i = 0; i < f->ncaps; i++)
			if (f->caps[i].off == x.fresh[k])
				func_foreach_cap_field(f, (int)i, fresh_planes_cb, NULL);
	parse_function_rest(c, fn);
}

/* name and description */
static void parse_names(struct pctx *c, struct fy_node *root)
{
	struct fy_node *n;
	char name[65];
	char *s;

	if (!(n = get(c, root, "name")))
		PERR(c, yr_has(root, "name") ? NULL : root, "missing 'name' (the instance name)");
	else if (!yr_ident(&c->y, n, "name", 64, name) && vpci_func_set_name(c->f, name))
		c->nomem = 1;
	if ((n = get(c, root, "description")) && !yr_is_empty(n) && !yr_strdup(&c->y, n, "description", &s)) {
		if (vpci_func_set_description(c->f, s))
			c->nomem = 1;
		free(s);
	}
}

static void parse_root(struct pctx *c, struct fy_node *root)
{
	struct fy_node *n;
	uint64_t v;

	c->fatal = 1; /* until the version is known to be right */
	if (!root) {
		yr_err_at(&c->y, 1, 1, "empty document: an instance needs 'vpci', 'name' and 'function'");
		return;
	}
	if (yr_want(&c->y, root, FYNT_MAPPING, "the document"))
		return;
	yr_check_keys(&c->y, root, "the document", YR_KEYS(top_keys));
	if (!(n = get(c, root, "vpci"))) {
		PERR(c, yr_has(root, "vpci") ? NULL : root, "missing 'vpci: 1' (the format version)");
		return; /* without a version nothing else can be trusted */
	}
	if (yr_uint(&c->y, n, "vpci", 0xffff, &v))
		return;
	if (v != VPCI_FORMAT_VERSION) {
		PERR(c, n, "format version %llu is not supported (this library reads version %d)",
		     (unsigned long long)v, VPCI_FORMAT_VERSION);
		return;
	}
	c->fatal = 0;
	self_spec(c, root);
	if ((n = get(c, root, "extends")) && parse_extends(c, n)) {
		c->fatal = 1; /* nothing to build on */
		return;
	}
	parse_names(c, root);
	if ((n = get(c, root, "version")) && !yr_uint(&c->y, n, "version", VPCI_TYPE_VERSION_MAX, &v)) {
		if (!v)
			PERR(c, n, "version: an instance type's versions start at 1");
		else
			c->f->type_version = (uint32_t)v;
	}
	if ((n = get(c, root, "origin")))
		parse_origin(c, n);
	if (!(n = get(c, root, "function"))) {
		PERR(c, yr_has(root, "function") ? NULL : root, "missing 'function' (the config space description)");
		c->fatal = 1;
	} else if (yr_want(&c->y, n, FYNT_MAPPING, "function")) {
		c->fatal = 1;
	} else if (c->extending) {
		parse_function_extends(c, n);
	} else {
		parse_function(c, n);
	}
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
	return text_parse_env(text, len, name, validate, NULL, out, d);
}

/* The diagnostics of the types a file extends, after the file's own. */
static void append_diags(vpci_diag *d, const vpci_diag *from)
{
	for (size_t i = 0; i < vpci_diag_count(from); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(from, i);
		struct diag_pos p = { e->file, e->line, e->column, e->offset, e->field };
		diag_add(d, e->severity, e->code, p, "%s", e->message);
	}
}

int text_parse_env(const char *text, size_t len, const char *name, int validate,
		   const struct text_env *env, vpci_func **out, vpci_diag *d)
{
	struct yr_opts opts = { name, "an instance file", 0, 0 };
	size_t from = vpci_diag_count(d);
	struct pctx *c;
	int rc;

	*out = NULL;
	/* all but the scratch bytes zeroed: they are written before read */
	c = malloc(sizeof(*c));
	if (!c)
		return VPCI_ENOMEM;
	memset(c, 0, offsetof(struct pctx, bytes));
	c->env = env;
	c->d = d;
	c->f = vpci_func_new();
	if (!c->f || (name && !(c->f->file = xstrdup(name)))) {
		vpci_func_free(c->f);
		free(c);
		return VPCI_ENOMEM;
	}
	rc = yr_open(&c->y, text, len, &opts, d);
	if (!rc)
		parse_root(c, c->y.root);
	else
		c->fatal = 1;
	yr_close(&c->y);
	free(c->ov);
	if (rc == VPCI_ENOMEM || c->nomem) {
		rc = VPCI_ENOMEM;
	} else if (c->y.errors) {
		/* still validate what was built, so one run reports everything */
		if (validate && !c->fatal && !yr_stopped(&c->y))
			vpci_validate(c->f, d);
		rc = VPCI_EDATA;
	} else if (validate && vpci_validate(c->f, d)) {
		rc = VPCI_EDATA;
	}
	diag_sort(d, from);
	if (c->based) {
		append_diags(d, c->based);
		vpci_diag_free(c->based);
	}
	if (rc)
		vpci_func_free(c->f);
	else
		*out = c->f;
	free(c);
	return rc;
}

/* Read a whole file (or standard input, "-") of at most @max bytes; a
 * longer one is read up to @max + 1 bytes, for the reader to refuse with
 * its position. */
static int read_text(const char *path, size_t max, char **out, size_t *len, vpci_diag *d)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct diag_pos p = DIAG_NOPOS;
	char *buf = NULL;
	size_t n = 0, cap = 0;

	p.file = path;
	if (!fp) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot open: %s", strerror(errno));
		return VPCI_EIO;
	}
	while (n <= max) {
		if (n == cap) {
			size_t nc = cap ? MIN(cap * 2, max + 1) : MIN((size_t)16384, max + 1);
			char *nb = realloc(buf, nc);
			if (!nb) {
				free(buf);
				if (fp != stdin)
					fclose(fp);
				return VPCI_ENOMEM;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (err) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "read error");
		free(buf);
		return VPCI_EIO;
	}
	*out = buf;
	*len = n;
	return 0;
}

VPCI_EXPORT int vpci_parse_file(const char *path, vpci_func **out, vpci_diag *d)
{
	return vpci_parse_file_opts(path, NULL, out, d);
}

VPCI_EXPORT int vpci_parse_file_flags(const char *path, unsigned flags, vpci_func **out,
				      vpci_diag *d)
{
	struct vpci_parse_opts o = { flags, NULL };

	return vpci_parse_file_opts(path, &o, out, d);
}

VPCI_EXPORT int vpci_parse_buffer_opts(const char *text, size_t len, const char *name,
				       const struct vpci_parse_opts *opts, vpci_func **out, vpci_diag *d)
{
	struct text_env env = { NULL, opts ? opts->types : NULL, NULL, NULL, NULL };

	return text_parse_env(text, len, name, !(opts && (opts->flags & VPCI_PARSE_NO_VALIDATE)), &env, out, d);
}

VPCI_EXPORT int vpci_parse_file_opts(const char *path, const struct vpci_parse_opts *opts, vpci_func **out,
				     vpci_diag *d)
{
	char *buf = NULL, dir[4096];
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = read_text(path, YR_MAX_BYTES, &buf, &len, d);
	if (rc)
		return rc;
	/* `extends:` looks beside the file first */
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	struct text_env env = { strcmp(path, "-") ? (slash ? dir : ".") : NULL, opts ? opts->types : NULL, NULL,
				NULL, NULL };
	rc = text_parse_env(buf ? buf : "", len, strcmp(path, "-") ? path : "<stdin>",
			    !(opts && (opts->flags & VPCI_PARSE_NO_VALIDATE)), &env, out, d);
	free(buf);
	return rc;
}
