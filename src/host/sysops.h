/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysops.h - the syscall seam of the VFIO and sysfs code (private)
 *
 * Every open/ioctl/pread/pwrite of the VFIO source and backend goes
 * through these ops so that unit tests can script the kernel's replies.
 */
#ifndef VPCI_SYSOPS_H
#define VPCI_SYSOPS_H

#include <stddef.h>
#include <sys/types.h>

struct vpci_sys_ops {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long req, void *arg);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
};

/* The ops in use (the real syscalls unless a test replaced them). */
const struct vpci_sys_ops *sys_ops(void);
/* Replace the ops (NULL restores the real ones); for tests. */
void sys_ops_set(const struct vpci_sys_ops *ops);

#endif
