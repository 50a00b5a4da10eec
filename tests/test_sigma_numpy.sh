#!/usr/bin/env bash
# test_sigma_numpy.sh — every bandwidth rule of `dsesweep score --sigma`
# against numpy computing the same rule, and DSE over subsample repeats.
# usage: test_sigma_numpy.sh MPIEXEC DSESWEEP TMPDIR      (exit 77: no numpy)
#  - DSE at t = 1, 2 for sigma = 10, sqrt_d, median, median*0.5, knn:7 equals
#    numpy's (distances, np.median over i < j, an explicit loop over each
#    point's neighbours for kNN, eigvalsh) to 1e-10 relative, on 1 rank and on
#    2, 3 and 4 ranks with the distributed path (--group-size all, block size
#    8 and 16). The input has a duplicated row, so K is singular: pdsyevr's
#    MRRR stage once returned that zero eigenvalue as ~1e-9 on a 1 x 2 grid at
#    block size 16 (DSE off by 3e-8); the distributed path now uses pdsyev;
#    the sigma used per rule equals numpy's to 1e-12;
#  - the default (one fixed sigma) prints no sigma columns and the same DSE as
#    --sigma 10 did before rules existed (numpy, 1e-10);
#  - the bandwidth check: median_distance equals numpy's to 1e-12, and sigma
#    0.01 (< 0.05 x median) and 1e6 (> 20 x median) are reported as nearly
#    diagonal and nearly constant, the median rule and sigma 10 not at all;
#  - subsample repeats: N = 600 > max_N = 150, B = 4, 16, 64 seeded
#    subsamples: the standard error shrinks as B grows (SE64 < SE16 < SE4,
#    and SE64 < 0.75 SE4), every mean lies within 4 standard errors of the
#    B = 64 mean, and B = 1 reports SE 0 and the one-subsample value.
set -u
mpiexec=$1 bin=$2 tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
py=/usr/bin/python3
"$py" -c "import numpy" 2>/dev/null || { echo "numpy missing: skipped"; exit 77; }
mpi() { local np=$1; shift; "$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n "$np" "$@"; }

"$py" - "$tmp" <<'EOP'
import numpy as np, sys
rng = np.random.default_rng(17)
z = rng.normal(size=(157, 12)) * np.linspace(0.2, 3.0, 12)
z[40] = z[3]  # a duplicate row: ties among the neighbours
np.save(sys.argv[1] + "/z.npy", z)
np.save(sys.argv[1] + "/big.npy", rng.normal(size=(600, 8)) + np.repeat(rng.normal(size=(6, 8)) * 3, 100, axis=0))
EOP

rules="10,sqrt_d,median,median*0.5,knn:7"
mpi 1 "$bin" score "$tmp/z.npy" --sigma "$rules" --t 1,2 --json > "$tmp/one.json" 2>"$tmp/err" \
  && ok || bad "1-rank score: $(cat "$tmp/err")"
for np in 2 3 4; do
  for nb in 8 16; do
    mpi "$np" "$bin" score "$tmp/z.npy" --sigma "$rules" --t 1,2 --group-size all --nb $nb --json \
      > "$tmp/dist$np-$nb.json" 2>"$tmp/err" && ok || bad "$np-rank score (nb $nb): $(cat "$tmp/err")"
  done
done
"$bin" score "$tmp/z.npy" --json > "$tmp/default.json" 2>"$tmp/err" && ok || bad "default score: $(cat "$tmp/err")"
"$bin" score "$tmp/z.npy" --sigma 0.01,median,1e6 --json > "$tmp/check.json" 2>"$tmp/err" && ok || bad "check score: $(cat "$tmp/err")"

"$py" - "$tmp" > "$tmp/cmp.out" 2>&1 <<'EOP' && ok || bad "numpy comparison: $(cat "$tmp/cmp.out")"
import json, sys
import numpy as np
tmp = sys.argv[1]
z = np.load(tmp + "/z.npy")
n, d = z.shape
sq = (z * z).sum(1)
d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * z @ z.T, 0.0)
np.fill_diagonal(d2, 0.0)
dist = np.sqrt(d2)
median = np.median(dist[np.triu_indices(n, 1)])

def knn_sigma(k):
    s = np.empty(n)
    for i in range(n):               # explicit loop over the neighbours of i
        others = sorted(dist[i, j] for j in range(n) if j != i)
        s[i] = others[k - 1]
    return s

def dse(G, t):
    r = G.sum(1)
    K = G / np.sqrt(np.outer(r, r))
    lam = np.abs(np.linalg.eigvalsh(K)) ** t
    p = lam / lam.sum()
    eps = 2.0 ** -52
    return -np.sum((p + eps) * np.log2(p + eps))

want, used = {}, {}
for rule in ["10", "sqrt_d", "median", "median*0.5", "knn:7"]:
    if rule == "knn:7":
        s = knn_sigma(7)
        G = np.exp(-d2 / (2 * np.outer(s, s)))
        used[rule] = (np.median(s), s.min(), s.max())
    else:
        sigma = {"10": 10.0, "sqrt_d": np.sqrt(d), "median": median, "median*0.5": 0.5 * median}[rule]
        G = np.exp(-d2 / (2 * sigma * sigma))
        used[rule] = (sigma, sigma, sigma)
    for t in (1, 2):
        want[(rule, t)] = dse(G, t)

def check(path, label):
    res = json.load(open(path))["results"]
    seen = 0
    for r in res:
        if r["quantity"] != "DSE":
            continue
        w = want[(r["sigma_rule"], r["t"])]
        assert abs(r["value"] - w) <= 1e-10 * abs(w), (label, r["sigma_rule"], r["t"], r["value"], w)
        u = used[r["sigma_rule"]]
        for got, exp in zip((r["sigma"], r["sigma_min"], r["sigma_max"]), u):
            assert abs(got - exp) <= 1e-12 * exp, (label, r["sigma_rule"], got, exp)
        seen += 1
    assert seen == 10, (label, seen)
    print(label, "ok:", seen, "values")

check(tmp + "/one.json", "1 rank")
for np in (2, 3, 4):
    for nb in (8, 16):
        check(tmp + "/dist%d-%d.json" % (np, nb), "%d ranks, block size %d" % (np, nb))
dflt = json.load(open(tmp + "/default.json"))
assert [r["quantity"] for r in dflt["results"]] == ["DSE"], dflt["results"]
assert "sigma_rule" not in dflt["results"][0]
assert abs(dflt["results"][0]["value"] - want[("10", 1)]) <= 1e-10 * want[("10", 1)]
print("default ok; median distance", median)
chk = json.load(open(tmp + "/check.json"))
assert abs(chk["median_distance"] - median) <= 1e-12 * median, (chk["median_distance"], median)
w = chk["warnings"]
assert len(w) == 2 and "sigma 0.01 " in w[0] and "nearly diagonal" in w[0] and "sigma 1e+06 " in w[1] \
    and "nearly constant" in w[1], w
assert json.load(open(tmp + "/default.json"))["warnings"] == [], "sigma 10 is within range here"
print("bandwidth check ok:", w)
EOP
cat "$tmp/cmp.out"

# --- subsample repeats ------------------------------------------------------------
for B in 1 4 16 64; do
  "$bin" score "$tmp/big.npy" --sigma 2 --max-n 150 --seed 3 --subsample-repeats "$B" --json \
    > "$tmp/rep$B.json" 2>"$tmp/err" && ok || bad "B = $B: $(cat "$tmp/err")"
done
"$bin" score "$tmp/big.npy" --sigma 2 --max-n 150 --seed 3 --json > "$tmp/rep0.json" 2>"$tmp/err" || bad "no repeats: $(cat "$tmp/err")"
"$py" - "$tmp" > "$tmp/rep.out" 2>&1 <<'EOP' && ok || bad "subsample repeats: $(cat "$tmp/rep.out")"
import json, sys
tmp = sys.argv[1]
get = lambda B: json.load(open(f"{tmp}/rep{B}.json"))["results"][0]
r = {B: get(B) for B in (0, 1, 4, 16, 64)}
assert r[1]["se"] == 0 and r[1]["value"] == r[0]["value"], (r[1], r[0])
se = {B: r[B]["se"] for B in (4, 16, 64)}
assert 0 < se[64] < se[16] < se[4] and se[64] < 0.75 * se[4], se
for B in (1, 4, 16):
    assert abs(r[B]["value"] - r[64]["value"]) <= 4 * max(se[4], se[16], se[64]), (B, r[B], r[64])
print({B: (r[B]["value"], r[B]["se"]) for B in (1, 4, 16, 64)})
EOP
cat "$tmp/rep.out"
finish "test_sigma_numpy"
