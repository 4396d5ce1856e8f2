#!/usr/bin/env python3
"""Adversarial captures for `duplex replay` memory: written to DIR (default /tmp/duplex-hostile).

  syn-flood.pcap      1,000,000 SYNs from distinct endpoints, none ever closed
  ooo-bytes.pcap      one connection: a hole at byte 0, then 4,000,000 one-byte segments above it
  deflate-open.pcap   8,000 WebSockets that negotiate permessage-deflate, each sends one
                      compressed message both ways, and none is ever closed
  conn-storm.pcap     20,000 connections, each with 200 one-byte segments above a hole, never
                      closed (4,000,000 pieces spread thin: no one connection holds much)

Raw IPv4 (linktype 101), so packets are small. Usage: make_captures.py [DIR] [--small] [--NAME...]
(--small divides every count by 100, for a quick look; --conn-storm etc. makes only those).
"""
import base64, hashlib, os, struct, sys, zlib

args = [a for a in sys.argv[1:] if not a.startswith("--")]
OUT = args[0] if args else "/tmp/duplex-hostile"
SCALE = 100 if "--small" in sys.argv else 1
os.makedirs(OUT, exist_ok=True)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Pcap:
    def __init__(self, name):
        self.f = open(os.path.join(OUT, name), "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        self.t = 1_700_000_000_000_000

    def tcp(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        pkt = ip + tcp
        self.t += 10
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(pkt), len(pkt)))
        self.f.write(pkt)

    def close(self):
        self.f.close()


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
SRV = bytes([10, 0, 0, 1])


def client(i):
    return bytes([10, 1 + (i >> 16) % 250, (i >> 8) & 0xFF, i & 0xFF])


def syn_flood():
    p = Pcap("syn-flood.pcap")
    for i in range(1_000_000 // SCALE):
        p.tcp(client(i), SRV, 40000 + i % 20000, 80, 1000, 0, SYN)
    p.close()


def handshake(p, c, port, isn_c=1000, isn_s=5000):
    p.tcp(c, SRV, port, 80, isn_c, 0, SYN)
    p.tcp(SRV, c, 80, port, isn_s, isn_c + 1, SYN | ACK)
    p.tcp(c, SRV, port, 80, isn_c + 1, isn_s + 1, ACK)
    return isn_c + 1, isn_s + 1


def ooo_bytes():
    p = Pcap("ooo-bytes.pcap")
    c = client(1)
    cs, ss = handshake(p, c, 40001)
    for i in range(1, 4_000_000 // SCALE):
        p.tcp(c, SRV, 40001, 80, cs + i, ss, ACK | PSH, b"x")
    p.close()


def frame(opcode, payload, mask, rsv1):
    b0 = 0x80 | (0x40 if rsv1 else 0) | opcode
    n = len(payload)
    head = bytes([b0, (0x80 if mask else 0) | n]) if n < 126 else bytes([b0, (0x80 if mask else 0) | 126]) + struct.pack("!H", n)
    if not mask:
        return head + payload
    key = b"\x11\x22\x33\x44"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def deflated(text):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = c.compress(text) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]


def deflate_open():
    p = Pcap("deflate-open.pcap")
    key = base64.b64encode(b"0123456789abcdef").decode()
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    req = ("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n").encode()
    resp = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n").encode()
    msg = deflated(b'{"price": 101.25, "sym": "DPX"} ' * 40)
    c2s, s2c = frame(1, msg, True, True), frame(1, msg, False, True)
    for i in range(8000 // SCALE):
        c, port = client(i), 40000 + i % 20000
        cs, ss = handshake(p, c, port)
        for data, fwd in ((req, True), (resp, False), (c2s, True), (s2c, False)):
            if fwd:
                p.tcp(c, SRV, port, 80, cs, ss, ACK | PSH, data)
                cs += len(data)
            else:
                p.tcp(SRV, c, 80, port, ss, cs, ACK | PSH, data)
                ss += len(data)
    p.close()


def conn_storm():
    p = Pcap("conn-storm.pcap")
    for i in range(20_000 // SCALE):
        c, port = client(i), 40000 + i % 20000
        cs, ss = handshake(p, c, port)
        for k in range(1, 201):
            p.tcp(c, SRV, port, 80, cs + k, ss, ACK | PSH, b"y")
    p.close()


only = [a[2:] for a in sys.argv[1:] if a.startswith("--") and a != "--small"]
for make in (syn_flood, ooo_bytes, deflate_open, conn_storm):
    if only and make.__name__.replace("_", "-") not in only:
        continue
    make()
    print("wrote", make.__name__.replace("_", "-"), file=sys.stderr)
