#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# headers.sh CC CXX INCLUDEDIR LINKALL.CC SYMBOLS HEADER... - the public
# headers as a program outside the tree sees them:
#   - the headers installed (HEADER...) are exactly include/vpci/*.h;
#   - each compiles alone, and twice in a row (include guard), as C99 and
#     C11 with -pedantic-errors -Wall -Wextra -Werror, and as C++11 and
#     C++17;
#   - a C++ object that uses every declared function (LINKALL.CC, generated)
#     references each one by its plain C name: the extern "C" blocks work.
set -u
cc=$1 cxx=$2 inc=$3 linkall=$4 symbols=$5
shift 5
fail=0 n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# installed list == the directory
for h in "$@"; do basename "$h"; done | sort >"$tmp/installed"
(cd "$inc/vpci" && ls -1 -- *.h) | sort >"$tmp/present"
if ! cmp -s "$tmp/installed" "$tmp/present"; then
	bad "include/vpci/ and the installed headers differ (< installed, > in the tree):"
	diff "$tmp/installed" "$tmp/present"
fi

flags=(-pedantic-errors -Wall -Wextra -Werror -fsyntax-only -I "$inc")
for h in $(cat "$tmp/present"); do
	printf '#include <vpci/%s>\n#include <vpci/%s>\n' "$h" "$h" >"$tmp/t.c"
	for std in c99 c11; do
		n=$((n + 1))
		$cc -std=$std "${flags[@]}" -x c "$tmp/t.c" 2>"$tmp/err" || { bad "$h alone as $std:"; cat "$tmp/err"; }
	done
	for std in c++11 c++17; do
		n=$((n + 1))
		$cxx -std=$std "${flags[@]}" -x c++ "$tmp/t.c" 2>"$tmp/err" || { bad "$h alone as $std:"; cat "$tmp/err"; }
	done
done

# C linkage from C++
n=$((n + 1))
if $cxx -std=c++11 -pedantic-errors -Wall -Wextra -Werror -I "$inc" -c -o "$tmp/linkall.o" "$linkall" 2>"$tmp/err"; then
	nm -u "$tmp/linkall.o" | awk '{print $NF}' | sort -u >"$tmp/undef"
	missing=$(comm -23 "$symbols" "$tmp/undef")
	[ -z "$missing" ] || bad "the C++ object does not reference these by their C names:" $missing
	mangled=$(grep '^_Z.*vpci_' "$tmp/undef" || true)
	[ -z "$mangled" ] || bad "C++ mangled references (a header lacks extern \"C\"):" $mangled
else
	bad "linkall.cc does not compile as C++11:"
	cat "$tmp/err"
fi

echo "$n header checks, $(wc -l <"$tmp/present") headers, $(wc -l <"$symbols") functions: $fail failed"
[ "$fail" -eq 0 ]
