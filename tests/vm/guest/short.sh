#!/bin/sh
# short.sh - the VM suite the README's test command runs: a real Linux
# kernel (PCI core, SR-IOV sysfs, vfio-pci, intel-iommu) against vpci.
. /vpci/lib.sh
modprobe vfio-pci 2>/dev/null
modprobe vfio_iommu_type1 2>/dev/null
OUT=/tmp/derived
mkdir -p $OUT/raw $OUT/guest

# lines lspci takes from sysfs rather than from config space
SYSFS_ONLY='Kernel (driver|modules)|IOMMU group|NUMA node|Physical Slot|\[size=|Region|Expansion ROM|Latency|Interrupt: pin|Flags:'

# 1. raw derive of every function renders back to what the kernel shows
check "derive --all --policy raw" vpci derive -q --all --policy raw --out $OUT/raw
for f in /sys/bus/pci/devices/*; do
	b=$(basename "$f")
	y=$OUT/raw/$(echo "$b" | tr : -).yaml
	n=$(wc -c < "$f/config")
	vpci render --no-check "$y" --format bin -o /tmp/r.bin
	if head -c "$n" /tmp/r.bin | cmp -s - "$f/config"; then ok "raw bytes $b ($n bytes)"; else bad "raw bytes $b"; fi
	# lspci's decode of our dump equals its decode of the kernel's view
	vpci render --no-check "$y" --format lspci --slot "$b" -o /tmp/r.lspci
	lspci -F /tmp/r.lspci -vvv -s "$b" | grep -vE "$SYSFS_ONLY" > /tmp/a
	lspci -vvv -s "$b" | grep -vE "$SYSFS_ONLY" > /tmp/k
	if [ -s /tmp/k ] && cmp -s /tmp/a /tmp/k; then ok "lspci -vvv $b"; else bad "lspci -vvv $b"; diff /tmp/k /tmp/a | head -10 | sed 's/^/     | /'; fi
done

# 2. guest-policy files pass vpci check
check "derive --all (guest policy)" vpci derive -q --all --out $OUT/guest
check "guest files pass vpci check" vpci check -q $OUT/guest/*.yaml

# 3. SR-IOV: two VFs, unbound by autoprobe, bound to vfio-pci; VF
#    personas derived before the VFs exist, compared with them after
pf=$(nvme_pf)
[ -n "$pf" ] && ok "NVMe PF found ($pf)" || bad "no NVMe PF"
. /vpci/vf.sh
vf_personas
check "sriov enable $pf 2 --no-autoprobe --bind vfio-pci" vpci sriov enable "$pf" 2 --no-autoprobe --bind vfio-pci
vfs=$(for v in /sys/bus/pci/devices/$pf/virtfn*; do basename "$(readlink "$v")"; done)
n=0
for vf in $vfs; do
	n=$((n + 1))
	[ "$(drv "$vf")" = vfio-pci ] && ok "VF $vf bound to vfio-pci" || bad "VF $vf bound to '$(drv "$vf")'"
done
[ "$n" = 2 ] && ok "2 VFs exist" || bad "$n VFs exist"
vf=$(echo $vfs | cut -d' ' -f1)
vfdev=$(printf '%04x' "0x$(cat /sys/bus/pci/devices/$pf/sriov_vf_device)")

# 4. VF identity: raw config reads 0xffff, the derived guest file has the
#    PF's vendor and the VF Device ID; the bogus INTx pin is fixed by quirk
check "raw VF reads 0xffff" sh -c "vpci derive -q --policy raw $vf | grep -q 'vendor-id: 0xffff'"
vpci derive -q "$vf" -o /tmp/vf.yaml
check "VF vendor is the PF's" grep -q 'vendor-id: 0x1b36' /tmp/vf.yaml
check "VF device is the VF Device ID ($vfdev)" grep -q "device-id: 0x$vfdev" /tmp/vf.yaml
check "VF file passes vpci check" vpci check -q /tmp/vf.yaml
rawpin=$(od -An -tx1 -j61 -N1 /sys/bus/pci/devices/$vf/config | tr -d ' ')
echo "     | raw VF interrupt pin: $rawpin"
check "quirk qemu-nvme-vf-intx-pin recorded" grep -q 'qemu-nvme-vf-intx-pin' /tmp/vf.yaml
check "VF interrupt pin 0" grep -q 'interrupt-pin: 0x00' /tmp/vf.yaml
vf_compare

# 5. VFIO: derive through vfio-pci, and the probe replay on the real VF
g=$(group "$vf")
check "derive --vfio /dev/vfio/$g --device $vf" vpci derive -q --vfio /dev/vfio/$g --device "$vf" -o /tmp/vfio.yaml
check "emulate --backend vfio --probe" sh -c "vpci emulate /tmp/vf.yaml --backend vfio:/dev/vfio/$g,$vf --probe > /tmp/probe.out && grep -q 'event bar index=0' /tmp/probe.out"
# 5b. a virtual PASID in the VF's guest view, walked by lspci through the engine
. /vpci/vpasid.sh

# 6. the registry's refusals on the real kernel (default state directory):
#    a VF open through VFIO is not removed, its PF is not disabled, reset or
#    removed; an assigned VF is not removed; a forced PF removal takes the
#    VFs first (no orphans) and keeps the assigned VF as a broken record,
#    which the same VF re-associates when the PF and its VFs come back
sleep 60 3<>/dev/vfio/$g &
holder=$!
sleep 1
refuse "sriov disable refused while /dev/vfio/$g is open" 75 vpci sriov disable "$pf"
cp /tmp/check.out /tmp/refusal.out
check "the refusal names the user" grep -q "held open through VFIO by $holder" /tmp/refusal.out
refuse "remove of a VF held open through VFIO refused" 75 vpci sriov remove "$vf"
[ -e /sys/bus/pci/devices/$vf ] && ok "the VF is still on the bus" || bad "the VF was removed from under its user"
refuse "reset of the PF while its VF is in use refused" 75 vpci sriov reset "$pf"
refuse "remove of a PF with VFs refused" 75 vpci sriov remove "$pf"
cp /tmp/check.out /tmp/refusal.out
check "the refusal explains the safe order" grep -q orphan /tmp/refusal.out
check "sriov status --json shows the VFIO user" sh -c "vpci sriov status --json | grep -q '\"user\": \"$holder ('"
kill $holder
wait $holder 2>/dev/null
check "sriov assign $vf vm1" vpci sriov assign "$vf" vm1
refuse "remove of an assigned VF refused" 75 vpci sriov remove "$vf"
check "remove --force of the PF (VFs first)" vpci sriov remove "$pf" --force
[ ! -e /sys/bus/pci/devices/$pf ] && ok "PF removed" || bad "PF $pf still present"
[ ! -e /sys/bus/pci/devices/$vf ] && ok "no orphan VF left on the bus" || bad "orphan VF $vf"
check "the assigned VF is a broken record" sh -c "vpci sriov status | grep '^$vf' | grep -q 'vm1 *assigned.*BROKEN'"
echo 1 > /sys/bus/pci/rescan
sleep 1
[ -e /sys/bus/pci/devices/$pf ] && ok "PF back after a rescan" || bad "PF $pf not back"
check "sriov enable $pf 2 again" vpci sriov enable "$pf" 2 --no-autoprobe
check "the VF record is re-associated, still assigned" sh -c \
	"vpci sriov status | grep '^$vf' | grep 'vm1 *assigned' | grep -qv BROKEN"
check "sriov release $vf" vpci sriov release "$vf"
check "sriov disable" vpci sriov disable "$pf"
[ ! -e /sys/bus/pci/devices/$vf ] && ok "VFs gone after disable" || bad "VF $vf still present"

# 7. functions served by the host's vpci serve through QEMU's proxy
#    (run.sh serves one in this suite; the serve suite has them all)
if [ -f /mnt/out/served.tsv ]; then
	. /vpci/served.sh
	served_checks
fi

# 8. an instance with another layout than the device's (tests/vm/guest/bind.sh)
. /vpci/bind.sh
[ -n "${VPCI_FULL:-}" ] && . /vpci/extra.sh
# 9. instance types on the VM's functions, migration between two VFs
. /vpci/types.sh
finish
