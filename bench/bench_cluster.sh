#!/usr/bin/env bash
# bench_cluster.sh — spectral clustering of a reference X (`dsesweep score
# --reference`) against scikit-learn's SpectralClustering with the same
# definition (affinity="nearest_neighbors", n_neighbors=10, n_clusters=10,
# assign_labels="cluster_qr", eigen_solver="arpack"), side by side in one run.
#
#   bench/bench_cluster.sh [N ...]        (default: 2000 5000 10000; D' = 50)
#
# Environment: D (D', default 50), RANKS (dsesweep ranks, default 1), THREADS
# (BLAS threads per process for both, default: cores / RANKS).
# X: 10 Gaussian blobs (dse_gen blobs, spread 3). dsesweep scores X against
# its own clusters with CSE only (binned counts, milliseconds), so its wall
# time is load + kNN graph + eigenvectors + cluster_qr + one CSE. The baseline
# times fit() alone (file load excluded). ARI: adjusted Rand index between the
# two labelings, and of each against the blobs' true labels.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$("$here/tools/setup.sh" --with-bench --build-dir "$here/build")
python=/usr/bin/python3
D=${D:-50}
RANKS=${RANKS:-1}
THREADS=${THREADS:-$(( $(nproc) / RANKS > 0 ? $(nproc) / RANKS : 1 ))}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 5000 10000)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

echo "# $(date -u +%FT%TZ) $(nproc) cores; D'=$D; dsesweep ranks=$RANKS; BLAS threads per process=$THREADS; k=10, 10 clusters"
printf "%6s %4s %5s %12s %12s %8s %10s %10s %10s\n" N D ranks sklearn_s dsesweep_s speedup ari_pair ari_ours ari_sk
for n in "${sizes[@]}"; do
  x=$tmp/x_$n.npy y=$tmp/y_$n.npy
  "$build/dse_gen" blobs --n "$n" --d "$D" --classes 10 --spread 3 --seed 2 --out "$x" --labels "$y"
  base=$(OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS "$python" - "$x" "$tmp/sk_$n.npy" <<'EOP'
import sys, time, warnings
import numpy as np
from sklearn.cluster import SpectralClustering
warnings.filterwarnings("ignore")
X = np.load(sys.argv[1]).astype(np.float64)
t0 = time.perf_counter()
labels = SpectralClustering(n_clusters=10, affinity="nearest_neighbors", n_neighbors=10,
                            assign_labels="cluster_qr", eigen_solver="arpack",
                            random_state=0).fit(X).labels_
print(f"{time.perf_counter() - t0:.3f}")
np.save(sys.argv[2], labels.astype(np.int64))
EOP
)
  t0=$(date +%s.%N)
  mpiexec --bind-to none -n "$RANKS" -x OPENBLAS_NUM_THREADS="$THREADS" "$build/dsesweep" score "$x" \
    --reference "$x" --n-clusters 10 --knn 10 --quantities CSE --write-clusters "$tmp/ours_$n.npy" > /dev/null
  t1=$(date +%s.%N)
  aris=$("$python" - "$tmp/ours_$n.npy" "$tmp/sk_$n.npy" "$y" <<'EOP'
import sys
import numpy as np
from sklearn.metrics import adjusted_rand_score as ari
a, b, y = (np.load(p) for p in sys.argv[1:4])
print(f"{ari(a, b):.4f} {ari(a, y):.4f} {ari(b, y):.4f}")
EOP
)
  read -r ari_pair ari_ours ari_sk <<<"$aris"
  awk -v n="$n" -v d="$D" -v r="$RANKS" -v b="$base" -v w0="$t0" -v w1="$t1" -v p="$ari_pair" \
      -v o="$ari_ours" -v s="$ari_sk" 'BEGIN {
        w = w1 - w0; printf "%6d %4d %5d %12.2f %12.2f %7.2fx %10s %10s %10s\n", n, d, r, b, w, b / w, p, o, s }'
done
