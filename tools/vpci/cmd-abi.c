/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd-abi.c - vpci abi [--json] FILE...: the guest ABI hash of instances
 * (docs/abi.md), and with --json its parts
 */
#include <inttypes.h>
#include <stdio.h>

#include "vpci-cli.h"

enum { O_JSON, O_TYPES };

static const struct cli_opt opts[] = {
	[O_JSON] = { "json", 'j', NULL, "one JSON array with every part of each ABI\n(shape in vpci(1))", NULL, NULL,
		     NULL },
	[O_TYPES] = CLI_OPT_TYPES,
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

static void hash_field(uint64_t h)
{
	printf("\"hash\": \"0x%016" PRIx64 "\"", h);
}

/* A per-bit part: its set bits and the ranges of non-zero bytes. */
static void array_json(const uint8_t *arr, unsigned size)
{
	unsigned bits = 0, first = 1;

	for (unsigned i = 0; i < size; i++)
		bits += (unsigned)__builtin_popcount(arr[i]);
	printf(", \"bits\": %u, \"ranges\": [", bits);
	for (unsigned i = 0; i < size;) {
		if (!arr[i]) {
			i++;
			continue;
		}
		unsigned s = i;
		while (i < size && arr[i])
			i++;
		printf("%s{\"offset\": %u, \"length\": %u}", first ? "" : ", ", s, i - s);
		first = 0;
	}
	printf("]");
}

static void json_abi(const char *name, const vpci_func *f, const vpci_abi *abi, int first)
{
	size_t len;
	unsigned size = vpci_func_config_size(f);

	vpci_abi_encoding(abi, &len);
	printf("%s\n  {\"file\": ", first ? "" : ",");
	json_str(stdout, name);
	printf(", \"name\": ");
	json_str(stdout, vpci_func_name(f));
	printf(", \"abi_version\": %d, ", VPCI_ABI_VERSION);
	hash_field(vpci_abi_hash(abi));
	printf(", \"encoded_bytes\": %zu,\n   \"parts\": {", len);
	for (int p = 0; p < VPCI_ABI_PART_COUNT; p++) {
		printf("%s\n    \"%s\": {", p ? "," : "", vpci_abi_part_name((enum vpci_abi_part)p));
		hash_field(vpci_abi_part_hash(abi, (enum vpci_abi_part)p));
		if (p == VPCI_ABI_FUNCTION) {
			printf(", \"config_size\": %u, \"kind\": ", size);
			json_str(stdout, vpci_kind_name(vpci_func_kind(f)));
			printf(", \"multifunction\": %s", (vpci_func_read(f, 0x0e, 1) & 0x80) ? "true" : "false");
		} else if (p == VPCI_ABI_CAPS) {
			printf(", \"list\": [");
			for (unsigned i = 0; i < vpci_func_cap_count(f); i++) {
				struct vpci_cap_info c;
				vpci_func_cap(f, i, &c);
				printf("%s{\"type\": ", i ? ", " : "");
				json_str(stdout, c.key);
				printf(", \"id\": %u, \"extended\": %s, \"version\": %u, \"offset\": %u}", c.id,
				       c.extended ? "true" : "false", c.version, c.offset);
			}
			printf("]");
		} else if (p == VPCI_ABI_BARS) {
			printf(", \"list\": [");
			for (unsigned i = 0, n = 0; i <= 6; i++) {
				struct vpci_bar_info b;
				if (vpci_func_bar(f, i, &b) || b.type == VPCI_BAR_MEM64_HI)
					continue;
				printf("%s{\"index\": %u, \"type\": ", n++ ? ", " : "", i);
				json_str(stdout, vpci_bar_type_name(b.type));
				printf(", \"prefetchable\": %s, \"size\": %" PRIu64 "}", b.prefetchable ? "true" : "false",
				       b.size_known ? b.size : 0);
			}
			printf("]");
		} else {
			array_json(vpci_abi_array(abi, (enum vpci_abi_part)p), size);
		}
		printf("}");
	}
	printf("\n   },\n   \"regions\": [\n    {\"region\": \"header\", \"offset\": 0, \"length\": 64, ");
	hash_field(vpci_abi_range_hash(abi, 0, 64));
	printf("}");
	for (unsigned i = 0; i < vpci_func_cap_count(f); i++) {
		struct vpci_cap_info c;
		vpci_func_cap(f, i, &c);
		unsigned l = c.length ? c.length : 4;
		printf(",\n    {\"region\": ");
		json_str(stdout, c.key);
		printf(", \"offset\": %u, \"length\": %u, ", c.offset, l);
		hash_field(vpci_abi_range_hash(abi, c.offset, l));
		printf("}");
	}
	printf("\n   ]}");
}

static int run(struct cli_args *a)
{
	int json = cli_has(a, O_JSON), worst = 0, shown = 0;

	if (json)
		printf("[");
	for (int i = 0; i < a->npos; i++) {
		const char *name = cli_input_name(a->pos[i]);
		vpci_func *f = NULL;
		vpci_abi *abi = NULL;
		int rc = cli_load(a->pos[i], &f);
		if (!rc && vpci_abi_new(f, &abi))
			rc = EX_SOFTWARE_;
		if (!rc && json)
			json_abi(name, f, abi, !shown++);
		else if (!rc)
			printf("0x%016" PRIx64 "  %s\n", vpci_abi_hash(abi), name);
		vpci_abi_free(abi);
		vpci_func_free(f);
		if (rc == EX_NOINPUT_ || (rc && worst != EX_NOINPUT_))
			worst = rc;
	}
	if (json)
		printf(shown ? "\n]\n" : "]\n");
	return worst;
}

const struct cli_cmd cli_cmd_abi = {
	.name = "abi",
	.summary = "print the guest ABI hash of instances",
	.synopsis = "[--json] FILE...",
	.description = "Print the guest ABI hash of each instance file, 'HASH  FILE' per line:\n"
		       "what a guest can observe of the function (docs/abi.md).  Two instances\n"
		       "with the same hash present the same function to a guest; names, comments,\n"
		       "origin and reset values of guest-writable bits do not enter it.\n",
	.opts = opts,
	.min_args = 1,
	.max_args = -1,
	.args_name = "FILE",
	.exit_status = "0 success, 64 usage error, 65 some file invalid,\n66 some file unreadable.",
	.run = run,
};
