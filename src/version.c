/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * version.c - library version
 */
#include "vpci/vpci.h"
#include "util/common.h"

VPCI_EXPORT const char *vpci_version(void)
{
	return "0.1.0";
}
