#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# run-bad.sh VPCI_BIN DIR - check every malformed instance in DIR
#
# For each DIR/*.yaml, runs "VPCI_BIN check FILE" and requires:
#   - exit status 65 (invalid data), or 66 when FILE is unreadable, or
#     the status of a "# exit: N" line (0 for a file that is valid but
#     draws warnings);
#   - every "# expect: TEXT" line of FILE to appear on stderr as
#     "FILE:TEXT" (leading blanks of TEXT are not significant, so a
#     diagnostic without a line, "FILE: error: offset 0x6: ...", is
#     written "# expect: error: offset 0x6: ...");
#   - no other line on stderr (warnings included).
# The check runs in DIR on the bare file name, so a diagnostic of another
# file the case names (a VF template under DIR) is printed, and expected,
# with that file's path relative to DIR ("vf-templates/vf.yaml:11:8: ...").
# Prints one FAIL line per failing case followed by its differences, and
# finally "N passed, M failed".  Exit status 0 only when nothing failed.

if [ $# -ne 2 ]; then
	echo "usage: $0 VPCI_BIN DIR" >&2
	exit 2
fi
bin=$1
dir=$2
if [ ! -x "$bin" ]; then
	echo "$0: $bin is not an executable" >&2
	exit 1
fi
if [ ! -d "$dir" ]; then
	echo "$0: $dir is not a directory" >&2
	exit 1
fi

case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-bad.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

LC_ALL=C
export LC_ALL

pass=0
fail=0
for f in "$dir"/*.yaml; do
	[ -e "$f" ] || continue
	name=${f##*/}
	(cd "$dir" && "$bin" check "$name") >/dev/null 2>"$tmp/stderr"
	rc=$?

	# expected lines, without the "# expect: " marker and leading blanks
	sed -n 's/^# expect:[[:space:]]*//p' "$f" | sort >"$tmp/exp"
	# actual lines, without the "FILE:" prefix and leading blanks
	awk -v p="$name:" '{
		if (index($0, p) == 1) {
			s = substr($0, length(p) + 1)
			sub(/^[ \t]+/, "", s)
			print s
		} else if ($0 ~ /^[^ \/:]+\/[^ :]+\.yaml:/) {
			print
		} else {
			print "(not prefixed with the file name) " $0
		}
	}' "$tmp/stderr" | sort >"$tmp/act"

	want=$(sed -n 's/^# exit:[[:space:]]*\([0-9]*\)[[:space:]]*$/\1/p' "$f" | head -n 1)
	why=
	if [ ! -s "$tmp/exp" ]; then
		why="no '# expect:' lines"
	fi
	if [ -n "$want" ]; then
		[ "$rc" -eq "$want" ] || why="${why:+$why; }exit status $rc, expected $want"
	elif [ "$rc" -ne 65 ] && ! { [ "$rc" -eq 66 ] && [ ! -r "$f" ]; }; then
		why="${why:+$why; }exit status $rc, expected 65"
	fi
	comm -23 "$tmp/exp" "$tmp/act" >"$tmp/missing"
	comm -13 "$tmp/exp" "$tmp/act" >"$tmp/extra"
	if [ -s "$tmp/missing" ] || [ -s "$tmp/extra" ]; then
		why="${why:+$why; }diagnostics differ"
	fi

	if [ -z "$why" ]; then
		pass=$((pass + 1))
		continue
	fi
	fail=$((fail + 1))
	echo "FAIL $name: $why"
	sed 's/^/    - expected, not printed: /' "$tmp/missing"
	sed 's/^/    + printed, not expected: /' "$tmp/extra"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
