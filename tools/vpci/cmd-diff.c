/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-diff.c - vpci diff [--json] [--abi] A B: every difference between two
 * instances, structure first; and the printing `vpci compat` shares
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_JSON, O_ABI, O_TYPES };

static const struct cli_opt opts[] = {
	[O_JSON] = { "json", 'j', NULL, "one JSON object on standard output (shape in\nvpci(1))", NULL, NULL, NULL },
	[O_ABI] = { "abi", 'a', NULL, "only differences of the guest ABI", NULL, NULL, NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

/* "FILE:LINE:COL", "FILE:LINE" or "FILE" */
static void side_text(FILE *fp, const char *name, const struct vpci_diff_side *s)
{
	fputs(name, fp);
	if (s->line)
		fprintf(fp, ":%u", s->line);
	if (s->line && s->column)
		fprintf(fp, ":%u", s->column);
	fputc(':', fp);
}

static void side_json(FILE *fp, const char *name, const struct vpci_diff_side *s)
{
	fputs("{\"file\": ", fp);
	json_str(fp, name);
	if (s->line)
		fprintf(fp, ", \"line\": %u", s->line);
	else
		fputs(", \"line\": null", fp);
	if (s->column)
		fprintf(fp, ", \"column\": %u", s->column);
	else
		fputs(", \"column\": null", fp);
	if (s->offset >= 0)
		fprintf(fp, ", \"offset\": %d}", s->offset);
	else
		fputs(", \"offset\": null}", fp);
}

void cli_diff_text(FILE *fp, const vpci_diff *l, const char *na, const char *nb, bool compat)
{
	for (size_t i = 0; i < vpci_diff_count(l); i++) {
		const struct vpci_diff_entry *e = vpci_diff_get(l, i);
		side_text(fp, na, &e->pa);
		fputc(' ', fp);
		side_text(fp, nb, &e->pb);
		if (compat)
			fprintf(fp, " %s: %s%s\n", e->waived ? "note" : "error", e->waived ? "waived: " : "", e->message);
		else
			fprintf(fp, " %s: %s\n", e->abi ? "abi" : "note", e->message);
	}
}

void cli_diff_json(FILE *fp, const vpci_diff *l, const char *na, const char *nb)
{
	fputc('[', fp);
	for (size_t i = 0; i < vpci_diff_count(l); i++) {
		const struct vpci_diff_entry *e = vpci_diff_get(l, i);
		fprintf(fp, "%s\n    {\"kind\": \"%s\", \"abi\": %s, \"waived\": %s, \"region\": ", i ? "," : "",
			vpci_diff_kind_name(e->kind), e->abi ? "true" : "false", e->waived ? "true" : "false");
		json_str(fp, e->region);
		fputs(", \"field\": ", fp);
		json_str(fp, e->field);
		fputs(", \"what\": ", fp);
		json_str(fp, e->what);
		fprintf(fp, ", \"width\": %u, \"a\": %" PRIu64 ", \"b\": %" PRIu64 ", \"bits\": %" PRIu64 ", \"a_at\": ",
			e->width, e->a, e->b, e->bits);
		side_json(fp, na, &e->pa);
		fputs(", \"b_at\": ", fp);
		side_json(fp, nb, &e->pb);
		fputs(", \"message\": ", fp);
		json_str(fp, e->message);
		fputc('}', fp);
	}
	fputs(vpci_diff_count(l) ? "\n  ]" : "]", fp);
}

void cli_diff_json_file(FILE *fp, const char *key, const char *name, const vpci_func *f)
{
	fprintf(fp, "  \"%s\": {\"file\": ", key);
	json_str(fp, name);
	fputs(", \"name\": ", fp);
	json_str(fp, vpci_func_name(f));
	fprintf(fp, ", \"abi_hash\": \"0x%016" PRIx64 "\"},\n", vpci_func_abi_hash(f));
}

int cli_load_pair(struct cli_args *a, vpci_func **fa, vpci_func **fb)
{
	int ra = cli_load(a->pos[0], fa);
	int rb = cli_load(a->pos[1], fb);

	if (ra == EX_NOINPUT_ || rb == EX_NOINPUT_)
		return EX_NOINPUT_;
	return ra ? ra : rb;
}

static int run(struct cli_args *a)
{
	vpci_func *fa = NULL, *fb = NULL;
	vpci_diff *l = NULL;
	const char *na = cli_input_name(a->pos[0]), *nb = cli_input_name(a->pos[1]);
	int rc = cli_load_pair(a, &fa, &fb);

	if (rc)
		goto out;
	int st = vpci_diff_new(fa, fb, cli_has(a, O_ABI) ? VPCI_DIFF_ABI_ONLY : 0, NULL, &l, NULL);
	if (st) {
		fprintf(stderr, "vpci diff: %s\n", vpci_strerror(st));
		rc = cli_exit_code(st);
		goto out;
	}
	size_t nabi = 0;
	for (size_t i = 0; i < vpci_diff_count(l); i++)
		nabi += vpci_diff_get(l, i)->abi;
	if (cli_has(a, O_JSON)) {
		printf("{\n");
		cli_diff_json_file(stdout, "a", na, fa);
		cli_diff_json_file(stdout, "b", nb, fb);
		printf("  \"same\": %s,\n  \"same_abi\": %s,\n  \"differences\": ", vpci_diff_count(l) ? "false" : "true",
		       nabi ? "false" : "true");
		cli_diff_json(stdout, l, na, nb);
		printf("\n}\n");
	} else {
		cli_diff_text(stdout, l, na, nb, false);
	}
	rc = vpci_diff_count(l) ? 1 : 0;
out:
	vpci_diff_free(l);
	vpci_func_free(fa);
	vpci_func_free(fb);
	return rc;
}

const struct cli_cmd cli_cmd_diff = {
	.name = "diff",
	.summary = "list the differences between two instances",
	.synopsis = "[--json] [--abi] A B",
	.description = "List every difference between instance files A and B by named register,\n"
		       "bit and access plane: structure first (config size, header kind,\n"
		       "capabilities added, removed, moved, of another version or chain order,\n"
		       "BAR kinds and sizes), then registers region by region, then names and\n"
		       "metadata.  Capabilities are paired by identity, so a moved capability's\n"
		       "registers are compared with each other.  Each line is\n"
		       "'A:LINE:COL: B:LINE:COL: abi: MESSAGE' for a difference of the guest ABI\n"
		       "(docs/abi.md) and '... note: MESSAGE' for one a guest cannot see.\n",
	.opts = opts,
	.min_args = 2,
	.max_args = 2,
	.args_name = "FILE",
	.exit_status = "0 no difference, 1 differences, 64 usage error, 65 invalid file,\n"
		       "66 unreadable file (like diff(1): above 1 is trouble).",
	.run = run,
};
