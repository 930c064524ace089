#!/bin/sh
# run-corpus-bind.sh VPCI CORPUS_DIR - bindings over the corpus of real dumps
#
# For every vendor:device with two or more dumps (other revisions, other
# firmware, other functions of one card): derive each member's guest view
# and raw description, then
#   - the can-back matrix: every guest view against every raw description
#     (a function must back its own guest view: the diagonal);
#   - vpci common over the guest views: it must succeed, pass vpci check,
#     and vpci can-back must accept it on every member (raw and guest).
set -u
vpci=$1
corpus=$2
if [ ! -f "$corpus/index.tsv" ]; then
	echo "SKIP: corpus not found at $corpus (the shared folder is not beside the checkout)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
groups=0
members=0
pairs=0
backed=0
# vendor:device -> files (no synthetic dumps, no all-ones functions)
awk -F'\t' 'NR > 1 && $2 != "synthetic" && $5 != "ffff" { print $5 ":" $6 "\t" $1 }' "$corpus/index.tsv" |
	sort > "$tmp/all"
cut -f1 "$tmp/all" | uniq -c | awk '$1 >= 2 { print $2 }' > "$tmp/groups"
while read -r id; do
	groups=$((groups + 1))
	dir="$tmp/$(echo "$id" | tr : -)"
	mkdir -p "$dir"
	n=0
	for f in $(awk -F'\t' -v id="$id" '$1 == id { print $2 }' "$tmp/all"); do
		n=$((n + 1))
		if ! "$vpci" derive -q --dump "$corpus/$f" -o "$dir/g$n.yaml" 2>"$tmp/err" ||
		   ! "$vpci" derive -q --dump "$corpus/$f" --policy raw --no-quirks -o "$dir/r$n.yaml" 2>>"$tmp/err"; then
			echo "FAIL $id: derive $f: $(head -c 300 "$tmp/err")"
			fail=$((fail + 1))
		fi
	done
	members=$((members + n))
	# the matrix
	row=""
	ok=0
	for i in $(seq 1 "$n"); do
		line=""
		for j in $(seq 1 "$n"); do
			pairs=$((pairs + 1))
			if "$vpci" can-back -q "$dir/g$i.yaml" "$dir/r$j.yaml" >"$tmp/out" 2>&1; then
				ok=$((ok + 1))
				line="$line+"
			else
				line="$line."
				if [ "$i" = "$j" ]; then
					echo "FAIL $id: member $i cannot back its own guest view"
					sed 's/^/     | /' "$tmp/out" | head -10
					fail=$((fail + 1))
				fi
			fi
		done
		row="$row $line"
	done
	backed=$((backed + ok))
	# common over the guest views, accepted by every member
	files=$(seq -f "$dir/g%g.yaml" 1 "$n")
	raws=$(seq -f "$dir/r%g.yaml" 1 "$n")
	if "$vpci" common -q $files -o "$dir/common.yaml" 2>"$tmp/err" &&
	   "$vpci" check -q "$dir/common.yaml" 2>>"$tmp/err" &&
	   "$vpci" can-back -q "$dir/common.yaml" $raws $files >"$tmp/out" 2>>"$tmp/err"; then
		changes=$(grep -c '^# ' "$dir/common.yaml")
		echo "$id: $n dumps, matrix $ok/$((n * n)) [$row ], common: $((changes - 1)) change(s), backed by all $n"
	else
		echo "FAIL $id: common: $(head -c 300 "$tmp/err")"
		sed 's/^/     | /' "$tmp/out" | head -10
		fail=$((fail + 1))
	fi
	# common is deterministic
	"$vpci" common -q $files -o "$dir/again.yaml" 2>/dev/null
	cmp -s "$dir/common.yaml" "$dir/again.yaml" || { echo "FAIL $id: common is not deterministic"; fail=$((fail + 1)); }
done < "$tmp/groups"
echo "corpus bindings: $groups groups, $members dumps, $backed of $pairs pairs can back, $fail failure(s)"
[ "$groups" -gt 0 ] && [ $fail = 0 ]
