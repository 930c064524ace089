# Thin wrapper around meson + ninja and scripts/ (docs/testing.md lists the
# real commands).  BUILD selects the build directory.
BUILD ?= build
CC ?= cc
MESON_OPTS ?=
FUZZ_TIME ?= 300
FUZZ_BUILD ?= build-fuzz

.PHONY: vm-test vm-short all setup test check test-all ci asan demo bench fuzz install deps clean

all: setup
	ninja -C $(BUILD)

setup:
	@test -f $(BUILD)/build.ninja || CC=$(CC) meson setup $(BUILD) $(MESON_OPTS)

# quick: every suite (or TESTS="unit golden") in one build
test: all
	meson test -C $(BUILD) --print-errorlogs $(TESTS)

check: test

# what CI runs: gcc, clang and ASan+UBSan builds, all tests, "N passed, M failed"
test-all ci:
	./scripts/test.sh

asan:
	VPCI_CONFIGS=asan ./scripts/test.sh

demo:
	./scripts/demo.sh $(BUILD)

bench: all
	$(BUILD)/bench/vpci-bench $(BENCH_ARGS)

# fuzz the parser for FUZZ_TIME seconds; the corpus grows in $(FUZZ_BUILD)/corpus
fuzz:
	@test -f $(FUZZ_BUILD)/build.ninja || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=enabled
	ninja -C $(FUZZ_BUILD) fuzz/fuzz-parse
	mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/artifacts
	$(FUZZ_BUILD)/fuzz/fuzz-parse -max_total_time=$(FUZZ_TIME) -timeout=10 \
		-dict=fuzz/vpci.dict -artifact_prefix=$(FUZZ_BUILD)/artifacts/ \
		$(FUZZ_BUILD)/corpus fuzz/corpus examples

install: all
	meson install -C $(BUILD)

deps:
	./scripts/install-deps.sh

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) build-ci

# The whole suite in a QEMU guest with a real Linux kernel (tests/vm/).
vm-test: all
	./tests/vm/build.sh $(BUILD)
	./tests/vm/run.sh full $(BUILD)/vm-full

vm-short: all
	./tests/vm/build.sh $(BUILD)
	./tests/vm/run.sh short $(BUILD)/vm-short
