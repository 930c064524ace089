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
		# a function the host's vpci serve presents is an instance, not hardware
		[ -f /mnt/out/served.tsv ] && grep -q "^$b	" /mnt/out/served.tsv && continue
		if [ -e "$d/physfn" ]; then isvf=vf; else isvf=pf; fi
		[ -z "$which" ] || [ "$which" = "$isvf" ] || continue
		n=$((n + 1))
		check "types: $type can be backed by $b ($ids $isvf)" vpci can-back "$T/$type.yaml" "$b"
	done
	[ "$n" -gt 0 ] && ok "types: $type: $n function(s) of the VM checked" || bad "types: no $ids ${which:-} function for $type"
done < /tmp/types.vm

# 2. a live migration from one VF to the other: an engine on $tvf0 (VFIO)
# runs a guest's setup (BAR 0, decode and bus master, Device Control,
# MSI-X with vector 0 programmed) and saves; an engine on $tvf1 loads it.
# The device-backed bits read through sysfs while the engines hold the
# VFs (vfio-pci restores its saved state when a device is closed) must be
# the source's, the guest's reads the same, and the destination must
# report the events that rebuild the VMM's mappings.
tgrp() { basename "$(readlink /sys/bus/pci/devices/$1/iommu_group)"; }
tcfg() { od -An -tx2 -j"$2" -N2 /sys/bus/pci/devices/$1/config | tr -d ' '; }
# what the guest reads, then what the device holds (sysfs) into /tmp/types-$2.*
treads() {
	printf 'r 0x04 2\nr 0x88 2\nr 0x10 4\n'
	for x in cmd:4 devctl:136; do
		printf '! od -An -tx2 -j%s -N2 /sys/bus/pci/devices/%s/config | tr -d " " > /tmp/types-%s.%s\n' \
			"${x#*:}" "$1" "$2" "${x%%:*}"
	done
}
rm -f /tmp/types.state
{
	printf 'w 0x10 4 0xfe000000\nw 0x14 4 0x0\nw 0x04 2 0x0006\nw 0x88 2 0x2811\nw 0x42 2 0x8000\n'
	printf 'table w 0 8 0xfee01000\ntable w 8 4 0x41\ntable w 12 4 0\nsave /tmp/types.state\n'
	treads "$tvf0" src
} > /tmp/types-src.script
{
	printf 'load /tmp/types.state\n'
	treads "$tvf1" dst
} > /tmp/types-dst.script
tdst0=$(tcfg "$tvf1" 4)
check "types: migration: the source engine on $tvf0 (VFIO) saves" \
	vpci emulate "$T/nvme-vf@1.yaml" --backend "vfio:/dev/vfio/$(tgrp "$tvf0"),$tvf0" --script /tmp/types-src.script
cp /tmp/check.out /tmp/types-src.out
check "types: migration: the destination engine on $tvf1 (VFIO) loads" \
	vpci emulate "$T/nvme-vf@1.yaml" --backend "vfio:/dev/vfio/$(tgrp "$tvf1"),$tvf1" --script /tmp/types-dst.script
cp /tmp/check.out /tmp/types-dst.out
grep '^r ' /tmp/types-src.out > /tmp/types-src.reads
grep '^r ' /tmp/types-dst.out > /tmp/types-dst.reads
check "types: migration: the guest reads Command, Device Control and BAR 0 as on the source" \
	cmp /tmp/types-src.reads /tmp/types-dst.reads
scmd=$(cat /tmp/types-src.cmd) dcmd=$(cat /tmp/types-dst.cmd)
[ $((0x$dcmd & 0x0004)) = 4 ] && [ $((0x$dcmd & 0x0545)) = $((0x$scmd & 0x0545)) ] &&
	ok "types: migration: bus master reached $tvf1 (Command $tdst0 -> $dcmd, source $scmd)" ||
	bad "types: migration: $tvf1 Command reads $dcmd, source $scmd"
sdc=$(cat /tmp/types-src.devctl) ddc=$(cat /tmp/types-dst.devctl)
[ $((0x$ddc & 0x081f)) = $((0x$sdc & 0x081f)) ] &&
	ok "types: migration: Device Control reached $tvf1 ($ddc, source $sdc)" ||
	bad "types: migration: $tvf1 Device Control reads $ddc, source $sdc"
for ev in 'event bar index=0 addr=0xfe000000' 'event command value=0x0006' 'event msix enabled=1' \
	'event msix-vector vector=0 masked=0 addr=0xfee01000'; do
	grep -q "^$ev" /tmp/types-dst.out && ok "types: migration: the destination reports '$ev'" ||
		{ bad "types: migration: no '$ev' on the destination"; sed 's/^/     | /' /tmp/types-dst.out | head -20; }
done
printf 'load /tmp/types.state\n' > /tmp/types-pf.script
vpci emulate "$T/nvme@1.yaml" --script /tmp/types-pf.script > /tmp/types-pf.out 2>&1
[ $? != 0 ] && grep -q 'saved state refused: ' /tmp/types-pf.out &&
	ok "types: migration: the VF's state is refused by an nvme@1 (PF) engine, with the reason" ||
	{ bad "types: migration: loading the VF's state into nvme@1"; sed 's/^/     | /' /tmp/types-pf.out | head; }

# what this script enabled goes again
[ -n "$tenabled" ] && check "types: sriov disable $tpf" vpci sriov disable "$tpf"
[ -n "${TYPES_ALONE:-}" ] && finish
