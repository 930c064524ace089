/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quirks_builtin.h - the quirk files built into the library (private)
 */
#ifndef VPCI_QUIRKS_BUILTIN_H
#define VPCI_QUIRKS_BUILTIN_H

struct quirk_blob {
	const char *name;
	const char *text;
};

extern const struct quirk_blob quirks_builtin[];
extern const unsigned quirks_builtin_count;

#endif
