/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-compat.c - vpci compat [--json] [--ignore LIST] SRC DST: may a running
 * guest migrate from SRC to DST?  The decision of vpci_emu_load().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

enum { O_JSON, O_IGNORE, O_TYPES };

static const struct cli_opt opts[] = {
	[O_JSON] = { "json", 'j', NULL, "one JSON object on standard output (shape in\nvpci(1))", NULL, NULL, NULL },
	[O_IGNORE] = { "ignore", 'i', "LIST", "waive content differences of these registers\n"
		       "and regions: comma-separated REGION, REGION.FIELD,\n"
		       "REGION@OFFSET[.FIELD] (REGION: header, raw or a\n"
		       "capability type)", NULL, NULL, NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

/* Split "a,b,c" into a NULL-terminated list (pointers into @buf). */
static const char **split_list(char *buf)
{
	size_t n = 2;

	for (const char *p = buf; *p; p++)
		n += *p == ',';
	const char **v = calloc(n, sizeof(*v));
	if (!v)
		return NULL;
	n = 0;
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
		v[n++] = tok;
	return v;
}

static int run(struct cli_args *a)
{
	vpci_func *fs = NULL, *fd = NULL;
	vpci_diff *l = NULL;
	vpci_diag *d = vpci_diag_new();
	const char *ns = cli_input_name(a->pos[0]), *nd = cli_input_name(a->pos[1]);
	char *buf = cli_has(a, O_IGNORE) ? strdup(a->val[O_IGNORE]) : NULL;
	const char **ign = buf ? split_list(buf) : NULL;
	int rc;

	if (!d || (cli_has(a, O_IGNORE) && !ign)) {
		rc = EX_SOFTWARE_;
		goto out;
	}
	if ((rc = cli_load_pair(a, &fs, &fd)))
		goto out;
	struct vpci_compat_opts o = { ign };
	int st = vpci_compat(fs, fd, &o, &l, d);
	if (st == VPCI_EINVAL) {
		for (size_t i = 0; i < vpci_diag_count(d); i++)
			fprintf(stderr, "vpci compat: --ignore: %s\n", vpci_diag_get(d, i)->message);
		fprintf(stderr, "Try 'vpci compat --help'.\n");
		rc = EX_USAGE_;
		goto out;
	}
	if (st && st != VPCI_EDATA) {
		fprintf(stderr, "vpci compat: %s\n", vpci_strerror(st));
		rc = cli_exit_code(st);
		goto out;
	}
	size_t nb = vpci_diff_blockers(l);
	if (cli_has(a, O_JSON)) {
		printf("{\n");
		cli_diff_json_file(stdout, "src", ns, fs);
		cli_diff_json_file(stdout, "dst", nd, fd);
		printf("  \"compatible\": %s,\n  \"blockers\": %zu,\n  \"differences\": ", nb ? "false" : "true", nb);
		cli_diff_json(stdout, l, ns, nd);
		printf("\n}\n");
	} else {
		cli_diff_text(stdout, l, ns, nd, true);
		if (nb)
			printf("%s -> %s: not compatible: %zu blocker%s\n", ns, nd, nb, nb == 1 ? "" : "s");
		else
			printf("%s -> %s: compatible: a running guest may migrate\n", ns, nd);
	}
	rc = nb ? 1 : 0;
out:
	vpci_diff_free(l);
	vpci_diag_free(d);
	vpci_func_free(fs);
	vpci_func_free(fd);
	free(ign);
	free(buf);
	return rc;
}

const struct cli_cmd cli_cmd_compat = {
	.name = "compat",
	.summary = "may a running guest migrate from one instance to another?",
	.synopsis = "[--json] [--ignore LIST] SRC DST",
	.description = "Decide whether a guest running on instance SRC may migrate to instance DST:\n"
		       "it may exactly when their guest ABIs (docs/abi.md) are equal, apart from\n"
		       "the content differences --ignore waives.  This is the decision\n"
		       "vpci_emu_load() makes with the ABI a saved state carries.  Each blocker is\n"
		       "printed as 'SRC:LINE:COL: DST:LINE:COL: error: MESSAGE', each waived\n"
		       "difference as '... note: waived: MESSAGE', then one verdict line.\n"
		       "Structure (capabilities added, removed or moved, BARs, config size) is\n"
		       "never waived.\n",
	.opts = opts,
	.min_args = 2,
	.max_args = 2,
	.args_name = "FILE",
	.exit_status = "0 compatible, 1 not compatible, 64 usage error (a bad --ignore),\n"
		       "65 invalid file, 66 unreadable file.",
	.run = run,
};
