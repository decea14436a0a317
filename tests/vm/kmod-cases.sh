# The kmod runtime's cases of the VM tier, sourced by tests/tiers/vm.sh
# (which provides T, BTAP, LIMIT, vm_* and pass/fail/skip). Every
# tests/vm/kmod/NAME.stp is built here for both runtimes (the module with
# kbuild against the guest kernel's headers) and run on both (with
# `# cmd: COMMAND` as -c COMMAND, from the tree's root; `# runtimes: kmod`
# for what only a module does; `# stderr: REGEX` that stderr must match;
# `# rc: N` for the exit status a run must end with (default 0);
# `# opts: OPTIONS` for pass 4, such as -g; `# run-opts: OPTIONS` for
# the run, such as --metrics; `# kernels: 6.1` for a case
# of one kernel series (tests/tiers/vm-next.sh); `# btf: none` to build as for
# a kernel without BTF, the guest's hidden; `# limit: SECONDS` for a run
# longer than the tier's limit (a workload of its own); `# needs: debuginfo` for
# --debuginfo, the guest kernel's; `# run: PATH` builds and runs that
# script of the tree instead: a live test checked on both runtimes)
# in the same
# boot as the other VM cases: each output must equal NAME.out (or
# NAME.SERIES.out, NAME.6.12.out, where that kernel series has its own), the two
# must be byte-identical, and no btap module may be left loaded (on the
# second series, the module's output alone: km_runtimes). Then a
# btap running a module gets SIGKILL, SIGTERM and SIGINT: its module must
# be gone afterwards (after SIGKILL the supervising process removes it);
# and one module runs twice at once, once under the name -m gives.

KM_READY=
KM_LIST=$T/kmod.list
# seconds the cases' own limits (`# limit:`) add to the boot's budget
KM_EXTRA=0

# km_runtimes STP: the runtimes a case runs on (header `# runtimes:`,
# default both; `kmod` for what only a module can do, such as kernel C).
# On the second kernel series (VM_NEXT) the module alone: what differs
# between the series is the kernel interfaces the module is built
# against, while BPF's programs are the same CO-RE objects (run on 6.1
# and on the host's kernel); this halves that tier's time.
km_runtimes() {
	r=$(header runtimes "$1")
	r=${r:-bpf kmod}
	if [ -n "$VM_NEXT" ]; then
		case " $r " in *" kmod "*) r=kmod ;; *) r= ;; esac
	fi
	echo "$r"
}

# kmod_compile_lines: append the pass-4 commands to $T/compile.sh.
kmod_compile_lines() {
	: >"$KM_LIST"
	if ! vm_fetch_headers; then
		skip "kmod: $VM_WHY"
		return
	fi
	KM_READY=1
	i=0
	series=$(echo "$VM_KREL" | cut -d. -f1-2)
	for stp in tests/vm/kmod/*.stp; do
		vm_selected "$stp" || continue
		opts=$(header opts "$stp")
		# `# kernels: 6.1 ...`: the kernel series the case is written for
		kernels=$(header kernels "$stp")
		# (not skips: the cases of one kernel, and those that need its
		# debuginfo, which the second series does not fetch, are out of
		# that tier's scope)
		if [ -n "$kernels" ] && ! echo " $kernels " | grep -q " $series "; then
			echo "kmod/${stp#tests/vm/kmod/}: not run here: written for Linux $kernels"
			continue
		fi
		if [ -z "$(km_runtimes "$stp")" ]; then
			echo "kmod/${stp#tests/vm/kmod/}: not run here: the BPF runtime only (run on 6.1)"
			continue
		fi
		if [ "$(header needs "$stp")" = debuginfo ] && [ -n "$VM_NEXT" ]; then
			echo "kmod/${stp#tests/vm/kmod/}: not run here: needs the kernel's debuginfo (run on 6.1)"
			continue
		fi
		if [ "$(header needs "$stp")" = debuginfo ]; then
			if [ -z "$VM_DEBUGINFO" ]; then
				skip "kmod/${stp#tests/vm/kmod/}: the kernel's debuginfo: $DEBUGINFO_WHY"
				continue
			fi
			opts="$opts --debuginfo=$(vm_q "$VM_DEBUGINFO")"
		fi
		i=$((i + 1))
		echo "$i $stp" >>"$KM_LIST"
		for rt in $(km_runtimes "$stp"); do
			r=$VM_KREL
			[ $rt = kmod ] && r=$VM_KBUILD
			# `# btf: none`: built as for a kernel without BTF (hidden)
			nobtf=
			[ "$(header btf "$stp")" = none ] &&
				nobtf="unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec \"\$@\"' sh"
			src=$(header run "$stp")
			echo "$nobtf \"\$BTAP\" --runtime=$rt -r $(vm_q "$r") $opts -p4 $(vm_q "${src:-$stp}") >'$T/km-$rt-$i.art' 2>'$T/km-$rt-$i.err'; echo \$? >'$T/km-$rt-$i.crc'" \
				>>"$T/compile.sh"
		done
	done
	# A module that runs until killed.
	echo "\"\$BTAP\" --runtime=kmod -r $(vm_q "$VM_KBUILD") -p4 -e 'global n; probe kernel.trace(\"sched:sched_switch\") { n++ }' >'$T/km-kill.art' 2>'$T/km-kill.err'" \
		>>"$T/compile.sh"
}

# kmod_job_lines: append the runs to $T/job.sh (after pass 4 ran).
kmod_job_lines() {
	[ -n "$KM_READY" ] || return 0
	while read -r i stp; do
		cmd=$(header cmd "$stp")
		c=
		[ -n "$cmd" ] && c="-c $(vm_q "$cmd")"
		# the runner names source lines from the debuginfo too (symfile())
		[ "$(header needs "$stp")" = debuginfo ] && c="$c --debuginfo=$(vm_q "$VM_DEBUGINFO")"
		# `# run-opts:` options of the run (pass 5), such as --metrics
		ro=$(header run-opts "$stp")
		[ -n "$ro" ] && c="$c $ro"
		lim=$(header limit "$stp" | cut -d" " -f1)
		for rt in $(km_runtimes "$stp"); do
			[ "$(cat "$T/km-$rt-$i.crc")" = 0 ] || continue
			[ -n "$lim" ] && KM_EXTRA=$((KM_EXTRA + lim))
			echo "timeout ${lim:-$LIMIT} $(vm_q "$BTAP") --runtime=$rt --run \"\$(tail -1 '$T/km-$rt-$i.art')\" $c >'$T/km-$rt-$i.out' 2>'$T/km-$rt-$i.err'; echo \$? >'$T/km-$rt-$i.rc'; grep -c '^btap_' /proc/modules >'$T/km-$rt-$i.mods'" \
				>>"$T/job.sh"
		done
	done <"$KM_LIST"
	[ -s "$T/km-kill.art" ] || return 0
	for sig in KILL TERM INT; do
		cat >>"$T/job.sh" <<JOB
$(vm_q "$BTAP") --runtime=kmod --run "\$(tail -1 '$T/km-kill.art')" >/dev/null 2>'$T/km-$sig.err' &
kpid=\$!
for w in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	grep -q '^btap_' /proc/modules && break
	sleep 0.5
done
grep -c '^btap_' /proc/modules >'$T/km-$sig.before'
kill -$sig \$kpid
wait \$kpid 2>/dev/null
echo \$? >'$T/km-$sig.rc'
for w in 1 2 3 4 5 6 7 8 9 10; do
	grep -q '^btap_' /proc/modules || break
	sleep 0.5
done
grep -c '^btap_' /proc/modules >'$T/km-$sig.after'
JOB
	done
	# two runs of one module at once (each loads its own copy), and -m NAME
	cat >>"$T/job.sh" <<JOB
$(vm_q "$BTAP") --runtime=kmod --run "\$(tail -1 '$T/km-kill.art')" >/dev/null 2>'$T/km-two1.err' &
k1=\$!
$(vm_q "$BTAP") --runtime=kmod -m btap_named_run --run "\$(tail -1 '$T/km-kill.art')" >/dev/null 2>'$T/km-two2.err' &
k2=\$!
for w in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ "\$(grep -c '^btap_' /proc/modules)" = 2 ] && break
	sleep 0.5
done
grep -c '^btap_' /proc/modules >'$T/km-two.during'
grep -c '^btap_named_run ' /proc/modules >'$T/km-two.named'
kill -INT \$k1 \$k2
wait \$k1; echo \$? >'$T/km-two1.rc'
wait \$k2; echo \$? >'$T/km-two2.rc'
grep -c '^btap_' /proc/modules >'$T/km-two.after'
$(vm_q "$BTAP") --runtime=kmod -c '' --run "\$(tail -1 '$T/km-kill.art')" >/dev/null 2>'$T/km-early.err'
echo \$? >'$T/km-early.rc'
JOB
}

# kmod_check: compare, after the boot.
kmod_check() {
	[ -n "$KM_READY" ] || return 0
	while read -r i stp; do
		name=kmod/$(basename "$stp" .stp)
		want=${stp%.stp}.out
		# a kernel series' own expectation (NAME.6.12.out: other stacks)
		series=$(echo "$VM_KREL" | cut -d. -f1-2)
		[ -f "${stp%.stp}.$series.out" ] && want=${stp%.stp}.$series.out
		ok=1
		rts=$(km_runtimes "$stp")
		for rt in $rts; do
			if [ "$(cat "$T/km-$rt-$i.crc")" != 0 ]; then
				fail "$name ($rt): pass 4 failed"
				head -5 "$T/km-$rt-$i.err"
				ok=
			elif [ "$(cat "$T/km-$rt-$i.rc" 2>/dev/null)" != "$(header rc "$stp" | grep . || echo 0)" ]; then
				fail "$name ($rt): exit $(cat "$T/km-$rt-$i.rc" 2>/dev/null)"
				head -5 "$T/km-$rt-$i.err"
				ok=
			elif ! cmp -s "$want" "$T/km-$rt-$i.out"; then
				fail "$name ($rt): output differs from $want"
				diff "$want" "$T/km-$rt-$i.out" | head -5
				ok=
			elif [ -n "$(header stderr "$stp")" ] && ! grep -Eq "$(header stderr "$stp")" "$T/km-$rt-$i.err"; then
				fail "$name ($rt): stderr lacks /$(header stderr "$stp")/"
				head -5 "$T/km-$rt-$i.err"
				ok=
			fi
		done
		[ -n "$ok" ] || continue
		if [ "$rts" = kmod ]; then
			if [ "$(cat "$T/km-kmod-$i.mods")" != 0 ]; then
				fail "$name: a btap module is still loaded after the run"
			else
				pass "$name: kmod only, as expected, module removed"
			fi
		elif [ "$rts" = bpf ]; then
			# nothing to compare with: the header says why kmod is left out
			pass "$name: bpf only, as expected"
		elif ! cmp -s "$T/km-bpf-$i.out" "$T/km-kmod-$i.out"; then
			fail "$name: the two runtimes' outputs differ"
		elif [ "$(cat "$T/km-kmod-$i.mods")" != 0 ]; then
			fail "$name: a btap module is still loaded after the run"
		else
			pass "$name: same output on bpf and kmod, module removed"
		fi
	done <"$KM_LIST"
	if [ ! -s "$T/km-kill.art" ]; then
		fail "kmod/signals: pass 4 failed"
		head -5 "$T/km-kill.err"
		return
	fi
	for sig in KILL TERM INT; do
		if [ "$(cat "$T/km-$sig.before" 2>/dev/null)" != 1 ]; then
			fail "kmod/sig$sig: the module was not loaded ($(cat "$T/km-$sig.before" 2>/dev/null))"
			head -5 "$T/km-$sig.err"
		elif [ "$(cat "$T/km-$sig.after" 2>/dev/null)" != 0 ]; then
			fail "kmod/sig$sig: the module is still loaded after btap got SIG$sig"
		elif [ $sig != KILL ] && [ "$(cat "$T/km-$sig.rc")" != 0 ]; then
			fail "kmod/sig$sig: btap exited $(cat "$T/km-$sig.rc") after SIG$sig"
			head -5 "$T/km-$sig.err"
		else
			pass "kmod/sig$sig: module removed after SIG$sig"
		fi
	done
	if [ "$(cat "$T/km-two.during" 2>/dev/null)" != 2 ] || [ "$(cat "$T/km-two.named" 2>/dev/null)" != 1 ]; then
		fail "kmod/two-runs: not both modules loaded ($(cat "$T/km-two.during" 2>/dev/null) btap modules, $(cat "$T/km-two.named" 2>/dev/null) named by -m)"
		head -3 "$T/km-two1.err" "$T/km-two2.err"
	elif [ "$(cat "$T/km-two1.rc")" != 0 ] || [ "$(cat "$T/km-two2.rc")" != 0 ] || [ "$(cat "$T/km-two.after")" != 0 ]; then
		fail "kmod/two-runs: exits $(cat "$T/km-two1.rc") $(cat "$T/km-two2.rc"), $(cat "$T/km-two.after") modules left"
		head -3 "$T/km-two1.err" "$T/km-two2.err"
	else
		pass "kmod/two-runs: one script twice at once (one of them named by -m), both removed"
	fi
	# a run that fails before its module is loaded (an empty -c command)
	if [ "$(cat "$T/km-early.rc" 2>/dev/null)" = 1 ] && grep -q 'the command is empty' "$T/km-early.err"; then
		pass "kmod/early-failure: a run failing before the module loads says why and exits 1"
	else
		fail "kmod/early-failure: exit $(cat "$T/km-early.rc" 2>/dev/null): $(head -3 "$T/km-early.err" 2>/dev/null)"
	fi
}
