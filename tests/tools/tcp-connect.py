# One TCP connection on the loopback to a listener of its own; prints the
# port (tests/tiers/tools.sh: tcpconnlat).
import socket, sys
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
c = socket.create_connection(("127.0.0.1", port)); c.close()
print(port)
