# lib.sh — the harness every shell test sources:
#   ok / bad MESSAGE      count a passed / failed check (bad prints FAILED: MESSAGE)
#   check_eq LABEL WANT GOT   exact string comparison
#   need_numpy            sets $py to a python3 with numpy, or exits 77 (skipped)
#   finish NAME           prints "NAME: P passed, F failed" and PASSED or FAILED,
#                         and exits 0 only when nothing failed and something ran
#   sweep_test_args MPIEXEC DSESWEEP DSE_GEN TMPDIR
#                         the sweep tests' arguments: sets mpiexec, bin, gen and
#                         tmp (emptied, its physical path), exports
#                         OPENBLAS_NUM_THREADS=1 and an empty DSE_TEST_SLOW_IO
#   sweep_config INI TREE STORE QUANTITIES SIGMA [SWEEP_LINES [QUANTITIES_LINES]]
#                         a sweep config over a generated tree (below)
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
check_eq() { [ "$2" = "$3" ] && ok || bad "$1: got '$3', want '$2'"; }
finish() {
  echo "$1: $passed passed, $failed failed"
  if [ "$failed" = 0 ] && [ "$passed" -gt 0 ]; then echo PASSED; exit 0; fi
  echo FAILED
  exit 1
}
# need_numpy: sets py to a python3 that imports numpy, or exits 77 (skipped).
need_numpy() {
  py=
  for cand in python3 /usr/bin/python3; do
    if "$cand" -c "import numpy" 2>/dev/null; then py=$cand; return 0; fi
  done
  echo "SKIPPED: numpy cannot be imported by python3 (Debian: python3-numpy)"
  exit 77
}
# sweep_config INI TREE STORE QUANTITIES SIGMA [SWEEP_LINES [QUANTITIES_LINES]]:
# writes INI, a sweep over a tree made by `dse_gen tree` (TREE/run_*/step_*.npy,
# labels TREE/labels.npy) into STORE, computing QUANTITIES at SIGMA, the extra
# lines added to [sweep] and [quantities].
sweep_config() {
  cat > "$1" <<EOC
[sweep]
roots = $2
include = run_*/step_*.npy
path_regex = ^(?<run>[^/]+)/step_(?<step>[0-9]+)\.npy\$
labels = $2/labels.npy
store = $3
${6:-}
[quantities]
compute = $4
sigma = $5
${7:-}
EOC
}
# sweep_test_args MPIEXEC DSESWEEP DSE_GEN TMPDIR (see the top).
sweep_test_args() {
  [ $# -eq 4 ] || { echo "usage: $(basename "$0") MPIEXEC DSESWEEP DSE_GEN TMPDIR" >&2; exit 2; }
  mpiexec=$1 bin=$2 gen=$3 tmp=$4
  rm -rf "$tmp" && mkdir -p "$tmp" || { echo "cannot make $tmp" >&2; exit 1; }
  tmp=$(cd "$tmp" && pwd -P)
  export OPENBLAS_NUM_THREADS=1 DSE_TEST_SLOW_IO=
}
