#!/bin/sh
# Install btap, or remove what an install put there.
#
#   build-aux/install.sh install|uninstall      (from the top of the tree)
#
# PREFIX (default /usr/local) and DESTDIR (a staging root, default none)
# come from the environment; `make install` and `make uninstall` pass them.
# Layout, fixed because the installed binary finds its data from its own
# location (translator/paths.h):
#   PREFIX/bin/btap
#   PREFIX/share/btap/tapset/...      the tapset library
#   PREFIX/share/btap/runtime/...     headers generated code compiles against
#   PREFIX/share/man/man1/btap.1, man7/btap-probes.7, man3/*.3btap
#   PREFIX/share/bash-completion/completions/btap
# Every file written, and every directory the install created, is listed in
# PREFIX/share/btap/installed-files; uninstall removes exactly those.
set -eu

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
DATA=$PREFIX/share/btap
MAN=$PREFIX/share/man
COMP=$PREFIX/share/bash-completion/completions
MANIFEST=$DATA/installed-files
MAN3_BUILT=build/man/man3

die() { echo "install.sh: $*" >&2; exit 1; }

# mkdirs DIR: create DIR (under DESTDIR) and its missing parents, noting
# each one created so that uninstall can take it away again.
mkdirs() {
	[ -d "$DESTDIR$1" ] && return 0
	if [ "$1" = / ]; then mkdir -p "$DESTDIR"; return 0; fi
	mkdirs "$(dirname "$1")"
	mkdir "$DESTDIR$1"
	echo "D $1" >>"$LIST"
}

# put MODE DIR FILE...: copy FILEs into DIR, in one install(1) call.
put() {
	mode=$1 dir=$2
	shift 2
	[ $# -gt 0 ] || return 0
	mkdirs "$dir"
	install -m "$mode" "$@" "$DESTDIR$dir/"
	for f in "$@"; do
		echo "F $dir/${f##*/}"
	done >>"$LIST"
}

# put_tree SRCDIR DEST SUFFIX...: the files under SRCDIR whose names end
# in a SUFFIX, at the same places under DEST.
put_tree() {
	src=$1 dest=$2
	shift 2
	for d in $(find "$src" -type d | LC_ALL=C sort); do
		files=""
		for f in "$d"/*; do
			for suffix in "$@"; do
				case $f in *"$suffix") [ -f "$f" ] && files="$files $f" ;; esac
			done
		done
		# shellcheck disable=SC2086
		put 0644 "$dest${d#"$src"}" $files
	done
}

# The manifest: files, then directories deepest first, so that uninstall
# removes in order. Written even when the install stops half way.
write_manifest() {
	{ grep '^F ' "$LIST" | LC_ALL=C sort -u; grep '^D ' "$LIST" | LC_ALL=C sort -ru; } >"$DESTDIR$MANIFEST"
	chmod 0644 "$DESTDIR$MANIFEST"
	rm -f "$LIST"
}

do_install() {
	[ -x btap ] || die "no ./btap: run make first"
	ls "$MAN3_BUILT"/*.3btap >/dev/null 2>&1 || die "no $MAN3_BUILT: run make man first"
	LIST=$(mktemp)
	# Directories an earlier install created stay listed.
	if [ -f "$DESTDIR$MANIFEST" ]; then
		grep '^D ' "$DESTDIR$MANIFEST" >>"$LIST" || true
	fi
	mkdirs "$DATA"
	echo "F $MANIFEST" >>"$LIST"
	trap write_manifest EXIT
	put 0755 "$PREFIX/bin" btap
	put_tree tapset "$DATA/tapset" .stp .stpm
	put_tree runtime "$DATA/runtime" .h
	put 0644 "$MAN/man1" docs/man/btap.1
	put 0644 "$MAN/man7" docs/man/btap-probes.7
	put 0644 "$MAN/man3" "$MAN3_BUILT"/*.3btap
	# The completion file is named after the command it completes.
	mkdirs "$COMP"
	install -m 0644 completion/btap.bash "$DESTDIR$COMP/btap"
	echo "F $COMP/btap" >>"$LIST"
	echo "installed btap under $DESTDIR$PREFIX ($(grep -c '^F ' "$LIST") files)"
}

do_uninstall() {
	[ -f "$DESTDIR$MANIFEST" ] || die "$DESTDIR$MANIFEST not found: nothing installed there"
	LIST=$(mktemp)
	trap 'rm -f "$LIST"' EXIT
	cp "$DESTDIR$MANIFEST" "$LIST"
	sed -n 's/^F //p' "$LIST" | while read -r path; do
		printf '%s\0' "$DESTDIR$path"
	done | xargs -0 rm -f
	n=$(grep -c '^F ' "$LIST")
	# Directories it created, deepest first; one still holding something
	# that was not installed stays.
	sed -n 's/^D //p' "$LIST" | while read -r path; do
		rmdir "$DESTDIR$path" 2>/dev/null || true
	done
	echo "removed $n files from $DESTDIR$PREFIX"
}

case ${1:-} in
install) do_install ;;
uninstall) do_uninstall ;;
*) die "usage: build-aux/install.sh install|uninstall" ;;
esac
