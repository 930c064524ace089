#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test.sh - the full test run, as CI does it:
#
#   1. install the Debian dependencies if any is missing (VPCI_SKIP_DEPS=1
#      skips this);
#   2. gcc build with -Werror, all meson tests;
#   3. clang build with -Werror, all meson tests (this build also has the
#      libFuzzer target, and its 'fuzz' suite runs it for 30 s);
#   4. ASan+UBSan build (gcc), all meson tests again;
#   5. ThreadSanitizer build (clang), the engine's concurrency tests;
#   6. smoke runs of the demo and of the benchmark on the gcc build, and
#      the short suite in a QEMU guest with a real Linux kernel (tests/vm);
#   7. a summary per build and, as the very last line, "N passed, M failed"
#      counted from meson's test logs (plus the smoke runs; a build that
#      fails counts as one failure).
#
# Build directories: $VPCI_BUILD_ROOT/{gcc,clang,asan} (default build-ci/).
# VPCI_CONFIGS="gcc asan" runs a subset.  Extra arguments are passed to
# every `meson test` (e.g. --suite unit, or a test name).
# Exit status: 0 when everything built and every test passed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

ROOT=${VPCI_BUILD_ROOT:-build-ci}
CONFIGS=${VPCI_CONFIGS:-gcc clang asan tsan}
started=$(date +%s)

if [ "${VPCI_SKIP_DEPS:-0}" != 1 ]; then
  ./scripts/install-deps.sh || { echo "test: installing dependencies failed"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0 failed=0 skipped=0
summary=()

# count DIR LABEL: add up meson's results of the last run in DIR
count() {
  local log=$1/meson-logs/testlog.json p=0 f=0 s=0
  if [ -f "$log" ]; then
    read -r p f s < <(python3 - "$log" <<'EOF'
import json, sys
p = f = s = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:  # FAIL, ERROR, TIMEOUT, UNEXPECTEDPASS, INTERRUPT
        f += 1
print(p, f, s)
EOF
    ) || { p=0; f=1; s=0; }
  fi
  echo "$p $f $s"
}

# run_config NAME CC MESON-OPTIONS...
run_config() {
  local name=$1 cc=$2 dir=$ROOT/$1 t0 rc
  shift 2
  t0=$(date +%s)
  echo
  echo "=================== $name: CC=$cc meson setup $* ==================="
  mkdir -p "$ROOT"
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >"$ROOT/$name.setup.log" 2>&1
  else
    rm -rf "$dir"
    CC=$cc meson setup "$dir" "$@" >"$ROOT/$name.setup.log" 2>&1
  fi
  rc=$?
  if [ $rc -ne 0 ]; then
    cat "$ROOT/$name.setup.log"
    echo "test: $name: meson setup FAILED"
    failed=$((failed + 1)); summary+=("$name: setup FAILED")
    return
  fi
  if ! ninja -C "$dir" >"$ROOT/$name.build.log" 2>&1; then
    cat "$ROOT/$name.build.log"
    echo "test: $name: build FAILED"
    failed=$((failed + 1)); summary+=("$name: build FAILED")
    return
  fi
  echo "built in $(( $(date +%s) - t0 )) s"
  rm -f "$dir/meson-logs/testlog.json"
  env "${TEST_ENV[@]}" meson test -C "$dir" --print-errorlogs "${TEST_ARGS[@]}"
  rc=$?
  local p f s
  read -r p f s < <(count "$dir")
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "test: $name: meson test exited $rc with no failed test in its log"
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  summary+=("$name: $p passed, $f failed, $s skipped ($(( $(date +%s) - t0 )) s)")
}

# smoke NAME COMMAND...: a check outside meson, counted like a test
smoke() {
  local name=$1 log
  shift
  log=$ROOT/smoke-$name.log
  echo
  echo "=================== smoke: $name ==================="
  if "$@" >"$log" 2>&1; then
    tail -n 4 "$log"
    echo "smoke $name: ok"
    passed=$((passed + 1)); summary+=("smoke $name: ok")
  else
    cat "$log"
    echo "smoke $name: FAILED"
    failed=$((failed + 1)); summary+=("smoke $name: FAILED")
  fi
}

TEST_ARGS=("$@")
TEST_ENV=()
for c in $CONFIGS; do
  case $c in
    gcc)   run_config gcc gcc -Dwerror=true ;;
    clang) run_config clang clang -Dwerror=true ;;
    asan)
      # UBSan findings abort instead of printing and carrying on; LSan is on.
      TEST_ENV=("ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1:print_summary=1}"
                "UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:print_summary=1}")
      run_config asan gcc -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fno-sanitize-recover=undefined -Dfuzz=disabled
      TEST_ENV=() ;;
    tsan)
      # the concurrency contract of the engine under ThreadSanitizer
      saved=("${TEST_ARGS[@]}")
      TEST_ARGS=(threads emu)
      TEST_ENV=("TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}")
      run_config tsan clang -Db_sanitize=thread -Db_lundef=false -Dfuzz=disabled
      TEST_ARGS=("${saved[@]}")
      TEST_ENV=() ;;
    *) echo "test: unknown configuration '$c' (gcc, clang, asan, tsan)"; failed=$((failed + 1)) ;;
  esac
done

if [ ${#TEST_ARGS[@]} -eq 0 ] && [ -x "$ROOT/gcc/tools/vpci/vpci" ]; then
  smoke demo env VPCI_SKIP_DEPS=1 ./scripts/demo.sh "$ROOT/gcc"
  if [ -x "$ROOT/gcc/bench/vpci-bench" ]; then
    smoke bench "$ROOT/gcc/bench/vpci-bench" --rounds 1 --repeat 1
  fi
  if [ -x "$ROOT/gcc/bench/scale" ]; then
    smoke scale "$ROOT/gcc/bench/scale" --max 16 --rounds 1
  fi
  # the short suite in a real Linux guest (QEMU, TCG or hardware KVM);
  # each guest check counts, "SKIP" (77) when no accelerator can run it
  if [ "${VPCI_SKIP_VM:-0}" != 1 ]; then
    echo
    echo "=================== vm: short suite in a QEMU guest ==================="
    t0=$(date +%s)
    vmout=$ROOT/vm-short
    rm -rf "$vmout"
    if ./tests/vm/build.sh "$ROOT/gcc" >"$ROOT/vm-build.log" 2>&1; then
      ./tests/vm/run.sh short "$vmout"
      rc=$?
    else
      cat "$ROOT/vm-build.log"
      rc=1
    fi
    [ -f "$vmout/short.log" ] && cat "$vmout/short.log"
    if [ $rc = 77 ]; then
      skipped=$((skipped + 1)); summary+=("vm short suite: skipped (no accelerator)")
    else
      read -r vp vf < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$vmout/short.log" 2>/dev/null | tail -n1)
      vp=${vp:-0} vf=${vf:-0}
      [ $rc != 0 ] && [ "$vf" = 0 ] && vf=1
      passed=$((passed + vp)); failed=$((failed + vf))
      summary+=("vm short suite: $vp passed, $vf failed ($(( $(date +%s) - t0 )) s)")
    fi
  fi
fi

echo
echo "=================== summary ($(( $(date +%s) - started )) s) ==================="
for l in "${summary[@]}"; do echo "$l"; done
echo "skipped: $skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
