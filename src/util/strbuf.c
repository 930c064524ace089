/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * strbuf.c - growable strings for the writers and renderers
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

void sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

static int sb_grow(struct strbuf *sb, size_t need)
{
	if (sb->failed)
		return -1;
	if (sb->len + need + 1 <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + need + 1)
		cap *= 2;
	char *s = realloc(sb->s, cap);
	if (!s) {
		sb->failed = 1;
		return -1;
	}
	sb->s = s;
	sb->cap = cap;
	return 0;
}

void sb_putn(struct strbuf *sb, const char *s, size_t n)
{
	if (sb_grow(sb, n))
		return;
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_putn(sb, &c, 1);
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_putn(sb, small, (size_t)n);
		return;
	}
	if (sb_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *sb_finish(struct strbuf *sb, size_t *len)
{
	if (sb->failed) {
		sb_free(sb);
		return NULL;
	}
	if (!sb->s && sb_grow(sb, 0))
		return NULL;
	if (len)
		*len = sb->len;
	char *s = sb->s;
	sb->s = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb_init(sb);
}

int xgrow(void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
	void *old, *np;

	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : first;
	if (nc <= n || nc > SIZE_MAX / size)
		return -1;
	memcpy(&old, arr, sizeof(old)); /* the caller's T *, whatever T is */
	np = realloc(old, nc * size);
	if (!np)
		return -1;
	memcpy(arr, &np, sizeof(np));
	*cap = nc;
	return 0;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void sb_json_str(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	sb_putc(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': sb_puts(sb, "\\\""); break;
		case '\\': sb_puts(sb, "\\\\"); break;
		case '\n': sb_puts(sb, "\\n"); break;
		case '\r': sb_puts(sb, "\\r"); break;
		case '\t': sb_puts(sb, "\\t"); break;
		case '\b': sb_puts(sb, "\\b"); break;
		case '\f': sb_puts(sb, "\\f"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf], 0 };
				sb_puts(sb, u);
			} else {
				sb_putc(sb, (char)c);
			}
		}
	}
	sb_putc(sb, '"');
}
