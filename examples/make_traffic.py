#!/usr/bin/env python3
"""make_traffic.py — writes traffic.pcap, the capture bundled with the README's
example: a mix of IPv4/IPv6, TCP/UDP/ICMP, ARP, a VLAN-tagged frame and a runt,
from a few sources, some of it to port 8080 (the example program blocks it).
Deterministic: the same file every time. Run: python3 make_traffic.py"""
import struct

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def eth(dst, src, proto, payload, vlan=None):
    h = bytes(dst) + bytes(src)
    if vlan is not None:
        h += struct.pack('!HH', 0x8100, vlan)
    return h + struct.pack('!H', proto) + payload

def ipv4(src, dst, proto, payload, ttl=64):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0x1234, 0x4000, ttl, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def ipv6(src, dst, nh, payload):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nh, 64, bytes(src), bytes(dst)) + payload

def tcp(sport, dport, flags=0x18, data=b''):
    return struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0) + data

def udp(sport, dport, data=b''):
    return struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data

MAC_A = [0x02, 0, 0, 0, 0, 0xa]; MAC_B = [0x02, 0, 0, 0, 0, 0xb]
H1 = [10, 0, 0, 1]; H2 = [10, 0, 0, 2]; H3 = [192, 168, 1, 7]; SRV = [10, 0, 0, 100]
V6A = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]; V6S = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [0x64]

pkts = []
for i in range(6):
    pkts.append(eth(MAC_B, MAC_A, 0x0800, ipv4(H1, SRV, 6, tcp(40000 + i, 443, data=b'x' * (i * 10)))))
for i in range(3):
    pkts.append(eth(MAC_B, MAC_A, 0x0800, ipv4(H2, SRV, 6, tcp(41000 + i, 8080, data=b'GET / HTTP/1.1\r\n'))))
for i in range(4):
    pkts.append(eth(MAC_B, MAC_A, 0x0800, ipv4(H3, SRV, 17, udp(5353, 53, b'\x12\x34' + b'\0' * 10))))
pkts.append(eth(MAC_B, MAC_A, 0x0800, ipv4(H3, SRV, 17, udp(5000, 8080, b'blocked'))))
for i in range(3):
    pkts.append(eth(MAC_B, MAC_A, 0x86dd, ipv6(V6A, V6S, 6, tcp(50000 + i, 80))))
pkts.append(eth(MAC_B, MAC_A, 0x86dd, ipv6(V6A, V6S, 6, tcp(50100, 8080))))
pkts.append(eth(MAC_B, MAC_A, 0x0800, ipv4(H1, SRV, 1, b'\x08\x00\xf7\xff\x00\x00\x00\x00')))  # ICMP echo
pkts.append(eth([0xff] * 6, MAC_A, 0x0806, bytes(28)))  # ARP
pkts.append(eth(MAC_B, MAC_A, 0x0800, ipv4(H2, SRV, 6, tcp(42000, 8080)), vlan=100))  # VLAN-tagged
pkts.append(bytes(MAC_B) + bytes(MAC_A[:4]))  # runt: 10 bytes

with open('traffic.pcap', 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for n, p in enumerate(pkts):
        f.write(struct.pack('<IIII', 1700000000 + n, n * 1000, len(p), len(p)))
        f.write(p)
print('wrote traffic.pcap: %d packets' % len(pkts))
