#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# mutate.sh - mutation testing: do the tests catch small deliberate bugs?
#
# Applies the mutations of scripts/mutations.txt (one small bug each: see
# that file for the format) one at a time to a scratch copy of the tree
# (never to the working tree), rebuilds, runs the meson test suites and
# reports, per mutation, "killed" (with the tests that failed) or
# "SURVIVED".  A mutation that survives is a gap in the tests.
#
# usage: scripts/mutate.sh [OPTIONS]
#   --list FILE        the mutations (default scripts/mutations.txt)
#   --only A,B         only the named mutations
#   --suites S1,S2     meson suites to run (default: every suite of the build)
#   --fuzz SECONDS     also run each libFuzzer target for SECONDS on every
#                      mutation that survives the suites (clang build)
#   --vm               also run the VM short suite (tests/vm) on every
#                      mutation that survives the rest (needs QEMU; uses
#                      VPCI_VM_WORK)
#   --timeout-multiplier N  meson's, for a loaded machine (default 4): a
#                      test that times out would count as killing
#   --check            only check that every mutation still applies
#   --keep             keep the scratch directory (printed at the end)
#
# The scratch copy holds the tracked and untracked (not ignored) files of
# the working tree, and ../shared (the corpus) is linked beside it so the
# corpus tests run as they do in the tree.  The unmutated copy must pass
# first (the baseline), or nothing can be judged.
#
# Exit status: 0 when every mutation was killed, 1 when one survived or
# no longer applies, 2 on a setup error.
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
list=$src/scripts/mutations.txt
only= suites= fuzz=0 vm=0 check=0 keep=0 tmult=4
while [ $# -gt 0 ]; do
	case $1 in
	--list) list=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--suites) suites=$2; shift 2 ;;
	--fuzz) fuzz=$2; shift 2 ;;
	--vm) vm=1; shift ;;
	--timeout-multiplier) tmult=$2; shift 2 ;;
	--check) check=1; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
	*) echo "mutate: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
[ -r "$list" ] || { echo "mutate: cannot read $list" >&2; exit 2; }

# --- the list -------------------------------------------------------------
names=() whats=() files=() scripts=()
name= what= file= script=
flush() {
	if [ -n "$name" ]; then
		if [ -z "$file" ] || [ -z "$script" ]; then
			echo "mutate: $list: mutation $name needs file: and sed:" >&2; exit 2
		fi
		names+=("$name") whats+=("$what") files+=("$file") scripts+=("$script")
	fi
	name= what= file= script=
}
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'') flush ;;
	'#'*) ;;
	name:*) name=${line#name:}; name=${name# } ;;
	what:*) what=${line#what:}; what=${what# } ;;
	file:*) file=${line#file:}; file=${file# } ;;
	sed:*) s=${line#sed:}; script+="${s# }"$'\n' ;;
	*) echo "mutate: $list: cannot read line: $line" >&2; exit 2 ;;
	esac
done <"$list"
flush
[ ${#names[@]} -gt 0 ] || { echo "mutate: no mutations in $list" >&2; exit 2; }

selected() {
	[ -z "$only" ] && return 0
	case ",$only," in *",$1,"*) return 0 ;; esac
	return 1
}

# --- the scratch copy -------------------------------------------------------
# the commit the copy comes from (and whether the tree had changes)
rev=$(cd "$src" && git rev-parse --short HEAD 2>/dev/null || echo '?')
[ -n "$(cd "$src" && git status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev+changes"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vpci-mutate.XXXXXX") || exit 2
cleanup() { [ $keep = 1 ] || rm -rf "$scratch"; }
trap cleanup EXIT
tree=$scratch/vpci
mkdir -p "$tree" "$scratch/orig"
(cd "$src" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -C "$tree" -xf - ||
	{ echo "mutate: copying the tree failed" >&2; exit 2; }
[ -d "$src/../shared" ] && ln -s "$(cd "$src/../shared" && pwd)" "$scratch/shared"

# apply I: the mutation's sed script to the copy; 0 when it changed the file
apply() {
	local f=$tree/${files[$1]}
	[ -f "$f" ] || return 1
	mkdir -p "$(dirname "$scratch/orig/${files[$1]}")"
	cp -p "$f" "$scratch/orig/${files[$1]}"
	printf '%s' "${scripts[$1]}" >"$scratch/script.sed"
	sed -i -f "$scratch/script.sed" "$f" || return 1
	! cmp -s "$f" "$scratch/orig/${files[$1]}"
}
restore() {
	cp -p "$scratch/orig/${files[$1]}" "$tree/${files[$1]}"
	touch "$tree/${files[$1]}" # a rebuild, whatever the copy's time stamp
}

if [ $check = 1 ]; then
	bad=0
	for i in "${!names[@]}"; do
		selected "${names[$i]}" || continue
		if apply "$i"; then echo "applies    ${names[$i]}"; else echo "NOT APPLIED ${names[$i]} (${files[$i]})"; bad=1; fi
		restore "$i" 2>/dev/null
	done
	exit $bad
fi

# --- builds and tests -------------------------------------------------------
log=$scratch/log
mkdir -p "$log"
build=$tree/build
echo "mutate: scratch tree $tree"
if ! (cd "$tree" && meson setup build -Dfuzz=disabled) >"$log/setup" 2>&1; then
	cat "$log/setup"; echo "mutate: meson setup failed" >&2; exit 2
fi
fbuild=
if [ "$fuzz" != 0 ]; then
	fbuild=$tree/build-fuzz
	if ! (cd "$tree" && CC=clang meson setup build-fuzz -Dfuzz=enabled) >"$log/setup-fuzz" 2>&1; then
		cat "$log/setup-fuzz"; echo "mutate: meson setup of the clang/fuzz build failed" >&2; exit 2
	fi
fi

# run_suites: meson test; prints the failing tests, returns 1 when any
run_suites() {
	local args=() s
	if [ -n "$suites" ]; then
		for s in ${suites//,/ }; do args+=(--suite "$s"); done
	fi
	rm -f "$build/meson-logs/testlog.json"
	meson test -C "$build" --no-rebuild --timeout-multiplier "$tmult" "${args[@]}" >"$log/test" 2>&1
	python3 - "$build/meson-logs/testlog.json" <<'EOF'
import json, sys
bad = []
try:
    for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
        if line.strip():
            r = json.loads(line)
            res = r.get("result")
            if res not in ("OK", "SKIP", "EXPECTEDFAIL"):
                bad.append(r["name"] + (" (TIMEOUT)" if res == "TIMEOUT" else ""))
except OSError:
    bad.append("(no test log)")
print(" ".join(bad))
# a timeout is reported with its kind: on a loaded machine it may not be
# the mutation's doing (raise --timeout-multiplier)
sys.exit(1 if bad else 0)
EOF
}

# run_fuzz: each target for $fuzz seconds on the seeds meson gives it
run_fuzz() {
	local failed=() t seeds
	ninja -C "$fbuild" fuzz/fuzz-parse fuzz/fuzz-dump fuzz/fuzz-emu >"$log/build-fuzz" 2>&1 || { echo "(fuzz build)"; return 1; }
	for t in fuzz-parse fuzz-dump fuzz-emu; do
		[ -x "$fbuild/fuzz/$t" ] || continue
		case $t in
		fuzz-parse) seeds=(-dict="$tree/fuzz/vpci.dict" "$tree/fuzz/corpus" "$tree/examples") ;;
		fuzz-dump) seeds=("$tree/fuzz/corpus-dump") ;;
		fuzz-emu) seeds=("$tree/fuzz/corpus-emu") ;;
		esac
		bash "$tree/fuzz/run-fuzz.sh" "$fbuild/fuzz/$t" "$log/artifacts-$t" -max_total_time="$fuzz" \
			-timeout=10 -rss_limit_mb=2048 "${seeds[@]}" >"$log/$t" 2>&1 || failed+=("$t")
	done
	echo "${failed[*]}"
	[ ${#failed[@]} -eq 0 ]
}

run_vm() {
	export VPCI_VM_WORK=${VPCI_VM_WORK:-$scratch/vm}
	rm -rf "$scratch/vm-out"
	"$tree/tests/vm/build.sh" "$build" >"$log/vm-build" 2>&1 || { echo "(vm build)"; return 1; }
	"$tree/tests/vm/run.sh" short "$scratch/vm-out" >"$log/vm" 2>&1
	local rc=$?
	[ $rc = 77 ] && { echo "(vm skipped: no accelerator)"; return 0; }
	[ $rc = 0 ] || { echo "vm-short"; return 1; }
	return 0
}

echo "mutate: baseline (no mutation)"
if ! ninja -C "$build" >"$log/build" 2>&1; then
	tail -30 "$log/build"; echo "mutate: the unmutated tree does not build" >&2; exit 2
fi
if ! base=$(run_suites); then
	echo "mutate: the unmutated tree fails: $base (log: $log/test)" >&2; keep=1; exit 2
fi

results=() killed=0 survived=0 stale=0 broken=0
for i in "${!names[@]}"; do
	n=${names[$i]}
	selected "$n" || continue
	t0=$(date +%s)
	if ! apply "$i"; then
		results+=("NOT APPLIED  $n: the sed script no longer changes ${files[$i]}")
		stale=$((stale + 1)); restore "$i" 2>/dev/null; continue
	fi
	by=
	if ! ninja -C "$build" >"$log/build-$n" 2>&1; then
		results+=("BUILD FAILED $n: the mutation does not compile (fix its sed line)")
		broken=$((broken + 1)); restore "$i"; continue
	fi
	by=$(run_suites) || true
	if [ -z "$by" ] && [ "$fuzz" != 0 ]; then by=$(run_fuzz) || true; fi
	if [ -z "$by" ] && [ $vm = 1 ]; then by=$(run_vm) || true; fi
	case $by in '(vm skipped'*) by= ;; esac
	dt=$(( $(date +%s) - t0 ))
	if [ -n "$by" ]; then
		results+=("killed       $n (${dt}s) by: $by")
		killed=$((killed + 1))
	else
		results+=("SURVIVED     $n (${dt}s): ${whats[$i]}")
		survived=$((survived + 1))
	fi
	echo "${results[-1]}"
	restore "$i"
done

echo
echo "=== mutation report ($rev; suites: ${suites:-all}; fuzz: ${fuzz}s; vm: $vm) ==="
for r in "${results[@]}"; do echo "$r"; done
echo "$killed killed, $survived survived, $stale not applied, $broken not compiling"
[ $keep = 1 ] && echo "mutate: scratch kept in $scratch"
[ $survived = 0 ] && [ $stale = 0 ] && [ $broken = 0 ]
