# need-corpus.sh - sourced by the tests that read the shared corpus of real
# dumps (../shared/corpus beside the checkout).  need_corpus DIR returns
# when DIR exists; otherwise it exits 77 (meson: skipped), or 1 under
# CI=true, where the corpus must be there: CI may not lose its only
# oracle of real devices silently.
need_corpus() {
	[ -d "$1" ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "FAIL: corpus not found at $1; CI=true requires it (the shared folder beside the checkout)" >&2
		exit 1
	fi
	echo "SKIP: corpus not found at $1 (the shared folder is not beside the checkout)"
	exit 77
}
