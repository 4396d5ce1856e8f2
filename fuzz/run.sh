#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 30); fails if any finds a crash.
# Works on stable Rust: `--sanitizer none` keeps cargo-fuzz from passing nightly-only -Z flags
# (debug assertions and overflow checks stay on). Set FUZZ_SANITIZER=address on nightly for ASan.
#
#   fuzz/run.sh [SECONDS]         all targets
#   FUZZ_TARGETS="ws conn" fuzz/run.sh 60
#   FUZZ_JOBS=2 fuzz/run.sh 300   libFuzzer workers per target
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-30}
targets=${FUZZ_TARGETS:-http1 ws conn capture lesson tls}
sanitizer=${FUZZ_SANITIZER:-none}
jobs=${FUZZ_JOBS:-1}

command -v cargo-fuzz >/dev/null || {
  echo "run.sh: cargo-fuzz is missing: cargo install cargo-fuzz" >&2
  exit 2
}

# Seeds are cut from assets/captures each time (fuzz/corpus is not committed); the committed
# reproducers of fixed crashes in fuzz/regressions/ join them.
python3 make_seeds.py corpus
for t in $targets; do
  if [ -d "regressions/$t" ]; then
    cp -n regressions/"$t"/* "corpus/$t/" 2>/dev/null || true
  fi
done

cargo fuzz build --sanitizer "$sanitizer"

dict_for() {
  case $1 in
    http1 | conn) echo http.dict ;;
    ws) echo ws.dict ;;
    capture) echo capture.dict ;;
    lesson) echo lesson.dict ;;
    tls) echo tls.dict ;;
  esac
}

failed=()
mkdir -p logs
for t in $targets; do
  echo "== $t: ${seconds}s"
  mkdir -p "corpus/$t" # a target with no seeds from make_seeds.py (tls) starts empty
  log=logs/$t.log
  args=(-max_total_time="$seconds" -dict="$(dict_for "$t")" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10)
  if [ "$jobs" -gt 1 ]; then
    args+=(-fork="$jobs")
  fi
  if cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" -- "${args[@]}" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
    rate=$(grep -o 'exec/s: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
    echo "   ok: $runs runs, $rate exec/s"
  else
    echo "   CRASH — see fuzz/$log and fuzz/artifacts/$t/" >&2
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "run.sh: no crashes"
