#!/bin/sh
# Example tools of scripts/ on workloads this tier starts, their values
# checked (tests/tiers/live.sh only checks that every tool runs): the
# target's lines are found by their parent, btap itself, whose pid the
# shell knows.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-tools.XXXXXX)
trap 'rm -rf "$T"' EXIT
LIMIT=${LIVE_TIMEOUT:-60}

# run TOOL-ARGS... with -c "$CMD": btap's pid into $bp (the target's
# parent), output in $T/out; killed after $LIMIT seconds
run() {
	"$BTAP" -c "$CMD" "$@" >"$T/out" 2>"$T/err" &
	bp=$!
	timeout "$LIMIT" sh -c "while kill -0 $bp 2>/dev/null; do sleep 0.1; done" || kill "$bp" 2>/dev/null
	wait $bp
}

# exitsnoop: the exit code, a signal, the lifetime
CMD="sh -c 'sleep 0.3; exit 3'" run scripts/exitsnoop.stp
sh_pid=$(awk -v p="$bp" '$1 == "sh" && $3 == p { print $2 }' "$T/out")
ok_if "exitsnoop: the target's exit code 3" "grep -Eq '^sh +$sh_pid +$bp +$sh_pid +[0-9]+\.[0-9]{2} +code 3\$' $T/out"
ok_if "exitsnoop: its child sleep lived 0.3 s or more, code 0" \
	"grep -Eq '^sleep +[0-9]+ +$sh_pid +[0-9]+ +(0\.[3-9]|[1-9])[0-9.]* +code 0\$' $T/out"
CMD="sh -c 'kill -TERM \$\$'" run scripts/exitsnoop.stp
ok_if "exitsnoop: a process killed by SIGTERM" "grep -Eq '^sh +[0-9]+ +$bp .* signal TERM\$' $T/out"

# syscount: the target's system calls, each by its name (the tapset's
# table, not syscall_N)
CMD="cat /etc/hostname" run scripts/syscount.stp
ok_if "syscount: cat's openat and read counted, every call named" \
	"grep -Eq '^openat +[0-9]+ ' $T/out && grep -Eq '^read +[0-9]+ ' $T/out && ! grep -q '^syscall_' $T/out"

# strace-open: the arguments and results strace shows
CMD="cat /etc/hostname /nonexistent" run scripts/strace-open.stp
cat_pid=$(sed -n 's/^cat(\([0-9]*\)) .*"\/etc\/hostname".*/\1/p' "$T/out" | head -1)
ok_if "strace-open: cat's open of /nonexistent fails with ENOENT" \
	"grep -q '^cat($cat_pid) openat (AT_FDCWD, \"/nonexistent\", O_RDONLY) = -2 (ENOENT)\$' $T/out"
if command -v strace >/dev/null 2>&1; then
	strace -e trace=openat cat /etc/hostname 2>&1 >/dev/null | grep '"/etc/hostname"' >"$T/strace"
	ok_if "strace-open: the open of /etc/hostname reads as strace prints it" \
		"[ \"\$(grep '^cat($cat_pid) .*\"/etc/hostname\"' $T/out | sed 's/^cat([0-9]*) \\([a-z0-9]*\\) (/\\1(/')\" = \"\$(cat $T/strace)\" ]"
else
	skip "strace-open against strace: strace is not installed"
fi

# bootstrap: with a 100 ms minimum, the long-lived processes only
CMD="sh -c '/bin/true; sleep 0.25; exit 4'" run scripts/bootstrap.stp 100
sh_pid=$(awk -v p="$bp" '$2 == "EXIT" && $3 == "sh" && $5 == p { print $4 }' "$T/out")
ok_if "bootstrap: the target's EXEC and its EXIT with code 4" \
	"grep -Eq '^[0-9:]{8} EXEC +sh +$sh_pid +$bp +/' $T/out && grep -Eq '^[0-9:]{8} EXIT +sh +$sh_pid +$bp +\\[4\\] \\([0-9]+ms\\)\$' $T/out"
ok_if "bootstrap: sleep (250 ms) shown, /bin/true (short) not" \
	"grep -Eq '^[0-9:]{8} EXIT +sleep +[0-9]+ +$sh_pid +\\[0\\] \\((2[5-9][0-9]|[3-9][0-9]{2}|[0-9]{4,})ms\\)\$' $T/out &&
	 ! grep -Eq ' +[0-9]+ +$sh_pid +/bin/true\$' $T/out"

# runqslower: every wait with a threshold of 0, none over 60 s
CMD="sh -c 'sleep 0.1; sleep 0.1'" run scripts/runqslower.stp 0
ok_if "runqslower 0: the workload's threads with their waits and the thread before" \
	"grep -Eq '^[0-9:]{8} (sh|sleep) +[0-9]+ +[0-9]+ +[^ ]+ +[0-9]+\$' $T/out"
CMD="sh -c 'sleep 0.1'" run scripts/runqslower.stp 60000000
ok_if "runqslower 60 s: only the header" "[ \$(wc -l <$T/out) = 1 ]"

# tcpconnlat: a connect on the loopback, its addresses and latency
CMD="python3 tests/tools/tcp-connect.py" run scripts/tcpconnlat.stp
port=$(grep -E '^[0-9]+$' "$T/out" | head -1)
ok_if "tcpconnlat: the connection to the listener's port, with its latency" \
	"[ -n \"$port\" ] && grep -Eq '^[0-9]+ +python3 +4 +127\.0\.0\.1 +127\.0\.0\.1:$port +[0-9]+\.[0-9]{3}\$' $T/out"

# tcprtt: round trips on the loopback, a histogram and the port
CMD="python3 tests/tools/tcp-echo.py" run scripts/tcprtt.stp
port=$(grep -E '^[0-9]+$' "$T/out" | head -1)
ok_if "tcprtt: smoothed RTTs sampled, a histogram, the echo port among the ports" \
	"grep -Eq '^srtt \(us\): count [1-9][0-9]*, avg [0-9]+, min [0-9]+, max [0-9]+\$' $T/out &&
	 grep -q '^value |' $T/out && grep -Eq '^$port +[1-9][0-9]* +[0-9]+\$' $T/out"

# flamegraph: folded lines (COMM;frames... COUNT) of a program that burns
# CPU in main -> outer -> inner, built here with frame pointers
if cc -O0 -g -fno-omit-frame-pointer -o "$T/burn" tests/tools/burn.c 2>"$T/err"; then
	CMD="$T/burn" run scripts/flamegraph.stp
	bad=$(grep -Ev '^[^ ;]+(;[^ ;]*)* [0-9]+$' "$T/out" | head -2)
	ok_if "flamegraph: every line is a folded stack and a count${bad:+ (not: $bad)}" \
		"[ -s $T/out ] && [ -z \"\$bad\" ]"
	n=$(awk '/^burn;.*;main;outer;inner;/ { n += $NF } END { print n + 0 }' "$T/out")
	ok_if "flamegraph: main;outer;inner sampled ($n samples at 99 Hz over 1.5 s)" "[ $n -ge 30 ]"
else
	fail "flamegraph: cannot build the CPU burner: $(cat "$T/err")"
fi

summary tools
