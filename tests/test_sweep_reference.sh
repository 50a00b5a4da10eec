#!/usr/bin/env bash
# test_sweep_reference.sh — DSMI with the input in a sweep (`reference = X`):
#  - at 1, 2, 3 and 4 ranks the store's /reference labels are identical and so
#    is every DSMI_X / CSMI_X value (bitwise: MI tasks are single-rank tasks);
#  - the stored labels equal `dsesweep score --write-clusters` labels, and the
#    sweep's DSMI_X and CSMI_X equal `dsesweep score --reference` digit for digit;
#  - a second run reuses the stored clustering and computes nothing;
#  - a sweep killed (SIGKILL) after the clustering was journaled, mid-tasks,
#    resumes with the journaled clustering (it does not cluster again);
#  - X changed (D' 12 -> 20): exit 3 with one line naming X and both D'; the
#    old DSMI_X rows are kept, nothing mi_x runs, a new checkpoint still gets
#    DSE and DSMI; --recluster then recomputes DSMI_X for every checkpoint;
#  - bad X (NaN, too many clusters, a disconnected graph, over the memory
#    budget): exit 3, every mi_x row fails with one line naming X, and DSE and
#    DSMI are computed all the same; X of another row count or a missing X is
#    refused by the pre-flight (issue 24): exit 2, one line, no store made;
#  - shard stores merge (identical clustering), and shards clustered from
#    different X are a "conflict:".
# usage: test_sweep_reference.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
mpi() { local np=$1; shift; "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -x DSE_TEST_SLOW_IO -n "$np" "$@"; }
export DSE_TEST_SLOW_IO= OPENBLAS_NUM_THREADS=1  # one thread: bitwise-equal sums
"$gen" tree --out "$tmp/tree" --runs 1 --steps 2 --n 300 --d 16 --classes 4 --inputs 12 || bad "dse_gen tree"
"$gen" tree --out "$tmp/other" --runs 1 --steps 1 --n 300 --d 16 --classes 4 --inputs 20 --seed 5 || bad "dse_gen tree 2"
x=$tmp/tree/inputs.npy
# config NAME [extra lines for [quantities]] — writes $tmp/NAME.ini for store $tmp/NAME.h5
config() {
  local name=$1; shift
  cat > "$tmp/$name.ini" <<EOC
[sweep]
roots = $tmp/tree
include = run_*/step_*.npy
labels = $tmp/tree/labels.npy
reference = ${REF:-$x}
store = $tmp/$name.h5
${SWEEP_EXTRA:-}
[quantities]
compute = DSE,DSMI,CSMI
sigma = 4
t = 1,2
n_clusters = ${NC:-6}
EOC
}
xrows() { grep -E ',(DSMI_X|CSMI_X),' "$1"; }
labels_of() { "$bin" export "$1" --clusters "$2" 2>&1; }

# --- the same clustering and the same values at 1-4 ranks ----------------------
for np in 1 2 3 4; do
  config "r$np"
  mpi "$np" "$bin" run "$tmp/r$np.ini" > "$tmp/r$np.out" 2>&1; st=$?
  check_eq "run at $np ranks: status" 0 "$st"
  grep -q "reference $x (300 x 12): 6 clusters (k = 10, .* on $np rank(s)" "$tmp/r$np.out" && ok ||
    bad "run at $np ranks: no clustering line: $(grep reference "$tmp/r$np.out")"
  labels_of "$tmp/r$np.h5" "$tmp/c$np.npy" > /dev/null || bad "export --clusters at $np ranks"
  "$bin" export "$tmp/r$np.h5" > "$tmp/r$np.csv" || bad "export at $np ranks"
done
check_eq "DSMI_X/CSMI_X rows" 12 "$(xrows "$tmp/r1.csv" | wc -l)"
check_eq "DSMI_X rows ok" 8 "$(grep -cE ',DSMI_X,[^,]*,[12],[-0-9.e]+,ok,' "$tmp/r1.csv")"
for np in 2 3 4; do
  cmp -s "$tmp/c1.npy" "$tmp/c$np.npy" && ok || bad "stored labels differ between 1 and $np ranks"
  [ "$(xrows "$tmp/r1.csv")" = "$(xrows "$tmp/r$np.csv")" ] && ok || bad "DSMI_X values differ between 1 and $np ranks"
done
h5dump -a /reference/n_clusters "$tmp/r1.h5" | grep -q "(0): 6" && ok || bad "/reference n_clusters attribute"
h5dump -a /reference/d "$tmp/r1.h5" | grep -q "(0): 12" && ok || bad "/reference d attribute"

# --- parity with `dsesweep score --reference` ------------------------------------
ck=$tmp/tree/run_a/step_002.npy
"$bin" score "$ck" --sigma 4 --t 1,2 --quantities DSMI,CSMI --reference "$x" --n-clusters 6 \
  --write-clusters "$tmp/score_c.npy" --json > "$tmp/score.json" 2>"$tmp/err" || bad "score --reference: $(cat "$tmp/err")"
cmp -s "$tmp/c1.npy" "$tmp/score_c.npy" && ok || bad "sweep labels differ from score --write-clusters"
python3 - "$tmp/score.json" "$tmp/r1.csv" "$ck" > "$tmp/parity.out" 2>&1 <<'EOP' && ok || bad "parity: $(cat "$tmp/parity.out")"
import csv, json, sys
score = {(r["quantity"], r.get("t") or 0): r["value"] for r in json.load(open(sys.argv[1]))["results"]}
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r["path"] == sys.argv[3]]
seen = 0
for r in rows:
    if not r["quantity"].endswith("_X"):
        continue
    want = score[(r["quantity"], float(r["t"]) if r["t"] else 0)]
    got = float(r["value"])
    assert got == want, (r["quantity"], r["t"], got, want)
    seen += 1
assert seen == 3, seen
print("ok", seen)
EOP

# --- reuse, and resume after a kill ----------------------------------------------
mpi 2 "$bin" run "$tmp/r1.ini" > "$tmp/again.out" 2>&1 || bad "second run: $(cat "$tmp/again.out")"
grep -q "the store's clustering (300 x 12, 6 clusters, made .*) is reused" "$tmp/again.out" && ok || bad "second run did not reuse: $(cat "$tmp/again.out")"
grep -q " 0 task(s) to run, 12 already in" "$tmp/again.out" && ok || bad "second run computed again: $(grep task "$tmp/again.out")"
config kill
DSE_TEST_SLOW_IO=0.4 mpi 2 "$bin" run "$tmp/kill.ini" > "$tmp/kill.out" 2>&1 &
job=$!
for _ in $(seq 1 300); do
  [ "$(grep -ac '"kind":"reference"' "$tmp/kill.h5.journal" 2>/dev/null)" = 1 ] && [ "$(grep -ac '"family"' "$tmp/kill.h5.journal")" -ge 1 ] && break
  sleep 0.05
done
pkill -9 -f "dsesweep run $tmp/kill.ini" 2>/dev/null; kill -9 "$job" 2>/dev/null; wait "$job" 2>/dev/null
[ ! -f "$tmp/kill.h5" ] && ok || bad "the killed run wrote its store (kill came too late)"
mpi 2 "$bin" run "$tmp/kill.ini" > "$tmp/resume.out" 2>&1 || bad "resume: $(cat "$tmp/resume.out")"
grep -q "recovered [1-9][0-9]* finished task(s)" "$tmp/resume.out" && ok || bad "resume recovered nothing: $(head -3 "$tmp/resume.out")"
grep -q "is reused" "$tmp/resume.out" && ok || bad "resume clustered again: $(grep reference "$tmp/resume.out")"
labels_of "$tmp/kill.h5" "$tmp/ckill.npy" > /dev/null
cmp -s "$tmp/c1.npy" "$tmp/ckill.npy" && ok || bad "resumed labels differ"
"$bin" export "$tmp/kill.h5" > "$tmp/kill.csv"
[ "$(xrows "$tmp/r1.csv")" = "$(xrows "$tmp/kill.csv")" ] && ok || bad "resumed DSMI_X values differ"

# --- X changed: refused, old values kept; --recluster recomputes ---------------------
cp "$x" "$tmp/x12.npy"
cp "$tmp/other/inputs.npy" "$x"
"$gen" blobs --n 300 --d 16 --classes 4 --seed 9 --out "$tmp/tree/run_a/step_003.npy"
mpi 2 "$bin" run "$tmp/r1.ini" -q > "$tmp/changed.out" 2>"$tmp/changed.err"; st=$?
check_eq "changed X: status" 3 "$st"
check_eq "changed X: message" "dsesweep run: error: no mi_x task run: $x: the reference changed since the store's clustering (D' = 20, but the store's clustering was made from D' = 12); its mi_x results are kept and none is computed: run with --recluster to cluster it again and recompute them, or use another store" "$(grep '^dsesweep' "$tmp/changed.err" | sort -u)"
"$bin" export "$tmp/r1.h5" > "$tmp/changed.csv"
[ "$(xrows "$tmp/r1.csv")" = "$(xrows "$tmp/changed.csv")" ] && ok || bad "changed X: old DSMI_X rows were not kept"
check_eq "changed X: the new checkpoint's DSMI rows" 2 "$(grep -c "step_003.npy,DSMI,.*,ok," "$tmp/changed.csv")"
check_eq "changed X: the new checkpoint has no DSMI_X" 0 "$(grep -c "step_003.npy,DSMI_X" "$tmp/changed.csv")"
mpi 2 "$bin" run "$tmp/r1.ini" --recluster > "$tmp/recl.out" 2>&1; st=$?
check_eq "--recluster: status" 0 "$st"
grep -q "reference $x (300 x 20): 6 clusters .*; 12 mi_x result(s) of the old clustering dropped" "$tmp/recl.out" && ok ||
  bad "--recluster line: $(grep reference "$tmp/recl.out")"
"$bin" export "$tmp/r1.h5" > "$tmp/recl.csv"
check_eq "--recluster: DSMI_X rows for 5 checkpoints" 10 "$(grep -c ',DSMI_X,.*,ok,' "$tmp/recl.csv")"
labels_of "$tmp/r1.h5" "$tmp/crecl.npy" > /dev/null
cmp -s "$tmp/c1.npy" "$tmp/crecl.npy" && bad "--recluster kept the old labels" || ok
cp "$tmp/x12.npy" "$x"
rm -f "$tmp/tree/run_a/step_003.npy"

# --- bad X: every mi_x row fails, the rest goes on --------------------------------------
cp "$x" "$tmp/nan.npy"
python3 - "$tmp/nan.npy" <<'EOP'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
hl = struct.unpack("<H", b[8:10])[0]
off = 10 + hl + 4 * (7 * 12 + 3)   # float32 row 7, column 3
b[off:off + 4] = struct.pack("<f", float("nan"))
open(sys.argv[1], "wb").write(b)
EOP
"$gen" blobs --n 250 --d 12 --classes 4 --out "$tmp/rows250.npy"
"$gen" blobs --n 300 --d 12 --classes 4 --spread 30 --out "$tmp/apart.npy"   # 4 components
bad_case() {  # NAME REF NC WANT_MESSAGE
  local name=$1
  REF=$2 NC=$3 config "$name"
  mpi 2 "$bin" run "$tmp/$name.ini" -q > /dev/null 2>&1; st=$?
  check_eq "$name: status" 3 "$st"
  "$bin" export "$tmp/$name.h5" > "$tmp/$name.csv" 2>&1
  check_eq "$name: DSMI rows ok" 8 "$(grep -c ',DSMI,.*,ok,' "$tmp/$name.csv")"
  check_eq "$name: DSE rows ok" 8 "$(grep -c ',DSE,.*,ok,' "$tmp/$name.csv")"
  check_eq "$name: mi_x rows failed" 12 "$(xrows "$tmp/$name.csv" | grep -c ',error,')"
  local msg n=0
  while IFS= read -r msg; do
    n=$((n + 1))
    [[ "$msg" == $4 ]] && ok || bad "$name: message '$msg' does not match '$4'"
  # the error field, then the six columns of issue 17 (se ... median_distance) and the
  # six of issue 18 (method ... products), empty here
  done < <(xrows "$tmp/$name.csv" | sed -E 's/.*,error,"?//; s/"?(,,,,,,){2}$//' | sort -u)
  [ "$n" -ge 1 ] && ok || bad "$name: no error message"
}
bad_case nan "$tmp/nan.npy" 6 "$tmp/nan.npy: NaN at row 7, column 3"
bad_case many "$x" 200 "$x: 300 samples for 200 clusters; need at least 2 per cluster"
bad_case disconnected "$tmp/apart.npy" 2 "$tmp/apart.npy: the 10-nearest-neighbour graph has 4 connected components, more than n_clusters = 2; raise knn or lower n_clusters"
refused_case() {  # NAME REF WANT_LINE (glob): the pre-flight refuses before any work
  local name=$1 err
  REF=$2 NC=6 config "$name"
  mpi 2 "$bin" run "$tmp/$name.ini" -q > /dev/null 2> "$tmp/$name.err"; st=$?
  check_eq "$name: status" 2 "$st"
  err=$(grep '^dsesweep run: error: ' "$tmp/$name.err")
  [[ "$err" == $3 ]] && ok || bad "$name: '$err' does not match '$3'"
  [ ! -e "$tmp/$name.h5" ] && ok || bad "$name: a store was made"
}
refused_case rows "$tmp/rows250.npy" "dsesweep run: error: $tmp/rows250.npy: 250 rows, but $tmp/tree/run_*/step_00?.npy has 300 rows *; nothing was computed"
refused_case missing "$tmp/no_such.npy" "dsesweep run: error: reference: $tmp/no_such.npy: cannot open: No such file or directory; nothing was computed"
SWEEP_EXTRA="memory_budget = 4M" bad_case budget "$x" 6 "$x: clustering this 300 x 12 reference needs * per rank (X is held by every rank), over the budget of * per rank; raise memory_budget or run fewer ranks per node"

# --- shards merge; different X conflict -------------------------------------------------
config s0; config s1
mpi 2 "$bin" run "$tmp/s0.ini" --shard 0/2 -q || bad "shard 0"
mpi 2 "$bin" run "$tmp/s1.ini" --shard 1/2 -q || bad "shard 1"
mpi 2 "$bin" merge "$tmp/s0.h5" "$tmp/s1.h5" -o "$tmp/merged.h5" > /dev/null 2>"$tmp/err" && ok || bad "merge: $(cat "$tmp/err")"
labels_of "$tmp/merged.h5" "$tmp/cm.npy" > /dev/null
cmp -s "$tmp/c1.npy" "$tmp/cm.npy" && ok || bad "merged labels differ"
"$bin" export "$tmp/merged.h5" | xrows /dev/stdin > "$tmp/m.x"
[ "$(xrows "$tmp/r1.csv")" = "$(cat "$tmp/m.x")" ] && ok || bad "merged DSMI_X values differ"
cp "$tmp/other/inputs.npy" "$x"
mpi 2 "$bin" run "$tmp/s1.ini" --shard 1/2 --recluster -q > /dev/null 2>&1
mpi 1 "$bin" merge "$tmp/s0.h5" "$tmp/s1.h5" -o "$tmp/conflict.h5" > /dev/null 2>"$tmp/err"; st=$?
check_eq "merge conflict: status" 1 "$st"
grep -q "^dsesweep merge: error: conflict: the reference clustering of $tmp/s0.h5 ($x, checksum [0-9a-f]*) differs from that of $tmp/s1.h5" "$tmp/err" && ok ||
  bad "merge conflict message: $(cat "$tmp/err")"
[ ! -f "$tmp/conflict.h5" ] && ok || bad "a conflicting merge wrote a store"
cp "$tmp/x12.npy" "$x"

# --- the report shows both, and the clustering -----------------------------------------
"$bin" report "$tmp/r2.h5" --columns all > "$tmp/report.out" 2>&1 || bad "report"
grep -qE "DSMI\(t=1\) +DSMI\(t=2\) +DSMI_X\(t=1\) +DSMI_X\(t=2\)" "$tmp/report.out" && ok || bad "report columns: $(grep step "$tmp/report.out" | head -1)"
grep -q "^\*_X columns: MI against 6 spectral clusters of the reference $x (300 x 12, k = 10" "$tmp/report.out" && ok || bad "report reference line"
sizes=$(sed -n 's/^  cluster sizes://p' "$tmp/report.out")
check_eq "cluster sizes sum to N" 300 "$(echo "$sizes" | awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; print s}')"

finish "sweep_reference"
