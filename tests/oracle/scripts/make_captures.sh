#!/usr/bin/env bash
# Makes the captures described under "Captures made for duplex" in ../CAPTURES.md.
#   make_captures.sh OUTDIR [NAME...]      (default: all of them)
# Needs: tcpdump, dumpcap (Wireshark), curl, python3 with `websockets` (17.4). Run as root
# (or with capture rights). All traffic is on the loopback interface.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
OUT=$(realpath "${1:?usage: make_captures.sh OUTDIR [NAME...]}"); shift
mkdir -p "$OUT/logs"
LOG="$OUT/logs"
SYNC=$(mktemp -d)

# dumpcap variant of cap_start (pcapng). Extra args go before -w.
dcap_start() {
  local file=$1 iface=$2 filter=$3; shift 3
  rm -f "$file" "$file.dumpcap.log"
  dumpcap -q -i "$iface" -f "$filter" "$@" -w "$file" 2> "$file.dumpcap.log" &
  CAP_PID=$!
  for _ in $(seq 1 100); do
    grep -q "Capturing on" "$file.dumpcap.log" 2>/dev/null && break
    sleep 0.05
  done
  sleep 0.5
}

start_server() {   # start_server LOGNAME CMD... ; sets SRV_PID
  "$@" > "$LOG/$1.log" 2>&1 &
  SRV_PID=$!
}

ws_deflate() {  # 1. permessage-deflate, websockets defaults (context takeover)
  local f="$OUT/ws-deflate.pcap"
  $PY "$HERE/ws_echo_server_ext.py" --port 8110 --compression deflate > "$LOG/ws-deflate.server.log" 2>&1 &
  local srv=$!; wait_port 8110
  cap_start "$f" 'tcp port 8110'
  $PY "$HERE/ws_client_ext.py" --url 'ws://127.0.0.1:8110/deflate' --compression deflate --script deflate \
    > "$LOG/ws-deflate.client.log" 2>&1
  cap_stop; stop_pid $srv
  mv "$f.tcpdump.log" "$LOG/ws-deflate.pcap.tcpdump.log"
}

ws_basic_deflate() {  # 1b. the shared ws-basic script (captures/scripts), with permessage-deflate
  local f="$OUT/ws-basic-deflate.pcap"
  $PY "$HERE/ws_echo_server.py" --port 8120 --compression deflate --subprotocol chat.v1 > "$LOG/ws-basic-deflate.server.log" 2>&1 &
  local srv=$!; wait_port 8120
  cap_start "$f" 'tcp port 8120'
  $PY "$HERE/ws_basic_client.py" --url 'ws://127.0.0.1:8120/chat?room=deflate' --compression deflate \
    --subprotocol chat.v1 > "$LOG/ws-basic-deflate.client.log" 2>&1
  cap_stop; stop_pid $srv
  mv "$f.tcpdump.log" "$LOG/ws-basic-deflate.pcap.tcpdump.log"
}

ws_deflate_nctx() {  # 2. no context takeover, window bits 10; a 2nd connection where the server declines
  local f="$OUT/ws-deflate-nctx.pcapng"
  $PY "$HERE/ws_echo_server_ext.py" --port 8111 --compression custom \
    --server-no-context-takeover --client-no-context-takeover \
    --server-max-window-bits 10 --client-max-window-bits 10 > "$LOG/ws-deflate-nctx.server.log" 2>&1 &
  local srv=$!
  $PY "$HERE/ws_echo_server_ext.py" --port 8112 --compression none > "$LOG/ws-deflate-nctx.server2.log" 2>&1 &
  local srv2=$!
  wait_port 8111; wait_port 8112
  dcap_start "$f" lo 'tcp port 8111 or tcp port 8112'
  $PY "$HERE/ws_client_ext.py" --url 'ws://127.0.0.1:8111/nctx' --compression custom \
    --server-no-context-takeover --client-no-context-takeover \
    --server-max-window-bits 10 --client-max-window-bits true --script deflate \
    > "$LOG/ws-deflate-nctx.client.log" 2>&1
  $PY "$HERE/ws_client_ext.py" --url 'ws://127.0.0.1:8112/declined' --compression deflate --script short \
    > "$LOG/ws-deflate-nctx.client2.log" 2>&1
  cap_stop; stop_pid $srv; stop_pid $srv2
  mv "$f.dumpcap.log" "$LOG/ws-deflate-nctx.pcapng.dumpcap.log"
}

ws_abrupt_kill() {  # 3. processes killed with SIGKILL mid-conversation
  local f="$OUT/ws-abrupt-kill.pcap" srv cli
  cap_start "$f" 'tcp port 8113'
  # A: server killed while idle -> server's kernel sends FIN; the client then sends a
  #    text frame to the dead socket -> RST from the server side.
  $PY "$HERE/ws_echo_server_ext.py" --port 8113 > "$LOG/ws-abrupt-kill.A.server.log" 2>&1 &
  srv=$!; wait_port 8113
  $PY "$HERE/ws_raw_client.py" ws://127.0.0.1:8113/killed-idle \
    text:before-kill-1 recv text:before-kill-2 recv mark:$SYNC/a1 wait:$SYNC/a2 recv \
    sleep:0.2 text:anyone-there? sleep:0.3 recv shut > "$LOG/ws-abrupt-kill.A.client.log" 2>&1 &
  cli=$!
  while [ ! -e $SYNC/a1 ]; do sleep 0.01; done
  sleep 0.2; kill -KILL $srv; wait $srv 2>/dev/null || true; touch $SYNC/a2
  wait $cli || true
  sleep 0.3
  # B: server stopped (SIGSTOP), the client sends a message it never reads, server
  #    killed -> unread data in its receive buffer -> RST without FIN.
  $PY "$HERE/ws_echo_server_ext.py" --port 8113 > "$LOG/ws-abrupt-kill.B.server.log" 2>&1 &
  srv=$!; wait_port 8113
  $PY "$HERE/ws_raw_client.py" ws://127.0.0.1:8113/killed-with-unread-data \
    text:echo-me recv mark:$SYNC/b1 wait:$SYNC/b2 text:never-read sleep:0.2 mark:$SYNC/b3 \
    recv shut > "$LOG/ws-abrupt-kill.B.client.log" 2>&1 &
  cli=$!
  while [ ! -e $SYNC/b1 ]; do sleep 0.01; done
  kill -STOP $srv; touch $SYNC/b2
  while [ ! -e $SYNC/b3 ]; do sleep 0.01; done
  kill -KILL $srv; wait $srv 2>/dev/null || true
  wait $cli || true
  sleep 0.3
  # C: client killed after reading its echoes -> client FIN; the websockets server sees
  #    EOF without a close frame and closes too (FIN).
  $PY "$HERE/ws_echo_server_ext.py" --port 8113 > "$LOG/ws-abrupt-kill.C.server.log" 2>&1 &
  srv=$!; wait_port 8113
  $PY "$HERE/ws_raw_client.py" ws://127.0.0.1:8113/client-killed \
    text:hello recv bin:40 recv mark:$SYNC/c1 hold > "$LOG/ws-abrupt-kill.C.client.log" 2>&1 &
  cli=$!
  while [ ! -e $SYNC/c1 ]; do sleep 0.01; done
  sleep 0.1; kill -KILL $cli; wait $cli 2>/dev/null || true
  sleep 0.3
  # D: client killed with an unread echo in its receive buffer -> RST from the client.
  $PY "$HERE/ws_raw_client.py" ws://127.0.0.1:8113/client-killed-unread \
    text:first recv text:echo-never-read sleep:0.2 mark:$SYNC/d1 hold > "$LOG/ws-abrupt-kill.D.client.log" 2>&1 &
  cli=$!
  while [ ! -e $SYNC/d1 ]; do sleep 0.01; done
  kill -KILL $cli; wait $cli 2>/dev/null || true
  sleep 0.3
  stop_pid $srv
  # E: server with a 16 KiB receive buffer is stopped; the client starts a 300000-byte
  #    binary frame that cannot all be sent; server killed -> RST in the middle of the frame.
  $PY "$HERE/ws_echo_server_ext.py" --port 8113 --rcvbuf 16384 > "$LOG/ws-abrupt-kill.E.server.log" 2>&1 &
  srv=$!; wait_port 8113
  $PY "$HERE/ws_raw_client.py" ws://127.0.0.1:8113/killed-mid-frame \
    text:small recv mark:$SYNC/e1 wait:$SYNC/e2 bin-async:300000 sleep:0.3 mark:$SYNC/e3 \
    sleep:0.3 shut > "$LOG/ws-abrupt-kill.E.client.log" 2>&1 &
  cli=$!
  while [ ! -e $SYNC/e1 ]; do sleep 0.01; done
  kill -STOP $srv; touch $SYNC/e2
  while [ ! -e $SYNC/e3 ]; do sleep 0.01; done
  kill -KILL $srv; wait $srv 2>/dev/null || true
  wait $cli || true
  cap_stop
  mv "$f.tcpdump.log" "$LOG/ws-abrupt-kill.pcap.tcpdump.log"
}

ws_cut_midstream() {  # 4. capture starts after the handshake and stops before the end
  local f="$OUT/ws-cut-midstream.pcap"
  $PY "$HERE/ws_echo_server_ext.py" --port 8114 > "$LOG/ws-cut-midstream.server.log" 2>&1 &
  local srv=$!; wait_port 8114
  $PY "$HERE/ws_client_ext.py" --url 'ws://127.0.0.1:8114/stream' --script stream \
    --interval 0.1 --duration 6 > "$LOG/ws-cut-midstream.client.log" 2>&1 &
  local cli=$!
  sleep 1.5
  cap_start "$f" 'tcp port 8114'
  # a second connection whose handshake is in the file but whose end is not
  $PY "$HERE/ws_client_ext.py" --url 'ws://127.0.0.1:8114/stream-late' --script stream \
    --interval 0.15 --duration 4 > "$LOG/ws-cut-midstream.client2.log" 2>&1 &
  local cli2=$!
  sleep 2
  kill -INT "$CAP_PID"; wait "$CAP_PID" || true
  wait $cli; wait $cli2; stop_pid $srv
  mv "$f.tcpdump.log" "$LOG/ws-cut-midstream.pcap.tcpdump.log"
}

http11_chunked_pipelined() {  # 5. pipelining, chunked + trailers, HEAD/204/304, 100-continue, close-delimited
  local f="$OUT/http11-chunked-pipelined.pcap"
  $PY "$HERE/http11_raw_server.py" --port 8115 > "$LOG/http11-chunked-pipelined.server.log" 2>&1 &
  local srv=$!; wait_port 8115
  cap_start "$f" 'tcp port 8115'
  $PY "$HERE/http11_pipeline_client.py" 8115 > "$LOG/http11-chunked-pipelined.client.log" 2>&1
  # curl 7.88 only sends "Expect: 100-continue" by itself for bodies over 1 MiB: ask for it
  head -c 2000 /dev/zero | tr '\0' 'q' > "$SYNC/body2000"
  curl -sS --noproxy '*' -o /dev/null -w 'curl: %{http_code} %{size_upload}\n' -H 'Expect: 100-continue' \
    --data-binary @"$SYNC/body2000" http://127.0.0.1:8115/submit >> "$LOG/http11-chunked-pipelined.client.log" 2>&1
  cap_stop; stop_pid $srv
  mv "$f.tcpdump.log" "$LOG/http11-chunked-pipelined.pcap.tcpdump.log"
}

ws_ipv6() {  # 6a. WebSocket (with deflate) over [::1], loopback, Ethernet link type
  local f="$OUT/ws-ipv6.pcap"
  $PY "$HERE/ws_echo_server_ext.py" --host ::1 --port 8116 --compression deflate > "$LOG/ws-ipv6.server.log" 2>&1 &
  local srv=$!; wait_port 8116
  cap_start "$f" 'tcp port 8116'
  $PY "$HERE/ws_client_ext.py" --url 'ws://[::1]:8116/v6' --compression deflate --script short \
    > "$LOG/ws-ipv6.client.log" 2>&1
  cap_stop; stop_pid $srv
  mv "$f.tcpdump.log" "$LOG/ws-ipv6.pcap.tcpdump.log"
}

ws_any_sll() {  # 6b. -i any: Linux cooked v1 (SLL, link type 113), IPv4
  local f="$OUT/ws-any-sll.pcap"
  $PY "$HERE/ws_echo_server_ext.py" --port 8117 > "$LOG/ws-any-sll.server.log" 2>&1 &
  local srv=$!; wait_port 8117
  rm -f "$f"
  tcpdump -i any -y LINUX_SLL --immediate-mode -B 131072 -U -w "$f" 'tcp port 8117' 2> "$f.tcpdump.log" &
  CAP_PID=$!; sleep 1
  $PY "$HERE/ws_client_ext.py" --url 'ws://127.0.0.1:8117/any' --script short > "$LOG/ws-any-sll.client.log" 2>&1
  cap_stop; stop_pid $srv
  mv "$f.tcpdump.log" "$LOG/ws-any-sll.pcap.tcpdump.log"
}

ws_any_sll2_ipv6() {  # 6c. dumpcap -i any -y LINUX_SLL2 (link type 276), pcapng, IPv6 + IPv4
  local f="$OUT/ws-any-sll2.pcapng"
  $PY "$HERE/ws_echo_server_ext.py" --host ::1 --port 8118 --compression deflate > "$LOG/ws-any-sll2.server.log" 2>&1 &
  local srv=$!
  $PY "$HERE/ws_echo_server_ext.py" --port 8119 > "$LOG/ws-any-sll2.server2.log" 2>&1 &
  local srv2=$!
  wait_port 8118; wait_port 8119
  dcap_start "$f" any 'tcp port 8118 or tcp port 8119' -y LINUX_SLL2
  $PY "$HERE/ws_client_ext.py" --url 'ws://[::1]:8118/sll2-v6' --compression deflate --script short \
    > "$LOG/ws-any-sll2.client.log" 2>&1
  $PY "$HERE/ws_raw_client.py" ws://127.0.0.1:8119/sll2-v4 text:over-ipv4 recv close:1001 recv shut \
    > "$LOG/ws-any-sll2.client2.log" 2>&1
  cap_stop; stop_pid $srv; stop_pid $srv2
  mv "$f.dumpcap.log" "$LOG/ws-any-sll2.pcapng.dumpcap.log"
}

autobahn_deflate() {  # 7. Autobahn|Testsuite case 13.7.1 (three permessage-deflate offers) against websockets
  local f="$OUT/autobahn-13-7-1-deflate.pcap"
  $PY "$HERE/ws_echo_server_ext.py" --port 8121 --compression deflate > "$LOG/autobahn-13-7-1-deflate.server.log" 2>&1 &
  local srv=$!; wait_port 8121
  cap_start "$f" 'tcp port 8121'
  bash "$HERE/../../tools/autobahn.sh" ws://127.0.0.1:8121/ '["13.7.1"]' "$OUT/autobahn-report" \
    > "$LOG/autobahn-13-7-1-deflate.wstest.log" 2>&1
  cap_stop; stop_pid $srv
  cp "$OUT/autobahn-report/index.json" "$OUT/autobahn-13-7-1-deflate.autobahn-index.json"
  mv "$f.tcpdump.log" "$LOG/autobahn-13-7-1-deflate.pcap.tcpdump.log"
}

ALL="ws_deflate ws_basic_deflate ws_deflate_nctx ws_abrupt_kill ws_cut_midstream http11_chunked_pipelined ws_ipv6 ws_any_sll ws_any_sll2_ipv6 autobahn_deflate"
for name in ${@:-$ALL}; do
  echo "== $name"; $name
done
rm -rf "$SYNC"
