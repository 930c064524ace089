#!/bin/sh
# canonical.sh VPCI EXAMPLES CANONICAL DATA - the canonical text, byte for
# byte, against files written by hand (docs/format.md §15), not produced
# by the writer under test:
#   - every EXAMPLES/NAME.yaml, rendered with `vpci render --format yaml
#     --no-names`, is CANONICAL/NAME.yaml; an example without a canonical
#     file, or a canonical file without its example, fails;
#   - the guest view of the VF 0000:01:00.1 derived from the captured sysfs
#     tree DATA/sysfs/qemu-sriov.tar.xz is CANONICAL/qemu-sriov-vf-guest.yaml
#     (its "@TOOL@" stands for the `vpci --version` line).
# A difference prints the unified diff (expected first).
set -u
vpci=$1
examples=$2
canon=$3
data=$4
. "$(dirname "$0")/check.sh"
same() { # NAME EXPECTED ACTUAL
	if cmp -s "$2" "$3"; then
		pass=$((pass + 1))
		echo "ok   $1"
	else
		fail=$((fail + 1))
		echo "FAIL $1: the canonical text differs from $2"
		diff -u "$2" "$3" | head -40
	fi
}
n=0
for f in "$examples"/*.yaml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	b=$(basename "$f")
	if [ ! -f "$canon/$b" ]; then
		fail=$((fail + 1))
		echo "FAIL $b: no canonical file $canon/$b (write it by hand, see docs/testing.md)"
		continue
	fi
	if "$vpci" render --no-names --format yaml "$f" -o "$tmp/$b"; then
		same "$b" "$canon/$b" "$tmp/$b"
	else
		fail=$((fail + 1))
		echo "FAIL $b: vpci render exited $?"
	fi
done
for c in "$canon"/*.yaml; do
	b=$(basename "$c")
	case "$b" in *-guest.yaml) continue ;; esac
	[ -f "$examples/$b" ] || { fail=$((fail + 1)); echo "FAIL $b: canonical file without an example"; }
done
# the guest view of an SR-IOV VF from a real kernel's sysfs
mkdir -p "$tmp/sysfs"
if tar -C "$tmp/sysfs" -xJf "$data/sysfs/qemu-sriov.tar.xz" &&
   "$vpci" derive -q --no-names --sysfs-root "$tmp/sysfs/sys" 0000:01:00.1 -o "$tmp/vf.yaml"; then
	tool=$("$vpci" --version)
	sed "s|@TOOL@|$tool|" "$canon/qemu-sriov-vf-guest.yaml" > "$tmp/vf.expected"
	same "qemu-sriov 0000:01:00.1 (guest)" "$tmp/vf.expected" "$tmp/vf.yaml"
else
	fail=$((fail + 1))
	echo "FAIL qemu-sriov 0000:01:00.1: derive failed"
fi
# every example and the VF, nothing less
[ "$n" -gt 0 ] || { echo "FAIL: no example in $examples"; fail=$((fail + 1)); }
finish $((n + 1))
