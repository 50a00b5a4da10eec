#!/usr/bin/env bash
# bench_sweep.sh — sweep throughput in one run, on one generated tree:
#   dsesweep at 1 rank (1 BLAS thread), dsesweep at 2 ranks (1 BLAS thread each),
#   dsesweep at 2 ranks with DSE only, and the numpy baseline
#   (../shared/baseline/numpy_dse.py, DSE only) looping over the same files one after
#   another, as the published study did (one python process per file, all cores' BLAS).
#
#   bench/bench_sweep.sh
#
# Then, for the time estimate only: the demo, a 40-checkpoint N = 2000 tree and one
# N = 8000 checkpoint (SKIP_ESTIMATES=1 leaves them out).
# Setting (the published ImageNet study's): N = 3000, D = 512, 20 classes,
# sigma = sqrt(D) = 22.63, t = 1, DSE and DSMI. Environment: CHECKPOINTS (default 60; a
# multiple of 3), N, D, CLASSES, BUILD (a build directory; default: build/ via
# tools/setup.sh), SKIP_BASELINE=1 (the baseline loop takes the longest).
# Prints, per job: N, D, ranks, BLAS threads, checkpoints, wall seconds, throughput
# (checkpoints per minute), `dsesweep scan`'s estimate and its error; then the ratios.
# Wall seconds include everything the job does (mpiexec start, scan, checksums,
# journal, store write; for the baseline: python start and file load).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$("$here/tools/setup.sh" --with-bench --build-dir "$here/build")}
baseline=${BASELINE:-$here/../shared/baseline/numpy_dse.py}
python=/usr/bin/python3
CHECKPOINTS=${CHECKPOINTS:-60} N=${N:-3000} D=${D:-512} CLASSES=${CLASSES:-20}
sigma=$(awk -v d="$D" 'BEGIN { printf "%.4f", sqrt(d) }')
cores=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

steps=$((CHECKPOINTS / 3))
"$build/dse_gen" tree --out "$tmp/tree" --runs 2 --steps "$steps" --n "$N" --d "$D" --classes "$CLASSES" >/dev/null
files=$(find "$tmp/tree" -name 'step_*.npy' | sort)
count=$(grep -c . <<<"$files")
config() {  # NAME QUANTITIES [TREE] -> config path
  local tree=${3:-$tmp/tree}
  cat > "$tmp/$1.ini" <<EOC
[sweep]
roots = $tree
include = run_*/step_*.npy
path_regex = ^(?<run>[^/]+)/step_(?<step>[0-9]+)\.npy\$
labels = $tree/labels.npy
store = $tmp/$1.h5
[quantities]
compute = $2
sigma = $sigma
t = 1
EOC
  echo "$tmp/$1.ini"
}
now() { date +%s.%N; }
estimate() {  # NP CONFIG -> scan's estimated seconds
  mpiexec -n "$1" -x OPENBLAS_NUM_THREADS=1 "$build/dsesweep" scan "$2" |
    sed -nE 's/^estimated time on .*: ([0-9.]+) s .*/\1/p'
}
declare -A wall est
run_config() {  # NAME NP CONFIG: scan's estimate, then the timed run
  est[$1]=$(estimate "$2" "$3")
  local t0; t0=$(now)
  mpiexec -n "$2" -x OPENBLAS_NUM_THREADS=1 "$build/dsesweep" run "$3" -q
  wall[$1]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
}
job() {  # NAME NP QUANTITIES [TREE]
  run_config "$1" "$2" "$(config "$1" "$3" "${4:-}")"
}

echo "# $(date -u +%FT%TZ) $cores cores, load $(cut -d' ' -f1-3 /proc/loadavg); $count checkpoints, N=$N, D=$D, $CLASSES classes, sigma=$sigma, t=1"
echo "# eigensolver table: $(DSESWEEP_TUNING=${DSESWEEP_TUNING:-} "$build/dsesweep" tune --show --sizes "$N" | head -1)"
job r1 1 DSE,DSMI
job r2 2 DSE,DSMI
job r2dse 2 DSE
if [ "${SKIP_ESTIMATES:-0}" != 1 ]; then
  # The estimate's other cases: the demo (2 ranks), a 40-checkpoint N = 2000, D = 256 tree
  # (2 ranks, DSE and DSMI), one N = 8000, D = 512 checkpoint (1 rank, DSE).
  "$build/dse_gen" tree --out "$tmp/demo" --inputs 20 >/dev/null
  sed -e "s|\.\./demo-out/tree|$tmp/demo|" -e "s|\.\./demo-out/demo.h5|$tmp/demo.h5|" \
    "$here/configs/demo.ini" > "$tmp/demo.ini"
  run_config demo 2 "$tmp/demo.ini"
  "$build/dse_gen" tree --out "$tmp/t40" --runs 1 --steps 20 --n 2000 --d 256 --classes 10 >/dev/null
  job t40 2 DSE,DSMI "$tmp/t40"
  mkdir -p "$tmp/big/run_a"
  "$build/dse_gen" blobs --n 8000 --d 512 --classes 10 --out "$tmp/big/run_a/step_001.npy" \
    --labels "$tmp/big/labels.npy" >/dev/null
  job big 1 DSE "$tmp/big"
fi
if [ "${SKIP_BASELINE:-0}" != 1 ]; then
  t0=$(now); base_sum=0
  for f in $files; do
    s=$(OPENBLAS_NUM_THREADS=$cores "$python" "$baseline" "$f" --sigma "$sigma" --t 1 | sed -E 's/.*seconds=([^ ]+).*/\1/')
    base_sum=$(awk -v a="$base_sum" -v b="$s" 'BEGIN { print a + b }')
  done
  wall[base]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
fi

row() {  # LABEL RANKS THREADS QUANTITIES KEY
  local w=${wall[$5]:-} e=${est[$5]:-}
  [ -n "$w" ] || return 0
  awk -v l="$1" -v r="$2" -v th="$3" -v q="$4" -v n="$N" -v d="$D" -v c="$count" -v w="$w" -v e="$e" 'BEGIN {
    err = e == "" ? "-" : sprintf("%+.0f%%", 100 * (e - w) / w)
    printf "%-18s %-9s %5d %4d %5d %7d %3d %9.1f %10.2f %9s %8s\n", l, q, n, d, r, th, c, w, 60 * c / w, e == "" ? "-" : e, err }'
}
printf "%-18s %-9s %5s %4s %5s %7s %3s %9s %10s %9s %8s\n" job quantities N D ranks threads ckp wall_s ckp_per_min scan_est est_err
row "dsesweep 1 rank" 1 1 DSE,DSMI r1
row "dsesweep 2 ranks" 2 1 DSE,DSMI r2
row "dsesweep 2 ranks" 2 1 DSE r2dse
row "numpy baseline" 1 "$cores" DSE base
N=400 D=32 count=12 row "demo (configs/)" 2 1 "demo" demo
N=2000 D=256 count=40 row "40-ckpt tree" 2 1 DSE,DSMI t40
N=8000 D=512 count=1 row "one N=8000 ckpt" 1 1 DSE big
[ -n "${wall[base]:-}" ] && echo "# baseline: sum of its own timers (file load excluded) $base_sum s"
awk -v a="${wall[r1]}" -v b="${wall[r2]}" -v c="${wall[r2dse]}" -v base="${wall[base]:-}" 'BEGIN {
  printf "ratio dsesweep 2 ranks / 1 rank (DSE,DSMI):         %.2fx (target >= 1.9x)\n", a / b
  if (base != "") printf "ratio dsesweep 2 ranks / numpy baseline (DSE only): %.2fx (target >= 3x)\n", base / c }'
