#!/usr/bin/env python3
"""A tiny HTTP/1.1 server on raw Python sockets (one thread per connection) that answers
pipelined requests in order. TCP_NODELAY is set, so every send() below is one segment.

  GET  /chunked      200, Transfer-Encoding: chunked, 3 chunks (one with a chunk
                     extension), trailer "X-Checksum"; head and each chunk in its own send()
  GET  /big-chunked  200 chunked: chunks of 30000, 30000 and 123 bytes (sizes in upper-case hex)
  GET  /json         200 with Content-Length
  HEAD /file         200 with Content-Length: 5000 and no body
  GET  /empty        204 No Content
  GET  /etag         304 Not Modified (If-None-Match matches) with ETag and Content-Length: 5000, no body
  POST /submit       201 Created, chunked response that echoes the request body
                     (answers "Expect: 100-continue" with an interim 100 Continue)
  POST /upload       200, Content-Length; the request body is chunked
  GET  /close        200 with Connection: close and no Content-Length: body ends at FIN
"""
import argparse
import socket
import threading
import time


def chunk(data: bytes, ext: str = "", upper: bool = False) -> bytes:
    size = f"{len(data):X}" if upper else f"{len(data):x}"
    return f"{size}{ext}\r\n".encode() + data + b"\r\n"


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def request(self):
        start = self.line().decode()
        method, target, version = start.split(" ")
        headers = {}
        while True:
            l = self.line()
            if not l:
                break
            k, v = l.decode().split(":", 1)
            headers[k.strip().lower()] = v.strip()
        return method, target, version, headers

    def body(self, headers):
        if headers.get("expect", "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if headers.get("transfer-encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.line().split(b";")[0], 16)
                if size == 0:
                    while self.line():  # trailers
                        pass
                    return out
                out += self.take(size)
                self.take(2)
        return self.take(int(headers.get("content-length", "0")))


def serve(sock, log):
    c = Conn(sock)
    send = sock.sendall
    date = "Date: Tue, 24 Nov 2026 10:00:00 GMT\r\nServer: raw-python/1.0\r\n"
    try:
        while True:
            method, target, version, h = c.request()
            body = c.body(h)
            log(f"{method} {target} body={len(body)}")
            if target == "/chunked":
                send(f"HTTP/1.1 200 OK\r\n{date}Content-Type: text/plain\r\n"
                     "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n".encode())
                send(chunk(b"Hello, "))
                send(chunk(b"chunked ", ext=";note=\"second\""))
                send(chunk(b"world!\n"))
                send(b"0\r\nX-Checksum: 9f3c\r\n\r\n")
            elif target == "/big-chunked":
                send(f"HTTP/1.1 200 OK\r\n{date}Content-Type: application/octet-stream\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode()
                     + chunk(bytes(i % 251 for i in range(30000)), upper=True))
                send(chunk(b"B" * 30000, upper=True) + chunk(b"c" * 123, upper=True) + b"0\r\n\r\n")
            elif target == "/json":
                b = b'{"name": "duplex", "pipelined": true}\n'
                send(f"HTTP/1.1 200 OK\r\n{date}Content-Type: application/json\r\n"
                     f"Content-Length: {len(b)}\r\n\r\n".encode() + b)
            elif target == "/file" and method == "HEAD":
                send(f"HTTP/1.1 200 OK\r\n{date}Content-Type: text/plain\r\n"
                     "Content-Length: 5000\r\n\r\n".encode())
            elif target == "/empty":
                send(f"HTTP/1.1 204 No Content\r\n{date}\r\n".encode())
            elif target == "/etag":
                if h.get("if-none-match") == '"v1"':
                    send(f"HTTP/1.1 304 Not Modified\r\n{date}ETag: \"v1\"\r\n"
                         "Content-Length: 5000\r\n\r\n".encode())
                else:
                    b = b"x" * 5000
                    send(f"HTTP/1.1 200 OK\r\n{date}ETag: \"v1\"\r\nContent-Length: 5000\r\n\r\n".encode() + b)
            elif target == "/submit":
                send(f"HTTP/1.1 201 Created\r\n{date}Content-Type: text/plain\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
                send(chunk(b"got " + str(len(body)).encode() + b" bytes: ") + chunk(body[:64]) + b"0\r\n\r\n")
            elif target == "/upload":
                b = f"upload of {len(body)} bytes ok\n".encode()
                send(f"HTTP/1.1 200 OK\r\n{date}Content-Length: {len(b)}\r\n\r\n".encode() + b)
            elif target == "/close":
                send(f"HTTP/1.1 200 OK\r\n{date}Content-Type: text/plain\r\nConnection: close\r\n\r\n".encode())
                time.sleep(0.05)
                send(b"this body has no length; it ends when the server closes.\n")
                send(b"second line of the body.\n")
                break
            else:
                b = b"not found\n"
                send(f"HTTP/1.1 404 Not Found\r\n{date}Content-Length: {len(b)}\r\n\r\n".encode() + b)
            if h.get("connection", "").lower() == "close":
                break
    except EOFError:
        log("client closed")
    sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen()
    print(f"listening 127.0.0.1:{a.port}", flush=True)
    n = 0
    while True:
        s, addr = srv.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        n += 1
        k = n
        threading.Thread(target=serve, args=(s, lambda m: print(f"conn {k} {addr[1]}: {m}", flush=True)),
                         daemon=True).start()


if __name__ == "__main__":
    main()
