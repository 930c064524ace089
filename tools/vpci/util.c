/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * util.c - diagnostics, exit codes, input and atomic output, and the data
 * directory of the vpci tool
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpci-cli.h"

size_t cli_print_diags_min(const vpci_diag *d, enum vpci_severity min)
{
	char buf[1024];

	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		if (e->severity < min)
			continue;
		vpci_diag_format(e, buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	return vpci_diag_errors(d);
}

size_t cli_print_diags(const vpci_diag *d)
{
	return cli_print_diags_min(d, VPCI_SEV_NOTE);
}

int cli_exit_code(int status)
{
	switch (status) {
	case VPCI_OK: return EX_OK_;
	case VPCI_EIO: return EX_NOINPUT_;
	case VPCI_EDATA: case VPCI_ERANGE: return EX_DATAERR_;
	case VPCI_EINVAL: return EX_USAGE_;
	default: return EX_SOFTWARE_;
	}
}

const char *cli_input_name(const char *path)
{
	return strcmp(path, "-") ? path : CLI_STDIN_NAME;
}

const char *cli_data_dir(void)
{
	const char *env = getenv("VPCI_DATADIR");

	return env && *env ? env : VPCI_DATADIR_DEFAULT;
}

const char *cli_data_path(const char *rel, char *buf, size_t size)
{
	struct stat st;
	int n = snprintf(buf, size, "%s/%s", cli_data_dir(), rel);

	return n > 0 && (size_t)n < size && stat(buf, &st) == 0 ? buf : NULL;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A device such as /dev/null or a FIFO is written in place: renaming
 * over it would replace it. */
static int write_in_place(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int bad = fd < 0 || write_all(fd, data, len);

	if (fd >= 0)
		close(fd);
	if (bad) {
		fprintf(stderr, "vpci: cannot write %s: %s\n", path, strerror(errno));
		return EX_IOERR_;
	}
	return 0;
}

/* A temporary file in the same directory, then rename: on any error
 * nothing is left at @path (and an old file there stays intact). */
static int write_atomic(const char *path, const void *data, size_t len)
{
	size_t tl = strlen(path) + 32;
	char *dup = strdup(path), *tmp = malloc(tl);
	int rc = 0;

	if (!dup || !tmp) {
		free(dup);
		free(tmp);
		return EX_SOFTWARE_;
	}
	snprintf(tmp, tl, "%s/.%s.XXXXXX", dirname(dup), strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	free(dup);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "vpci: cannot create %s: %s\n", path, strerror(errno));
		free(tmp);
		return EX_CANTCREAT_;
	}
	if (write_all(fd, data, len) || fchmod(fd, 0644) || fsync(fd)) {
		fprintf(stderr, "vpci: cannot write %s: %s\n", path, strerror(errno));
		rc = EX_IOERR_;
	}
	close(fd);
	if (!rc && rename(tmp, path)) {
		fprintf(stderr, "vpci: cannot create %s: %s\n", path, strerror(errno));
		rc = EX_CANTCREAT_;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

int cli_write_output(const char *path, const void *data, size_t len)
{
	struct stat st;

	if (!path || !strcmp(path, "-")) {
		if (write_all(STDOUT_FILENO, data, len)) {
			fprintf(stderr, "vpci: cannot write standard output: %s\n", strerror(errno));
			return EX_IOERR_;
		}
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, data, len);
	return write_atomic(path, data, len);
}

int cli_read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 0, n = 0;
	uint8_t *buf = NULL;
	const char *name = cli_input_name(path);

	if (!fp) {
		fprintf(stderr, "%s: error: cannot open: %s\n", name, strerror(errno));
		return EX_NOINPUT_;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8192;
			uint8_t *nb = cap <= (64u << 20) ? realloc(buf, cap) : NULL;
			if (!nb) {
				free(buf);
				if (fp != stdin)
					fclose(fp);
				fprintf(stderr, "%s: error: file too large\n", name);
				return EX_DATAERR_;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (!r)
			break;
	}
	int err = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (err) {
		free(buf);
		fprintf(stderr, "%s: error: read error\n", name);
		return EX_NOINPUT_;
	}
	*data = buf;
	*len = n;
	return 0;
}

int cli_load(const char *path, vpci_func **out)
{
	return cli_load_flags(path, 0, out);
}

/* The types path: --types directories, $VPCI_TYPES_PATH, then the data
 * directory's instances/ (strings live until exit). */
#define MAX_TYPE_DIRS 64
static const char *type_dirs[MAX_TYPE_DIRS + 1];
static unsigned ntype_dirs;
static int types_done;

/* the copies of the lists, kept until exit: type_dirs points into them */
static char *type_copies[MAX_TYPE_DIRS];
static unsigned ntype_copies;

static void types_split(const char *list)
{
	char *copy = list && ntype_copies < MAX_TYPE_DIRS ? strdup(list) : NULL;

	if (!copy)
		return;
	type_copies[ntype_copies++] = copy;
	for (char *save = NULL, *t = strtok_r(copy, ":", &save); t && ntype_dirs < MAX_TYPE_DIRS;
	     t = strtok_r(NULL, ":", &save))
		type_dirs[ntype_dirs++] = t;
}

void cli_types_add(const char *dirs)
{
	types_split(dirs);
}

const char *const *cli_types(void)
{
	static char inst[4096];

	if (!types_done) {
		types_done = 1;
		types_split(getenv("VPCI_TYPES_PATH"));
		snprintf(inst, sizeof(inst), "%s/instances", cli_data_dir());
		if (ntype_dirs < MAX_TYPE_DIRS)
			type_dirs[ntype_dirs++] = inst;
		type_dirs[ntype_dirs] = NULL;
	}
	return type_dirs;
}

int cli_load_diag(const char *path, unsigned flags, vpci_func **out, vpci_diag *into)
{
	vpci_diag *d = into ? into : vpci_diag_new();
	struct vpci_parse_opts o = { flags, cli_types() };
	int rc;

	if (!d)
		return EX_SOFTWARE_;
	rc = vpci_parse_file_opts(path, &o, out, d);
	if (!into) {
		cli_print_diags(d);
		vpci_diag_free(d);
	}
	return cli_exit_code(rc);
}

int cli_load_flags(const char *path, unsigned flags, vpci_func **out)
{
	return cli_load_diag(path, flags, out, NULL);
}

int cli_load_emulation(const char *path, vpci_func **out)
{
	int rc = cli_load(path, out);
	vpci_diag *d;

	if (rc)
		return rc;
	/* a raw capture checks with its rule breaks as warnings; the engine
	 * is given only instances that keep every rule */
	if (!(d = vpci_diag_new()))
		return EX_SOFTWARE_;
	if (vpci_validate_emulation(*out, d)) {
		for (size_t i = 0; i < vpci_diag_count(d); i++) {
			const struct vpci_diag_entry *e = vpci_diag_get(d, i);
			char buf[1024];
			if (e->severity != VPCI_SEV_ERROR)
				continue;
			vpci_diag_format(e, buf, sizeof(buf));
			fprintf(stderr, "%s\n", buf);
		}
		fprintf(stderr, "%s: error: not emulatable: a raw capture keeps what the device shows, PCI rule breaks "
			"included; emulate a guest view (vpci derive --policy guest)\n", path);
		rc = EX_DATAERR_;
		vpci_func_free(*out);
		*out = NULL;
	}
	vpci_diag_free(d);
	return rc;
}
