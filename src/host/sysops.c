/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysops.c - real syscalls behind the seam
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sysops.h"

static int real_open(const char *path, int flags)
{
	return open(path, flags | O_CLOEXEC);
}

static int real_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static const struct vpci_sys_ops real_ops = {
	.open = real_open,
	.close = close,
	.ioctl = real_ioctl,
	.pread = pread,
	.pwrite = pwrite,
};

static const struct vpci_sys_ops *cur_ops = &real_ops;

const struct vpci_sys_ops *sys_ops(void)
{
	return cur_ops;
}

void sys_ops_set(const struct vpci_sys_ops *ops)
{
	cur_ops = ops ? ops : &real_ops;
}
