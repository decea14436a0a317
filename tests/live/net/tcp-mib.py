# Loopback TCP for the tcpmib test: a connection to port 9941 closed in
# order, one the client resets (SO_LINGER 0), and a connect to port 9943,
# where nothing listens; prints what the client saw.
import socket, struct, time
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", 9941))
lst.listen(4)
# in order: both ends read the other's end before closing
c = socket.create_connection(("127.0.0.1", 9941))
a, _ = lst.accept()
c.sendall(b"mib")
a.recv(10)
c.shutdown(socket.SHUT_WR)
a.recv(10)
a.close()
c.recv(10)
c.close()
# reset by the client
c = socket.create_connection(("127.0.0.1", 9941))
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
time.sleep(0.1)
a, _ = lst.accept()
try:
    a.recv(10)
except ConnectionResetError:
    print("server: reset")
a.close()
# refused
try:
    socket.create_connection(("127.0.0.1", 9943))
except ConnectionRefusedError:
    print("client: refused")
