/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-emulate.c - vpci emulate: a scriptable config-space console on the
 * emulation engine, and a replay of what a Linux guest does when it
 * enumerates the function (--probe).
 *
 * The console is a table of commands (ccmds[] below): a new command is
 * one function and one row, and the help lists it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_BACKEND, O_SCRIPT, O_PROBE, O_SYSFS_ROOT, O_PASSTHROUGH, O_JSON, O_TYPES };

static const struct cli_opt opts[] = {
	[O_BACKEND] = { "backend", 'b', "BACKEND", "snapshot (default: a simulated device from FILE),\n"
			"sysfs:BDF (the host function's config file),\n"
			"vfio:/dev/vfio/GROUP,BDF", NULL, NULL, NULL },
	[O_SCRIPT] = { "script", 's', "SCRIPT", "read the commands from SCRIPT (default: standard\ninput)", NULL, NULL,
		       NULL },
	[O_PROBE] = { "probe", 'p', NULL, "replay enumeration: IDs, capability walk, BAR\n"
		      "sizing, address assignment, memory decode, MSI-X\n"
		      "or MSI enable", NULL, NULL, NULL },
	[O_SYSFS_ROOT] = { "sysfs-root", 0, "DIR", "sysfs backend: use DIR instead of /sys", NULL, NULL, NULL },
	[O_PASSTHROUGH] = { "passthrough", 0, NULL, "make every bit writable and device-backed:\n"
			    "the backend's own view (e.g. what vfio-pci\n"
			    "virtualizes), for comparisons", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "one JSON object per line (shapes in vpci(1))", NULL, NULL, NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

struct console {
	vpci_emu *e;
	const char *file;
	unsigned line;
	int errors;
	int json;
};

/* --- output: text or JSON lines ---------------------------------------- */

enum vfmt { V_DEC, V_HEX, V_HEX16, V_BOOL, V_PM };

/* One "key=value" (text) or "\"key\": value" (JSON; '-' becomes '_'). */
static void put_kv(const struct console *c, const char *key, enum vfmt f, uint64_t v)
{
	static const char *const pm[4] = { "D0", "D1", "D2", "D3hot" };

	if (c->json) {
		printf(", \"");
		for (const char *k = key; *k; k++)
			putchar(*k == '-' ? '_' : *k);
		printf("\": ");
		if (f == V_BOOL)
			printf("%s", v ? "true" : "false");
		else if (f == V_PM)
			printf("\"%s\"", pm[v & 3]);
		else
			printf("%llu", (unsigned long long)v);
		return;
	}
	printf(" %s=", key);
	switch (f) {
	case V_DEC: case V_BOOL: printf("%llu", (unsigned long long)v); break;
	case V_HEX: printf("0x%llx", (unsigned long long)v); break;
	case V_HEX16: printf("0x%04llx", (unsigned long long)v); break;
	case V_PM: printf("%s", pm[v & 3]); break;
	}
}

/* Start an output line: "WORD" (text) or {"op": "OP" (JSON). */
static void line_start(const struct console *c, const char *word, const char *op)
{
	if (c->json)
		printf("{\"op\": \"%s\"", op);
	else
		printf("%s", word);
}

static void line_end(const struct console *c)
{
	printf(c->json ? "}\n" : "\n");
}

/* An access and its value: "r 0x4 2 = 0x0006", "w 0x4 2 0x0006". */
static void put_access(const struct console *c, const char *word, const char *op, uint64_t off, uint64_t size,
		       uint64_t v, int read, int pad)
{
	if (c->json) {
		printf("{\"op\": \"%s\", \"offset\": %llu, \"size\": %llu, \"value\": %llu}\n", op,
		       (unsigned long long)off, (unsigned long long)size, (unsigned long long)v);
		return;
	}
	printf("%s 0x%llx %llu %s0x%0*llx\n", word, (unsigned long long)off, (unsigned long long)size,
	       read ? "= " : "", pad ? (int)size * 2 : 0, (unsigned long long)v);
}

/* Which event member a key shows; INTX is bit 10 of the new Command. */
enum evsrc { E_INDEX, E_ADDR, E_SIZE, E_ENABLED, E_MASKED, E_DATA, E_OLD, E_INTX };

static const struct evshape {
	int kind; /* enum vpci_event_kind; -1 = every other kind */
	struct { const char *key; enum evsrc src; enum vfmt fmt; } k[5];
} evshapes[] = {
	{ VPCI_EV_BAR, { { "index", E_INDEX, V_DEC }, { "addr", E_ADDR, V_HEX }, { "size", E_SIZE, V_HEX },
			 { "enabled", E_ENABLED, V_BOOL } } },
	{ VPCI_EV_COMMAND, { { "value", E_DATA, V_HEX16 }, { "old", E_OLD, V_HEX16 },
			     { "bus-master", E_ENABLED, V_BOOL }, { "intx-disable", E_INTX, V_BOOL } } },
	{ VPCI_EV_MSI, { { "enabled", E_ENABLED, V_BOOL }, { "vectors", E_INDEX, V_DEC }, { "addr", E_ADDR, V_HEX },
			 { "data", E_DATA, V_HEX16 }, { "mask", E_MASKED, V_HEX } } },
	{ VPCI_EV_MSIX, { { "enabled", E_ENABLED, V_BOOL }, { "masked", E_MASKED, V_DEC }, { "vectors", E_INDEX, V_DEC } } },
	{ VPCI_EV_MSIX_VECTOR, { { "vector", E_INDEX, V_DEC }, { "masked", E_MASKED, V_DEC }, { "addr", E_ADDR, V_HEX },
				 { "data", E_DATA, V_HEX } } },
	{ VPCI_EV_PM, { { "state", E_DATA, V_PM }, { "old", E_OLD, V_PM }, { "no-soft-reset", E_ENABLED, V_BOOL } } },
	{ VPCI_EV_FLR, { { NULL, 0, 0 } } },
	{ VPCI_EV_SRIOV, { { "enabled", E_ENABLED, V_BOOL }, { "num-vfs", E_DATA, V_DEC } } },
	{ VPCI_EV_VF, { { "vf", E_INDEX, V_DEC }, { "enabled", E_ENABLED, V_BOOL }, { "rid", E_DATA, V_HEX16 } } },
	{ VPCI_EV_VF_BAR, { { "index", E_INDEX, V_DEC }, { "addr", E_ADDR, V_HEX }, { "size", E_SIZE, V_HEX },
			    { "vfs", E_DATA, V_DEC }, { "enabled", E_ENABLED, V_BOOL } } },
	{ -1, { { "value", E_DATA, V_HEX16 }, { "old", E_OLD, V_HEX16 }, { "enabled", E_ENABLED, V_BOOL } } },
};

static uint64_t ev_member(const struct vpci_event *ev, enum evsrc s)
{
	switch (s) {
	case E_INDEX: return ev->index;
	case E_ADDR: return ev->addr;
	case E_SIZE: return ev->size;
	case E_ENABLED: return ev->enabled;
	case E_MASKED: return ev->masked;
	case E_DATA: return ev->data;
	case E_OLD: return ev->old;
	case E_INTX: return (ev->data >> 10) & 1;
	}
	return 0;
}

void cli_put_event(int json, const struct vpci_event *ev)
{
	const struct console con = { .json = json }, *c = &con;
	const struct evshape *s = evshapes;

	while (s->kind >= 0 && s->kind != (int)ev->kind)
		s++;
	if (c->json)
		printf("{\"op\": \"event\", \"kind\": \"%s\"", vpci_event_kind_name(ev->kind));
	else
		printf("event %s", vpci_event_kind_name(ev->kind));
	for (unsigned i = 0; i < 5 && s->k[i].key; i++)
		put_kv(c, s->k[i].key, s->k[i].fmt, ev_member(ev, s->k[i].src));
	line_end(c);
}

static void on_event(void *opaque, const struct vpci_event *ev)
{
	const struct console *c = opaque;

	cli_put_event(c->json, ev);
}

/* --- the console's commands -------------------------------------------- */

static int num(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int cerr(struct console *c, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s:%u: error: ", c->file, c->line);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	c->errors++;
	return -1;
}

/* Read and print (rv = read and return the value, for the probe). */
static uint32_t rv(struct console *c, unsigned off, unsigned size)
{
	uint32_t v = 0;

	vpci_emu_read(c->e, off, size, &v);
	put_access(c, "r", "read", off, size, v, 1, 1);
	return v;
}

static int do_write(struct console *c, unsigned off, unsigned size, uint32_t v)
{
	put_access(c, "w", "write", off, size, v, 0, 1);
	fflush(stdout);
	int rc = vpci_emu_write(c->e, off, size, v);
	if (rc) {
		char b[64];
		snprintf(b, sizeof(b), "0x%x/%u", off, size);
		return cerr(c, rc == VPCI_ERANGE ? "write %s: invalid offset or size" : "write %s: the backend failed", b);
	}
	return 0;
}

static int c_read(struct console *c, char **t)
{
	uint64_t a, b;
	uint32_t v;

	if (num(t[1], &a) || num(t[2], &b) || a > 0xffff || b > 4)
		return cerr(c, "r: expected 'r OFF SIZE', got '%s'", t[1]);
	if (vpci_emu_read(c->e, (unsigned)a, (unsigned)b, &v)) {
		char s[64];
		snprintf(s, sizeof(s), "0x%x/%u", (unsigned)a, (unsigned)b);
		return cerr(c, "read %s: invalid offset or size (SIZE 1, 2 or 4 within 0..0xfff)", s);
	}
	put_access(c, "r", "read", a, b, v, 1, 1);
	return 0;
}

static int c_write(struct console *c, char **t)
{
	uint64_t a, b, v;

	if (num(t[1], &a) || num(t[2], &b) || num(t[3], &v) || a > 0xffff || b > 4 || v > 0xffffffffu)
		return cerr(c, "w: expected 'w OFF SIZE VALUE', got '%s'", t[1]);
	return do_write(c, (unsigned)a, (unsigned)b, (uint32_t)v);
}

static int c_reset(struct console *c, char **t)
{
	static const char *const kinds[] = { "flr", "hot", "cold" };
	static const enum vpci_reset resets[] = { VPCI_RESET_FLR, VPCI_RESET_HOT, VPCI_RESET_COLD };
	unsigned k = 0;

	while (k < 3 && strcmp(t[1], kinds[k]))
		k++;
	if (k == 3)
		return cerr(c, "reset: unknown kind '%s' (flr, hot or cold)", t[1]);
	line_start(c, "reset", "reset");
	printf(c->json ? ", \"kind\": \"%s\"" : " %s", t[1]);
	line_end(c);
	fflush(stdout);
	if (vpci_emu_reset(c->e, resets[k]))
		return cerr(c, "reset %s: the backend failed", t[1]);
	return 0;
}

static void put_file(const struct console *c, const char *file)
{
	if (c->json) {
		printf(", \"file\": ");
		json_str(stdout, file);
	} else {
		printf(" %s", file);
	}
}

static int c_save(struct console *c, char **t)
{
	void *blob = NULL;
	size_t len = 0;

	if (vpci_emu_save(c->e, &blob, &len))
		return cerr(c, "save %s: out of memory", t[1]);
	int rc = cli_write_output(t[1], blob, len);
	free(blob);
	if (rc)
		return cerr(c, "save %s: cannot write", t[1]);
	line_start(c, "save", "save");
	put_file(c, t[1]);
	printf(c->json ? ", \"bytes\": %zu" : " (%zu bytes)", len);
	line_end(c);
	return 0;
}

static int c_load(struct console *c, char **t)
{
	uint8_t *data = NULL;
	size_t len = 0;

	if (cli_read_file(t[1], &data, &len))
		return cerr(c, "load %s: cannot read", t[1]);
	vpci_diag *d = vpci_diag_new();
	line_start(c, "load", "load");
	put_file(c, t[1]);
	line_end(c);
	fflush(stdout);
	int rc = vpci_emu_load(c->e, data, len, d);
	free(data);
	char buf[600];
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		vpci_diag_format(vpci_diag_get(d, i), buf, sizeof(buf));
		fprintf(stderr, "%s:%u: %s\n", c->file, c->line, buf);
	}
	vpci_diag_free(d);
	if (rc)
		c->errors++;
	return rc ? -1 : 0;
}

static int c_table(struct console *c, char **t)
{
	uint64_t a, b, v = 0, val;
	int w = !strcmp(t[1], "w"), n = t[4] ? 5 : 4;

	if (num(t[2], &a) || num(t[3], &b) || (n == 5 && num(t[4], &v)))
		return cerr(c, "table: expected 'table r|w OFF SIZE [VALUE]', got '%s'", t[1]);
	if (!w && !strcmp(t[1], "r") && n == 4) {
		if (vpci_emu_msix_table_read(c->e, false, (unsigned)a, (unsigned)b, &val))
			return cerr(c, "table r: no MSI-X, or bad offset/size '%s'", t[2]);
		put_access(c, "table r", "table-read", a, b, val, 1, 1);
		return 0;
	}
	if (w && n == 5) {
		put_access(c, "table w", "table-write", a, b, v, 0, 0);
		fflush(stdout);
		if (vpci_emu_msix_table_write(c->e, (unsigned)a, (unsigned)b, v))
			return cerr(c, "table w: no MSI-X, or bad offset/size '%s'", t[2]);
		return 0;
	}
	return cerr(c, "table: expected 'r' or 'w', got '%s'", t[1]);
}

static int c_pba(struct console *c, char **t)
{
	uint64_t a, b, val;

	if (num(t[1], &a) || num(t[2], &b) || vpci_emu_msix_table_read(c->e, true, (unsigned)a, (unsigned)b, &val))
		return cerr(c, "pba: no MSI-X, or bad offset/size '%s'", t[1]);
	put_access(c, "pba", "pba-read", a, b, val, 1, 1);
	return 0;
}

static int c_pending(struct console *c, char **t)
{
	uint64_t a, b;

	if (num(t[1], &a) || num(t[2], &b) || b > 1 || vpci_emu_msix_set_pending(c->e, (unsigned)a, b != 0))
		return cerr(c, "pending: no MSI-X, or bad vector '%s'", t[1]);
	if (c->json)
		printf("{\"op\": \"pending\", \"vector\": %llu, \"pending\": %s}\n", (unsigned long long)a,
		       b ? "true" : "false");
	else
		printf("pending %llu %llu\n", (unsigned long long)a, (unsigned long long)b);
	return 0;
}

static int probe(struct console *c);

static int c_probe(struct console *c, char **t)
{
	(void)t;
	return probe(c);
}

/* "! COMMAND": a shell command, e.g. to look at the real device in
 * sysfs; with --json its output goes to standard error. */
static int c_shell(struct console *c, char **t)
{
	char cmd[1100];

	snprintf(cmd, sizeof(cmd), "%s%s", c->json ? "exec 1>&2; " : "", t[1]);
	fflush(stdout);
	if (system(cmd) != 0)
		return cerr(c, "! %s: the command failed", t[1]);
	return 0;
}

/* Operands are t[1..]; t[n+1] is NULL. */
static const struct ccmd {
	const char *name;
	int min, max;
	const char *usage;
	const char *help;
	int (*fn)(struct console *c, char **t);
} ccmds[] = {
	{ "r", 2, 2, "r OFF SIZE", "read; prints 'r OFF SIZE = 0xVALUE'", c_read },
	{ "w", 3, 3, "w OFF SIZE VALUE", "write; prints 'w OFF SIZE VALUE'", c_write },
	{ "reset", 1, 1, "reset flr|hot|cold", "reset the function", c_reset },
	{ "save", 1, 1, "save FILE", "save the emulated state", c_save },
	{ "load", 1, 1, "load FILE", "restore a saved state", c_load },
	{ "table", 3, 4, "table r|w OFF SIZE [VALUE]", "read or write the MSI-X table (SIZE 4 or 8)", c_table },
	{ "pba", 2, 2, "pba OFF SIZE", "read the MSI-X PBA", c_pba },
	{ "pending", 2, 2, "pending VECTOR 0|1", "set or clear a vector's pending bit", c_pending },
	{ "probe", 0, 0, "probe", "replay a Linux guest's enumeration", c_probe },
	{ "!", 1, 1, "! COMMAND", "run a shell command (e.g. to read sysfs)", c_shell },
};
#define NCCMDS (sizeof(ccmds) / sizeof(ccmds[0]))

static void console_help(FILE *fp)
{
	fprintf(fp, "\nConsole commands (one per line, '#' starts a comment; numbers are hex\n"
		    "(0x..) or decimal):\n");
	for (size_t i = 0; i < NCCMDS; i++)
		fprintf(fp, "  %-26s  %s\n", ccmds[i].usage, ccmds[i].help);
	fprintf(fp, "Events print as 'event KIND key=value ...'.\n");
}

/* Split @line into at most 6 words; "!" keeps the rest of the line as its
 * one operand.  Returns the number of words. */
static int split(char *line, char **t)
{
	char *s = line + strspn(line, " \t");
	int n = 0;

	if (*s == '!') {
		t[n++] = "!";
		s++;
		s[strcspn(s, "\r\n")] = '\0';
		if (*s)
			t[n++] = s;
		return n;
	}
	s[strcspn(s, "#")] = '\0';
	for (char *w = strtok(s, " \t\r\n"); w && n < 6; w = strtok(NULL, " \t\r\n"))
		t[n++] = w;
	return n;
}

static int run_line(struct console *c, char *line)
{
	char *t[7] = { NULL };
	int n = split(line, t);
	const char *names[NCCMDS];

	if (!n)
		return 0;
	for (size_t i = 0; i < NCCMDS; i++) {
		const struct ccmd *k = &ccmds[i];
		names[i] = k->name;
		if (strcmp(t[0], k->name))
			continue;
		if (n - 1 < k->min || n - 1 > k->max)
			return cerr(c, "malformed command: expected '%s'", k->usage);
		return k->fn(c, t);
	}
	const char *s = cli_suggest(t[0], names, NCCMDS);
	char msg[160];
	snprintf(msg, sizeof(msg), "unknown command '%%s'%s%s%s", s ? "; did you mean '" : "", s ? s : "",
		 s ? "'?" : "");
	return cerr(c, msg, t[0]);
}

/* --- the Linux enumeration replay -------------------------------------- */
/* What Linux does when it enumerates a function (drivers/pci/probe.c,
 * setup-bus.c, msi.c), reduced to its config accesses. */

enum { K_NONE, K_IO, K_MEM32, K_MEM64 };

struct probe_bars {
	unsigned n;        /* BARs of the header type */
	unsigned romoff;   /* the Expansion ROM register */
	uint64_t size[7];  /* 6 = ROM */
	unsigned kind[7];
};

/* IDs, header type, the capability walk and the extended list; returns
 * the header type. */
static unsigned probe_walk(struct console *c, uint32_t *status)
{
	uint32_t id = rv(c, 0x00, 4);
	if ((id & 0xffff) == 0xffff && (id >> 16) == 0xffff) {
		line_start(c, "# no function (reads all-ones)", "note");
		if (c->json)
			printf(", \"message\": \"no function (reads all-ones)\"");
		line_end(c);
	}
	rv(c, 0x08, 4);
	uint32_t ht = rv(c, 0x0c, 4) >> 16 & 0x7f;
	rv(c, 0x2c, 4);
	*status = rv(c, 0x06, 2);
	/* capability walk (at most 48 entries), then the extended list */
	if (*status & 0x10) {
		unsigned ptr = rv(c, ht == 2 ? 0x14 : 0x34, 1) & 0xfc;
		for (int ttl = 48; ptr >= 0x40 && ttl--;)
			ptr = (rv(c, ptr, 4) >> 8) & 0xfc;
	}
	uint32_t first = 0;
	if (vpci_emu_read(c->e, 0x100, 4, &first) == 0 && first && first != 0xffffffffu) {
		unsigned ptr = 0x100;
		for (int ttl = 64; ptr >= 0x100 && ttl--;) {
			uint32_t h = rv(c, ptr, 4);
			if (!h || h == 0xffffffffu)
				break;
			ptr = (h >> 20) & 0xffc;
		}
	}
	return ht;
}

/* Write all-ones to a register, read the size mask back, restore. */
static uint32_t size_reg(struct console *c, unsigned off, uint32_t ones)
{
	uint32_t orig = rv(c, off, 4);
	do_write(c, off, 4, ones);
	uint32_t sz = rv(c, off, 4);
	do_write(c, off, 4, orig);
	return sz;
}

/* BAR and ROM sizing, with decode off. */
static void probe_size(struct console *c, unsigned ht, struct probe_bars *pb)
{
	memset(pb, 0, sizeof(*pb));
	pb->n = ht == 0 ? 6 : ht == 1 ? 2 : 0;
	pb->romoff = ht == 1 ? 0x38 : 0x30;
	for (unsigned i = 0; i < pb->n; i++) {
		uint32_t sz = size_reg(c, 0x10 + 4 * i, 0xffffffffu);
		if (!sz)
			continue;
		if (sz & 1) {
			pb->kind[i] = K_IO;
			pb->size[i] = (~(sz & ~3u) + 1) & 0xffff;
		} else if (((sz >> 1) & 3) == 2 && i + 1 < pb->n) {
			uint32_t hi = size_reg(c, 0x14 + 4 * i, 0xffffffffu);
			pb->kind[i] = K_MEM64;
			pb->size[i] = ~(((uint64_t)hi << 32) | (sz & ~0xfu)) + 1;
			i++;
		} else {
			pb->kind[i] = K_MEM32;
			pb->size[i] = (uint32_t)(~(sz & ~0xfu) + 1);
		}
	}
	if (ht <= 1) {
		uint32_t sz = size_reg(c, pb->romoff, 0xfffff800u);
		if (sz & 0xfffff800u) {
			pb->kind[6] = K_MEM32;
			pb->size[6] = (uint32_t)(~(sz & 0xfffff800u) + 1);
		}
	}
}

/* Addresses from three windows (I/O, 32-bit and 64-bit memory), each BAR
 * aligned to its size; returns whether an I/O BAR exists. */
static int probe_assign(struct console *c, const struct probe_bars *pb)
{
	uint64_t mem = 0xe0000000u, mem64 = 0x4000000000ull, io = 0xc000;
	int has_io = 0;

	for (unsigned i = 0; i < 7; i++) {
		if (!pb->kind[i] || !pb->size[i])
			continue;
		unsigned off = i == 6 ? pb->romoff : 0x10 + 4 * i;
		uint64_t *base = pb->kind[i] == K_IO ? &io : pb->kind[i] == K_MEM64 ? &mem64 : &mem;
		uint64_t a = (*base + pb->size[i] - 1) & ~(pb->size[i] - 1);
		*base = a + pb->size[i];
		has_io |= pb->kind[i] == K_IO && i < 6;
		do_write(c, off, 4, (uint32_t)a);
		if (pb->kind[i] == K_MEM64)
			do_write(c, off + 4, 4, (uint32_t)(a >> 32));
	}
	return has_io;
}

/* Interrupts: MSI-X if present (enabled masked, then unmasked), else MSI. */
static void probe_irq(struct console *c, unsigned ht, uint32_t status)
{
	unsigned msix = 0, msi = 0;

	if (status & 0x10) {
		uint32_t p;
		vpci_emu_read(c->e, ht == 2 ? 0x14 : 0x34, 1, &p);
		unsigned ptr = p & 0xfc;
		for (int ttl = 48; ptr >= 0x40 && ttl--;) {
			uint32_t h;
			vpci_emu_read(c->e, ptr, 2, &h);
			if ((h & 0xff) == 0x11 && !msix)
				msix = ptr;
			if ((h & 0xff) == 0x05 && !msi)
				msi = ptr;
			ptr = (h >> 8) & 0xfc;
		}
	}
	if (msix) {
		uint32_t ctl = rv(c, msix + 2, 2);
		do_write(c, msix + 2, 2, ctl | 0xc000);
		do_write(c, msix + 2, 2, (ctl | 0x8000) & ~0x4000u);
	} else if (msi) {
		uint32_t ctl = rv(c, msi + 2, 2);
		do_write(c, msi + 4, 4, 0xfee00000u);
		if (ctl & 0x80) {
			do_write(c, msi + 8, 4, 0);
			do_write(c, msi + 0xc, 2, 0x4021);
		} else {
			do_write(c, msi + 8, 2, 0x4021);
		}
		do_write(c, msi + 2, 2, (ctl & ~0x70u) | 1);
	}
}

static int probe(struct console *c)
{
	uint32_t status;
	unsigned ht = probe_walk(c, &status);
	struct probe_bars pb;

	uint32_t cmd = rv(c, 0x04, 2);
	do_write(c, 0x04, 2, cmd & ~3u);
	probe_size(c, ht, &pb);
	int has_io = probe_assign(c, &pb);
	cmd = rv(c, 0x04, 2);
	do_write(c, 0x04, 2, cmd | 0x6 | (has_io ? 1 : 0));
	probe_irq(c, ht, status);
	return 0;
}

/* --- the command -------------------------------------------------------- */

static int make_backend(const char *spec, const char *root, struct vpci_backend *be, int *have)
{
	vpci_diag *d;
	int rc;

	*have = 0;
	if (!spec || !strcmp(spec, "snapshot"))
		return 0;
	if (strncmp(spec, "sysfs:", 6) && strncmp(spec, "vfio:", 5))
		return cli_usage("emulate", "unknown backend '%s' (snapshot, sysfs:BDF, vfio:GROUP,BDF)", spec);
	char group[256];
	const char *comma = strchr(spec, ',');
	if (spec[0] == 'v' && (!comma || (size_t)(comma - spec - 5) >= sizeof(group)))
		return cli_usage("emulate", "--backend vfio:/dev/vfio/GROUP,BDF");
	d = vpci_diag_new();
	if (spec[0] == 's') {
		rc = vpci_backend_sysfs(root, spec + 6, be, d);
	} else {
		snprintf(group, sizeof(group), "%.*s", (int)(comma - spec - 5), spec + 5);
		rc = vpci_backend_vfio(group, comma + 1, be, d);
	}
	cli_print_diags(d);
	vpci_diag_free(d);
	if (rc == VPCI_EINVAL)
		return cli_usage("emulate", "malformed device address in '%s'", spec);
	if (rc)
		return cli_exit_code(rc);
	*have = 1;
	return 0;
}

/* Every bit writable and device-backed: the backend's own view. */
static void make_passthrough(vpci_func *f)
{
	static const uint8_t zero[VPCI_CFG_SIZE];
	unsigned sz = vpci_func_config_size(f);

	for (int p = 0; p < VPCI_PL_COUNT; p++)
		vpci_func_set_plane(f, (enum vpci_plane)p, 0, sz, zero);
	vpci_func_set_plane(f, VPCI_PL_RW, 0, sz, NULL);
	vpci_func_set_plane(f, VPCI_PL_DEVICE, 0, sz, NULL);
}

/* The engine on @a's instance and backend; an exit code. */
static int start(struct cli_args *a, struct console *con)
{
	vpci_func *f = NULL;
	int rc = cli_load_emulation(a->pos[0], &f);

	if (rc)
		return rc;
	if (cli_has(a, O_PASSTHROUGH))
		make_passthrough(f);
	struct vpci_backend be;
	int have_be = 0;
	rc = make_backend(a->val[O_BACKEND], a->val[O_SYSFS_ROOT], &be, &have_be);
	if (rc) {
		vpci_func_free(f);
		return rc;
	}
	/* --passthrough is the backend's own view: every offset backed by the
	 * same offset, whatever the function's layout (the instance bound to
	 * itself, docs/binding.md) */
	vpci_binding *self = NULL;
	if (cli_has(a, O_PASSTHROUGH) && have_be && vpci_bind(f, f, &self, NULL) != VPCI_ENOMEM)
		be.binding = self;
	struct vpci_emu_ops ops = { on_event };
	vpci_diag *d = vpci_diag_new();
	int st = vpci_emu_new(f, have_be ? &be : NULL, &ops, con, &con->e, d);
	cli_print_diags(d);
	vpci_diag_free(d);
	vpci_binding_free(self);
	vpci_func_free(f);
	return cli_exit_code(st);
}

static int run(struct cli_args *a)
{
	const char *script = a->val[O_SCRIPT];
	struct console con = { NULL, script ? cli_input_name(script) : CLI_STDIN_NAME, 0, 0, cli_has(a, O_JSON) };

	if (script && cli_has(a, O_PROBE))
		return cli_usage("emulate", "give --script or --probe, not both");
	int rc = start(a, &con);
	if (rc)
		return rc;
	if (cli_has(a, O_PROBE)) {
		con.file = "probe";
		probe(&con);
	} else {
		FILE *fp = script && strcmp(script, "-") ? fopen(script, "r") : stdin;
		char line[1024];
		if (!fp) {
			fprintf(stderr, "%s: error: cannot open: %s\n", script, strerror(errno));
			vpci_emu_free(con.e);
			return EX_NOINPUT_;
		}
		while (fgets(line, sizeof(line), fp)) {
			con.line++;
			run_line(&con, line);
			fflush(stdout);
		}
		if (fp != stdin)
			fclose(fp);
	}
	vpci_emu_free(con.e);
	return con.errors ? EX_DATAERR_ : 0;
}

const struct cli_cmd cli_cmd_emulate = {
	.name = "emulate",
	.summary = "emulate an instance: scripted config accesses, --probe replay",
	.synopsis = "[OPTIONS] FILE [--script SCRIPT]\n"
		    "[OPTIONS] FILE --probe",
	.description = "Emulate the instance FILE with the libvpci engine and run a script of\n"
		       "config accesses against it (standard input when neither --script nor\n"
		       "--probe is given), printing every access, its result and the events the\n"
		       "engine reports to a VMM.\n",
	.more_help = console_help,
	.opts = opts,
	.min_args = 1,
	.max_args = 1,
	.args_name = "FILE",
	.exit_status = "0 success, 64 usage error, 65 invalid instance or a failed\n"
		       "script line, 66 input unreadable.",
	.run = run,
};
