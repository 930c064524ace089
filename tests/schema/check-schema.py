#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""check-schema.py - the JSON Schema and `vpci check` must agree.

usage: check-schema.py SCHEMA VPCI_BIN DIR...

Every DIR/*.yaml is a good file (examples/): it must pass the schema and
`VPCI_BIN check` (exit 0).  Every DIR/broken/*.yaml is a structurally
broken file: both the schema and `VPCI_BIN check` (exit 65) must reject
it.  Any disagreement fails, naming the file.  When src/model/captab.c is
found next to the schema (../src/model/captab.c), the capability types and
field names in the schema must also match the capability table, and when
docs/format.md is found, its capability table must match too and its
complete example must pass both checks.

Needs python3-yaml and python3-jsonschema; without them it prints SKIP and
exits 77 (the meson/automake "skipped" code).  The last line is always
"N passed, M failed".
"""
import glob
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

try:
    import yaml
    import jsonschema
except ImportError as e:  # pragma: no cover
    print("SKIP: %s (install python3-yaml and python3-jsonschema)" % e)
    sys.exit(77)

EX_DATAERR = 65


class Result:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, what):
        self.passed += 1
        print("ok   %s" % what)

    def fail(self, what, why):
        self.failed += 1
        print("FAIL %s: %s" % (what, why))


def validator_for(schema):
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(v, path):
    """Schema problems of @path as short strings ([] = valid)."""
    try:
        with open(path, encoding="utf-8") as fp:
            data = yaml.safe_load(fp)
    except yaml.YAMLError as e:
        return ["YAML: %s" % str(e).replace("\n", " ")]
    out = []
    for e in sorted(v.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in e.absolute_path) or "(document)"
        out.append("%s: %s" % (where, e.message[:160]))
    return out


def vpci_check(vpci, path):
    p = subprocess.run([vpci, "check", "-q", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    return p.returncode, (p.stderr + p.stdout).strip()


def check_captab(schema, captab, res):
    """Schema enums and field names vs. the capability table."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import captab_extract
    tab = captab_extract.parse(captab)
    defs = schema.get("$defs", {})
    for ext, d in ((False, "capability"), (True, "extended-capability")):
        want = [c["key"] for c in tab["caps"] if (c["kind"] == "ext") == ext]
        got = defs.get(d, {}).get("properties", {}).get("type", {}).get("enum")
        what = "schema $defs/%s type enum vs captab.c" % d
        if got == want:
            res.ok(what)
        else:
            res.fail(what, "differs: only in schema %s, only in captab.c %s" % (
                sorted(set(got or []) - set(want)), sorted(set(want) - set(got or []))))
    pairs = [("header-type0", tab["fields"][tab["header0"]]), ("header-type1", tab["fields"][tab["header1"]])]
    pairs += [("fields-" + c["key"], tab["fields"][c["fields"]]) for c in tab["caps"] if c["fields"]]
    bad = []
    for name, rows in pairs:
        want = set(captab_extract.field_names(rows))
        d = defs.get(name, {})
        got = set(d.get("properties", {})) | {p[1:-1] for p in d.get("patternProperties", {})}
        if got != want:
            bad.append("%s (schema-only %s, table-only %s)" % (name, sorted(got - want), sorted(want - got)))
    if bad:
        res.fail("schema field names vs captab.c", "; ".join(bad) +
                 " - regenerate with tests/schema/gen-schema.py")
    else:
        res.ok("schema field names vs captab.c (%d tables)" % len(pairs))


def check_docs(v, vpci, docs, captab, res):
    """docs/format.md: its capability table matches captab.c, its example is valid."""
    import re
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import captab_extract
    with open(docs, encoding="utf-8") as fp:
        text = fp.read()
    if captab:
        table = captab_extract.markdown(captab_extract.parse(captab))
        if table in text:
            res.ok("%s capability table vs captab.c" % docs)
        else:
            res.fail(docs, "the capability table differs from src/model/captab.c; regenerate it with "
                     "tests/schema/captab_extract.py --markdown")
    m = re.search(r"```yaml\n(vpci: 1\b.*?)```", text, re.S)
    if not m:
        res.fail(docs, "no complete example (a ```yaml block starting with 'vpci: 1')")
        return
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fp:
        fp.write(m.group(1))
        tmp = fp.name
    try:
        errs = schema_errors(v, tmp)
        rc, out = vpci_check(vpci, tmp)
    finally:
        os.unlink(tmp)
    if errs or rc:
        res.fail(docs + " example", "schema: %s; vpci check exit %d: %s" % (errs[:2], rc, out))
    else:
        res.ok(docs + " example")


def main(argv):
    if len(argv) < 4:
        print("usage: check-schema.py SCHEMA VPCI_BIN DIR...", file=sys.stderr)
        return 64
    schema_path, vpci, dirs = argv[1], argv[2], argv[3:]
    res = Result()
    with open(schema_path, encoding="utf-8") as fp:
        schema = json.load(fp)
    try:
        v = validator_for(schema)
    except jsonschema.SchemaError as e:
        print("FAIL %s: not a valid JSON Schema: %s" % (schema_path, e.message))
        print("0 passed, 1 failed")
        return 1
    captab = os.path.join(os.path.dirname(os.path.abspath(schema_path)), "..", "src", "model", "captab.c")
    if not os.path.exists(captab):
        captab = None
    if captab:
        check_captab(schema, captab, res)
    docs = os.path.join(os.path.dirname(os.path.abspath(schema_path)), "..", "docs", "format.md")
    if os.path.exists(docs):
        check_docs(v, vpci, os.path.normpath(docs), captab, res)

    good, broken = [], []
    for d in dirs:
        good += sorted(glob.glob(os.path.join(d, "*.yaml")))
        broken += sorted(glob.glob(os.path.join(d, "broken", "*.yaml")))
    if not good and not broken:
        res.fail(" ".join(dirs), "no *.yaml files found")

    for path in good:
        errs = schema_errors(v, path)
        rc, out = vpci_check(vpci, path)
        if errs and rc != 0:
            res.fail(path, "good file rejected by both: schema: %s; vpci check (exit %d): %s" % (errs[0], rc, out))
        elif errs:
            res.fail(path, "schema rejects a file vpci check accepts: %s" % "; ".join(errs[:3]))
        elif rc != 0:
            res.fail(path, "vpci check (exit %d) rejects a file the schema accepts: %s" % (rc, out))
        else:
            res.ok(path)

    for path in broken:
        errs = schema_errors(v, path)
        rc, out = vpci_check(vpci, path)
        if not errs and rc == 0:
            res.fail(path, "broken file accepted by both the schema and vpci check")
        elif not errs:
            res.fail(path, "schema accepts a file vpci check rejects (exit %d): %s" % (rc, out.splitlines()[0] if out else ""))
        elif rc != EX_DATAERR:
            res.fail(path, "vpci check exits %d (want %d) on a file the schema rejects (%s)%s" % (
                rc, EX_DATAERR, errs[0], ": " + out if out else ""))
        else:
            res.ok(path)

    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
