#!/bin/sh
# Live tier: run scripts on this kernel and compare their output.
#
# Every tests/live/*/NAME.stp runs as `btap [opts] [-c cmd] NAME.stp [args]`;
# stdout must equal NAME.out exactly, stderr NAME.err when that file exists,
# and the exit status `expect-rc` (default 0). Header lines of the script:
#     # cmd: COMMAND        run with -c COMMAND
#     # args: A B ...       script arguments
#     # opts: -T 5 ...      more options
#     # expect-rc: N
# Then the runner's integrity tests: -c, -x, -T, SIGINT, SIGKILL leaving no
# BPF program or link behind, lost records, runtime errors, not root, the
# compile cache, -p4 and --run.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-live.XXXXXX)
trap 'rm -rf "$T"' EXIT
LIMIT=${LIVE_TIMEOUT:-60}

# ---- can this machine and this btap run scripts at all? -------------------
why_not=$(live_why_not)
if [ -z "$why_not" ]; then
	timeout "$LIMIT" "$BTAP" -e 'probe begin { exit() }' >"$T/probe.out" 2>&1
	if grep -q 'not implemented' "$T/probe.out"; then
		why_not="this btap cannot run scripts yet: $(grep -m1 'not implemented' "$T/probe.out")"
	fi
fi

# Does the kernel have BPF netfilter programs? (their context type in BTF)
has_bpf_netfilter() { grep -q bpf_nf_ctx /sys/kernel/btf/vmlinux 2>/dev/null; }

run_script() {
	stp=$1
	base=${stp%.stp}
	name=${base#tests/live/}
	if [ ! -f "$base.out" ]; then
		fail "$name: no $base.out"
		return
	fi
	if [ "$(header needs "$stp")" = bpf-netfilter ] && ! has_bpf_netfilter; then
		skip "$name: the kernel has no BPF netfilter programs (Linux 6.4, CONFIG_NETFILTER_BPF_LINK)"
		return
	fi
	cmd=$(header cmd "$stp")
	args=$(header args "$stp")
	opts=$(header opts "$stp")
	want_rc=$(header expect-rc "$stp")
	want_rc=${want_rc:-0}
	# shellcheck disable=SC2086 # opts and args are word lists
	if [ -n "$cmd" ]; then
		timeout "$LIMIT" "$BTAP" $opts -c "$cmd" "$stp" $args >"$T/out" 2>"$T/err"
	else
		timeout "$LIMIT" "$BTAP" $opts "$stp" $args >"$T/out" 2>"$T/err"
	fi
	check_run "$name" "$base" "$want_rc" $? "$T/out" "$T/err"
}

# check NAME CONDITION-DESCRIPTION: the last command's result was tested by
# the caller; these keep each test to a few lines.

now_ms() { date +%s%3N; }

bpf_count() { bpftool "$1" show 2>/dev/null | grep -c '^[0-9]'; }

# Does this machine count instructions in hardware? Sets hw_why.
hw_counters() {
	if command -v perf >/dev/null && out=$(perf stat -x, -e instructions true 2>&1); then
		case "$out" in
		"<not supported>"*) hw_why="perf stat: instructions not supported"; return 1 ;;
		[0-9]*,*instructions*) hw_why="perf stat counts instructions"; return 0 ;;
		esac
	fi
	# No usable perf tool: a core PMU registers itself next to "software".
	if ls /sys/bus/event_source/devices | grep -q '^\(cpu\|cpu_core\|cpu_atom\|armv[0-9].*\)$'; then
		hw_why="a CPU PMU is registered"
		return 0
	fi
	hw_why="no CPU PMU in /sys/bus/event_source/devices"
	return 1
}

integrity_tests() {
	# -c: the run ends when the command does
	t0=$(now_ms)
	timeout "$LIMIT" "$BTAP" -c 'sleep 0.3' -e 'probe end { println("end") }' >"$T/out" 2>"$T/err"
	rc=$? el=$(($(now_ms) - t0))
	ok_if "-c ends with the command" '[ $rc = 0 ] && [ "$(cat "$T/out")" = end ] && [ $el -lt 20000 ]'

	# set_user_*() (-g): the write(2) buffer rewritten before the kernel
	# copies it, where the kernel lets BPF write user memory; where it does
	# not (lockdown), the verifier's refusal names the reason and kmod
	timeout "$LIMIT" "$BTAP" -g -c 'printf abcdef' -e 'probe kernel.trace("syscalls:sys_enter_write") {
	if (pid() == target()) { set_user_string_n($buf, 2, "XYZ"); set_user_char($buf + 2, 0x2d) } }' >"$T/out" 2>"$T/err"
	if [ -s "$T/err" ]; then
		ok_if "set_user_*() refused by this kernel: the error says why" \
			'grep -q "set_user_\*() writes user memory from BPF, which this kernel forbids.*--runtime=kmod" "$T/err"'
	else
		ok_if "set_user_*() rewrites the process's buffer" '[ "$(cat "$T/out")" = "XY-def" ]'
	fi

	# probing_32bit_app(): a 32-bit (ia32) process, built here from two
	# system calls (as --32 and ld -m elf_i386 only, no 32-bit libc), and
	# its 64-bit parent
	printf '\t.globl _start\n_start:\n\tmov $20, %%eax\n\tint $0x80\n\tmov $1, %%eax\n\txor %%ebx, %%ebx\n\tint $0x80\n' >"$T/ia32.S"
	if cc -m32 -nostdlib -static -o "$T/ia32" "$T/ia32.S" 2>"$T/err" && "$T/ia32"; then
		timeout "$LIMIT" "$BTAP" -c "sh -c '$T/ia32; exit 0'" -e 'global seen
probe kernel.trace("raw_syscalls:sys_enter") {
	if ((pid() == target() && execname() == "sh") || (ppid() == target() && execname() == "ia32"))
		seen[execname(), probing_32bit_app()]++
}
probe end { foreach ([e, b+] in seen) printf("%s %d\n", e, b) }' >"$T/out" 2>"$T/err"
		ok_if "probing_32bit_app(): 1 in an ia32 process, 0 in its 64-bit parent" \
			'[ "$(tr "\n" " " <"$T/out")" = "sh 0 ia32 1 " ]'
	else
		skip "probing_32bit_app(): cannot build or run a 32-bit program here ($(head -1 "$T/err"))"
	fi

	# perf.EVENT.process: samples only while the program runs (a copy of
	# sh under a name of its own, so that no other process runs it)
	cp /bin/sh "$T/spinner"
	timeout "$LIMIT" "$BTAP" -c "$T/spinner -c 'i=0; while [ \$i -lt 300000 ]; do i=\$((i+1)); done'" -e 'global mine, other
probe perf.sw.cpu_clock.sample(1000000).process { if (pid() == target()) mine++; else other++ }
probe end { printf("%d %d\n", mine > 10, other) }' >"$T/out" 2>"$T/err"
	ok_if "perf.sw.cpu_clock.process: samples of the -c program only" '[ "$(cat "$T/out")" = "1 0" ]'
	# the same script with another -c program: the bare .process names
	# that one (the script index's key does not cover -c)
	mkdir -p "$T/other" && cp /bin/sh "$T/other/spinner"
	timeout "$LIMIT" "$BTAP" -c "$T/other/spinner -c 'i=0; while [ \$i -lt 300000 ]; do i=\$((i+1)); done'" -e 'global mine, other
probe perf.sw.cpu_clock.sample(1000000).process { if (pid() == target()) mine++; else other++ }
probe end { printf("%d %d\n", mine > 10, other) }' >"$T/out" 2>"$T/err"
	ok_if "perf.sw.cpu_clock.process: another -c program, the same script" '[ "$(cat "$T/out")" = "1 0" ]'

	# a netfilter verdict a BPF program cannot return: stap's run-time
	# error; the datagram passes and the session ends
	if ! has_bpf_netfilter; then
		skip "netfilter: \$verdict = nf_stolen: the kernel has no BPF netfilter programs"
	else
		timeout "$LIMIT" "$BTAP" -g -c 'python3 tests/live/net/traffic.py' -e 'probe netfilter.ipv4.local_in {
			if (protocol == ipproto_udp && dport == 9931) $verdict = nf_stolen }' >"$T/out" 2>"$T/err"
		rc=$?
		ok_if "netfilter: \$verdict = nf_stolen is a run-time error" \
			'[ $rc = 1 ] && grep -q "^ERROR: a netfilter verdict from btap is nf_drop (0) or nf_accept (1), not 2" "$T/err"'
	fi

	# ns_*(): a process in a pid and user namespace of their own (-r maps
	# root to root alone), seen from there (--target-namespaces: a pid
	# after the namespace's first, its parent outside: 0) and from btap's; a process of uid 1234
	# outside them (not seen: 0, and the overflow uid 65534)
	unshare --pid --fork --user --map-root-user sleep 60 &
	ns_holder=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		ns_inner=$(pgrep -P $ns_holder) && break
		sleep 0.1
	done
	ns_script='probe kernel.trace("sched:sched_process_exec") {
	if (execname() == "true")
		printf("%s %d %d %d %d %d %d %d|%d %d %d %d\n", cmdline_arg(1), ns_pid(), ns_tid(), ns_ppid(), ns_uid(), ns_euid(),
			ns_gid(), ns_egid(), ns_pid() == pid(), ns_tid() == tid(), ns_uid() == uid(), ns_gid() == gid())
}'
	ns_cmd="sh -c 'nsenter -t $ns_inner -p -U --preserve-credentials /bin/true inside; setpriv --reuid=1234 --regid=1234 --clear-groups /bin/true outside'"
	if [ -n "$ns_inner" ] && nsenter -t "$ns_inner" -p -U --preserve-credentials true 2>"$T/err"; then
		timeout "$LIMIT" "$BTAP" --target-namespaces="$ns_inner" -c "$ns_cmd" -e "$ns_script" >"$T/out" 2>"$T/err"
		ok_if "ns_*(): --target-namespaces PID sees a namespace's own ids" \
			'[ "$(tr "\n" " " <"$T/out" | sed "s/^inside \([2-9]\) \1 /inside N N /")" = "inside N N 0 0 0 0 0|0 0 1 1 outside 0 0 0 65534 65534 65534 65534|0 0 0 0 " ]'
		timeout "$LIMIT" "$BTAP" -c "$ns_cmd" -e "$ns_script" >"$T/out" 2>"$T/err"
		ok_if "ns_*(): by default btap's namespaces, the host's ids" \
			'[ "$(cut -d"|" -f2 "$T/out" | tr "\n" " ")" = "1 1 1 1 1 1 1 1 " ] && grep -q "^outside [0-9]* [0-9]* [0-9]* 1234 1234 1234 1234|" "$T/out"'
	else
		skip "ns_*(): cannot make or enter a pid and user namespace here ($(head -1 "$T/err"))"
	fi
	kill "$ns_holder" 2>/dev/null
	timeout "$LIMIT" "$BTAP" --target-namespaces=999999999 -e 'probe begin {}' >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "--target-namespaces with no such process fails the run" \
		'[ $rc = 1 ] && grep -q "target-namespaces 999999999: no such process" "$T/err"'

	# pgrp() and sid() as the command's own /proc/PID/stat gives them
	out=$(timeout "$LIMIT" "$BTAP" -c "sh -c 'cut -d\" \" -f5,6 /proc/\$\$/stat >&2'" \
		-e 'probe kernel.trace("sched:sched_process_exec") { if (pid() == target()) printf("%d %d\n", pgrp(), sid()) }' 2>"$T/err")
	ok_if "pgrp(), sid(): the process group and session /proc shows" \
		'[ -n "$out" ] && [ "$out" = "$(tail -1 "$T/err")" ] && [ "$out" != "0 0" ]'

	# module_name(): -m NAME, else btap_<key>_<runner pid>, in the kernel
	# probe and in the runner alike
	out=$(timeout "$LIMIT" "$BTAP" -m mytrace -c /bin/true -e 'probe kernel.trace("sched:sched_process_exec") { if (pid() == target()) println(module_name()) }
probe end { println(module_name()) }' 2>"$T/err")
	ok_if "module_name(): -m NAME in kernel and runner probes" '[ "$(echo $out)" = "mytrace mytrace" ]'
	out=$(timeout "$LIMIT" "$BTAP" -e 'probe begin { println(module_name(), " ", stp_pid()); exit() }' 2>"$T/err")
	ok_if "module_name(): btap_KEY_PID without -m" 'echo "$out" | grep -qx "btap_[0-9a-f]\{16\}_\([0-9]*\) \1"'

	# -c splits the command into words as stap does (wordexp: quotes kept,
	# no shell) and refuses what it cannot run, before anything attaches
	out=$(timeout "$LIMIT" "$BTAP" -c "printf %s. a 'b c'" -e 'probe begin {}' 2>"$T/err")
	rc=$?
	ok_if "-c splits words like a shell" '[ $rc = 0 ] && [ "$out" = "a.b c." ]'
	# a leading shell builtin runs through sh -c; `exec CMD` keeps target() CMD's pid
	out=$(timeout "$LIMIT" "$BTAP" -c 'exec /bin/true' -e 'probe kernel.trace("sched:sched_process_exec") { if (pid() == target()) println(execname(), " ", $filename) }' 2>"$T/err")
	rc=$?
	ok_if "-c 'exec CMD': target() is CMD" '[ $rc = 0 ] && [ "$(echo "$out" | tail -1)" = "true /bin/true" ]'
	timeout "$LIMIT" "$BTAP" -c 'no-such-program-here x' -e 'probe begin { println("ran") }' >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "-c with a missing program fails the run" \
		'[ $rc = 1 ] && ! [ -s "$T/out" ] && grep -q "cannot run .no-such-program-here.: No such file" "$T/err"'
	timeout "$LIMIT" "$BTAP" -c 'echo $(id)' -e 'probe begin {}' >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "-c refuses a command substitution" '[ $rc = 1 ] && grep -q "command substitution" "$T/err"'

	# -x: target() is the pid, the run ends when it exits
	sleep 1 &
	pid=$!
	timeout "$LIMIT" "$BTAP" -x $pid -e 'probe end { printf("target=%d\n", target()) }' >"$T/out" 2>"$T/err"
	rc=$?
	wait $pid 2>/dev/null
	ok_if "-x PID" '[ $rc = 0 ] && [ "$(cat "$T/out")" = "target=$pid" ]'

	# -T: a time bound
	t0=$(now_ms)
	timeout "$LIMIT" "$BTAP" -T 1 -e 'probe end { println("end") }' >"$T/out" 2>"$T/err"
	rc=$? el=$(($(now_ms) - t0))
	ok_if "-T 1" '[ $rc = 0 ] && [ "$(cat "$T/out")" = end ] && [ $el -ge 900 ] && [ $el -lt 20000 ]'

	# SIGINT: end probes run and everything is printed
	"$BTAP" -e 'global n
probe begin { println("begin") }
probe timer.ms(10) { n++ }
probe end { printf("end %d\n", n > 0) }' >"$T/out" 2>"$T/err" &
	pid=$!
	sleep 2
	kill -INT $pid
	wait $pid
	rc=$?
	ok_if "SIGINT runs end probes" '[ $rc = 0 ] && [ "$(cat "$T/out")" = "begin
end 1" ]'

	# input.char and input.line: btap's stdin, from a pipe (both probes see
	# every character; exit() stops the rest), from a file, and /dev/null
	printf 'ab\ncd\nlast' | timeout "$LIMIT" "$BTAP" -e 'global n
probe input.char { n++ }
probe input.line { printf("[%s]", line); if (line == "cd\n") { printf("%d chars\n", n); exit() } }' \
		>"$T/out" 2>"$T/err"
	rc=$?
	printf 'x\ny\n' >"$T/in"
	timeout "$LIMIT" "$BTAP" -e 'probe input.line { printf("%s", line) } probe timer.ms(300) { exit() }' \
		<"$T/in" >"$T/out2" 2>>"$T/err"
	timeout "$LIMIT" "$BTAP" -e 'probe input.char { println(char) } probe timer.ms(50) { println("none"); exit() }' \
		</dev/null >"$T/out3" 2>>"$T/err"
	ok_if "input.char/input.line from a pipe, a file and /dev/null" \
		'[ $rc = 0 ] && [ "$(cat "$T/out")" = "[ab
][cd
]6 chars" ] && [ "$(cat "$T/out2")" = "x
y" ] && [ "$(cat "$T/out3")" = none ]'

	# SIGKILL: BPF links are fds, so nothing stays attached
	wait_detached
	progs0=$(bpf_count prog) links0=$(bpf_count link)
	"$BTAP" -e 'global n
probe kernel.trace("syscalls:sys_enter_write") { n++ }' >"$T/out" 2>"$T/err" &
	pid=$!
	progs1=$progs0
	for _ in $(seq 1 100); do
		progs1=$(bpf_count prog)
		[ "$progs1" -gt "$progs0" ] && break
		sleep 0.1
	done
	kill -KILL $pid
	wait $pid 2>/dev/null
	progs2=$progs1 links2=0
	for _ in $(seq 1 50); do
		progs2=$(bpf_count prog) links2=$(bpf_count link)
		[ "$progs2" = "$progs0" ] && [ "$links2" = "$links0" ] && break
		sleep 0.1
	done
	ok_if "SIGKILL leaves no BPF program or link ($progs0 -> $progs1 -> $progs2 programs)" \
		'[ "$progs1" -gt "$progs0" ] && [ "$progs2" = "$progs0" ] && [ "$links2" = "$links0" ]'

	# exit with tracepoints attached: btap returns with its output complete,
	# the slow last closes go to a helper (btap-detach) that holds nothing of
	# btap's but the links, and then everything is gone
	wait_detached
	progs0=$(bpf_count prog) links0=$(bpf_count link)
	timeout "$LIMIT" "$BTAP" -e 'global n
probe kernel.trace("syscalls:sys_enter_{read,write,openat,close,newfstatat,mmap,munmap,brk,getpid,getppid}") { n++ }
probe timer.ms(100) { printf("counted %d\n", n > 0); exit() }
probe end { println("end") }' >"$T/out" 2>"$T/err"
	rc=$?
	helper=$(pgrep -x btap-detach | head -1)
	foreign=0
	[ -n "$helper" ] && foreign=$(ls -l /proc/"$helper"/fd 2>/dev/null | grep -c -e "$T" -e ' -> /dev/')
	wait_detached
	left=$?
	progs2=$(bpf_count prog) links2=$(bpf_count link)
	ok_if "exit on tracepoints: output complete, the helper holds no output, nothing left after it (helper ${helper:-gone}, $progs0 -> $progs2 programs)" \
		'[ $rc = 0 ] && [ "$(cat "$T/out")" = "counted 1
end" ] && [ "$foreign" = 0 ] && [ $left = 0 ] && [ "$progs2" = "$progs0" ] && [ "$links2" = "$links0" ]'

	# lost records: a 1 MB buffer, dd's 400k write calls, and a reader that
	# does not read for the first two seconds
	timeout "$LIMIT" "$BTAP" -s 1 -c 'dd if=/dev/zero of=/dev/null bs=1 count=400000 status=none' \
		-e 'probe kernel.trace("syscalls:sys_enter_write") { if (pid() == target()) printf("%s %d\n", execname(), $count) }' \
		2>"$T/err" | (sleep 2; cat >/dev/null)
	ok_if "lost records are reported" 'grep -q "^WARNING: [0-9]* output records lost$" "$T/err"'

	# a verifier rejection inside a runtime helper is reported at the
	# script (here the probe), naming the helper's line (a tracepoint whose
	# context is the kernel's record: a system call event's is a copy)
	printf '%s\n' 'probe kernel.trace("sched:sched_process_exit") {' \
		'	if (pid() == target()) %{ btap_kchars(c, (char *)c->ctx, 0, 5); %}' '}' >"$T/vfail.stp"
	timeout "$LIMIT" "$BTAP" -g -c true "$T/vfail.stp" >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "verifier failure in the runtime is located at the script" \
		'[ $rc = 1 ] && grep -q "^$T/vfail.stp:1:1: error: the BPF verifier rejected this probe: .*(in the runtime at btap_[a-z_]*\.h:[0-9]*)" "$T/err"'

	# every example tool loads, attaches and runs for a second (those that
	# trace a program run in the uprobe tier, on its test programs; those
	# on kernel functions or LSM hooks in the VM tier)
	for tool in scripts/*.stp; do
		grep -q '^# needs a target: -c CMD or -x PID' "$tool" && continue
		grep -q '^# needs .*: tested in the VM tier' "$tool" && continue
		timeout "$LIMIT" "$BTAP" -T 1 "$tool" >"$T/out" 2>"$T/err"
		rc=$?
		ok_if "example $(basename "$tool") runs" '[ $rc = 0 ] && ! grep -qi error "$T/err"'
	done

	# a probe whose strings do not fit the kernel's per-CPU limit: the
	# error names the cause, not a program the kernel never saw
	timeout "$LIMIT" "$BTAP" -DMAXSTRINGLEN=4096 -c true -e 'probe kernel.trace("syscalls:sys_enter_getpid") {
	s = execname(); t = s . s . s . s; u = t . t . t; printf("%s %s\n", t, u) }' >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "per-CPU scratch too large is explained" \
		'[ $rc = 1 ] && grep -q "bytes of per-CPU scratch space.*lower MAXSTRINGLEN" "$T/err"'

	# a runtime error: located, counted, exit 1, end probes skipped
	timeout "$LIMIT" "$BTAP" -e 'probe begin { x = 0; printf("%d\n", 10 / x) }
probe end { println("end") }' >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "runtime error" '[ $rc = 1 ] && grep -q "^ERROR: division by 0 near operator .\/. at <input>:1:" "$T/err" &&
		grep -q "^WARNING: Number of errors: 1, skipped probes: 0$" "$T/err" && [ ! -s "$T/out" ]'

	# perf.hw.*: samples where the CPU has hardware counters; elsewhere (a
	# virtual machine without a PMU) a clear error naming the probe point,
	# exit 1, nothing printed
	timeout "$LIMIT" "$BTAP" -c 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done' -e 'global n
probe perf.hw.instructions.sample(100000) { if (pid() == target()) n++ }
probe end { printf("instructions sampled: %d\n", n > 0) }' >"$T/out" 2>"$T/err"
	rc=$?
	if hw_counters; then
		ok_if "perf.hw.instructions samples ($hw_why)" \
			'[ $rc = 0 ] && [ "$(cat "$T/out")" = "instructions sampled: 1" ]'
	else
		ok_if "perf.hw.instructions fails clearly ($hw_why)" '[ $rc = 1 ] && [ ! -s "$T/out" ] &&
			grep -q "cannot attach probe perf.hw.instructions.sample(100000) at <input>:2:1: this CPU or kernel does not provide hardware perf event 0:1" "$T/err"'
	fi

	# not root: one line naming the capability
	if command -v setpriv >/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent \
			"$BTAP" -e 'probe begin { exit() }' >"$T/out" 2>"$T/err"
		rc=$?
		ok_if "not root" '[ $rc = 1 ] && grep -q "CAP_BPF" "$T/err" && [ "$(wc -l <"$T/err")" = 1 ]'
	else
		skip "not root: setpriv is not installed"
	fi

	# -p4 prints the artifact; a second compile is a cache hit; --run runs it
	script='probe begin { println("cached"); exit() }'
	a1=$("$BTAP" -p4 -e "$script" 2>"$T/err")
	t0=$(now_ms)
	a2=$("$BTAP" -p4 -e "$script" 2>>"$T/err")
	el=$(($(now_ms) - t0))
	ok_if "-p4 artifact, cached" '[ -n "$a1" ] && [ "$a1" = "$a2" ] && [ -f "$a1/prog.so" ] && [ -f "$a1/prog.c" ]'
	out=$(timeout "$LIMIT" "$BTAP" --run "$a1" 2>"$T/err")
	rc=$?
	ok_if "--run ARTIFACT" '[ $rc = 0 ] && [ "$out" = cached ]'
	[ -n "$VERBOSE" ] && echo "cache hit took ${el} ms"
	# a runner that reads kernel structures at this kernel's offsets
	# (task_*() in a begin probe) runs only on this kernel's build: the
	# artifact names it, and --run refuses another
	a1=$("$BTAP" -p4 -e 'probe begin { println(task_pid(task_current()) == pid()); exit() }' 2>"$T/err")
	out=$(timeout "$LIMIT" "$BTAP" --run "$a1" 2>"$T/err")
	ok_if "--run: the artifact names its kernel build, and runs on it" '[ -s "$a1/kernel-build" ] && [ "$out" = 1 ]'
	cp -r "$a1" "$T/other-kernel"
	echo 0123456789abcdef > "$T/other-kernel/kernel-build"
	out=$(timeout "$LIMIT" "$BTAP" --run "$T/other-kernel" 2>"$T/err")
	rc=$?
	ok_if "--run: an artifact of another kernel build is refused" '[ $rc = 1 ] && [ -z "$out" ] &&
		grep -q "was built for another kernel build (0123456789ab, this one is [0-9a-f]*).*build it on this kernel" "$T/err"'
	a1=$("$BTAP" -p4 -e 'probe begin { println(1); exit() }' 2>"$T/err")
	ok_if "-p4: no kernel build named where the runner reads no kernel structure" '[ -f "$a1/prog.so" ] && [ ! -e "$a1/kernel-build" ]'

	# clang started before pass 1 (a script with kernel probes, compiled
	# for the first time): its compile is the one used, and nothing of it
	# is left; with the script's index entry gone, pass 4 finds the
	# artifact and the early clang is stopped and its directory removed
	cache=$(mktemp -d "$T/cache.XXXXXX")
	kscript='probe kernel.trace("syscalls:sys_enter_getppid") { println("k") }'
	a1=$(XDG_CACHE_HOME=$cache "$BTAP" -p4 -e "$kscript" 2>"$T/err")
	ok_if "early clang: artifact built" '[ -f "$a1/prog.bpf.o" ] && [ ! -s "$T/err" ] &&
		[ -z "$(ls -A "$cache/btap" | grep "^\.tmp")" ]'
	rm -rf "$cache/btap/scripts"
	a2=$(XDG_CACHE_HOME=$cache "$BTAP" -p4 -e "$kscript" 2>"$T/err")
	ok_if "early clang: stopped on an artifact hit, nothing left" '[ "$a1" = "$a2" ] && [ ! -s "$T/err" ] &&
		[ -z "$(ls -A "$cache/btap" | grep "^\.tmp")" ] && ! pgrep -f "$cache/btap/.tmp" >/dev/null'
	# pid2task() and the proc_mem_* family of another process, against
	# its /proc/PID/statm (size, text and data exact; resident and shared
	# pages within the kernel's per-CPU counter slack, as statm may sum
	# them exactly), in a kernel probe and in a begin probe (the runner
	# asks the kernel: bpf_task_from_pid in a BPF test run, Linux 6.2+)
	near() { [ "${1:-x}" -le $(($2 + 64)) ] 2>/dev/null && [ "$1" -ge $(($2 - 64)) ]; }
	body='t = pid2task($1)
		printf("%d %d %d %d %d %s %d %d\n", proc_mem_size($1), proc_mem_rss($1), proc_mem_shr_pid($1),
		       proc_mem_txt($1), proc_mem_data($1), task_execname(t), task_pid(t), pid2task(-4))
		exit()'
	for where in kernel runner; do
		if [ $where = kernel ]; then
			script="probe kernel.trace(\"syscalls:sys_enter_getppid\") { if (pid() != target()) next $body }"
		else
			script="probe begin { $body }"
		fi
		sleep 30 &
		spid=$!
		sleep 0.2
		timeout "$LIMIT" "$BTAP" -c 'python3 -c "import os; os.getppid()"' -e "$script" "$spid" >"$T/out" 2>"$T/err"
		rc=$?
		statm=$(cat /proc/"$spid"/statm)
		kill "$spid" 2>/dev/null
		read -r m_size m_rss m_shr m_txt m_data m_name m_pid m_none <"$T/out"
		read -r s_size s_rss s_shr s_txt s_lib s_data s_dt <<EOS
$statm
EOS
		ok_if "pid2task and proc_mem_* ($where) match /proc/PID/statm ($(cat "$T/out") / $statm)" \
			'[ $rc = 0 ] && [ "$m_name" = sleep ] && [ "$m_pid" = "$spid" ] && [ "$m_none" = 0 ] &&
			[ "$m_size" = "$s_size" ] && near "$m_rss" "$s_rss" && near "$m_shr" "$s_shr" &&
			[ "$m_txt" = "$s_txt" ] && [ "$m_data" = "$s_data" ]'
	done
	# a compile that never finished (btap killed) leaves a temporary
	# directory: the next compile removes those unchanged for an hour
	cache=$(mktemp -d "$T/cache.XXXXXX")
	mkdir -p "$cache/btap/.tmp-old" "$cache/btap/.tmp-new"
	touch "$cache/btap/.tmp-old/prog.bpf.o"
	touch -d '2 hours ago' "$cache/btap/.tmp-old"
	XDG_CACHE_HOME=$cache "$BTAP" -p4 -e 'probe begin { exit() }' >/dev/null 2>"$T/err"
	ok_if "cache: a stale temporary directory is swept, a fresh one kept" \
		'[ ! -e "$cache/btap/.tmp-old" ] && [ -d "$cache/btap/.tmp-new" ] && [ ! -s "$T/err" ]'
	# a clang that exits before reading its source: a compile error, not
	# btap killed by SIGPIPE
	mkdir -p "$T/fakebin"
	printf '#!/bin/sh\necho "fake clang: refusing" >&2\nexit 3\n' >"$T/fakebin/clang-19"
	chmod +x "$T/fakebin/clang-19"
	XDG_CACHE_HOME=$(mktemp -d "$T/cache.XXXXXX") PATH="$T/fakebin:$PATH" \
		"$BTAP" -p4 -e "$kscript" >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "early clang gone before its source: compile error (rc $rc)" '[ $rc = 1 ] &&
		grep -q "fake clang: refusing" "$T/err" && grep -q "compilation failed" "$T/err"'
}

scripts=$(ls tests/live/*/*.stp 2>/dev/null)
if [ -n "$why_not" ]; then
	for stp in $scripts; do
		skip "${stp#tests/live/}: $why_not"
	done
	skip "runner integrity tests: $why_not"
else
	for stp in $scripts; do
		run_script "$stp"
	done
	integrity_tests
fi
summary live
