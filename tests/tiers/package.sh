#!/bin/sh
# The Debian package: dpkg-buildpackage builds it from a copy of the tree,
# its control file declares what btap needs at run time, and the .deb,
# unpacked into a temporary root with dpkg -x, runs there (-V, -p2) with the
# source tree hidden.
#
# To keep make check quick the copy carries this tree's optimized objects
# and the build runs with -nc (no clean), so make finds them up to date;
# BTAP_PACKAGE_FULL=1 builds the package from a clean copy instead.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-package.XXXXXX)
trap 'rm -rf "$T"' EXIT
VERSION=$(cat VERSION)

if ! command -v dpkg-buildpackage >/dev/null 2>&1 || ! command -v dh >/dev/null 2>&1; then
	skip "package: dpkg-buildpackage or dh missing (tests/install-deps.sh installs dpkg-dev, debhelper)"
	summary package
	exit $?
fi

mkdir "$T/src"
if [ -n "${BTAP_PACKAGE_FULL:-}" ]; then
	tar --exclude=./.git --exclude=./build --exclude=./btap -cf - . | tar -xf - -C "$T/src"
	NC=""
else
	tar --exclude=./.git --exclude=./build/san --exclude=./build/fuzz --exclude=./build/man \
		-cf - . | tar -xf - -C "$T/src"
	NC=-nc
fi
start=$(date +%s)
(cd "$T/src" && dpkg-buildpackage -b -us -uc $NC) >"$T/build.log" 2>&1
rc=$?
echo "package build: $(($(date +%s) - start)) s${NC:+ (objects reused)}"
DEB=$(ls "$T"/btap_"$VERSION"_*.deb 2>/dev/null | head -1)
if [ $rc = 0 ] && [ -f "$DEB" ]; then pass "dpkg-buildpackage -b"; else
	fail "dpkg-buildpackage (rc=$rc)"; tail -15 "$T/build.log"
	summary package
	exit $?
fi

# Declared run-time dependencies.
DEPS=$(dpkg-deb -f "$DEB" Depends)
for need in libbpf1 libelf1 clang libbpf-dev libc6-dev binutils; do
	case ", $DEPS," in
	*[\ \|]"$need"[\ ,]* | *[\ \|]"$need"\ \(*) pass "Depends names $need" ;;
	*) fail "Depends lacks $need: $DEPS" ;;
	esac
done

dpkg -x "$DEB" "$T/root"
BIN=$T/root/usr/bin/btap
# Every shared library the binary loads comes from a package it depends on.
undeclared=""
# Direct dependencies only (NEEDED): what those load in turn, their own
# packages bring.
needed=$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in $(ldd "$BIN" | awk -v n="$needed" 'BEGIN { split(n, a, "\n"); for (i in a) want[a[i]] = 1 } $3 ~ /^\// && ($1 in want) { print $3 }'); do
	pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
	[ -z "$pkg" ] && pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
	case ", $DEPS, libc6," in
	*" $pkg "* | *" $pkg,"*) ;;
	*) undeclared="$undeclared $lib($pkg)" ;;
	esac
done
if [ -z "$undeclared" ]; then pass "every linked library's package is in Depends"; else
	fail "libraries from packages not in Depends:$undeclared"
fi

run_hidden() {
	unshare -m sh -c 'mount -t tmpfs btap-hidden "$1" && shift && cd / && exec "$@"' \
		sh "$ROOT" env -i PATH=/usr/bin:/bin HOME="$T/home" "$@"
}
if "$BIN" -V 2>&1 | grep -q "^btap version $VERSION "; then pass "packaged btap -V"; else
	fail "packaged btap -V: $("$BIN" -V 2>&1 | head -1)"
fi
P2='probe syscall.openat { printf("%s %s\n", execname(), filename) }'
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	run_hidden "$BIN" -p2 -e "$P2" >"$T/p2.out" 2>&1
else
	skip "packaged btap with the tree hidden: needs root and unshare -m; running it in place"
	(cd / && env -i PATH=/usr/bin:/bin HOME="$T/home" "$BIN" -p2 -e "$P2") >"$T/p2.out" 2>&1
fi
if grep -q 'kernel.trace("syscalls:sys_enter_openat")' "$T/p2.out"; then pass "packaged btap -p2 with its own tapset"; else
	fail "packaged btap -p2"; head -5 "$T/p2.out"
fi
if MANPATH=$T/root/usr/share/man MANWIDTH=80 man 'probe::syscall.openat.return' 2>/dev/null | grep -q 'SYSCALL.OPENAT'; then
	pass "packaged man pages (compressed, .so links) read by man"
else
	fail "man probe::syscall.openat.return from the package"
fi
summary package
