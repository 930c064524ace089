/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs_attr.h - reading sysfs attributes and links (private)
 */
#ifndef VPCI_SYSFS_ATTR_H
#define VPCI_SYSFS_ATTR_H

#include <stddef.h>

/* Read a small attribute file, trailing newline and spaces removed;
 * 0, or -1 when it cannot be read. */
int sysfs_read(const char *path, char *buf, size_t size);
/* The last component of a symlink's target ("" when no link). */
void sysfs_link_base(const char *path, char *out, size_t size);

#endif
