/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yaml/reader.c - the typed YAML reading layer (see reader.h)
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

/* --- the text guard ---------------------------------------------------------- */

size_t yr_utf8_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char b = s[0], lo = 0x80, hi = 0xbf;
	size_t k;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf) {
		k = 1;
	} else if (b >= 0xe0 && b <= 0xef) {
		k = 2;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		k = 3;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n <= k)
		return 0;
	for (size_t j = 1; j <= k; j++)
		if (s[j] < (j == 1 ? lo : 0x80) || s[j] > (j == 1 ? hi : 0xbf))
			return 0;
	return k + 1;
}

/* Bytes 0x00..0x1f (tab, LF and CR excepted), 0x7f and every byte from
 * 0x80 (UTF-8 sequences, checked one by one) in an 8-byte word. */
static int word_needs_look(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t x7f = w ^ (0x7f * ones);

	return ((w - 0x20 * ones) | (x7f - ones) | w) & high ? 1 : 0;
}

/*
 * The first byte of @s (@n bytes) that YAML text must not hold, or @n;
 * @byte receives it (0x80 and up: not UTF-8).  libfyaml 0.7.12 (Debian 12)
 * loops forever on invalid UTF-8 inside a directive ("%\xfe"; upstream
 * libfyaml issue #101), takes a NUL for the end of the input, and passes
 * control characters through: none of them may reach it.  Words of eight
 * printable ASCII bytes are passed whole.
 */
static size_t first_bad(const unsigned char *s, size_t n, unsigned *byte)
{
	size_t i = 0;

	while (i < n) {
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, sizeof(w));
			if (!word_needs_look(w)) {
				i += 8;
				continue;
			}
		}
		/* byte by byte to the end of this word */
		for (size_t end = MIN(i + 8, n); i < end;) {
			unsigned char b = s[i];
			if ((b >= 0x20 && b < 0x7f) || b == '\n' || b == '\t' || b == '\r') {
				i++;
				continue;
			}
			size_t k = yr_utf8_len((const char *)s + i, n - i);
			if (!k || b < 0x80) { /* not UTF-8, NUL, a control character, DEL */
				*byte = k ? b : 0x80;
				return i;
			}
			i += k;
		}
	}
	return n;
}

/*
 * Line and column of byte @at, counting characters (@s is good text up to
 * there; a line break is LF, CR LF or CR, as YAML counts them).
 */
static void position_of(const unsigned char *s, size_t at, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < at;) {
		unsigned char b = s[i];
		size_t k = yr_utf8_len((const char *)s + i, at - i);
		if (!k)
			break; /* not reached: the text before @at is good */
		if (b == '\n' || (b == '\r' && (i + 1 >= at || s[i + 1] != '\n'))) {
			l++;
			c = 1;
		} else if (b != '\r') {
			c++;
		}
		i += k;
	}
	*line = l;
	*col = c;
}

/*
 * The directives before the document: a %YAML version other than 1.1 or
 * 1.2 is refused here, with its position (libfyaml 0.7.12 refuses 2.0
 * without one, and takes 1.3 as if it were 1.2).
 */
static void check_directives(struct yr *r, const char *s, size_t n)
{
	unsigned line = 1;

	for (size_t i = 0; i < n; line++) {
		size_t e = i;
		while (e < n && s[e] != '\n')
			e++;
		size_t j = i;
		while (j < e && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
			j++;
		if (j < e && s[j] != '#' && s[j] != '%')
			return; /* the document starts here */
		if (j == i && j + 5 < e && !memcmp(s + j, "%YAML", 5) && (s[j + 5] == ' ' || s[j + 5] == '\t')) {
			size_t v = j + 5;
			while (v < e && (s[v] == ' ' || s[v] == '\t'))
				v++;
			size_t ve = v;
			while (ve < e && s[ve] != ' ' && s[ve] != '\t' && s[ve] != '\r' && s[ve] != '#')
				ve++;
			if (!((ve - v == 3) && (!memcmp(s + v, "1.1", 3) || !memcmp(s + v, "1.2", 3))))
				yr_err_at(r, line, (unsigned)(v - i) + 1,
					  "YAML version '%.*s' is not supported: %s is YAML 1.2 (give %%YAML 1.2, "
					  "%%YAML 1.1 or no directive)", (int)MIN(ve - v, 16), s + v,
					  r->opts.what);
		}
		i = e + 1;
	}
}

/* --- single-quoted scalars ------------------------------------------------------ */

/*
 * libfyaml 0.7.12 gets single-quoted scalars wrong: two escaped quotes in
 * a row decode as three ('a''''b' gives "a'''"), escapes in a multi-line
 * one cut its end, a final CRLF stays a newline, and formatting a run of
 * escaped quotes leaks its chunk array (1-4 KiB each time).  The reader
 * never asks it for the text of one: yr_fold_single() decodes
 * the source between the quotes (YAML 1.2 section 7.3.2: '' is a quote;
 * lines are folded as in section 6.5 and trimmed as in 7.3.2), the result is
 * kept as the node's meta data and freed with the document.
 */
static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

size_t yr_fold_single(const char *s, size_t n, char *out)
{
	size_t o = 0, i = 0, pending = 0;
	int first = 1;

	while (i <= n) {
		size_t b = i, e = i;
		while (e < n && s[e] != '\n' && s[e] != '\r')
			e++;
		int last = e >= n;
		size_t cb = b, ce = e;
		if (!first)
			while (cb < ce && is_blank(s[cb]))
				cb++;
		if (!last)
			while (ce > cb && is_blank(s[ce - 1]))
				ce--;
		if (!first) {
			if (cb != ce || last) {
				if (pending == 1)
					out[o++] = ' ';
				else
					for (size_t k = 1; k < pending; k++)
						out[o++] = '\n';
				pending = 0;
			}
		}
		for (size_t k = cb; k < ce; k++) {
			out[o++] = s[k];
			if (s[k] == '\'' && k + 1 < ce && s[k + 1] == '\'')
				k++;
		}
		if (last)
			break;
		i = e + (s[e] == '\r' && e + 1 < n && s[e + 1] == '\n' ? 2 : 1);
		pending++;
		first = 0;
	}
	return o;
}

struct sq_text {
	size_t len;
	char text[];
};

/* The meta data of a node: a decoded single-quoted scalar (its own), or
 * a one-line plain scalar's place in the source (in the reader's slices). */
static void free_meta(struct fy_node *n, void *meta, void *user)
{
	(void)user;
	if (fy_node_get_style(n) == FYNS_SINGLE_QUOTED)
		free(meta);
}

/* Where scalar @n's text lies in the source (between its quotes for a
 * quoted one): 0 when it has no meta data yet and a place in the text,
 * with @one_line, only when that place is on one line. */
static int source_span(const struct yr *r, struct fy_node *n, int one_line, size_t *from, size_t *len)
{
	struct fy_token *t = fy_node_get_scalar_token(n);
	const struct fy_mark *a = t ? fy_token_start_mark(t) : NULL, *b = t ? fy_token_end_mark(t) : NULL;

	if (fy_node_get_meta(n) || !a || !b || b->input_pos < a->input_pos || b->input_pos > r->srclen ||
	    (one_line && a->line != b->line))
		return -1;
	*from = a->input_pos;
	*len = b->input_pos - a->input_pos;
	return 0;
}

/* Decodes a single-quoted scalar into its meta data (once). */
static int decode_single(struct yr *r, struct fy_node *n)
{
	size_t from, n_in;

	if (source_span(r, n, 0, &from, &n_in))
		return 0;
	struct sq_text *q = malloc(sizeof(*q) + n_in + 1);
	if (!q)
		return VPCI_ENOMEM;
	q->len = yr_fold_single(r->src + from, n_in, q->text);
	q->text[q->len] = '\0';
	if (fy_node_set_meta(n, q)) {
		free(q);
		return VPCI_ENOMEM;
	}
	return 0;
}

/*
 * A plain scalar on one line is its source text as it stands (YAML 1.2
 * section 7.3.3: only line breaks fold; the scanner leaves out the blanks
 * around it).  libfyaml formats the text of most of them into a new
 * allocation when asked (fy_token_get_text), the largest cost of reading a
 * file beyond the parse itself: such a scalar's meta data is its place in
 * the source instead, kept in chunks the reader frees with the document.
 */
struct yr_slice {
	const char *text;
	size_t len;
};

struct yr_slices {
	struct yr_slices *next;
	unsigned n;
	struct yr_slice s[127];
};

static int mark_plain(struct yr *r, struct fy_node *n)
{
	size_t from, len;

	if (source_span(r, n, 1, &from, &len) || !len)
		return 0;
	if (!r->slices || r->slices->n == ARRAY_SIZE(r->slices->s)) {
		struct yr_slices *c = malloc(sizeof(*c));
		if (!c)
			return VPCI_ENOMEM;
		c->next = r->slices;
		c->n = 0;
		r->slices = c;
	}
	struct yr_slice *sl = &r->slices->s[r->slices->n];
	sl->text = r->src + from;
	sl->len = len;
	if (fy_node_set_meta(n, sl))
		return VPCI_ENOMEM;
	r->slices->n++;
	return 0;
}

/* The text of scalar @n (not NUL-terminated); NULL when libfyaml has none. */
static const char *node_text(struct fy_node *n, size_t *len)
{
	enum fy_node_style style = fy_node_get_style(n);

	if (style == FYNS_SINGLE_QUOTED) {
		const struct sq_text *q = fy_node_get_meta(n);
		*len = q ? q->len : 0;
		return q ? q->text : "";
	}
	if (style == FYNS_PLAIN) {
		const struct yr_slice *sl = fy_node_get_meta(n);
		if (sl) {
			*len = sl->len;
			return sl->text;
		}
	}
	return fy_node_get_scalar(n, len);
}

/* --- building the document ------------------------------------------------------ */

/* libfyaml reports some errors (an unsupported directive) without
 * collecting them: keep the last one's text for the fallback message. */
static void capture_output(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	struct yr *r = user;
	const char *p = buf;

	(void)diag;
	if (len > 7 && !memcmp(p, "[ERR]: ", 7)) {
		p += 7;
		len -= 7;
	}
	while (len && (p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	snprintf(r->fymsg, sizeof(r->fymsg), "%.*s", (int)MIN(len, sizeof(r->fymsg) - 1), p);
}

/* libfyaml's collected syntax errors; their lines and columns are
 * 1-based already (fy_diag_error, libfyaml 0.7.12).  Returns how many. */
static unsigned import_errors(struct yr *r)
{
	void *it = NULL;
	struct fy_diag_error *e;
	unsigned n = 0;

	while ((e = fy_diag_errors_iterate(r->fdiag, &it))) {
		yr_err_at(r, e->line > 0 ? (unsigned)e->line : 0, e->column > 0 ? (unsigned)e->column : 0,
			  "YAML: %s", e->msg ? e->msg : "syntax error");
		n++;
	}
	return n;
}

/* After the first document: a second one (or anything after "...") is an
 * error at its first token. */
static void check_rest(struct yr *r)
{
	struct fy_event *ev;
	int second = 0;

	while ((ev = fy_parser_parse(r->parser))) {
		enum fy_event_type t = ev->type;
		const struct fy_mark *m = fy_event_start_mark(ev);
		unsigned line = m ? (unsigned)m->line + 1 : 0, col = m ? (unsigned)m->column + 1 : 0;
		fy_parser_event_free(r->parser, ev);
		if (t == FYET_DOCUMENT_START)
			second = 1;
		if (second && line) {
			yr_err_at(r, line, col, "a second YAML document: %s holds exactly one (nothing may "
				  "follow a '...' or a second '---')", r->opts.what);
			return;
		}
		if (t == FYET_STREAM_END)
			return;
	}
	if (fy_parser_get_stream_error(r->parser) && !import_errors(r))
		yr_err_at(r, 0, 0, "YAML: %s cannot be read after its first document", r->opts.what);
}

/* --- duplicate keys ------------------------------------------------------------ */

/*
 * libfyaml's own duplicate-key check compares every key with every
 * other (30000 keys take a minute), so it is turned off and done here:
 * the scalar keys of each mapping sorted by text, equal neighbours
 * reported at the later one.
 */
struct key_ref {
	const char *text;
	size_t len;
	struct fy_node *node;
	unsigned seq;            /* order in the mapping */
};

static int key_order(const void *pa, const void *pb)
{
	const struct key_ref *a = pa, *b = pb;
	int c;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	c = memcmp(a->text, b->text, a->len);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Insertion sort by key_order: the order qsort() gives (the order is
 * total), without its cost for the few keys of most mappings. */
static void sort_keys(struct key_ref *keys, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct key_ref k = keys[i];
		unsigned j = i;
		for (; j && key_order(&keys[j - 1], &k) > 0; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
	}
}

static int check_mapping_keys(struct yr *r, struct fy_node *map)
{
	int n = fy_node_mapping_item_count(map);
	struct fy_node_pair *p;
	struct key_ref few[16], *keys = few;
	void *it = NULL;
	unsigned k = 0;

	if (n < 2)
		return 0;
	if ((size_t)n > ARRAY_SIZE(few) && !(keys = malloc((size_t)n * sizeof(*keys))))
		return VPCI_ENOMEM;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *key = fy_node_pair_key(p);
		if (!key || fy_node_get_type(key) != FYNT_SCALAR || fy_node_is_alias(key))
			continue;
		keys[k].text = node_text(key, &keys[k].len);
		if (!keys[k].text)
			keys[k].text = "";
		keys[k].node = key;
		keys[k].seq = k;
		k++;
	}
	if (keys == few)
		sort_keys(keys, k);
	else
		qsort(keys, k, sizeof(*keys), key_order);
	for (unsigned i = 1; i < k && !r->stopped; i++) {
		const struct key_ref *a = &keys[i - 1], *b = &keys[i];
		unsigned line, col;
		if (a->len != b->len || memcmp(a->text, b->text, a->len))
			continue;
		if (yr_mark(a->node, &line, &col))
			yr_err(r, b->node, "duplicate key '%.*s' (first at %u:%u)", (int)MIN(b->len, 60), b->text,
			       line, col);
		else
			yr_err(r, b->node, "duplicate key '%.*s'", (int)MIN(b->len, 60), b->text);
	}
	if (keys != few)
		free(keys);
	return 0;
}

/* One pass over the document (libfyaml limits the nesting depth): every
 * single-quoted or one-line plain scalar gets the meta data node_text()
 * reads, then every mapping its duplicate-key check. */
static int scan_node(struct yr *r, struct fy_node *n, unsigned depth)
{
	void *it = NULL;
	int rc = 0;

	if (!n || fy_node_is_alias(n) || depth > 1000)
		return 0;
	if (fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_SINGLE_QUOTED)
		return decode_single(r, n);
	if (fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_PLAIN)
		return mark_plain(r, n);
	if (fy_node_get_type(n) == FYNT_SEQUENCE) {
		struct fy_node *item;
		while (!rc && (item = fy_node_sequence_iterate(n, &it)))
			rc = scan_node(r, item, depth + 1);
	} else if (fy_node_get_type(n) == FYNT_MAPPING) {
		struct fy_node_pair *p;
		while (!rc && (p = fy_node_mapping_iterate(n, &it)))
			rc = scan_node(r, fy_node_pair_key(p), depth + 1) ||
			     scan_node(r, fy_node_pair_value(p), depth + 1);
		if (!rc)
			rc = check_mapping_keys(r, n); /* after its keys are decoded */
	}
	return rc;
}

static int build(struct yr *r, const char *text, size_t len)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = capture_output;
	dcfg.user = r;
	dcfg.level = FYET_ERROR;
	r->fdiag = fy_diag_create(&dcfg);
	if (!r->fdiag)
		return VPCI_ENOMEM;
	fy_diag_set_collect_errors(r->fdiag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_ALLOW_DUPLICATE_KEYS;
	pcfg.diag = r->fdiag;
	r->parser = fy_parser_create(&pcfg);
	if (!r->parser || fy_parser_set_string(r->parser, text, len))
		return VPCI_ENOMEM;
	r->doc = fy_parse_load_document(r->parser);
	if (r->doc) {
		if (fy_document_register_meta(r->doc, free_meta, NULL))
			return VPCI_ENOMEM;
		r->root = fy_document_root(r->doc);
		check_rest(r);
		if (scan_node(r, r->root, 0))
			return VPCI_ENOMEM;
	} else if (fy_parser_get_stream_error(r->parser) && !import_errors(r)) {
		/* an error libfyaml did not collect: no position is known */
		yr_err_at(r, 1, 1, "YAML: %s", r->fymsg[0] ? r->fymsg : "the text is not a YAML document");
	}
	return r->errors ? VPCI_EDATA : 0;
}

int yr_open(struct yr *r, const char *text, size_t len, const struct yr_opts *opts, vpci_diag *d)
{
	unsigned line, col, byte = 0;

	memset(r, 0, sizeof(*r));
	r->opts = *opts;
	if (!r->opts.what)
		r->opts.what = "a YAML file";
	if (!r->opts.max_bytes)
		r->opts.max_bytes = YR_MAX_BYTES;
	if (!r->opts.max_errors)
		r->opts.max_errors = YR_MAX_ERRORS;
	r->d = d;
	r->src = text;
	r->srclen = len;
	r->diag_from = vpci_diag_count(d);

	size_t n = MIN(len, r->opts.max_bytes), bad = first_bad((const unsigned char *)text, n, &byte);
	if (bad < n) {
		position_of((const unsigned char *)text, bad, &line, &col);
		if (!byte)
			yr_err_at(r, line, col, "a NUL byte: %s is text, and no value may hold a NUL",
				  r->opts.what);
		else if (byte < 0x80)
			yr_err_at(r, line, col, "a control character (0x%02x): %s is text (a double-quoted "
				  "string may hold one as an escape)", byte, r->opts.what);
		else
			yr_err_at(r, line, col, "not UTF-8 text: %s must be UTF-8", r->opts.what);
		return VPCI_EDATA;
	}
	if (len > r->opts.max_bytes) {
		position_of((const unsigned char *)text, r->opts.max_bytes, &line, &col);
		yr_err_at(r, line, col, "the text is larger than %zu KiB, the limit for %s",
			  r->opts.max_bytes >> 10, r->opts.what);
		return VPCI_EDATA;
	}
	check_directives(r, text, len);
	if (r->errors)
		return VPCI_EDATA;
	int rc = build(r, text, len);
	if (rc == VPCI_ENOMEM)
		r->errors++;
	return rc;
}

void yr_close(struct yr *r)
{
	if (r->doc)
		fy_parse_document_destroy(r->parser, r->doc);
	if (r->parser)
		fy_parser_destroy(r->parser);
	if (r->fdiag)
		fy_diag_destroy(r->fdiag);
	/* after the document: its nodes point to them */
	for (struct yr_slices *c = r->slices, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	r->slices = NULL;
	r->doc = NULL;
	r->parser = NULL;
	r->fdiag = NULL;
	r->root = NULL;
	r->last_key = NULL;
	diag_sort(r->d, r->diag_from);
}

/* --- positions and messages -------------------------------------------------- */

/* The 0-based mark of a node: a scalar's token, a collection's first key
 * or item (libfyaml 0.7.12 has no start mark for collections). */
static struct fy_mark node_mark(struct fy_node *n, int depth)
{
	struct fy_mark m = { 0, -1, -1 };
	void *it = NULL;

	if (!n || depth > 8)
		return m;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: {
		struct fy_token *t = fy_node_get_scalar_token(n);
		const struct fy_mark *tm = t ? fy_token_start_mark(t) : NULL;
		if (tm)
			m = *tm;
		break;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
		if (p)
			m = node_mark(fy_node_pair_key(p), depth + 1);
		break;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *i = fy_node_sequence_iterate(n, &it);
		if (i)
			m = node_mark(i, depth + 1);
		break;
	}
	}
	return m;
}

int yr_mark(struct fy_node *n, unsigned *line, unsigned *col)
{
	struct fy_mark m = node_mark(n, 0);

	if (m.line < 0)
		return 0;
	*line = (unsigned)m.line + 1;
	*col = (unsigned)m.column + 1;
	return 1;
}

/* The mark of what holds @n: its key in a mapping, else its parent. */
static struct fy_mark owner_mark(struct fy_node *n)
{
	struct fy_node *parent = n ? fy_node_get_parent(n) : NULL;
	struct fy_node_pair *p;
	void *it = NULL;

	if (parent && fy_node_get_type(parent) == FYNT_MAPPING) {
		while ((p = fy_node_mapping_iterate(parent, &it)))
			if (fy_node_pair_value(p) == n)
				return node_mark(fy_node_pair_key(p), 0);
	}
	return node_mark(parent, 0);
}

struct diag_pos yr_pos(struct yr *r, struct fy_node *n, const char *field)
{
	struct diag_pos p = DIAG_NOPOS;
	struct fy_mark m = node_mark(n, 0);

	if (m.line < 0 && n) /* an empty flow collection: where it is held */
		m = owner_mark(n);
	if (m.line < 0) /* an empty value has no node: point at its key */
		m = node_mark(r->last_key, 0);
	p.file = r->opts.file;
	p.field = field;
	if (m.line >= 0) {
		p.line = (unsigned)m.line + 1;
		p.column = (unsigned)m.column + 1;
	}
	return p;
}

int yr_stopped(const struct yr *r)
{
	return r->stopped;
}

static void add(struct yr *r, struct diag_pos p, const char *fmt, va_list ap)
{
	char msg[400];

	r->errors++;
	if (r->stopped)
		return;
	if (r->errors > r->opts.max_errors) {
		r->stopped = 1;
		diag_add(r->d, VPCI_SEV_ERROR, VPCI_EDATA, p, "too many errors (more than %u): %s is not "
			 "read further", r->opts.max_errors, r->opts.what);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* text quoted from the file stays on the diagnostic's one line */
	for (char *m = msg; *m; m++)
		if ((unsigned char)*m < 0x20 || *m == 0x7f)
			*m = '?';
	diag_add(r->d, VPCI_SEV_ERROR, VPCI_EDATA, p, "%s", msg);
}

void yr_err(struct yr *r, struct fy_node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(r, yr_pos(r, n, NULL), fmt, ap);
	va_end(ap);
}

void yr_err_field(struct yr *r, struct fy_node *n, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(r, yr_pos(r, n, field), fmt, ap);
	va_end(ap);
}

void yr_err_at(struct yr *r, unsigned line, unsigned col, const char *fmt, ...)
{
	struct diag_pos p = DIAG_NOPOS;
	va_list ap;

	p.file = r->opts.file;
	p.line = line;
	p.column = line ? col : 0;
	va_start(ap, fmt);
	add(r, p, fmt, ap);
	va_end(ap);
}

/* --- did you mean ------------------------------------------------------------ */

/* Case-insensitive Levenshtein distance; words over 63 bytes are far. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + !same);
			prev = cur;
		}
	}
	return row[lb];
}

const char *yr_closest(const char *word, const char *const *cands, unsigned n)
{
	const char *best = NULL;
	unsigned bestd = 99, lim = (unsigned)strlen(word) / 3 + 1;

	for (unsigned i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		unsigned d = edit_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= lim ? best : NULL;
}

void yr_unknown(struct yr *r, struct fy_node *n, const char *field, const char *word,
		const char *const *cands, unsigned ncands, const char *fmt, ...)
{
	char msg[300];
	const char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->stopped)
		s = yr_closest(word, cands, ncands);
	if (s)
		yr_err_field(r, n, field, "%s (did you mean '%s'?)", msg, s);
	else
		yr_err_field(r, n, field, "%s", msg);
}

/* --- structure ------------------------------------------------------------------ */

static struct fy_node_pair *find_pair(struct fy_node *map, const char *key)
{
	size_t kl = strlen(key);
	void *it = NULL;
	struct fy_node_pair *p;

	if (!map || fy_node_get_type(map) != FYNT_MAPPING)
		return NULL;
	/* by text, not fy_node_mapping_lookup_by_string(): that one builds a
	 * YAML document from the key whenever the key is absent */
	while ((p = fy_node_mapping_iterate(map, &it))) {
		struct fy_node *k = fy_node_pair_key(p);
		size_t len;
		const char *t;
		if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k))
			continue;
		t = node_text(k, &len);
		if (t && len == kl && !memcmp(t, key, kl))
			return p;
	}
	return NULL;
}

struct fy_node *yr_get(struct yr *r, struct fy_node *map, const char *key)
{
	struct fy_node_pair *p = find_pair(map, key);

	if (!p)
		return NULL;
	r->last_key = fy_node_pair_key(p);
	return fy_node_pair_value(p);
}

struct fy_node *yr_pair_value(struct yr *r, struct fy_node_pair *p)
{
	r->last_key = fy_node_pair_key(p);
	return fy_node_pair_value(p);
}

int yr_is_empty(struct fy_node *n)
{
	size_t len = 0;

	if (!n)
		return 1;
	if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_is_alias(n) || fy_node_get_style(n) != FYNS_PLAIN)
		return 0;
	fy_node_get_scalar(n, &len);
	return len == 0;
}

int yr_has(struct fy_node *map, const char *key)
{
	return find_pair(map, key) != NULL;
}

int yr_each(struct yr *r, struct fy_node *seq, const char *what, unsigned max, const char *items,
	    yr_item_fn fn, void *ctx)
{
	struct fy_node *item;
	void *it = NULL;
	unsigned i = 0;

	if (yr_want(r, seq, FYNT_SEQUENCE, what))
		return -1;
	while ((item = fy_node_sequence_iterate(seq, &it)) && !r->stopped) {
		if (i == max) {
			yr_err(r, item, "more than %u %s: the rest of the list is not read", max, items);
			return -1;
		}
		if (fn(ctx, item, i++))
			return -1;
	}
	return 0;
}

int yr_want(struct yr *r, struct fy_node *n, enum fy_node_type type, const char *what)
{
	static const char *const tn[] = { "a scalar", "a sequence", "a mapping" };

	if (n && fy_node_is_alias(n)) {
		yr_err(r, n, "%s: YAML aliases (*name) are not supported; write the value", what);
		return -1;
	}
	if (n && fy_node_get_type(n) == type)
		return 0;
	yr_err(r, n, "%s must be %s", what, tn[type]);
	return -1;
}

int yr_key(struct yr *r, struct fy_node *k, const char *where, char *buf, size_t size)
{
	size_t len;
	const char *t;

	if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k)) {
		if (r)
			yr_err(r, k, "keys in %s must be scalars", where);
		return -1;
	}
	t = node_text(k, &len);
	if (!t)
		t = "";
	if (memchr(t, 0, len)) {
		if (r)
			yr_err(r, k, "key '%s' in %s holds a NUL character (\\0)", t, where);
		return -1;
	}
	if (len >= size && size > 4) {
		memcpy(buf, t, size - 4);
		memcpy(buf + size - 4, "...", 4);
		return 0;
	}
	if (size) {
		size_t n = MIN(len, size - 1);
		memcpy(buf, t, n);
		buf[n] = '\0';
	}
	return 0;
}

unsigned yr_check_keys(struct yr *r, struct fy_node *map, const char *where, struct yr_keys keys)
{
	void *it = NULL;
	struct fy_node_pair *p;
	unsigned bad = 0;
	char key[64];

	while ((p = fy_node_mapping_iterate(map, &it)) && !r->stopped) {
		struct fy_node *k = fy_node_pair_key(p);
		int ok = 0;
		if (yr_key(r, k ? k : map, where, key, sizeof(key))) {
			bad++;
			continue;
		}
		for (unsigned i = 0; i < keys.n && !ok; i++)
			ok = !strcmp(key, keys.keys[i]);
		if (ok)
			continue;
		bad++;
		for (unsigned i = 0; i < keys.nreserved && !ok; i++)
			ok = !strcmp(key, keys.reserved[i]);
		if (ok)
			yr_err(r, k, "'%s' in %s is reserved for a later version of the format", key, where);
		else
			yr_unknown(r, k, NULL, key, keys.keys, keys.n, "unknown key '%s' in %s", key, where);
	}
	return bad;
}

/* --- one-line flow text ---------------------------------------------------------- */

struct tbuf {
	char *s;
	size_t n, cap;
	int bad;
};

static void tput(struct tbuf *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 64) + n;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->bad = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void tputs(struct tbuf *b, const char *s)
{
	tput(b, s, strlen(s));
}

/* A scalar as YAML flow text: plain ones as written, others quoted again. */
static void flow_scalar(struct tbuf *b, struct fy_node *n)
{
	size_t len = 0;
	const char *t = node_text(n, &len);
	int simple = 1;

	if (!t)
		t = "";
	if (fy_node_is_alias(n)) {
		tputs(b, "*");
		tput(b, t, len);
		return;
	}
	if (fy_node_get_style(n) == FYNS_PLAIN) {
		tput(b, t, len);
		return;
	}
	for (size_t i = 0; i < len && simple; i++)
		simple = (unsigned char)t[i] >= 0x20 && t[i] != 0x7f && t[i] != '\\' && t[i] != '"';
	tputs(b, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		char esc[8];
		if (simple || (c >= 0x20 && c != 0x7f && c != '\\' && c != '"')) {
			tput(b, t + i, 1);
			continue;
		}
		if (c == '\\' || c == '"')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		tputs(b, esc);
	}
	tputs(b, "\"");
}

static void flow_node(struct tbuf *b, struct fy_node *n, unsigned depth)
{
	void *it = NULL;
	int first = 1;

	if (!n) {
		tputs(b, "null");
		return;
	}
	if (depth > 64) {
		tputs(b, "...");
		return;
	}
	if (fy_node_is_alias(n) || fy_node_get_type(n) == FYNT_SCALAR) {
		flow_scalar(b, n);
	} else if (fy_node_get_type(n) == FYNT_SEQUENCE) {
		struct fy_node *item;
		tputs(b, "[");
		while ((item = fy_node_sequence_iterate(n, &it))) {
			tputs(b, first ? "" : ", ");
			flow_node(b, item, depth + 1);
			first = 0;
		}
		tputs(b, "]");
	} else {
		struct fy_node_pair *p;
		tputs(b, "{");
		while ((p = fy_node_mapping_iterate(n, &it))) {
			tputs(b, first ? "" : ", ");
			flow_node(b, fy_node_pair_key(p), depth + 1);
			tputs(b, ": ");
			flow_node(b, fy_node_pair_value(p), depth + 1);
			first = 0;
		}
		tputs(b, "}");
	}
}

char *yr_flow_text(struct fy_node *n)
{
	struct tbuf b = { 0 };

	if (!n)
		tputs(&b, "{}");
	else
		flow_node(&b, n, 0);
	if (b.bad) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* --- scalars ---------------------------------------------------------------------- */

const char *yr_scalar(struct yr *r, struct fy_node *n, const char *what, size_t *len)
{
	const char *s;

	if (yr_want(r, n, FYNT_SCALAR, what))
		return NULL;
	s = node_text(n, len);
	if (!s) {
		s = "";
		*len = 0;
	}
	if (!*len && fy_node_get_style(n) == FYNS_PLAIN) {
		yr_err(r, n, "%s has no value", what);
		return NULL;
	}
	if (memchr(s, 0, *len)) {
		yr_err(r, n, "%s holds a NUL character (\\0)", what);
		return NULL;
	}
	return s;
}

int yr_str(struct yr *r, struct fy_node *n, const char *what, char *buf, size_t size)
{
	size_t len;
	const char *s = yr_scalar(r, n, what, &len);

	if (!s)
		return -1;
	if (len >= size) {
		yr_err(r, n, "%s is longer than %zu characters", what, size - 1);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

int yr_strdup(struct yr *r, struct fy_node *n, const char *what, char **out)
{
	size_t len;
	const char *s = yr_scalar(r, n, what, &len);

	*out = NULL;
	if (!s)
		return -1;
	*out = malloc(len + 1);
	if (!*out) {
		r->errors++;
		return VPCI_ENOMEM;
	}
	memcpy(*out, s, len);
	(*out)[len] = '\0';
	return 0;
}

int yr_ident_ok(const char *s, size_t len, size_t max)
{
	if (!len || len > max || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

int yr_ident(struct yr *r, struct fy_node *n, const char *what, size_t max, char *buf)
{
	size_t len;
	const char *s = yr_scalar(r, n, what, &len);

	if (!s)
		return -1;
	if (!yr_ident_ok(s, len, max)) {
		yr_err(r, n, "%s '%.*s' must be 1-%zu characters of letters, digits, '.', '_' and '-', starting "
		       "with a letter or digit", what, (int)MIN(len, 64), s, max);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

enum yr_num yr_parse_uint(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	uint64_t v = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, i = 2;
	else if (len >= 2 && s[0] == '0' && s[1] == 'o')
		base = 8, i = 2;
	else if (len >= 2 && s[0] == '0' && s[1] == 'b')
		base = 2, i = 2;
	if (i == len)
		return YR_NUM_SYNTAX; /* no digits */
	for (size_t k = i; k < len; k++)
		if (hex_digit(s[k]) < 0 || (unsigned)hex_digit(s[k]) >= base)
			return YR_NUM_SYNTAX;
	if (base == 10 && len > 1 && s[0] == '0')
		return YR_NUM_LEADING_ZERO; /* octal in YAML 1.1, decimal in 1.2 */
	for (; i < len; i++) {
		unsigned dv = (unsigned)hex_digit(s[i]);
		if (v > (UINT64_MAX - dv) / base)
			return YR_NUM_OVERFLOW;
		v = v * base + dv;
	}
	*out = v;
	return YR_NUM_OK;
}

enum yr_num yr_parse_size(const char *s, size_t len, uint64_t *out)
{
	static const struct { const char *suf; unsigned shift; } sfx[] = {
		{ "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 },
		{ "K", 10 }, { "M", 20 }, { "G", 30 }, { "T", 40 }, { "B", 0 },
	};
	uint64_t v;
	enum yr_num rc = yr_parse_uint(s, len, &v);

	if (rc == YR_NUM_OK) {
		*out = v;
		return rc;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		size_t sl = strlen(sfx[i].suf);
		if (len <= sl || memcmp(s + len - sl, sfx[i].suf, sl))
			continue;
		rc = yr_parse_uint(s, len - sl, &v);
		if (rc)
			return rc;
		if (sfx[i].shift && v >> (64 - sfx[i].shift))
			return YR_NUM_OVERFLOW;
		*out = v << sfx[i].shift;
		return YR_NUM_OK;
	}
	return rc;
}

void yr_format_size(uint64_t size, char *buf, unsigned n)
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

/* Report why @s is not a number of the grammar (@rc), or that it is
 * larger than @max; -1 when reported, 0 when the number is good. */
static int num_error(struct yr *r, struct fy_node *n, const char *what, const char *s, size_t len,
		     enum yr_num rc, const char *syntax, uint64_t v, uint64_t max)
{
	int l = (int)MIN(len, 40);

	if (rc == YR_NUM_LEADING_ZERO)
		yr_err(r, n, "%s: '%.*s' has a leading zero; write 0x%.*s for hex or drop the zero", what, l, s,
		       l - 1, s + 1);
	else if (rc == YR_NUM_OVERFLOW)
		yr_err(r, n, "%s: '%.*s' does not fit 64 bits", what, l, s);
	else if (rc)
		yr_err(r, n, "%s must be %s, not '%.*s'", what, syntax, l, s);
	else if (v > max)
		yr_err(r, n, "%s: value 0x%llx does not fit (maximum 0x%llx)", what, (unsigned long long)v,
		       (unsigned long long)max);
	else
		return 0;
	return -1;
}

int yr_uint(struct yr *r, struct fy_node *n, const char *what, uint64_t max, uint64_t *out)
{
	size_t len;
	const char *s = yr_scalar(r, n, what, &len);

	if (!s)
		return -1;
	*out = 0;
	enum yr_num rc = yr_parse_uint(s, len, out);
	return num_error(r, n, what, s, len, rc, "an integer (0x.. hex, 0b.. binary or decimal)", *out, max);
}

int yr_size(struct yr *r, struct fy_node *n, const char *what, uint64_t *out)
{
	size_t len;
	const char *s = yr_scalar(r, n, what, &len);

	if (!s)
		return -1;
	*out = 0;
	enum yr_num rc = yr_parse_size(s, len, out);
	return num_error(r, n, what, s, len, rc, "a number of bytes such as 4096, 0x1000, 16KiB or 1MiB", 0, 0);
}

int yr_bool(struct yr *r, struct fy_node *n, const char *what, int *out)
{
	size_t len;
	const char *s = yr_scalar(r, n, what, &len);

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
	yr_err(r, n, "%s must be true or false, not '%.*s'", what, (int)MIN(len, 40), s);
	return -1;
}

int yr_enum(struct yr *r, struct fy_node *n, const char *what, const char *const *names,
	    unsigned count, unsigned *out)
{
	size_t len;
	const char *s = yr_scalar(r, n, what, &len);
	char buf[64];

	if (!s)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		if (names[i] && strlen(names[i]) == len && !memcmp(names[i], s, len)) {
			*out = i;
			return 0;
		}
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)MIN(len, sizeof(buf) - 1), s);
	yr_unknown(r, n, NULL, buf, names, count, "%s: unknown value '%s'", what, buf);
	return -1;
}
