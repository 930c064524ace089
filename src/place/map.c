/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.c - vpci_map(): the config space drawn for people, as terminal text
 * or an SVG picture: one cell per DWORD, 64 cells (256 bytes) a row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place.h"

#define CELLS_PER_ROW 64u
#define ROW_BYTES (4u * CELLS_PER_ROW)

/* What a block of the map is. */
enum blk_kind {
	BK_HEADER,
	BK_CAP,       /* an ordinary capability */
	BK_VCAP,      /* a virtual capability */
	BK_RANGE,     /* a free range kept for any capability */
	BK_KEPT,      /* a free range kept for a name */
	BK_GAP,       /* outside every structure: 0, read-only, virtual */
	BK_GAP_DATA,  /* outside every structure, holding a value or access bits */
	BK_GAP_DEV,   /* outside every structure, device-backed */
};

struct blk {
	enum blk_kind kind;
	unsigned off, len;
	char sym;
	int cap;                 /* capability index, -1 */
	int range;               /* free range index, -1 */
	unsigned devbytes;       /* bytes with a device-backed bit */
};

struct map {
	const struct vpci_func *f;
	struct blk *b;
	unsigned n;
	int16_t who[VPCI_CFG_SIZE]; /* block of each byte, -1 for gap bytes */
	unsigned gap[3];            /* bytes of BK_GAP, BK_GAP_DATA, BK_GAP_DEV */
};

static unsigned dev_bytes(const struct vpci_func *f, unsigned off, unsigned len)
{
	unsigned n = 0;

	for (unsigned k = off; k < off + len && k < VPCI_CFG_SIZE; k++)
		n += f->pl[VPCI_PL_DEVICE][k] != 0;
	return n;
}

static enum blk_kind gap_kind(const struct vpci_func *f, unsigned k)
{
	if (f->pl[VPCI_PL_DEVICE][k])
		return BK_GAP_DEV;
	if (f->val[k])
		return BK_GAP_DATA;
	for (int p = 0; p < VPCI_PL_COUNT; p++)
		if (f->pl[p][k])
			return BK_GAP_DATA;
	return BK_GAP;
}

static int add_blk(struct map *m, enum blk_kind kind, unsigned off, unsigned len, int cap, int range)
{
	struct blk *b = realloc(m->b, (m->n + 1) * sizeof(*b));

	if (!b)
		return VPCI_ENOMEM;
	m->b = b;
	b += m->n;
	b->kind = kind;
	b->off = off;
	b->len = len;
	b->cap = cap;
	b->range = range;
	b->sym = '?';
	b->devbytes = dev_bytes(m->f, off, len);
	for (unsigned k = off; k < off + len && k < m->f->size; k++)
		if (m->who[k] < 0)
			m->who[k] = (int16_t)m->n;
	m->n++;
	return 0;
}

static int cmp_cap_off(const void *a, const void *b, const struct vpci_func *f)
{
	unsigned x = f->caps[*(const unsigned *)a].off, y = f->caps[*(const unsigned *)b].off;

	return x < y ? -1 : x > y;
}

static int build(struct map *m, const struct vpci_func *f)
{
	unsigned order[VPCI_CFG_SIZE / 4], n = MIN(f->ncaps, (unsigned)ARRAY_SIZE(order));
	unsigned letter = 0, digit = 0;

	memset(m, 0, sizeof(*m));
	m->f = f;
	for (unsigned k = 0; k < VPCI_CFG_SIZE; k++)
		m->who[k] = -1;
	if (add_blk(m, BK_HEADER, 0, 0x40, -1, -1))
		return VPCI_ENOMEM;
	m->b[0].sym = m->b[0].devbytes ? '#' : '=';
	/* capabilities in offset order (insertion sort: at most 1008) */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;
		order[i] = i;
		while (j && cmp_cap_off(&order[j - 1], &order[j], f) > 0) {
			unsigned t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
			j--;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct capinst *c = &f->caps[order[i]];
		if (c->off >= f->size)
			continue;
		unsigned len = MIN(cap_extent(c), (unsigned)f->size - c->off);
		if (add_blk(m, c->virt ? BK_VCAP : BK_CAP, c->off, len, (int)order[i], -1))
			return VPCI_ENOMEM;
		struct blk *b = &m->b[m->n - 1];
		if (c->virt)
			b->sym = digit < 9 ? (char)('1' + digit++) : '^';
		else if (letter < 26)
			b->sym = (char)((b->devbytes ? 'A' : 'a') + letter++);
	}
	for (unsigned i = 0; i < f->nfree; i++) {
		const struct freerange *r = &f->free[i];
		if (add_blk(m, r->tag[0] ? BK_KEPT : BK_RANGE, r->off, r->len, -1, (int)i))
			return VPCI_ENOMEM;
		m->b[m->n - 1].sym = r->tag[0] ? '*' : '+';
	}
	for (unsigned k = 0x40; k < f->size; k++)
		if (m->who[k] < 0)
			m->gap[gap_kind(f, k) - BK_GAP]++;
	return 0;
}

static const char gap_sym[3] = { '.', ':', '!' };

/* The symbol of the cell at @off: the first structure among its bytes,
 * else the worst gap kind. */
static char cell_sym(const struct map *m, unsigned off, int *blk)
{
	int worst = -1;

	*blk = -1;
	for (unsigned k = off; k < off + 4; k++) {
		if (m->who[k] >= 0) {
			*blk = m->who[k];
			return m->b[m->who[k]].sym;
		}
		int g = (int)gap_kind(m->f, k) - BK_GAP;
		worst = MAX(worst, g);
	}
	return gap_sym[worst];
}

static void blk_name(const struct map *m, const struct blk *b, char *buf, size_t size)
{
	const struct vpci_func *f = m->f;
	char nb[48];

	switch (b->kind) {
	case BK_HEADER:
		snprintf(buf, size, "%s", f->kind == VPCI_KIND_BRIDGE ? "type 1 header" :
			 f->kind == VPCI_KIND_CARDBUS ? "CardBus header" : "type 0 header");
		break;
	case BK_CAP:
	case BK_VCAP: {
		const struct capinst *c = &f->caps[b->cap];
		const char *nm = captab_cap_name(c->ext ? CK_EXT : CK_STD, c->id, nb, sizeof(nb));
		if (c->virt)
			snprintf(buf, size, "virtual %s%s%s%s", nm, c->tag[0] ? " \"" : "", c->tag,
				 c->tag[0] ? "\"" : "");
		else
			snprintf(buf, size, "%s", nm);
		break;
	}
	case BK_RANGE:
		snprintf(buf, size, "free range");
		break;
	case BK_KEPT:
		snprintf(buf, size, "free range kept for %s", f->free[b->range].tag);
		break;
	default:
		snprintf(buf, size, "gap");
		break;
	}
}

static void blk_backing(const struct map *m, const struct blk *b, char *buf, size_t size)
{
	if (b->kind == BK_RANGE || b->kind == BK_KEPT)
		snprintf(buf, size, "room for virtual capabilities");
	else if (b->kind == BK_VCAP)
		snprintf(buf, size, "virtual, %s", m->f->caps[b->cap].placement & VCAP_AUTO ?
			 (m->f->caps[b->cap].placement & VCAP_GAPS ? "placement: auto-gaps" : "placement: auto") : "pinned");
	else if (b->devbytes)
		snprintf(buf, size, "device-backed bits in %u of %u bytes", b->devbytes, b->len);
	else
		snprintf(buf, size, "virtual");
}

static void text_map(const struct map *m, struct strbuf *sb)
{
	const struct vpci_func *f = m->f;
	char name[96], back[64];
	unsigned devb = 0;

	for (unsigned k = 0; k < f->size; k++)
		devb += f->pl[VPCI_PL_DEVICE][k] != 0;
	sb_printf(sb, "%s: %s, %u bytes; one cell is 4 bytes\n\n", f->name ? f->name : "(unnamed)",
		  f->kind == VPCI_KIND_BRIDGE ? "bridge" : f->kind == VPCI_KIND_CARDBUS ? "CardBus bridge" : "endpoint",
		  f->size);
	sb_puts(sb, "       +0x00            +0x40            +0x80            +0xc0\n");
	char line[CELLS_PER_ROW + 4], prev[CELLS_PER_ROW + 4] = "";
	unsigned same = 0;
	for (unsigned row = 0; row <= f->size; row += ROW_BYTES) {
		int blk;
		size_t n = 0;
		for (unsigned c = 0; row < f->size && c < CELLS_PER_ROW; c++) {
			if (c && !(c % 16))
				line[n++] = ' ';
			line[n++] = cell_sym(m, row + 4 * c, &blk);
		}
		line[n] = '\0';
		/* rows of nothing but free gap bytes after one like it: one line */
		if (row < f->size && !strcmp(line, prev) && strspn(line, ". ") == n) {
			same++;
			continue;
		}
		if (same)
			sb_printf(sb, "       ... the same to 0x%03x\n", row - 1);
		same = 0;
		if (row < f->size)
			sb_printf(sb, "0x%03x  %s\n", row, line);
		memcpy(prev, line, n + 1);
	}
	sb_puts(sb, "\n");
	for (unsigned i = 0; i < m->n; i++) {
		const struct blk *b = &m->b[i];
		blk_name(m, b, name, sizeof(name));
		blk_backing(m, b, back, sizeof(back));
		sb_printf(sb, "  %c  0x%03x..0x%03x  %5u  %-46s %s\n", b->sym, b->off, b->off + b->len - 1, b->len,
			  name, back);
	}
	sb_printf(sb, "  %c  gap bytes, 0 and read-only (free, but only a pinned or auto-gaps capability uses "
		  "them): %u\n", gap_sym[0], m->gap[0]);
	sb_printf(sb, "  %c  gap bytes holding a value or access bits: %u\n", gap_sym[1], m->gap[1]);
	sb_printf(sb, "  %c  gap bytes backed by the device (registers a quirk keeps): %u\n", gap_sym[2], m->gap[2]);
	sb_printf(sb, "= header (# with device-backed bits); letters: capabilities, upper case with device-backed "
		  "bits,\nlower case all virtual; digits: virtual capabilities.  Device-backed bytes: %u of %u.\n",
		  devb, f->size);
}

/* --- SVG ---------------------------------------------------------------------- */

#define CW 12   /* cell width */
#define CH 22   /* cell height */
#define X0 56   /* grid left */
#define Y0 44   /* grid top */

struct style {
	const char *fill, *stroke;
};

static struct style blk_style(const struct map *m, const struct blk *b)
{
	switch (b->kind) {
	case BK_HEADER: return (struct style){ "#d0d0d0", "#808080" };
	case BK_CAP: return b->devbytes ? (struct style){ "#f4b183", "#c55a11" } : (struct style){ "#9dc3e6", "#2e75b6" };
	case BK_VCAP: return (struct style){ "#a9d18e", "#548235" };
	case BK_RANGE: return (struct style){ "#e2f0d9", "#70ad47" };
	case BK_KEPT: return (struct style){ "#fff2cc", "#bf9000" };
	default: break;
	}
	(void)m;
	return (struct style){ "#ffffff", "#d9d9d9" };
}

static const struct style gap_style[3] = {
	{ "#ffffff", "#d9d9d9" }, { "#d6dce5", "#8497b0" }, { "#ff9999", "#c00000" },
};

static void svg_esc(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			sb_puts(sb, "&lt;");
		else if (*s == '>')
			sb_puts(sb, "&gt;");
		else if (*s == '&')
			sb_puts(sb, "&amp;");
		else if (*s == '"')
			sb_puts(sb, "&quot;");
		else
			sb_putc(sb, *s);
	}
}

static void svg_map(const struct map *m, struct strbuf *sb)
{
	const struct vpci_func *f = m->f;
	unsigned rows = (f->size + ROW_BYTES - 1) / ROW_BYTES;
	unsigned legend = m->n + 3;
	unsigned w = X0 + CELLS_PER_ROW * CW + 16, h = Y0 + rows * CH + 24 + legend * 18 + 10;
	char name[96], back[64];

	sb_printf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
		  "viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"11\">\n", w, h, w, h);
	sb_printf(sb, "<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n", w, h);
	sb_puts(sb, "<text x=\"8\" y=\"18\" font-size=\"13\">");
	svg_esc(sb, f->name ? f->name : "(unnamed)");
	sb_printf(sb, ": %u bytes, one cell per DWORD</text>\n", f->size);
	for (unsigned c = 0; c < CELLS_PER_ROW; c += 16)
		sb_printf(sb, "<text x=\"%u\" y=\"%u\">+0x%02x</text>\n", X0 + c * CW, Y0 - 6, c * 4);
	for (unsigned r = 0; r < rows; r++) {
		unsigned y = Y0 + r * CH;
		sb_printf(sb, "<text x=\"8\" y=\"%u\">0x%03x</text>\n", y + 15, r * ROW_BYTES);
		/* one rectangle per run of cells that look the same */
		for (unsigned c = 0, run; c < CELLS_PER_ROW; c += run) {
			unsigned off = r * ROW_BYTES + 4 * c;
			int blk, nb;
			char sym = cell_sym(m, off, &blk);
			for (run = 1; c + run < CELLS_PER_ROW && cell_sym(m, off + 4 * run, &nb) == sym && nb == blk; run++)
				;
			struct style st = blk >= 0 ? blk_style(m, &m->b[blk]) :
				gap_style[sym == gap_sym[2] ? 2 : sym == gap_sym[1] ? 1 : 0];
			sb_printf(sb, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" stroke=\"%s\"/>\n",
				  X0 + c * CW, y, run * CW, CH, st.fill, st.stroke);
		}
		/* labels: each block's key over its first run in this row */
		for (unsigned c = 0; c < CELLS_PER_ROW;) {
			unsigned off = r * ROW_BYTES + 4 * c;
			int blk;
			cell_sym(m, off, &blk);
			unsigned run = 1;
			int nb;
			while (c + run < CELLS_PER_ROW && (cell_sym(m, off + 4 * run, &nb), nb == blk))
				run++;
			if (blk >= 0 && (off <= m->b[blk].off || c == 0)) {
				const struct blk *b = &m->b[blk];
				const char *label = b->kind == BK_HEADER ? "header" :
					b->cap >= 0 && f->caps[b->cap].desc ? f->caps[b->cap].desc->key :
					b->kind == BK_KEPT ? f->free[b->range].tag : b->kind == BK_RANGE ? "free" : "?";
				char lb[48];
				snprintf(lb, sizeof(lb), "%s", label);
				if (strlen(lb) * 7 > run * CW)
					snprintf(lb, sizeof(lb), "%c", b->sym);
				if (strlen(lb) * 7 <= run * CW) {
					sb_printf(sb, "<text x=\"%u\" y=\"%u\">", X0 + c * CW + 2, Y0 + r * CH + 15);
					svg_esc(sb, lb);
					sb_puts(sb, "</text>\n");
				}
			}
			c += run;
		}
	}
	unsigned y = Y0 + rows * CH + 24;
	for (unsigned i = 0; i < m->n; i++, y += 18) {
		const struct blk *b = &m->b[i];
		struct style st = blk_style(m, b);
		blk_name(m, b, name, sizeof(name));
		blk_backing(m, b, back, sizeof(back));
		sb_printf(sb, "<rect x=\"8\" y=\"%u\" width=\"%u\" height=\"14\" fill=\"%s\" stroke=\"%s\"/>\n", y - 11,
			  CW, st.fill, st.stroke);
		sb_printf(sb, "<text x=\"26\" y=\"%u\">%c 0x%03x..0x%03x %4u  ", y, b->sym, b->off, b->off + b->len - 1,
			  b->len);
		svg_esc(sb, name);
		sb_puts(sb, " - ");
		svg_esc(sb, back);
		sb_puts(sb, "</text>\n");
	}
	static const char *const gap_text[3] = {
		"gap bytes, 0 and read-only", "gap bytes holding a value or access bits",
		"gap bytes backed by the device",
	};
	for (int g = 0; g < 3; g++, y += 18) {
		sb_printf(sb, "<rect x=\"8\" y=\"%u\" width=\"%u\" height=\"14\" fill=\"%s\" stroke=\"%s\"/>\n", y - 11,
			  CW, gap_style[g].fill, gap_style[g].stroke);
		sb_printf(sb, "<text x=\"26\" y=\"%u\">%c %s: %u</text>\n", y, gap_sym[g], gap_text[g], m->gap[g]);
	}
	sb_puts(sb, "</svg>\n");
}

VPCI_EXPORT int vpci_map(const vpci_func *f, unsigned flags, char **out)
{
	struct map *m = malloc(sizeof(*m));
	struct strbuf sb;

	*out = NULL;
	if (!m)
		return VPCI_ENOMEM;
	if (build(m, f)) {
		free(m->b);
		free(m);
		return VPCI_ENOMEM;
	}
	sb_init(&sb);
	if (flags & VPCI_MAP_SVG)
		svg_map(m, &sb);
	else
		text_map(m, &sb);
	free(m->b);
	free(m);
	*out = sb_finish(&sb, NULL);
	return *out ? 0 : VPCI_ENOMEM;
}
