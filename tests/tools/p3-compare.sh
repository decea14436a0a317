#!/bin/sh
# Compare the C two btap binaries generate (-p3) for every script of
# tests/corpus/good, tests/live and scripts/, each with the options and
# arguments its header gives (# opts:, # args:). Both read this tree's
# tapset and runtime (BTAP_TAPSET_DIR, BTAP_RUNTIME_DIR), so only the
# translators differ. Prints one line per script whose output (stdout,
# stderr, exit status) differs, then the counts; exits 1 if any differ.
#
#     sh tests/tools/p3-compare.sh OLD-BTAP NEW-BTAP [SCRIPT...]
#
# KEEP=DIR keeps every output and diff under DIR (else a temporary
# directory, removed at the end); DIFF=1 prints the diffs.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
if [ $# -lt 2 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
	echo "usage: $0 OLD-BTAP NEW-BTAP [SCRIPT...]" >&2
	exit 2
fi
OLD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
NEW=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
shift 2
if [ -n "${KEEP:-}" ]; then
	T=$KEEP
	mkdir -p "$T"
else
	T=$(mktemp -d /tmp/btap-p3cmp.XXXXXX)
	trap 'rm -rf "$T"' EXIT
fi
export BTAP_TAPSET_DIR="$ROOT/tapset" BTAP_RUNTIME_DIR="$ROOT/runtime" LC_ALL=C
export XDG_CACHE_HOME="$T/cache"
mkdir -p "$XDG_CACHE_HOME"

header() { sed -n "s/^# $1: *//p" "$2" | head -1; }

# run BTAP FILE OUT: -p3 of FILE into OUT.{c,err,rc}
run() {
	opts=$(header opts "$2")
	args=$(header args "$2")
	# shellcheck disable=SC2086
	(cd "$ROOT" && timeout 120 "$1" $opts -p3 "$2" $args >"$3.c" 2>"$3.err")
	echo $? >"$3.rc"
}

[ $# -gt 0 ] || set -- tests/corpus/good/*.stp tests/live/*/*.stp scripts/*.stp
same=0 differ=0 failed=0
for f in "$@"; do
	id=$(echo "$f" | tr '/' '_')
	run "$OLD" "$f" "$T/$id.old"
	run "$NEW" "$f" "$T/$id.new"
	if cmp -s "$T/$id.old.c" "$T/$id.new.c" && cmp -s "$T/$id.old.err" "$T/$id.new.err" &&
		cmp -s "$T/$id.old.rc" "$T/$id.new.rc"; then
		same=$((same + 1))
		[ "$(cat "$T/$id.new.rc")" = 0 ] || failed=$((failed + 1))
		continue
	fi
	differ=$((differ + 1))
	{
		diff -u "$T/$id.old.c" "$T/$id.new.c"
		diff -u "$T/$id.old.err" "$T/$id.new.err"
		diff -u "$T/$id.old.rc" "$T/$id.new.rc"
	} >"$T/$id.diff"
	echo "differs: $f ($(grep -c '^[-+][^-+]' "$T/$id.diff") lines)"
	[ -n "${DIFF:-}" ] && cat "$T/$id.diff"
done
echo "p3-compare: $same same ($failed of them failing -p3 alike), $differ differ"
[ "$differ" = 0 ]
