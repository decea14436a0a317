# Twenty 100-byte round trips over one TCP connection on the loopback;
# prints the listener's port (tests/tiers/tools.sh: tcprtt).
import socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
def serve():
    s, _ = srv.accept()
    for _ in range(20):
        d = s.recv(1000); s.sendall(d)
    s.close()
threading.Thread(target=serve).start()
c = socket.create_connection(("127.0.0.1", port))
for _ in range(20):
    c.sendall(b"x" * 100); c.recv(1000)
c.close()
print(port)
