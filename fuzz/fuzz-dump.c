/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-dump.c - libFuzzer target for the lspci dump reader and the
 * capability walker behind it: every device read from the input is
 * derived under both policies (which walks both chains bounded and
 * cycle-safe; a device that reads 0xffff IDs looks for its PF among the
 * others) and as the PF of a VF persona, written, read back, and
 * rendered.  Any crash, overread
 * (ASan), or a derived description that does not read back is a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source_priv.h"
#include "vpci/vpci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	struct vpci_source *s;

	if (!fp || !size) {
		if (fp)
			fclose(fp);
		return 0;
	}
	s = source_new(VPCI_SRC_DUMP);
	if (!s)
		abort();
	vpci_diag *d = vpci_diag_new();
	int rc = dump_read_stream(s, fp, "fuzz.lspci", d);
	fclose(fp);
	for (size_t i = 0; !rc && i < vpci_source_count(s) && i < 8; i++) {
		/* guest, raw, and VF 1 of it as if it were an SR-IOV PF (a VF
		 * persona: docs/policy.md) */
		for (int pol = 0; pol < 3; pol++) {
			struct vpci_derive_opts o = { (enum vpci_policy)(pol == 1), pol == 1, NULL, NULL };
			o.vf = pol == 2;
			vpci_func *f = NULL;
			if (vpci_derive(s, i, &o, &f, d))
				continue;
			char *text = NULL;
			size_t len = 0;
			if (vpci_write(f, VPCI_WRITE_NO_NAMES, &text, &len))
				abort();
			vpci_func *g = NULL;
			if (vpci_parse_buffer_flags(text, len, "w.yaml", VPCI_PARSE_NO_VALIDATE, &g, NULL))
				abort(); /* what we write we must read */
			if (memcmp(vpci_func_bytes(f), vpci_func_bytes(g), VPCI_CFG_SIZE))
				abort();
			uint8_t bin[VPCI_CFG_SIZE];
			if (vpci_render_bin(g, bin, sizeof(bin)) < 0)
				abort();
			char *dump = NULL;
			if (vpci_render_lspci(g, NULL, &dump))
				abort();
			free(dump);
			free(text);
			vpci_func_free(f);
			vpci_func_free(g);
		}
	}
	vpci_diag_free(d);
	vpci_source_free(s);
	return 0;
}
