#!/bin/sh
# Install every Debian package btap needs to build and test. Idempotent: it
# does nothing when everything is present. python3 runs the tapset
# reference generator (make docs) and, with python3-yaml, the deploy
# manifest checks; the output tier scrapes --metrics with curl and parses
# it with python3-prometheus-client; man-db reads the man pages in the docs tests;
# dpkg-dev and debhelper build the Debian package. qemu-system-x86,
# busybox-static, kmod, cpio and xz-utils run the VM tier (tests/vm/);
# gcc-12 builds the kmod runtime's modules for the VM's Debian 12 kernel
# (kbuild wants the compiler that built the kernel).
# openssh-server and openssh-client run the remote tier's sshd on loopback;
# systemtap-sdt-dev gives <sys/sdt.h> to the USDT test program; iproute2's
# ip(8) changes lo's MTU in a VM test; strace is the ptrace user of a live
# case (scheduler.wait_task); nfs-kernel-server (with nfs-common and
# rpcbind) serves and mounts NFS inside the VM for the nfsd.* cases. clang-19 (Debian 12 has it beside
# the default clang 14) is the one btap picks first: it compiles a
# syscall alias's BPF half ~15% faster.
set -e
PKGS="make gcc clang llvm libbpf-dev libelf-dev libdw-dev libkmod-dev zlib1g-dev libtcc-dev tcc
libzstd-dev pkg-config bpftool libclang-rt-14-dev clang-19
python3 python3-yaml python3-prometheus-client curl man-db dpkg-dev debhelper
qemu-system-x86 busybox-static kmod cpio xz-utils gcc-12 openssh-server openssh-client systemtap-sdt-dev iproute2 strace nfs-kernel-server"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all present"
	exit 0
fi
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
