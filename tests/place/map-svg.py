#!/usr/bin/env python3
# map-svg.py VPCI FILE... - `vpci map --svg` draws the picture `vpci map`
# prints (docs/format.md §20), checked cell by cell for every FILE:
#   - the SVG is well-formed and has one grid row per 256 bytes of the
#     config space, labelled with its offset;
#   - every row is covered by rectangles from +0x00 to +0xfc without a gap
#     or an overlap, each a whole number of 4-byte cells; the cells under a
#     rectangle have one symbol in the text map (rows the text collapses
#     are rows of '.'), and two neighbouring rectangles have different
#     symbols (one rectangle per run of like cells);
#   - each rectangle has the colour of its symbol's legend entry, and the
#     colours tell the kinds of docs/format.md §20 apart: the header, a
#     capability with device-backed bits (upper case), an all-virtual one
#     (lower case), a virtual capability (digit), a free range ('+'), one
#     kept for a name ('*'), and the three kinds of gap bytes each have
#     their own colour, one per kind;
#   - a label in the grid lies inside a rectangle of a block, not of gap
#     bytes, and a one-character label is that block's symbol;
#   - the legend lists the text map's blocks in its order with the same
#     symbol, range, length, name and backing, and the same gap counts.
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'
X0, CW, CH = 56, 12, 22  # grid left, cell width and height (src/place/map.c)
GAPS = '.:!'


def kind(sym):
    """The kind of block a map symbol stands for (docs/format.md §20)."""
    if sym in '=#':
        return 'header'
    if sym.isupper():
        return 'device-backed capability'
    if sym.islower():
        return 'virtual capability'
    if sym.isdigit():
        return 'added virtual capability'
    return {'+': 'free range', '*': 'kept range', '.': 'gap 0', ':': 'gap value',
            '!': 'gap device'}[sym]


def text_map(vpci, path):
    out = subprocess.run([vpci, 'map', path], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    lines = out.split('\n')
    m = re.match(r'^(.*): (endpoint|bridge|CardBus bridge), (\d+) bytes; one cell is 4 bytes$', lines[0])
    assert m, lines[0]
    size = int(m.group(3))
    rows, legend, gaps = {}, [], {}
    last = None
    for line in lines[1:]:
        r = re.match(r'^0x([0-9a-f]{3})  (.{16}) (.{16}) (.{16}) (.{16})$', line)
        if r:
            rows[int(r.group(1), 16)] = ''.join(r.groups()[1:])
            last = int(r.group(1), 16)
            continue
        r = re.match(r'^       \.\.\. the same to 0x([0-9a-f]+)$', line)
        if r:
            for off in range(last + 256, int(r.group(1), 16) + 1, 256):
                rows[off] = rows[last]
            continue
        r = re.match(r'^  (\S)  (0x[0-9a-f]{3}\.\.0x[0-9a-f]{3}) +(\d+)  (.*)$', line)
        if r:
            legend.append((r.group(1), r.group(2), int(r.group(3)), ' '.join(r.group(4).split())))
            continue
        r = re.match(r'^  ([.:!])  gap bytes.*: (\d+)$', line)
        if r:
            gaps[r.group(1)] = int(r.group(2))
    assert sorted(rows) == list(range(0, size, 256)), (path, sorted(rows))
    assert all(len(r) == 64 for r in rows.values())
    assert len(gaps) == 3, gaps
    return m.group(1), size, rows, legend, gaps


def check(vpci, path):
    name, size, rows, legend, gaps = text_map(vpci, path)
    svg = subprocess.run([vpci, 'map', '--svg', path], stdout=subprocess.PIPE, check=True).stdout
    root = ET.fromstring(svg)
    assert root.tag == NS + 'svg', root.tag
    texts = root.findall(NS + 'text')
    rects = root.findall(NS + 'rect')
    assert texts[0].text == '%s: %d bytes, one cell per DWORD' % (name, size), texts[0].text

    # the legend: a swatch (x=8) then its line, blocks first, then the gaps
    swatch = [r for r in rects if r.get('x') == '8']
    lines = [t.text for t in texts if t.get('x') == '26']
    assert len(swatch) == len(lines) == len(legend) + 3, (path, len(swatch), len(lines), len(legend))
    colour = {}
    for (sym, rng, length, rest), sw, line in zip(legend, swatch, lines):
        m = re.match(r'^(\S) (0x[0-9a-f]{3}\.\.0x[0-9a-f]{3}) +(\d+)  (.*) - (.*)$', line)
        assert m, line
        assert (m.group(1), m.group(2), int(m.group(3))) == (sym, rng, length), (path, line, sym, rng, length)
        assert ' '.join((m.group(4) + ' ' + m.group(5)).split()) == rest, (path, line, rest)
        assert colour.setdefault(sym, sw.get('fill')) == sw.get('fill'), (path, sym)
    for sym, sw, line in zip(GAPS, swatch[len(legend):], lines[len(legend):]):
        m = re.match(r'^(\S) gap bytes.*: (\d+)$', line)
        assert m and m.group(1) == sym and int(m.group(2)) == gaps[sym], (path, line, gaps)
        colour[sym] = sw.get('fill')
    by_kind = {}
    for sym, fill in colour.items():
        assert by_kind.setdefault(kind(sym), fill) == fill, (path, 'one colour per kind', kind(sym))
    assert len(set(by_kind.values())) == len(by_kind), (path, 'a colour per kind', by_kind)

    # the grid
    grid = [r for r in rects if r.get('x') not in ('8', None)]
    labels = {int(t.text, 16): int(t.get('y')) - 15 for t in texts
              if t.get('x') == '8' and t.text and t.text.startswith('0x')}
    assert sorted(labels) == list(range(0, size, 256)), (path, sorted(labels))
    cells = 0
    for off, y in labels.items():
        row = sorted((r for r in grid if int(r.get('y')) == y), key=lambda r: int(r.get('x')))
        assert all(int(r.get('height')) == CH for r in row)
        x, prev = X0, None
        for r in row:
            rx, w = int(r.get('x')), int(r.get('width'))
            assert rx == x and w > 0 and w % CW == 0, (path, hex(off), rx, x, w)
            c0, n = (rx - X0) // CW, w // CW
            syms = set(rows[off][c0:c0 + n])
            assert len(syms) == 1, (path, hex(off + 4 * c0), syms)
            sym = syms.pop()
            assert sym != prev, (path, hex(off + 4 * c0), 'two rectangles for one run', sym)
            assert r.get('fill') == colour[sym], (path, hex(off + 4 * c0), sym, r.get('fill'), colour[sym])
            prev, x = sym, rx + w
            cells += n
        assert x == X0 + 64 * CW, (path, hex(off), 'row ends at', x)
        for t in texts:
            if int(t.get('y')) - 15 != y or t.get('x') == '8':
                continue
            c = (int(t.get('x')) - 2 - X0) // CW
            assert (int(t.get('x')) - 2 - X0) % CW == 0, (path, t.text)
            sym = rows[off][c]
            assert sym not in GAPS, (path, hex(off + 4 * c), 'a label on gap bytes', t.text)
            assert len(t.text) > 1 or t.text == sym, (path, hex(off + 4 * c), t.text, sym)
    assert cells == size // 4, (path, cells)
    return len(grid), len(legend)


def main():
    vpci, files = sys.argv[1], sys.argv[2:]
    assert files
    for path in files:
        nrect, nblk = check(vpci, path)
        print('ok   %s: %d grid rectangles, %d blocks' % (path, nrect, nblk))


if __name__ == '__main__':
    main()
