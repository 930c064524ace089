#!/bin/bash
# tests/vm/run.sh TEST [OUT_DIR] - boot the test VM and run guest/TEST.sh
# inside it.  The guest's log and status land in OUT_DIR (a 9p share);
# the exit status is the script's (124 timeout, 125 no status reported,
# 77 when no accelerator can run the VM).
#
# Machine: q35 with intel-iommu; root ports with an NVMe controller that
# has SR-IOV (QEMU nvme + nvme-subsys, sriov_max_vfs), an e1000e, a
# modern virtio-net and a modern virtio-blk.
#
# Served functions: for the short and full suites one instance, for the
# serve suite every example the proxy takes and the corpus-derived files
# of serve-corpus.txt, are served by the host's `vpci serve` and appear in
# the guest as QEMU's x-pci-proxy-dev on pcie.0 (serve-host.py; guest RAM
# is a shared memfd so that QEMU can pass it to the server).
# VPCI_VM_SERVE=none|short|all overrides.
#
# Accelerator: hardware KVM when present; a /dev/kvm backed by a software
# nested hypervisor (no vmx/svm CPU flag, or the kvm_pvm module) is far
# slower than TCG, so TCG is used then.  VPCI_VM_ACCEL=kvm|tcg overrides.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST=${1:?usage: run.sh TEST [OUT_DIR]}
OUT=${2:-$(mktemp -d)}
WORK=${VPCI_VM_WORK:-/var/tmp/vpci-vm}
TIMEOUT=${VPCI_VM_TIMEOUT:-600}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT/status"

[ -f "$WORK/initramfs.cpio.gz" ] || { echo "run build.sh first" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }

accel=${VPCI_VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then
		accel=kvm
	fi
fi
case "$accel" in
kvm) machine="q35,accel=kvm,kernel-irqchip=split" cpu=host ;;
tcg) machine="q35,accel=tcg" cpu=max ;;
*) echo "VPCI_VM_ACCEL must be kvm or tcg" >&2; exit 2 ;;
esac
if ! echo quit | timeout 20 qemu-system-x86_64 -machine "${machine%%,*},${machine#*,}" -nodefaults \
	-display none -monitor stdio >/dev/null 2>&1; then
	echo "SKIP: QEMU cannot start a $accel VM here"
	exit 77
fi

case "${VPCI_VM_SERVE:-$TEST}" in
short | full) serve=short ;;
serve | all) serve=all ;;
*) serve= ;;
esac
launch=() memargs=()
if [ -n "$serve" ]; then
	[ -e "$WORK/vpci-host" ] || { echo "run build.sh first (no vpci-host)" >&2; exit 2; }
	launch=(python3 "$HERE/serve-host.py" --vpci "$WORK/vpci-host" --out "$OUT" --set "$serve" --)
	memargs=(-object memory-backend-memfd,id=ram0,size=1024M,share=on -machine memory-backend=ram0)
fi
rm -f "$OUT/served.tsv"

kver=$(cat "$WORK/kver")
nvfs=${VPCI_VM_NVME_VFS:-4}
t0=$(date +%s.%N)
set +e
timeout "$TIMEOUT" "${launch[@]}" qemu-system-x86_64 \
	-machine "$machine" -cpu "$cpu" -smp 2 -m 1024 "${memargs[@]}" \
	-nodefaults -nographic -serial stdio -no-reboot \
	-device intel-iommu,intremap=on,caching-mode=on \
	-kernel "$WORK/kernel/boot/vmlinuz-$kver" -initrd "$WORK/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet intel_iommu=on iommu=pt vpci.test=$TEST" \
	-device pcie-root-port,id=rp1,bus=pcie.0,addr=0x2,chassis=1,slot=1 \
	-device nvme-subsys,id=subsys0,nqn=vpci-test-subsys \
	-device "nvme,id=nvme0,bus=rp1,serial=VPCI0001,subsys=subsys0,sriov_max_vfs=$nvfs,sriov_vq_flexible=$((nvfs * 2)),sriov_vi_flexible=$nvfs" \
	-blockdev driver=null-co,node-name=ns1,size=67108864,read-zeroes=on \
	-device nvme-ns,drive=ns1,nsid=1,bus=nvme0 \
	-device pcie-root-port,id=rp2,bus=pcie.0,addr=0x3,chassis=2,slot=2 \
	-netdev user,id=n0,restrict=on \
	-device e1000e,netdev=n0,bus=rp2,romfile= \
	-device pcie-root-port,id=rp3,bus=pcie.0,addr=0x4,chassis=3,slot=3 \
	-netdev user,id=n1,restrict=on \
	-device virtio-net-pci,netdev=n1,bus=rp3,disable-legacy=on,romfile= \
	-device pcie-root-port,id=rp4,bus=pcie.0,addr=0x5,chassis=4,slot=4 \
	-blockdev driver=null-co,node-name=blk0,size=67108864,read-zeroes=on \
	-device virtio-blk-pci,drive=blk0,bus=rp4,disable-legacy=on,romfile= \
	-fsdev "local,id=fs0,path=$OUT,security_model=none,multidevs=remap" \
	-device virtio-9p-pci,fsdev=fs0,mount_tag=out,addr=0x10 \
	> "$OUT/console.log" 2>&1
qrc=$?
set -e
t1=$(date +%s.%N)
echo "vm: $accel, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s" >&2
[ $qrc = 124 ] && { echo "vm: timed out after ${TIMEOUT}s" >&2; tail -20 "$OUT/console.log" >&2; exit 124; }
if [ ! -f "$OUT/status" ]; then
	echo "vm: the guest reported no status" >&2
	tail -30 "$OUT/console.log" >&2
	exit 125
fi
# the served-function benchmark's result, when the guest ran it
if [ -n "$serve" ] && grep -h 'bench |' "$OUT/$TEST.log" 2>/dev/null | grep -i 'serve' >&2; then
	echo "     bench | (host load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs: each served access waits for vpci serve to be scheduled)" >&2
fi
exit "$(cat "$OUT/status")"
