#!/bin/sh
# served.sh - checks of the functions the host's `vpci serve` gives this
# guest through QEMU's x-pci-proxy-dev (sourced after lib.sh).  run.sh
# lists them in /mnt/out/served.tsv (address, name, instance file); the
# server's log is /mnt/out/vpci-serve.log ("NAME: event KIND key=value ..."),
# and /mnt/out/serve/state/NAME.bin is the engine's config space after its
# last write, so every check compares what this kernel sees with what the
# engine holds at that moment.
SERVED=/mnt/out/served.tsv
SLOG=/mnt/out/vpci-serve.log
SSTATE=/mnt/out/serve/state

# the last event of a kind for a function: last_event NAME "bar index=0"
last_event() { grep "^$1: event $2" "$SLOG" | tail -n1; }
count_events() { grep -c "^$1: event $2" "$SLOG"; }
field() { echo "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
hex() { printf '0x%x' "$(($1))"; }

# wait until the drivers are done: the engines' config spaces and the log
# unchanged for a second (at most 30 s)
served_settle() {
	prev= n=0
	while [ $n -lt 30 ]; do
		cur=$(cat "$SSTATE"/*.bin "$SLOG" | md5sum)
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 1
		n=$((n + 1))
	done
	echo "     | (the served functions did not settle in 30 s)"
}

# the guest's sysfs config equals the engine's config space (256 bytes)
cfg_same() {
	head -c 256 "$dev/config" > /tmp/g.bin
	head -c 256 "$SSTATE/$name.bin" > /tmp/e.bin
	if [ "$(wc -c < /tmp/g.bin)" = 256 ] && cmp -s /tmp/g.bin /tmp/e.bin; then
		ok "$name: sysfs config equals the engine's 256 bytes $1"
	else
		bad "$name: sysfs config differs from the engine's $1"
		cmp -l /tmp/g.bin /tmp/e.bin 2>&1 | head -5 | sed 's/^/     | offset(1-based) guest engine (octal): /'
	fi
}

# every BAR the kernel assigned is where the engine's last BAR event put it
# (enabled when Command decodes its space), and no other BAR is enabled
bars_match() {
	cmd=$(setpci -s "$bdf" COMMAND.w)
	i=0 n=0 bad=
	while read -r start end flags && [ $i -lt 6 ]; do
		ev=$(last_event "$name" "bar index=$i ")
		io=$((flags & 0x100))
		[ $io != 0 ] && dec=$((0x$cmd & 1)) || dec=$((0x$cmd & 2))
		if [ $((end)) != 0 ] && [ $dec != 0 ]; then
			n=$((n + 1))
			want="addr=$(hex "$start") size=$(hex "$end - $start + 1") enabled=1"
			got="addr=$(field "$ev" addr) size=$(field "$ev" size) enabled=$(field "$ev" enabled)"
			[ "$want" = "$got" ] || bad="$bad BAR$i: sysfs $want, engine ${ev:+$got}${ev:-no event};"
		elif [ "$(field "$ev" enabled)" = 1 ]; then
			bad="$bad BAR$i: engine decodes it (${ev#*index=$i }), sysfs/Command do not;"
		fi
		i=$((i + 1))
	done < "$dev/resource"
	if [ -z "$bad" ]; then
		ok "$name: $n BARs the kernel assigned match the engine's BAR events"
	else
		bad "$name: BARs differ:$bad"
	fi
}

# read-only registers keep their values when the guest writes them; a
# writable one (Interrupt Line) takes the write
ro_writes() {
	regs="0.l 8.l 0e.b 2c.l 34.b 3d.b"
	before=$(setpci -s "$bdf" $regs | tr '\n' ' ')
	setpci -s "$bdf" 0.l=0x12345678 8.l=0xa5a5a5a5 0e.b=0x7f 2c.l=0x5a5a5a5a 34.b=0xc4 3d.b=0x03
	after=$(setpci -s "$bdf" $regs | tr '\n' ' ')
	[ "$before" = "$after" ] && ok "$name: writes to read-only IDs, class, header type, subsystem, capability pointer, pin do not stick" \
		|| bad "$name: read-only registers changed: $before -> $after"
	il=$(setpci -s "$bdf" 3c.b)
	setpci -s "$bdf" 3c.b=0x5a
	[ "$(setpci -s "$bdf" 3c.b)" = 5a ] && ok "$name: a write to Interrupt Line (RW) sticks" || bad "$name: Interrupt Line write lost"
	setpci -s "$bdf" 3c.b="$il"
}

# MSI or MSI-X enabled by the guest (its driver, or setpci) is an engine event
msi_events() {
	if grep -q "^$name: event msix enabled=1" "$SLOG"; then
		ok "$name: the guest driver's MSI-X enable reached the engine"
	elif grep -q "^$name: event msi enabled=1" "$SLOG"; then
		ok "$name: the guest driver's MSI enable reached the engine"
	elif setpci -s "$bdf" CAP_MSIX+2.w > /dev/null 2>&1; then
		setpci -s "$bdf" CAP_MSIX+2.w=8000:8000
		[ "$(field "$(last_event "$name" msix)" enabled)" = 1 ] && ok "$name: MSI-X enable by setpci reached the engine" \
			|| bad "$name: no MSI-X enable event after setpci"
		setpci -s "$bdf" CAP_MSIX+2.w=0000:8000
		[ "$(field "$(last_event "$name" msix)" enabled)" = 0 ] && ok "$name: MSI-X disable by setpci reached the engine" \
			|| bad "$name: no MSI-X disable event after setpci"
	elif setpci -s "$bdf" CAP_MSI+2.w > /dev/null 2>&1; then
		setpci -s "$bdf" CAP_MSI+4.l=0xfee00000 CAP_MSI+2.w=0001:0001
		ev=$(last_event "$name" msi)
		[ "$(field "$ev" enabled)" = 1 ] && [ "$(field "$ev" addr)" = 0xfee00000 ] \
			&& ok "$name: MSI enable by setpci reached the engine (${ev#*event msi })" || bad "$name: no MSI enable event after setpci"
		setpci -s "$bdf" CAP_MSI+2.w=0000:0001
		[ "$(field "$(last_event "$name" msi)" enabled)" = 0 ] && ok "$name: MSI disable by setpci reached the engine" \
			|| bad "$name: no MSI disable event after setpci"
	else
		ok "$name: no MSI or MSI-X capability in the first 256 bytes"
	fi
}

# a reset the guest asks for (sysfs reset: FLR, or a PM reset) reaches the
# engine; the kernel restores the function after it
guest_reset() {
	methods=$(cat "$dev/reset_method" 2>/dev/null)
	if [ ! -w "$dev/reset" ]; then
		ok "$name: the kernel has no reset method for it (no FLR, no PM reset)"
		return
	fi
	nflr=$(count_events "$name" flr) npm=$(count_events "$name" pm)
	echo 1 > "$dev/reset" || { bad "$name: reset ($methods) failed"; return; }
	case "$methods" in
	flr*) [ "$(count_events "$name" flr)" -gt "$nflr" ] && ok "$name: the guest's FLR (sysfs reset) reached the engine" \
		|| bad "$name: no flr event after the guest's FLR" ;;
	*) [ "$(count_events "$name" pm)" -gt "$npm" ] && ok "$name: the guest's $methods reset reached the engine as PM events" \
		|| bad "$name: no event after the guest's $methods reset" ;;
	esac
	cfg_same "after the guest's reset"
}

# the whole set for one function
served_function() {
	bdf=$1 name=$2 file=/mnt/out/$3 dev=/sys/bus/pci/devices/$1
	if [ ! -d "$dev" ]; then
		bad "$name: $bdf was not enumerated by the kernel"
		return 1
	fi
	vpci render --no-check "$file" --format bin -o /tmp/inst.bin
	want=$(od -An -tx1 -N4 /tmp/inst.bin | tr -d ' \n')
	got=$(od -An -tx1 -N4 "$dev/config" | tr -d ' \n')
	d=$(drv "$bdf")
	[ "$want" = "$got" ] && ok "$name: enumerated at $bdf with the instance's IDs ($(cat "$dev/vendor"):$(cat "$dev/device")${d:+, driver $d})" \
		|| bad "$name: IDs at $bdf are $got, instance $want"
	cfg_same "after the kernel's enumeration"
	bars_match
	ro_writes
	msi_events
	guest_reset
	bars_match
}

# the host side's lines (instances it could not serve, with the reason)
served_host_notes() {
	[ -f /mnt/out/serve-host.txt ] || return 0
	while read -r st rest; do
		case "$st" in
		ok) ok "host: $rest" ;;
		FAIL) bad "host: $rest" ;;
		*) echo "     | host: $st $rest" ;;
		esac
	done < /mnt/out/serve-host.txt
}

# no message of QEMU's was refused by the server
served_no_refusals() {
	n=$(grep -cE 'answered all-ones|: ignored|cannot be followed' "$SLOG")
	[ "$n" = 0 ] && ok "vpci serve refused no message of QEMU's" \
		|| { bad "vpci serve refused $n messages"; grep -E 'answered all-ones|: ignored' "$SLOG" | head -5 | sed 's/^/     | /'; }
}

served_checks() {
	[ -f "$SERVED" ] || { bad "no served functions (served.tsv missing)"; return; }
	served_settle
	served_host_notes
	while read -r bdf name file; do
		served_function "$bdf" "$name" "$file"
	done < "$SERVED"
	served_no_refusals
}
