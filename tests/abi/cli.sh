#!/bin/sh
# cli.sh VPCI TEST-ABI SRCDIR - vpci abi, diff and compat from the command
# line: exit codes (diff(1)-like), both files' positions on every line,
# --json shapes agreeing with the text, --ignore, and every change of the
# matrix (test-abi --write) judged as the library judges it.
set -u
vpci=$1
testabi=$2
src=$3
. "$src/tests/cli/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
ex=$src/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$testabi" --write "$tmp" > "$tmp/verdicts" || exit 1

# --- vpci abi ----------------------------------------------------------------
"$vpci" abi "$ex/nvme.yaml" "$ex/nic-vf.yaml" > "$tmp/abi.txt"
t "abi: one 'HASH  FILE' line per file" sh -c "grep -Ec '^0x[0-9a-f]{16}  .*(nvme|nic-vf).yaml$' '$tmp/abi.txt' | grep -qx 2"
"$vpci" abi "$tmp/base.yaml" "$tmp/name.yaml" "$tmp/rw-reset-value.yaml" "$tmp/ro-value.yaml" | cut -d' ' -f1 > "$tmp/h"
t "abi: names and reset values of writable bits do not change the hash" sh -c "[ \$(sed -n 1p '$tmp/h') = \$(sed -n 2p '$tmp/h') ] && [ \$(sed -n 1p '$tmp/h') = \$(sed -n 3p '$tmp/h') ]"
t "abi: a read-only value does" sh -c "[ \$(sed -n 1p '$tmp/h') != \$(sed -n 4p '$tmp/h') ]"
"$vpci" abi "$tmp/none.yaml" > /dev/null 2>&1
t "abi: unreadable file: 66" test $? = 66
"$vpci" abi --json "$ex/nvme.yaml" "$ex/gpu-pasid.yaml" > "$tmp/abi.json"
t "abi --json: parts, hashes, regions, the same hash as the text" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
text = {l.split()[1].split('/')[-1]: l.split()[0] for l in open(sys.argv[2])}
assert [r['name'] for r in j] == ['qemu-nvme', 'gpu-svm'], j
r = j[0]
assert r['abi_version'] == 2 and r['hash'] == text['nvme.yaml'], r['hash']
assert list(r['parts']) == ['function', 'capabilities', 'bars', 'values', 'rw', 'rw1c', 'sticky', 'device']
assert r['parts']['function'] == {'hash': r['parts']['function']['hash'], 'config_size': 4096, 'kind': 'endpoint', 'multifunction': False}
assert [c['type'] for c in r['parts']['capabilities']['list']] == ['msix', 'pcie', 'pm', 'aer']
assert r['parts']['bars']['list'] == [{'index': 0, 'type': 'mem64', 'prefetchable': False, 'size': 16384}]
assert r['parts']['device']['bits'] == 0 and r['parts']['device']['ranges'] == []
assert r['parts']['rw']['bits'] > 0 and {'offset': 4, 'length': 2} in r['parts']['rw']['ranges']
assert [x['region'] for x in r['regions']] == ['header', 'msix', 'pcie', 'pm', 'aer']
assert all(len(x['hash']) == 18 for x in r['regions'])
" "$tmp/abi.json" "$tmp/abi.txt"

# --- vpci diff ---------------------------------------------------------------
"$vpci" diff "$ex/nvme.yaml" "$ex/nvme.yaml" > "$tmp/d0"
t "diff: the same file: exit 0, no output" sh -c "[ $? = 0 ] && [ ! -s '$tmp/d0' ]"
"$vpci" diff "$tmp/base.yaml" "$tmp/cap-moved.yaml" > "$tmp/d1"
t "diff: different: exit 1" test $? = 1
t "diff: a moved capability, at its line in both files" grep -qx "$tmp/base.yaml:38:7: $tmp/cap-moved.yaml:38:7: abi: capability moved: pm (Power Management, ID 0x01) 0x60 -> 0x74" "$tmp/d1"
t "diff: its registers are not reported again" sh -c "! grep -q ' pm\\.' '$tmp/d1'"
"$vpci" diff "$tmp/base.yaml" "$tmp/rw-reset-value.yaml" > "$tmp/d2"
t "diff: a reset value is a note" grep -q "^$tmp/base.yaml:10:14: $tmp/rw-reset-value.yaml:10:14: note: header.command: reset value .* (bit 1 Mem, bit 2 BusMaster)" "$tmp/d2"
"$vpci" diff --abi "$tmp/base.yaml" "$tmp/rw-reset-value.yaml" > "$tmp/d3"
t "diff --abi: no ABI difference: exit 0" sh -c "[ $? = 0 ] && [ ! -s '$tmp/d3' ]"
"$vpci" diff "$tmp/base.yaml" "$tmp/none.yaml" > /dev/null 2>&1
t "diff: unreadable: 66" test $? = 66
printf 'vpci: 1\nname: x\n' > "$tmp/bad.yaml"
"$vpci" diff "$tmp/base.yaml" "$tmp/bad.yaml" > /dev/null 2>&1
t "diff: invalid: 65" test $? = 65
"$vpci" diff --json "$ex/nvme.yaml" "$ex/nic-vf.yaml" > "$tmp/d.json"
"$vpci" diff "$ex/nvme.yaml" "$ex/nic-vf.yaml" > "$tmp/d.txt"
t "diff --json: entries as the text, structure first" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert j['same'] is False and j['same_abi'] is False
assert j['a']['name'] == 'qemu-nvme' and j['b']['name'] == 'i350-vf'
d = j['differences']
assert len(d) == len(lines)
for e, l in zip(d, lines):
    assert l.endswith(e['message']) and (' abi: ' in l) == e['abi'], (l, e)
kinds = [e['kind'] for e in d]
order = ['function', 'capability-added', 'capability-removed', 'capability-moved', 'capability-version', 'capability-order', 'bar']
structure = [k for k in kinds if k in order]
assert kinds[:len(structure)] == structure, kinds
m = [e for e in d if e['kind'] == 'capability-moved'][0]
assert m['a_at']['line'] and m['b_at']['line'] and m['a'] == 0x40 and m['b'] == 0x70, m
assert kinds[-1] == 'meta'
" "$tmp/d.json" "$tmp/d.txt"

# --- vpci compat -------------------------------------------------------------
"$vpci" compat "$tmp/base.yaml" "$tmp/name.yaml" > "$tmp/c0"
t "compat: names differ: exit 0 and the verdict" sh -c "[ $? = 0 ] && grep -q 'compatible: a running guest may migrate' '$tmp/c0'"
"$vpci" compat "$tmp/base.yaml" "$tmp/msix-vectors.yaml" > "$tmp/c1"
t "compat: a vector count: exit 1" test $? = 1
t "compat: the blocker at both files' lines" grep -qx "$tmp/base.yaml:31:26: $tmp/msix-vectors.yaml:31:26: error: msix.message-control: read-only bits 0x0007 -> 0x000f (bits 10:0 TableSize-1)" "$tmp/c1"
t "compat: the verdict counts blockers" grep -q "not compatible: 1 blocker$" "$tmp/c1"
"$vpci" compat --ignore vendor "$tmp/base.yaml" "$tmp/vendor-body.yaml" > "$tmp/c2"
t "compat --ignore vendor: waived, exit 0" sh -c "[ $? = 0 ] && grep -q 'note: waived: vendor byte 0x6f' '$tmp/c2'"
"$vpci" compat --ignore pm "$tmp/base.yaml" "$tmp/cap-moved.yaml" > /dev/null
t "compat --ignore: structure is never waived" test $? = 1
expect "compat --ignore: an unknown region is a usage error" 64 "vpci compat: --ignore: opt-out 'vendr': 'vendr' is neither 'header', 'raw' nor a capability type
Try 'vpci compat --help'." "$vpci" compat --ignore vendr "$tmp/base.yaml" "$tmp/base.yaml"
"$vpci" compat --json --ignore vendor "$tmp/base.yaml" "$tmp/vendor-body.yaml" > "$tmp/c.json"
t "compat --json: compatible, one waived difference" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['compatible'] is True and j['blockers'] == 0, j
assert [(e['kind'], e['waived'], e['region']) for e in j['differences']] == [('value', True, 'vendor')]
assert j['src']['abi_hash'] != j['dst']['abi_hash']
" "$tmp/c.json"

# --- extends: the types path of the tool ---------------------------------
mkdir -p "$tmp/types" "$tmp/work" "$tmp/data/instances"
cp "$src/instances/virtio-net@1.yaml" "$tmp/types/"
printf 'vpci: 1\nname: blk\nextends: virtio-net@1\nfunction:\n  header: {device-id: 0x1042}\n' > "$tmp/work/blk.yaml"
expect "extends: a type on no path: the error at its line" 65 "$tmp/work/blk.yaml:3:10: error: extends virtio-net@1: no virtio-net@1.yaml beside this file or on the types path" env VPCI_TYPES_PATH= VPCI_DATADIR="$tmp/none" "$vpci" check "$tmp/work/blk.yaml"
t "extends: --types DIR" env VPCI_TYPES_PATH= VPCI_DATADIR="$tmp/none" "$vpci" check --types "$tmp/types" "$tmp/work/blk.yaml"
t "extends: --types DIR:DIR" env VPCI_TYPES_PATH= VPCI_DATADIR="$tmp/none" "$vpci" check --types "$tmp/none:$tmp/types" "$tmp/work/blk.yaml"
t "extends: \$VPCI_TYPES_PATH" env VPCI_TYPES_PATH="$tmp/none:$tmp/types" VPCI_DATADIR="$tmp/none" "$vpci" check "$tmp/work/blk.yaml"
cp "$src/instances/virtio-net@1.yaml" "$tmp/data/instances/"
t "extends: the data directory's instances/" env VPCI_TYPES_PATH= VPCI_DATADIR="$tmp/data" "$vpci" show "$tmp/work/blk.yaml"
VPCI_DATADIR="$tmp/data" "$vpci" render --format yaml --no-names "$tmp/work/blk.yaml" > "$tmp/blk-min.yaml"
t "render --format yaml: only the differences" sh -c "grep -q '^extends: \"virtio-net@1\"' '$tmp/blk-min.yaml' && grep -q 'device-id: 0x1042' '$tmp/blk-min.yaml' && ! grep -q vendor-id '$tmp/blk-min.yaml'"
VPCI_DATADIR="$tmp/data" "$vpci" render --format yaml --flatten "$tmp/work/blk.yaml" > "$tmp/blk-flat.yaml"
t "render --flatten: whole, without extends" sh -c "! grep -q '^extends' '$tmp/blk-flat.yaml' && grep -q vendor-id '$tmp/blk-flat.yaml'"
t "the flattened file is the same function" env VPCI_DATADIR="$tmp/data" "$vpci" diff "$tmp/work/blk.yaml" "$tmp/blk-flat.yaml"
t "the type and the instance differ in the device ID only (ABI)" sh -c "VPCI_DATADIR='$tmp/data' '$vpci' diff --abi '$tmp/types/virtio-net@1.yaml' '$tmp/work/blk.yaml' | grep -c ' abi: ' | grep -qx 1"
expect "render --flatten goes with --format" 64 - "$vpci" render --flatten "$tmp/work/blk.yaml"

# --- a quirk's reference type -------------------------------------------
mkdir -p "$tmp/quirks" "$tmp/derived"
tar -C "$tmp" -xJf "$src/tests/data/sysfs/qemu-sriov.tar.xz"
cat > "$tmp/quirks/local.yaml" <<'EOQ'
vpci-quirks: 1
quirks:
  - id: local-nvme-vf-type
    why: "our NVMe VFs are instance type nvme-vf@1"
    policy: guest
    match: {vendor: 0x1b36, device: 0x0010, vf: true}
    actions:
      - reference: {type: nvme-vf@1}
EOQ
"$vpci" derive --sysfs-root "$tmp/sys" --quirk-dir "$tmp/quirks" --types "$src/instances" --no-names \
	-o "$tmp/derived/vf.yaml" 0000:01:00.2 2>/dev/null
t "derive: a reference type gives an instance that extends it, with no difference" sh -c "grep -q '^extends: \"nvme-vf@1\"' '$tmp/derived/vf.yaml' && grep -qx 'function: {}' '$tmp/derived/vf.yaml' && grep -q '^  note: \".*reference type nvme-vf@1 (quirk local-nvme-vf-type)\"' '$tmp/derived/vf.yaml'"
t "derive: it is compatible with the type" "$vpci" compat --types "$src/instances" "$tmp/derived/vf.yaml" "$src/instances/nvme-vf@1.yaml"
VPCI_TYPES_PATH= VPCI_DATADIR="$tmp/none" "$vpci" derive --sysfs-root "$tmp/sys" --quirk-dir "$tmp/quirks" 0000:01:00.1 > /dev/null 2> "$tmp/qerr"
t "derive: a reference type on no path is an error" sh -c "[ $? = 65 ] && grep -q 'its reference type nvme-vf@1 is on no directory of the types path' '$tmp/qerr'"
printf 'vpci-quirks: 1\nquirks:\n  - id: q\n    why: "our NVMe functions are one reviewed instance type"\n    match: {vendor: 0x1b36}\n    actions:\n      - reference: {type: nvme-vf}\n' > "$tmp/quirks/local.yaml"
expect "quirks: a reference type needs NAME@VERSION" 65 "$tmp/quirks/local.yaml:7:27: error: reference type 'nvme-vf': expected NAME@VERSION, an instance type and its version" "$vpci" quirks --quirk-dir "$tmp/quirks" list

# every change of the matrix, both ways, as the library decides it, and as
# an actual save (vpci emulate on one file) and load (on the other) does
printf 'w 0x10 4 0xfe000000\nw 0x04 2 0x0006\nsave %s\n' "$tmp/state" > "$tmp/save.script"
printf 'load %s\nr 0x04 2\n' "$tmp/state" > "$tmp/load.script"
migrate() { # SRC DST: 0 when the state of SRC loads on DST
	"$vpci" emulate "$1" --script "$tmp/save.script" > /dev/null 2>&1 || return 2
	"$vpci" emulate "$2" --script "$tmp/load.script" > "$tmp/load.out" 2>&1 || return 1
	grep -q '^r 0x4 2 = 0x0006' "$tmp/load.out" || return 3
}
while read -r change verdict; do
	[ "$change" = base ] && continue
	"$vpci" compat "$tmp/base.yaml" "$tmp/$change.yaml" > /dev/null; a=$?
	"$vpci" compat "$tmp/$change.yaml" "$tmp/base.yaml" > /dev/null; b=$?
	migrate "$tmp/base.yaml" "$tmp/$change.yaml"; la=$?
	migrate "$tmp/$change.yaml" "$tmp/base.yaml"; lb=$?
	want=1
	[ "$verdict" = compatible ] && want=0
	t "compat matrix: $change: $verdict both ways" sh -c "[ $a = $want ] && [ $b = $want ]"
	t "compat matrix: $change: emulate save/load agrees both ways" sh -c "[ $la = $a ] && [ $lb = $b ]"
done < "$tmp/verdicts"
# a refused load names the blocker, as compat does
migrate "$tmp/base.yaml" "$tmp/msix-vectors.yaml"
t "emulate load: the blocker named" grep -q "saved state refused: msix.message-control: read-only bits 0x0007 -> 0x000f" "$tmp/load.out"
summary
