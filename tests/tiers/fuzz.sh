#!/bin/sh
# Bounded libFuzzer run over passes 1-2 with ASan/UBSan, seeded with the
# script corpus. FUZZ_SECONDS (default 60) bounds the run.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
FUZZ=build/fuzz/fuzz_frontend
if ! make -s "$FUZZ" >/tmp/btap-fuzz-build.log 2>&1; then
	if grep -q "fsanitize=fuzzer" /tmp/btap-fuzz-build.log; then
		skip "fuzz: clang's libFuzzer runtime is not installed"
	else
		fail "fuzz: building the target failed"; tail -20 /tmp/btap-fuzz-build.log
	fi
	summary fuzz; exit $?
fi
WORK=$(mktemp -d /tmp/btap-fuzz.XXXXXX)
mkdir -p "$WORK/corpus"
cp tests/corpus/*/*.stp tests/fuzz/seeds/*.stp "$WORK/corpus/" 2>/dev/null
# the small fixture library keeps each run cheap (the full one is parsed
# by every other tier)
export BTAP_FUZZ_TAPSET="$ROOT/tests/unit/tapset-fixture"
if "$FUZZ" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
	-max_len=4096 -artifact_prefix="$WORK/" -print_final_stats=1 "$WORK/corpus" >"$WORK/log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/log")
	pass "fuzz: $runs inputs, no crash, leak or round-trip mismatch"
	rm -rf "$WORK"
else
	fail "fuzz: crash found; artifacts and log in $WORK"
	grep -A30 -E 'ERROR|round trip|SUMMARY' "$WORK/log" | head -60
fi
summary fuzz
