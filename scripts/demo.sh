#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh [BUILDDIR] - vpci on the machine it runs on.
#
#   1. installs the Debian dependencies if any is missing (VPCI_SKIP_DEPS=1
#      skips this) and builds vpci in BUILDDIR (default: build);
#   2. for every PCI function in /sys/bus/pci/devices whose config file is
#      readable: derives an instance file from sysfs (`vpci derive BDF`:
#      config bytes, BAR and ROM sizes, SR-IOV facts, driver), then checks
#      that file (`vpci check`), and prints one line per function and the
#      totals (VPCI_SYSFS_ROOT=DIR reads a captured sysfs tree instead);
#   3. shows a bundled reference instance: `vpci show examples/nvme.yaml`.
#
# The derived files are kept in BUILDDIR/demo/.  Exit status: 0 when every
# step ran; 1 when the build or the show failed or a tool crashed or was
# misused.  A function that derive refuses (exit 65, e.g. only 64 readable
# bytes when not root) or whose derived file `vpci check` rejects is
# reported, not fatal: real devices do break PCI rules, and saying so is
# the tools' job.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${1:-build}
ROOT=${VPCI_SYSFS_ROOT:-/sys}
SYS=$ROOT/bus/pci/devices
ROOTOPT=()
[ "$ROOT" != /sys ] && ROOTOPT=(--sysfs-root "$ROOT")
EXAMPLE=examples/nvme.yaml

if [ "${VPCI_SKIP_DEPS:-0}" != 1 ]; then
  ./scripts/install-deps.sh
fi

echo "== building vpci in $BUILD"
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" >"${BUILD}.setup.log" 2>&1 || { cat "${BUILD}.setup.log" >&2; exit 1; }
  mv "${BUILD}.setup.log" "$BUILD/setup.log"
fi
ninja -C "$BUILD" >"$BUILD/build.log" 2>&1 || { cat "$BUILD/build.log" >&2; echo "demo: build failed" >&2; exit 1; }
VPCI=$BUILD/tools/vpci/vpci
[ -x "$VPCI" ] || { echo "demo: $VPCI was not built" >&2; exit 1; }
"$VPCI" --version

out=$BUILD/demo
rm -rf "$out"
mkdir -p "$out"

echo
echo "== deriving and checking every PCI function of this machine ($SYS)"
total=0 derived=0 underivable=0 valid=0 invalid=0 unreadable=0 broken=0
shopt -s nullglob
devs=("$SYS"/*/config)
if [ ${#devs[@]} -eq 0 ]; then
  echo "no PCI functions under $SYS (a container or a machine without PCI): nothing to derive"
else
  printf '%-13s %-9s %6s %5s  %-26s %s\n' "function" "id" "bytes" "caps" "result" "description"
fi
for cfg in "${devs[@]}"; do
  dir=${cfg%/config}
  slot=$(basename "$dir")
  total=$((total + 1))
  id="$(sed 's/^0x//' "$dir/vendor" 2>/dev/null || echo '?'):$(sed 's/^0x//' "$dir/device" 2>/dev/null || echo '?')"
  desc=
  if [ "$ROOT" = /sys ] && command -v lspci >/dev/null 2>&1; then
    desc=$(lspci -s "$slot" 2>/dev/null | head -1 | cut -d' ' -f2-) || desc=
  fi
  if ! [ -r "$cfg" ] || ! head -c 1 "$cfg" >/dev/null 2>&1; then
    unreadable=$((unreadable + 1))
    printf '%-13s %-9s %6s %5s  %-26s %s\n' "$slot" "$id" "-" "-" "config not readable" "$desc"
    continue
  fi
  bytes=$(wc -c <"$cfg" | tr -d ' ')
  name=host-${slot//:/-}
  yaml=$out/$name.yaml
  rc=0
  "$VPCI" derive "${ROOTOPT[@]}" --name "$name" -o "$yaml" "$slot" 2>"$out/$name.derive.log" || rc=$?
  if [ $rc -ne 0 ]; then
    case $rc in
      65) underivable=$((underivable + 1)); result="not derivable";;   # the bytes say why
      66) unreadable=$((unreadable + 1)); result="config not readable";;
      *)  broken=$((broken + 1)); result="DERIVE FAILED (exit $rc)";;
    esac
    printf '%-13s %-9s %6s %5s  %-26s %s\n' "$slot" "$id" "$bytes" "-" "$result" "$desc"
    grep ': error: ' "$out/$name.derive.log" | head -3 | sed 's/^/    /'
    continue
  fi
  derived=$((derived + 1))
  rc=0
  "$VPCI" check "$yaml" >"$out/$name.check.log" 2>&1 || rc=$?
  warns=$(grep -c ': warning: ' "$out/$name.check.log" || true)
  errs=$(grep -c ': error: ' "$out/$name.check.log" || true)
  caps=$(sed -n 's/.*: ok (.*, \([0-9]*\) capabilit.*/\1/p' "$out/$name.check.log" | head -1)
  case $rc in
    0)  valid=$((valid + 1)); result="ok";;
    65) invalid=$((invalid + 1)); result="check: $errs error(s)";;
    *)  broken=$((broken + 1)); result="CHECK FAILED (exit $rc)";;
  esac
  [ "$warns" -gt 0 ] && result="$result, $warns warning(s)"
  printf '%-13s %-9s %6s %5s  %-26s %s\n' "$slot" "$id" "$bytes" "${caps:--}" "$result" "$desc"
  if [ $rc -ne 0 ]; then
    grep ': error: ' "$out/$name.check.log" | head -3 | sed 's/^/    /'
  fi
done
echo "total: $total function(s): $derived derived, $valid pass check, $invalid fail check," \
     "$underivable not derivable, $unreadable unreadable, $broken tool failure(s); files in $out/"
if [ "$(id -u)" -ne 0 ] && [ $((underivable + unreadable)) -gt 0 ]; then
  echo "(not root: Linux shows only the first 64 bytes of a config space to other users)"
fi

echo
echo "== vpci show $EXAMPLE (a bundled reference instance)"
show_rc=0
if [ -f "$EXAMPLE" ]; then
  "$VPCI" show "$EXAMPLE" || show_rc=$?
else
  echo "demo: $EXAMPLE is missing" >&2
  show_rc=66
fi

if [ $broken -ne 0 ] || [ $show_rc -ne 0 ]; then
  echo "demo: FAILED ($broken tool failure(s), show exit $show_rc)" >&2
  exit 1
fi
echo
echo "demo: done"
