/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yaml/reader.h - the typed YAML reading layer of libvpci (private)
 *
 * Every YAML file libvpci reads (instance files, quirk files, and later
 * instance types, migration state and registries) goes through this
 * layer, so that they all accept the same text and report problems the
 * same way.  It owns:
 *
 *   - the text guard: a size limit, well-formed UTF-8, no NUL or other
 *     control character, only YAML 1.1/1.2 directives;
 *   - one YAML document per text: a second document, or anything after
 *     "...", is an error; so is a duplicate key;
 *   - positions: every diagnostic carries the 1-based line and column of
 *     the node it is about (libfyaml's collected syntax errors are 1-based
 *     already; its node marks are 0-based and are converted here, once);
 *   - typed scalars: strings (never with a NUL), identifiers, integers in
 *     the format's grammar, sizes with binary suffixes, booleans, enums;
 *   - key sets: unknown keys with a "did you mean" suggestion (edit
 *     distance), and keys reserved for a later version of a format;
 *   - an error limit, after which one "too many errors" line ends the
 *     report (a hostile file cannot make millions of diagnostics);
 *   - diagnostics sorted by position when the text is closed.
 *
 * Use:
 *
 *     struct yr r;
 *     if (yr_open(&r, text, len, &opts, d) == 0 && r.root) {
 *             struct fy_node *n = yr_get(&r, r.root, "version");
 *             uint64_t v;
 *             if (n && !yr_uint(&r, n, "version", 0xffff, &v)) ...
 *     }
 *     yr_close(&r);              // also when yr_open failed
 *
 * A reading function returns 0 when the value is good and -1 after it
 * reported why it is not; the caller then skips the value.  The number of
 * errors so far is r.errors.  Nothing here prints or exits.
 */
#ifndef VPCI_YAML_READER_H
#define VPCI_YAML_READER_H

#include <libfyaml.h>
#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

/** YR_MAX_BYTES - default size limit of a text (docs/format.md §2) */
#define YR_MAX_BYTES (1u << 20)
/** YR_MAX_ERRORS - default number of errors reported before stopping */
#define YR_MAX_ERRORS 100u

/**
 * struct yr_opts - how to read one text
 * @file: name used in diagnostics (NULL: none)
 * @what: what the text is, for messages ("an instance file")
 * @max_bytes: size limit; 0 means YR_MAX_BYTES
 * @max_errors: error limit; 0 means YR_MAX_ERRORS
 */
struct yr_opts {
	const char *file;
	const char *what;
	size_t max_bytes;
	unsigned max_errors;
};

/**
 * struct yr - one text being read
 * @root: the document's root node; NULL when the text is empty, holds
 *        only comments, or could not be read (then r.errors says so)
 * @errors: errors reported so far for this text
 * @opts: the options given to yr_open()
 * @d: the caller's diagnostics list (may be NULL)
 *
 * The other members are private to reader.c.
 */
struct yr {
	struct fy_node *root;
	unsigned errors;
	struct yr_opts opts;
	vpci_diag *d;
	/* private */
	struct fy_document *doc;
	struct fy_parser *parser;
	struct fy_diag *fdiag;
	struct fy_node *last_key;
	size_t diag_from;
	int stopped;
	char fymsg[160];       /* libfyaml's last uncollected error */
	const char *src;       /* the text given to yr_open() */
	size_t srclen;
	struct yr_slices *slices; /* the meta data of one-line plain scalars */
};

/**
 * yr_fold_single() - the value of a single-quoted scalar from its source
 * @s: the source between the quotes
 * @n: its length
 * @out: at least @n bytes
 *
 * '' is one quote; line breaks fold and lines are trimmed as YAML 1.2
 * sections 6.5 and 7.3.2 say.  The reader decodes single-quoted scalars
 * itself (libfyaml 0.7.12 leaks memory formatting some of them).
 *
 * Return: the length written to @out.
 */
size_t yr_fold_single(const char *s, size_t n, char *out);

/**
 * yr_flow_text() - a node as one line of YAML flow text, for display
 * @n: the node (NULL gives "{}")
 *
 * Plain scalars are written as they were, other scalars double-quoted
 * with escapes; mappings as {k: v, ...}, sequences as [a, ...].
 *
 * Return: a string the caller frees, NULL when out of memory.
 */
char *yr_flow_text(struct fy_node *n);

/**
 * yr_open() - check a text and build its YAML document
 * @r: the reader to set up
 * @text: the text (need not be NUL-terminated)
 * @len: its length in bytes
 * @opts: file name, description and limits
 * @d: diagnostics list (may be NULL)
 *
 * Refuses, with a positioned error, a text over the size limit, one that
 * is not UTF-8 or holds a NUL or control character (TAB, LF and CR
 * aside), a %YAML directive other than 1.1 or 1.2, YAML syntax errors
 * (libfyaml's, with its positions), a second document and duplicate keys
 * (checked here in O(n log n); libfyaml's own check is quadratic).  An empty
 * text, or one with only comments, is not an error here: r.root is NULL
 * and the caller says what was expected.
 *
 * Return: 0 (the document is in r.root), VPCI_EDATA after reporting the
 * problem, or VPCI_ENOMEM.  Call yr_close() in every case.
 */
int yr_open(struct yr *r, const char *text, size_t len, const struct yr_opts *opts, vpci_diag *d);

/**
 * yr_close() - free the document and sort this text's diagnostics
 * @r: the reader; a reader yr_open() failed on is allowed
 *
 * The diagnostics added since yr_open() are sorted by line and column
 * (stable; those without a line keep their order, after the others).
 * Nodes of the document are invalid afterwards.
 */
void yr_close(struct yr *r);

/**
 * yr_utf8_len() - length of the well-formed UTF-8 character at @s
 * @s: the bytes
 * @n: how many are left (at least 1)
 *
 * RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
 *
 * Return: 1..4, or 0 when the bytes at @s are not UTF-8.
 */
size_t yr_utf8_len(const char *s, size_t n);

/* --- positions and messages ---------------------------------------------- */

/**
 * yr_pos() - the diagnostic position of a node
 * @r: the reader
 * @n: the node; NULL (an empty value) means the key last looked up
 * @field: dotted field path for the diagnostic, or NULL
 *
 * A scalar's position is its first character (of a quoted scalar, the
 * first inside the quotes; of an alias, the first after the '*', as
 * libfyaml marks them); a collection's is that of
 * its first key or item, an empty one's that of its key (or of the
 * collection holding it).  An empty value ("key:") has no node: NULL
 * gets the position of the key last looked up (see yr_get()).
 */
struct diag_pos yr_pos(struct yr *r, struct fy_node *n, const char *field);

/**
 * yr_mark() - the 1-based line and column of a node itself
 * @n: the node
 * @line: its line
 * @col: its column
 *
 * Unlike yr_pos(), no fallback: an empty value or an empty flow
 * collection has no position.
 *
 * Return: 1 when the node has a position, 0 otherwise.
 */
int yr_mark(struct fy_node *n, unsigned *line, unsigned *col);

/**
 * yr_err() - report an error at a node
 * @r: the reader
 * @n: the node the error is about (NULL: the key last looked up)
 * @fmt: printf format of the message
 *
 * Counts the error.  Past the error limit nothing more is added, except
 * one "too many errors" line.
 */
void yr_err(struct yr *r, struct fy_node *n, const char *fmt, ...) PRINTF(3, 4);

/**
 * yr_err_field() - yr_err() with a dotted field path in the diagnostic
 * @r: the reader
 * @n: the node
 * @field: the field path (e.g. "capabilities[2]"), or NULL
 * @fmt: printf format of the message
 */
void yr_err_field(struct yr *r, struct fy_node *n, const char *field, const char *fmt, ...)
	PRINTF(4, 5);

/**
 * yr_err_at() - report an error at an explicit 1-based position
 * @r: the reader
 * @line: line (0: none)
 * @col: column (0: none)
 * @fmt: printf format of the message
 */
void yr_err_at(struct yr *r, unsigned line, unsigned col, const char *fmt, ...) PRINTF(4, 5);

/**
 * yr_stopped() - true once the error limit is reached
 * @r: the reader
 *
 * Loops over large collections may stop early; expensive messages (edit
 * distances) are not computed any more.
 */
int yr_stopped(const struct yr *r);

/* --- structure ------------------------------------------------------------- */

/**
 * yr_get() - the value of @key in mapping @map
 * @r: the reader
 * @map: a mapping node (anything else gives NULL)
 * @key: the key
 *
 * Return: the value node, or NULL when the key is absent.  An empty value
 * ("key:") is NULL or an empty plain scalar (yr_is_empty()); the typed
 * readers below report it as "has no value" at the key.  A key found
 * becomes the position of a later error about a NULL node.
 */
struct fy_node *yr_get(struct yr *r, struct fy_node *map, const char *key);

/**
 * yr_pair_value() - the value of a mapping pair met while iterating
 * @r: the reader
 * @p: the pair
 *
 * Like yr_get(): the pair's key becomes the position of a later error
 * about an empty value.
 *
 * Return: the value node, or NULL for an empty value.
 */
struct fy_node *yr_pair_value(struct yr *r, struct fy_node_pair *p);

/**
 * yr_is_empty() - true for an empty value ("key:" or "key: " with nothing)
 * @n: the value node (NULL counts as empty)
 *
 * A quoted "" is a value: the empty string.
 */
int yr_is_empty(struct fy_node *n);

/**
 * yr_has() - true when mapping @map has @key (even with an empty value)
 * @map: the mapping
 * @key: the key
 */
int yr_has(struct fy_node *map, const char *key);

/**
 * yr_want() - check the type of a node
 * @r: the reader
 * @n: the node (NULL: an empty value)
 * @type: FYNT_SCALAR, FYNT_SEQUENCE or FYNT_MAPPING
 * @what: the name of the value in the message ("capabilities")
 *
 * Aliases are refused for every type.
 *
 * Return: 0, or -1 after "WHAT must be a mapping" (or the alias error).
 */
int yr_want(struct yr *r, struct fy_node *n, enum fy_node_type type, const char *what);

/** typedef yr_item_fn - called by yr_each() for item @i; non-zero stops */
typedef int (*yr_item_fn)(void *ctx, struct fy_node *item, unsigned i);

/**
 * yr_each() - every item of a list, up to a limit
 * @r: the reader
 * @seq: the list (anything else is an error: "WHAT must be a sequence")
 * @what: the name of the list in messages ("raw")
 * @max: the most items the format allows
 * @items: the items in the limit's message ("raw regions")
 * @fn: called for each item, with its 0-based index
 * @ctx: passed to @fn
 *
 * Item @max + 1 is an error at its position ("more than 1024 raw
 * regions: the rest of the list is not read"); past the error limit the
 * walk stops too.
 *
 * Return: 0, or -1 when the list was not read to its end.
 */
int yr_each(struct yr *r, struct fy_node *seq, const char *what, unsigned max, const char *items,
	    yr_item_fn fn, void *ctx);

/**
 * struct yr_keys - the keys a mapping may have
 * @keys: the keys of the format, in the order of the documentation
 * @n: how many
 * @reserved: keys reserved for a later version of the format
 * @nreserved: how many
 */
struct yr_keys {
	const char *const *keys;
	unsigned n;
	const char *const *reserved;
	unsigned nreserved;
};

/** YR_KEYS - a struct yr_keys of an array of keys, none reserved */
#define YR_KEYS(a) ((struct yr_keys){ (a), sizeof(a) / sizeof((a)[0]), NULL, 0 })
/** YR_KEYS_RESERVED - a struct yr_keys of keys and reserved keys */
#define YR_KEYS_RESERVED(a, res) \
	((struct yr_keys){ (a), sizeof(a) / sizeof((a)[0]), (res), sizeof(res) / sizeof((res)[0]) })

/**
 * yr_check_keys() - report every key of @map that @keys does not allow
 * @r: the reader
 * @map: the mapping
 * @where: where the mapping is, for messages ("a BAR", "field 'command'")
 * @keys: the allowed and the reserved keys
 *
 * A key that is not a scalar, holds a NUL, is reserved ("'extends' in the
 * document is reserved for a later version of the format"), or is unknown
 * ("unknown key 'sise' in a BAR (did you mean 'size'?)") is an error at
 * the key.
 *
 * Return: the number of bad keys.
 */
unsigned yr_check_keys(struct yr *r, struct fy_node *map, const char *where, struct yr_keys keys);

/**
 * yr_key() - the text of a mapping key, for messages and matching
 * @r: the reader; NULL checks quietly (nothing is reported)
 * @k: the key node
 * @where: where the mapping is, for messages ("header fields")
 * @buf: output buffer
 * @size: its size
 *
 * A key too long for @buf is cut and ends in "...", so that it matches
 * no key of a format and is reported as unknown by the caller.
 *
 * Return: 0, or -1 (an error is reported) when the key is not a scalar
 * or holds a NUL.
 */
int yr_key(struct yr *r, struct fy_node *k, const char *where, char *buf, size_t size);

/* --- scalars ----------------------------------------------------------------- */

/**
 * yr_scalar() - the text of a scalar node
 * @r: the reader
 * @n: the node (NULL: an empty value)
 * @what: the name of the value in messages
 * @len: set to the length of the text
 *
 * Refuses (with an error) aliases, collections, empty values (a quoted
 * "" is the empty string, not an empty value) and text holding a NUL
 * character (a "\0" escape): no value of libvpci's formats
 * may contain one, and C strings would silently cut it.
 *
 * Return: the text (not NUL-terminated; valid until yr_close()), or NULL.
 */
const char *yr_scalar(struct yr *r, struct fy_node *n, const char *what, size_t *len);

/**
 * yr_str() - copy a scalar into a buffer
 * @r: the reader
 * @n: the node
 * @what: the name of the value in messages
 * @buf: output buffer
 * @size: its size; a longer text is an error, never cut
 *
 * Return: 0, or -1 after an error.
 */
int yr_str(struct yr *r, struct fy_node *n, const char *what, char *buf, size_t size);

/**
 * yr_strdup() - a scalar as an allocated string
 * @r: the reader
 * @n: the node
 * @what: the name of the value in messages
 * @out: set to the string (free() it) on success
 *
 * Return: 0, -1 after an error, or VPCI_ENOMEM (also counted as an error).
 */
int yr_strdup(struct yr *r, struct fy_node *n, const char *what, char **out);

/**
 * yr_ident() - an identifier: 1..@max characters of letters, digits, '.',
 * '_' and '-', starting with a letter or digit
 * @r: the reader
 * @n: the node
 * @what: the name of the value in messages ("name", "id")
 * @max: the longest allowed identifier
 * @buf: output buffer of at least @max + 1 bytes
 *
 * Identifiers end up in file names, origins and log lines: nothing in
 * them may change the structure of a file they are written to.
 *
 * Return: 0, or -1 after an error.
 */
int yr_ident(struct yr *r, struct fy_node *n, const char *what, size_t max, char *buf);

/**
 * yr_ident_ok() - the identifier rule of yr_ident() on a string
 * @s: the text
 * @len: its length
 * @max: the longest allowed identifier
 */
int yr_ident_ok(const char *s, size_t len, size_t max);

/** enum yr_num - result of the integer and size grammars */
enum yr_num {
	YR_NUM_OK = 0,
	YR_NUM_SYNTAX = -1,       /* not an integer of the grammar */
	YR_NUM_LEADING_ZERO = -2, /* decimal with a leading zero ("010") */
	YR_NUM_OVERFLOW = -3,     /* does not fit 64 bits */
};

/**
 * yr_parse_uint() - the integer grammar of libvpci's formats
 * @s: the text (not NUL-terminated)
 * @len: its length
 * @out: the value
 *
 * 0x/0X hex, 0o octal, 0b binary, or decimal without a leading zero; at
 * least one digit, no sign, no '_', no space, nothing after the digits.
 *
 * Return: YR_NUM_OK or the reason it is not an integer.
 */
enum yr_num yr_parse_uint(const char *s, size_t len, uint64_t *out);

/**
 * yr_parse_size() - a size: an integer, or one with a binary suffix
 * @s: the text
 * @len: its length
 * @out: the size in bytes
 *
 * Suffixes KiB/K, MiB/M, GiB/G, TiB/T (powers of 1024) and B; an integer
 * of the grammar is read first, so "0x1B" is 27.
 *
 * Return: YR_NUM_OK or the reason it is not a size.
 */
enum yr_num yr_parse_size(const char *s, size_t len, uint64_t *out);

/**
 * yr_format_size() - write a size the way yr_parse_size() reads it
 * @size: the size
 * @buf: output buffer
 * @n: its size
 *
 * The largest binary suffix that divides the size ("16KiB"), plain
 * bytes otherwise ("256").
 */
void yr_format_size(uint64_t size, char *buf, unsigned n);

/**
 * yr_uint() - an integer node up to @max
 * @r: the reader
 * @n: the node
 * @what: the name of the value in messages
 * @max: the largest allowed value
 * @out: the value
 *
 * Return: 0, or -1 after an error (syntax, leading zero, too large).
 */
int yr_uint(struct yr *r, struct fy_node *n, const char *what, uint64_t max, uint64_t *out);

/**
 * yr_size() - a size node (yr_parse_size())
 * @r: the reader
 * @n: the node
 * @what: the name of the value in messages
 * @out: the size in bytes
 *
 * Return: 0, or -1 after an error.
 */
int yr_size(struct yr *r, struct fy_node *n, const char *what, uint64_t *out);

/**
 * yr_bool() - exactly "true" or "false"
 * @r: the reader
 * @n: the node
 * @what: the name of the value in messages
 * @out: 1 or 0
 *
 * Return: 0, or -1 after an error.
 */
int yr_bool(struct yr *r, struct fy_node *n, const char *what, int *out);

/**
 * yr_enum() - one of a list of names
 * @r: the reader
 * @n: the node
 * @what: the name of the value in messages
 * @names: the names; NULL entries are skipped
 * @count: how many entries @names has
 * @out: the index of the name
 *
 * An unknown value is reported with the closest name, when one is close.
 *
 * Return: 0, or -1 after an error.
 */
int yr_enum(struct yr *r, struct fy_node *n, const char *what, const char *const *names,
	    unsigned count, unsigned *out);

/* --- suggestions ------------------------------------------------------------- */

/**
 * yr_closest() - the candidate closest to @word, when it is close
 * @word: what was written
 * @cands: the candidates (NULL entries are skipped)
 * @n: how many
 *
 * Case-insensitive edit distance; "close" is at most a third of the
 * word's length plus one.
 *
 * Return: the candidate, or NULL.
 */
const char *yr_closest(const char *word, const char *const *cands, unsigned n);

/**
 * yr_unknown() - report an unknown word, with a suggestion when one is close
 * @r: the reader
 * @n: the node holding the word
 * @field: dotted field path for the diagnostic, or NULL
 * @word: the word
 * @cands: the known words (NULL entries are skipped)
 * @ncands: how many
 * @fmt: printf format of the message ("unknown key '%s' in a BAR", word)
 *
 * Appends " (did you mean 'X'?)" to the message when a known word is
 * close.  Past the error limit no distance is computed.
 */
void yr_unknown(struct yr *r, struct fy_node *n, const char *field, const char *word,
		const char *const *cands, unsigned ncands, const char *fmt, ...) PRINTF(7, 8);

#endif /* VPCI_YAML_READER_H */
