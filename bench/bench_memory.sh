#!/usr/bin/env bash
# bench_memory.sh — the memory model against the peak RSS that /usr/bin/time -v
# measures for `dsesweep score`, one family at a time, on 1 rank with 1 BLAS
# thread (a multi-rank sweep's setting). Prints N, D, the family, the measured
# peak RSS, the model (the task's dse_quantity_bytes plus the process base,
# DSE_QUANTITY_BASE_BYTES) and model / measured.
# usage: bench/bench_memory.sh [BUILD_DIR] [N] [D]     (defaults: build 6000 64)
# Set KNN=1 to include ASE_knn (a general 6000 x 6000 eigensolve: ~2 minutes).
set -eu
build=${1:-build} n=${2:-6000} d=${3:-64}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$build/dse_gen" blobs --n "$n" --d "$d" --classes 10 --out "$tmp/z.npy" --labels "$tmp/y.npy" > /dev/null
export OPENBLAS_NUM_THREADS=1
sets="spectral:DSE,DSE_matrix_entry,ASE_gaussian,ASE_anisotropic classic:CSE,RankMe,participation_ratio,alpha_ReQ,MatrixEntropy mi:DSMI,CSMI"
[ "${KNN:-0}" = 1 ] && sets="$sets classic_knn:ASE_knn"
printf '%6s %4s  %-12s %12s %12s %8s\n' N D family "RSS (MiB)" "model (MiB)" ratio
for s in $sets; do
  fam=${s%%:*} q=${s#*:} extra="" m=$n
  # MI: the largest task is one class's subset (10 equal classes here).
  [ "$fam" = mi ] && extra="--labels $tmp/y.npy" && m=$(( (n + 9) / 10 ))
  kb=$(/usr/bin/time -v "$build/dsesweep" score "$tmp/z.npy" --quantities "$q" $extra \
         --memory-budget 1T 2>&1 >/dev/null | sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+)/\1/p')
  model=$("$build/bench/bench_memory_model" "$q" "$m" "$d" | cut -d' ' -f2)
  awk -v n="$n" -v d="$d" -v f="$fam" -v kb="$kb" -v m="$model" \
    'BEGIN { r = kb * 1024; printf "%6d %4d  %-12s %12.1f %12.1f %8.3f\n", n, d, f, r / 1048576, m / 1048576, m / r }'
done
