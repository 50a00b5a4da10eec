#!/usr/bin/env bash
# bench_scaling.sh — strong scaling of one diffusion-spectrum problem.
#
#   bench/bench_scaling.sh [N] [D]        (default N = 8000, D = 512)
#
# Runs bench_dist_eigen for: the serial LAPACK path on 1 rank with 1 and 2
# BLAS threads, the group driver dist_2stage on a 1x1 grid and on 2 ranks
# (1x2 grid, one BLAS thread each), and ScaLAPACK's pdsyev on 2 ranks. Prints per-phase seconds (read, kernel, reduction,
# eigenvalues) and the bytes each rank sent in our own reductions; the model
# in docs/scaling.md turns these into estimates for 16..1024 ranks.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$("$here/tools/setup.sh" --build-dir "$here/build")
N=${1:-8000}
D=${2:-512}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
b=$build/bench/bench_dist_eigen
echo "# $(date -u +%FT%TZ) $(nproc) cores; N=$N D=$D"
mpiexec -n 1 -x OPENBLAS_NUM_THREADS=1 "$b" "$N" "$D" lapack
mpiexec --bind-to none -n 1 -x OPENBLAS_NUM_THREADS=2 "$b" "$N" "$D" lapack
mpiexec -n 1 -x OPENBLAS_NUM_THREADS=1 "$b" "$N" "$D" dist_2stage 64
mpiexec --bind-to none -n 2 -x OPENBLAS_NUM_THREADS=1 "$b" "$N" "$D" dist_2stage 64
mpiexec --bind-to none -n 2 -x OPENBLAS_NUM_THREADS=1 "$b" "$N" "$D" pdsyev 64
