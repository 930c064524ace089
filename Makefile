# Thin wrapper around meson + ninja (docs/testing.md lists the real commands).
BUILD ?= build
CC ?= cc
MESON_OPTS ?=

.PHONY: all setup test check demo clean install bench fuzz asan deps

all: setup
	ninja -C $(BUILD)

setup:
	@test -f $(BUILD)/build.ninja || CC=$(CC) meson setup $(BUILD) $(MESON_OPTS)

test: all
	meson test -C $(BUILD) --print-errorlogs $(TESTS)

check: test

demo: all
	./scripts/demo.sh $(BUILD)

bench: all
	$(BUILD)/bench/vpci-bench

install: all
	meson install -C $(BUILD)

deps:
	./scripts/install-deps.sh

clean:
	rm -rf $(BUILD)
