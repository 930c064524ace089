#!/bin/sh
# run-fixtures.sh VPCI DATA_DIR - derive from sysfs trees captured by
# scripts/capture-sysfs.sh: this machine-independent copy of a real kernel's
# view (a QEMU guest with an NVMe SR-IOV PF and its VFs, captured by the VM
# suite; a KVM guest with virtio functions) must derive under both
# policies, pass vpci check, and give the VFs their kernel identity.
set -u
vpci=$1
data=$2
. "$(dirname "$0")/check.sh"
for tarball in "$data"/sysfs/*.tar.xz; do
	b=$(basename "$tarball" .tar.xz)
	mkdir -p "$tmp/$b"
	tar -C "$tmp/$b" -xJf "$tarball"
	root=$tmp/$b/sys
	for pol in raw guest; do
		name="$b: derive --all --policy $pol"
		t "$vpci" derive -q --sysfs-root "$root" --all --policy "$pol" --out "$tmp/$b-$pol"
		if [ "$pol" = guest ]; then
			name="$b: guest files pass vpci check"
			t "$vpci" check -q "$tmp/$b-$pol"/*.yaml
		fi
	done
	# raw files render back to the captured config bytes
	for cfg in "$root"/bus/pci/devices/*/config; do
		slot=$(basename "$(dirname "$cfg")")
		y=$tmp/$b-raw/$(echo "$slot" | tr : -).yaml
		name="$b: raw $slot renders the captured bytes"
		t sh -c "'$vpci' render --no-check '$y' --format bin | head -c \$(wc -c < '$cfg') | cmp -s - '$cfg'"
	done
	# every VF: the kernel's vendor/device, no INTx, the quirk if QEMU NVMe
	for physfn in "$root"/bus/pci/devices/*/physfn; do
		[ -e "$physfn" ] || [ -L "$physfn" ] || continue
		vf=$(basename "$(dirname "$physfn")")
		y=$tmp/$b-guest/$(echo "$vf" | tr : -).yaml
		vend=$(cat "$root/bus/pci/devices/$vf/vendor")
		dev=$(cat "$root/bus/pci/devices/$vf/device")
		name="$b: VF $vf has vendor $vend"
		t grep -Eq "^    vendor-id: $vend( |\$)" "$y"   # not subsystem-vendor-id
		name="$b: VF $vf has device $dev"
		t grep -Eq "^    device-id: $dev( |\$)" "$y"
		name="$b: VF $vf has no INTx"
		t grep -Eq "^    interrupt-pin: 0x00( |\$)" "$y"
		if [ "$vend" = 0x1b36 ]; then
			name="$b: VF $vf fixed by quirk qemu-nvme-vf-intx-pin"
			t grep -Eq "^  quirks: \"\[(.*, )?qemu-nvme-vf-intx-pin(, .*)?\]\"\$" "$y"
		fi
	done
done
finish
