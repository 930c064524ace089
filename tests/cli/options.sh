#!/bin/sh
# options.sh VPCI SRCDIR - the command line as users of lspci, git and
# driverctl expect it: one error line per bad option with a suggestion and
# one "Try" line, exit 64; help for every command; --version; standard
# input named <stdin>.
set -u
vpci=$1
src=$2
. "$src/tests/cli/lib.sh"
nvme=$src/examples/nvme.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- bad options and commands: exact messages --------------------------
expect "near-miss long option" 64 "vpci show: unknown option '--jsn'; did you mean '--json'?
Try 'vpci show --help'." "$vpci" show --jsn "$nvme"
expect "near-miss command" 64 "vpci: unknown command 'shw'; did you mean 'show'?
Try 'vpci --help'." "$vpci" shw "$nvme"
expect "unknown command without a near miss" 64 "vpci: unknown command 'frobnicate'
Try 'vpci --help'." "$vpci" frobnicate
expect "two bad options: two lines, one Try line" 64 "vpci render: unknown option '--formt'; did you mean '--format'?
vpci render: unknown option '--slto'; did you mean '--slot'?
Try 'vpci render --help'." "$vpci" render --formt bin --slto 1 "$nvme"
expect "a prefix is suggested, not accepted" 64 "vpci render: unknown option '--form'; did you mean '--format'?
Try 'vpci render --help'." "$vpci" render --form bin "$nvme"
expect "a long option with one dash" 64 "vpci check: unknown option '-json'; did you mean '--json'?
Try 'vpci check --help'." "$vpci" check -json "$nvme"
expect "unknown short option" 64 "vpci check: unknown option '-x'
Try 'vpci check --help'." "$vpci" check -x "$nvme"
expect "near-miss subcommand" 64 "vpci quirks: unknown subcommand 'shw'; did you mean 'show'?
Try 'vpci quirks --help'." "$vpci" quirks shw x
expect "near-miss value of a choice" 64 "vpci render: unknown value 'lspcii' for '--format' (bin, lspci or yaml); did you mean 'lspci'?
Try 'vpci render --help'." "$vpci" render --format lspcii "$nvme"
expect "missing value" 64 "vpci derive: option '--policy' needs a value (POLICY)
Try 'vpci derive --help'." "$vpci" derive --policy
expect "value given to a flag" 64 "vpci show: option '--json' takes no value
Try 'vpci show --help'." "$vpci" show --json=yes "$nvme"
expect "option of another subcommand" 64 "vpci sriov: option '--no-autoprobe' goes with 'enable', not 'list'
Try 'vpci sriov --help'." "$vpci" sriov list --no-autoprobe
expect "option that needs another" 64 "vpci derive: option '--out' goes with '--all'
Try 'vpci derive --help'." "$vpci" derive --out d 00:00.0
expect "missing operand" 64 "vpci check: missing FILE
Try 'vpci check --help'." "$vpci" check
expect "extra operand" 64 "vpci show: unexpected argument 'extra'
Try 'vpci show --help'." "$vpci" show "$nvme" extra
expect "subcommand operands" 64 "vpci sriov: 'enable' needs PF N
Try 'vpci sriov --help'." "$vpci" sriov enable 0000:01:00.0
expect "--version takes no argument" 64 "vpci: '--version' takes no argument, got 'extra'
Try 'vpci --help'." "$vpci" --version extra
expect "unknown global option" 64 "vpci: unknown option '--verison'; did you mean '--version'?
Try 'vpci --help'." "$vpci" --verison
expect "help of an unknown command" 64 "vpci help: unknown command 'shwo'; did you mean 'show'?
Try 'vpci help'." "$vpci" help shwo
expect "no command" 64 - "$vpci"

# --- what parses ----------------------------------------------------------
t "options after operands" "$vpci" render "$nvme" --format bin -o "$tmp/a.bin"
t "--name=value" "$vpci" render --format=bin --output="$tmp/b.bin" "$nvme"
t "-xVALUE" "$vpci" render -fbin "-o$tmp/c.bin" "$nvme"
t "the three forms agree" sh -c "cmp '$tmp/a.bin' '$tmp/b.bin' && cmp '$tmp/a.bin' '$tmp/c.bin'"
t "bundled flags" "$vpci" check -qj "$nvme"
t "-- ends the options" "$vpci" check -q -- "$nvme"

# --- help --------------------------------------------------------------------
cmds=$("$vpci" help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 {print $1}')
t "vpci help lists the commands" test -n "$cmds"
t "vpci --help is vpci help" sh -c "[ \"\$('$vpci' --help)\" = \"\$('$vpci' help)\" ]"
t "vpci help prints the data directory" sh -c "VPCI_DATADIR=/x/y '$vpci' help | grep -q '/x/y'"
for c in $cmds; do
	t "help $c = $c --help" sh -c "[ \"\$('$vpci' help $c)\" = \"\$('$vpci' $c --help)\" ] && '$vpci' help $c | grep -q '^usage: vpci $c '"
	t "help $c fits 80 columns" sh -c "! '$vpci' help $c | awk 'length(\$0) > 80 {bad = 1} END {exit !bad}'"
done
t "vpci --version" sh -c "'$vpci' --version | grep -q '^vpci [0-9]'"

# --- standard input is <stdin> everywhere ------------------------------
t "check - says <stdin>: ok" sh -c "'$vpci' check - < '$nvme' | grep -qx '<stdin>: ok (qemu-nvme, 4 capabilities)'"
printf 'vpci: 1\nname: x\nfunction: {header: {vendr-id: 1}}\n' > "$tmp/bad.yaml"
t "a diagnostic on standard input says <stdin>" sh -c "'$vpci' check - < '$tmp/bad.yaml' 2>&1 | grep -q '^<stdin>:3:'"
t "check --json names <stdin>" sh -c "'$vpci' check --json - < '$nvme' | grep -q '\"file\": \"<stdin>\"'"
t "an emulate script on standard input says <stdin>" sh -c "echo 'bogus' | '$vpci' emulate '$nvme' 2>&1 | grep -q '^<stdin>:1: error: unknown command'"
t "--script - reads standard input" sh -c "echo 'r 0 2' | '$vpci' emulate '$nvme' --script - | grep -qx 'r 0x0 2 = 0x1b36'"
# --- derive --bar-size: sizes a dump lacks -------------------------------
dump=$tmp/nosizes.lspci
{
	echo "01:00.0 Device"
	printf '00: 86 80 34 12 00 00 10 00 01 00 00 02 00 00 00 00\n'
	printf '10: 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n'
	printf '20: 00 00 00 00 00 00 00 00 00 00 00 00 86 80 01 00\n'
	printf '30: 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00\n'
	for r in 4 5 6 7 8 9 a b c d e f; do
		printf '%s0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n' "$r"
	done
	echo
} >"$dump"
expect "bar-size: not a power of two" 64 "vpci derive: --bar-size: '15KiB' is not a power-of-two size (16KiB, 1MiB, 0x4000)
Try 'vpci derive --help'." "$vpci" derive --dump "$dump" --bar-size 0=15KiB
expect "bar-size: bad index" 64 "vpci derive: --bar-size: BAR index '9' is not 0..5 or rom
Try 'vpci derive --help'." "$vpci" derive --dump "$dump" --bar-size 9=16KiB
expect "bar-size: bad kind" 64 "vpci derive: --bar-size: kind 'mem16' is not io, mem32, mem64, mem32-pref or mem64-pref
Try 'vpci derive --help'." "$vpci" derive --dump "$dump" --bar-size 0=mem16:16KiB
expect "bar-size: twice" 64 "vpci derive: --bar-size: BAR 0 given twice
Try 'vpci derive --help'." "$vpci" derive --dump "$dump" --bar-size 0=16KiB,0=32KiB
sized() {
	"$vpci" derive --dump "$dump" --bar-size 0=16KiB -o "$tmp/sized.yaml" &&
		grep -q 'size: 16KiB' "$tmp/sized.yaml" && "$vpci" check "$tmp/sized.yaml"
}
t "bar-size: the given size is in the file and it checks" sized
unsized() {
	"$vpci" derive --dump "$dump" -o "$tmp/unsized.yaml" 2>"$tmp/err" &&
		grep -q 'size: unknown' "$tmp/unsized.yaml" && grep -q 'BAR 0: size unknown' "$tmp/err"
}
t "bar-size: without it the size is unknown and said so" unsized

summary
