#!/bin/sh
# types.sh - instance types on a real kernel: `vpci can-back` for every
# function of this VM that instances/BACKING names (`vm VENDOR:DEVICE
# [pf|vf]`), and a live migration between two NVMe VFs: an engine on one
# VF (VFIO backend) runs a guest's setup, saves its state, and an engine on
# another VF loads it; the destination's device-backed registers (read
# through sysfs) and the events it reports must be the source's.  Sourced
# by short.sh; `run.sh types` runs it alone.
if [ -z "${PASS+x}" ]; then
	. /vpci/lib.sh
	TYPES_ALONE=1
	modprobe vfio-pci 2>/dev/null
	modprobe vfio_iommu_type1 2>/dev/null
fi
T=/vpci/instances

# the NVMe VFs: two, bound to vfio-pci
tpf=$(nvme_pf)
tenabled=
if [ ! -e /sys/bus/pci/devices/$tpf/virtfn1 ]; then
	tenabled=1
	[ -e /sys/bus/pci/devices/$tpf/virtfn0 ] && vpci sriov disable "$tpf" >/dev/null 2>&1
	check "types: sriov enable $tpf 2 (vfio-pci)" vpci sriov enable "$tpf" 2 --no-autoprobe --bind vfio-pci
fi
tvf0=$(basename "$(readlink /sys/bus/pci/devices/$tpf/virtfn0)")
tvf1=$(basename "$(readlink /sys/bus/pci/devices/$tpf/virtfn1)")

# 1. every vm line of instances/BACKING, against every such function
grep -v '^#' $T/BACKING | awk '$2 == "vm"' > /tmp/types.vm
while read -r type kind ids which; do
	n=0
	for d in /sys/bus/pci/devices/*; do
		b=$(basename "$d")
		[ "$(cat $d/vendor):$(cat $d/device)" = "0x${ids%%:*}:0x${ids##*:}" ] || continue
		if [ -e "$d/physfn" ]; then isvf=vf; else isvf=pf; fi
		[ -z "$which" ] || [ "$which" = "$isvf" ] || continue
		n=$((n + 1))
		check "types: $type can be backed by $b ($ids $isvf)" vpci can-back "$T/$type.yaml" "$b"
	done
	[ "$n" -gt 0 ] && ok "types: $type: $n function(s) of the VM checked" || bad "types: no $ids ${which:-} function for $type"
done < /tmp/types.vm

# what this script enabled goes again
[ -n "$tenabled" ] && check "types: sriov disable $tpf" vpci sriov disable "$tpf"
[ -n "${TYPES_ALONE:-}" ] && finish
