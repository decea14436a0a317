# Shared helpers for the shell test tiers: counting and a summary line that
# tests/run-tests.sh adds up. Source it, call pass/fail/skip, then summary.
PASSED=0 FAILED=0 SKIPPED=0
# tiers live in tests/tiers/, two levels below the root
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BTAP=${BTAP:-$ROOT/build/san/btap}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass() { PASSED=$((PASSED + 1)); [ -n "$VERBOSE" ] && echo "PASS: $*"; return 0; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; return 0; }
# ok_if NAME COND: pass when the shell condition COND holds (else fail, with $T/err).
ok_if() { if eval "$2"; then pass "$1"; else fail "$1"; head -5 "$T/err" 2>/dev/null; fi; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP: $*"; return 0; }
# btap hands the slow last closes of tracing links to a helper process
# (bpf-backend/deferred_close.h); wait for those before counting programs
# or links (at most 30 s). Non-zero if one is still there.
wait_detached() {
	for _ in $(seq 1 600); do
		pgrep -x btap-detach >/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# header VALUE-NAME FILE: the text after "# NAME:" in a test script's header
header() {
	sed -n "s/^#[ ]*$1:[ ]*//p" "$2" | head -1
}

# check_run NAME BASE WANT-RC RC OUT ERR: a script's run against its
# expected results: exit status WANT-RC, stdout equal to BASE.out, stderr
# equal to BASE.err when that file exists.
check_run() {
	if [ "$4" != "$3" ]; then
		fail "$1: exit $4, want $3"
		head -5 "$6"
	elif ! cmp -s "$5" "$2.out"; then
		fail "$1: stdout differs from $2.out"
		diff "$2.out" "$5" | head -10
	elif [ -f "$2.err" ] && ! cmp -s "$6" "$2.err"; then
		fail "$1: stderr differs from $2.err"
		diff "$2.err" "$6" | head -10
	else
		pass "$1"
	fi
}

# summary TIER-NAME
summary() {
	echo "tier $1: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" = 0 ]
}

# Why this machine cannot run live BPF scripts, or nothing: prints the reason.
live_why_not() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (CAP_BPF, CAP_PERFMON)"
	elif [ ! -r /sys/kernel/btf/vmlinux ]; then
		echo "needs kernel BTF (/sys/kernel/btf/vmlinux)"
	elif [ ! -x "$BTAP" ]; then
		echo "$BTAP is not built"
	fi
}
