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
  (c) the values lspci decodes equal the model's (or the image's) field
      values: IDs, class, revision, Command, interrupt pin, subsystem;
      per capability PM version/states, MSI count/maskable/64-bit, MSI-X
      count/table/PBA, PCIe version/port type/MPS/MRRS/FLR, link speed
      and width (capability and status), slot number, AER severity and
      masks, DSN, ACS, ARI, ATS, SR-IOV counts/offset/stride/VF Device
      ID/page sizes/enable, PRI, Resizable BAR, PASID.  Every rule of a
      capability the model has must find its line in lspci's output: a
      missing line fails, so nothing is skipped silently; fewer than
      MIN_PER_FILE values fails too.
Prints "PASS LABEL ..." and "CHECKED N KINDS..." or "FAIL LABEL: reasons";
exit 0 / 1.
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


# lspci's names of the PCIe device/port types and link speeds
PORT_TYPES = {0: "Endpoint", 1: "Legacy Endpoint", 4: "Root Port", 5: "Upstream Port",
              6: "Downstream Port", 7: "PCI-Express to PCI/PCI-X Bridge",
              8: "PCI/PCI-X to PCI-Express Bridge", 9: "Root Complex Integrated Endpoint",
              10: "Root Complex Event Collector"}
SPEEDS = {1: "2.5", 2: "5", 3: "8", 4: "16", 5: "32", 6: "64"}
# a file is never compared on fewer fields than the header's
MIN_PER_FILE = 8


def pm(bit):
    return "+" if bit else "-"


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
    rc, out_n = run_lspci(dump, "-vvvn")
    if rc != 0:
        errs.append("lspci -vvvn exit %d" % rc)
    lcaps, problems = parse_caps(out_n)
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

    # (c) decoded values, capability by capability: every rule of a
    # capability the model has must find its text in lspci's decode (a
    # missing line is a failure, not a skip) and agree field by field
    by_off = {c["offset"]: c for c in mcaps}
    checked = 0
    kinds = set()

    def expect(where, what, regex, text, want, flags=0):
        nonlocal checked
        m = re.search(regex, text, flags)
        if not m:
            errs.append("%s: lspci printed no %s" % (where, what))
            return
        # an optional group lspci leaves out (e.g. "(rev 00)") is None
        got = tuple("" if g is None else g for g in m.groups())
        want = tuple("" if w is None else str(w) for w in want)
        checked += len(want)
        if got != want:
            errs.append("%s %s: lspci %s, model %s" % (where, what, "/".join(got), "/".join(want)))

    header = out_n.split("\n\t", 1)[0]
    cls, vid, did, rev = (model["class_code"], model["vendor_id"], model["device_id"], model["revision"])
    expect("header", "class/vendor/device/revision",
           r"^\S+ ([0-9a-f]{4}): ([0-9a-f]{4}):([0-9a-f]{4})(?: \(rev ([0-9a-f]{2})\))?", header,
           ("%04x" % (cls >> 8), "%04x" % vid, "%04x" % did, "%02x" % rev if rev else None))  # no "(rev 00)"
    cmd = binary[4] | binary[5] << 8
    expect("header", "Control I/O/Mem/BusMaster", r"Control: I/O([+-]) Mem([+-]) BusMaster([+-])", out_n,
           (pm(cmd & 1), pm(cmd & 2), pm(cmd & 4)))
    pin = binary[0x3d]
    if pin:
        expect("header", "interrupt pin", r"Interrupt: pin ([A-D])", out_n, ("ABCD"[pin - 1],))
    elif re.search(r"Interrupt: pin", out_n):
        errs.append("header: lspci prints an interrupt pin, the model has none")
    if model["kind"] == "endpoint" and (binary[0x2c] | binary[0x2d]):
        expect("header", "subsystem", r"^\tSubsystem: ([0-9a-f]{4}):([0-9a-f]{4})", out_n,
               ("%02x%02x" % (binary[0x2d], binary[0x2c]), "%02x%02x" % (binary[0x2f], binary[0x2e])),
               re.M)
    kinds.add("header")

    for o, v, body, block in lcaps:
        c = by_off.get(o)
        if c is None:
            continue
        text = "\n".join([body] + block)
        at = "[%x]" % o
        f = lambda name: field(c, name)
        cid, ext = c["id"], c["extended"]
        if not ext and cid == 0x01:
            pmc, pmcsr = f("pmc"), f("pmcsr")
            expect(at, "PM version", r"Power Management version (\d)", text, (pmc & 7,))
            expect(at, "PM D1/D2 and PME support",
                   r"D1([+-]) D2([+-]) .*PME\(D0([+-]),D1([+-]),D2([+-]),D3hot([+-]),D3cold([+-])\)", text,
                   tuple(pm(pmc >> b & 1) for b in (9, 10, 11, 12, 13, 14, 15)))
            expect(at, "PM power state", r"Status: D(\d) NoSoftRst([+-])", text, (pmcsr & 3, pm(pmcsr & 8)))
            kinds.add("pm")
        elif not ext and cid == 0x05:
            ctl = f("message-control")
            expect(at, "MSI enable/count/maskable/64-bit",
                   r"MSI: Enable([+-]) Count=(\d+)/(\d+) Maskable([+-]) 64bit([+-])", text,
                   (pm(ctl & 1), 1 << (ctl >> 4 & 7), 1 << (ctl >> 1 & 7), pm(ctl & 0x100), pm(ctl & 0x80)))
            kinds.add("msi")
        elif not ext and cid == 0x11:
            ctl, tbl, pba = f("message-control"), f("table"), f("pba")
            expect(at, "MSI-X enable/count/mask", r"MSI-X: Enable([+-]) Count=(\d+) Masked([+-])", text,
                   (pm(ctl & 0x8000), (ctl & 0x7ff) + 1, pm(ctl & 0x4000)))
            expect(at, "MSI-X table", r"Vector table: BAR=(\d) offset=([0-9a-f]{8})", text,
                   (tbl & 7, "%08x" % (tbl & ~7)))
            expect(at, "MSI-X PBA", r"PBA: BAR=(\d) offset=([0-9a-f]{8})", text, (pba & 7, "%08x" % (pba & ~7)))
            kinds.add("msix")
        elif not ext and cid == 0x0d:
            expect(at, "bridge subsystem", r"Subsystem: ([0-9a-f]{4}):([0-9a-f]{4})", text,
                   ("%04x" % f("subsystem-vendor-id"), "%04x" % f("subsystem-id")))
            kinds.add("ssvid")
        elif not ext and cid == 0x10:
            caps, devcap, devctl = f("pcie-capabilities"), f("device-capabilities"), f("device-control")
            ptype = caps >> 4 & 0xf
            expect(at, "PCIe version and port type", r"Express \(v(\d)\) ([A-Za-z/-]+(?: [A-Za-z/-]+)*)(?: \(Slot[+-]\))?, MSI", text,
                   (caps & 0xf, PORT_TYPES.get(ptype, "?")))
            expect(at, "DevCap MaxPayload", r"DevCap:\s+MaxPayload (\d+) bytes", text, (128 << (devcap & 7),))
            if ptype in (0, 1, 9):
                expect(at, "DevCap FLReset", r"RBE[+-] FLReset([+-])", text, (pm(devcap >> 28 & 1),))
            expect(at, "DevCtl MaxPayload/MaxReadReq", r"MaxPayload (\d+) bytes, MaxReadReq (\d+) bytes", text,
                   (128 << (devctl >> 5 & 7), 128 << (devctl >> 12 & 7)))
            kinds.add("pcie")
            lcap, lsta = f("link-capabilities"), f("link-status")
            if lcap is not None:
                expect(at, "LnkCap port/speed/width", r"LnkCap:\s+Port #(\d+), Speed ([\d.]+)GT/s, Width x(\d+)",
                       text, (lcap >> 24, SPEEDS.get(lcap & 0xf, "?"), lcap >> 4 & 0x3f))
                expect(at, "LnkSta speed/width",
                       r"LnkSta:\s+Speed ([\d.]+)GT/s(?: \([a-z]+\))?, Width x(\d+)", text,
                       (SPEEDS.get(lsta & 0xf, "?"), lsta >> 4 & 0x3f))
                kinds.add("link")
            scap = f("slot-capabilities")
            if scap is not None:
                expect(at, "slot number", r"Slot #(\d+), PowerLimit", text, (scap >> 19,))
                kinds.add("slot")
        elif ext and cid == 0x0001:
            sev, msk, cmk, cc = (f("uncorrectable-severity"), f("uncorrectable-mask"), f("correctable-mask"),
                                 f("capabilities-control"))
            ue = r":\s+DLP([+-]) SDES([+-]) TLP([+-]) FCP([+-]) CmpltTO([+-]) CmpltAbrt([+-]) " \
                 r"UnxCmplt([+-]) RxOF([+-]) MalfTLP([+-]) ECRC([+-]) UnsupReq([+-]) ACSViol([+-])"
            bits = (4, 5) + tuple(range(12, 22))
            expect(at, "AER uncorrectable severity", "UESvrt" + ue, text, tuple(pm(sev >> b & 1) for b in bits))
            expect(at, "AER uncorrectable mask", "UEMsk" + ue, text, tuple(pm(msk >> b & 1) for b in bits))
            expect(at, "AER correctable mask",
                   r"CEMsk:\s+RxErr([+-]) BadTLP([+-]) BadDLLP([+-]) Rollover([+-]) Timeout([+-]) "
                   r"AdvNonFatalErr([+-])", text, tuple(pm(cmk >> b & 1) for b in (0, 6, 7, 8, 12, 13)))
            expect(at, "AER ECRC capabilities",
                   r"ECRCGenCap([+-]) ECRCGenEn([+-]) ECRCChkCap([+-]) ECRCChkEn([+-])", text,
                   tuple(pm(cc >> b & 1) for b in (5, 6, 7, 8)))
            kinds.add("aer")
        elif ext and cid == 0x0003:
            sn = f("serial-number")
            expect(at, "serial number", r"Device Serial Number ([0-9a-f]{2}(?:-[0-9a-f]{2}){7})", text,
                   ("-".join("%02x" % (sn >> (8 * i) & 0xff) for i in range(7, -1, -1)),))
            kinds.add("dsn")
        elif ext and cid == 0x000d:
            names = r"SrcValid([+-]) TransBlk([+-]) ReqRedir([+-]) CmpltRedir([+-]) UpstreamFwd([+-]) " \
                    r"EgressCtrl([+-]) DirectTrans([+-])"
            expect(at, "ACS capability", r"ACSCap:\s+" + names, text,
                   tuple(pm(f("acs-capability") >> b & 1) for b in range(7)))
            expect(at, "ACS control", r"ACSCtl:\s+" + names, text,
                   tuple(pm(f("acs-control") >> b & 1) for b in range(7)))
            kinds.add("acs")
        elif ext and cid == 0x000e:
            ac = f("ari-capability")
            expect(at, "ARI capability", r"ARICap:\s+MFVC([+-]) ACS([+-]), Next Function: (\d+)", text,
                   (pm(ac & 1), pm(ac & 2), ac >> 8))
            kinds.add("ari")
        elif ext and cid == 0x000f:
            cap, ctl = f("ats-capability"), f("ats-control")
            expect(at, "ATS queue depth", r"Invalidate Queue Depth: ([0-9a-f]{2})", text, ("%02x" % (cap & 0x1f),))
            expect(at, "ATS control", r"ATSCtl:\s+Enable([+-]), Smallest Translation Unit: ([0-9a-f]{2})", text,
                   (pm(ctl & 0x8000), "%02x" % (ctl & 0x1f)))
            kinds.add("ats")
        elif ext and cid == 0x0010:
            expect(at, "SR-IOV VF counts",
                   r"Initial VFs: (\d+), Total VFs: (\d+), Number of VFs: (\d+), Function Dependency Link: "
                   r"([0-9a-f]{2})", text,
                   (f("initial-vfs"), f("total-vfs"), f("num-vfs"), "%02x" % f("function-dependency-link")))
            expect(at, "SR-IOV offset/stride/VF Device ID",
                   r"VF offset: (\d+), stride: (\d+), Device ID: ([0-9a-f]{4})", text,
                   (f("first-vf-offset"), f("vf-stride"), "%04x" % f("vf-device-id")))
            expect(at, "SR-IOV page sizes",
                   r"Supported Page Size: ([0-9a-f]{8}), System Page Size: ([0-9a-f]{8})", text,
                   ("%08x" % f("supported-page-sizes"), "%08x" % f("system-page-size")))
            expect(at, "SR-IOV VF Enable", r"IOVCtl:\s+Enable([+-])", text, (pm(f("sriov-control") & 1),))
            kinds.add("sriov")
        elif ext and cid == 0x0013:
            st = f("pri-status")
            expect(at, "PRI status", r"PRISta: RF([+-]) UPRGI([+-]) Stopped([+-])", text,
                   (pm(st & 1), pm(st & 2), pm(st & 0x100)))
            expect(at, "PRI capacity/allocation",
                   r"Page Request Capacity: ([0-9a-f]{8}), Page Request Allocation: ([0-9a-f]{8})", text,
                   ("%08x" % f("outstanding-capacity"), "%08x" % f("outstanding-allocation")))
            kinds.add("pri")
        elif ext and cid == 0x0015:
            ctl = f("bar0-control")
            mb = 1 << (ctl >> 8 & 0x3f)
            expect(at, "Resizable BAR current size", r"BAR (\d): current size: (\d+[MGT]B)", text,
                   (ctl & 7, "%dGB" % (mb >> 10) if mb >= 1024 else "%dMB" % mb))
            kinds.add("rebar")
        elif ext and cid == 0x001b:
            cap, ctl = f("pasid-capability"), f("pasid-control")
            expect(at, "PASID capability", r"PASIDCap: Exec([+-]) Priv([+-]), Max PASID Width: ([0-9a-f]{2})",
                   text, (pm(cap & 2), pm(cap & 4), "%02x" % (cap >> 8 & 0x1f)))
            expect(at, "PASID control", r"PASIDCtl: Enable([+-]) Exec([+-]) Priv([+-])", text,
                   (pm(ctl & 1), pm(ctl & 2), pm(ctl & 4)))
            kinds.add("pasid")

    if errs:
        print("FAIL %s: %s" % (label, "; ".join(errs)))
        return 1
    note = "" if walks_ext or not any(c["extended"] for c in mcaps) else \
        ", ext caps not walked by lspci (no PCIe/PCI-X cap)"
    if checked < MIN_PER_FILE:
        print("FAIL %s: only %d decoded values checked (at least %d: header, every capability)" %
              (label, checked, MIN_PER_FILE))
        return 1
    print("PASS %s (%d bytes, %d caps, %d decoded values%s)" %
          (label, len(binary), len(lcaps), checked, note))
    print("CHECKED %d %s" % (checked, " ".join(sorted(kinds))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
