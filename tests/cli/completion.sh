#!/bin/sh
# completion.sh VPCI SRCDIR - the bash completion (data/bash-completion/vpci)
# completes the commands, every option 'vpci help CMD' prints (and no
# other), subcommands, the choices of --format and --policy, and PCI
# addresses from the sysfs tree (here a captured one, via --sysfs-root).
set -u
vpci=$1
src=$2
. "$src/tests/cli/lib.sh"
command -v bash >/dev/null || { echo "bash missing: skipped"; exit 77; }
comp=$src/data/bash-completion/vpci
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/root"
ln -s "$(cd "$(dirname "$vpci")" && pwd)/$(basename "$vpci")" "$tmp/bin/vpci"
tar -C "$tmp/root" -xJf "$src/tests/data/sysfs/qemu-sriov.tar.xz"
root=$tmp/root/sys

# complete WORD...: what TAB offers after "vpci WORD..." (the last word is
# the one being completed), sorted, one per line
complete_words() {
	PATH="$tmp/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=(vpci "$@"); COMP_CWORD=$#
		_vpci
		printf "%s\n" "${COMPREPLY[@]}" | sort -u' bash "$comp" "$@"
}
same() { # NAME WANT WORD...: the completion is exactly WANT (space-separated)
	name=$1 want=$2
	shift 2
	got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
	want=$(printf '%s\n' $want | sort -u | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name"
		echo "     got:  $got"
		echo "     want: $want"
	fi
}

t "the script loads in bash" bash -c ". '$comp' && complete -p vpci"
cmds=$("$vpci" help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 {print $1}')
same "commands" "$cmds help --help --version" ""
same "help COMMAND" "$cmds" help ""
same "a prefix" "serve show sriov" s
for c in $cmds; do
	opts=$("$vpci" help "$c" | sed -n '/^Options:/,/^$/p' | grep -o -- '--[a-z0-9-]*' | sort -u)
	same "$c: every option and no other" "$opts" "$c" --
	verbs=$("$vpci" help "$c" | sed -n '/^Subcommands:/,/^$/p' | grep '^  [a-z]' | awk '{print $1}')
	[ -n "$verbs" ] && same "$c: subcommands" "$verbs" "$c" ""
done
same "render --format" "bin lspci yaml" render --format ""
same "render --format=" "bin lspci yaml" render --format = ""
same "derive --policy r" "raw" derive --policy r
bdfs=$(ls "$root/bus/pci/devices")
same "derive BDF from --sysfs-root" "$bdfs" derive --sysfs-root "$root" ""
same "derive --device BDF" "$(echo "$bdfs" | grep '^0000:01')" derive --sysfs-root "$root" --vfio /dev/vfio/1 --device 0000:01
same "sriov enable PF" "$bdfs" sriov --sysfs-root "$root" enable ""
same "sriov bind BDF DRIVER" "$(ls "$root/bus/pci/drivers")" sriov --sysfs-root "$root" bind 0000:01:00.1 ""
same "sriov list takes no operand" "" sriov list ""
same "place --add p" "pasid pri" place --add p
same "quirks show ID" "$("$vpci" quirks list | cut -d' ' -f1)" quirks show ""
mkdir -p "$tmp/d/sub"
touch "$tmp/d/a.yaml"
same "check FILE" "$tmp/d/a.yaml $tmp/d/sub" check "$tmp/d/"
same "derive --out DIR" "$tmp/d/sub" derive --all --out "$tmp/d/"
summary
