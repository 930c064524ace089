#!/bin/sh
# json.sh VPCI SRCDIR - every --json output parses, has the shape vpci(1)
# documents and says the same as the text output.
set -u
vpci=$1
src=$2
. "$src/tests/cli/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
ex=$src/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# py NAME SCRIPT FILE: run a python check on the JSON in FILE (as j)
py() {
	name=$1 code=$2 file=$3
	t "$name" python3 -c "import json, sys
j = json.load(open(sys.argv[1]))
$code" "$file"
}

# check --json: per file, ok or errors with positions; exit codes as text
printf 'vpci: 1\nname: x\nfunction: {header: {vendr-id: 1}}\n' > "$tmp/bad.yaml"
"$vpci" check --json "$ex/nvme.yaml" "$tmp/bad.yaml" "$tmp/none.yaml" > "$tmp/check.json" 2> "$tmp/check.err"
t "check --json: exit 66 (unreadable wins)" test $? = 66
t "check --json: nothing on standard error" test ! -s "$tmp/check.err"
py "check --json: three results, ok and errors with positions" '
assert [r["ok"] for r in j] == [True, False, False]
assert j[0]["name"] == "qemu-nvme" and j[0]["capabilities"] == 4 and j[0]["diagnostics"] == []
d = j[1]["diagnostics"][0]
assert d["severity"] == "error" and (d["line"], d["column"]) == (3, 21) and "vendor-id" in d["message"], d
assert j[2]["diagnostics"][0]["line"] is None and "cannot open" in j[2]["diagnostics"][0]["message"]
' "$tmp/check.json"
"$vpci" check -q --json "$ex/nvme.yaml" > "$tmp/q.json"
py "check -q --json leaves valid files out" 'assert j == []' "$tmp/q.json"

# show --json --access: planes and backing of every field and BAR, free ranges
"$vpci" show --json --access "$ex/gpu-pasid.yaml" > "$tmp/show.json"
py "show --json --access: planes, backing, free ranges" '
keys = {"rw", "rw1c", "rsvdp", "rsvdz", "hwinit", "sticky", "device"}
fields = j["header"] + [f for c in j["capabilities"] for f in c["fields"]]
assert fields and all(set(f["planes"]) == keys and f["backing"] in ("virtual", "device", "mixed") for f in fields)
cmd = [f for f in j["header"] if f["name"] == "command"][0]
assert cmd["planes"]["rw"] == 0x0547 and cmd["planes"]["rsvdp"] == 0xf800, cmd
assert all("planes" in b for b in j["bars"]) and "planes" in j["expansion_rom"]
assert j["free_ranges"] == [{"offset": 0x400, "length": 0x100}]
' "$tmp/show.json"
"$vpci" show --json "$ex/nic-vf.yaml" > "$tmp/vf.json"
py "show --json: backing device where the file says so, no planes without --access" '
assert "planes" not in j["header"][0]
' "$tmp/vf.json"
"$vpci" show --json --access "$ex/nic-vf.yaml" > "$tmp/vfa.json"
py "show --json --access: a device-backed field of the VF" '
fs = [f for c in j["capabilities"] for f in c["fields"]] + j["header"]
assert any(f["backing"] == "device" for f in fs) and any(f["backing"] == "virtual" for f in fs)
' "$tmp/vfa.json"
# the text view agrees field by field
"$vpci" show --access "$ex/gpu-pasid.yaml" > "$tmp/show.txt"
t "show --access (text): device-backed fields counted the same" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
fs = j['header'] + [f for c in j['capabilities'] for f in c['fields']]
text = open(sys.argv[2]).read()
assert sum(f['backing'] == 'device' for f in fs) == text.count('device-backed')
" "$tmp/show.json" "$tmp/show.txt"

# quirks --json
"$vpci" quirks list --json > "$tmp/ql.json"
"$vpci" quirks list > "$tmp/ql.txt"
py "quirks list --json: every entry of the text list" '
keys = {"id", "file", "line", "policy", "match", "actions", "why"}
assert j and all(set(q) == keys for q in j)
assert [q["id"] for q in j] == [l.split()[0] for l in open(sys.argv[1][:-4] + "txt")]
' "$tmp/ql.json"
id=$(head -n 1 "$tmp/ql.txt" | cut -d' ' -f1)
"$vpci" quirks show --json "$id" > "$tmp/qs.json"
py "quirks show --json: one entry" "assert j['id'] == '$id' and j['why']" "$tmp/qs.json"

# derive --all --json: the index
root=$tmp/sys
mkdir -p "$root"
tar -C "$root" -xJf "$src/tests/data/sysfs/qemu-sriov.tar.xz"
"$vpci" derive --all --json --sysfs-root "$root/sys" --out "$tmp/out" > "$tmp/idx.json" 2> "$tmp/idx.err"
t "derive --all --json: exit 0" test $? = 0
t "derive --all --json: nothing on standard error" test ! -s "$tmp/idx.err"
py "derive --all --json: one entry per function, files written, quirk notes" '
import os
slots = sorted(os.listdir(sys.argv[1].rsplit("/", 1)[0] + "/sys/sys/bus/pci/devices"))
assert [e["slot"] for e in j] == slots, [e["slot"] for e in j]
assert all(e["status"] == "ok" and os.path.exists(e["file"]) for e in j)
assert all(isinstance(e["vendor_id"], int) and isinstance(e["capabilities"], int) for e in j)
notes = [d for e in j for d in e["diagnostics"] if d["severity"] == "note"]
assert any("qemu-nvme-vf-intx-pin" in d["message"] for d in notes), notes
' "$tmp/idx.json"
t "derive --all --json agrees with index.tsv" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[2])][1:]
assert [(e['slot'], '%04x' % e['vendor_id'], '%04x' % e['device_id'], str(e['capabilities'])) for e in j] == \
       [(r[0], r[2], r[3], r[5]) for r in rows]
" "$tmp/idx.json" "$tmp/out/index.tsv"
"$vpci" derive --all --json -q --sysfs-root "$root/sys" > "$tmp/idxq.json"
py "derive --all --json -q: no notes, no files" '
assert all(e["file"] is None for e in j)
assert not [d for e in j for d in e["diagnostics"] if d["severity"] == "note"]
' "$tmp/idxq.json"
expect "derive --json without --all" 64 "vpci derive: option '--json' goes with '--all'
Try 'vpci derive --help'." "$vpci" derive --json 00:00.0

# emulate --json: the same lines as the text output, as objects
for f in "$ex"/*.yaml; do
	b=$(basename "$f")
	"$vpci" emulate --probe "$f" > "$tmp/p.txt"
	"$vpci" emulate --probe --json "$f" > "$tmp/p.jsonl"
	t "emulate --probe --json $b: one object per text line, same values" python3 -c "
import json, sys
js = [json.loads(l) for l in open(sys.argv[1])]
txt = [l.split() for l in open(sys.argv[2])]
assert len(js) == len(txt)
for o, w in zip(js, txt):
    if o['op'] in ('read', 'write'):
        assert w[0] == o['op'][0] and int(w[1], 16) == o['offset'] and int(w[-1], 16) == o['value'], (o, w)
    elif o['op'] == 'event':
        kv = dict(x.split('=') for x in w[2:])
        assert w[1] == o['kind'] and sorted(k.replace('-', '_') for k in kv) == sorted(k for k in o if k not in ('op', 'kind'))
    else:
        assert o['op'] == 'note'
" "$tmp/p.jsonl" "$tmp/p.txt"
done
printf 'table w 0 4 0x1234\ntable r 0 4\npending 3 1\npba 0 8\nreset flr\nsave %s\nload %s\n! echo shell\n' \
	"$tmp/st.bin" "$tmp/st.bin" > "$tmp/s.txt"
"$vpci" emulate --json "$ex/nvme.yaml" --script "$tmp/s.txt" > "$tmp/s.jsonl" 2> "$tmp/s.err"
t "emulate --json: console commands as objects, shell output on stderr" python3 -c "
import json, sys
js = [json.loads(l) for l in open(sys.argv[1])]
ops = [o['op'] for o in js if o['op'] != 'event']
assert ops == ['table-write', 'table-read', 'pending', 'pba-read', 'reset', 'save', 'load'], ops
assert js[1]['value'] == 0x1234 and js[2] == {'op': 'pending', 'vector': 3, 'pending': True}
assert js[3]['value'] == 8 and js[4]['kind'] == 'flr'
assert open(sys.argv[2]).read() == 'shell\n'
" "$tmp/s.jsonl" "$tmp/s.err"
summary
