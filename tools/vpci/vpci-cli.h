/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci-cli.h - shared pieces of the vpci command-line tool
 *
 * The tool uses only the public libvpci API.  Exit codes follow
 * sysexits(3).
 */
#ifndef VPCI_CLI_H
#define VPCI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <vpci/vpci.h>

#define EX_OK_ 0
#define EX_USAGE_ 64
#define EX_DATAERR_ 65
#define EX_NOINPUT_ 66
#define EX_SOFTWARE_ 70
#define EX_CANTCREAT_ 73
#define EX_IOERR_ 74

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Names from the PCI ID database (libpci), for comments. */
extern const struct vpci_names cli_names;

int cmd_check(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_derive(int argc, char **argv);
int cmd_quirks(int argc, char **argv);
int cmd_emulate(int argc, char **argv);
int cmd_sriov(int argc, char **argv);

/* Print every diagnostic of @d to stderr; returns the error count. */
size_t cli_print_diags(const vpci_diag *d);
/* Exit code for a libvpci status. */
int cli_exit_code(int status);
/* Write @len bytes to @path atomically (temp file + rename); "-" or NULL
 * writes standard output.  Returns 0 or an exit code. */
int cli_write_output(const char *path, const void *data, size_t len);
/* Read a whole file ("-" = stdin); returns 0 or an exit code. */
int cli_read_file(const char *path, uint8_t **data, size_t *len);
/* Parse and check an instance file, printing diagnostics; exit code. */
int cli_load(const char *path, vpci_func **out);
/* Same with enum vpci_parse_flags. */
int cli_load_flags(const char *path, unsigned flags, vpci_func **out);
/* Usage error: prints "vpci CMD: MSG" and a hint; returns 64. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
