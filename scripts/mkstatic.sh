#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mkstatic.sh LD OBJCOPY AR OUT.a IN.a - the installed static library
#
# Partially links every object of IN.a into one relocatable object (ld -r),
# turns every symbol of hidden visibility into a local one (objcopy
# --localize-hidden), and archives that object as OUT.a.  The library's
# objects are compiled with -fvisibility=hidden and only the public API
# (VPCI_EXPORT, vpci_*) has default visibility, so OUT.a exports exactly
# what the shared library exports; internal names can neither be called
# nor collide with a program's own.
set -eu
ld=$1 objcopy=$2 ar=$3 out=$4 in=$5
obj=${out%.a}.o
rm -f "$out" "$obj"
"$ld" -r -o "$obj" --whole-archive "$in" --no-whole-archive
"$objcopy" --localize-hidden "$obj"
"$ar" rcs "$out" "$obj"
rm -f "$obj"
