#!/bin/sh
# man.sh VPCI SRCDIR MANDIR - the manual pages render without a warning
# (groff -ww, and man -l when man-db is installed), vpci(1) has a section
# for every command naming each of its options and subcommands, and the
# capability types of vpci-instance(5) are those of the capability table.
set -u
vpci=$1
src=$2
mandir=$3
. "$src/tests/cli/lib.sh"
command -v groff >/dev/null || { echo "groff missing (groff-base): skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for m in vpci.1 vpci-instance.5; do
	t "$m: groff -ww -man renders without a warning" sh -c \
		"groff -ww -man -Tutf8 -z '$mandir/$m' 2> '$tmp/w' && test ! -s '$tmp/w'"
	if command -v man >/dev/null; then
		t "$m: man --warnings -l renders without a warning" sh -c \
			"MANWIDTH=80 man --warnings -l '$mandir/$m' > '$tmp/out' 2> '$tmp/w' && test ! -s '$tmp/w' && test -s '$tmp/out'"
	fi
	t "$m: no unsubstituted @VARIABLE@" sh -c "! grep -q '@[A-Z]*@' '$mandir/$m'"
done

# section ".SS vpci CMD" of vpci.1, as plain text
section() {
	awk -v c="$1" '/^\.SS / { on = ($0 ~ "^\\.SS \"?vpci " c "( |\"|$)") } on' "$mandir/vpci.1" | sed 's/\\-/-/g'
}
for c in $("$vpci" help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 {print $1}'); do
	section "$c" > "$tmp/sec"
	t "vpci.1 has a section for $c" test -s "$tmp/sec"
	for o in $("$vpci" help "$c" | sed -n '/^Options:/,/^$/p' | grep -o -- '--[a-z0-9-]*' | sort -u); do
		[ "$o" = --help ] && continue
		t "vpci.1 section $c names $o" grep -q -- "$o\\b" "$tmp/sec"
	done
	for v in $("$vpci" help "$c" | sed -n '/^Subcommands:/,/^$/p' | grep '^  [a-z]' | awk '{print $1}'); do
		t "vpci.1 section $c describes subcommand $v" grep -Eq "^\.(B|BI|BR|TP) \"?$v\\b" "$tmp/sec"
	done
done
t "vpci.1 documents VPCI_DATADIR and every exit code" sh -c \
	"grep -q VPCI_DATADIR '$mandir/vpci.1' && for c in 0 64 65 66 70 73 74 75; do grep -q \"^\\.B.* $c\\b\\|^\\.B $c\$\" '$mandir/vpci.1' || exit 1; done"

if command -v python3 >/dev/null; then
	t "vpci-instance.5: capability types match src/model/captab.c" python3 -c "
import re, sys
sys.path.insert(0, sys.argv[1] + '/tests/schema')
import captab_extract
tab = captab_extract.parse(sys.argv[1] + '/src/model/captab.c')
page = open(sys.argv[2]).read()
for kind in ('std', 'ext'):
    body = page.split('.\\\\\" %s-types-begin' % kind)[1].split('.\\\\\" %s-types-end' % kind)[0]
    got = [w.strip().replace('\\\\-', '-') for w in body.replace('\n', ' ').rstrip('. ').split(',')]
    want = [c['key'] + ('*' if c['fields'] else '') for c in tab['caps'] if c['kind'] == kind]
    assert got == want, (kind, set(got) ^ set(want))
" "$src" "$mandir/vpci-instance.5"
fi
summary
