#!/usr/bin/env bash
# Peak memory of `duplex replay --summary` on each adversarial capture of make_captures.py, with
# `cat` of the same file as the baseline. Usage: hostile/replay_memory.sh [DIR] (builds release).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/duplex-hostile}
[ -f "$dir/conn-storm.pcap" ] || python3 hostile/make_captures.py "$dir"
cargo build --release -q
printf '%-20s %8s %10s %10s %8s\n' capture MB duplex_MiB cat_MiB seconds
for f in syn-flood ooo-bytes deflate-open conn-storm; do
  file="$dir/$f.pcap"
  out=$( { /usr/bin/time -f '%M %e' target/release/duplex replay --summary "$file" >/dev/null; } 2>&1 | tail -1)
  cat_kb=$( { /usr/bin/time -f '%M' cat "$file" >/dev/null; } 2>&1 | tail -1)
  read -r kb secs <<<"$out"
  printf '%-20s %8d %10d %10d %8s\n' "$f" $(( $(stat -c %s "$file") / 1000000 )) $((kb / 1024)) $((cat_kb / 1024)) "$secs"
done
