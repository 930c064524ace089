#!/bin/sh
# derive-bench.sh VPCI [CORPUS_DIR] [ROUNDS] - derive time per function over
# the corpus of real dumps, as a ratio to `lspci -F FILE -vvv` on the same
# files in the same run (both are whole-process runs; rounds interleave the
# two and the median round counts).
set -u
vpci=$1
corpus=${2:-$(dirname "$0")/../../shared/corpus}
rounds=${3:-3}
command -v lspci >/dev/null || { echo "derive-bench: lspci is not installed"; exit 0; }
[ -d "$corpus" ] || { echo "derive-bench: no corpus at $corpus"; exit 0; }
files=$(ls "$corpus"/*/*.lspci | grep -v /synthetic/)
n=$(echo "$files" | wc -l)
now() { date +%s%N; }
td=""
tl=""
for r in $(seq "$rounds"); do
	t0=$(now)
	for f in $files; do "$vpci" derive -q --dump "$f" -o /dev/null 2>/dev/null; done
	t1=$(now)
	for f in $files; do lspci -F "$f" -vvv >/dev/null 2>&1; done
	t2=$(now)
	td="$td $(( (t1 - t0) / n ))"
	tl="$tl $(( (t2 - t1) / n ))"
done
med() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
d=$(med $td)
l=$(med $tl)
echo "derive (guest policy, quirks): $(( d / 1000 )) us per function over $n corpus dumps"
echo "lspci -F FILE -vvv:            $(( l / 1000 )) us per function"
awk -v d="$d" -v l="$l" 'BEGIN { printf "RATIO derive/lspci: %.2f\n", d / l }'
