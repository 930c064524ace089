#!/bin/sh
# bind.sh - an instance whose layout differs from the device's, on a real
# kernel: the e1000e's guest view with AER moved from 0x100 to 0x180 (and
# the DSN moved to 0x100) is emulated through VFIO and through sysfs; the
# guest's writes to AER reach the device's AER at 0x100 (read back through
# sysfs), never the DSN the guest sees at 0x100.  An instance the device
# cannot back is refused with its reasons.  Sourced by short.sh; `run.sh
# bind` runs it alone.
if [ -z "${PASS+x}" ]; then
	. /vpci/lib.sh
	BIND_ALONE=1
	modprobe vfio-pci 2>/dev/null
	modprobe vfio_iommu_type1 2>/dev/null
fi
nic=$(for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor)" = 0x8086 ] && [ "$(cat $d/device)" = 0x10d3 ] && basename $d; done)
cfg=/sys/bus/pci/devices/$nic/config
# a 32-bit register of the device, through sysfs
rd32() { od -An -tx4 -j$(($1)) -N4 "$cfg" | tr -d ' '; }

check "bind: e1000e $nic to vfio-pci" vpci sriov bind "$nic" vfio-pci
g=$(group "$nic")
vpci derive -q --vfio /dev/vfio/$g --device "$nic" -o /tmp/bnic.yaml
# the device has AER at 0x100 and DSN at 0x140; the instance gets DSN at
# 0x100 and AER at 0x180 (chain order follows)
awk '
function flush() { printf "%s%s%s", blk["dsn"], blk["aer"], rest; inext = 0 }
/^  extended-capabilities:/ { inext = 1; print; next }
inext && /^    - type: / { cur = $3; blk[cur] = $0 "\n"; next }
inext && /^      / { if ($1 == "offset:") $0 = "      offset: " (cur == "dsn" ? "0x100" : cur == "aer" ? "0x180" : $2); blk[cur] = blk[cur] $0 "\n"; next }
inext && /^        / { blk[cur] = blk[cur] $0 "\n"; next }
inext { flush() }
{ print }
END { if (inext) flush() }' /tmp/bnic.yaml > /tmp/moved.yaml
check "bind: the moved instance is valid" vpci check -q /tmp/moved.yaml
grep -A1 'type: aer' /tmp/moved.yaml | grep -q 'offset: 0x180' && ok "bind: AER at 0x180 in the instance" || bad "bind: AER not moved"
check "bind: can-back accepts the device (sysfs)" vpci can-back /tmp/moved.yaml "$nic"
check "bind: the map moves AER 0x18c -> 0x10c" sh -c "vpci can-back --map /tmp/moved.yaml $nic | grep -q '0x18c..0x18f -> 0x10c..0x10f'"

# AER Uncorrectable Error Severity (QEMU's e1000e keeps the mask read-only)
dsn0=$(rd32 0x140)
sev0=$(rd32 0x10c)
# through VFIO: bit 12 (Poisoned TLP) fatal
# (read through sysfs while the engine holds the device: vfio-pci restores
# the saved state when the device is closed)
cat > /tmp/bind.script <<EOS
w 0x18c 4 0x00463030
r 0x18c 4
r 0x100 4
! od -An -tx4 -j268 -N4 $cfg | tr -d ' ' > /tmp/sev.vfio
EOS
vpci emulate /tmp/moved.yaml --backend vfio:/dev/vfio/$g,$nic --script /tmp/bind.script > /tmp/bind.out 2>&1
grep -q '^r 0x18c 4 = 0x00463030' /tmp/bind.out && ok "bind: VFIO: the guest reads its write back at 0x18c" \
	|| { bad "bind: VFIO read back"; sed 's/^/     | /' /tmp/bind.out | head; }
[ "$(cat /tmp/sev.vfio)" = 00463030 ] && ok "bind: VFIO: the write reached the device's AER at 0x10c (sysfs $sev0 -> $(cat /tmp/sev.vfio))" \
	|| bad "bind: VFIO: sysfs 0x10c reads $(cat /tmp/sev.vfio)"
[ "$(rd32 0x140)" = "$dsn0" ] && ok "bind: the device's DSN at 0x140 is untouched" || bad "bind: DSN changed"
grep -q '^r 0x100 4 = 0x1' /tmp/bind.out && ok "bind: the guest sees its DSN header at 0x100" \
	|| bad "bind: guest 0x100 reads $(grep '^r 0x100' /tmp/bind.out)"
# through sysfs: bit 13 (Flow Control Protocol Error) fatal too
printf 'w 0x18c 4 0x00467030\nr 0x18c 4\n' > /tmp/bind.script
vpci emulate /tmp/moved.yaml --backend sysfs:$nic --script /tmp/bind.script > /tmp/bind.out 2>&1
[ "$(rd32 0x10c)" = 00467030 ] && ok "bind: sysfs: the write reached the device's AER at 0x10c" \
	|| { bad "bind: sysfs: 0x10c reads $(rd32 0x10c)"; sed 's/^/     | /' /tmp/bind.out | head; }
printf 'w 0x18c 4 0x%s\n' "$sev0" > /tmp/bind.script
vpci emulate /tmp/moved.yaml --backend sysfs:$nic --script /tmp/bind.script >/dev/null 2>&1
[ "$(rd32 0x10c)" = "$sev0" ] && ok "bind: severity restored" || bad "bind: severity not restored"

# an instance the device cannot back: more MSI-X vectors, a larger BAR 0
sed -e 's/^\(        message-control: \)0x00\(0[0-9a-f]\)$/\10x001f/' /tmp/moved.yaml |
	awk '/^    - index: 0$/ { b = 1 } b && /^      size: / { print "      size: 1GiB"; b = 0; next } { print }' > /tmp/cannot.yaml
refuse "bind: emulate refuses an instance the device cannot back" 65 \
	vpci emulate /tmp/cannot.yaml --backend vfio:/dev/vfio/$g,$nic --script /tmp/bind.script
grep -q '\[msix-vectors\]' /tmp/check.out && grep -q '\[bar-size\]' /tmp/check.out && grep -q 'cannot back instance' /tmp/check.out \
	&& ok "bind: the refusal lists every reason" || { bad "bind: the refusal"; sed 's/^/     | /' /tmp/check.out | head; }
refuse "bind: can-back says no, with the reasons" 65 vpci can-back /tmp/cannot.yaml "$nic"
check "bind: give the e1000e back" vpci sriov bind "$nic" e1000e
[ -n "${BIND_ALONE:-}" ] && finish
