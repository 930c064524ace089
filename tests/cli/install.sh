#!/bin/sh
# install.sh BUILDDIR SRCDIR - 'meson install --destdir' puts the tool,
# the manual pages, the bash completion and the data files in place;
# 'man -M' finds the pages; the installed tool finds its data directory
# (and VPCI_DATADIR moves it).
set -u
build=$1
src=$2
. "$src/tests/cli/lib.sh"
command -v meson >/dev/null || { echo "meson missing: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
if ! meson install -C "$build" --no-rebuild --quiet --destdir "$dest" > "$tmp/log" 2>&1; then
	cat "$tmp/log"
	echo "FAIL meson install"
	exit 1
fi
# the configured directories, from the build's own options
prefix=$(meson introspect --buildoptions "$build" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["bindir"], o["libdir"], o["datadir"], o["mandir"])')
set -- $prefix
prefix=$1 bindir=$2 libdir=$3 datadir=$4 mandir=$5
abs() { case $1 in /*) echo "$dest$1" ;; *) echo "$dest$prefix/$1" ;; esac; }
bin=$(abs "$bindir")/vpci
lib=$(abs "$libdir")
data=$(abs "$datadir")/vpci
man=$(abs "$mandir")

t "vpci installed" test -x "$bin"
t "vpci(1) in man1" test -s "$man/man1/vpci.1"
t "vpci-instance(5) in man5" test -s "$man/man5/vpci-instance.5"
t "the man pages name the installed data directory" grep -q "$prefix/$datadir/vpci/schema" "$man/man1/vpci.1"
t "schema" test -s "$data/schema/vpci-v1.schema.json"
for f in "$src"/examples/*.yaml "$src"/examples/vmm-probe.c; do
	t "examples/$(basename "$f")" cmp -s "$f" "$data/examples/$(basename "$f")"
done
t "no build file among the examples" test ! -e "$data/examples/meson.build"
for f in "$src"/quirks/*.yaml "$src"/quirks/README.md; do
	t "quirks/$(basename "$f")" cmp -s "$f" "$data/quirks/$(basename "$f")"
done
t "quirks/quirks.md" test -s "$data/quirks/quirks.md"
t "instances/" test -d "$data/instances"
comp=$(find "$dest" -path '*/bash-completion/completions/vpci')
t "bash completion in bash-completion's directory" test -n "$comp"
t "the installed completion loads" bash -c ". '$comp' && complete -p vpci"

if command -v man >/dev/null; then
	t "man -M finds vpci(1)" sh -c "MANWIDTH=80 man -M '$man' vpci 2>&1 | grep -q 'VPCI(1)'"
	t "man -M finds vpci-instance(5)" sh -c "MANWIDTH=80 man -M '$man' 5 vpci-instance 2>&1 | grep -q 'VPCI-INSTANCE(5)'"
fi

# the installed tool: its data directory is the configured one; with
# VPCI_DATADIR it reads the copy under the destdir, and 'quirks show'
# names the installed quirk file
run() { LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$bin" "$@"; }
t "the installed vpci runs" run check -q "$data/examples/nvme.yaml"
t "its data directory is DATADIR/vpci" sh -c "LD_LIBRARY_PATH='$lib' '$bin' help | grep -q 'instance types): $prefix/$datadir/vpci\$'"
id=$(run quirks list | head -n 1 | cut -d' ' -f1)
t "VPCI_DATADIR: quirks show names the installed file" sh -c \
	"VPCI_DATADIR='$data' LD_LIBRARY_PATH='$lib' '$bin' quirks show '$id' | grep -q '^file: *$data/quirks/[a-z]*\.yaml:[0-9]'"
t "without the data files: the built-in name" sh -c \
	"VPCI_DATADIR='$tmp/none' LD_LIBRARY_PATH='$lib' '$bin' quirks show '$id' | grep -q '^file: *quirks/[a-z]*\.yaml:[0-9]'"
summary
