/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * write.c - the canonical writer of the instance format v1
 *
 * Canonical means: one fixed key order, every header and capability field
 * written with width-padded hex, sizes with binary suffixes, comments that
 * name vendors, devices and capabilities, and raw regions only for what
 * the structure cannot say.  The writer proves that last part instead of
 * guessing it: it writes the structured text, reads it back with the real
 * parser, and emits a raw region for every byte whose value or planes
 * still differ.  So parse(write(f)) reproduces f's bytes and planes
 * exactly, and write(parse(write(f))) == write(f).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "yaml/reader.h"

#define RAW_CHUNK 16

struct wctx {
	struct strbuf sb;
	const struct vpci_func *f;
	const struct vpci_func *base;  /* the type f extends, when written relative to it */
	unsigned flags;
	const struct vpci_names *names;
};

/* The Unicode characters YAML 1.1 takes for line breaks besides LF and
 * CR (NEL, LS, PS): never raw in a written string or comment. */
static const char *line_break_escape(const char *s, size_t k)
{
	if (k == 2 && !memcmp(s, "\xc2\x85", 2))
		return "\\u0085";
	if (k == 3 && !memcmp(s, "\xe2\x80\xa8", 3))
		return "\\u2028";
	if (k == 3 && !memcmp(s, "\xe2\x80\xa9", 3))
		return "\\u2029";
	return NULL;
}

/*
 * Every string the writer emits goes through here: a YAML double-quoted
 * scalar in which nothing can end the string or the line.  Quotes and
 * backslashes are escaped, control characters and the YAML 1.1 line
 * breaks written as escapes, and a byte that is not UTF-8 (a string
 * from the API or sysfs, never one read from a file) as \xNN, so the
 * file stays readable text.
 */
static void put_quoted(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);

	sb_putc(sb, '"');
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		size_t k = yr_utf8_len(s + i, n - i);
		const char *esc = k ? line_break_escape(s + i, k) : NULL;
		if (ch == '"' || ch == '\\')
			sb_printf(sb, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(sb, "\\n");
		else if (ch == '\t')
			sb_puts(sb, "\\t");
		else if (ch < 0x20 || ch == 0x7f || !k)
			sb_printf(sb, "\\x%02x", ch);
		else if (esc)
			sb_puts(sb, esc);
		else
			sb_putn(sb, s + i, k);
		i += k ? k : 1;
	}
	sb_putc(sb, '"');
}

/* Names from the ID database and notes go into comments: one line of text, with
 * anything that could end the comment's line made a space. */
static void put_comment_text(struct strbuf *sb, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)text[i];
		size_t k = yr_utf8_len(text + i, n - i);
		if (!k || ch < 0x20 || ch == 0x7f || line_break_escape(text + i, k))
			sb_putc(sb, k > 1 ? ' ' : '?');
		else
			sb_putn(sb, text + i, k);
		i += k ? k : 1;
	}
}

static void put_comment(struct strbuf *sb, const char *text)
{
	sb_puts(sb, "  # ");
	put_comment_text(sb, text);
}

static void put_hex(struct strbuf *sb, uint64_t v, unsigned width)
{
	sb_printf(sb, "0x%0*llx", (int)(width * 2), (unsigned long long)v);
}

/* Comment for a header field whose value has a name in the ID database. */
static void id_comment(struct wctx *w, const char *field)
{
	const uint8_t *v = w->f->val;
	char buf[256];
	const char *n = NULL;

	const struct vpci_names *nm = w->names;

	if ((w->flags & VPCI_WRITE_NO_NAMES) || !nm)
		return;
	if (!strcmp(field, "vendor-id") && nm->vendor)
		n = nm->vendor(nm->ctx, le16(v + CFG_VENDOR_ID), buf, sizeof(buf));
	else if (!strcmp(field, "device-id") && nm->device)
		n = nm->device(nm->ctx, le16(v + CFG_VENDOR_ID), le16(v + CFG_DEVICE_ID), buf, sizeof(buf));
	else if (!strcmp(field, "class-code") && nm->class_name)
		n = nm->class_name(nm->ctx, le_get(v + CFG_CLASS_CODE, 3), buf, sizeof(buf));
	else if (!strcmp(field, "subsystem-vendor-id") && w->f->kind == VPCI_KIND_ENDPOINT && nm->vendor)
		n = nm->vendor(nm->ctx, le16(v + CFG0_SUBSYSTEM_VENDOR), buf, sizeof(buf));
	else if (!strcmp(field, "subsystem-id") && w->f->kind == VPCI_KIND_ENDPOINT && nm->subsystem)
		n = nm->subsystem(nm->ctx, le16(v + CFG_VENDOR_ID), le16(v + CFG_DEVICE_ID),
				  le16(v + CFG0_SUBSYSTEM_VENDOR), le16(v + CFG0_SUBSYSTEM_ID), buf, sizeof(buf));
	if (n)
		put_comment(&w->sb, n);
}

/* One field against reference planes @ref (the table's defaults, or the
 * type's planes in a file that extends one): short form when they are
 * equal, long form with the planes that differ otherwise. */
static void put_field(struct wctx *w, const struct field_ref *r, const uint64_t *ref)
{
	const struct vpci_func *f = w->f;
	const char *indent = r->cap < 0 ? "    " : "        ";
	uint64_t full = width_mask(r->fd->width);
	uint64_t val = le_get64(f->val + r->off, r->fd->width);
	int long_form = 0;

	/* a VF's field whose bits its PF owns (docs/vf-shared-fields.md) */
	int pf_shared = r->fd->vfs && le_get64(f->pfshared + r->off, r->fd->width);

	long_form = pf_shared;
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		if (func_plane_get(f, p, r->off, r->fd->width) != ref[p])
			long_form = 1;
	sb_printf(&w->sb, "%s%s: ", indent, r->name);
	if (!long_form) {
		put_hex(&w->sb, val, r->fd->width);
	} else {
		sb_puts(&w->sb, "{value: ");
		put_hex(&w->sb, val, r->fd->width);
		for (int p = 0; p < VPCI_PL_COUNT; p++) {
			uint64_t m = func_plane_get(f, p, r->off, r->fd->width);
			if (m == ref[p])
				continue;
			if (p == VPCI_PL_DEVICE && m == full && !ref[p]) {
				sb_puts(&w->sb, ", backing: device");
				continue;
			}
			sb_printf(&w->sb, ", %s: ", model_plane_keys[p]);
			put_hex(&w->sb, m, r->fd->width);
		}
		if (pf_shared)
			sb_puts(&w->sb, ", policy: pf-shared");
		sb_putc(&w->sb, '}');
	}
	if (r->cap < 0)
		id_comment(w, r->name);
	sb_putc(&w->sb, '\n');
}

/* One field: short form when the planes are the table's, long otherwise. */
static int write_field_cb(struct vpci_func *fm, const struct field_ref *r, void *ctx)
{
	struct wctx *w = ctx;
	struct captab_planes def;

	if (r->fd->flags & (FD_MANAGED | FD_HIDDEN))
		return 0;
	captab_field_planes(r->fd, fm->val, r->capoff, &def);
	put_field(w, r, def.pl);
	return 0;
}

/* A field of a file that extends a type: only when its value or planes
 * differ from the type's, at @delta bytes from where the type has it. */
struct rel_field {
	struct wctx *w;
	int delta;
};

static int write_rel_field_cb(struct vpci_func *fm, const struct field_ref *r, void *ctx)
{
	struct rel_field *rf = ctx;
	const struct vpci_func *b = rf->w->base;
	unsigned bo = (unsigned)((int)r->off - rf->delta), wd = r->fd->width;
	uint64_t ref[VPCI_PL_COUNT];
	int same;

	if (r->fd->flags & (FD_MANAGED | FD_HIDDEN))
		return 0;
	same = le_get64(fm->val + r->off, wd) == le_get64(b->val + bo, wd);
	for (int p = 0; p < VPCI_PL_COUNT; p++) {
		ref[p] = func_plane_get(b, p, bo, wd);
		same &= func_plane_get(fm, p, r->off, wd) == ref[p];
	}
	if (!same)
		put_field(rf->w, r, ref);
	return 0;
}

/* "size:" and "address:" of a BAR or the ROM, at @indent */
static void put_size_addr(struct wctx *w, const struct barinst *b, uint64_t address, const char *indent)
{
	char sz[32];

	if (b->size_known) {
		yr_format_size(b->size, sz, sizeof(sz));
		sb_printf(&w->sb, "%ssize: %s\n", indent, sz);
	} else {
		sb_printf(&w->sb, "%ssize: unknown\n", indent);
	}
	if (address)
		sb_printf(&w->sb, "%saddress: %#llx\n", indent, (unsigned long long)address);
}

static void write_bars(struct wctx *w)
{
	const struct vpci_func *f = w->f;
	int any = 0;

	for (unsigned i = 0; i < func_nbars(f); i++) {
		const struct barinst *b = &f->bar[i];
		struct vpci_bar_info bi;
		if (b->type == VPCI_BAR_NONE || b->type == VPCI_BAR_MEM64_HI || vpci_func_bar(f, i, &bi))
			continue;
		if (!any++)
			sb_puts(&w->sb, "  bars:\n");
		sb_printf(&w->sb, "    - index: %u\n      type: %s\n", i, model_bar_type_names[b->type]);
		if (b->pref)
			sb_puts(&w->sb, "      prefetchable: true\n");
		put_size_addr(w, b, bi.address, "      ");
	}
	if (f->kind != VPCI_KIND_CARDBUS && f->bar[ROM_INDEX].type != VPCI_BAR_NONE) {
		const struct barinst *b = &f->bar[ROM_INDEX];
		struct vpci_bar_info bi;
		vpci_func_bar(f, ROM_INDEX, &bi);
		sb_puts(&w->sb, "  expansion-rom:\n");
		put_size_addr(w, b, bi.address, "    ");
		if (bi.enabled)
			sb_puts(&w->sb, "    enabled: true\n");
	}
}

static void write_cap_fields(struct wctx *w, const struct capinst *c, unsigned i);

static void write_caps(struct wctx *w, int ext)
{
	const struct vpci_func *f = w->f;
	unsigned from = ext ? f->nstd : 0, to = ext ? f->ncaps : f->nstd;

	if (from == to)
		return;
	while (to > from && f->caps[to - 1].virt)
		to--; /* virtual capabilities follow the others; written apart */
	if (from == to)
		return;
	sb_puts(&w->sb, ext ? "  extended-capabilities:\n" : "  capabilities:\n");
	for (unsigned i = from; i < to; i++) {
		const struct capinst *c = &f->caps[i];
		if (c->desc) {
			sb_printf(&w->sb, "    - type: %s", c->desc->key);
			put_comment(&w->sb, c->desc->name);
			sb_putc(&w->sb, '\n');
		} else {
			sb_printf(&w->sb, "    - id: %#0*x", ext ? 6 : 4, c->id);
			sb_puts(&w->sb, "  # not in the capability table: body under raw\n");
		}
		sb_printf(&w->sb, "      offset: %#x\n", c->off);
		if (ext)
			sb_printf(&w->sb, "      version: %u\n", c->version);
		write_cap_fields(w, c, i);
	}
}

/* The "fields:" of capability @i, when it has any to write. */
static void write_cap_fields(struct wctx *w, const struct capinst *c, unsigned i)
{
	if (!c->desc || !c->desc->fields)
		return;
	size_t mark = w->sb.len;
	sb_puts(&w->sb, "      fields:\n");
	size_t body = w->sb.len;
	func_foreach_cap_field(w->f, (int)i, write_field_cb, w);
	if (w->sb.len == body && !w->sb.failed) {
		w->sb.len = mark; /* no fields to write */
		w->sb.s[mark] = '\0';
	}
}

static int cover_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	uint8_t *cov = ctx;

	(void)f;
	if (!(r->fd->flags & (FD_MANAGED | FD_HIDDEN)))
		for (unsigned k = 0; k < r->fd->width && r->off + k < VPCI_CFG_SIZE; k++)
			cov[r->off + k] = 1;
	return 0;
}

/* The bytes of virtual capability @i that no field writes ("body:", from
 * the end of its header to the last such byte that is not 0). */
static unsigned vcap_body(const struct vpci_func *f, unsigned i, unsigned *from)
{
	const struct capinst *c = &f->caps[i];
	uint8_t cov[VPCI_CFG_SIZE] = { 0 };
	unsigned end = 0, len = cap_extent(c);

	*from = c->off + (c->ext ? 4u : 2u);
	func_foreach_cap_field(f, (int)i, cover_cb, cov);
	for (unsigned k = *from; k < c->off + len && k < VPCI_CFG_SIZE; k++)
		if (!cov[k] && f->val[k])
			end = k + 1;
	return end > *from ? end - *from : 0;
}

static void put_bytes(struct strbuf *sb, const uint8_t *p, unsigned n);

/* virtual-capabilities: standard ones, then extended ones, each in chain
 * order; automatically placed ones as such unless @pin. */
static void write_vcaps(struct wctx *w, int pin)
{
	const struct vpci_func *f = w->f;
	int any = 0;

	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		unsigned from, n;
		if (!c->virt)
			continue;
		if (!any++)
			sb_puts(&w->sb, "  virtual-capabilities:\n");
		sb_printf(&w->sb, "    - type: %s", c->desc ? c->desc->key : "null");
		put_comment(&w->sb, c->desc ? c->desc->name : "?");
		sb_putc(&w->sb, '\n');
		if (c->tag[0])
			sb_printf(&w->sb, "      name: %s\n", c->tag);
		if ((c->placement & VCAP_AUTO) && !pin)
			sb_printf(&w->sb, "      placement: %s\n", (c->placement & VCAP_GAPS) ? "auto-gaps" : "auto");
		else
			sb_printf(&w->sb, "      offset: %#x\n", c->off);
		if (c->ext)
			sb_printf(&w->sb, "      version: %u\n", c->version);
		if ((n = vcap_body(f, i, &from))) {
			sb_puts(&w->sb, "      body: ");
			put_bytes(&w->sb, f->val + from, n);
			sb_putc(&w->sb, '\n');
		}
		write_cap_fields(w, c, i);
	}
}

static void write_free(struct wctx *w)
{
	const struct vpci_func *f = w->f;
	unsigned from = w->base ? w->base->nfree : 0; /* the type's come first */

	if (f->nfree <= from)
		return;
	sb_puts(&w->sb, "  free-ranges:\n");
	for (unsigned i = from; i < f->nfree; i++) {
		sb_printf(&w->sb, "    - offset: %#x\n      length: %#x\n", f->free[i].off, f->free[i].len);
		if (f->free[i].tag[0])
			sb_printf(&w->sb, "      for: %s\n", f->free[i].tag);
	}
}

/* --- a file that extends a type: only the differences (format §21) ------ */

/* The capability of the type at the same place (ID, kind, offset), or -1. */
static int base_cap(const struct vpci_func *b, const struct capinst *c)
{
	for (unsigned i = 0; i < b->ncaps; i++)
		if (b->caps[i].id == c->id && b->caps[i].ext == c->ext && b->caps[i].off == c->off)
			return (int)i;
	return -1;
}

static int cap_in(const struct vpci_func *f, const struct capinst *c)
{
	return base_cap(f, c) >= 0;
}

/* Can f be written as the type plus differences?  The reader keeps the
 * type's capabilities in their order and adds new ones at the end of
 * their list, keeps header kind and config size, and adds free ranges
 * after the type's. */
static int expressible(const struct vpci_func *f, const struct vpci_func *b)
{
	if (f->kind != b->kind || f->size != b->size || f->nfree < b->nfree)
		return 0;
	/* virtual capabilities are written in their own list and a VF
	 * template names a file: such a file is written whole */
	if (f->vf_template_ref || b->vf_template_ref)
		return 0;
	for (unsigned i = 0; i < f->ncaps; i++)
		if (f->caps[i].virt)
			return 0;
	for (unsigned i = 0; i < b->ncaps; i++)
		if (b->caps[i].virt)
			return 0;
	for (unsigned i = 0; i < b->nfree; i++)
		if (f->free[i].off != b->free[i].off || f->free[i].len != b->free[i].len ||
		    strcmp(f->free[i].tag, b->free[i].tag))
			return 0;
	for (int ext = 0; ext <= 1; ext++) {
		unsigned k = 0, from = ext ? f->nstd : 0, to = ext ? f->ncaps : f->nstd;
		/* f's list: the type's kept ones in the type's order, then new */
		for (unsigned j = ext ? b->nstd : 0; j < (ext ? b->ncaps : b->nstd); j++) {
			if (!cap_in(f, &b->caps[j]))
				continue;
			while (k < to - from && !cap_in(b, &f->caps[from + k]))
				return 0; /* a new one before a kept one */
			if (k >= to - from || f->caps[from + k].off != b->caps[j].off)
				return 0;
			k++;
		}
	}
	return 1;
}

static int bar_same(const struct vpci_func *f, const struct vpci_func *b, unsigned i)
{
	const struct barinst *x = &f->bar[i], *y = &b->bar[i];
	unsigned off = func_bar_off(f, i), wd = x->type == VPCI_BAR_MEM64 && i < ROM_INDEX ? 8 : 4;

	return x->type == y->type && x->pref == y->pref && x->size_known == y->size_known && x->size == y->size &&
	       !memcmp(f->val + off, b->val + off, wd);
}

static void write_rel_bars(struct wctx *w)
{
	const struct vpci_func *f = w->f, *b = w->base;
	int any = 0;

	for (unsigned i = 0; i < func_nbars(f); i++) {
		const struct barinst *x = &f->bar[i];
		struct vpci_bar_info bi;
		if (bar_same(f, b, i) || x->type == VPCI_BAR_MEM64_HI)
			continue;
		if (!any++)
			sb_puts(&w->sb, "  bars:\n");
		if (x->type == VPCI_BAR_NONE || vpci_func_bar(f, i, &bi)) {
			if (b->bar[i].type != VPCI_BAR_NONE && b->bar[i].type != VPCI_BAR_MEM64_HI)
				sb_printf(&w->sb, "    - index: %u\n      remove: true\n", i);
			continue;
		}
		sb_printf(&w->sb, "    - index: %u\n      type: %s\n", i, model_bar_type_names[x->type]);
		if (x->pref)
			sb_puts(&w->sb, "      prefetchable: true\n");
		put_size_addr(w, x, bi.address, "      ");
	}
	if (f->kind != VPCI_KIND_CARDBUS && !bar_same(f, b, ROM_INDEX)) {
		struct vpci_bar_info bi;
		sb_puts(&w->sb, "  expansion-rom:\n");
		if (vpci_func_bar(f, ROM_INDEX, &bi)) {
			sb_puts(&w->sb, "    remove: true\n");
		} else {
			put_size_addr(w, &f->bar[ROM_INDEX], bi.address, "    ");
			if (bi.enabled)
				sb_puts(&w->sb, "    enabled: true\n");
		}
	}
}

static void cap_head(struct wctx *w, const struct capinst *c, int ext)
{
	if (c->desc) {
		sb_printf(&w->sb, "    - type: %s", c->desc->key);
		put_comment(&w->sb, c->desc->name);
		sb_putc(&w->sb, '\n');
	} else {
		sb_printf(&w->sb, "    - id: %#0*x\n", ext ? 6 : 4, c->id);
	}
	sb_printf(&w->sb, "      offset: %#x\n", c->off);
}

static void write_rel_caps(struct wctx *w, int ext)
{
	const struct vpci_func *f = w->f, *b = w->base;
	size_t start = w->sb.len;

	sb_puts(&w->sb, ext ? "  extended-capabilities:\n" : "  capabilities:\n");
	size_t items = w->sb.len;
	/* the type's capabilities this one no longer has */
	for (unsigned j = ext ? b->nstd : 0; j < (ext ? b->ncaps : b->nstd); j++) {
		if (cap_in(f, &b->caps[j]))
			continue;
		cap_head(w, &b->caps[j], ext);
		sb_puts(&w->sb, "      remove: true\n");
	}
	for (unsigned i = ext ? f->nstd : 0; i < (ext ? f->ncaps : f->nstd); i++) {
		const struct capinst *c = &f->caps[i];
		int j = base_cap(b, c);
		if (j < 0) {
			/* new: written whole, against the table's planes */
			cap_head(w, c, ext);
			if (ext)
				sb_printf(&w->sb, "      version: %u\n", c->version);
			if (c->desc && c->desc->fields) {
				sb_puts(&w->sb, "      fields:\n");
				func_foreach_cap_field(f, (int)i, write_field_cb, w);
			}
			continue;
		}
		size_t mark = w->sb.len;
		cap_head(w, c, ext);
		size_t head = w->sb.len;
		if (ext && c->version != b->caps[j].version)
			sb_printf(&w->sb, "      version: %u\n", c->version);
		if (c->desc && c->desc->fields) {
			struct captab_layout lf, lb;
			size_t fm = w->sb.len;
			sb_puts(&w->sb, "      fields:\n");
			size_t body = w->sb.len;
			captab_layout(c->desc, f->val, c->off, &lf);
			captab_layout(c->desc, b->val, b->caps[j].off, &lb);
			if (memcmp(&lf, &lb, sizeof(lf))) {
				/* another layout: the reader gives it the table's
				 * planes, so it is written whole against them */
				func_foreach_cap_field(f, (int)i, write_field_cb, w);
			} else {
				struct rel_field rf = { w, (int)c->off - (int)b->caps[j].off };
				func_foreach_cap_field(f, (int)i, write_rel_field_cb, &rf);
			}
			if (w->sb.len == body && !w->sb.failed) {
				w->sb.len = fm;
				w->sb.s[fm] = '\0';
			}
		}
		if (w->sb.len == head && !w->sb.failed) {
			w->sb.len = mark; /* nothing differs */
			w->sb.s[mark] = '\0';
		}
	}
	if (w->sb.len == items && !w->sb.failed) {
		w->sb.len = start;
		w->sb.s[start] = '\0';
	}
}

/* The function of a file that extends w->base. */
static void write_relative(struct wctx *w)
{
	const struct vpci_func *f = w->f, *b = w->base;

	sb_puts(&w->sb, "function:\n");
	size_t body = w->sb.len;
	if (f->multifunction != b->multifunction)
		sb_printf(&w->sb, "  multifunction: %s\n", f->multifunction ? "true" : "false");
	if (f->kind != VPCI_KIND_CARDBUS) {
		size_t mark = w->sb.len;
		sb_puts(&w->sb, "  header:\n");
		size_t fields = w->sb.len;
		struct rel_field rf = { w, 0 };
		func_foreach_cap_field(f, -1, write_rel_field_cb, &rf);
		if (w->sb.len == fields && !w->sb.failed) {
			w->sb.len = mark;
			w->sb.s[mark] = '\0';
		}
		write_rel_bars(w);
	}
	write_rel_caps(w, 0);
	write_rel_caps(w, 1);
	if (w->sb.len == body && !w->sb.failed) {
		/* nothing differs: an empty mapping */
		w->sb.len = body - 1;
		sb_puts(&w->sb, " {}\n");
	}
}

static void write_structured(struct wctx *w)
{
	const struct vpci_func *f = w->f;

	sb_puts(&w->sb, "# vPCI instance (format v1, see docs/format.md)\n");
	/* notes of the tool that made the model (e.g. vpci common: what it
	 * dropped and why); comments, so the reader never sees them */
	for (unsigned i = 0; i < f->nnotes; i++) {
		sb_puts(&w->sb, "# ");
		put_comment_text(&w->sb, f->notes[i]);
		sb_putc(&w->sb, '\n');
	}
	sb_printf(&w->sb, "vpci: %d\n", VPCI_FORMAT_VERSION);
	sb_puts(&w->sb, "name: ");
	put_quoted(&w->sb, f->name && *f->name ? f->name : "unnamed");
	sb_putc(&w->sb, '\n');
	if (w->base) {
		sb_puts(&w->sb, "extends: ");
		put_quoted(&w->sb, f->extends);
		sb_putc(&w->sb, '\n');
	}
	if (f->type_version)
		sb_printf(&w->sb, "version: %u\n", f->type_version);
	if (f->description && *f->description) {
		sb_puts(&w->sb, "description: ");
		put_quoted(&w->sb, f->description);
		sb_putc(&w->sb, '\n');
	}
	if (f->norigin) {
		sb_puts(&w->sb, "origin:\n");
		for (unsigned i = 0; i < f->norigin; i++) {
			const char *key = f->origin[i].key;
			sb_puts(&w->sb, "  ");
			if (yr_ident_ok(key, strlen(key), 64))
				sb_puts(&w->sb, key);
			else
				put_quoted(&w->sb, key);
			sb_puts(&w->sb, ": ");
			put_quoted(&w->sb, f->origin[i].value);
			sb_putc(&w->sb, '\n');
		}
	}
	if (w->base) {
		write_relative(w);
		return;
	}
	sb_puts(&w->sb, "function:\n");
	sb_printf(&w->sb, "  kind: %s\n", model_kind_names[f->kind]);
	sb_printf(&w->sb, "  config-size: %u\n", f->size);
	if (f->multifunction)
		sb_puts(&w->sb, "  multifunction: true\n");
	if (f->vf_template_ref) {
		sb_puts(&w->sb, "  vf-template: ");
		put_quoted(&w->sb, f->vf_template_ref);
		sb_putc(&w->sb, '\n');
	}
	if (f->kind != VPCI_KIND_CARDBUS) {
		sb_puts(&w->sb, "  header:\n");
		func_foreach_cap_field(f, -1, write_field_cb, w);
		write_bars(w);
	}
	write_caps(w, 0);
	write_caps(w, 1);
}

/* Does the text give every automatically placed capability of @f the
 * offset it has (the rule reads the whole file: a model changed after
 * placing may place differently)? */
static int auto_kept(const struct vpci_func *f, const char *text, size_t len)
{
	vpci_func *back = NULL;
	int same = 1;

	if (text_parse(text, len, NULL, 0, &back, NULL))
		return 0;
	for (unsigned i = 0; i < f->ncaps && same; i++)
		if (f->caps[i].virt && (i >= back->ncaps || back->caps[i].off != f->caps[i].off))
			same = 0;
	vpci_func_free(back);
	return same;
}

static const char *where_is(const struct vpci_func *f, unsigned off, char *buf, unsigned n)
{
	if (off < CFG_HEADER_END)
		return "header";
	for (unsigned i = 0; i < f->ncaps; i++) {
		const struct capinst *c = &f->caps[i];
		unsigned len = cap_extent(c);
		if (off >= c->off && off < c->off + len) {
			snprintf(buf, n, "in %s at %#x", c->desc ? c->desc->name : "an unknown capability",
				 c->off);
			return buf;
		}
	}
	return "outside every capability";
}

static int byte_differs(const struct vpci_func *a, const struct vpci_func *b, unsigned i)
{
	if (a->val[i] != b->val[i])
		return 1;
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		if (a->pl[p][i] != b->pl[p][i])
			return 1;
	return 0;
}

static int in_vcap(const struct vpci_func *f, unsigned off)
{
	int i = func_cap_overlapping(f, off, 1);

	return i >= 0 && f->caps[i].virt;
}

static void put_bytes(struct strbuf *sb, const uint8_t *p, unsigned n)
{
	sb_putc(sb, '"');
	for (unsigned i = 0; i < n; i++)
		sb_printf(sb, i ? " %02x" : "%02x", p[i]);
	sb_putc(sb, '"');
}

/* Raw regions for every 16-byte row that holds a differing byte; the
 * region covers the differing bytes of that row (and the equal bytes
 * between them). */
static void write_raw(struct wctx *w, const struct vpci_func *shadow)
{
	const struct vpci_func *f = w->f;
	int any = 0;
	char buf[96];

	for (unsigned row = 0, next = 0; row < f->size; row = next) {
		int lo = -1, hi = -1;
		next = row + RAW_CHUNK;
		for (unsigned i = row; i < row + RAW_CHUNK; i++) {
			if (in_vcap(f, i)) {
				/* raw bytes come before virtual capabilities are
				 * placed: a region never covers one */
				if (lo >= 0) {
					next = i;
					break;
				}
				continue;
			}
			if (byte_differs(f, shadow, i)) {
				if (lo < 0)
					lo = (int)i;
				hi = (int)i;
			}
		}
		if (lo < 0)
			continue;
		if (!any++)
			sb_puts(&w->sb, "  raw:\n");
		unsigned off = (unsigned)lo, n = (unsigned)(hi - lo + 1);
		sb_printf(&w->sb, "    - offset: %#x", off);
		put_comment(&w->sb, where_is(f, off, buf, sizeof(buf)));
		sb_puts(&w->sb, "\n      bytes: ");
		put_bytes(&w->sb, f->val + off, n);
		sb_putc(&w->sb, '\n');
		for (int p = 0; p < VPCI_PL_COUNT; p++) {
			int nz = 0;
			for (unsigned i = 0; i < n; i++)
				nz |= f->pl[p][off + i];
			if (!nz)
				continue;
			sb_printf(&w->sb, "      %s: ", model_plane_keys[p]);
			put_bytes(&w->sb, f->pl[p] + off, n);
			sb_putc(&w->sb, '\n');
		}
	}
}

VPCI_EXPORT int vpci_write(const vpci_func *f, unsigned flags, char **out, size_t *len)
{
	return vpci_write_names(f, flags, NULL, out, len);
}

VPCI_EXPORT int vpci_write_names(const vpci_func *f, unsigned flags, const struct vpci_names *names,
				 char **out, size_t *len)
{
	struct wctx w;
	vpci_func *shadow = NULL;
	int rc;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	w.f = f;
	/* a function built on a type is written as the type's differences
	 * when the reader can give it back that way */
	if (f->base && f->extends && expressible(f, f->base))
		w.base = f->base;
	struct text_env env = { NULL, NULL, f->extends, f->base, NULL };
	w.flags = flags | VPCI_WRITE_NO_NAMES; /* names do not change the model */
	sb_init(&w.sb);
	write_structured(&w);
	write_free(&w);
	write_vcaps(&w, 1);
	if (w.sb.failed) {
		sb_free(&w.sb);
		return VPCI_ENOMEM;
	}
	/* what the structure alone gives back (the template is f's: not read
	 * again) */
	text_no_templates = 1;
#ifdef VPCI_DEBUG_WRITE
	vpci_diag *dd = vpci_diag_new();
	rc = text_parse_env(w.sb.s, w.sb.len, NULL, 0, &env, &shadow, dd);
	for (size_t k = 0; k < vpci_diag_count(dd); k++) { char b[512]; vpci_diag_format(vpci_diag_get(dd, k), b, sizeof(b)); fprintf(stderr, "%s\n", b); }
	if (rc) fprintf(stderr, "%s", w.sb.s);
	vpci_diag_free(dd);
#else
	rc = text_parse_env(w.sb.s, w.sb.len, NULL, 0, &env, &shadow, NULL);
#endif
	text_no_templates = 0;
	sb_free(&w.sb);
	if (rc)
		return rc == VPCI_ENOMEM ? VPCI_ENOMEM : VPCI_EINVAL;

	w.flags = flags;
	w.names = names;
	int auto_any = 0;
	for (unsigned i = 0; i < f->ncaps; i++)
		auto_any |= f->caps[i].virt && (f->caps[i].placement & VCAP_AUTO);
	for (int pin = !auto_any; pin < 2; pin++) {
		sb_init(&w.sb);
		write_structured(&w);
		write_raw(&w, shadow);
		write_free(&w);
		write_vcaps(&w, pin);
		/* 'placement: auto' only where reading gives the same offset */
		if (pin || w.sb.failed || auto_kept(f, w.sb.s, w.sb.len))
			break;
		sb_free(&w.sb);
	}
	vpci_func_free(shadow);
	*out = sb_finish(&w.sb, len);
	return *out ? 0 : VPCI_ENOMEM;
}
