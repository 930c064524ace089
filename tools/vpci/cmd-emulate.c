/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-emulate.c - vpci emulate: a scriptable config-space console on the
 * emulation engine, and a replay of what a Linux guest does when it
 * enumerates the function (--probe).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

static void help(void)
{
	printf("usage: vpci emulate FILE [--backend snapshot|sysfs:BDF|vfio:GROUP,BDF]\n"
	       "                        [--script FILE | --probe] [--sysfs-root DIR]\n\n"
	       "Emulate the instance FILE and run a script of config accesses against it\n"
	       "(standard input when neither --script nor --probe is given).  One command\n"
	       "per line, '#' starts a comment; numbers are hex (0x..) or decimal:\n"
	       "  r OFF SIZE              read; prints 'r OFF SIZE = 0xVALUE'\n"
	       "  w OFF SIZE VALUE        write; prints 'w OFF SIZE VALUE'\n"
	       "  reset flr|hot|cold      reset the function\n"
	       "  save FILE | load FILE   save or restore the emulated state\n"
	       "  table r OFF SIZE        read the MSI-X table (SIZE 4 or 8)\n"
	       "  table w OFF SIZE VALUE  write the MSI-X table\n"
	       "  pba OFF SIZE            read the MSI-X PBA\n"
	       "  pending VECTOR 0|1      set or clear a vector's pending bit\n"
	       "  probe                   replay a Linux guest's enumeration\n"
	       "  ! COMMAND               run a shell command (e.g. to read sysfs)\n"
	       "Events print as 'event KIND key=value ...'.\n\n"
	       "  --backend B   snapshot (default: a simulated device from FILE), sysfs:BDF\n"
	       "                (the host function's config file), vfio:/dev/vfio/G,BDF\n"
	       "  --probe       replay enumeration: IDs, capability walk, BAR sizing,\n"
	       "                address assignment, memory decode, MSI-X or MSI enable\n"
	       "  --passthrough make every bit writable and device-backed: the backend's own\n"
	       "                view (e.g. what vfio-pci virtualizes), for comparisons\n");
}

static const char *pm_state(unsigned s)
{
	static const char *const n[4] = { "D0", "D1", "D2", "D3hot" };
	return n[s & 3];
}

static void on_event(void *opaque, const struct vpci_event *ev)
{
	(void)opaque;
	printf("event %s", vpci_event_kind_name(ev->kind));
	switch (ev->kind) {
	case VPCI_EV_BAR:
		printf(" index=%u addr=0x%llx size=0x%llx enabled=%d", ev->index, (unsigned long long)ev->addr,
		       (unsigned long long)ev->size, ev->enabled);
		break;
	case VPCI_EV_COMMAND:
		printf(" value=0x%04x old=0x%04x bus-master=%d intx-disable=%u", ev->data, ev->old, ev->enabled,
		       (ev->data >> 10) & 1);
		break;
	case VPCI_EV_MSI:
		printf(" enabled=%d vectors=%u addr=0x%llx data=0x%04x mask=0x%x", ev->enabled, ev->index,
		       (unsigned long long)ev->addr, ev->data, ev->masked);
		break;
	case VPCI_EV_MSIX:
		printf(" enabled=%d masked=%u", ev->enabled, ev->masked);
		break;
	case VPCI_EV_PM:
		printf(" state=%s old=%s no-soft-reset=%d", pm_state(ev->data), pm_state(ev->old), ev->enabled);
		break;
	case VPCI_EV_FLR:
		break;
	case VPCI_EV_SRIOV:
		printf(" enabled=%d num-vfs=%u", ev->enabled, ev->data);
		break;
	default:
		printf(" value=0x%04x old=0x%04x enabled=%d", ev->data, ev->old, ev->enabled);
		break;
	}
	printf("\n");
}

struct console {
	vpci_emu *e;
	const char *file;
	unsigned line;
	int errors;
};

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

static int do_read(struct console *c, unsigned off, unsigned size)
{
	uint32_t v;
	int rc = vpci_emu_read(c->e, off, size, &v);

	if (rc) {
		char b[64];
		snprintf(b, sizeof(b), "0x%x/%u", off, size);
		return cerr(c, "read %s: invalid offset or size (SIZE 1, 2 or 4 within 0..0xfff)", b);
	}
	printf("r 0x%x %u = 0x%0*x\n", off, size, (int)size * 2, v);
	return 0;
}

static uint32_t rv(struct console *c, unsigned off, unsigned size)
{
	uint32_t v = 0;

	vpci_emu_read(c->e, off, size, &v);
	printf("r 0x%x %u = 0x%0*x\n", off, size, (int)size * 2, v);
	return v;
}

static int do_write(struct console *c, unsigned off, unsigned size, uint32_t v)
{
	printf("w 0x%x %u 0x%0*x\n", off, size, (int)size * 2, v);
	fflush(stdout);
	int rc = vpci_emu_write(c->e, off, size, v);
	if (rc) {
		char b[64];
		snprintf(b, sizeof(b), "0x%x/%u", off, size);
		return cerr(c, rc == VPCI_ERANGE ? "write %s: invalid offset or size" : "write %s: the backend failed", b);
	}
	return 0;
}

/* What Linux does when it enumerates a function (drivers/pci/probe.c,
 * setup-bus.c, msi.c), reduced to its config accesses. */
static int probe(struct console *c)
{
	uint32_t id = rv(c, 0x00, 4);
	if ((id & 0xffff) == 0xffff && (id >> 16) == 0xffff)
		printf("# no function (reads all-ones)\n");
	rv(c, 0x08, 4);
	uint32_t ht = rv(c, 0x0c, 4) >> 16 & 0x7f;
	rv(c, 0x2c, 4);
	uint32_t status = rv(c, 0x06, 2);
	/* capability walk (at most 48 entries), then the extended list */
	if (status & 0x10) {
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
	/* BAR sizing with decode off, then addresses, then decode on */
	uint32_t cmd = rv(c, 0x04, 2);
	do_write(c, 0x04, 2, cmd & ~3u);
	unsigned nbars = ht == 0 ? 6 : ht == 1 ? 2 : 0;
	uint64_t sizes[7] = { 0 };
	unsigned kinds[7] = { 0 }; /* 1 io, 2 mem32, 3 mem64 */
	for (unsigned i = 0; i < nbars; i++) {
		unsigned off = 0x10 + 4 * i;
		uint32_t orig = rv(c, off, 4);
		do_write(c, off, 4, 0xffffffffu);
		uint32_t sz = rv(c, off, 4);
		do_write(c, off, 4, orig);
		if (!sz)
			continue;
		if (sz & 1) {
			kinds[i] = 1;
			sizes[i] = (~(sz & ~3u) + 1) & 0xffff;
		} else if (((sz >> 1) & 3) == 2 && i + 1 < nbars) {
			uint32_t ohi = rv(c, off + 4, 4);
			do_write(c, off + 4, 4, 0xffffffffu);
			uint32_t hi = rv(c, off + 4, 4);
			do_write(c, off + 4, 4, ohi);
			uint64_t m = ((uint64_t)hi << 32) | (sz & ~0xfu);
			kinds[i] = 3;
			sizes[i] = ~m + 1;
			i++;
		} else {
			kinds[i] = 2;
			sizes[i] = (uint32_t)(~(sz & ~0xfu) + 1);
		}
	}
	unsigned romoff = ht == 1 ? 0x38 : 0x30;
	if (ht <= 1) {
		uint32_t orig = rv(c, romoff, 4);
		do_write(c, romoff, 4, 0xfffff800u);
		uint32_t sz = rv(c, romoff, 4);
		do_write(c, romoff, 4, orig);
		if (sz & 0xfffff800u) {
			kinds[6] = 2;
			sizes[6] = (uint32_t)(~(sz & 0xfffff800u) + 1);
		}
	}
	uint64_t mem = 0xe0000000u, mem64 = 0x4000000000ull, io = 0xc000;
	for (unsigned i = 0; i < 7; i++) {
		if (!kinds[i] || !sizes[i])
			continue;
		unsigned off = i == 6 ? romoff : 0x10 + 4 * i;
		uint64_t *base = kinds[i] == 1 ? &io : kinds[i] == 3 ? &mem64 : &mem;
		uint64_t a = (*base + sizes[i] - 1) & ~(sizes[i] - 1);
		*base = a + sizes[i];
		do_write(c, off, 4, (uint32_t)a);
		if (kinds[i] == 3)
			do_write(c, off + 4, 4, (uint32_t)(a >> 32));
	}
	cmd = rv(c, 0x04, 2);
	do_write(c, 0x04, 2, cmd | 0x6 | (kinds[0] == 1 || kinds[1] == 1 || kinds[2] == 1 || kinds[3] == 1 ||
					  kinds[4] == 1 || kinds[5] == 1 ? 1 : 0));
	/* interrupts: MSI-X if present (enabled masked, then unmasked), else MSI */
	unsigned msix = 0, msi = 0;
	if (status & 0x10) {
		unsigned ptr = 0;
		uint32_t p;
		vpci_emu_read(c->e, ht == 2 ? 0x14 : 0x34, 1, &p);
		ptr = p & 0xfc;
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
	return 0;
}

static int run_line(struct console *c, char *line)
{
	char raw_line[1024];
	char *tok[6];
	int n = 0;
	uint64_t a, b, v;

	snprintf(raw_line, sizeof(raw_line), "%s", line);
	if (line[strspn(line, " \t")] != '!') {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
	}
	for (char *t = strtok(line, " \t\r\n"); t && n < 6; t = strtok(NULL, " \t\r\n"))
		tok[n++] = t;
	if (!n)
		return 0;
	if (!strcmp(tok[0], "r") && n == 3) {
		if (num(tok[1], &a) || num(tok[2], &b) || a > 0xffff || b > 4)
			return cerr(c, "r: expected 'r OFF SIZE', got '%s'", tok[1]);
		return do_read(c, (unsigned)a, (unsigned)b);
	}
	if (!strcmp(tok[0], "w") && n == 4) {
		if (num(tok[1], &a) || num(tok[2], &b) || num(tok[3], &v) || a > 0xffff || b > 4 || v > 0xffffffffu)
			return cerr(c, "w: expected 'w OFF SIZE VALUE', got '%s'", tok[1]);
		return do_write(c, (unsigned)a, (unsigned)b, (uint32_t)v);
	}
	if (!strcmp(tok[0], "reset") && n == 2) {
		enum vpci_reset k;
		if (!strcmp(tok[1], "flr"))
			k = VPCI_RESET_FLR;
		else if (!strcmp(tok[1], "hot"))
			k = VPCI_RESET_HOT;
		else if (!strcmp(tok[1], "cold"))
			k = VPCI_RESET_COLD;
		else
			return cerr(c, "reset: unknown kind '%s' (flr, hot or cold)", tok[1]);
		printf("reset %s\n", tok[1]);
		fflush(stdout);
		if (vpci_emu_reset(c->e, k))
			return cerr(c, "reset %s: the backend failed", tok[1]);
		return 0;
	}
	if (!strcmp(tok[0], "save") && n == 2) {
		void *blob = NULL;
		size_t len = 0;
		if (vpci_emu_save(c->e, &blob, &len))
			return cerr(c, "save %s: out of memory", tok[1]);
		int rc = cli_write_output(tok[1], blob, len);
		free(blob);
		if (rc)
			return cerr(c, "save %s: cannot write", tok[1]);
		printf("save %s (%zu bytes)\n", tok[1], len);
		return 0;
	}
	if (!strcmp(tok[0], "load") && n == 2) {
		uint8_t *data = NULL;
		size_t len = 0;
		if (cli_read_file(tok[1], &data, &len))
			return cerr(c, "load %s: cannot read", tok[1]);
		vpci_diag *d = vpci_diag_new();
		printf("load %s\n", tok[1]);
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
	if (!strcmp(tok[0], "table") && (n == 4 || n == 5)) {
		if (num(tok[2], &a) || num(tok[3], &b) || (n == 5 && num(tok[4], &v)))
			return cerr(c, "table: expected 'table r|w OFF SIZE [VALUE]', got '%s'", tok[1]);
		if (!strcmp(tok[1], "r") && n == 4) {
			uint64_t val;
			if (vpci_emu_msix_table_read(c->e, false, (unsigned)a, (unsigned)b, &val))
				return cerr(c, "table r: no MSI-X, or bad offset/size '%s'", tok[2]);
			printf("table r 0x%llx %llu = 0x%0*llx\n", (unsigned long long)a, (unsigned long long)b,
			       (int)b * 2, (unsigned long long)val);
			return 0;
		}
		if (!strcmp(tok[1], "w") && n == 5) {
			printf("table w 0x%llx %llu 0x%llx\n", (unsigned long long)a, (unsigned long long)b,
			       (unsigned long long)v);
			fflush(stdout);
			if (vpci_emu_msix_table_write(c->e, (unsigned)a, (unsigned)b, v))
				return cerr(c, "table w: no MSI-X, or bad offset/size '%s'", tok[2]);
			return 0;
		}
		return cerr(c, "table: expected 'r' or 'w', got '%s'", tok[1]);
	}
	if (!strcmp(tok[0], "pba") && n == 3) {
		uint64_t val;
		if (num(tok[1], &a) || num(tok[2], &b) ||
		    vpci_emu_msix_table_read(c->e, true, (unsigned)a, (unsigned)b, &val))
			return cerr(c, "pba: no MSI-X, or bad offset/size '%s'", tok[1]);
		printf("pba 0x%llx %llu = 0x%0*llx\n", (unsigned long long)a, (unsigned long long)b, (int)b * 2,
		       (unsigned long long)val);
		return 0;
	}
	if (!strcmp(tok[0], "pending") && n == 3) {
		if (num(tok[1], &a) || num(tok[2], &b) || b > 1 ||
		    vpci_emu_msix_set_pending(c->e, (unsigned)a, b != 0))
			return cerr(c, "pending: no MSI-X, or bad vector '%s'", tok[1]);
		printf("pending %llu %llu\n", (unsigned long long)a, (unsigned long long)b);
		return 0;
	}
	if (!strcmp(tok[0], "probe") && n == 1)
		return probe(c);
	if (!strcmp(tok[0], "!")) {
		/* a shell command, e.g. to look at the real device in sysfs */
		char cmd[1024] = "";
		const char *rest = strchr(raw_line, '!') + 1;
		snprintf(cmd, sizeof(cmd), "%s", rest);
		fflush(stdout);
		if (system(cmd) != 0)
			return cerr(c, "! %s: the command failed", cmd);
		return 0;
	}
	return cerr(c, "unknown or malformed command '%s'", tok[0]);
}

static int make_backend(const char *spec, const char *root, vpci_func *f, struct vpci_backend *be,
			int *have)
{
	vpci_diag *d = vpci_diag_new();
	int rc = 0;

	*have = 0;
	if (!spec || !strcmp(spec, "snapshot")) {
		vpci_diag_free(d);
		return 0;
	}
	if (!strncmp(spec, "sysfs:", 6)) {
		rc = vpci_backend_sysfs(root, spec + 6, be, d);
	} else if (!strncmp(spec, "vfio:", 5)) {
		char group[256];
		const char *comma = strchr(spec + 5, ',');
		if (!comma || (size_t)(comma - spec - 5) >= sizeof(group)) {
			vpci_diag_free(d);
			return cli_usage("emulate", "--backend vfio:/dev/vfio/GROUP,BDF");
		}
		snprintf(group, sizeof(group), "%.*s", (int)(comma - spec - 5), spec + 5);
		rc = vpci_backend_vfio(group, comma + 1, be, d);
	} else {
		vpci_diag_free(d);
		return cli_usage("emulate", "unknown backend '%s' (snapshot, sysfs:BDF, vfio:GROUP,BDF)", spec);
	}
	(void)f;
	cli_print_diags(d);
	vpci_diag_free(d);
	if (rc == VPCI_EINVAL)
		return cli_usage("emulate", "malformed device address in '%s'", spec);
	if (rc)
		return rc == VPCI_EIO ? EX_NOINPUT_ : cli_exit_code(rc);
	*have = 1;
	return 0;
}

int cmd_emulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "backend", required_argument, NULL, 'b' },
		{ "script", required_argument, NULL, 's' },
		{ "probe", no_argument, NULL, 'p' },
		{ "sysfs-root", required_argument, NULL, 'R' },
		{ "passthrough", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = NULL, *script = NULL, *root = NULL;
	int c, do_probe = 0, passthrough = 0, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return 0;
		case 'b': backend = optarg; break;
		case 's': script = optarg; break;
		case 'p': do_probe = 1; break;
		case 'R': root = optarg; break;
		case 'T': passthrough = 1; break;
		default: return cli_usage("emulate", "invalid option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("emulate", "expected exactly one instance FILE");
	if (script && do_probe)
		return cli_usage("emulate", "give --script or --probe, not both");

	vpci_func *f = NULL;
	rc = cli_load(argv[optind], &f);
	if (rc)
		return rc;
	if (passthrough) {
		unsigned sz = vpci_func_config_size(f);
		static const uint8_t zero[VPCI_CFG_SIZE];
		for (int p = 0; p < VPCI_PL_COUNT; p++)
			vpci_func_set_plane(f, (enum vpci_plane)p, 0, sz, zero);
		vpci_func_set_plane(f, VPCI_PL_RW, 0, sz, NULL);
		vpci_func_set_plane(f, VPCI_PL_DEVICE, 0, sz, NULL);
	}
	struct vpci_backend be;
	int have_be = 0;
	rc = make_backend(backend, root, f, &be, &have_be);
	if (rc) {
		vpci_func_free(f);
		return rc;
	}
	struct vpci_emu_ops ops = { on_event };
	vpci_emu *e = NULL;
	vpci_diag *d = vpci_diag_new();
	int st = vpci_emu_new(f, have_be ? &be : NULL, &ops, NULL, &e, d);
	cli_print_diags(d);
	vpci_diag_free(d);
	vpci_func_free(f);
	if (st)
		return cli_exit_code(st);

	struct console con = { e, script ? script : "<stdin>", 0, 0 };
	if (do_probe) {
		con.file = "probe";
		probe(&con);
	} else {
		FILE *fp = script ? fopen(script, "r") : stdin;
		char line[1024];
		if (!fp) {
			fprintf(stderr, "%s: error: cannot open: %s\n", script, strerror(errno));
			vpci_emu_free(e);
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
	vpci_emu_free(e);
	return con.errors ? EX_DATAERR_ : 0;
}
