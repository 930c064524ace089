#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# exports.sh SHARED STATIC SYMBOLS - both installed libraries export
# exactly the functions the public headers declare (SYMBOLS, generated):
# every defined global symbol starts with vpci_, none is missing, none is
# extra.  The shared library's version node (VPCI_0.1) is not a symbol.
set -u
so=$1 ar=$2 symbols=$3
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {
	local what=$1 list=$2
	local leaked extra missing
	leaked=$(grep -v '^vpci_' "$list" || true)
	extra=$(comm -13 "$symbols" "$list" | grep '^vpci_' || true)
	missing=$(comm -23 "$symbols" "$list")
	if [ -n "$leaked" ]; then
		echo "FAIL: $what exports $(echo "$leaked" | wc -l) symbols without the vpci_ prefix:" $leaked
		fail=$((fail + 1))
	fi
	if [ -n "$extra" ]; then
		echo "FAIL: $what exports functions no public header declares:" $extra
		fail=$((fail + 1))
	fi
	if [ -n "$missing" ]; then
		echo "FAIL: $what lacks declared functions:" $missing
		fail=$((fail + 1))
	fi
	echo "$what: $(wc -l <"$list") global symbols"
}

# defined, global (upper-case type letter), not the absolute version node
nm -D --defined-only "$so" | awk '$2 != "A" && $2 ~ /^[A-Z]$/ {sub(/@.*/, "", $3); print $3}' | sort -u >"$tmp/so"
nm -g --defined-only "$ar" | awk 'NF == 3 && $2 ~ /^[A-Z]$/ {print $3}' | sort -u >"$tmp/a"
check "$(basename "$so")" "$tmp/so"
check "$(basename "$ar")" "$tmp/a"
[ "$fail" -eq 0 ]
