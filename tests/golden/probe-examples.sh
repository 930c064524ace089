#!/bin/sh
# probe-examples.sh VPCI FILE... - the Linux enumeration replay on every
# example: `vpci emulate --probe` must succeed, and every BAR `vpci show
# --json` lists with a size must end up mapped (an "event bar index=N ...
# size=S enabled=1" line).  A failing `show` fails the file; a file with
# no sized BAR must say so in its JSON (an empty "bars" list is checked,
# not assumed), and across all files at least one BAR must be mapped.
set -u
vpci=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
mapped=0
for f in "$@"; do
	if ! "$vpci" emulate --probe "$f" >"$tmp/out" 2>&1; then
		echo "FAIL $f: emulate --probe exited non-zero"; sed 's/^/    /' "$tmp/out" | head -5
		fail=$((fail + 1)); continue
	fi
	if ! "$vpci" show --json "$f" >"$tmp/json" 2>"$tmp/err"; then
		echo "FAIL $f: show --json exited non-zero: $(head -n 2 "$tmp/err")"
		fail=$((fail + 1)); continue
	fi
	# "INDEX:SIZE" per sized BAR, or "none"; a JSON without "bars" fails
	if ! want=$(python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
b = ["%d:%d" % (x["index"], x["size"]) for x in j["bars"] if x.get("size")]
print(" ".join(b) if b else "none")' "$tmp/json"); then
		echo "FAIL $f: show --json did not give a \"bars\" list"
		fail=$((fail + 1)); continue
	fi
	ok=1
	for ws in $want; do
		[ "$ws" = none ] && break
		i=${ws%%:*}; s=${ws#*:}
		if grep -q "^event bar index=$i .*size=$(printf '0x%x' "$s") enabled=1" "$tmp/out"; then
			mapped=$((mapped + 1))
		else
			echo "FAIL $f: BAR $i (size $s) was not mapped"; ok=0
		fi
	done
	if [ $ok = 1 ]; then pass=$((pass + 1)); echo "ok   $f ($want)"; else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed, $mapped BARs mapped"
[ $fail = 0 ] && [ $pass -gt 0 ] && [ $mapped -gt 0 ]
