/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_priv.h - VFIO helpers shared by the derive source and the
 * emulation backend (private)
 */
#ifndef VPCI_VFIO_PRIV_H
#define VPCI_VFIO_PRIV_H

#include <stdint.h>

#include "vpci/diag.h"

/* Open container, group and device: fds[0..2]; 0 or VPCI_E*. */
int vfio_open_device(const char *group, const char *slot, int fds[3], vpci_diag *d);
/* Close what vfio_open_device() opened (any fd may be -1). */
void vfio_close_device(int fds[3]);
/* Offset and size of region @index of the device fd; 0 or -1 (errno). */
int vfio_region(int dev, unsigned index, uint64_t *offset, uint64_t *size);

#endif
