#!/bin/sh
# stap's own BPF test suite (testsuite/systemtap.bpf) through btap on the
# test VM's kernel: every bpf_tests/*.stp, bpf_target_tests/*.stp and
# bpf_tests/lsm/*.stp is compiled here for the guest (pass 4, as btap-vm
# does) and all of them run in ONE boot, with the options and commands the
# suite's bpf.exp and lsm.exp give them. A script passes as it does there:
# "BEGIN", then "END PASS" (or, for the scripts bpf.exp gives an expected
# string, that string followed by "END") before any "END FAIL"/"END". A
# report, not a test: it prints each result and the count, and never fails.
#
#     sh tests/compat/bpf-suite.sh SYSTEMTAP-SOURCE-DIR [NAME…]
#
# NAMEs (file names without .stp) restrict the run. BTAP: the btap binary.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=${1:?usage: $0 SYSTEMTAP-SOURCE-DIR [NAME...]}
shift
ONLY=" $* "
SUITE=$SRC/testsuite/systemtap.bpf
[ -d "$SUITE" ] || { echo "no $SUITE"; exit 0; }
VM_HERE=$ROOT/tests/vm
. "$VM_HERE/vm-lib.sh"
BTAP=${BTAP:-$ROOT/btap}
export BTAP
T=$(mktemp -d /tmp/btap-bpfsuite.XXXXXX)
trap 'vm_kill; [ -n "$KEEP" ] || rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
vm_prepare || { echo "the VM is not available: $VM_WHY"; exit 0; }
cc -g -o "$T/a.out" "$SUITE/bpf-target.c" || exit 0

# What bpf.exp expects before "END" (empty: "END PASS").
expected() {
	case "$1" in
	printf) echo "abcd123456abcd123456abcd123456" ;;
	sprintf) echo "01234567890123456789" ;;
	string1) echo "begin[str0str1str2str3]probe[str0str1str2str3]end[str0str1str2str3]" ;;
	string*) echo "probe0[str0str1str2str3]probe1[str0str1str2str3]end[str0str1str2str3]" ;;
	target) echo "12345" ;; # bpf.exp's {[12345]} is a regex: one of those digits
	esac
}

# The command lsm.exp runs each LSM script with.
lsm_cmd() {
	case "$1" in
	lsm_file_open) echo "sh -c 'sleep 1; touch /tmp/lsm_test; cat /tmp/lsm_test; sleep 3; rm /tmp/lsm_test'" ;;
	# lsm.exp runs nc, which a machine may lack: bash makes a socket too
	lsm_socket) echo "sh -c 'sleep 1; bash -c \"exec 3<>/dev/tcp/127.0.0.1/9\" 2>/dev/null; sleep 3'" ;;
	lsm_deny | lsm_demo) echo "sh -c 'sleep 1; cp /bin/true /tmp/forbidden-x; /tmp/forbidden-x; cat /etc/hostname >/dev/null; sleep 6'" ;;
	*) echo "sleep 4" ;;
	esac
}

n=0
: >"$T/compile.sh"
echo "cd $(vm_q "$T")" >"$T/job.all"
for stp in "$SUITE"/bpf_tests/*.stp "$SUITE"/bpf_target_tests/*.stp "$SUITE"/bpf_tests/lsm/*.stp; do
	[ -f "$stp" ] || continue
	name=$(basename "$stp" .stp)
	if [ "$ONLY" != "  " ]; then
		case "$ONLY" in *" $name "*) ;; *) continue ;; esac
	fi
	n=$((n + 1))
	opts=
	case "$name" in cast_op_tracepoint | reg_alloc3 | tracepoint1) opts="--compatible=4.1" ;; esac
	case "$stp" in
	*/lsm/*) set -- -g $opts -c "$(lsm_cmd "$name")" "$stp" ;;
	*/bpf_target_tests/*) set -- $opts -c ./a.out "$stp" ;;
	*) set -- $opts -x 12345 "$stp" ;;
	esac
	vm_split_args "$@" || exit 1
	echo "cd '$T' && \"\$BTAP\" -r $(vm_q "$VM_KREL") -p4 $VM_COMPILE >'$T/$n.art' 2>'$T/$n.err'; echo \$? >'$T/$n.rc'" \
		>>"$T/compile.sh"
	echo "[ -s '$T/$n.art' ] && timeout -s INT 30 $(vm_q "$BTAP") --run \"\$(tail -1 '$T/$n.art')\" $VM_RUN >'$T/$n.out' 2>'$T/$n.err'; echo \$? >'$T/$n.rc'" \
		>>"$T/job.all"
	echo "$n $name" >>"$T/list"
done
[ "$n" -gt 0 ] || { echo "no scripts"; exit 0; }
vm_facts_exec sh -c '. "$1"' compile "$T/compile.sh"
cp "$T/job.all" "$T/job.sh"
vm_boot "$T" $((120 + 35 * n)) || { echo "the VM did not finish:"; tail -5 "$T/console.log"; }

ok=0
while read -r i name; do
	want=$(expected "$name")
	out=$(tr -d "\n" <"$T/$i.out" 2>/dev/null || :)
	if [ "$name" = lsm_demo ]; then
		# a demonstration, run by neither .exp: it passes when it runs to its summary
		case "$out" in *"EXEC: /tmp/forbidden-x"*"EXECUTION SUMMARY"*) r=PASS ;; *) r=FAIL ;; esac
	elif [ -z "$want" ]; then
		res=$(printf '%s' "$out" | grep -o 'BEGIN.*END \(PASS\|FAIL\)' | grep -o 'END \(PASS\|FAIL\)$')
		[ "$res" = "END PASS" ] && r=PASS || r=FAIL
	else
		case "$out" in *BEGIN*"$want"END*) r=PASS ;; *) r=FAIL ;; esac
	fi
	if [ "$r" = PASS ]; then
		ok=$((ok + 1))
		echo "PASS: $name"
	else
		echo "FAIL: $name (exit $(cat "$T/$i.rc" 2>/dev/null)): $(grep -m1 -i 'error' "$T/$i.err" 2>/dev/null | cut -c1-160)"
	fi
done <"$T/list"
echo "stap's BPF suite through btap on the VM's kernel: $ok of $n"
