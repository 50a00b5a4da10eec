#!/usr/bin/env bash
# test_matrix_entropy.sh — `dsesweep score --quantities MatrixEntropy` against
# numpy: the Renyi entropy (bits) of the eigenvalues of Z Z^T / tr(Z Z^T), at
# alpha 1 (von Neumann), 2 and 0.5, for D < N and D > N, and for N > max_N (on
# a matrix whose every m-row subsample has entropy log2 m); the same values on
# 2 ranks as on 1, bit for bit.
# usage: test_matrix_entropy.sh MPIEXEC DSESWEEP JSON_GET TMPDIR
# Bound: 1e-10 relative. Exits 77 (skipped) when python3 cannot import numpy.
set -u
mpiexec=$1 bin=$2 json_get=$3 tmp=$4
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_numpy
rm -rf "$tmp"; mkdir -p "$tmp"

# The inputs: tall (N > D), wide (D > N) and an identity larger than max_N.
"$py" - "$tmp" <<'EOP' || { bad "numpy could not write the inputs"; finish matrix_entropy; }
import sys
import numpy as np
rng = np.random.default_rng(7)
out = sys.argv[1]
np.save(out + "/tall.npy", rng.standard_normal((200, 12)) @ np.diag(np.linspace(0.2, 3.0, 12)))
np.save(out + "/wide.npy", rng.standard_normal((40, 100)) + 0.5)
np.save(out + "/eye.npy", np.eye(300) * 2.5)
EOP

# expected FILE ALPHA -> the numpy value (from the min(N, D)-sized Gram).
expected() {
  "$py" - "$1" "$2" <<'EOP'
import sys
import numpy as np
z = np.load(sys.argv[1]).astype(np.float64)
alpha = float(sys.argv[2])
g = z.T @ z if z.shape[1] < z.shape[0] else z @ z.T
lam = np.linalg.eigvalsh(g / np.trace(g))
lam = lam[lam > 0]
if alpha == 1.0:
    h = -np.sum(lam * np.log2(lam))
else:
    h = np.log2(np.sum(lam ** alpha)) / (1.0 - alpha)
print(repr(float(h)))
EOP
}

# score NP FILE ARGS... -> the MatrixEntropy value of the JSON output.
score() {
  local np=$1 file=$2; shift 2
  local out
  out=$("$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n "$np" \
        "$bin" score "$file" --quantities MatrixEntropy --json "$@") || return 1
  "$json_get" "results[quantity=MatrixEntropy].value" <<<"$out"
}

close() {  # GOT WANT -> status 0 when within 1e-10 relative
  "$py" -c "import sys; g, w = float(sys.argv[1]), float(sys.argv[2]); sys.exit(not abs(g - w) <= 1e-10 * abs(w))" "$1" "$2"
}

# check LABEL FILE WANT ARGS...: 1 rank equals WANT to 1e-10, 2 ranks equal 1 rank.
check() {
  local label=$1 file=$2 want=$3; shift 3
  local one two
  one=$(score 1 "$file" "$@") || { bad "$label: 1-rank score failed"; return; }
  two=$(score 2 "$file" "$@") || { bad "$label: 2-rank score failed"; return; }
  close "$one" "$want" && ok || bad "$label: dsesweep $one, numpy $want"
  check_eq "$label: 2 ranks = 1 rank" "$one" "$two"
}

for alpha in 1 2 0.5; do
  check "tall alpha=$alpha" "$tmp/tall.npy" "$(expected "$tmp/tall.npy" $alpha)" --alpha $alpha
  check "wide alpha=$alpha" "$tmp/wide.npy" "$(expected "$tmp/wide.npy" $alpha)" --alpha $alpha
done
# The default order is 1 (von Neumann).
check "tall default alpha" "$tmp/tall.npy" "$(expected "$tmp/tall.npy" 1)"
# N = 300 > max_N = 100: any 100 rows of 2.5 I give the uniform spectrum, log2(100).
check "subsample" "$tmp/eye.npy" "$("$py" -c 'import math; print(repr(math.log2(100)))')" \
  --max-n 100 --alpha 2
check "no subsample" "$tmp/eye.npy" "$("$py" -c 'import math; print(repr(math.log2(300)))')" \
  --max-n 0

# A bad order is a usage error; the table lists the quantity.
err=$("$bin" score "$tmp/tall.npy" --alpha 0 2>&1 >/dev/null); status=$?
check_eq "--alpha 0: status" 2 "$status"
check_eq "--alpha 0: message" \
  "dsesweep score: --alpha must be a number > 0 (got '0') (see \`dsesweep score --help\`)" "$err"
"$bin" score --quantities help | grep -q "^MatrixEntropy " && ok || bad "--quantities help lacks MatrixEntropy"
"$bin" score --help | grep -q -- "--alpha" && ok || bad "--help lacks --alpha"

finish matrix_entropy
