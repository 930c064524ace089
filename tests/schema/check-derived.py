#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""check-derived.py - every file `vpci derive` writes passes the JSON Schema.

usage: check-derived.py SCHEMA VPCI_BIN SRCDIR [CORPUS]

Derives, with both policies (guest, raw), and validates every result
against the schema and with `vpci check`:
  - every example, rendered to a config image (derive --bin) and to an
    lspci dump (derive --dump);
  - the captured sysfs tree tests/data/sysfs/qemu-sriov.tar.xz
    (derive --all --sysfs-root);
  - every dump of the corpus (derive --dump), when CORPUS is a directory.
A file the schema rejects fails with the schema's complaint; so does one
`vpci check` rejects (derive must not write invalid files).  Needs
python3-yaml and python3-jsonschema (exit 77 without them).
"""
import glob
import json
import os
import subprocess
import sys
import tarfile
import tempfile

sys.dont_write_bytecode = True

try:
    import yaml
    import jsonschema
except ImportError as e:  # pragma: no cover
    print("SKIP: %s (install python3-yaml and python3-jsonschema)" % e)
    sys.exit(77)

POLICIES = ("guest", "raw")


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    return p.returncode, (p.stderr + p.stdout).strip()


class Checker:
    def __init__(self, schema, vpci):
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        self.v = cls(schema)
        self.vpci = vpci
        self.passed = self.failed = 0

    def fail(self, what, why):
        self.failed += 1
        print("FAIL %s: %s" % (what, why))

    def check(self, what, path, policy="guest"):
        """@path is a file derive wrote: schema, and vpci check (a guest
        view must be valid) or, for a raw description of what a device
        shows (which may break the PCI rules), the reader alone."""
        with open(path, encoding="utf-8") as fp:
            data = yaml.safe_load(fp)
        errs = sorted(self.v.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errs:
            e = errs[0]
            where = "/".join(str(p) for p in e.absolute_path) or "(document)"
            self.fail(what, "schema: %s: %s (%d problem%s)" % (where, e.message[:200], len(errs),
                                                               "" if len(errs) == 1 else "s"))
            return
        if policy == "raw":
            rc, out = run([self.vpci, "show", "--no-check", path])
            cmd = "vpci show --no-check"
        else:
            rc, out = run([self.vpci, "check", "-q", path])
            cmd = "vpci check"
        if rc:
            errs = [l for l in out.splitlines() if ": error: " in l] or out.splitlines()
            self.fail(what, "%s exit %d: %s" % (cmd, rc, errs[0] if errs else ""))
            return
        self.passed += 1

    def derive(self, what, args, out):
        rc, msg = run([self.vpci, "derive", "-q"] + args + ["-o", out])
        if rc:
            self.fail(what, "derive exit %d: %s" % (rc, msg.splitlines()[-1] if msg else ""))
            return False
        return True


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 64
    schema_path, vpci, src = argv[1], argv[2], argv[3]
    corpus = argv[4] if len(argv) > 4 else None
    with open(schema_path, encoding="utf-8") as fp:
        c = Checker(json.load(fp), vpci)
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        # the examples, as an image and as an lspci dump
        for ex in sorted(glob.glob(os.path.join(src, "examples", "*.yaml"))):
            base = os.path.basename(ex)[:-5]
            img, dump = os.path.join(tmp, base + ".bin"), os.path.join(tmp, base + ".lspci")
            if run([vpci, "render", ex, "--format", "bin", "-o", img])[0] or \
               run([vpci, "render", ex, "--format", "lspci", "-o", dump])[0]:
                c.fail(ex, "does not render")
                continue
            for pol in POLICIES:
                for kind, inp in (("--bin", img), ("--dump", dump)):
                    out = os.path.join(tmp, "%s-%s%s.yaml" % (base, pol, kind))
                    what = "%s (derive %s, %s)" % (ex, kind, pol)
                    if c.derive(what, ["--policy", pol, kind, inp], out):
                        c.check(what, out, pol)
                        counts["examples"] = counts.get("examples", 0) + 1
        # the captured sysfs tree
        root = os.path.join(tmp, "sysfs")
        with tarfile.open(os.path.join(src, "tests", "data", "sysfs", "qemu-sriov.tar.xz")) as tf:
            tf.extractall(root)
        for pol in POLICIES:
            outdir = os.path.join(tmp, "tree-" + pol)
            rc, msg = run([vpci, "derive", "-q", "--all", "--policy", pol, "--sysfs-root",
                           os.path.join(root, "sys"), "--out", outdir])
            if rc:
                c.fail("sysfs tree (%s)" % pol, "derive --all exit %d: %s" % (rc, msg))
                continue
            files = sorted(glob.glob(os.path.join(outdir, "*.yaml")))
            if not files:
                c.fail("sysfs tree (%s)" % pol, "derive --all wrote nothing")
            for f in files:
                c.check("sysfs %s (%s)" % (os.path.basename(f), pol), f, pol)
                counts["sysfs"] = counts.get("sysfs", 0) + 1
        # the corpus
        if corpus and os.path.isdir(corpus):
            dumps = sorted(glob.glob(os.path.join(corpus, "*", "*.lspci")))
            for d in dumps:
                rel = os.path.relpath(d, corpus)
                for pol in POLICIES:
                    out = os.path.join(tmp, "corpus.yaml")
                    rc, msg = run([vpci, "derive", "-q", "--policy", pol, "--dump", d, "-o", out])
                    if rc == 65 and "reads all-ones" in msg:
                        continue  # nothing to describe
                    if rc:
                        # the guest policy refuses what it cannot show a
                        # guest (partial captures): nothing is written
                        if pol == "guest" and rc == 65:
                            counts["corpus-refused"] = counts.get("corpus-refused", 0) + 1
                            continue
                        c.fail("%s (%s)" % (rel, pol), "derive exit %d: %s" % (rc, msg.splitlines()[-1]))
                        continue
                    c.check("%s (%s)" % (rel, pol), out, pol)
                    counts["corpus"] = counts.get("corpus", 0) + 1
        elif os.environ.get("CI") == "true":
            c.fail("corpus", "%s is missing (CI=true)" % corpus)
    print("derived files checked: %s" % ", ".join("%s %d" % kv for kv in sorted(counts.items())))
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
