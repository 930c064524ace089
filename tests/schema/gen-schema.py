#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen-schema.py - generate schema/vpci-v1.schema.json from src/model/captab.c.

usage: gen-schema.py CAPTAB.C > schema/vpci-v1.schema.json

The structure of the schema is written out here; the capability type
enums and the field names (with their widths, hence value ranges) come
from the capability table, so that the schema and the parser agree.
check-schema.py verifies that the committed schema still matches.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import captab_extract  # noqa: E402

ACCESS = ["RO", "RW", "RW1C", "RsvdP", "RsvdZ", "HwInit", "RWS", "RW1CS", "ROS"]
PLANES = ["rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device"]
# integer scalars: numbers YAML reads as integers are range-checked; forms a
# YAML 1.1 reader keeps as strings (0o17, quoted "0x10") are checked by form
INT_STRING = "^(?:0[xX][0-9a-fA-F]+|0o[0-7]+|0b[01]+|0|[1-9][0-9]*)$"
SIZE_STRING = "^(?:(?:0[xX][0-9a-fA-F]+|0o[0-7]+|0b[01]+|0|[1-9][0-9]*)(?:KiB|MiB|GiB|TiB|K|M|G|T|B)?)$"
HEX_BYTES = "^[ \\t\\n]*[0-9a-fA-F]{2}(?:[ \\t\\n]+[0-9a-fA-F]{2})*[ \\t\\n]*$"
NAME = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
# what a virtual capability or a free range kept for one is called
TAG = "^[a-z0-9][a-z0-9-]{0,38}$"
EXTENDS = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@[1-9][0-9]{0,4}$"
# origin keys: src/text/parse.c origin_keys
ORIGIN_KEYS = ["tool", "source", "slot", "driver", "iommu-group", "policy", "quirks", "note"]


def uint(maximum=None, minimum=0, multiple=None, desc=None):
    num = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        num["maximum"] = maximum
    if multiple:
        num["multipleOf"] = multiple
    out = {"anyOf": [num, {"type": "string", "pattern": INT_STRING}]}
    if desc:
        out["description"] = desc
    return out


def field_defs():
    d = {}
    for w in (1, 2, 3, 4, 8):
        mx = (1 << (8 * w)) - 1
        props = {"value": uint(mx, desc="the field's initial value"),
                 "access": {"enum": ACCESS, "description": "uniform access for the whole field (PCIe r6.0 §7.4)"},
                 "backing": {"$ref": "#/$defs/backing"},
                 "policy": {"enum": ["pf-shared"],
                            "description": "a VF's field: the bits the capability table's VF rules name are "
                                           "its PF's, never device-backed (docs/vf-shared-fields.md)"}}
        for p in PLANES:
            props[p] = uint(mx, desc="bit mask replacing the '%s' plane of this field" % p)
        d["field-w%d" % w] = {
            "description": "a %d-byte register: an integer, or the long form" % w,
            "anyOf": [
                uint(mx),
                {"type": "object", "additionalProperties": False, "properties": props,
                 "not": {"required": ["backing", "device"]}},
            ],
        }
    return d


def fields_schema(rows, what):
    props, pats = {}, {}
    widths = {}
    for name, _off, width, _acc, rest in rows:
        if "FD_MANAGED" in rest:
            continue
        alt = captab_extract.field_names([(name, _off, width, _acc, rest)])[0]
        if widths.get(alt, width) != width:
            sys.exit("field %s has two widths" % name)
        widths[alt] = width
        ref = {"$ref": "#/$defs/field-w%d" % width}
        if "%u" in name:
            pats["^" + alt + "$"] = ref
        else:
            props[name] = ref
    out = {"type": "object", "description": "named registers of %s (src/model/captab.c)" % what,
           "additionalProperties": False, "properties": props}
    if pats:
        out["patternProperties"] = pats
    return out


def cap_item(caps, ext, tab):
    keys = [c["key"] for c in caps if (c["kind"] == "ext") == ext]
    props = {
        "type": {"enum": keys, "description": "a key of the capability table"},
        "id": uint(0xffff if ext else 0xff, desc="capability ID for one the table does not name"),
        "offset": uint(4092, 256, 4) if ext else uint(0xfc, 0x40, 4),
        "fields": {"type": "object"},
        "backing": {"$ref": "#/$defs/backing"},
        "remove": {"const": True,
                   "description": "in a file that extends a type: remove the type's capability "
                                  "of this type at this offset (docs/format.md §21)"},
    }
    if ext:
        props["version"] = uint(15, desc="capability version (PCIe r6.0 §7.6.3); default 1")
    conds = []
    nofields = []
    for c in caps:
        if (c["kind"] == "ext") != ext:
            continue
        if c["fields"]:
            conds.append({"if": {"properties": {"type": {"const": c["key"]}}, "required": ["type"]},
                          "then": {"properties": {"fields": {"$ref": "#/$defs/fields-%s" % c["key"]}}}})
        else:
            nofields.append(c["key"])
    conds.append({"if": {"properties": {"type": {"enum": nofields}}, "required": ["type"]},
                  "then": {"not": {"required": ["fields"]}}})
    conds.append({"if": {"required": ["remove"]},
                  "then": {"propertyNames": {"enum": ["type", "id", "offset", "remove"]}}})
    conds.append({"if": {"required": ["id"]},
                  "then": {"properties": {"fields": {"type": "object", "propertyNames": {
                      "pattern": "^[a-z][a-z0-9-]*$"},
                      "additionalProperties": {"$ref": "#/$defs/field-w8"}}}}})
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["offset"],
        "oneOf": [{"required": ["type"]}, {"required": ["id"]}],
        "properties": props,
        "allOf": conds,
    }


def vcap_item(caps):
    """A virtual capability (format §19): any type whose length the table
    knows, pinned at an offset or placed by the rule."""
    usable = [c for c in caps if c["lenkind"] != "LN_UNKNOWN"]
    props = {
        "type": {"enum": [c["key"] for c in usable], "description": "a key of the capability table"},
        "name": {"type": "string", "pattern": TAG,
                 "description": "what it is for: a free range kept for this name takes it"},
        "offset": uint(4092, 0x40, 4, desc="pinned offset"),
        "placement": {"enum": ["auto", "auto-gaps"], "description": "placed by the placement rule"},
        "version": uint(15, desc="extended capabilities: capability version; default 1"),
        "body": {"$ref": "#/$defs/hex-bytes"},
        "fields": {"type": "object"},
    }
    conds = []
    for c in usable:
        if c["fields"]:
            conds.append({"if": {"properties": {"type": {"const": c["key"]}}, "required": ["type"]},
                          "then": {"properties": {"fields": {"$ref": "#/$defs/fields-%s" % c["key"]}}}})
    conds.append({"if": {"properties": {"type": {"enum": [c["key"] for c in usable if not c["fields"]]}},
                         "required": ["type"]},
                  "then": {"not": {"required": ["fields"]}}})
    conds.append({"if": {"properties": {"type": {"enum": [c["key"] for c in usable if c["kind"] == "std"]}},
                         "required": ["type"]},
                  "then": {"not": {"required": ["version"]}}})
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["type"],
        "oneOf": [{"required": ["offset"]}, {"required": ["placement"]}],
        "properties": props,
        "allOf": conds,
    }


def bar_item(max_index):
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["index"],
        "oneOf": [
            {"required": ["type"], "not": {"required": ["remove"]}},
            {"required": ["remove"], "propertyNames": {"enum": ["index", "remove"]},
             "description": "in a file that extends a type: remove the type's BAR (docs/format.md §21)"},
        ],
        "properties": {
            "index": uint(max_index),
            "remove": {"const": True},
            "type": {"enum": ["io", "mem32", "mem64", "mem1m"],
                     "description": "mem64 also takes BAR index+1 for the upper half"},
            "prefetchable": {"type": "boolean"},
            "size": {"$ref": "#/$defs/size"},
            "address": uint(0xffffffffffffffff, desc="base address without the type bits"),
        },
        "allOf": [
            {"if": {"properties": {"type": {"const": "io"}}},
             "then": {"properties": {"prefetchable": {"const": False}}}},
            {"if": {"properties": {"type": {"const": "mem64"}}},
             "then": {"properties": {"index": uint(max_index - 1)}}},
        ],
    }


def function_schema():
    def kind_branch(header, max_bar):
        out = {"properties": {"bars": {"type": "array", "items": bar_item(max_bar)}}}
        if header:
            out["properties"]["header"] = {"$ref": "#/$defs/" + header}
        return out

    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": ["endpoint", "bridge", "cardbus"], "default": "endpoint"},
            "config-size": {"anyOf": [{"enum": [64, 128, 256, 4096]},
                                      {"type": "string", "pattern": "^(?:64|128|256|4096|0[xX]0*40|0[xX]0*80|0[xX]0*100|0[xX]0*1000)$"}],
                            "default": 4096},
            "multifunction": {"type": "boolean", "default": False},
            "vf-template": {"type": "string", "minLength": 1,
                            "description": "a virtual PF: the instance file of the VFs its SR-IOV capability "
                                           "enables, relative to this file (docs/format.md section 4)"},
            "header": {"type": "object"},
            "bars": {"type": "array"},
            "expansion-rom": {
                "type": "object", "additionalProperties": False,
                "properties": {"size": {"$ref": "#/$defs/size"},
                               "address": uint(0xffffffff, desc="2 KiB aligned"),
                               "enabled": {"type": "boolean"},
                               "remove": {"const": True, "description": "in a file that extends a type: "
                                                                          "remove the type's ROM"}},
                "if": {"required": ["remove"]}, "then": {"propertyNames": {"const": "remove"}}},
            "capabilities": {"type": "array", "items": {"$ref": "#/$defs/capability"}},
            "extended-capabilities": {"type": "array", "items": {"$ref": "#/$defs/extended-capability"}},
            "raw": {"type": "array", "items": {"$ref": "#/$defs/raw-region"}},
            "free-ranges": {"type": "array", "items": {"$ref": "#/$defs/free-range"}},
            "virtual-capabilities": {"type": "array", "items": {"$ref": "#/$defs/virtual-capability"}},
        },
        "allOf": [
            {"if": {"properties": {"kind": {"const": "bridge"}}, "required": ["kind"]},
             "then": kind_branch("header-type1", 1),
             "else": {"if": {"properties": {"kind": {"const": "cardbus"}}, "required": ["kind"]},
                      "then": {"not": {"anyOf": [{"required": ["header"]}, {"required": ["bars"]},
                                                 {"required": ["expansion-rom"]}]}},
                      "else": kind_branch("header-type0", 5)}},
            {"if": {"properties": {"config-size": {"const": 256}}, "required": ["config-size"]},
             "then": {"not": {"required": ["extended-capabilities"]}}},
        ],
    }


def main():
    tab = captab_extract.parse(sys.argv[1])
    defs = {
        "backing": {"enum": ["virtual", "device"],
                    "description": "who backs the bits at run time: the emulation (virtual) or the real function"},
        "size": {"description": "bytes: integer, or with a binary suffix (16KiB), or unknown",
                 "anyOf": [{"type": "integer", "minimum": 0},
                           {"type": "string", "pattern": SIZE_STRING},
                           {"const": "unknown"}]},
        "length": {"description": "positive number of bytes, DWORD multiple",
                   "anyOf": [{"type": "integer", "minimum": 4, "multipleOf": 4},
                             {"type": "string", "pattern": SIZE_STRING}]},
        "hex-bytes": {"type": "string", "pattern": HEX_BYTES,
                      "description": "hex bytes separated by spaces, like \"01 a0 ff\""},
        "header-type0": fields_schema(tab["fields"][tab["header0"]], "the type 0 header"),
        "header-type1": fields_schema(tab["fields"][tab["header1"]], "the type 1 header"),
        "capability": cap_item(tab["caps"], False, tab),
        "extended-capability": cap_item(tab["caps"], True, tab),
        "raw-region": {
            "type": "object", "additionalProperties": False, "required": ["offset", "bytes"],
            "properties": dict({"offset": uint(4095), "bytes": {"$ref": "#/$defs/hex-bytes"},
                                "access": {"enum": ACCESS}, "backing": {"$ref": "#/$defs/backing"}},
                               **{p: {"$ref": "#/$defs/hex-bytes"} for p in PLANES})},
        "free-range": {
            "type": "object", "additionalProperties": False, "required": ["offset", "length"],
            "properties": {"offset": uint(4092, 0, 4), "length": {"$ref": "#/$defs/length"},
                           "for": {"type": "string", "pattern": TAG,
                                   "description": "the virtual capability the range is kept for"}}},
        "virtual-capability": vcap_item(tab["caps"]),
        "function": function_schema(),
        "origin-value": {"description": "a scalar, or a list of scalars",
                         "anyOf": [{"type": ["string", "number", "boolean"]},
                                   {"type": "array", "items": {"type": ["string", "number", "boolean"]}}]},
    }
    defs.update(field_defs())
    for c in tab["caps"]:
        if c["fields"]:
            defs["fields-" + c["key"]] = fields_schema(tab["fields"][c["fields"]], c["name"])
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:vpci:schema:vpci-v1",
        "title": "vPCI instance file, format v1",
        "description": "Structure of a vPCI instance file (docs/format.md). Generated by "
                       "tests/schema/gen-schema.py from src/model/captab.c. The schema checks "
                       "structure, names, enums and ranges; `vpci check` also checks the PCI "
                       "rules (layouts, overlaps, BAR sizes, chains).",
        "type": "object",
        "additionalProperties": False,
        "required": ["vpci", "name", "function"],
        "properties": {
            "vpci": {"const": 1, "description": "format version"},
            "name": {"type": "string", "pattern": NAME},
            "extends": {"type": "string", "pattern": EXTENDS,
                        "description": "NAME@VERSION: the instance type this file builds on; "
                                       "the file gives only the differences (docs/format.md §21)"},
            "version": dict(uint(65535, 1), description="the version of the instance type "
                                                        "`name` this file is (docs/format.md §21)"),
            "description": {"type": ["string", "number", "boolean", "null"], "description": "free text; an empty value means no description"},
            "origin": {
                "type": "object", "additionalProperties": False,
                "description": "where the description came from (written by vpci derive); informational",
                "properties": {k: {"$ref": "#/$defs/origin-value"} for k in ORIGIN_KEYS}},
            "function": {"$ref": "#/$defs/function"},
        },
        "$defs": dict(sorted(defs.items())),
    }
    json.dump(schema, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
