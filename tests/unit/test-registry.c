/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-registry.c - the PF/VF registry beyond its rules (which
 * tests/registry/model.py checks over random sequences): registry files
 * (a description with every feature, every malformed input reported at its
 * line and column), the sync with a crafted sysfs tree as the host changes
 * behind the registry's back, the state directory (lock, atomic save), and
 * crash consistency: a writer killed at every write point of a save leaves
 * the old registry or the new one.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sriov/registry_priv.h"
#include "tree.h"
#include "vpci/vpci.h"

static char sys_[300], proc_[300], state[300];

static int setup(void **st)
{
	(void)st;
	tree_make("registry");
	snprintf(sys_, sizeof(sys_), "%s/sys", tree_root);
	snprintf(proc_, sizeof(proc_), "%s/proc", tree_root);
	snprintf(state, sizeof(state), "%s/state/sub", tree_root);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return tree_remove();
}

static int has(const vpci_diag *d, enum vpci_severity sev, const char *field, const char *needle)
{
	for (size_t i = 0; i < vpci_diag_count(d); i++) {
		const struct vpci_diag_entry *e = vpci_diag_get(d, i);
		if (e->severity == sev && (!field || (e->field && !strcmp(e->field, field))) &&
		    (!needle || strstr(e->message, needle)))
			return 1;
	}
	return 0;
}

static void get(const vpci_registry *r, const char *slot, struct vpci_reg_func *f)
{
	assert_int_equal(vpci_registry_find(r, slot, f), 0);
}

static char *text_of(const vpci_registry *r)
{
	char *t;

	assert_int_equal(vpci_registry_write(r, &t, NULL), 0);
	return t;
}

/* --- registry files ------------------------------------------------------ */

static const char description[] =
	"# a host with one NVMe PF, two VFs and a NIC\n"
	"\n"
	"vpci-registry 1\n"
	"pf 01:00.0 id=1b36:0010 vf-device=0011 total-vfs=4 offset=1 stride=1 owner=storage\n"
	"vf 01:00.1 pf=01:00.0 index=1 owner=vm1 assigned=yes user=4242%20(qemu%25)\n"
	"vf 0000:01:00.2 pf=0000:01:00.0 index=2\n"
	"\tfn 0000:00:03.0   id=8086:10D3 user=%2D\n"
	"vf 0000:03:00.1 pf=0000:03:00.0 index=1 id=8086:154c pf-device=1572 ari=yes broken=yes owner=vm2 assigned=yes\n";

static void test_description(void **st)
{
	vpci_diag *d = vpci_diag_new();
	vpci_registry *r;
	struct vpci_reg_func f;

	(void)st;
	assert_int_equal(vpci_registry_parse(description, strlen(description), "desc", &r, d), 0);
	assert_int_equal(vpci_diag_count(d), 0);
	assert_int_equal(vpci_registry_count(r), 5);
	get(r, "01:00.0", &f);
	assert_int_equal(f.kind, VPCI_REG_PF);
	assert_int_equal(f.nvfs, 2);
	assert_string_equal(f.owner, "storage");
	get(r, "01:00.1", &f);
	assert_int_equal(f.kind, VPCI_REG_VF);
	assert_int_equal(f.vendor, 0x1b36);
	assert_int_equal(f.device, 0x0011); /* the PF's VF Device ID */
	assert_int_equal(f.pf_device, 0x0010);
	assert_true(f.assigned);
	assert_string_equal(f.user, "4242 (qemu%)");
	get(r, "00:03.0", &f);
	assert_int_equal(f.kind, VPCI_REG_FN);
	assert_string_equal(f.user, "-");
	get(r, "03:00.1", &f);
	assert_true(f.broken);
	assert_true(f.pf_ari);
	/* the rules hold for a registry read from a file: the storage domain
	 * manages its PF's VFs, vm1 only its own */
	assert_int_equal(vpci_registry_may_manage(r, "01:00.2", "storage", d), 0);
	assert_int_equal(vpci_registry_may_manage(r, "01:00.2", "vm1", d), VPCI_EPERM);
	assert_true(has(d, VPCI_SEV_ERROR, "owner", "its PF 0000:01:00.0 is owned by another domain"));
	assert_int_equal(vpci_registry_remove(r, "01:00.1", "storage", 0, d), VPCI_EBUSY);
	assert_true(has(d, VPCI_SEV_ERROR, "in-use", "assigned to 'vm1'"));
	assert_true(has(d, VPCI_SEV_ERROR, "in-use", "held open through VFIO by 4242 (qemu%)"));
	/* canonical text: written, read back, written again: the same */
	char *a = text_of(r), *b;
	vpci_registry *back;
	assert_int_equal(vpci_registry_parse(a, strlen(a), "canon", &back, d), 0);
	b = text_of(back);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "user=4242%20(qemu%25)"));
	assert_non_null(strstr(a, "fn 0000:00:03.0 id=8086:10d3 owner=- assigned=no user=%2D\n"));
	free(a);
	free(b);
	vpci_registry_free(back);
	vpci_registry_free(r);
	vpci_diag_free(d);
}

/* Each malformed file and the diagnostic it must get (line:column and a
 * part of the message). */
static const struct {
	const char *text, *where, *msg;
} bad_files[] = {
	{ "", "f:1:1", "no 'vpci-registry 1' line" },
	{ "# only a comment\n", "f:1:1", "no 'vpci-registry 1' line" },
	{ "pf 01:00.0 id=1b36:0010\n", "f:1:1", "not a registry file" },
	{ "vpci-registry 2\n", "f:1:15", "version '2' is not supported" },
	{ "vpci-registry 1\nxf 01:00.0\n", "f:2:1", "unknown record 'xf'" },
	{ "vpci-registry 1\nfn 01:00.9 id=1b36:0010\n", "f:2:4", "malformed PCI address" },
	{ "vpci-registry 1\nfn\n", "f:2:3", "needs an address" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 colour=red\n", "f:2:25", "unknown key 'colour' (this record takes id, owner, assigned, user)" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 id=1b36:0010\n", "f:2:25", "'id' is given twice (first at column 12)" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36-0010\n", "f:2:15", "id must be VVVV:DDDD" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 owner\n", "f:2:25", "'owner' needs a value" },
	{ "vpci-registry 1\nfn 01:00.0\n", "f:2:11", "a fn record needs id=" },
	{ "vpci-registry 1\npf 01:00.0 id=1b36:0010 vf-device=0011 total-vfs=04 offset=1 stride=1\n", "f:2:50",
	  "total-vfs must be a decimal number" },
	{ "vpci-registry 1\npf 01:00.0 id=1b36:0010 vf-device=0011 offset=1 stride=1\n", "f:2:57", "needs total-vfs=" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 assigned=maybe\n", "f:2:34", "assigned must be yes or no" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 assigned=yes\n", "f:2:25", "assigned=yes needs an owner" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 owner=-vm\n", "f:2:31", "owner must be '-' or a label" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 user=%4\n", "f:2:30", "two hex digits" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010 user=%00\n", "f:2:30", "NUL byte" },
	{ "vpci-registry 1\r\nfn 01:00.0 id=1b36:0010\n", "f:1:1", "a carriage return" },
	{ "vpci-registry 1\nfn 01:00.0 id=1b36:0010\nfn 0000:01:00.0 id=1b36:0010\n", "f:3:4",
	  "registered twice (first on line 2)" },
	{ "vpci-registry 1\nvf 01:00.1 pf=01:00.0 index=1\n", "f:2:4", "a VF exists only while its PF does" },
	{ "vpci-registry 1\npf 01:00.0 id=1b36:0010 vf-device=0011 total-vfs=4 offset=1 stride=1\n"
	  "vf 01:00.3 pf=01:00.0 index=1\n", "f:3:4", "VF 1 of 0000:01:00.0 is at 0000:01:00.1" },
	{ "vpci-registry 1\npf 01:00.0 id=1b36:0010 vf-device=0011 total-vfs=4 offset=1 stride=1\n"
	  "vf 01:00.1 pf=01:00.0 index=1 id=1b36:0012\n", "f:3:31", "but its PF 0000:01:00.0 gives its VFs 1b36:0011" },
	{ "vpci-registry 1\npf 01:00.0 id=1b36:0010 vf-device=0011 total-vfs=4 offset=0 stride=1\n", "f:2:4",
	  "the offset must not be 0" },
	{ "vpci-registry 1\nvf 03:00.1 pf=03:00.0 index=1 broken=yes\n", "f:2:41", "a broken vf record needs id=" },
};

static void test_bad_files(void **st)
{
	vpci_diag *d = vpci_diag_new();
	char buf[600];
	int failed = 0;

	(void)st;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		vpci_registry *r = (vpci_registry *)&buf; /* must be reset to NULL */
		vpci_diag_clear(d);
		int rc = vpci_registry_parse(bad_files[i].text, strlen(bad_files[i].text), "f", &r, d);
		int found = 0;
		for (size_t k = 0; k < vpci_diag_count(d); k++) {
			vpci_diag_format(vpci_diag_get(d, k), buf, sizeof(buf));
			found |= !strncmp(buf, bad_files[i].where, strlen(bad_files[i].where)) &&
				 buf[strlen(bad_files[i].where)] == ':' && strstr(buf, bad_files[i].msg);
		}
		if (rc != VPCI_EDATA || r || !found) {
			print_error("case %zu: rc %d, got:\n", i, rc);
			for (size_t k = 0; k < vpci_diag_count(d); k++) {
				vpci_diag_format(vpci_diag_get(d, k), buf, sizeof(buf));
				print_error("  %s\n", buf);
			}
			failed++;
		}
	}
	assert_int_equal(failed, 0);
	/* unreadable: absent, or not a regular file (a FIFO must not block) */
	vpci_registry *r;
	char path[400];
	snprintf(path, sizeof(path), "%s/absent", tree_root);
	assert_int_equal(vpci_registry_parse_file(path, &r, d), VPCI_EIO);
	snprintf(path, sizeof(path), "%s/fifo", tree_root);
	assert_int_equal(mkfifo(path, 0600), 0);
	vpci_diag_clear(d);
	assert_int_equal(vpci_registry_parse_file(path, &r, d), VPCI_EIO);
	assert_true(has(d, VPCI_SEV_ERROR, NULL, "not a regular file"));
	vpci_diag_free(d);
}

/* --- the sync with the host ------------------------------------------------ */

#define DEV "sys/bus/pci/devices/"

static void make_fn(const char *slot, const char *vendor, const char *device, const char *cls)
{
	char p[200];

	tree_sh("mkdir -p " DEV "%s", slot);
	snprintf(p, sizeof(p), DEV "%s/vendor", slot);
	tree_put(p, vendor);
	snprintf(p, sizeof(p), DEV "%s/device", slot);
	tree_put(p, device);
	snprintf(p, sizeof(p), DEV "%s/class", slot);
	tree_put(p, cls);
}

/* The PF at 01:00.0 with @n VFs (VF Device ID @vfdev). */
static void make_vfs(unsigned n, const char *vfdev)
{
	tree_put(DEV "0000:01:00.0/sriov_totalvfs", "4\n");
	tree_put(DEV "0000:01:00.0/sriov_offset", "1\n");
	tree_put(DEV "0000:01:00.0/sriov_stride", "1\n");
	tree_put(DEV "0000:01:00.0/sriov_vf_device", vfdev);
	tree_put(DEV "0000:01:00.0/ari_enabled", "0\n");
	tree_sh("rm -rf " DEV "0000:01:00.0/virtfn* " DEV "0000:01:00.[1-7]");
	for (unsigned i = 1; i <= n; i++) {
		char slot[32];
		snprintf(slot, sizeof(slot), "0000:01:00.%u", i);
		make_fn(slot, "0x1b36\n", "0x0011\n", "0x010802\n");
		tree_sh("ln -s ../0000:01:00.0 " DEV "%s/physfn && ln -s ../%s " DEV "0000:01:00.0/virtfn%u", slot, slot, i - 1);
	}
	char num[8];
	snprintf(num, sizeof(num), "%u\n", n);
	tree_put(DEV "0000:01:00.0/sriov_numvfs", num);
}

static void test_sync(void **st)
{
	vpci_diag *d = vpci_diag_new();
	vpci_registry *r = vpci_registry_new();
	struct vpci_reg_func f;

	(void)st;
	tree_sh("rm -rf sys proc && mkdir -p sys/bus/pci/drivers/vfio-pci sys/kernel/iommu_groups/7 proc/4242/fd");
	make_fn("0000:00:1c.0", "0x8086\n", "0xa110\n", "0x060400\n"); /* a bridge: not registered */
	make_fn("0000:00:03.0", "0x8086\n", "0x10d3\n", "0x020000\n");
	make_fn("0000:01:00.0", "0x1b36\n", "0x0010\n", "0x010802\n");
	make_vfs(2, "0x0011\n");
	/* QEMU holds VF 1 open through VFIO */
	tree_sh("ln -s ../../drivers/vfio-pci " DEV "0000:01:00.1/driver && "
	   "ln -s ../../../../kernel/iommu_groups/7 " DEV "0000:01:00.1/iommu_group && ln -s /dev/vfio/7 proc/4242/fd/9");
	tree_put("proc/4242/comm", "qemu-system-x86\n");

	assert_int_equal(vpci_registry_sync_host(r, sys_, proc_, d), 0);
	assert_int_equal(vpci_registry_count(r), 4);
	assert_int_equal(vpci_registry_find(r, "00:1c.0", NULL), VPCI_ENOENT);
	get(r, "00:03.0", &f);
	assert_int_equal(f.kind, VPCI_REG_FN);
	get(r, "01:00.0", &f);
	assert_int_equal(f.kind, VPCI_REG_PF);
	assert_int_equal(f.sriov.total_vfs, 4);
	assert_int_equal(f.sriov.vf_device, 0x11);
	assert_int_equal(f.nvfs, 2);
	get(r, "01:00.1", &f);
	assert_int_equal(f.vf_index, 1);
	assert_string_equal(f.user, "4242 (qemu-system-x86)");
	get(r, "01:00.2", &f);
	assert_int_equal(f.vf_index, 2);
	assert_string_equal(f.user, "");
	/* the same host again: nothing to say, nothing changes */
	char *before = text_of(r), *after;
	vpci_diag_clear(d);
	assert_int_equal(vpci_registry_sync_host(r, sys_, proc_, d), 0);
	assert_int_equal(vpci_diag_count(d), 0);
	after = text_of(r);
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* the VFs are disabled behind the registry's back while VF 1 is
	 * assigned: its record stays, broken; VF 2 (nobody's) is dropped */
	assert_int_equal(vpci_registry_assign(r, "01:00.1", "vm1", NULL, 0, d), 0);
	tree_sh("rm -f proc/4242/fd/9");
	make_vfs(0, "0x0011\n");
	vpci_diag_clear(d);
	assert_int_equal(vpci_registry_sync_host(r, sys_, proc_, d), 0);
	assert_true(has(d, VPCI_SEV_WARNING, "vanished", "while assigned to 'vm1'"));
	get(r, "01:00.1", &f);
	assert_true(f.broken);
	assert_true(f.assigned);
	assert_int_equal(vpci_registry_find(r, "01:00.2", NULL), VPCI_ENOENT);
	/* the VFs come back the same: VF 1 is re-associated, assignment kept */
	make_vfs(2, "0x0011\n");
	vpci_diag_clear(d);
	assert_int_equal(vpci_registry_sync_host(r, sys_, proc_, d), 0);
	assert_true(has(d, VPCI_SEV_NOTE, "relinked", "owner 'vm1' and assignment kept"));
	get(r, "01:00.1", &f);
	assert_false(f.broken);
	assert_true(f.assigned);
	assert_string_equal(f.owner, "vm1");
	assert_int_equal(vpci_registry_count(r), 4);

	/* the PF is removed first (the orphan case of Linux 6.1): its VFs stay
	 * on the host without it; the registry keeps VF 1 broken */
	tree_sh("rm -rf " DEV "0000:01:00.0");
	vpci_diag_clear(d);
	assert_int_equal(vpci_registry_sync_host(r, sys_, proc_, d), 0);
	assert_true(has(d, VPCI_SEV_WARNING, "vanished", "removed before its VFs"));
	assert_true(has(d, VPCI_SEV_NOTE, "broken", "its PF is gone from the host"));
	assert_true(has(d, VPCI_SEV_WARNING, "orphan", "0000:01:00.0"));
	get(r, "01:00.1", &f);
	assert_true(f.broken);
	/* a different device comes back at the PF's address (another VF
	 * Device ID): the broken record is not carried over to its VF */
	make_fn("0000:01:00.0", "0x1b36\n", "0x0010\n", "0x010802\n");
	make_vfs(1, "0x0012\n");
	vpci_diag_clear(d);
	assert_int_equal(vpci_registry_sync_host(r, sys_, proc_, d), 0);
	assert_true(has(d, VPCI_SEV_WARNING, "replaced", "its VF Device ID was 0011, the PF now gives 0012"));
	get(r, "01:00.1", &f);
	assert_false(f.broken);
	assert_false(f.assigned);
	assert_string_equal(f.owner, "");
	assert_int_equal(f.device, 0x12);
	/* ari_enabled is the PF's ARI Capable Hierarchy */
	tree_put(DEV "0000:01:00.0/ari_enabled", "1\n");
	vpci_diag_clear(d);
	assert_int_equal(vpci_registry_sync_host(r, sys_, proc_, d), 0);
	get(r, "01:00.0", &f);
	assert_true(f.sriov.ari);
	/* no sysfs at all */
	char bad[400];
	snprintf(bad, sizeof(bad), "%s/nothing", tree_root);
	assert_int_equal(vpci_registry_sync_host(r, bad, proc_, d), VPCI_EIO);
	vpci_registry_free(r);
	vpci_diag_free(d);
}

/* --- the state directory ---------------------------------------------------- */

static vpci_registry *sample(unsigned n)
{
	vpci_registry *r = vpci_registry_new();
	struct vpci_reg_sriov s = { 0x11, 8, 1, 1, false };

	assert_int_equal(vpci_registry_add_pf(r, "01:00.0", 0x1b36, 0x10, &s, NULL, 0, NULL), 0);
	for (unsigned i = 1; i <= n; i++) {
		char slot[16], owner[16];
		snprintf(slot, sizeof(slot), "01:00.%u", i);
		snprintf(owner, sizeof(owner), "vm%u", i);
		assert_int_equal(vpci_registry_add_vf(r, slot, "01:00.0", i, NULL, 0, NULL), 0);
		assert_int_equal(vpci_registry_assign(r, slot, owner, NULL, 0, NULL), 0);
	}
	return r;
}

static char *saved_text(void)
{
	vpci_reg_state *st;
	vpci_registry *r;
	vpci_diag *d = vpci_diag_new();

	assert_int_equal(vpci_reg_state_open(state, false, 0, &st, d), 0);
	int rc = vpci_reg_state_load(st, &r, d);
	if (rc) {
		char buf[600];
		for (size_t i = 0; i < vpci_diag_count(d); i++) {
			vpci_diag_format(vpci_diag_get(d, i), buf, sizeof(buf));
			print_error("%s\n", buf);
		}
	}
	assert_int_equal(rc, 0);
	char *t = text_of(r);
	vpci_registry_free(r);
	vpci_reg_state_close(st);
	vpci_diag_free(d);
	return t;
}

static void test_state_dir(void **st_)
{
	vpci_diag *d = vpci_diag_new();
	vpci_reg_state *st, *ro;
	vpci_registry *r;

	(void)st_;
	tree_sh("rm -rf state");
	/* read-only: creates nothing, loads an empty registry, cannot save */
	assert_int_equal(vpci_reg_state_open(state, false, 0, &ro, d), 0);
	assert_int_equal(vpci_reg_state_load(ro, &r, d), 0);
	assert_int_equal(vpci_registry_count(r), 0);
	assert_int_equal(vpci_reg_state_save(ro, r, d), VPCI_EINVAL);
	vpci_registry_free(r);
	vpci_reg_state_close(ro);
	struct stat sb;
	assert_int_equal(stat(state, &sb), -1);
	/* for writing: created, locked; a leftover temp file is removed */
	tree_sh("mkdir -p state/sub && touch state/sub/.registry.dead");
	assert_int_equal(vpci_reg_state_open(state, true, 0, &st, d), 0);
	char p[400];
	snprintf(p, sizeof(p), "%s/.registry.dead", state);
	assert_int_equal(stat(p, &sb), -1);
	r = sample(2);
	assert_int_equal(vpci_reg_state_save(st, r, d), 0);
	/* another process waits for the lock, then gives up naming the holder */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		vpci_diag *cd = vpci_diag_new();
		vpci_reg_state *other;
		int rc = vpci_reg_state_open(state, true, 50, &other, cd);
		char want[64];
		snprintf(want, sizeof(want), "(pid %ld)", (long)getppid());
		_exit(rc == VPCI_EBUSY && has(cd, VPCI_SEV_ERROR, NULL, want) ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	vpci_reg_state_close(st);
	/* released: the same process can have it again */
	assert_int_equal(vpci_reg_state_open(state, true, 0, &st, d), 0);
	vpci_reg_state_close(st);
	char *a = text_of(r), *b = saved_text();
	assert_string_equal(a, b);
	free(a);
	free(b);
	vpci_registry_free(r);
	/* a corrupt state file is refused with its position, not replaced */
	snprintf(p, sizeof(p), "%s/registry", state);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("vpci-registry 1\npf 01:00.0 id=1b36:0010\n", fp);
	fclose(fp);
	assert_int_equal(vpci_reg_state_open(state, false, 0, &ro, d), 0);
	vpci_diag_clear(d);
	assert_int_equal(vpci_reg_state_load(ro, &r, d), VPCI_EDATA);
	assert_true(has(d, VPCI_SEV_ERROR, NULL, "a pf record needs vf-device="));
	vpci_reg_state_close(ro);
	vpci_diag_free(d);
}

/* --- crash consistency ------------------------------------------------------ */

static unsigned kill_at;
static unsigned points;
static char point_names[256][12];

static void count_point(const char *point, unsigned seq)
{
	if (seq <= 256)
		snprintf(point_names[seq - 1], sizeof(point_names[0]), "%s", point);
	points = seq;
}

static void kill_point(const char *point, unsigned seq)
{
	(void)point;
	if (seq == kill_at)
		raise(SIGKILL);
}

static void save_as(vpci_registry *r)
{
	vpci_reg_state *st;

	assert_int_equal(vpci_reg_state_open(state, true, 1000, &st, NULL), 0);
	assert_int_equal(vpci_reg_state_save(st, r, NULL), 0);
	vpci_reg_state_close(st);
}

static void test_crash_consistency(void **st_)
{
	vpci_registry *old = sample(1), *new = sample(7);
	char *old_t = text_of(old), *new_t = text_of(new);

	(void)st_;
	tree_sh("rm -rf state");
	/* the write points of saving the new registry */
	save_as(old);
	regstate_set_fault_hook(count_point);
	save_as(new);
	regstate_set_fault_hook(NULL);
	assert_true(points > 10 && points <= 256);
	unsigned renamed = 0;
	for (unsigned k = 0; k < points; k++)
		if (!strcmp(point_names[k], "rename"))
			renamed = k + 1;
	assert_true(renamed > 0);
	/* kill the writer at each of them */
	for (kill_at = 1; kill_at <= points; kill_at++) {
		save_as(old);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			regstate_set_fault_hook(kill_point);
			vpci_reg_state *st;
			if (vpci_reg_state_open(state, true, 1000, &st, NULL) || vpci_reg_state_save(st, new, NULL))
				_exit(3);
			_exit(4); /* not killed: a point was missed */
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		/* the registry loads, and is the old one before the rename, the
		 * new one from the rename on */
		char *t = saved_text();
		if (strcmp(t, kill_at < renamed ? old_t : new_t)) {
			print_error("killed at point %u (%s): the saved registry is neither the expected one\n%s", kill_at,
				    point_names[kill_at - 1], t);
			fail();
		}
		free(t);
	}
	printf("crash consistency: writer killed at each of %u write points (%u before the rename): every time the "
	       "registry loaded as the old or the new one\n", points, renamed - 1);
	/* the next writer removes what the killed ones left */
	save_as(old);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s | grep -v '^lock$' | grep -v '^registry$')\"", state);
	assert_int_equal(system(cmd), 0);
	free(old_t);
	free(new_t);
	vpci_registry_free(old);
	vpci_registry_free(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_description),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_crash_consistency),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
