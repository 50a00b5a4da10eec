#!/usr/bin/env bash
# run_fuzzer.sh — run one libFuzzer harness for a bounded time.
# usage: run_fuzzer.sh HARNESS SEED_CORPUS SCRATCH_CORPUS SECONDS [more libFuzzer flags]
# Exit 77 (skipped) when the harness was not built (no clang); otherwise
# libFuzzer's status: non-zero on any crash, leak, or sanitizer report.
set -u
harness=$1 seeds=$2 scratch=$3 seconds=$4
shift 4
[ -x "$harness" ] || { echo "SKIPPED: $harness not built (clang missing)"; exit 77; }
mkdir -p "$scratch"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
out=$("$harness" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "$@" \
        "$scratch" "$seeds" 2>&1)
status=$?
grep -E "^(Done|stat::number_of_executed_units)|ERROR|SUMMARY" <<<"$out" | head -20
[ $status = 0 ] || tail -40 <<<"$out"
exit $status
