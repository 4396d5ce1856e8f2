#!/usr/bin/env python3
"""A crowd joins one chat room at once: how many are dropped as "too slow" (close 1008)?

Starts BINARY (default target/release/duplex) as `serve --port 0` (stdout to /dev/null), opens
N clients (default 1000) to /ws/chat?name=uI&room=crowd all at once, each reading everything,
and reports: how many got their welcome, the time until the last welcome, how many were closed
and with which codes, and whether the readers heard of everyone (named in the welcome or counted
in its `more`, or in join notices, one name each or merged in `names`). After SETTLE seconds the
odd-numbered half closes at once; the other half must hear every one of them leave, and closes
SETTLE seconds later.

Usage: hostile/chat_crowd.py [BINARY] [--n N] [--settle SECS]
Needs Python `websockets`; N + the server's sockets must fit in `ulimit -n`, and N stays below
the server's --max-conns (1024).
"""
import asyncio, json, subprocess, sys, time

import websockets

args = [a for a in sys.argv[1:] if not a.startswith("--")]
BINARY = args[0] if args else "target/release/duplex"


def opt(name, default):
    flag = "--" + name
    return type(default)(sys.argv[sys.argv.index(flag) + 1]) if flag in sys.argv else default


N = opt("n", 1000)
SETTLE = opt("settle", 3.0)


class Client:
    def __init__(self, i):
        self.name = f"u{i}"
        self.welcome_at = None
        self.members = set()  # named in the welcome or in later join notices
        self.unnamed = 0  # the welcome's `more`
        self.frames = 0
        self.close_code = None
        self.left = set()


async def run_client(c, i, port, t0, all_joined):
    url = f"ws://127.0.0.1:{port}/ws/chat?name={c.name}&room=crowd"
    try:
        async with websockets.connect(url, max_size=None, open_timeout=60,
                                      ping_interval=None, close_timeout=5) as ws:
            async def reader():
                async for raw in ws:
                    c.frames += 1
                    m = json.loads(raw)
                    t = m.get("type")
                    if t == "welcome":
                        c.welcome_at = time.monotonic() - t0
                        c.members.update(m["members"])
                        c.unnamed = m.get("more", 0)
                    elif t == "join":
                        c.members.update(m.get("names") or [m["name"]])
                    elif t == "leave":
                        c.left.update(m.get("names") or [m["name"]])
            task = asyncio.create_task(reader())
            await all_joined.wait()
            await asyncio.sleep(SETTLE if i % 2 else 2 * SETTLE)
            if task.done():
                task.result()
            else:
                task.cancel()
    except websockets.ConnectionClosed as e:
        c.close_code = e.rcvd.code if e.rcvd else 1006
    except (OSError, asyncio.TimeoutError, websockets.InvalidStatus) as e:
        c.close_code = f"connect: {type(e).__name__}"
    if c.close_code is None:
        c.close_code = "ours"  # the client closed it itself, at the end


async def main():
    proc = subprocess.Popen([BINARY, "serve", "--port", "0"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    port = int(line.strip().rstrip("/").rsplit(":", 1)[1])
    clients = [Client(i) for i in range(N)]
    all_joined = asyncio.Event()
    t0 = time.monotonic()
    tasks = [asyncio.create_task(run_client(c, i, port, t0, all_joined)) for i, c in enumerate(clients)]

    # "All joined": every client has a welcome or has already ended; give up after 60 s.
    while time.monotonic() - t0 < 60:
        if all(c.welcome_at is not None or c.close_code is not None for c in clients):
            break
        await asyncio.sleep(0.05)
    joined_in = time.monotonic() - t0
    all_joined.set()
    await asyncio.gather(*tasks)
    proc.terminate()
    proc.wait()

    welcomed = [c for c in clients if c.welcome_at is not None]
    codes = {}
    for c in clients:
        codes[c.close_code] = codes.get(c.close_code, 0) + 1
    stayed = [c for c in clients if c.close_code == "ours"]
    # Everyone who stayed should have heard of the N - 1 others (those that joined before it
    # are named or counted in its welcome).
    unheard = sum(max(0, N - 1 - len(c.members) - c.unnamed) for c in stayed)
    odd = {c.name for i, c in enumerate(clients) if i % 2}
    evens = [c for i, c in enumerate(clients) if i % 2 == 0 and c.close_code == "ours"]
    leaves_missed = sum(len(odd - c.left) for c in evens)
    frames = sum(c.frames for c in clients)
    print(f"binary {BINARY}: {N} clients, one room")
    print(f"  welcomed:        {len(welcomed)} (last welcome after {max((c.welcome_at for c in welcomed), default=0):.2f} s)")
    print(f"  all joined by:   {joined_in:.2f} s")
    print(f"  dropped 1008:    {codes.get(1008, 0)}")
    print(f"  how they ended:  {codes}")
    print(f"  stayed to end:   {len(stayed)}; joins they never heard of: {unheard}")
    print(f"  odd half left:   leaves the {len(evens)} others missed: {leaves_missed}")
    print(f"  frames received: {frames} ({frames / max(N, 1):.0f} per client)")


asyncio.run(main())
