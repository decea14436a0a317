#!/bin/sh
# Remote tier: btap --remote against a real sshd started here, on loopback,
# on its own port, with its own keys and configuration; two "hosts"
# (host1, host2) are names for it in an ssh configuration. Checks: the
# output of both hosts comes back prefixed, a kernel probe with -c runs
# there, a host that cannot be reached is reported while the other runs,
# the cross-kernel path (facts fetched, compiled in a mount namespace),
# SIGINT stops every remote run with its end probe, nothing is left
# running there, and the artifacts are removed.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-remote-tier.XXXXXX)
SSHD_PID=""
cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
LIMIT=120

why_not=$(live_why_not)
[ -z "$why_not" ] && ! [ -x /usr/sbin/sshd ] && why_not="needs sshd (openssh-server)"
[ -z "$why_not" ] && ! command -v ssh >/dev/null && why_not="needs ssh (openssh-client)"
if [ -n "$why_not" ]; then
	skip "remote tier: $why_not"
	summary remote
	exit 0
fi

# ---- an sshd of our own ------------------------------------------------------
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/user_key" >/dev/null
cp "$T/user_key.pub" "$T/authorized_keys"
port=$((20000 + $$ % 20000))
cat >"$T/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $T/sshd.pid
AcceptEnv LANG
EOF
cat >"$T/ssh_config" <<EOF
Host host1 host2
	HostName 127.0.0.1
	Port $port
	User root
	IdentityFile $T/user_key
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	LogLevel ERROR
Host unreachable
	HostName 127.0.0.1
	Port 1
	ConnectTimeout 5
EOF
/usr/sbin/sshd -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
SSHD_PID=$!
i=0
while ! ssh -F "$T/ssh_config" -o BatchMode=yes host1 true 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$SSHD_PID" 2>/dev/null; then
		fail "sshd on 127.0.0.1:$port did not start: $(tail -3 "$T/sshd.log")"
		summary remote
		exit 0
	fi
	sleep 0.1
done
export BTAP_SSH="ssh -F $T/ssh_config" BTAP_REMOTE_BTAP="$BTAP" XDG_CACHE_HOME="$T/cache"

remote_btaps() { pgrep -f "$BTAP --run /tmp/btap-remote" | wc -l; }

# ---- two hosts, prefixed output --------------------------------------------
timeout "$LIMIT" "$BTAP" --remote host1,host2 -e 'probe begin { printf("hello %d %d %s\n", 42, remote_id(), remote_uri()); exit() }' \
	>"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && [ "$(sort "$T/out")" = "$(printf 'host1: hello 42 0 host1\nhost2: hello 42 1 host2')" ]; then
	pass "two hosts: each one's output, prefixed; remote_id() and remote_uri() name each"
else
	fail "two hosts: rc $rc: $(cat "$T/out" "$T/err" | head -5)"
fi

# ---- USER@HOST and ssh://USER@HOST: the user given wins, names kept as given ---
sed 's/^\tUser root$/\tUser nobody/' "$T/ssh_config" >"$T/ssh_config_nobody"
timeout "$LIMIT" env BTAP_SSH="ssh -F $T/ssh_config_nobody" "$BTAP" --remote root@host1,ssh://root@host2 \
	-e 'probe begin { printf("uid %d\n", uid()); exit() }' >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && [ "$(sort "$T/out")" = "$(printf 'root@host1: uid 0\nssh://root@host2: uid 0')" ]; then
	pass "USER@HOST and ssh://USER@HOST: logged in as USER, prefixed as written"
else
	fail "USER@HOST: rc $rc: $(cat "$T/out" "$T/err" | head -5)"
fi

# ---- one host: no prefix; a kernel probe with -c run there -----------------
timeout "$LIMIT" "$BTAP" --remote host1 -c '/bin/true x' \
	-e 'probe kernel.trace("sched:sched_process_exec") { if (pid() == target()) println(execname(), " ", @1, " ", remote_id(), remote_uri()) }' \
	arg1 >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/out")" = "true arg1 0host1" ]; then
	pass "one host: a tracepoint, -c and a script argument, output unprefixed"
else
	fail "one host: rc $rc: $(cat "$T/out" "$T/err" | head -5)"
fi

# ---- a failing host does not stop the other ---------------------------------
timeout "$LIMIT" "$BTAP" --remote unreachable,host2 -e 'probe begin { println("still here"); exit() }' \
	>"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 1 ] && [ "$(cat "$T/out")" = "host2: still here" ] &&
	grep -q "^btap: unreachable: error: cannot reach it over ssh" "$T/err"; then
	pass "an unreachable host is reported, the other one runs, exit status 1"
else
	fail "unreachable host: rc $rc: $(cat "$T/out" "$T/err" | head -5)"
fi

# ---- a run that fails there is that host's failure --------------------------
timeout "$LIMIT" "$BTAP" --remote host1 -e 'probe begin { error("boom") }' >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 1 ] && grep -q "boom" "$T/err" && grep -q "^btap: host1: the run ended with status 1" "$T/err"; then
	pass "a run that fails there: its error and the host's status"
else
	fail "failing run: rc $rc: $(cat "$T/err" | head -5)"
fi

# ---- another kernel: facts fetched, passes 1-4 in a mount namespace ---------
BTAP_REMOTE_FACTS=always timeout "$LIMIT" "$BTAP" -v --remote host1 \
	-e 'probe kernel.trace("syscalls:sys_enter_getpid") { } probe begin { println("cross"); exit() }' \
	>"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/out")" = "cross" ] && grep -q "another kernel: its facts fetched" "$T/err"; then
	pass "the host's facts fetched and the script compiled for them"
else
	fail "cross-kernel path: rc $rc: $(cat "$T/out" "$T/err" | head -8)"
fi

# ---- SIGINT stops every remote run; their end probes print ------------------
"$BTAP" --remote host1,host2 -e 'probe begin { println("up") } probe end { println("ended") }' \
	>"$T/out" 2>"$T/err" &
pid=$!
i=0
while [ "$(grep -c up "$T/out")" -lt 2 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $pid 2>/dev/null && kill -KILL $pid
wait $pid
rc=$?
sleep 0.5
if [ $rc = 0 ] && [ "$(grep -c ': ended$' "$T/out")" = 2 ] && [ "$(remote_btaps)" = 0 ]; then
	pass "SIGINT: both remote runs stop, end probes print, nothing left running"
else
	fail "SIGINT: rc $rc, $(remote_btaps) left: $(cat "$T/out" "$T/err" | head -6)"
fi
if ls -d /tmp/btap-remote.* >/dev/null 2>&1 && [ -n "$(find /tmp -maxdepth 1 -name 'btap-remote.*' -newer "$T/sshd_config" 2>/dev/null)" ]; then
	fail "artifacts or facts left in /tmp: $(find /tmp -maxdepth 1 -name 'btap-remote.*' -newer "$T/sshd_config")"
else
	pass "artifacts copied there and facts fetched here are removed"
fi

# ---- btap killed here: the remote run stops by itself (ssh's stdin closes) ---
"$BTAP" --remote host1 -e 'probe begin { println("up") } probe timer.s(120) { exit() }' >"$T/out" 2>"$T/err" &
pid=$!
i=0
while ! grep -q up "$T/out" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $pid
wait $pid 2>/dev/null
i=0
while [ "$(remote_btaps)" != 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(remote_btaps)" = 0 ]; then
	pass "SIGKILL here: the remote run stops too"
else
	fail "SIGKILL here: $(remote_btaps) remote runs left"
	pkill -f "$BTAP --run /tmp/btap-remote"
fi

# ---- misuse ---------------------------------------------------------------------
"$BTAP" --remote host1 -p2 -e 'probe begin {}' >"$T/out" 2>"$T/err"
rc=$?
ok=0
[ $rc = 1 ] && grep -q "cannot be combined with -p" "$T/err" && ok=1
"$BTAP" --remote 'host1,,host2' -e 'probe begin {}' >"$T/out" 2>"$T/err"
[ $? = 1 ] && grep -q "invalid --remote" "$T/err" || ok=0
if [ $ok = 1 ]; then pass "--remote misuse is refused"; else fail "--remote misuse: $(cat "$T/err")"; fi

summary remote
