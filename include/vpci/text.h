/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/text.h - the vPCI instance format (YAML 1.2, version 1)
 *
 * docs/format.md specifies the format; schema/vpci-v1.schema.json is its
 * JSON Schema.  Parsing reports every problem it finds in one pass as
 * diagnostics with file:line:column positions.  The writer is canonical:
 * stable key order and formatting, so write(parse(f)) == f for a file it
 * wrote.
 */
#ifndef VPCI_TEXT_H
#define VPCI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** VPCI_FORMAT_VERSION - the format version this library writes */
#define VPCI_FORMAT_VERSION 1

/**
 * vpci_parse_file() - parse and check an instance file
 * @path: file name; "-" reads standard input
 * @out: receives the function on success
 * @d: diagnostics (may be NULL); positions name @path
 *
 * Runs the YAML parser, the format's structural checks and vpci_validate().
 * On any error *@out is left NULL and every problem found is in @d.
 *
 * Return: 0, VPCI_EIO when the file cannot be read, VPCI_EDATA when it is
 * invalid, VPCI_ENOMEM.
 */
int vpci_parse_file(const char *path, vpci_func **out, vpci_diag *d);

/**
 * vpci_parse_buffer() - parse and check an instance held in memory
 * @text: the YAML text (need not be NUL-terminated)
 * @len: its length in bytes
 * @name: file name used in diagnostics (may be NULL)
 * @out: receives the function on success
 * @d: diagnostics (may be NULL)
 *
 * Return: as vpci_parse_file().
 */
int vpci_parse_buffer(const char *text, size_t len, const char *name,
		      vpci_func **out, vpci_diag *d);

/** enum vpci_parse_flags - options of vpci_parse_buffer_flags() */
enum vpci_parse_flags {
	/* Read the format but skip vpci_validate(): for raw descriptions of
	 * real devices that break PCI rules, which must still render. */
	VPCI_PARSE_NO_VALIDATE = 1u << 0,
};

/**
 * vpci_parse_buffer_flags() - vpci_parse_buffer() with options
 * @text: the YAML text (need not be NUL-terminated)
 * @len: its length in bytes
 * @name: file name used in diagnostics (may be NULL)
 * @flags: OR of enum vpci_parse_flags
 * @out: receives the function on success
 * @d: diagnostics (may be NULL)
 *
 * Return: as vpci_parse_file().
 */
int vpci_parse_buffer_flags(const char *text, size_t len, const char *name,
			    unsigned flags, vpci_func **out, vpci_diag *d);

/**
 * vpci_parse_file_flags() - vpci_parse_file() with options
 * @path: file name; "-" reads standard input
 * @flags: OR of enum vpci_parse_flags
 * @out: receives the function on success
 * @d: diagnostics (may be NULL)
 *
 * Return: as vpci_parse_file().
 */
int vpci_parse_file_flags(const char *path, unsigned flags, vpci_func **out,
			  vpci_diag *d);

/**
 * struct vpci_parse_opts - options of vpci_parse_file_opts() and
 * vpci_parse_buffer_opts()
 * @flags: OR of enum vpci_parse_flags
 * @types: NULL-terminated list of directories in which `extends: NAME@N`
 *         looks for NAME@N.yaml, in order, after the directory of the file
 *         itself (docs/format.md §21); NULL for none.  The vpci tool passes
 *         its --types directories, $VPCI_TYPES_PATH and DATADIR/vpci/instances.
 */
struct vpci_parse_opts {
	unsigned flags;
	const char *const *types;
};

/**
 * vpci_parse_file_opts() - vpci_parse_file() with options
 * @path: file name; "-" reads standard input
 * @opts: options (NULL: none)
 * @out: receives the function on success
 * @d: diagnostics (may be NULL)
 *
 * A file with `extends: NAME@N` is read on top of the instance type
 * NAME@N.yaml, found beside @path or in @opts->types; the type is read
 * (and validated) the same way, so types may extend types.  A type that is
 * missing, that is not NAME in version N, or that leads back to itself is
 * an error at the `extends:` line; the type's own problems follow with
 * their positions in its file.
 *
 * Return: as vpci_parse_file().
 */
int vpci_parse_file_opts(const char *path, const struct vpci_parse_opts *opts, vpci_func **out,
			 vpci_diag *d);

/**
 * vpci_parse_buffer_opts() - vpci_parse_buffer() with options
 * @text: the YAML text (need not be NUL-terminated)
 * @len: its length in bytes
 * @name: file name used in diagnostics (may be NULL)
 * @opts: options (NULL: none); `extends:` looks only in @opts->types
 * @out: receives the function on success
 * @d: diagnostics (may be NULL)
 *
 * Return: as vpci_parse_file().
 */
int vpci_parse_buffer_opts(const char *text, size_t len, const char *name,
			   const struct vpci_parse_opts *opts, vpci_func **out, vpci_diag *d);

/** enum vpci_write_flags - options of vpci_write() */
enum vpci_write_flags {
	VPCI_WRITE_NO_NAMES = 1u << 0, /* no vendor/device names in comments */
};

/**
 * struct vpci_names - where the writer gets names for its comments
 * @vendor: name of a vendor ID, or NULL when unknown
 * @device: name of a device of a vendor, or NULL
 * @subsystem: name of a subsystem of a device, or NULL
 * @class_name: name of a 24-bit class code, or NULL
 * @ctx: passed to every callback
 *
 * Each callback may write its answer into @buf (@size bytes) and return
 * it.  Any callback may be NULL.  libvpci has no ID database of its own:
 * the vpci tool plugs in the PCI ID database through libpci.
 */
struct vpci_names {
	const char *(*vendor)(void *ctx, uint16_t vendor, char *buf, unsigned size);
	const char *(*device)(void *ctx, uint16_t vendor, uint16_t device, char *buf, unsigned size);
	const char *(*subsystem)(void *ctx, uint16_t vendor, uint16_t device, uint16_t sub_vendor,
				 uint16_t sub_device, char *buf, unsigned size);
	const char *(*class_name)(void *ctx, uint32_t class_code, char *buf, unsigned size);
	void *ctx;
};

/**
 * vpci_write_names() - canonical YAML text, with names in comments
 * @f: the function
 * @flags: OR of enum vpci_write_flags
 * @names: name lookups for comments (NULL: no names)
 * @out: receives a malloc'd NUL-terminated string; free() it
 * @len: receives its length (may be NULL)
 *
 * Names appear only in comments: they never change what the text means.
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_write_names(const vpci_func *f, unsigned flags, const struct vpci_names *names,
		     char **out, size_t *len);

/**
 * vpci_write() - canonical YAML text of a function (no names)
 * @f: the function
 * @flags: OR of enum vpci_write_flags
 * @out: receives a malloc'd NUL-terminated string; free() it
 * @len: receives its length (may be NULL)
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_write(const vpci_func *f, unsigned flags, char **out, size_t *len);

/**
 * vpci_validate() - check a model against the PCI rules
 * @f: the function
 * @d: diagnostics (may be NULL)
 *
 * Checks capability alignment, overlap, chain rules, header consistency,
 * BAR rules, MSI-X table/PBA placement and capability-specific rules.
 * When @f came from a file, diagnostics carry the file positions of the
 * offending nodes.
 *
 * A raw capture (origin `policy: raw`, what `vpci derive --policy raw`
 * writes) describes a real device exactly, including the PCI rules the
 * device breaks (an MSI-X BAR that reads 0 in a VF, a vendor capability of
 * length 0, ...): those are reported as warnings, so that a capture checks
 * and renders back exactly.  Whether the file contradicts itself (planes,
 * free ranges, bytes past the config size) is an error for every file.
 *
 * Return: 0 when no error was found, VPCI_EDATA otherwise (warnings do not
 * count).
 */
int vpci_validate(const vpci_func *f, vpci_diag *d);

/**
 * vpci_validate_emulation() - check a model for the emulation engine
 * @f: the function
 * @d: diagnostics (may be NULL)
 *
 * As vpci_validate(), but every broken PCI rule is an error, a raw capture
 * included, and a partial capture (fewer than 256 bytes) is refused: what
 * vpci_emu_new() requires of an instance.
 *
 * Return: 0 or VPCI_EDATA.
 */
int vpci_validate_emulation(const vpci_func *f, vpci_diag *d);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_TEXT_H */
