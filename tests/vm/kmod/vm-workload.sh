# vm-oom-write.stp's workload: a private anonymous page at a fixed address
# read (the zero page mapped) then written (copied on write), and a
# python3 over its memory cgroup's 40 MiB limit (the OOM killer kills it).
python3 -c '
import ctypes
lib = ctypes.CDLL(None)
lib.mmap.restype = ctypes.c_void_p
p = lib.mmap(ctypes.c_void_p(0x7e0000000000), 8192, 3, 0x22 | 0x100000, -1, 0)
ctypes.c_char.from_address(p + 4096).value
ctypes.memset(p + 4096, 1, 1)
'
mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg && echo +memory >/tmp/cg/cgroup.subtree_control &&
	mkdir /tmp/cg/oom && echo 40M >/tmp/cg/oom/memory.max
sh -c 'echo $$ >/tmp/cg/oom/cgroup.procs; exec python3 -c "x = b\"x\" * (300 << 20)"' 2>/dev/null
echo "over the limit: exit $?" >&2
rmdir /tmp/cg/oom
umount /tmp/cg
