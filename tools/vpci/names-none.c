/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * names-none.c - no PCI ID database: the statically linked vpci-static
 * (Debian ships no static libpci) writes files without names in comments.
 */
#include "vpci-cli.h"

const struct vpci_names cli_names = { NULL, NULL, NULL, NULL, NULL };
