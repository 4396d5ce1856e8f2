#!/usr/bin/env python3
"""Client on the third-party `websockets` library (asyncio API) for the captures made
for duplex. Talks to ws_echo_server_ext.py and prints what happened.

--script deflate : messages chosen to exercise permessage-deflate (see MESSAGES below),
                   ping with payload, server ping, server-fragmented reply, close 1000
--script short   : text, binary, ping, close 1000
--script stream  : one text message every --interval seconds for --duration seconds
                   (every 5th a 3000-byte binary), automatic pings every second,
                   then close 1000 (used for the capture that starts and ends mid-stream)
"""
import argparse
import asyncio
import random
import time

from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

REPEAT = "duplex decodes WebSocket traffic. " * 40                      # 1360 B, compresses ~25:1
UTF8 = "héllo wörld — 你好 — 🚀 " * 3
BIN_REPEAT = bytes(range(256)) * 8                                       # 2048 B, compressible
BIN_RANDOM = random.Random(8110).randbytes(300)                          # incompressible
HEX_TEXT = random.Random(8111).randbytes(40_000).hex()                   # 80000 B, ~50% ratio


async def roundtrip(ws, msg, label):
    await ws.send(msg)
    reply = await ws.recv()
    want = msg if not isinstance(msg, list) else (b"" if isinstance(msg[0], bytes) else "").join(msg)
    kind = "bytes" if isinstance(reply, bytes) else "chars"
    print(f"{label}: sent/echo {len(reply)} {kind} echo_ok={reply == want}", flush=True)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--compression", choices=["none", "deflate", "custom"], default="none")
    p.add_argument("--server-no-context-takeover", action="store_true")
    p.add_argument("--client-no-context-takeover", action="store_true")
    p.add_argument("--server-max-window-bits", type=int)
    p.add_argument("--client-max-window-bits", default="true",
                   help="'true' = offer the parameter without a value, 'none' = do not offer, or 8..15")
    p.add_argument("--script", choices=["deflate", "short", "stream"], default="deflate")
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--duration", type=float, default=6.0)
    a = p.parse_args()

    kw = {}
    if a.compression == "none":
        kw["compression"] = None
    elif a.compression == "custom":
        cmwb = {"true": True, "none": None}.get(a.client_max_window_bits.lower())
        if cmwb is None and a.client_max_window_bits.lower() != "none":
            cmwb = int(a.client_max_window_bits)
        kw["compression"] = None
        kw["extensions"] = [ClientPerMessageDeflateFactory(
            server_no_context_takeover=a.server_no_context_takeover,
            client_no_context_takeover=a.client_no_context_takeover,
            server_max_window_bits=a.server_max_window_bits,
            client_max_window_bits=cmwb,
            compress_settings={"memLevel": 5},
        )]
    ping_interval = 1.0 if a.script == "stream" else None
    async with connect(a.url, proxy=None, ping_interval=ping_interval, max_size=1 << 24, **kw) as ws:
        print(f"connected extensions={ws.response.headers.get('Sec-WebSocket-Extensions')!r}", flush=True)
        if a.script == "short":
            await roundtrip(ws, "hello from python websockets", "text")
            await roundtrip(ws, bytes(range(16)), "binary")
            rtt = await (await ws.ping(b"are you there?"))
            print(f"ping ok rtt={rtt:.6f}s", flush=True)
        elif a.script == "stream":
            start, i = time.monotonic(), 0
            while time.monotonic() - start < a.duration:
                i += 1
                if i % 5 == 0:
                    await roundtrip(ws, bytes((i + k) % 256 for k in range(3000)), f"binary #{i}")
                else:
                    await roundtrip(ws, f"tick {i:04d} " + "." * (i % 50), f"text #{i}")
                await asyncio.sleep(a.interval)
        else:
            await roundtrip(ws, REPEAT, "repetitive text 1360")
            await roundtrip(ws, REPEAT, "same repetitive text again")
            await roundtrip(ws, "hi", "short text")
            await roundtrip(ws, "", "empty text")
            await roundtrip(ws, UTF8, "utf8 text")
            await roundtrip(ws, BIN_REPEAT, "binary 2048 repetitive")
            await roundtrip(ws, BIN_RANDOM, "binary 300 random")
            await roundtrip(ws, ["comp-frag-1 " * 20, "comp-frag-2 " * 20, "comp-frag-3"], "fragmented text")
            await roundtrip(ws, [b"\x00" * 500, b"\x01" * 500], "fragmented binary")
            await roundtrip(ws, HEX_TEXT, "hex text 80000")
            rtt = await (await ws.ping(b"ping-payload"))
            print(f"ping with payload ok rtt={rtt:.6f}s", flush=True)
            await ws.send("server-ping")
            print(f"server-ping -> {await ws.recv()!r}", flush=True)
            await ws.send("server-fragmented")
            print(f"server-fragmented -> {await ws.recv()!r}", flush=True)
        await ws.close(1000, "client done")
        print(f"closed code={ws.close_code} reason={ws.close_reason!r}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
