# The test VM, as shell functions (POSIX sh; source it after setting
# VM_HERE to tests/vm). A Debian kernel runs under qemu (TCG) with a
# busybox initramfs; the host's root is its root, read-only under a tmpfs
# overlay, so host programs, libraries and files are at the same paths.
#
#   vm_check            can a VM run here? else VM_WHY says why not
#   vm_prepare          kernel, initramfs and the guest's facts in the cache
#   vm_boot DIR SECS    run DIR/job.sh in the VM: DIR/job.{out,err,rc},
#                       the serial console in DIR/console.log
#   vm_facts_exec CMD…  run CMD on the host as if on the guest's kernel
#                       (its BTF, tracefs and config bind-mounted)
#   vm_split_args ARGS… btap's arguments: for pass 4 here, for the run there
#
# The cache ($BTAP_VM_CACHE, default ~/.cache/btap-vm) holds one directory
# per kernel release: the parts of the kernel package the VM needs, the
# facts read from a booted guest, the initramfs and the activity helper.
# Everything is made from scratch when missing; a lock file keeps
# concurrent runs from building the same thing twice.

VM_CACHE=${BTAP_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/btap-vm}
VM_MEM=${BTAP_VM_MEM:-1024}
# Modules /init loads (their dependencies are found with modinfo); dummy
# and bridge for the netfilter ARP and bridge cases; nfsd and the NFS
# client (v3, v4) for the nfs.*, nfsd.* and sunrpc.* aliases, served and
# mounted over loopback inside the VM.
VM_MODULES="virtio_pci 9pnet_virtio 9p overlay dummy bridge nfsd nfsv3 nfsv4 af_alg algif_hash"
VM_WHY=

vm_log() { [ -n "$VM_QUIET" ] || echo "btap-vm: $*" >&2; }

vm_now() { date +%s.%N; }
# vm_since START: seconds since START, one decimal
vm_since() { awk -v a="$1" -v b="$(vm_now)" 'BEGIN { printf "%.1f", b - a }'; }

vm_check() {
	for _t in qemu-system-x86_64 busybox cpio modinfo dpkg-deb apt-get unshare timeout cc flock; do
		if ! command -v "$_t" >/dev/null 2>&1; then
			VM_WHY="$_t is not installed (tests/install-deps.sh installs it)"
			return 1
		fi
	done
	if ! busybox --list >/dev/null 2>&1 || ldd "$(command -v busybox)" >/dev/null 2>&1; then
		VM_WHY="busybox is not the static build (package busybox-static)"
		return 1
	fi
	[ "$(id -u)" = 0 ] || { VM_WHY="needs root (mount namespaces for the guest's facts)"; return 1; }
	return 0
}

# The kernel release to use: $BTAP_VM_KERNEL, else one already cached of
# the meta-package $BTAP_VM_META (default linux-image-amd64: Debian 12's
# 6.1; linux-image-6.12-amd64 its newer one), else the one that
# meta-package depends on now.
VM_META=${BTAP_VM_META:-linux-image-amd64}
vm_meta_release() {
	apt-cache depends "$VM_META" 2>/dev/null | sed -n 's/.*Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -1
}
vm_pick_release() {
	if [ -n "$BTAP_VM_KERNEL" ]; then
		VM_KREL=$BTAP_VM_KERNEL
		return 0
	fi
	# a cached release of the meta-package's series (6.1.0-57-amd64 for
	# linux-image-amd64, 6.12.*-amd64 for linux-image-6.12-amd64)
	series=$(echo "$VM_META" | sed -n 's/^linux-image-\([0-9][0-9.]*\)-amd64$/\1/p')
	for d in "$VM_CACHE"/kernel-*/.complete; do
		[ -f "$d" ] || continue
		r=$(basename "$(dirname "$d")")
		r=${r#kernel-}
		case "$r" in
		"${series:-6.1}".*) VM_KREL=$r ;;
		esac
	done
	[ -n "$VM_KREL" ] && return 0
	dep=$(vm_meta_release)
	if [ -z "$dep" ]; then
		apt-get update -qq >/dev/null 2>&1
		dep=$(vm_meta_release)
	fi
	if [ -z "$dep" ]; then
		VM_WHY="apt knows no $VM_META package (no Debian archive configured?)"
		return 1
	fi
	VM_KREL=$dep
}

# vm_download DIR PACKAGE…: a fresh DIR with the packages' .debs in DIR/deb
# (VM_WHY says why not).
vm_download() {
	_d=$1
	shift
	rm -rf "$_d" && mkdir -p "$_d/deb" || return 1
	if ! (cd "$_d/deb" && apt-get download -q "$@" >"$_d/deb/log" 2>&1); then
		VM_WHY="apt-get download $* failed: $(tail -1 "$_d/deb/log")"
		return 1
	fi
}

# Download the kernel package and keep what the VM needs: the kernel, its
# config and System.map, and the modules /init loads (with their deps).
# The package's parts kept (a cached kernel of another list is fetched
# again). fs/fscache is part of fs/netfs from Linux 6.12: a pattern may
# match nothing, what the VM needs is checked below.
VM_KERNEL_PARTS="./boot/* ./lib/modules/*/modules.builtin ./lib/modules/*/kernel/fs/9p/*
./lib/modules/*/kernel/fs/overlayfs/* ./lib/modules/*/kernel/fs/netfs/* ./lib/modules/*/kernel/fs/fscache/*
./lib/modules/*/kernel/net/9p/* ./lib/modules/*/kernel/drivers/virtio/* ./lib/modules/*/kernel/drivers/net/dummy.ko*
./lib/modules/*/kernel/net/bridge/bridge.ko* ./lib/modules/*/kernel/net/802/* ./lib/modules/*/kernel/net/llc/*
./lib/modules/*/kernel/fs/nfs/* ./lib/modules/*/kernel/fs/nfsd/* ./lib/modules/*/kernel/fs/lockd/*
./lib/modules/*/kernel/fs/nfs_common/* ./lib/modules/*/kernel/net/sunrpc/* ./lib/modules/*/kernel/net/dns_resolver/*
./lib/modules/*/kernel/crypto/af_alg.ko* ./lib/modules/*/kernel/crypto/algif_hash.ko*"
vm_fetch_kernel() {
	K=$VM_CACHE/kernel-$VM_KREL
	[ -f "$K/.complete" ] && [ "$(cat "$K/.complete")" = "$VM_KERNEL_PARTS" ] && return 0
	vm_log "fetching linux-image-$VM_KREL into $K"
	t0=$(vm_now)
	vm_download "$K" "linux-image-$VM_KREL" || return 1
	# shellcheck disable=SC2086 # the patterns are words, for tar
	_deb=$(ls "$K"/deb/*.deb)
	(set -f; dpkg-deb --fsys-tarfile "$_deb" | tar -x -C "$K" --wildcards $VM_KERNEL_PARTS) 2>"$K/tar.log"
	if [ -z "$(find "$K/lib/modules" -name '9p.ko*' 2>/dev/null)" ]; then
		VM_WHY="cannot unpack linux-image-$VM_KREL: $(grep -v 'Not found in archive' "$K/tar.log" | head -1)"
		return 1
	fi
	rm -rf "$K/deb"
	if [ ! -f "$K/boot/vmlinuz-$VM_KREL" ]; then
		VM_WHY="linux-image-$VM_KREL has no boot/vmlinuz-$VM_KREL"
		return 1
	fi
	echo "$VM_KERNEL_PARTS" >"$K/.complete"
	vm_log "kernel $VM_KREL ready in $(vm_since "$t0") s"
}

# The guest kernel's build tree, for the kmod runtime's modules (btap
# --runtime=kmod -r $VM_KBUILD): Debian's headers packages of that release
# (arch and common) and its kbuild tools, unpacked into the VM cache.
# VM_KBUILD is the build directory (/lib/modules/KREL/build of a guest).
# Under the cache's lock, as vm_prepare.
vm_fetch_headers() { vm_under_lock vm_unpack_headers; }

# vm_under_lock FUNC: FUNC holding the lock of the kernel release
# (VM_KREL; the whole cache's before one is picked), so that the VM tiers
# of two kernels prepare side by side.
vm_under_lock() {
	exec 8>"$VM_CACHE/.lock${VM_KREL:+-$VM_KREL}"
	flock 8
	"$@"
	_rc=$?
	flock -u 8
	exec 8>&-
	return $_rc
}

vm_unpack_headers() {
	H=$VM_CACHE/headers-$VM_KREL
	VM_KBUILD=$H/usr/src/linux-headers-$VM_KREL
	[ -f "$H/.complete" ] && return 0
	vm_log "fetching the headers of $VM_KREL into $H"
	t0=$(vm_now)
	common=$(echo "$VM_KREL" | sed 's/-[a-z0-9]*$/-common/')
	# linux-kbuild-6.1 (Debian 12's own kernel), linux-kbuild-6.12.107+deb12
	# (its newer ones: the release without its flavour)
	kbuild=linux-kbuild-${VM_KREL%-*}
	apt-cache show "$kbuild" >/dev/null 2>&1 || kbuild=linux-kbuild-$(echo "$VM_KREL" | cut -d. -f1-2)
	vm_download "$H" "linux-headers-$VM_KREL" "linux-headers-$common" "$kbuild" || return 1
	for deb in "$H"/deb/*.deb; do
		dpkg-deb -x "$deb" "$H" || { VM_WHY="cannot unpack $deb"; return 1; }
	done
	rm -rf "$H/deb"
	# The packages link scripts and tools through absolute paths
	# (/usr/src/..., /usr/lib/linux-kbuild-X): point them into the cache.
	find "$H" -type l | while read -r l; do
		t=$(readlink "$l")
		case "$t" in /*) ln -sfn "$H$t" "$l" ;; esac
	done
	sed -i "s|/usr/src/|$H/usr/src/|" "$VM_KBUILD/Makefile"
	if [ ! -f "$VM_KBUILD/Makefile" ]; then
		VM_WHY="the headers of $VM_KREL have no $VM_KBUILD/Makefile"
		return 1
	fi
	touch "$H/.complete"
	vm_log "headers of $VM_KREL ready in $(vm_since "$t0") s"
}

# The guest kernel's debuginfo (for kernel.function("NAME@FILE") and
# --debuginfo): Debian's linux-image-KREL-dbg, of which only the vmlinux
# and the modules the VM loads are kept, in the layout of /usr/lib/debug.
# VM_DEBUGINFO is that directory. Under the cache's lock, as vm_prepare.
vm_fetch_debuginfo() { vm_under_lock vm_unpack_debuginfo; }

vm_unpack_debuginfo() {
	G=$VM_CACHE/debuginfo-$VM_KREL
	VM_DEBUGINFO=$G/usr/lib/debug
	[ -f "$G/.complete" ] && return 0
	vm_log "fetching the debuginfo of $VM_KREL into $G (about 850 MB, of which 650 MB are kept)"
	t0=$(vm_now)
	vm_download "$G" "linux-image-$VM_KREL-dbg" || return 1
	# the vmlinux, and overlay.ko (the VM's root is an overlay)
	if ! dpkg-deb --fsys-tarfile "$G"/deb/*.deb |
		tar -x -C "$G" --wildcards "./usr/lib/debug/boot/vmlinux-$VM_KREL" "*/overlayfs/overlay.ko" 2>"$G/deb/log" ||
		[ ! -f "$VM_DEBUGINFO/boot/vmlinux-$VM_KREL" ]; then
		VM_WHY="cannot unpack the vmlinux of linux-image-$VM_KREL-dbg: $(tail -1 "$G/deb/log")"
		return 1
	fi
	rm -rf "$G/deb"
	touch "$G/.complete"
	vm_log "debuginfo of $VM_KREL ready in $(vm_since "$t0") s"
}

# Module load order: each module after its dependencies.
vm_module_order() {
	_seen=" "
	_visit() {
		case "$_seen" in *" $1 "*) return ;; esac
		_seen="$_seen$1 "
		# built in (virtio_pci from 6.12), or a file (compressed from 6.12)
		grep -q "/$1\.ko\$" "$K"/lib/modules/*/modules.builtin 2>/dev/null && return
		_f=$(find "$K/lib/modules" -name "$1.ko" -o -name "$1.ko.xz" | head -1)
		[ -n "$_f" ] || { echo "missing-module-$1"; return; }
		for _d in $(modinfo -F depends "$_f" | tr ',' ' '); do
			_visit "$_d"
		done
		echo "$1"
	}
	for m in $VM_MODULES; do
		_visit "$m"
	done
}

# The initramfs: busybox, the modules and /init. Rebuilt when its inputs
# change (named by a hash of them).
vm_initramfs() {
	hash=$( (cat "$VM_HERE/init" "$(command -v busybox)"; echo "$VM_MODULES") | sha256sum | cut -c1-16)
	VM_INITRD=$K/initramfs-$hash.cpio.gz
	[ -f "$VM_INITRD" ] && return 0
	d=$(mktemp -d) || return 1
	mkdir -p "$d/bin" "$d/modules"
	cp "$(command -v busybox)" "$d/bin/busybox"
	cp "$VM_HERE/init" "$d/init" && chmod 755 "$d/init"
	vm_module_order >"$d/modules/order"
	if grep -q '^missing-module-' "$d/modules/order"; then
		VM_WHY="the kernel package lacks $(grep '^missing-module-' "$d/modules/order" | head -1 | cut -c16-)"
		rm -rf "$d"
		return 1
	fi
	while read -r m; do
		f=$(find "$K/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
		case "$f" in
		*.xz) xz -dc "$f" >"$d/modules/$m.ko" ;;
		*) cp "$f" "$d/modules/" ;;
		esac
	done <"$d/modules/order"
	rm -f "$K"/initramfs-*.cpio.gz
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$VM_INITRD.tmp" &&
		mv "$VM_INITRD.tmp" "$VM_INITRD"
	rm -rf "$d"
	[ -f "$VM_INITRD" ]
}

# The background reader, built once per source change.
vm_activity() {
	hash=$(sha256sum "$VM_HERE/activity.c" | cut -c1-16)
	VM_ACTIVITY=$VM_CACHE/activity-$hash
	[ -x "$VM_ACTIVITY" ] && return 0
	cc -O2 -o "$VM_ACTIVITY.$$" "$VM_HERE/activity.c" && mv "$VM_ACTIVITY.$$" "$VM_ACTIVITY"
}

# vm_boot DIR SECS: boot, run DIR/job.sh, power off. DIR must be an
# absolute path; it is the exchange directory, at the same path inside.
# Returns 0 when the job ran to its end (its status is in DIR/job.rc), 1
# when the VM failed or timed out (DIR/console.log says what happened).
vm_boot() {
	_dir=$1 _secs=$2
	[ -x "$VM_ACTIVITY" ] && cp "$VM_ACTIVITY" "$_dir/activity"
	rm -f "$_dir/job.rc"
	# -no-reboot: a panic or reboot ends qemu; timeout bounds every boot,
	# and the trap in the caller kills it if the caller is stopped.
	timeout -k 5 "$_secs" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m "$VM_MEM" \
		-no-user-config -nodefaults -display none -no-reboot \
		-serial "file:$_dir/console.log" \
		-kernel "$K/boot/vmlinuz-$VM_KREL" -initrd "$VM_INITRD" \
		-append "console=ttyS0 quiet panic=-1 lsm=lockdown,yama,bpf btapvm.x=$_dir" \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
		-fsdev "local,id=xchg,path=$_dir,security_model=none,multidevs=remap" \
		-device virtio-9p-pci,fsdev=xchg,mount_tag=xchg \
		>"$_dir/qemu.log" 2>&1 &
	VM_QEMU_PID=$!
	wait "$VM_QEMU_PID"
	_rc=$?
	VM_QEMU_PID=
	if [ "$_rc" = 124 ] || [ "$_rc" = 137 ]; then
		echo "btap-vm: the VM did not finish within $_secs s" >>"$_dir/console.log"
		return 1
	fi
	[ -f "$_dir/job.rc" ]
}

# Kill a VM still running (from a trap).
vm_kill() {
	[ -n "$VM_QEMU_PID" ] && kill "$VM_QEMU_PID" 2>/dev/null
	VM_QEMU_PID=
}

# The guest's facts, read from a booted guest once: its BTF (vmlinux and
# the loaded modules), the tracefs catalog (events' format and id files,
# available_events, available_filter_functions), /sys/kernel/notes,
# /proc/kallsyms and its config. vm_facts_exec binds them where btap
# looks, so passes 1-4 on the host see the guest's kernel.
vm_facts() {
	F=$K/facts
	# read again when the modules the VM loads change (their BTF is a fact)
	[ -f "$F/.complete" ] && [ "$(cat "$F/.complete")" = "$VM_MODULES" ] && return 0
	vm_log "reading the facts of kernel $VM_KREL from a booted guest"
	t0=$(vm_now)
	x=$(mktemp -d /tmp/btap-vm-facts.XXXXXX) || return 1
	cat >"$x/job.sh" <<'EOF'
set -e
t=/run/facts
mkdir -p $t/btf $t/tracing
cp /sys/kernel/btf/* $t/btf/
cd /sys/kernel/tracing
cp available_events available_filter_functions $t/tracing/
find events -name format -o -name id | xargs cp --parents -t $t/tracing
cp /sys/kernel/notes $t/notes
cp /proc/kallsyms $t/kallsyms
uname -r >$t/release
cd $t && tar -cf "$(dirname "$0")/facts.tar" .
EOF
	if ! vm_boot "$x" 300 || [ "$(cat "$x/job.rc")" != 0 ]; then
		VM_WHY="the guest could not report its facts: $(tail -3 "$x/console.log" "$x/job.err" 2>/dev/null | tr '\n' ' ')"
		rm -rf "$x"
		return 1
	fi
	rm -rf "$F" && mkdir -p "$F/boot" && tar -xf "$x/facts.tar" -C "$F" || return 1
	rm -rf "$x"
	cp "$K/boot/config-$VM_KREL" "$F/boot/"
	echo "$VM_MODULES" >"$F/.complete"
	vm_log "facts ready in $(vm_since "$t0") s"
}

vm_prepare() {
	vm_check || return 1
	mkdir -p "$VM_CACHE" || { VM_WHY="cannot create $VM_CACHE"; return 1; }
	# the release under the cache's lock (apt-get update), the rest under
	# the release's own
	VM_KREL=${BTAP_VM_KERNEL:-}
	vm_under_lock vm_pick_release || return 1
	exec 9>"$VM_CACHE/.lock-$VM_KREL"
	flock 9
	_ok=0
	vm_fetch_kernel && vm_initramfs && vm_activity && vm_facts && _ok=1
	flock -u 9
	exec 9>&-
	[ "$_ok" = 1 ]
}

# vm_facts_exec CMD ARGS…: CMD in a private mount namespace where the
# guest's BTF, tracefs, notes, kallsyms and config replace the host's.
# Pass -r "$VM_KREL" to btap so that it reads that config.
vm_facts_exec() {
	unshare -m --propagation private sh -c '
		F=$1; shift
		mount --bind "$F/btf" /sys/kernel/btf &&
		mount --bind "$F/tracing" /sys/kernel/tracing &&
		mount --bind "$F/notes" /sys/kernel/notes &&
		mount --bind "$F/kallsyms" /proc/kallsyms &&
		mount --bind "$F/boot" /boot || exit 125
		exec "$@"' vm-facts "$F" "$@"
}

# vm_q WORD: WORD quoted for sh.
vm_q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# vm_split_args ARGS…: sort btap's arguments into what pass 4 needs
# (VM_COMPILE: all but -o, -c, -x, -T) and what `btap --run` needs in the
# VM (VM_RUN: -c, -x, -G, -d, -T, -D, -v, -w, -b and the script's arguments), both
# quoted for eval. Also sets VM_PASS (-p), VM_OUT (-o), VM_TSECS (-T),
# VM_LISTING (-l/-L), VM_INFO (-V/-h), VM_HAVE_R (-r).
vm_split_args() {
	VM_COMPILE= VM_RUN= VM_PASS=5 VM_OUT= VM_TSECS=0 VM_LISTING= VM_INFO= VM_HAVE_R=
	_script=
	while [ $# -gt 0 ]; do
		_a=$1
		shift
		if [ -n "$_script" ]; then
			_add_c "$_a"
			_add_r "$_a"
			continue
		fi
		case "$_a" in
		--run|--run=*) echo "btap-vm: --run is what btap-vm does itself" >&2; return 1 ;;
		--runtime|--format|--metrics|--compatible|--kfunc|--debuginfo)
			[ $# -gt 0 ] || { echo "btap-vm: $_a needs a value" >&2; return 1; }
			_add_c "$_a=$1"; _add_r "$_a=$1"; shift; continue ;;
		--*) _add_c "$_a"; _add_r "$_a"; continue ;;
		-) _script=1; _add_c "$_a"; continue ;;
		-*) ;;
		*) _script=1; _add_c "$_a"; continue ;;
		esac
		# A cluster of short options (-vv, -p4, -c CMD, -T5).
		_rest=${_a#-}
		while [ -n "$_rest" ]; do
			_o=$(printf '%s' "$_rest" | cut -c1)
			_rest=${_rest#?}
			case "$_o" in
			e|p|o|c|x|I|D|G|d|m|r|T|s|l|L)
				if [ -n "$_rest" ]; then
					_v=$_rest
					_rest=
				else
					[ $# -gt 0 ] || { echo "btap-vm: -$_o needs a value" >&2; return 1; }
					_v=$1
					shift
				fi
				case "$_o" in
				p) VM_PASS=$_v; _add_c "-p$_v" ;;
				o) VM_OUT=$_v ;;
				c|x|G|d) _add_r "-$_o"; _add_r "$_v" ;;
				T) VM_TSECS=$_v; _add_r "-T"; _add_r "$_v" ;;
				D|s) _add_c "-$_o"; _add_c "$_v"; _add_r "-$_o"; _add_r "$_v" ;;
				l|L) VM_LISTING=1; _add_c "-$_o"; _add_c "$_v" ;;
				e) _script=1; _add_c "-e"; _add_c "$_v" ;;
				r) VM_HAVE_R=1; _add_c "-r"; _add_c "$_v" ;;
				*) _add_c "-$_o"; _add_c "$_v" ;;
				esac
				;;
			V|h) VM_INFO=1; _add_c "-$_o" ;;
			v|w|b) _add_c "-$_o"; _add_r "-$_o" ;;
			*) _add_c "-$_o" ;;
			esac
		done
	done
}
_add_c() { VM_COMPILE="$VM_COMPILE $(vm_q "$1")"; }
_add_r() { VM_RUN="$VM_RUN $(vm_q "$1")"; }
