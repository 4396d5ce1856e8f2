#!/usr/bin/env python3
"""HTTP/1.1 client on a raw Python socket: pipelines requests (several in one send()) and
reads whatever comes back (it does not parse; it waits until the server is quiet).

  send 1: GET /chunked, GET /json, HEAD /file            (3 requests in one segment)
  send 2: POST /submit (Content-Length: 23 body), GET /empty  (one segment)
  send 3: GET /etag with If-None-Match: "v1"             -> 304
  send 4: POST /upload with a chunked request body, sent in 3 pieces 50 ms apart
  send 5: GET /big-chunked
  send 6: GET /close with Connection: close; read until the server's FIN
"""
import socket
import sys
import time

HOST = "Host: 127.0.0.1:{port}\r\nUser-Agent: raw-pipeline/1.0\r\n"


def main():
    port = int(sys.argv[1])
    h = HOST.format(port=port)
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def drain(label, until_close=False):
        s.settimeout(0.3)
        got = b""
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                if until_close:
                    continue
                break
            if not d:
                print(f"{label}: server closed", flush=True)
                break
            got += d
        print(f"{label}: {len(got)} bytes, {got.count(b'HTTP/1.1 ')} status lines", flush=True)

    s.sendall((f"GET /chunked HTTP/1.1\r\n{h}\r\n"
               f"GET /json HTTP/1.1\r\n{h}Accept: application/json\r\n\r\n"
               f"HEAD /file HTTP/1.1\r\n{h}\r\n").encode())
    drain("pipelined GET, GET, HEAD")
    body = b"name=duplex&kind=pipe\r\n"
    s.sendall((f"POST /submit HTTP/1.1\r\n{h}Content-Type: application/x-www-form-urlencoded\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
              + f"GET /empty HTTP/1.1\r\n{h}\r\n".encode())
    drain("pipelined POST, GET 204")
    s.sendall(f"GET /etag HTTP/1.1\r\n{h}If-None-Match: \"v1\"\r\n\r\n".encode())
    drain("GET 304")
    s.sendall(f"POST /upload HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nfirst\r\n".encode())
    time.sleep(0.05)
    s.sendall(b"1a;piece=2\r\nabcdefghijklmnopqrstuvwxyz\r\n")
    time.sleep(0.05)
    s.sendall(b"0\r\nX-Upload-Trailer: done\r\n\r\n")
    drain("chunked POST")
    s.sendall(f"GET /big-chunked HTTP/1.1\r\n{h}\r\n".encode())
    drain("GET big chunked")
    s.sendall(f"GET /close HTTP/1.1\r\n{h}Connection: close\r\n\r\n".encode())
    drain("GET close", until_close=True)
    s.close()


if __name__ == "__main__":
    main()
