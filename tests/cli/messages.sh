#!/bin/sh
# messages.sh VPCI SRCDIR - messages that must fit the situation:
# "needs root" only for a permission error of a user who is not
# root; the PCI ID database is read once per process however many
# functions derive writes.
set -u
vpci=$1
src=$2
. "$src/tests/cli/lib.sh"
nvme=$src/examples/nvme.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# a sysfs tree with one function whose config file only root may write
dev=$tmp/sys/bus/pci/devices/0000:01:00.0
mkdir -p "$dev"
head -c 256 /dev/zero > "$dev/config"
chmod 644 "$dev/config"
chmod 755 "$tmp"
err=$("$vpci" emulate "$nvme" --sysfs-root "$tmp/sys" --backend sysfs:0000:09:00.0 < /dev/null 2>&1)
t "a missing device: the error, no word of root" sh -c "echo '$err' | grep -q 'No such file or directory\$'"
if [ "$(id -u)" = 0 ]; then
	t "root is not told that it needs root" sh -c "chmod 444 '$dev/config'; ! '$vpci' emulate '$nvme' --sysfs-root '$tmp/sys' --backend sysfs:01:00.0 < /dev/null 2>&1 | grep -q needs.root; chmod 644 '$dev/config'"
	# only where the unprivileged user can run the tool on the example
	if command -v setpriv >/dev/null &&
		setpriv --reuid=65534 --regid=65534 --clear-groups "$vpci" check -q "$nvme" 2>/dev/null; then
		t "a user who is not root: permission denied, needs root" sh -c \
			"setpriv --reuid=65534 --regid=65534 --clear-groups '$vpci' emulate '$nvme' --sysfs-root '$tmp/sys' --backend sysfs:01:00.0 < /dev/null 2>&1 | grep -q 'Permission denied (writing config space needs root)\$'"
	else
		echo "skip the unprivileged case: setpriv cannot drop privileges here"
	fi
else
	t "a user who is not root: permission denied, needs root" sh -c \
		"'$vpci' emulate '$nvme' --sysfs-root '$tmp/sys' --backend sysfs:01:00.0 < /dev/null 2>&1 | grep -q 'Permission denied (writing config space needs root)\$'"
fi

# the ID database: loaded once for 13 functions, and not at all when
# nothing is written
if command -v strace >/dev/null && strace -f -qq -e trace=none true 2>/dev/null; then
	mkdir "$tmp/fx"
	tar -C "$tmp/fx" -xJf "$src/tests/data/sysfs/qemu-sriov.tar.xz"
	opens() {
		strace -f -qq -e trace=open,openat -o "$tmp/trace" "$vpci" derive -q "$@" --sysfs-root "$tmp/fx/sys" > /dev/null 2>&1
		grep -c 'pci\.ids"' "$tmp/trace"
	}
	n=$(ls "$tmp/fx/sys/bus/pci/devices" | wc -l)
	t "derive --all --out ($n functions) opens the ID database once" test "$(opens --all --out "$tmp/o")" = 1
	t "derive --all without --out does not open it" test "$(opens --all)" = 0
	t "derive --all --no-names does not open it" test "$(opens --all --no-names --out "$tmp/o2")" = 0
else
	echo "skip the ID-database count: strace is missing or cannot trace here"
fi
summary
