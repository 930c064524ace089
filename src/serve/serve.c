/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * serve.c - the transport of `vpci serve`: UNIX stream sockets, file
 * descriptors passed with SCM_RIGHTS, one poll loop over every peer.
 *
 * Sockets are non-blocking.  A message is received exactly (header, then
 * its data) so that the descriptors arriving with it belong to it and to
 * no other; a peer that stops in the middle of a message blocks nobody.
 * Answers are small and sent without waiting: a peer whose socket buffer
 * is full of unread answers is disconnected.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "serve_priv.h"
#include "util/diag.h"

enum fn_state {
	FN_IDLE = 0,   /* no peer yet */
	FN_LISTENING,  /* waiting for the peer on a socket path */
	FN_CONNECTED,
	FN_DONE,       /* the peer closed */
};

struct vpci_serve {
	struct vpci_serve_fn *fns;
	volatile sig_atomic_t stop;
	struct pollfd *pfd;
	struct vpci_serve_fn **pfn;
	size_t pcap;
};

VPCI_EXPORT int vpci_serve_new(vpci_serve **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : VPCI_ENOMEM;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void drop_fds(struct vpci_serve_fn *fn)
{
	for (unsigned i = 0; i < fn->nfds; i++)
		close(fn->fds[i]);
	fn->nfds = 0;
	fn->fds_lost = false;
}

static void stop_listening(struct vpci_serve_fn *fn)
{
	close_fd(&fn->listen_fd);
	if (fn->path) {
		unlink(fn->path);
		free(fn->path);
		fn->path = NULL;
	}
}

/* every descriptor the function holds */
static void release(struct vpci_serve_fn *fn)
{
	close_fd(&fn->fd);
	close_fd(&fn->irq_fd);
	close_fd(&fn->resample_fd);
	drop_fds(fn);
	stop_listening(fn);
}

static void peer_closed(struct vpci_serve_fn *fn, const char *why)
{
	const struct serve_stats *st = &fn->st;

	serve_log(fn, "peer closed (%s): %lu config reads, %lu config writes, %lu BAR reads, "
		  "%lu BAR writes, %lu resets, %lu memory maps, %lu refused messages",
		  why, st->cfg_reads, st->cfg_writes, st->bar_reads, st->bar_writes, st->resets,
		  st->sysmem, st->bad);
	release(fn);
	fn->state = FN_DONE;
}

VPCI_EXPORT void vpci_serve_free(vpci_serve *s)
{
	if (!s)
		return;
	for (struct vpci_serve_fn *fn = s->fns, *next; fn; fn = next) {
		next = fn->next;
		release(fn);
		vpci_emu_free(fn->emu);
		free(fn);
	}
	free(s->pfd);
	free(s->pfn);
	free(s);
}

static void backend_destroy(const struct vpci_backend *be)
{
	if (be && be->ops && be->ops->destroy)
		be->ops->destroy(be->ctx);
}

VPCI_EXPORT int vpci_serve_add(vpci_serve *s, const vpci_func *f, const struct vpci_backend *be,
			       const struct vpci_serve_ops *ops, void *opaque, vpci_serve_fn **out,
			       vpci_diag *d)
{
	enum vpci_kind kind = vpci_func_kind(f);

	if (out)
		*out = NULL;
	if (kind != VPCI_KIND_ENDPOINT) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EDATA, (struct diag_pos){ NULL, 0, 0, 0x0e, "header-type" },
			 "'%s' is a %s (type %d header) and cannot be served: QEMU's x-pci-proxy-dev sizes "
			 "the registers 0x10..0x28 as BARs when it starts and aborts on a bridge's bus number "
			 "and window registers; only type-0 functions can be served", vpci_func_name(f),
			 kind == VPCI_KIND_BRIDGE ? "bridge" : "CardBus bridge", (int)kind);
		backend_destroy(be);
		return VPCI_EDATA;
	}
	struct vpci_serve_fn *fn = calloc(1, sizeof(*fn));
	if (!fn) {
		backend_destroy(be);
		return VPCI_ENOMEM;
	}
	struct vpci_emu_ops eops = { serve_on_event };
	int rc = vpci_emu_new(f, be, &eops, fn, &fn->emu, d);
	if (rc) {
		free(fn);
		return rc;
	}
	if (ops)
		fn->ops = *ops;
	fn->opaque = opaque;
	fn->srv = s;
	fn->fd = fn->listen_fd = fn->irq_fd = fn->resample_fd = -1;
	serve_fn_setup(fn, f);
	if (vpci_func_config_size(f) > 0x100)
		diag_add(d, VPCI_SEV_NOTE, 0, DIAG_NOPOS,
			 "'%s' has 4096 bytes of config space; QEMU's proxy is a conventional PCI device, "
			 "the guest sees the first 256 (no extended capabilities)", vpci_func_name(f));
	/* append: functions are served in the order they were added */
	struct vpci_serve_fn **tail = &s->fns;
	while (*tail)
		tail = &(*tail)->next;
	*tail = fn;
	if (out)
		*out = fn;
	return 0;
}

VPCI_EXPORT vpci_emu *vpci_serve_emu(vpci_serve_fn *fn)
{
	return fn->emu;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

static void connected(struct vpci_serve_fn *fn, int fd)
{
	fn->fd = fd;
	fn->state = FN_CONNECTED;
	fn->have = 0;
	fn->probing = true;
	fn->sized = -1;
	memset(&fn->st, 0, sizeof(fn->st));
	fn->logged = 0;
	serve_log(fn, "peer connected");
}

VPCI_EXPORT int vpci_serve_attach(vpci_serve_fn *fn, int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (fn->state != FN_IDLE) {
		if (fd >= 0)
			close(fd);
		return VPCI_EBUSY;
	}
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM ||
	    set_nonblock(fd) < 0) {
		if (fd >= 0)
			close(fd);
		return VPCI_EINVAL;
	}
	connected(fn, fd);
	return 0;
}

VPCI_EXPORT int vpci_serve_listen(vpci_serve_fn *fn, const char *path, vpci_diag *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (fn->state != FN_IDLE)
		return VPCI_EBUSY;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EINVAL, (struct diag_pos){ path, 0, 0, -1, NULL },
			 "socket path too long (at most %zu bytes)", sizeof(sa.sun_path) - 1);
		return VPCI_EINVAL;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			diag_add(d, VPCI_SEV_ERROR, VPCI_EBUSY, (struct diag_pos){ path, 0, 0, -1, NULL },
				 "exists and is not a socket");
			return VPCI_EBUSY;
		}
		unlink(path);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		diag_add(d, VPCI_SEV_ERROR, VPCI_EIO, (struct diag_pos){ path, 0, 0, -1, NULL },
			 "cannot listen: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return VPCI_EIO;
	}
	fn->path = strdup(path);
	if (!fn->path) {
		close(fd);
		unlink(path);
		return VPCI_ENOMEM;
	}
	fn->listen_fd = fd;
	fn->state = FN_LISTENING;
	return 0;
}

/* --- INTx ------------------------------------------------------------------ */

static int signal_fd(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one) ? 0 : VPCI_EIO;
}

void serve_intx_update(struct vpci_serve_fn *fn)
{
	if (fn->intx_level && fn->intx_pin && !fn->intx_disabled && fn->irq_fd >= 0)
		signal_fd(fn->irq_fd);
}

VPCI_EXPORT int vpci_serve_intx(vpci_serve_fn *fn, bool level)
{
	fn->intx_level = level;
	if (fn->irq_fd < 0)
		return VPCI_ENOENT;
	if (!level || !fn->intx_pin || fn->intx_disabled)
		return 0;
	return signal_fd(fn->irq_fd);
}

/* the end of an interrupt: a line still asserted fires again */
static void resampled(struct vpci_serve_fn *fn)
{
	uint64_t n;
	ssize_t r = read(fn->resample_fd, &n, sizeof(n));

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		/* closed or broken: polling it would spin */
		serve_log(fn, "resample fd %s; INTx is no longer re-signalled", r ? strerror(errno) : "closed");
		close_fd(&fn->resample_fd);
		return;
	}
	serve_intx_update(fn);
}

/* --- messages -------------------------------------------------------------- */

static void take_fds(struct vpci_serve_fn *fn, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fn->nfds < MPQ_MAX_FDS) {
				fn->fds[fn->nfds++] = fd;
			} else {
				close(fd);
				fn->fds_lost = true;
			}
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		fn->fds_lost = true;
}

static bool send_reply(struct vpci_serve_fn *fn, uint64_t val)
{
	uint8_t b[MPQ_REPLY_SIZE];

	mpq_reply_encode(b, val);
	for (;;) {
		ssize_t n = send(fn->fd, b, sizeof(b), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof(b))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		/* a short send cannot be completed without blocking everyone */
		peer_closed(fn, n < 0 && errno == EAGAIN ? "it does not read its answers" : "send failed");
		return false;
	}
}

static bool complete(struct vpci_serve_fn *fn)
{
	int32_t cmd;
	uint64_t size, reply;

	mpq_hdr_decode(fn->hdr, &cmd, &size);
	if (fn->fds_lost)
		serve_bad(fn, "more than %d fds came with a message: the extra ones were closed", MPQ_MAX_FDS);
	enum serve_action act = serve_dispatch(fn, cmd, fn->data, size, fn->nfds, &reply);
	fn->have = 0;
	if (act == SERVE_IRQFD) {
		close_fd(&fn->irq_fd);
		close_fd(&fn->resample_fd);
		fn->irq_fd = fn->fds[0];
		fn->resample_fd = fn->fds[1];
		/* an interrupt fd that is not an eventfd (a full pipe) must not
		 * block the server */
		set_nonblock(fn->irq_fd);
		set_nonblock(fn->resample_fd);
		fn->nfds = 0;
		serve_intx_update(fn);
	}
	drop_fds(fn);
	return act != SERVE_REPLY || send_reply(fn, reply);
}

/* Receive what has arrived, answering each complete message; at most
 * @budget messages so that one busy peer does not starve the others. */
static void receive(struct vpci_serve_fn *fn, unsigned budget)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MPQ_MAX_FDS * 2)];
		struct cmsghdr align;
	} ctl;

	while (fn->state == FN_CONNECTED && budget) {
		size_t want;
		uint8_t *dst;
		if (fn->have < MPQ_HDR_SIZE) {
			want = MPQ_HDR_SIZE - fn->have;
			dst = fn->hdr + fn->have;
		} else {
			want = (size_t)(MPQ_HDR_SIZE + fn->size - fn->have);
			dst = fn->data + (fn->have - MPQ_HDR_SIZE);
		}
		struct iovec iov = { dst, want };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(fn->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			if (fn->have)
				serve_log(fn, "the peer closed in the middle of a message");
			peer_closed(fn, n == 0 ? "end of stream" : strerror(errno));
			return;
		}
		take_fds(fn, &mh);
		fn->have += (size_t)n;
		if (fn->have == MPQ_HDR_SIZE) {
			int32_t cmd;
			mpq_hdr_decode(fn->hdr, &cmd, &fn->size);
			if (fn->size > MPQ_DATA_LIMIT) {
				fn->st.bad++;
				serve_log(fn, "message %d announces %llu bytes of data (at most %d): "
					  "the stream cannot be followed", (int)cmd,
					  (unsigned long long)fn->size, MPQ_DATA_LIMIT);
				peer_closed(fn, "protocol error");
				return;
			}
		}
		if (fn->have >= MPQ_HDR_SIZE && fn->have == MPQ_HDR_SIZE + fn->size) {
			budget--;
			if (!complete(fn))
				return;
		}
	}
}

static void accept_peer(struct vpci_serve_fn *fn)
{
	int fd = accept4(fn->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
			return;
		/* anything else would repeat on every poll */
		serve_log(fn, "accept on %s failed: %s; no longer listening", fn->path, strerror(errno));
		stop_listening(fn);
		fn->state = FN_DONE;
		return;
	}
	stop_listening(fn);
	connected(fn, fd);
}

/* --- the loop -------------------------------------------------------------- */

static int grow(vpci_serve *s, size_t n)
{
	if (n <= s->pcap)
		return 0;
	struct pollfd *p = realloc(s->pfd, n * sizeof(*p));
	if (!p)
		return VPCI_ENOMEM;
	s->pfd = p;
	struct vpci_serve_fn **f = realloc(s->pfn, n * sizeof(*f));
	if (!f)
		return VPCI_ENOMEM;
	s->pfn = f;
	s->pcap = n;
	return 0;
}

VPCI_EXPORT int vpci_serve_poll(vpci_serve *s, int timeout_ms)
{
	size_t n = 0, live = 0;

	for (struct vpci_serve_fn *fn = s->fns; fn; fn = fn->next)
		n += 2;
	if (grow(s, n ? n : 1))
		return VPCI_ENOMEM;
	n = 0;
	for (struct vpci_serve_fn *fn = s->fns; fn; fn = fn->next) {
		int fd = fn->state == FN_CONNECTED ? fn->fd : fn->state == FN_LISTENING ? fn->listen_fd : -1;
		if (fd < 0)
			continue;
		live++;
		s->pfn[n] = fn;
		s->pfd[n++] = (struct pollfd){ fd, POLLIN, 0 };
		if (fn->state == FN_CONNECTED && fn->resample_fd >= 0) {
			s->pfn[n] = fn;
			s->pfd[n++] = (struct pollfd){ fn->resample_fd, POLLIN, 0 };
		}
	}
	if (!live)
		return 0;
	int r = poll(s->pfd, (nfds_t)n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? (int)live : VPCI_EIO;
	for (size_t i = 0; i < n; i++) {
		struct vpci_serve_fn *fn = s->pfn[i];
		short ev = s->pfd[i].revents;
		if (!ev)
			continue;
		if (fn->state == FN_LISTENING && s->pfd[i].fd == fn->listen_fd)
			accept_peer(fn);
		else if (fn->state == FN_CONNECTED && s->pfd[i].fd == fn->fd)
			receive(fn, 64);
		else if (fn->state == FN_CONNECTED && s->pfd[i].fd == fn->resample_fd)
			resampled(fn);
	}
	live = 0;
	for (struct vpci_serve_fn *fn = s->fns; fn; fn = fn->next)
		live += fn->state == FN_CONNECTED || fn->state == FN_LISTENING;
	return (int)live;
}

VPCI_EXPORT int vpci_serve_run(vpci_serve *s)
{
	s->stop = 0;
	while (!s->stop) {
		int r = vpci_serve_poll(s, -1);
		if (r <= 0)
			return r;
	}
	return 0;
}

VPCI_EXPORT void vpci_serve_stop(vpci_serve *s)
{
	s->stop = 1;
}
