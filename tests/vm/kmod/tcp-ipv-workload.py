# tcp-ipv-aliases.stp's workload: a TCP connection over IPv4 and one over
# IPv6 loopback, the client given TCP_NODELAY (and on IPv6 first
# IPV6_UNICAST_HOPS 7), a message each way.
import socket
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam)
    s.bind((host, 0))
    s.listen(1)
    c = socket.socket(fam)
    if fam == socket.AF_INET6:
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 7)
    c.connect(s.getsockname()[:2])
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    a, _ = s.accept()
    c.sendall(b"hi")
    a.recv(10)
