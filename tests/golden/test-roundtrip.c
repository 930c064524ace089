/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-roundtrip.c - model round trip over real config spaces
 *
 * For every config image given (binary files, or lspci -x/-xxx/-xxxx text
 * dumps): build the model from the bytes, write canonical YAML, read it
 * back, and require identical bytes and identical bit planes, and the
 * same text when written again.  Run over the shared corpus of 300 real
 * dumps and over this machine's /sys/bus/pci/devices/ * /config.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpci/vpci.h>

/* Minimal reader of one device of an lspci hex dump (test-only). */
static int read_dump(const char *path, uint8_t *b, size_t *n)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	size_t max = 0;
	int in = 0;

	if (!fp)
		return -1;
	memset(b, 0xff, 4096);
	while (fgets(line, sizeof(line), fp)) {
		size_t k = 0;
		while (isxdigit((unsigned char)line[k]))
			k++;
		if (in && k >= 2 && line[k] == ':' && line[k + 1] == ' ') {
			unsigned long off = strtoul(line, NULL, 16);
			char *s = line + k + 1;
			while (s[0] == ' ' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
				char h[3] = { s[1], s[2], 0 };
				if (off < 4096)
					b[off++] = (uint8_t)strtoul(h, NULL, 16);
				if (off > max)
					max = off;
				s += 3;
			}
			continue;
		}
		if (line[0] == '\n' && in && max)
			break;
		if (!in && k >= 2 && line[k] == ':' && strchr(line, '.') && strchr(line, ' '))
			in = 1;
	}
	fclose(fp);
	*n = max;
	return max ? 0 : -1;
}

static int read_bin(const char *path, uint8_t *b, size_t *n)
{
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return -1;
	*n = fread(b, 1, 4096, fp);
	fclose(fp);
	return 0;
}

static int one(const char *path)
{
	uint8_t b[4096];
	size_t n = 0;
	vpci_func *f = NULL, *g = NULL;
	char *t1 = NULL, *t2 = NULL;
	size_t l1, l2;
	int bad = 1;

	if ((strstr(path, ".lspci") ? read_dump(path, b, &n) : read_bin(path, b, &n)) ||
	    (n != 64 && n != 128 && n != 256 && n != 4096)) {
		printf("SKIP %s: not a 64/128/256/4096-byte config image (%zu bytes)\n", path, n);
		return -1;
	}
	if (vpci_func_from_config(b, n, &f, NULL)) {
		printf("FAIL %s: model from bytes\n", path);
		return 1;
	}
	vpci_func_set_name(f, "roundtrip");
	if (vpci_write(f, 0, &t1, &l1)) {
		printf("FAIL %s: write\n", path);
		goto out;
	}
	vpci_diag *d = vpci_diag_new();
	/* a raw description of a real device may break PCI rules (broken
	 * chains, reserved bits): read the format only, then compare */
	int rc = vpci_parse_buffer_flags(t1, l1, "roundtrip.yaml", VPCI_PARSE_NO_VALIDATE, &g, d);
	for (size_t i = 0; rc && i < vpci_diag_count(d); i++) {
		char msg[600];
		vpci_diag_format(vpci_diag_get(d, i), msg, sizeof(msg));
		printf("  %s\n", msg);
	}
	vpci_diag_free(d);
	if (rc) {
		printf("FAIL %s: parse %s\n", path, vpci_strerror(rc));
		goto out;
	}
	if (memcmp(vpci_func_bytes(f), vpci_func_bytes(g), 4096)) {
		printf("FAIL %s: bytes differ after the round trip\n", path);
		goto out;
	}
	for (int p = 0; p < VPCI_PL_COUNT; p++) {
		if (memcmp(vpci_func_plane(f, (enum vpci_plane)p), vpci_func_plane(g, (enum vpci_plane)p), 4096)) {
			printf("FAIL %s: plane %d differs after the round trip\n", path, p);
			goto out;
		}
	}
	uint8_t img[4096];
	int len = vpci_render_bin(g, img, sizeof(img));
	if (len < 0 || memcmp(img, b, n)) {
		printf("FAIL %s: rendered image differs from the input\n", path);
		goto out;
	}
	if (vpci_write(g, 0, &t2, &l2) || l1 != l2 || memcmp(t1, t2, l1)) {
		printf("FAIL %s: writing again gives different text\n", path);
		goto out;
	}
	printf("ok   %s\n", path);
	bad = 0;
out:
	free(t1);
	free(t2);
	vpci_func_free(f);
	vpci_func_free(g);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned pass = 0, fail = 0;

	for (int i = 1; i < argc; i++) {
		int r = one(argv[i]);
		if (r == 0)
			pass++;
		else if (r > 0)
			fail++;
	}
	if (argc < 2)
		printf("SKIP: no config images given\n");
	printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : (pass ? 0 : 77);
}
