# check.sh - sourced by the golden scripts: a scratch directory $tmp
# (removed on exit), pass/fail counters, and
#   t COMMAND...   one check named $name: "ok   NAME" or "FAIL NAME"
#   finish [MIN]   prints "P passed, F failed"; exits 0 only when nothing
#                  failed and at least MIN (default 1) checks passed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
name=
t() {
	if "$@" >/dev/null 2>&1; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); echo "FAIL $name"
	fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && [ "$pass" -ge "${1:-1}" ]
	exit $?
}
