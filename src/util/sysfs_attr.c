/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sysfs_attr.c - reading sysfs attributes and links
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "sysfs_attr.h"

int sysfs_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

void sysfs_link_base(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	ssize_t l = readlink(path, target, sizeof(target) - 1);

	out[0] = '\0';
	if (l <= 0)
		return;
	target[l] = '\0';
	const char *b = strrchr(target, '/');
	b = b ? b + 1 : target;
	size_t k = strlen(b);
	if (k >= size)
		k = size - 1;
	memcpy(out, b, k);
	out[k] = '\0';
}
