#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""place-corpus.py VPCI CORPUS_DIR EXAMPLES_DIR - virtual PASID (and ATS,
PRI, PASID together) on every example and on the guest view derived from
every real dump of the corpus.

For each file, by the placement rule alone (free ranges), then allowing
gaps the file proves free:
  - `vpci place --add pasid:width=20,exec,priv --json` either places it
    (exit 0) or refuses with exit 65 and one "no room for virtual ..."
    line that says why (no 4096-byte space, no PCI Express capability, no
    free range, the longest run of free bytes ...): every file is one or
    the other;
  - the same for ATS + PRI + PASID (ATS and PRI only where the file has
    none of its own);
  - every run is done twice: the JSON and the rewritten file are byte for
    byte the same (placement is deterministic);
  - a free range a quirk kept for a template (the NVIDIA GPUDirect clique,
    the Intel VMD MEMBAR shadow) takes that template, and lspci sees a
    vendor-specific capability of its length there;
  - a placed result passes `vpci check`, is rendered as an lspci dump, and
    `lspci -F -vvv` (pciutils, an independent decoder) shows each added
    capability at the offset the placement printed, the PASID with the
    width, Exec and Priv that were asked for, and the chain unbroken.
Prints the counts; exit 0 when every file passed, 1 otherwise, 77 without
lspci or the corpus.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True

LSPCI_NAME = {
    "pasid": "Process Address Space ID (PASID)",
    "ats": "Address Translation Service (ATS)",
    "pri": "Page Request Interface (PRI)",
}
REASONS = [
    ("needs 4096 bytes", "need a 4096-byte config space"),
    ("no PCI Express capability", "need a PCI Express capability"),
    ("no free range", "declares no free range"),
    ("free ranges too small", "longest run of free bytes in its free ranges"),
    ("no free byte in its ranges", "no free range there has a free byte"),
    ("0x100 not free for the list head", "needs its first header at 0x100"),
]


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120, **kw)


class Counts:
    def __init__(self):
        self.files = 0
        self.failed = 0
        self.placed = {}
        self.why = {}
        self.gaps = {}
        self.lspci_caps = 0
        self.twice = 0
        self.templates = {}

    def add(self, table, key):
        table[key] = table.get(key, 0) + 1


def reason_of(stderr):
    lines = [l for l in stderr.splitlines() if "error:" in l]
    if len(lines) != 1 or "no room for virtual" not in lines[0]:
        return None
    for name, text in REASONS:
        if text in lines[0]:
            return name
    return None


def lspci_check(vpci, out, placements, width, tmp, slot="00:00.0"):
    """The rendered result as lspci sees it: each added capability at its
    offset; the PASID's capability register; no broken chain."""
    dump = os.path.join(tmp, "r.lspci")
    r = run([vpci, "render", out, "--format", "lspci", "--slot", slot, "-o", dump])
    if r.returncode:
        return "render: " + r.stderr.strip()[:200]
    r = run(["lspci", "-F", dump, "-vvv"])
    text = r.stdout
    if re.search(r"chain broken|chain looped", text):
        return "lspci: the chain is broken"
    caps = dict((int(m.group(1), 16), m.group(2)) for m in
                re.finditer(r"^\tCapabilities: \[([0-9a-f]+)(?: v\d+)?\] (.*)$", text, re.M))
    n = 0
    for p in placements:
        if not p["added"]:
            continue
        want = LSPCI_NAME[p["type"]]
        if caps.get(p["offset"]) != want:
            return "lspci shows %r at 0x%x, not %s" % (caps.get(p["offset"]), p["offset"], want)
        n += 1
        if p["type"] == "pasid":
            body = text.split("Capabilities: [%x" % p["offset"], 1)[1]
            m = re.search(r"PASIDCap: Exec([+-]) Priv([+-]), Max PASID Width: ([0-9a-f]+)", body)
            if not m or m.group(1) != "+" or m.group(2) != "+" or int(m.group(3), 16) != width:
                return "lspci decodes the PASID capability as %r" % (m.group(0) if m else None)
    return n


def place(vpci, path, adds, gaps, tmp, c, label):
    """Place @adds twice; the result, or the reason it does not fit."""
    outs = []
    for i in range(2):
        out = os.path.join(tmp, "out%d.yaml" % i)
        args = [vpci, "place", path, "--json", "--no-names", "-o", out]
        for a in adds:
            args += ["--add", a + (("," if ":" in a else ":") + "gaps" if gaps else "")]
        r = run(args)
        outs.append((r.returncode, r.stdout, r.stderr,
                     open(out).read() if r.returncode == 0 and os.path.exists(out) else None))
        if os.path.exists(out):
            os.unlink(out)
    if outs[0] != outs[1]:
        return "not deterministic", None
    c.twice += 1
    rc, stdout, stderr, text = outs[0]
    if rc == 0:
        out = os.path.join(tmp, "placed.yaml")
        open(out, "w").write(text)
        return None, (json.loads(stdout), out)
    if rc != 65:
        return "exit %d: %s" % (rc, stderr.strip()[:200]), None
    why = reason_of(stderr)
    if not why:
        return "refused without saying why exactly: %s" % stderr.strip()[:300], None
    return None, why


TEMPLATE_PARAMS = {"nvidia-gpudirect-clique": ":clique=1", "intel-vmd-membar-shadow": ""}


def kept_ranges(vpci, path, name, c, tmp, text):
    """Every free range a quirk kept for a template takes that template
    (rule step 1), and lspci sees a vendor-specific capability there."""
    for m in re.finditer(r"- offset: (0x[0-9a-f]+)\n\s+length: (0x[0-9a-f]+)\n\s+for: ([a-z0-9-]+)", text):
        off, tag = int(m.group(1), 16), m.group(3)
        if tag not in TEMPLATE_PARAMS:
            continue
        err, res = place(vpci, path, [tag + TEMPLATE_PARAMS[tag]], False, tmp, c, tag)
        if err or isinstance(res, str):
            return "%s: %s" % (tag, err or res)
        placements, out = res
        p = placements[-1]
        if p["offset"] != off or p["step"] != "reserved":
            return "%s went to 0x%x (%s), not its range at 0x%x" % (tag, p["offset"], p["step"], off)
        dump = os.path.join(tmp, "t.lspci")
        run([vpci, "render", out, "--format", "lspci", "-o", dump])
        vvv = run(["lspci", "-F", dump, "-vvv"]).stdout
        if not re.search(r"Capabilities: \[%x\] Vendor Specific Information: Len=%02x" % (off, 8 if "clique" in tag else 0x18), vvv):
            return "lspci does not show %s at 0x%x" % (tag, off)
        c.add(c.templates, tag)
    return None


def one(vpci, path, name, c, tmp):
    text = open(path).read()
    err = kept_ranges(vpci, path, name, c, tmp, text)
    if err:
        print("FAIL %s: %s" % (name, err))
        c.failed += 1
        return
    have = [t for t in ("ats", "pri") if re.search(r"^\s*- (?:\{)?type: %s\b" % t, text, re.M)]
    combos = {
        "pasid": ["pasid:width=20,exec,priv"],
        "ats+pri+pasid": [t for t in ("ats", "pri") if t not in have] + ["pasid:width=20,exec,priv"],
    }
    for label, adds in combos.items():
        err, res = place(vpci, path, adds, False, tmp, c, label)
        step = "rule"
        if not err and isinstance(res, str):
            c.add(c.why, (label, res))
            err, res = place(vpci, path, adds, True, tmp, c, label)
            step = "gaps"
            if not err and isinstance(res, str):
                c.add(c.gaps, (label, "not even in gaps: " + res))
                continue
        if err:
            print("FAIL %s %s: %s" % (name, label, err))
            c.failed += 1
            return
        placements, out = res
        r = run([vpci, "check", "-q", out])
        if r.returncode:
            print("FAIL %s %s: the placed result does not check: %s" % (name, label, r.stderr.strip()[:300]))
            c.failed += 1
            return
        n = lspci_check(vpci, out, placements, 20, tmp)
        if isinstance(n, str):
            print("FAIL %s %s: %s" % (name, label, n))
            c.failed += 1
            return
        c.lspci_caps += n
        wheres = ",".join(sorted(set(p["step"] for p in placements if p["added"])))
        c.add(c.placed if step == "rule" else c.gaps, (label, wheres))


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: place-corpus.py VPCI CORPUS_DIR EXAMPLES_DIR")
    vpci, corpus, examples = sys.argv[1:]
    if not shutil.which("lspci"):
        print("SKIP: lspci (pciutils) is not installed")
        sys.exit(77)
    if not os.path.isdir(corpus):
        print("SKIP: corpus not found at %s (the shared folder is not beside the checkout)" % corpus)
        sys.exit(77)
    c = Counts()
    tmp = tempfile.mkdtemp(prefix="vpci-place.")
    try:
        inputs = [(p, "examples/" + os.path.basename(p)) for p in sorted(glob.glob(os.path.join(examples, "*.yaml")))]
        # a placed result is checked in tmp: the files an example names
        # (a virtual PF's vf-template, relative to it) must be there too
        for p, _ in inputs:
            shutil.copy(p, tmp)
        derived = 0
        for d in sorted(glob.glob(os.path.join(corpus, "*", "*.lspci"))):
            if "/synthetic/" in d or os.path.basename(d).startswith("ffff-ffff_"):
                continue  # all-ones dumps have no guest view (suite corpus)
            g = os.path.join(tmp, "g-%d.yaml" % derived)
            r = run([vpci, "derive", "-q", "--dump", d, "-o", g])
            if r.returncode:
                print("FAIL %s: no guest view: %s" % (os.path.basename(d), r.stderr.strip()[:200]))
                c.failed += 1
                continue
            derived += 1
            inputs.append((g, os.path.basename(d)))
        for path, name in inputs:
            c.files += 1
            one(vpci, path, name, c, tmp)
    finally:
        shutil.rmtree(tmp)
    print("files: %d (%d examples, %d corpus-derived guest views)" % (c.files, c.files - derived, derived))
    for label in ("pasid", "ats+pri+pasid"):
        placed = sum(v for (l, _), v in c.placed.items() if l == label)
        gaps = sum(v for (l, w), v in c.gaps.items() if l == label and not w.startswith("not even"))
        print("%s: placed by the rule in %d files %s; not by the rule in %d, of which %d with gaps allowed %s"
              % (label, placed, {w: v for (l, w), v in sorted(c.placed.items()) if l == label},
                 sum(v for (l, _), v in c.why.items() if l == label), gaps,
                 {w: v for (l, w), v in sorted(c.gaps.items()) if l == label}))
        print("  why not by the rule: %s" % {w: v for (l, w), v in sorted(c.why.items()) if l == label})
    print("templates placed into the ranges quirks kept for them: %s" % c.templates)
    print("deterministic: %d placements run twice with identical output; lspci found %d added capabilities "
          "where placed" % (c.twice, c.lspci_caps))
    print("%d passed, %d failed" % (c.files - c.failed, c.failed))
    sys.exit(1 if c.failed else 0)


if __name__ == "__main__":
    main()
