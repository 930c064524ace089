#!/bin/sh
# vmm-probe.sh VMM_PROBE NVME_YAML - the VMM example (examples/vmm-probe.c)
# does what it says on examples/nvme.yaml: it exits 0 and prints the
# device it found, BAR 0 sized (16 KiB) and mapped at the address it
# programmed, MSI-X enabled with the file's 65 vectors, vector 0 routed,
# a saved state loaded by a second engine, and its verdict; it exits 64
# without an argument and 65 with diagnostics on a file it cannot load.
set -u
probe=$1
nvme=$2
. "$(dirname "$0")/check.sh"
"$probe" "$nvme" >"$tmp/out" 2>"$tmp/err"
rc=$?
name="exits 0 on $nvme"
t test "$rc" = 0
name="nothing on stderr"
t test ! -s "$tmp/err"
for line in '[vm0] found 1b36:0010' \
	    '[vm0] BAR 0: 0x4000 bytes at 0xc0000000' \
	    '[vm0] map BAR 0: 0xc0000000+0x4000' \
	    '[vm0] MSI-X on, 65 vectors' \
	    '[vm0] MSI-X vector 0 unmasked: 0xfee00000 data 0x41' \
	    '[vm1] map BAR 0: 0xc0000000+0x4000' \
	    '[vm1] loaded' \
	    'vmm-probe: ok (enumerated, mapped, MSI-X routed, migrated)'; do
	name="prints: $line"
	t grep -qxF "$line" "$tmp/out"
done
name="prints: [vm0] saved N bytes of state"
t grep -Eqx '\[vm0\] saved [1-9][0-9]* bytes of state' "$tmp/out"
"$probe" >/dev/null 2>"$tmp/err"
rc=$?
name="exits 64 without an argument"
t test "$rc" = 64
printf 'vpci: 1\nname: broken\nfunction: {header: {vendr-id: 1}}\n' >"$tmp/bad.yaml"
"$probe" "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"
rc=$?
name="exits 65 on an invalid file"
t test "$rc" = 65
name="reports the invalid key with its position"
t grep -q "bad.yaml:3:.*vendr-id" "$tmp/err"
[ $fail -gt 0 ] && sed 's/^/    /' "$tmp/out"
finish 14
