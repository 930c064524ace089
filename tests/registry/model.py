#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""model.py - the registry's rules as an executable specification, and the
random-sequence test that holds libvpci's registry to them.

The Model class is docs/sriov.md ("The registry") written as Python: every
operation returns its status and the (severity, rule) of each diagnostic it
makes, and the registry file it would write is its state.  It shares no
code with src/sriov/registry.c: the VF Routing-ID arithmetic, the address
syntax and the file format are written again here from the documentation.

    model.py DRIVER [--seed N] [--count N] [--length N]

runs COUNT random sequences of LENGTH operations (sequence i uses the seed
SEED + i) through DRIVER (tests/registry/regdriver.c, the library) and
through the model, and compares every status, every diagnostic's rule and
the registry after every operation (by the CRC-32 of its registry file; on a
difference the sequence is replayed to show both files).  It prints the
seeds, the number of operations, the rules that were exercised and the
number of divergences, and exits 1 when there is any, or when a rule of the
specification was never exercised.
"""
import argparse
import random
import re
import subprocess
import sys
import zlib

OK, ENOMEM, EINVAL, EIO, EDATA, ERANGE, ENOENT, ENOTSUP, EBUSY, EPERM = 0, -1, -2, -3, -4, -5, -6, -7, -8, -9
FORCE, CHECK = 1, 2
FN, PF, VF = "fn", "pf", "vf"

# --- addresses ---------------------------------------------------------------

ADDR = re.compile(r"^(?:([0-9a-fA-F]{1,6}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$")


def parse_addr(s):
    """(domain, bus, device, function) or None: [DDDD:]BB:DD.F, hex, device <= 31."""
    m = ADDR.match(s or "")
    if not m:
        return None
    dom = int(m.group(1), 16) if m.group(1) else 0
    bus, dev, fn = int(m.group(2), 16), int(m.group(3), 16), int(m.group(4))
    if dev > 31:
        return None
    return (dom, bus, dev, fn)


def fmt_addr(a):
    return "%04x:%02x:%02x.%d" % a


def rid(a):
    return a[1] << 8 | a[2] << 3 | a[3]


def key(a):
    return a[0] << 16 | rid(a)


def vf_addr(pf, offset, stride, n):
    """PCIe SR-IOV: VF n's Routing ID is the PF's + First VF Offset + (n-1) * VF Stride."""
    if n < 1:
        return None
    r = rid(pf) + offset + (n - 1) * stride
    if r > 0xFFFF:
        return None
    return (pf[0], r >> 8, (r >> 3) & 31, r & 7)


LABEL = re.compile(r"^[A-Za-z0-9._:@+][A-Za-z0-9._:@+-]{0,62}$")


def label_ok(s):
    return s is not None and bool(LABEL.match(s))


# --- the registry file ----------------------------------------------------------

def yn(v):
    return "yes" if v else "no"


def enc_user(u):
    if u == "":
        return "-"
    if u == "-":
        return "%2D"
    return "".join(c if 0x21 <= ord(c) <= 0x7E and c != "%" else "%%%02X" % ord(c) for c in u)


class Fn:
    def __init__(self, kind, addr, vendor, device):
        self.kind, self.addr, self.vendor, self.device = kind, addr, vendor, device
        self.vf_device = self.total = self.offset = self.stride = 0
        self.ari = False
        self.pf, self.index, self.pf_device, self.pf_ari, self.broken = "", 0, 0, False, False
        self.owner, self.assigned, self.user = "", False, ""

    @property
    def slot(self):
        return fmt_addr(self.addr)

    def line(self):
        if self.kind == FN:
            head = "fn %s id=%04x:%04x" % (self.slot, self.vendor, self.device)
        elif self.kind == PF:
            head = "pf %s id=%04x:%04x vf-device=%04x total-vfs=%d offset=%d stride=%d ari=%s" % (
                self.slot, self.vendor, self.device, self.vf_device, self.total, self.offset, self.stride, yn(self.ari))
        else:
            head = "vf %s pf=%s index=%d id=%04x:%04x pf-device=%04x ari=%s broken=%s" % (
                self.slot, self.pf, self.index, self.vendor, self.device, self.pf_device, yn(self.pf_ari),
                yn(self.broken))
        return "%s owner=%s assigned=%s user=%s\n" % (head, self.owner or "-", yn(self.assigned), enc_user(self.user))


def crc(text):
    return zlib.crc32(text.encode())


# --- the rules -------------------------------------------------------------------

class Refused(Exception):
    def __init__(self, rc):
        self.rc = rc


class Model:
    def __init__(self):
        self.fns = {}  # key -> Fn

    # helpers
    def ordered(self):
        return [self.fns[k] for k in sorted(self.fns)]

    def text(self):
        return ("# vpci registry: PCI functions, SR-IOV links, owners and assignments (docs/sriov.md)\n"
                "vpci-registry 1\n" + "".join(f.line() for f in self.ordered()))

    def linked_vfs(self, pf):
        return [f for f in self.ordered() if f.kind == VF and not f.broken and f.pf == pf.slot]

    def pf_of(self, f):
        if f.kind != VF or f.broken:
            return None
        return self.fns.get(key(parse_addr(f.pf)))

    def may_manage(self, f, actor):
        if actor is None:
            return True
        if f.owner and f.owner == actor:
            return True
        p = self.pf_of(f)
        return p is not None and p.owner != "" and p.owner == actor

    @staticmethod
    def in_use(f):
        return f.assigned or f.user != ""

    # the checks, each appends to self.diags and raises Refused
    def refuse(self, rc, rule):
        self.diags.append(("E", rule))
        raise Refused(rc)

    def busy(self, rule):
        self.diags.append(("W" if self.force else "E", rule))
        self.busy_n += 1

    def actor_ok(self, actor):
        if actor is not None and not label_ok(actor):
            self.refuse(EINVAL, "label")

    def addr(self, s):
        a = parse_addr(s)
        if a is None:
            self.refuse(EINVAL, "address")
        return a

    def get(self, s):
        a = self.addr(s)
        f = self.fns.get(key(a))
        if f is None:
            self.refuse(ENOENT, "no-function")
        return f

    def manage(self, f, actor):
        if not self.may_manage(f, actor):
            self.refuse(EPERM, "owner")

    def admin(self, actor):
        if actor is not None:
            self.refuse(EPERM, "admin-only")

    def not_broken(self, f):
        if f.kind == VF and f.broken:
            self.refuse(ENOTSUP, "broken")

    def verdict(self):
        if self.busy_n and not self.force:
            raise Refused(EBUSY)

    def check_in_use(self, f):
        if f.assigned:
            self.busy("in-use")
        if f.user:
            self.busy("in-use")

    def check_vfs_in_use(self, f):
        if f.kind == PF:
            for v in self.linked_vfs(f):
                if self.in_use(v):
                    self.busy("vfs-in-use")

    def relink_ok(self, pf, vf):
        if vf.vendor != pf.vendor or vf.pf_device != pf.device:
            return False
        if vf.device != pf.vf_device or vf.pf_ari != pf.ari or vf.index > pf.total:
            return False
        return vf_addr(pf.addr, pf.offset, pf.stride, vf.index) == vf.addr

    def relink_all(self, pf):
        for v in self.ordered():
            if v.kind == VF and v.broken and v.pf == pf.slot:
                if self.relink_ok(pf, v):
                    v.broken = False
                    self.diags.append(("N", "relinked"))
                else:
                    self.diags.append(("N", "stays-broken"))

    def run(self, op, *args):
        """(status, [(severity, rule)...]) of one operation."""
        self.diags, self.busy_n, self.force = [], 0, False
        try:
            getattr(self, "op_" + op)(*args)
            rc = OK
        except Refused as r:
            rc = r.rc
        return rc, self.diags

    # the operations
    def op_add_fn(self, slot, vendor, device, actor, flags):
        self.actor_ok(actor)
        a = self.addr(slot)
        self.admin(actor)
        f = self.fns.get(key(a))
        if f is not None:
            if f.kind == FN and f.vendor == vendor and f.device == device:
                return
            self.refuse(EDATA, "occupied")
        if not flags & CHECK:
            self.fns[key(a)] = Fn(FN, a, vendor, device)

    def op_add_pf(self, slot, vendor, device, vf_device, total, offset, stride, ari, actor, flags):
        self.actor_ok(actor)
        a = self.addr(slot)
        self.admin(actor)
        if offset == 0 or (total > 1 and stride == 0):
            self.refuse(EDATA, "identity")
        if total and vf_addr(a, offset, stride, total) is None:
            self.refuse(ERANGE, "vf-range")
        f = self.fns.get(key(a))
        if f is not None and not (f.kind == PF and f.vendor == vendor and f.device == device and
                                  f.vf_device == vf_device and f.total == total and f.ari == ari):
            self.refuse(EDATA, "occupied")
        if f is not None and (f.offset, f.stride) != (offset, stride) and self.linked_vfs(f):
            self.refuse(EDATA, "routing")
        if flags & CHECK:
            return
        if f is None:
            f = Fn(PF, a, vendor, device)
            f.vf_device, f.total, f.ari = vf_device, total, ari
            self.fns[key(a)] = f
        f.offset, f.stride = offset, stride
        self.relink_all(f)

    def op_add_vf(self, slot, pf_slot, index, actor, flags):
        self.actor_ok(actor)
        a = self.addr(slot)
        pa = self.addr(pf_slot)
        p = self.fns.get(key(pa))
        if p is None:
            self.refuse(ENOENT, "no-pf")
        if p.kind != PF:
            self.refuse(ENOTSUP, "not-pf")
        self.manage(p, actor)
        if index < 1 or index > p.total:
            self.refuse(ERANGE, "vf-range")
        if vf_addr(pa, p.offset, p.stride, index) != a:
            self.refuse(EDATA, "vf-address")
        f = self.fns.get(key(a))
        if f is not None:
            if f.kind == VF and not f.broken and f.pf == p.slot and f.index == index:
                return
            self.refuse(EDATA, "occupied")
        if flags & CHECK:
            return
        v = Fn(VF, a, p.vendor, p.vf_device)
        v.pf, v.index, v.pf_device, v.pf_ari = p.slot, index, p.device, p.ari
        self.fns[key(a)] = v

    def op_remove(self, slot, actor, flags):
        self.force = bool(flags & FORCE)
        self.actor_ok(actor)
        f = self.get(slot)
        self.manage(f, actor)
        self.check_in_use(f)
        vfs = self.linked_vfs(f) if f.kind == PF else []
        if vfs:
            self.busy("pf-has-vfs")
        self.verdict()
        if flags & CHECK:
            return
        del self.fns[key(f.addr)]
        for v in vfs:
            v.broken = True
            self.diags.append(("N", "broken"))

    def op_remove_vfs(self, slot, actor, flags):
        self.force = bool(flags & FORCE)
        self.actor_ok(actor)
        f = self.get(slot)
        if f.kind != PF:
            self.refuse(ENOTSUP, "not-pf")
        self.manage(f, actor)
        self.check_vfs_in_use(f)
        self.verdict()
        if flags & CHECK:
            return
        for v in self.linked_vfs(f):
            del self.fns[key(v.addr)]

    def op_reset(self, slot, actor, flags):
        self.force = bool(flags & FORCE)
        self.actor_ok(actor)
        f = self.get(slot)
        self.not_broken(f)
        self.manage(f, actor)
        self.check_in_use(f)
        self.check_vfs_in_use(f)
        self.verdict()

    op_rebind = op_reset

    def op_manage(self, slot, actor):
        self.actor_ok(actor)
        self.manage(self.get(slot), actor)

    def op_assign(self, slot, owner, actor, flags):
        self.force = bool(flags & FORCE)
        self.actor_ok(actor)
        if not label_ok(owner):
            self.refuse(EINVAL, "label")
        f = self.get(slot)
        self.not_broken(f)
        self.manage(f, actor)
        if f.assigned and f.owner != owner:
            self.busy("assigned-elsewhere")
        if f.kind == PF:
            for v in self.linked_vfs(f):
                if v.assigned and v.owner != owner:
                    self.busy("trust-split")
        p = self.pf_of(f)
        if p is not None and p.assigned and p.owner != owner:
            self.busy("trust-split")
        self.verdict()
        if flags & CHECK:
            return
        f.owner, f.assigned = owner, True

    def op_release(self, slot, actor, flags):
        self.actor_ok(actor)
        f = self.get(slot)
        self.manage(f, actor)
        if not flags & CHECK:
            f.assigned = False

    def op_owner(self, slot, owner, actor, flags):
        self.force = bool(flags & FORCE)
        self.actor_ok(actor)
        if owner is not None and not label_ok(owner):
            self.refuse(EINVAL, "label")
        f = self.get(slot)
        self.manage(f, actor)
        want = owner or ""
        change = f.owner != want
        if change and f.assigned:
            self.busy("assigned-elsewhere")
        self.verdict()
        if flags & CHECK or not change:
            return
        f.owner, f.assigned = want, False

    def op_user(self, slot, user):
        if user is not None and len(user.encode()) > 63:
            self.refuse(EINVAL, "user")
        f = self.get(slot)
        f.user = user or ""


# --- random sequences -----------------------------------------------------------

PF_SLOTS = ["0000:01:00.0", "01:00.0", "0000:02:00.0", "0000:00:1f.0", "0001:80:00.0", "0000:ff:1f.0"]
FN_SLOTS = ["0000:00:03.0", "0000:01:00.4", "0000:02:00.1"]
BAD_SLOTS = ["1:2:3", "0000:01:20.0", "0000:01:00.8", "zz:00.0", ""]
LABELS = ["a", "b", "vm1", "net-ops"]
BAD_LABELS = ["-x", "a/b", "x" * 64]
IDS = [(0x1B36, 0x0010, 0x0011), (0x8086, 0x1572, 0x154C)]


class Gen:
    """Random operations over a small universe of addresses and labels, so
    that collisions, re-additions and ownership conflicts happen often."""

    def __init__(self, rnd):
        self.r = rnd
        self.last_pf = {}  # slot -> the PF arguments last used there

    def actor(self):
        r = self.r.random()
        if r < 0.45:
            return None
        if r < 0.97:
            return self.r.choice(LABELS)
        return self.r.choice(BAD_LABELS)

    def owner(self):
        return self.r.choice(BAD_LABELS) if self.r.random() < 0.03 else self.r.choice(LABELS)

    def flags(self):
        f = FORCE if self.r.random() < 0.3 else 0
        return f | (CHECK if self.r.random() < 0.1 else 0)

    def pf_slot(self):
        return self.r.choice(PF_SLOTS)

    def any_slot(self, model):
        r = self.r.random()
        if r < 0.04:
            return self.r.choice(BAD_SLOTS)
        known = [f.slot for f in model.ordered()]
        if known and r < 0.8:
            return self.r.choice(known)
        return self.r.choice(PF_SLOTS + FN_SLOTS)

    def pf_args(self, slot):
        if slot in self.last_pf and self.r.random() < 0.6:
            args = list(self.last_pf[slot])
            if self.r.random() < 0.3:  # the same device with another NumVFs: another routing
                args[4], args[5] = self.r.choice([1, 2, 4, 8]), self.r.choice([1, 2])
            return tuple(args)
        v, d, vd = self.r.choice(IDS)
        if self.r.random() < 0.15:
            vd ^= 1
        total = self.r.choice([0, 1, 2, 4, 7])
        offset = self.r.choice([1, 2, 4, 8, 0x80]) if self.r.random() < 0.93 else 0
        stride = self.r.choice([1, 1, 2, 3]) if self.r.random() < 0.93 else 0
        args = (v, d, vd, total, offset, stride, self.r.random() < 0.3)
        self.last_pf[slot] = args
        return args

    def vf_target(self, model):
        """(slot, pf, index): mostly where the arithmetic puts a VF."""
        pfs = [f for f in model.ordered() if f.kind == PF]
        pf = self.r.choice(pfs).slot if pfs and self.r.random() < 0.9 else self.r.choice(PF_SLOTS + FN_SLOTS)
        p = model.fns.get(key(parse_addr(pf)))
        index = self.r.randint(0, (p.total if p and p.kind == PF else 4) + 1)
        slot = None
        if p is not None and p.kind == PF and self.r.random() < 0.85:
            a = vf_addr(p.addr, p.offset, p.stride, index)
            slot = fmt_addr(a) if a else None
        if slot is None:
            slot = self.any_slot(model)
        return slot, pf, index

    def vf_actor(self, model, pf):
        """Mostly someone who may add VFs: the administrator or the PF's owner."""
        p = model.fns.get(key(parse_addr(pf))) if parse_addr(pf) else None
        r = self.r.random()
        if r < 0.6:
            return None
        if r < 0.85 and p is not None and p.owner:
            return p.owner
        return self.actor()

    def op(self, model):
        r = self.r.random()
        pfs = [f.slot for f in model.ordered() if f.kind == PF]
        gone = [f.pf for f in model.ordered() if f.kind == VF and f.broken]
        if r < 0.10 or (not pfs and r < 0.3):
            s = self.r.choice(gone) if gone and self.r.random() < 0.5 else self.pf_slot()
            if self.r.random() < 0.1:
                s = self.any_slot(model)
            return ("add_pf", s) + self.pf_args(s) + (self.actor() if self.r.random() < 0.1 else None, self.flags())
        if r < 0.13:
            s = self.r.choice(FN_SLOTS + PF_SLOTS)
            v, d, _ = self.r.choice(IDS)
            return ("add_fn", s, v, d, self.actor() if self.r.random() < 0.2 else None, self.flags())
        if r < 0.37:
            slot, pf, index = self.vf_target(model)
            return ("add_vf", slot, pf, index, self.vf_actor(model, pf), self.flags())
        if r < 0.41 and pfs:
            return ("remove", self.r.choice(pfs), None, FORCE)
        if r < 0.47:
            return ("remove", self.any_slot(model), self.actor(), self.flags())
        if r < 0.50:
            return ("remove_vfs", self.r.choice(pfs) if pfs else self.any_slot(model), self.actor(), self.flags())
        if r < 0.55:
            return ("reset", self.any_slot(model), self.actor(), self.flags())
        if r < 0.58:
            return ("rebind", self.any_slot(model), self.actor(), self.flags())
        if r < 0.60:
            return ("manage", self.any_slot(model), self.actor())
        if r < 0.73:
            return ("assign", self.any_slot(model), self.owner(), self.actor(), self.flags())
        if r < 0.78:
            return ("release", self.any_slot(model), self.actor(), self.flags())
        if r < 0.88:
            return ("owner", self.any_slot(model), None if self.r.random() < 0.2 else self.owner(), self.actor(),
                    self.flags())
        if r < 0.97:
            who = None if self.r.random() < 0.4 else self.r.choice(["4242 (qemu)", "77 (vmm)", "-", "x" * 64])
            return ("user", self.any_slot(model), who)
        return ("roundtrip",)


def wire(op):
    """The driver's command line for an operation."""
    name, args = op[0], op[1:]
    out = []
    for i, a in enumerate(args):
        if a is None:
            out.append("-")
        elif isinstance(a, bool):
            out.append("1" if a else "0")
        elif isinstance(a, int):
            hexa = (name in ("add_fn", "add_pf") and i in (1, 2)) or (name == "add_pf" and i == 3)
            out.append("%x" % a if hexa else "%d" % a)
        elif name == "user" and i == 1:
            out.append(a.replace(" ", "_"))
        else:
            out.append(a)
    return " ".join([name] + out)


def expected(model, op):
    if op[0] == "roundtrip":
        return "0 #%08x" % crc(model.text())
    rc, diags = model.run(op[0], *op[1:])
    return " ".join(["%d" % rc] + ["%s:%s" % d for d in diags] + ["#%08x" % crc(model.text())])


def normalise(op):
    """Values the line protocol cannot carry, replaced by ones it can that
    the rules treat the same (an empty address is malformed like '<empty>';
    a user text '-' would read as 'none', so it is sent as '<dash>')."""
    name, args = op[0], list(op[1:])
    for i, a in enumerate(args):
        if a == "":
            args[i] = "<empty>"
        if name == "user" and i == 1 and a == "-":
            args[i] = "<dash>"
    return tuple([name] + args)


def run_driver(driver, script):
    p = subprocess.run([driver], input=script, capture_output=True, text=True, check=False)
    if p.returncode:
        sys.exit("driver failed (%d): %s" % (p.returncode, p.stderr))
    return p.stdout.splitlines()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("driver")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--length", type=int, default=60)
    o = ap.parse_args()
    seed = o.seed if o.seed is not None else random.SystemRandom().randrange(1, 1 << 31)
    print("random sequences: seeds %d .. %d (replay one: --seed S --count 1), %d operations each"
          % (seed, seed + o.count - 1, o.length))

    seqs, script = [], []
    for i in range(o.count):
        rnd = random.Random(seed + i)
        m, g = Model(), Gen(rnd)
        ops = []
        for _ in range(o.length):
            op = normalise(g.op(m))
            ops.append((op, expected(m, op)))
        seqs.append(ops)
        script.append("new\n" + "".join(wire(op) + "\n" for op, _ in ops))
    got = run_driver(o.driver, "".join(script))

    divergences, base, rules, done = 0, 0, {}, 0
    for i, ops in enumerate(seqs):
        for j, (op, want) in enumerate(ops):
            line = got[base + j] if base + j < len(got) else "<missing>"
            done += want.startswith("0 ")
            for tok in want.split()[1:]:
                if ":" in tok:
                    rules[tok] = rules.get(tok, 0) + 1
            if line != want:
                divergences += 1
                if divergences <= 5:
                    print("DIVERGENCE: seed %d, operation %d: %s" % (seed + i, j + 1, wire(op)))
                    print("  library: %s" % line)
                    print("  model:   %s" % want)
                    replay(o.driver, ops[:j + 1])
                break  # the rest of this sequence follows from a different state
        base += len(ops)
    total = sum(len(s) for s in seqs)
    print("%d sequences, %d operations (%d succeeded, %d refused), %d divergences"
          % (len(seqs), total, done, total - done, divergences))
    print("diagnostics exercised: " + ", ".join("%s %d" % (k, rules[k]) for k in sorted(rules)))
    spec = ["E:label", "E:address", "E:no-function", "E:no-pf", "E:not-pf", "E:identity", "E:vf-range",
            "E:vf-address", "E:occupied", "E:routing", "E:owner", "E:admin-only", "E:broken", "E:in-use",
            "W:in-use", "E:pf-has-vfs", "W:pf-has-vfs", "E:vfs-in-use", "W:vfs-in-use", "E:assigned-elsewhere",
            "W:assigned-elsewhere", "E:trust-split", "W:trust-split", "E:user", "N:relinked", "N:stays-broken",
            "N:broken"]
    missing = [r for r in spec if r not in rules]
    if missing:
        print("never exercised: " + ", ".join(missing))
    return 1 if divergences or missing else 0


def replay(driver, ops):
    """Show both registry files after the diverging operation."""
    m = Model()
    for op, _ in ops:
        if op[0] != "roundtrip":
            m.run(op[0], *op[1:])
    lines = run_driver(driver, "new\n" + "".join(wire(op) + "\n" for op, _ in ops) + "dump\n")
    lib = "\n".join(lines[len(ops):])
    print("  library registry:\n    " + lib.replace("\n", "\n    "))
    print("  model registry:\n    " + m.text().replace("\n", "\n    "))


if __name__ == "__main__":
    sys.exit(main())
