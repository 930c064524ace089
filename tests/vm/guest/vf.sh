#!/bin/sh
# vf.sh - VF personas (vpci derive --vf-of) against the kernel's real VFs
# of QEMU's NVMe PF, and a dump's VF completed from its PF.  Sourced by
# short.sh: vf_personas runs while the PF has no VF, vf_compare once VFs
# exist ($pf, $vfs set).  Every difference between a persona and the real
# VF is either absent or one of those docs/policy.md ("SR-IOV VFs") and
# docs/vf-shared-fields.md explain; anything else fails.

P=/tmp/persona
mkdir -p $P

# offset (decimal) of capability NAME in lspci -v of function $1
cap_off() {
	printf '%d' "0x$(lspci -v -s "$1" | sed -n "s/.*Capabilities: \[\([0-9a-f]*\)[^]]*\] $2.*/\1/p" | head -n1)"
}

# the differing bytes of two files as "OFFSET(hex)" words (cmp -l is 1-based)
diff_offsets() {
	cmp -l "$1" "$2" | while read -r o _a _b; do printf '0x%x ' $((o - 1)); done
}

# 1. before any VF exists: personas of VF 1 and 2, guest and raw views
vf_personas() {
	[ "$(cat /sys/bus/pci/devices/$pf/sriov_numvfs)" = 0 ] && ok "no VF enabled on $pf" || bad "VFs already enabled"
	for n in 1 2; do
		check "derive --vf-of $pf --vf $n (guest)" vpci derive -q --vf-of "$pf" --vf $n -o $P/g$n.yaml
		check "derive --vf-of $pf --vf $n --policy raw" vpci derive -q --vf-of "$pf" --vf $n --policy raw -o $P/r$n.yaml
		check "derive --vf-of $pf --vf $n --vf-view vf" vpci derive -q --vf-of "$pf" --vf $n --vf-view vf -o $P/v$n.yaml
	done
	check "personas pass vpci check" vpci check -q $P/g1.yaml $P/g2.yaml $P/v1.yaml
	[ "$(cat /sys/bus/pci/devices/$pf/sriov_numvfs)" = 0 ] && ok "deriving personas enabled no VF" || bad "a persona derive enabled VFs"
	refuse "derive --vf-of $pf --vf 99 (beyond TotalVFs)" 64 vpci derive -q --vf-of "$pf" --vf 99
	refuse "derive --vf-of a function without SR-IOV" 65 vpci derive -q --vf-of 00:00.0
	vf_virtual_pf
}

# 1b. a virtual PF made of the real PF (raw) and its VF persona: the
#     guest's PF driver sequence through the engine gives one vf event per
#     VF, at the Routing IDs the kernel will use for the real VFs
vf_virtual_pf() {
	vpci derive -q --policy raw "$pf" -o $P/vpf.yaml
	cp $P/g1.yaml $P/vpf-vf.yaml
	sed -i 's/^  config-size: 4096$/  config-size: 4096\n  vf-template: vpf-vf.yaml/' $P/vpf.yaml
	check "a virtual PF: the raw PF with vf-template: its VF persona" vpci check -q $P/vpf.yaml
	cap=$(cap_off "$pf" Single)
	printf 'w %#x 2 2\nw %#x 2 0x9\nw %#x 2 0\n' $((cap + 0x10)) $((cap + 0x8)) $((cap + 0x8)) > $P/vpf.script
	vpci emulate $P/vpf.yaml --script $P/vpf.script > $P/vpf.out 2>&1
	sed 's/^/     | /' $P/vpf.out | grep event
	pfrid=$(( (0x$(echo "$pf" | cut -d: -f2) << 8) | (0x$(echo "$pf" | cut -d: -f3 | cut -d. -f1) << 3) | $(echo "$pf" | cut -d. -f2) ))
	echo $pfrid > $P/pfrid
	[ "$(grep -c 'event vf vf=[12] enabled=1' $P/vpf.out)" = 2 ] && [ "$(grep -c 'event vf vf=[12] enabled=0' $P/vpf.out)" = 2 ] \
		&& ok "virtual PF: VF Enable brings VFs 1 and 2, clearing it takes them" || bad "virtual PF events"
}

# 2. the real VFs against the personas
vf_compare() {
	n=0
	for vf in $vfs; do
		n=$((n + 1))
		d=/sys/bus/pci/devices/$vf
		echo "     | VF $n = $vf"
		vpci derive -q "$vf" -o $P/k$n.yaml
		# the address: First VF Offset / VF Stride
		grep -q "slot: \"$vf\"" $P/g$n.yaml && ok "persona $n address is $vf" || bad "persona $n address: $(grep slot: $P/g$n.yaml)"
		# IDs: what the kernel shows in sysfs
		ven=$(sed 's/0x//' $d/vendor) dev=$(sed 's/0x//' $d/device)
		grep -q "vendor-id: 0x$ven" $P/g$n.yaml && grep -q "device-id: 0x$dev" $P/g$n.yaml \
			&& ok "persona $n IDs $ven:$dev = sysfs" || bad "persona $n IDs differ from sysfs $ven:$dev"
		# BAR 0 size: the kernel's resource for the VF
		kb=$(head -n1 $d/resource | { read -r s e _; echo $((e - s + 1)); })
		pb=$(vpci show --json $P/g$n.yaml | sed -n 's/.*"index": 0,[^}]*"size": \([0-9]*\).*/\1/p' | head -n1)
		[ "$pb" = "$kb" ] && ok "persona $n BAR 0 size $pb = kernel resource" || bad "persona $n BAR 0 size '$pb', kernel $kb"
		# the capability chain, as lspci decodes it: offsets and IDs
		vpci render --no-check $P/r$n.yaml --format lspci --slot "$vf" -o $P/r$n.lspci
		chain='s/.*Capabilities: \[\([0-9a-f]*\)[^]]*\] \([A-Za-z-]*\).*/\1 \2/p'
		lspci -F $P/r$n.lspci -v -s "$vf" | sed -n "$chain" > $P/chain.p
		lspci -v -s "$vf" | sed -n "$chain" > $P/chain.k
		[ -s $P/chain.k ] && cmp -s $P/chain.p $P/chain.k \
			&& ok "persona $n capability chain = the VF's: $(tr '\n' ' ' < $P/chain.k)" \
			|| { bad "persona $n capability chain differs"; diff $P/chain.k $P/chain.p | sed 's/^/     | /'; }
		msix=$(cap_off "$vf" MSI-X) pcie=$(cap_off "$vf" Express) pm=$(cap_off "$vf" Power)
		# guest views, byte for byte: only the MSI-X Table Size may differ
		vpci render $P/g$n.yaml --format bin -o $P/g$n.bin
		vpci render $P/k$n.yaml --format bin -o $P/k$n.bin
		got=$(diff_offsets $P/g$n.bin $P/k$n.bin)
		want=$(printf '0x%x ' $((msix + 2)))
		echo "     | guest view: persona vs kernel's VF differ at: ${got:-nothing}"
		[ "$got" = "$want" ] || [ -z "$got" ] && ok "persona $n guest view = the VF's guest view but the MSI-X Table Size" \
			|| bad "persona $n guest view differs at $got (explained: $want)"
		# raw: the VF's config space byte for byte, but the MSI-X Table
		# Size, QEMU's Interrupt Pin 1, QEMU's Device Control 0 and the
		# power state the host left the VF in (vfio-pci idles an unused
		# VF in D3hot; the persona is the VF after VF Enable, in D0)
		vpci render --no-check $P/r$n.yaml --format bin -o $P/r$n.bin
		got=$(diff_offsets $P/r$n.bin $d/config)
		echo "     | raw: persona vs sysfs config differ at: ${got:-nothing}"
		unexplained=""
		for o in $got; do
			b=$(od -An -tx1 -j$((o)) -N1 $d/config | tr -d ' ') p=$(od -An -tx1 -j$((o)) -N1 $P/r$n.bin | tr -d ' ')
			echo "     |   $o: VF $b, persona $p"
			case $((o)) in
			61 | $((msix + 2)) | $((msix + 3)) | $((pcie + 8)) | $((pcie + 9))) ;;
			$((pm + 4))) [ $(((0x$b ^ 0x$p) & ~3)) = 0 ] || unexplained="$unexplained $o" ;;
			*) unexplained="$unexplained $o" ;;
			esac
		done
		[ -z "$unexplained" ] && ok "persona $n raw config = the VF's but the explained bytes" \
			|| bad "persona $n raw config: unexplained bytes$unexplained"
	done

	# the virtual PF's VF Routing IDs (relative to the PF) are the real VFs'
	n=0
	for vf in $vfs; do
		n=$((n + 1))
		rid=$(( (0x$(echo "$vf" | cut -d: -f2) << 8) | (0x$(echo "$vf" | cut -d: -f3 | cut -d. -f1) << 3) | $(echo "$vf" | cut -d. -f2) ))
		want=$(printf '0x%04x' $((rid - $(cat $P/pfrid))))
		grep -q "event vf vf=$n enabled=1 rid=$want" $P/vpf.out && ok "virtual PF: VF $n at Routing ID PF + $want = $vf" \
			|| bad "virtual PF: VF $n is not at PF + $want ($vf)"
	done

	# the VF view through VFIO: Memory Space Enable reads 0 whatever the
	# guest writes, and the BAR decodes as soon as it has an address
	vf=$(echo $vfs | cut -d' ' -f1)
	g=$(group "$vf")
	check "derive $vf --vf-view vf" vpci derive -q "$vf" --vf-view vf -o $P/view.yaml
	check "the VF view passes vpci check" vpci check -q $P/view.yaml
	# through VFIO (which virtualizes the IDs) the VF is still known as a
	# VF: its PF-shared bits are marked and off the device
	vpci derive -q --vfio /dev/vfio/$g --device "$vf" -o $P/vfio.yaml
	check "derive --vfio: the VF rules apply (Bus Master alone device-backed)" \
		grep -q 'command: {value: 0x0000, device: 0x0004, policy: pf-shared}' $P/vfio.yaml
	printf 'w 0x10 4 0xfe100000\nw 0x14 4 0\nw 0x4 2 0x0006\nr 0x4 2\n' > $P/view.script
	vpci emulate $P/view.yaml --backend vfio:/dev/vfio/$g,$vf --script $P/view.script > $P/view.out 2>&1
	sed 's/^/     | /' $P/view.out
	grep -q 'event bar index=0 addr=0xfe100000' $P/view.out && ok "VF view: the BAR decodes without Memory Space Enable" \
		|| bad "VF view: no bar event"
	grep -q 'r 0x4 2 = 0x0004' $P/view.out && ok "VF view: Command reads Bus Master only (Memory Space RO 0)" \
		|| bad "VF view: Command reads $(grep 'r 0x4' $P/view.out)"

	# a dump of the PF and a VF: the VF's identity and BARs from the PF
	vf=$(echo $vfs | cut -d' ' -f1)
	{ lspci -xxxx -vvv -s "$pf"; lspci -xxxx -vvv -s "$vf"; } | sed 's/^0000://' > $P/dump.lspci
	lspci -xxxx -s "$vf" > $P/vfonly.lspci
	size=$(vpci show --json $P/k1.yaml | sed -n 's/.*"index": 0,[^}]*"size": \([0-9]*\).*/\1/p' | head -n1)
	check "derive --dump (PF + VF) --slot $vf" vpci derive -q --dump $P/dump.lspci --slot "$vf" --bar-size 0=$size -o $P/d1.yaml
	vpci render $P/d1.yaml --format bin -o $P/d1.bin
	got=$(diff_offsets $P/d1.bin $P/k1.bin)
	[ -z "$got" ] && ok "the dump's VF, completed from its PF, = the kernel's VF (guest view)" \
		|| bad "the dump's VF differs from the kernel's at $got"
	check "the dump's VF names its PF" grep -q "VF 1 of the PF $pf" $P/d1.yaml
	refuse "derive --dump of a VF without its PF" 65 vpci derive -q --dump $P/vfonly.lspci
}
