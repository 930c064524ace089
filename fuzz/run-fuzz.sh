#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh FUZZER ARTIFACT_DIR [-libfuzzer-option...] SEED_DIR...
#
# Runs a libFuzzer binary on a scratch copy of the seed directories (missing
# ones are skipped), so that what the fuzzer adds to its corpus never touches
# the committed seeds.  Crash, leak and timeout inputs are kept in
# ARTIFACT_DIR.  Exits 0 when the fuzzer found nothing, non-zero (never 77,
# meson's "skipped") otherwise.
set -eu
[ $# -ge 2 ] || { echo "usage: run-fuzz.sh FUZZER ARTIFACT_DIR [-option...] SEED_DIR..." >&2; exit 64; }
fuzzer=$1 artifacts=$2
shift 2
opts=() seeds=()
for a in "$@"; do
  case $a in
    -*) opts+=("$a") ;;
    *) seeds+=("$a") ;;
  esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vpci-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
n=0
for d in "${seeds[@]}"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$work/seed-$n-$(basename "$f")"
  done
done
mkdir -p "$artifacts"
# readable stack traces: Debian keeps llvm-symbolizer out of PATH
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1; then
  for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
    [ -x "$s" ] && { ASAN_SYMBOLIZER_PATH=$s; export ASAN_SYMBOLIZER_PATH; }
  done
fi
echo "run-fuzz: $n seed(s), options: ${opts[*]}"
# libFuzzer's default error exit code is 77, which meson reads as "skipped":
# make every finding a plain failure.
rc=0
"$fuzzer" -artifact_prefix="$artifacts/" -error_exitcode=1 -timeout_exitcode=1 "${opts[@]}" "$work" || rc=$?
[ $rc -eq 77 ] && rc=1
exit $rc
