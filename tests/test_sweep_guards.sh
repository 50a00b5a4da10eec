#!/usr/bin/env bash
# test_sweep_guards.sh — issue 24: bad sweeps refused before any work, every
# bandwidth rule's rows kept apart, and the finish of a run.
# usage: test_sweep_guards.sh MPIEXEC DSESWEEP(hooked) DSE_GEN TMPDIR
#  1. pre-flight (`scan` and `run`, 1 and 2 ranks): a labels file of 590 entries
#     for 600 rows, a labels path with a typo, a reference X of the wrong length
#     and a path_regex that names none of the files `include` matched are each
#     refused in one line with exit 2, before any task, and an existing store
#     (file, journal) is byte for byte unchanged;
#  2. every bandwidth rule on its own (1 and 2 ranks): a checkpoint of identical
#     rows under `sigma = 4, median, knn:5` beside a normal one: the fixed rule's
#     rows get their value, median's and knn's fail with the message and keep
#     their rule; the journal's replay (a run killed after the first task), a
#     retry, merge, export and report keep the three rules' rows apart;
#     export leaves the config's sigma empty on a rule's rows; a clean finish
#     removes the journal and leaves the lock file empty;
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
mpi() { local np=$1; shift; "$mpiexec" -q --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS -x DSE_TEST_SLOW_IO -n "$np" "$@"; }
"$gen" tree --out "$tmp/tree" --runs 2 --steps 2 --n 600 --d 8 --classes 4 --inputs 5 > /dev/null || { echo "generator failed"; exit 1; }
"$gen" tree --out "$tmp/short" --runs 1 --steps 1 --n 590 --d 8 --classes 4 --inputs 5 > /dev/null || { echo "generator failed"; exit 1; }
config() {  # NAME [extra lines]: $tmp/NAME.ini writing $tmp/good.h5 unless the extra lines say
  sweep_config "$tmp/$1.ini" "$tmp/tree" "$tmp/good.h5" DSE,DSMI,CSE 4 "${2:-}"
}

# ---- 1. pre-flight --------------------------------------------------------
config good
mpi 2 "$bin" run -q "$tmp/good.ini" > /dev/null 2>&1 && ok || bad "good run"
"$bin" export "$tmp/good.h5" > "$tmp/good.csv" || bad "export good"
sums() { md5sum "$tmp/good.h5" 2>/dev/null; cat "$tmp/good.h5.journal" 2>/dev/null | md5sum; }
before=$(sums)
refused() {  # NAME WANT (the one error line after "dsesweep CMD: error: ", exactly)
  local name=$1 want=$2 cmd np out err st lines
  for cmd in scan "run 1" "run 2"; do
    np=${cmd#run }; [ "$cmd" = scan ] && np=1
    out=$(mpi "$np" "$bin" ${cmd%% *} "$tmp/$name.ini" 2> "$tmp/$name.err"); st=$?
    err=$(cat "$tmp/$name.err")
    lines=$(grep -c . <<<"$err")
    [ "$st" = 2 ] && [ "$lines" = 1 ] && [ "$err" = "dsesweep ${cmd%% *}: error: $want" ] \
      && ok || bad "$name: $cmd: exit $st, $lines line(s): '$err' (want exit 2 and one line matching '$want')"
    grep -qE '^\[ *[0-9]+/' <<<"$out" && bad "$name: $cmd started tasks: $out" || ok
    [ "$(sums)" = "$before" ] && ok || bad "$name: $cmd changed the existing store"
  done
}
config short "labels = $tmp/short/labels.npy"; sed -i "0,/^labels = .*/{//d}" "$tmp/short.ini"
refused short "$tmp/short/labels.npy: 590 labels, but $tmp/tree/run_a/step_001.npy has 600 rows (6 of the 6 checkpoint(s) differ); the labels file needs one label per row of each checkpoint file, in row order (max_n subsampling draws rows with their labels); nothing was computed"
config typo; sed -i "s|^labels = .*|labels = $tmp/tree/lables.npy|" "$tmp/typo.ini"
refused typo "labels: $tmp/tree/lables.npy: cannot open: No such file or directory; nothing was computed"
config xlen "reference = $tmp/short/inputs.npy"
refused xlen "$tmp/short/inputs.npy: 590 rows, but $tmp/tree/run_a/step_001.npy has 600 rows (6 of the 6 checkpoint(s) differ); the reference X needs one row per row of each checkpoint file; nothing was computed"
config xtypo "reference = $tmp/tree/input.npy"
refused xtypo "reference: $tmp/tree/input.npy: cannot open: No such file or directory; nothing was computed"
config rx; sed -i 's|^path_regex = .*|path_regex = ^(?<run>[^/]+)/ckpt_(?<step>[0-9]+)\\.npy$|' "$tmp/rx.ini"
refused rx "$tmp/rx.ini: path_regex '^(?<run>[^/]+)/ckpt_(?<step>[0-9]+)\\.npy\$' matches none of the 6 file(s) that include = 'run_*/step_*.npy' matched; it fails on run_a/step_001.npy (below its root); nothing was computed"
# Labels are only needed by MI: without MI quantities the same file is no reason to refuse.
config nomi "labels = $tmp/short/labels.npy"; sed -i "0,/^labels = .*/{//d}; s|^compute = .*|compute = DSE,CSE|; s|good.h5|nomi.h5|" "$tmp/nomi.ini"
"$bin" scan "$tmp/nomi.ini" > /dev/null 2>&1 && ok || bad "labels of another length refused without MI quantities"

# ---- 2. every bandwidth rule on its own ------------------------------------
"$gen" tree --out "$tmp/deg" --runs 1 --steps 2 --n 300 --d 8 --classes 4 > /dev/null || { echo "generator failed"; exit 1; }
python3 - "$tmp/deg/run_a/step_001.npy" <<'EOP' || { echo "cannot write the degenerate checkpoint"; exit 1; }
import struct, sys
b = open(sys.argv[1], 'rb').read()
hl = struct.unpack('<H', b[8:10])[0]
head, data = b[:10 + hl], b[10 + hl:]
row = data[:8 * (4 if b"'<f4'" in head else 8)]
open(sys.argv[1], 'wb').write(head + row * (len(data) // len(row)))  # every row the first
EOP
rules_config() {  # NAME STORE
  sweep_config "$tmp/$1.ini" "$tmp/deg" "$2" DSE,DSMI,CSE "4, median, knn:5" "" "t = 1"
}
deg=$tmp/deg/run_a/step_001.npy
# check_rules CSV WHAT: the degenerate checkpoint's rows under each rule, and the normal one's.
check_rules() {
  local csv=$1 what=$2 q r n
  for q in DSE DSMI; do
    row=$(awk -F, -v p="$deg" -v q=$q '$3==p && $4==q && $11=="4"' "$csv")
    [ "$(grep -c . <<<"$row")" = 1 ] && [ "$(cut -d, -f8 <<<"$row")" = ok ] && [ -n "$(cut -d, -f7 <<<"$row")" ] \
      && ok || bad "$what: $q under sigma 4 on identical rows: want one ok row with a value, got '$row'"
    for r in median knn:5; do
      row=$(awk -F, -v p="$deg" -v q=$q -v r=$r '$3==p && $4==q && $11==r' "$csv")
      [ "$(grep -c . <<<"$row")" = 1 ] && [ "$(cut -d, -f8 <<<"$row")" = error ] && grep -q "gives sigma = 0" <<<"$row" \
        && [ -z "$(cut -d, -f5 <<<"$row")" ] && ok || bad "$what: $q under $r on identical rows: want one error row naming sigma = 0, got '$row'"
    done
  done
  n=$(awk -F, '$8=="error" && $11==""' "$csv" | grep -c .)
  [ "$n" = 0 ] && ok || bad "$what: $n failed row(s) without their rule"
  n=$(awk -F, -v p="$deg" 'NR>1 && $3!=p && $8!="ok"' "$csv" | grep -c .)
  [ "$n" = 0 ] && ok || bad "$what: $n row(s) of the normal checkpoint not ok"
  n=$(awk -F, 'NR>1 {print $3","$4","$6","$11}' "$csv" | sort | uniq -d | grep -c .)
  [ "$n" = 0 ] && [ "$(grep -c . "$csv")" = 29 ] && ok || bad "$what: $(grep -c . "$csv") lines (want 29), $n duplicate key(s)"
}
for np in 1 2; do
  rm -f "$tmp/r$np.h5"*
  rules_config r$np "$tmp/r$np.h5"
  mpi $np "$bin" run "$tmp/r$np.ini" > "$tmp/r$np.out" 2>&1; st=$?
  [ "$st" = 3 ] && ok || bad "rules at $np rank(s): exit $st (want 3: rows failed)"
  grep -q "FAILED under sigma median, knn:5 (the other rules' rows are kept)" "$tmp/r$np.out" && ok \
    || bad "rules at $np rank(s): no line names the failed rules: $(grep FAILED "$tmp/r$np.out")"
  "$bin" export "$tmp/r$np.h5" > "$tmp/r$np.csv" && ok || bad "export r$np"
  check_rules "$tmp/r$np.csv" "$np rank(s)"
  # An adaptive rule's rows do not show the config's default sigma (10).
  n=$(awk -F, 'NR>1 && $11!="" && $5!=""' "$tmp/r$np.csv" | grep -c .)
  [ "$n" = 0 ] && ok || bad "$np rank(s): $n rule row(s) show a sigma column"
  # A clean finish leaves no empty journal; the lock file stays, empty (store_lock.c).
  [ ! -e "$tmp/r$np.h5.journal" ] && ok || bad "$np rank(s): a clean finish left $tmp/r$np.h5.journal"
  [ -e "$tmp/r$np.h5.lock" ] && [ ! -s "$tmp/r$np.h5.lock" ] && ok || bad "$np rank(s): the lock file is missing or names a holder"
done
v1=$(awk -F, -v p="$deg" '$3==p && $4=="DSE" && $11=="4" {print $7}' "$tmp/r1.csv")
v2=$(awk -F, -v p="$deg" '$3==p && $4=="DSE" && $11=="4" {print $7}' "$tmp/r2.csv")
[ -n "$v1" ] && awk -v a="$v1" -v b="$v2" 'BEGIN {d = a - b; exit !(d < 1e-9 && d > -1e-9)}' \
  && ok || bad "DSE under sigma 4 on 1 and 2 ranks: '$v1' vs '$v2'"
# The journal's replay: killed at the second task, the first (the degenerate
# checkpoint's spectral task) is read back from the journal with its rules.
rm -f "$tmp/rj.h5"*; rules_config rj "$tmp/rj.h5"
DSE_TEST_KILL_RANK=0 "$bin" run -q "$tmp/rj.ini" > /dev/null 2>&1
[ -s "$tmp/rj.h5.journal" ] && ok || bad "the killed run left no journal"
"$bin" run -q --no-retry "$tmp/rj.ini" > /dev/null 2>&1  # replays the journal, keeps its failed rows
"$bin" export "$tmp/rj.h5" > "$tmp/rj.csv" || bad "export after the journal's replay"
[ "$(awk -F, -v p="$deg" '$3==p && $4=="DSE" {print $11":"$8}' "$tmp/rj.csv" | sort | tr '\n' ' ')" = "4:ok knn:5:error median:error " ] \
  && ok || bad "journal replay: $(awk -F, -v p="$deg" '$3==p && $4=="DSE"' "$tmp/rj.csv")"
# A retry: the failed rules run again, nothing doubles.
"$bin" run -q "$tmp/rj.ini" > "$tmp/rj2.out" 2>&1; st=$?
[ "$st" = 3 ] && ok || bad "retry: exit $st (want 3)"
"$bin" export --history "$tmp/rj.h5" > "$tmp/rj.csv" || bad "export rj"
cut -d, -f1-21 "$tmp/rj.csv" > "$tmp/rj21.csv"; check_rules "$tmp/rj21.csv" "retried"
row=$(awk -F, -v p="$deg" '$3==p && $4=="DSE" && $11=="median"' "$tmp/rj.csv")
grep -q ',2,sigma rule gives sigma = 0' <<<"$row" && ok || bad "retry: median's row does not count 2 attempts: $row"
# Merge: two shards of the same sweep merge without confusing the rules.
"$bin" merge "$tmp/r1.h5" "$tmp/r2.h5" -o "$tmp/merged.h5" > /dev/null 2>&1 && ok || bad "merge of the rules' shards"
"$bin" export "$tmp/merged.h5" > "$tmp/merged.csv" && check_rules "$tmp/merged.csv" "merged"
# Report: the rules' columns stay apart, the failed ones say so.
"$bin" report "$tmp/r1.h5" --columns all > "$tmp/report.txt" 2>&1 && ok || bad "report: $(tail -3 "$tmp/report.txt")"
for r in "4" median knn:5; do grep -q "DSE.*$r\|$r.*DSE" "$tmp/report.txt" && ok || bad "report shows no DSE column for rule $r"; done

finish "test_sweep_guards"
