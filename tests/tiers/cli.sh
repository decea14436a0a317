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
expect tz-runner 0 '^-3600 CET \[Thu Jan  1 01:00:00 1970 CET\]$' -- env TZ=CET-1 "$BTAP" -e 'probe begin { printf("%d %s [%s]\n", tz_gmtoff(), tz_name(), tz_ctime(0)); exit() }'
expect tz-kernel 0 '^18000 EST \[Thu Jan  1 19:00:00 1970 EST\]$' -- env TZ=EST5 "$BTAP" -c 'cat /dev/null' -e 'probe kernel.trace("syscalls:sys_enter_close") { if (pid() == target() && execname() == "cat") { printf("%d %s [%s]\n", tz_gmtoff(), tz_name(), tz_ctime(86400)); exit() } }'
expect syscall-generated-L 0 '^syscall.getrandom name:string ubuf:long len:long flags:long argstr:string ' -- "$BTAP" -L 'syscall.getrandom'
expect syscall-generated-return-L 0 '^nd_syscall.getrandom.return name:string retval:long retstr:string ' -- "$BTAP" -L 'nd_syscall.getrandom.return'
# syscall.* reading only name: one probe on raw_syscalls plus the calls the
# build's table has no number for; reading argstr: a probe per call
n=$("$BTAP" -p2 -e 'global n; probe syscall.* { n[name]++ }' 2>&1 | grep -c '^kernel.trace')
one=$("$BTAP" -p2 -e 'global n; probe syscall.* { n[name]++ }' 2>&1 | grep -c '^kernel.trace("raw_syscalls:sys_enter")')
if [ "$one" = 1 ] && [ "$n" -le 5 ]; then pass syscall-star-shared; else fail syscall-star-shared "$one raw, $n probes"; fi
n=$("$BTAP" -p2 -e 'global n; probe syscall.* { n[argstr]++ }' 2>&1 | grep -c '^kernel.trace("syscalls:sys_enter_')
if [ "$n" -gt 200 ]; then pass syscall-star-apart; else fail syscall-star-apart "$n probes"; fi
expect syscall-generated-no-twin 1 'no match for probe point syscall.pread64' -- "$BTAP" -p2 -e 'probe syscall.pread64 { }'
# a kernel probe calling many functions: their frame sizes are constants
# built one callee at a time (nested max macros once grew as 2^callees:
# 51 MB of preprocessed C and 40 s of clang for this script)
"$BTAP" -p3 tests/live/compat/task-fields.stp >"$T/many.c" 2>/dev/null
size=$(clang -E -DBTAP_TARGET_BPF -D__TARGET_ARCH_x86 -Iruntime -Iruntime/bpf -I. "$T/many.c" 2>/dev/null | wc -c)
if [ "$size" -gt 0 ] && [ "$size" -lt 2000000 ]; then pass frame-sizes-linear; else fail frame-sizes-linear "preprocessed $size bytes"; fi
expect compatible-old 0 'println\("old"\)' -- "$BTAP" --compatible=4.0 -p1 -e 'probe begin { %( systemtap_v >= "4.5" %? println("new") %: println("old") %) }'
expect compatible-default 0 'println\("new"\)' -- "$BTAP" -p1 -e 'probe begin { %( systemtap_v >= "4.5" %? println("new") %: println("old") %) }'
expect compatible-tapset 0 '^127\.0\.0\.1$' -- "$BTAP" --compatible=1.8 -e 'probe begin { println(daddr_to_string(0x0100007f)) exit() }'
expect compatible-tapset-new 1 "unresolved function 'daddr_to_string'" -- "$BTAP" -p2 -e 'probe begin { println(daddr_to_string(1)) }'
expect compatible-bad 1 "invalid --compatible 'x'" -- "$BTAP" --compatible=x -p1 -e 'probe begin { }'
expect compatible-guru-major 0 'define STAP_COMPAT_VERSION STAP_VERSION\(4, 0\)' -- "$BTAP" --compatible=4 -g -p3 -e 'probe begin { %{ /* c */ %} }'
expect all-modules 0 '^begin ' -- "$BTAP" --all-modules -p2 -e 'probe begin { }'
expect warnings-are-errors 1 "^<input>:1:17: error: eliding assignment to unused variable 'x'" -- "$BTAP" -W -p2 -e 'probe begin { x = 1 }'
expect warnings-suppressed-win 0 '' -- "$BTAP" -w -W -p2 -e 'global unused_x probe begin { exit() }'
expect warnings-defined-read 0 '' -- "$BTAP" -W -p2 -e 'probe begin { x = &@cast(0, "task_struct"); println(@defined(x->pid)) }'
expect null-global 0 '^null$' -- "$BTAP" -e 'probe begin { x = 0; if (x == NULL) println("null"); exit() }'
expect null-not-string 1 "type mismatch for 'NULL': expected string but it is long" -- "$BTAP" -p2 -e 'probe begin { if ("foo" == NULL) log("boo") }'
expect warnings-plain 0 "^<input>:1:17: warning: eliding assignment to unused variable 'x'" -- "$BTAP" -p2 -e 'probe begin { x = 1 }'
expect stap-pass-points 1 "^<input>:1:7: error: .*no match for probe point stap.pass0 \(these mark stap's own programs and passes: not applicable to btap\)" -- "$BTAP" -p2 -e 'probe stap.pass0 { }'
expect kfunc-list 0 '^kernel.function\("vfs_read"\)$' -- "$BTAP" -l 'kernel.function("vfs_rea?")'
expect kfunc-vars 0 '^kernel.function\("vfs_read"\).return \$file:struct file \* \$buf:char \* \$count:size_t \$pos:loff_t \* \$return:ssize_t$' -- "$BTAP" -L 'kernel.function("vfs_read").return'
expect kfunc-unknown 1 "no match for probe point kernel.function\(\"no_such_function_x\"\) \(no function of that name in the kernel's BTF" -- "$BTAP" -p2 -e 'probe kernel.function("no_such_function_x") {}'
expect kfunc-source-line 1 "^<input>:1:23: error: semantic error: 'vfs_read@fs/read_write.c:10': source files and lines need the kernel's debuginfo: no debuginfo for kernel .* in /nonexistent \\(install its debug package, on Debian linux-image-.*-dbg, or give --debuginfo DIR\\)" -- "$BTAP" --debuginfo=/nonexistent -p2 -e 'probe kernel.function("vfs_read@fs/read_write.c:10") {}'
# NAME@FILE without debuginfo: the one function of that name (the file unchecked)
expect kfunc-source-file-unique 0 '^kernel.function\("vfs_read"\) /\* <- kernel.function\("vfs_read@fs/read_write.c"\) \*/$' -- "$BTAP" --debuginfo=/nonexistent -p2 -e 'probe kernel.function("vfs_read@fs/read_write.c") {}'
expect kfunc-source-file-unknown 1 "^<input>:1:23: error: semantic error: 'no_such_fn_x@fs/read_write.c': source files and lines need the kernel's debuginfo" -- "$BTAP" --debuginfo=/nonexistent -p2 -e 'probe kernel.function("no_such_fn_x@fs/read_write.c") {}'
# an alias whose points are all optional and name modules that are not
# loaded: the error says so (on a machine where nfsv3 is not loaded)
if [ ! -e /sys/kernel/btf/nfsv3 ]; then
	expect alias-optional-module-missing 1 '^<input>:1:7: error: semantic error: while resolving probe point: no match for probe point nfs.proc.lookup \(none of the points it stands for resolves here: module\("nfsv3"\) is not loaded, or has no BTF' -- "$BTAP" -p2 -e 'probe nfs.proc.lookup {}'
else
	skip "alias-optional-module-missing: the nfsv3 module is loaded here"
fi
# @cast with a type only a user-space API header has (kernel<uapi/...>: compiled with clang)
expect cast-header-offset 0 '^24 2$' -- "$BTAP" -e 'probe begin { println(&@cast(0, "sockaddr_alg", "kernel<uapi/linux/if_alg.h>")->salg_name, " ", &@cast(0, "sockaddr_alg", "<linux/if_alg.h>")->salg_type); exit() }'
expect cast-header-absolute 0 '^16$' -- "$BTAP" -e 'probe oneshot { println(@cast_module_sizeof("</usr/include/time.h>", "struct timespec")) }'
expect cast-header-missing 1 "^<input>:1:52: error: @cast\(..., \"sockaddr_alg\", \"kernel<uapi/linux/no_such_x.h>\"\): no /usr/include/linux/no_such_x.h: of the kernel's headers btap reads the user-space API ones" -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { println(@cast(0, "sockaddr_alg", "kernel<uapi/linux/no_such_x.h>")->salg_family) }'
expect cast-header-no-type 1 "^<input>:1:52: error: @cast: no type 'no_such_t' in the kernel's BTF nor in the headers of kernel<uapi/linux/if_alg.h>" -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { println(@cast(0, "no_such_t", "kernel<uapi/linux/if_alg.h>")->x) }'
# a generated syscall alias whose argument is named as a library global
# (execveat's argv, the script's arguments) leaves that variable out
expect syscall-generated-global-name 0 '^kernel.trace\("syscalls:sys_enter_execveat"\)' -- "$BTAP" -p2 -e 'probe syscall.execveat { println(argstr, argv[1]) }' one
expect skip-badvars 0 '^0 1 1$' -- "$BTAP" --skip-badvars -e 'probe kernel.trace("sched:sched_switch") { println($nosuch, " ", $prev->nosuch + 1, " ", $prev->pid >= 0); exit() }'
expect skip-badvars-off 1 "unable to find target variable '\\\$nosuch'" -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { println($nosuch) }'
# begin, end and timer probes run in btap: the kernel's memory through a
# BPF program run in btap's context (tests/live/runner/kernel-reads, and
# tests/vm/kmod/runner-kernel-reads on the VM's kernel), an address
# nothing maps a fault, without any warning (no /proc/kcore needed)
expect runner-kernel-read 1 '^ERROR: kernel read fault at 0x8 near identifier .kernel_long.' -- "$BTAP" -e 'probe begin { println(kernel_long(8)); exit() }'
"$BTAP" -e 'probe begin { println(kernel_long(8)); exit() }' >"$T/kr" 2>&1
if grep -q 'WARNING: kernel memory' "$T/kr"; then
	fail "runner-kernel-read-bpf: a warning about how kernel memory is read"
	head -3 "$T/kr"
else
	pass "runner-kernel-read-bpf: no warning about how kernel memory is read"
fi
# @cast in a begin probe compiles for the runner, at BTF's offsets
expect runner-cast-offsets 0 '^	t1 = \(\(int64_t\)18446612682070032384ull\) \+ [0-9]+;$' -- "$BTAP" -p3 -e 'probe begin { println(@cast(0xffff888000000000, "struct task_struct")->pid) }'
expect kfunc-debuginfo-nodwarf 1 "source files and lines need the kernel's debuginfo: /bin/true has no DWARF" -- "$BTAP" --debuginfo=/bin/true -l 'kernel.function("*@fs/read_write.c")'
expect kfunc-source-badline 1 "^<pattern>:1:17: error: semantic error: 'vfs_read@fs/read_write.c:x': the line is a number or a range N-M" -- "$BTAP" -l 'kernel.function("vfs_read@fs/read_write.c:x")'
expect kfunc-line-nofile 1 "'vfs_read:3': a line needs its source file \\(NAME@FILE:LINE\\)" -- "$BTAP" -l 'kernel.function("vfs_read:3")'
expect kprobe-source-file 1 "kprobe.function takes a function's name \\(source files and lines are kernel.function's\\)" -- "$BTAP" -l 'kprobe.function("vfs_read@fs/read_write.c")'
expect kfunc-member-list 1 'note: its members: .*f_inode .*f_pos' -- "$BTAP" -p2 -e 'probe kernel.function("vfs_read") { println($file->f_nosuch) }'
expect atvar-percpu 0 'extern const struct rq runqueues __ksym;' -- "$BTAP" -p3 -e 'probe kernel.function("vfs_read") { println(@var("runqueues")->nr_running) }'
expect atvar-percpu-pointer 0 'extern const struct task_struct \* current_task __ksym;' -- "$BTAP" -p3 -e 'probe kernel.function("vfs_read") { println(@var("current_task")->pid) }'
expect atvar-srcfile-nodebuginfo 1 "^<input>:1:45: error: semantic error: @var\\(\"total_forks@kernel/fork.c\"\\): the file needs the kernel's debuginfo: no debuginfo for kernel" -- "$BTAP" --debuginfo=/nonexistent -p2 -e 'probe kernel.function("vfs_read") { println(@var("total_forks@kernel/fork.c")) }'
expect atvar-unknown 1 '^<input>:1:45: error: semantic error: @var\("no_such_var_x"\): no kernel variable of that name in BTF or kallsyms' -- "$BTAP" -p2 -e 'probe kernel.function("vfs_read") { println(@var("no_such_var_x")) }'
expect atvar-in-begin 1 '^<input>:1:23: error: @var reads a per-CPU variable, which begin, end and timer probes \(and the functions they call\) cannot' -- "$BTAP" -p3 -e 'probe begin { println(@var("runqueues")->nr_running) }'
expect kfunc-kprobe-p3 0 'SEC\("kretprobe/vfs_read"\)' -- "$BTAP" --kfunc=kprobe -p3 -e 'probe kernel.function("vfs_read").return { println($return, $count) }'
expect kfunc-kprobe-slots 0 'slots\[2\] = \(\(struct pt_regs \*\)ctx\)->dx;' -- "$BTAP" --kfunc=kprobe -p3 -e 'probe kernel.function("vfs_read") { println($count) }'
expect kfunc-fentry-p3 0 'SEC\("fexit/vfs_read"\)' -- "$BTAP" --kfunc=fentry -p3 -e 'probe kernel.function("vfs_read").return { println($return) }'
expect kfunc-bad-option 1 "invalid --kfunc 'x' \(expected fentry, kprobe or auto\)" -- "$BTAP" --kfunc=x -p1 -e 'probe begin { }'
expect kfunc-verbose 0 '^btap: kernel functions attach with kprobes: as --kfunc says' -- "$BTAP" -v --kfunc=kprobe -p2 -e 'probe kernel.function("vfs_read") { }'
expect lsm-vars 0 '^kernel.lsm\("file_permission"\) \$file:struct file \* \$mask:int \$return:int$' -- "$BTAP" -L 'kernel.lsm("file_permission")'
expect lsm-aliases 0 '^lsm.bprm_check_security$' -- "$BTAP" -l 'lsm.*'
# every alias: those on a module that is not loaded here (nfsd.*, sunrpc.*
# without NFS) are left out, not an error that empties the listing
expect list-all-aliases 0 '^udp.sendmsg$' -- "$BTAP" -l '**'
expect lsm-any-hook 0 'SEC\("lsm/inode_mkdir"\)' -- "$BTAP" -p3 -e 'probe lsm.inode_mkdir { println($mode) }'
expect lsm-p3 0 'return \(int\)c.verdict;' -- "$BTAP" -g -p3 -e 'probe lsm.bprm_check_security { if (filename =~ "x") $return = -1 }'
expect lsm-verdict-needs-guru 1 "^<input>:1:31: error: semantic error: setting an LSM hook's verdict \(\\\$return\) decides what the kernel allows: it needs guru mode \(-g\)" -- "$BTAP" -p2 -e 'probe lsm.file_open { $return = -1 }'
expect lsm-unknown-hook 1 'no match for probe point kernel.lsm\("no_such_hook"\)' -- "$BTAP" -p2 -e 'probe kernel.lsm("no_such_hook") { }'
expect lsm-kmod 1 'LSM hooks are BPF LSM programs: the kmod backend cannot attach them' -- "$BTAP" --runtime=kmod -p3 -e 'probe lsm.file_open { }'
expect perf-process 0 '^perf.sw.task_clock.sample\(1000000\).process\("/.*/ls"\) ' -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.sample(1000000).process("ls") { }'
expect perf-process-p3 0 'btap_task_runs\(btap_proc_exec_task\(ctx\), 0\)' -- "$BTAP" -p3 -e 'probe perf.type(1).config(1).process("ls") { }'
expect perf-process-no-target 1 "^<input>:1:26: error: semantic error: perf ....process without a path counts the -c command's program" -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.process { }'
# a stack, user symbol or module name is a token in a kernel probe: comparing
# it or taking it apart there is a located error (even through a variable, a
# function's parameter and return, an array); printing it, keying by it is not
expect token-compare 1 '^<input>:1:85: error: semantic error: a stack, user symbol, module name or source line is named only when it is printed: in a probe that runs in the kernel it cannot be compared' -- "$BTAP" -p2 -e 'probe process("build/uprobe/target").function("add") { s = usymname(uaddr()); if (s == "add") exit() }'
expect token-take-apart 1 '^<input>:1:51: error: semantic error: .* it cannot be taken apart' -- "$BTAP" -p2 -e 'function f(x) { return x } function g(y) { return strlen(y) } probe kernel.trace("sched:sched_switch") { println(g(f(modname(0)))) }'
expect token-array-match 1 '^<input>:1:146: error: semantic error: .* it cannot be matched' -- "$BTAP" -p2 -e 'global a, b; probe kernel.trace("sched:sched_switch") { a[backtrace()] = 1 } probe kernel.trace("sched:sched_wakeup") { foreach ([k] in a) if (k =~ "x") b++ }'
expect token-sprintf-width 1 '^<input>:1:48: error: semantic error: .* it cannot be padded or cut by sprintf' -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { x = sprintf("%s|%-20s|%d", "a", modname(0), 3); y = sprintf("%-9s %s", "ok", backtrace()); println(x . y) }'
expect token-runner-tokenize 0 '^kernel.trace' -- "$BTAP" -p2 -e 'global a; probe kernel.trace("sched:sched_switch") { a[backtrace()] = 1; x = tokenize(execname(), " ") } probe end { foreach ([k] in a) println(tokenize(k, " ") . x) }'
expect token-fine 0 '^kernel.trace' -- "$BTAP" -p2 -e 'global a; probe kernel.trace("sched:sched_switch") { a[backtrace() . "/" . modname(0)]++; printf("%s %s\n", symname(0), usymname(0)); if (symname(0) == "x") exit() } probe end { foreach ([k] in a) if (isinstr(k, "x")) println(k) }'
# perf.hw_cache.CACHE.OP.RESULT: stap's 30 cache events, by the ABI's numbers
n=$("$BTAP" -l 'perf.hw_cache.*.*.*' | wc -l)
if [ "$n" = 30 ]; then pass perf-hw-cache-list; else fail perf-hw-cache-list "$n events, want 30"; fi
expect perf-hw-cache-config 0 '\.perf_type = 3, \.perf_config = 65538, \.perf_period = 1000,' -- "$BTAP" -p3 -e 'probe perf.hw_cache.ll.read.miss.sample(1000) {}'
expect perf-hw-cache-counter 0 '\{\.name = "x", .*\.type = 3, \.config = 259ull' -- "$BTAP" -p3 -e 'probe perf.hw_cache.dtlb.write.access.counter("x") {} probe kernel.trace("sched:sched_process_exec") { println(@perf("x")) }'
expect perf-hw-cache-unknown 1 "^<input>:1:7: error: semantic error: unknown cache event 'perf.hw_cache.l1i.write.miss'" -- "$BTAP" -p2 -e 'probe perf.hw_cache.l1i.write.miss {}'
# perf counters: the mistakes, located (the counts: live uprobe/perf-counters, VM kmod/perf-counters)
expect perf-counter-unknown 1 "^<input>:1:54: error: semantic error: no perf counter named 'nope' \\(declare it with probe perf.EVENT.process\\(\"PATH\"\\).counter\\(\"nope\"\\) \\{\\}\\)" -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { x = @perf("nope") }'
expect perf-counter-runner 1 "^<input>:1:64: error: semantic error: @perf reads the perf counters of the thread a probe runs in, which a 'begin' probe has not" -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.counter("a") {} probe begin { println(@perf("a")) }'
expect perf-counter-twice 1 "^<input>:1:74: error: semantic error: perf counter 'a' is declared twice" -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.counter("a") {} probe perf.sw.cpu_clock.counter("a") {}'
expect perf-counter-sampled 1 '^<input>:1:26: error: semantic error: a counter is read, not sampled: .sample does not apply to .counter\("a"\)' -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.sample(10).counter("a") {}'
expect perf-counter-wildcard 1 "^<input>:1:7: error: semantic error: perf counter 'a' must count exactly one event \\(this point names 9\\)" -- "$BTAP" -p2 -e 'probe perf.sw.*.counter("a") {}'
expect perf-counter-not-literal 1 '^<input>:1:104: error: semantic error: @perf takes a counter.s name, a string literal' -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.counter("a") {} probe kernel.trace("sched:sched_switch") { n = "a"; x = @perf(n) }'
expect perf-counter-last 1 '^<input>:1:39: error: semantic error: .counter\("NAME"\) ends a perf probe point' -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.counter("a").process("ls") {}'
expect perf-counter-name 1 '^<input>:1:34: error: semantic error: .counter takes the counter.s name, a string literal' -- "$BTAP" -p2 -e 'probe perf.sw.task_clock.counter(3) {}'
expect netfilter-vars 0 '^netfilter.hook\("NF_INET_LOCAL_IN"\).pf\("NFPROTO_IPV4"\) \$hooknum:unsigned int \$skb:struct sk_buff \* \$in:struct net_device \* \$out:struct net_device \* \$indev:struct net_device \* \$outdev:struct net_device \* \$okfn:.* \$verdict:int$' -- "$BTAP" -L 'netfilter.hook("NF_INET_LOCAL_IN").pf("NFPROTO_IPV4")'
expect netfilter-aliases 0 '^netfilter.ipv6.post_routing$' -- "$BTAP" -l 'netfilter.*.*'
expect netfilter-p3 0 'SEC\("netfilter"\)' -- "$BTAP" -g -p3 -e 'probe netfilter.ipv4.local_in { if (dport == 53) $verdict = nf_drop }'
expect netfilter-by-number 0 "^netfilter.hook\\(1\\).pf\\(10\\).priority\\(-5\\) " -- "$BTAP" -p2 -e 'probe netfilter.hook(1).pf(10).priority(-5) { }'
expect netfilter-unknown-hook 1 "^<input>:1:22: error: semantic error: unknown netfilter hook 'NF_INET_NOPE' \(known: NF_INET_PRE_ROUTING, " -- "$BTAP" -p2 -e 'probe netfilter.hook("NF_INET_NOPE").pf("NFPROTO_IPV4") { }'
# kernel.data: a hardware breakpoint, its address found when the script runs
expect kernel-data-p3 0 '\.perf_type = 5, .*\.perf_bp_len = 4, \.perf_bp_type = 3, \.perf_bp_symbol = "vm_dirty_ratio"' -- "$BTAP" -p3 -e 'probe kernel.data("vm_dirty_ratio").length(4).rw { println(pp()) }'
expect kernel-data-address 0 '\.perf_bp_addr = 0xffffffff82a0b0c0, \.perf_bp_len = 8, \.perf_bp_type = 2\}' -- "$BTAP" -p3 -e 'probe kernel.data(0xffffffff82a0b0c0).length(8).write { }'
expect kernel-data-length 1 '^<input>:1:44: error: semantic error: kernel.data\(...\).length takes 1, 2, 4 or 8' -- "$BTAP" -p2 -e 'probe kernel.data("vm_dirty_ratio").length(3).rw { }'
expect kernel-data-mode 1 '^<input>:1:7: error: semantic error: kernel.data\(...\) ends with .write or .rw' -- "$BTAP" -p2 -e 'probe kernel.data(0x1000).read { }'
# @const: a kernel enum constant from BTF (guru mode); a macro is not there
expect const-enum 0 '^1 1$' -- "$BTAP" -g -e 'probe begin { println(@const("BPF_FUNC_map_lookup_elem"), " ", @const("TCP_ESTABLISHED")); exit() }'
expect const-macro 1 "^<input>:1:30: error: semantic error: @const\\(\"EHOSTUNREACH\"\\): no enumerator of that name in the kernel's BTF" -- "$BTAP" -g -p2 -e 'probe begin { println(@const("EHOSTUNREACH")) }'
# addr_to_node() reads kernel variables only a kallsyms with data symbols has
if grep -qw init_task /proc/kallsyms; then
	expect addr-to-node 0 '' -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { println(addr_to_node(0)) }'
else
	expect addr-to-node-no-kallsyms-all 1 "error: semantic error: @var\(\"page_offset_base\"\): no kernel variable of that name in BTF or kallsyms \(this kernel's kallsyms has no data symbols: it was built without CONFIG_KALLSYMS_ALL\)" -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { println(addr_to_node(0)) }'
fi
# a BTF variable kallsyms does not place cannot load here: said at pass 2
if grep -qw runqueues /proc/kallsyms; then
	expect atvar-placed 0 '' -- "$BTAP" -e 'probe kernel.trace("sched:sched_switch") { println(@var("runqueues")->cpu == cpu()); exit() }'
else
	expect atvar-unplaced 1 "^<input>:1:52: error: semantic error: @var\\(\"runqueues\"\\): BTF describes it, but kallsyms does not list it, so its address is unknown" -- "$BTAP" -e 'probe kernel.trace("sched:sched_switch") { println(@var("runqueues")->cpu == cpu()); exit() }'
fi
expect netfilter-arp-bpf 1 "no match for probe point netfilter.arp.out \\(btap.s netfilter hooks are netfilter.ipv4.\\*, netfilter.ipv6.\\*, netfilter.ip.\\*, and on the kmod runtime netfilter.arp.\\* and netfilter.bridge.\\*" -- "$BTAP" --runtime=bpf -p2 -e 'probe netfilter.arp.out { println(ar_sip) }'
expect netfilter-bridge-kmod 0 'br_rmac:string' -- "$BTAP" --runtime=kmod -p2 -e 'probe netfilter.bridge.local_out { if (protocol == llcproto_stp) println(br_rmac) }'
# @const on kmod: the kernel's C, in kernel probes only
expect kmod-const-c 0 '= \(int64_t\)\(current->pid\);' -- "$BTAP" --runtime=kmod -g -p3 -e 'probe kernel.trace("sched:sched_switch") { println(@const("current->pid")) }'
expect kmod-const-runner 1 "^<input>:1:28: error: @const\\(\"PAGE_SIZE\"\\) is the kernel's C, which code running in user space" -- "$BTAP" --runtime=kmod -g -p3 -e 'probe timer.s(1) { println(@const("PAGE_SIZE")) }'
# ... and a begin probe that reaches the script's C runs in the module, called by the runner at its turn
expect kmod-const-begin 0 '^static void br0\(void\) \{ btap_run_in_kernel\(0\); \}' -- "$BTAP" --runtime=kmod -g -p3 -e 'probe begin { println(@const("PAGE_SIZE")) }'
expect mdelay-bpf 1 "^<input>:1:44: error: semantic error: 'mdelay' busy-waits in the kernel, which a BPF program cannot: it needs the kernel-module runtime" -- "$BTAP" -g --runtime=bpf -p2 -e 'probe kernel.trace("sched:sched_switch") { mdelay(1) }'
expect set-kernel-guru 1 "^<input>:1:44: error: semantic error: 'set_kernel_int' is for guru mode only \\(-g\\)" -- "$BTAP" -p2 -e 'probe kernel.trace("sched:sched_switch") { set_kernel_int(0, 1) }'
expect set-kernel-bpf 1 "^<input>:1:44: error: semantic error: 'set_kernel_string' writes kernel memory, which a BPF program cannot: it needs the kernel-module runtime \\(--runtime=kmod\\)" -- "$BTAP" -g --runtime=bpf -p2 -e 'probe kernel.trace("sched:sched_switch") { set_kernel_string(0, "x") }'
expect set-arg-bpf 1 "^<input>:1:44: error: semantic error: 'set_returnval' writes the probe's registers, which a BPF program cannot: it needs the kernel-module runtime \\(--runtime=kmod\\)" -- "$BTAP" -g --runtime=bpf -p2 -e 'probe kernel.function("vfs_read").return { set_returnval(0) }'
expect target-namespaces-bad 1 "^btap: invalid --target-namespaces 'x1' \\(expected a process id\\)" -- "$BTAP" --target-namespaces=x1 -e 'probe begin {}'
expect const-guru 1 '^<input>:1:23: error: parse error: using @const operator not permitted; need btap -g' -- "$BTAP" -p2 -e 'probe begin { println(@const("X")) }'
# .inline and .label are the debuginfo's (this host has none); kprobe.function has neither
expect kfunc-inline-no-debuginfo 1 "^<input>:1:7: error: semantic error: kernel.function\\(...\\).inline needs the kernel's debuginfo: no debuginfo for kernel" -- "$BTAP" -p2 -e 'probe kernel.function("vfs_read").inline { }'
expect kfunc-label-no-debuginfo 1 "^<input>:1:7: error: semantic error: kernel.function\\(...\\).label needs the kernel's debuginfo" -- "$BTAP" -p2 -e 'probe kernel.function("vfs_read").label("out") { }'
expect kprobe-inline 1 '^<input>:1:7: error: semantic error: kprobe.function\(...\).inline is not supported \(only .call and .return\)' -- "$BTAP" -p2 -e 'probe kprobe.function("vfs_read").inline { }'
expect netfilter-arp 1 '^<input>:1:35: error: semantic error: netfilter hooks of the ARP family need the kernel-module runtime \(--runtime=kmod\)' -- "$BTAP" -p2 -e 'probe netfilter.hook("NF_ARP_IN").pf("NFPROTO_ARP") { }'
expect netfilter-no-pf 1 'netfilter.hook\("HOOK"\) is followed by .pf\("NFPROTO_x"\)' -- "$BTAP" -p2 -e 'probe netfilter.hook("NF_INET_LOCAL_IN") { }'
expect netfilter-verdict-needs-guru 1 "^<input>:1:42: error: semantic error: setting a netfilter hook's verdict \(\\\$verdict\) decides what the kernel allows: it needs guru mode \(-g\)" -- "$BTAP" -p2 -e 'probe netfilter.ipv4.local_in { $verdict = nf_drop }'
expect kstatement-nodebuginfo 1 "^<input>:1:24: error: semantic error: kernel.statement\(\"vfs_read@fs/read_write.c:450\"\) needs the kernel's debuginfo: no debuginfo for kernel" -- "$BTAP" --debuginfo=/nonexistent -p2 -e 'probe kernel.statement("vfs_read@fs/read_write.c:450") { }'
expect kstatement-address 1 'kernel.statement takes "FUNCTION@FILE:LINE" \(kernel.statement\(ADDRESS\)\[.absolute\] is not supported yet\)' -- "$BTAP" -p2 -e 'probe kernel.statement(0xffffffff81000000).absolute { }'
expect netfilter-kmod 0 '\{.kind = BTAP_KP_NETFILTER, .fn = \(void \*\)bp0, .name = "netfilter", .nf_pf = 2, .nf_hook = 1, .nf_priority = 0\}' -- "$BTAP" --runtime=kmod -p3 -e 'probe netfilter.ipv4.local_in { }'
# pass 5 on a kernel without kprobes: one clear error, naming the
# system-call probe that covers the same event
if [ ! -e /sys/bus/event_source/devices/kprobe ]; then
	expect kfunc-no-kprobes 1 '^btap: error: .*kprobe/__x64_sys_openat: this kernel has no kprobes; syscall.openat covers the system call' -- "$BTAP" --kfunc=kprobe -e 'probe kernel.function("__x64_sys_openat") { exit() }'
else
	skip "kfunc-no-kprobes: this kernel has kprobes"
fi
expect tp-args-and-fields 1 "^<input>:1:64: error: this probe uses both record fields and prototype arguments of sched:sched_switch" -- "$BTAP" -p3 -e 'probe kernel.trace("sched:sched_switch") { println($prev->pid, $next_pid) }'
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
expect kmod-p3 0 'BTAP_MODULE\(btap_kmaps' -- "$BTAP" --runtime=kmod -p3 -e 'probe begin { exit() }'
expect kmod-p3-tracepoint 0 '\{\.kind = BTAP_KP_TRACEPOINT, \.fn = \(void \*\)bp0, \.group = "sched", \.name = "sched_switch"\}' -- "$BTAP" --runtime=kmod -p3 -e 'global n; probe kernel.trace("sched:sched_switch") { n[cpu()]++ }'
expect kmod-p3-record 0 '\{\.kind = BTAP_KP_TP_RECORD, \.fn = \(void \*\)bp0, \.group = "sched", \.name = "sched_switch"\}' -- "$BTAP" --runtime=kmod -p3 -e 'global n; probe kernel.trace("sched:sched_switch") { n[$next_pid]++ }'
expect kmod-p3-args 0 'uint64_t slots\[BTAP_TP_ARGS\] = \{BTAP_TP_ARG_LIST\};' -- "$BTAP" --runtime=kmod -p3 -e 'global n; probe kernel.trace("sched:sched_switch") { n[$next->pid]++ }'
expect kmod-p3-kprobe 0 '\{\.kind = BTAP_KP_KPROBE, \.fn = \(void \*\)bp0, \.name = "vfs_read", \.offset = 0\}' -- "$BTAP" --runtime=kmod -p3 -e 'probe kernel.function("vfs_read") { println($count) }'
expect kmod-p3-kretprobe 0 'slots\[4\] = \(\(struct pt_regs \*\)ctx\)->ax;' -- "$BTAP" --runtime=kmod -p3 -e 'probe kernel.function("vfs_read").return { println($return) }'
expect kmod-p3-sprintf 0 'BTAP_SPRINTF_BEGIN' -- "$BTAP" --runtime=kmod -p3 -e 'probe kernel.trace("sched:sched_switch") { println(sprintf("%5d|%s", $next_pid, $next_comm)) }'
expect kmod-kfunc-verbose 0 '^btap: kernel functions attach with kprobes: the kmod runtime registers kprobes' -- "$BTAP" -v --runtime=kmod -p2 -e 'probe kernel.function("vfs_read") { }'
expect kmod-kfunc-fentry 1 '^btap: --kfunc=fentry needs --runtime=bpf' -- "$BTAP" --runtime=kmod --kfunc=fentry -p2 -e 'probe kernel.function("vfs_read") { }'
expect kmod-hw-perf 1 '^<input>:1:7: error: hardware perf events are not supported yet by the kmod runtime' -- "$BTAP" --runtime=kmod -p3 -e 'probe perf.hw.cpu_cycles { }'
expect kmod-exe-filter 0 'void \*task = btap_task_runs\(btap_proc_end_task\(ctx\), 0\);' -- "$BTAP" --runtime=kmod -p3 -e 'probe process("/bin/true").end { println(pid()) }'
expect kmod-task-filter 0 'void \*task = btap_proc_end_task\(ctx\);' -- "$BTAP" --runtime=kmod -p3 -e 'probe process.end { println(pid()) }'
# kbuild's compiler probes (kmod-backend/kbuild_cc.c): run once, then
# answered from the cache with the same status, output and object file;
# a real compile is never kept
kc="env XDG_CACHE_HOME=$T/kcc $BTAP --kbuild-cc cc"
expect kbuild-cc-probe 0 '' -- $kc -c -x c /dev/null -o "$T/p1.o"
expect kbuild-cc-probe-kept 0 '' -- $kc -c -x c /dev/null -o "$T/p2.o"
ok_if "kbuild-cc: the kept probe wrote the object file" 'cmp -s "$T/p1.o" "$T/p2.o"'
expect kbuild-cc-bad-flag 1 'no-such-flag-btap' -- $kc -fno-such-flag-btap -c -x c /dev/null -o "$T/p3.o"
expect kbuild-cc-bad-flag-kept 1 'no-such-flag-btap' -- $kc -fno-such-flag-btap -c -x c /dev/null -o "$T/p3.o"
printf 'int f(void) { return 1; }\n' >"$T/real.c"
expect kbuild-cc-compile 0 '' -- $kc -c "$T/real.c" -o "$T/real.o"
ok_if "kbuild-cc: two probes kept, the compile not" '[ "$(ls -d "$T/kcc/btap/kcc-"* | wc -l)" = 2 ] && [ -s "$T/real.o" ]'
# a pattern's matches: kprobes of a module are cheap, BPF programs are not
expect kfunc-cap-kmod 0 'kernel.function\("tcp_' -- "$BTAP" --runtime=kmod -p2 -e 'probe kernel.function("tcp_*") { }'
expect kfunc-cap-bpf 1 "matches [0-9]+ kernel functions; btap probes at most 256 with one pattern on the bpf runtime" -- "$BTAP" --runtime=bpf -p2 -e 'probe kernel.function("tcp_*") { }'
# backtraces on kmod: the stack tables and the event's registers
expect kmod-backtrace 0 '^#define BTAP_KMOD_KSTACKS 1$' -- "$BTAP" --runtime=kmod -p3 -e 'probe kernel.function("vfs_read") { println(backtrace()); exit() }'
ok_if "kmod-backtrace: a kprobe hands its registers to the stack walk and to register()" \
	'grep -q "btap_kmod_regs(regs);" "$T/out" && grep -q "c.kregs = 1;" "$T/out"'
# uprobes on kmod: for a tree of Linux 6.1 to 6.12 (the uprobe APIs the
# module knows), else a located error; -r DIR's release is the tree's own
mkdir -p "$T/tree61/include/generated" "$T/tree613/include/generated"
echo '#define UTS_RELEASE "6.1.0-test"' >"$T/tree61/include/generated/utsrelease.h"
echo '#define UTS_RELEASE "6.13.3-test"' >"$T/tree613/include/generated/utsrelease.h"
expect kmod-p3-uprobe 0 '\{\.kind = BTAP_KP_URETPROBE, \.fn = \(void \*\)bp0, \.name = "/.*libc\.so\.6", \.offset = 0x[0-9a-f]+, \.config = 0x0\}' -- "$BTAP" --runtime=kmod -r "$T/tree61" -p3 -e 'probe process("/lib/x86_64-linux-gnu/libc.so.6").function("read").return { println($return) }'
expect kmod-uprobe-new-kernel 1 '^<input>:1:7: error: uprobes on the kmod runtime know the uprobe API of Linux 6.1 to 6.12, and this kernel is 6.13.3' -- "$BTAP" --runtime=kmod -r "$T/tree613" -p3 -e 'probe process("/lib/x86_64-linux-gnu/libc.so.6").function("read") { }'
expect release-of-tree 0 'println\("tree"\)' -- "$BTAP" -r "$T/tree613" -p1 -e 'probe begin { %( kernel_vr == "6.13.3-test" %? println("tree") %: println("host") %) }'
expect kmod-atvar 0 '^static struct btap_ksym btap_ksyms\[\] = \{\{"runqueues"\}, \{NULL\}\};' -- "$BTAP" --runtime=kmod -p3 -e 'probe kernel.function("vfs_read") { println(@var("runqueues")->nr_running) }'
ok_if "kmod-atvar: a per-CPU symbol, this CPU's copy" 'grep -q "BTAP_KSYM_PERCPU(runqueues, 0)" "$T/out"'
expect kmod-offsets 0 'btap_kread\(c, t[0-9]+, [1248], 0\);' -- "$BTAP" --runtime=kmod -p3 -e 'probe kernel.trace("sched:sched_switch") { println($prev->in_execve) }'
expect runtime-auto-bpf 0 '^btap: runtime bpf: the kernel has BTF and BPF$' -- "$BTAP" -v -p2 -e 'probe begin { exit() }'
# --runtime=auto on a kernel without BTF (hidden in a private mount
# namespace): kmod where a build tree is, else one error naming both
mkdir -p "$T/tree" && : >"$T/tree/Makefile"
if unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf' 2>/dev/null; then
	expect runtime-auto-kmod 0 "^btap: runtime kmod: the kernel has no BTF \\(/sys/kernel/btf/vmlinux\\), and a kernel build tree is at $T/tree\$" -- \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$BTAP" -v -p2 -r "$T/tree" -e 'probe begin { exit() }'
	expect runtime-auto-neither 1 '^btap: error: no runtime can serve this kernel: BPF cannot \(the kernel has no BTF .*\), and a kernel module cannot be built \(no kernel build tree at /nonexistent/tree' -- \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$BTAP" -p3 -r /nonexistent/tree -e 'probe begin { exit() }'
	# kernel functions without BTF: kprobes by name, no target variables
	expect kfunc-no-btf 0 'BTAP_KP_KRETPROBE, \.fn = \(void \*\)bp0, \.name = "vfs_read"' -- \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$BTAP" -p3 -r "$T/tree" -e 'probe kernel.function("vfs_read").return { println(probefunc()) }'
	expect kfunc-no-btf-vars 1 'available at this probe point: none: this kernel has no BTF \(/sys/kernel/btf/vmlinux\) to type its functions. parameters' -- \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$BTAP" -p2 -r "$T/tree" -e 'probe kernel.function("vfs_read") { println($count) }'
	expect kfunc-no-btf-srcfile 1 "^<input>:1:23: error: semantic error: '\*@fs/read_write.c': kernel functions by source file need the kernel's BTF" -- \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$BTAP" -p2 -r "$T/tree" -e 'probe kernel.function("*@fs/read_write.c") { }'
else
	skip "runtime-auto-kmod, runtime-auto-neither, kfunc-no-btf*: cannot hide /sys/kernel/btf in a mount namespace here"
fi
expect runtime-auto-run-artifact 0 '^btap: runtime bpf: the artifact holds no kernel module' -- "$BTAP" -v --run "$("$BTAP" -p4 -e 'probe begin { exit() }')"
expect kmod-no-build-tree 1 'no kernel build tree at /nonexistent' -- "$BTAP" --runtime=kmod -p4 -r /nonexistent/build -e 'probe begin { exit() }'
expect kmod-p3-stats 0 'BTAP_DECLARE_MAP\(bm0_s, sizeof\(struct bk0\), 56, 1, 0\);' -- "$BTAP" --runtime=kmod -p3 -e 'global s; probe kernel.trace("sched:sched_switch") { s <<< 1 } probe end { println(@count(s)) }'
if [ ! -e /proc/modules ]; then
	expect kmod-no-module-support 1 'no module support \(no /proc/modules\)' -- "$BTAP" --runtime=kmod -e 'probe begin { exit() }'
else
	skip "kmod-no-module-support: this kernel has module support"
fi
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
# The script cache: a repeated translation skips passes 1-3; anything that
# changes their result is a miss. A private cache root keeps it predictable.
sc() { XDG_CACHE_HOME="$T/sc" "$BTAP" -v -p4 "$@"; }
SC_HIT='Pass 1-3: skipped \(cached script\)'
SC_MISS='Pass 1: parsed user script'
SC_PROG='probe begin { printf("%s\n", @1); exit() }'
expect script-cache-first 0 "$SC_MISS" -- sc -e "$SC_PROG" one
expect script-cache-hit 0 "$SC_HIT" -- sc -e "$SC_PROG" one
expect script-cache-text 0 "$SC_MISS" -- sc -e "$SC_PROG " one
expect script-cache-arg 0 "$SC_MISS" -- sc -e "$SC_PROG" two
expect script-cache-arg-hit 0 "$SC_HIT" -- sc -e "$SC_PROG" two
expect script-cache-define 0 "$SC_MISS" -- sc -D SC_X=1 -e "$SC_PROG" one
expect script-cache-define-hit 0 "$SC_HIT" -- sc -D SC_X=1 -e "$SC_PROG" one
expect script-cache-define-val 0 "$SC_MISS" -- sc -D SC_X=2 -e "$SC_PROG" one
# -G NAME=VALUE: set by the runner (a cached artifact serves any value)
SC_G='global n = 1, s = "x"; probe begin { printf("%d %s\n", n, s); exit() }'
expect g-option 0 '^5 hello$' -- "$BTAP" -G n=5 -G s=hello -e "$SC_G"
expect g-option-hex 0 '^16 x$' -- "$BTAP" -G n=0x10 -e "$SC_G"
expect g-option-not-number 1 "^btap: error: -G n=abc: 'n' is a number, and 'abc' is not one$" -- "$BTAP" -G n=abc -e "$SC_G"
expect g-option-unknown 1 "^btap: error: -G m=1: the script has no such global 'm'$" -- "$BTAP" -G m=1 -e "$SC_G"
expect g-option-array 1 "^btap: error: -G a=1: the script has no scalar global 'a'$" -- "$BTAP" -G a=1 -e 'global a; probe begin { a[1] = 2; exit() }'
expect g-option-malformed 1 "invalid -G 'n' \(expected NAME=VALUE\)" -- "$BTAP" -G n -e "$SC_G"
# guru mode's writes: a process's variable held in a register cannot be
# (tests/vm/kmod/guru-*-writes run the writes that can, on both runtimes)
# (make san builds build/uprobe/)
expect write-register-variable 1 "^<input>:1:59: error: '.a' is held in a register here: it cannot be written" -- "$BTAP" -g -p3 -e 'probe process("build/uprobe/target-O2").function("add") { $a = 10 }'
expect write-kernel-bpf 1 "^<input>:1:37: error: target variables cannot be written by the BPF backend \(a BPF program writes neither kernel memory nor registers; --runtime=kmod -g can\)" -- "$BTAP" -g -p3 -e 'probe kernel.function("vfs_read") { $count = 0 }'
# signal.send_sig_queue on whichever the kernel has: posixtimer_send_sigqueue
# (6.13+, the timer, returns nothing) or send_sigqueue (the VM's kernels run it)
expect send-sig-queue-p2 0 '^kernel.function\("(posixtimer_)?send_sigqueue"\)\.return ' -- "$BTAP" -p2 -e 'probe signal.send_sig_queue { println(sig_name, sig_pid, pid_name) } probe signal.send_sig_queue.return { println(retstr) }'
# the tapset's scalars too (stap: -G argv_1=...), which exports leave out
expect g-option-library 0 '^5 a zz 1$' -- "$BTAP" -G argc=5 -G argv_2=zz -e 'probe begin { printf("%d %s %s %d\n", argc, argv[1], argv[2], argv_3 == ""); exit() }' a
expect argv-no-arguments 0 '^\[\] 0$' -- "$BTAP" -e 'probe begin { printf("[%s] %d\n", argv[1], argc); exit() }'
expect argv-named-globals 0 '^x y \[\]$' -- "$BTAP" -e 'probe begin { printf("%s %s [%s]\n", argv_1, argv_2, argv_3); exit() }' x y
"$BTAP" --format=json -e 'global n; probe begin { n = argc + 1; if (argv_1 == "") exit() }' >"$T/json" 2>&1
if grep -q '"name":"n","value":1}' "$T/json" && ! grep -q argv "$T/json"; then
	pass json-no-library-globals
else
	fail "json-no-library-globals: $(cat "$T/json")"
fi
mkdir -p "$T/sclib"
echo 'function sc_lib() { return 1 }' >"$T/sclib/sc.stp"
expect script-cache-tapset-first 0 "$SC_MISS" -- sc -I "$T/sclib" -e "$SC_PROG" one
expect script-cache-tapset-hit 0 "$SC_HIT" -- sc -I "$T/sclib" -e "$SC_PROG" one
echo 'function sc_lib() { return 22 }' >"$T/sclib/sc.stp"
expect script-cache-tapset-touched 0 "$SC_MISS" -- sc -I "$T/sclib" -e "$SC_PROG" one
echo 'function sc_lib2() { return 3 }' >"$T/sclib/sc2.stp"
expect script-cache-tapset-added 0 "$SC_MISS" -- sc -I "$T/sclib" -e "$SC_PROG" one
# a file script: its contents are part of the key
printf "%s\n" "$SC_PROG" >"$T/sc.stp"
expect script-cache-file-first 0 "$SC_MISS" -- sc "$T/sc.stp" one
expect script-cache-file-hit 0 "$SC_HIT" -- sc "$T/sc.stp" one
printf "%s # edited\n" "$SC_PROG" >"$T/sc.stp"
expect script-cache-file-edited 0 "$SC_MISS" -- sc "$T/sc.stp" one
# a hit prints the same artifact for -p4 as the miss did, and runs it
first=$(XDG_CACHE_HOME="$T/sc" "$BTAP" -p4 -e "$SC_PROG" one 2>/dev/null)
again=$(XDG_CACHE_HOME="$T/sc" "$BTAP" -p4 -e "$SC_PROG" one 2>/dev/null)
if [ -n "$first" ] && [ "$first" = "$again" ] && [ -f "$first/prog.so" ]; then
	pass "script-cache-p4-path"
else
	fail "script-cache-p4-path ('$first' vs '$again')"
fi
# an entry whose artifact is gone, a garbled entry, or an index that cannot
# be used at all only mean a miss
rm -rf "$first"
expect script-cache-artifact-gone 0 "$SC_MISS" -- sc -e "$SC_PROG" one
expect script-cache-artifact-rebuilt 0 "$SC_HIT" -- sc -e "$SC_PROG" one
for f in "$T"/sc/btap/scripts/*; do printf 'garbage' >"$f"; done
expect script-cache-garbled 0 "$SC_MISS" -- sc -e "$SC_PROG" one
rm -rf "$T/sc/btap/scripts" && echo x >"$T/sc/btap/scripts"
expect script-cache-unusable 0 "$SC_MISS" -- sc -e "$SC_PROG" one
expect script-cache-unusable-again 0 "$SC_MISS" -- sc -e "$SC_PROG" one
# a different clang (another binary, or the same one changed) means
# another artifact, through the script index too; the same clang, a hit
mkdir -p "$T/ckbin"
real_clang=$(command -v clang-19 || command -v clang)
printf '#!/bin/sh\nexec %s "$@"\n' "$real_clang" >"$T/ckbin/clang-19" && chmod +x "$T/ckbin/clang-19"
CK='probe kernel.trace("sched:sched_switch") { exit() }'
ck1=$(XDG_CACHE_HOME="$T/sc" "$BTAP" -p4 -e "$CK" 2>/dev/null)
ck2=$(XDG_CACHE_HOME="$T/sc" PATH="$T/ckbin:$PATH" "$BTAP" -p4 -e "$CK" 2>/dev/null)
ck3=$(XDG_CACHE_HOME="$T/sc" PATH="$T/ckbin:$PATH" "$BTAP" -p4 -e "$CK" 2>/dev/null)
touch -d '2001-01-01' "$T/ckbin/clang-19"
ck4=$(XDG_CACHE_HOME="$T/sc" PATH="$T/ckbin:$PATH" "$BTAP" -p4 -e "$CK" 2>/dev/null)
if [ -n "$ck1" ] && [ -n "$ck2" ] && [ "$ck1" != "$ck2" ] && [ "$ck2" = "$ck3" ] && [ -n "$ck4" ] && [ "$ck4" != "$ck2" ]; then
	pass "script-cache-compiler: a changed clang gives a new artifact, the same clang a hit"
else
	fail "script-cache-compiler: '$ck1' '$ck2' '$ck3' '$ck4'"
fi
# printk() and ftrace(): lines the runner writes into the kernel's log and
# the ftrace buffer, from a runner probe and from a kernel probe
tok="btap-log-$$-$(date +%s)"
expect printk 0 '' -- "$BTAP" -e "probe begin { printk(6, \"$tok begin\") }
probe kernel.trace(\"sched:sched_switch\") { printk(4, sprintf(\"%s %s\", \"$tok\", \"kernel\")); exit() }"
ok_if "printk: both lines are in the kernel's log" "dmesg | grep -q '$tok begin\$' && dmesg | grep -q '$tok kernel\$'"
TRACEFS=/sys/kernel/tracing
[ -e "$TRACEFS/trace_marker" ] || TRACEFS=/sys/kernel/debug/tracing
if [ -w "$TRACEFS/trace_marker" ]; then
	expect ftrace 0 '' -- "$BTAP" -e "probe begin { ftrace(\"$tok ftrace\"); exit() }"
	ok_if "ftrace: the line is in the ftrace buffer" "grep -q '$tok ftrace\$' '$TRACEFS/trace'"
else
	skip "ftrace: no trace_marker in tracefs here"
fi
summary cli
