/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * abi.h - the guest ABI module's interface for other modules
 *
 * The emulation engine carries an ABI in its saved state and decides a
 * load with the same comparison `vpci compat` uses: it turns the saved ABI
 * back into a model (abi_func()) and calls vpci_compat() on it.
 */
#ifndef VPCI_ABI_ABI_H
#define VPCI_ABI_ABI_H

#include "model/func.h"
#include "vpci/abi.h"

/* The per-bit parts, in encoding order (enum vpci_abi_part - 3). */
#define ABI_NARR 5

struct abi_cap {
	uint8_t ext, version;
	uint16_t id, off;
};

struct abi_bar {
	uint8_t type, pref;         /* VPCI_BAR_NONE: not implemented */
	uint64_t size;              /* 0: unknown */
};

struct vpci_abi {
	uint16_t size;
	uint8_t kind, multifunction;
	unsigned ncaps;
	struct abi_cap *caps;
	struct abi_bar bar[ROM_INDEX + 1];
	uint8_t arr[ABI_NARR][VPCI_CFG_SIZE];
	uint8_t *enc;               /* the canonical encoding */
	size_t enclen;
	size_t part[VPCI_ABI_PART_COUNT + 1]; /* each part's span in enc */
	uint64_t hash;
};

/* FNV-1a, 64 bits: the ABI hash and the part hashes. */
#define ABI_FNV_INIT 0xcbf29ce484222325ull
uint64_t abi_fnv(uint64_t h, const void *p, size_t n);

/* A model with exactly the ABI @a (values, the four planes, structure):
 * what a saved state's ABI is compared as.  0 or VPCI_ENOMEM. */
int abi_func(const struct vpci_abi *a, struct vpci_func **out);

#endif
