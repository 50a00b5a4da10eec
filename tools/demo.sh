#!/usr/bin/env bash
# demo.sh — README command one: install, build, and run the demo sweep on
# several MPI ranks, then print the per-run report.
#
#   tools/demo.sh [--ranks P] [--prefix DIR]
#
# Then installs the program and the Python package with `cmake --install`
# into DIR (default ~/.local: no root needed; Debian's python3 finds
# ~/.local/lib/python3.X/site-packages by itself) and prints the one line
# that puts DIR/bin on PATH when it is not there yet.
#
# Generates demo-out/tree (tools/dse_gen.c `tree`): two training runs whose
# 4 class clusters separate over 4 steps, and one run clustered by shuffled
# labels; all share demo-out/tree/labels.npy and the "input vectors"
# demo-out/tree/inputs.npy (400 x 20), which the sweep clusters once into 10
# groups for DSMI_X. Then `mpiexec -n P dsesweep run
# configs/demo.ini` fills demo-out/demo.h5 and `dsesweep report` prints, per
# run, DSE and DSMI over the steps, a ranking by DSMI, and the correlation of
# each quantity with the made-up accuracies of configs/demo_metadata.csv
# (timm's results-imagenet.csv format); its plots and their CSVs go to
# demo-out/report/, with the whole report as one HTML page,
# demo-out/report/index.html, whose path is the last line printed. DSMI rises for run_a and run_b and stays near zero for
# run_shuffled. Safe to run again: the second run finds every task in the
# store and computes nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ranks=2
prefix=${HOME}/.local
while [ $# -gt 0 ]; do
  case $1 in
    --ranks) ranks=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
build=$("$here/tools/setup.sh" --build-dir "$here/build")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$here/demo-out"
if [ ! -f "$here/demo-out/tree/inputs.npy" ]; then
  # A tree from an older demo (no inputs.npy) and its store are replaced.
  rm -rf "$here/demo-out/tree" "$here/demo-out/demo.h5" "$here/demo-out/demo.h5.journal"
  "$build/dse_gen" tree --out "$here/demo-out/tree" --inputs 20
fi
echo "== dsesweep scan configs/demo.ini"
"$build/dsesweep" scan "$here/configs/demo.ini"
echo
echo "== mpiexec -n $ranks dsesweep run configs/demo.ini"
mpiexec -n "$ranks" "$build/dsesweep" run "$here/configs/demo.ini"
echo
echo "== dsesweep report demo-out/demo.h5 --metadata configs/demo_metadata.csv --out demo-out/report --columns 'DSE(t=1),DSMI(t=1)'"
"$build/dsesweep" report "$here/demo-out/demo.h5" --metadata "$here/configs/demo_metadata.csv" \
  --out "$here/demo-out/report" --columns 'DSE(t=1),DSMI(t=1)'
echo
echo "== cmake --install build --prefix $prefix (the program, the library, jobs/, the Python package)"
install_log=$(cmake --install "$build" --prefix "$prefix" 2>&1) || { echo "$install_log" >&2; exit 1; }
echo "$install_log" | grep "Python package" || true
echo
echo "Next: h5dump -H demo-out/demo.h5 (schema: docs/store.md),"
echo "      dsesweep export demo-out/demo.h5 --format csv"
echo "      python3 -c 'import dsesweep; print(dsesweep.open_store(\"demo-out/demo.h5\"))'  (docs/python.md)"
# The one line that makes `dsesweep` and `import dsesweep` work, when needed.
exports=()
if [ "$(command -v dsesweep 2>/dev/null)" != "$prefix/bin/dsesweep" ]; then
  exports+=("PATH=\"$prefix/bin:\$PATH\"")
fi
site=$(echo "$install_log" | sed -n 's/^-- dsesweep: to import it: export PYTHONPATH=\([^:]*\):.*/\1/p')
[ -z "$site" ] || exports+=("PYTHONPATH=\"$site:\${PYTHONPATH:-}\"")
if [ ${#exports[@]} -gt 0 ]; then
  echo
  echo "To put dsesweep on PATH, run:  export ${exports[*]}"
fi
echo
echo "The report as a page (open it in a browser; it needs no network):"
echo "$here/demo-out/report/index.html"
