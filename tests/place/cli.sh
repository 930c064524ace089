#!/bin/sh
# cli.sh VPCI SRCDIR - vpci place, vpci map and vpci check --host from the
# command line: where each capability goes and why, the file rewritten in
# place or to -o, --keep-auto, --dry-run, --json, exit codes and messages,
# the PASID values a crafted host backs, the map as text and SVG (the SVG
# checked cell by cell against the text by map-svg.py).
set -u
vpci=$1
src=$2
. "$src/tests/cli/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ex=$src/examples

# a function that declares two free ranges
cat > "$tmp/f.yaml" <<'EOF'
vpci: 1
name: f
function:
  capabilities:
    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002}}
  extended-capabilities:
    - {type: aer, offset: 0x100, version: 2}
  free-ranges:
    - {offset: 0x180, length: 0x10}
    - {offset: 0x200, length: 0x8}
EOF
cp "$tmp/f.yaml" "$tmp/orig.yaml"

out=$("$vpci" place "$tmp/f.yaml" --add ats --add pri 2>/dev/null)
t "place prints where each goes, then stops at the first that does not fit" \
	test "$out" = "ats: at 0x180 in free range 0x180+0x10, the lowest with room (rule 1 step 2)"
# pri (16 bytes) fits neither 0x188..0x18f nor 0x200..0x207: refused, file untouched
t "a refused place leaves the file as it was" cmp "$tmp/f.yaml" "$tmp/orig.yaml"
expect "no room: exit 65 and why" 65 \
	"error: no room for virtual Page Request Interface (PRI) (16 bytes) in 0x100..0xfff: the longest run of free bytes in its free ranges is 8 at 0x188; gaps the function proves free would take it at 0x12c (placement: auto-gaps)" \
	"$vpci" place "$tmp/f.yaml" --add ats --add pri -n
t "place rewrites FILE" "$vpci" place "$tmp/f.yaml" --add ats --add 'pasid:width=20,exec'
t "... pinning the offsets" sh -c "grep -q 'offset: 0x180' '$tmp/f.yaml' && grep -q 'offset: 0x188' '$tmp/f.yaml' && ! grep -q placement '$tmp/f.yaml'"
t "... and it checks" "$vpci" check -q "$tmp/f.yaml"
out=$("$vpci" place "$tmp/f.yaml" -n)
t "an existing virtual capability is reported" test "$out" = "ats (from the file): pinned at 0x180
pasid (from the file): pinned at 0x188"

cp "$tmp/orig.yaml" "$tmp/g.yaml"
t "--keep-auto writes placement: auto" sh -c "'$vpci' place '$tmp/g.yaml' --keep-auto --add pasid >/dev/null && grep -q 'placement: auto' '$tmp/g.yaml'"
out=$("$vpci" place "$tmp/g.yaml" -n)
t "... and the rule explains it again" test "$out" = "pasid (from the file): at 0x180 in free range 0x180+0x10, the lowest with room (rule 1 step 2)"
t "-o OUT writes OUT" sh -c "'$vpci' place '$tmp/orig.yaml' --add pasid -o '$tmp/o.yaml' >/dev/null && grep -q 'virtual-capabilities:' '$tmp/o.yaml'"
t "... and leaves FILE alone" sh -c "! grep -q virtual '$tmp/orig.yaml'"
t "-o - writes standard output" sh -c "'$vpci' place '$tmp/orig.yaml' --add pasid -o - 2>/dev/null | grep -q 'virtual-capabilities:'"
out=$("$vpci" place "$tmp/orig.yaml" --add 'pasid:gaps' --add ats:offset=0x300 --json -n)
t "--json" python3 -c "
import json, sys
p = json.loads(sys.argv[1])
assert [x['type'] for x in p] == ['pasid', 'ats'], p
assert p[0]['offset'] == 0x180 and p[0]['step'] == 'free-range' and p[0]['region'] == [0x180, 0x10], p
assert p[1]['offset'] == 0x300 and p[1]['step'] == 'pinned' and p[1]['added'] and not p[1]['anchor'], p
" "$out"
expect "a pinned conflict names both" 65 \
	"error: offset 0x128: virtual Process Address Space ID (PASID) (8 bytes) at 0x128 overlaps Advanced Error Reporting at 0x100 (length 44)" \
	"$vpci" place "$tmp/orig.yaml" --add pasid:offset=0x128 -n
expect "unknown type: usage" 64 - "$vpci" place "$tmp/orig.yaml" --add pasidd -n
expect "unknown parameter: usage" 64 - "$vpci" place "$tmp/orig.yaml" --add pasid:wdith=20 -n
expect "a value that is not a number" 64 \
	"vpci place: 'pasid:width=twenty': 'twenty' is not a number for width
Try 'vpci place --help'." "$vpci" place "$tmp/orig.yaml" --add pasid:width=twenty -n
expect "a value that does not fit" 65 "error: virtual pasid: width = 0x20 does not fit in 5 bits" \
	"$vpci" place "$tmp/orig.yaml" --add pasid:width=32 -n
expect "--json and the file on standard output" 64 - "$vpci" place "$tmp/orig.yaml" --add pasid --json -o -
out=$("$vpci" place "$tmp/orig.yaml" --add ats --add pri --add pasid --json -n 2>/dev/null)
t "--json: the placements before a failure, as a whole array" python3 -c "
import json, sys
p = json.loads(sys.argv[1])
assert [x['type'] for x in p] == ['ats'], p
" "$out"
expect "a missing file" 66 - "$vpci" place "$tmp/none.yaml" --add pasid
many=$(i=0; while [ $i -lt 65 ]; do printf ' -a ats'; i=$((i + 1)); done)
# shellcheck disable=SC2086
expect "--add more often than the tool keeps values" 64 - "$vpci" place "$tmp/orig.yaml" -n $many

# templates into the ranges quirks keep for them
cat > "$tmp/gpu.yaml" <<'EOF'
vpci: 1
name: gpu
function:
  header: {vendor-id: 0x10de, device-id: 0x1eb8, class-code: 0x030200}
  capabilities:
    - {type: pm, offset: 0x60}
    - {type: pcie, offset: 0x78, fields: {pcie-capabilities: 0x0002}}
  free-ranges:
    - {offset: 0xd4, length: 0x8, for: nvidia-gpudirect-clique}
    - {offset: 0xc0, length: 0x10}
EOF
out=$("$vpci" place "$tmp/gpu.yaml" --add nvidia-gpudirect-clique:clique=2 --add vendor -o "$tmp/gpu2.yaml")
t "a template goes into the range kept for it, others do not" test "$out" = "vendor: at 0xd4 in free range 0xd4+0x8, kept for nvidia-gpudirect-clique (rule 1 step 1)
vendor: at 0xc0 in free range 0xc0+0x10, the lowest with room (rule 1 step 2)"
"$vpci" render "$tmp/gpu2.yaml" --format bin -o "$tmp/gpu2.bin"
t "the clique capability's bytes: ID, next (the vendor one at 0xc0), length 8, P2P, clique << 3" sh -c "od -An -tx1 -j 212 -N8 '$tmp/gpu2.bin' | tr -d ' \n' | grep -qx '09c0085032501000'"
t "the map shows it" sh -c "'$vpci' map '$tmp/gpu2.yaml' | grep -q '  2  0x0d4..0x0db      8  virtual Vendor Specific \"nvidia-gpudirect-clique\"'"

# the map
t "map: text" sh -c "'$vpci' map '$ex/vf-vpasid.yaml' | grep -q '^0x100  CCCCCCCCCCC..... ....11222233++++'"
t "docs/format.md shows what vpci map prints" sh -c "'$vpci' map '$ex/vf-vpasid.yaml' | while IFS= read -r l; do grep -qxF -- \"\$l\" '$src/docs/format.md' || exit 1; done"
t "docs/vf-vpasid-map.svg is what vpci map --svg draws" sh -c "'$vpci' map --svg '$ex/vf-vpasid.yaml' | cmp -s - '$src/docs/vf-vpasid-map.svg'"
# the SVG draws what the text shows, cell by cell: every example, the
# templates in their kept range, a file with every kind of block and a
# 256-byte bridge
cat > "$tmp/gaps.yaml" <<'EOF'
vpci: 1
name: gaps
function:
  header: {vendor-id: 0x1234, device-id: 0x5678, command: {value: 0, device: 0x0004}}
  capabilities:
    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002}}
  extended-capabilities:
    - {type: aer, offset: 0x100, version: 2, backing: device}
  raw:
    - {offset: 0xf0, bytes: "5a 00 00 00 00 00 00 00", rw: "00 00 00 00 ff ff 00 00"}
    - {offset: 0x200, bytes: "00 00 00 00", backing: device}
  free-ranges:
    - {offset: 0x180, length: 0x40}
    - {offset: 0xc0, length: 0x8, for: nvidia-gpudirect-clique}
  virtual-capabilities:
    - {type: pasid, placement: auto}
    - {type: ats, offset: 0x400}
EOF
t "map: every kind of cell" sh -c "'$vpci' map '$tmp/gaps.yaml' | grep -qxF '0x000  ################ aaaaaaaaaaaaa... ................ **..........::..' &&
	'$vpci' map '$tmp/gaps.yaml' | grep -qxF '0x100  BBBBBBBBBBB..... ................ 11++++++++++++++ ................' &&
	'$vpci' map '$tmp/gaps.yaml' | grep -qxF '0x200  !............... ................ ................ ................'"
cat > "$tmp/small.yaml" <<'EOF'
vpci: 1
name: small
function:
  kind: bridge
  config-size: 256
  header: {vendor-id: 0x10b5, device-id: 0x8747, class-code: 0x060400}
  capabilities:
    - {type: msi, offset: 0x48, fields: {message-control: 0x0080}}
    - {type: pm, offset: 0x68, fields: {pmc: 0x0003}}
  free-ranges:
    - {offset: 0x80, length: 0x20}
  virtual-capabilities:
    - {type: vendor, placement: auto, body: "00 01 02"}
EOF
t "map --svg draws the text map, cell by cell" python3 "$src/tests/place/map-svg.py" "$vpci" "$ex"/*.yaml \
	"$tmp/gpu.yaml" "$tmp/gpu2.yaml" "$tmp/f.yaml" "$tmp/gaps.yaml" "$tmp/small.yaml"
t "map -o" sh -c "'$vpci' map --svg -o '$tmp/m.svg' '$ex/vf-vpasid.yaml' && grep -q '</svg>' '$tmp/m.svg'"

# check --host against a crafted sysfs tree: the function's PASID
# capability says width 16, execute, no privileged mode
root=$tmp/sys
dev=$root/bus/pci/devices/0000:01:00.0
mkdir -p "$dev"
python3 -c "
import sys
c = bytearray(4096)
c[0:4] = bytes([0x86, 0x80, 0x20, 0x15]); c[6] = 0x10; c[0x34] = 0x40
c[0x40] = 0x10; c[0x42] = 0x02
c[0x100:0x104] = (0x0001001b).to_bytes(4, 'little'); c[0x104:0x106] = (0x1002).to_bytes(2, 'little')
open(sys.argv[1], 'wb').write(c)
" "$dev/config"
expect "check --host: wider than the host backs" 65 \
	"$ex/vf-vpasid.yaml:74:27: error: virtual PASID at 0x168 promises Max PASID Width 20; the host function backs 16 (its PASID capability)
$ex/vf-vpasid.yaml:74:27: warning: virtual PASID at 0x168: checked against the function's PASID capability only; 0000:01:00.0 has no VFIO device file: bind it to vfio-pci on Linux 6.6 or later (CONFIG_VFIO_DEVICE_CDEV)" \
	"$vpci" check -q --host 01:00.0 --sysfs-root "$root" "$ex/vf-vpasid.yaml"
out=$("$vpci" place "$tmp/orig.yaml" --add pasid --host 01:00.0 --sysfs-root "$root" -o "$tmp/h.yaml" 2>/dev/null)
t "place --host: the PASID takes the host's values" sh -c "grep -q 'pasid-capability: 0x1002' '$tmp/h.yaml'"
t "... and checks against that host" "$vpci" check -q --host 01:00.0 --sysfs-root "$root" "$tmp/h.yaml"
expect "check --host: a malformed address" 64 - "$vpci" check --host 1:2:3:4 "$tmp/h.yaml"
expect "check --sysfs-root needs --host" 64 - "$vpci" check --sysfs-root "$root" "$tmp/h.yaml"
summary
