#!/usr/bin/env bash
# test_integrity.sh — nothing lost, nothing mixed (issue 16): each section
# reproduces a case that used to lose or mix results and checks the fix.
#  1. one writer per store: 12 same-moment double submits, $DSE_RACE_ROUNDS
#     in the `long` label's integrity_long (no hang, one store
#     equal to an uninterrupted run's, no temporary file left); rescore while a
#     sweep writes (and merge into it) is refused naming the holder, export
#     keeps working; a dead holder's lock is taken over with a line;
#  2. a labels file changed in place: refused in one line (mi rows kept) until
#     --relabel, which recomputes them equal to a fresh store's;
#  3. a changed path_regex: refused naming the old and the new regex;
#  4. failed tasks are retried (--no-retry keeps them); the store keeps the
#     failure history (attempts, failed_before);
#  5. integer labels above 2^53 (int64) and 2^63 (uint64) are not merged;
#  6. naming: a regex without a step group has no step ("-", no change row);
#     duplicate (run, step) pairs fail naming both; the default naming of a
#     directory-per-checkpoint tree warns with the regex to write;
#  7. memory: CSE and RankMe at N = 30000 under `--memory-budget 1G`;
#  8. messages: a config mismatch names each key with both values and ends
#     through MPI_Finalize (exit 1, no abort; with `mpiexec -q` the message is
#     the last line); --quiet keeps the summary; a 1 GB file's checksum shows
#     progress.
# usage: test_integrity.sh MPIEXEC DSESWEEP(hooked) DSE_GEN TMPDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
mpi() { "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS -x DSE_TEST_SLOW_IO "$@"; }
"$gen" tree --out "$tmp/tree" --runs 2 --steps 3 --n 120 --d 8 --classes 4 > /dev/null
config() {  # NAME [extra lines] -> $tmp/NAME.ini, store $tmp/NAME.h5
  sweep_config "$tmp/$1.ini" "$tmp/tree" "$tmp/$1.h5" DSE,DSMI,CSE 4 "${2:-}"
}
config ref
mpi -n 2 "$bin" run "$tmp/ref.ini" -q > /dev/null || bad "reference run"
"$bin" export "$tmp/ref.h5" > "$tmp/ref.csv"
[ "$(wc -l < "$tmp/ref.csv")" -gt 10 ] && ok || bad "reference export is empty"

# ---- 1. one writer per store -----------------------------------------------
config race
refused=0 overlapped=0 rounds=${DSE_RACE_ROUNDS:-12}
for i in $(seq 1 "$rounds"); do
  rm -f "$tmp/race.h5" "$tmp/race.h5".tmp.* "$tmp/race.h5.journal" "$tmp/race.h5.lock"
  export DSE_TEST_SLOW_IO=0.03   # each journal append takes 30 ms: the two jobs overlap
  timeout 120 "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS -x DSE_TEST_SLOW_IO \
    -n 2 "$bin" run "$tmp/race.ini" -q > "$tmp/race_a.out" 2> "$tmp/race_a.err" & a=$!
  timeout 120 "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS -x DSE_TEST_SLOW_IO \
    -n 2 "$bin" run "$tmp/race.ini" -q > "$tmp/race_b.out" 2> "$tmp/race_b.err" & b=$!
  wait $a; sa=$?; wait $b; sb=$?
  export DSE_TEST_SLOW_IO=
  { [ "$sa" != 124 ] && [ "$sb" != 124 ]; } && ok || bad "race $i: a job hung (exits $sa $sb)"
  for s in "$sa:a" "$sb:b"; do
    case ${s%%:*} in
      0) ;;
      1) grep -q "race.h5: another dsesweep is writing this store (host .* pid [0-9]* started .*; lock $tmp/race.h5.lock)" "$tmp/race_${s#*:}.err" \
           && refused=$((refused + 1)) || bad "race $i: job ${s#*:} exit 1 without the lock message: $(tail -2 "$tmp/race_${s#*:}.err")" ;;
      *) bad "race $i: job ${s#*:} exited ${s%%:*}" ;;
    esac
  done
  { [ "$sa" = 0 ] || [ "$sb" = 0 ]; } && ok || bad "race $i: neither job finished"
  # The second job either was refused or came after the first and found it all done.
  [ "$sa" = 0 ] && [ "$sb" = 0 ] && ! grep -q " 0 task(s) run" "$tmp/race_a.out" "$tmp/race_b.out" \
    && bad "race $i: both jobs computed the tasks"
  [ "$sa" = 1 ] || [ "$sb" = 1 ] && overlapped=$((overlapped + 1))
  "$bin" export "$tmp/race.h5" > "$tmp/race.csv" 2>&1 && cmp -s "$tmp/ref.csv" "$tmp/race.csv" \
    && ok || bad "race $i: the store differs from an uninterrupted run's"
  compgen -G "$tmp/race.h5.tmp*" > /dev/null && bad "race $i: a temporary store was left" || ok
done
echo "  $rounds double submits: $refused second writer(s) refused at once, none hung, every store whole"
[ "$((3 * overlapped))" -ge "$((2 * rounds))" ] && ok \
  || bad "only $overlapped of $rounds double submits overlapped (the test lost its point)"

# rescore and export while a sweep writes (over a store that holds run_a);
# then a dead holder's lock.
rm -f "$tmp/race.h5"*
sed 's|^include = .*|include = run_a/step_*.npy|' "$tmp/race.ini" > "$tmp/race_a.ini"
mpi -n 2 "$bin" run "$tmp/race_a.ini" -q > /dev/null || bad "run_a alone"
# 1.5 s per journal append: the sweep must outlast the three commands below,
# which take seconds each under tools/sanitize.sh (at 0.3 s it had ended there).
export DSE_TEST_SLOW_IO=1.5
mpi -n 2 "$bin" run "$tmp/race.ini" > "$tmp/slow.out" 2>&1 & pid=$!
for _ in $(seq 1 300); do grep -q '^\[ *2/' "$tmp/slow.out" && break; sleep 0.05; done
export DSE_TEST_SLOW_IO=
holder=$(cat "$tmp/race.h5.lock")
err=$(mpi -n 2 "$bin" rescore "$tmp/race.h5" --t 3 2>&1 >/dev/null); st=$?
[ "$st" = 1 ] && grep -qF "race.h5: another dsesweep is writing this store ($holder; lock" <<<"$err" \
  && ok || bad "rescore during a sweep: exit $st, '$err' (holder '$holder')"
err=$(mpi -n 1 "$bin" merge "$tmp/ref.h5" -o "$tmp/race.h5" 2>&1 >/dev/null); st=$?
[ "$st" = 1 ] && grep -qF "race.h5: another dsesweep is writing this store ($holder; lock" <<<"$err" \
  && ok || bad "merge into a store a sweep writes: exit $st, '$err'"
"$bin" export "$tmp/race.h5" > /dev/null 2>&1 && ok || bad "export during a sweep failed"
[ -s "$tmp/race.h5.journal" ] && ok || bad "the live sweep's journal was emptied"
kill -0 $pid 2>/dev/null && ok || bad "the slow sweep ended before the checks above (they lost their point)"
pkill -9 -f "dsesweep run $tmp/race.ini"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
[ -s "$tmp/race.h5.lock" ] && ok || bad "a killed writer left no holder line"
out=$(mpi -n 2 "$bin" run "$tmp/race.ini" -q 2>&1); st=$?
pid0=$(sed -nE 's/.* pid ([0-9]+) .*/\1/p' <<<"$holder")
[ "$st" = 0 ] && grep -qE "race.h5.lock: taking over the lock of a writer that is gone \(host .* pid $pid0 " <<<"$out" \
  && ok || bad "dead holder: exit $st, '$out'"
"$bin" export "$tmp/race.h5" > "$tmp/race.csv" && cmp -s "$tmp/ref.csv" "$tmp/race.csv" \
  && ok || bad "after the takeover the store differs from an uninterrupted run's"
[ ! -s "$tmp/race.h5.lock" ] && ok || bad "a finished writer left its holder line"

# ---- 2. labels changed in place ---------------------------------------------
config lab
mkdir -p "$tmp/lab"; cp "$tmp/tree/labels.npy" "$tmp/lab/labels.npy"
sed -i "s|^labels = .*|labels = $tmp/lab/labels.npy|" "$tmp/lab.ini"
mpi -n 2 "$bin" run "$tmp/lab.ini" -q > /dev/null || bad "labels: first run"
"$bin" export "$tmp/lab.h5" > "$tmp/lab1.csv"
python3 - "$tmp/lab/labels.npy" <<'EOP'
import struct, sys  # reverse the int64 labels in place (same file name, other content)
b = open(sys.argv[1], 'rb').read(); h = 10 + struct.unpack('<H', b[8:10])[0]; d = b[h:]
open(sys.argv[1], 'wb').write(b[:h] + b''.join(d[i:i + 8] for i in range(len(d) - 8, -1, -8)))
EOP
err=$(mpi -n 2 "$bin" run "$tmp/lab.ini" -q 2>&1 >/dev/null); st=$?
[ "$st" = 3 ] && grep -qF "error: no mi task run: $tmp/lab/labels.npy: the labels changed since the store's mi results were computed" <<<"$err" \
  && grep -qF "run with --relabel" <<<"$err" && ok || bad "changed labels: exit $st, '$err'"
"$bin" export "$tmp/lab.h5" > "$tmp/lab2.csv"
cmp -s "$tmp/lab1.csv" "$tmp/lab2.csv" && ok || bad "changed labels: the store changed although refused"
out=$(mpi -n 2 "$bin" run "$tmp/lab.ini" --relabel 2>&1); st=$?
[ "$st" = 0 ] && grep -q "9 mi result(s) of the old labels dropped" <<<"$out" && ok || bad "--relabel: exit $st, '$out'"
sed "s|^store = .*|store = $tmp/lab_fresh.h5|" "$tmp/lab.ini" > "$tmp/lab_fresh.ini"
mpi -n 2 "$bin" run "$tmp/lab_fresh.ini" -q > /dev/null
"$bin" export "$tmp/lab.h5" | grep ",DSMI," > "$tmp/lab3.csv"
"$bin" export "$tmp/lab_fresh.h5" | grep ",DSMI," > "$tmp/lab4.csv"
[ -s "$tmp/lab3.csv" ] && cmp -s "$tmp/lab3.csv" "$tmp/lab4.csv" && ok || bad "--relabel: DSMI differs from a fresh store's"
! cmp -s <(grep ",DSMI," "$tmp/lab1.csv") "$tmp/lab3.csv" && ok || bad "--relabel: DSMI did not change with the labels"

# ---- 3. path_regex changed --------------------------------------------------
sed 's|^path_regex = .*|path_regex = ^(?<run>run_[a-z]+)/step_(?<step>[0-9]+)\\.npy$|' "$tmp/ref.ini" > "$tmp/rx.ini"
err=$(mpi -n 2 "$bin" run "$tmp/rx.ini" -q 2>&1 >/dev/null); st=$?
[ "$st" = 1 ] && grep -qF "ref.h5: path_regex changed: the store's runs and steps were named by '^(?<run>[^/]+)/step_(?<step>[0-9]+)\\.npy\$', this config names them by '^(?<run>run_[a-z]+)/step_(?<step>[0-9]+)\\.npy\$'" <<<"$err" \
  && ok || bad "changed path_regex: exit $st, '$err'"

# ---- 4. failed tasks are retried --------------------------------------------
config fail "memory_budget = 64K"
mpi -n 2 "$bin" run "$tmp/fail.ini" -q > /dev/null 2>&1; st=$?
[ "$st" = 3 ] && ok || bad "64K budget: exit $st, want 3"
nfail=$("$bin" export "$tmp/fail.h5" | grep -c "budget")
sed -i '/^memory_budget/d' "$tmp/fail.ini"
out=$(mpi -n 2 "$bin" run "$tmp/fail.ini" --no-retry 2>&1); st=$?
[ "$st" = 0 ] && grep -q "0 task(s) run" <<<"$out" && [ "$("$bin" export "$tmp/fail.h5" | grep -c budget)" = "$nfail" ] \
  && [ "$nfail" -gt 0 ] && ok || bad "--no-retry: exit $st, $nfail failures, '$out'"
out=$(mpi -n 2 "$bin" run "$tmp/fail.ini" 2>&1); st=$?
[ "$st" = 0 ] && grep -q "failed task(s) run again" <<<"$out" && ok || bad "retry: exit $st, '$out'"
"$bin" export "$tmp/fail.h5" > "$tmp/fail.csv"
cmp -s "$tmp/ref.csv" "$tmp/fail.csv" && ok || bad "retried store differs from the reference"
# export keeps the history: the retried rows say attempt 2 and the first error.
"$bin" export "$tmp/fail.h5" --history > "$tmp/fail_h.csv"
head -1 "$tmp/fail_h.csv" | grep -q ",status,error,se,.*,median_distance,method,interval,lower,upper,k,products,attempts,failed_before$" && ok || bad "export --history header: $(head -1 "$tmp/fail_h.csv")"
check_eq "export rows retried after the budget error" "$nfail" "$(grep -c ',2,.*the budget is 64.0 KiB per rank' "$tmp/fail_h.csv")"
check_eq "json rows retried after the budget error" "$nfail" "$("$bin" export "$tmp/fail.h5" --format json | grep -c '"attempts":	2')"
twice=$(h5dump -y -w 100000 -d /results/attempts "$tmp/fail.h5" | sed -n '/DATA {/,/}/p' | tr -cs '0-9' '\n' | grep -cx 2)
check_eq "results with attempts = 2 (the retried ones)" "$nfail" "$twice"
kept=$(h5dump -y -w 100000 -d /results/failed_before "$tmp/fail.h5" | grep -o "the budget is 64.0 KiB per rank" | wc -l)
check_eq "results whose failed_before keeps the first error" "$nfail" "$kept"

# ---- 5. integer labels above 2^53 and 2^63 ----------------------------------
"$gen" blobs --n 200 --d 8 --classes 4 --out "$tmp/z.npy" --labels "$tmp/y.npy" > /dev/null
python3 - "$tmp" <<'EOP'
import struct, sys
t = sys.argv[1]
b = open(t + '/y.npy', 'rb').read(); h = 10 + struct.unpack('<H', b[8:10])[0]
y = [struct.unpack('<q', b[i:i + 8])[0] for i in range(h, len(b), 8)]
def save(name, descr, fmt, vals):
    head = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (descr, len(vals))
    head += ' ' * (63 - (10 + len(head)) % 64) + '\n'
    open(t + '/' + name, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(head)) + head.encode()
                                    + b''.join(struct.pack(fmt, v) for v in vals))
save('y_big.npy', '<i8', '<q', [v + 10**16 for v in y])
save('y_u64.npy', '<u8', '<Q', [v + 2**63 for v in y])
EOP
for y in y y_big y_u64; do
  "$bin" score "$tmp/z.npy" --labels "$tmp/$y.npy" --quantities DSMI --sigma 4 > "$tmp/$y.score" 2>&1 || bad "score with $y.npy failed: $(tail -1 "$tmp/$y.score")"
done
check_eq "int64 labels + 10^16" "$(grep '^DSMI' "$tmp/y.score")" "$(grep '^DSMI' "$tmp/y_big.score")"
check_eq "uint64 labels + 2^63" "$(grep '^DSMI' "$tmp/y.score")" "$(grep '^DSMI' "$tmp/y_u64.score")"

# ---- 6. naming ---------------------------------------------------------------
nt=$tmp/names; mkdir -p "$nt/r" "$nt/m1" "$nt/m2" "$nt/d/r1/epoch_3" "$nt/d/r1/epoch_4" "$nt/d/r2/epoch_3"
cp "$tmp/z.npy" "$nt/r/epoch_3_seed_42.npy"
cp "$tmp/tree/run_a/step_001.npy" "$nt/m1/embeddings.npy"; cp "$tmp/tree/run_b/step_003.npy" "$nt/m2/embeddings.npy"
for d in r1/epoch_3 r1/epoch_4 r2/epoch_3; do cp "$tmp/tree/run_a/step_002.npy" "$nt/d/$d/model.emb.npy"; done
printf '[sweep]\nroots = %s\ninclude = r/*.npy\npath_regex = ^(?<run>[^/]+)/epoch_[0-9]+_seed_[0-9]+\\.npy$\nstore = %s/n1.h5\n' "$nt" "$tmp" > "$tmp/n1.ini"
line=$("$bin" scan "$tmp/n1.ini" | grep "epoch_3_seed_42")
[ "$(awk '{print $3}' <<<"$line")" = "-" ] && ok || bad "regex without a step group: '$line' (want step -)"
printf '[sweep]\nroots = %s\ninclude = m*/embeddings.npy\npath_regex = ^(?<run>[^/]+)/embeddings\\.npy$\nstore = %s/n2.h5\n[quantities]\ncompute = DSE\nsigma = 4\n' "$nt" "$tmp" > "$tmp/n2.ini"
mpi -n 2 "$bin" run "$tmp/n2.ini" -q > /dev/null || bad "cross-model sweep failed"
rep=$("$bin" report "$tmp/n2.h5" 2>&1)
grep -qE "^- +[0-9]" <<<"$rep" && ! grep -q "^change" <<<"$rep" && ok || bad "cross-model report: step not '-' or a change row: $rep"
printf '[sweep]\nroots = %s/d\ninclude = */model.emb.npy\nstore = %s/n3.h5\n[quantities]\ncompute = DSE\nsigma = 4\n' "$nt" "$tmp" > "$tmp/n3.ini"
sc=$("$bin" scan "$tmp/n3.ini")
grep -qF "r1/epoch_3/model.emb.npy  ERROR: r1/epoch_3/model.emb.npy and r2/epoch_3/model.emb.npy are both run 'epoch_3' (no step)" <<<"$sc" \
  && grep -qF "r2/epoch_3/model.emb.npy  ERROR: r2/epoch_3/model.emb.npy and r1/epoch_3/model.emb.npy are both run 'epoch_3' (no step)" <<<"$sc" \
  && ok || bad "duplicate names not reported on both: $sc"
rx=$(sed -nE 's/^warning: 3 checkpoint\(s\) have no number in their file name but one in their directory .* write path_regex = (.*)$/\1/p' <<<"$sc")
check_eq "suggested regex" '^(?<run>[^/]+)/epoch_(?<step>[0-9]+)/model\.emb\.npy$' "$rx"
out=$(mpi -n 2 "$bin" run "$tmp/n3.ini" 2>&1); st=$?
[ "$st" = 3 ] && [ "$("$bin" export "$tmp/n3.h5" | grep -c ',ok,')" = 1 ] && ok || bad "duplicates: the other checkpoint did not go on (exit $st)"
printf '[sweep]\nroots = %s/d\ninclude = */model.emb.npy\npath_regex = %s\nstore = %s/n3b.h5\n' "$nt" "$rx" "$tmp" > "$tmp/n3b.ini"
sc=$("$bin" scan "$tmp/n3b.ini")
[ "$(grep -c ERROR <<<"$sc")" = 0 ] && grep -qE "^[0-9]+ +r2 +3 " <<<"$sc" && grep -qE "^[0-9]+ +r1 +4 " <<<"$sc" \
  && ok || bad "the suggested regex does not name the tree: $sc"

# ---- 7. memory: classic quantities are refused only on their own need -------
"$gen" blobs --n 30000 --d 16 --classes 4 --out "$tmp/big.npy" > /dev/null
out=$("$bin" score "$tmp/big.npy" --quantities CSE,RankMe --max-n 0 --memory-budget 1G 2>&1); st=$?
[ "$st" = 0 ] && grep -q "^RankMe" <<<"$out" && ok || bad "CSE, RankMe at N = 30000 under 1G: exit $st, $(tail -1 <<<"$out")"
# (the exact method: auto would take the bounded method here, docs/bounded.md)
out=$("$bin" score "$tmp/big.npy" --quantities DSE --max-n 0 --memory-budget 1G --method exact 2>&1); st=$?
[ "$st" != 0 ] && grep -q "per rank" <<<"$out" && ok || bad "DSE at N = 30000 under 1G was not refused: $out"

# ---- 8. messages ---------------------------------------------------------------
sed 's/^sigma = 4/sigma = 5/' "$tmp/ref.ini" > "$tmp/sig.ini"
err=$("$mpiexec" -q --oversubscribe --allow-run-as-root -n 2 "$bin" run "$tmp/sig.ini" 2>&1 >/dev/null); st=$?
last=$(tail -1 <<<"$err")
[ "$st" = 1 ] && grep -qF "ref.h5: this store was made by a different configuration (sigma = '4' in the store, '5' in this config)" <<<"$last" \
  && ! grep -q "MPI_ABORT" <<<"$err" && ok || bad "sigma mismatch: exit $st, last line '$last'"
out=$(mpi -n 2 "$bin" run "$tmp/ref.ini" --quiet 2>&1)
grep -q "^dsesweep: done in .* 0 failed, 27 already in the store" <<<"$out" && ok || bad "--quiet dropped the summary: '$out'"
mkdir -p "$tmp/huge/run_x"
python3 - "$tmp/huge/run_x/step_001.npy" <<'EOP'
import struct, sys  # a sparse 1.07 GB .npy of zeros
rows, cols = 134217728 // 8, 8
head = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
head += ' ' * (63 - (10 + len(head)) % 64) + '\n'
with open(sys.argv[1], 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(head)) + head.encode())
    f.truncate(10 + len(head) + rows * cols * 8)
EOP
printf '[sweep]\nroots = %s/huge\ninclude = */*.npy\nstore = %s/huge.h5\n[quantities]\ncompute = CSE\nmax_n = 50\n' "$tmp" "$tmp" > "$tmp/huge.ini"
out=$(mpi -n 1 "$bin" run "$tmp/huge.ini" -q 2>&1)
grep -qE "^dsesweep: checksumming $tmp/huge/run_x/step_001.npy \(1.0 GiB; a line every 10 s\)" <<<"$out" \
  && ok || bad "no checksum progress for a 1 GB file: '$out'"
rm -rf "$tmp/huge"
finish "test_integrity"
