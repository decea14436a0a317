#!/bin/sh
# Runs every test tier and prints the closing "N passed, N failed" line.
# Each tier prints "tier NAME: P passed, F failed, S skipped".
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
LOG=$(mktemp -d /tmp/btap-tests.XXXXXX)
total_p=0 total_f=0 total_s=0
started=$(date +%s)

# The VM tiers' downloads (about 1 GB) overlap the host's tiers.
sh tests/vm/prefetch.sh >"$LOG/prefetch.out" 2>&1 &
prefetch=$!

add_counts() {
	# $1: a "... P passed, F failed[, S skipped]" line
	p=$(echo "$1" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
	f=$(echo "$1" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
	s=$(echo "$1" | sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p')
	total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-0})); total_s=$((total_s + ${s:-0}))
}

# Unit tests: each binary prints "unit FILE: P passed, F failed" and may
# print "SKIP: reason" lines for capabilities the machine lacks.
for t in build/san/unit/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" >"$LOG/$name.out" 2>&1
	rc=$?
	line=$(grep -E '^unit .*: [0-9]+ passed, [0-9]+ failed' "$LOG/$name.out" | tail -1)
	skips=$(grep -c '^SKIP' "$LOG/$name.out")
	grep '^SKIP' "$LOG/$name.out"
	if [ -z "$line" ]; then
		echo "FAIL: $name exited $rc without a result line"
		tail -20 "$LOG/$name.out"
		total_f=$((total_f + 1))
		continue
	fi
	echo "$line"
	add_counts "$line"
	if ! echo "$line" | grep -q ' 0 failed'; then
		grep -E 'CHECK|runtime error' "$LOG/$name.out" | head -20
	elif [ $rc -ne 0 ]; then
		# all checks passed but the process failed: a sanitizer report at exit
		echo "FAIL: $name exited $rc after its checks"
		tail -20 "$LOG/$name.out"
		total_f=$((total_f + 1))
	fi
	total_s=$((total_s + skips))
done

# report_tier NAME RC: a tier's result line (from its log) added up
report_tier() {
	grep -E '^(FAIL|SKIP)' "$LOG/tier-$1.out" | head -40
	line=$(grep -E '^tier .*: [0-9]+ passed, [0-9]+ failed' "$LOG/tier-$1.out" | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL: tier $1 exited $2 without a result line"
		tail -20 "$LOG/tier-$1.out"
		total_f=$((total_f + 1))
		return
	fi
	echo "$line ($(cat "$LOG/tier-$1.time" 2>/dev/null) s)"
	add_counts "$line"
}

# run_tier NAME: one tier, its output and its time in $LOG
run_tier() {
	_t0=$(date +%s)
	sh "tests/tiers/$1.sh" >"$LOG/tier-$1.out" 2>&1
	_rc=$?
	echo $(($(date +%s) - _t0)) >"$LOG/tier-$1.time"
	return $_rc
}

for tier in tests/tiers/*.sh; do
	name=$(basename "$tier" .sh)
	case "$name" in vm*) continue ;; esac
	run_tier "$name"
	report_tier "$name" $?
done

# The VM tiers, each a single-CPU guest under TCG, run side by side: one
# boots while the other compiles, and compiles run at the lowest priority
# (tests/tiers/vm.sh) so that a guest keeps its CPU.
wait "$prefetch"
vm_tiers=
for tier in tests/tiers/vm*.sh; do
	[ -f "$tier" ] || continue
	name=$(basename "$tier" .sh)
	(run_tier "$name"; echo $? >"$LOG/tier-$name.rc") &
	vm_tiers="$vm_tiers $name"
done
wait
for name in $vm_tiers; do
	report_tier "$name" "$(cat "$LOG/tier-$name.rc" 2>/dev/null)"
done

echo "test logs: $LOG (all tiers in $(($(date +%s) - started)) s)"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
