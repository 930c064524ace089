/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * names.c - the names of the model's enums, once: the format's spelling
 * of access types, header kinds, BAR types, planes and backing
 * (docs/format.md §4, §6, §9), used by the reader, the writer, the
 * description (show), the validator and the quirk reader alike.
 */
#include "func.h"

const char *const model_access_names[VPCI_ACC_COUNT] = {
	[VPCI_ACC_RO] = "RO", [VPCI_ACC_RW] = "RW", [VPCI_ACC_RW1C] = "RW1C",
	[VPCI_ACC_RSVDP] = "RsvdP", [VPCI_ACC_RSVDZ] = "RsvdZ", [VPCI_ACC_HWINIT] = "HwInit",
	[VPCI_ACC_RWS] = "RWS", [VPCI_ACC_RW1CS] = "RW1CS", [VPCI_ACC_ROS] = "ROS",
};

const char *const model_kind_names[MODEL_KINDS] = {
	[VPCI_KIND_ENDPOINT] = "endpoint", [VPCI_KIND_BRIDGE] = "bridge", [VPCI_KIND_CARDBUS] = "cardbus",
};

/* The first MODEL_BAR_FORMAT_TYPES are the format's values of a BAR's
 * 'type'; the upper half of a 64-bit BAR is the model's own. */
const char *const model_bar_type_names[MODEL_BAR_TYPES] = {
	[VPCI_BAR_NONE] = "none", [VPCI_BAR_IO] = "io", [VPCI_BAR_MEM32] = "mem32",
	[VPCI_BAR_MEM64] = "mem64", [VPCI_BAR_MEM1M] = "mem1m", [VPCI_BAR_MEM64_HI] = "mem64-hi",
};

const char *const model_plane_keys[VPCI_PL_COUNT] = {
	[VPCI_PL_RW] = "rw", [VPCI_PL_RW1C] = "rw1c", [VPCI_PL_RSVDP] = "rsvdp",
	[VPCI_PL_RSVDZ] = "rsvdz", [VPCI_PL_HWINIT] = "hwinit", [VPCI_PL_STICKY] = "sticky",
	[VPCI_PL_DEVICE] = "device",
};

const char *const model_backing_names[2] = { "virtual", "device" };

_Static_assert(VPCI_BAR_MEM64_HI + 1 == MODEL_BAR_TYPES, "a BAR type without a name");
_Static_assert(VPCI_KIND_CARDBUS + 1 == MODEL_KINDS, "a kind without a name");
_Static_assert(VPCI_BAR_MEM1M + 1 == MODEL_BAR_FORMAT_TYPES, "the format's BAR types are the first");

enum vpci_access model_plane_access(enum vpci_plane p)
{
	static const enum vpci_access acc[] = {
		[VPCI_PL_RW] = VPCI_ACC_RW, [VPCI_PL_RW1C] = VPCI_ACC_RW1C, [VPCI_PL_RSVDP] = VPCI_ACC_RSVDP,
		[VPCI_PL_RSVDZ] = VPCI_ACC_RSVDZ, [VPCI_PL_HWINIT] = VPCI_ACC_HWINIT,
	};

	return (unsigned)p < ARRAY_SIZE(acc) ? acc[p] : VPCI_ACC_RO;
}

enum vpci_access model_sticky_access(enum vpci_access acc)
{
	switch (acc) {
	case VPCI_ACC_RO: return VPCI_ACC_ROS;
	case VPCI_ACC_RW: return VPCI_ACC_RWS;
	case VPCI_ACC_RW1C: return VPCI_ACC_RW1CS;
	default: return VPCI_ACC_COUNT;
	}
}

VPCI_EXPORT const char *vpci_access_name(enum vpci_access acc)
{
	return (unsigned)acc < VPCI_ACC_COUNT ? model_access_names[acc] : "?";
}

VPCI_EXPORT const char *vpci_kind_name(enum vpci_kind kind)
{
	return (unsigned)kind < MODEL_KINDS ? model_kind_names[kind] : "?";
}

VPCI_EXPORT const char *vpci_bar_type_name(enum vpci_bar_type type)
{
	return (unsigned)type < MODEL_BAR_TYPES ? model_bar_type_names[type] : "?";
}
