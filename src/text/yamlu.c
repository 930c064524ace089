/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yamlu.c - small helpers over libfyaml's document tree
 */
#include <string.h>

#include "yamlu.h"

static struct fy_mark mark_depth(struct fy_node *n, int depth)
{
	struct fy_mark m = { 0, -1, -1 };
	void *it = NULL;

	if (!n || depth > 8)
		return m;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: {
		struct fy_token *t = fy_node_get_scalar_token(n);
		const struct fy_mark *tm = t ? fy_token_start_mark(t) : NULL;
		if (tm)
			m = *tm;
		break;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
		if (p)
			m = mark_depth(fy_node_pair_key(p), depth + 1);
		break;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *i = fy_node_sequence_iterate(n, &it);
		if (i)
			m = mark_depth(i, depth + 1);
		break;
	}
	}
	return m;
}

struct fy_mark yamlu_mark(struct fy_node *n)
{
	return mark_depth(n, 0);
}

struct fy_node *yamlu_get(struct fy_node *map, const char *key)
{
	if (!map || fy_node_get_type(map) != FYNT_MAPPING)
		return NULL;
	return fy_node_mapping_lookup_by_string(map, key, strlen(key));
}

struct fy_document *yamlu_build(const char *text, size_t len, struct fy_diag **diag)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	dcfg.level = FYET_ERROR;
	*diag = fy_diag_create(&dcfg);
	if (!*diag)
		return NULL;
	fy_diag_set_collect_errors(*diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	pcfg.diag = *diag;
	return fy_document_build_from_string(&pcfg, text, len);
}

/*
 * libfyaml 0.7.12 (Debian 12) loops forever on invalid UTF-8 inside a
 * directive ("%\xfe"; upstream libfyaml issue #101, fixed after 0.7.12).
 * An instance file is UTF-8 text anyway: reject anything else before
 * libfyaml sees it.  Returns 1 and the 1-based position of the first bad
 * byte when @s is not well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF).
 */
int yamlu_utf8_bad(const unsigned char *s, size_t n, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < n; c++) {
		unsigned char b = s[i];
		size_t k;
		unsigned char lo = 0x80, hi = 0xbf;

		if (b < 0x80) {
			if (b == '\n') {
				l++;
				c = 0;
			}
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf)
			k = 1;
		else if (b >= 0xe0 && b <= 0xef) {
			k = 2;
			if (b == 0xe0)
				lo = 0xa0;
			else if (b == 0xed)
				hi = 0x9f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			k = 3;
			if (b == 0xf0)
				lo = 0x90;
			else if (b == 0xf4)
				hi = 0x8f;
		} else {
			goto bad;
		}
		if (n - i <= k)
			goto bad;
		for (size_t j = 1; j <= k; j++) {
			unsigned char t = s[i + j];
			if (t < (j == 1 ? lo : 0x80) || t > (j == 1 ? hi : 0xbf))
				goto bad;
		}
		i += k + 1;
	}
	return 0;
bad:
	*line = l;
	*col = c;
	return 1;
}
