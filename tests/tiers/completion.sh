#!/bin/sh
# Bash completion (completion/btap.bash), run by bash itself: source it,
# set COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD as bash does for a line
# (bash splits words at ( " : = too; the cases below are split as bash
# splits them), call _btap and compare COMPREPLY.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-completion.XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! command -v bash >/dev/null 2>&1; then
	skip "completion: no bash"
	summary completion
	exit $?
fi
mkdir "$T/work" "$T/work/sub"
touch "$T/work/a.stp" "$T/work/b.txt"

# comp NAME WANT LINE WORD...: complete LINE (cursor at its end), whose
# words bash splits into WORD...; WANT is the sorted replies, one per line
# joined with '|', or "~WORD" for "the replies include WORD".
comp() {
	name=$1 want=$2 line=$3
	shift 3
	got=$(cd "$T/work" && bash -c '
		. "$1/completion/btap.bash" || exit 1
		COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
		shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_btap
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd "|"
	' sh "$ROOT" "$line" "$@" 2>&1)
	case $want in
	"~"*)
		case "|$got|" in *"|${want#\~}|"*) pass "$name" ;; *) fail "$name: replies '$got' lack '${want#\~}'" ;; esac ;;
	*)
		if [ "$got" = "$want" ]; then pass "$name"; else fail "$name: got '$got', want '$want'"; fi ;;
	esac
}
B=$ROOT/btap

comp "long option" "--run|--runtime=" "$B --ru" "$B" --ru
comp "--runtime=b" "bpf" "$B --runtime=b" "$B" --runtime = b
comp "--runtime=" "auto|bpf|kmod" "$B --runtime=" "$B" --runtime =
comp "-p" "1|2|3|4|5" "$B -p " "$B" -p ""
comp "-D" "MAXSTRINGLEN=" "$B -D MAXS" "$B" -D MAXS
comp "-l alias prefix" "~syscall.openat" "$B -l syscall.open" "$B" -l syscall.open
comp "-l .return aliases" "~syscall.open.return" "$B -l syscall.open" "$B" -l syscall.open
comp "-L alias" "scheduler.cpu_off|scheduler.cpu_on|scheduler.ctxswitch" "$B -L scheduler.c" "$B" -L scheduler.c
comp "-l perf events" "perf.sw.cpu_clock|perf.sw.cpu_migrations" "$B -l perf.sw.cpu" "$B" -l perf.sw.cpu
comp "-l basic points" "begin" "$B -l beg" "$B" -l beg
comp "-l tracepoints, quoted" 'kernel.trace("sched:sched_switch")' \
	"$B -l 'kernel.trace(\"sched:sched_swi" "$B" -l "'kernel.trace(\"sched:sched_swi"
comp "-l tracepoint groups" '~kernel.trace("signal:signal_generate")' \
	"$B -l 'kernel.trace(\"signal:" "$B" -l "'kernel.trace(\"signal:"
comp "-l offers kernel.trace(" 'kernel.trace("' "$B -l kern" "$B" -l kern
comp "script files" "a.stp|sub/" "$B " "$B" ""
comp "script after options" "a.stp|sub/" "$B -v -p 2 " "$B" -v -p 2 ""
comp "script arguments" "a.stp|b.txt|sub" "$B a.stp " "$B" a.stp ""
comp "after -e, arguments" "a.stp|b.txt|sub" "$B -e 'probe begin {}' " "$B" -e "'probe begin {}'" ""
comp "-I directories" "sub" "$B -I s" "$B" -I s
comp "-x process ids" "~$$" "$B -x $$" "$B" -x "$$"

# Every option --help lists is offered after "-".
all=$(cd "$T/work" && bash -c '. "$1/completion/btap.bash"; COMP_LINE="$2 -"; COMP_POINT=${#COMP_LINE}
	COMP_WORDS=("$2" -); COMP_CWORD=1; _btap; printf "%s\n" "${COMPREPLY[@]}"' sh "$ROOT" "$B")
missing=""
for o in $("$B" --help | grep -oE '^  (-[A-Za-z]|--[a-z-]+)(, --[a-z-]+)?' | grep -oE -- '--?[A-Za-z-]+'); do
	echo "$all" | grep -qx -- "$o=\{0,1\}" || missing="$missing $o"
done
if [ -z "$missing" ]; then pass "every --help option is offered"; else fail "options not offered:$missing"; fi

reg=$(bash -c '. "$1/completion/btap.bash"; complete -p btap' sh "$ROOT" 2>&1)
case $reg in *"-F _btap"*) pass "complete -F _btap btap" ;; *) fail "registration: $reg" ;; esac
summary completion
