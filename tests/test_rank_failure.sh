#!/usr/bin/env bash
# test_rank_failure.sh — one rank of a 2-rank worker group is SIGKILLed mid-task
# (DSE_TEST_KILL_RANK hook): the job ends within seconds with Open MPI's message
# naming the rank, every task reported finished is kept, and the next run
# completes the sweep.
# usage: test_rank_failure.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
"$gen" tree --out "$tmp/tree" --runs 2 --steps 3 --n 400 --d 16 --classes 4
cat > "$tmp/g.ini" <<EOC
[sweep]
roots = $tmp/tree
include = run_*/step_*.npy
labels = $tmp/tree/labels.npy
store = $tmp/g.h5
group_size = 2
[quantities]
compute = DSE,DSMI,CSE
sigma = 4
EOC
export DSE_TEST_KILL_RANK=2
t0=$(date +%s)
out=$(timeout 60 "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -x DSE_TEST_KILL_RANK -n 3 "$bin" run "$tmp/g.ini" 2>&1); st=$?
t1=$(date +%s)
[ "$st" != 0 ] && [ "$st" != 124 ] && [ $((t1 - t0)) -le 20 ] && ok || bad "rank death: exit $st after $((t1 - t0)) s"
grep -qE "process rank 2 .*exited on signal 9" <<<"$out" && ok || bad "no message naming the dead rank: $(tail -8 <<<"$out")"
kept=$(grep -c '^\[' <<<"$out")
[ "$kept" -ge 1 ] && ok || bad "no task finished before the kill"
export DSE_TEST_KILL_RANK=
out2=$("$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n 3 "$bin" run "$tmp/g.ini" 2>&1)
grep -qE "recovered ${kept} finished task\(s\)" <<<"$out2" && grep -qE " ${kept} already in" <<<"$out2" \
  && ok || bad "finished tasks not kept ($kept): $(head -3 <<<"$out2")"
"$bin" export "$tmp/g.h5" > "$tmp/g.csv"
[ "$(($(wc -l < "$tmp/g.csv") - 1))" = 27 ] && ! tail -n +2 "$tmp/g.csv" | grep -q ",error," && ok || bad "the sweep did not complete: $(tail -3 "$tmp/g.csv")"
echo "  rank 2 killed mid-task: the job ended in $((t1 - t0)) s; $kept finished task(s) kept"
finish "test_rank_failure"
