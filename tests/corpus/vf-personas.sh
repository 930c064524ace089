#!/bin/sh
# vf-personas.sh VPCI CORPUS_DIR - VF personas of every real SR-IOV PF of
# the corpus (index.tsv lists them).
#
# For the first and the last VF (TotalVFs) of each PF:
#   - the guest persona (derive --dump F --vf-of PF --vf N) passes
#     `vpci check`;
#   - the raw persona (the VF's predicted config space) has no capability
#     a VF never carries (SR-IOV, PASID, PRI, LTR, link-level ...), reads
#     0xffff IDs, and its chain walks cleanly under `lspci -F`;
#   - a dump of the PF plus that raw VF gives, for the VF, the same guest
#     view as the persona: the dump's VF finds its PF by Routing-ID
#     arithmetic (First VF Offset and VF Stride as the real PF reports
#     them: buses crossed, ARI function numbers) and takes its identity
#     and BARs from the PF's SR-IOV capability.
# Without the corpus: skipped (77), or failed under CI=true (need-corpus.sh).
set -u
vpci=$1
corpus=$2
. "$(dirname "$0")/need-corpus.sh"
need_corpus "$corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
have_lspci=0
command -v lspci >/dev/null 2>&1 && have_lspci=1
pass=0
fail=0
pfs=0
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
good() { pass=$((pass + 1)); }

# the TotalVFs of a PF, from its raw derive
total_vfs() {
	"$vpci" derive -q --dump "$1" --policy raw --no-quirks -o "$tmp/pf.yaml" 2>/dev/null &&
		"$vpci" show --json "$tmp/pf.yaml" 2>/dev/null | tr -d '\n ' |
		sed -n 's/.*"name":"total-vfs","offset":[0-9]*,"width":2,"value":\([0-9]*\).*/\1/p'
}

want=$(awk -F'\t' 'NR > 1 && $10 ~ /SRIOV@/ { print $1 "\t" $4 }' "$corpus/index.tsv" | sort -u)
printf '%s\n' "$want" > "$tmp/list"
while IFS="$(printf '\t')" read -r file slot; do
	[ -n "$file" ] || continue
	f=$corpus/$file
	pfs=$((pfs + 1))
	total=$(total_vfs "$f")
	if [ -z "$total" ] || [ "$total" = 0 ]; then
		bad "$file: no TotalVFs"
		continue
	fi
	for n in 1 "$total"; do
		what="$file VF $n of $total"
		if ! "$vpci" derive -q --dump "$f" --vf-of "$slot" --vf "$n" -o "$tmp/g.yaml" 2>"$tmp/err"; then
			bad "$what: guest persona refused: $(head -n1 "$tmp/err")"
			continue
		fi
		if "$vpci" check -q "$tmp/g.yaml" >"$tmp/err" 2>&1; then good; else bad "$what: check: $(head -n1 "$tmp/err")"; fi
		vfslot=$(sed -n 's/^  slot: "\(.*\)"$/\1/p' "$tmp/g.yaml")
		if ! "$vpci" derive -q --dump "$f" --vf-of "$slot" --vf "$n" --policy raw -o "$tmp/r.yaml" 2>"$tmp/err" ||
		   ! "$vpci" render --no-check "$tmp/r.yaml" --format lspci --slot "$vfslot" -o "$tmp/r.lspci" 2>"$tmp/err"; then
			bad "$what: raw persona: $(head -n1 "$tmp/err")"
			continue
		fi
		if grep -q '^00: ff ff ff ff' "$tmp/r.lspci"; then good; else bad "$what: the raw persona does not read 0xffff IDs"; fi
		if [ $have_lspci = 1 ]; then
			lspci -F "$tmp/r.lspci" -vvv >"$tmp/vvv" 2>/dev/null
			if grep -qE 'SR-IOV|Process Address Space|Page Request|Latency Tolerance|L1 PM Substates|Secondary PCI Express|Physical Layer|Lane Margining|Resizable BAR|chain broken|chain looped' "$tmp/vvv"; then
				bad "$what: the raw persona shows: $(grep -E 'SR-IOV|Address Space|Page Request|Latency Tol|L1 PM|Secondary|Physical|Margining|Resizable|chain' "$tmp/vvv" | head -n1)"
			else
				good
			fi
		fi
		# the PF and its raw VF in one dump: the VF finds its PF
		{ sed -e '$a\' "$f"; echo; cat "$tmp/r.lspci"; } > "$tmp/pair.lspci"
		if ! "$vpci" derive -q --dump "$tmp/pair.lspci" --slot "$vfslot" -o "$tmp/d.yaml" 2>"$tmp/err"; then
			bad "$what: the dump's VF: $(head -n1 "$tmp/err")"
			continue
		fi
		"$vpci" render "$tmp/g.yaml" --no-check --format bin -o "$tmp/g.bin"
		"$vpci" render "$tmp/d.yaml" --no-check --format bin -o "$tmp/d.bin"
		if cmp -s "$tmp/g.bin" "$tmp/d.bin"; then good; else bad "$what: the dump's VF differs from the persona: $(cmp "$tmp/g.bin" "$tmp/d.bin")"; fi
	done
done < "$tmp/list"
echo "$pfs SR-IOV PFs, $pass checks passed, $fail failed"
[ "$pfs" -ge 9 ] || { echo "FAIL: the corpus index lists $pfs SR-IOV PFs, expected 9 or more"; exit 1; }
[ "$fail" = 0 ]
