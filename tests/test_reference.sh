#!/usr/bin/env bash
# test_reference.sh — `dsesweep score --reference X` on the oracle inputs.
# usage: test_reference.sh MPIEXEC DSESWEEP JSON_GET ORACLE_DIR TMPDIR
#  - the oracle blobs clustered (k = 10, 6 clusters) on 1 and 2 ranks give the
#    same labels file, and DSMI against the clustered reference equals DSMI
#    against those stored labels (--labels), at every t; the reference's rows
#    are named DSMI_X, CSMI_X (as in a sweep), and --labels with --reference
#    gives both sets, each equal to its run alone;
#  - bad input: a reference with another row count, fewer samples than 2 per
#    cluster, a kNN graph with more components than clusters; each a
#    one-line error, exit 1.
set -u
mpiexec=$1 bin=$2 jget=$3 oracle=$4 tmp=$5
rm -rf "$tmp"; mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mpi() { local np=$1; shift; "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n "$np" "$@"; }
z=$oracle/blobs_z.npy
common=(--sigma 3 --t 1,2 --quantities DSMI,CSMI --n-clusters 6 --json)

for np in 1 2; do
  mpi "$np" "$bin" score "$z" "${common[@]}" --reference "$z" --write-clusters "$tmp/c$np.npy" > "$tmp/ref$np.json" \
    2>"$tmp/err" && ok || bad "score --reference on $np ranks: $(cat "$tmp/err")"
done
cmp -s "$tmp/c1.npy" "$tmp/c2.npy" && ok || bad "cluster labels differ between 1 and 2 ranks"
mpi 1 "$bin" score "$z" "${common[@]}" --labels "$tmp/c1.npy" > "$tmp/lab.json" 2>"$tmp/err" || bad "score --labels: $(cat "$tmp/err")"
for q in "DSMI,t=1" "DSMI,t=2" "CSMI"; do
  # The reference's MI rows are named *_X, as in a sweep.
  qx="results[quantity=${q/MI/MI_X}].value"
  a=$("$jget" "$qx" < "$tmp/ref1.json"); b=$("$jget" "results[quantity=$q].value" < "$tmp/lab.json"); c=$("$jget" "$qx" < "$tmp/ref2.json")
  [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] && ok || bad "$q: reference '$a', stored labels '$b', 2 ranks '$c'"
done
check_eq "categories" 6 "$("$jget" n_classes < "$tmp/ref1.json")"

# Bad input.
"$bin" score "$z" --sigma 3 --reference "$oracle/gauss5d_z.npy" > /dev/null 2>"$tmp/err"; st=$?
n_g=$(python3 -c "import struct,sys; h=open(sys.argv[1],'rb').read(300); print(h[h.index(b'(')+1:h.index(b',', h.index(b'('))].decode())" "$oracle/gauss5d_z.npy")
check_eq "row mismatch status" 1 "$st"
check_eq "row mismatch message" "dsesweep score: error: $oracle/gauss5d_z.npy: $n_g rows but $z has 490 rows" "$(cat "$tmp/err")"
"$bin" score "$z" --sigma 3 --reference "$z" --n-clusters 300 > /dev/null 2>"$tmp/err"; st=$?
check_eq "too many clusters status" 1 "$st"
check_eq "too many clusters message" \
  "dsesweep score: error: $z: 490 samples for 300 clusters; need at least 2 per cluster" "$(cat "$tmp/err")"
"$bin" score "$z" --sigma 3 --reference "$z" --n-clusters 2 > /dev/null 2>"$tmp/err"; st=$?
check_eq "disconnected graph status" 1 "$st"
check_eq "disconnected graph message" "dsesweep score: error: $z: the 10-nearest-neighbour graph has 6 connected components, more than n_clusters = 2; raise knn or lower n_clusters" "$(cat "$tmp/err")"
# --labels and --reference together: both sets of MI rows, each as alone.
"$bin" score "$z" "${common[@]}" --reference "$z" --labels "$tmp/c1.npy" > "$tmp/both.json" 2>"$tmp/err"; st=$?
check_eq "labels and reference status" 0 "$st"
for q in "DSMI,t=1" "DSMI_X,t=1" "CSMI_X"; do
  a=$("$jget" "results[quantity=$q].value" < "$tmp/both.json")
  b=$("$jget" "results[quantity=$q].value" < "$tmp/$([ "${q#*_X}" != "$q" ] && echo ref1 || echo lab).json")
  [ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "labels + reference: $q '$a', alone '$b'"
done

finish "reference"
