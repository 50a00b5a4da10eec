#!/usr/bin/env bash
# test.sh — README command two: install, build and run the whole test suite.
#
#   tools/test.sh [--long] [ctest arguments...]
#
# Runs every CTest test (MPI tests at 1-4 ranks, oversubscribed) but those
# labelled `long`, and prints CTest's summary; exits non-zero if any test
# failed. --long runs the `long` ones too (integrity_long: 60 double submits
# of one sweep; about 2 more minutes on 2 cores).
set -euo pipefail
labels=(-LE long)
if [ "${1:-}" = --long ]; then labels=(); shift; fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Optional extras: SLURM (the jobs/ test), clang + its sanitizer runtime
# (the fuzz harnesses), PyTorch (the extraction test) and chromium with its
# WebDriver and selenium (the report's HTML page in a browser). Where they
# cannot be installed those tests report themselves as skipped.
build=$("$here/tools/setup.sh" --with-slurm --with-fuzz --with-torch --with-browser \
  --build-dir "$here/build")
# Open MPI as root needs both variables; more ranks than cores needs oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
cd "$build"
ctest --output-on-failure --timeout 300 ${labels[@]+"${labels[@]}"} "$@"
