#!/usr/bin/env bash
# test_kill.sh — SIGKILL the whole job at 20 seeded moments of a sweep; after each:
#  - the next run opens the store with no manual step, resumes and finishes;
#  - every task the coordinator reported finished before the kill is kept: it is
#    not computed again by the next run;
#  - the final store equals an uninterrupted run's.
# Kill points (seed 42): during startup/scan, after k finished tasks (mid-task),
# inside journal appends and inside the store write (stretched with the
# DSE_TEST_SLOW_IO hook), and right after the store is renamed into place.
# usage: test_kill.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
"$gen" tree --out "$tmp/tree" --runs 2 --steps 3 --n 700 --d 16 --classes 4
cfg=$tmp/kill.ini store=$tmp/kill.h5
cat > "$cfg" <<EOC
[sweep]
roots = $tmp/tree
include = run_*/step_*.npy
labels = $tmp/tree/labels.npy
store = $store
[quantities]
compute = DSE,DSMI,CSE
sigma = 4
EOC
sed "s|^store = .*|store = $tmp/ref.h5|" "$cfg" > "$tmp/ref.ini"
launch() { "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -x DSE_TEST_SLOW_IO -n 2 "$bin" run "$@"; }
export DSE_TEST_SLOW_IO=
launch "$tmp/ref.ini" -q || bad "reference run"
"$bin" export "$tmp/ref.h5" > "$tmp/ref.csv"
killjob() {  # SIGKILL mpiexec and every rank of this sweep
  pkill -9 -f "dsesweep run $cfg" 2>/dev/null
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}
finished_tasks() { sed -nE 's/^\[ *[0-9]+\/[0-9]+\] ([^ ]+) +([a-z]+) .*/\1 \2/p' "$1" | sort; }
seed=42
rand() { seed=$(( (seed * 1103515245 + 12345) % 2147483648 )); R=$(( (seed / 65536) % $1 )); }
for k in $(seq 1 20); do
  rm -f "$store" "$store".tmp.* "$store.journal" "$store.lock"
  case $k in
    1|2|3) mode=startup;   export DSE_TEST_SLOW_IO= ;;
    4|5|6|7|8|9|10|11) mode=tasks; export DSE_TEST_SLOW_IO= ;;
    12|13|14|15) mode=journal; export DSE_TEST_SLOW_IO=0.15 ;;
    16|17|18|19) mode=write;   export DSE_TEST_SLOW_IO=0.3 ;;
    20) mode=renamed;          export DSE_TEST_SLOW_IO= ;;
  esac
  # A partial previous store exercises "resume onto an older store" too.
  [ $((k % 4)) = 0 ] && cp "$tmp/ref.h5" "$tmp/ref_copy.h5" 2>/dev/null
  launch "$cfg" > "$tmp/out$k" 2>&1 &
  pid=$!
  case $mode in
    startup) rand 25; sleep "$(printf '0.%02d' $((R * 2)))" ;;
    tasks) rand 20; want=$((1 + R))
           for _ in $(seq 1 400); do [ "$(grep -c '^\[' "$tmp/out$k")" -ge "$want" ] && break; sleep 0.02; done ;;
    journal) rand 12; want=$((1 + R))
             for _ in $(seq 1 400); do [ "$(grep -c '^\[' "$tmp/out$k")" -ge "$want" ] && break; sleep 0.02; done
             rand 12; sleep "$(printf '0.%02d' $((2 + R)))" ;;
    write) for _ in $(seq 1 1500); do compgen -G "$store.tmp.*" > /dev/null && break; sleep 0.01; done
           rand 8; sleep "0.$((1 + R))" ;;
    renamed) for _ in $(seq 1 1500); do [ -e "$store" ] && break; sleep 0.005; done ;;
  esac
  killjob "$pid"
  if [ "$mode" = write ]; then  # the kill landed inside the store write
    compgen -G "$store.tmp.*" > /dev/null && grep -q "done in" "$tmp/out$k" && bad "kill $k: write already over" || ok
  fi
  torn=""
  [ -s "$store.journal" ] && torn=" (journal $(stat -c %s "$store.journal") bytes)"
  before=$(finished_tasks "$tmp/out$k")
  n_before=$(grep -c . <<<"$before")
  [ -z "$before" ] && n_before=0
  export DSE_TEST_SLOW_IO=
  launch "$cfg" > "$tmp/resume$k" 2>&1; st=$?
  [ "$st" = 0 ] && ok || bad "kill $k ($mode): resume exited $st: $(tail -3 "$tmp/resume$k")"
  again=$(finished_tasks "$tmp/resume$k")
  recomputed=$(comm -12 <(echo "$before") <(echo "$again") | grep -c .)
  [ "$recomputed" = 0 ] && ok || bad "kill $k ($mode): $recomputed task(s) reported finished before the kill were computed again"
  skipped=$(sed -nE 's/.* ([0-9]+) already in .*/\1/p' "$tmp/resume$k" | head -1)
  [ "${skipped:-0}" -ge "$n_before" ] && ok || bad "kill $k ($mode): $n_before finished before the kill, only ${skipped:-0} kept"
  "$bin" export "$store" > "$tmp/final$k.csv" 2>&1
  cmp -s "$tmp/ref.csv" "$tmp/final$k.csv" && ok || bad "kill $k ($mode): final store differs from the uninterrupted run"
  cut=$(grep -c "recovered" "$tmp/resume$k")
  echo "  kill $k: $mode, $n_before task(s) finished before SIGKILL$torn, ${skipped:-0} kept, resume ok"
done
finish "test_kill"
