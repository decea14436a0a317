#!/bin/sh
# Traffic for kmod/netfilter-arp-bridge: a bridge (the kernel's spanning
# tree on, a fixed address) with a dummy port, which sends its BPDUs from
# when it comes up, and once it forwards a datagram to an address behind it,
# whose ARP request goes out through the bridge (no one answers).
set -e
# the shortest delays: the port forwards 2 x 2 s after it came up (the
# bridge has no carrier before), its BPDUs every second
ip link add br9 type bridge stp_state 1 forward_delay 200 hello_time 100
ip link set br9 address 02:00:00:00:00:09
ip link add d9 type dummy
ip link set d9 master br9
ip link set d9 up
ip link set br9 up
ip addr add 10.99.0.1/24 dev br9
sleep 5
python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('10.99.0.2', 9))"
sleep 1
ip link del br9
ip link del d9
