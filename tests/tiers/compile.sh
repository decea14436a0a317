#!/bin/sh
# Compile tier: every script of the good corpus (tests/corpus/good/*.stp)
# goes through pass 4, with the options and arguments its header gives
# (as in golden.sh). Each one either
#   compiles: exit 0 and the artifact directory (with prog.so) on stdout, or
#   fails as expected: exit 1, nothing on stdout, stderr == NAME.p4err, a
#   located error (file:line:col and a caret) such as "not supported yet".
# A crash, a sanitizer report or "a bug in btap" is never an expected error.
# UPDATE=1 rewrites the .p4err files (and removes those of scripts that now
# compile); review the diff. The compiles run COMPILE_JOBS (default 2) at a
# time and share one throwaway cache, so BTF headers are built once.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1


# --one FILE: compile one script into $OUT/NAME.{out,err,rc} (run by xargs)
if [ "$1" = --one ]; then
	f=$2
	name=$(basename "${f%.stp}")
	opts=$(header opts "$f")
	args=$(header args "$f")
	# shellcheck disable=SC2086
	timeout "${COMPILE_TIMEOUT:-300}" "$BTAP" $opts -p4 "$f" $args \
		>"$OUT/$name.out" 2>"$OUT/$name.err"
	echo $? >"$OUT/$name.rc"
	exit 0
fi

TMP=$(mktemp -d /tmp/btap-compile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# LC_ALL=C: the C compilers' messages, which pass 4 relays, quote per locale
export OUT="$TMP/out" XDG_CACHE_HOME="$TMP/cache" BTAP LC_ALL=C
mkdir -p "$OUT" "$XDG_CACHE_HOME"

# A -p4 error is acceptable only as a located diagnostic.
located_error() {
	head -1 "$1" | grep -Eq '^[^ :]+:[0-9]+:[0-9]+: error: ' &&
		grep -Eq '^[[:space:]]*\^' "$1" &&
		! grep -Eq 'a bug in btap|internal error|AddressSanitizer|runtime error:|Segmentation|Aborted' "$1"
}

t0=$(date +%s)
ls tests/corpus/good/*.stp | xargs -P "${COMPILE_JOBS:-2}" -n 1 sh "$ROOT/tests/tiers/compile.sh" --one

for f in tests/corpus/good/*.stp; do
	base=${f%.stp}
	name=$(basename "$base")
	rc=$(cat "$OUT/$name.rc" 2>/dev/null || echo none)
	if [ "$rc" = 0 ]; then
		dir=$(cat "$OUT/$name.out")
		if [ "$(wc -l <"$OUT/$name.out")" != 1 ] || [ ! -f "$dir/prog.so" ]; then
			fail "good/$name -p4: exit 0 but no artifact on stdout"
		elif [ -f "$base.p4err" ] && [ -z "$UPDATE" ]; then
			fail "good/$name -p4: compiles now; remove $base.p4err (UPDATE=1 sh $0)"
		else
			[ -n "$UPDATE" ] && rm -f "$base.p4err"
			pass "good/$name -p4"
		fi
	elif [ "$rc" != 1 ]; then
		fail "good/$name -p4: exit status $rc (a crash or a time-out)"
		head -10 "$OUT/$name.err"
	elif [ -s "$OUT/$name.out" ]; then
		fail "good/$name -p4: printed on stdout despite the error"
	elif ! located_error "$OUT/$name.err"; then
		fail "good/$name -p4: the error is not a located diagnostic"
		head -10 "$OUT/$name.err"
	elif [ -n "$UPDATE" ]; then
		cp "$OUT/$name.err" "$base.p4err"
		pass "good/$name -p4 error (updated)"
	elif [ ! -f "$base.p4err" ]; then
		fail "good/$name -p4 failed; if expected, UPDATE=1 sh $0 and review"
		head -10 "$OUT/$name.err"
	elif cmp -s "$base.p4err" "$OUT/$name.err"; then
		pass "good/$name -p4 error"
	else
		fail "good/$name -p4: stderr differs from $base.p4err"
		diff -u "$base.p4err" "$OUT/$name.err" | head -20
	fi
done
[ -n "$VERBOSE" ] && echo "compile tier took $(($(date +%s) - t0)) s"
summary compile
