#!/bin/sh
# capture-sysfs.sh OUT.tar[.xz] [SYSFS_ROOT] - capture what `vpci derive`
# reads of every PCI function into a tarball that `--sysfs-root` can read:
# bus/pci/devices/BDF/{config,resource,vendor,device,subsystem_*,class,
# revision,sriov_*} plus the physfn/virtfn*/driver/iommu_group links
# (re-pointed inside the capture).  Run as root to get 4096-byte configs.
set -eu
out=$1
root=${2:-/sys}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base="$tmp/sys"
mkdir -p "$base/bus/pci/devices" "$base/bus/pci/drivers" "$base/kernel/iommu_groups"
for d in "$root"/bus/pci/devices/*; do
	[ -e "$d/config" ] || continue
	bdf=$(basename "$d")
	dst="$base/bus/pci/devices/$bdf"
	mkdir -p "$dst"
	for a in config resource vendor device subsystem_vendor subsystem_device class revision \
		 sriov_totalvfs sriov_numvfs sriov_offset sriov_stride sriov_vf_device \
		 sriov_drivers_autoprobe driver_override; do
		[ -r "$d/$a" ] && cat "$d/$a" > "$dst/$a" 2>/dev/null || true
	done
	for l in physfn "$d"/virtfn*; do
		l=$(basename "$l")
		[ -L "$d/$l" ] || continue
		ln -s "../$(basename "$(readlink "$d/$l")")" "$dst/$l"
	done
	if [ -L "$d/driver" ]; then
		drv=$(basename "$(readlink "$d/driver")")
		mkdir -p "$base/bus/pci/drivers/$drv"
		ln -s "../../drivers/$drv" "$dst/driver"
	fi
	if [ -L "$d/iommu_group" ]; then
		grp=$(basename "$(readlink "$d/iommu_group")")
		mkdir -p "$base/kernel/iommu_groups/$grp"
		ln -s "../../../../kernel/iommu_groups/$grp" "$dst/iommu_group"
	fi
done
case "$out" in
*.xz) tar -C "$tmp" -cJf "$out" sys ;;
*) tar -C "$tmp" -cf "$out" sys ;;
esac
echo "captured $(ls "$base/bus/pci/devices" | wc -l) functions into $out"
