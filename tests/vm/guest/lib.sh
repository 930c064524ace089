#!/bin/sh
# lib.sh - assertions for the guest test scripts (busybox sh).
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
# check NAME CMD... : CMD must succeed
check() {
	name=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then ok "$name"; else bad "$name"; sed 's/^/     | /' /tmp/check.out | head -20; fi
}
# refuse NAME STATUS CMD... : CMD must fail with STATUS
refuse() {
	name=$1 want=$2
	shift 2
	"$@" >/tmp/check.out 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name (exit $rc)"; else bad "$name: exit $rc, want $want"; sed 's/^/     | /' /tmp/check.out | head -20; fi
}
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}
# the NVMe PF (QEMU 1b36:0010 with SR-IOV)
nvme_pf() {
	for d in /sys/bus/pci/devices/*; do
		[ -f "$d/sriov_totalvfs" ] && [ "$(cat "$d/vendor")" = 0x1b36 ] && { basename "$d"; return; }
	done
}
drv() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
group() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
