/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dump.c - functions of an lspci text dump (-x, -xxx or -xxxx, one or
 * many devices, optionally with -v/-vv/-vvv text).
 *
 * It reads what `lspci -F` reads: a device starts at a line
 * "[DDDD:]BB:DD.F " (the space is required), hex rows "OFF: xx xx ..."
 * follow with single spaces between two-digit bytes, and a blank line
 * ends the device.  Indented -v text is skipped except "Region N:" and
 * "Expansion ROM" lines, whose "[size=16K]" gives the BAR sizes that the
 * bytes alone cannot.  Every malformed line is reported with its number.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_priv.h"

#define DUMP_MAX_LINE 254 /* lspci's reader rejects longer lines */

struct dump_dev {
	struct host_facts f;
	uint8_t seen[4096];
	unsigned line;
	unsigned gaps;          /* bytes below its size the dump did not give */
	int in_sriov;       /* -v text: inside the SR-IOV capability's block */
};

struct dump_priv {
	struct dump_dev *dev;
	size_t n;
	char *file;             /* as diagnostics name it */
};

static struct diag_pos lpos(const char *file, unsigned line, unsigned col)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = file;
	p.line = line;
	p.column = col;
	return p;
}

/* "[DDDD:]BB:DD.F " at the start of @s; writes the normalised slot */
static int header_slot(const char *s, char slot[HOST_SLOT_LEN])
{
	size_t n = 0;
	char buf[32];

	while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && n < sizeof(buf) - 1)
		n++;
	if (s[n] != ' ' || n < 7)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* shapes: BB:DD.F, DDDD:BB:DD.F, DDDDD:.., DDDDDD:.. */
	const char *dot = strchr(buf, '.');
	if (!dot || dot - buf < 5)
		return -1;
	return host_slot_norm(buf, slot);
}

static void finish_dev(struct dump_dev *dv)
{
	size_t max = 0, gaps = 0;

	for (size_t i = 0; i < 4096; i++)
		if (dv->seen[i])
			max = i + 1;
	size_t len = max <= 64 ? 64 : max <= 128 ? 128 : max <= 256 ? 256 : 4096;
	for (size_t i = 0; i < len; i++)
		if (!dv->seen[i]) {
			dv->f.cfg[i] = 0xff; /* lspci -F reads gaps as ff */
			gaps++;
		}
	dv->gaps = max ? (unsigned)gaps : 0; /* said when the device is read */
	dv->f.len = max ? len : 0;
}

/* Limits: a host has at most a few thousand functions; beyond these a
 * "dump" is not one, and reading it would only cost time and memory. */
#define DUMP_MAX_DEVICES 8192
#define DUMP_MAX_LINES (DUMP_MAX_DEVICES * 300u)

struct dump_reader {
	struct vpci_source *s;
	struct dump_priv *pv;
	struct dump_dev *cur;
	const char *path;
	vpci_diag *d;
	unsigned lineno, errors;
	size_t cap;
};

/* A new device at a header line; 0 or VPCI_E* */
static int start_device(struct dump_reader *r, const char *slot)
{
	struct dump_priv *pv = r->pv;

	if (pv->n >= DUMP_MAX_DEVICES) {
		diag_add(r->d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(r->path, r->lineno, 1),
			 "more than %d devices: not a dump of one host", DUMP_MAX_DEVICES);
		return VPCI_EDATA;
	}
	if (xgrow(&pv->dev, &r->cap, pv->n, sizeof(*pv->dev), 8))
		return VPCI_ENOMEM;
	if (source_add_slot(r->s, slot))
		return VPCI_ENOMEM;
	r->cur = &pv->dev[pv->n++];
	memset(r->cur, 0, sizeof(*r->cur));
	host_facts_init(&r->cur->f, slot);
	r->cur->line = r->lineno;
	return 0;
}

/* -v text: "Region 2: Memory at ... [size=16K]", "Expansion ROM at ...".
 * Inside the SR-IOV capability's block, "Region N:" lines are the PF's VF
 * BARs (lspci prints them without a size); a size there is taken as the
 * PF's VF BAR space, as sysfs gives it: TotalVFs times one VF's BAR. */
static void verbose_line(struct dump_dev *cur, const char *line)
{
	const char *t = line + strspn(line, " \t");
	const char *sz = strstr(t, "[size=");
	unsigned idx;
	uint64_t size;
	int bar = -1;

	if (!strncmp(t, "Capabilities:", 13) || !strncmp(t, "Kernel ", 7))
		cur->in_sriov = strstr(t, "(SR-IOV)") != NULL;
	if (cur->in_sriov) {
		if (sz && sscanf(t, "Region %u:", &idx) == 1 && idx < 6 && !source_parse_lspci_size(sz + 6, &size))
			cur->f.vf_bar_size[idx] = size;
		return;
	}
	if (sscanf(t, "Region %u:", &idx) == 1 && idx < 6)
		bar = (int)idx;
	else if (!strncmp(t, "Expansion ROM", 13))
		bar = 6;
	if (bar < 0 || !sz || source_parse_lspci_size(sz + 6, &size))
		return;
	cur->f.bar_size[bar] = size;
	cur->f.bar_known |= (uint8_t)(1u << bar);
	if (strstr(t, "I/O ports"))
		cur->f.bar_io |= (uint8_t)(1u << bar);
	if (strstr(t, "(64-bit"))
		cur->f.bar_64 |= (uint8_t)(1u << bar);
	if (strstr(t, ", prefetchable)"))
		cur->f.bar_pref |= (uint8_t)(1u << bar);
}

/* The offset of a hex row "OFF: xx xx ..." (2 to 8 hex digits, a colon
 * and a space, as lspci -F requires); -1 when the line is not one. */
static long hex_row_offset(const char *line, const char **bytes)
{
	size_t k = 0;

	while (isxdigit((unsigned char)line[k]))
		k++;
	if (k < 2 || k > 8 || line[k] != ':' || (line[k + 1] != ' ' && line[k + 1] != '\0'))
		return -1;
	*bytes = line + k + 1;
	return (long)strtoul(line, NULL, 16); /* at most 8 digits: fits */
}

/* The bytes of a hex row; 1 when the row is malformed (reported) */
static int hex_row(struct dump_reader *r, const char *line, long off, const char *p)
{
	struct dump_dev *cur = r->cur;

	while (*p) {
		if (p[0] == ' ' && !p[1])
			break; /* trailing space */
		if (p[0] != ' ' || !isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]) ||
		    (p[3] && p[3] != ' ')) {
			diag_add(r->d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(r->path, r->lineno, (unsigned)(p - line) + 1),
				 "device %s: malformed hex row: bytes are two hex digits separated by one space",
				 cur->f.slot);
			return 1;
		}
		if (off >= 4096) {
			diag_add(r->d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(r->path, r->lineno, 1),
				 "device %s: offset %#lx is beyond the 4096-byte config space", cur->f.slot, off);
			return 1;
		}
		char h[3] = { p[1], p[2], 0 };
		cur->f.cfg[off] = (uint8_t)strtoul(h, NULL, 16);
		cur->seen[off] = 1;
		off++;
		p += 3;
	}
	return 0;
}

/* One line without its line end; 0 or VPCI_E* (fatal) */
static int dump_line(struct dump_reader *r, char *line, size_t len)
{
	char slot[HOST_SLOT_LEN];
	const char *bytes;

	if (!len) {
		if (r->cur)
			finish_dev(r->cur);
		r->cur = NULL;
		return 0;
	}
	if (!header_slot(line, slot)) {
		if (r->cur)
			finish_dev(r->cur);
		return start_device(r, slot);
	}
	if (!r->cur)
		return 0; /* text before any device, as lspci ignores it */
	if (line[0] == '\t' || line[0] == ' ') {
		verbose_line(r->cur, line);
		return 0;
	}
	long off = hex_row_offset(line, &bytes);
	/* anything else (a pasted "lspci: Unable to load libkmod ..." message,
	 * a comment) is ignored, as lspci -F ignores it */
	if (off >= 0)
		r->errors += (unsigned)hex_row(r, line, off, bytes);
	return 0;
}

enum { LN_EOF = 0, LN_OK, LN_LAST, LN_LONG };

/* The next line of @fp into @buf without its newline, NUL bytes kept
 * (*@len counts them): LN_OK, LN_LAST (no newline at the end of the
 * file), LN_LONG (longer than @size - 1: skipped to its end), LN_EOF. */
static int next_line(FILE *fp, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int c, long_line = 0;

	while ((c = getc(fp)) != EOF && c != '\n') {
		if (n + 1 < size)
			buf[n++] = (char)c;
		else
			long_line = 1;
	}
	buf[n] = '\0';
	*len = n;
	if (long_line)
		return LN_LONG;
	if (c == '\n')
		return LN_OK;
	return n ? LN_LAST : LN_EOF;
}

/* Read a dump from an open stream (named @path in diagnostics). */
int dump_read_stream(struct vpci_source *s, FILE *fp, const char *path, vpci_diag *d)
{
	struct dump_reader r = { .s = s, .path = path, .d = d };
	char line[4096];
	size_t len;
	int rc = 0, more;

	r.pv = calloc(1, sizeof(*r.pv));
	if (!r.pv)
		return VPCI_ENOMEM;
	s->priv = r.pv;
	r.pv->file = strdup(path);
	if (!r.pv->file)
		return VPCI_ENOMEM;
	while (!rc && (more = next_line(fp, line, sizeof(line), &len))) {
		if (++r.lineno > DUMP_MAX_LINES) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(path, r.lineno, 1),
				 "more than %u lines: not a dump of one host", DUMP_MAX_LINES);
			return VPCI_EDATA;
		}
		if (more == LN_LONG) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(path, r.lineno, 1), "line is too long");
			r.errors++;
			continue;
		}
		if (strlen(line) != len) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(path, r.lineno, (unsigned)strlen(line) + 1),
				 "NUL byte in a line (lspci -F rejects it)");
			r.errors++;
			continue;
		}
		int nl = more == LN_OK;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!nl)
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, lpos(path, r.lineno, (unsigned)len + 1),
				 "the last line has no newline (lspci -F rejects such a file)");
		if (len >= DUMP_MAX_LINE)
			diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, lpos(path, r.lineno, DUMP_MAX_LINE),
				 "line is %zu characters long (lspci -F rejects lines of %d or more)", len,
				 DUMP_MAX_LINE);
		rc = dump_line(&r, line, len);
	}
	if (rc)
		return rc;
	if (r.cur)
		finish_dev(r.cur);
	for (size_t i = 0; i < r.pv->n; i++) {
		if (!r.pv->dev[i].f.len) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(path, r.pv->dev[i].line, 1),
				 "device %s has no hex dump (lspci -x, -xxx or -xxxx)", r.pv->dev[i].f.slot);
			r.errors++;
		}
	}
	if (!r.pv->n) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(path, 0, 0),
			 "no device found: a device starts with a line \"BB:DD.F \" followed by hex rows");
		return VPCI_EDATA;
	}
	return r.errors ? VPCI_EDATA : 0;
}

/* "-" is standard input, named as the text reader names it */
static const char *shown(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

static int dump_open(struct vpci_source *s, const char *path, vpci_diag *d)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int rc;

	if (!fp) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, lpos(path, 0, 0), "cannot open: %s", strerror(errno));
		return VPCI_EIO;
	}
	rc = dump_read_stream(s, fp, shown(path), d);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

static int dump_read(struct vpci_source *s, size_t i, struct host_facts *f, vpci_diag *d)
{
	struct dump_priv *pv = s->priv;
	const struct dump_dev *dv = &pv->dev[i];

	/* only for the devices read: a dump of a whole host may lack bytes
	 * of functions nobody asked for */
	if (dv->gaps)
		diag_add(d, VPCI_SEV_WARNING, VPCI_EDATA, lpos(pv->file, dv->line, 1),
			 "device %s: %u of %zu bytes are missing from the dump and read as 0xff", dv->f.slot,
			 dv->gaps, dv->f.len);
	*f = dv->f;
	return 0;
}

static const struct host_facts *dump_peek(struct vpci_source *s, size_t i)
{
	return &((struct dump_priv *)s->priv)->dev[i].f;
}

static void dump_close(struct vpci_source *s)
{
	struct dump_priv *pv = s->priv;

	if (pv) {
		free(pv->dev);
		free(pv->file);
	}
	free(pv);
}

const struct source_ops source_dump_ops = {
	.name = "dump",
	.open = dump_open,
	.read = dump_read,
	.peek = dump_peek,
	.close = dump_close,
};

/* --- binary config images --------------------------------------------- */

static int bin_open(struct vpci_source *s, const char *path, vpci_diag *d)
{
	struct host_facts *f = calloc(1, sizeof(*f));
	FILE *fp;

	if (!f)
		return VPCI_ENOMEM;
	host_facts_init(f, "0000:00:00.0");
	s->priv = f;
	fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!fp) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, lpos(path, 0, 0), "cannot open: %s", strerror(errno));
		return VPCI_EIO;
	}
	f->len = fread(f->cfg, 1, sizeof(f->cfg), fp);
	int more = fgetc(fp) != EOF;
	if (fp != stdin)
		fclose(fp);
	if (more || (f->len != 64 && f->len != 128 && f->len != 256 && f->len != 4096)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, lpos(shown(path), 0, 0),
			 "a config image has 64, 128, 256 or 4096 bytes, not %s%zu", more ? "more than " : "",
			 f->len);
		return VPCI_EDATA;
	}
	return source_add_slot(s, f->slot);
}

static int bin_read(struct vpci_source *s, size_t i, struct host_facts *f, vpci_diag *d)
{
	(void)i;
	(void)d;
	*f = *(struct host_facts *)s->priv;
	return 0;
}

static void bin_close(struct vpci_source *s)
{
	free(s->priv);
}

const struct source_ops source_bin_ops = {
	.name = "bin",
	.open = bin_open,
	.read = bin_read,
	.close = bin_close,
};
