#!/usr/bin/env bash
# test_bounded_score.sh — the bounded method (docs/bounded.md) through
# `dsesweep score`, a sweep, its store, export and report:
#   - score --method bounded: the exact DSE (--method exact, same file) lies
#     in the interval at every t; a certified interval within tol has the
#     midpoint as its value; the same interval on 1 and 3 ranks (1e-10);
#   - the median rule at N = 2600 (beyond the 2000-row sample) gives the
#     bounded method the dense path's bandwidth, and the exact value lies in
#     the interval;
#   - ASE_anisotropic shares t = 1's interval; DSMI whose class subsets are
#     bounded gets an interval holding the exact DSMI;
#   - a k budget that cannot reach tol: an interval wider than tol, no value
#     (null), still holding the exact value;
#   - auto at N <= 10000 within the budget is exact;
#   - bad settings: one-line messages (knn rule, N too small for bounded);
#   - a sweep with method = bounded stores method, interval, lower, upper, k
#     and products per entry (export csv/json), the report lists them,
#     rescore names those checkpoints (no spectrum) and exits 1, a config with
#     another method is refused naming `method`.
# usage: test_bounded_score.sh MPIEXEC DSESWEEP TMPDIR
set -u
mpiexec=$1 bin=$2 tmp=$3
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_numpy
rm -rf "$tmp"; mkdir -p "$tmp/tree/run_a" "$tmp/tree/run_b"

"$py" - "$tmp" <<'EOP' || { bad "numpy could not write the inputs"; finish bounded_score; }
import sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(11)
# Low entropy (a 3-dimensional manifold in D = 40), 1600 rows, 2 classes of 800.
u = rng.uniform(0, 3, size=(1600, 3))
W = rng.standard_normal((3, 40))
np.save(out + "/low.npy", u @ W + 0.05 * rng.standard_normal((1600, 40)))
np.save(out + "/low_y.npy", (np.arange(1600) % 2).astype(np.int64))
# Flat: 20 tight blobs, sigma small against their spread.
c = rng.standard_normal((20, 16)) * 4
np.save(out + "/flat.npy", c[np.arange(900) % 20] + rng.standard_normal((900, 16)))
np.save(out + "/tiny.npy", rng.standard_normal((100, 8)))
# 2600 rows: more than the 2000 the sampled median uses; the median rule must
# still give the dense path's bandwidth (the exact median, streamed).
v = rng.uniform(0, 3, size=(2600, 2))
np.save(out + "/wide.npy", v @ rng.standard_normal((2, 30)) + 0.05 * rng.standard_normal((2600, 30)))
for run in "ab":
    for step in (1, 2):
        z = u[:900] @ W[:, :24] * step + 0.1 * rng.standard_normal((900, 24))
        np.save("%s/tree/run_%s/step_%d.npy" % (out, run, step), z)
EOP

score() { "$mpiexec" -n "$1" "$bin" score "${@:2}" --json 2>"$tmp/err"; }
# check.py: named assertions on the score JSON documents given as files.
cat >"$tmp/check.py" <<'EOP'
import json, math, sys
what = sys.argv[1]
docs = [json.load(open(f)) for f in sys.argv[2:]]
def rows(d, q):
    return {(r["t"] or 0): r for r in d["results"] if r["quantity"] == q}
fails = []
def need(cond, msg):
    if not cond: fails.append(msg)
if what == "inside":       # exact, bounded(1 rank), bounded(3 ranks)
    ex, b1, b3 = docs
    for q in ("DSE", "ASE_anisotropic", "DSMI"):
        e, r1, r3 = rows(ex, q), rows(b1, q), rows(b3, q)
        need(len(e) > 0 and e.keys() == r1.keys() == r3.keys(), q + ": the same rows")
        for t in e:
            v, a, b = e[t]["value"], r1[t], r3[t]
            need(a["method"] == "bounded" and e[t]["method"] == "exact", "%s t=%s: methods" % (q, t))
            need(a["lower"] - 1e-9 <= v <= a["upper"] + 1e-9,
                 "%s t=%s: exact %.12g outside [%.12g, %.12g]" % (q, t, v, a["lower"], a["upper"]))
            need(abs(a["lower"] - b["lower"]) <= 1e-10 and abs(a["upper"] - b["upper"]) <= 1e-10,
                 "%s t=%s: 1 vs 3 ranks differ" % (q, t))
            if q != "DSMI":
                need(a["interval"] in ("certified", "statistical"), "%s t=%s: interval kind" % (q, t))
                need(a["within_tol"] and abs(a["value"] - 0.5 * (a["lower"] + a["upper"])) < 1e-12,
                     "%s t=%s: value is the midpoint" % (q, t))
                need(0.5 * (a["upper"] - a["lower"]) <= 0.01 * (1 + 1e-9), "%s t=%s: within tol" % (q, t))
                need(a["k"] >= 0 and a["products"] >= 1, "%s t=%s: k and products" % (q, t))
    need(b3["bounded_ranks"] == 3 and b1["bounded_ranks"] == 1, "bounded_ranks")
    need(b1["params"]["method"] == "bounded" and b1["params"]["tol"] == 0.01, "params")
elif what == "wide":       # exact, bounded with max_k 64
    ex, b = docs
    e, r = rows(ex, "DSE"), rows(b, "DSE")
    wide = [t for t in r if not r[t]["within_tol"]]
    need(len(wide) >= 1, "max_k 64 leaves some t wider than tol")
    for t in r:
        need(r[t]["lower"] - 1e-9 <= e[t]["value"] <= r[t]["upper"] + 1e-9, "t=%s: exact inside" % t)
        if t in wide:
            need(r[t]["value"] is None, "t=%s: no value when wider than tol" % t)
elif what == "same_sigma":  # exact, bounded: per rule, the same sigma and the exact value inside
    ex, b = docs
    key = lambda r: (r["quantity"], r["t"], r.get("sigma_rule"))
    e = {key(r): r for r in ex["results"]}
    for r in b["results"]:
        x = e[key(r)]
        need(abs(r["sigma"] - x["sigma"]) <= 1e-14 * x["sigma"],  # the same pair; dgemm vs dsyrk rounding
             "%s: sigma %r, exact path %r" % (key(r), r["sigma"], x["sigma"]))
        need(r["lower"] - 1e-9 <= x["value"] <= r["upper"] + 1e-9,
             "%s: exact %.12g outside [%.12g, %.12g]" % (key(r), x["value"], r["lower"], r["upper"]))
elif what == "auto_exact":
    (d,) = docs
    need(all(r["method"] == "exact" and "lower" not in r for r in d["results"]), "auto is exact")
    need("bounded_ranks" not in d, "no bounded run")
if fails:
    print("\n".join(fails))
    sys.exit(1)
EOP
expect_check() { # LABEL KIND FILES...
  if out=$("$py" "$tmp/check.py" "${@:2}"); then ok; else bad "$1: $out"; fi
}

common=(--t 1,2,5 --sigma 1.5 --seed 3)
score 1 "$tmp/low.npy" "${common[@]}" --labels "$tmp/low_y.npy" --quantities DSE,ASE_anisotropic,DSMI --method exact >"$tmp/ex.json" || bad "exact score: $(cat "$tmp/err")"
score 1 "$tmp/low.npy" "${common[@]}" --labels "$tmp/low_y.npy" --quantities DSE,ASE_anisotropic,DSMI --method bounded >"$tmp/b1.json" || bad "bounded score: $(cat "$tmp/err")"
score 3 "$tmp/low.npy" "${common[@]}" --labels "$tmp/low_y.npy" --quantities DSE,ASE_anisotropic,DSMI --method bounded >"$tmp/b3.json" || bad "bounded score on 3 ranks: $(cat "$tmp/err")"
expect_check "low entropy, 1 and 3 ranks" inside "$tmp/ex.json" "$tmp/b1.json" "$tmp/b3.json"

score 1 "$tmp/wide.npy" --t 1,2 --sigma median,median*0.5 --method exact >"$tmp/wex.json" || bad "wide exact: $(cat "$tmp/err")"
score 2 "$tmp/wide.npy" --t 1,2 --sigma median,median*0.5 --method bounded >"$tmp/wb.json" || bad "wide bounded: $(cat "$tmp/err")"
expect_check "median rule at N = 2600" same_sigma "$tmp/wex.json" "$tmp/wb.json"

score 1 "$tmp/flat.npy" --t 1,2,5 --sigma 2 --method exact >"$tmp/fex.json" || bad "flat exact: $(cat "$tmp/err")"
score 2 "$tmp/flat.npy" --t 1,2,5 --sigma 2 --method bounded --max-k 64 --tol 1e-6 >"$tmp/fb.json" || bad "flat bounded: $(cat "$tmp/err")"
expect_check "k and probe budgets too small for tol 1e-6" wide "$tmp/fex.json" "$tmp/fb.json"
"$bin" score "$tmp/flat.npy" --t 1,2,5 --sigma 2 --method bounded --max-k 64 --tol 1e-6 >"$tmp/fb.txt" 2>&1
grep -q "NOT within tol: no value" "$tmp/fb.txt" && ok || bad "table: the wide interval is not flagged: $(cat "$tmp/fb.txt")"

score 1 "$tmp/low.npy" --t 1 >"$tmp/auto.json" || bad "auto: $(cat "$tmp/err")"
expect_check "auto at N = 1600" auto_exact "$tmp/auto.json"

# Bad settings: one line each.
"$bin" score "$tmp/low.npy" --method bounded --sigma knn:5 >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "the bounded method takes fixed, sqrt_d and median bandwidths, not knn:5" "$tmp/err" &&
  ok || bad "knn rule under bounded: $(cat "$tmp/err")"
"$bin" score "$tmp/tiny.npy" --method bounded >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "the bounded method needs N >= 512 (N = 100): use method = exact" "$tmp/err" &&
  ok || bad "tiny N under bounded: $(cat "$tmp/err")"

# A sweep with method = bounded: the store's columns, export, report.
cat >"$tmp/sweep.ini" <<EOF
[sweep]
roots = tree
include = run_*/step_*.npy
store = out.h5
[quantities]
compute = DSE,ASE_anisotropic
sigma = median, median*2
t = 1,2
method = bounded
EOF
"$mpiexec" -n 3 "$bin" run "$tmp/sweep.ini" >"$tmp/run.txt" 2>&1 || bad "sweep: $(tail -3 "$tmp/run.txt")"
"$bin" export "$tmp/out.h5" --format csv >"$tmp/out.csv" 2>"$tmp/err" || bad "export: $(cat "$tmp/err")"
"$bin" export "$tmp/out.h5" --format json >"$tmp/out.json" 2>"$tmp/err" || bad "export json: $(cat "$tmp/err")"
if out=$("$py" - "$tmp/out.csv" "$tmp/out.json" <<'EOP'
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
js = json.load(open(sys.argv[2]))
bad = []
if len(rows) != 4 * 2 * 3 or len(js) != len(rows):
    bad.append("%d csv rows, %d json rows (want 24)" % (len(rows), len(js)))
for r in rows:
    if r["method"] != "bounded" or r["interval"] != "certified":
        bad.append("row %s %s: method %r interval %r" % (r["path"], r["quantity"], r["method"], r["interval"]))
        continue
    lo, hi, v = float(r["lower"]), float(r["upper"]), float(r["value"])
    if not (lo <= v <= hi and hi - lo <= 0.02 + 1e-9 and int(r["k"]) > 0 and int(r["products"]) > 0):
        bad.append("row %s %s t=%s: %g not in [%g, %g] or k/products" % (r["path"], r["quantity"], r["t"], v, lo, hi))
for o in js:
    if o.get("method") != "bounded" or not (o["lower"] <= o["value"] <= o["upper"]):
        bad.append("json row %s %s" % (o["path"], o["quantity"]))
print("; ".join(bad[:5]))
sys.exit(1 if bad else 0)
EOP
); then ok; else bad "store columns: $out"; fi
"$bin" report "$tmp/out.h5" >"$tmp/report.txt" 2>&1 || bad "report: $(tail -3 "$tmp/report.txt")"
grep -q "bounded method: 24 result(s) from partial spectra, 24 with a certified interval" "$tmp/report.txt" &&
  ok || bad "report lacks the bounded summary: $(grep -i bounded "$tmp/report.txt")"
# every run's table is followed by its intervals, one [lower, upper] per bounded cell
[ "$(grep -c '^intervals (bounded method' "$tmp/report.txt")" = 2 ] &&
  [ "$(grep -cE '^[12] +\[[0-9.]+, [0-9.]+\]' "$tmp/report.txt")" = 4 ] &&
  ok || bad "report lacks the per-run intervals: $(grep -A3 '^intervals' "$tmp/report.txt")"
# The HTML page carries every interval as an interval: [lower, upper] per cell,
# equal to export's to 15 digits (the browser test draws such pages).
"$bin" report "$tmp/out.h5" --html "$tmp/page.html" >/dev/null 2>&1 || bad "report --html"
if out=$("$py" - "$tmp/page.html" "$tmp/out.csv" <<'EOP'
import csv, json, re, sys
html = open(sys.argv[1]).read()
data = json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S).group(1))
want = sorted((float(r["lower"]), float(r["upper"])) for r in csv.DictReader(open(sys.argv[2])))
got = sorted((c["lo"][i], c["hi"][i]) for c in data["columns"] for i in range(len(c["lo"])) if c["lo"][i] is not None)
print("%d intervals on the page, %d in the store" % (len(got), len(want)))
# the page's numbers have 15 significant digits (cJSON)
close = len(got) == len(want) and all(abs(g - w) <= 1e-13 * abs(w) for p, q in zip(got, want) for g, w in zip(p, q))
sys.exit(0 if close and data["bounded"] == {"certified": 24, "statistical": 0, "wide": 0} else 1)
EOP
); then ok; else bad "page intervals: $out"; fi
cp "$tmp/out.h5" "$tmp/re.h5"
"$bin" rescore "$tmp/re.h5" --t 3 >"$tmp/re.txt" 2>&1; st=$?
[ "$st" = 1 ] && grep -q "4 checkpoint(s) were scored by the bounded method and have no stored spectrum" "$tmp/re.txt" &&
  [ "$(grep -c '  no spectrum (bounded method): .*step_[12].npy$' "$tmp/re.txt")" = 4 ] &&
  ok || bad "rescore does not name the bounded checkpoints or exits $st: $(cat "$tmp/re.txt")"
sed 's/method = bounded/method = exact/' "$tmp/sweep.ini" >"$tmp/exact.ini"
"$bin" run "$tmp/exact.ini" >/dev/null 2>"$tmp/err"
grep -q "method = 'bounded' in the store, 'exact' in this config" "$tmp/err" &&
  ok || bad "another method not refused by name: $(cat "$tmp/err")"
finish bounded_score
