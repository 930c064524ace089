#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare one rendered function with what `lspci -F` reads from it.

usage: lspci-compare.py LABEL DUMP JSON BIN

DUMP is `vpci render --format lspci`, JSON is `vpci show --json`, BIN is
`vpci render --format bin` of the same instance.  Checks:
  (a) `lspci -F DUMP -xxxx` gives back exactly the bytes of BIN;
  (b) the capabilities `lspci -F DUMP -vvv` lists are, offset by offset,
      those of the JSON (extended ones only when lspci walks them: it does
      so only after finding a PCI Express or PCI-X capability), and lspci
      reports no broken or looped chain;
  (c) a few values lspci decodes equal the model's field values: PCIe
      DevCtl MaxPayload/MaxReadReq, MSI-X Count, SR-IOV Total VFs, PASID
      Max PASID Width.
Prints one line "PASS LABEL ..." or "FAIL LABEL: reasons"; exit 0 / 1.
Only the Python standard library is used.
"""
import json
import re
import subprocess
import sys


def run_lspci(dump, opt):
    p = subprocess.run(["lspci", "-F", dump, opt], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    return p.returncode, p.stdout


def parse_hex(text):
    data = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{2,8}): ((?:[0-9a-f]{2} ?)+)$", line)
        if not m:
            continue
        off = int(m.group(1), 16)
        for i, tok in enumerate(m.group(2).split()):
            data[off + i] = int(tok, 16)
    if not data:
        return b""
    n = max(data) + 1
    return bytes(data.get(i, 0xff) for i in range(n))


def parse_caps(text):
    """Return ([(offset, version|None, line, block_lines)], problems)."""
    caps, problems = [], []
    cur = None
    for line in text.splitlines():
        m = re.match(r"^\tCapabilities: (.*)$", line)
        if m:
            rest = m.group(1)
            cm = re.match(r"^\[([0-9a-f]+)(?: v(\d+))?\] (.*)$", rest)
            if not cm:
                problems.append("lspci: 'Capabilities: %s'" % rest)
                cur = None
                continue
            body = cm.group(3)
            if "<chain broken>" in body or "<chain looped>" in body:
                problems.append("lspci: [%s] %s" % (cm.group(1), body))
                cur = None
                continue
            cur = (int(cm.group(1), 16),
                   int(cm.group(2)) if cm.group(2) is not None else None,
                   body, [])
            caps.append(cur)
            continue
        if cur is not None:
            if line.startswith("\t\t"):
                cur[3].append(line)
            else:
                cur = None
    return caps, problems


def field(cap, name):
    for f in cap.get("fields", []):
        if f["name"] == name:
            return f["value"]
    return None


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    label, dump, jpath, bpath = sys.argv[1:]
    errs = []
    with open(jpath) as fh:
        model = json.load(fh)
    with open(bpath, "rb") as fh:
        binary = fh.read()

    # (a) bytes
    rc, out = run_lspci(dump, "-xxxx")
    if rc != 0:
        errs.append("lspci -xxxx exit %d" % rc)
    got = parse_hex(out)
    if got != binary:
        diff = [i for i in range(min(len(got), len(binary))) if got[i] != binary[i]]
        errs.append("bytes differ (lspci %d bytes, bin %d bytes%s)" %
                    (len(got), len(binary),
                     ", first at %#x" % diff[0] if diff else ""))

    # (b) capability offsets
    rc, out = run_lspci(dump, "-vvv")
    if rc != 0:
        errs.append("lspci -vvv exit %d" % rc)
    lcaps, problems = parse_caps(out)
    errs.extend(problems)
    mcaps = model.get("capabilities", [])
    walks_ext = any(not c["extended"] and c["id"] in (0x07, 0x10) for c in mcaps)
    want_std = [c["offset"] for c in mcaps if not c["extended"]]
    want_ext = [c["offset"] for c in mcaps if c["extended"]] if walks_ext else []
    got_std = [o for o, v, _, _ in lcaps if v is None]
    got_ext = [o for o, v, _, _ in lcaps if v is not None]
    if got_std != want_std:
        errs.append("standard caps: lspci %s, model %s" %
                    ([hex(o) for o in got_std], [hex(o) for o in want_std]))
    if got_ext != want_ext:
        errs.append("extended caps: lspci %s, model %s" %
                    ([hex(o) for o in got_ext], [hex(o) for o in want_ext]))
    for o, v, _, _ in lcaps:
        if v is None:
            continue
        for c in mcaps:
            if c["extended"] and c["offset"] == o and c["version"] != v:
                errs.append("[%x] version: lspci v%d, model v%d" % (o, v, c["version"]))

    # (c) decoded values, capability by capability
    by_off = {c["offset"]: c for c in mcaps}
    checked = 0
    for o, v, body, block in lcaps:
        c = by_off.get(o)
        if c is None:
            continue
        text = "\n".join([body] + block)
        if not c["extended"] and c["id"] == 0x10:
            m = re.search(r"MaxPayload (\d+) bytes, MaxReadReq (\d+) bytes", text)
            val = field(c, "device-control")
            if m and val is not None:
                checked += 1
                mps, mrrs = 128 << ((val >> 5) & 7), 128 << ((val >> 12) & 7)
                if (int(m.group(1)), int(m.group(2))) != (mps, mrrs):
                    errs.append("[%x] DevCtl MaxPayload/MaxReadReq: lspci %s/%s, model %d/%d" %
                                (o, m.group(1), m.group(2), mps, mrrs))
        elif not c["extended"] and c["id"] == 0x11:
            m = re.search(r"Count=(\d+)", body)
            val = field(c, "message-control")
            if m and val is not None:
                checked += 1
                if int(m.group(1)) != (val & 0x7ff) + 1:
                    errs.append("[%x] MSI-X Count: lspci %s, model %d" %
                                (o, m.group(1), (val & 0x7ff) + 1))
        elif c["extended"] and c["id"] == 0x10:
            m = re.search(r"Total VFs: (\d+)", text)
            val = field(c, "total-vfs")
            if m and val is not None:
                checked += 1
                if int(m.group(1)) != val:
                    errs.append("[%x] SR-IOV Total VFs: lspci %s, model %d" % (o, m.group(1), val))
        elif c["extended"] and c["id"] == 0x1b:
            m = re.search(r"Max PASID Width: ([0-9a-fA-F]+)", text)
            val = field(c, "pasid-capability")
            if m and val is not None:
                checked += 1
                if int(m.group(1), 16) != (val >> 8) & 0x1f:
                    errs.append("[%x] Max PASID Width: lspci %s, model %d" %
                                (o, m.group(1), (val >> 8) & 0x1f))

    if errs:
        print("FAIL %s: %s" % (label, "; ".join(errs)))
        return 1
    note = "" if walks_ext or not any(c["extended"] for c in mcaps) else \
        ", ext caps not walked by lspci (no PCIe/PCI-X cap)"
    print("PASS %s (%d bytes, %d caps, %d decoded values%s)" %
          (label, len(binary), len(lcaps), checked, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
