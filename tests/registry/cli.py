#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""cli.py - `vpci sriov` on a crafted sysfs and procfs tree: the registry's
decisions and the documented exit codes, then concurrent invocations.

    cli.py VPCI exits        every documented exit code, and the refusals
    cli.py VPCI concurrency  WORKERS processes changing the registry at once
                             (no update may be lost), then writers killed
                             with SIGKILL at random moments (the registry
                             still loads, and the next writer cleans up)

The tree: an NVMe PF at 01:00.0 with 7 VFs (01:00.1 held open through VFIO
by "qemu-system-x86", pid 4242), a NIC at 00:03.0 and a bridge at 00:1c.0.
Host verbs run with --dry-run (the crafted tree is not a kernel).
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

VPCI = sys.argv[1]
FAILS = []


def tree(top):
    dev = os.path.join(top, "sys/bus/pci/devices")

    def fn(slot, vendor, device, cls):
        d = os.path.join(dev, slot)
        os.makedirs(d)
        for k, v in (("vendor", vendor), ("device", device), ("class", cls), ("remove", ""), ("reset", "")):
            with open(os.path.join(d, k), "w") as f:
                f.write(v + "\n" if v else "")
        return d

    os.makedirs(os.path.join(top, "sys/bus/pci/drivers/vfio-pci"))
    os.makedirs(os.path.join(top, "sys/bus/pci/drivers/nvme"))
    os.makedirs(os.path.join(top, "sys/kernel/iommu_groups/7"))
    fn("0000:00:1c.0", "0x8086", "0xa110", "0x060400")
    fn("0000:00:03.0", "0x8086", "0x10d3", "0x020000")
    pf = fn("0000:01:00.0", "0x1b36", "0x0010", "0x010802")
    for k, v in (("sriov_totalvfs", "8"), ("sriov_numvfs", "7"), ("sriov_offset", "1"), ("sriov_stride", "1"),
                 ("sriov_vf_device", "11"), ("sriov_drivers_autoprobe", "1")):
        with open(os.path.join(pf, k), "w") as f:
            f.write(v + "\n")
    os.symlink("../../drivers/nvme", os.path.join(pf, "driver"))
    for i in range(1, 8):
        slot = "0000:01:00.%d" % i
        vf = fn(slot, "0x1b36", "0x0011", "0x010802")
        os.symlink("../0000:01:00.0", os.path.join(vf, "physfn"))
        os.symlink("../" + slot, os.path.join(pf, "virtfn%d" % (i - 1)))
    vf1 = os.path.join(dev, "0000:01:00.1")
    os.symlink("../../drivers/vfio-pci", os.path.join(vf1, "driver"))
    os.symlink("../../../../kernel/iommu_groups/7", os.path.join(vf1, "iommu_group"))
    os.makedirs(os.path.join(top, "proc/4242/fd"))
    os.symlink("/dev/vfio/7", os.path.join(top, "proc/4242/fd/9"))
    with open(os.path.join(top, "proc/4242/comm"), "w") as f:
        f.write("qemu-system-x86\n")


def vpci(top, *args, state=None):
    cmd = [VPCI, "sriov", "--sysfs-root", os.path.join(top, "sys"), "--proc-root", os.path.join(top, "proc"),
           "--state-dir", state or os.path.join(top, "state")] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return p.returncode, p.stdout, p.stderr


def expect(name, got, status, needle=None):
    rc, out, err = got
    ok = rc == status and (needle is None or needle in out + err)
    print("%s %s (exit %d)" % ("ok  " if ok else "FAIL", name, rc))
    if not ok:
        FAILS.append(name)
        print("     want exit %d%s\n     | %s" % (status, " and '%s'" % needle if needle else "",
                                                  (out + err).strip().replace("\n", "\n     | ")))


def status(top, state=None):
    rc, out, err = vpci(top, "status", "--json", state=state)
    if rc:
        sys.exit("status failed: " + err)
    return {f["slot"]: f for f in json.loads(out)}


def exits(top):
    s = status(top)
    ok = len(s) == 9 and "0000:00:1c.0" not in s and s["0000:01:00.1"]["user"] == "4242 (qemu-system-x86)"
    print("%s status --json: 9 functions (not the bridge), VF 01:00.1 held by its VFIO user" % ("ok  " if ok else "FAIL"))
    if not ok:
        FAILS.append("status")
    # 75: busy
    expect("remove of a VF QEMU holds through VFIO is refused", vpci(top, "--dry-run", "remove", "01:00.1"), 75,
           "held open through VFIO by 4242 (qemu-system-x86)")
    expect("disable while a VF is in use is refused", vpci(top, "--dry-run", "disable", "01:00.0"), 75,
           "its VF 0000:01:00.1 is held open through VFIO")
    expect("remove of a PF with VFs is refused", vpci(top, "--dry-run", "remove", "01:00.0"), 75, "orphan")
    expect("reset of a PF whose VF is in use is refused", vpci(top, "--dry-run", "reset", "01:00.0"), 75,
           "the PF is not reset while a VF is in use")
    got = vpci(top, "--dry-run", "remove", "01:00.0", "--force")
    order = [l for l in got[1].splitlines() if l.startswith("write ")]
    expect("remove --force of the PF: VFs first, then the PF", got, 0, "overridden by force")
    if [o.rsplit("/", 1)[-1] for o in order] != ["sriov_numvfs 0", "remove 1"]:
        FAILS.append("safe order")
        print("FAIL the safe order: %s" % order)
    expect("unbind of a VF in use is refused", vpci(top, "--dry-run", "unbind", "01:00.1"), 75, "held open")
    # 65: not what the command needs
    expect("enable on a function without SR-IOV: 65", vpci(top, "--dry-run", "enable", "00:03.0", "1"), 65,
           "not an SR-IOV physical function")
    expect("disable on a VF: 65", vpci(top, "--dry-run", "disable", "01:00.2"), 65, "not an SR-IOV physical function")
    expect("no such function: 65", vpci(top, "--dry-run", "remove", "05:00.0"), 65, "no such PCI function")
    expect("assign of an unregistered function: 65", vpci(top, "assign", "05:00.0", "vm1"), 65,
           "no such function in the registry")
    # owners and assignments
    expect("assign", vpci(top, "assign", "01:00.2", "vm2"), 0)
    s = status(top)["0000:01:00.2"]
    if s["owner"] != "vm2" or not s["assigned"]:
        FAILS.append("assign recorded")
        print("FAIL assign was not recorded: %s" % s)
    expect("remove of an assigned VF is refused", vpci(top, "--dry-run", "remove", "01:00.2"), 75, "assigned to 'vm2'")
    expect("assign to another owner is refused", vpci(top, "assign", "01:00.2", "vm3"), 75, "release it before")
    expect("a domain releases only its own (77)", vpci(top, "--as", "vm3", "release", "01:00.2"), 77,
           "'vm3' may not manage this function")
    expect("the owner releases", vpci(top, "--as", "vm2", "release", "01:00.2"), 0)
    expect("owner of the PF", vpci(top, "owner", "01:00.0", "storage"), 0)
    expect("the PF's owner assigns its VF", vpci(top, "--as", "storage", "assign", "01:00.3", "vm3"), 0)
    expect("a VF's owner manages only that VF (77)", vpci(top, "--as", "vm3", "assign", "01:00.4", "vm3"), 77)
    expect("a VF's owner may not reset the PF (77)", vpci(top, "--as", "vm3", "--dry-run", "reset", "01:00.0"), 77)
    expect("the PF's owner may not reset it while its VFs are assigned", vpci(top, "--as", "storage", "--dry-run",
                                                                               "reset", "01:00.0"), 75, "'vm3'")
    expect("split trust: the PF to another owner than its VF's", vpci(top, "assign", "01:00.0", "other"), 75,
           "the PF's user could reset or disable that VF")
    expect("owner -", vpci(top, "owner", "00:03.0", "-"), 0)
    # 64: usage
    expect("unknown subcommand: 64", vpci(top, "frob"), 64)
    expect("malformed owner label: 64", vpci(top, "assign", "01:00.5", "a/b"), 64, "malformed owner label")
    expect("malformed address: 64", vpci(top, "assign", "01:00.9", "vm1"), 64, "malformed PCI address")
    expect("--force where it means nothing: 64", vpci(top, "release", "01:00.2", "--force"), 64)
    # descriptions: 66 unreadable, 65 malformed
    d = os.path.join(top, "desc")
    expect("unreadable description: 66", vpci(top, "status", "--description", d), 66, "cannot read")
    with open(d, "w") as f:
        f.write("vpci-registry 1\npf 01:00.0 id=1b36:0010 vf-device=0011 total-vfs=4 offset=1 stride=1\n"
                "vf 01:00.2 pf=01:00.0 index=1\n")
    expect("malformed description: 65 at its line and column", vpci(top, "status", "--description", d), 65,
           d + ":3:4: error: 0000:01:00.2: VF 1 of 0000:01:00.0 is at 0000:01:00.1")
    with open(d, "w") as f:
        f.write("vpci-registry 1\npf 01:00.0 id=1b36:0010 vf-device=0011 total-vfs=4 offset=1 stride=1 owner=a\n"
                "vf 01:00.1 pf=01:00.0 index=1 owner=b assigned=yes\n")
    expect("a description", vpci(top, "status", "--description", d), 0, "VF of 0000:01:00.0")
    # the state: 65 corrupt (left alone), 73 cannot be created
    bad = os.path.join(top, "badstate")
    os.makedirs(bad)
    with open(os.path.join(bad, "registry"), "w") as f:
        f.write("vpci-registry 1\nfn 00:03.0\n")
    expect("a corrupt state file: 65", vpci(top, "assign", "00:03.0", "vm1", state=bad), 65,
           os.path.join(bad, "registry") + ":2:11: error: a fn record needs id=")
    with open(os.path.join(bad, "registry")) as f:
        if f.read() != "vpci-registry 1\nfn 00:03.0\n":
            FAILS.append("corrupt state kept")
            print("FAIL the corrupt state file was replaced")
    blocker = os.path.join(top, "file")
    open(blocker, "w").close()
    expect("a state directory that cannot be created: 73", vpci(top, "assign", "00:03.0", "vm1",
                                                               state=os.path.join(blocker, "state")), 73)
    # VPCI_STATE_DIR
    env = dict(os.environ, VPCI_STATE_DIR=os.path.join(top, "envstate"))
    p = subprocess.run([VPCI, "sriov", "--sysfs-root", os.path.join(top, "sys"), "--proc-root",
                        os.path.join(top, "proc"), "assign", "00:03.0", "vm9"], env=env, capture_output=True,
                       text=True, check=False)
    ok = p.returncode == 0 and "owner=vm9" in open(os.path.join(top, "envstate", "registry")).read()
    print("%s VPCI_STATE_DIR names the state directory" % ("ok  " if ok else "FAIL"))
    if not ok:
        FAILS.append("VPCI_STATE_DIR")


def concurrency(top, workers=8, rounds=12):
    vfs = ["0000:01:00.%d" % i for i in range(2, 8)] + ["0000:00:03.0", "0000:01:00.0"]
    vfs = vfs[:workers]
    base = "%s sriov --sysfs-root %s/sys --proc-root %s/proc --state-dir %s/cstate" % (VPCI, top, top, top)
    scripts = ["for k in $(seq 1 %d); do\n"
               "  %s owner %s w%d-$k >/dev/null || echo FAIL owner $k\n"
               "  %s assign 0000:01:00.1 shared%d --force >/dev/null 2>&1 || echo FAIL assign $k\n"
               "done\n" % (rounds, base, slot, w, base, w) for w, slot in enumerate(vfs)]
    t0 = time.time()
    procs = [subprocess.Popen(["sh", "-c", sc], stdout=subprocess.PIPE, text=True) for sc in scripts]
    outs = [p.communicate()[0] for p in procs]
    dt = time.time() - t0
    bad = [o for o in outs if "FAIL" in o]
    s = status(top, os.path.join(top, "cstate"))
    lost = [(slot, s[slot]["owner"]) for w, slot in enumerate(vfs) if s[slot]["owner"] != "w%d-%d" % (w, rounds)]
    shared = s["0000:01:00.1"]["owner"]
    ok = not bad and not lost and shared.startswith("shared")
    print("%s concurrency: %d processes x %d rounds x 2 invocations (%.1f s): every exit 0, no lost update, "
          "last owners %s" % ("ok  " if ok else "FAIL", workers, rounds, dt,
                              "as written" if not lost else "LOST: %s" % lost))
    if not ok:
        FAILS.append("concurrency")
        print("     failures: %s" % bad)
    # writers killed at random moments
    rnd = random.Random(os.getpid())
    killed = 0
    for rep in range(6):
        procs = [subprocess.Popen([VPCI, "sriov", "--sysfs-root", top + "/sys", "--proc-root", top + "/proc",
                                   "--state-dir", top + "/cstate", "owner", vfs[w], "k%d-%d" % (rep, w)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for w in range(len(vfs))]
        time.sleep(rnd.uniform(0.0, 0.02))
        for p in procs:
            if rnd.random() < 0.5 and p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed += 1
        for p in procs:
            p.wait()
        rc, out, err = vpci(top, "status", "--json", state=top + "/cstate")
        if rc:
            FAILS.append("killed writers")
            print("FAIL after killing writers the registry does not load: %s" % err)
            return
    rc = vpci(top, "owner", vfs[0], "after", state=top + "/cstate")[0]
    left = [n for n in os.listdir(top + "/cstate") if n not in ("lock", "registry")]
    ok = rc == 0 and not left
    print("%s %d writers killed with SIGKILL mid-flight: the registry loaded every time; the next writer "
          "left %s" % ("ok  " if ok else "FAIL", killed, "nothing behind" if not left else left))
    if not ok:
        FAILS.append("cleanup")


def main():
    top = tempfile.mkdtemp(prefix="vpci-cli-")
    try:
        tree(top)
        if sys.argv[2] == "exits":
            exits(top)
        else:
            concurrency(top)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
