#!/usr/bin/env bash
# fuzz.sh — long libFuzzer runs of every harness (ASan + UBSan).
#
#   tools/fuzz.sh [RUNS] [JOBS]     (default: 10000000 executions each, 2 at a time)
#
# Builds the harnesses (build/fuzz, clang) through tools/setup.sh, runs each
# for RUNS executions on a scratch copy of its seed corpus (tests/fuzz/corpus)
# and prints one line per harness: executions, seconds, and the verdict. Any
# crash, leak or sanitizer report stops that harness and is printed in full;
# the reproducer is left in build/fuzz-long/NAME/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-10000000}
jobs=${2:-2}
build=$("$here/tools/setup.sh" --with-fuzz --build-dir "$here/build")
out=$build/fuzz-long
mkdir -p "$out"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_one() {
  local f=$1 t0 t1 status
  mkdir -p "$out/$f/corpus"
  t0=$(date +%s)
  ( cd "$out/$f" && "$build/fuzz/tests/fuzz/fuzz_$f" -runs="$runs" -rss_limit_mb=2048 \
      -print_final_stats=1 corpus "$here/tests/fuzz/corpus/$f" > log 2>&1 )
  status=$?
  t1=$(date +%s)
  local execs
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$out/$f/log" | tail -1)
  printf "%-12s %12s executions %6d s  %s\n" "$f" "${execs:-?}" $((t1 - t0)) \
    "$([ $status = 0 ] && echo "no findings" || echo "FINDING (see $out/$f/log)")"
  return $status
}
export -f run_one
export out build runs here
printf "%s\n" npy_header safetensors config path_regex journal |
  xargs -P "$jobs" -I{} bash -c 'run_one {}'
