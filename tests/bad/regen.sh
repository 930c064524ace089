#!/bin/sh
# regen.sh VPCI [CASE...] - rewrite the "# expect:" lines of malformed-input
# cases from what `vpci check` prints now.  Review the diff before you
# commit it: every changed line is a changed message or position.
set -u
vpci=$1
shift
[ $# -gt 0 ] || set -- "$(dirname "$0")"/cases/*.yaml
for f in "$@"; do
	out=$("$vpci" check "$f" 2>&1 >/dev/null)
	body=$(grep -a -v '^# expect:' "$f")
	{
		printf '%s\n' "$out" | sed -n "s|^$f: *|# expect: |p"
		printf '%s\n' "$out" | grep -v "^$f:" | sed -n 's|^\(.\)|# expect: \1|p'
		printf '%s\n' "$body"
	} > "$f.tmp" && mv "$f.tmp" "$f"
done
