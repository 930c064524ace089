#!/bin/sh
# serve.sh - the served-function suite (run.sh serve): every example QEMU's
# proxy can take and the corpus-derived guest files of serve-corpus.txt,
# served by the host's `vpci serve`; the checks of served.sh on each, BAR
# space end to end, and the benchmark: config reads per second through
# vpci serve against a device QEMU emulates itself.
. /vpci/lib.sh
. /vpci/served.sh

n=$(grep -c . "$SERVED" 2>/dev/null)
[ "${n:-0}" -ge 5 ] && ok "$n vpci-served functions in this guest" || bad "only ${n:-0} served functions"
served_checks

# BAR space end to end (guest -> QEMU -> vpci serve), on functions no
# driver holds: the register file behind a memory BAR keeps what the guest
# writes, and the MSI-X table is the engine's (a vector mask is an event)
now_ns() {
	t=$(sed -n 's/^now at \([0-9]*\) nsecs.*/\1/p' /proc/timer_list 2>/dev/null | head -n1)
	[ -n "$t" ] && echo "$t" || echo $(($(cut -d' ' -f1 /proc/uptime | tr -d .) * 10000000))
}
regs_done= table_done=
while read -r bdf name file; do
	dev=/sys/bus/pci/devices/$bdf
	[ -e "$dev/driver" ] && continue
	cmd=$((0x$(setpci -s "$bdf" COMMAND.w)))
	[ $((cmd & 2)) = 0 ] && continue
	i=0
	while read -r start end flags && [ $i -lt 6 ]; do
		if [ -z "$regs_done" ] && [ $((flags & 0x200)) != 0 ] && [ $((end)) != 0 ] && [ $((end)) -lt $((0x100000000)) ]; then
			size=$((end - start + 1))
			[ $size -gt 65536 ] && size=65536
			a=$(hex "$start + $size - 8")
			devmem "$a" 32 0x5aa5c33c && v=$(devmem "$a" 32)
			[ "$((v))" = "$((0x5aa5c33c))" ] && ok "$name: BAR$i at $a keeps a guest write (register file through the proxy)" \
				|| bad "$name: BAR$i at $a read ${v:-nothing} after writing 0x5aa5c33c"
			regs_done=1
		fi
		i=$((i + 1))
	done < "$dev/resource"
	# the MSI-X table: lspci names its BAR and offset
	t=$(lspci -vv -s "$bdf" | sed -n 's/.*Vector table: BAR=\([0-9]\) offset=\([0-9a-f]*\).*/\1 \2/p')
	if [ -z "$table_done" ] && [ -n "$t" ]; then
		set -- $t
		start=$(sed -n "$(($1 + 1))p" "$dev/resource" | cut -d' ' -f1)
		if [ $((start)) != 0 ] && [ $((start)) -lt $((0x100000000)) ]; then
			e=$(hex "$start + 0x$2")
			nev=$(count_events "$name" msix)
			devmem $((e + 8)) 32 0x4321 && d=$(devmem $((e + 8)) 32)
			devmem $((e + 12)) 32 0 && devmem $((e + 12)) 32 1
			[ "$((d))" = $((0x4321)) ] && ok "$name: MSI-X vector 0 data written by the guest reads back from the engine's table" \
				|| bad "$name: MSI-X table data read ${d:-nothing}"
			[ "$(count_events "$name" msix)" -gt "$nev" ] && ok "$name: masking vector 0 in the table is an engine event" \
				|| bad "$name: no MSI-X event after masking vector 0"
			table_done=1
		fi
	fi
done < "$SERVED"
[ -n "$regs_done" ] || bad "no served memory BAR to check end to end"
[ -n "$table_done" ] || bad "no served MSI-X table to check end to end"

# benchmark: N config reads by one setpci on a served function and on a
# device QEMU emulates (ICH9 LPC, also on pcie.0), in pairs run back to
# back so that both sides of a pair see the same load; the result is the
# median of the pairs' ratios (and the median rates)
served=$(head -n1 "$SERVED" | cut -f1)
qemudev=0000:00:1f.0
ops= k=0
while [ $k -lt 400 ]; do ops="$ops 0.l 8.l 2c.l 3c.l"; k=$((k + 1)); done
rate() {
	t0=$(now_ns)
	setpci -s "$1" $ops > /dev/null
	t1=$(now_ns)
	echo $((1600 * 1000000000 / (t1 - t0)))
}
rate "$served" > /dev/null
rate "$qemudev" > /dev/null
rs= rq= ratios=
for r in 1 2 3 4 5 6 7 8 9 10 11; do
	a=$(rate "$served") b=$(rate "$qemudev")
	rs="$rs $a" rq="$rq $b"
	ratios="$ratios $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
done
med() { echo $1 | tr ' ' '\n' | sort -n | sed -n 6p; }
ms=$(med "$rs") mq=$(med "$rq")
echo "     bench | config reads per second (1600 per setpci, 11 pairs after a warm-up): vpci serve ($served) median $ms [$rs ], QEMU-emulated ($qemudev) median $mq [$rq ]"
echo "     bench | RATIO vpci-serve / QEMU-emulated = $(med "$ratios") (median of the pairs' ratios:$ratios)"
[ "$ms" -gt 0 ] && ok "benchmark ran on $served and $qemudev" || bad "benchmark"
finish
