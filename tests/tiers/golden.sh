#!/bin/sh
# Golden tests over the script corpus (tests/corpus):
#  good/*.stp        -p1 output == NAME.p1, and re-parsing that output gives
#                    it back (round trip); with "# pass: 2", -p2 == NAME.p2
#  bad-parse/*.stp   -p1 fails: exit 1, empty stdout, stderr == NAME.err
#  bad-semantic/*.stp -p2 fails likewise
# UPDATE=1 rewrites the expected files from btap's output (review the diff).
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
TMP=$(mktemp -d /tmp/btap-golden.XXXXXX)
trap 'rm -rf "$TMP"' EXIT


# compare NAME EXPECTED-FILE ACTUAL-FILE
compare() {
	if [ -n "$UPDATE" ]; then
		cp "$3" "$2"
		pass "$1 (updated)"
	elif [ ! -f "$2" ]; then
		fail "$1: no expected file $2 (run UPDATE=1 sh $0 and review)"
	elif cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1: output differs from $2"
		diff -u "$2" "$3" | head -20
	fi
}

for f in tests/corpus/good/*.stp; do
	[ -f "$f" ] || continue
	base=${f%.stp}
	name=$(basename "$base")
	pass_no=$(header pass "$f"); pass_no=${pass_no:-1}
	opts=$(header opts "$f")
	args=$(header args "$f")
	# shellcheck disable=SC2086
	if "$BTAP" $opts -p1 "$f" $args >"$TMP/out" 2>"$TMP/err"; then
		compare "good/$name -p1" "$base.p1" "$TMP/out"
		cp "$TMP/out" "$TMP/rt.stp"
		# shellcheck disable=SC2086
		if "$BTAP" $opts -p1 "$TMP/rt.stp" >"$TMP/rt" 2>"$TMP/rterr" && cmp -s "$TMP/out" "$TMP/rt"; then
			pass "good/$name round trip"
		else
			fail "good/$name round trip: -p1 output does not re-parse to itself"
			head -5 "$TMP/rterr"; diff -u "$TMP/out" "$TMP/rt" | head -10
		fi
	else
		fail "good/$name -p1 failed"
		head -10 "$TMP/err"
	fi
	[ "$pass_no" = 2 ] || continue
	# shellcheck disable=SC2086
	if "$BTAP" $opts -p2 "$f" $args >"$TMP/out" 2>"$TMP/err"; then
		compare "good/$name -p2" "$base.p2" "$TMP/out"
	else
		fail "good/$name -p2 failed"
		head -10 "$TMP/err"
	fi
done

for dir in bad-parse bad-semantic; do
	p=1; [ "$dir" = bad-semantic ] && p=2
	for f in tests/corpus/$dir/*.stp; do
		[ -f "$f" ] || continue
		base=${f%.stp}
		name=$(basename "$base")
		opts=$(header opts "$f")
		args=$(header args "$f")
		# shellcheck disable=SC2086
		"$BTAP" $opts -p$p "$f" $args >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if [ $rc -ne 1 ]; then
			fail "$dir/$name: exit status $rc, expected 1"
			head -5 "$TMP/err"
		elif [ -s "$TMP/out" ]; then
			fail "$dir/$name: printed on stdout despite the error"
		else
			# the members a struct has are the kernel's (its BTF): the
			# note is checked to be there, its list is not
			sed -i 's/\(note: its members: \).*/\1.../' "$TMP/err"
			compare "$dir/$name" "$base.err" "$TMP/err"
		fi
	done
done
summary golden
