/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * regstate.c - the state directory: DIR/registry (a registry file),
 * DIR/lock (flock(2) of the processes that change it), and the atomic
 * replacement of the registry file.
 *
 * Crash consistency: the new registry is written to a temporary file in
 * the same directory, synced, renamed over DIR/registry (rename(2) is
 * atomic), and the directory is synced.  A process killed at any point
 * leaves DIR/registry as the old or the new text; a temporary file it
 * leaves behind is removed by the next writer.  Every write point calls
 * the fault hook, which the crash tests use to kill the writer there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry_priv.h"

#define STATE_FILE "registry"
#define LOCK_FILE "lock"
#define TMP_PREFIX ".registry."

struct vpci_reg_state {
	char *dir;
	int lock; /* -1 when opened read-only */
};

static reg_fault_fn fault_hook;
static unsigned fault_seq;

void regstate_set_fault_hook(reg_fault_fn fn)
{
	fault_hook = fn;
	fault_seq = 0;
}

static void fault_point(const char *point)
{
	if (fault_hook)
		fault_hook(point, ++fault_seq);
}

static int fail(vpci_diag *d, int code, const char *path, const char *what)
{
	struct diag_pos p = DIAG_NOPOS;

	p.file = path;
	diag_add(d, VPCI_SEV_ERROR, code, p, "%s: %s", what, strerror(errno));
	return code;
}

/* mkdir -p @dir (mode 0755). */
static int make_dirs(const char *dir)
{
	char tmp[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		tmp[i] = c;
	}
	struct stat st;
	if (stat(dir, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static void path_in(const vpci_reg_state *st, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", st->dir, name);
}

/* Remove the temporary files of writers that were killed. */
static void clean_temps(const vpci_reg_state *st)
{
	DIR *dir = opendir(st->dir);
	struct dirent *e;

	while (dir && (e = readdir(dir))) {
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			continue;
		char p[PATH_MAX];
		path_in(st, e->d_name, p, sizeof(p));
		unlink(p);
	}
	if (dir)
		closedir(dir);
}

/* Take the lock within @timeout_ms; 0, or -1 (EWOULDBLOCK when another
 * process holds it, errno otherwise). */
static int take_lock(int fd, unsigned timeout_ms)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	unsigned waited = 0;

	for (;;) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK || waited >= timeout_ms)
			return -1;
		nanosleep(&nap, NULL);
		waited += 5;
	}
}

VPCI_EXPORT int vpci_reg_state_open(const char *dir, bool write, unsigned timeout_ms, vpci_reg_state **out,
				    vpci_diag *d)
{
	struct vpci_reg_state *st = calloc(1, sizeof(*st));
	char path[PATH_MAX];

	*out = NULL;
	if (!st || !(st->dir = xstrdup(dir))) {
		free(st);
		return VPCI_ENOMEM;
	}
	st->lock = -1;
	if (write) {
		if (make_dirs(dir)) {
			int rc = fail(d, VPCI_EIO, dir, "cannot create the state directory");
			vpci_reg_state_close(st);
			return rc;
		}
		path_in(st, LOCK_FILE, path, sizeof(path));
		st->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (st->lock < 0) {
			int rc = fail(d, VPCI_EIO, path, "cannot open the lock");
			vpci_reg_state_close(st);
			return rc;
		}
		if (take_lock(st->lock, timeout_ms)) {
			int busy = errno == EWOULDBLOCK;
			char holder[32] = "";
			if (busy && pread(st->lock, holder, sizeof(holder) - 1, 0) > 0)
				holder[strcspn(holder, "\n")] = '\0';
			struct diag_pos p = DIAG_NOPOS;
			p.file = path;
			if (busy)
				diag_add(d, VPCI_SEV_ERROR, VPCI_EBUSY, p,
					 "the state directory is locked by another vpci process (pid %s) for more than %u ms; "
					 "try again when it is done", holder[0] ? holder : "?", timeout_ms);
			else
				fail(d, VPCI_EIO, path, "cannot lock");
			vpci_reg_state_close(st);
			return busy ? VPCI_EBUSY : VPCI_EIO;
		}
		/* who holds it, for the next one who waits */
		char pid[24];
		int pl = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		int shown = !ftruncate(st->lock, 0) && pwrite(st->lock, pid, (size_t)pl, 0) == pl;
		(void)shown; /* only informative: a waiter shows "?" without it */
		clean_temps(st);
	}
	*out = st;
	return 0;
}

VPCI_EXPORT void vpci_reg_state_close(vpci_reg_state *st)
{
	if (!st)
		return;
	if (st->lock >= 0)
		close(st->lock); /* releases the flock */
	free(st->dir);
	free(st);
}

VPCI_EXPORT int vpci_reg_state_load(vpci_reg_state *st, vpci_registry **out, vpci_diag *d)
{
	char path[PATH_MAX];

	*out = NULL;
	path_in(st, STATE_FILE, path, sizeof(path));
	if (access(path, F_OK) && errno == ENOENT) {
		*out = vpci_registry_new();
		return *out ? 0 : VPCI_ENOMEM;
	}
	return vpci_registry_parse_file(path, out, d);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

VPCI_EXPORT int vpci_reg_state_save(vpci_reg_state *st, const vpci_registry *r, vpci_diag *d)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	char *text;
	size_t len;
	int rc;

	if (st->lock < 0) {
		struct diag_pos p = DIAG_NOPOS;
		p.file = st->dir;
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, p, "the state directory was opened read-only");
		return VPCI_EINVAL;
	}
	if ((rc = vpci_registry_write(r, &text, &len)))
		return rc;
	path_in(st, STATE_FILE, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "XXXXXX", st->dir);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(text);
		return fail(d, VPCI_EIO, tmp, "cannot create a temporary file");
	}
	fault_point("create");
	/* one write per line: each is a point where a writer may die */
	const char *what = NULL;
	for (size_t pos = 0; pos < len && !what;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		if (write_all(fd, text + pos, n))
			what = "cannot write";
		pos += n;
		fault_point("write");
	}
	if (!what && fchmod(fd, 0644))
		what = "cannot set the mode of";
	if (!what && fsync(fd))
		what = "cannot sync";
	fault_point("fsync");
	if (close(fd) && !what)
		what = "cannot write";
	free(text);
	if (what) {
		rc = fail(d, VPCI_EIO, tmp, what);
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path)) {
		rc = fail(d, VPCI_EIO, path, "cannot replace");
		unlink(tmp);
		return rc;
	}
	fault_point("rename");
	/* the rename itself reaches the disk with the directory */
	int dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) && errno != EINVAL)
			rc = fail(d, VPCI_EIO, st->dir, "cannot sync the state directory");
		close(dfd);
	}
	fault_point("dirsync");
	return rc;
}
