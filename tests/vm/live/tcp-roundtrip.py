# One TCP message each way over IPv4 and IPv6 loopback (tcp-vfs-aliases.stp).
import socket
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam); s.bind((host, 0)); s.listen(1)
    c = socket.create_connection(s.getsockname()[:2]); a, _ = s.accept()
    c.sendall(b"hello"); print(len(a.recv(100)))
