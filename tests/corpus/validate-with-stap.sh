#!/bin/sh
# Cross-check the corpus against stap's own parser (stap -p1).
#   good/*.stp          must be accepted (with the file's "# args:" and "# opts:")
#   bad-parse/*.stp     must be rejected
#   bad-semantic/*.stp  must be accepted: their error belongs to pass 2
#                       (except files whose "# error:" line says "(pass 1 in stap)")
#   ../../scripts/*.stp must be accepted (the example tools)
# With --p2, "# pass: 2" files without kernel.trace probes are also run
# through stap -p2 (elaboration needs no kernel tree for begin/end/timer):
# good ones must pass, bad-semantic ones must fail unless their "# error:"
# line says "(later pass in stap)".
# stap -p1 wants a kernel build tree only to read its .config (for CONFIG_*
# conditions) and release; a stand-in made from /proc/config.gz is enough.
# Usage: tests/corpus/validate-with-stap.sh [--p2] [FILE...]
set -u
p2=0
if [ "${1:-}" = --p2 ]; then p2=1; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
ktree=$(mktemp -d)
trap 'rm -rf "$ktree"' EXIT
if [ -r /proc/config.gz ]; then zcat /proc/config.gz > "$ktree/.config"; else : > "$ktree/.config"; fi
mkdir -p "$ktree/include/config"
uname -r > "$ktree/include/config/kernel.release"
: > "$ktree/Module.symvers"

header() { sed -n "1,5s/^# $1: *//p" "$2" | head -n 1; }

fail=0; count=0
check() {
	f=$1
	kind=$(basename "$(dirname "$f")")
	[ "$kind" = scripts ] && kind=good
	args=$(header args "$f"); opts=$(header opts "$f")
	# "# args:" and "# opts:" are split on white space, without quoting
	# shellcheck disable=SC2086
	out=$(stap -p1 -r "$ktree" $opts "$f" $args 2>&1); rc=$?
	want=0
	[ "$kind" = bad-parse ] && want=1
	if [ "$kind" = bad-semantic ] && header error "$f" | grep -q '(pass 1 in stap)'; then want=1; fi
	got=0; [ $rc -ne 0 ] && got=1
	count=$((count + 1))
	if [ $want -ne $got ]; then
		fail=$((fail + 1))
		echo "MISMATCH ($kind, stap rc=$rc): $f"
		echo "$out" | grep -v 'Kernel function symbol table missing' | head -n 6 | sed 's/^/    /'
	fi
	[ $p2 -eq 1 ] && check_p2 "$f" "$kind" "$opts" "$args"
}

check_p2() {
	f=$1 kind=$2 opts=$3 args=$4
	[ "$kind" = bad-parse ] && return
	grep -q 'kernel\.trace' "$f" && return
	# stap resolves timer.profile through kernel symbols this tree lacks
	grep -q 'timer\.profile' "$f" && return
	grep -q '^# pass: 1' "$f" && return
	header error "$f" | grep -q 'pass 1 in stap\|later pass in stap' && return
	# shellcheck disable=SC2086
	out=$(stap -p2 -r "$ktree" $opts "$f" $args 2>&1); rc=$?
	want=0; [ "$kind" = bad-semantic ] && want=1
	got=0; [ $rc -ne 0 ] && got=1
	if [ $want -ne $got ]; then
		fail=$((fail + 1))
		echo "MISMATCH at -p2 ($kind, stap rc=$rc): $f"
		echo "$out" | grep -E 'error' | head -n 3 | sed 's/^/    /'
	fi
}

if [ $# -gt 0 ]; then
	for f in "$@"; do check "$f"; done
else
	for f in "$here"/good/*.stp "$here"/bad-parse/*.stp "$here"/bad-semantic/*.stp \
	         "$here"/../../scripts/*.stp; do
		[ -e "$f" ] && check "$f"
	done
fi
echo "$count checked, $fail mismatches"
[ $fail -eq 0 ]
