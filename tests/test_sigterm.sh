#!/usr/bin/env bash
# test_sigterm.sh — issue 24: the exit status after a stop signal is the one
# `run --help` states, and a requeue right after the signal is not refused by
# the store's lock.
#  1. SIGTERM to the process group of a running `mpiexec -n 2 ... run`: Open
#     MPI's mpiexec returns 1 (documented); an immediate resubmit is not
#     refused, resumes and finishes with every task (exit 0);
#  2. SIGUSR1 to mpiexec: it passes the signal on, the ranks stop and mpiexec
#     returns 4 ("stopped by SIGUSR1"); the lock file says its writer is
#     stopping, and a resubmit started then, while the stopping ranks still
#     hold the lock, waits for them and finishes (exit 0);
#  3. SIGTERM to a one-rank `run` (no mpiexec): exit 4, "stopped by SIGTERM",
#     and the lock file is empty (released cleanly).
# usage: test_sigterm.sh MPIEXEC DSESWEEP(hooked) DSE_GEN TMPDIR
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sweep_test_args "$@"
"$gen" tree --out "$tmp/tree" --runs 2 --steps 3 --n 300 --d 8 --classes 4 > /dev/null || { echo "generator failed"; exit 1; }
cat > "$tmp/c.ini" <<EOC
[sweep]
roots = $tmp/tree
include = run_*/step_*.npy
labels = $tmp/tree/labels.npy
store = $tmp/s.h5
[quantities]
compute = DSE,DSMI,CSE
sigma = 4
EOC
# The rows of an uninterrupted run: what every resumed store must hold.
sed "s|^store = .*|store = $tmp/ref.h5|" "$tmp/c.ini" > "$tmp/ref.ini"
"$bin" run -q "$tmp/ref.ini" > /dev/null 2>&1 || bad "the uninterrupted run failed"
want=$("$bin" export "$tmp/ref.h5" | awk -F, 'NR>1 && $8=="ok"' | wc -l)
[ "$want" -gt 0 ] && ok || bad "the uninterrupted run stored no rows"
# Starts a slowed 2-rank run in its own process group; waits for its first finished task.
start() {
  rm -f "$tmp/s.h5"*
  DSE_TEST_SLOW_IO=0.4 setsid "$mpiexec" -q --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS \
    -x DSE_TEST_SLOW_IO -n 2 "$bin" run "$tmp/c.ini" > "$tmp/first.out" 2>&1 &
  job=$!
  for _ in $(seq 200); do grep -qs '^\[ *1/' "$tmp/first.out" && break; sleep 0.05; done
  grep -q '^\[ *1/' "$tmp/first.out" || bad "no task finished: $(cat "$tmp/first.out")"
}
resubmit() {  # WHAT: a one-rank run right now; must not be refused and must finish
  local st
  "$bin" run -q "$tmp/c.ini" > "$tmp/re.out" 2>&1; st=$?
  grep -q "another dsesweep is writing" "$tmp/re.out" && bad "$1: resubmit refused by the lock: $(cat "$tmp/re.out")" || ok
  [ "$st" = 0 ] && ok || bad "$1: resubmit exit $st: $(cat "$tmp/re.out")"
  grep -q "^dsesweep: done in .* task(s) run, 0 failed, \([0-9]*\) already" "$tmp/re.out" && ok || bad "$1: $(tail -2 "$tmp/re.out")"
  "$bin" export "$tmp/s.h5" | awk -F, 'NR>1 && $8=="ok"' | wc -l > "$tmp/rows"
  [ "$(cat "$tmp/rows")" = "$want" ] && ok || bad "$1: $(cat "$tmp/rows") ok rows after the resubmit (want $want)"
}

# ---- 1. SIGTERM to the process group ---------------------------------------
start
kill -TERM -- -"$job"; wait "$job"; st=$?
[ "$st" = 1 ] && ok || bad "SIGTERM to the process group: mpiexec exit $st (run --help says Open MPI's mpiexec returns 1)"
resubmit "SIGTERM to the process group"

# ---- 2. SIGUSR1 to mpiexec: 4, and a resubmit that waits for the lock -----
start
kill -USR1 "$job"
# Once the lock says its writer is stopping, a new run waits for it.
for _ in $(seq 200); do grep -qs "stopping until" "$tmp/s.h5.lock" && break; sleep 0.02; done
grep -qs "stopping until" "$tmp/s.h5.lock" && ok || bad "SIGUSR1: the lock does not say its writer is stopping: $(cat "$tmp/s.h5.lock")"
"$bin" run -q "$tmp/c.ini" > "$tmp/re.out" 2>&1 & re=$!   # the ranks still hold the lock
wait "$job"; st=$?
[ "$st" = 4 ] && ok || bad "SIGUSR1 to mpiexec: exit $st (want 4)"
grep -q "stopped by SIGUSR1 with [0-9]* task(s) left" "$tmp/first.out" && ok || bad "SIGUSR1: $(tail -3 "$tmp/first.out")"
wait "$re"; st=$?
grep -q "another dsesweep is writing" "$tmp/re.out" && bad "SIGUSR1: the resubmit was refused: $(cat "$tmp/re.out")" || ok
[ "$st" = 0 ] && ok || bad "SIGUSR1: resubmit exit $st: $(cat "$tmp/re.out")"
n=$("$bin" export "$tmp/s.h5" | awk -F, 'NR>1 && $8=="ok"' | wc -l)
[ "$n" = "$want" ] && ok || bad "SIGUSR1: $n ok rows after the resubmit (want $want)"

# ---- 3. SIGTERM to a one-rank run --------------------------------------------
rm -f "$tmp/s.h5"*
DSE_TEST_SLOW_IO=0.4 "$bin" run "$tmp/c.ini" > "$tmp/one.out" 2>&1 & one=$!
for _ in $(seq 200); do grep -q '^\[ *1/' "$tmp/one.out" && break; sleep 0.05; done
kill -TERM "$one"; wait "$one"; st=$?
[ "$st" = 4 ] && ok || bad "SIGTERM to one rank: exit $st (want 4): $(tail -2 "$tmp/one.out")"
grep -q "stopped by SIGTERM with [0-9]* task(s) left" "$tmp/one.out" && ok || bad "SIGTERM to one rank: $(tail -2 "$tmp/one.out")"
[ ! -s "$tmp/s.h5.lock" ] && ok || bad "SIGTERM to one rank: the lock file still names a holder: $(cat "$tmp/s.h5.lock")"
resubmit "SIGTERM to one rank"

finish "test_sigterm"
