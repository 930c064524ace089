#!/bin/sh
# probe-examples.sh VPCI FILE... - the Linux enumeration replay on every
# example: it must run, and every BAR with a size must end up mapped
# (an "event bar ... enabled=1" with that size).
set -u
vpci=$1
shift
pass=0
fail=0
for f in "$@"; do
	out=$("$vpci" emulate --probe "$f" 2>&1) || { echo "FAIL $f: emulate --probe exited $?"; fail=$((fail + 1)); continue; }
	want=$("$vpci" show --json "$f" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(" ".join("%d:%d" % (b["index"], b["size"]) for b in j["bars"] if b.get("size")))')
	ok=1
	for ws in $want; do
		i=${ws%%:*}; s=${ws#*:}
		printf '%s\n' "$out" | grep -q "^event bar index=$i .*size=$(printf '0x%x' "$s") enabled=1" || { echo "FAIL $f: BAR $i (size $s) was not mapped"; ok=0; }
	done
	if [ $ok = 1 ]; then pass=$((pass + 1)); echo "ok   $f"; else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
