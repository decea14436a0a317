# A writev of two buffers to /dev/null, one UDP datagram over loopback, the
# sender connected and disconnected again (connect(2) to AF_UNSPEC) and a
# short sleep (sched-vfs-udp-aliases.stp).
import ctypes, os, socket, time
fd = os.open("/dev/null", os.O_WRONLY)
os.writev(fd, [b"abc", b"def"])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 0))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.sendto(b"hello", a.getsockname())
print(len(a.recv(100)))
b.connect(a.getsockname())
unspec = (ctypes.c_ubyte * 16)()  # sa_family 0: AF_UNSPEC
ctypes.CDLL(None).connect(b.fileno(), unspec, 16)
time.sleep(0.05)
