#!/usr/bin/env bash
# demo.sh — README command one: install, build, and score a small synthetic
# training run on several MPI ranks, printing a readable table.
#
#   tools/demo.sh [--ranks P] [--out DIR]
#
# The demo data: three "checkpoints" of one run whose 6 class clusters
# separate as training goes on (the generator's --spread), plus a checkpoint
# whose labels carry no information. DSMI with the labels rises with the
# steps and stays near zero for the shuffled one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ranks=2
out=$here/demo-out
while [ $# -gt 0 ]; do
  case $1 in
    --ranks) ranks=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
build=$("$here/tools/setup.sh" --build-dir "$here/build")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$out"
gen=$build/dse_gen
# Same seed: same labels and noise; the class centres spread further apart per step.
for step in 1 2 3; do
  "$gen" blobs --n 600 --d 32 --classes 6 --seed 5 --spread "$(awk -v s="$step" 'BEGIN { print 0.3 * s * s }')" \
    --out "$out/step$step.npy" --labels "$out/labels.npy"
done
# A checkpoint whose embeddings ignore the labels: other seed, same spread as step 3.
"$gen" blobs --n 600 --d 32 --classes 6 --seed 9 --spread 2.7 --out "$out/shuffled.npy"

printf "\ndsesweep demo: DSE and DSMI of 4 checkpoints on %d ranks (sigma 4, t 1)\n\n" "$ranks"
printf "%-12s %10s %10s %10s\n" checkpoint DSE DSMI CSE
for ck in step1 step2 step3 shuffled; do
  json=$(mpiexec -n "$ranks" "$build/dsesweep" score "$out/$ck.npy" --labels "$out/labels.npy" \
           --sigma 4 --quantities DSE,DSMI,CSE --json)
  printf "%-12s %10.4f %10.4f %10.4f\n" "$ck" \
    "$("$build/tests/json_get" 'results[quantity=DSE].value' <<<"$json")" \
    "$("$build/tests/json_get" 'results[quantity=DSMI].value' <<<"$json")" \
    "$("$build/tests/json_get" 'results[quantity=CSE].value' <<<"$json")"
done
echo
echo "Files are in $out. Score one yourself:"
echo "  mpiexec -n $ranks $build/dsesweep score $out/step3.npy --labels $out/labels.npy --sigma 4"
