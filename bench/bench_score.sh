#!/usr/bin/env bash
# bench_score.sh — `dsesweep score` against ../shared/baseline/numpy_dse.py,
# side by side in one run, on the same generated file per size.
#
#   bench/bench_score.sh [N ...]          (default: 2000 4000 8000; D = 512)
#
# Environment: D (dimensions, default 512), RANKS (dsesweep ranks, default 1),
# THREADS (BLAS threads for both, default: the number of cores / RANKS), BUILD (a build
# directory; default: build/ via tools/setup.sh). The driver: the node's tuning file
# (`dsesweep tune`; $DSESWEEP_TUNING), else the built-in table.
# Prints one table row per N: baseline seconds (its own timer, file load
# excluded), dsesweep seconds (its own timer, file read included) and wall
# seconds of the whole command, the speed-up, and |DSE difference|.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$("$here/tools/setup.sh" --with-bench --build-dir "$here/build")}
baseline=${BASELINE:-$here/../shared/baseline/numpy_dse.py}
python=/usr/bin/python3   # Debian's python3 with python3-numpy/python3-sklearn
D=${D:-512}
RANKS=${RANKS:-1}
THREADS=${THREADS:-$(( $(nproc) / RANKS > 0 ? $(nproc) / RANKS : 1 ))}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 4000 8000)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); D=$D; dsesweep ranks=$RANKS; BLAS threads per process=$THREADS; sigma=10, t=1"
echo "# eigensolver table: $("$build/dsesweep" tune --show --sizes 1000 | head -1)"
printf "%6s %4s %5s %12s %12s %12s %8s %10s %14s\n" N D ranks baseline_s dsesweep_s wall_s speedup dse_diff driver
for n in "${sizes[@]}"; do
  f=$tmp/z_$n.npy
  "$build/dse_gen" blobs --n "$n" --d "$D" --classes 10 --spread 1 --seed 1 --out "$f"
  base=$(OPENBLAS_NUM_THREADS=$THREADS "$python" "$baseline" "$f")
  base_dse=$(sed -E 's/.*dse=([^ ]+).*/\1/' <<<"$base")
  base_s=$(sed -E 's/.*seconds=([^ ]+).*/\1/' <<<"$base")
  t0=$(date +%s.%N)
  # --bind-to none: Open MPI would pin a lone rank to one core, halving a 2-thread BLAS.
  ours=$(mpiexec --bind-to none -n "$RANKS" -x OPENBLAS_NUM_THREADS="$THREADS" "$build/dsesweep" score "$f" \
           --quantities DSE --max-n 0 --json)
  t1=$(date +%s.%N)
  our_dse=$("$build/tests/json_get" "results.0.value" <<<"$ours")
  our_s=$("$build/tests/json_get" seconds <<<"$ours")
  driver=$("$build/tests/json_get" driver <<<"$ours")
  awk -v n="$n" -v d="$D" -v r="$RANKS" -v b="$base_s" -v o="$our_s" -v w0="$t0" -v w1="$t1" \
      -v x="$base_dse" -v y="$our_dse" -v drv="$driver" 'BEGIN {
        diff = x - y; if (diff < 0) diff = -diff;
        printf "%6d %4d %5d %12.2f %12.2f %12.2f %7.2fx %10.1e %14s\n", n, d, r, b, o, w1 - w0, b / o, diff, drv }'
done
