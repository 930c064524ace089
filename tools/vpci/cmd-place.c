/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-place.c - vpci place FILE [--add TYPE[:PARAM[=VALUE],...]]...:
 * add virtual capabilities, place them by the placement rule (or at a
 * pinned offset), say where each went and why, rewrite the file
 * canonically.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_ADD, O_OUT, O_HOST, O_SYSFS_ROOT, O_KEEP_AUTO, O_DRY_RUN, O_JSON, O_NO_NAMES };

static const struct cli_opt opts[] = {
	[O_ADD] = { "add", 'a', "SPEC", "add a virtual capability (may be given more than\n"
		    "once): TYPE[:PARAM[=VALUE],...], TYPE a capability\n"
		    "type or nvidia-gpudirect-clique or\n"
		    "intel-vmd-membar-shadow; PARAM offset=N (pinned),\n"
		    "gaps, name=NAME, version=N, a register, a bit name\n"
		    "or a parameter (pasid:width=20,exec,priv)", NULL, NULL, NULL, true },
	[O_OUT] = { "output", 'o', "OUT", "write the result to OUT ('-': standard output)\n"
		    "instead of rewriting FILE", NULL, NULL, NULL },
	[O_HOST] = { "host", 0, "BDF", "a PASID takes its width, execute and privileged\n"
		     "support from this host function unless given", NULL, NULL, NULL },
	[O_SYSFS_ROOT] = { "sysfs-root", 0, "DIR", "with --host: read DIR instead of /sys", NULL, NULL, "host" },
	[O_KEEP_AUTO] = { "keep-auto", 0, NULL, "write automatically placed capabilities as\n"
			  "'placement: auto' instead of pinning their offsets", NULL, NULL, NULL },
	[O_DRY_RUN] = { "dry-run", 'n', NULL, "say where each goes, write nothing", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "the placements as a JSON array on standard output", NULL, NULL, NULL },
	[O_NO_NAMES] = { "no-names", 0, NULL, "no vendor/device names in comments", NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

#define MAX_PARAMS 16

/* One --add, parsed in place. */
struct spec {
	char *buf;
	struct vpci_vcap vc;
	struct vpci_vcap_param p[MAX_PARAMS];
	int have_width, have_exec, have_priv;
};

static int parse_num(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int parse_spec(const char *text, struct spec *sp)
{
	char *save = NULL, *colon;

	memset(sp, 0, sizeof(*sp));
	sp->buf = strdup(text);
	if (!sp->buf)
		return EX_SOFTWARE_;
	sp->vc.type = sp->buf;
	sp->vc.flags = VPCI_VCAP_AUTO;
	sp->vc.params = sp->p;
	colon = strchr(sp->buf, ':');
	if (!colon)
		return 0;
	*colon = '\0';
	for (char *t = strtok_r(colon + 1, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		uint64_t v = 1;
		if (eq)
			*eq++ = '\0';
		if (!strcmp(t, "name")) {
			if (!eq)
				return cli_usage("place", "'%s': name needs a value (name=NAME)", text);
			sp->vc.name = eq;
			continue;
		}
		if (!strcmp(t, "gaps") && !eq) {
			sp->vc.flags |= VPCI_VCAP_GAPS;
			continue;
		}
		if (eq && parse_num(eq, &v))
			return cli_usage("place", "'%s': '%s' is not a number for %s", text, eq, t);
		if (!strcmp(t, "offset") || !strcmp(t, "version")) {
			if (!eq || v > 0xfff)
				return cli_usage("place", "'%s': %s needs a value up to 0xfff", text, t);
			if (t[0] == 'o') {
				sp->vc.flags &= ~(unsigned)VPCI_VCAP_AUTO;
				sp->vc.offset = (unsigned)v;
			} else {
				sp->vc.version = (unsigned)v;
			}
			continue;
		}
		if (sp->vc.nparams == MAX_PARAMS)
			return cli_usage("place", "'%s': more than %d parameters", text, MAX_PARAMS);
		sp->have_width |= !strcmp(t, "width");
		sp->have_exec |= !strcmp(t, "exec");
		sp->have_priv |= !strcmp(t, "priv");
		sp->p[sp->vc.nparams].name = t;
		sp->p[sp->vc.nparams].value = v;
		sp->vc.nparams++;
	}
	return 0;
}

/* A PASID promises what the host backs unless the spec says otherwise. */
static int host_params(struct spec *sp, const struct vpci_host_pasid *h)
{
	if (strcmp(sp->vc.type, "pasid") || !h || !h->known)
		return 0;
	const struct { int have; const char *name; uint64_t v; } from[] = {
		{ sp->have_width, "width", h->width },
		{ sp->have_exec, "exec", h->exec },
		{ sp->have_priv, "priv", h->priv },
	};
	for (size_t i = 0; i < 3; i++) {
		if (from[i].have)
			continue;
		if (sp->vc.nparams == MAX_PARAMS)
			return cli_usage("place", "too many parameters for pasid");
		sp->p[sp->vc.nparams].name = from[i].name;
		sp->p[sp->vc.nparams].value = from[i].v;
		sp->vc.nparams++;
	}
	return 0;
}

static const char *const where_names[] = { "pinned", "reserved", "free-range", "gap" };

static void report(struct cli_args *a, const vpci_func *f, unsigned idx, const char *what,
		   const struct vpci_placement *pl, int *first)
{
	struct vpci_cap_info ci;

	vpci_func_cap(f, idx, &ci);
	if (!cli_has(a, O_JSON)) {
		printf("%s%s%s: %s\n", ci.key, what ? " " : "", what ? what : "", pl->reason);
		return;
	}
	printf("%s\n  {\"type\": ", *first ? "" : ",");
	*first = 0;
	json_str(stdout, ci.key);
	printf(", \"name\": ");
	json_str(stdout, vpci_vcap_name(f, idx));
	printf(", \"added\": %s, \"offset\": %u, \"length\": %u, \"step\": \"%s\", \"region\": [%u, %u], "
	       "\"anchor\": %s, \"reason\": ", what ? "false" : "true", pl->offset, pl->length, where_names[pl->where],
	       pl->region_offset, pl->region_length, pl->anchor ? "true" : "false");
	json_str(stdout, pl->reason);
	printf("}");
}

/* The placement of a virtual capability the file already has. */
static void existing(const vpci_func *f, unsigned i, struct vpci_placement *pl)
{
	struct vpci_cap_info ci;

	vpci_func_cap(f, i, &ci);
	if (!vpci_vcap_explain(f, i, pl) && pl->offset == ci.offset)
		return;
	memset(pl, 0, sizeof(*pl));
	pl->offset = ci.offset;
	pl->length = (ci.length + 3u) & ~3u;
	pl->where = VPCI_PLACED_PINNED;
	pl->index = i;
	snprintf(pl->reason, sizeof(pl->reason), "at 0x%x", ci.offset);
}

static int run(struct cli_args *a)
{
	vpci_func *f = NULL;
	vpci_diag *d = vpci_diag_new();
	struct vpci_host_pasid host;
	int rc, first = 1, have_host = 0, json_open = 0;
	struct spec sp[CLI_MAX_REP];
	int nsp = 0;

	if (!d)
		return EX_SOFTWARE_;
	if (cli_has(a, O_JSON) && !cli_has(a, O_DRY_RUN) &&
	    !strcmp(cli_get(a, O_OUT, a->pos[0]), "-")) {
		vpci_diag_free(d);
		return cli_usage("place", "--json and the file both on standard output: give -o FILE or --dry-run");
	}
	rc = cli_load(a->pos[0], &f);
	if (rc)
		goto out;
	if (cli_has(a, O_HOST)) {
		int st = vpci_host_pasid(cli_get(a, O_SYSFS_ROOT, NULL), a->val[O_HOST], &host, d);
		cli_print_diags(d);
		vpci_diag_clear(d);
		if (st == VPCI_EINVAL) {
			rc = cli_usage("place", "malformed --host '%s' (expected [DDDD:]BB:DD.F)", a->val[O_HOST]);
			goto out;
		}
		if (st) {
			rc = cli_exit_code(st);
			goto out;
		}
		if (!host.known)
			fprintf(stderr, "vpci place: the PASID limits of %s are unknown (%s)\n", a->val[O_HOST], host.why);
		have_host = 1;
	}
	if (cli_has(a, O_JSON)) {
		printf("[");
		json_open = 1;
	}
	for (unsigned i = 0; i < vpci_func_cap_count(f); i++) {
		struct vpci_cap_info ci;
		struct vpci_placement pl;
		if (vpci_func_cap(f, i, &ci) || !ci.is_virtual)
			continue;
		existing(f, i, &pl);
		report(a, f, i, "(from the file)", &pl, &first);
	}
	for (int r = 0; r < a->nrep; r++) {
		struct vpci_placement pl;
		if (a->rep[r].opt != O_ADD)
			continue;
		struct spec *s = &sp[nsp++];
		rc = parse_spec(a->rep[r].val, s);
		if (!rc)
			rc = host_params(s, have_host ? &host : NULL);
		if (rc)
			goto out;
		int st = vpci_vcap_add(f, &s->vc, &pl, d);
		if (st) {
			cli_print_diags(d);
			rc = st == VPCI_EINVAL ? EX_USAGE_ : st == VPCI_ENOMEM ? EX_SOFTWARE_ : EX_DATAERR_;
			if (rc == EX_USAGE_)
				fprintf(stderr, "Try 'vpci place --help'.\n");
			goto out;
		}
		report(a, f, pl.index, NULL, &pl, &first);
	}
	if (!cli_has(a, O_KEEP_AUTO))
		for (unsigned i = 0; i < vpci_func_cap_count(f); i++)
			vpci_vcap_pin(f, i); /* refuses ordinary capabilities */
	rc = vpci_validate(f, d) ? EX_DATAERR_ : 0;
	cli_print_diags(d); /* the result's warnings too */
	if (rc)
		goto out;
	if (!cli_has(a, O_DRY_RUN)) {
		char *text = NULL;
		size_t len = 0;
		int st = vpci_write_names(f, cli_has(a, O_NO_NAMES) ? VPCI_WRITE_NO_NAMES : 0, &cli_names, &text, &len);
		const char *to = cli_get(a, O_OUT, a->pos[0]);
		if (st)
			rc = cli_exit_code(st);
		else if (!strcmp(a->pos[0], "-") && !cli_has(a, O_OUT))
			rc = cli_write_output(NULL, text, len);
		else
			rc = cli_write_output(to, text, len);
		free(text);
	}
out:
	if (json_open) /* the placements so far, also when one failed */
		printf(first ? "]\n" : "\n]\n");
	for (int i = 0; i < nsp; i++)
		free(sp[i].buf);
	vpci_func_free(f);
	vpci_diag_free(d);
	return rc;
}

const struct cli_cmd cli_cmd_place = {
	.name = "place",
	.summary = "add virtual capabilities (PASID, ATS, PRI, ...) and say where they go",
	.synopsis = "FILE [--add TYPE[:PARAM[=VALUE],...]]... [--host BDF]\n"
		    "FILE [--keep-auto] [-n] [--json] [--no-names] [-o OUT]",
	.description = "Add virtual capabilities to an instance: capabilities no device backs,\n"
		       "served by the engine alone.  Each goes to its pinned offset=, or by the\n"
		       "placement rule (vpci-instance(5), virtual capabilities): into the free\n"
		       "range kept for its name, else the lowest free range with room, else, with\n"
		       "'gaps', the lowest run of bytes the file proves free.  Prints where each\n"
		       "virtual capability is and why, then rewrites FILE canonically with every\n"
		       "offset pinned (or -o OUT; --keep-auto keeps 'placement: auto').\n"
		       "Examples:\n"
		       "  vpci place guest.yaml --add pasid:width=20,exec --add ats --add pri\n"
		       "  vpci place gpu.yaml --add nvidia-gpudirect-clique:clique=1\n",
	.opts = opts,
	.min_args = 1,
	.max_args = 1,
	.args_name = "FILE",
	.exit_status = "0 placed, 64 usage error (also an unknown type or parameter),\n"
		       "65 no room, a conflict or an invalid result, 66 input unreadable,\n"
		       "73/74 output not written.",
	.run = run,
};
