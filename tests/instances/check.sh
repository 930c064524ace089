#!/bin/sh
# check.sh VPCI SRCDIR - the instance types of instances/: every file is
# valid, named NAME@VERSION.yaml after its `name` and `version`, documented
# in the README, written by the canonical writer back to the same function
# (relative to its type when it extends one), and its guest ABI hash is
# the one instances/ABI records (a type's ABI never changes: a change is a
# new version).
set -u
vpci=$1
src=$2
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
# every line of ABI names a file
while read -r h b; do
	t "instances/ABI: $b exists" test -f "$dir/$b"
done < "$dir/ABI"
summary
