#!/usr/bin/env python3
"""Echo server on the third-party `websockets` library (asyncio API): the shared
captures/scripts/ws_echo_server.py plus IPv6, explicit permessage-deflate parameters
and automatic pings.

Every message is echoed back unchanged, except these command strings:
  "server-ping"       -> server sends a ping (payload b"srv-ping"), waits for the pong,
                         then sends the text "pong received"
  "server-fragmented" -> server replies with one text message sent as 3 fragments
                         (websockets adds an empty final continuation frame)
  "server-close"      -> server starts the closing handshake (1000, "server says bye")
Prints one line per finished connection to stdout.
"""
import argparse
import asyncio
import os
import socket

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory


async def handler(ws):
    try:
        async for msg in ws:
            if msg == "server-ping":
                waiter = await ws.ping(b"srv-ping")
                await waiter
                await ws.send("pong received")
            elif msg == "server-fragmented":
                await ws.send(["server ", "fragmented ", "reply"])
            elif msg == "server-close":
                await ws.close(1000, "server says bye")
                break
            else:
                await ws.send(msg)
    except ConnectionClosed:
        pass
    print(f"connection finished path={ws.request.path} close_code={ws.close_code} "
          f"extensions={ws.request.headers.get('Sec-WebSocket-Extensions')!r} -> "
          f"{ws.response.headers.get('Sec-WebSocket-Extensions')!r}", flush=True)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--compression", choices=["none", "deflate", "custom"], default="none",
                   help="deflate = websockets' defaults (context takeover, window bits 12); "
                        "custom = ServerPerMessageDeflateFactory with the options below")
    p.add_argument("--server-no-context-takeover", action="store_true")
    p.add_argument("--client-no-context-takeover", action="store_true")
    p.add_argument("--server-max-window-bits", type=int)
    p.add_argument("--client-max-window-bits", type=int)
    p.add_argument("--ping-interval", type=float, default=None)
    p.add_argument("--max-size", type=int, default=1 << 24)
    p.add_argument("--rcvbuf", type=int, default=0,
                   help="SO_RCVBUF for the listening socket (inherited by accepted sockets)")
    a = p.parse_args()

    family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    sock.bind((a.host, a.port))

    kw = {}
    if a.compression == "none":
        kw["compression"] = None
    elif a.compression == "custom":
        kw["compression"] = None
        kw["extensions"] = [ServerPerMessageDeflateFactory(
            server_no_context_takeover=a.server_no_context_takeover,
            client_no_context_takeover=a.client_no_context_takeover,
            server_max_window_bits=a.server_max_window_bits,
            client_max_window_bits=a.client_max_window_bits,
            compress_settings={"memLevel": 5},
        )]
    async with serve(handler, sock=sock, max_size=a.max_size,
                     ping_interval=a.ping_interval, **kw) as server:
        print(f"listening {a.host}:{a.port} compression={a.compression} pid={os.getpid()}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
