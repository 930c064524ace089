/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * names.c - vendor, device and class names from the PCI ID database
 * through libpci, for comments in the files the tool writes.  This lives
 * in the tool, not in libvpci: libpci is GPL-2.0-or-later and the library
 * is BSD-3-Clause, so the library only offers a callback (struct
 * vpci_names) and the tool fills it.  libpci's default error hook exits
 * the process; ours jumps back and the lookup just yields no name.
 */
#include <pci/pci.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vpci-cli.h"

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pci_access *pacc;
static int names_failed;
static jmp_buf names_jmp;

static void names_error(char *msg, ...) __attribute__((noreturn));
static void names_error(char *msg, ...)
{
	(void)msg;
	longjmp(names_jmp, 1);
}

static void names_quiet(char *msg, ...)
{
	(void)msg;
}

/* Look up under the lock; NULL when the database or the entry is missing. */
static const char *lookup(char *buf, unsigned size, int flags, unsigned a, unsigned b,
			  unsigned c, unsigned d)
{
	const char *volatile r = NULL;

	pthread_mutex_lock(&names_lock);
	if (!names_failed) {
		if (setjmp(names_jmp)) {
			names_failed = 1;
			r = NULL;
			goto out;
		}
		if (!pacc) {
			pacc = pci_alloc();
			if (!pacc) {
				names_failed = 1;
				goto out;
			}
			pacc->error = names_error;
			pacc->warning = names_quiet;
			pacc->debug = names_quiet;
		}
		r = pci_lookup_name(pacc, buf, (int)size, flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, a, b, c, d);
	}
out:
	pthread_mutex_unlock(&names_lock);
	return r && *r ? r : NULL;
}

static const char *names_vendor(void *ctx, uint16_t vendor, char *buf, unsigned size)
{
	(void)ctx;
	return lookup(buf, size, PCI_LOOKUP_VENDOR, vendor, 0, 0, 0);
}

static const char *names_device(void *ctx, uint16_t vendor, uint16_t device, char *buf, unsigned size)
{
	(void)ctx;
	return lookup(buf, size, PCI_LOOKUP_DEVICE, vendor, device, 0, 0);
}

static const char *names_subsystem(void *ctx, uint16_t vendor, uint16_t device, uint16_t sv, uint16_t sd,
				   char *buf, unsigned size)
{
	(void)ctx;
	return lookup(buf, size, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE, vendor, device, sv, sd);
}

static const char *names_class(void *ctx, uint32_t class_code, char *buf, unsigned size)
{
	char sub[128];
	(void)ctx;
	const char *cls = lookup(sub, sizeof(sub), PCI_LOOKUP_CLASS, (class_code >> 8) & 0xffff, 0, 0, 0);
	const char *pi = lookup(buf, size, PCI_LOOKUP_PROGIF, (class_code >> 8) & 0xffff,
				class_code & 0xff, 0, 0);
	char tmp[256];

	if (!cls)
		return NULL;
	if (pi)
		snprintf(tmp, sizeof(tmp), "%s, %s", sub, pi);
	else
		snprintf(tmp, sizeof(tmp), "%s", sub);
	snprintf(buf, size, "%s", tmp);
	return buf;
}

const struct vpci_names cli_names = {
	.vendor = names_vendor,
	.device = names_device,
	.subsystem = names_subsystem,
	.class_name = names_class,
	.ctx = NULL,
};
