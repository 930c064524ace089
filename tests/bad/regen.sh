#!/bin/sh
# regen.sh VPCI [CASE...] - rewrite the "# expect:" lines of malformed-input
# cases from what `vpci check` prints now.  Review the diff before you
# commit it: every changed line is a changed message or position.  As
# run-bad.sh does, the check runs in the case's directory on its bare name,
# so a diagnostic of a VF template it names keeps that file's relative path.
set -u
vpci=$1
shift
case $vpci in /*) ;; *) vpci=$(pwd)/$vpci ;; esac
[ $# -gt 0 ] || set -- "$(dirname "$0")"/cases/*.yaml
for f in "$@"; do
	name=${f##*/}
	out=$(cd "$(dirname "$f")" && "$vpci" check "$name" 2>&1 >/dev/null)
	body=$(grep -a -v '^# expect:' "$f")
	{
		printf '%s\n' "$out" | sed -n "s|^$name: *|# expect: |p"
		printf '%s\n' "$out" | grep -v "^$name:" | sed -n 's|^\(.\)|# expect: \1|p'
		printf '%s\n' "$body"
	} > "$f.tmp" && mv "$f.tmp" "$f"
done
