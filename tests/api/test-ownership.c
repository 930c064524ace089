/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-ownership.c - the ownership rules the public headers state, as an
 * outside program sees them (only <vpci/...>, the installed-style static
 * library), checked under whatever sanitizers the build has (ASan: no
 * leak, no use after free, no double destroy):
 *
 *   - vpci_emu_new() takes the backend over whatever happens: destroyed
 *     exactly once, by vpci_emu_free() after success, before returning on
 *     every failure (each allocation failed in turn, a BAR without a size,
 *     a backend without read/write);
 *   - the instance and the event callbacks are copied: the caller frees
 *     them right after vpci_emu_new();
 *   - a saved blob is malloc'd and free()d by the caller; a failed save
 *     leaves nothing behind;
 *   - vpci_backend_snapshot() and vpci_func_dup() fail cleanly at every
 *     allocation (vpci_func_dup() freed the original's strings when its
 *     own copy failed half-way).
 *
 * Allocation failures are injected with the linker's --wrap: calls to
 * malloc/calloc/realloc from the objects linked into this program (the
 * library's included) go through the wrappers below, which fail the Nth.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpci/vpci.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long nalloc, fail_at = -1;

static int fail_now(void)
{
	return fail_at >= 0 && nalloc++ == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

/* fail allocation @k from now on (LONG_MAX: count only), or disarm (-1) */
static void arm(long k)
{
	nalloc = 0;
	fail_at = k;
}

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                  \
		}                                                                    \
	} while (0)

/* --- a backend whose destruction is counted -------------------------------- */

struct be_ctx {
	int *destroyed;
	char *mem; /* so that a missing destroy leaks and a double one double-frees */
};

static int be_read(void *ctx, unsigned off, unsigned size, uint32_t *val)
{
	(void)ctx;
	(void)off;
	(void)size;
	*val = 0;
	return 0;
}

static int be_write(void *ctx, unsigned off, unsigned size, uint32_t val, uint32_t mask)
{
	(void)ctx;
	(void)off;
	(void)size;
	(void)val;
	(void)mask;
	return 0;
}

static void be_destroy(void *ctx)
{
	struct be_ctx *c = ctx;

	(*c->destroyed)++;
	free(c->mem);
	free(c);
}

static const struct vpci_backend_ops counted_ops = { be_read, be_write, NULL, be_destroy };
static const struct vpci_backend_ops no_read_ops = { NULL, be_write, NULL, be_destroy };

static struct vpci_backend counted(const struct vpci_backend_ops *ops, int *destroyed)
{
	struct be_ctx *c = malloc(sizeof(*c));
	struct vpci_backend be = { ops, c };

	if (!c)
		abort();
	c->destroyed = destroyed;
	c->mem = malloc(64);
	*destroyed = 0;
	return be;
}

static const char *instance =
	"vpci: 1\nname: own\nfunction:\n"
	"  header: {vendor-id: 0x1234, device-id: 0x5678, command: {value: 0, device: 0x0004}}\n"
	"  bars:\n    - {index: 0, type: mem64, size: 16KiB}\n"
	"  capabilities:\n"
	"    - {type: msix, offset: 0x60, fields: {message-control: 0x0081, table: 0x2000, pba: 0x3000}}\n";

static vpci_func *parse(const char *text)
{
	vpci_func *f = NULL;

	if (vpci_parse_buffer(text, strlen(text), "own.yaml", &f, NULL))
		abort();
	return f;
}

/* How many allocations a successful call makes. */
static long count_allocs(const vpci_func *f, int with_backend)
{
	int destroyed;
	struct vpci_backend be = counted(&counted_ops, &destroyed);
	vpci_emu *e = NULL;

	arm(LONG_MAX);
	int rc = vpci_emu_new(f, with_backend ? &be : NULL, NULL, NULL, &e, NULL);
	long n = nalloc;
	arm(-1);
	CHECK(rc == 0);
	vpci_emu_free(e);
	if (!with_backend)
		be_destroy(be.ctx);
	return n;
}

static void test_emu_new_backend(void)
{
	vpci_func *f = parse(instance);
	int destroyed;

	for (int with_backend = 1; with_backend >= 0; with_backend--) {
		long n = count_allocs(f, with_backend);
		CHECK(n >= 4);
		for (long k = 0; k < n; k++) {
			struct vpci_backend be = counted(&counted_ops, &destroyed);
			vpci_emu *e = (vpci_emu *)&be; /* must be reset to NULL */
			arm(k);
			int rc = vpci_emu_new(f, with_backend ? &be : NULL, NULL, NULL, &e, NULL);
			arm(-1);
			CHECK(rc == VPCI_ENOMEM);
			CHECK(e == NULL);
			if (with_backend) {
				CHECK(destroyed == 1);
			} else {
				CHECK(destroyed == 0);
				be_destroy(be.ctx);
			}
		}
		printf("vpci_emu_new, %s backend: %ld allocations, each failure cleans up\n",
		       with_backend ? "own" : "snapshot", n);
	}
	/* success: the backend lives until vpci_emu_free() */
	struct vpci_backend be = counted(&counted_ops, &destroyed);
	vpci_emu *e = NULL;
	CHECK(vpci_emu_new(f, &be, NULL, NULL, &e, NULL) == 0);
	CHECK(destroyed == 0);
	vpci_emu_free(e);
	CHECK(destroyed == 1);
	vpci_emu_free(NULL);
	vpci_func_free(f);

	/* refused instance (a BAR without a size): destroyed */
	f = parse("vpci: 1\nname: nosize\nfunction:\n  header: {vendor-id: 0x1234, device-id: 0x5678}\n"
		  "  bars:\n    - {index: 0, type: mem32}\n");
	be = counted(&counted_ops, &destroyed);
	CHECK(vpci_emu_new(f, &be, NULL, NULL, &e, NULL) == VPCI_EDATA);
	CHECK(e == NULL);
	CHECK(destroyed == 1);
	vpci_func_free(f);

	/* a backend without read: refused, destroyed */
	f = parse(instance);
	be = counted(&no_read_ops, &destroyed);
	CHECK(vpci_emu_new(f, &be, NULL, NULL, &e, NULL) == VPCI_EINVAL);
	CHECK(destroyed == 1);
	vpci_func_free(f);
}

/* --- copies -------------------------------------------------------------------- */

static int events;

static void on_event(void *opaque, const struct vpci_event *ev)
{
	(void)ev;
	CHECK(opaque == &events);
	events++;
}

static void test_copies(void)
{
	vpci_func *f = parse(instance);
	struct vpci_emu_ops *ops = malloc(sizeof(*ops));
	vpci_emu *e = NULL;
	uint32_t v;

	if (!ops)
		abort();
	ops->event = on_event;
	CHECK(vpci_emu_new(f, NULL, ops, &events, &e, NULL) == 0);
	/* the caller frees the instance and the callbacks at once */
	vpci_func_free(f);
	free(ops);
	events = 0;
	CHECK(vpci_emu_write(e, 0x04, 2, 0x0006) == 0);
	CHECK(events == 1);
	CHECK(vpci_emu_read(e, 0x00, 4, &v) == 0 && v == 0x56781234u);

	/* save: a malloc'd blob, free()d here; a failed save leaves nothing */
	void *blob = NULL;
	size_t len = 0;
	CHECK(vpci_emu_save(e, &blob, &len) == 0);
	CHECK(vpci_emu_load(e, blob, len, NULL) == 0);
	free(blob);
	blob = &len;
	arm(0);
	CHECK(vpci_emu_save(e, &blob, &len) == VPCI_ENOMEM);
	arm(-1);
	CHECK(blob == &len);
	vpci_emu_free(e);
}

/* --- other constructors --------------------------------------------------------- */

static void test_other_constructors(void)
{
	vpci_func *f = parse(instance);
	struct vpci_backend be;
	long n;

	/* vpci_backend_snapshot */
	arm(LONG_MAX);
	CHECK(vpci_backend_snapshot(f, &be) == 0);
	n = nalloc;
	arm(-1);
	be.ops->destroy(be.ctx);
	for (long k = 0; k < n; k++) {
		arm(k);
		CHECK(vpci_backend_snapshot(f, &be) == VPCI_ENOMEM);
		arm(-1);
	}

	/* vpci_func_dup */
	arm(LONG_MAX);
	vpci_func *g = vpci_func_dup(f);
	n = nalloc;
	arm(-1);
	CHECK(g != NULL);
	vpci_func_free(f); /* the copy is independent */
	CHECK(vpci_func_config_size(g) == 4096 || vpci_func_config_size(g) == 256);
	for (long k = 0; k < n; k++) {
		arm(k);
		vpci_func *h = vpci_func_dup(g);
		arm(-1);
		CHECK(h == NULL);
	}

	printf("vpci_backend_snapshot, vpci_func_dup: every allocation failure cleans up\n");
	vpci_func_free(g);
}

int main(void)
{
	test_emu_new_backend();
	test_copies();
	test_other_constructors();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
