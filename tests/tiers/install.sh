#!/bin/sh
# make install / make uninstall: everything lands under DESTDIR/PREFIX, the
# installed btap runs a live script with the source tree out of reach (a
# private mount namespace hides it), and uninstall leaves nothing behind
# that it did not find there.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
DEST=$T/root
PREFIX=/usr/local
BIN=$DEST$PREFIX/bin/btap

make -s install DESTDIR="$DEST" PREFIX="$PREFIX" >"$T/make.out" 2>&1 || {
	fail "make install"; tail -5 "$T/make.out"
}
missing=""
for f in bin/btap share/btap/tapset/context.stp share/btap/tapset/macros.stpm \
	share/btap/runtime/bpf/btap_bpf.h share/btap/runtime/user/btap_user.h \
	share/btap/runtime/btap_program.h share/man/man1/btap.1 share/man/man7/btap-probes.7 \
	'share/man/man3/function::execname.3btap' 'share/man/man3/probe::syscall.openat.3btap' \
	'share/man/man3/tapset::syscalls.3btap' share/bash-completion/completions/btap; do
	[ -f "$DEST$PREFIX/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ] && [ -x "$BIN" ]; then pass "install: files in place"; else fail "install: missing$missing"; fi

# Every file installed is in the manifest, and nothing else is.
MANIFEST=$DEST$PREFIX/share/btap/installed-files
(cd "$DEST" && find . -type f | sed 's/^\.//' | LC_ALL=C sort) >"$T/found"
sed -n 's/^F //p' "$MANIFEST" 2>/dev/null | LC_ALL=C sort >"$T/listed"
if cmp -s "$T/found" "$T/listed"; then pass "install: manifest lists every file"; else
	fail "install: manifest and files differ"; diff "$T/listed" "$T/found" | head -5
fi

# run_hidden CMD...: CMD in a mount namespace where the source tree is an
# empty tmpfs, from /, with an environment that names nothing of the tree.
run_hidden() {
	unshare -m sh -c 'mount -t tmpfs btap-hidden "$1" && shift && cd / && exec "$@"' \
		sh "$ROOT" env -i PATH=/usr/bin:/bin HOME="$T/home" "$@"
}
PROG='probe kernel.trace("sched:sched_process_exec") { if (execname() == "true") { printf("exec %s\n", execname()); exit() } }'
if ! unshare -m true 2>/dev/null; then
	skip "installed btap away from the tree: no mount namespaces here (unshare -m)"
elif [ "$(id -u)" != 0 ]; then
	skip "installed btap away from the tree: needs root"
else
	run_hidden "$BIN" -c /bin/true -e "$PROG" >"$T/run.out" 2>&1
	rc=$?
	if [ $rc = 0 ] && [ "$(cat "$T/run.out")" = "exec true" ]; then
		pass "installed btap runs a tracepoint script without the tree"
	else
		fail "installed btap without the tree (rc=$rc)"; head -5 "$T/run.out"
	fi
	run_hidden "$BIN" -p2 -e 'probe syscall.openat { println(filename) }' >"$T/p2.out" 2>&1
	if grep -q 'sys_enter_openat' "$T/p2.out"; then pass "installed btap finds its tapset"; else
		fail "installed btap -p2 syscall.openat"; head -5 "$T/p2.out"
	fi
	# Control: with the installed data moved away, the same binary fails,
	# so the runs above did use it.
	mv "$DEST$PREFIX/share/btap" "$T/moved"
	run_hidden "$BIN" -p2 -e 'probe begin { println(pid()) }' >"$T/ctl.out" 2>&1
	rc=$?
	mv "$T/moved" "$DEST$PREFIX/share/btap"
	if [ $rc != 0 ] && grep -q 'tapset' "$T/ctl.out"; then pass "without its data the installed btap says so"; else
		fail "installed btap without share/btap (rc=$rc)"; head -3 "$T/ctl.out"
	fi
fi

# $BTAP_TAPSET_DIR replaces the tapset: a function only it defines
# resolves, and one only the real tapset defines does not.
mkdir "$T/alt"
echo 'function only_here:long () { return 7 }' >"$T/alt/alt.stp"
if BTAP_TAPSET_DIR=$T/alt "$BIN" -p2 -e 'probe begin { println(only_here()) }' >/dev/null 2>&1 &&
	! BTAP_TAPSET_DIR=$T/alt "$BIN" -p2 -e 'probe begin { println(execname()) }' >/dev/null 2>&1; then
	pass "BTAP_TAPSET_DIR replaces the tapset"
else
	fail "BTAP_TAPSET_DIR"
fi

# A man page from the install is readable by man(1).
if command -v man >/dev/null 2>&1; then
	if MANPATH=$DEST$PREFIX/share/man MANWIDTH=80 man 'probe::syscall.openat.return' 2>&1 | grep -q 'SYSCALL.OPENAT'; then
		pass "man finds an installed tapset page"
	else
		fail "man probe::syscall.openat.return from the install"
	fi
fi

# Uninstall removes all of it: DESTDIR is empty again.
make -s uninstall DESTDIR="$DEST" PREFIX="$PREFIX" >"$T/make.out" 2>&1
left=$(cd "$DEST" && find . -mindepth 1 | head -5)
if [ -z "$left" ]; then pass "uninstall leaves nothing"; else fail "uninstall left: $left"; fi

# Installing twice over a tree with things of its own: uninstall takes away
# exactly what was installed, the rest stays.
mkdir -p "$DEST$PREFIX/share/man/man1" "$DEST$PREFIX/bin"
echo other >"$DEST$PREFIX/share/man/man1/other.1"
echo other >"$DEST$PREFIX/bin/other"
make -s install DESTDIR="$DEST" PREFIX="$PREFIX" >/dev/null 2>&1
make -s install DESTDIR="$DEST" PREFIX="$PREFIX" >/dev/null 2>&1
make -s uninstall DESTDIR="$DEST" PREFIX="$PREFIX" >/dev/null 2>&1
left=$(cd "$DEST" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
want="./usr ./usr/local ./usr/local/bin ./usr/local/bin/other ./usr/local/share ./usr/local/share/man ./usr/local/share/man/man1 ./usr/local/share/man/man1/other.1 "
if [ "$left" = "$want" ]; then pass "uninstall keeps what it did not install"; else fail "after reinstall+uninstall: $left"; fi

summary install
