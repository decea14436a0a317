# Loopback traffic for the netfilter tests: UDP over IPv4 and IPv6 to
# port 9931, a TCP connection to port 9932 (its SYN, then data); prints
# how many UDP datagrams each family received.
import socket
r4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r4.bind(("127.0.0.1", 9931))
r6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
r6.bind(("::1", 9931))
for r in (r4, r6):
    r.settimeout(0.3)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'ab"\\\x00\x7f', ("127.0.0.1", 9931))
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"six", ("::1", 9931))
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", 9932))
lst.listen(1)
c = socket.create_connection(("127.0.0.1", 9932))
a, _ = lst.accept()
c.sendall(b"tcp")
a.recv(10)
got = []
for r in (r4, r6):
    n = 0
    try:
        while True:
            r.recv(100)
            n += 1
    except socket.timeout:
        pass
    got.append(n)
print("received: ipv4 %d, ipv6 %d" % tuple(got))
