/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * regdriver.c - runs registry operations read from stdin, one per line,
 * through the public API, and prints what each returned: the status, the
 * diagnostics' severities and rules, and the CRC-32 of the registry file the
 * registry writes afterwards.  tests/registry/model.py drives it with
 * random operation sequences and compares every line with its model.
 *
 *   new                                   an empty registry
 *   add_fn SLOT VENDOR DEVICE ACTOR FLAGS
 *   add_pf SLOT VENDOR DEVICE VFDEV TOTAL OFFSET STRIDE ARI ACTOR FLAGS
 *   add_vf SLOT PF INDEX ACTOR FLAGS
 *   remove | remove_vfs | reset | rebind | release  SLOT ACTOR FLAGS
 *   manage SLOT ACTOR
 *   assign SLOT OWNER ACTOR FLAGS
 *   owner SLOT OWNER ACTOR FLAGS         (OWNER '-': none)
 *   user SLOT USER                       (USER '-': none; '_' is a space)
 *   roundtrip                            write, parse, write: both equal
 *   dump                                 the registry file, then "."
 *
 * IDs are hex, numbers decimal, ACTOR '-' is the administrator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpci/vpci.h>

/* CRC-32 (the one of zlib, which the model uses) */
static uint32_t crc32(const char *s)
{
	static uint32_t table[256];
	uint32_t c = 0xffffffffu;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;
			for (int k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			table[i] = v;
		}
	for (; *s; s++)
		c = table[(c ^ (unsigned char)*s) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static const char *opt(const char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

static void report(int rc, const vpci_diag *d, const vpci_registry *r)
{
	char *text;

	printf("%d", rc);
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		printf(" %c:%s", "NWE"[e->severity], e->field ? e->field : "?");
	}
	if (vpci_registry_write(r, &text, NULL)) {
		printf(" nomem\n");
		return;
	}
	printf(" #%08x\n", (unsigned)crc32(text));
	free(text);
}

int main(void)
{
	char line[1024];
	vpci_registry *r = vpci_registry_new();
	vpci_diag *d = vpci_diag_new();

	if (!r || !d)
		return 70;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while (fgets(line, sizeof(line), stdin)) {
		char *t[12];
		int n = 0;
		for (char *p = strtok(line, " \n"); p && n < 12; p = strtok(NULL, " \n"))
			t[n++] = p;
		if (!n)
			continue;
		vpci_diag_clear(d);
		int rc = 0;
		const char *op = t[0];
		if (!strcmp(op, "new")) {
			vpci_registry_free(r);
			if (!(r = vpci_registry_new()))
				return 70;
			continue;
		} else if (!strcmp(op, "dump")) {
			char *text;
			if (vpci_registry_write(r, &text, NULL))
				return 70;
			printf("%s.\n", text);
			free(text);
			continue;
		} else if (!strcmp(op, "roundtrip")) {
			char *a, *b;
			vpci_registry *back;
			if (vpci_registry_write(r, &a, NULL))
				return 70;
			rc = vpci_registry_parse(a, strlen(a), "roundtrip", &back, d);
			if (!rc) {
				if (vpci_registry_write(back, &b, NULL))
					return 70;
				rc = strcmp(a, b) ? 1 : 0;
				free(b);
				vpci_registry_free(back);
			}
			free(a);
		} else if (!strcmp(op, "add_fn") && n == 6) {
			rc = vpci_registry_add_fn(r, t[1], (uint16_t)strtoul(t[2], NULL, 16), (uint16_t)strtoul(t[3], NULL, 16),
						  opt(t[4]), (unsigned)atoi(t[5]), d);
		} else if (!strcmp(op, "add_pf") && n == 11) {
			struct vpci_reg_sriov s = {
				(uint16_t)strtoul(t[4], NULL, 16), (uint16_t)atoi(t[5]), (uint16_t)atoi(t[6]),
				(uint16_t)atoi(t[7]), atoi(t[8]) != 0,
			};
			rc = vpci_registry_add_pf(r, t[1], (uint16_t)strtoul(t[2], NULL, 16), (uint16_t)strtoul(t[3], NULL, 16),
						  &s, opt(t[9]), (unsigned)atoi(t[10]), d);
		} else if (!strcmp(op, "add_vf") && n == 6) {
			rc = vpci_registry_add_vf(r, t[1], t[2], (unsigned)atoi(t[3]), opt(t[4]), (unsigned)atoi(t[5]), d);
		} else if (!strcmp(op, "remove") && n == 4) {
			rc = vpci_registry_remove(r, t[1], opt(t[2]), (unsigned)atoi(t[3]), d);
		} else if (!strcmp(op, "remove_vfs") && n == 4) {
			rc = vpci_registry_remove_vfs(r, t[1], opt(t[2]), (unsigned)atoi(t[3]), d);
		} else if (!strcmp(op, "reset") && n == 4) {
			rc = vpci_registry_reset(r, t[1], opt(t[2]), (unsigned)atoi(t[3]), d);
		} else if (!strcmp(op, "rebind") && n == 4) {
			rc = vpci_registry_rebind(r, t[1], opt(t[2]), (unsigned)atoi(t[3]), d);
		} else if (!strcmp(op, "release") && n == 4) {
			rc = vpci_registry_release(r, t[1], opt(t[2]), (unsigned)atoi(t[3]), d);
		} else if (!strcmp(op, "manage") && n == 3) {
			rc = vpci_registry_may_manage(r, t[1], opt(t[2]), d);
		} else if (!strcmp(op, "assign") && n == 5) {
			rc = vpci_registry_assign(r, t[1], t[2], opt(t[3]), (unsigned)atoi(t[4]), d);
		} else if (!strcmp(op, "owner") && n == 5) {
			rc = vpci_registry_set_owner(r, t[1], opt(t[2]), opt(t[3]), (unsigned)atoi(t[4]), d);
		} else if (!strcmp(op, "user") && n == 3) {
			for (char *p = t[2]; *p; p++)
				if (*p == '_')
					*p = ' ';
			rc = vpci_registry_set_user(r, t[1], opt(t[2]), d);
		} else {
			fprintf(stderr, "regdriver: bad command: %s\n", op);
			return 64;
		}
		report(rc, d, r);
	}
	fflush(stdout);
	vpci_diag_free(d);
	vpci_registry_free(r);
	return 0;
}
