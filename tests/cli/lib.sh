# lib.sh - helpers of the cli test suite (sourced).
# t NAME CMD...            CMD succeeds
# expect NAME RC OUT CMD...  CMD exits RC and prints exactly OUT on stderr
#                          (OUT may be "-" for "do not care")
# summary                  "N passed, M failed"; the status
pass=0
fail=0
t() {
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name"
	fi
}
expect() {
	name=$1 rc=$2 want=$3
	shift 3
	got=$("$@" 2>&1 >/dev/null)
	st=$?
	if [ "$st" = "$rc" ] && { [ "$want" = - ] || [ "$got" = "$want" ]; }; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name: exit $st (want $rc)"
		printf '  got:  %s\n' "$got" | sed 's/^/     /'
		[ "$want" = - ] || printf '  want: %s\n' "$want" | sed 's/^/     /'
	fi
}
summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
}
