#!/usr/bin/env bash
# bench_sigma_rules.sh — what bandwidth rules cost: `dsesweep score --quantities DSE`
# with one fixed sigma (the baseline, measured in the same run), the median
# and knn rules alone, two rules in one run (one distance computation, two
# eigensolves) against the same two rules as two runs, and the default
# quantities against --quantities all.
#
#   bench/bench_sigma_rules.sh [N]      (default N = 2000; D = 512)
#
# Environment: D (default 512), BUILD (default build/), RANKS (default 1).
# Every time is the program's own "seconds" (file read included), the best of
# REPS runs (default 3); ratios are against the fixed-sigma baseline.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$here/build}
N=${1:-2000} D=${D:-512} RANKS=${RANKS:-1} REPS=${REPS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
"$build/dse_gen" blobs --n "$N" --d "$D" --classes 10 --spread 1 --seed 1 --out "$tmp/z.npy"
best() {  # ARGS... -> best "seconds" of REPS runs
  local b=""
  for _ in $(seq "$REPS"); do
    s=$(mpiexec --bind-to none -n "$RANKS" -x OPENBLAS_NUM_THREADS=1 "$build/dsesweep" score "$tmp/z.npy" \
          --max-n 0 --json "$@" | "$build/tests/json_get" seconds)
    b=$(awk -v a="$s" -v b="$b" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  echo "$b"
}
echo "# $(date -u +%FT%TZ) $(nproc) cores; N=$N D=$D ranks=$RANKS BLAS threads=1; best of $REPS"
base=$(best --quantities DSE --sigma 10)
printf "%-44s %9s %7s\n" case seconds ratio
row() { printf "%-44s %9.3f %7.2f\n" "$1" "$2" "$(awk -v a="$2" -v b="$base" 'BEGIN { print a / b }')"; }
row "DSE, sigma = 10 (baseline)" "$base"
row "DSE, sigma = median" "$(best --quantities DSE --sigma median)"
row "DSE, sigma = knn:7" "$(best --quantities DSE --sigma knn:7)"
two=$(best --quantities DSE --sigma 10,median)
row "DSE, sigma = 10,median (one run)" "$two"
a=$(best --quantities DSE --sigma 10); b=$(best --quantities DSE --sigma median)
row "DSE, sigma = 10 and median (two runs)" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a + b }')"
row "DSE, --subsample-repeats 4 at max_n = N/2" \
  "$(best --quantities DSE --sigma 10 --max-n $((N / 2)) --subsample-repeats 4)"
row "--quantities all (no labels)" "$(best --quantities all --sigma 10)"
