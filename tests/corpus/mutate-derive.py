#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mutate-derive.py VPCI CORPUS [N] [SEED] - guest derive on damaged dumps.

Takes N dumps of the corpus (seeded, the seed is printed), damages each:
random bytes, capability IDs and next pointers set to values real devices
do not have, and derives its guest view with the plain `vpci derive`.
Every derive must either write a file that the plain `vpci check`
accepts, or refuse with an error that says why (exit 65 and an
"error:" line).  Exit 1 on the first failure, with the input kept.
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
    ok = refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "in.lspci"), os.path.join(tmp, "out.yaml")
        for k in range(n):
            f = rng.choice(files)
            with open(f, encoding="utf-8", errors="replace") as fp:
                text = damage(rng, fp.read())
            with open(src, "w", encoding="utf-8") as fp:
                fp.write(text)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
