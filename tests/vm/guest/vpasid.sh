#!/bin/sh
# vpasid.sh - sourced by short.sh while VF $vf is bound to vfio-pci in
# IOMMU group $g: the VF's guest view gets a virtual PASID (and ATS and PRI
# where it has none: vpci place), runs on the engine over the VFIO backend,
# and lspci -vvv, reading the whole config space through the engine, shows
# the PASID capability where the placement put it; a guest enabling it is
# an event for the VMM.
vpci derive -q "$vf" -o /tmp/vp.yaml
adds="--add pasid:width=20,exec,priv" gapadds="--add pasid:width=20,exec,priv,gaps"
for t in pri ats; do
	grep -q "type: $t" /tmp/vp.yaml || { adds="--add $t $adds"; gapadds="--add $t:gaps $gapadds"; }
done
# by the rule (free ranges), else allowing gaps the file proves free
if ! vpci place /tmp/vp.yaml $adds > /tmp/place.out 2>/tmp/place.err; then
	sed 's/^/     | /' /tmp/place.err
	vpci place /tmp/vp.yaml $gapadds > /tmp/place.out
fi
sed 's/^/     | /' /tmp/place.out
off=$(sed -n 's/^pasid: at \(0x[0-9a-f]*\) .*/\1/p' /tmp/place.out)
[ -n "$off" ] && ok "virtual PASID placed in $vf's guest view at $off" || bad "no virtual PASID placed"
check "the placed file passes vpci check" vpci check -q /tmp/vp.yaml
check "vpci map draws it" sh -c "vpci map /tmp/vp.yaml | grep -q 'virtual Process Address Space ID (PASID)'"
# every DWORD through the engine, on the VFIO backend: an lspci -F dump
awk 'BEGIN { for (o = 0; o < 4096; o += 4) printf "r %d 4\n", o }' > /tmp/readall.txt
check "emulate --backend vfio reads the whole config space" sh -c \
	"vpci emulate /tmp/vp.yaml --backend vfio:/dev/vfio/$g,$vf --script /tmp/readall.txt > /tmp/readall.out"
awk -v slot="$vf" '
	function hex(s,  n, i) { n = 0; s = tolower(substr(s, 3)); for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
	BEGIN { print slot " Emulated function" }
	/^r 0x[0-9a-f]+ 4 = 0x[0-9a-f]+$/ {
		off = hex($2); v = hex($5)
		b[off] = v % 256; b[off + 1] = int(v / 256) % 256; b[off + 2] = int(v / 65536) % 256; b[off + 3] = int(v / 16777216) % 256
	}
	END { for (r = 0; r < 4096; r += 16) { line = sprintf("%03x:", r); for (i = 0; i < 16; i++) line = line sprintf(" %02x", b[r + i]); print line }; print "" }' \
	/tmp/readall.out > /tmp/engine.lspci
lspci -F /tmp/engine.lspci -vvv > /tmp/engine.vvv 2>/dev/null
sed -n '/PASID/,+2p' /tmp/engine.vvv | sed 's/^/     | /'
pos=$(printf '%x' "$off" 2>/dev/null)
check "lspci -vvv through the engine shows the PASID capability at $off" \
	grep -q "Capabilities: \[$pos v1\] Process Address Space ID (PASID)" /tmp/engine.vvv
check "... with Exec+ Priv+ and width 20" grep -q 'PASIDCap: Exec+ Priv+, Max PASID Width: 14' /tmp/engine.vvv
check "... and no broken chain" sh -c "! grep -Eq 'chain broken|chain looped' /tmp/engine.vvv"
check "the guest view's IDs through the engine (1b36, the VF Device ID)" \
	grep -q "^000: 36 1b $(echo "$vfdev" | sed 's/\(..\)\(..\)/\2 \1/')" /tmp/engine.lspci
ctl=$(printf '0x%x' $((off + 6)))
printf 'w %s 2 0x7\nr %s 2\n' "$ctl" "$ctl" > /tmp/enable.txt
check "a guest enabling the virtual PASID is a pasid event for the VMM" sh -c \
	"vpci emulate /tmp/vp.yaml --backend vfio:/dev/vfio/$g,$vf --script /tmp/enable.txt | grep -q '^event pasid value=0x0007 old=0x0000 enabled=1'"
