/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-abi.c - the guest ABI, its encoding, vpci diff and vpci compat
 *   - the encoding decodes to itself for every example and instance type;
 *     every truncation, extension and single-byte change either is refused
 *     or decodes to exactly the bytes given (one encoding per ABI);
 *   - a model rebuilt from an ABI has that ABI;
 *   - the matrix (matrix.h): per change, the compat verdict, the first ABI
 *     difference diff names, and hash equality agree with what a guest
 *     sees; over every ordered pair, compat == (hashes equal);
 *   - diff pairs a moved capability's registers, names bits, lists
 *     non-ABI differences as such; opt-outs waive content, never
 *     structure, and a malformed opt-out is refused.
 *
 * test-abi --write DIR writes the base and every variant as DIR/NAME.yaml
 * (for compat-cli.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/abi.h"
#include "vpci/vpci.h"

#include "matrix-util.h"

static const char *srcroot;

static uint64_t abi_hash(const vpci_func *f)
{
	vpci_abi *a;

	assert_int_equal(vpci_abi_new(f, &a), 0);
	uint64_t h = vpci_abi_hash(a);
	vpci_abi_free(a);
	return h;
}

static vpci_func *parse_path(const char *rel)
{
	char path[1024];
	vpci_func *f = NULL;

	snprintf(path, sizeof(path), "%s/%s", srcroot, rel);
	assert_int_equal(vpci_parse_file(path, &f, NULL), 0);
	return f;
}

static const char *const files[] = {
	"examples/nvme.yaml", "examples/virtio-net.yaml", "examples/nic-vf.yaml",
	"examples/gpu-pasid.yaml", "examples/root-port.yaml",
};

/* --- the encoding ----------------------------------------------------------- */

static void check_decode_property(const uint8_t *enc, size_t len)
{
	uint8_t *buf = malloc(len + 8);

	assert_non_null(buf);
	/* truncated and extended: refused */
	for (size_t n = 0; n < len; n++) {
		vpci_abi *x = (vpci_abi *)1;
		assert_int_equal(vpci_abi_decode(enc, n, &x, NULL), VPCI_EDATA);
		assert_null(x);
	}
	memcpy(buf, enc, len);
	memset(buf + len, 0, 8);
	for (size_t extra = 1; extra <= 8; extra++) {
		vpci_abi *x;
		assert_int_equal(vpci_abi_decode(buf, len + extra, &x, NULL), VPCI_EDATA);
	}
	/* any byte at any value: refused, or exactly these bytes again */
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 0; v < 256; v += 17) {
			memcpy(buf, enc, len);
			buf[i] ^= (uint8_t)(v | 1);
			vpci_abi *x = NULL;
			int rc = vpci_abi_decode(buf, len, &x, NULL);
			if (rc) {
				assert_int_equal(rc, VPCI_EDATA);
				continue;
			}
			size_t l2;
			const uint8_t *e2 = vpci_abi_encoding(x, &l2);
			assert_int_equal(l2, len);
			assert_memory_equal(e2, buf, len);
			assert_int_not_equal(vpci_abi_hash(x), 0);
			vpci_abi_free(x);
		}
	}
	free(buf);
}

static void test_encoding(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		vpci_func *f = parse_path(files[k]);
		vpci_abi *a, *b;
		size_t len, l2;
		assert_int_equal(vpci_abi_new(f, &a), 0);
		const uint8_t *enc = vpci_abi_encoding(a, &len);
		assert_true(len < 2048);
		assert_memory_equal(enc, "vpci-abi", 8);
		assert_int_equal(enc[8], VPCI_ABI_VERSION);
		assert_int_equal(vpci_abi_decode(enc, len, &b, NULL), 0);
		const uint8_t *e2 = vpci_abi_encoding(b, &l2);
		assert_int_equal(len, l2);
		assert_memory_equal(enc, e2, len);
		assert_true(vpci_abi_hash(a) == vpci_abi_hash(b));
		/* the part spans tile the encoding after the magic */
		uint64_t h = 0;
		for (int p = 0; p < VPCI_ABI_PART_COUNT; p++)
			h ^= vpci_abi_part_hash(a, (enum vpci_abi_part)p);
		assert_true(h != 0);
		assert_null(vpci_abi_array(a, VPCI_ABI_CAPS));
		assert_non_null(vpci_abi_array(a, VPCI_ABI_DEVICE));
		/* a model rebuilt from the ABI has the same ABI */
		struct vpci_func *g;
		vpci_abi *c;
		assert_int_equal(abi_func(a, &g), 0);
		assert_int_equal(vpci_abi_new(g, &c), 0);
		assert_true(vpci_abi_hash(c) == vpci_abi_hash(a));
		vpci_diff *l;
		assert_int_equal(vpci_compat(f, g, NULL, &l, NULL), 0);
		assert_int_equal(vpci_diff_count(l), 0);
		vpci_diff_free(l);
		if (k == 0)
			check_decode_property(enc, len);
		vpci_abi_free(a);
		vpci_abi_free(b);
		vpci_abi_free(c);
		vpci_func_free(g);
		vpci_func_free(f);
	}
}

static void test_decode_refuses(void **state)
{
	static const uint8_t junk[] = "vpci-abi\x01\0\0\0\0\x10\0\0\xff\xff";
	vpci_abi *a = (vpci_abi *)1;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	assert_int_equal(vpci_abi_decode(NULL, 0, &a, d), VPCI_EDATA);
	assert_null(a);
	assert_int_equal(vpci_abi_decode(junk, sizeof(junk) - 1, &a, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 1)->message, "ABI version 1"));
	vpci_diag_free(d);
}

/* --- the matrix -------------------------------------------------------------- */

static const struct vpci_diff_entry *first_abi(const vpci_diff *l)
{
	for (size_t i = 0; i < vpci_diff_count(l); i++)
		if (vpci_diff_get(l, i)->abi)
			return vpci_diff_get(l, i);
	return NULL;
}

static void test_matrix_verdicts(void **state)
{
	vpci_func *base = matrix_variant(-1);

	(void)state;
	for (size_t i = 0; i < MATRIX_N; i++) {
		const struct matrix_change *m = &matrix_changes[i];
		vpci_func *v = matrix_variant((int)i);
		for (int dir = 0; dir < 2; dir++) {
			const vpci_func *a = dir ? v : base, *b = dir ? base : v;
			vpci_diff *l = NULL, *all = NULL;
			int rc = vpci_compat(a, b, NULL, &l, NULL);
			if ((rc == 0) != m->compatible)
				fail_msg("%s (%s): compat %d, expected %s", m->name, dir ? "back" : "forth", rc,
					 m->compatible ? "compatible" : "a blocker");
			assert_true((abi_hash(a) == abi_hash(b)) == m->compatible);
			assert_int_equal(vpci_diff_new(a, b, 0, NULL, &all, NULL), 0);
			/* something differs in every change, if only a note */
			assert_true(vpci_diff_count(all) > 0);
			const struct vpci_diff_entry *e = first_abi(all);
			if (m->kind == M_SAME) {
				assert_null(e);
			} else {
				assert_non_null(e);
				/* what one direction adds the other removes */
				int kind = m->kind;
				if (dir && kind == VPCI_DIFF_CAP_ADDED)
					kind = VPCI_DIFF_CAP_REMOVED;
				else if (dir && kind == VPCI_DIFF_CAP_REMOVED)
					kind = VPCI_DIFF_CAP_ADDED;
				if ((int)e->kind != kind || strcmp(e->region, m->region) ||
				    (m->field && (!e->field || strcmp(e->field, m->field))))
					fail_msg("%s: first ABI difference is %s %s.%s: %s", m->name,
						 vpci_diff_kind_name(e->kind), e->region, e->field ? e->field : "-",
						 e->message);
				/* every blocker is placed in both files where they have it */
				assert_true(e->pa.file || e->pb.file);
			}
			/* compat lists exactly diff's ABI entries */
			size_t nabi = 0;
			for (size_t k = 0; k < vpci_diff_count(all); k++)
				nabi += vpci_diff_get(all, k)->abi;
			assert_int_equal(nabi, vpci_diff_count(l));
			assert_int_equal(vpci_diff_blockers(l), nabi);
			vpci_diff_free(l);
			vpci_diff_free(all);
		}
		vpci_func_free(v);
	}
	vpci_func_free(base);
}

static void test_matrix_pairs(void **state)
{
	vpci_func *f[MATRIX_N + 1];
	unsigned pairs = 0, agree = 0;

	(void)state;
	for (int i = -1; i < (int)MATRIX_N; i++)
		f[i + 1] = matrix_variant(i);
	for (size_t i = 0; i <= MATRIX_N; i++) {
		for (size_t j = 0; j <= MATRIX_N; j++) {
			int rc = vpci_compat(f[i], f[j], NULL, NULL, NULL);
			int same = abi_hash(f[i]) == abi_hash(f[j]);
			pairs++;
			agree += (rc == 0) == same;
			assert_true(rc == 0 || rc == VPCI_EDATA);
		}
	}
	print_message("compat against hash equality: %u of %u ordered pairs agree\n", agree, pairs);
	assert_int_equal(agree, pairs);
	for (size_t i = 0; i <= MATRIX_N; i++)
		vpci_func_free(f[i]);
}

/* --- diff details -------------------------------------------------------------- */

static const struct vpci_diff_entry *find_entry(const vpci_diff *l, int kind, const char *region, const char *field,
						const char *what)
{
	for (size_t i = 0; i < vpci_diff_count(l); i++) {
		const struct vpci_diff_entry *e = vpci_diff_get(l, i);
		if ((int)e->kind == kind && !strcmp(e->region, region) &&
		    (!field || (e->field && !strcmp(e->field, field))) && (!what || !strcmp(e->what, what)))
			return e;
	}
	return NULL;
}

static int index_of(const char *name)
{
	for (size_t i = 0; i < MATRIX_N; i++)
		if (!strcmp(matrix_changes[i].name, name))
			return (int)i;
	fail_msg("no change %s", name);
	return -1;
}

static void test_diff_details(void **state)
{
	vpci_func *base = matrix_variant(-1);
	vpci_diff *l;

	(void)state;
	/* a moved capability: one structure entry, positions in both files,
	 * and no register of it reported (they are compared pairwise) */
	vpci_func *moved = matrix_variant(index_of("cap-moved"));
	assert_int_equal(vpci_diff_new(base, moved, 0, NULL, &l, NULL), 0);
	const struct vpci_diff_entry *e = vpci_diff_get(l, 0);
	assert_int_equal(e->kind, VPCI_DIFF_CAP_MOVED);
	assert_int_equal(e->a, 0x60);
	assert_int_equal(e->b, 0x74);
	assert_int_equal(e->pa.line, 38);
	assert_int_equal(e->pb.line, 38);
	assert_string_equal(e->pa.file, "base.yaml");
	assert_string_equal(e->pb.file, "cap-moved.yaml");
	assert_null(find_entry(l, VPCI_DIFF_VALUE, "pm", NULL, NULL));
	assert_null(find_entry(l, VPCI_DIFF_PLANE, "pm", NULL, NULL));
	/* the next pointers and the capabilities pointer are explained */
	assert_null(find_entry(l, VPCI_DIFF_VALUE, "msi", "header", NULL));
	vpci_diff_free(l);
	vpci_func_free(moved);

	/* named bits, and the plane */
	vpci_func *rw = matrix_variant(index_of("plane-rw"));
	assert_int_equal(vpci_diff_new(base, rw, 0, NULL, &l, NULL), 0);
	e = find_entry(l, VPCI_DIFF_PLANE, "pm", "pmcsr", "rw");
	assert_non_null(e);
	assert_true(e->abi);
	assert_int_equal(e->width, 2);
	assert_int_equal(e->b, 0);
	assert_non_null(strstr(e->message, "PowerState"));
	assert_int_equal(e->pb.line, 42);
	vpci_diff_free(l);
	vpci_func_free(rw);

	/* a reset value of a writable register: a note, and --abi leaves it out */
	vpci_func *cmd = matrix_variant(index_of("rw-reset-value"));
	assert_int_equal(vpci_diff_new(base, cmd, 0, NULL, &l, NULL), 0);
	e = find_entry(l, VPCI_DIFF_VALUE, "header", "command", "reset value");
	assert_non_null(e);
	assert_false(e->abi);
	assert_int_equal(e->bits, 0x6);
	assert_non_null(strstr(e->message, "not guest ABI"));
	vpci_diff_free(l);
	assert_int_equal(vpci_diff_new(base, cmd, VPCI_DIFF_ABI_ONLY, NULL, &l, NULL), 0);
	assert_int_equal(vpci_diff_count(l), 0);
	vpci_diff_free(l);
	vpci_func_free(cmd);

	/* the HwInit label is listed, not ABI */
	vpci_func *hw = matrix_variant(index_of("plane-hwinit-label"));
	assert_int_equal(vpci_diff_new(base, hw, 0, NULL, &l, NULL), 0);
	e = find_entry(l, VPCI_DIFF_PLANE, "pm", "pmc", "hwinit");
	assert_non_null(e);
	assert_false(e->abi);
	vpci_diff_free(l);
	vpci_func_free(hw);

	/* MSI 64-bit: the layout changes; registers compared by name */
	vpci_func *m64 = matrix_variant(index_of("msi-64bit"));
	assert_int_equal(vpci_diff_new(base, m64, 0, NULL, &l, NULL), 0);
	assert_non_null(find_entry(l, VPCI_DIFF_FIELD_REMOVED, "msi", "message-upper-address", NULL));
	e = find_entry(l, VPCI_DIFF_VALUE, "msi", "message-control", "value");
	assert_non_null(e);
	assert_int_equal(e->bits, 0x80);
	assert_non_null(strstr(e->message, "64bit"));
	vpci_diff_free(l);
	vpci_func_free(m64);

	/* metadata */
	vpci_func *nm = matrix_variant(index_of("name"));
	assert_int_equal(vpci_diff_new(base, nm, 0, NULL, &l, NULL), 0);
	assert_int_equal(vpci_diff_count(l), 1);
	assert_int_equal(vpci_diff_get(l, 0)->kind, VPCI_DIFF_META);
	vpci_diff_free(l);
	vpci_func_free(nm);
	vpci_func_free(base);
}

static void test_optouts(void **state)
{
	vpci_func *base = matrix_variant(-1);
	vpci_func *body = matrix_variant(index_of("vendor-body"));
	vpci_func *moved = matrix_variant(index_of("cap-moved"));
	vpci_func *dev = matrix_variant(index_of("ro-value"));
	vpci_diff *l;

	(void)state;
	static const char *const vendor[] = { "vendor", NULL };
	static const char *const vendor_at[] = { "vendor@0x68", NULL };
	static const char *const vendor_wrong_at[] = { "vendor@0x70", NULL };
	static const char *const header_field[] = { "header.device-id", NULL };
	static const char *const other_field[] = { "header.vendor-id", NULL };
	static const char *const pm[] = { "pm", NULL };
	struct vpci_compat_opts o = { vendor };

	assert_int_equal(vpci_compat(base, body, &o, &l, NULL), 0);
	assert_int_equal(vpci_diff_count(l), 1);
	assert_true(vpci_diff_get(l, 0)->waived);
	assert_int_equal(vpci_diff_blockers(l), 0);
	vpci_diff_free(l);
	o.ignore = vendor_at;
	assert_int_equal(vpci_compat(base, body, &o, NULL, NULL), 0);
	o.ignore = vendor_wrong_at;
	assert_int_equal(vpci_compat(base, body, &o, NULL, NULL), VPCI_EDATA);
	o.ignore = header_field;
	assert_int_equal(vpci_compat(base, dev, &o, NULL, NULL), 0);
	o.ignore = other_field;
	assert_int_equal(vpci_compat(base, dev, &o, NULL, NULL), VPCI_EDATA);
	/* structure is never waived */
	o.ignore = pm;
	assert_int_equal(vpci_compat(base, moved, &o, &l, NULL), VPCI_EDATA);
	assert_int_equal(vpci_diff_get(l, 0)->kind, VPCI_DIFF_CAP_MOVED);
	assert_false(vpci_diff_get(l, 0)->waived);
	vpci_diff_free(l);

	/* malformed opt-outs: every one reported */
	static const char *const bad[] = { "nosuch", "header.nosuch", "pm.nosuch", "raw.x", "header@0x40", "", "pm@zz",
					   NULL };
	vpci_diag *d = vpci_diag_new();
	o.ignore = bad;
	l = (vpci_diff *)1;
	assert_int_equal(vpci_compat(base, body, &o, &l, d), VPCI_EINVAL);
	assert_null(l);
	assert_int_equal(vpci_diag_errors(d), 7);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "'nosuch' is neither"));
	assert_non_null(strstr(vpci_diag_get(d, 2)->message, "has no register 'nosuch'"));
	vpci_diag_free(d);
	vpci_func_free(base);
	vpci_func_free(body);
	vpci_func_free(moved);
	vpci_func_free(dev);
}

/* Two examples: every ABI difference is an entry, the hash differs. */
static void test_examples_pairwise(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		for (size_t j = 0; j < sizeof(files) / sizeof(files[0]); j++) {
			vpci_func *a = parse_path(files[i]), *b = parse_path(files[j]);
			vpci_diff *l;
			int rc = vpci_compat(a, b, NULL, &l, NULL);
			assert_int_equal(rc == 0, i == j);
			for (size_t k = 0; k < vpci_diff_count(l); k++)
				assert_int_not_equal(vpci_diff_get(l, k)->kind, VPCI_DIFF_HASH);
			vpci_diff_free(l);
			vpci_func_free(a);
			vpci_func_free(b);
		}
	}
}

static int write_variants(const char *dir)
{
	for (int i = -1; i < (int)MATRIX_N; i++) {
		char path[1024];
		char *t = matrix_variant_text(i);
		snprintf(path, sizeof(path), "%s/%s.yaml", dir, i < 0 ? "base" : matrix_changes[i].name);
		FILE *fp = fopen(path, "w");
		if (!fp || fputs(t, fp) < 0 || fclose(fp)) {
			fprintf(stderr, "cannot write %s\n", path);
			return 1;
		}
		free(t);
		printf("%s %s\n", i < 0 ? "base" : matrix_changes[i].name,
		       i < 0 ? "same" : matrix_changes[i].compatible ? "compatible" : "blocker");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write"))
		return write_variants(argv[2]);
	srcroot = getenv("VPCI_SOURCE_ROOT");
	if (!srcroot)
		srcroot = ".";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_matrix_verdicts),
		cmocka_unit_test(test_matrix_pairs),
		cmocka_unit_test(test_diff_details),
		cmocka_unit_test(test_optouts),
		cmocka_unit_test(test_examples_pairwise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
