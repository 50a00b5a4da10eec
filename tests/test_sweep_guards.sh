#!/usr/bin/env bash
# test_sweep_guards.sh — issue 24: bad sweeps refused before any work, every
# bandwidth rule's rows kept apart, and the finish of a run.
# usage: test_sweep_guards.sh MPIEXEC DSESWEEP(hooked) DSE_GEN TMPDIR
#  1. pre-flight (`scan` and `run`, 1 and 2 ranks): a labels file of 590 entries
#     for 600 rows, a labels path with a typo, a reference X of the wrong length
#     and a path_regex that names none of the files `include` matched are each
#     refused in one line with exit 2, before any task, and an existing store
#     (file, journal) is byte for byte unchanged;
set -u
mpiexec=$1 bin=$2 gen=$3 tmp=$4
rm -rf "$tmp"; mkdir -p "$tmp"
tmp=$(cd "$tmp" && pwd -P)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export OPENBLAS_NUM_THREADS=1 DSE_TEST_SLOW_IO=
mpi() { local np=$1; shift; "$mpiexec" -q --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS -x DSE_TEST_SLOW_IO -n "$np" "$@"; }
"$gen" tree --out "$tmp/tree" --runs 2 --steps 2 --n 600 --d 8 --classes 4 --inputs 5 > /dev/null || { echo "generator failed"; exit 1; }
"$gen" tree --out "$tmp/short" --runs 1 --steps 1 --n 590 --d 8 --classes 4 --inputs 5 > /dev/null || { echo "generator failed"; exit 1; }
config() {  # NAME [extra lines]: $tmp/NAME.ini writing $tmp/good.h5 unless the extra lines say
  cat > "$tmp/$1.ini" <<EOC
[sweep]
roots = $tmp/tree
include = run_*/step_*.npy
path_regex = ^(?<run>[^/]+)/step_(?<step>[0-9]+)\.npy\$
labels = $tmp/tree/labels.npy
store = $tmp/good.h5
${2:-}
[quantities]
compute = DSE,DSMI,CSE
sigma = 4
EOC
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

finish "test_sweep_guards"
