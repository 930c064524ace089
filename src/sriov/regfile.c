/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * regfile.c - the registry file: the state a vpci tool keeps, and the
 * description a VMM or a test writes by hand (docs/sriov.md, "Registry
 * files").  A line format read strictly: every problem is reported at its
 * line and column, nothing unknown is skipped.
 *
 *   # comment
 *   vpci-registry 1
 *   fn 0000:00:03.0 id=8086:10d3 owner=- assigned=no user=-
 *   pf 0000:01:00.0 id=1b36:0010 vf-device=0010 total-vfs=4 offset=1 stride=1 ari=no ...
 *   vf 0000:01:00.1 pf=0000:01:00.0 index=1 id=1b36:0010 pf-device=0010 ari=no broken=no ...
 *
 * A file is applied through the registry's own operations (PFs, then their
 * VFs, as the administrator), so a description obeys the same rules as a
 * live registry: a VF needs its PF and must sit where the routing puts it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry_priv.h"

#define MAGIC "vpci-registry"
#define VERSION 1
#define MAX_FILE (16u << 20)

/* --- writing ---------------------------------------------------------- */

static const char *yn(bool v)
{
	return v ? "yes" : "no";
}

/* A user text: bytes outside '!'..'~', and '%', as %XX; "" as "-", and
 * a text that is "-" itself as "%2D". */
static void put_text(struct strbuf *sb, const char *s)
{
	if (!*s) {
		sb_putc(sb, '-');
		return;
	}
	if (!strcmp(s, "-")) {
		sb_puts(sb, "%2D");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '%')
			sb_putc(sb, (char)*p);
		else
			sb_printf(sb, "%%%02X", *p);
	}
}

static void put_common(struct strbuf *sb, const struct vpci_reg_func *f)
{
	sb_printf(sb, " owner=%s assigned=%s user=", f->owner[0] ? f->owner : "-", yn(f->assigned));
	put_text(sb, f->user);
	sb_putc(sb, '\n');
}

VPCI_EXPORT int vpci_registry_write(const vpci_registry *r, char **out, size_t *len)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, "# vpci registry: PCI functions, SR-IOV links, owners and assignments (docs/sriov.md)\n");
	sb_printf(&sb, "%s %d\n", MAGIC, VERSION);
	for (size_t i = 0; i < r->n; i++) {
		const struct vpci_reg_func *f = &r->v[i].f;
		switch (f->kind) {
		case VPCI_REG_FN:
			sb_printf(&sb, "fn %s id=%04x:%04x", f->slot, f->vendor, f->device);
			break;
		case VPCI_REG_PF:
			sb_printf(&sb, "pf %s id=%04x:%04x vf-device=%04x total-vfs=%u offset=%u stride=%u ari=%s", f->slot,
				  f->vendor, f->device, f->sriov.vf_device, f->sriov.total_vfs, f->sriov.offset,
				  f->sriov.stride, yn(f->sriov.ari));
			break;
		case VPCI_REG_VF:
			sb_printf(&sb, "vf %s pf=%s index=%u id=%04x:%04x pf-device=%04x ari=%s broken=%s", f->slot, f->pf,
				  f->vf_index, f->vendor, f->device, f->pf_device, yn(f->pf_ari), yn(f->broken));
			break;
		}
		put_common(&sb, f);
	}
	*out = sb_finish(&sb, len);
	return *out ? 0 : VPCI_ENOMEM;
}

/* --- reading ----------------------------------------------------------- */

enum key {
	K_ID, K_VF_DEVICE, K_TOTAL_VFS, K_OFFSET, K_STRIDE, K_ARI, K_PF, K_INDEX, K_PF_DEVICE, K_BROKEN,
	K_OWNER, K_ASSIGNED, K_USER, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"id", "vf-device", "total-vfs", "offset", "stride", "ari", "pf", "index", "pf-device", "broken",
	"owner", "assigned", "user",
};

/* Which keys a kind takes, and which it needs. */
static const struct {
	const char *word;
	enum vpci_reg_kind kind;
	unsigned allowed, required;
} kinds[] = {
#define B(k) (1u << (k))
	{ "fn", VPCI_REG_FN, B(K_ID) | B(K_OWNER) | B(K_ASSIGNED) | B(K_USER), B(K_ID) },
	{ "pf", VPCI_REG_PF,
	  B(K_ID) | B(K_VF_DEVICE) | B(K_TOTAL_VFS) | B(K_OFFSET) | B(K_STRIDE) | B(K_ARI) | B(K_OWNER) | B(K_ASSIGNED) |
		  B(K_USER),
	  B(K_ID) | B(K_VF_DEVICE) | B(K_TOTAL_VFS) | B(K_OFFSET) | B(K_STRIDE) },
	{ "vf", VPCI_REG_VF,
	  B(K_PF) | B(K_INDEX) | B(K_ID) | B(K_PF_DEVICE) | B(K_ARI) | B(K_BROKEN) | B(K_OWNER) | B(K_ASSIGNED) |
		  B(K_USER),
	  B(K_PF) | B(K_INDEX) },
};
/* what a broken VF record needs besides: its former PF's identity */
#define BROKEN_NEEDS (B(K_ID) | B(K_PF_DEVICE) | B(K_ARI))

/* One record of the file, with where each part was. */
struct rec {
	unsigned line, col[K_COUNT + 1]; /* col[K_COUNT]: the address */
	unsigned have;
	struct host_bdf bdf;
	struct vpci_reg_func f;
};

struct reader {
	const char *name;
	vpci_diag *d;
	int errors;
};

static void err(struct reader *rd, unsigned line, unsigned col, const char *fmt, ...) PRINTF(4, 5);

static void err(struct reader *rd, unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	struct diag_pos p = DIAG_NOPOS;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p.file = rd->name;
	p.line = line;
	p.column = col;
	diag_add(rd->d, VPCI_SEV_ERROR, VPCI_EDATA, p, "%s", msg);
	rd->errors++;
}

/* Exactly four hex digits. */
static int hex16(const char *s, size_t n, uint16_t *out)
{
	char tmp[5];

	if (n != 4)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	memcpy(tmp, s, 4);
	tmp[4] = '\0';
	*out = (uint16_t)strtoul(tmp, NULL, 16);
	return 0;
}

/* A decimal 0 .. 65535 without sign or leading zeros. */
static int dec16(const char *s, size_t n, unsigned *out)
{
	unsigned long v = 0;

	if (!n || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 0xffff)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int yesno(const char *s, size_t n, bool *out)
{
	if (n == 3 && !memcmp(s, "yes", 3))
		*out = true;
	else if (n == 2 && !memcmp(s, "no", 2))
		*out = false;
	else
		return -1;
	return 0;
}

/* An address token into @b and @slot. */
static int addr(const char *s, size_t n, struct host_bdf *b)
{
	char tmp[32];

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return host_bdf_parse(tmp, b);
}

/* "-" or a percent-encoded text; the reason it is bad, or NULL. */
static const char *user_text(const char *s, size_t n, char *out)
{
	size_t k = 0;

	if (n == 1 && s[0] == '-') {
		out[0] = '\0';
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			char hex[3] = { 0 };
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
				return "a '%' must be followed by two hex digits";
			memcpy(hex, s + i + 1, 2);
			c = (int)strtoul(hex, NULL, 16);
			i += 2;
			if (!c)
				return "%00 (a NUL byte) is not allowed";
		}
		if (k + 1 >= VPCI_REG_LABEL_LEN)
			return "longer than 63 bytes";
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return k ? NULL : "empty (write '-' for none)";
}

/* One key=value token of record @rc. */
static void token(struct reader *rd, struct rec *rc, unsigned allowed, const char *t, size_t n, unsigned col)
{
	const char *eq = memchr(t, '=', n);
	size_t kl = eq ? (size_t)(eq - t) : n;
	int k = -1;

	for (int i = 0; i < K_COUNT; i++)
		if (strlen(key_names[i]) == kl && !memcmp(t, key_names[i], kl))
			k = i;
	if (k < 0 || !(allowed & B(k))) {
		char known[200] = "";
		for (int i = 0; i < K_COUNT; i++)
			if (allowed & B(i))
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", known[0] ? ", " : "",
					 key_names[i]);
		err(rd, rc->line, col, "unknown key '%.*s' (this record takes %s)", (int)kl, t, known);
		return;
	}
	if (!eq) {
		err(rd, rc->line, col, "'%s' needs a value: %s=VALUE", key_names[k], key_names[k]);
		return;
	}
	if (rc->have & B(k)) {
		err(rd, rc->line, col, "'%s' is given twice (first at column %u)", key_names[k], rc->col[k]);
		return;
	}
	rc->have |= B(k);
	rc->col[k] = col;
	const char *v = eq + 1;
	size_t vl = n - kl - 1;
	unsigned vc = col + (unsigned)kl + 1, u = 0;
	struct vpci_reg_func *f = &rc->f;
	struct host_bdf pb;
	const char *why;
	switch (k) {
	case K_ID:
		if (vl != 9 || v[4] != ':' || hex16(v, 4, &f->vendor) || hex16(v + 5, 4, &f->device))
			err(rd, rc->line, vc, "id must be VVVV:DDDD (four hex digits each), not '%.*s'", (int)vl, v);
		break;
	case K_VF_DEVICE:
	case K_PF_DEVICE:
		if (hex16(v, vl, k == K_VF_DEVICE ? &f->sriov.vf_device : &f->pf_device))
			err(rd, rc->line, vc, "%s must be four hex digits, not '%.*s'", key_names[k], (int)vl, v);
		break;
	case K_TOTAL_VFS:
	case K_OFFSET:
	case K_STRIDE:
	case K_INDEX:
		if (dec16(v, vl, &u)) {
			err(rd, rc->line, vc, "%s must be a decimal number 0 to 65535, not '%.*s'", key_names[k], (int)vl, v);
			break;
		}
		if (k == K_TOTAL_VFS)
			f->sriov.total_vfs = (uint16_t)u;
		else if (k == K_OFFSET)
			f->sriov.offset = (uint16_t)u;
		else if (k == K_STRIDE)
			f->sriov.stride = (uint16_t)u;
		else
			f->vf_index = u;
		break;
	case K_ARI:
	case K_BROKEN:
	case K_ASSIGNED: {
		bool b;
		if (yesno(v, vl, &b)) {
			err(rd, rc->line, vc, "%s must be yes or no, not '%.*s'", key_names[k], (int)vl, v);
			break;
		}
		if (k == K_ARI)
			f->sriov.ari = f->pf_ari = b;
		else if (k == K_BROKEN)
			f->broken = b;
		else
			f->assigned = b;
		break;
	}
	case K_PF:
		if (addr(v, vl, &pb))
			err(rd, rc->line, vc, "pf must be a PCI address [DDDD:]BB:DD.F, not '%.*s'", (int)vl, v);
		else
			host_bdf_format(&pb, f->pf);
		break;
	case K_OWNER:
		if (vl == 1 && v[0] == '-') {
			f->owner[0] = '\0';
			break;
		}
		if (vl >= sizeof(f->owner)) {
			err(rd, rc->line, vc, "owner is longer than 63 characters");
			break;
		}
		memcpy(f->owner, v, vl);
		f->owner[vl] = '\0';
		if (!reg_label_ok(f->owner))
			err(rd, rc->line, vc, "owner must be '-' or a label of A-Z a-z 0-9 . _ : @ + - (not starting with "
			    "'-'), not '%.*s'", (int)vl, v);
		break;
	case K_USER:
		if ((why = user_text(v, vl, f->user)))
			err(rd, rc->line, vc, "user must be '-' or percent-encoded text: %s", why);
		break;
	}
}

/* Parse one record line into @rc; 0 or -1 (errors reported). */
static int record(struct reader *rd, const char *s, size_t n, unsigned line, struct rec *rc)
{
	size_t i = 0;
	int tok = 0, before = rd->errors;
	unsigned allowed = 0, kind = 0;

	memset(rc, 0, sizeof(*rc));
	rc->line = line;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		const char *t = s + start;
		size_t tl = i - start;
		unsigned col = (unsigned)start + 1;
		if (tok == 0) {
			size_t k;
			for (k = 0; k < ARRAY_SIZE(kinds); k++)
				if (strlen(kinds[k].word) == tl && !memcmp(t, kinds[k].word, tl))
					break;
			if (k == ARRAY_SIZE(kinds)) {
				err(rd, line, col, "unknown record '%.*s' (expected fn, pf or vf)", (int)tl, t);
				return -1;
			}
			kind = (unsigned)k;
			allowed = kinds[k].allowed;
			rc->f.kind = kinds[k].kind;
		} else if (tok == 1) {
			rc->col[K_COUNT] = col;
			if (addr(t, tl, &rc->bdf)) {
				err(rd, line, col, "malformed PCI address '%.*s' (expected [DDDD:]BB:DD.F)", (int)tl, t);
				return -1;
			}
			host_bdf_format(&rc->bdf, rc->f.slot);
		} else {
			token(rd, rc, allowed, t, tl, col);
		}
		tok++;
	}
	if (tok < 2) {
		err(rd, line, (unsigned)n + 1, "a %s record needs an address", kinds[kind].word);
		return -1;
	}
	unsigned need = kinds[kind].required | (rc->f.kind == VPCI_REG_VF && rc->f.broken ? BROKEN_NEEDS : 0);
	for (int k = 0; k < K_COUNT; k++)
		if ((need & B(k)) && !(rc->have & B(k)))
			err(rd, line, (unsigned)n + 1, "%s%s record needs %s=", rc->f.kind == VPCI_REG_VF && rc->f.broken &&
			    (BROKEN_NEEDS & B(k)) ? "a broken " : "a ", kinds[kind].word, key_names[k]);
	if (rc->f.assigned && !rc->f.owner[0] && rd->errors == before)
		err(rd, line, rc->col[K_ASSIGNED], "assigned=yes needs an owner (an assignment is to its owner)");
	return rd->errors == before ? 0 : -1;
}

/* Report the registry's refusal of record @rc at its line. */
static void refused(struct reader *rd, const struct rec *rc, unsigned col, vpci_diag *tmp)
{
	for (size_t i = 0; i < vpci_diag_count(tmp); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(tmp, i);
		if (e->severity == VPCI_SEV_ERROR)
			err(rd, rc->line, col, "%s: %s", e->file ? e->file : rc->f.slot, e->message);
	}
	vpci_diag_clear(tmp);
}

/* Apply the parsed records (no two at one address) to @r through the
 * registry's rules: PFs and plain functions, then linked VFs (their PFs
 * exist by then), then broken VF records as they are, which no PF may
 * claim while loading; owners, assignments and users last. */
static void apply(struct reader *rd, vpci_registry *r, const struct rec *recs, size_t n)
{
	vpci_diag *tmp = vpci_diag_new();

	if (!tmp) {
		rd->errors++;
		return;
	}
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct rec *rc = &recs[i];
			const struct vpci_reg_func *f = &rc->f;
			int st;
			if (pass == 0 && f->kind == VPCI_REG_FN)
				st = vpci_registry_add_fn(r, f->slot, f->vendor, f->device, NULL, 0, tmp);
			else if (pass == 0 && f->kind == VPCI_REG_PF)
				st = vpci_registry_add_pf(r, f->slot, f->vendor, f->device, &f->sriov, NULL, 0, tmp);
			else if (pass == 1 && f->kind == VPCI_REG_VF && !f->broken)
				st = vpci_registry_add_vf(r, f->slot, f->pf, f->vf_index, NULL, 0, tmp);
			else if (pass == 2 && f->kind == VPCI_REG_VF && f->broken)
				st = f->vf_index ? (reg_insert(r, &rc->bdf, f) ? 0 : VPCI_ENOMEM) : VPCI_ERANGE;
			else
				continue;
			if (st == VPCI_ERANGE && pass == 2)
				err(rd, rc->line, rc->col[K_INDEX], "index must be 1 or more (VF n)");
			else if (st)
				refused(rd, rc, rc->col[K_COUNT], tmp);
			vpci_diag_clear(tmp);
		}
	}
	vpci_diag_free(tmp);
	for (size_t i = 0; i < n && !rd->errors; i++) {
		const struct rec *rc = &recs[i];
		const struct vpci_reg_func *f = &rc->f;
		struct reg_fn *e = reg_lookup(r, &rc->bdf);
		if (f->kind == VPCI_REG_VF && !f->broken) {
			/* a linked VF's identity is its PF's */
			if ((rc->have & B(K_ID)) && (f->vendor != e->f.vendor || f->device != e->f.device))
				err(rd, rc->line, rc->col[K_ID], "id %04x:%04x, but its PF %s gives its VFs %04x:%04x", f->vendor,
				    f->device, f->pf, e->f.vendor, e->f.device);
			if ((rc->have & B(K_PF_DEVICE)) && f->pf_device != e->f.pf_device)
				err(rd, rc->line, rc->col[K_PF_DEVICE], "pf-device %04x, but its PF %s is %04x", f->pf_device,
				    f->pf, e->f.pf_device);
			if ((rc->have & B(K_ARI)) && f->pf_ari != e->f.pf_ari)
				err(rd, rc->line, rc->col[K_ARI], "ari=%s, but its PF %s has ari=%s", yn(f->pf_ari), f->pf,
				    yn(e->f.pf_ari));
		}
		memcpy(e->f.owner, f->owner, sizeof(e->f.owner));
		e->f.assigned = f->assigned;
		memcpy(e->f.user, f->user, sizeof(e->f.user));
	}
}

/* Records at the same address, reported at the second one. */
static void duplicates(struct reader *rd, const struct rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (reg_key(&recs[i].bdf) == reg_key(&recs[j].bdf)) {
				err(rd, recs[i].line, recs[i].col[K_COUNT], "%s is registered twice (first on line %u)",
				    recs[i].f.slot, recs[j].line);
				break;
			}
}

VPCI_EXPORT int vpci_registry_parse(const char *text, size_t len, const char *name, vpci_registry **out,
				    vpci_diag *d)
{
	struct reader rd = { name ? name : "<registry>", d, 0 };
	struct rec *recs = NULL;
	size_t nrec = 0, cap = 0;
	unsigned line = 0;
	bool header = false;

	*out = NULL;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *s = text + pos;
		line++;
		pos += n + (nl ? 1 : 0);
		const char *bad = memchr(s, '\0', n) ? "a NUL byte" : memchr(s, '\r', n) ? "a carriage return" : NULL;
		if (bad) {
			err(&rd, line, 1, "%s in the line (registry files are plain text with \\n line ends)", bad);
			continue;
		}
		size_t k = 0;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k == n || s[0] == '#')
			continue;
		if (!header) {
			header = true;
			size_t ml = strlen(MAGIC);
			if (n < ml + 2 || memcmp(s, MAGIC " ", ml + 1)) {
				err(&rd, line, 1, "not a registry file: the first line that is not a comment must be '%s %d'",
				    MAGIC, VERSION);
				break;
			}
			if (n != ml + 2 || s[ml + 1] != '0' + VERSION) {
				err(&rd, line, (unsigned)ml + 2, "registry file version '%.*s' is not supported (this vpci "
				    "reads version %d)", (int)(n - ml - 1), s + ml + 1, VERSION);
				break;
			}
			continue;
		}
		if (xgrow(&recs, &cap, nrec, sizeof(*recs), 64)) {
			free(recs);
			return VPCI_ENOMEM;
		}
		if (!record(&rd, s, n, line, &recs[nrec]))
			nrec++;
	}
	if (!header && !rd.errors)
		err(&rd, line ? line : 1, 1, "not a registry file: no '%s %d' line", MAGIC, VERSION);
	vpci_registry *r = NULL;
	if (!rd.errors) {
		duplicates(&rd, recs, nrec);
		r = rd.errors ? NULL : vpci_registry_new();
		if (!rd.errors && !r) {
			free(recs);
			return VPCI_ENOMEM;
		}
		if (r)
			apply(&rd, r, recs, nrec);
	}
	free(recs);
	if (rd.errors) {
		vpci_registry_free(r);
		return VPCI_EDATA;
	}
	*out = r;
	return 0;
}

VPCI_EXPORT int vpci_registry_parse_file(const char *path, vpci_registry **out, vpci_diag *d)
{
	struct diag_pos p = DIAG_NOPOS;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	*out = NULL;
	p.file = path;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_FILE) {
		const char *why = fd < 0 ? strerror(errno) : !S_ISREG(st.st_mode) ? "not a regular file" : "too large";
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot read: %s", why);
		if (fd >= 0)
			close(fd);
		return VPCI_EIO;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	if (!buf) {
		close(fd);
		return VPCI_ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, p, "cannot read: short read");
		free(buf);
		return VPCI_EIO;
	}
	int rc = vpci_registry_parse(buf, got, path, out, d);
	free(buf);
	return rc;
}
