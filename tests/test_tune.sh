#!/usr/bin/env bash
# test_tune.sh — the node's tuning file (`dsesweep tune`, tune.h).
# usage: test_tune.sh MPIEXEC DSESWEEP DSE_GEN JSON_GET TMPDIR
#  - `dsesweep tune` writes a file keyed by this node's CPU and BLAS, and `tune --show` uses it;
#  - a fake tuning file whose timings make dsyevd_2stage the fastest at every size is used:
#    the store's /results/driver holds dsyevd_2stage for every spectrum (1 and 2 ranks), and
#    `score --json` names it; the built-in table's choice at N = 300 (read from
#    `tune --show` without a file, and not dsyevd_2stage) is used without a file;
#  - without a file, `run` and `score` say once that they use the built-in table;
#  - a corrupt file and another node's file are ignored with one line each; the run goes on
#    with the built-in choice;
#  - the values do not depend on the driver (1e-9 relative);
#  - float32: tune times ssyevd and ssyevd_2stage; `precision = float32` takes the faster of
#    the file's float32 timings (either way round), whatever the float64 ones say, and a file
#    without float32 timings leaves the float32 choice to the built-in table;
#  - 2 ranks with all cores' BLAS threads each are capped to cores / 2 threads, said once.
set -u
mpiexec=$1 bin=$2 gen=$3 json_get=$4 tmp=$5
rm -rf "$tmp"; mkdir -p "$tmp"
tmp=$(cd "$tmp" && pwd -P)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
"$gen" tree --out "$tmp/tree" --runs 1 --steps 3 --n 300 --d 16 --classes 4 >/dev/null || { echo "generator failed"; exit 1; }
nck=$(find "$tmp/tree" -name 'step_*.npy' | wc -l)  # one spectrum per checkpoint
config() {  # STORE -> config path
  local f=$tmp/$(basename "$1" .h5).ini
  printf '[sweep]\nroots = %s\ninclude = run_*/step_*.npy\nlabels = %s\nstore = %s\n[quantities]\ncompute = DSE,DSMI\nsigma = 4\n' \
    "$tmp/tree" "$tmp/tree/labels.npy" "$1" > "$f"
  echo "$f"
}
run() {  # NP TUNING_FILE STORE -> $out (stdout), $status
  local cfg; cfg=$(config "$3")
  out=$(DSESWEEP_TUNING=$2 "$mpiexec" -x DSESWEEP_TUNING -x OPENBLAS_NUM_THREADS=1 -n "$1" "$bin" run "$cfg" 2>"$tmp/stderr"); status=$?
}
drivers() {  # STORE -> the non-empty driver strings of /results, one per line, sorted
  h5dump -d /results/driver "$1" | sed -n '/DATA {/,/}/p' | grep -oE '"[a-z_0-9]+' | tr -d '"' | sort
}

# 1. tune writes a file with this node's key; --show reads it.
DSESWEEP_TUNING= "$bin" tune --sizes 100,200 --threads 1 --out "$tmp/measured.json" > "$tmp/tune.out" 2>&1
[ $? = 0 ] && [ -s "$tmp/measured.json" ] && ok || bad "tune failed: $(cat "$tmp/tune.out")"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
grep -qF "\"cpu\":	\"${cpu:-unknown}\"" "$tmp/measured.json" && ok || bad "the file is not keyed by the CPU model '$cpu': $(head -5 "$tmp/measured.json")"
grep -q '"blas":	"OpenBLAS' "$tmp/measured.json" && ok || bad "the file is not keyed by the BLAS library"
show=$(DSESWEEP_TUNING=$tmp/measured.json "$bin" tune --show --sizes 200)
grep -qF "tuning file $tmp/measured.json: drivers chosen by this node's measurements" <<<"$show" && ok || bad "tune --show does not use the file: $show"

# 2. A fake file (this node's key, made-up timings): dsyevd_2stage 100x faster everywhere.
python3 - "$tmp/measured.json" "$tmp/fake.json" <<'EOP'
import json, sys
t = json.load(open(sys.argv[1]))
for e in t["entries"]:
    for name in ("dsyevd", "dsyevr", "elpa1", "elpa2"):  # every one-rank candidate but one
        e[name] = [1.0 for _ in e["sizes"]]
    e["dsyevd_2stage"] = [0.01 for _ in e["sizes"]]
json.dump(t, open(sys.argv[2], "w"), indent=1)
EOP
for np in 1 2; do
  run "$np" "$tmp/fake.json" "$tmp/fake$np.h5"
  [ "$status" = 0 ] && ok || bad "run with the fake file on $np rank(s): exit $status $(cat "$tmp/stderr")"
  grep -qF "dsesweep: tuning file $tmp/fake.json: drivers chosen by this node's measurements" <<<"$out" \
    && ok || bad "$np rank(s): the run does not say it uses the fake file: $(head -3 <<<"$out")"
  got=$(drivers "$tmp/fake$np.h5" | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')
  check_eq "drivers in the store ($np rank(s), fake file)" "dsyevd_2stage=$nck " "$got"
done
json=$(DSESWEEP_TUNING=$tmp/fake.json "$bin" score "$tmp/tree/run_a/step_001.npy" --sigma 4 --quantities DSE --json)
check_eq "score --json driver (fake file)" dsyevd_2stage "$("$json_get" driver <<<"$json")"
check_eq "score --json driver_table" "$tmp/fake.json" "$("$json_get" driver_table <<<"$json")"

# 3. No file: the built-in table, said once. Its choice at N = 300 and one thread, from --show.
builtin=$(DSESWEEP_TUNING=$tmp/none.json OPENBLAS_NUM_THREADS=1 "$bin" tune --show --sizes 300 |
  awk '/^one rank/ { on = 1; next } on && $1 == 300 { for (i = 2; i <= NF; ++i) if ($i ~ /^\*/) print i; exit }')
header=$(DSESWEEP_TUNING=$tmp/none.json OPENBLAS_NUM_THREADS=1 "$bin" tune --show --sizes 300 | awk '/^one rank/ { getline; print; exit }')
builtin=$(awk -v c="$builtin" '{ print $c }' <<<"$header")
[ -n "$builtin" ] && [ "$builtin" != dsyevd_2stage ] && ok || bad "the built-in choice at N = 300 is '$builtin' (the fake file's must differ)"

run 2 "$tmp/none.json" "$tmp/none.h5"
[ "$status" = 0 ] && ok || bad "run without a file: exit $status"
check_eq "'no tuning file' lines of run" 1 "$(grep -c "^dsesweep: no tuning file ($tmp/none.json): the built-in driver table is used" <<<"$out")"
check_eq "drivers in the store (built-in)" "$builtin=$nck " "$(drivers "$tmp/none.h5" | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')"
txt=$(DSESWEEP_TUNING=$tmp/none.json "$bin" score "$tmp/tree/run_a/step_001.npy" --sigma 4 --quantities DSE)
check_eq "'no tuning file' lines of score" 1 "$(grep -c "no tuning file ($tmp/none.json): the built-in driver table is used" <<<"$txt")"
"$bin" export "$tmp/fake1.h5" > "$tmp/fake1.csv"; "$bin" export "$tmp/none.h5" > "$tmp/none.csv"
awk -F, -v nck="$nck" 'NR == FNR { a[$1 FS $2 FS $4 FS $6] = $7; next }
         FNR > 1 { k = $1 FS $2 FS $4 FS $6; d = a[k] - $7; d = d < 0 ? -d : d; s = $7 < 0 ? -$7 : $7
                   if (!(k in a) || d > 1e-9 * s) { print k; bad = 1 } n++ }
         END { exit bad || n != 2 * nck }' "$tmp/fake1.csv" "$tmp/none.csv" > "$tmp/diff" \
  && ok || bad "values differ between drivers: $(cat "$tmp/diff")"

# 4. A corrupt file and another node's file: one line each, the built-in choice, exit 0.
printf '{"format": "dsesweep-tuning 1", "cpu": ' > "$tmp/corrupt.json"
run 1 "$tmp/corrupt.json" "$tmp/corrupt.h5"
[ "$status" = 0 ] && [ ! -s "$tmp/stderr" ] && ok || bad "corrupt file: exit $status, stderr $(cat "$tmp/stderr")"
check_eq "corrupt file lines" 1 "$(grep -c 'tuning' <<<"$out")"
check_eq "corrupt file message" "dsesweep: tuning file ignored: $tmp/corrupt.json: not valid JSON; the built-in driver table is used" "$(grep 'tuning' <<<"$out")"
check_eq "drivers after a corrupt file" "$builtin=$nck " "$(drivers "$tmp/corrupt.h5" | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')"
sed -E 's/"cpu": *"[^"]*"/"cpu": "Other CPU 9000"/' "$tmp/fake.json" > "$tmp/foreign.json"
run 1 "$tmp/foreign.json" "$tmp/foreign.h5"
[ "$status" = 0 ] && ok || bad "foreign file: exit $status"
check_eq "foreign file lines" 1 "$(grep -c 'tuning' <<<"$out")"
grep -qF "dsesweep: tuning file ignored: $tmp/foreign.json: made on another node (CPU \"Other CPU 9000\"" <<<"$out" \
  && ok || bad "foreign file message: $(grep tuning <<<"$out")"
check_eq "drivers after a foreign file" "$builtin=$nck " "$(drivers "$tmp/foreign.h5" | uniq -c | awk '{ print $2 "=" $1 }' | tr '\n' ' ')"

# 4b. A driver pruned by tune (null from a size on) is no candidate above its last timing;
#     a timing after a null is refused as a bad file.
python3 - "$tmp/fake.json" "$tmp/pruned.json" "$tmp/badnull.json" <<'EOP'
import json, sys
t = json.load(open(sys.argv[1]))
for e in t["entries"]:
    e["dsyevd_2stage"] = [0.01] + [None] * (len(e["sizes"]) - 1)
    e["dsyevr"] = [0.5 for _ in e["sizes"]]
json.dump(t, open(sys.argv[2], "w"), indent=1)
for e in t["entries"]:
    e["dsyevd_2stage"] = [None] * (len(e["sizes"]) - 1) + [0.01]
json.dump(t, open(sys.argv[3], "w"), indent=1)
EOP
json=$(DSESWEEP_TUNING=$tmp/pruned.json OPENBLAS_NUM_THREADS=1 "$bin" score "$tmp/tree/run_a/step_001.npy" --sigma 4 --quantities DSE --json)
check_eq "score --json driver above a pruned driver's sizes" dsyevr "$("$json_get" driver <<<"$json")"
out=$(DSESWEEP_TUNING=$tmp/badnull.json OPENBLAS_NUM_THREADS=1 "$bin" score "$tmp/tree/run_a/step_001.npy" --sigma 4 --quantities DSE 2>&1)
grep -qF "tuning file ignored: $tmp/badnull.json: \"dsyevd_2stage\" holds a bad timing" <<<"$out" && ok || bad "a timing after a null: $(grep tuning <<<"$out")"

# 4c. The float32 drivers: measured by tune, chosen among themselves.
for d in ssyevd ssyevd_2stage; do
  grep -q "\"$d\":" "$tmp/measured.json" && ok || bad "tune did not time $d: $(grep -c . "$tmp/measured.json") lines"
done
python3 - "$tmp/fake.json" "$tmp" <<'EOP'
import json, sys
t = json.load(open(sys.argv[1]))
for fast, slow in (("ssyevd", "ssyevd_2stage"), ("ssyevd_2stage", "ssyevd")):
    for e in t["entries"]:
        e[fast] = [0.02 for _ in e["sizes"]]  # slower than the fake float64 dsyevd_2stage (0.01)
        e[slow] = [2.0 for _ in e["sizes"]]
    json.dump(t, open(f"{sys.argv[2]}/f32_{fast}.json", "w"), indent=1)
for e in t["entries"]:
    e.pop("ssyevd"); e.pop("ssyevd_2stage")
json.dump(t, open(f"{sys.argv[2]}/f32_none.json", "w"), indent=1)
EOP
for d in ssyevd ssyevd_2stage; do
  json=$(DSESWEEP_TUNING=$tmp/f32_$d.json OPENBLAS_NUM_THREADS=1 "$bin" score "$tmp/tree/run_a/step_001.npy" --sigma 4 --quantities DSE --precision float32 --json)
  check_eq "float32 driver when the file times $d fastest" "$d" "$("$json_get" driver <<<"$json")"
  check_eq "float32 interval kind ($d)" float32 "$("$json_get" results.0.interval <<<"$json")"
done
b32=$(DSESWEEP_TUNING=$tmp/none.json OPENBLAS_NUM_THREADS=1 "$bin" tune --show --sizes 300 |
  awk '/^one rank/ { getline; for (i = 1; i <= NF; ++i) h[i] = $i; next }
       h[1] && $1 == 300 { for (i = 2; i <= NF; ++i) if ($i ~ /^\*/ && h[i] ~ /^ssyevd/) print h[i]; exit }')
[ -n "$b32" ] && ok || bad "tune --show starred no float32 driver at N = 300"
json=$(DSESWEEP_TUNING=$tmp/f32_none.json OPENBLAS_NUM_THREADS=1 "$bin" score "$tmp/tree/run_a/step_001.npy" --sigma 4 --quantities DSE --precision float32 --json)
check_eq "float32 driver from a file without float32 timings (the built-in's)" "$b32" "$("$json_get" driver <<<"$json")"

# 5. Ranks x BLAS threads over the cores (no binding, threads unset): capped, said once,
#    and the store's threads column shows the cap.
cores=$(nproc); cap=$((cores / 2 > 0 ? cores / 2 : 1))
cfg=$(config "$tmp/cap.h5")
out=$(DSESWEEP_TUNING=$tmp/none.json "$mpiexec" --bind-to none -x DSESWEEP_TUNING -x OPENBLAS_NUM_THREADS=$cores -n 2 "$bin" run "$cfg" 2>"$tmp/stderr"); status=$?
[ "$status" = 0 ] && ok || bad "capped run: exit $status $(cat "$tmp/stderr")"
check_eq "cap line" "dsesweep: $cores BLAS threads per rank would oversubscribe the cores: $cap per rank (set OPENBLAS_NUM_THREADS=1 for a sweep)" "$(grep 'oversubscribe' <<<"$out")"
threads=$(h5dump -d /results/threads "$tmp/cap.h5" | sed -n '/DATA {/,/}/p' | sed -E 's/\([0-9]+\)://g' | grep -oE '[0-9]+' | sort -u | tr '\n' ' ')
check_eq "threads column after the cap" "$cap " "$threads"

finish "test_tune"
