#!/bin/sh
# run-cli.sh VPCI SRCDIR - vpci can-back and vpci common from the command line:
# exit codes, every blocker listed at its line, --json, --map, --all over a
# captured sysfs tree (an NVMe PF with VFs), and common's comments.
set -u
vpci=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; sed 's/^/     | /' "$tmp/out" | head -20; }
# expect STATUS NAME CMD...
expect() {
	want=$1 name=$2
	shift 2
	"$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then ok; else bad "$name: exit $rc, want $want"; fi
}

cat > "$tmp/guest.yaml" <<'Y'
vpci: 1
name: moved-aer
function:
  kind: endpoint
  config-size: 4096
  header:
    vendor-id: 0x8086
    device-id: 0x10d3
    command: {value: 0x0000, device: 0x0547}
    class-code: 0x020000
    interrupt-pin: 0x01
  bars:
    - {index: 0, type: mem32, size: 128KiB}
  capabilities:
    - type: pcie
      offset: 0x40
      fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}
  extended-capabilities:
    - type: aer
      offset: 0x100
      version: 2
      fields:
        uncorrectable-status: {value: 0x00000000, backing: device}
        uncorrectable-mask: {value: 0x00000000, backing: device}
Y
cat > "$tmp/phys.yaml" <<'Y'
vpci: 1
name: phys
function:
  kind: endpoint
  config-size: 4096
  header: {vendor-id: 0x8086, device-id: 0x10d3, class-code: 0x020000, interrupt-pin: 0x01}
  bars:
    - {index: 0, type: mem32, size: 128KiB}
  capabilities:
    - {type: pcie, offset: 0x40, fields: {pcie-capabilities: 0x0002, device-capabilities: 0x10008000}}
  extended-capabilities:
    - {type: vsec, offset: 0x100, version: 1, fields: {vsec-header: 0x01000001}}
    - {type: aer, offset: 0x200, version: 2}
Y
# a function that cannot: smaller BAR, no pin, no FLR, no AER
sed -e 's/128KiB/64KiB/' -e 's/interrupt-pin: 0x01/interrupt-pin: 0x00/' -e 's/0x10008000/0x00008000/' \
    -e '/type: aer/d' "$tmp/phys.yaml" > "$tmp/bad.yaml"

expect 0 "can-back: moved AER" "$vpci" can-back "$tmp/guest.yaml" "$tmp/phys.yaml"
grep -q "phys.yaml: can back moved-aer" "$tmp/out" && ok || bad "verdict line"
expect 0 "can-back --map" "$vpci" can-back --map "$tmp/guest.yaml" "$tmp/phys.yaml"
grep -q "0x104..0x107 -> 0x204..0x207  Advanced Error Reporting uncorrectable-status  (moved)" "$tmp/out" && ok || bad "--map shows the move"
expect 65 "can-back: a function that cannot" "$vpci" can-back "$tmp/guest.yaml" "$tmp/bad.yaml"
for want in "guest.yaml:13:.*\[bar-size\]" "guest.yaml:11:.*\[interrupt-pin\]" "guest.yaml:17:.*\[flr\]" \
	    "guest.yaml:19:.*\[cap-device\] Advanced Error Reporting" "(4 blockers)"; do
	grep -q -- "$want" "$tmp/out" && ok || bad "blocker listed: $want"
done
# every source must back it: one that cannot makes the whole check fail
expect 65 "can-back: two sources, one cannot" "$vpci" can-back "$tmp/guest.yaml" "$tmp/phys.yaml" "$tmp/bad.yaml"
expect 0 "can-back --json" "$vpci" can-back --json "$tmp/guest.yaml" "$tmp/phys.yaml"
python3 - "$tmp/out" <<'P' && ok || bad "--json is JSON with the relocation"
import json, sys
j = json.load(open(sys.argv[1]))
b = j["sources"][0]["binding"]
assert j["ok"] and b["can_back"]
assert {"guest": 260, "physical": 516, "length": 4, "what": "Advanced Error Reporting uncorrectable-status"} in b["relocations"]
P
expect 65 "can-back --json, refused" "$vpci" can-back --json "$tmp/guest.yaml" "$tmp/bad.yaml"
python3 - "$tmp/out" <<'P' && ok || bad "--json lists every blocker"
import json, sys
j = json.load(open(sys.argv[1]))
r = j["sources"][0]["binding"]["reasons"]
assert not j["ok"]
assert sorted(x["rule"] for x in r if x["severity"] == "error") == ["bar-size", "cap-device", "flr", "interrupt-pin"], r
assert all(x["file"].endswith("guest.yaml") and x["line"] > 0 for x in r)
P
expect 64 "can-back: no source" "$vpci" can-back "$tmp/guest.yaml"
expect 64 "can-back: --vfio without --device" "$vpci" can-back "$tmp/guest.yaml" --vfio /dev/vfio/1
expect 66 "can-back: missing file" "$vpci" can-back "$tmp/guest.yaml" "$tmp/missing.yaml"
expect 66 "can-back: missing host function" "$vpci" can-back "$tmp/guest.yaml" 0000:7f:1f.7 --sysfs-root "$tmp"

# --all over a captured tree: an NVMe PF (01:00.0) with two VFs
if tar -C "$tmp" -xJf "$src/tests/data/sysfs/qemu-sriov.tar.xz" 2>/dev/null; then
	root=$tmp/sys
	"$vpci" derive -q --sysfs-root "$root" 0000:01:00.1 -o "$tmp/vf.yaml"
	"$vpci" derive -q --sysfs-root "$root" 0000:01:00.0 -o "$tmp/pf.yaml"
	expect 0 "can-back --all: a VF view" "$vpci" can-back "$tmp/vf.yaml" --all --sysfs-root "$root"
	grep -q "^0000:01:00.1: can back" "$tmp/out" && grep -q "^0000:01:00.2: can back" "$tmp/out" &&
		grep -q "^2 of 13 functions can back" "$tmp/out" && ok || bad "--all lists the two VFs"
	expect 65 "can-back: a VF view on its PF" "$vpci" can-back "$tmp/vf.yaml" 0000:01:00.0 --sysfs-root "$root"
	grep -q "\[function-type\] the instance is a VF view" "$tmp/out" && ok || bad "VF vs PF named"
	expect 0 "can-back: a PF view on the PF" "$vpci" can-back "$tmp/pf.yaml" 0000:01:00.0 --sysfs-root "$root"
	expect 0 "can-back --all --json" "$vpci" can-back --json "$tmp/pf.yaml" --all --sysfs-root "$root"
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['checked'] == 13 and j['can_back'] == 1" "$tmp/out" && ok || bad "--all --json"
else
	echo "(no xz: --all over the captured tree skipped)"
fi

# common: the first file's layout, met with the others; comments say why
expect 0 "common" "$vpci" common -q "$tmp/guest.yaml" "$tmp/bad.yaml" -o "$tmp/common.yaml" --name fleet
grep -q "^# dropped the capability (.*bad.yaml): \[cap-device\] Advanced Error Reporting" "$tmp/common.yaml" && ok || bad "common says what it dropped"
grep -q "^name: \"fleet\"" "$tmp/common.yaml" && ok || bad "common --name"
expect 0 "common passes vpci check" "$vpci" check "$tmp/common.yaml"
expect 0 "can-back accepts common on every input" "$vpci" can-back "$tmp/common.yaml" "$tmp/guest.yaml" "$tmp/bad.yaml"
expect 0 "common --ids" "$vpci" common -q --ids "$tmp/phys.yaml" "$tmp/guest.yaml" "$tmp/phys.yaml"
"$vpci" common -q "$tmp/guest.yaml" "$tmp/bad.yaml" --name fleet > "$tmp/again.yaml" 2>/dev/null
cmp -s "$tmp/common.yaml" "$tmp/again.yaml" && ok || bad "common is deterministic"
printf 'vpci: 1\nname: b\nfunction:\n  kind: bridge\n  config-size: 4096\n' > "$tmp/bridge.yaml"
expect 65 "common: no instance for an endpoint and a bridge" "$vpci" common "$tmp/guest.yaml" "$tmp/bridge.yaml"
grep -q "\[header-kind\]" "$tmp/out" && ok || bad "the reason is named"
expect 64 "common: no file" "$vpci" common

echo "$pass passed, $fail failed"
[ $fail = 0 ]
