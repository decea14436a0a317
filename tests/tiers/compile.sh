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
		>"$OUT/$name.out" 2>"$OUT/$name.raw"
	echo $? >"$OUT/$name.rc"
	# how many kernel functions a pattern matches, and the release the
	# debuginfo is named after, depend on the kernel
	sed -e 's/matches [0-9][0-9]* kernel functions/matches N kernel functions/' \
		-e 's/debuginfo for kernel [^ ]* in/debuginfo for kernel KREL in/' \
		-e 's/linux-image-[^ ]*-dbg/linux-image-KREL-dbg/' "$OUT/$name.raw" >"$OUT/$name.err"
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
# ---- the runner half: libtcc in process, cc as the fallback ----------------
# A compile error in the runner half is still located at the script line
# when tcc reports it (no cc on PATH, so no fallback), and when cc does.
bad_c='function f:long () %{ STAP_RETURN(undefined_thing_x); %}
probe begin { println(f()); exit() }'
env PATH=/nonexistent "$BTAP" -g -p4 -e "$bad_c" >"$TMP/tcc.out" 2>"$TMP/tcc.err"
rc=$?
if [ $rc = 1 ] && located_error "$TMP/tcc.err" && grep -q "^<input>:1:1: error: 'undefined_thing_x' undeclared" "$TMP/tcc.err"; then
	pass "tcc: a runner-half error is located at the script line"
else
	fail "tcc: a runner-half error is not located (rc $rc)"; head -5 "$TMP/tcc.err"
fi
"$BTAP" -v -g -p4 -e "$bad_c" >"$TMP/cc.out" 2>"$TMP/cc.err"
rc=$?
if [ $rc = 1 ] && grep -q "tcc cannot build the runner half, so cc does" "$TMP/cc.err" &&
	grep -Eq "^<input>:1:1: error: .undefined_thing_x. undeclared" "$TMP/cc.err"; then
	pass "tcc falls back to cc, which locates the error too"
else
	fail "tcc -> cc fallback (rc $rc)"; head -5 "$TMP/cc.err"
fi

# The artifact key covers tcc: its directory (headers, libtcc1.a) changed
# means a new artifact; the same directory means a cache hit. A directory
# tcc cannot use makes cc build the runner half, and the run still works.
real_tcc=/usr/lib/x86_64-linux-gnu/tcc
if [ -d "$real_tcc" ]; then
	cp -r "$real_tcc" "$TMP/tcc"
	one='probe begin { printf("tcc %d\n", 6 * 7); exit() }'
	a1=$(BTAP_TCC_DIR="$TMP/tcc" "$BTAP" -p4 -e "$one" 2>"$TMP/k.err")
	a2=$(BTAP_TCC_DIR="$TMP/tcc" "$BTAP" -p4 -e "$one" 2>>"$TMP/k.err")
	touch -d '2001-01-01' "$TMP/tcc/include/stddef.h"
	a3=$(BTAP_TCC_DIR="$TMP/tcc" "$BTAP" -p4 -e "$one" 2>>"$TMP/k.err")
	if [ -n "$a1" ] && [ "$a1" = "$a2" ] && [ -n "$a3" ] && [ "$a3" != "$a1" ]; then
		pass "the artifact key changes with tcc's directory, and only then"
	else
		fail "tcc in the artifact key: '$a1' '$a2' '$a3'"; head -5 "$TMP/k.err"
	fi
	out=$(BTAP_TCC_DIR="$TMP/no-such-dir" "$BTAP" -v -e "$one" 2>"$TMP/f.err")
	if [ "$out" = "tcc 42" ] && grep -q "so cc does" "$TMP/f.err"; then
		pass "without tcc's files, cc builds the runner half and the run works"
	else
		fail "fallback run: '$out'"; head -5 "$TMP/f.err"
	fi
else
	skip "tcc's directory $real_tcc is missing (package tcc)"
fi

[ -n "$VERBOSE" ] && echo "compile tier took $(($(date +%s) - t0)) s"
summary compile
