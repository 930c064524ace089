#!/bin/sh
# fixed-point.sh VPCI FILE... - canonical writer and renderer properties:
#   write(parse(f)) is a fixed point: rendering the canonical text again
#   gives the same text; the binary image is deterministic and equal for
#   the original file and its canonical form.
set -u
vpci=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for f in "$@"; do
	b=$(basename "$f" .yaml)
	ok=1
	# a virtual PF names its VF template relative to itself: the copies
	# in $tmp find it there
	t=$(sed -n 's/^  vf-template: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$f")
	[ -n "$t" ] && cp "$(dirname "$f")/$t" "$tmp/"
	"$vpci" render "$f" --format yaml -o "$tmp/$b.c1.yaml" || ok=0
	[ $ok = 1 ] && { "$vpci" render "$tmp/$b.c1.yaml" --format yaml -o "$tmp/$b.c2.yaml" || ok=0; }
	if [ $ok = 1 ] && ! cmp -s "$tmp/$b.c1.yaml" "$tmp/$b.c2.yaml"; then
		echo "FAIL $f: canonical form is not a fixed point"
		diff -u "$tmp/$b.c1.yaml" "$tmp/$b.c2.yaml" | head -20
		ok=0
	fi
	[ $ok = 1 ] && { "$vpci" render "$f" --format bin -o "$tmp/$b.1.bin" &&
		"$vpci" render "$f" --format bin -o "$tmp/$b.2.bin" &&
		"$vpci" render "$tmp/$b.c1.yaml" --format bin -o "$tmp/$b.3.bin" || ok=0; }
	if [ $ok = 1 ] && ! { cmp -s "$tmp/$b.1.bin" "$tmp/$b.2.bin" && cmp -s "$tmp/$b.1.bin" "$tmp/$b.3.bin"; }; then
		echo "FAIL $f: binary rendering differs between runs or after canonicalisation"
		ok=0
	fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "ok   $f"
	else
		fail=$((fail + 1))
		echo "FAIL $f"
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
