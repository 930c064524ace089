#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mutate-derive.py VPCI CORPUS [N] [SEED] - derive on damaged dumps.

Takes N dumps of the corpus (seeded, the seed is printed), damages each:
random bytes, capability IDs and next pointers set to values real devices
do not have, then:
  guest: the plain `vpci derive` must either write a file that the plain
         `vpci check` accepts, or refuse with an error that says why (exit
         65 and an "error:" line);
  raw:   `vpci derive --policy raw` then the plain `vpci render --format
         lspci` must give exactly the bytes `lspci -F` reads from the
         damaged dump (raw means raw, rule breaks included).
Exit 1 on the first failure, with the input printed.
"""
import glob
import os
import random
import subprocess
import sys
import tempfile


def damage(rng, text):
    lines = text.split("\n")
    rows = [i for i, l in enumerate(lines) if ":" in l[:9] and l[:l.index(":")].strip() and
            all(c in "0123456789abcdefABCDEF" for c in l[:l.index(":")]) and not l.startswith((" ", "\t"))]
    if not rows:
        return text
    for _ in range(rng.randint(1, 10)):
        i = rng.choice(rows)
        parts = lines[i].split(" ")
        if len(parts) < 2:
            continue
        j = rng.randint(1, len(parts) - 1)
        choice = rng.random()
        if choice < 0.5:
            parts[j] = "%02x" % rng.randint(0, 255)
        elif choice < 0.75:
            parts[j] = rng.choice(["00", "ff", "fc", "fe", "40", "10", "11", "05", "09"])
        else:
            parts[j] = "%02x" % (rng.randint(0x10, 0x3f) << 2)  # a plausible pointer
        lines[i] = " ".join(parts)
    return "\n".join(lines)


def hex_rows(args):
    r = subprocess.run(args, capture_output=True, text=True)
    return [l for l in r.stdout.split("\n") if l[:1] in "0123456789abcdef" and ": " in l[:6]]


def raw_exact(vpci, src, out, tmp):
    """The plain render of a raw derive gives the bytes lspci reads."""
    dump = os.path.join(tmp, "raw.lspci")
    if subprocess.run([vpci, "derive", "--policy", "raw", "--dump", src, "-o", out],
                      capture_output=True).returncode != 0:
        return False
    if subprocess.run([vpci, "render", out, "--format", "lspci", "-o", dump], capture_output=True).returncode != 0:
        return False
    want = hex_rows(["lspci", "-F", src, "-xxxx"])
    return bool(want) and hex_rows(["lspci", "-F", dump, "-xxxx"]) == want


def main():
    vpci, corpus = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261203
    files = sorted(glob.glob(os.path.join(corpus, "*", "*.lspci")))
    if not files:
        print(f"corpus not found at {corpus}")
        return 1 if os.environ.get("CI") == "true" else 77
    rng = random.Random(seed)
    print(f"seed {seed}, {n} damaged dumps")
    ok = refused = raw = 0
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "in.lspci"), os.path.join(tmp, "out.yaml")
        for k in range(n):
            f = rng.choice(files)
            with open(f, encoding="utf-8", errors="replace") as fp:
                text = damage(rng, fp.read())
            with open(src, "w", encoding="utf-8") as fp:
                fp.write(text)
            if not raw_exact(vpci, src, out, tmp):
                print(f"#{k} ({os.path.basename(f)}): raw derive + render does not give the dump's bytes")
                print(text)
                return 1
            raw += 1
            r = subprocess.run([vpci, "derive", "--dump", src, "-o", out], capture_output=True, text=True)
            if r.returncode != 0:
                if r.returncode != 65 or "error:" not in r.stderr:
                    print(f"#{k} ({os.path.basename(f)}): derive exit {r.returncode} without a reason:\n{r.stderr}")
                    print(text)
                    return 1
                refused += 1
                continue
            c = subprocess.run([vpci, "check", out], capture_output=True, text=True)
            if c.returncode != 0:
                print(f"#{k} ({os.path.basename(f)}): derive wrote a file check rejects:\n{c.stderr}")
                print(text)
                return 1
            ok += 1
    print(f"guest derive on damaged dumps: {ok} valid, {refused} refused with a reason, 0 invalid")
    print(f"raw derive + plain render on damaged dumps: {raw} of {raw} byte-exact (lspci -F as the oracle)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
