#!/bin/bash
# tests/vm/build.sh BUILD_DIR - prepare the test VM: a Debian kernel (apt
# download, unpacked, never installed), and an initramfs holding busybox,
# kmod, lspci, the project's statically linked vpci, emu-bench with the
# shared libraries it needs, the kernel modules the tests load, and our init.
#
# Everything large lives in $VPCI_VM_WORK (default /var/tmp/vpci-vm).
# Idempotent: downloads are kept; the initramfs is rebuilt every time
# (a couple of seconds) so it always holds the current build.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(cd "${1:?usage: build.sh BUILD_DIR}" && pwd)
WORK=${VPCI_VM_WORK:-/var/tmp/vpci-vm}
mkdir -p "$WORK/debs"

say() { echo "[vm-build] $*" >&2; }

# --- host tools (Debian packages only)
pkgs=()
command -v qemu-system-x86_64 >/dev/null || pkgs+=(qemu-system-x86)
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || pkgs+=(busybox-static)
command -v cpio >/dev/null || pkgs+=(cpio)
command -v depmod >/dev/null || pkgs+=(kmod)
command -v xz >/dev/null || pkgs+=(xz-utils)
command -v lspci >/dev/null || pkgs+=(pciutils)
if [ ${#pkgs[@]} -gt 0 ]; then
	say "installing ${pkgs[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# --- the kernel of linux-image-amd64
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$kpkg" ]; then
	apt-get update -qq >/dev/null
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[ -n "$kpkg" ] || { say "cannot resolve linux-image-amd64"; exit 1; }
kver=${kpkg#linux-image-}
kdir=$WORK/kernel-$kver
if [ ! -f "$kdir/.done" ]; then
	deb=$(ls "$WORK"/debs/"$kpkg"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		say "downloading $kpkg"
		(cd "$WORK/debs" && { apt-get download -qq "$kpkg-unsigned" 2>/dev/null || apt-get download -qq "$kpkg"; })
		deb=$(ls "$WORK"/debs/"$kpkg"*.deb | head -n1)
	fi
	rm -rf "$kdir"
	mkdir -p "$kdir"
	dpkg -x "$deb" "$kdir"
	depmod -b "$kdir" "$kver"
	touch "$kdir/.done"
fi
ln -sfn "$kdir" "$WORK/kernel"
echo "$kver" > "$WORK/kver"

# --- initramfs
root=$WORK/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/share/misc,etc,proc,sys,dev,tmp,run,root,mnt,lib64,lib/x86_64-linux-gnu,vpci}
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

# a dynamically linked program and every library ldd finds for it
add_prog() {
	install -D -m 0755 "$1" "$root/$2"
	ldd "$1" | awk '/=> \// { print $3 } /^\t\/lib64\// { print $1 }' | while read -r lib; do
		case "$lib" in
		/lib64/*) dst=$root/lib64/$(basename "$lib") ;;
		*) dst=$root/lib/x86_64-linux-gnu/$(basename "$lib") ;;
		esac
		[ -e "$dst" ] || install -m 0755 "$(readlink -f "$lib")" "$dst"
	done
}
add_prog "$(command -v lspci)" usr/bin/lspci
add_prog "$(command -v setpci)" usr/bin/setpci
add_prog "$(readlink -f "$(command -v kmod)")" usr/bin/kmod
for t in modprobe insmod rmmod lsmod; do
	rm -f "$root/bin/$t" "$root/sbin/$t"
	ln -s ../usr/bin/kmod "$root/sbin/$t"
done
# the project: the statically linked vpci (vpci-static; the dynamic one
# with its libraries when the static build is not available), and the
# benchmark with libvpci next to the system libraries
cp -P "$BUILD"/src/libvpci.so "$BUILD"/src/libvpci.so.0 "$BUILD"/src/libvpci.so.0.1.0 "$root/lib/x86_64-linux-gnu/"
if [ -x "$BUILD/tools/vpci/vpci-static" ]; then
	install -m 0755 "$BUILD/tools/vpci/vpci-static" "$root/usr/bin/vpci"
else
	say "no vpci-static in $BUILD: using the dynamically linked vpci"
	add_prog "$BUILD/tools/vpci/vpci" usr/bin/vpci
fi
# the host side of the served-function tests (run.sh starts vpci serve)
if [ -x "$BUILD/tools/vpci/vpci-static" ]; then
	ln -sfn "$BUILD/tools/vpci/vpci-static" "$WORK/vpci-host"
else
	ln -sfn "$BUILD/tools/vpci/vpci" "$WORK/vpci-host"
fi
[ -x "$BUILD/bench/emu-bench" ] && add_prog "$BUILD/bench/emu-bench" usr/bin/emu-bench
cp "$HERE"/guest/*.sh "$root/vpci/"
rm -rf "$root/vpci/instances"
cp -r "$HERE/../../instances" "$root/vpci/instances"
cp "$HERE/../../scripts/capture-sysfs.sh" "$root/vpci/"
[ -f /usr/share/misc/pci.ids ] && cp /usr/share/misc/pci.ids "$root/usr/share/misc/"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"

# kernel modules: what the tests load, and what those depend on
mods="virtio_pci 9pnet_virtio 9p nvme e1000e virtio_net vfio vfio_iommu_type1 vfio-pci"
for m in $mods; do
	modprobe -d "$kdir" -S "$kver" --show-depends "$m" 2>/dev/null | awk '/^insmod/ { print $2 }'
done | sort -u | while read -r ko; do
	rel=${ko#"$kdir"/}
	install -D -m 0644 "$ko" "$root/$rel"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$kdir/lib/modules/$kver/$f" ] && install -D -m 0644 "$kdir/lib/modules/$kver/$f" "$root/lib/modules/$kver/$f"
done
depmod -b "$root" "$kver"

install -m 0755 "$HERE/init" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initramfs.cpio.gz.tmp"
mv "$WORK/initramfs.cpio.gz.tmp" "$WORK/initramfs.cpio.gz"
say "kernel $kver, initramfs $(du -h "$WORK/initramfs.cpio.gz" | cut -f1)"
