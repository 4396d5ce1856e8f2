#!/bin/sh
# Remakes the TLS captures of this folder: openssl s_server/s_client on loopback carrying one
# HTTP/1.1 request and response, recorded with dumpcap; each capture's secrets in a key log
# beside it (and, for tls13-dsb.pcapng, inside it as a Decryption Secrets Block).
# Usage: sh tests/oracle/tls/make.sh   (needs openssl, dumpcap, editcap)
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
one() { # name port version-flag suite-flag suite
  name=$1 port=$2
  rm -f "$name.keylog"
  dumpcap -q -i lo -f "tcp port $port" -w "$tmp/$name.pcapng" 2>/dev/null &
  cap=$!
  sleep 1
  printf 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello' > "$tmp/resp"
  (sleep 1; cat "$tmp/resp"; sleep 1) | openssl s_server -quiet -accept "$port" -naccept 1 \
    -cert "$tmp/cert.pem" -key "$tmp/key.pem" "$3" "$4" "$5" -alpn http/1.1 >/dev/null 2>&1 &
  srv=$!
  sleep 0.5
  (printf 'GET /tls HTTP/1.1\r\nHost: localhost\r\n\r\n'; sleep 2) | openssl s_client -quiet \
    -connect 127.0.0.1:"$port" -servername localhost -alpn http/1.1 "$3" "$4" "$5" \
    -keylogfile "$name.keylog" >/dev/null 2>&1 || true
  wait $srv 2>/dev/null || true
  sleep 1
  kill $cap; wait $cap 2>/dev/null || true
  cp "$tmp/$name.pcapng" "$name.pcapng"
}
one tls13-aes128 44301 -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
one tls13-aes256 44305 -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384
one tls13-chacha 44302 -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
one tls12-aes128 44306 -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
one tls12-aes256 44303 -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384
one tls12-chacha 44304 -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
editcap --inject-secrets tls,tls13-aes128.keylog tls13-aes128.pcapng tls13-dsb.pcapng
chmod 644 ./*.pcapng
rm -rf "$tmp"
