#!/bin/sh
# extra.sh - the rest of the VM suite, run by full.sh after short.sh
# (sourced: lib.sh, $pf and $OUT are set).

# --- device-backed bits really reach the device through VFIO: memory
#     decode of the e1000e (a PF: Command.Memory is device-backed), set
#     through the engine, is seen in sysfs while the engine holds the device
nic=$(for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor)" = 0x8086 ] && [ "$(cat $d/device)" = 0x10d3 ] && basename $d; done)
check "bind e1000e $nic to vfio-pci" vpci sriov bind "$nic" vfio-pci
g=$(group "$nic")
vpci derive -q --vfio /dev/vfio/$g --device "$nic" -o /tmp/nic.yaml
cat > /tmp/cmd.script <<EOS
w 0x4 2 0x0000
! od -An -tx1 -j4 -N1 /sys/bus/pci/devices/$nic/config > /tmp/cmd.off
w 0x4 2 0x0002
! od -An -tx1 -j4 -N1 /sys/bus/pci/devices/$nic/config > /tmp/cmd.on
EOS
check "emulate e1000e through VFIO" vpci emulate /tmp/nic.yaml --backend vfio:/dev/vfio/$g,$nic --script /tmp/cmd.script
on=$(tr -d ' ' < /tmp/cmd.on) off=$(tr -d ' ' < /tmp/cmd.off)
[ $((0x$on & 2)) = 2 ] && [ $((0x$off & 2)) = 0 ] && ok "Command.Memory through the engine reaches the device (sysfs $off -> $on)" \
	|| bad "Command.Memory not seen in sysfs ($off -> $on)"

# --- differential test: the same writes through vfio-pci's own config
#     virtualization (passthrough) and through our guest view; the read
#     backs of registers both virtualize must agree, or be explained in
#     docs/policy.md ("Differences from vfio-pci")
diff_test() {
	label=$1 dev=$2 yaml=$3 script=$4
	g=$(group "$dev")
	# the engine binds before it serves: a refusal must fail the test, not
	# leave an empty side that nothing can differ from
	check "differential $label: emulate --passthrough" sh -c "vpci emulate $yaml --passthrough --backend vfio:/dev/vfio/$g,$dev --script $script > /tmp/d.vfio.all"
	check "differential $label: emulate" sh -c "vpci emulate $yaml --backend vfio:/dev/vfio/$g,$dev --script $script > /tmp/d.vpci.all"
	grep '^r ' /tmp/d.vfio.all > /tmp/d.vfio
	grep '^r ' /tmp/d.vpci.all > /tmp/d.vpci
	if cmp -s /tmp/d.vfio /tmp/d.vpci; then
		ok "differential $label: $(wc -l < /tmp/d.vpci) read-backs agree with vfio-pci"
	else
		echo "     differential $label: vfio-pci < > vpci"
		diff -u /tmp/d.vfio /tmp/d.vpci | grep '^[-+]r ' | sed 's/^/     | /'
		# the differences we know of and explain are listed here
		unexplained=$(diff -u /tmp/d.vfio /tmp/d.vpci | grep '^+r ' | grep -vE "$EXPLAINED" | head -3)
		[ -z "$unexplained" ] && ok "differential $label: every difference is explained" || bad "differential $label: unexplained $unexplained"
	fi
}
cat > /tmp/diff.script <<EOS
# BAR sizing and placement (both virtualize BARs)
w 0x10 4 0xffffffff
r 0x10 4
w 0x10 4 0xfe000000
r 0x10 4
w 0x30 4 0xfffff800
r 0x30 4
# Command: decode and bus master; INTx disable
w 0x4 2 0x0406
r 0x4 2
# Interrupt Line (virtual in both), Interrupt Pin
w 0x3c 1 0x0b
r 0x3c 1
r 0x3d 1
# Cache Line Size
w 0xc 1 0x10
r 0xc 1
# IDs and capability pointer
r 0x0 4
r 0x34 1
EOS
# known and documented differences (docs/policy.md, "Differences from
# vfio-pci"): vfio-pci leaves MSI-X Message Control read-only (the VMM
# emulates it and enables vectors with VFIO_DEVICE_SET_IRQS); vpci is that
# VMM layer, so the guest's enable and mask bits read back
EXPLAINED='^[+]r 0x42 2'
diff_test e1000e "$nic" /tmp/nic.yaml /tmp/diff.script

# the same on an NVMe VF (vfio-pci virtualizes its IDs, pin and memory bit)
check "sriov enable $pf 1 --bind vfio-pci" vpci sriov enable "$pf" 1 --no-autoprobe --bind vfio-pci
vf=$(basename "$(readlink /sys/bus/pci/devices/$pf/virtfn0)")
vpci derive -q --vfio /dev/vfio/$(group "$vf") --device "$vf" -o /tmp/vfd.yaml
cat >> /tmp/diff.script <<EOS
# MSI-X: enable with the function mask, then unmask
w 0x42 2 0xc000
r 0x42 2
w 0x42 2 0x8000
r 0x42 2
EOS
diff_test "NVMe VF" "$vf" /tmp/vfd.yaml /tmp/diff.script
vpci sriov disable "$pf" >/dev/null 2>&1

# --- a PF owned by vfio-pci: creating VFs needs enable_sriov=1, and its
#     VFs need the PF user's VF token; vpci sriov says so instead of failing
check "bind the PF $pf to vfio-pci" vpci sriov bind "$pf" vfio-pci
refuse "sriov enable on a vfio-pci PF without enable_sriov" 65 vpci sriov enable "$pf" 1
cp /tmp/check.out /tmp/refusal.out
check "the refusal explains enable_sriov and VF tokens" sh -c "grep -q enable_sriov=1 /tmp/refusal.out && grep -q 'VF token' /tmp/refusal.out"
check "give the PF back to nvme" vpci sriov bind "$pf" nvme

# --- a PF reset while VFs exist drops them; vpci sriov list says so
check "sriov enable $pf 2" vpci sriov enable "$pf" 2 --no-autoprobe
check "sriov reset of the PF (its VFs are free)" vpci sriov reset "$pf"
vpci sriov list > /tmp/list.out 2>&1
if grep -q 'GONE' /tmp/list.out; then
	ok "VFs that read all-ones after a PF reset are reported"
	check "with the way to recover" grep -q 'vpci sriov disable' /tmp/list.out
else
	echo "     | (the PF reset did not drop the VFs on this kernel)"
	sed 's/^/     | /' /tmp/list.out | head -5
	ok "PF reset: VFs still answer, nothing to report"
fi
check "sriov list --json" sh -c "vpci sriov list --json | grep -q total_vfs"
check "sriov disable after reset" vpci sriov disable "$pf"

# --- fixtures for host unit tests: the sysfs tree with PF and VFs
check "sriov enable for the capture" vpci sriov enable "$pf" 2 --no-autoprobe
if [ -d /mnt/out ]; then
	sh /vpci/capture-sysfs.sh /mnt/out/qemu-sriov.tar 2>/dev/null && ok "captured sysfs (PF, VFs) into the share" || bad "capture failed"
fi
vpci sriov disable "$pf" >/dev/null 2>&1

# --- benchmark: the probe replay through the engine vs the same accesses
#     as preads on the vfio-pci config region
if command -v emu-bench >/dev/null; then
	g=$(group "$nic")
	emu-bench --rounds 5 --iters 200000 --vfio "/dev/vfio/$g,$nic" | sed 's/^/     bench | /'
fi
