/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tree.h - a crafted directory tree for the unit tests of host code: a
 * sysfs, a procfs, a state directory under /tmp/vpci-test-NAME.PID.
 * Included by one test file each (static helpers, cmocka assertions).
 */
#ifndef VPCI_TEST_TREE_H
#define VPCI_TEST_TREE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tree_root[200];

#define TREE_UNUSED __attribute__((unused))

/* Run a shell command (printf-style) in the tree. */
static void tree_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void tree_sh(const char *fmt, ...)
{
	char cmd[2400], buf[2000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && %s", tree_root, buf);
	assert_int_equal(system(cmd), 0);
}

/* An empty tree named after the test. */
static void tree_make(const char *name)
{
	char cmd[600];

	snprintf(tree_root, sizeof(tree_root), "/tmp/vpci-test-%s.%d", name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s", tree_root, tree_root);
	assert_int_equal(system(cmd), 0);
}

TREE_UNUSED static int tree_remove(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tree_root);
	return system(cmd) ? -1 : 0;
}

/* Write @len bytes to the file @path of the tree. */
TREE_UNUSED static void tree_put_bin(const char *path, const void *data, size_t len)
{
	char full[600];
	FILE *fp;

	snprintf(full, sizeof(full), "%s/%s", tree_root, path);
	fp = fopen(full, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

TREE_UNUSED static void tree_put(const char *path, const char *text)
{
	tree_put_bin(path, text, strlen(text));
}

TREE_UNUSED static void tree_ln(const char *target, const char *path)
{
	char full[600];

	snprintf(full, sizeof(full), "%s/%s", tree_root, path);
	assert_int_equal(symlink(target, full), 0);
}

#endif /* VPCI_TEST_TREE_H */
