#!/usr/bin/env bash
# test_disk_full.sh — the store's file system fills up (a small tmpfs).
# usage: test_disk_full.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR   (a 256 kB tmpfs)
#  1. Full while writing the new store: one clear error line, exit 1, the previous
#     store unchanged and readable, the new tasks kept in the journal; once space is
#     back the next run takes them from the journal without recomputing them.
#  2. Full at the first journal append: one clear error line, exit 1, store unchanged.
#  3. Full in the middle of a run's journal appends: the run stops (exit 1), every
#     task printed as finished is in the journal (export shows its rows), the
#     tasks that could not be journaled are listed as not done, and the next run
#     computes exactly those.
# Exit 77 (skipped) where a tmpfs cannot be mounted (needs root).
set -u
mpiexec=$1 bin=$2 gen=$3 tmp=$4
# Never leave, or stack on, an old mount.
while mountpoint -q "$tmp/disk" 2>/dev/null; do umount "$tmp/disk" || exit 1; done
rm -rf "$tmp"; mkdir -p "$tmp/disk"
tmp=$(cd "$tmp" && pwd -P)
mount -t tmpfs -o size=256k tmpfs "$tmp/disk" 2>/dev/null || { echo "test_disk_full: SKIPPED: cannot mount a tmpfs here"; exit 77; }
trap 'umount "$tmp/disk" 2>/dev/null' EXIT
is_small_tmpfs() {  # the filler may only ever go into our 256 kB tmpfs
  mountpoint -q "$tmp/disk" && [ "$(stat -f -c %T "$tmp/disk")" = tmpfs ] &&
    [ "$(df -k --output=size "$tmp/disk" | tail -1 | tr -d ' ')" -le 1024 ]
}
is_small_tmpfs || { echo "test_disk_full: the tmpfs is not in place"; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# In its own session: a failing Open MPI job SIGTERMs mpiexec's process group,
# which must not include this script.
run() { setsid --wait "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 "$@"; }
"$gen" tree --out "$tmp/tree" --runs 2 --steps 3 --n 400 --d 16 --classes 4
cat > "$tmp/s.ini" <<EOC
[sweep]
roots = $tmp/tree
include = run_*/step_*.npy
labels = $tmp/tree/labels.npy
store = $tmp/disk/s.h5
[quantities]
compute = DSE,DSMI,CSE
sigma = 4
EOC
run -n 2 "$bin" run "$tmp/s.ini" -q || bad "first run"
"$bin" export "$tmp/disk/s.h5" > "$tmp/before.csv"
free_kb() { df -k --output=avail "$tmp/disk" | tail -1 | tr -d ' '; }
fill_to() {  # leave about $1 kB free, only ever inside the small tmpfs
  is_small_tmpfs || { echo "test_disk_full: the tmpfs is gone; not filling" >&2; exit 1; }
  rm -f "$tmp/disk/filler"
  local n=$(( $(free_kb) - $1 ))
  [ "$n" -gt 1024 ] && n=1024
  [ "$n" -gt 0 ] && head -c $((n * 1024)) /dev/zero > "$tmp/disk/filler" 2>/dev/null
  return 0
}
# 1. Room for the journal of 2 new checkpoints (6 tasks), not for the new store.
"$gen" tree --out "$tmp/more" --runs 2 --steps 5 --n 400 --d 16 --classes 4 >/dev/null
cp "$tmp/more/run_a/step_004.npy" "$tmp/more/run_a/step_005.npy" "$tmp/tree/run_a/"
fill_to 24
err=$(run -n 2 "$bin" run "$tmp/s.ini" -q 2>&1 >/dev/null); st=$?
# In a multi-rank job the message names the rank that failed first.
line=$(grep -m1 "dsesweep run: error" <<<"$err" | sed -E 's/error: rank [0-9]+: /error: /')
[ "$st" = 1 ] && grep -qE "^dsesweep run: error: $tmp/disk/s.h5: not enough space for the new store: [0-9.]+ KiB free, about [0-9.]+ KiB needed; $tmp/disk/s.h5 is unchanged and finished tasks are in $tmp/disk/s.h5.journal\$" <<<"$line" \
  && ok || bad "store write on a full disk: exit $st, '$err'"
# The store is readable and still holds every old row; export adds the 6 journaled ones.
"$bin" export "$tmp/disk/s.h5" > "$tmp/after.csv" && [ -z "$(comm -23 <(sort "$tmp/before.csv") <(sort "$tmp/after.csv"))" ] \
  && [ "$(($(wc -l < "$tmp/after.csv") - $(wc -l < "$tmp/before.csv")))" = 6 ] && ok || bad "old store changed or unreadable"
h5ls "$tmp/disk/s.h5" >/dev/null 2>&1 && ok || bad "h5ls cannot read the old store"
[ ! -e "$tmp/disk/s.h5.tmp" ] && ok || bad "a partial s.h5.tmp was left behind"
rm -f "$tmp/disk/filler"
out=$(run -n 2 "$bin" run "$tmp/s.ini")
grep -q "recovered 6 finished task(s)" <<<"$out" && grep -q " 0 task(s) to run, 33 already in" <<<"$out" \
  && ok || bad "the next run did not take the journaled tasks: $out"
[ "$(($("$bin" export "$tmp/disk/s.h5" | wc -l) - 1))" = 33 ] && ok || bad "store rows after recovery"
# 2. No room at all: the first journal append fails.
cp "$tmp/more/run_b/step_004.npy" "$tmp/tree/run_b/"
"$bin" export "$tmp/disk/s.h5" > "$tmp/before2.csv"
fill_to 0; is_small_tmpfs && head -c 65536 /dev/zero >> "$tmp/disk/filler" 2>/dev/null
err=$(run -n 2 "$bin" run "$tmp/s.ini" -q 2>&1 >/dev/null); st=$?
err=$(sed -E 's/error: rank [0-9]+: /error: /' <<<"$err")
grep -qF "dsesweep run: error: $tmp/disk/s.h5.journal: journal write failed: No space left on device" <<<"$err" && [ "$st" = 1 ] \
  && ok || bad "journal on a full disk: exit $st, '$err'"
"$bin" export "$tmp/disk/s.h5" > "$tmp/after2.csv" && cmp -s "$tmp/before2.csv" "$tmp/after2.csv" && ok || bad "store changed"
# 3. Room for a few journal records, not for all: the disk fills mid-run.
rm -f "$tmp/disk/filler"
run -n 2 "$bin" run "$tmp/s.ini" -q > /dev/null 2>&1 || bad "section 3: catching up"
"$gen" tree --out "$tmp/more3" --runs 2 --steps 9 --n 400 --d 16 --classes 4 >/dev/null
for r in run_a run_b; do for s in 006 007 008 009; do cp "$tmp/more3/$r/step_$s.npy" "$tmp/tree/$r/"; done; done
fill_to 16
run -n 2 "$bin" run "$tmp/s.ini" > "$tmp/mid.out" 2> "$tmp/mid.err"; st=$?
[ "$st" = 1 ] && grep -q "journal write failed: No space left on device" "$tmp/mid.err" \
  && grep -qE "[0-9]+ finished task\(s\) could not be journaled and are not done \(listed above\); the [0-9]+ journaled one\(s\) are kept" "$tmp/mid.err" \
  && ok || bad "journal filling mid-run: exit $st, '$(cat "$tmp/mid.err")'"
printed=$(grep -cE '^\[ *[0-9]+/[0-9]+\] ' "$tmp/mid.out")
notdone=$(grep -c '^dsesweep: not done (its journal record could not be written: ' "$tmp/mid.err")
echo "  disk full mid-run: $printed task(s) printed as finished, $notdone listed as not done"
[ "$printed" -ge 1 ] && [ "$notdone" -ge 1 ] && ok || bad "the disk did not fill mid-run (printed $printed, not done $notdone): the test lost its point"
rm -f "$tmp/disk/filler"
"$bin" export "$tmp/disk/s.h5" > "$tmp/mid.csv" || bad "export after the mid-run fill"
quantity_of() { case $1 in spectral) echo DSE ;; classic) echo CSE ;; mi) echo DSMI ;; esac; }
missing=0
while read -r rel fam; do
  grep -qE "^[^,]*,[0-9]+,$tmp/tree/$rel,$(quantity_of "$fam")," "$tmp/mid.csv" || { missing=$((missing + 1)); echo "  printed as finished but not in the journal: $rel $fam" >&2; }
done < <(sed -nE 's/^\[ *[0-9]+\/[0-9]+\] ([^ ]+) +([a-z_]+) .*/\1 \2/p' "$tmp/mid.out")
[ "$missing" = 0 ] && ok || bad "$missing task(s) printed as finished are not in the journal"
while read -r rel fam; do
  grep -qE "^[^,]*,[0-9]+,$tmp/tree/$rel,$(quantity_of "$fam"),.*,ok," "$tmp/mid.csv" \
    && bad "not-done task $rel $fam has rows" || ok
done < <(sed -nE 's/^dsesweep: not done \(.*\): ([^ ]+) ([a-z_]+)$/\1 \2/p' "$tmp/mid.err")
out=$(run -n 2 "$bin" run "$tmp/s.ini" 2>&1); st=$?
total=$(( 8 * 3 ))
want=$(( total - printed ))
[ "$st" = 0 ] && grep -q " $want task(s) to run" <<<"$out" && ok || bad "the next run after the mid-run fill: exit $st, want $want task(s) to run: $(grep 'task(s) to run' <<<"$out")"
finish "test_disk_full"
