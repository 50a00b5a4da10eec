#!/usr/bin/env bash
# test_report.sh — `dsesweep export` and `dsesweep report` on a real sweep.
# usage: test_report.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR
#  - a 2-rank sweep of 4 runs x 3 steps (one run also has a truncated file);
#  - export CSV: golden row counts (72 ok rows, 6 error rows with the file's
#    message); every value equals the store's own /results columns read with
#    h5dump; export JSON has the same rows and values;
#  - report: per-run tables, a ranking in descending order, the metadata join
#    on a timm-format CSV (quoted "1,014.45") with joined / not-joined counts
#    and names, and correlations equal to ones computed here from the export;
#  - report --out: every plot is a valid, non-trivial PNG with a CSV beside it;
#  - bad metadata (missing column, missing file, ragged row) and a bad
#    --rank-by give one-line errors and exit 1.
set -u
mpiexec=$1 bin=$2 gen=$3 tmp=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$tmp"; mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$gen" tree --out "$tmp/tree" --runs 3 --steps 3 --n 200 --d 16 --classes 4 >/dev/null || { echo "generator failed"; exit 1; }
head -c 300 "$tmp/tree/run_c/step_001.npy" > "$tmp/tree/run_c/step_004.npy"  # truncated
sweep_config "$tmp/sweep.ini" "$tmp/tree" "$tmp/s.h5" DSE,DSMI,CSE,RankMe 4 "" "t = 1,2"
"$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n 2 "$bin" run -q "$tmp/sweep.ini" \
  2>"$tmp/run.err"
check_eq "sweep exit status (3: one file failed)" 3 $?

# --- export -------------------------------------------------------------
"$bin" export "$tmp/s.h5" --format csv --out "$tmp/all.csv"; check_eq "export csv status" 0 $?
"$bin" export "$tmp/s.h5" --format json > "$tmp/all.json"; check_eq "export json status" 0 $?
python3 - "$tmp/all.csv" "$tmp/all.json" "$tmp/s.h5" "$tmp/tree/run_c/step_004.npy" > "$tmp/export.out" 2>&1 <<'EOP'
import csv, json, math, subprocess, sys
csv_path, json_path, store, truncated = sys.argv[1:5]
rows = list(csv.DictReader(open(csv_path)))
assert list(rows[0].keys()) == ["run", "step", "path", "quantity", "sigma", "t", "value", "status", "error",
                                "se", "sigma_rule", "sigma_used", "sigma_min", "sigma_max", "median_distance",
                                "method", "interval", "lower", "upper", "k", "products"], rows[0].keys()
# every value here comes from the dense solve (N < 10000): method exact, no interval
assert all(r["method"] == "exact" and r["interval"] == r["lower"] == r["upper"] == "" for r in rows if r["status"] == "ok"), "exact rows"
# SE columns: MI rows carry the standard error of their subset draws (> 0), the
# others 0 (one subsample); no sigma rule in this sweep (fixed sigma 4).
assert all(float(r["se"]) > 0 for r in rows if r["status"] == "ok" and r["quantity"] == "DSMI"), "DSMI se"
assert all(float(r["se"]) == 0 for r in rows if r["status"] == "ok" and r["quantity"] != "DSMI"), "se 0"
assert all(r["sigma_rule"] == "" and r["sigma_used"] == "" for r in rows), "no rule"
# the bandwidth check's median distance: on the kernel quantities (DSE, DSMI), not on CSE/RankMe
assert all(float(r["median_distance"]) > 0 for r in rows if r["status"] == "ok" and r["quantity"] in ("DSE", "DSMI")), "median distance"
assert all(r["median_distance"] == "" for r in rows if r["quantity"] in ("CSE", "RankMe")), "no median distance"
okr = [r for r in rows if r["status"] == "ok"]
err = [r for r in rows if r["status"] == "error"]
# 12 good checkpoints x 6 columns (CSE, DSE t=1,2, DSMI t=1,2, RankMe); the truncated
# file gives one error row per column, each with the reader's message.
assert len(okr) == 72, len(okr)
assert len(err) == 6, [(r["quantity"], r["error"]) for r in err]
want = truncated + ": shape (200, 16) needs 12800 bytes of data but the file holds 172"
assert all(r["path"] == truncated and r["value"] == "" and r["error"] == want for r in err), (err, want)
print("csv rows: %d ok, %d error" % (len(okr), len(err)))

def h5(dataset):  # one column of the store, read by h5dump (not by dsesweep)
    out = subprocess.run(["h5dump", "-y", "-w", "0", "-m", "%.17g", "-d", dataset, store],
                         check=True, capture_output=True, text=True).stdout
    body = out[out.index("DATA {") + 6:]
    body = body[:body.index("}")]
    if '"' in body:  # fixed-length strings, NUL-padded: "text\000\000"
        return [v.split("\\000")[0] for v in body.split('"')[1::2]]
    return [float(v) for v in body.replace("\n", " ").split(",") if v.strip()]

paths = h5("/checkpoints/path")
ck, qty, t, val, st = (h5("/results/" + c) for c in ("checkpoint", "quantity", "t", "value", "status"))
store_rows = {}
for i in range(len(ck)):
    key = (paths[int(ck[i])], qty[i], "%g" % t[i] if t[i] > 0 else "")
    store_rows[key] = (val[i], int(st[i]))
assert len(store_rows) == len(rows), (len(store_rows), len(rows))
for r in rows:
    v, s = store_rows[(r["path"], r["quantity"], r["t"])]
    assert (s == 0) == (r["status"] == "ok"), r
    if s == 0:
        assert float(r["value"]) == v, (r, v)
    else:
        assert math.isnan(v), (r, v)
print("csv values equal the store's:", len(rows))
js = json.load(open(json_path))
assert len(js) == len(rows)
for a, b in zip(rows, js):
    assert a["path"] == b["path"] and a["quantity"] == b["quantity"] and a["status"] == b["status"], (a, b)
    assert (b["value"] is None) if a["value"] == "" else float(a["value"]) == b["value"], (a, b)
print("json rows equal the csv's:", len(js))
EOP
[ $? = 0 ] && ok || bad "export checks: $(cat "$tmp/export.out")"

# --- report with metadata -----------------------------------------------
cat > "$tmp/meta.csv" <<'EOC'
model,top1,top1_err,top5,top5_err,param_count,img_size,crop_pct,interpolation
run_a,81.500,18.500,95.100,4.900,"1,014.45",224,0.875,bicubic
run_b,80.250,19.750,94.800,5.200,86.57,224,0.900,bicubic
run_shuffled,12.000,88.000,30.000,70.000,"2,500.00",224,0.900,bilinear
resnet50.a1_in1k,81.210,18.790,95.112,4.888,25.56,288,1.000,bicubic
EOC
"$bin" report "$tmp/s.h5" --metadata "$tmp/meta.csv" --rank-by "DSMI(t=1)" --out "$tmp/plots" > "$tmp/report.txt" 2>&1
check_eq "report status" 0 $?
grep -q "^run run_a$" "$tmp/report.txt" && grep -q "^run run_shuffled$" "$tmp/report.txt" && ok || bad "per-run tables missing"
grep -q "^change " "$tmp/report.txt" && ok || bad "no change row"
check_eq "join counts" \
  "  joined: 3; without a metadata row: 1 (run_c); metadata rows without a run: 1 (resnet50.a1_in1k)" \
  "$(grep '^  joined:' "$tmp/report.txt")"
# The ranking is descending and the shuffled run is last.
# Rows: rank, run, step, value, then (DSMI has subset-draw SEs) its SE and
# whether it stands apart from the next run (yes/no; the last row has none).
awk '/^ranking by DSMI\(t=1\)/ { on = 1; getline; next } on && $1 ~ /^[0-9]+$/ { print $4 } on && $1 !~ /^[0-9]+$/ { on = 0 }' \
  "$tmp/report.txt" > "$tmp/ranked"
check_eq "ranked runs" 4 "$(wc -l < "$tmp/ranked")"
grep -A1 '^ranking by DSMI(t=1)' "$tmp/report.txt" | grep -q -- '+- se  apart from next (> combined se)$' \
  && ok || bad "ranking lacks the SE columns"
awk '/^ranking by DSMI\(t=1\)/ { on = 1; getline; next } on && $1 ~ /^[0-9]+$/ { print NF, $5, $6 } on && $1 !~ /^[0-9]+$/ { on = 0 }' \
  "$tmp/report.txt" > "$tmp/ranked_se"
awk 'NR < 4 && !($1 == 6 && $2 > 0 && ($3 == "yes" || $3 == "no")) { bad = 1 } NR == 4 && !($1 == 5 && $2 > 0) { bad = 1 } END { exit bad }' \
  "$tmp/ranked_se" && ok || bad "ranking SE cells: $(tr '\n' '|' < "$tmp/ranked_se")"
sort -g -r "$tmp/ranked" | cmp -s - "$tmp/ranked" && ok || bad "ranking not descending: $(tr '\n' ' ' < "$tmp/ranked")"
awk '/^ranking by/ { on = 1 } on && $1 == 4 { print $2; exit }' "$tmp/report.txt" | grep -qx run_shuffled \
  && ok || bad "run_shuffled is not ranked last"
# Correlations equal ones computed here from the export and the metadata.
python3 - "$tmp/all.csv" "$tmp/meta.csv" "$tmp/plots/correlations.csv" > "$tmp/corr.out" 2>&1 <<'EOP'
import csv, sys
rows, meta, corr = (list(csv.DictReader(open(p))) for p in sys.argv[1:4])
top1 = {m["model"]: float(m["top1"]) for m in meta}
last = {}
for r in rows:  # each run's last step
    if r["status"] != "ok": continue
    col = r["quantity"] + ("(t=%s)" % r["t"] if r["t"] else "")
    k = (r["run"], col)
    if k not in last or int(r["step"]) > last[k][0]:
        last[k] = (int(r["step"]), float(r["value"]))
def pearson(x, y):
    n = len(x); mx = sum(x) / n; my = sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / (sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y)) ** 0.5
def ranks(v):
    return [sum(w < a for w in v) + (sum(w == a for w in v) + 1) / 2 for a in v]
def kendall(x, y):
    s = tx = ty = 0
    for i in range(len(x)):
        for j in range(i):
            dx = (x[i] > x[j]) - (x[i] < x[j]); dy = (y[i] > y[j]) - (y[i] < y[j])
            s += dx * dy; tx += dx != 0; ty += dy != 0
    return s / (tx * ty) ** 0.5
assert len(corr) == 6, len(corr)
for c in corr:
    pairs = [(v, top1[run]) for (run, col), (_, v) in last.items() if col == c["column"] and run in top1]
    x = [p[0] for p in pairs]; y = [p[1] for p in pairs]
    assert int(c["n"]) == len(pairs) == 3, (c, pairs)
    for name, want in (("pearson", pearson(x, y)), ("spearman", pearson(ranks(x), ranks(y))), ("kendall", kendall(x, y))):
        got = float(c[name])
        assert abs(got - want) <= 1e-12, (c["column"], name, got, want)
print("correlations equal:", len(corr))
EOP
[ $? = 0 ] && ok || bad "correlation check: $(cat "$tmp/corr.out")"
grep -q "^DSMI(t=1) *3  +" "$tmp/report.txt" && ok || bad "no DSMI(t=1) correlation row with n = 3"

# --- plots ----------------------------------------------------------------
pngs=("$tmp"/plots/*.png)
# 6 columns over steps + 6 scatters against top1
check_eq "plot count" 12 "${#pngs[@]}"
python3 "$here/png_check.py" "${pngs[@]}" > "$tmp/png.out" 2>&1 && ok || bad "png check: $(grep -v ': ok' "$tmp/png.out")"
for p in "${pngs[@]}"; do
  [ -s "${p%.png}.csv" ] || { bad "no CSV beside $p"; continue; }
  ok
done
# over_steps CSV: one row per (run, step) with a value: 4 runs x 3 steps (run_c's
# truncated step 4 has none). The join and the ranking take run_c at step 3.
check_eq "over_steps_DSMI_t_1.csv rows" 12 "$(($(wc -l < "$tmp/plots/over_steps_DSMI_t_1.csv") - 1))"
check_eq "scatter CSV rows" 3 "$(($(wc -l < "$tmp/plots/top1_vs_DSMI_t_1.csv") - 1))"
# The PNGs label their points, draw SE bars where SE exists (DSMI) and give
# each run its own dash and marker; ranking.csv carries the printed SE.
grep -q "with labels" "$tmp/plots/plots.gp" && ok || bad "scatter plots have no point labels"
[ "$(grep -c "using 1:2:3 with xerrorbars" "$tmp/plots/plots.gp")" = 2 ] && ok \
  || bad "not 2 scatters (DSMI t=1,2) with SE bars: $(grep -c xerrorbars "$tmp/plots/plots.gp")"
grep -q "^\$lines_[0-9]* using 1:2:3 with yerrorlines lw 2 dt 2 pt 5\|lines_1 using 1:2:3 with yerrorlines lw 2 dt 2 pt 5" \
  "$tmp/plots/plots.gp" && ok || bad "over-steps lines lack SE bars or a second dash and marker"
check_eq "ranking.csv header" 'rank,run,step,DSMI(t=1),se' "$(head -1 "$tmp/plots/ranking.csv")"
awk -F, 'NR > 1 && !($5 > 0) { bad = 1 } END { exit bad }' "$tmp/plots/ranking.csv" && ok \
  || bad "ranking.csv se not > 0: $(cat "$tmp/plots/ranking.csv")"
# --out DIR also writes DIR/index.html (the browser test reads such a page).
grep -q "^page: $tmp/plots/index.html " "$tmp/report.txt" && [ -s "$tmp/plots/index.html" ] && ok \
  || bad "no page in the plot directory"

# --- the text report's columns --------------------------------------------
"$bin" report "$tmp/s.h5" > "$tmp/cols_default.txt" 2>&1
check_eq "default columns" "step DSE(t=1) DSMI(t=1)" "$(grep -m1 '^step' "$tmp/cols_default.txt" | tr -s ' ')"
grep -q "^columns: DSE(t=1), DSMI(t=1) (2 of 6; --columns all" "$tmp/cols_default.txt" && ok \
  || bad "no columns note: $(head -2 "$tmp/cols_default.txt")"
"$bin" report "$tmp/s.h5" --columns 'DSMI,CSE' > "$tmp/cols_list.txt" 2>&1
check_eq "--columns DSMI,CSE" "step CSE DSMI(t=1) DSMI(t=2)" "$(grep -m1 '^step' "$tmp/cols_list.txt" | tr -s ' ')"
"$bin" report "$tmp/s.h5" --columns all > "$tmp/cols_all.txt" 2>&1
check_eq "--columns all" "step CSE DSE(t=1) DSE(t=2) DSMI(t=1) DSMI(t=2) RankMe" \
  "$(grep -m1 '^step' "$tmp/cols_all.txt" | tr -s ' ')"
msg=$("$bin" report "$tmp/s.h5" --columns 'DSE(t=9)' 2>&1 >/dev/null); st=$?
check_eq "bad --columns status" 1 "$st"
check_eq "bad --columns message" \
  "dsesweep report: error: $tmp/s.h5: --columns: no column matches 'DSE(t=9)' (columns: CSE, ...)" "$msg"

# --- bad input ------------------------------------------------------------
msg=$("$bin" report "$tmp/s.h5" --metadata "$tmp/meta.csv" --target accuracy 2>&1 >/dev/null); st=$?
check_eq "missing target column status" 1 "$st"
check_eq "missing target column message" \
  "dsesweep report: error: $tmp/meta.csv: no column 'accuracy' (the header has 9 columns, starting 'model')" "$msg"
msg=$("$bin" report "$tmp/s.h5" --metadata "$tmp/nope.csv" 2>&1 >/dev/null); st=$?
check_eq "missing metadata status" 1 "$st"
check_eq "missing metadata message" \
  "dsesweep report: error: $tmp/nope.csv: cannot open: No such file or directory" "$msg"
printf 'model,top1\nrun_a,1,2\n' > "$tmp/ragged.csv"
msg=$("$bin" report "$tmp/s.h5" --metadata "$tmp/ragged.csv" 2>&1 >/dev/null)
check_eq "ragged metadata message" \
  "dsesweep report: error: $tmp/ragged.csv: line 2: 3 fields where the header has 2" "$msg"
msg=$("$bin" report "$tmp/s.h5" --rank-by ASMI 2>&1 >/dev/null); st=$?
check_eq "bad rank-by status" 1 "$st"
check_eq "bad rank-by message" \
  "dsesweep report: error: $tmp/s.h5: no column 'ASMI' to rank by (columns: CSE, ...)" "$msg"

finish "report"
