#!/bin/sh
# The documentation: the tapset reference is generated from the doc
# comments and is current; the generator rejects every comment that is not
# in the one accepted form, and every public function or alias without one;
# the man pages render without warnings; btap(1) names every option the
# code parses and every environment variable it reads; btap-probes(7)
# names every probe family and tapset alias prefix.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-docs.XXXXXX)
trap 'rm -rf "$T"' EXIT
PY=${PYTHON:-python3}
GEN="$PY $ROOT/build-aux/tapset-doc.py"

# ---- the generated reference -------------------------------------------
if $GEN --check docs/tapset-reference.md >"$T/out" 2>&1; then pass "docs/tapset-reference.md is current"; else
	fail "$(cat "$T/out")"
fi
if $GEN --man "$T/man3" >"$T/out" 2>&1; then pass "man pages generated"; else fail "tapset-doc --man: $(cat "$T/out")"; fi
# One page per public function name (stap's own "_name"s included) and per
# alias, as the tapset has them.
stps=$(find tapset -name '*.stp' | LC_ALL=C sort)
# shellcheck disable=SC2086 # a list of paths without spaces
fns=$(grep -hE '^(private[[:space:]]+)?function[[:space:]]+_?[A-Za-z]' $stps |
	sed -E 's/^(private[[:space:]]+)?function[[:space:]]+([A-Za-z0-9_]+).*/\2/' | LC_ALL=C sort -u | wc -l)
# shellcheck disable=SC2086
aliases=$(grep -hE '^probe[[:space:]]+[A-Za-z][A-Za-z0-9_.]*[[:space:]]*\+?=' $stps | wc -l)
pages_fn=$(ls "$T/man3" | grep -c '^function::')
pages_probe=$(ls "$T/man3" | grep -c '^probe::')
if [ "$fns" = "$pages_fn" ] && [ "$aliases" = "$pages_probe" ]; then
	pass "a page for each of $fns functions and $aliases aliases"
else
	fail "pages: $pages_fn function (want $fns), $pages_probe probe (want $aliases)"
fi

# ---- the generator's checks --------------------------------------------
# bad NAME EXPECTED-MESSAGE-REGEX FILE-TEXT: the generator must refuse the
# file, naming it and the line.
bad() {
	rm -rf "$T/ts"; mkdir "$T/ts"
	printf '%s\n' "$3" >"$T/ts/t.stp"
	if $GEN --tapset "$T/ts" --markdown "$T/ts.md" >"$T/out" 2>&1; then
		fail "generator accepts $1"
	elif grep -qE "tapset/t\.stp:[0-9]+: .*$2" "$T/out"; then
		pass "generator rejects $1"
	else
		fail "generator on $1: $(cat "$T/out")"
	fi
}
bad "an undocumented function" "function foo has no doc comment" 'function foo () { return 1 }'
bad "an undocumented alias" "probe alias foo.bar has no doc comment" 'probe foo.bar = kernel.trace("a:b") { }'
bad "a one-line comment" 'opens with "/\*\*" alone' '/** foo - x */
function foo () { return 1 }'
bad "a title without ' - '" 'must start with " \* NAME - summary"' '/**
 * foo: a function
 */
function foo () { return 1 }'
bad "a comment naming another function" "names bar but the function below is foo" '/**
 * bar - a function
 */
function foo () { return 1 }'
bad "an alias documented as a function" "followed by a probe alias" '/**
 * foo.bar - an alias
 */
probe foo.bar = kernel.trace("a:b") { }'
bad "an unknown parameter" "@y is not a parameter of foo" '/**
 * foo - a function
 * @y: no such thing
 */
function foo (x) { return x }'
bad "a parameter in the body" "parameters go between the summary line" '/**
 * foo - a function
 *
 * Body.
 * @x: too late
 */
function foo (x) { return x }'
bad "a line not starting ' *'" 'must be " \*" or " \* text"' '/**
 * foo - a function
  * stray indentation
 */
function foo () { return 1 }'
bad "text right after the title" 'after the summary line comes' '/**
 * foo - a function
 * that goes on
 */
function foo () { return 1 }'
bad "a comment with nothing after it" "followed by no function|not followed by a declaration" 'function __x () { return 1 }
/**
 * foo - a function
 */'
bad "a .return alias with no documented entry" "probe alias foo.return has no doc comment" 'probe foo.return = kernel.trace("a:b") { }'

# The accepted form, with the rules' exceptions: internal "__" functions,
# and a .return alias covered by its entry alias.
rm -rf "$T/ts"; mkdir "$T/ts"
cat >"$T/ts/t.stp" <<'STP'
// Test tapset: the header comment.
function __internal () { return 0 }

/**
 * foo - add one
 * @x: the number, which may be
 *     written on two lines
 *
 * Returns @x plus one.
 *
 *   foo(1) == 2
 */
function foo:long (x:long) { return x + 1 }

/**
 * probe foo.bar - an event
 * @v: a value
 */
probe foo.bar = kernel.trace("a:b") { v = 1 }
probe foo.bar.return = kernel.trace("a:c") { v = 2 }
STP
if $GEN --tapset "$T/ts" --markdown "$T/ts.md" --man "$T/tsman" >"$T/out" 2>&1 &&
	grep -q 'written on two lines' "$T/ts.md" && grep -q '^    foo(1) == 2' "$T/ts.md" &&
	[ -f "$T/tsman/function::foo.3btap" ] && [ -f "$T/tsman/probe::foo.bar.return.3btap" ] &&
	! ls "$T/tsman" | grep -q internal; then
	pass "generator accepts the documented form"
else
	fail "generator on the accepted form: $(cat "$T/out")"
fi
# A changed comment makes the committed reference stale.
cp "$T/ts.md" "$T/ts-old.md"
sed -i 's/add one/add 1/' "$T/ts/t.stp"
if $GEN --tapset "$T/ts" --check "$T/ts-old.md" >"$T/out" 2>&1; then fail "a stale reference passes --check"; else
	grep -q 'is stale' "$T/out" && pass "--check finds a stale reference" || fail "--check: $(cat "$T/out")"
fi

# tapset/nd_syscalls.stp is generated from the syscall aliases
if sh build-aux/nd-syscalls.sh | cmp -s - tapset/nd_syscalls.stp; then
	pass "tapset/nd_syscalls.stp matches the syscall aliases"
else
	fail "tapset/nd_syscalls.stp is stale: sh build-aux/nd-syscalls.sh >tapset/nd_syscalls.stp"
fi

# ---- man pages render ---------------------------------------------------
if command -v man >/dev/null 2>&1; then
	warned=""
	for f in docs/man/btap.1 docs/man/btap-probes.7; do
		w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null)
		[ -n "$w" ] && warned="$warned $f: $w"
	done
	# The generated pages in one groff run (spawning man once a page is
	# slow); a .so page must name a page that exists.
	for f in "$T"/man3/*; do
		read -r first <"$f"
		case $first in
		.so\ *) [ -f "$T/${first#.so }" ] || warned="$warned ${f##*/}: no ${first#.so }" ;;
		*) echo "$f" ;;
		esac
	done >"$T/pages"
	w=$(xargs cat <"$T/pages" | groff -man -Tutf8 -ww -z 2>&1)
	[ -n "$w" ] && warned="$warned generated pages: $(echo "$w" | head -3)"
	if [ -z "$warned" ]; then pass "every man page renders without warnings"; else fail "man warnings:$warned"; fi
else
	skip "man pages render: no man(1) (tests/install-deps.sh installs man-db)"
fi

# ---- btap(1) against the code -------------------------------------------
# Short options from the getopt string, long ones from the option table.
shorts=$(sed -n 's/.*getopt_long(argc, argv, "+\{0,1\}\([^"]*\)".*/\1/p' translator/options.c | tr -d ':' | sed 's/./& /g')
longs=$(sed -n 's/^[[:space:]]*{"\([a-z-]*\)", [a-z_]*_argument.*/\1/p' translator/options.c)
[ -n "$shorts" ] && [ -n "$longs" ] || fail "cannot read the options from translator/options.c"
# The options btap(1) documents: the tags of its .TP items.
doc_opts=$(awk '/^\.TP/ { getline; if ($0 ~ /^\.B/) print }' docs/man/btap.1 | sed 's/\\-/-/g; s/\\f[BIRP]//g' |
	grep -oE -- '(^|[ "])--?[A-Za-z][a-z-]*' | sed 's/^[ "]//')
missing=""
for o in $shorts; do echo "$doc_opts" | grep -qx -- "-$o" || missing="$missing -$o"; done
for o in $longs; do echo "$doc_opts" | grep -qx -- "--$o" || missing="$missing --$o"; done
if [ -z "$missing" ]; then pass "btap(1) documents every option in options.c"; else fail "btap(1) lacks:$missing"; fi
stale=""
for o in $(echo "$doc_opts" | sort -u); do
	case $o in
	--*) echo "$longs" | grep -qx -- "${o#--}" || stale="$stale $o" ;;
	-?) echo " $shorts" | grep -q " ${o#-} " || stale="$stale $o" ;;
	esac
done
if [ -z "$stale" ]; then pass "btap(1) documents no option the code lacks"; else fail "btap(1) documents unknown:$stale"; fi
# What --help lists, btap(1) lists too.
help_opts=$(./btap --help | grep -oE '^  (-[A-Za-z]|--[a-z-]+)(, --[a-z-]+)?' | grep -oE -- '--?[A-Za-z-]+')
missing=""
for o in $help_opts; do echo "$doc_opts" | grep -qx -- "$o" || missing="$missing $o"; done
if [ -z "$missing" ]; then pass "btap(1) has every option of --help"; else fail "btap(1) lacks --help's:$missing"; fi
# Every environment variable the code reads is in ENVIRONMENT.
envs=$(grep -rhoE 'getenv\("[A-Z_]+"\)' translator emit runner bpf-backend runtime --include=*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u)
envsec=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' docs/man/btap.1)
missing=""
for e in $envs; do echo "$envsec" | grep -q "$e" || missing="$missing $e"; done
if [ -z "$missing" ]; then pass "btap(1) ENVIRONMENT has every variable read"; else fail "ENVIRONMENT lacks:$missing"; fi
for s in "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
	grep -q "^\.SH $s" docs/man/btap.1 || fail "btap(1) has no $s section"
done

# ---- btap-probes(7) against the code ------------------------------------
P7=docs/man/btap-probes.7
missing=""
for fam in $(sed -n 's/^[[:space:]]*\.name = "\([^"]*\)",/\1/p' translator/provider*.c); do
	grep -qF "$fam" "$P7" || missing="$missing $fam"
done
for ev in $(sed -n 's/^[[:space:]]*{"[sh]w", "\([a-z_]*\)".*/\1/p' translator/provider_perf.c); do
	grep -qF "$ev" "$P7" || missing="$missing perf:$ev"
done
for u in $(sed -n 's/^[[:space:]]*{"\([a-z]*\)", [0-9].*/\1/p' translator/provider_timer.c); do
	grep -qF "timer.$u(" "$P7" || missing="$missing timer.$u"
done
# shellcheck disable=SC2086
for pre in $(grep -hE '^probe[[:space:]]+[A-Za-z][A-Za-z0-9_.]*[[:space:]]*\+?=' $stps | sed -E 's/^probe[[:space:]]+([A-Za-z0-9_]+).*/\1/' | sort -u); do
	grep -qE "\\.B[R]? $pre\\.|$pre\\.\\\\fI|^\\.BR? $pre\\.\\*|^\\.BR? $pre( |\$)" "$P7" || missing="$missing $pre.*"
done
if [ -z "$missing" ]; then pass "btap-probes(7) names every family, perf event, timer unit and alias prefix"; else
	fail "btap-probes(7) lacks:$missing"
fi

summary docs
