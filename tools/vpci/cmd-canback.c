/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-canback.c - vpci can-back: can these functions back an instance?
 *
 *   vpci can-back INSTANCE BDF|FILE... [--dump FILE] [--bin FILE]
 *                 [--vfio GROUP --device BDF] [--json] [--map]
 *   vpci can-back INSTANCE --all [--sysfs-root DIR]
 *
 * Each source is bound to the instance (vpci_bind(), docs/binding.md);
 * every blocker of every source is listed.  Exit 0 iff every source can
 * back the instance (--all: iff at least one function of the host can).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpci-cli.h"

enum { O_DUMP, O_SLOT, O_BIN, O_VFIO, O_DEVICE, O_ALL, O_SYSFS_ROOT, O_MAP, O_JSON, O_QUIET, O_TYPES };

static const struct cli_opt opts[] = {
	[O_DUMP] = { "dump", 0, "FILE", "every function of an lspci dump", NULL, NULL, NULL },
	[O_SLOT] = { "slot", 0, "BDF", "only this function of the dump", NULL, NULL, "dump" },
	[O_BIN] = { "bin", 0, "FILE", "a binary config image", NULL, NULL, NULL },
	[O_VFIO] = { "vfio", 0, "GROUP", "a function opened through VFIO (/dev/vfio/N);\nneeds --device", NULL,
		     NULL, NULL },
	[O_DEVICE] = { "device", 0, "BDF", "the device of the VFIO group", NULL, NULL, "vfio" },
	[O_ALL] = { "all", 0, NULL, "check every function of this host; list those\nthat can back INSTANCE", NULL,
		    NULL, NULL },
	[O_SYSFS_ROOT] = { "sysfs-root", 0, "DIR", "read a captured sysfs tree instead of /sys", NULL, NULL, NULL },
	[O_MAP] = { "map", 0, NULL, "also print each relocation map (guest ->\nphysical)", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "one JSON object: the verdict and every binding", NULL, NULL, NULL },
	[O_QUIET] = { "quiet", 'q', NULL, "only the verdict lines", NULL, NULL, NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

struct cb {
	const vpci_func *inst;
	int json, map, quiet, all;
	size_t nsrc, nok;
	int worst;                /* an exit code for unreadable sources */
	const char *slot;         /* --slot for dumps */
	const char *root;
};

/* Bind one physical function and report it. */
static void check_one(struct cb *c, const vpci_func *phys, const char *label)
{
	vpci_binding *b = NULL;
	char *text = NULL;
	int rc = vpci_bind(c->inst, phys, &b, NULL);

	if (rc == VPCI_ENOMEM || !b) {
		fprintf(stderr, "vpci can-back: out of memory\n");
		c->worst = EX_SOFTWARE_;
		return;
	}
	int ok = vpci_binding_ok(b);
	c->nok += ok;
	if (c->json) {
		if (vpci_binding_format(b, VPCI_BINDING_JSON, &text, NULL) == 0) {
			printf("%s{\"source\": ", c->nsrc ? ", " : "");
			json_str(stdout, label);
			printf(", \"binding\": %.*s}", (int)strcspn(text, "\n"), text);
		}
	} else if (!c->all || ok) {
		size_t nb = 0;
		for (size_t i = 0; i < vpci_binding_reason_count(b); i++) {
			struct vpci_bind_reason r;
			vpci_binding_reason(b, i, &r);
			nb += r.blocker;
		}
		if (ok)
			printf("%s: can back %s\n", label, vpci_func_name(c->inst));
		else
			printf("%s: cannot back %s (%zu blocker%s)\n", label, vpci_func_name(c->inst), nb, nb == 1 ? "" : "s");
		if (c->map && vpci_binding_format(b, VPCI_BINDING_TEXT, &text, NULL) == 0)
			fputs(text, stdout);
		else if (!c->quiet)
			for (size_t i = 0; i < vpci_binding_reason_count(b); i++) {
				struct vpci_bind_reason r;
				vpci_binding_reason(b, i, &r);
				if (r.file[0] && r.line)
					printf("  %s:%u:%u: ", r.file, r.line, r.column ? r.column : 1);
				else
					printf("  %s%s", r.file, r.file[0] ? ": " : "");
				printf("%s: %s\n", r.blocker ? "error" : "warning", r.message);
			}
	}
	c->nsrc++;
	free(text);
	vpci_binding_free(b);
}

static void print_diags_quiet(const vpci_diag *d, int errors_only)
{
	char buf[1024];

	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		if (errors_only && e->severity != VPCI_SEV_ERROR)
			continue;
		vpci_diag_format(e, buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
}

/* Every function of a derive source (or the one at c->slot / @want). */
static int check_source(struct cb *c, enum vpci_source_kind kind, const char *spec, const char *device,
			const char *want)
{
	vpci_diag *d = vpci_diag_new();
	vpci_source *src = NULL;
	int rc;

	if (!d)
		return EX_SOFTWARE_;
	rc = vpci_source_open(kind, spec, &src, d);
	if (!rc && device && vpci_source_set_param(src, "vfio.device", device))
		rc = VPCI_EINVAL;
	if (rc) {
		print_diags_quiet(d, 0);
		vpci_diag_free(d);
		vpci_source_free(src);
		return rc == VPCI_EINVAL ? EX_USAGE_ : EX_NOINPUT_;
	}
	size_t n = vpci_source_count(src), from = 0, to = n;
	if (want) {
		int i = vpci_source_find(src, want);
		if (i < 0) {
			fprintf(stderr, "vpci can-back: no function %s in %s\n", want, spec ? spec : "/sys");
			vpci_diag_free(d);
			vpci_source_free(src);
			return i == VPCI_EINVAL ? EX_USAGE_ : EX_NOINPUT_;
		}
		from = (size_t)i;
		to = from + 1;
	}
	int worst = 0;
	for (size_t i = from; i < to; i++) {
		vpci_func *phys = NULL;
		char label[4200];
		vpci_diag_clear(d);
		rc = vpci_derive_physical(src, i, &phys, d);
		if (kind == VPCI_SRC_SYSFS)
			snprintf(label, sizeof(label), "%s", vpci_source_slot(src, i));
		else if (kind == VPCI_SRC_VFIO)
			snprintf(label, sizeof(label), "%s %s", spec, device);
		else if (n > 1)
			snprintf(label, sizeof(label), "%s %s", spec, vpci_source_slot(src, i));
		else
			snprintf(label, sizeof(label), "%s", spec);
		if (rc) {
			/* --all skips functions that back nothing (gone, unreadable) */
			if (!c->all) {
				print_diags_quiet(d, 0);
				worst = worst ? worst : cli_exit_code(rc) == EX_DATAERR_ ? EX_DATAERR_ : EX_NOINPUT_;
			}
			continue;
		}
		if (!c->json && !c->quiet && !c->all)
			print_diags_quiet(d, 1);
		check_one(c, phys, label);
		vpci_func_free(phys);
	}
	vpci_diag_free(d);
	vpci_source_free(src);
	return worst;
}

static int check_file(struct cb *c, const char *path)
{
	vpci_diag *d = vpci_diag_new();
	vpci_func *phys = NULL;

	if (!d)
		return EX_SOFTWARE_;
	/* a raw description of a real device may break PCI rules: read it
	 * without validation, as `vpci render --no-check` does */
	int rc = vpci_parse_file_flags(path, VPCI_PARSE_NO_VALIDATE, &phys, d);
	if (rc) {
		print_diags_quiet(d, 0);
		vpci_diag_free(d);
		return rc == VPCI_EIO ? EX_NOINPUT_ : cli_exit_code(rc);
	}
	vpci_diag_free(d);
	check_one(c, phys, path);
	vpci_func_free(phys);
	return 0;
}

/* A SOURCE operand: an existing file, else a host function's address. */
static int is_bdf(const char *s)
{
	unsigned a, b, e, f;
	char tail;

	if (!access(s, F_OK))
		return 0;
	return sscanf(s, "%x:%x.%x%c", &a, &b, &e, &tail) == 3 || sscanf(s, "%x:%x:%x.%x%c", &a, &b, &e, &f, &tail) == 4;
}

static int run(struct cli_args *a)
{
	struct cb c;
	int worst = 0;

	memset(&c, 0, sizeof(c));
	c.json = cli_has(a, O_JSON);
	c.map = cli_has(a, O_MAP);
	c.quiet = cli_has(a, O_QUIET);
	c.all = cli_has(a, O_ALL);
	c.slot = cli_get(a, O_SLOT, NULL);
	c.root = cli_get(a, O_SYSFS_ROOT, NULL);
	int given = cli_has(a, O_DUMP) + cli_has(a, O_BIN) + cli_has(a, O_VFIO) + (a->npos - 1);
	if (!given && !c.all)
		return cli_usage("can-back", "no SOURCE: give a BDF, a FILE, --dump, --bin, --vfio or --all");
	if (given && c.all)
		return cli_usage("can-back", "--all checks the host's functions: give no other SOURCE");
	if (cli_has(a, O_VFIO) && !cli_has(a, O_DEVICE))
		return cli_usage("can-back", "--vfio needs --device BDF");
	vpci_func *inst = NULL;
	int rc = cli_load(a->pos[0], &inst);
	if (rc)
		return rc;
	c.inst = inst;
	if (c.json) {
		printf("{\"instance\": ");
		json_str(stdout, cli_input_name(a->pos[0]));
		printf(", \"sources\": [");
	}
	if (c.all)
		worst = check_source(&c, VPCI_SRC_SYSFS, c.root, NULL, NULL);
	if (cli_has(a, O_DUMP))
		worst = check_source(&c, VPCI_SRC_DUMP, cli_get(a, O_DUMP, NULL), NULL, c.slot);
	if (cli_has(a, O_BIN)) {
		int r = check_source(&c, VPCI_SRC_BIN, cli_get(a, O_BIN, NULL), NULL, NULL);
		worst = worst ? worst : r;
	}
	if (cli_has(a, O_VFIO)) {
		int r = check_source(&c, VPCI_SRC_VFIO, cli_get(a, O_VFIO, NULL), cli_get(a, O_DEVICE, NULL), NULL);
		worst = worst ? worst : r;
	}
	for (int i = 1; i < a->npos; i++) {
		int r = is_bdf(a->pos[i]) ? check_source(&c, VPCI_SRC_SYSFS, c.root, NULL, a->pos[i])
					  : check_file(&c, a->pos[i]);
		worst = worst ? worst : r;
	}
	int ok = c.all ? c.nok > 0 : c.nok == c.nsrc && !worst;
	if (c.json)
		printf("], \"checked\": %zu, \"can_back\": %zu, \"ok\": %s}\n", c.nsrc, c.nok, ok ? "true" : "false");
	else if (c.all)
		printf("%zu of %zu functions can back %s\n", c.nok, c.nsrc, vpci_func_name(inst));
	vpci_func_free(inst);
	if (worst && !c.all)
		return worst;
	return ok ? EX_OK_ : EX_DATAERR_;
}

const struct cli_cmd cli_cmd_canback = {
	.name = "can-back",
	.summary = "check that functions can back an instance",
	.synopsis = "[--map] [--json] [-q] INSTANCE SOURCE...\n"
		    "[--map] [--json] [-q] INSTANCE --all [--sysfs-root DIR]",
	.description = "Bind INSTANCE to each SOURCE (docs/binding.md): every device-backed register\n"
		       "needs its physical register (a capability may sit elsewhere on the\n"
		       "function), and every can-back rule must hold: config size, capability\n"
		       "presence, BAR kinds and sizes, the ROM, vector counts, capability bits,\n"
		       "PASID, interrupt pin, VF or PF.  Every blocker of every source is listed at\n"
		       "its line of INSTANCE, with the guest and physical offsets.\n\n"
		       "SOURCE is a function of this host ([DDDD:]BB:DD.F, read through sysfs), an\n"
		       "instance FILE describing the function (raw or derived), or --dump, --bin,\n"
		       "--vfio with --device.\n",
	.opts = opts,
	.min_args = 1,
	.max_args = -1,
	.args_name = "INSTANCE",
	.exit_status = "0 every source can back INSTANCE (--all: at least one function\n"
		       "can), 64 usage error, 65 a source cannot back it (or INSTANCE is\n"
		       "invalid), 66 a source or INSTANCE cannot be read.",
	.run = run,
};
