#!/bin/sh
# run-roundtrip.sh TEST CORPUS_DIR - run the model round trip over the
# shared corpus of real dumps (when present) and this machine's functions.
set -u
test_bin=$1
corpus=$2
set --
if [ -d "$corpus" ]; then
	for f in "$corpus"/*/*.lspci; do set -- "$@" "$f"; done
else
	echo "SKIP: corpus not found at $corpus (the shared folder is not beside the checkout)"
fi
for f in /sys/bus/pci/devices/*/config; do
	[ -r "$f" ] && set -- "$@" "$f"
done
[ $# -gt 0 ] || { echo "SKIP: no corpus and no readable PCI config files"; exit 77; }
exec "$test_bin" "$@"
