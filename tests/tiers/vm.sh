#!/bin/sh
# VM tier: what this machine's kernel cannot run (kprobes, BPF trampolines,
# modules, BPF LSM), on a Debian kernel under qemu (tests/vm/README.md).
#
# Host checks run btap here for the guest's kernel (its facts bind-mounted:
# vm_facts_exec): -l, -L, -p2 of kernel functions. Then every
# tests/vm/live/NAME.stp is compiled here (pass 4, for the guest) and all
# of them run in ONE boot, each as `btap --run ARTIFACT [opts] [-c cmd]
# [args]`; stdout must equal NAME.out, stderr NAME.err when it exists, the
# exit status `expect-rc` (default 0). Headers as in tests/live:
#     # cmd: COMMAND   # args: A B   # opts: -T 5   # expect-rc: N
# and two of its own: `# run: scripts/TOOL.stp` runs that script instead
# (NAME.stp holds only the headers: an example tool checked in the VM),
# `# filter: SED-EXPR` edits stdout (times, pids) before the comparison,
# `# needs: debuginfo` gives it --debuginfo (the guest kernel's, from
# Debian's -dbg package; skipped with the reason when that cannot be had).
# tests/vm/kmod-cases.sh adds the kmod runtime's cases to the same boot.
# Skipped, with the reason, when qemu, busybox-static or the kernel package
# cannot be had.
#
# BTAP_VM_CASES=REGEX runs only the cases whose path matches it, and no
# host checks (a developer's shortcut; the tier counts what it ran).
#
# VM_NEXT=1 (tests/tiers/vm-next.sh) runs the kmod cases alone on the
# kernel of $BTAP_VM_META (Debian 12's newer series): the host checks and
# tests/vm/live expect the 6.1 kernel, and its debuginfo is not fetched.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
TIER=vm
[ -n "$VM_NEXT" ] && TIER=vm-next
VM_HERE=$ROOT/tests/vm
. "$VM_HERE/vm-lib.sh"
T=$(mktemp -d /tmp/btap-vmtier.XXXXXX)
trap 'vm_kill; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
LIMIT=${VM_SCRIPT_TIMEOUT:-60}
start=$(vm_now)

if [ ! -x "$BTAP" ]; then
	skip "VM tier: $BTAP is not built"
	summary $TIER
	exit
fi
if ! vm_prepare; then
	skip "VM tier: $VM_WHY"
	summary $TIER
	exit
fi
echo "vm: kernel $VM_KREL, initramfs and facts ready in $(vm_since "$start") s"

# vm_selected STP: whether BTAP_VM_CASES (when set) selects the case.
vm_selected() { [ -z "$BTAP_VM_CASES" ] || echo "$1" | grep -Eq -- "$BTAP_VM_CASES"; }

# in_guest_facts ARGS…: btap ARGS… on the host, for the guest's kernel
# (at the lowest priority, as the compile below).
in_guest_facts() { vm_facts_exec nice -n 19 "$BTAP" -r "$VM_KREL" "$@"; }

# expect_host NAME WANT-RC REGEX -- ARGS…: as tests/tiers/cli.sh's expect,
# with btap run for the guest's kernel.
expect_host() {
	_name=$1 _want=$2 _re=$3
	shift 4
	in_guest_facts "$@" >"$T/hout" 2>&1
	_rc=$?
	if [ "$_rc" != "$_want" ]; then
		fail "$_name: exit $_rc, want $_want"
		head -5 "$T/hout"
	elif [ -n "$_re" ] && ! grep -Eq -- "$_re" "$T/hout"; then
		fail "$_name: output does not match /$_re/"
		head -5 "$T/hout"
	else
		pass "$_name"
	fi
}

# The guest kernel's debuginfo, for the scripts and checks that need it
# (header `# needs: debuginfo`): skipped with the reason when it cannot be had.
t=$(vm_now)
if [ -n "$VM_NEXT" ]; then
	VM_DEBUGINFO= DEBUGINFO_WHY="not fetched for the second kernel series (850 MB)"
elif vm_fetch_debuginfo; then
	echo "vm: the kernel's debuginfo ready in $(vm_since "$t") s"
else
	VM_DEBUGINFO= DEBUGINFO_WHY=$VM_WHY
fi

# expect_host_dbg NAME WANT-RC REGEX -- ARGS…: expect_host with
# --debuginfo (skipped without it).
expect_host_dbg() {
	if [ -z "$VM_DEBUGINFO" ]; then
		skip "$1: the kernel's debuginfo: $DEBUGINFO_WHY"
		return
	fi
	_n=$1 _w=$2 _r=$3
	shift 4
	expect_host "$_n" "$_w" "$_r" -- --debuginfo="$VM_DEBUGINFO" "$@"
}

# ---- host checks: passes 1-4 for the guest's kernel ---------------------------
t=$(vm_now)
if [ -f "$VM_HERE/host-checks.sh" ] && [ -z "$VM_NEXT" ] && [ -z "$BTAP_VM_CASES" ]; then
	. "$VM_HERE/host-checks.sh"
fi
echo "vm: host checks in $(vm_since "$t") s"

# ---- live scripts: compile here, run in one boot ---------------------------------
t=$(vm_now)
n=0
: >"$T/compile.sh"
: >"$T/list"
: >"$T/job.sh"
for stp in tests/vm/live/*.stp; do
	[ -f "$stp" ] && [ -z "$VM_NEXT" ] && vm_selected "$stp" || continue
	n=$((n + 1))
	cmd=$(header cmd "$stp")
	opts=$(header opts "$stp")
	args=$(header args "$stp")
	if [ "$(header needs "$stp")" = debuginfo ]; then
		if [ -z "$VM_DEBUGINFO" ]; then
			skip "${stp#tests/vm/live/}: the kernel's debuginfo: $DEBUGINFO_WHY"
			n=$((n - 1))
			continue
		fi
		opts="$opts --debuginfo=$VM_DEBUGINFO"
	fi
	script=$(header run "$stp")
	[ -n "$script" ] || script=$stp
	# shellcheck disable=SC2086 # opts and args are word lists
	if [ -n "$cmd" ]; then
		vm_split_args $opts -c "$cmd" "$script" $args || exit 1
	else
		vm_split_args $opts "$script" $args || exit 1
	fi
	echo "\"\$BTAP\" -r $(vm_q "$VM_KREL") -p4 $VM_COMPILE >'$T/$n.art' 2>'$T/$n.err'; echo \$? >'$T/$n.rc'" \
		>>"$T/compile.sh"
	echo "timeout $LIMIT $(vm_q "$BTAP") --run \"\$(tail -1 '$T/$n.art')\" $VM_RUN >'$T/$n.out' 2>'$T/$n.err'; echo \$? >'$T/$n.rc'" \
		>>"$T/job.sh.all"
	echo "$n $stp" >>"$T/list"
done
. "$VM_HERE/kmod-cases.sh"
kmod_compile_lines
export BTAP
# at the lowest priority: the other VM tier's guest may be running its
# cases meanwhile (tests/run-tests.sh runs both at once), and a guest
# under TCG that loses its CPU to a compile runs out of its time limits
vm_facts_exec nice -n 19 sh -c '. "$1"' compile "$T/compile.sh"
echo "vm: compiled $n scripts for the guest in $(vm_since "$t") s"

# Scripts that did not compile keep pass 4's result; the rest run in the VM.
echo "cd $(vm_q "$ROOT")" >"$T/job.sh"
while read -r i stp; do
	if [ "$(cat "$T/$i.rc")" = 0 ]; then
		sed -n "${i}p" "$T/job.sh.all" >>"$T/job.sh"
		rm -f "$T/$i.rc"
	fi
done <"$T/list"
kmod_job_lines
# the boot's budget: a couple of limits per script, 10 s per module case
# run (a few seconds each under TCG), and the cases' own longer limits
km=$(grep -c 'km-[a-z]*-[0-9]*\.art' "$T/job.sh" 2>/dev/null) || km=0
if [ "$n" -gt 0 ] || [ -n "$KM_READY" ]; then
	t=$(vm_now)
	if ! vm_boot "$T" $((120 + 2 * LIMIT * n + 10 * km + KM_EXTRA)); then
		fail "VM tier: the VM did not finish; its console said:"
		tail -20 "$T/console.log"
	fi
	echo "vm: ran $n scripts in one boot in $(vm_since "$t") s"
fi
while read -r i stp; do
	base=${stp%.stp}
	name=${base#tests/vm/live/}
	want_rc=$(header expect-rc "$stp")
	if [ ! -f "$base.out" ]; then
		fail "$name: no $base.out"
		continue
	fi
	[ -f "$T/$i.out" ] || : >"$T/$i.out"
	filter=$(header filter "$stp")
	if [ -n "$filter" ]; then
		sed -E "$filter" "$T/$i.out" >"$T/$i.filtered" && mv "$T/$i.filtered" "$T/$i.out"
	fi
	check_run "$name" "$base" "${want_rc:-0}" "$(cat "$T/$i.rc" 2>/dev/null)" "$T/$i.out" "$T/$i.err"
done <"$T/list"

kmod_check

echo "vm: tier took $(vm_since "$start") s"
summary $TIER
