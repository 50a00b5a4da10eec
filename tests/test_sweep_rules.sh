#!/usr/bin/env bash
# test_sweep_rules.sh — a sweep with several sigma rules (`sigma = 4, median, knn:5`).
# usage: test_sweep_rules.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR
#  - the store keeps one row per (checkpoint, quantity, t, rule): 6 checkpoints x
#    (DSE + DSMI) x 3 rules x 2 t = 72 rows, each with its sigma_rule, the
#    bandwidth it gave (sigma_used; knn: median and range of sigma_i) and its SE
#    (DSMI > 0);
#  - every value equals `dsesweep score --sigma 4,median,knn:5` on that file
#    (same code, same draws: exactly), and the stores of 1 and 2 ranks agree
#    to 1e-9 relative;
#  - a second run computes nothing (the rules are part of the fingerprint);
#  - the report keeps the rules apart: DSE(t=1,sigma=median), ...;
#  - rescore --t 3 adds DSE(t=3) for the first rule (its stored spectrum),
#    equal to `dsesweep score --sigma 4 --t 3`;
#  - the report's bandwidth check flags sigma = 0.001 (nearly diagonal) and
#    1e5 (nearly constant) on every checkpoint, and not the median rule;
#    `scan` does the same on the first and last checkpoint of each run.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
mpi() { local np=$1; shift; "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n "$np" "$@"; }
"$gen" tree --out "$tmp/tree" --runs 2 --steps 2 --n 200 --d 8 --classes 4 > /dev/null || { echo "generator failed"; exit 1; }
for np in 1 2; do
  sweep_config "$tmp/s$np.ini" "$tmp/tree" "$tmp/s$np.h5" DSE,DSMI "4, median, knn:5" "" "t = 1,2"
  mpi "$np" "$bin" run -q "$tmp/s$np.ini" > "$tmp/run$np.out" 2>&1 && ok || bad "run on $np ranks: $(cat "$tmp/run$np.out")"
  "$bin" export "$tmp/s$np.h5" > "$tmp/s$np.csv" || bad "export s$np"
done
mpi 2 "$bin" run "$tmp/s2.ini" > "$tmp/again.out" 2>&1 || bad "second run: $(cat "$tmp/again.out")"
grep -q " 0 task(s) to run" "$tmp/again.out" && ok || bad "second run computed again: $(grep task "$tmp/again.out")"
ck=$(ls "$tmp"/tree/run_*/step_*.npy)
for f in $ck; do
  "$bin" score "$f" --sigma 4,median,knn:5 --t 1,2 --labels "$tmp/tree/labels.npy" --json > "$tmp/$(basename "$(dirname "$f")")_$(basename "$f" .npy).json" \
    || bad "score $f"
done
"$bin" report "$tmp/s1.h5" --columns all > "$tmp/report.txt" 2>&1 || bad "report: $(cat "$tmp/report.txt")"
for c in "DSE(t=1,sigma=4)" "DSE(t=1,sigma=median)" "DSE(t=2,sigma=knn:5)" "DSMI(t=1,sigma=median)"; do
  grep -qF "$c" "$tmp/report.txt" && ok || bad "report lacks column $c"
done
mpi 1 "$bin" rescore "$tmp/s1.h5" --t 3 > "$tmp/rescore.out" 2>&1 || bad "rescore: $(cat "$tmp/rescore.out")"
"$bin" export "$tmp/s1.h5" > "$tmp/rescored.csv" || bad "export after rescore"
f=$(ls "$tmp"/tree/run_*/step_*.npy | head -n 1)
# The report's bandwidth check on a store with a too small and a too large sigma.
sed -e 's|^sigma = .*|sigma = 0.001, 1e5, median|; s|s1.h5|check.h5|' "$tmp/s1.ini" > "$tmp/check.ini"
mpi 1 "$bin" run -q "$tmp/check.ini" > "$tmp/check.out" 2>&1 || bad "check run: $(cat "$tmp/check.out")"
"$bin" report "$tmp/check.h5" > "$tmp/check.txt" 2>&1 || bad "check report"
"$bin" scan "$tmp/check.ini" > "$tmp/scan.txt" 2>&1 || bad "check scan"
check_eq "scan: nearly diagonal warnings (first and last step of 3 runs)" 6 "$(grep -c '^warning: .*sigma 0.001 = .*nearly diagonal' "$tmp/scan.txt")"
check_eq "scan: nearly constant warnings" 6 "$(grep -c '^warning: .*sigma 100000 = .*nearly constant' "$tmp/scan.txt")"
check_eq "scan: no warning for the median rule" 0 "$(grep -c '^warning: .*sigma median' "$tmp/scan.txt")"
check_eq "bandwidth check summary" "  12 of 18 (checkpoint, sigma) pairs: 6 nearly diagonal, 6 nearly constant" \
  "$(grep 'pairs:' "$tmp/check.txt")"
want3=$("$bin" score "$f" --sigma 4 --t 3 --json | sed -nE 's/^[[:space:]]*"value":[[:space:]]*([-0-9.e+]+).*/\1/p')

python3 - "$tmp" "$want3" "$f" > "$tmp/cmp.out" 2>&1 <<'EOP' && ok || bad "store vs score: $(cat "$tmp/cmp.out")"
import csv, glob, json, os, sys
tmp, want3, first = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rows = list(csv.DictReader(open(tmp + "/s1.csv")))
rows2 = list(csv.DictReader(open(tmp + "/s2.csv")))
assert len(rows) == 72 and len(rows2) == 72, (len(rows), len(rows2))
for a, b in zip(rows, rows2):
    assert (a["path"], a["quantity"], a["t"], a["sigma_rule"]) == (b["path"], b["quantity"], b["t"], b["sigma_rule"])
    va, vb = float(a["value"]), float(b["value"])
    assert abs(va - vb) <= 1e-9 * abs(va), (a, b)
seen = 0
for r in rows:
    assert r["status"] == "ok", r
    assert r["sigma_rule"] in ("4", "median", "knn:5"), r
    su, lo, hi = float(r["sigma_used"]), float(r["sigma_min"]), float(r["sigma_max"])
    if r["sigma_rule"] == "4": assert su == lo == hi == 4, r
    if r["sigma_rule"] == "median": assert su == lo == hi and su > 0, r
    if r["sigma_rule"] == "knn:5" and r["quantity"] == "DSE": assert 0 < lo < su < hi, r
    if r["quantity"] == "DSMI": assert float(r["se"]) > 0, r
    key = os.path.basename(os.path.dirname(r["path"])) + "_" + os.path.basename(r["path"])[:-4]
    score = json.load(open(f"{tmp}/{key}.json"))
    match = [e for e in score["results"] if e["quantity"] == r["quantity"] and e["t"] == float(r["t"])
             and e["sigma_rule"] == r["sigma_rule"]]
    assert len(match) == 1, (r, match)
    e = match[0]
    assert e["value"] == float(r["value"]) and e["se"] == float(r["se"]) and e["sigma"] == su, (r, e)
    seen += 1
assert seen == 72, seen
res = [r for r in csv.DictReader(open(tmp + "/rescored.csv")) if r["t"] == "3"]
assert len(res) == 6 and all(r["quantity"] == "DSE" and r["sigma_rule"] == "4" for r in res), res
got3 = [float(r["value"]) for r in res if r["path"] == first][0]
assert abs(got3 - want3) <= 1e-9 * abs(want3), (got3, want3)
print("ok:", seen, "rows equal to score; rescore t=3", got3)
EOP
cat "$tmp/cmp.out"
finish "test_sweep_rules"
