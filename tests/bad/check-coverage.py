#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every message of the validator has a malformed-input case.

usage: check-coverage.py VALIDATE_C CASES_DIR

Lists the format string of every ERR()/WARN() call (the validator's way to
diag_add()) and every direct diag_add() with a literal format in
VALIDATE_C, turns each into a pattern (%u, %x, %s ... match what they
print) and requires a "# expect:" line of a case in CASES_DIR that it
matches, with the same severity.  A few checks of the validator cannot be
reached from a file, because the reader rejects the same mistake first
with its own message: they are listed in PREEMPTED with the reader's
message, and a case expecting that message is required instead.

Prints one line per uncovered message; exit 1 when there is one (or when
the list of messages looks broken: fewer than 40), 0 otherwise.
"""
import glob
import re
import sys

# validator format -> (the reader's message that comes first, why)
PREEMPTED = {
    "BAR 5 cannot be 64-bit: it has no upper half":
        (r"error: 64-bit BAR 5 needs BAR 6 for its upper half",
         "the reader places BARs and rejects a mem64 BAR 5 itself"),
    "%s at 0x%x is not DWORD aligned":
        (r"error: capability offset 0x[0-9a-f]+ is not DWORD aligned",
         "the reader rejects an unaligned capability offset; bytes cannot give one (pointers are masked)"),
    "extended capabilities need a 4096-byte config space":
        (r"error: extended capabilities need config-size 4096",
         "the reader rejects extended capabilities in a 256-byte file"),
}

CALL = re.compile(r'\b(ERR|WARN|diag_add)\s*\(((?:[^;"]|"(?:[^"\\]|\\.)*")*?)\)\s*;', re.S)
LITERALS = re.compile(r'"((?:[^"\\]|\\.)*)"')


def messages(src):
    out = []
    for m in CALL.finditer(src):
        kind, args = m.group(1), m.group(2)
        if src[max(0, m.start() - 8):m.start()].rstrip().endswith("define"):
            continue
        # the format: the first run of adjacent string literals
        lits = LITERALS.finditer(args)
        first = next(lits, None)
        if first is None:
            continue
        fmt = first.group(1)
        end = first.end()
        for nxt in lits:
            if args[end:nxt.start()].strip():
                break
            fmt += nxt.group(1)
            end = nxt.end()
        if fmt == "%s":
            continue  # report() itself
        sev = "warning" if kind == "WARN" else "error"
        if kind == "diag_add":
            sev = "warning" if "SEV_WARNING" in args[:first.start()] else "error"
        line = src.count("\n", 0, m.start()) + 1
        out.append((sev, bytes(fmt, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8"), line))
    return out


def pattern(fmt):
    out, i = "", 0
    while i < len(fmt):
        m = re.match(r"%[-#0-9.]*(?:ll|l|z|h)?([a-zA-Z%])", fmt[i:])
        if fmt[i] == "%" and m:
            out += {"u": r"\d+", "d": r"-?\d+", "x": r"(?:0x)?[0-9a-f]+", "s": r".+", "%": "%"}[m.group(1)]
            i += len(m.group(0))
        else:
            out += re.escape(fmt[i])
            i += 1
    return out


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    src = open(sys.argv[1], encoding="utf-8").read()
    expects = []
    for f in sorted(glob.glob(sys.argv[2] + "/*.yaml")):
        for line in open(f, encoding="utf-8", errors="replace"):
            if line.startswith("# expect:"):
                expects.append((f.rsplit("/", 1)[-1], line[len("# expect:"):].strip()))
    msgs = messages(src)
    bad = 0
    for sev, fmt, line in msgs:
        rx = re.compile(r"^(?:\d+:\d+: )?%s: (?:offset 0x[0-9a-f]+: )?%s$" % (sev, pattern(fmt)))
        hits = [c for c, e in expects if rx.match(e)]
        if fmt in PREEMPTED:
            if hits:
                print("STALE validate.c:%d: '%s' now has a case (%s): drop it from PREEMPTED" %
                      (line, fmt, hits[0]))
                bad += 1
                continue
            prx = re.compile(r"^(?:\d+:\d+: )?" + PREEMPTED[fmt][0] + "$")
            if not [c for c, e in expects if prx.match(e)]:
                print("MISSING validate.c:%d: '%s' is pre-empted by the reader, but no case expects '%s'" %
                      (line, fmt, PREEMPTED[fmt][0]))
                bad += 1
            continue
        if not hits:
            print("MISSING validate.c:%d: %s '%s' has no case in %s" % (line, sev, fmt, sys.argv[2]))
            bad += 1
    for fmt in PREEMPTED:
        if fmt not in [m[1] for m in msgs]:
            print("STALE PREEMPTED entry '%s': no such message in %s" % (fmt, sys.argv[1]))
            bad += 1
    if len(msgs) < 40:
        print("FAIL: only %d messages found in %s: the extraction is broken" % (len(msgs), sys.argv[1]))
        bad += 1
    print("%d validator messages, %d covered by a case, %d pre-empted by the reader (each with its "
          "reader case), %d uncovered" % (len(msgs), len(msgs) - len(PREEMPTED) - bad, len(PREEMPTED), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
