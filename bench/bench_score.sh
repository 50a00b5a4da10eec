#!/usr/bin/env bash
# bench_score.sh — `dsesweep score` against ../shared/baseline/numpy_dse.py,
# side by side in one run, on the same generated file per size.
#
#   bench/bench_score.sh [N ...]          (default: 2000 4000 8000; D = 512)
#
# Environment: D (dimensions, default 512), RANKS (dsesweep ranks, default 1),
# THREADS (BLAS threads for both, default: the number of cores / RANKS), BUILD (a build
# directory; default: build/ via tools/setup.sh), REPEATS (runs of each side per N,
# default 3: the minimum is reported), PRECISION (float64, default, or float32: then
# the row also gives the proved interval's width, TOL its target, default 1e-4).
# The driver: the node's tuning file (`dsesweep tune`; $DSESWEEP_TUNING), else the
# built-in table.
# Prints one table row per N: baseline seconds (its own timer, file load
# excluded), dsesweep seconds (its own timer, file read included) and wall
# seconds of the whole command (each the minimum of REPEATS runs, taken one
# after the other so both see the same load), the speed-up, |DSE difference|,
# and the load average before the row.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$("$here/tools/setup.sh" --with-bench --build-dir "$here/build")}
baseline=${BASELINE:-$here/../shared/baseline/numpy_dse.py}
python=/usr/bin/python3   # Debian's python3 with python3-numpy/python3-sklearn
D=${D:-512}
RANKS=${RANKS:-1}
REPEATS=${REPEATS:-3}
PRECISION=${PRECISION:-float64}
TOL=${TOL:-1e-4}
THREADS=${THREADS:-$(( $(nproc) / RANKS > 0 ? $(nproc) / RANKS : 1 ))}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 4000 8000)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); D=$D; dsesweep ranks=$RANKS; BLAS threads per process=$THREADS; sigma=10, t=1; precision=$PRECISION; min of $REPEATS runs"
echo "# eigensolver table: $("$build/dsesweep" tune --show --sizes 1000 | head -1)"
printf "%6s %4s %5s %12s %12s %12s %8s %10s %14s %10s %s\n" N D ranks baseline_s dsesweep_s wall_s speedup dse_diff driver width load
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
for n in "${sizes[@]}"; do
  f=$tmp/z_$n.npy
  "$build/dse_gen" blobs --n "$n" --d "$D" --classes 10 --spread 1 --seed 1 --out "$f"
  load=$(cut -d' ' -f1 /proc/loadavg)
  base_s="" our_s="" wall_s=""
  for ((rep = 0; rep < REPEATS; ++rep)); do
    base=$(OPENBLAS_NUM_THREADS=$THREADS "$python" "$baseline" "$f")
    base_dse=$(sed -E 's/.*dse=([^ ]+).*/\1/' <<<"$base")
    base_s=$(min "$base_s" "$(sed -E 's/.*seconds=([^ ]+).*/\1/' <<<"$base")")
    t0=$(date +%s.%N)
    # --bind-to none: Open MPI would pin a lone rank to one core, halving a 2-thread BLAS.
    ours=$(mpiexec --bind-to none -n "$RANKS" -x OPENBLAS_NUM_THREADS="$THREADS" "$build/dsesweep" score "$f" \
             --quantities DSE --max-n 0 --precision "$PRECISION" --tol "$TOL" --json)
    t1=$(date +%s.%N)
    wall_s=$(min "$wall_s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    our_s=$(min "$our_s" "$("$build/tests/json_get" seconds <<<"$ours")")
  done
  our_dse=$("$build/tests/json_get" "results.0.value" <<<"$ours")
  width=-
  if [ "$PRECISION" = float32 ]; then
    lo=$("$build/tests/json_get" "results.0.lower" <<<"$ours")
    hi=$("$build/tests/json_get" "results.0.upper" <<<"$ours")
    width=$(awk -v a="$lo" -v b="$hi" 'BEGIN { printf "%.2e", b - a }')
    # the value is NaN (null) when the interval is wider than TOL: compare the midpoint
    [ "$our_dse" = null ] && our_dse=$(awk -v a="$lo" -v b="$hi" 'BEGIN { printf "%.15g", (a + b) / 2 }')
  fi
  driver=$("$build/tests/json_get" driver <<<"$ours")
  awk -v n="$n" -v d="$D" -v r="$RANKS" -v b="$base_s" -v o="$our_s" -v w="$wall_s" \
      -v x="$base_dse" -v y="$our_dse" -v drv="$driver" -v wd="$width" -v ld="$load" 'BEGIN {
        diff = x - y; if (diff < 0) diff = -diff;
        printf "%6d %4d %5d %12.2f %12.2f %12.2f %7.2fx %10.1e %14s %10s %s\n", n, d, r, b, o, w, b / o, diff, drv, wd, ld }'
done
