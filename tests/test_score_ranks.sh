#!/usr/bin/env bash
# test_score_ranks.sh — `dsesweep score` gives the same numbers on P ranks as on 1.
# usage: test_score_ranks.sh P MPIEXEC DSESWEEP JSON_GET ORACLE_DIR
# Bound: 1e-9 relative on every quantity (DSE, DSMI, CSE, ASE, ...), for
# distributed spectra (--group-size all, block size 8) and the automatic
# placement, with and without a max_N subsample.
set -u
np=$1 mpiexec=$2 bin=$3 json_get=$4 oracle=$5
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
run() {  # NP ARGS... -> JSON on stdout
  local n=$1; shift
  "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n "$n" "$bin" score "$@" --json
}
compare() {  # LABEL MIN_RESULTS ARGS...
  local label=$1 min=$2; shift 2
  local one many
  one=$(run 1 "$@") || { failed=$((failed + 1)); echo "FAILED: 1-rank run ($label)" >&2; return; }
  many=$(run "$np" "$@") || { failed=$((failed + 1)); echo "FAILED: $np-rank run ($label)" >&2; return; }
  local count i q t a b
  count=$("$json_get" results <<<"$one" | tr -cd '{' | wc -c)
  [ "$count" -ge "$min" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAILED: only $count results" >&2; }
  for ((i = 0; i < count; i++)); do
    q=$("$json_get" "results.$i.quantity" <<<"$one"); t=$("$json_get" "results.$i.t" <<<"$one")
    a=$("$json_get" "results.$i.value" <<<"$one"); b=$("$json_get" "results.$i.value" <<<"$many")
    if awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a); if (s < 1e-300) s = 1e-300; exit !(d <= 1e-9 * s || d == 0) }'; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); echo "FAILED ($label): $q t=$t: 1 rank $a, $np ranks $b" >&2
    fi
  done
  local g; g=$("$json_get" group_size <<<"$many")
  echo "  $label: $count quantities equal on 1 and $np ranks (N x N problems on $g)"
}
common=(--sigma 3 --t 1,2,5 --labels "$oracle/blobs_y.npy" --quantities all)
compare "distributed, nb 8" 18 "$oracle/blobs_z.npy" "${common[@]}" --group-size all --nb 8
compare "automatic placement" 18 "$oracle/blobs_z.npy" "${common[@]}"
compare "max_N 300 subsample, distributed" 18 "$oracle/blobs_z.npy" "${common[@]}" --max-n 300 --seed 7 --group-size all --nb 8
compare "continuous labels" 3 "$oracle/blobs_z.npy" --sigma 3 --labels "$oracle/blobs_scalar.npy" --quantities DSE,DSMI,CSMI --group-size all

# A problem over the memory budget is refused up front with the figures.
err=$(run "$np" "$oracle/blobs_z.npy" --memory-budget 100000 --quantities DSE 2>&1 >/dev/null); status=$?
err=$(head -n 1 <<<"$err")
if [ $status -ne 0 ] && grep -qE "^dsesweep score: error: rank 0: N = 490 needs [0-9.]+ ([KMG]i)?B per rank even on all $np ranks; the budget is 97.7 KiB per rank \(use more ranks or a smaller max_N\)$" <<<"$err"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAILED: budget refusal: status $status, message '$err'" >&2
fi
finish "test_score_ranks ($np ranks)"
