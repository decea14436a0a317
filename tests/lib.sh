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
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP: $*"; return 0; }

# summary TIER-NAME
summary() {
	echo "tier $1: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" = 0 ]
}
