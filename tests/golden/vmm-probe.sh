#!/bin/sh
# vmm-probe.sh VMM_PROBE NVME_YAML - the VMM example (examples/vmm-probe.c)
# does what it says on examples/nvme.yaml: it exits 0 and prints the
# device it found, BAR 0 sizing (16 KiB, 64-bit), the mapping at the
# address it programmed, MSI-X enabled and a saved state; it exits 64
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
	    '[vm0] BAR 0 sizing reads 0xffffc004' \
	    '[vm0] map BAR 0: 0xfe000000+0x4000' \
	    '[vm0] MSI-X on'; do
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
finish 10
