#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (not committed).

Everything is cut out of assets/captures/*:
  capture  the small captures whole, and slices of every capture (file header plus a window
           of consecutive records) so that no seed is larger than SLICE_MAX bytes;
  http1    HTTP heads (with a little of their body) of each direction, role byte set;
  ws       runs of WebSocket frames of each direction after a 101, client/server byte set,
           plus a few permessage-deflate frames made here with zlib (no capture has any);
  conn     whole conversations (up to CONN_MAX bytes) as the target's op stream, with and
           without the built-in upgrade prefix.

Usage: fuzz/make_seeds.py [OUT_DIR]   (default: fuzz/corpus)
"""

import hashlib
import os
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "assets", "captures")
SLICE_MAX = 16 * 1024
HEAD_TAIL = 256
WS_MAX = 4096
CONN_MAX = 8192


def records(data):
    """Yields (header_end, [(start, end, linktype, packet_bytes)]) for pcap and pcapng."""
    magic = data[:4]
    out = []
    if magic == b"\x0a\x0d\x0d\x0a":
        pos, linktypes, le = 0, [], True
        while pos + 12 <= len(data):
            if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":
                le = data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a"
            e = "<" if le else ">"
            kind, length = struct.unpack(e + "II", data[pos:pos + 8])
            if length < 12 or pos + length > len(data):
                break
            body = data[pos + 8:pos + length - 4]
            if kind == 0x0A0D0D0A:
                linktypes = []
            elif kind == 1:
                linktypes.append(struct.unpack(e + "H", body[:2])[0])
            elif kind == 6 and len(body) >= 20:
                iface, _, _, caplen, _ = struct.unpack(e + "IIIII", body[:20])
                lt = linktypes[iface] if iface < len(linktypes) else 1
                out.append((pos, pos + length, lt, body[20:20 + caplen]))
            pos += length
        # Everything before the first packet block (SHB, IDBs) is the "header".
        header_end = out[0][0] if out else len(data)
        return header_end, out
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e, pos = "<", 24
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e, pos = ">", 24
    else:
        return 0, []
    if len(data) < 24:
        return 0, []
    lt = struct.unpack(e + "I", data[20:24])[0]
    while pos + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[pos + 8:pos + 12])[0]
        end = pos + 16 + caplen
        if end > len(data):
            break
        out.append((pos, end, lt, data[pos + 16:end]))
        pos = end
    return 24, out


def tcp_payload(lt, pkt):
    """(src, dst, seq, payload) of an Ethernet/SLL/loopback/raw IPv4 or IPv6 TCP packet."""
    if lt == 1:
        off = 14
        if pkt[12:14] in (b"\x81\x00", b"\x88\xa8"):
            off = 18
    elif lt == 113:
        off = 16
    elif lt in (0, 108):
        off = 4
    elif lt in (101, 12, 14, 228, 229):
        off = 0
    else:
        return None
    ip = pkt[off:]
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack(">H", ip[2:4])[0]
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    return (src, sport), (dst, dport), seq, tcp[doff:]


def conversations(data):
    """Per connection: the list of (is_c2s, payload) in capture order, retransmissions dropped."""
    _, recs = records(data)
    conns, first_dir, seen = {}, {}, set()
    for _, _, lt, pkt in recs:
        seg = tcp_payload(lt, pkt)
        if not seg or not seg[3]:
            continue
        src, dst, seq, payload = seg
        key = tuple(sorted([src, dst]))
        if (src, seq) in seen:
            continue
        seen.add((src, seq))
        first_dir.setdefault(key, src)
        conns.setdefault(key, []).append((src == first_dir[key], payload))
    return list(conns.values())


def stream(conv, c2s):
    return b"".join(p for d, p in conv if d == c2s)


def ws_frames(buf):
    """Splits a WebSocket byte stream into whole frames (stops at the first cut one)."""
    frames, pos = [], 0
    while pos + 2 <= len(buf):
        b1 = buf[pos + 1]
        n, hl = b1 & 0x7F, 2
        if n == 126:
            if pos + 4 > len(buf):
                break
            n, hl = struct.unpack(">H", buf[pos + 2:pos + 4])[0], 4
        elif n == 127:
            if pos + 10 > len(buf):
                break
            n, hl = struct.unpack(">Q", buf[pos + 2:pos + 10])[0], 10
        if b1 & 0x80:
            hl += 4
        if pos + hl + n > len(buf):
            break
        frames.append(buf[pos:pos + hl + n])
        pos += hl + n
    return frames


def head_starts(buf, response):
    """Offsets where an HTTP head starts: status lines, or request lines after a blank line."""
    if response:
        marks = [i for i in range(len(buf)) if buf.startswith(b"HTTP/1.", i)]
    else:
        marks = [0] + [i + 4 for i in range(len(buf)) if buf.startswith(b"\r\n\r\n", i)]
        marks = [i for i in marks if buf[i:i + 8].split(b" ")[0].isalpha()]
    return marks[:50]


def after_head(buf):
    end = buf.find(b"\r\n\r\n")
    return buf[end + 4:] if end >= 0 else b""


def conn_ops(conv, limit):
    """Encodes a conversation as the `conn` target's op stream."""
    ops, size = bytearray(), 0
    for c2s, payload in conv:
        pos = 0
        while pos < len(payload) and size < limit:
            left = len(payload) - pos
            if left >= 64:
                n = min(left // 64, 32)
                ops.append(0x80 | (0 if c2s else 0x20) | (n - 1))
                take = n * 64
            else:
                ops.append((0x00 if c2s else 0x40) | (left - 1))
                take = left
            ops += payload[pos:pos + take]
            pos += take
            size += take
    return bytes(ops)


def mask(payload, key=b"\x37\xfa\x21\x3d"):
    return bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def frame(opcode, payload, masked, fin=True, rsv=0):
    b0 = (0x80 if fin else 0) | rsv << 4 | opcode
    n = len(payload)
    m = 0x80 if masked else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if masked:
        return head + b"\x37\xfa\x21\x3d" + mask(payload)
    return head + payload


def deflated(text):
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = z.compress(text) + z.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def synthetic_ws():
    """(flags, stream) pairs for permessage-deflate and edge cases no capture has."""
    text = b"Hello, hello, hello WebSocket! " * 8
    comp = deflated(text)
    out = []
    for client in (0, 1):
        m = bool(client)
        out.append((client | 2, frame(1, comp, m, rsv=4) + frame(9, b"ping", m)))
        half = len(comp) // 2
        out.append((client | 2 | 4, frame(1, comp[:half], m, fin=False, rsv=4)
                    + frame(10, b"", m) + frame(0, comp[half:], m)))
        out.append((client, frame(8, struct.pack(">H", 1000) + b"bye", m)))
        out.append((client, frame(2, bytes(range(256)) * 2, m)))
        out.append((client, frame(1, "żółw ✓".encode(), m, fin=False) + frame(0, b"!", m)))
    return out


def write(out_dir, target, blob, written):
    d = os.path.join(out_dir, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(blob).hexdigest()
    if (target, name) in written:
        return
    written.add((target, name))
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fuzz", "corpus")
    written = set()
    for name in sorted(os.listdir(CAPTURES)):
        with open(os.path.join(CAPTURES, name), "rb") as f:
            data = f.read()
        # capture: small files whole, and windows of records behind the file header.
        if len(data) <= SLICE_MAX:
            write(out_dir, "capture", data, written)
        header_end, recs = records(data)
        if recs:
            head = data[:header_end]
            i = 0
            while i < len(recs):
                j = i
                while j < len(recs) and recs[j][1] - recs[i][0] + header_end <= SLICE_MAX:
                    j += 1
                j = max(j, i + 1)
                if recs[j - 1][1] - recs[i][0] + header_end <= 4 * SLICE_MAX:
                    write(out_dir, "capture", head + data[recs[i][0]:recs[j - 1][1]], written)
                i = j if i < 16 else j + (len(recs) - j) // 4  # dense early, sparse later
        for conv in conversations(data):
            c2s, s2c = stream(conv, True), stream(conv, False)
            # http1: each head with a little of what follows it.
            for role, buf in ((0x00, c2s), (0x03, s2c)):  # the response side answers a GET
                for start in head_starts(buf, role):
                    end = buf.find(b"\r\n\r\n", start)
                    if end >= 0:
                        cut = buf[start:end + 4 + HEAD_TAIL]
                        write(out_dir, "http1", bytes([role, 128]) + cut, written)
            # ws: the frames after the handshake, in runs.
            if s2c.startswith(b"HTTP/1.1 101"):
                for client, buf in ((1, after_head(c2s)), (0, after_head(s2c))):
                    frames = ws_frames(buf)
                    run = b""
                    for fr in frames:
                        if len(run) + len(fr) > WS_MAX and run:
                            write(out_dir, "ws", bytes([client, 0]) + run, written)
                            run = b""
                        run += fr[:WS_MAX]
                    if run:
                        write(out_dir, "ws", bytes([client, 0]) + run, written)
                    for fr in frames[:8]:
                        write(out_dir, "ws", bytes([client, 3, 1, 7, 200]) + fr[:WS_MAX], written)
                # conn with the built-in prefix: the WebSocket part only.
                ws_conv = [(True, after_head(c2s)), (False, after_head(s2c))]
                ws_conv = [(d, p) for d, p in ws_conv if p]
                ops = conn_ops(ws_conv, CONN_MAX)
                write(out_dir, "conn", b"\x00" + ops, written)
                write(out_dir, "conn", b"\x04" + ops, written)  # also cut into pieces
            # conn without the prefix: the conversation as captured.
            write(out_dir, "conn", b"\x01" + conn_ops(conv, CONN_MAX), written)
            write(out_dir, "conn", b"\x05" + conn_ops(conv, CONN_MAX // 4), written)
    for flags, buf in synthetic_ws():
        write(out_dir, "ws", bytes([flags, 0]) + buf, written)
    # lesson: the course's files and the worked example, whole.
    for d in (os.path.join(ROOT, "lessons"), os.path.join(ROOT, "tests", "lessons")):
        for name in sorted(os.listdir(d)):
            if name.endswith(".toml"):
                with open(os.path.join(d, name), "rb") as f:
                    write(out_dir, "lesson", f.read(), written)
        if flags & 2:
            c2s = flags & 1
            write(out_dir, "conn", b"\x02" + conn_ops([(bool(c2s), buf)], CONN_MAX), written)
    counts = {}
    for target, _ in written:
        counts[target] = counts.get(target, 0) + 1
    print(" ".join(f"{t}:{n}" for t, n in sorted(counts.items())), "seeds in", out_dir)


if __name__ == "__main__":
    main()
