#!/usr/bin/env python3
"""WebSocket client on a plain blocking socket, with the bytes made by the third-party
`websockets` library's sans-I/O ClientProtocol. Runs a list of steps, so that a shell
script can kill the server (or this client) at a precise moment:

  text:STR        send a text message          bin:N      send N bytes 0,1,2,...
  bin-async:N     send N bytes from a background thread (the send may block forever)
  recv            read until one data message (or EOF / reset) arrives; print it
  sleep:SEC       sleep                        mark:PATH  create the file PATH
  wait:PATH       wait until the file PATH exists (the shell script creates it)
  close:CODE      send a close frame           hold       sleep forever (never read)
  shut            close the socket (the kernel sends FIN, or RST if data is unread)

EOF from the server is not fed to the protocol object, so a `text:` step after the
server died still writes a frame (that is the point of the capture).
"""
import os
import socket
import sys
import threading
import time

from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri


def main():
    url, steps = sys.argv[1], sys.argv[2:]
    uri = parse_uri(url)
    family = socket.AF_INET6 if ":" in uri.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.connect((uri.host, uri.port))
    proto = ClientProtocol(uri)
    proto.send_request(proto.connect())

    def flush():
        for chunk in proto.data_to_send():
            if chunk:
                sock.sendall(chunk)

    def read_events():
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            print("recv: connection reset (RST)", flush=True)
            return None
        if not data:
            print("recv: EOF (FIN)", flush=True)
            return None
        proto.receive_data(data)
        flush()  # pongs, close replies
        return proto.events_received()

    flush()
    while True:
        evs = read_events()
        if evs is None:
            sys.exit(1)
        if any(isinstance(e, Response) for e in evs):
            break
    print(f"connected status={proto.handshake_exc or 101}", flush=True)

    for step in steps:
        cmd, _, arg = step.partition(":")
        if cmd == "text":
            proto.send_text(arg.encode())
            flush()
            print(f"sent text {arg!r}", flush=True)
        elif cmd == "bin":
            proto.send_binary(bytes(i % 256 for i in range(int(arg))))
            flush()
            print(f"sent binary {arg} B", flush=True)
        elif cmd == "bin-async":
            proto.send_binary(bytes(i % 256 for i in range(int(arg))))
            chunks = proto.data_to_send()

            def push(n=arg):
                try:
                    for c in chunks:
                        sock.sendall(c)
                    print(f"background send of {n} B done", flush=True)
                except OSError as e:
                    print(f"background send of {n} B failed: {e}", flush=True)

            threading.Thread(target=push, daemon=True).start()
            print(f"sending binary {arg} B in the background", flush=True)
        elif cmd == "close":
            proto.send_close(int(arg), "client done")
            flush()
            print(f"sent close {arg}", flush=True)
        elif cmd == "recv":
            got = False
            while not got:
                evs = read_events()
                if evs is None:
                    break
                for e in evs:
                    if e.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CLOSE):
                        print(f"received {e.opcode.name} {len(e.data)} B", flush=True)
                        got = True
        elif cmd == "sleep":
            time.sleep(float(arg))
        elif cmd == "mark":
            open(arg, "w").close()
        elif cmd == "wait":
            while not os.path.exists(arg):
                time.sleep(0.01)
        elif cmd == "hold":
            while True:
                time.sleep(1)
        elif cmd == "shut":
            sock.close()
            print("socket closed", flush=True)
            return
        else:
            sys.exit(f"unknown step {step}")


if __name__ == "__main__":
    main()
