#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""check-arch.py - the include rules of docs/architecture.md, checked.

Every source file of src/ belongs to a module (its first directory).  A
file may include:
  - headers of its own module (any name);
  - the interface headers of the modules its module depends on (DEPS and
    INTERFACE below); private headers, *_priv.h, only inside their module,
    and no interface is a *_priv.h;
  - the public API (vpci/...);
  - vendored kernel headers (linux-uapi/...) only in the host module.
The emulation core (emu/) includes no OS header: only C11's own.  Public
headers include only each other and C headers.  The dependency graph must
have no cycle.  Exit status 1 with one line per violation.
"""
import os
import re
import sys

# module -> modules whose interface it may include
DEPS = {
    "util": [],
    "model": ["util"],
    "yaml": ["util"],
    "text": ["util", "model", "yaml", "place"],
    "render": ["util", "model"],
    "place": ["util", "model", "host"],
    "host": ["util"],
    "source": ["util", "host"],
    "policy": ["util", "model", "yaml", "text", "host"],
    "derive": ["util", "model", "host", "source", "policy"],
    "abi": ["util", "model"],
    "bind": ["util", "model"],
    "emu": ["util", "model", "abi"],
    "sriov": ["util", "host"],
    "serve": ["util", "model", "emu", "host"],
    "top": ["util"],  # src/version.c
}

# module -> headers other modules may include
INTERFACE = {
    "util": {"common.h", "diag.h"},
    "model": {"func.h", "captab.h", "regs.h", "names.h"},
    "yaml": {"reader.h"},
    "text": {"text.h"},
    "render": set(),
    "place": {"place.h"},
    "host": {"host.h"},
    "source": {"source.h"},
    "policy": {"policy.h"},
    "derive": set(),
    "abi": {"abi.h"},
    "bind": set(),
    "emu": set(),
    "sriov": set(),
    "serve": set(),
    "top": set(),
}

# C11 (ISO/IEC 9899:2011 §7.1.2) standard headers: all the emulation core may use
C11_HEADERS = {
    "assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h", "inttypes.h",
    "iso646.h", "limits.h", "locale.h", "math.h", "setjmp.h", "signal.h", "stdalign.h",
    "stdarg.h", "stdatomic.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h",
    "stdnoreturn.h", "string.h", "tgmath.h", "threads.h", "time.h", "uchar.h", "wchar.h",
    "wctype.h",
}
OS_FREE_MODULES = {"emu"}

INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def cycles():
    seen, stack, bad = set(), [], []

    def visit(m):
        if m in stack:
            bad.append(" -> ".join(stack[stack.index(m):] + [m]))
            return
        if m in seen:
            return
        stack.append(m)
        for d in DEPS.get(m, []):
            visit(d)
        stack.pop()
        seen.add(m)

    for m in DEPS:
        visit(m)
    return bad


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = os.path.join(top, "src")
    errors = ["module graph has a cycle: " + c for c in cycles()]
    errors += [f"module '{m}': a private header cannot be an interface: {h}"
               for m, hs in INTERFACE.items() for h in sorted(hs) if h.endswith("_priv.h")]
    for dirpath, _, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        mod = "top" if rel == "." else rel.split(os.sep)[0]
        if mod not in DEPS:
            errors.append(f"src/{rel}: module '{mod}' is not in the module map (scripts/check-arch.py)")
            continue
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            shown = os.path.relpath(path, top)
            with open(path, encoding="utf-8") as fp:
                for lineno, line in enumerate(fp, 1):
                    m = INC.match(line)
                    if not m:
                        continue
                    kind, inc = m.groups()
                    where = f"{shown}:{lineno}"
                    if kind == "<":
                        if mod in OS_FREE_MODULES and inc not in C11_HEADERS:
                            errors.append(f"{where}: the emulation core includes no OS header: <{inc}>")
                        continue
                    if inc.startswith("vpci/"):
                        continue
                    if inc.startswith("linux-uapi/"):
                        if mod != "host":
                            errors.append(f"{where}: kernel headers belong to the host module: \"{inc}\"")
                        continue
                    if "/" not in inc:
                        if not os.path.exists(os.path.join(dirpath, inc)):
                            # generated headers live in the build tree
                            if not inc.endswith("_builtin.h"):
                                errors.append(f"{where}: \"{inc}\" is not a header of this directory")
                        continue
                    other, hdr = inc.split("/", 1)
                    if other == mod:
                        continue
                    if other not in DEPS:
                        errors.append(f"{where}: \"{inc}\": no module '{other}'")
                    elif other not in DEPS[mod]:
                        errors.append(f"{where}: module '{mod}' may not use module '{other}' (\"{inc}\")")
                    elif hdr.endswith("_priv.h"):
                        errors.append(f"{where}: \"{inc}\" is private to module '{other}' (*_priv.h)")
                    elif hdr not in INTERFACE[other]:
                        errors.append(f"{where}: \"{inc}\" is private to module '{other}'")
    pub = os.path.join(top, "include", "vpci")
    for name in sorted(os.listdir(pub)):
        path = os.path.join(pub, name)
        with open(path, encoding="utf-8") as fp:
            for lineno, line in enumerate(fp, 1):
                m = INC.match(line)
                if m and m.group(1) == '"' and not os.path.exists(os.path.join(pub, m.group(2))):
                    errors.append(f"include/vpci/{name}:{lineno}: a public header includes only public headers")
                elif m and m.group(1) == "<" and m.group(2) not in C11_HEADERS:
                    errors.append(f"include/vpci/{name}:{lineno}: a public header includes only C headers")
    for e in errors:
        print(e)
    print(f"check-arch: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
