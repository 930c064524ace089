# SPDX-License-Identifier: BSD-3-Clause
"""captab_extract.py - read the capability table out of src/model/captab.c.

Used by gen-schema.py (schema enums and field-name patterns), by
check-schema.py (the committed schema must agree with the table) and to
print the capability table of docs/format.md (`python3 captab_extract.py
--markdown src/model/captab.c`).  Python 3 standard library only.
"""
import re
import sys

_MACRO = re.compile(r'#define\s+(\w+)\s+(R\(.*\))\s*$', re.M)
_ARRAY = re.compile(r'static const struct vpci_fdesc (\w+)\[\] = \{(.*?)\n\};', re.S)
_ROW = re.compile(r'"([^"]+)",\s*(0x[0-9a-fA-F]+|\d+),\s*(\d+),\s*(\w+)(.*)$')
_CAP = re.compile(r'\b(STD|EXT)\((0x[0-9a-fA-F]+),\s*"([^"]+)",\s*"([^"]+)",\s*"([^"]*)",\s*(\w+),\s*'
                  r'(0x[0-9a-fA-F]+|\d+),\s*(\w+)\)')
_HDR = re.compile(r'\.id = (CAPTAB_HDR_TYPE[01]),.*?\.fields = (\w+)', re.S)


def _rows(body, macros):
    """Rows of one fdesc array: (name, off, width, acc, rest) in order."""
    for name, text in macros.items():
        body = re.sub(r'\b%s\b' % name, lambda _m, t=text: t, body)
    out = []
    i = 0
    while True:
        m = re.compile(r'\bR\(').search(body, i)
        if not m:
            break
        depth, j = 0, m.end() - 1
        while j < len(body):          # balanced parentheses: rows span lines
            if body[j] == '(':
                depth += 1
            elif body[j] == ')':
                depth -= 1
                if depth == 0:
                    break
            j += 1
        row = ' '.join(body[m.end():j].split())
        r = _ROW.match(row)
        if r:
            out.append((r.group(1), int(r.group(2), 0), int(r.group(3)), r.group(4), r.group(5)))
        i = j + 1
    return out


def parse(path):
    """Return {'caps': [...], 'fields': {array: [...]}, 'header0': arr, 'header1': arr}."""
    src = open(path, encoding='utf-8').read()
    # drop comments so that commented-out rows do not count
    src = re.sub(r'/\*.*?\*/', '', src, flags=re.S)
    macros = {m.group(1): m.group(2) for m in _MACRO.finditer(src)}
    fields = {}
    for m in _ARRAY.finditer(src):
        fields[m.group(1)] = _rows(m.group(2), macros)
    caps = []
    for m in _CAP.finditer(src):
        caps.append({
            'kind': 'ext' if m.group(1) == 'EXT' else 'std',
            'id': int(m.group(2), 0),
            'key': m.group(3),
            'name': m.group(4),
            'spec': m.group(5),
            'fields': None if m.group(8) == 'NULL' else m.group(8),
            'lenkind': m.group(6),
        })
    hdr = {m.group(1): m.group(2) for m in _HDR.finditer(src)}
    return {'caps': caps, 'fields': fields,
            'header0': hdr.get('CAPTAB_HDR_TYPE0'), 'header1': hdr.get('CAPTAB_HDR_TYPE1')}


def field_names(rows):
    """Regex alternatives for the field names a file may use (managed rows excluded)."""
    out = []
    for name, _off, _w, _acc, rest in rows:
        if 'FD_MANAGED' in rest:
            continue
        if '%u' in name:
            m = re.search(r'\.count = (\d+)', rest)
            if 'RP_FIXED' in rest and m:
                num = '[0-%d]' % (int(m.group(1)) - 1)
            elif 'RP_REBAR' in rest:
                num = '[0-6]'             # 3-bit count of resizable BARs
            else:
                num = '(?:0|[1-9][0-9]?)'  # per lane: up to the link width
            alt = re.escape(name).replace('%u', num).replace('\\-', '-')
        else:
            alt = re.escape(name).replace('\\-', '-')
        if alt not in out:
            out.append(alt)
    return out


def field_pattern(rows):
    return '^(?:' + '|'.join(field_names(rows)) + ')$'


def markdown(tab):
    lines = ['| kind | key | ID | name | fields | reference |', '|---|---|---|---|---|---|']
    for c in tab['caps']:
        ident = '0x%02x' % c['id'] if c['kind'] == 'std' else '0x%04x' % c['id']
        named = 'yes' if c['fields'] else 'no (raw)'
        lines.append('| %s | `%s` | %s | %s | %s | %s |' % (
            'standard' if c['kind'] == 'std' else 'extended', c['key'], ident, c['name'], named, c['spec']))
    return '\n'.join(lines)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--markdown':
        print(markdown(parse(sys.argv[2])))
    elif len(sys.argv) == 3 and sys.argv[1] == '--fields':
        t = parse(sys.argv[2])
        for c in t['caps']:
            if c['fields']:
                print(c['key'], ' '.join(field_names(t['fields'][c['fields']])))
        for h in ('header0', 'header1'):
            print(h, ' '.join(field_names(t['fields'][t[h]])))
    else:
        sys.exit('usage: captab_extract.py --markdown|--fields CAPTAB.C')
