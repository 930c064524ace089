/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * common.h - helpers shared by every part of libvpci (private)
 */
#ifndef VPCI_COMMON_H
#define VPCI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define VPCI_EXPORT __attribute__((visibility("default")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED __attribute__((unused))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Little-endian accessors on config bytes: never bitfields, never casts. */
static inline uint32_t le_get(const uint8_t *p, unsigned width)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < width && i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static inline uint64_t le_get64(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void le_put64(uint8_t *p, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width && i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t le16(const uint8_t *p) { return (uint16_t)le_get(p, 2); }
static inline uint32_t le32(const uint8_t *p) { return le_get(p, 4); }

static inline uint64_t width_mask(unsigned width)
{
	return width >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1;
}

static inline int is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

/* The value of a hexadecimal digit (0-9, a-f, A-F), or -1. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A growable string buffer; on allocation failure it records the error
 * and ignores later appends. */
struct strbuf {
	char *s;
	size_t len, cap;
	int failed;
};

void sb_init(struct strbuf *sb);
void sb_putc(struct strbuf *sb, char c);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putn(struct strbuf *sb, const char *s, size_t n);
void sb_printf(struct strbuf *sb, const char *fmt, ...) PRINTF(2, 3);
/* A JSON string (RFC 8259 §7): quoted, with escapes. */
void sb_json_str(struct strbuf *sb, const char *s);
/* Returns the string (caller frees) or NULL after a failure. */
char *sb_finish(struct strbuf *sb, size_t *len);
void sb_free(struct strbuf *sb);

char *xstrdup(const char *s);

/* Room for element @n of a growable array: *@arr holds *@cap elements of
 * @size bytes; when @n is past them the array doubles (first @first).
 * Returns 0, or -1 out of memory or of size_t (the array is unchanged). */
int xgrow(void *arr, size_t *cap, size_t n, size_t size, size_t first);

#endif /* VPCI_COMMON_H */
