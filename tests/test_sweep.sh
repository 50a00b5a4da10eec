#!/usr/bin/env bash
# test_sweep.sh — `dsesweep run` end to end on a generated checkpoint tree.
# usage: test_sweep.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR
#  - stores from 1, 2, 3 and 4 ranks (and 2 without MPI_THREAD_MULTIPLE) hold the same rows,
#    values equal to 1e-9 relative; every rank computes;
#  - DSMI with the labels rises over steps for the clean runs and stays near 0 (|DSMI| < 0.05)
#    for the shuffled run;
#  - running again computes nothing; added checkpoints and a changed file are computed alone;
#  - a checkpoint whose N differs from the labels' is refused before any work (exit 2,
#    issue 24's pre-flight); without it, a truncated file and a NaN file are recorded as
#    errors with their messages, the sweep finishes the rest and exits 3;
#  - rescore adds DSE at a new t from the stored spectra, equal to `dsesweep score`.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
run() {  # NP CONFIG [args] -> stdout; exit status in $status
  local np=$1; shift
  out=$("$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n "$np" "$bin" run "$@" 2>"$tmp/stderr"); status=$?
}
config() {  # STORE [ROOT] -> config path
  local store=$1 root=${2:-$tmp/tree} f=$tmp/$(basename "$1" .h5).ini
  cat > "$f" <<EOC
[sweep]
roots = $root
include = run_*/step_*.npy
path_regex = ^(?<run>[^/]+)/step_(?<step>[0-9]+)\.npy\$
labels = $tmp/tree/labels.npy
store = $store
[quantities]
compute = DSE,DSMI,CSE,RankMe,participation_ratio
sigma = 4
t = 1,2
EOC
  echo "$f"
}
same_values() {  # CSV_A CSV_B LABEL: same rows, values within 1e-9 relative
  if awk -F, 'NR == FNR { a[FNR] = $0; next }
       { split(a[FNR], x, ","); n = split($0, y, ",");
         for (i = 1; i <= n; i++) if (i != 7 && x[i] != y[i]) { print "row " FNR " col " i ": " x[i] " vs " y[i]; exit 1 }
         if (x[7] != y[7]) { d = x[7] - y[7]; d = d < 0 ? -d : d; s = x[7] < 0 ? -x[7] : x[7];
           if (d > 1e-9 * s) { print "row " FNR ": " x[7] " vs " y[7]; exit 1 } } }
       END { if (FNR != length(a)) { print "row counts differ"; exit 1 } }' "$1" "$2" >"$tmp/diff" 2>&1; then
    ok
  else
    bad "$3: $(cat "$tmp/diff")"
  fi
}

"$gen" tree --out "$tmp/tree" --runs 2 --steps 4 --n 300 --d 16 --classes 4 || { echo "generator failed"; exit 1; }

# 1. Same store at 1, 2, 3 and 4 ranks, and at 2 ranks without MPI_THREAD_MULTIPLE (rank 0
#    then only coordinates). With it, every rank computes: each rank leads some task.
for np in 1 2 3 4 2f; do
  cfg=$(config "$tmp/s$np.h5")
  if [ "$np" = 2f ]; then DSESWEEP_MPI_FUNNELED=1 run 2 "$cfg"; else run "$np" "$cfg"; fi
  [ "$status" = 0 ] && ok || bad "run on $np ranks exited $status: $(cat "$tmp/stderr")"
  "$bin" export "$tmp/s$np.h5" > "$tmp/s$np.csv" || bad "export s$np"
  rows=$(($(wc -l < "$tmp/s$np.csv") - 1))
  # 12 checkpoints x (DSE t=1,2 + DSMI t=1,2 + CSE + RankMe + PR) = 84 rows
  [ "$rows" = 84 ] && ok || bad "$np ranks: $rows rows, want 84"
  case $np in
    2|3|4) for r in $(seq 0 $((np - 1))); do
             grep -qE "ranks $r-$r " <<<"$out" && ok || bad "$np ranks: rank $r computed no task: $out"
           done
           grep -q "$np rank(s), $np computing in $np group(s) of 1" <<<"$out" && ok || bad "$np ranks: header: $(head -1 <<<"$out")" ;;
    2f) grep -q "ranks 0-0 " <<<"$out" && bad "without MPI_THREAD_MULTIPLE rank 0 computed" || ok
        check_eq "fallback line" 1 "$(grep -c '^dsesweep: MPI gives less than MPI_THREAD_MULTIPLE: rank 0 only coordinates$' <<<"$out")" ;;
  esac
done
same_values "$tmp/s1.csv" "$tmp/s2.csv" "1 vs 2 ranks"
same_values "$tmp/s1.csv" "$tmp/s3.csv" "1 vs 3 ranks"
same_values "$tmp/s1.csv" "$tmp/s4.csv" "1 vs 4 ranks"
same_values "$tmp/s1.csv" "$tmp/s2f.csv" "1 vs 2 ranks, rank 0 coordinating only"
h5dump -H "$tmp/s1.h5" >/dev/null 2>&1 && ok || bad "h5dump cannot read the store"

# 2. DSMI rises for the clean runs and stays near zero for the shuffled one.
for r in run_a run_b; do
  awk -F, -v r="$r" '$1 == r && $4 == "DSMI" && $6 == 1 { v[$2] = $7 } END { exit !(v[4] > v[1] + 0.05) }' "$tmp/s1.csv" \
    && ok || bad "DSMI does not rise over steps in $r"
done
awk -F, '$1 == "run_shuffled" && $4 == "DSMI" && $6 == 1 { if ($7 > 0.05 || $7 < -0.05) bad = 1; n++ } END { exit !(n == 4 && !bad) }' "$tmp/s1.csv" \
  && ok || bad "DSMI of the shuffled run is not near zero"

# 3. Resume: nothing to do; the store is unchanged.
cfg=$(config "$tmp/s2.h5")
run 2 "$cfg"
grep -q "0 task(s) to run, 36 already in" <<<"$out" && ok || bad "resume after a complete run: $out"
"$bin" export "$tmp/s2.h5" > "$tmp/s2b.csv"; cmp -s "$tmp/s2.csv" "$tmp/s2b.csv" && ok || bad "resume changed the store"

# 4. Added checkpoints and a changed file are computed alone.
"$gen" tree --out "$tmp/more" --runs 2 --steps 5 --n 300 --d 16 --classes 4 >/dev/null
cp "$tmp/more/run_a/step_005.npy" "$tmp/tree/run_a/step_005.npy"
run 2 "$cfg"
grep -q "3 task(s) to run, 36 already in" <<<"$out" && ok || bad "added checkpoint: $out"
"$gen" blobs --n 300 --d 16 --classes 4 --seed 77 --out "$tmp/tree/run_b/step_001.npy"
run 2 "$cfg"
# The changed file's 3 tasks no longer count as done: 39 - 3 = 36 stay.
grep -q "3 task(s) to run, 36 already in" <<<"$out" && ok || bad "changed file: $out"
"$bin" export "$tmp/s2.h5" > "$tmp/s2c.csv"
grep -c "^run_a,5," "$tmp/s2c.csv" | grep -qx 7 && ok || bad "step 5 rows missing"
old=$(awk -F, '$1=="run_b" && $2==1 && $4=="DSE" && $6==1 {print $7}' "$tmp/s2.csv")
new=$(awk -F, '$1=="run_b" && $2==1 && $4=="DSE" && $6==1 {print $7}' "$tmp/s2c.csv")
[ -n "$new" ] && [ "$old" != "$new" ] && ok || bad "changed file not recomputed ($old -> $new)"
[ "$(grep -c '' "$tmp/s2c.csv")" = 92 ] && ok || bad "no duplicates after resume: $(grep -c '' "$tmp/s2c.csv") lines, want 92"

# 5. Bad files: recorded with their errors; the rest completes; exit status 3.
cp -r "$tmp/tree" "$tmp/badtree"
mkdir -p "$tmp/badtree/run_bad"
head -c 50 "$tmp/tree/run_a/step_001.npy" > "$tmp/badtree/run_bad/step_001.npy"
cp "$tmp/tree/run_a/step_002.npy" "$tmp/badtree/run_bad/step_002.npy"
printf '\x00\x00\xc0\x7f' | dd of="$tmp/badtree/run_bad/step_002.npy" bs=1 seek=$((128 + (7 * 16 + 3) * 4)) conv=notrunc 2>/dev/null
"$gen" blobs --n 200 --d 16 --classes 4 --out "$tmp/badtree/run_bad/step_003.npy"
bcfg=$(config "$tmp/bad.h5" "$tmp/badtree")
rm -f "$tmp/bad.h5" "$tmp/bad.h5.journal"
run 2 "$bcfg"
[ "$status" = 2 ] && grep -q "labels.npy: 300 labels, but $tmp/badtree/run_bad/step_003.npy has 200 rows" "$tmp/stderr" && [ ! -e "$tmp/bad.h5" ] \
  && ok || bad "N-mismatch file: exit $status, want 2 before any work ($(head -1 "$tmp/stderr"))"
rm "$tmp/badtree/run_bad/step_003.npy"
for np in 1 3; do
  rm -f "$tmp/bad.h5" "$tmp/bad.h5.journal"
  run "$np" "$bcfg"
  [ "$status" = 3 ] && ok || bad "bad tree on $np ranks: exit $status, want 3 ($(cat "$tmp/stderr"))"
  "$bin" export "$tmp/bad.h5" > "$tmp/bad$np.csv"
  b=$tmp/badtree/run_bad
  grep -qF "run_bad,1,$b/step_001.npy,DSE,4,1,,error,\"$b/step_001.npy: truncated header (header claims 128 bytes, only 50 present)\"" "$tmp/bad$np.csv" \
    && ok || bad "$np ranks: truncated file not recorded"
  grep -qF "run_bad,2,$b/step_002.npy,DSE,4,1,,error,\"$b/step_002.npy: NaN at row 7, column 3\"" "$tmp/bad$np.csv" \
    && ok || bad "$np ranks: NaN file not recorded: $(grep step_002 "$tmp/bad$np.csv" | grep run_bad | head -1)"
  # (rows only: the header has ",error," since the columns after it were added)
  good=$(tail -n +2 "$tmp/bad$np.csv" | grep -c ",ok,"); errs=$(tail -n +2 "$tmp/bad$np.csv" | grep -c ",error,")
  # 13 good checkpoints x 7 rows; errors: 2 x 7
  [ "$good" = 91 ] && [ "$errs" = 14 ] && ok || bad "$np ranks: $good ok rows (want 91), $errs error rows (want 14)"
done

# 6. rescore: DSE at t = 3 from the stored spectra equals a fresh score.
"$mpiexec" --allow-run-as-root -n 1 "$bin" rescore "$tmp/s1.h5" --t 3 > "$tmp/rescore.out" 2>&1
grep -q "12 DSE value(s) added" "$tmp/rescore.out" && ok || bad "rescore: $(cat "$tmp/rescore.out")"
"$bin" export "$tmp/s1.h5" > "$tmp/s1r.csv"
got=$(awk -F, '$1=="run_a" && $2==3 && $4=="DSE" && $6==3 {print $7}' "$tmp/s1r.csv")
want=$("$bin" score "$tmp/tree/run_a/step_003.npy" --sigma 4 --t 3 --quantities DSE --json | sed -nE 's/^[[:space:]]*"value":[[:space:]]*([-0-9.e+]+).*/\1/p')
awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; d = d < 0 ? -d : d; exit !(a != "" && d <= 1e-9 * b) }' \
  && ok || bad "rescored DSE(t=3) $got vs score $want"

finish "test_sweep"
