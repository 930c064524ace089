/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * opt.c - the one option parser of the vpci tool, its help text and its
 * "did you mean" suggestions
 *
 * Every command describes its options, subcommands and operands in a
 * struct cli_cmd; this file parses a command line against it (GNU style:
 * --name VALUE, --name=VALUE, -x VALUE, -xVALUE, bundled flags -qn,
 * options before or after operands, "--" ends the options, "-" is an
 * operand) and prints the help from the same tables, so help and parsing
 * cannot disagree.  Long options must be written out: a prefix is not
 * accepted (it would change meaning when an option is added) but is
 * suggested.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci-cli.h"

/* --- suggestions ------------------------------------------------------- */

/* Optimal string alignment distance (Levenshtein plus transpositions),
 * capped at 9; words longer than 63 characters are never close. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[64][64];

	if (la > 63 || lb > 63)
		return 9;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb] > 9 ? 9 : d[la][lb];
}

const char *cli_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	/* a third of the word may be wrong, at least one character */
	unsigned limit = len < 3 ? 1 : (unsigned)(len + 2) / 3, best = limit + 1;
	const char *pick = NULL, *prefix = NULL;
	size_t nprefix = 0;

	if (!len)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned dist = edit_distance(word, cands[i]);
		if (dist < best) {
			best = dist;
			pick = cands[i];
		}
		if (len >= 2 && !strncmp(cands[i], word, len)) {
			prefix = cands[i];
			nprefix++;
		}
	}
	/* a unique prefix ("--form") names the option more surely than a
	 * distance does */
	return nprefix == 1 ? prefix : pick;
}

/* --- errors ------------------------------------------------------------ */

static void verror(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "vpci%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void try_line(const char *cmd)
{
	if (cmd && strcmp(cmd, "help"))
		fprintf(stderr, "Try 'vpci %s --help'.\n", cmd);
	else
		fprintf(stderr, "Try 'vpci %s'.\n", cmd ? "help" : "--help");
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(cmd, fmt, ap);
	va_end(ap);
	try_line(cmd);
	return EX_USAGE_;
}

struct parse {
	const struct cli_cmd *cmd;
	struct cli_args *a;
	int errors;
	int help;
};

static void perr(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(p->cmd->name, fmt, ap);
	va_end(ap);
	p->errors++;
}

/* "; did you mean 'X'?" for the closest of @cands, or "" */
static const char *hint(char *buf, size_t size, const char *pre, const char *word, const char *const *cands,
			size_t n)
{
	const char *s = cli_suggest(word, cands, n);

	if (!s)
		return "";
	snprintf(buf, size, "; did you mean '%s%s'?", pre, s);
	return buf;
}

/* --- parsing ----------------------------------------------------------- */

static size_t opt_count(const struct cli_cmd *c)
{
	size_t n = 0;

	/* a longer table is cut (and the cli tests see options missing) */
	while (c->opts && c->opts[n].name && n < CLI_MAX_OPTS)
		n++;
	return n;
}

/* Long names of the options, plus "help". */
static size_t long_names(const struct cli_cmd *c, const char **out)
{
	size_t n = opt_count(c);

	for (size_t i = 0; i < n; i++)
		out[i] = c->opts[i].name;
	out[n] = "help";
	return n + 1;
}

static int find_long(const struct cli_cmd *c, const char *name, size_t len)
{
	for (size_t i = 0; i < opt_count(c); i++)
		if (strlen(c->opts[i].name) == len && !strncmp(c->opts[i].name, name, len))
			return (int)i;
	return -1;
}

static int find_short(const struct cli_cmd *c, char ch)
{
	for (size_t i = 0; i < opt_count(c); i++)
		if (c->opts[i].short_name == ch)
			return (int)i;
	return -1;
}

static size_t list_len(const char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

/* "a, b or c" */
static void join_choices(char *buf, size_t size, const char *const *l, const char *last_sep)
{
	size_t n = list_len(l), used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : i + 1 == n ? last_sep : ", ",
					 l[i]);
}

/* Store option @i's value, checking its choices. */
static void set_value(struct parse *p, int i, const char *value)
{
	const struct cli_opt *o = &p->cmd->opts[i];
	size_t n = list_len(o->choices);
	char all[256], h[128];

	if (o->choices) {
		size_t k;
		for (k = 0; k < n && strcmp(o->choices[k], value); k++)
			;
		if (k == n) {
			join_choices(all, sizeof(all), o->choices, " or ");
			perr(p, "unknown value '%s' for '--%s' (%s)%s", value, o->name, all,
			     hint(h, sizeof(h), "", value, o->choices, n));
			return;
		}
	}
	p->a->val[i] = value;
	if (o->repeat) {
		if (p->a->nrep == CLI_MAX_REP)
			perr(p, "option '--%s' given too often (options given more than once: at most %d values)",
			     o->name, CLI_MAX_REP);
		else
			p->a->rep[p->a->nrep++] = (struct cli_rep){ i, value, p->a->npos };
	}
}

/* One "--name[=value]" word; returns how many following words it used. */
static int parse_long(struct parse *p, const char *word, const char *next)
{
	const char *name = word + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	int i = find_long(p->cmd, name, len);
	const char *names[CLI_MAX_OPTS + 1];
	char h[128], bare[128];

	if (len == 4 && !strncmp(name, "help", 4)) {
		if (eq)
			perr(p, "option '--help' takes no value");
		p->help = 1;
		return 0;
	}
	if (i < 0) {
		snprintf(bare, sizeof(bare), "%.*s", (int)len, name);
		perr(p, "unknown option '--%s'%s", bare,
		     hint(h, sizeof(h), "--", bare, names, long_names(p->cmd, names)));
		return 0;
	}
	const struct cli_opt *o = &p->cmd->opts[i];
	if (!o->arg) {
		if (eq)
			perr(p, "option '--%s' takes no value", o->name);
		else
			p->a->val[i] = "";
		return 0;
	}
	if (eq) {
		set_value(p, i, eq + 1);
		return 0;
	}
	if (!next) {
		perr(p, "option '--%s' needs a value (%s)", o->name, o->arg);
		return 0;
	}
	set_value(p, i, next);
	return 1;
}

/* One "-abc" word of short options; returns how many following words it
 * used. */
static int parse_short(struct parse *p, const char *word, const char *next)
{
	const char *names[CLI_MAX_OPTS + 1];

	for (const char *s = word + 1; *s; s++) {
		if (*s == 'h') {
			p->help = 1;
			continue;
		}
		int i = find_short(p->cmd, *s);
		if (i < 0) {
			/* "-json": a long option written with one dash */
			const char *sug = word[2] ? cli_suggest(word + 1, names, long_names(p->cmd, names)) : NULL;
			if (sug)
				perr(p, "unknown option '%s'; did you mean '--%s'?", word, sug);
			else if (!word[2])
				perr(p, "unknown option '%s'", word);
			else
				perr(p, "unknown option '-%c' in '%s'", *s, word);
			return 0;
		}
		const struct cli_opt *o = &p->cmd->opts[i];
		if (!o->arg) {
			p->a->val[i] = "";
			continue;
		}
		if (s[1]) {
			set_value(p, i, s + 1);
			return 0;
		}
		if (!next) {
			perr(p, "option '-%c' needs a value (%s)", *s, o->arg);
			return 0;
		}
		set_value(p, i, next);
		return 1;
	}
	return 0;
}

static bool word_in(const char *list, const char *w)
{
	size_t len = strlen(w);

	for (const char *s = list; s && *s;) {
		size_t l = strcspn(s, " ");
		if (l == len && !strncmp(s, w, len))
			return true;
		s += l;
		s += strspn(s, " ");
	}
	return false;
}

static void check_verb(struct parse *p)
{
	const struct cli_cmd *c = p->cmd;
	struct cli_args *a = p->a;
	const char *names[33];
	size_t n = 0;
	char all[256], h[128];

	while (c->verbs[n].name && n < 32) {
		names[n] = c->verbs[n].name;
		n++;
	}
	names[n] = NULL;
	join_choices(all, sizeof(all), names, " or ");
	if (!a->npos) {
		perr(p, "expected a subcommand: %s", all);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a->pos[0], names[i]))
			a->verb = &c->verbs[i];
	if (!a->verb) {
		perr(p, "unknown subcommand '%s'%s", a->pos[0], hint(h, sizeof(h), "", a->pos[0], names, n));
		return;
	}
	a->pos++;
	a->npos--;
	const struct cli_verb *v = a->verb;
	if (a->npos < v->min)
		perr(p, "'%s' needs %s", v->name, v->args);
	else if (a->npos > v->max)
		perr(p, "unexpected argument '%s' after '%s%s%s'", a->pos[v->max], v->name, *v->args ? " " : "",
		     v->args);
	for (size_t i = 0; i < opt_count(c); i++) {
		const char *vl = c->opts[i].verbs;
		if (!a->val[i] || !vl || word_in(vl, v->name))
			continue;
		char with[128];
		size_t w = 0;
		for (const char *s = vl; *s && w + 8 < sizeof(with); s++)
			w += (size_t)(*s == ' ' ? snprintf(with + w, sizeof(with) - w, "' or '") :
				      snprintf(with + w, sizeof(with) - w, "%c", *s));
		perr(p, "option '--%s' goes with '%s', not '%s'", c->opts[i].name, with, v->name);
	}
}

static void check_operands(struct parse *p)
{
	const struct cli_cmd *c = p->cmd;
	struct cli_args *a = p->a;

	if (a->npos < c->min_args) {
		perr(p, "missing %s", c->args_name);
		return;
	}
	if (c->max_args >= 0 && a->npos > c->max_args)
		perr(p, "unexpected argument '%s'", a->pos[c->max_args]);
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *a)
{
	struct parse p = { cmd, a, 0, 0 };
	int end = 0;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	/* operands are collected in place: argv is rearranged, options first */
	a->pos = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->pos)
		return EX_SOFTWARE_;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (end || w[0] != '-' || !w[1])
			a->pos[a->npos++] = argv[i];
		else if (!strcmp(w, "--"))
			end = 1;
		else if (w[1] == '-')
			i += parse_long(&p, w, next);
		else
			i += parse_short(&p, w, next);
	}
	if (!p.errors && !p.help) {
		for (size_t i = 0; i < opt_count(cmd); i++) {
			const char *req = cmd->opts[i].requires;
			int r = req ? find_long(cmd, req, strlen(req)) : -1;
			if (a->val[i] && r >= 0 && !a->val[r])
				perr(&p, "option '--%s' goes with '--%s'", cmd->opts[i].name, req);
		}
		if (cmd->verbs)
			check_verb(&p);
		else
			check_operands(&p);
	}
	if (p.errors) {
		try_line(cmd->name);
		cli_args_free(a);
		return EX_USAGE_;
	}
	if (p.help) {
		cli_help(cmd, stdout);
		cli_args_free(a);
		return -1;
	}
	return 0;
}

void cli_args_free(struct cli_args *a)
{
	if (a->verb)
		a->pos--;
	free(a->pos);
	a->pos = NULL;
}

/* --- help -------------------------------------------------------------- */

/* Text with every '\n' followed by @indent spaces. */
static void put_indented(FILE *fp, const char *s, int indent)
{
	for (; *s; s++) {
		fputc(*s, fp);
		if (*s == '\n' && s[1])
			fprintf(fp, "%*s", indent, "");
	}
}

static void help_opt(FILE *fp, const struct cli_opt *o)
{
	char left[128], arg[128] = "";
	const int col = 28;

	if (o->choices) {
		size_t used = 0;
		for (size_t k = 0; o->choices[k] && used < sizeof(arg); k++)
			used += (size_t)snprintf(arg + used, sizeof(arg) - used, "%s%s", k ? "|" : " ", o->choices[k]);
	} else if (o->arg) {
		snprintf(arg, sizeof(arg), " %s", o->arg);
	}
	if (o->short_name)
		snprintf(left, sizeof(left), "  -%c, --%s%s", o->short_name, o->name, arg);
	else
		snprintf(left, sizeof(left), "      --%s%s", o->name, arg);
	if (strlen(left) + 1 >= (size_t)col)
		fprintf(fp, "%s\n%*s", left, col, "");
	else
		fprintf(fp, "%-*s", col, left);
	put_indented(fp, o->help, col);
	fputc('\n', fp);
}

void cli_help(const struct cli_cmd *c, FILE *fp)
{
	const char *s = c->synopsis;

	for (int first = 1; *s; first = 0) {
		size_t l = strcspn(s, "\n");
		fprintf(fp, "%s vpci %s %.*s\n", first ? "usage:" : "      ", c->name, (int)l, s);
		s += l + (s[l] == '\n');
	}
	fprintf(fp, "\n%s", c->description);
	if (c->verbs) {
		fprintf(fp, "\nSubcommands:\n");
		for (const struct cli_verb *v = c->verbs; v->name; v++) {
			char left[128];
			snprintf(left, sizeof(left), "  %s%s%s", v->name, *v->args ? " " : "", v->args);
			if (strlen(left) + 1 >= 28)
				fprintf(fp, "%s\n%28s", left, "");
			else
				fprintf(fp, "%-28s", left);
			put_indented(fp, v->help, 28);
			fputc('\n', fp);
		}
	}
	fprintf(fp, "\nOptions:\n");
	for (size_t i = 0; i < opt_count(c); i++)
		help_opt(fp, &c->opts[i]);
	help_opt(fp, &(const struct cli_opt){ "help", 'h', NULL, "print this help and exit", NULL, NULL, NULL });
	if (c->more_help)
		c->more_help(fp);
	fprintf(fp, "\nExit status: %s\n", c->exit_status ? c->exit_status :
		"0 success, 64 usage error, 65 invalid data, 66 input unreadable.");
	fprintf(fp, "The manual page vpci(1) describes every command.\n");
}
