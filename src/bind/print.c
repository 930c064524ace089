/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * print.c - a binding for people (text) and for scripts (JSON; the keys
 * are listed in docs/binding.md)
 */
#include <stdlib.h>
#include <string.h>

#include "bind_priv.h"

static void print_json(const struct vpci_binding *b, struct strbuf *sb)
{
	sb_puts(sb, "{\"instance\": ");
	sb_json_str(sb, b->gname);
	sb_puts(sb, ", \"file\": ");
	sb_json_str(sb, b->gfile);
	sb_puts(sb, ", \"physical\": ");
	sb_json_str(sb, b->pname);
	sb_printf(sb, ", \"can_back\": %s, \"config_size\": {\"instance\": %u, \"physical\": %u}",
		  b->ok ? "true" : "false", b->gsize, b->psize);
	sb_puts(sb, ", \"relocations\": [");
	for (size_t i = 0; i < b->nranges; i++) {
		const struct bind_range *r = &b->ranges[i];
		sb_printf(sb, "%s{\"guest\": %u, \"physical\": %u, \"length\": %u, \"what\": ", i ? ", " : "", r->g,
			  r->p, r->len);
		sb_json_str(sb, r->what);
		sb_putc(sb, '}');
	}
	sb_puts(sb, "], \"reasons\": [");
	for (size_t i = 0; i < b->nreasons; i++) {
		struct vpci_bind_reason r;
		vpci_binding_reason(b, i, &r);
		sb_printf(sb, "%s{\"rule\": \"%s\", \"severity\": \"%s\", \"file\": ", i ? ", " : "", r.rule,
			  r.blocker ? "error" : "warning");
		sb_json_str(sb, r.file);
		sb_printf(sb, ", \"line\": %u, \"column\": %u, \"guest\": %d, \"physical\": %d, \"message\": ", r.line,
			  r.column, r.guest, r.physical);
		sb_json_str(sb, r.message);
		sb_putc(sb, '}');
	}
	sb_puts(sb, "]}\n");
}

static void print_text(const struct vpci_binding *b, struct strbuf *sb)
{
	size_t blockers = 0;

	for (size_t i = 0; i < b->nreasons; i++)
		blockers += b->reasons[i].blocker;
	sb_printf(sb, "instance %s%s%s%s on %s: %s", b->gname, b->gfile[0] ? " (" : "", b->gfile,
		  b->gfile[0] ? ")" : "", b->pname, b->ok ? "can back" : "cannot back");
	if (blockers)
		sb_printf(sb, " (%zu blocker%s)", blockers, blockers == 1 ? "" : "s");
	sb_putc(sb, '\n');
	if (b->nranges) {
		sb_puts(sb, "relocation map (guest -> physical):\n");
		for (size_t i = 0; i < b->nranges; i++) {
			const struct bind_range *r = &b->ranges[i];
			sb_printf(sb, "  %#05x..%#05x -> %#05x..%#05x  %s%s\n", r->g, r->g + r->len - 1, r->p,
				  r->p + r->len - 1, r->what, r->g != r->p ? "  (moved)" : "");
		}
	}
	for (size_t i = 0; i < b->nreasons; i++) {
		struct vpci_bind_reason r;
		vpci_binding_reason(b, i, &r);
		if (r.file[0] && r.line)
			sb_printf(sb, "%s:%u:%u: ", r.file, r.line, r.column ? r.column : 1);
		else if (r.file[0])
			sb_printf(sb, "%s: ", r.file);
		sb_printf(sb, "%s: %s\n", r.blocker ? "error" : "warning", r.message);
	}
}

VPCI_EXPORT int vpci_binding_format(const vpci_binding *b, enum vpci_binding_format fmt, char **out,
				    size_t *len)
{
	struct strbuf sb;

	*out = NULL;
	if (fmt != VPCI_BINDING_TEXT && fmt != VPCI_BINDING_JSON)
		return VPCI_EINVAL;
	sb_init(&sb);
	if (fmt == VPCI_BINDING_JSON)
		print_json(b, &sb);
	else
		print_text(b, &sb);
	*out = sb_finish(&sb, len);
	return *out ? 0 : VPCI_ENOMEM;
}
