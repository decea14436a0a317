#!/bin/sh
# The command line: options, usage errors, -o, script arguments, and the
# passes not implemented yet saying so instead of doing nothing.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT

# expect NAME WANT-RC GREP-PATTERN-ON-STDOUT+STDERR -- CMD...
expect() {
	name=$1 want=$2 pat=$3; shift 4
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name: exit $rc, want $want"; head -5 "$T/out"
	elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$T/out"; then
		fail "$name: output lacks /$pat/"; head -5 "$T/out"
	else
		pass "$name"
	fi
}

expect help 0 'Usage: btap' -- "$BTAP" --help
expect version 0 '^btap version [0-9]' -- "$BTAP" -V
expect bad-option 1 "invalid option|unrecognized option" -- "$BTAP" --no-such-option
expect no-script 1 'no script given' -- "$BTAP"
expect bad-pass 1 "invalid pass number '9'" -- "$BTAP" -p9 -e 'probe begin {}'
expect bad-timeout 1 "invalid timeout" -- "$BTAP" -T 0 -e 'probe begin {}'
expect bad-runtime 1 "invalid runtime 'foo'" -- "$BTAP" --runtime=foo -e 'probe begin {}'
expect missing-file 1 "cannot read script 'nosuch.stp'" -- "$BTAP" -p1 nosuch.stp
expect c-and-x 1 'cannot be combined' -- "$BTAP" -c true -x 1 -e 'probe begin {}'
expect p1-e 0 'probe begin' -- "$BTAP" -p1 -e 'probe begin { exit() }'
expect p1-args 0 '"hello"' -- "$BTAP" -p1 -e 'probe begin { x = @1; y = $2 }' hello 42
expect p1-args-num 0 '= 42' -- "$BTAP" -p1 -e 'probe begin { x = @1; y = $2 }' hello 42
expect p1-arg-missing 1 'out of range|argument' -- "$BTAP" -p1 -e 'probe begin { y = $3 }' a
expect run-begin 0 '^hello$' -- "$BTAP" -e 'probe begin { println("hello"); exit() }'
expect p3-prints-c 0 'btap_program' -- "$BTAP" -p3 -e 'probe begin { exit() }'
expect p4-prints-artifact 0 '^/' -- "$BTAP" -p4 -e 'probe begin { exit() }'
expect kmod-not-impl 1 'kmod runtime .* not implemented yet' -- "$BTAP" --runtime=kmod -p3 -e 'probe begin { exit() }'
expect run-artifact-missing 1 'nonexistent' -- "$BTAP" --run /nonexistent.o
expect verbose 0 'Pass 1: parsed user script' -- "$BTAP" -v -p1 -e 'probe begin {}'
expect verbose-p2 0 'Pass 2: analyzed script' -- "$BTAP" -v -p2 -e 'probe begin { exit() }'

# -o sends the pass output to a file and nothing to stdout
"$BTAP" -p1 -o "$T/p1.txt" -e 'probe end { println("x") }' >"$T/stdout" 2>&1
if [ ! -s "$T/stdout" ] && grep -q 'probe end' "$T/p1.txt"; then pass "-o file"; else fail "-o file"; fi

# a parse error is located, exits 1 and prints nothing on stdout
"$BTAP" -p1 -e 'probe begin { x = }' >"$T/stdout" 2>"$T/stderr"
rc=$?
if [ $rc = 1 ] && [ ! -s "$T/stdout" ] && grep -q '^<input>:1:' "$T/stderr" && grep -q '\^' "$T/stderr"; then
	pass "located parse error"
else
	fail "located parse error (rc=$rc)"; cat "$T/stderr" | head -5
fi
summary cli
