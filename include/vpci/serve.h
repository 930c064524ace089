/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpci/serve.h - serve emulated functions to a VMM in another process:
 * QEMU's multi-process PCI proxy (QEMU 7.2, `-device x-pci-proxy-dev,fd=N`)
 *
 * A server holds any number of served functions.  Each one is an emulated
 * function (see emu.h) plus one peer: a connected socket the program
 * already has (its other end goes to QEMU), or a UNIX socket path the
 * server listens on for one peer.  The server answers every message of
 * the peer on one thread:
 *
 *   config read/write   vpci_emu_read() / vpci_emu_write()
 *   BAR read/write      the MSI-X table and PBA: the engine's MSI-X
 *                       helpers; anything else: the program's BAR handler
 *                       (struct vpci_serve_ops), addressed by BAR index
 *                       and offset as the engine's BAR events placed it
 *   device reset        vpci_emu_reset(VPCI_RESET_HOT)
 *   interrupt fds       kept: vpci_serve_intx() raises INTx through them
 *   guest memory fds    closed (the server does not DMA)
 *
 * What QEMU 7.2's proxy imposes (docs/vmm-integration.md):
 *   - it is a conventional PCI device: the guest sees the first 256 bytes
 *     of config space only, extended capabilities are invisible;
 *   - at start-up it sizes every register from 0x10 to 0x28 as an
 *     independent 32-bit BAR and aborts on a size that is not a power of
 *     two, so a type-1 (bridge) function is refused, and while that probe
 *     runs the upper half of a 64-bit BAR and every register that is not a
 *     BAR answer 0 to the sizing read (no region is made for them);
 *   - it forwards MSI and MSI-X programming but cannot deliver a message
 *     signalled interrupt; INTx goes through the irqfd it passes.
 *
 * A malformed, unknown or out-of-range message is reported through the
 * log callback and answered with all-ones where QEMU waits for an answer;
 * it never stops the server.  A peer that sends a header announcing more
 * than 4096 bytes of data cannot be followed any more and is disconnected.
 */
#ifndef VPCI_SERVE_H
#define VPCI_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "emu.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** typedef vpci_serve - a server: served functions and their peers (opaque) */
typedef struct vpci_serve vpci_serve;

/** typedef vpci_serve_fn - one served function, owned by its server (opaque) */
typedef struct vpci_serve_fn vpci_serve_fn;

/** enum vpci_serve_kind - what a peer asked for */
enum vpci_serve_kind {
	VPCI_SERVE_CFG_READ = 0,
	VPCI_SERVE_CFG_WRITE,
	VPCI_SERVE_BAR_READ,
	VPCI_SERVE_BAR_WRITE,
	VPCI_SERVE_RESET,
};

/**
 * struct vpci_serve_access - one answered request, for tracing
 * @kind: what was asked
 * @bar: BAR index for BAR accesses (0..5), -1 when no BAR decodes the
 *       address, -1 for config accesses and resets
 * @addr: config offset; for BAR accesses the offset inside the BAR, or
 *        the guest address when no BAR decodes it
 * @size: access size in bytes
 * @val: the value read or written
 * @status: 0, or the negative VPCI_E* code the access failed with (the
 *          peer was answered with all-ones)
 */
struct vpci_serve_access {
	enum vpci_serve_kind kind;
	int bar;
	uint64_t addr;
	unsigned size;
	uint64_t val;
	int status;
};

/**
 * struct vpci_serve_ops - the program's side of a served function
 * @bar_read: a guest read of BAR @bar (0..5) at offset @off, @size 1, 2, 4
 *            or 8 bytes, outside the MSI-X table and PBA; NULL reads 0
 * @bar_write: the same for a write; NULL ignores writes
 * @event: the engine's events (emu.h), after the server has acted on them
 * @access: called after every config access, BAR access and reset was
 *          answered (for tracing, state dumps or statistics)
 * @log: one line: a peer connected or closed, a message was refused
 *
 * Any member may be NULL.  @bar_read and @bar_write return 0 or a negative
 * VPCI_E* code (the peer then reads all-ones).  Callbacks run on the
 * thread that calls vpci_serve_poll(); they must not call
 * vpci_serve_poll() or vpci_serve_free().
 */
struct vpci_serve_ops {
	int (*bar_read)(void *opaque, unsigned bar, uint64_t off, unsigned size, uint64_t *val);
	int (*bar_write)(void *opaque, unsigned bar, uint64_t off, unsigned size, uint64_t val);
	void (*event)(void *opaque, const struct vpci_event *ev);
	void (*access)(void *opaque, const struct vpci_serve_access *a);
	void (*log)(void *opaque, const char *msg);
};

/**
 * vpci_serve_new() - create an empty server
 * @out: receives the server
 *
 * Return: 0 or VPCI_ENOMEM.
 */
int vpci_serve_new(vpci_serve **out);

/**
 * vpci_serve_free() - close every peer and socket, free every function
 * @s: the server; NULL is allowed
 *
 * Listening sockets are unlinked.
 */
void vpci_serve_free(vpci_serve *s);

/**
 * vpci_serve_add() - add a function to serve
 * @s: the server
 * @f: the instance (copied)
 * @be: its backend (taken over), NULL for a snapshot backend of @f
 * @ops: the program's callbacks (copied; may be NULL)
 * @opaque: passed to the callbacks
 * @out: receives the function (owned by @s; may be NULL)
 * @d: diagnostics (may be NULL): why @f cannot be served; a note when
 *     the guest will see only the first 256 of its 4096 bytes
 *
 * The function has no peer yet: give it one with vpci_serve_attach() or
 * vpci_serve_listen().  Refuses a type-1 or type-2 header (QEMU's proxy
 * would abort sizing its bridge registers as BARs) and whatever
 * vpci_emu_new() refuses.  @be is destroyed on failure too.
 *
 * Return: 0, VPCI_EDATA, VPCI_ENOMEM.
 */
int vpci_serve_add(vpci_serve *s, const vpci_func *f, const struct vpci_backend *be,
		   const struct vpci_serve_ops *ops, void *opaque, vpci_serve_fn **out,
		   vpci_diag *d);

/**
 * vpci_serve_attach() - serve a function over a connected socket
 * @fn: the function (without a peer)
 * @fd: a connected stream socket whose other end is QEMU's
 *      `x-pci-proxy-dev,fd=`; taken over (closed by the server), also on
 *      failure
 *
 * Return: 0, VPCI_EBUSY (@fn already has a peer), VPCI_EINVAL (@fd is
 * not a stream socket).
 */
int vpci_serve_attach(vpci_serve_fn *fn, int fd);

/**
 * vpci_serve_listen() - serve a function to the first peer that connects
 * @fn: the function (without a peer)
 * @path: a UNIX socket path; an existing socket file there is replaced,
 *        any other file is refused
 * @d: diagnostics (may be NULL)
 *
 * The socket accepts one connection, then is closed and unlinked.
 *
 * Return: 0, VPCI_EBUSY (@fn already has a peer, or @path is another
 * kind of file), VPCI_EINVAL (@path too long), VPCI_EIO.
 */
int vpci_serve_listen(vpci_serve_fn *fn, const char *path, vpci_diag *d);

/**
 * vpci_serve_poll() - wait for and answer what the peers sent
 * @s: the server
 * @timeout_ms: how long to wait for the first message, -1 for ever
 *
 * Answers every complete message that has arrived, accepts waiting
 * connections, and notices peers that closed (a function whose peer closed
 * is done; its engine stays available).
 *
 * Return: the number of functions still served or waiting for their peer
 * (0: every peer has closed), VPCI_EIO when waiting failed, VPCI_ENOMEM.
 * An interruption by a signal returns the current count.
 */
int vpci_serve_poll(vpci_serve *s, int timeout_ms);

/**
 * vpci_serve_run() - serve until every peer has closed
 * @s: the server
 *
 * Calls vpci_serve_poll() until no function is left to serve or
 * vpci_serve_stop() was called.
 *
 * Return: 0, VPCI_EIO or VPCI_ENOMEM.
 */
int vpci_serve_run(vpci_serve *s);

/**
 * vpci_serve_stop() - make vpci_serve_run() return
 * @s: the server
 *
 * Safe to call from a signal handler.
 */
void vpci_serve_stop(vpci_serve *s);

/**
 * vpci_serve_emu() - the emulated function behind a served function
 * @fn: the function
 *
 * For vpci_emu_save(), vpci_emu_msix_set_pending() or reads of the
 * current config space.  Owned by the server.
 *
 * Return: the engine.
 */
vpci_emu *vpci_serve_emu(vpci_serve_fn *fn);

/**
 * vpci_serve_intx() - set the level of the function's INTx line
 * @fn: the function
 * @level: true to assert, false to deassert
 *
 * An asserted line is signalled on the interrupt fd QEMU passed, again
 * after each end-of-interrupt QEMU reports on its resample fd, and again
 * when the guest clears Command.INTx Disable; nothing is signalled while
 * INTx Disable is set or the Interrupt Pin register is 0.
 *
 * Return: 0, VPCI_ENOENT (no interrupt fd received yet), VPCI_EIO.
 */
int vpci_serve_intx(vpci_serve_fn *fn, bool level);

#ifdef __cplusplus
}
#endif

#endif /* VPCI_SERVE_H */
