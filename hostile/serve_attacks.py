#!/usr/bin/env python3
"""Hostile clients against `duplex serve`, each beside a canary, with the server's memory sampled.

Usage: python3 hostile/serve_attacks.py --bin PATH_TO_DUPLEX [--only NAME[,NAME]] [--seconds S]
                                        [--count NAME=N ...] [--out FILE] [--list]

For every attack: a fresh `PATH serve --port 0 --json` (stdout to /dev/null, or for stdout-stall
to a pipe nobody reads); a canary process that probes the server every 100 ms; after a second of
warm-up, an attack process that runs for S seconds (default 20); VmRSS/VmHWM of the server read
from /proc every 100 ms; at the end, SIGINT to the server while the attack still holds its
sockets, and the time until it exits. The canary makes four probes, each on its own schedule:

  http-fresh  a new TCP connection per probe: GET /echo (Connection: close)
  http-kept   one keep-alive connection, GET /echo on it (reopened when the server closes it)
  ws-fresh    a new WebSocket to /ws/echo per probe: one text message, its echo, close
  ws-kept     one WebSocket to /ws/echo, one text message and its echo per probe (reopened after
              an error)

Fresh probes start every 100 ms whether or not the last one has finished; kept probes go one
after another, at the next 100 ms tick after the last one ended. A probe fails on a timeout (2 s),
a wrong status or echo, or any error; latencies (p50, p99) are of probes that succeeded, from the
probe's start (connect included) to the answer. Only probes started while the attack ran count.

A target is broken by: canary failures >= 5 %, canary p99 >= 1 s, peak RSS (VmHWM) >= 256 MB,
"panicked" on the server's stderr, an exit before the SIGINT (a crash), or more than 5 s from
SIGINT to exit. The exit status is 1 when any attack breaks one, 2 on a usage error.

Every attack runs in its own process and the canary in another, so their sockets go when they
do; on Ctrl-C, or when this script dies, every process it started is ended (PR_SET_PDEATHSIG as
a last resort). A server whose RSS passes --rss-cap-mb (default 2048) has its attack (and the
canary) cut short there, then gets the SIGINT as usual; past twice the cap it is killed.
Only the standard library and `websockets` (for the canary) are used.
"""
import argparse
import asyncio
import base64
import collections
import ctypes
import json
import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
INTERVAL = 0.1  # canary and memory sampling period, seconds
PROBE_TIMEOUT = 2.0
WARMUP = 1.0  # canary alone before the attack starts
TARGET_FAIL_PCT = 5.0
TARGET_P99_MS = 1000.0
TARGET_RSS_MB = 256.0
TARGET_EXIT_S = 5.0


class Attack:
    def __init__(self, name, count, what, server_args=(), stdout="null", fn=None):
        self.name, self.count, self.what = name, count, what
        self.fn = "a_" + (fn or name).replace("-", "_")
        self.server_args, self.stdout = list(server_args), stdout


ATTACKS = {a.name: a for a in [
    Attack("bytes-noread", 64, "clients GET /bytes/16777216 and never read"),
    Attack("ws-bigframe-stall", 20, "clients declare a 16 MiB frame on /ws/echo, send 15 MiB, go silent"),
    Attack("ws-flood-noread", 20, "clients flood /ws/echo with 64 KiB messages and never read"),
    Attack("ws-flood-read", 8, "clients flood /ws/echo with 64 KiB messages and read the echoes"),
    Attack("stdout-stall", 8, "as ws-flood-read, the server's stdout a pipe nobody reads", stdout="pipe",
           fn="ws-flood-read"),
    Attack("slow-body", 1000, "clients send a POST /echo head and a few body bytes, then stall "
           "(even: content-length 1000000, odd: chunked)"),
    Attack("silent-conns", 1100, "sockets connect and send nothing"),
    Attack("slowloris-heads", 500, "clients trickle a request head, a byte every 3 s, "
           "reconnecting when answered"),
    Attack("ws-silent", 1000, "WebSockets on /ws/echo upgrade, then never send or read"),
    Attack("chat-storm", 1000, "clients join /ws/chat?room=storm at once and read"),
    Attack("pipeline-max", 1000, "one client pipelines this many GET /echo, again every second",
           server_args=["--max-requests", "10"]),
]}


# ----------------------------------------------------------------------------------------------
# Shared by the children
# ----------------------------------------------------------------------------------------------

def die_with_parent(parent):
    """Ends this process with its parent (the orchestrator), whatever kills the parent."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() != parent:
        os._exit(3)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: os._exit(0))  # the kernel closes every socket


def watchdog(deadline):
    """Exits at `deadline` (monotonic) even if the event loop is stuck."""
    def run():
        time.sleep(max(0.0, deadline - time.monotonic()))
        os._exit(4)
    threading.Thread(target=run, daemon=True).start()


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


# ----------------------------------------------------------------------------------------------
# The canary
# ----------------------------------------------------------------------------------------------

class ProbeError(Exception):
    pass


async def read_response(reader):
    """One HTTP/1.1 response: (status, headers, body). Bounded by the caller's timeout."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        body = await reader.read(1 << 20)
    return status, headers, body


async def canary_main(port, until, out):
    from websockets.asyncio.client import connect as ws_connect

    stop_at = [until]  # SIGUSR1: stop now (the orchestrator cut the attack short)
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGUSR1, lambda: stop_at.__setitem__(0, min(stop_at[0], time.monotonic())))

    results = []  # [start, kind, ok, ms, error]
    uri = f"ws://{HOST}:{port}/ws/echo"
    req = f"GET /echo HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: canary\r\n".encode()

    def ws_open():
        return ws_connect(uri, open_timeout=PROBE_TIMEOUT, close_timeout=0.5, ping_interval=None,
                          compression=None, max_size=1 << 20)

    async def http_fresh():
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(req + b"Connection: close\r\n\r\n")
            status, _, body = await read_response(reader)
            if status != 200 or not body.startswith(b"GET /echo"):
                raise ProbeError(f"status {status}")
        finally:
            writer.close()

    kept = {}

    async def http_kept():
        if "http" not in kept:
            kept["http"] = await asyncio.open_connection(HOST, port)
        reader, writer = kept["http"]
        writer.write(req + b"\r\n")
        status, headers, body = await read_response(reader)
        if headers.get("connection", "").lower() == "close":
            kept.pop("http")[1].close()  # the server says so (--max-requests): not a failure
        if status != 200 or not body.startswith(b"GET /echo"):
            raise ProbeError(f"status {status}")

    counter = [0]

    async def ws_fresh():
        counter[0] += 1
        msg = f"canary {counter[0]}"
        async with ws_open() as ws:
            await ws.send(msg)
            if await ws.recv() != msg:
                raise ProbeError("wrong echo")
            return time.monotonic()  # the close handshake is not timed

    async def ws_kept():
        counter[0] += 1
        msg = f"canary {counter[0]}"
        if "ws" not in kept:
            kept["ws"] = await ws_open()
        ws = kept["ws"]
        await ws.send(msg)
        if await ws.recv() != msg:
            raise ProbeError("wrong echo")

    async def drop_kept(kind):
        conn = kept.pop("http" if kind == "http-kept" else "ws", None)
        if conn is None:
            return
        try:
            if kind == "http-kept":
                conn[1].close()
            else:
                await asyncio.wait_for(conn.close(), 0.5)
        except Exception:
            pass

    async def probe(kind, fn):
        t0 = time.monotonic()
        try:
            done = await asyncio.wait_for(fn(), PROBE_TIMEOUT)
            end = done if isinstance(done, float) else time.monotonic()
            results.append([t0, kind, True, (end - t0) * 1000, None])
        except Exception as e:
            err = "timeout" if isinstance(e, (asyncio.TimeoutError, TimeoutError)) else \
                f"{type(e).__name__}: {e}"[:100]
            results.append([t0, kind, False, (time.monotonic() - t0) * 1000, err])
            if kind.endswith("kept"):
                await drop_kept(kind)

    async def fresh_loop(kind, fn):
        tasks = set()
        tick = time.monotonic()
        while tick < stop_at[0]:
            t = asyncio.create_task(probe(kind, fn))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            tick += INTERVAL
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
        if tasks:
            await asyncio.wait(tasks, timeout=PROBE_TIMEOUT + 1)

    async def kept_loop(kind, fn):
        tick = time.monotonic()
        while tick < stop_at[0]:
            await probe(kind, fn)
            now = time.monotonic()
            tick += INTERVAL
            if tick < now:  # a slow probe: skip the ticks it took
                tick += ((now - tick) // INTERVAL + 1) * INTERVAL
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
        await drop_kept(kind)

    await asyncio.gather(fresh_loop("http-fresh", http_fresh), kept_loop("http-kept", http_kept),
                         fresh_loop("ws-fresh", ws_fresh), kept_loop("ws-kept", ws_kept))
    out.write(json.dumps(results))
    out.flush()


# ----------------------------------------------------------------------------------------------
# The attacks: raw sockets on the event loop's sock_* calls
# ----------------------------------------------------------------------------------------------

HELD = []  # every socket an attack opened, kept alive until the process ends


async def tcp(port, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(s, (HOST, port)), timeout)
    except BaseException:
        s.close()
        raise
    HELD.append(s)
    return s


async def send(s, data, timeout=None):
    coro = asyncio.get_running_loop().sock_sendall(s, data)
    await (asyncio.wait_for(coro, timeout) if timeout else coro)


async def recv(s, n=65536, timeout=None):
    coro = asyncio.get_running_loop().sock_recv(s, n)
    return await (asyncio.wait_for(coro, timeout) if timeout else coro)


def upgrade_request(path, port):
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()


async def read_head(s, timeout):
    """Reads an HTTP response head; returns (status, bytes after the head)."""
    buf = bytearray()
    end = time.monotonic() + timeout
    while b"\r\n\r\n" not in buf:
        chunk = await recv(s, 65536, max(0.01, end - time.monotonic()))
        if not chunk:
            raise ProbeError("EOF before the response head")
        buf += chunk
        if len(buf) > 65536:
            raise ProbeError("response head too long")
    head, rest = bytes(buf).split(b"\r\n\r\n", 1)
    return int(head.split(None, 2)[1]), rest


async def ws_upgrade(port, path="/ws/echo", timeout=10.0):
    s = await tcp(port)
    await send(s, upgrade_request(path, port), timeout)
    status, rest = await read_head(s, timeout)
    if status != 101:
        raise ProbeError(f"upgrade answered {status}")
    return s, rest


def frame_head(opcode, n, key, fin=True):
    """A client frame's head: masked, as RFC 6455 requires of a client."""
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        h = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        h = struct.pack("!BBQ", b0, 0x80 | 127, n)
    return h + key


def zeros_masked(n, key):
    """n zero bytes masked with `key` are the key repeated (n a multiple of 4)."""
    return key * (n // 4)


def client_frame(opcode, payload):
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return frame_head(opcode, len(payload), key) + masked


def parse_frames(buf):
    """Takes whole server frames off the front of `buf`: [(opcode, payload)]."""
    out, i = [], 0
    while len(buf) - i >= 2:
        b0, b1 = buf[i], buf[i + 1]
        n, p = b1 & 0x7F, i + 2
        if n == 126:
            if len(buf) - p < 2:
                break
            n, p = struct.unpack_from("!H", buf, p)[0], p + 2
        elif n == 127:
            if len(buf) - p < 8:
                break
            n, p = struct.unpack_from("!Q", buf, p)[0], p + 8
        if b1 & 0x80:
            p += 4  # a masked server frame would be a server bug; skip the key
        if len(buf) < p + n:
            break
        out.append((b0 & 0x0F, bytes(buf[p:p + n])))
        i = p + n
    del buf[:i]
    return out


def held_states():
    """What each held socket looks like now, without reading: open (nothing to read), data (the
    server sent something), eof (the server closed) or reset."""
    states = collections.Counter()
    for s in HELD:
        try:
            got = s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            states["data" if got else "eof"] += 1
        except BlockingIOError:
            states["open"] += 1
        except ConnectionResetError:
            states["reset"] += 1
        except OSError as e:
            states[f"error {e.errno}"] += 1
    return dict(states)


def bump(stats, key, n=1):
    stats[key] = stats.get(key, 0) + n


def err_name(e):
    return "timeout" if isinstance(e, (asyncio.TimeoutError, TimeoutError)) else type(e).__name__


async def many(n, one, stats, conc=128):
    """Runs one(i) for n clients, at most `conc` setting up at once; one(i, sem) owns the sem."""
    sem = asyncio.Semaphore(conc)

    async def guarded(i):
        try:
            await one(i, sem)
        except Exception as e:
            bump(stats, f"failed: {err_name(e)}")

    await asyncio.gather(*(guarded(i) for i in range(n)))


async def hold_forever():
    await asyncio.sleep(1e9)


async def a_bytes_noread(port, n, stats, deadline):
    req = f"GET /bytes/16777216 HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()

    async def one(i, sem):
        async with sem:
            s = await tcp(port)
            await send(s, req, 5)
        bump(stats, "requested")

    await many(n, one, stats)
    await hold_forever()


async def a_ws_bigframe_stall(port, n, stats, deadline):
    declared, sent = 16 * 1024 * 1024, 15 * 1024 * 1024
    piece = 1 << 20

    async def one(i, sem):
        async with sem:
            s, _ = await ws_upgrade(port)
        bump(stats, "upgraded")
        key = os.urandom(4)
        await send(s, frame_head(2, declared, key), 5)
        body = zeros_masked(piece, key)  # the mask lines up: every piece is a multiple of 4
        for _ in range(sent // piece):
            await send(s, body, max(0.1, deadline - time.monotonic()))
            bump(stats, "MiB sent")
        bump(stats, "stalled at 15 MiB")

    await many(n, one, stats)
    await hold_forever()


def flood_frame():
    key = os.urandom(4)
    return frame_head(2, 65536, key) + zeros_masked(65536, key)


async def a_ws_flood(port, n, stats, deadline, read):
    frame = flood_frame()

    async def sender(s):
        while True:
            await send(s, frame)
            bump(stats, "messages sent")

    async def reader(s):
        while True:
            got = await recv(s, 1 << 20)
            if not got:
                bump(stats, "EOF")
                return
            bump(stats, "bytes echoed", len(got))

    async def one(i, sem):
        async with sem:
            s, _ = await ws_upgrade(port)
        bump(stats, "upgraded")
        await asyncio.gather(sender(s), *([reader(s)] if read else []))

    await many(n, one, stats)
    await hold_forever()


async def a_ws_flood_noread(port, n, stats, deadline):
    await a_ws_flood(port, n, stats, deadline, read=False)


async def a_ws_flood_read(port, n, stats, deadline):
    await a_ws_flood(port, n, stats, deadline, read=True)


async def a_slow_body(port, n, stats, deadline):
    fixed = (f"POST /echo HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: text/plain\r\n"
             f"Content-Length: 1000000\r\n\r\nabc").encode()
    chunked = (f"POST /echo HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: text/plain\r\n"
               f"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n").encode()

    async def one(i, sem):
        async with sem:
            s = await tcp(port)
            await send(s, chunked if i % 2 else fixed, 5)
        bump(stats, "chunked stalled" if i % 2 else "content-length stalled")

    await many(n, one, stats)
    await hold_forever()


async def a_silent_conns(port, n, stats, deadline):
    async def one(i, sem):
        async with sem:
            await tcp(port)
        bump(stats, "connected")

    await many(n, one, stats)
    await hold_forever()


async def a_slowloris_heads(port, n, stats, deadline, gap=3.0):
    head = f"GET /echo HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Slow: ".encode() + b"a" * 4000

    async def one(i, sem):
        await asyncio.sleep(gap * i / n)  # spread the clients over one gap
        while time.monotonic() < deadline:
            async with sem:
                s = await tcp(port)
            bump(stats, "connections")
            answered = False
            for b in head:
                await send(s, bytes([b]), 5)
                bump(stats, "bytes trickled")
                try:
                    got = await recv(s, 4096, gap)
                except (asyncio.TimeoutError, TimeoutError):
                    continue
                except ConnectionResetError:
                    bump(stats, "reset")
                    answered = True
                    break
                if got.startswith(b"HTTP/1.1 "):
                    bump(stats, f"answered {got[9:12].decode('latin-1')}")
                else:
                    bump(stats, "EOF" if not got else "answered other")
                answered = True
                break
            HELD.remove(s)
            s.close()
            if not answered:
                bump(stats, "whole head sent unanswered")
                return

    await many(n, one, stats, conc=n)


async def a_ws_silent(port, n, stats, deadline):
    async def one(i, sem):
        async with sem:
            await ws_upgrade(port)
        bump(stats, "upgraded")

    await many(n, one, stats)
    await hold_forever()


async def a_chat_storm(port, n, stats, deadline):
    socks = [None] * n

    async def connect(i, sem):
        async with sem:
            socks[i] = await tcp(port)

    await many(n, connect, stats)
    bump(stats, "connected", sum(1 for s in socks if s))

    async def client(i, s):
        try:
            await send(s, upgrade_request(f"/ws/chat?name=c{i}&room=storm", port), 10)
            status, rest = await read_head(s, 10)
        except Exception as e:
            bump(stats, f"upgrade failed: {err_name(e)}")
            return
        if status != 101:
            bump(stats, f"upgrade answered {status}")
            return
        bump(stats, "upgraded")
        buf, first = bytearray(rest), True
        while True:
            for op, payload in parse_frames(buf):
                if op == 8:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    bump(stats, f"closed {code}")
                    try:
                        await send(s, client_frame(8, payload[:2]), 1)
                    except Exception:
                        pass
                    return
                if op == 1:
                    bump(stats, "messages read")
                    if first and b'"welcome"' in payload[:40]:
                        bump(stats, "welcome")
                    first = False
            try:
                got = await recv(s, 1 << 16)
            except ConnectionResetError:
                bump(stats, "reset")
                return
            if not got:
                bump(stats, "EOF without close")
                return
            buf += got

    # All upgrade requests leave together: the joins land at once.
    await asyncio.gather(*(client(i, s) for i, s in enumerate(socks) if s))
    await hold_forever()


async def a_pipeline_max(port, n, stats, deadline):
    one_req = f"GET /echo HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    rounds = []
    stats["rounds"] = rounds

    async def sender(s, sent):
        try:
            await send(s, one_req * n, 10)
            sent.append("all sent")
        except Exception as e:
            sent.append(f"send: {'ECONNRESET' if isinstance(e, ConnectionResetError) else err_name(e)}")

    while time.monotonic() < deadline:
        started = time.monotonic()
        full, end, sent = 0, "timeout", []
        s = await tcp(port)
        task = asyncio.create_task(sender(s, sent))  # read while sending: the answers may start
        try:
            buf = bytearray()
            while True:
                got = await recv(s, 1 << 16, 5)
                if not got:
                    end = "EOF"
                    break
                buf += got
                while True:  # take whole responses off the front
                    i = buf.find(b"\r\n\r\n")
                    if i < 0:
                        break
                    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", bytes(buf[:i + 2]))
                    size = int(m.group(1)) if m else 0
                    if len(buf) < i + 4 + size:
                        break
                    del buf[:i + 4 + size]
                    full += 1
        except ConnectionResetError:
            end = "ECONNRESET"
        except (asyncio.TimeoutError, TimeoutError):
            end = "timeout"
        finally:
            await asyncio.wait([task], timeout=1)
            task.cancel()
            HELD.remove(s)
            s.close()
        rounds.append([full, f"{end} ({sent[0] if sent else 'still sending'})"])
        await asyncio.sleep(max(0.0, started + 1.0 - time.monotonic()))


async def attack_main(name, port, n, report_at, out):
    stats = {}
    fn = globals()[ATTACKS[name].fn]
    task = asyncio.create_task(fn(port, n, stats, report_at))
    now = asyncio.Event()  # SIGUSR1: report now (the orchestrator cut the attack short)
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, now.set)
    try:
        await asyncio.wait_for(now.wait(), max(0.0, report_at - time.monotonic()))
    except (asyncio.TimeoutError, TimeoutError):
        pass
    if task.done() and task.exception():
        bump(stats, f"attack ended: {err_name(task.exception())}: {task.exception()}"[:120])
    stats["held sockets"] = held_states()
    out.write(json.dumps(stats) + "\n")
    out.flush()
    # Keep attacking (and holding every socket) through the server's shutdown, until killed.
    await asyncio.sleep(1e9)


# ----------------------------------------------------------------------------------------------
# The orchestrator
# ----------------------------------------------------------------------------------------------

def pdeathsig():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:
        pass


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class LineReader(threading.Thread):
    """Collects a pipe's lines (the last `keep`), so the writer never blocks on it."""

    def __init__(self, f, keep=2000):
        super().__init__(daemon=True)
        self.f, self.lines, self.cond = f, collections.deque(maxlen=keep), threading.Condition()
        self.all_text_has = set()
        self.start()

    def run(self):
        for raw in iter(self.f.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                if "panicked" in line:
                    self.all_text_has.add("panicked")
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    m = re.search(pattern, line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0 or not self.is_alive():
                    return None
                self.cond.wait(min(left, 0.1))


class Sampler(threading.Thread):
    """VmRSS/VmHWM (and open fds, CPU time) of `pid` every INTERVAL. Past `cap_mb` it sets
    `over` (the attack is then cut short); past twice that it kills the server."""

    def __init__(self, proc, cap_mb):
        super().__init__(daemon=True)
        self.proc, self.cap_kb = proc, cap_mb * 1024
        self.stop, self.over = threading.Event(), threading.Event()
        self.over_at = None
        self.rss_kb = self.hwm_kb = self.fds = 0
        self.first_rss_kb = None
        self.capped = False
        self.samples = 0
        self.start()

    def cpu_s(self):
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def run(self):
        while not self.stop.is_set() and self.proc.poll() is None:
            try:
                with open(f"/proc/{self.proc.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1])
                            self.rss_kb = max(self.rss_kb, rss)
                            if self.first_rss_kb is None:
                                self.first_rss_kb = rss
                            if rss > self.cap_kb and not self.over.is_set():
                                self.over_at = time.monotonic()
                                self.over.set()
                            if rss > 2 * self.cap_kb and not self.capped:
                                self.capped = True
                                self.proc.kill()
                        elif line.startswith("VmHWM:"):
                            self.hwm_kb = max(self.hwm_kb, int(line.split()[1]))
                self.fds = max(self.fds, len(os.listdir(f"/proc/{self.proc.pid}/fd")))
                self.samples += 1
            except (OSError, ValueError):
                pass
            self.stop.wait(INTERVAL)


def end_process(p, grace=2.0):
    if p is None or p.poll() is not None:
        return
    try:
        p.terminate()
        p.wait(grace)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)
    except OSError:
        pass


def child(args, *extra):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), *extra,
                             "--_parent", str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def summarize_canary(results, t_from, t_to):
    rows = [r for r in results if t_from <= r[0] < t_to]
    by = {}
    for kind in ("http-fresh", "http-kept", "ws-fresh", "ws-kept"):
        rs = [r for r in rows if r[1] == kind]
        ok = [r[3] for r in rs if r[2]]
        errs = collections.Counter(r[4] for r in rs if not r[2])
        by[kind] = dict(n=len(rs), fail=len(rs) - len(ok), p50=pct(ok, 50), p99=pct(ok, 99),
                        errors=errs.most_common(3))
    ok = [r[3] for r in rows if r[2]]
    return dict(n=len(rows), fail=len(rows) - len(ok), p50=pct(ok, 50), p99=pct(ok, 99), by=by)


def run_one(attack, args):
    """Runs one attack; returns its result dict. Cleans up every process it started."""
    n = args.count.get(attack.name, attack.count)
    res = dict(name=attack.name, count=n, notes=[])
    cmd = [args.bin, "serve", "--port", "0", "--json", *attack.server_args]
    res["cmd"] = " ".join(cmd) + (" >PIPE-NOBODY-READS" if attack.stdout == "pipe" else " >/dev/null")
    pipe_r = pipe_w = None
    server = canary = attacker = None
    sampler = None
    try:
        if attack.stdout == "pipe":
            pipe_r, pipe_w = os.pipe()
        # No other thread runs here: preexec_fn is safe.
        server = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                  stdout=pipe_w if pipe_w is not None else subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, preexec_fn=pdeathsig)
        if pipe_w is not None:
            os.close(pipe_w)
            pipe_w = None
        err = LineReader(server.stderr)
        m = err.wait_for(r"listening on http://[^:]+:(\d+)/", 15)
        if not m:
            res["error"] = "server did not say where it listens: " + " | ".join(list(err.lines)[-5:])
            return res
        port = int(m.group(1))
        sampler = Sampler(server, args.rss_cap_mb)
        t_canary = time.monotonic()
        attack_start = t_canary + WARMUP
        attack_end = attack_start + args.seconds
        canary = child(args, "--_child", "canary", "--_port", str(port), "--_until", repr(attack_end))
        canary_out = LineReader(canary.stdout, keep=5)
        canary_err = LineReader(canary.stderr, keep=20)
        time.sleep(max(0.0, attack_start - time.monotonic()))
        cpu0 = sampler.cpu_s()
        attacker = child(args, "--_child", "attack", "--_name", attack.name, "--_port", str(port),
                         "--_count", str(n), "--_until", repr(attack_end))
        attack_out = LineReader(attacker.stdout, keep=5)
        attack_err = LineReader(attacker.stderr, keep=20)
        # Until the end, or until the server's RSS passes the cap: then end the attack now.
        sampler.over.wait(max(0.0, attack_end - time.monotonic()))
        if sampler.over.is_set() and sampler.over_at < attack_end:
            attack_end = sampler.over_at
            res["cut_at"] = attack_end - attack_start
            res["notes"].append(f"RSS passed {args.rss_cap_mb} MB {res['cut_at']:.1f} s into the "
                                "attack: attack and canary cut short there, then SIGINT")
            for p in (attacker, canary):
                p.send_signal(signal.SIGUSR1)
        m = attack_out.wait_for(r"^\{.*\}$", attack_end - time.monotonic() + 10)
        res["attack"] = json.loads(m.group(0)) if m else None
        if not m:
            res["notes"].append("attack process gave no report: "
                                + " | ".join(list(attack_err.lines)[-3:]))
        m = canary_out.wait_for(r"^\[.*\]$", max(0.0, attack_end - time.monotonic()) + PROBE_TIMEOUT + 10)
        results = json.loads(m.group(0)) if m else []
        if not m:
            res["notes"].append("canary gave no report: " + " | ".join(list(canary_err.lines)[-3:]))
        res["canary"] = summarize_canary(results, attack_start, attack_end)
        res["canary_before"] = summarize_canary(results, t_canary, attack_start)
        cpu1 = sampler.cpu_s()
        res["cpu_s"] = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        # SIGINT while the attack still holds its sockets.
        res["crashed"] = server.poll() is not None and not sampler.capped
        if server.poll() is None:
            t = time.monotonic()
            server.send_signal(signal.SIGINT)
            try:
                server.wait(args.exit_wait)
                res["exit_s"] = time.monotonic() - t
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
                res["exit_s"] = None
                res["notes"].append(f"no exit {args.exit_wait:g} s after SIGINT: SIGKILL")
        else:
            res["exit_s"] = None
        res["rc"] = server.returncode
        sampler.stop.set()
        sampler.join(2)
        res["rss_mb"] = sampler.hwm_kb / 1024
        res["rss_sampled_mb"] = sampler.rss_kb / 1024
        res["rss_start_mb"] = (sampler.first_rss_kb or 0) / 1024
        res["fds"] = sampler.fds
        res["capped"] = sampler.capped
        res["over_cap"] = sampler.over.is_set()
        if sampler.capped:
            res["notes"].append(f"RSS passed {2 * args.rss_cap_mb} MB: server killed (SIGKILL)")
        err.join(5)
        res["panicked"] = "panicked" in err.all_text_has
        res["stderr_tail"] = [l for l in err.lines if "listening on" not in l][-6:]
        return res
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        if sampler:
            sampler.stop.set()
        for p in (attacker, canary):
            end_process(p)
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(10)
        for fd in (pipe_r, pipe_w):
            if fd is not None:
                os.close(fd)
        signal.signal(signal.SIGINT, old)


def verdict(r):
    if "error" in r:
        return ["error"]
    bad = []
    c = r["canary"]
    if r.get("attack") is None:
        bad.append("no attack report")
    if c["n"] == 0:
        bad.append("no canary")
    elif 100 * c["fail"] / c["n"] >= TARGET_FAIL_PCT:
        bad.append("canary fails")
    if c["p99"] is not None and c["p99"] >= TARGET_P99_MS:
        bad.append("p99")
    if r["rss_mb"] >= TARGET_RSS_MB or r["over_cap"]:
        bad.append("RSS")
    if r["panicked"]:
        bad.append("panic")
    if r["crashed"]:
        bad.append("crash")
    if not (r["capped"] or r["crashed"]) and (r["exit_s"] is None or r["exit_s"] > TARGET_EXIT_S):
        bad.append("exit")
    return bad


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def report(results, args, started):
    out = []
    w = out.append
    w(f"duplex serve under hostile clients: {args.bin}, {args.seconds:g} s per attack, "
      f"canary every {INTERVAL * 1000:.0f} ms (4 probes), RSS sampled every {INTERVAL * 1000:.0f} ms")
    w(f"targets: canary failures < {TARGET_FAIL_PCT:g} %, p99 < {TARGET_P99_MS:g} ms, "
      f"peak RSS < {TARGET_RSS_MB:g} MB, no panic, exit <= {TARGET_EXIT_S:g} s after SIGINT")
    w("command: python3 " + " ".join(sys.argv))
    w(f"run {time.strftime('%Y-%m-%d %H:%M', time.localtime(started))}, "
      f"{os.cpu_count()} cores, load average at start {args.load}")
    w("")
    w(f"{'attack':<18} {'clients':>7} {'RSS MB':>7} {'fail %':>7} {'p50 ms':>7} {'p99 ms':>7} "
      f"{'panic':>5} {'crash':>5} {'exit s':>6}  verdict")
    for r in results:
        if "error" in r:
            w(f"{r['name']:<18} {r['count']:>7}  ERROR: {r['error']}")
            continue
        c = r["canary"]
        fail = 100 * c["fail"] / c["n"] if c["n"] else None
        bad = verdict(r)
        rss = f"{r['rss_mb']:.0f}" + ("*" if r["over_cap"] else "")
        w(f"{r['name']:<18} {r['count']:>7} {rss:>7} {fmt(fail, '.1f'):>7} "
          f"{fmt(c['p50'], '.1f'):>7} {fmt(c['p99'], '.1f'):>7} "
          f"{'yes' if r['panicked'] else 'no':>5} {'yes' if r['crashed'] else 'no':>5} "
          f"{fmt(r['exit_s'], '.1f', 'killed' if r['capped'] else '>' + format(args.exit_wait, 'g')):>6}  "
          f"{'FAIL: ' + ', '.join(bad) if bad else 'ok'}")
    if any(r.get("over_cap") for r in results):
        w(f"*: RSS passed --rss-cap-mb {args.rss_cap_mb}: the attack was cut short there (see "
          "details), then SIGINT as usual; the server is killed past twice the cap")
    w("")
    w("details (canary per probe: failures/probes, p50/p99 ms of successes; '(before)': the "
      f"{WARMUP:g} s before the attack)")
    for r in results:
        w("")
        w(f"{r['name']}: {ATTACKS[r['name']].what} [{r['count']}]")
        if "error" in r:
            continue
        w(f"  server: {r['cmd']}; RSS {r['rss_start_mb']:.0f} MB at start, sampled peak "
          f"{r['rss_sampled_mb']:.0f} MB, VmHWM {r['rss_mb']:.0f} MB; peak fds {r['fds']}; "
          f"CPU {fmt(r['cpu_s'], '.1f')} s during the attack; exit code {r['rc']}")
        for kind, k in r["canary"]["by"].items():
            b = r["canary_before"]["by"][kind]
            errs = "; ".join(f"{e} x{n}" for e, n in k["errors"])
            w(f"  {kind:<10} {k['fail']:>3}/{k['n']:<3} p50 {fmt(k['p50'], '.1f'):>6} "
              f"p99 {fmt(k['p99'], '.1f'):>7}  (before: p50 {fmt(b['p50'], '.1f')}, "
              f"{b['fail']}/{b['n']} failed){'  errors: ' + errs if errs else ''}")
        a = r.get("attack")
        if a is not None:
            rounds = a.pop("rounds", None)
            if rounds:
                fulls = [x[0] for x in rounds]
                ends = collections.Counter(x[1] for x in rounds)
                w(f"  rounds: {len(rounds)}, full responses read before the end: min {min(fulls)}, "
                  f"max {max(fulls)}; ended by: "
                  + ", ".join(f"{e} x{n}" for e, n in ends.most_common()))
            w("  attack: " + ", ".join(f"{k} {v}" for k, v in a.items()))
        for note in r["notes"]:
            w(f"  note: {note}")
        for line in r["stderr_tail"]:
            w(f"  server stderr: {line[:160]}")
    return "\n".join(out) + "\n"


def parse_count(s):
    name, _, n = s.partition("=")
    if name not in ATTACKS or not n.isdigit():
        raise argparse.ArgumentTypeError(f"want NAME=N with NAME one of {', '.join(ATTACKS)}")
    return name, int(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="the duplex binary")
    ap.add_argument("--only", action="append", default=[],
                    help="run only these attacks (comma-separated or repeated)")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each attack (20)")
    ap.add_argument("--count", action="append", type=parse_count, default=[], metavar="NAME=N",
                    help="clients of an attack (pipeline-max: requests pipelined)")
    ap.add_argument("--rss-cap-mb", type=int, default=2048,
                    help="kill the server past this RSS, to spare the machine (2048)")
    ap.add_argument("--exit-wait", type=float, default=10.0,
                    help="how long to wait for the exit after SIGINT before SIGKILL (10)")
    ap.add_argument("--out", help="also write the report to this file")
    ap.add_argument("--list", action="store_true", help="list the attacks and exit")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    ap.add_argument("--_name", help=argparse.SUPPRESS)
    ap.add_argument("--_port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_count", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_until", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--_parent", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args._child:
        die_with_parent(args._parent)
        raise_nofile()
        watchdog(args._until + 60)
        if args._child == "canary":
            asyncio.run(canary_main(args._port, args._until, sys.stdout))
        else:
            asyncio.run(attack_main(args._name, args._port, args._count, args._until, sys.stdout))
        return 0

    if args.list:
        for a in ATTACKS.values():
            print(f"{a.name:<18} {a.count:>5}  {a.what}")
        return 0
    if not args.bin or not os.access(args.bin, os.X_OK):
        ap.error("--bin PATH_TO_DUPLEX (an executable) is required")
    names = [n for o in args.only for n in o.split(",") if n] or list(ATTACKS)
    unknown = [n for n in names if n not in ATTACKS]
    if unknown:
        ap.error(f"unknown attack {', '.join(unknown)}: pick from {', '.join(ATTACKS)}")
    args.count = dict(args.count)
    args.bin = os.path.abspath(args.bin)
    nofile = raise_nofile()
    need = max(args.count.get(n, ATTACKS[n].count) for n in names) + 200
    if nofile < need:
        print(f"warning: only {nofile} file descriptors allowed, attacks want {need}",
              file=sys.stderr)
    # Ctrl-C and SIGTERM end the run through the clean-up, even where SIGINT came in ignored
    # (a background job of a non-interactive shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    args.load = " ".join(open("/proc/loadavg").read().split()[:3])
    started = time.time()
    results = []
    interrupted = False
    try:
        for name in names:
            print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
            r = run_one(ATTACKS[name], args)
            results.append(r)
            bad = verdict(r)
            print(f"[{time.strftime('%H:%M:%S')}] {name}: {'FAIL: ' + ', '.join(bad) if bad else 'ok'}",
                  file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: every process started was ended", file=sys.stderr)
    text = report(results, args, started)
    if interrupted:
        text += "interrupted: the run is incomplete\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if interrupted:
        return 130
    return 1 if any(verdict(r) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
