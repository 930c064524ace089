#!/bin/sh
# run-roundtrip.sh TEST CORPUS_DIR - run the model round trip over the
# shared corpus of real dumps and this machine's functions.  Without the
# corpus: skipped (77), or failed under CI=true (need-corpus.sh).
set -u
test_bin=$1
corpus=$2
. "$(dirname "$0")/../corpus/need-corpus.sh"
need_corpus "$corpus"
set --
for f in "$corpus"/*/*.lspci; do set -- "$@" "$f"; done
for f in /sys/bus/pci/devices/*/config; do
	[ -r "$f" ] && set -- "$@" "$f"
done
[ $# -gt 0 ] || { echo "FAIL: the corpus at $corpus has no dumps" >&2; exit 1; }
exec "$test_bin" "$@"
