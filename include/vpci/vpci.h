/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/vpci.h - libvpci, the vPCI function config-space library
 *
 * Umbrella header: include this one.
 */
#ifndef VPCI_VPCI_H
#define VPCI_VPCI_H

#include "abi.h"
#include "bind.h"
#include "derive.h"
#include "diag.h"
#include "emu.h"
#include "model.h"
#include "place.h"
#include "quirks.h"
#include "registry.h"
#include "render.h"
#include "serve.h"
#include "sriov.h"
#include "text.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * vpci_version() - the library version
 *
 * Return: a static string such as "0.1.0".
 */
const char *vpci_version(void);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_VPCI_H */
