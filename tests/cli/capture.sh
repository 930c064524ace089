#!/bin/sh
# capture.sh VPCI SRCDIR - raw means raw: a capture of a device that breaks
# PCI rules (a VF: MSI-X in a BAR that reads 0; MSI Multiple Message Enable
# above Capable; a vendor capability of length 0) checks with warnings that
# say so, renders back exactly with the plain commands, and is refused by
# the commands that emulate it.
set -u
vpci=$1
src=$2
. "$src/tests/cli/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dump=$tmp/vf.lspci
{
	echo "03:10.1 Ethernet controller: a VF"
	# IDs 0xffff, Command 0, Status CapList; BARs 0; cap ptr 0x40
	printf '00: ff ff ff ff 00 00 10 00 01 00 00 02 00 00 00 00\n'
	printf '10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n'
	printf '20: 00 00 00 00 00 00 00 00 00 00 00 00 86 80 00 00\n'
	printf '30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00\n'
	# MSI-X at 0x40 (3 vectors, table/PBA in BAR 0) -> MSI at 0x50
	printf '40: 11 50 02 00 00 00 00 00 00 20 00 00 00 00 00 00\n'
	# MSI, 64-bit, MMC 1 vector, MME 4 vectors -> vendor at 0x70
	printf '50: 05 70 a0 00 00 00 00 00 00 00 00 00 00 00 00 00\n'
	printf '60: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n'
	# vendor-specific with length 0
	printf '70: 09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n'
	for r in 8 9 a b c d e f; do
		printf '%s0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n' "$r"
	done
	echo
} >"$dump"

t "raw derive of a rule-breaking capture" "$vpci" derive --policy raw --dump "$dump" -o "$tmp/raw.yaml"
checks() {
	"$vpci" check "$tmp/raw.yaml" 2>"$tmp/check.err" &&
		grep -q 'warning: .*the device breaks a PCI rule (kept as captured): MSI-X table is in BAR 0' "$tmp/check.err" &&
		grep -q 'the device breaks a PCI rule (kept as captured): MSI Multiple Message Enable' "$tmp/check.err" &&
		grep -q 'the device breaks a PCI rule (kept as captured): Vendor Specific length 0' "$tmp/check.err" &&
		! grep -q ' error: ' "$tmp/check.err"
}
t "check: the rule breaks are warnings that say so, exit 0" checks
renders() {
	"$vpci" render "$tmp/raw.yaml" --format lspci --slot 03:10.1 -o "$tmp/out.lspci" 2>/dev/null &&
		lspci -F "$dump" -xxxx | grep -E '^[0-9a-f]+: ' >"$tmp/a" &&
		lspci -F "$tmp/out.lspci" -xxxx | grep -E '^[0-9a-f]+: ' >"$tmp/b" && cmp -s "$tmp/a" "$tmp/b"
}
t "render (no --no-check): the captured bytes, as lspci -F reads them" renders
refused() {
	echo 'r 0 4' | "$vpci" emulate "$tmp/raw.yaml" >/dev/null 2>"$tmp/emu.err"
	[ $? = 65 ] && grep -q 'error: MSI Multiple Message Enable' "$tmp/emu.err" &&
		grep -q 'not emulatable: a raw capture keeps what the device shows' "$tmp/emu.err"
}
t "emulate refuses the capture (exit 65) with the rules it breaks" refused
# the same rule broken in a file that is not a capture is an error
sed 's/policy: "raw"/policy: "guest"/' "$tmp/raw.yaml" >"$tmp/notraw.yaml"
notraw() {
	"$vpci" check "$tmp/notraw.yaml" 2>"$tmp/nr.err"
	[ $? = 65 ] && grep -q 'error: MSI Multiple Message Enable' "$tmp/nr.err"
}
t "the same bytes in a file that is not a capture: errors, exit 65" notraw
summary
