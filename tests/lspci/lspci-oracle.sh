#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# lspci-oracle.sh VPCI_BIN FILE... - check rendered instances against lspci
#
# For every instance FILE: render it as an lspci dump and as binary, show
# it as JSON, and let `lspci -F` (pciutils, an independent decoder) read
# the dump back.  lspci-compare.py then checks that lspci sees the same
# bytes, the same capabilities at the same offsets and the same values for
# a few decoded fields.  One line per file, then "N passed, M failed".
# Exit 0 when all pass, 1 otherwise, 77 (skip) without lspci or python3.

if [ $# -lt 1 ]; then
	echo "usage: $0 VPCI_BIN FILE..." >&2
	exit 2
fi
vpci=$1
shift

if ! command -v lspci >/dev/null 2>&1; then
	echo "SKIP: lspci not installed (Debian: apt-get install pciutils)"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not installed"
	exit 77
fi

here=$(dirname "$0")
compare="$here/lspci-compare.py"
if [ ! -r "$compare" ]; then
	echo "error: $compare not found" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lspci-oracle.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "oracle: $(lspci --version 2>/dev/null)"

pass=0
fail=0
for f in "$@"; do
	name=$(basename "$f")
	rm -f "$tmp/dump" "$tmp/bin" "$tmp/json"
	if ! "$vpci" render "$f" --format lspci -o "$tmp/dump" 2>"$tmp/err"; then
		echo "FAIL $name: vpci render --format lspci failed: $(head -n 3 "$tmp/err")"
		fail=$((fail + 1))
		continue
	fi
	if ! "$vpci" render "$f" --format bin -o "$tmp/bin" 2>"$tmp/err"; then
		echo "FAIL $name: vpci render --format bin failed: $(head -n 3 "$tmp/err")"
		fail=$((fail + 1))
		continue
	fi
	if ! "$vpci" show --json "$f" >"$tmp/json" 2>"$tmp/err"; then
		echo "FAIL $name: vpci show --json failed: $(head -n 3 "$tmp/err")"
		fail=$((fail + 1))
		continue
	fi
	if python3 "$compare" "$name" "$tmp/dump" "$tmp/json" "$tmp/bin"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed"
if [ $((pass + fail)) -eq 0 ]; then
	echo "SKIP: no instance files given"
	exit 77
fi
[ "$fail" -eq 0 ]
