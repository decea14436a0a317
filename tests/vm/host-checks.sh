# The VM tier's checks of passes 1-4 on the host, for the guest's kernel
# (sourced by tests/tiers/vm.sh: expect_host runs btap with the guest's
# facts bound in). What -p2, -p4, -l and -L say must not need the VM.
expect_host guest-kfunc-list 0 '^kernel.function\("vfs_read"\)$' -- -l 'kernel.function("vfs_rea?")'
expect_host guest-kfunc-vars 0 '^kernel.function\("vfs_read"\).return \$file:struct file \* \$buf:char \* \$count:size_t \$pos:loff_t \* \$return:ssize_t$' -- -L 'kernel.function("vfs_read").return'
expect_host guest-kfunc-auto 0 '^btap: kernel functions attach with fentry/fexit: the kernel.s configuration has BPF trampolines' -- -v -p2 -e 'probe kernel.function("vfs_read") { }'
expect_host guest-kfunc-kprobe-p4 0 '^/' -- --kfunc=kprobe -p4 -e 'probe kernel.function("vfs_read").return { println($return, $count, $$parms) }'
expect_host guest-lsm-vars 0 '^kernel.lsm\("bprm_check_security"\) \$bprm:struct linux_binprm \* \$return:int$' -- -L 'kernel.lsm("bprm_check_security")'
expect_host guest-module-vars 0 '^module\("overlay"\).function\("ovl_read_iter"\) \$iocb:struct kiocb \* \$iter:struct iov_iter \*$' -- -L 'module("overlay").function("ovl_read_iter")'
expect_host guest-lsm-p4 0 '^/' -- -g -p4 -e 'probe lsm.bprm_check_security { if (filename =~ "x") $return = -1 }'
expect_host guest-kprobe-nobtf 0 '^kprobe.function\("copy_strings.isra.0"\)$' -- -L 'kprobe.function("copy_strings.isra.0")'
expect_host_dbg guest-srcfile-line 0 '^kernel.function\("vfs_read@fs/read_write.c:450"\)$' -- -l 'kernel.function("*@fs/read_write.c:470")'
expect_host_dbg guest-srcfile-vars 0 '^kernel.function\("vfs_read@fs/read_write.c:450"\).return \$file:struct file \* \$buf:char \* \$count:size_t \$pos:loff_t \* \$return:ssize_t$' -- -L 'kernel.function("vfs_read@fs/read_write.c").return'
expect_host_dbg guest-srcfile-many 0 '^kernel.function\("ksys_write@fs/read_write.c:[0-9]+"\)$' -- -l 'kernel.function("*@fs/read_write.c")'
expect_host_dbg guest-srcfile-module 0 '^module\("overlay"\).function\("ovl_read_iter@fs/overlayfs/file.c:[0-9]+"\) \$iocb:struct kiocb \* \$iter:struct iov_iter \*$' -- -L 'module("overlay").function("ovl_read_iter@fs/overlayfs/file.c")'
expect_host_dbg guest-srcfile-module-lines 0 '^module\("overlay"\).function\("ovl_dir_llseek@fs/overlayfs/readdir.c:[0-9]+"\)$' -- -l 'module("ov*").function("*@readdir.c:800-1000")'
expect_host guest-kprobe-module 0 '^module\("overlay"\).function\("ovl_read_iter"\).return \$iocb:struct kiocb \* \$iter:struct iov_iter \* \$return:ssize_t$' -- -L 'kprobe.module("overlay").function("ovl_read_iter").return'
# kernel.statement: lines from the debuginfo, variables at the line by DWARF,
# a kprobe that many bytes into the function
expect_host_dbg guest-kstatement-lines 0 '^kernel.statement\("vfs_read@fs/read_write.c:461"\)$' -- -l 'kernel.statement("vfs_read@fs/read_write.c:460-465")'
expect_host_dbg guest-kstatement-vars 0 '^kernel.statement\("vfs_read@fs/read_write.c:464"\) \$file:struct file\* \$buf:char\* \$count:size_t \$pos:loff_t\* \$ret:ssize_t$' -- -L 'kernel.statement("vfs_read@fs/read_write.c:464")'
expect_host_dbg guest-kstatement-p3 0 'SEC\("kprobe/vfs_read\+0x[0-9a-f]+"\)' -- -p3 -e 'probe kernel.statement("vfs_read@fs/read_write.c:464") { println($file) }'
expect_host guest-kstatement-nodebuginfo 1 "^<input>:1:24: error: semantic error: kernel.statement\(\"vfs_read@fs/read_write.c:464\"\) needs the kernel's debuginfo: " -- --debuginfo=/nonexistent -p2 -e 'probe kernel.statement("vfs_read@fs/read_write.c:464") { }'
expect_host_dbg guest-kstatement-anyfile 0 '^kernel.statement\("do_nanosleep@kernel/time/hrtimer.c:[0-9]+"\)$' -- -l 'kernel.statement("do_nanosleep@*:*")'
# a pattern over more functions than fentry takes: kprobes, one program for
# the probes whose bodies are the same (emit_share.c); --kfunc=fentry keeps
# the cap and says how to pass it
expect_host guest-kfunc-many-auto 0 "^btap: 'tcp_\\*' matches [0-9]+ kernel functions \\(fentry probes at most 256\\): they attach with kprobes, which share programs$" -- -v -p2 -e 'probe kernel.function("tcp_*") { }'
expect_host guest-kfunc-many-mixed 0 '^SEC\("fentry/vfs_read"\)$' -- -p3 -e 'probe kernel.function("vfs_read") { } probe kernel.function("tcp_*") { }'
# $$return at the return of a function that returns nothing: "" (one probe
# serves a pattern's functions, void or not)
expect_host guest-kfunc-void-return 0 '^/' -- -p4 -e 'probe kernel.function("proc_sys_evict_inode").return { println("[", $$return, "]") }'
expect_host guest-kfunc-many-shared 0 '^/\* kernel.function\("tcp_v4_connect"\) at <input>:1:1: runs bp[0-9]+ \*/$' -- -p3 -e 'probe kernel.function("tcp_*") { println(pp()) }'
expect_host guest-kfunc-many-fentry 1 "^<input>:1:23: error: semantic error: 'tcp_\*' matches [0-9]+ kernel functions; btap probes at most 256 with one pattern with fentry \(--kfunc=kprobe: up to 4096, one program per distinct body\)" -- --kfunc=fentry -p2 -e 'probe kernel.function("tcp_*") { }'
# what BTF lacks, from the debuginfo: a compiler's clone (its symbol's
# name), an inlined function's copies
expect_host_dbg guest-kfunc-clone 0 '^SEC\("kretprobe/copy_strings.isra.0"\)$' -- -p3 -e 'probe kernel.function("copy_strings").return { println($return) }'
expect_host_dbg guest-kfunc-inline-list 0 '^kernel.function\("do_fsync@fs/sync.c:[0-9]+"\).inline \$datasync:int \$fd:unsigned int$' -- -L 'kernel.function("do_fsync")'
expect_host_dbg guest-kfunc-label-list 0 '^kernel.function\("__do_sys_chdir@fs/open.c:[0-9]+"\).label\("dput_and_out"\)$' -- -l 'kernel.function("__do_sys_chdir").label("*out")'
# a function of more than six parameters: a kprobe on 6.1 (its trampolines take six)
expect_host guest-kfunc-wide 0 '^SEC\("kretprobe/__inet_lookup_established"\)$' -- -p3 -e 'probe kernel.function("__inet_lookup_established").return { println($return) }'

# @const("C") on kmod is the kernel's C: a name the kernel's headers lack
# is the compiler's error at the script's line
if vm_fetch_headers; then
	expect_host kmod-const-undeclared 1 "^<input>:2:17: error: .NO_SUCH_MACRO_X. undeclared" -- --runtime=kmod \
		-r "$VM_KBUILD" -g -p4 -e 'probe kernel.trace("sched:sched_switch") {
	println(@const("NO_SUCH_MACRO_X"))
}'
	# guru mode's writes on kmod: what cannot be written says why
	expect_host kmod-write-tracepoint 1 "^<input>:1:44: error: only a kernel function's parameters, .return and the kernel memory they point to can be written" -- \
		--runtime=kmod -r "$VM_KBUILD" -g -p3 -e 'probe kernel.trace("sched:sched_switch") { $prev_pid = 1 }'
	expect_host kmod-write-stack-parameter 1 "^<input>:1:54: error: this parameter is passed on the stack" -- \
		--runtime=kmod -r "$VM_KBUILD" -g -p3 -e 'probe kernel.function("__inet_lookup_established") { $dif = 1 }'
	expect_host kmod-write-return-parameter 1 "^<input>:1:44: error: semantic error: at a .return probe a parameter is its value at the entry" -- \
		--runtime=kmod -r "$VM_KBUILD" -g -p3 -e 'probe kernel.function("vfs_read").return { $count = 1 }'
else
	skip "kmod-const-undeclared: $VM_WHY"
fi

# The NFS client procedures the VM's workload does not call (commit, NFSv4
# create; tests/vm/kmod/nfs-proc.stp runs the rest), every variable read,
# built for the guest: types and names as its modules have them
expect_host nfs-proc-unfired-p4 0 '^/' -- -p4 -e '
probe nfs.proc.commit_setup { println(name, version, argstr, server_ip, prot, count, size, units, offset, bitmask0, bitmask1) }
probe nfs.proc.commit_done { println(name, version, argstr, server_ip, prot, status, count, valid, timestamp) }
probe nfs.proc.commit_setup.return, nfs.proc.write_setup.return { println(name, version, retvalue) }
probe nfs.proc.commit_done.return, nfs.proc.write_done.return, nfs.proc.open.return { println(name, retstr) }
probe nfs.proc4.create { println(name, argstr, server_ip, prot, fh, filename, filelen, flag, mode) }
probe nfs.proc.handle_exception.return { println(name, retstr) }
probe nfs.proc.entries, nfs.proc.return { printf("%s %d\n", name, version) }'
