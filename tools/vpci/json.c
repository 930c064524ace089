/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json.c - JSON output of the vpci tool: strings and diagnostics, shared
 * by every command's --json (shapes documented in vpci(1))
 */
#include <stdio.h>

#include "vpci-cli.h"

void json_str(FILE *fp, const char *s)
{
	if (!s) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static const char *const severity_names[] = { "note", "warning", "error" };

void json_diag(FILE *fp, const struct vpci_diag_entry *e)
{
	unsigned sev = (unsigned)e->severity < 3 ? (unsigned)e->severity : 2;

	fprintf(fp, "{\"severity\": \"%s\", \"file\": ", severity_names[sev]);
	json_str(fp, e->file);
	if (e->line)
		fprintf(fp, ", \"line\": %u", e->line);
	else
		fputs(", \"line\": null", fp);
	if (e->column)
		fprintf(fp, ", \"column\": %u", e->column);
	else
		fputs(", \"column\": null", fp);
	if (e->offset >= 0)
		fprintf(fp, ", \"offset\": %d", e->offset);
	else
		fputs(", \"offset\": null", fp);
	fputs(", \"field\": ", fp);
	json_str(fp, e->field);
	fputs(", \"message\": ", fp);
	json_str(fp, e->message);
	fputc('}', fp);
}

void json_diags(FILE *fp, const vpci_diag *d, enum vpci_severity min)
{
	size_t n = 0;

	fputc('[', fp);
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		if (e->severity < min)
			continue;
		fputs(n++ ? ", " : "", fp);
		json_diag(fp, e);
	}
	fputc(']', fp);
}
