#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# install-deps.sh - install the Debian 12 packages vpci needs to build, test,
# fuzz and run its demo.  Non-interactive and idempotent: when everything is
# already installed it does nothing (and needs no root).  Quiet on success;
# apt's output is shown when something fails.
set -euo pipefail

PKGS=(
  build-essential meson ninja-build pkg-config   # toolchain and build system
  g++                                            # tests/api: public headers compile as C++
  clang libclang-rt-14-dev                       # clang builds, ASan/UBSan and libFuzzer runtimes
  llvm-14                                        # llvm-symbolizer: readable stacks from clang's sanitizers
  libfyaml-dev libpci-dev                        # libvpci's dependencies
  libcmocka-dev                                  # unit tests
  pciutils pci.ids                               # lspci: the oracle tests, names in comments
  python3 python3-yaml python3-jsonschema        # JSON Schema oracle, test-count summary
  groff-base man-db strace                       # cli suite: man page lint and man -M, ID-database opens
)

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_install() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Use-Pty=0 "${missing[@]}" >"$log" 2>&1
}
apt_update() {
  $SUDO apt-get update -q >"$log" 2>&1 || { cat "$log" >&2; echo "install-deps: apt-get update failed" >&2; exit 1; }
}

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
# Refresh the package lists only when there are none yet or when the
# install fails with the lists we have (stale lists, new packages).
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt_update
fi
if ! apt_install; then
  apt_update
  apt_install || { cat "$log" >&2; echo "install-deps: apt-get install failed" >&2; exit 1; }
fi
echo "install-deps: done"
