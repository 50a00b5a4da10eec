#!/bin/sh
# bench_bounded.sh — DSE beyond the dense limit (issue 18): the bounded method
# (certified head + statistical tail by SLQ) vs the exact solve in the same
# run, D = 512, tol = 0.01. Never a test; the figures are in
# docs/performance.md ("DSE beyond the dense limit").
# Usage: bench/bench_bounded.sh [BUILD_DIR] [PART]
#   PART: validate (N = 10000, three kinds, exact in the same run),
#         20000 (blobs and slow, exact in the same run: ~7 min each here),
#         50000 (blobs and slow, bounded only, K in float32),
#         100000 (the 2-rank memory model: refused or run),
#         all (default: every part, one at a time).
set -eu
B=${1:-build}
PART=${2:-all}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
one() { OPENBLAS_NUM_THREADS=2 "$B/bench/bench_bounded" "$@"; }
if [ "$PART" = validate ] || [ "$PART" = all ]; then
  for kind in embedding blobs slow; do one "$kind" 10000 512 exact 1000 0 stat; done
fi
if [ "$PART" = 20000 ] || [ "$PART" = all ]; then
  for kind in blobs slow; do one "$kind" 20000 512 exact 1000 0 stat; done
fi
if [ "$PART" = 50000 ] || [ "$PART" = all ]; then
  # float64 K would take 20 GB: a 14 GB budget keeps it in float32 (10 GB).
  for kind in blobs slow; do one "$kind" 50000 512 no 1000 14000000000 stat; done
fi
if [ "$PART" = 100000 ] || [ "$PART" = all ]; then
  # Two ranks with 10 GB each: the model decides; a rebuilt K is refused here
  # (every product would rebuild 10^10 kernel entries from D = 512).
  one model 100000 512 2 10000000000
fi
