#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# lspci-oracle.sh [--min-fields N] [--require "KIND..."] VPCI_BIN FILE...
#     - check rendered instances against lspci
#
# For every instance FILE: render it as an lspci dump and as binary, show
# it as JSON, and let `lspci -F` (pciutils, an independent decoder) read
# the dump back.  lspci-compare.py then checks that lspci sees the same
# bytes, the same capabilities at the same offsets and the same values for
# the decoded fields of every capability it knows.  One line per file,
# then "N passed, M failed" and the number of fields compared.  The run
# fails when fewer than N fields were compared in all (--min-fields) or
# when a capability kind of --require was compared in no file (e.g.
# "sriov msi msix link"): the oracle cannot quietly check nothing.
# Exit 0 when all pass, 1 otherwise, 77 (skip) without lspci or python3.

min_fields=1
require=
while [ $# -gt 0 ]; do
	case $1 in
	--min-fields) min_fields=$2; shift 2 ;;
	--require) require=$2; shift 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 1 ]; then
	echo "usage: $0 [--min-fields N] [--require \"KIND...\"] VPCI_BIN FILE..." >&2
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
	if python3 "$compare" "$name" "$tmp/dump" "$tmp/json" "$tmp/bin" >"$tmp/res"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
	grep -v '^CHECKED ' "$tmp/res"
	grep '^CHECKED ' "$tmp/res" >>"$tmp/checked"
done

fields=0
kinds=
if [ -s "$tmp/checked" ]; then
	fields=$(awk '{ n += $2 } END { print n }' "$tmp/checked")
	kinds=$(cut -d' ' -f3- "$tmp/checked" | tr ' ' '\n' | sort -u | tr '\n' ' ')
fi
echo "$pass passed, $fail failed; $fields decoded fields compared ($kinds)"
if [ $((pass + fail)) -eq 0 ]; then
	echo "FAIL: no instance files given"
	exit 1
fi
if [ "$fields" -lt "$min_fields" ]; then
	echo "FAIL: only $fields decoded fields compared, at least $min_fields required"
	fail=$((fail + 1))
fi
for k in $require; do
	case " $kinds " in
	*" $k "*) ;;
	*) echo "FAIL: no file had its $k fields compared"; fail=$((fail + 1)) ;;
	esac
done
[ "$fail" -eq 0 ]
