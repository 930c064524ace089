#!/bin/sh
# atomic.sh VPCI EXAMPLE - output files are written atomically: on any
# error nothing is left at the output path (and an old file stays intact).
set -u
vpci=$1
example=$2
. "$(dirname "$0")/check.sh"
printf 'vpci: 1\nname: broken\nfunction: {header: {vendr-id: 1}}\n' > "$tmp/bad.yaml"
"$vpci" render "$tmp/bad.yaml" --format bin -o "$tmp/out.bin" 2>/dev/null
name="invalid input leaves no output file"
t test ! -e "$tmp/out.bin"
echo old > "$tmp/keep.yaml"
"$vpci" render "$tmp/bad.yaml" --format yaml -o "$tmp/keep.yaml" 2>/dev/null
name="invalid input leaves an existing output untouched"
t grep -qx old "$tmp/keep.yaml"
"$vpci" derive --bin /nonexistent -o "$tmp/d.yaml" 2>/dev/null
name="unreadable source leaves no output file"
t test ! -e "$tmp/d.yaml"
"$vpci" render "$example" --format lspci -o "$tmp/nodir/x.lspci" 2>/dev/null
name="an uncreatable output fails cleanly"
t test ! -e "$tmp/nodir"
"$vpci" render "$example" --format bin -o "$tmp/ok.bin"
name="a good render writes the file, and no temporary is left behind"
t sh -c "test -s '$tmp/ok.bin' && [ \$(ls -A '$tmp' | grep -c '^\\.') = 0 ]"
# a device or FIFO at the output path is written in place, never replaced
# (renaming over /dev/null would turn it into a regular file)
mkfifo "$tmp/fifo"
cat "$tmp/fifo" > "$tmp/from-fifo" &
reader=$!
"$vpci" render "$example" --format bin -o "$tmp/fifo"
wait $reader
name="a FIFO output is written in place and stays a FIFO"
t sh -c "test -p '$tmp/fifo' && test -s '$tmp/from-fifo'"
finish
