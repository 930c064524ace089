/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-serve.c - vpci serve: serve instances to QEMU's multi-process PCI
 * proxy (x-pci-proxy-dev) until every peer has closed, logging what the
 * engine reports.  BAR space outside the MSI-X table and PBA is a small
 * register file (or zeros), enough for a guest driver to probe.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

#define REGFILE_MAX (64u << 10) /* bytes of register file per BAR */

enum { O_FD, O_SOCKET, O_BARS, O_DUMP_DIR, O_TRACE, O_CHECK, O_TYPES };

static const char *const bar_modes[] = { "ram", "zero", NULL };

static const struct cli_opt opts[] = {
	[O_FD] = { "fd", 0, "N", "serve the next FILE over socket N, inherited\n"
		   "connected (QEMU has the other end); repeatable", NULL, NULL, NULL, true },
	[O_SOCKET] = { "socket", 0, "PATH", "serve the next FILE to the first peer that\n"
		       "connects to PATH; repeatable", NULL, NULL, NULL, true },
	[O_BARS] = { "bars", 0, "MODE", "BAR space outside the MSI-X table and PBA: ram, a\n"
		     "register file reading back what was written\n"
		     "(first 64 KiB of each BAR; default), or zero", bar_modes, NULL, NULL, false },
	[O_DUMP_DIR] = { "dump-dir", 0, "DIR", "keep DIR/NAME.bin equal to the engine's config\n"
			 "space after every write and reset", NULL, NULL, NULL, false },
	[O_TRACE] = { "trace", 0, NULL, "print every access ('NAME: r OFF SIZE = VALUE',\n"
		      "'NAME: w OFF SIZE VALUE', 'NAME: barI r OFF SIZE\n"
		      "= VALUE', ...) and every reset", NULL, NULL, NULL, false },
	[O_CHECK] = { "check", 0, NULL, "only check that each FILE can be served", NULL, NULL, NULL, false },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL, false },
};

struct served {
	char name[128];
	const char *file;
	int fd;               /* --fd, or -1 */
	const char *path;     /* --socket, or NULL */
	vpci_serve_fn *fn;
	uint8_t *regs[6];
	uint32_t regs_len[6];
	uint8_t state[VPCI_CFG_SIZE];
	unsigned cfg_size;
	bool state_valid;
};

struct serve_opts {
	bool ram, trace;
	const char *dump_dir;
};

static struct serve_opts sopts;
static vpci_serve *active;

static void on_signal(int sig)
{
	(void)sig;
	if (active)
		vpci_serve_stop(active);
}

static int bar_read(void *opaque, unsigned bar, uint64_t off, unsigned size, uint64_t *val)
{
	struct served *sv = opaque;
	uint64_t v = 0;

	if (sv->regs[bar] && off < sv->regs_len[bar])
		for (unsigned i = 0; i < size && off + i < sv->regs_len[bar]; i++)
			v |= (uint64_t)sv->regs[bar][off + i] << (8 * i);
	*val = v;
	return 0;
}

static int bar_write(void *opaque, unsigned bar, uint64_t off, unsigned size, uint64_t val)
{
	struct served *sv = opaque;

	if (!sopts.ram || off >= sv->regs_len[bar])
		return 0;
	if (!sv->regs[bar] && !(sv->regs[bar] = calloc(1, sv->regs_len[bar])))
		return VPCI_ENOMEM;
	for (unsigned i = 0; i < size && off + i < sv->regs_len[bar]; i++)
		sv->regs[bar][off + i] = (uint8_t)(val >> (8 * i));
	return 0;
}

static void on_event(void *opaque, const struct vpci_event *ev)
{
	struct served *sv = opaque;

	printf("%s: ", sv->name);
	cli_put_event(0, ev);
	fflush(stdout);
}

static void on_log(void *opaque, const char *msg)
{
	struct served *sv = opaque;

	printf("%s: %s\n", sv->name, msg);
	fflush(stdout);
}

/* the engine's config space into DIR/NAME.bin when it changed */
static void save_state(struct served *sv)
{
	uint8_t now[VPCI_CFG_SIZE];
	vpci_emu *e = vpci_serve_emu(sv->fn);

	for (unsigned off = 0; off < sv->cfg_size; off += 4) {
		uint32_t v = 0;
		vpci_emu_read(e, off, 4, &v);
		for (unsigned i = 0; i < 4; i++)
			now[off + i] = (uint8_t)(v >> (8 * i));
	}
	if (sv->state_valid && !memcmp(now, sv->state, sv->cfg_size))
		return;
	/* temp file and rename, so a reader sees the old or the new state;
	 * no fsync: this runs on every config write QEMU waits for */
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s/%s.bin", sopts.dump_dir, sv->name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *fp = fopen(tmp, "wb");
	bool done = fp && fwrite(now, 1, sv->cfg_size, fp) == sv->cfg_size;
	if (fp && fclose(fp))
		done = false;
	if (done && rename(tmp, path) == 0) {
		memcpy(sv->state, now, sv->cfg_size);
		sv->state_valid = true;
	} else {
		fprintf(stderr, "vpci serve: cannot write %s: %s\n", path, strerror(errno));
		remove(tmp);
	}
}

static void on_access(void *opaque, const struct vpci_serve_access *a)
{
	struct served *sv = opaque;

	if (sopts.trace) {
		bool bar = a->kind == VPCI_SERVE_BAR_READ || a->kind == VPCI_SERVE_BAR_WRITE;
		bool rd = a->kind == VPCI_SERVE_CFG_READ || a->kind == VPCI_SERVE_BAR_READ;
		char where[16] = "";
		if (bar && a->bar >= 0)
			snprintf(where, sizeof(where), "bar%d ", a->bar);
		else if (bar)
			snprintf(where, sizeof(where), "bar? ");
		if (a->kind == VPCI_SERVE_RESET)
			printf("%s: reset\n", sv->name);
		else
			printf("%s: %s%c 0x%llx %u %s0x%0*llx%s\n", sv->name, where, rd ? 'r' : 'w',
			       (unsigned long long)a->addr, a->size, rd ? "= " : "", (int)a->size * 2,
			       (unsigned long long)a->val, a->status ? " (failed)" : "");
		fflush(stdout);
	}
	if (sopts.dump_dir && (a->kind == VPCI_SERVE_CFG_WRITE || a->kind == VPCI_SERVE_RESET))
		save_state(sv);
}

/* NAME: the file's base name without its extension, made unique */
static void name_of(struct served *all, size_t n, struct served *sv)
{
	const char *b = strrchr(sv->file, '/') ? strrchr(sv->file, '/') + 1 : sv->file;
	const char *dot = strrchr(b, '.');
	int len = dot && dot != b ? (int)(dot - b) : (int)strlen(b);
	char base[100];

	snprintf(base, sizeof(base), "%.*s", len, b);
	snprintf(sv->name, sizeof(sv->name), "%s", base);
	for (unsigned k = 2;; k++) {
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= &all[i] != sv && !strcmp(all[i].name, sv->name);
		if (!dup)
			return;
		snprintf(sv->name, sizeof(sv->name), "%s-%u", base, k);
	}
}

static int parse_fd(const char *s, int *fd)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > INT_MAX)
		return -1;
	*fd = (int)v;
	return 0;
}

/* Load FILE and add it to @s; prints diagnostics; exit code. */
static int add_one(vpci_serve *s, struct served *sv, const struct vpci_serve_ops *ops)
{
	vpci_func *f = NULL;
	int rc = cli_load_emulation(sv->file, &f);

	if (rc)
		return rc;
	vpci_diag *d = vpci_diag_new();
	int st = vpci_serve_add(s, f, NULL, ops, sv, &sv->fn, d);
	char msg[1024];
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		vpci_diag_format(vpci_diag_get(d, i), msg, sizeof(msg));
		fprintf(stderr, "%s: %s\n", cli_input_name(sv->file), msg);
	}
	vpci_diag_free(d);
	if (!st) {
		sv->cfg_size = vpci_func_config_size(f);
		for (unsigned i = 0; i < 6; i++) {
			struct vpci_bar_info b;
			if (vpci_func_bar(f, i, &b) == 0 && b.type != VPCI_BAR_NONE && b.type != VPCI_BAR_MEM64_HI)
				sv->regs_len[i] = (uint32_t)(b.size < REGFILE_MAX ? b.size : REGFILE_MAX);
		}
	}
	vpci_func_free(f);
	return cli_exit_code(st);
}

static int check_files(struct cli_args *a)
{
	int worst = 0;

	if (a->nrep)
		return cli_usage("serve", "--check takes FILEs only, not --fd or --socket");
	for (int i = 0; i < a->npos; i++) {
		vpci_serve *s = NULL;
		struct served sv = { .file = a->pos[i], .fd = -1 };
		if (vpci_serve_new(&s))
			return EX_SOFTWARE_;
		name_of(&sv, 1, &sv);
		int rc = add_one(s, &sv, NULL);
		if (!rc)
			printf("%s: can be served\n", cli_input_name(sv.file));
		vpci_serve_free(s);
		if (rc > worst)
			worst = rc;
	}
	return worst;
}

/* Each FILE with the one --fd or --socket written just before it. */
static int pair_endpoints(struct cli_args *a, struct served *sv)
{
	if (a->nrep != a->npos)
		return cli_usage("serve", "give one --fd N or --socket PATH before each FILE (FILEs: %d, --fd and --socket: %d)",
				 a->npos, a->nrep);
	for (int i = 0; i < a->nrep; i++) {
		const struct cli_rep *r = &a->rep[i];
		if (r->before != i)
			return cli_usage("serve", "'--%s %s' must come just before its FILE", opts[r->opt].name, r->val);
		sv[i] = (struct served){ .file = a->pos[i], .fd = -1 };
		if (r->opt == O_SOCKET)
			sv[i].path = r->val;
		else if (parse_fd(r->val, &sv[i].fd))
			return cli_usage("serve", "--fd: '%s' is not a file descriptor number", r->val);
	}
	return 0;
}

/* Serve every FILE until all peers closed; an exit code. */
static int serve_all(vpci_serve *s, struct served *sv, int n)
{
	struct vpci_serve_ops ops = { bar_read, bar_write, on_event, NULL, on_log };
	int rc = 0;

	if (sopts.trace || sopts.dump_dir)
		ops.access = on_access;
	for (int i = 0; i < n; i++)
		name_of(sv, (size_t)n, &sv[i]);
	for (int i = 0; i < n && !rc; i++) {
		rc = add_one(s, &sv[i], &ops);
		if (rc)
			break;
		vpci_diag *d = vpci_diag_new();
		int st = sv[i].path ? vpci_serve_listen(sv[i].fn, sv[i].path, d) : vpci_serve_attach(sv[i].fn, sv[i].fd);
		cli_print_diags(d);
		vpci_diag_free(d);
		if (st == VPCI_EINVAL && !sv[i].path) {
			fprintf(stderr, "vpci serve: --fd %d: not a connected stream socket\n", sv[i].fd);
			rc = EX_USAGE_;
		} else if (st) {
			fprintf(stderr, "vpci serve: %s: cannot serve: %s\n", cli_input_name(sv[i].file), vpci_strerror(st));
			rc = EX_IOERR_;
		} else if (sv[i].path) {
			printf("%s: serving %s on %s\n", sv[i].name, sv[i].file, sv[i].path);
		} else {
			printf("%s: serving %s on fd %d\n", sv[i].name, sv[i].file, sv[i].fd);
		}
		if (!st && sopts.dump_dir)
			save_state(&sv[i]);
	}
	fflush(stdout);
	if (rc)
		return rc;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	active = s;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (vpci_serve_run(s)) {
		fprintf(stderr, "vpci serve: waiting for the peers failed: %s\n", strerror(errno));
		rc = EX_IOERR_;
	}
	active = NULL;
	return rc;
}

static int run(struct cli_args *a)
{
	sopts = (struct serve_opts){ .ram = strcmp(cli_get(a, O_BARS, "ram"), "zero") != 0,
				     .trace = cli_has(a, O_TRACE), .dump_dir = a->val[O_DUMP_DIR] };
	if (cli_has(a, O_CHECK))
		return check_files(a);
	struct served *sv = calloc((size_t)a->npos, sizeof(*sv));
	vpci_serve *s = NULL;
	if (!sv || vpci_serve_new(&s)) {
		free(sv);
		return EX_SOFTWARE_;
	}
	int rc = pair_endpoints(a, sv);
	if (!rc)
		rc = serve_all(s, sv, a->npos);
	vpci_serve_free(s);
	for (int i = 0; i < a->npos; i++)
		for (unsigned b = 0; b < 6; b++)
			free(sv[i].regs[b]);
	free(sv);
	return rc;
}

const struct cli_cmd cli_cmd_serve = {
	.name = "serve",
	.summary = "serve instances to QEMU's multi-process PCI proxy (x-pci-proxy-dev)",
	.synopsis = "[OPTIONS] --fd N FILE [--fd M FILE2 ...]\n"
		    "[OPTIONS] --socket PATH FILE [--socket PATH2 FILE2 ...]\n"
		    "--check FILE...",
	.description = "Serve each instance FILE to QEMU 7.2's multi-process PCI proxy, the device\n"
		       "'-device x-pci-proxy-dev,fd=K', over a connected UNIX stream socket: --fd N\n"
		       "is one this process inherited (QEMU has the other end as K), --socket PATH\n"
		       "listens on PATH for one connection.  Runs until every peer has closed.\n"
		       "Events print as 'NAME: event KIND key=value ...' (vpci emulate's format),\n"
		       "NAME being FILE's base name without its extension.\n\n"
		       "The proxy is a conventional PCI device: the guest sees the first 256 bytes\n"
		       "of config space.  Bridges cannot be served (QEMU would abort sizing their\n"
		       "registers as BARs).\n",
	.opts = opts,
	.min_args = 1,
	.max_args = -1,
	.args_name = "FILE",
	.exit_status = "0 every peer closed (or every FILE can be served), 64 usage error\n"
		       "(also an fd that is not a connected stream socket), 65 invalid or\n"
		       "unservable instance, 66 input unreadable, 74 cannot listen or wait.",
	.run = run,
};
