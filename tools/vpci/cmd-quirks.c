/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-quirks.c - vpci quirks list|show ID: the quirk database
 */
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_QUIRK_DIR, O_JSON };

static const struct cli_opt opts[] = {
	[O_QUIRK_DIR] = { "quirk-dir", 0, "DIR", "also load the *.yaml quirk files of DIR", NULL, NULL, NULL },
	[O_JSON] = { "json", 'j', NULL, "JSON: an array of entries (list) or one entry (show)", NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_verb verbs[] = {
	{ "list", "", 0, 0, "one line per entry: id, what it matches, its file" },
	{ "show", "ID", 1, 1, "one entry: why it exists, what it matches and does" },
	{ NULL, NULL, 0, 0, NULL },
};

/* Where to read an entry's file: a built-in entry ("quirks/NAME.yaml")
 * names its copy under the data directory when that is installed. */
static const char *quirk_file(const struct vpci_quirk_info *q, char *buf, size_t size)
{
	const char *p = strncmp(q->file, "quirks/", 7) ? NULL : cli_data_path(q->file, buf, size);

	return p ? p : q->file;
}

static void json_quirk(const struct vpci_quirk_info *q, const char *file)
{
	static const char *const keys[] = { "id", "file", "policy", "match", "actions", "why" };
	const char *vals[] = { q->id, file, q->policy, q->match, q->actions, q->why };

	printf("{");
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		printf("%s\"%s\": ", k ? ", " : "", keys[k]);
		json_str(stdout, vals[k]);
		if (k == 1)
			printf(", \"line\": %u", q->line);
	}
	printf("}");
}

/* Print the entries of @db: all (@id NULL) or the one named @id. */
static int print_quirks(const vpci_quirkdb *db, const char *id, int json)
{
	struct vpci_quirk_info q;
	char buf[4096];
	int found = 0;

	if (json && !id)
		printf("[");
	for (size_t i = 0; i < vpci_quirkdb_count(db); i++) {
		vpci_quirkdb_get(db, i, &q);
		if (id && strcmp(q.id, id))
			continue;
		const char *file = quirk_file(&q, buf, sizeof(buf));
		if (json) {
			printf(id ? "" : found ? ",\n  " : "\n  ");
			json_quirk(&q, file);
		} else if (!id) {
			printf("%-32s %-24s %s\n", q.id, q.match, file);
		} else {
			printf("id:      %s\nfile:    %s:%u\npolicy:  %s\nmatch:   %s\nactions: %s\nwhy:     %s\n", q.id,
			       file, q.line, q.policy, q.match, q.actions, q.why);
		}
		found++;
	}
	if (json)
		printf(id ? (found ? "\n" : "") : found ? "\n]\n" : "]\n");
	return found;
}

static void no_such_quirk(const vpci_quirkdb *db, const char *id)
{
	size_t n = vpci_quirkdb_count(db);
	const char *ids[256];
	struct vpci_quirk_info q;

	for (size_t i = 0; i < n && i < 256; i++) {
		vpci_quirkdb_get(db, i, &q);
		ids[i] = q.id;
	}
	const char *s = cli_suggest(id, ids, n < 256 ? n : 256);
	fprintf(stderr, "vpci quirks: no quirk '%s'%s%s%s (vpci quirks list)\n", id, s ? "; did you mean '" : "",
		s ? s : "", s ? "'?" : "");
}

static int run(struct cli_args *a)
{
	const char *id = a->npos ? a->pos[0] : NULL;
	vpci_diag *d = vpci_diag_new();
	vpci_quirkdb *db = NULL;
	int rc = d ? vpci_quirkdb_load(cli_get(a, O_QUIRK_DIR, NULL), &db, d) : VPCI_ENOMEM;

	cli_print_diags(d);
	vpci_diag_free(d);
	if (rc)
		return cli_exit_code(rc);
	int found = print_quirks(db, id, cli_has(a, O_JSON));
	if (id && !found)
		no_such_quirk(db, id);
	vpci_quirkdb_free(db);
	return id && !found ? EX_DATAERR_ : 0;
}

const struct cli_cmd cli_cmd_quirks = {
	.name = "quirks",
	.summary = "list or show the quirk database",
	.synopsis = "[--quirk-dir DIR] [--json] list\n[--quirk-dir DIR] [--json] show ID",
	.description = "The quirk database: device-specific knowledge derive applies, built into\n"
		       "libvpci, plus the *.yaml files of DIR.  Built-in entries name their file\n"
		       "under the data directory when it is installed.\n",
	.opts = opts,
	.verbs = verbs,
	.exit_status = "0 success, 64 usage error, 65 malformed quirk file or no such ID,\n"
		       "66 DIR unreadable.",
	.run = run,
};
