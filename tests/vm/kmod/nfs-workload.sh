#!/bin/sh
# Traffic for the NFS cases: an NFS server on loopback (rpcbind, exportfs,
# mountd, the kernel's nfsd) exporting a tmpfs, mounted as NFSv3 and as
# NFSv4.2, and on each mount the same file operations once: create and
# write 6 bytes (fsync: a COMMIT), read them back, seek, map, set flags
# and sendfile them (and lock them on NFSv3), look up a missing name,
# rename, remove; make and remove a directory. Files are named btapnfs-V-*
# so that the cases can tell them from the set-up's own traffic. All in
# the VM (its root is an overlay: writes stay there).
# A run cut short (a case's time limit) leaves the server up and the
# mounts in place: take all that down first, so that one slow case does
# not make the next ones fail too.
teardown() {
	umount -f /mnt/btapnfs3 /mnt/btapnfs4 2>/dev/null
	[ -d /proc/fs/nfsd ] && rpc.nfsd 0 2>/dev/null
	exportfs -ua 2>/dev/null
	pkill -x rpc.mountd
	pkill -x nfsdcld
	pkill -x rpcbind
	umount /srv/btapnfs 2>/dev/null
	rm -rf /var/lib/nfs/nfsdcld
	return 0
}
if grep -q btapnfs /proc/mounts || pgrep -x rpcbind >/dev/null; then
	echo "nfs-workload: taking down what an earlier run left" >&2
	teardown
fi
set -e
mkdir -p /srv/btapnfs /mnt/btapnfs3 /mnt/btapnfs4 /var/lib/nfs/v4recovery /run/rpcbind
mount -t tmpfs tmpfs /srv/btapnfs
mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
mkdir -p /run/rpc_pipefs
mountpoint -q /run/rpc_pipefs || mount -t rpc_pipefs sunrpc /run/rpc_pipefs
rpcbind -w
# NFSv4's grace period (90 s) holds every OPEN back: nfsdcld tells nfsd
# that no client has state to reclaim, which ends it at once; 10 s (the
# shortest) where it cannot
echo 10 >/proc/fs/nfsd/nfsv4gracetime
echo 10 >/proc/fs/nfsd/nfsv4leasetime
nfsdcld -p /run/rpc_pipefs || true
exportfs -o rw,no_root_squash,insecure,fsid=0,no_subtree_check 127.0.0.1:/srv/btapnfs
rpc.mountd
rpc.nfsd 2
mount -t nfs -o vers=3,nolock 127.0.0.1:/srv/btapnfs /mnt/btapnfs3
mount -t nfs -o vers=4.2 127.0.0.1:/ /mnt/btapnfs4
for v in 3 4; do
	d=/mnt/btapnfs$v
	python3 - "$d/btapnfs-$v-a" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o640)
os.write(fd, b"hello\n")
os.fsync(fd)
os.close(fd)
PY
	# a new open: the client revalidates and reads from the server
	echo 3 >/proc/sys/vm/drop_caches
	cat "$d/btapnfs-$v-a" >/dev/null
	# the other file operations, once each: seek, map, lock (NFSv3's,
	# local: nolock; an NFSv4 LOCK waits out Linux 6.12's grace period),
	# F_SETFL, sendfile
	python3 - "$d/btapnfs-$v-a" "$v" <<'PY'
import fcntl, mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.lseek(fd, 2, os.SEEK_SET)
m = mmap.mmap(fd, 6, prot=mmap.PROT_READ)
m.close()
if sys.argv[2] == "3":
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 6, 0)
    fcntl.lockf(fd, fcntl.LOCK_UN, 6, 0)
fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
out = os.open("/dev/null", os.O_WRONLY)
os.sendfile(out, fd, 0, 6)
os.close(out)
os.close(fd)
PY
	ls "$d/btapnfs-$v-missing" 2>/dev/null || true
	mv "$d/btapnfs-$v-a" "$d/btapnfs-$v-b"
	rm "$d/btapnfs-$v-b"
	mkdir "$d/btapnfs-$v-d"
	rmdir "$d/btapnfs-$v-d"
done
# everything down again: the VM tier runs this once per case and runtime
# in one boot
umount /mnt/btapnfs3 /mnt/btapnfs4
set +e
teardown
