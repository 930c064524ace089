#!/bin/sh
# check.sh VPCI SRCDIR [CORPUS] - the instance types of instances/: every file is
# valid, named NAME@VERSION.yaml after its `name` and `version`, documented
# in the README, written by the canonical writer back to the same function
# (relative to its type when it extends one), and its guest ABI hash is
# the one instances/ABI records (a type's ABI never changes: a change is a
# new version); and `vpci can-back` says yes for every function
# instances/BACKING names in the captured sysfs tree and the corpus (the
# VM's are checked by tests/vm/guest/types.sh).
set -u
vpci=$1
src=$2
corpus=${3:-}
. "$src/tests/cli/lib.sh"
dir=$src/instances
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
for f in "$dir"/*.yaml; do
	b=$(basename "$f")
	n=$((n + 1))
	t "$b: vpci check" "$vpci" check -q "$f"
	name=$(sed -n 's/^name: *//p' "$f")
	version=$(sed -n 's/^version: *//p' "$f")
	t "$b: named after its name and version ($name@$version)" test "$b" = "$name@$version.yaml"
	"$vpci" render --format yaml "$f" -o "$tmp/w-$b" 2>/dev/null
	t "$b: the canonical text is the same function" "$vpci" diff "$f" "$tmp/w-$b" --types "$dir"
	if grep -q '^extends:' "$f"; then
		t "$b: the canonical text extends the same type" grep -q "^extends: \"$(sed -n 's/^extends: *//p' "$f")\"" "$tmp/w-$b"
	fi
	t "$b: the README lists it" grep -q "\[\`${b%.yaml}\`\]($b)" "$dir/README.md"
	t "$b: an opening comment says what backs it" grep -q '^# Backs it:' "$f"
	want=$(awk -v b="$b" '$2 == b { print $1 }' "$dir/ABI")
	got=$("$vpci" abi "$f" | cut -d' ' -f1)
	t "$b: ABI hash recorded in instances/ABI" test -n "$want"
	if [ -n "$want" ] && [ "$want" != "$got" ]; then
		echo "     $b: guest ABI $got, instances/ABI says $want: a type's ABI never changes; make ${b%@*}@N+1"
	fi
	t "$b: guest ABI unchanged" test "$want" = "$got"
done
t "at least the seven required classes" test "$n" -ge 7
# what backs each type
mkdir -p "$tmp/sysfs"
tar -C "$tmp/sysfs" -xJf "$src/tests/data/sysfs/qemu-sriov.tar.xz"
for f in "$dir"/*.yaml; do
	b=$(basename "$f" .yaml)
	t "$b: instances/BACKING names what backs it" grep -q "^$b " "$dir/BACKING"
done
grep -v '^#' "$dir/BACKING" | while read -r type kind what rest; do
	[ -n "$type" ] || continue
	case $kind in
	sysfs-capture)
		t "$type: can-back $what (captured sysfs tree)" "$vpci" can-back --sysfs-root "$tmp/sysfs/sys" "$dir/$type.yaml" "$what" ;;
	corpus)
		if [ -n "$corpus" ] && [ -f "$corpus/$what" ]; then
			t "$type: can-back $what (corpus)" "$vpci" can-back "$dir/$type.yaml" --dump "$corpus/$what"
		elif [ "${CI:-}" = true ]; then
			t "$type: corpus file $what (CI=true)" false
		else
			echo "skip $type: no corpus"
		fi ;;
	vm | none) ;;
	*) t "instances/BACKING: '$kind' is a known source" false ;;
	esac
done > "$tmp/backing.log"
cat "$tmp/backing.log"
pass=$((pass + $(grep -c '^ok' "$tmp/backing.log")))
fail=$((fail + $(grep -c '^FAIL' "$tmp/backing.log")))
# and the check is one: a VF type on the PF, a NIC type on another NIC
"$vpci" can-back --sysfs-root "$tmp/sysfs/sys" "$dir/nvme-vf@1.yaml" 0000:01:00.0 > "$tmp/cb" 2>&1
t "nvme-vf@1 on the PF: cannot back (function-type)" sh -c "[ $? = 65 ] && grep -q '\[function-type\]' '$tmp/cb'"
"$vpci" can-back --sysfs-root "$tmp/sysfs/sys" "$dir/e1000e@1.yaml" 0000:03:00.0 > "$tmp/cb" 2>&1
t "e1000e@1 on the virtio-net: cannot back" sh -c "[ $? = 65 ] && grep -q 'cannot back e1000e' '$tmp/cb'"
# every line of ABI names a file
while read -r h b; do
	t "instances/ABI: $b exists" test -f "$dir/$b"
done < "$dir/ABI"
summary
