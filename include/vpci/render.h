/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/render.h - the guest's initial view of a function, as bytes, as an
 * lspci dump, and as a human-readable or JSON description
 */
#ifndef VPCI_RENDER_H
#define VPCI_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * vpci_render_bin() - the config space image
 * @f: the function
 * @buf: output, at least vpci_func_config_size() bytes
 * @size: size of @buf
 *
 * Return: the number of bytes written (256 or 4096), or VPCI_ERANGE when
 * @buf is too small.
 */
int vpci_render_bin(const vpci_func *f, uint8_t *buf, size_t size);

/**
 * vpci_render_lspci() - the image as an `lspci -xxxx` dump
 * @f: the function
 * @slot: device address for the header line (e.g. "00:00.0"); NULL
 *        means "00:00.0"
 * @out: receives a malloc'd NUL-terminated string; free() it
 *
 * The text follows the rules `lspci -F` reads: a header line, rows of
 * 16 bytes "OFF: xx xx ...", a newline after every line.
 *
 * Return: 0, VPCI_EINVAL for a malformed @slot, VPCI_ENOMEM.
 */
int vpci_render_lspci(const vpci_func *f, const char *slot, char **out);

/** enum vpci_show_flags - options of vpci_show() */
enum vpci_show_flags {
	VPCI_SHOW_JSON = 1u << 0,  /* JSON instead of text */
	VPCI_SHOW_ACCESS = 1u << 1, /* text: print access and backing per field */
};

/**
 * vpci_show() - describe a function for people (or scripts)
 * @f: the function
 * @flags: OR of enum vpci_show_flags
 * @out: receives a malloc'd NUL-terminated string; free() it
 *
 * The text form lists the header, BARs and every capability at its
 * offset with decoded fields, in the spirit of `lspci -vvv`.  The JSON form
 * carries the same information as objects.
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_show(const vpci_func *f, unsigned flags, char **out);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_RENDER_H */
