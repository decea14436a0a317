#!/bin/sh
# How many of stap's own example scripts btap takes through pass 2: each
# testsuite/systemtap.examples/**/NAME.stp is run as its NAME.meta's
# `test_check:` command says (stap -> btap, -p4 -> -p2), in its folder.
# Prints the pass rate and the most common first errors. A report, not a
# test: it never fails.
#
#     sh tests/compat/examples-p2.sh SYSTEMTAP-SOURCE-DIR
#
# RUN=1 runs them instead, as their `test_installcheck:` commands say
# (most with -T 1: a second of tracing; some stop at pass 4), and counts
# those that exit 0 (the examples without that command are left out).
#
# LIST=1 also lists each failing script with its first error; BTAP names
# the btap to run (a wrapper such as tests/vm/btap-vm with --debuginfo,
# for the guest kernel's facts).
#
# SYSTEMTAP-SOURCE-DIR is a checkout of systemtap's sources (for example
# `git clone https://sourceware.org/git/systemtap.git`).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=${1:?usage: $0 SYSTEMTAP-SOURCE-DIR}
EX=$SRC/testsuite/systemtap.examples
[ -d "$EX" ] || { echo "no $EX"; exit 0; }
BTAP=${BTAP:-$ROOT/btap}
T=$(mktemp -d /tmp/btap-examples.XXXXXX)
trap 'rm -rf "$T"' EXIT
KEY=test_check WHAT="through btap -p2"
[ -n "$RUN" ] && KEY=test_installcheck WHAT="run by btap as stap's installcheck runs them"
# the examples that are shell scripts around stap find btap as `stap` on
# $PATH, stopping after pass 2 whatever pass they ask for (unless RUN)
mkdir "$T/bin"
if [ -n "$RUN" ]; then
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$BTAP"
else
	printf '#!/bin/sh\nfor a; do shift; case "$a" in -p[0-9]) a=-p2 ;; esac; set -- "$@" "$a"; done\nexec "%s" -p2 "$@"\n' "$BTAP"
fi >"$T/bin/stap"
chmod +x "$T/bin/stap"
PATH=$T/bin:$PATH
total=0 ok=0
for meta in $(find "$EX" -name '*.meta' | sort); do
	dir=$(dirname "$meta")
	name=$(sed -n 's/^name: *//p' "$meta" | head -1)
	[ -n "$name" ] && [ -f "$dir/$name" ] || continue
	check=$(sed -n "s/^$KEY: *//p" "$meta" | head -1)
	if [ -z "$check" ]; then
		[ -n "$RUN" ] && continue
		check="stap -p4 $name"
	fi
	# the same command with btap, stopping after pass 2 unless RUN
	# (also -gp1 and the like: every script goes through pass 2)
	# (at the start, or after a pipe: `echo ... | stap NAME.stp`)
	cmd=$(echo "$check" | sed "s#\(^\|| *\)stap #\1$BTAP #")
	[ -z "$RUN" ] && cmd=$(echo "$cmd" | sed "s| -\([a-zA-Z]*\)p *[0-9]| -\1p2|")
	case "$cmd" in
	"$BTAP "* | *"| $BTAP "*) [ -n "$RUN" ] || echo "$cmd" | grep -q -- '-p2' || cmd="$cmd -p2" ;;
	# a shell script that runs stap itself, through the stap on $PATH
	./"$name"*) ;;
	# a check that only looks at the file (`file ./NAME`): run the
	# script with no arguments instead
	*) cmd="./$name" ;;
	esac
	total=$((total + 1))
	if (cd "$dir" && timeout 60 sh -c "$cmd" >/dev/null 2>"$T/err"); then
		ok=$((ok + 1))
	else
		# the first error line, with names and places blurred into a reason
		grep -m1 -i 'error' "$T/err" | sed 's/^[^ ]*: error: //; s/'"'"'[^'"'"']*'"'"'/X/g; s/"[^"]*"/X/g; s/[0-9][0-9]*/N/g' \
			>>"$T/reasons"
		echo "${dir#"$EX"/}/$name: $(grep -m1 -i 'error' "$T/err")" >>"$T/failed"
	fi
done
echo "stap examples $WHAT: $ok of $total ($((total ? ok * 100 / total : 0)) %)"
echo "most common first errors:"
sort "$T/reasons" 2>/dev/null | uniq -c | sort -rn | head -15
if [ -n "$LIST" ]; then
	echo "each failing script and its first error:"
	cat "$T/failed" 2>/dev/null
fi
