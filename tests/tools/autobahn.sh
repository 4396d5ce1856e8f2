#!/usr/bin/env bash
# Runs Autobahn|Testsuite's fuzzing client (the standard WebSocket conformance suite) against a
# WebSocket server on loopback and prints the verdicts. Exits 1 if any case FAILED.
#   usage: autobahn.sh ws://127.0.0.1:PORT/PATH ['["1.*","2.*"]'] [REPORT_DIR]
# wstest is Python 2 only; this machine's pyenv has 2.7.18. The first run installs wstest into
# $AUTOBAHN_VENV (default ~/.cache/autobahn-venv), about 30 s. Exit 2: the tools are missing.
# AUTOBAHN_OFFER_DEFLATE=1: every case offers permessage-deflate (for cases 1-10 with it on).
# AUTOBAHN_EXCLUDE='["6.4.3"]': cases left out.
set -eu
url=$1; cases=${2:-'["1.*","2.*","3.*","4.*","5.*","6.*","7.*","10.*"]'}
report=${3:-$(mktemp -d)}
venv=${AUTOBAHN_VENV:-$HOME/.cache/autobahn-venv}
if [ ! -x "$venv/bin/wstest" ]; then
  py2=""
  for c in python2.7 "$(pyenv root 2>/dev/null)/versions/2.7.18/bin/python" "$HOME/.pyenv/versions/2.7.18/bin/python"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; assert sys.version_info[0] == 2' 2>/dev/null; then py2=$c; break; fi
  done
  [ -n "$py2" ] || { echo "autobahn.sh: no Python 2.7 found (wstest needs it)" >&2; exit 2; }
  # Exit 2 (not 1) when the tools cannot be had, so a caller can tell "skipped" from "failed".
  log=$(mktemp)
  "$py2" -m pip install -q --user virtualenv==20.15.1 >"$log" 2>&1 \
    || { echo "autobahn.sh: pip could not install virtualenv for Python 2.7: $(tail -1 "$log")" >&2; exit 2; }
  "$py2" -m virtualenv -q "$venv" >"$log" 2>&1 \
    || { echo "autobahn.sh: could not make a virtualenv at $venv: $(tail -1 "$log")" >&2; exit 2; }
  "$venv/bin/pip" install -q autobahntestsuite==25.10.1 >"$log" 2>&1 \
    || { rm -rf "$venv"; echo "autobahn.sh: pip could not install autobahntestsuite: $(tail -1 "$log")" >&2; exit 2; }
fi
work=$(mktemp -d)
cat >"$work/fuzzingclient.json" <<JSON
{"outdir": "$report", "servers": [{"agent": "server-under-test", "url": "$url"}],
 "cases": $cases, "exclude-cases": ${AUTOBAHN_EXCLUDE:-[]}, "exclude-agent-cases": {}}
JSON
if [ "${AUTOBAHN_OFFER_DEFLATE:-}" = 1 ]; then
  # Every case offers permessage-deflate (cases 12 and 13 set their own offers), so that cases
  # 1-10 run with compression negotiated: wstest has no option for it, so patch its defaults.
  cat >"$work/wstest_deflate.py" <<'PY'
import sys
from autobahn.websocket import protocol
from autobahn.websocket.compress import (PerMessageDeflateOffer, PerMessageDeflateResponse,
                                         PerMessageDeflateResponseAccept)
reset = protocol.WebSocketClientFactory.resetProtocolOptions
def offering(self):
    reset(self)
    self.perMessageCompressionOffers = [PerMessageDeflateOffer()]
    self.perMessageCompressionAccept = lambda r: (PerMessageDeflateResponseAccept(r)
        if isinstance(r, PerMessageDeflateResponse) else None)
protocol.WebSocketClientFactory.resetProtocolOptions = offering
from autobahntestsuite import wstest
sys.argv = ["wstest", "-m", "fuzzingclient", "-s", "fuzzingclient.json"]
wstest.run()
PY
  (cd "$work" && "$venv/bin/python" wstest_deflate.py) >"$work/wstest.log" 2>&1 || true
else
  (cd "$work" && "$venv/bin/wstest" -m fuzzingclient -s fuzzingclient.json) >"$work/wstest.log" 2>&1 || true
fi
python3 - "$report/index.json" <<'PY'
import json, sys, collections
try:
    d = json.load(open(sys.argv[1]))
except OSError:
    print("autobahn.sh: no report was written (is the server up?)"); sys.exit(1)
res = d["server-under-test"]
count = collections.Counter(v["behavior"] for v in res.values())
closec = collections.Counter(v["behaviorClose"] for v in res.values())
failed = sorted((k for k, v in res.items() if v["behavior"] == "FAILED" or v["behaviorClose"] == "FAILED"),
                key=lambda s: [int(x) for x in s.split(".")])
for k in failed[:20]:
    print("FAILED", k, res[k]["behavior"], res[k]["behaviorClose"])
print(f"autobahn: {len(res)} cases, behavior {dict(count)}, close {dict(closec)}, failed {len(failed)}")
sys.exit(1 if failed else 0)
PY
