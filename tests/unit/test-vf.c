/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-vf.c - SR-IOV VFs: the PF-shared fields (docs/vf-shared-fields.md)
 * and VF personas.
 *
 *   - the document's table equals the capability table's VF rules, and
 *     every row holds on a VF: its bits are PF-shared, never device-backed,
 *     read-write virtual in the plain view, RsvdP or 0 in the VF view;
 *   - no VF-side guest write reaches a PF-shared bit: a recording backend
 *     over every offset 0..4095 and size 1, 2, 4, on an instance that
 *     claims every bit device-backed;
 *   - two VFs of one (simulated) PF never observe each other's writes;
 *   - VF personas synthesized from a PF (identity, BARs, address with
 *     First VF Offset / VF Stride, the capabilities a VF carries), from a
 *     dump and from a sysfs tree; a dump's VF completed from its PF, and
 *     refused without it;
 *   - the VF view: Memory Space Enable reads 0 and the BARs decode anyway.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/func.h"
#include "vpci/vpci.h"
#include "unit-util.h"

static char dir[256];

#define EXT(id, ver, next) ((uint32_t)(id) | (uint32_t)(ver) << 16 | (uint32_t)(next) << 20)

/* SR-IOV PF 0000:03:00.0 (1234:11e8, VFs 1234:11e9): every capability
 * with VF rules, the ones a VF never carries, host state everywhere. */
static void make_pf(uint8_t *c)
{
	memset(c, 0, 4096);
	unit_put16(c, 0x00, 0x1234);
	unit_put16(c, 0x02, 0x11e8);
	unit_put16(c, 0x04, 0x0546);
	unit_put16(c, 0x06, 0x0010);
	c[0x08] = 0x03;
	c[0x0b] = 0x02;
	c[0x0c] = 0x10;
	c[0x0e] = 0x80;                   /* a multi-function device */
	unit_put32(c, 0x10, 0xfe000004);       /* BAR0 mem64 */
	unit_put32(c, 0x30, 0xfeb00001);
	unit_put16(c, 0x2c, 0x1234);
	unit_put16(c, 0x2e, 0x0001);
	c[0x34] = 0x40;
	c[0x3c] = 11;
	c[0x3d] = 1;
	/* PM @40 -> MSI-X @50 -> PCIe v2 endpoint @60 */
	c[0x40] = 0x01; c[0x41] = 0x50; unit_put16(c, 0x42, 0x0003); unit_put16(c, 0x44, 0x0008);
	c[0x50] = 0x11; c[0x51] = 0x60; unit_put16(c, 0x52, 0x003f);
	unit_put32(c, 0x54, 0x00002000); unit_put32(c, 0x58, 0x00003000);
	c[0x60] = 0x10; c[0x61] = 0x00; unit_put16(c, 0x62, 0x0002);
	unit_put32(c, 0x64, 0x10008fc2);
	unit_put16(c, 0x68, 0x295f);           /* host: error enables, MPS 512, ext tag */
	unit_put32(c, 0x6c, 0x00400c41);
	unit_put16(c, 0x70, 0x0043);
	unit_put16(c, 0x72, 0x1041 | 0xc000);  /* bandwidth status bits set */
	unit_put32(c, 0x84, 0x00300000);
	unit_put16(c, 0x88, 0x7415);           /* host: CTO, LTR, 10-bit tags, OBFF */
	unit_put16(c, 0x90, 0x0003);
	unit_put16(c, 0x92, 0x0020);
	/* AER @100 -> ARI @148 -> SR-IOV @150 -> ATS @190 -> PASID @1a0 ->
	 * PRI @1b0 -> LTR @1c0 -> L1SS @1d0 -> DSN @1e0 */
	unit_put32(c, 0x100, EXT(0x0001, 2, 0x148));
	unit_put32(c, 0x108, 0x00400000);
	unit_put32(c, 0x10c, 0x00462030);
	unit_put32(c, 0x114, 0x00002000);
	unit_put32(c, 0x118, 0x000001e0);
	unit_put32(c, 0x148, EXT(0x000e, 1, 0x150));
	unit_put16(c, 0x14c, 0x0100);
	unit_put16(c, 0x14e, 0x0001);
	unit_put32(c, 0x150, EXT(0x0010, 1, 0x190));
	unit_put16(c, 0x158, 0x0019);          /* VF Enable, VF MSE, ARI Capable */
	unit_put16(c, 0x15c, 8); unit_put16(c, 0x15e, 8); unit_put16(c, 0x160, 4);
	unit_put16(c, 0x164, 0x80); unit_put16(c, 0x166, 2);
	unit_put16(c, 0x16a, 0x11e9);
	unit_put32(c, 0x16c, 0x553); unit_put32(c, 0x170, 1);
	unit_put32(c, 0x174, 0xfd00000c);      /* VF BAR0: 64-bit prefetchable */
	unit_put32(c, 0x178, 0x00000000);
	unit_put32(c, 0x17c, 0xfc000000);      /* VF BAR2: 32-bit */
	unit_put32(c, 0x190, EXT(0x000f, 1, 0x1a0));
	unit_put16(c, 0x194, 0x0020); unit_put16(c, 0x196, 0x8005);
	unit_put32(c, 0x1a0, EXT(0x001b, 1, 0x1b0));
	unit_put16(c, 0x1a4, 0x1406); unit_put16(c, 0x1a6, 0x0001);
	unit_put32(c, 0x1b0, EXT(0x0013, 1, 0x1c0));
	unit_put16(c, 0x1b4, 0x0001); unit_put16(c, 0x1b6, 0x8000);
	unit_put32(c, 0x1b8, 0x80); unit_put32(c, 0x1bc, 0x80);
	unit_put32(c, 0x1c0, EXT(0x0018, 1, 0x1d0));
	unit_put16(c, 0x1c4, 0x1001);
	unit_put32(c, 0x1d0, EXT(0x001e, 1, 0x1e0));
	unit_put32(c, 0x1d4, 0x0000001f);
	unit_put32(c, 0x1e0, EXT(0x0003, 1, 0));
	unit_put32(c, 0x1e4, 0xdeadbeef); unit_put32(c, 0x1e8, 0x00112233);
}

/* VF 2 (03:10.2) as the device shows it: 0xffff IDs, BARs 0, its own
 * Command / Device Control state, ARI, ATS, AER. */
static void make_vf(uint8_t *c)
{
	memset(c, 0, 4096);
	unit_put32(c, 0x00, 0xffffffff);
	unit_put16(c, 0x04, 0x0004);
	unit_put16(c, 0x06, 0x0010);
	c[0x08] = 0x03;
	c[0x0b] = 0x02;
	unit_put16(c, 0x2c, 0x1234);
	unit_put16(c, 0x2e, 0x0001);
	c[0x34] = 0x50;
	c[0x50] = 0x11; c[0x51] = 0x60; unit_put16(c, 0x52, 0x0003);
	unit_put32(c, 0x54, 0x00002000); unit_put32(c, 0x58, 0x00003000);
	c[0x60] = 0x10; unit_put16(c, 0x62, 0x0002);
	unit_put32(c, 0x64, 0x10008fc2);
	unit_put16(c, 0x68, 0x2810);
	unit_put32(c, 0x6c, 0x00400c41);
	unit_put16(c, 0x72, 0x1041);
	unit_put32(c, 0x100, EXT(0x0001, 2, 0x148));
	unit_put32(c, 0x148, EXT(0x000e, 1, 0x190));
	unit_put32(c, 0x190, EXT(0x000f, 1, 0));
}

/* One device of an lspci -xxxx dump, with -vvv lines */
static void dump_dev(FILE *fp, const char *slot, const uint8_t *cfg, const char *vlines)
{
	fprintf(fp, "%s Device\n%s", slot, vlines ? vlines : "");
	for (unsigned i = 0; i < 4096; i += 16) {
		fprintf(fp, "%02x:", i);
		for (unsigned k = 0; k < 16; k++)
			fprintf(fp, " %02x", cfg[i + k]);
		fprintf(fp, "\n");
	}
	fprintf(fp, "\n");
}

/* the -vvv text of the PF: its own BAR and, in the SR-IOV block, its VF
 * BAR spaces (TotalVFs = 8 times 16 KiB and 4 KiB) */
static const char pf_vvv[] =
	"\tRegion 0: Memory at fe000000 (64-bit, non-prefetchable) [size=64K]\n"
	"\tCapabilities: [150 v1] Single Root I/O Virtualization (SR-IOV)\n"
	"\t\tRegion 0: Memory at 00000000fd000000 (64-bit, prefetchable) [size=128K]\n"
	"\t\tRegion 2: Memory at fc000000 (32-bit, non-prefetchable) [size=32K]\n"
	"\tCapabilities: [190 v1] Address Translation Service (ATS)\n";

/* A dump of the PF (with or without its -vvv text) and the VF */
static const char *write_dump(const char *name, int with_pf, int with_vf, const char *vvv)
{
	static char path[512];
	uint8_t cfg[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	if (with_pf) {
		make_pf(cfg);
		dump_dev(fp, "03:00.0", cfg, vvv);
	}
	if (with_vf) {
		make_vf(cfg);
		dump_dev(fp, "03:10.2", cfg, NULL);
	}
	fclose(fp);
	return path;
}

static int derive_from(const char *path, const char *slot, const struct vpci_derive_opts *o, vpci_func **f,
		       vpci_diag *d)
{
	vpci_source *s = NULL;
	int rc;

	*f = NULL;
	assert_int_equal(vpci_source_open(VPCI_SRC_DUMP, path, &s, d), 0);
	int idx = vpci_source_find(s, slot);
	assert_true(idx >= 0);
	rc = vpci_derive(s, (size_t)idx, o, f, d);
	vpci_source_free(s);
	return rc;
}

/* VF @n of the dump's PF; guest view unless @raw */
static vpci_func *persona(unsigned n, int raw, enum vpci_vf_view view)
{
	struct vpci_derive_opts o = { 0 };
	vpci_diag *d = vpci_diag_new();
	vpci_func *f;

	o.policy = raw ? VPCI_POLICY_RAW : VPCI_POLICY_GUEST;
	o.vf = n;
	o.vf_view = view;
	int rc = derive_from(write_dump("pf.lspci", 1, 0, pf_vvv), "03:00.0", &o, &f, d);
	if (rc)
		for (size_t i = 0; i < vpci_diag_count(d); i++)
			fprintf(stderr, "%s\n", vpci_diag_get(d, i)->message);
	assert_int_equal(rc, 0);
	vpci_diag_free(d);
	return f;
}

static int has_cap(const vpci_func *f, bool ext, uint16_t id)
{
	return vpci_func_find_cap(f, ext, id, NULL) >= 0;
}

static const char *origin_value(const vpci_func *f, const char *key)
{
	for (unsigned i = 0; i < f->norigin; i++)
		if (!strcmp(f->origin[i].key, key))
			return f->origin[i].value;
	return "";
}

/* --- the document's table is the capability table ----------------------- */

struct docrow {
	char key[32], field[48];
	uint32_t vfs, vfp, vfr, vfu, emu;
	int seen;
};

static uint32_t after(const char *cell, const char *word)
{
	const char *p = strstr(cell, word);

	return p ? (uint32_t)strtoul(p + strlen(word), NULL, 16) : 0;
}

/* The rows of docs/vf-shared-fields.md's table: | `key field` | 0x.. | ... */
static unsigned read_doc(struct docrow *rows, unsigned max, uint16_t *never, unsigned *nnever)
{
	char path[512], line[4096];
	const char *src = getenv("VPCI_SRCDIR");
	unsigned n = 0;

	*nnever = 0;
	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/vf-shared-fields.md", src);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *cell[7] = { 0 };
		unsigned k = 0;
		if (line[0] != '|')
			continue;
		for (char *save = NULL, *t = strtok_r(line + 1, "|", &save); t && k < 7; t = strtok_r(NULL, "|", &save))
			cell[k++] = t;
		if (k >= 3 && !strncmp(cell[0], " 0x", 3)) {
			never[(*nnever)++] = (uint16_t)strtoul(cell[0], NULL, 16);
			continue;
		}
		if (k < 6 || strncmp(cell[0], " `", 2) || strncmp(cell[1], " 0x", 3))
			continue;
		assert_true(n < max);
		struct docrow *r = &rows[n++];
		memset(r, 0, sizeof(*r));
		assert_int_equal(sscanf(cell[0], " `%31s %47[^`]`", r->key, r->field), 2);
		r->vfs = (uint32_t)strtoul(cell[1], NULL, 16);
		r->vfp = after(cell[2], "RsvdP 0x");
		r->vfr = after(cell[3], "reflect 0x");
		r->vfu = after(cell[3], "unclean 0x");
		r->emu = after(cell[3], "emulate 0x");
	}
	fclose(fp);
	return n;
}

static void test_doc_is_the_table(void **state)
{
	struct docrow rows[64];
	uint16_t never[64];
	unsigned nnever, n = read_doc(rows, 64, never, &nnever), checked = 0;

	(void)state;
	assert_true(n >= 20);
	const struct vpci_cdesc *cd;
	for (unsigned i = 0; (cd = captab_at(i)); i++) {
		for (const struct vpci_fdesc *fd = cd->fields; fd && fd->name; fd++) {
			const char *key = cd->kind == CK_HDR ? "header" : cd->key;
			if (!fd->vfs) {
				assert_int_equal(fd->vfp | fd->vfr | fd->vfu, 0);
				continue;
			}
			/* the header rules are type 0's: only endpoints are VFs */
			assert_true(cd->kind != CK_HDR || cd->id == CAPTAB_HDR_TYPE0);
			struct docrow *r = NULL;
			for (unsigned k = 0; k < n; k++)
				if (!strcmp(rows[k].key, key) && !strcmp(rows[k].field, fd->name))
					r = &rows[k];
			if (!r)
				fail_msg("%s %s has VF rules but no row in docs/vf-shared-fields.md", key, fd->name);
			r->seen = 1;
			assert_int_equal(r->vfs, fd->vfs);
			assert_int_equal(r->vfp, fd->vfp);
			assert_int_equal(r->vfr, fd->vfr);
			assert_int_equal(r->vfu, fd->vfu);
			/* every bit has one kind, and the kinds and RsvdP are of vfs */
			assert_int_equal(r->emu, fd->vfs & ~(fd->vfr | fd->vfu));
			assert_int_equal(fd->vfr & fd->vfu, 0);
			assert_int_equal((fd->vfp | fd->vfr | fd->vfu) & ~fd->vfs, 0);
			assert_int_equal(fd->vfs & ~(uint32_t)width_mask(fd->width), 0);
			checked++;
		}
	}
	for (unsigned k = 0; k < n; k++)
		if (!rows[k].seen)
			fail_msg("docs/vf-shared-fields.md: %s %s is not in the capability table", rows[k].key,
				 rows[k].field);
	assert_int_equal(checked, n);
	/* the capabilities a VF never carries */
	unsigned table = 0;
	for (unsigned i = 0; (cd = captab_at(i)); i++)
		table += captab_vf_never(cd->kind, cd->id) != NULL;
	assert_int_equal(nnever, table);
	for (unsigned k = 0; k < nnever; k++)
		assert_non_null(captab_vf_never(CK_EXT, never[k]));
}

/* --- every row on a VF --------------------------------------------------- */

struct rowctx {
	const vpci_func *plain, *vf;
	unsigned rows;
};

static int row_cb(struct vpci_func *f, const struct field_ref *r, void *ctx)
{
	struct rowctx *c = ctx;
	const struct vpci_fdesc *fd = r->fd;
	unsigned w = fd->width, o = r->off;
	uint64_t vfs = fd->vfs & width_mask(w), vfp = fd->vfp & width_mask(w);
	uint64_t base_rw, plain_rw;

	(void)f;
	if (!vfs)
		return 0;
	c->rows++;
	/* both views: PF-shared, never device-backed */
	assert_int_equal(le_get64(c->plain->pfshared + o, w), vfs);
	assert_int_equal(le_get64(c->vf->pfshared + o, w), vfs);
	assert_int_equal(func_plane_get(c->plain, VPCI_PL_DEVICE, o, w) & vfs, 0);
	assert_int_equal(func_plane_get(c->vf, VPCI_PL_DEVICE, o, w) & vfs, 0);
	/* plain: what the table makes writable stays writable, virtually */
	struct captab_planes pl;
	captab_field_planes(fd, c->plain->val, r->capoff, &pl);
	base_rw = pl.pl[VPCI_PL_RW] & vfs;
	plain_rw = func_plane_get(c->plain, VPCI_PL_RW, o, w) & vfs;
	assert_int_equal(plain_rw, base_rw);
	/* VF view: nothing of it writable or clearable, RsvdP as the table
	 * says, the rest reads 0 */
	assert_int_equal(func_plane_get(c->vf, VPCI_PL_RW, o, w) & vfs, 0);
	assert_int_equal(func_plane_get(c->vf, VPCI_PL_RW1C, o, w) & vfs, 0);
	assert_int_equal(func_plane_get(c->vf, VPCI_PL_RSVDP, o, w) & vfp, vfp);
	assert_int_equal(le_get64(c->vf->val + o, w) & vfs, 0);
	return 0;
}

/* A VF that carries every capability with VF rules: the PF itself, marked
 * as a VF by the guest policy's rules (PASID and PRI are then virtual
 * ones, placed for the guest). */
static vpci_func *every_row_vf(enum vpci_vf_view view)
{
	vpci_func *f = NULL;
	uint8_t cfg[4096];

	make_pf(cfg);
	assert_int_equal(vpci_func_from_config(cfg, 4096, &f, NULL), 0);
	func_reset_fields(f);
	memset(f->pl[VPCI_PL_DEVICE], 0xff, VPCI_CFG_SIZE);
	func_mark_pf_shared(f);
	if (view == VPCI_VF_VIEW_VF) {
		uint8_t rsvdp[VPCI_CFG_SIZE];
		func_vf_rule_mask(f, 'p', rsvdp);
		for (unsigned k = 0; k < VPCI_CFG_SIZE; k++) {
			f->val[k] &= (uint8_t)~f->pfshared[k];
			f->pl[VPCI_PL_RW][k] &= (uint8_t)~f->pfshared[k];
			f->pl[VPCI_PL_RW1C][k] &= (uint8_t)~f->pfshared[k];
			f->pl[VPCI_PL_RSVDP][k] |= rsvdp[k];
		}
	}
	return f;
}

static void test_rows_on_personas(void **state)
{
	vpci_func *plain = persona(2, 0, VPCI_VF_VIEW_PLAIN), *vf = persona(2, 0, VPCI_VF_VIEW_VF);
	struct rowctx c = { plain, vf, 0 };

	(void)state;
	func_foreach_field(plain, row_cb, &c);
	/* command, status, cache line, interrupt line, device control, link
	 * control/status, device control 2, link control/status 2, AER masks,
	 * severity, ECRC, ARI control, ATS control */
	assert_int_equal(c.rows, 15);
	/* the plain view: Bus Master Enable alone reaches the device */
	assert_int_equal(func_plane_get(plain, VPCI_PL_DEVICE, 0x04, 2), 0x0004);
	assert_int_equal(func_plane_get(plain, VPCI_PL_RW, 0x04, 2), 0x0547);
	assert_int_equal(func_plane_get(vf, VPCI_PL_RW, 0x04, 2), 0x0004);
	/* Device Control: Relaxed Ordering and No Snoop are the VF's */
	int k = vpci_func_find_cap(plain, false, 0x10, NULL);
	assert_true(k >= 0);
	unsigned dc = plain->caps[k].off + 8;
	assert_int_equal(func_plane_get(plain, VPCI_PL_DEVICE, dc, 2), 0x0810);
	assert_int_equal(le16(plain->val + dc), 0x2810);
	assert_int_equal(le16(vf->val + dc), 0x2810 & ~0x07ef);
	assert_int_equal(vpci_validate(plain, NULL), 0);
	assert_int_equal(vpci_validate(vf, NULL), 0);
	vpci_func_free(plain);
	vpci_func_free(vf);

	/* PASID and PRI rows too: a VF instance that carries them */
	plain = every_row_vf(VPCI_VF_VIEW_PLAIN);
	vf = every_row_vf(VPCI_VF_VIEW_VF);
	c.plain = plain;
	c.vf = vf;
	c.rows = 0;
	func_foreach_field(plain, row_cb, &c);
	assert_int_equal(c.rows, 20);
	vpci_func_free(plain);
	vpci_func_free(vf);
}

/* the kinds: PASID's enables and PRI's Enable are reflected, PRI Reset and
 * Stopped unclean, the rest emulated */
static void test_kinds(void **state)
{
	vpci_func *f = every_row_vf(VPCI_VF_VIEW_PLAIN);
	uint8_t r[VPCI_CFG_SIZE], u[VPCI_CFG_SIZE];
	int pasid = vpci_func_find_cap(f, true, 0x1b, NULL), pri = vpci_func_find_cap(f, true, 0x13, NULL);

	(void)state;
	func_vf_rule_mask(f, 'r', r);
	func_vf_rule_mask(f, 'u', u);
	assert_int_equal(le16(r + f->caps[pasid].off + 6), 0x0007);
	assert_int_equal(le16(r + f->caps[pri].off + 4), 0x0001);
	assert_int_equal(le16(u + f->caps[pri].off + 4), 0x0002);
	assert_int_equal(le16(u + f->caps[pri].off + 6), 0x0100);
	assert_int_equal(le16(r + 4), 0x0002);
	unsigned nr = 0, nu = 0;
	for (unsigned k = 0; k < VPCI_CFG_SIZE; k++) {
		nr += (unsigned)__builtin_popcount(r[k]);
		nu += (unsigned)__builtin_popcount(u[k]);
	}
	assert_int_equal(nr, 5);
	assert_int_equal(nu, 2);
	vpci_func_free(f);
}

/* --- no VF write reaches a PF-shared bit ----------------------------------- */

/* Simulated hardware of one PF's VFs: each VF has its own registers, and
 * the bits a VF does not own are one register of the PF, shared. */
struct hw {
	uint8_t shared[VPCI_CFG_SIZE];      /* the PF's: common to every VF */
	const uint8_t *mask;                /* which bits are shared */
};

struct vfdev {
	struct hw *hw;
	uint8_t own[VPCI_CFG_SIZE];
	unsigned writes, bad;               /* backend writes; those touching a shared bit */
	unsigned reads_shared;              /* backend reads whose result had shared bits used */
};

static int hw_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	struct vfdev *v = ctx;
	uint32_t x = 0;

	for (unsigned i = 0; i < size; i++) {
		uint8_t m = v->hw->mask[off + i];
		x |= (uint32_t)((v->own[off + i] & ~m) | (v->hw->shared[off + i] & m)) << (8 * i);
	}
	*val = x;
	return 0;
}

static int hw_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	struct vfdev *v = ctx;

	v->writes++;
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = (uint8_t)(mask >> (8 * i)), b = (uint8_t)(val >> (8 * i)), sh = v->hw->mask[off + i];
		if (m & sh)
			v->bad++;
		v->own[off + i] = (uint8_t)((v->own[off + i] & ~(m & ~sh)) | (b & m & ~sh));
		v->hw->shared[off + i] = (uint8_t)((v->hw->shared[off + i] & ~(m & sh)) | (b & m & sh));
	}
	return 0;
}

static const struct vpci_backend_ops hw_ops = { hw_read, hw_write, NULL, NULL };

/* A VF instance that claims *every* bit device-backed (a hostile or
 * mistaken file): only the PF-shared marking protects the PF. */
static vpci_func *hostile(unsigned n)
{
	vpci_func *f = persona(n, 0, VPCI_VF_VIEW_PLAIN);

	memset(f->pl[VPCI_PL_DEVICE], 0xff, VPCI_CFG_SIZE);
	for (unsigned i = 0; i <= 6; i++)
		if (f->bar[i].type != VPCI_BAR_NONE && f->bar[i].type != VPCI_BAR_MEM64_HI && !f->bar[i].size_known)
			assert_int_equal(vpci_func_set_bar_size(f, i, 0x4000), 0);
	return f;
}

static const uint32_t patterns[] = { 0xffffffffu, 0x00000000u, 0xa5a55a5au };

/* every offset, every size, three values */
static void write_matrix(vpci_emu *e)
{
	for (unsigned p = 0; p < 3; p++)
		for (unsigned size = 1; size <= 4; size *= 2)
			for (unsigned off = 0; off + size <= VPCI_CFG_SIZE; off++)
				assert_int_equal(vpci_emu_write(e, off, size, patterns[p]), 0);
}

static void test_no_write_reaches_shared(void **state)
{
	struct hw hw;
	struct vfdev v;
	vpci_func *f = hostile(1);
	vpci_emu *e = NULL;
	vpci_diag *d = vpci_diag_new();

	(void)state;
	/* the validator refuses such a file */
	assert_int_equal(vpci_validate(f, d), VPCI_EDATA);
	int said = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		said |= strstr(vpci_diag_get(d, i)->message, "device-control: bits 0x7ef are a VF's") != NULL;
	assert_true(said);
	vpci_diag_free(d);
	/* the engine never sends a shared bit */
	memset(&hw, 0, sizeof(hw));
	memset(&v, 0, sizeof(v));
	memset(hw.shared, 0x3c, sizeof(hw.shared));
	hw.mask = f->pfshared;
	v.hw = &hw;
	struct vpci_backend be = { &hw_ops, &v };
	assert_int_equal(vpci_emu_new(f, &be, NULL, NULL, &e, NULL), 0);
	uint8_t before[VPCI_CFG_SIZE];
	memcpy(before, hw.shared, sizeof(before));
	write_matrix(e);
	assert_true(v.writes > 300);
	assert_int_equal(v.bad, 0);
	assert_memory_equal(hw.shared, before, sizeof(before));
	/* and never shows one: shared bits read the virtual value, not the
	 * PF's 0x3c pattern */
	for (unsigned off = 0; off < VPCI_CFG_SIZE; off += 4) {
		uint32_t val, sh = le32(f->pfshared + off), dev;
		assert_int_equal(vpci_emu_read(e, off, 4, &val), 0);
		hw_read(&v, off, 4, &dev);
		if (sh && (val & sh) == (dev & sh) && (dev & sh))
			fail_msg("offset %#x reads the PF's shared bits %#x", off, dev & sh);
	}
	vpci_emu_free(e);

	/* the control: without the marking the same matrix does reach the
	 * PF's bits, so the test can see a leak */
	uint8_t mask[VPCI_CFG_SIZE];
	memcpy(mask, f->pfshared, sizeof(mask));
	memset(f->pfshared, 0, sizeof(f->pfshared));
	memset(&v, 0, sizeof(v));
	v.hw = &hw;
	hw.mask = mask;
	be.ctx = &v;
	assert_int_equal(vpci_emu_new(f, &be, NULL, NULL, &e, NULL), 0);
	write_matrix(e);
	assert_true(v.bad > 100);
	vpci_emu_free(e);
	vpci_func_free(f);

	/* the guest policy's own view, unchanged, likewise */
	f = persona(1, 0, VPCI_VF_VIEW_PLAIN);
	for (unsigned i = 0; i <= 6; i++)
		if (f->bar[i].type != VPCI_BAR_NONE && f->bar[i].type != VPCI_BAR_MEM64_HI && !f->bar[i].size_known)
			assert_int_equal(vpci_func_set_bar_size(f, i, 0x4000), 0);
	memset(&v, 0, sizeof(v));
	v.hw = &hw;
	hw.mask = f->pfshared;
	be.ctx = &v;
	assert_int_equal(vpci_emu_new(f, &be, NULL, NULL, &e, NULL), 0);
	write_matrix(e);
	assert_true(v.writes > 100);
	assert_int_equal(v.bad, 0);
	vpci_emu_free(e);
	vpci_func_free(f);
}

static void snapshot(vpci_emu *e, uint8_t *out)
{
	for (unsigned size = 4; size >= 1; size /= 2)
		for (unsigned off = 0; off + size <= VPCI_CFG_SIZE; off++) {
			uint32_t v;
			assert_int_equal(vpci_emu_read(e, off, size, &v), 0);
			if (size == 4)
				unit_put32(out, off, v);
			else
				assert_int_equal(v, le_get64(out + off, size));
		}
}

static void test_two_vfs_isolated(void **state)
{
	struct hw hw;
	struct vfdev v1, v2;
	vpci_func *f1 = hostile(1), *f2 = hostile(2);
	vpci_emu *e1 = NULL, *e2 = NULL;
	uint8_t a[VPCI_CFG_SIZE], b[VPCI_CFG_SIZE];

	(void)state;
	assert_memory_equal(f1->pfshared, f2->pfshared, VPCI_CFG_SIZE);
	memset(&hw, 0, sizeof(hw));
	hw.mask = f1->pfshared;
	memset(&v1, 0, sizeof(v1));
	memset(&v2, 0, sizeof(v2));
	v1.hw = v2.hw = &hw;
	memcpy(v1.own, vpci_func_bytes(f1), VPCI_CFG_SIZE);
	memcpy(v2.own, vpci_func_bytes(f2), VPCI_CFG_SIZE);
	struct vpci_backend b1 = { &hw_ops, &v1 }, b2 = { &hw_ops, &v2 };
	assert_int_equal(vpci_emu_new(f1, &b1, NULL, NULL, &e1, NULL), 0);
	assert_int_equal(vpci_emu_new(f2, &b2, NULL, NULL, &e2, NULL), 0);
	/* VF 2's whole view (every size, both orders of writing) before and
	 * after VF 1 writes the matrix, and the other way round */
	snapshot(e2, a);
	write_matrix(e1);
	snapshot(e2, b);
	assert_memory_equal(a, b, VPCI_CFG_SIZE);
	snapshot(e1, a);
	write_matrix(e2);
	snapshot(e1, b);
	assert_memory_equal(a, b, VPCI_CFG_SIZE);
	assert_int_equal(v1.bad + v2.bad, 0);
	vpci_emu_free(e1);
	vpci_emu_free(e2);
	vpci_func_free(f1);
	vpci_func_free(f2);
}

/* The marking in a file: the writer says "policy: pf-shared" on every
 * field with PF-shared bits, the reader restores them, and a file that
 * makes them device-backed is refused by check and still kept virtual by
 * the engine. */
static void test_policy_in_files(void **state)
{
	vpci_func *f = persona(1, 0, VPCI_VF_VIEW_PLAIN), *g = NULL;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, &text, &len), 0);
	assert_non_null(strstr(text, "device-control: {value: 0x2810, device: 0x0810, policy: pf-shared}"));
	assert_non_null(strstr(text, "command: {value: 0x0000, device: 0x0004, policy: pf-shared}"));
	assert_int_equal(vpci_parse_buffer(text, len, "vf.yaml", &g, NULL), 0);
	assert_memory_equal(f->pfshared, g->pfshared, VPCI_CFG_SIZE);
	vpci_func_free(g);

	/* a hand edit: the PF's Device Control bits device-backed */
	char *edit = strstr(text, "device: 0x0810, policy");
	assert_non_null(edit);
	memcpy(edit, "device: 0xffff", 14);
	vpci_diag *d = vpci_diag_new();
	assert_int_equal(vpci_parse_buffer(text, len, "vf.yaml", &g, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "device-control: bits 0x7ef are a VF's"));
	vpci_diag_free(d);
	assert_int_equal(vpci_parse_buffer_flags(text, len, "vf.yaml", VPCI_PARSE_NO_VALIDATE, &g, NULL), 0);
	struct hw hw;
	struct vfdev v;
	vpci_emu *e = NULL;
	memset(&hw, 0, sizeof(hw));
	memset(&v, 0, sizeof(v));
	hw.mask = g->pfshared;
	v.hw = &hw;
	struct vpci_backend be = { &hw_ops, &v };
	assert_int_equal(vpci_emu_new(g, &be, NULL, NULL, &e, NULL), 0);
	write_matrix(e);
	assert_true(v.writes > 0);
	assert_int_equal(v.bad, 0);
	vpci_emu_free(e);
	vpci_func_free(g);
	free(text);
	vpci_func_free(f);
}

/* --- personas ---------------------------------------------------------------- */

static void test_persona_from_dump(void **state)
{
	vpci_func *f = persona(3, 0, VPCI_VF_VIEW_PLAIN);
	const uint8_t *b = vpci_func_bytes(f);
	struct vpci_bar_info bi;

	(void)state;
	/* identity: the PF's vendor, the VF Device ID */
	assert_int_equal(le16(b), 0x1234);
	assert_int_equal(le16(b + 2), 0x11e9);
	assert_int_equal(b[0x08], 0x03);
	assert_int_equal(le_get64(b + 9, 3), 0x020000);
	assert_int_equal(le16(b + 0x2c), 0x1234);
	/* routing ID 0x0300 + 0x80 + 2 * 2, ARI-style function numbers */
	assert_string_equal(origin_value(f, "slot"), "0000:03:10.4");
	assert_string_equal(vpci_func_name(f), "1234-11e9-0000-03-10.4");
	assert_non_null(strstr(origin_value(f, "note"), "VF 3 of the PF 0000:03:00.0"));
	/* no INTx, one function, no ROM */
	assert_int_equal(b[0x3d], 0);
	assert_int_equal(b[0x0e], 0);
	assert_int_equal(vpci_func_bar(f, ROM_INDEX, &bi), VPCI_ENOENT);
	/* BARs: kinds from the PF's VF BARs, sizes its VF BAR space / TotalVFs */
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM64);
	assert_true(bi.prefetchable);
	assert_int_equal(bi.size, 16384);
	assert_int_equal(bi.address, 0);
	assert_int_equal(vpci_func_bar(f, 2, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM32);
	assert_false(bi.prefetchable);
	assert_int_equal(bi.size, 4096);
	assert_int_equal(vpci_func_bar(f, 4, &bi), VPCI_ENOENT);
	/* what a VF carries: no SR-IOV, PASID, PRI, LTR, L1SS; ARI hidden by
	 * the guest policy as for any function */
	assert_false(has_cap(f, true, 0x10));
	assert_false(has_cap(f, true, 0x1b));
	assert_false(has_cap(f, true, 0x13));
	assert_false(has_cap(f, true, 0x18));
	assert_false(has_cap(f, true, 0x1e));
	assert_false(has_cap(f, true, 0x0e));
	assert_true(has_cap(f, false, 0x11));
	assert_true(has_cap(f, false, 0x10));
	assert_true(has_cap(f, true, 0x01));
	assert_true(has_cap(f, true, 0x0f));
	/* the PF's host state is gone: Device Control at reset, link bits 0 */
	int k = vpci_func_find_cap(f, false, 0x10, NULL);
	assert_int_equal(le16(b + f->caps[k].off + 8), 0x2810);
	assert_int_equal(le16(b + f->caps[k].off + 0x12) & 0xc000, 0);
	assert_int_equal(vpci_validate(f, NULL), 0);
	vpci_func_free(f);

	/* raw: the config space VF 3 would show */
	f = persona(3, 1, VPCI_VF_VIEW_PLAIN);
	b = vpci_func_bytes(f);
	assert_int_equal(le32(b), 0xffffffffu);
	assert_int_equal(le32(b + 0x10), 0);
	assert_int_equal(vpci_func_bar(f, 0, &bi), VPCI_ENOENT);
	assert_true(has_cap(f, true, 0x0e));         /* ARI stays in the raw view */
	assert_false(has_cap(f, true, 0x10));
	assert_int_equal(le16(b + 0x04), 0);
	assert_int_equal(le16(b + 0x06), 0x0010);
	/* the chain is re-linked: AER -> ARI -> ATS -> DSN */
	k = vpci_func_find_cap(f, true, 0x0e, NULL);
	assert_int_equal(le32(b + f->caps[k].off) >> 20, 0x190);
	vpci_func_free(f);
}

static void test_persona_errors(void **state)
{
	struct vpci_derive_opts o = { 0 };
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	const char *path = write_dump("pfvf.lspci", 1, 1, pf_vvv);

	(void)state;
	/* VF 9 of a PF with TotalVFs 8 */
	o.vf = 9;
	assert_int_equal(derive_from(path, "03:00.0", &o, &f, d), VPCI_EINVAL);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "VF 9 does not exist"));
	vpci_diag_clear(d);
	/* a persona of a function without SR-IOV (the VF itself) */
	o.vf = 1;
	assert_int_equal(derive_from(path, "03:10.2", &o, &f, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "not an SR-IOV physical function"));
	assert_null(f);
	vpci_diag_free(d);
}

/* A sysfs tree: the PF's VF BAR space from resource lines 7..12 */
static void test_persona_from_sysfs(void **state)
{
	char p[700], cmd[800];
	uint8_t cfg[4096];
	FILE *fp;
	vpci_source *s = NULL;
	vpci_func *f = NULL;
	struct vpci_derive_opts o = { 0 };
	struct vpci_bar_info bi;

	(void)state;
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:03:00.0", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", p);
	assert_int_equal(system(cmd), 0);
	make_pf(cfg);
	snprintf(cmd, sizeof(cmd), "%s/config", p);
	fp = fopen(cmd, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), fp), sizeof(cfg));
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "%s/resource", p);
	fp = fopen(cmd, "w");
	assert_non_null(fp);
	fprintf(fp, "0x00000000fe000000 0x00000000fe00ffff 0x0000000000140204\n");
	for (int i = 1; i < 7; i++)
		fprintf(fp, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	fprintf(fp, "0x00000000fd000000 0x00000000fd03ffff 0x000000000014220c\n"); /* 8 x 32 KiB */
	fprintf(fp, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	fprintf(fp, "0x00000000fc000000 0x00000000fc00bfff 0x0000000000040200\n"); /* 48 KiB: not 8 x 2^n */
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "%s/sys", dir);
	assert_int_equal(vpci_source_open(VPCI_SRC_SYSFS, cmd, &s, NULL), 0);
	o.vf = 8;
	vpci_diag *d = vpci_diag_new();
	assert_int_equal(vpci_derive(s, 0, &o, &f, d), 0);
	/* 0x0300 + 0x80 + 7 * 2 */
	assert_string_equal(origin_value(f, "slot"), "0000:03:11.6");
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.size, 32768);
	assert_int_equal(vpci_func_bar(f, 2, &bi), 0);
	assert_false(bi.size_known);
	int warned = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		warned |= strstr(vpci_diag_get(d, i)->message, "not TotalVFs (8) times a power of two") != NULL;
	assert_true(warned);
	vpci_diag_free(d);
	vpci_func_free(f);
	vpci_source_free(s);
}

/* --- a dump's VF --------------------------------------------------------------- */

static void test_dump_vf_with_pf(void **state)
{
	struct vpci_derive_opts o = { 0 };
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL, *p = NULL;
	struct vpci_bar_info bi;
	const char *path = write_dump("pfvf.lspci", 1, 1, pf_vvv);

	(void)state;
	/* found by Routing-ID arithmetic: 03:10.2 = VF 2 */
	assert_int_equal(derive_from(path, "03:10.2", &o, &f, d), 0);
	const uint8_t *b = vpci_func_bytes(f);
	assert_int_equal(le16(b), 0x1234);
	assert_int_equal(le16(b + 2), 0x11e9);
	assert_non_null(strstr(origin_value(f, "note"), "VF 2 of the PF 0000:03:00.0"));
	/* BARs from the PF; the VF's own bytes for the rest; no INTx */
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.type, VPCI_BAR_MEM64);
	assert_int_equal(bi.size, 16384);
	assert_int_equal(b[0x3d], 0);
	/* the PF's Command mask is not applied: only Bus Master (§9.3.4.1.3) */
	assert_int_equal(func_plane_get(f, VPCI_PL_DEVICE, 4, 2), 0x0004);
	assert_int_equal(vpci_validate(f, NULL), 0);
	vpci_func_free(f);
	/* the PF's SR-IOV Region lines are not its own BARs */
	assert_int_equal(derive_from(path, "03:00.0", &o, &p, d), 0);
	assert_int_equal(vpci_func_bar(p, 0, &bi), 0);
	assert_int_equal(bi.size, 65536);
	assert_int_equal(vpci_func_bar(p, 2, &bi), VPCI_ENOENT);
	vpci_func_free(p);
	/* the VF's own -vvv text (lspci prints what the kernel tells of a VF)
	 * wins over the PF's VF BAR space */
	char p3[512];
	uint8_t cfg[4096];
	snprintf(p3, sizeof(p3), "%s/own.lspci", dir);
	FILE *fp = fopen(p3, "w");
	assert_non_null(fp);
	make_pf(cfg);
	dump_dev(fp, "03:00.0", cfg, pf_vvv);
	make_vf(cfg);
	dump_dev(fp, "03:10.2", cfg, "\tRegion 0: Memory at fd008000 (64-bit, prefetchable) [virtual] [size=32K]\n");
	fclose(fp);
	assert_int_equal(derive_from(p3, "03:10.2", &o, &f, d), 0);
	assert_int_equal(vpci_func_bar(f, 0, &bi), 0);
	assert_int_equal(bi.size, 32768);
	assert_int_equal(vpci_func_bar(f, 2, &bi), 0);
	assert_int_equal(bi.size, 4096);
	vpci_func_free(f);
	/* named: the right PF, a wrong one, the VF itself */
	o.pf = "03:00.0";
	assert_int_equal(derive_from(path, "03:10.2", &o, &f, d), 0);
	vpci_func_free(f);
	vpci_diag_clear(d);
	o.pf = "03:10.2";
	assert_int_equal(derive_from(path, "03:10.2", &o, &f, d), VPCI_EINVAL);
	vpci_diag_clear(d);
	o.pf = "03:00.0";
	assert_int_equal(derive_from(path, "03:00.0", &o, &f, d), VPCI_EINVAL);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "does not read 0xffff"));
	vpci_diag_free(d);
}

static void test_dump_vf_without_pf(void **state)
{
	struct vpci_derive_opts o = { 0 };
	vpci_diag *d = vpci_diag_new();
	vpci_func *f = NULL;
	const char *path = write_dump("vf.lspci", 0, 1, NULL);

	(void)state;
	/* a guest view is refused with the reason */
	assert_int_equal(derive_from(path, "03:10.2", &o, &f, d), VPCI_EDATA);
	assert_null(f);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "an SR-IOV VF"));
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "no SR-IOV PF with a VF at this address"));
	vpci_diag_clear(d);
	/* raw still describes what the device shows */
	o.policy = VPCI_POLICY_RAW;
	assert_int_equal(derive_from(path, "03:10.2", &o, &f, d), 0);
	assert_int_equal(le32(vpci_func_bytes(f)), 0xffffffffu);
	vpci_func_free(f);
	/* a PF whose VFs are elsewhere: not this VF's */
	uint8_t cfg[4096];
	char p2[512];
	snprintf(p2, sizeof(p2), "%s/other.lspci", dir);
	FILE *fp = fopen(p2, "w");
	assert_non_null(fp);
	make_pf(cfg);
	unit_put16(cfg, 0x164, 0x100);        /* First VF Offset: VFs on bus 4 */
	dump_dev(fp, "03:00.0", cfg, NULL);
	make_vf(cfg);
	dump_dev(fp, "03:10.2", cfg, NULL);
	fclose(fp);
	o.policy = VPCI_POLICY_GUEST;
	vpci_diag_clear(d);
	assert_int_equal(derive_from(p2, "03:10.2", &o, &f, d), VPCI_EDATA);
	o.pf = "03:00.0";
	vpci_diag_clear(d);
	assert_int_equal(derive_from(p2, "03:10.2", &o, &f, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "is not a VF of 0000:03:00.0: its 8 VFs are "
							     "0000:04:00.0 .. 0000:04:01.6"));
	vpci_diag_free(d);
}

/* --- the VF view ------------------------------------------------------------------ */

struct evlog {
	unsigned bars;
	uint64_t addr;
};

static void on_event(void *opaque, const struct vpci_event *ev)
{
	struct evlog *l = opaque;

	if (ev->kind == VPCI_EV_BAR && ev->index == 0 && ev->enabled) {
		l->bars++;
		l->addr = ev->addr;
	}
}

static void test_vf_view_decodes(void **state)
{
	static const struct vpci_emu_ops ops = { on_event };
	vpci_func *plain = persona(1, 0, VPCI_VF_VIEW_PLAIN), *vf = persona(1, 0, VPCI_VF_VIEW_VF);
	struct evlog lp = { 0 }, lv = { 0 };
	vpci_emu *ep = NULL, *ev = NULL;
	uint32_t v;

	(void)state;
	assert_int_equal(vpci_emu_new(plain, NULL, &ops, &lp, &ep, NULL), 0);
	assert_int_equal(vpci_emu_new(vf, NULL, &ops, &lv, &ev, NULL), 0);
	for (int i = 0; i < 2; i++) {
		vpci_emu *e = i ? ev : ep;
		assert_int_equal(vpci_emu_write(e, 0x10, 4, 0xe0000000), 0);
		assert_int_equal(vpci_emu_write(e, 0x14, 4, 0x1), 0);
	}
	/* plain: nothing until the guest sets Memory Space Enable */
	assert_int_equal(lp.bars, 0);
	assert_int_equal(vpci_emu_write(ep, 0x04, 2, 0x0006), 0);
	assert_int_equal(vpci_emu_read(ep, 0x04, 2, &v), 0);
	assert_int_equal(v, 0x0006);
	assert_int_equal(lp.bars, 1);
	/* VF view: mapped as soon as it has an address (low half, then the
	 * whole), and Memory Space Enable reads 0 whatever the guest writes
	 * (no_command_memory) */
	assert_int_equal(lv.bars, 2);
	assert_int_equal(lv.addr, 0x1e0000000ull);
	assert_int_equal(vpci_emu_write(ev, 0x04, 2, 0x0547), 0);
	assert_int_equal(vpci_emu_read(ev, 0x04, 2, &v), 0);
	assert_int_equal(v, 0x0004);
	vpci_emu_free(ep);
	vpci_emu_free(ev);
	vpci_func_free(plain);
	vpci_func_free(vf);
}

/* --- a virtual PF (vf-template) ----------------------------------------------- */

static const char vpf_text[] =
	"vpci: 1\n"
	"name: vpf\n"
	"function:\n"
	"  vf-template: vf.yaml\n"
	"  header: {vendor-id: 0x1af4, device-id: 0x1041, class-code: 0x020000}\n"
	"  bars:\n"
	"    - {index: 0, type: mem64, size: 16KiB}\n"
	"  capabilities:\n"
	"    - type: pcie\n"
	"      offset: 0x40\n"
	"      fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}\n"
	"  extended-capabilities:\n"
	"    - type: ari\n"
	"      offset: 0x100\n"
	"    - type: sriov\n"
	"      offset: 0x108\n"
	"      fields: {initial-vfs: 4, total-vfs: 4, first-vf-offset: 2, vf-stride: 2, vf-device-id: 0x1042,\n"
	"               supported-page-sizes: 0x553, vf-bar0: 0x0000000c}\n";

static const char vf_text[] =
	"vpci: 1\n"
	"name: vpf-vf\n"
	"function:\n"
	"  header: {vendor-id: 0x1af4, device-id: 0x1042, class-code: 0x020000}\n"
	"  bars:\n"
	"    - {index: 0, type: mem64, prefetchable: true, size: 16KiB}\n"
	"  capabilities:\n"
	"    - type: pcie\n"
	"      offset: 0x40\n"
	"      fields: {pcie-capabilities: 0x0002}\n";

struct vfevents {
	unsigned up, down, bars, last_bar_vfs, order_ok, reenter, ready;
	unsigned rid[8], n[8], seen;
	uint64_t bar_addr;
	int bar_on;
	vpci_emu *e;
	unsigned ctl;
};

static void vf_event(void *opaque, const struct vpci_event *ev)
{
	struct vfevents *l = opaque;

	if (ev->kind == VPCI_EV_VF) {
		if (ev->enabled) {
			l->order_ok &= ev->index == l->up - l->down + 1;
			l->up++;
			if (l->seen < 8) {
				l->rid[l->seen] = ev->data;
				l->n[l->seen++] = ev->index;
			}
			/* ready to use: an engine for the VF from the event */
			vpci_emu *v = NULL;
			if (ev->func && !vpci_emu_new(ev->func, NULL, NULL, NULL, &v, NULL))
				l->ready++;
			vpci_emu_free(v);
			if (l->reenter) {
				/* from the handler: VF Enable off and on again */
				l->reenter = 0;
				assert_int_equal(vpci_emu_write(l->e, l->ctl, 2, 0x0008), 0);
				assert_int_equal(vpci_emu_write(l->e, l->ctl, 2, 0x0009), 0);
			}
		} else {
			l->order_ok &= ev->index == l->up - l->down;
			l->down++;
		}
	} else if (ev->kind == VPCI_EV_VF_BAR && ev->index == 0) {
		l->bars++;
		l->bar_addr = ev->addr;
		l->bar_on = ev->enabled;
		l->last_bar_vfs = ev->data;
		assert_int_equal(ev->size, 16384);
	}
}

static void test_virtual_pf(void **state)
{
	static const struct vpci_emu_ops ops = { vf_event };
	char path[600], vpath[600];
	vpci_func *f = NULL, *g = NULL;
	vpci_emu *e = NULL;
	struct vfevents l;
	uint32_t v;

	(void)state;
	snprintf(path, sizeof(path), "%s/vpf.yaml", dir);
	snprintf(vpath, sizeof(vpath), "%s/vf.yaml", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(vpf_text, fp);
	fclose(fp);
	fp = fopen(vpath, "w");
	assert_non_null(fp);
	fputs(vf_text, fp);
	fclose(fp);
	vpci_diag *d = vpci_diag_new();
	int rc = vpci_parse_file(path, &f, d);
	for (size_t i = 0; rc && i < vpci_diag_count(d); i++)
		fprintf(stderr, "%s\n", vpci_diag_get(d, i)->message);
	assert_int_equal(rc, 0);
	vpci_diag_free(d);
	const vpci_func *t = vpci_func_vf_template(f);
	assert_non_null(t);
	assert_string_equal(vpci_func_name(t), "vpf-vf");
	/* the writer keeps the reference; the copy keeps the template */
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(vpci_write(f, VPCI_WRITE_NO_NAMES, &text, &len), 0);
	assert_non_null(strstr(text, "  vf-template: \"vf.yaml\"\n"));
	free(text);
	g = vpci_func_dup(f);
	assert_non_null(g);
	assert_string_equal(vpci_func_name(vpci_func_vf_template(g)), "vpf-vf");
	vpci_func_free(g);

	struct sriov_layout sr;
	captab_sriov_layout(0x108, &sr);
	memset(&l, 0, sizeof(l));
	l.order_ok = 1;
	l.ctl = sr.ctl;
	assert_int_equal(vpci_emu_new(f, NULL, &ops, &l, &e, NULL), 0);
	l.e = e;
	vpci_emu_set_routing_id(e, 0x0300);
	/* the guest's PF driver: NumVFs, VF BAR sizing and placement */
	assert_int_equal(vpci_emu_write(e, sr.num, 2, 3), 0);
	assert_int_equal(vpci_emu_write(e, sr.vfbar[0], 4, 0xffffffff), 0);
	assert_int_equal(vpci_emu_write(e, sr.vfbar[1], 4, 0xffffffff), 0);
	assert_int_equal(vpci_emu_read(e, sr.vfbar[0], 4, &v), 0);
	assert_int_equal(v, 0xffffc00c);             /* 16 KiB, 64-bit prefetchable */
	assert_int_equal(vpci_emu_read(e, sr.vfbar[1], 4, &v), 0);
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(vpci_emu_write(e, sr.vfbar[0], 4, 0xe0000000), 0);
	assert_int_equal(vpci_emu_write(e, sr.vfbar[1], 4, 0x1), 0);
	assert_int_equal(l.up, 0);
	assert_int_equal(l.bars, 0);
	/* VF Enable and VF MSE: VFs 1..3, Routing IDs 0x300 + 2 + 2 (n - 1) */
	assert_int_equal(vpci_emu_write(e, sr.ctl, 2, 0x0009), 0);
	assert_int_equal(l.up, 3);
	assert_int_equal(l.ready, 3);
	assert_int_equal(l.rid[0], 0x302);
	assert_int_equal(l.rid[1], 0x304);
	assert_int_equal(l.rid[2], 0x306);
	assert_true(l.bar_on);
	assert_int_equal(l.bar_addr, 0x1e0000000ull);
	assert_int_equal(l.last_bar_vfs, 3);
	/* NumVFs while VF Enable is Set, and above TotalVFs: kept */
	assert_int_equal(vpci_emu_write(e, sr.num, 2, 4), 0);
	assert_int_equal(vpci_emu_read(e, sr.num, 2, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(l.up, 3);
	/* VF Enable cleared: the VFs go, the last first */
	assert_int_equal(vpci_emu_write(e, sr.ctl, 2, 0x0008), 0);
	assert_int_equal(l.down, 3);
	assert_false(l.bar_on);
	assert_int_equal(vpci_emu_write(e, sr.num, 2, 5), 0);
	assert_int_equal(vpci_emu_read(e, sr.num, 2, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(vpci_emu_write(e, sr.num, 2, 4), 0);
	assert_int_equal(vpci_emu_read(e, sr.num, 2, &v), 0);
	assert_int_equal(v, 4);
	/* enabled again, and from the first VF's handler off and on: every
	 * VF goes before they come again */
	l.reenter = 1;
	assert_int_equal(vpci_emu_write(e, sr.ctl, 2, 0x0009), 0);
	assert_int_equal(l.up, 3 + 4 + 4);
	assert_int_equal(l.down, 3 + 4);
	assert_true(l.bar_on);
	assert_int_equal(l.last_bar_vfs, 4);
	/* migrated: the destination's engine brings the same VFs, with their
	 * Routing IDs, and maps the VF BAR space */
	void *blob = NULL;
	size_t bloblen = 0;
	struct vfevents m;
	vpci_emu *e2 = NULL;
	memset(&m, 0, sizeof(m));
	m.order_ok = 1;
	m.ctl = sr.ctl;
	assert_int_equal(vpci_emu_save(e, &blob, &bloblen), 0);
	assert_int_equal(vpci_emu_new(f, NULL, &ops, &m, &e2, NULL), 0);
	m.e = e2;
	vpci_emu_set_routing_id(e2, 0x0300);
	assert_int_equal(vpci_emu_load(e2, blob, bloblen, NULL), 0);
	assert_int_equal(m.up, 4);
	assert_int_equal(m.down, 0);
	assert_int_equal(m.rid[3], 0x308);
	assert_int_equal(m.ready, 4);
	assert_true(m.bar_on);
	assert_int_equal(m.bar_addr, 0x1e0000000ull);
	assert_int_equal(m.last_bar_vfs, 4);
	assert_true(m.order_ok);
	/* loaded again over itself: nothing changes, nothing is reported */
	assert_int_equal(vpci_emu_load(e2, blob, bloblen, NULL), 0);
	assert_int_equal(m.up, 4);
	assert_int_equal(m.down, 0);
	vpci_emu_free(e2);
	free(blob);
	/* a PF reset takes them away */
	assert_int_equal(vpci_emu_reset(e, VPCI_RESET_HOT), 0);
	assert_int_equal(l.down, 3 + 4 + 4);
	assert_false(l.bar_on);
	assert_true(l.order_ok);
	vpci_emu_free(e);
	vpci_func_free(f);

	/* a missing template is an error of the PF's file */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(vpf_text, fp);
	fclose(fp);
	remove(vpath);
	d = vpci_diag_new();
	assert_int_equal(vpci_parse_file(path, &f, d), VPCI_EDATA);
	int said = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		said |= strstr(vpci_diag_get(d, i)->message, "vf.yaml: No such file or directory") != NULL;
	assert_true(said);
	vpci_diag_free(d);
	/* standard input, or something that is not a file, is refused */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(vpf_text, fp);
	fclose(fp);
	char *stdin_pf = strdup(vpf_text);
	assert_non_null(stdin_pf);
	memcpy(strstr(stdin_pf, "vf.yaml"), "\"-\"    ", 7);
	d = vpci_diag_new();
	assert_int_equal(vpci_parse_buffer(stdin_pf, strlen(stdin_pf), path, &f, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "a file, not standard input"));
	vpci_diag_free(d);
	free(stdin_pf);
	assert_int_equal(mkdir(vpath, 0700), 0);
	d = vpci_diag_new();
	assert_int_equal(vpci_parse_file(path, &f, d), VPCI_EDATA);
	assert_non_null(strstr(vpci_diag_get(d, 0)->message, "not a regular file"));
	vpci_diag_free(d);
	rmdir(vpath);
	/* a template that names a template (itself) */
	fp = fopen(vpath, "w");
	assert_non_null(fp);
	fprintf(fp, "%s", vf_text);
	fclose(fp);
	fp = fopen(vpath, "w");
	assert_non_null(fp);
	fprintf(fp, "vpci: 1\nname: vpf-vf\nfunction:\n  vf-template: vf.yaml\n%s", strstr(vf_text, "  header:"));
	fclose(fp);
	d = vpci_diag_new();
	assert_int_equal(vpci_parse_file(path, &f, d), VPCI_EDATA);
	said = 0;
	for (size_t i = 0; i < vpci_diag_count(d); i++)
		said |= strstr(vpci_diag_get(d, i)->message, "a VF template cannot name a VF template") != NULL;
	assert_true(said);
	vpci_diag_free(d);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vpci-test-vf.%d", (int)getpid());
	return mkdir(dir, 0700);
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_is_the_table),
		cmocka_unit_test(test_rows_on_personas),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_no_write_reaches_shared),
		cmocka_unit_test(test_two_vfs_isolated),
		cmocka_unit_test(test_policy_in_files),
		cmocka_unit_test(test_persona_from_dump),
		cmocka_unit_test(test_persona_errors),
		cmocka_unit_test(test_persona_from_sysfs),
		cmocka_unit_test(test_dump_vf_with_pf),
		cmocka_unit_test(test_dump_vf_without_pf),
		cmocka_unit_test(test_vf_view_decodes),
		cmocka_unit_test(test_virtual_pf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
