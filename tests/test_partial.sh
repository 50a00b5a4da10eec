#!/usr/bin/env bash
# test_partial.sh — the report's partial correlations and per-family
# breakdown against numpy, on seeded synthetic data with a known answer.
# usage: test_partial.sh TEST_PARTIAL TMPDIR          (exit 77: no numpy)
#  1. x, y and two covariates (one written "1,014.45"-style): partial Pearson
#     equals numpy's residual method (lstsq on [1, c1, c2], Pearson of the
#     residuals) to 1e-12, partial Spearman the same on average ranks, and
#     both bootstrap intervals contain the estimate;
#  2. DSE = 2 c + small noise, accuracy = 60 + 5 c + its own noise (c: a
#     model-size covariate): the plain Pearson and Spearman are above 0.8
#     while the partial ones given c are within 0.15 of 0 (intervals contain 0);
#  3. per family (regex '^([a-z]+)' on the name): n and Pearson/Spearman equal
#     numpy's on each family's rows (1e-12), families in order of first
#     appearance, and a family built with r = +0.9 and one with r = -0.9 show
#     their signs;
#  4. a bad regex is refused with its reason.
set -u
prog=$1 tmp=$2
rm -rf "$tmp"; mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
py=/usr/bin/python3
"$py" -c "import numpy" 2>/dev/null || { echo "numpy missing: skipped"; exit 77; }

"$py" - "$tmp" <<'EOP'
import numpy as np, sys
tmp = sys.argv[1]
rng = np.random.default_rng(2024)
n = 120
c1 = rng.lognormal(3, 1, n); c2 = rng.normal(size=n)
x = 0.5 * np.log(c1) + 0.3 * c2 + rng.normal(size=n)
y = 0.4 * np.log(c1) - 0.2 * c2 + 0.5 * x + rng.normal(size=n)
fam = np.array(["resnet", "vit", "convnext"])[rng.integers(0, 3, n)]
with open(tmp + "/a.csv", "w") as f:
    f.write("name,x,y,param_count,c2\n")
    for i in range(n):
        f.write(f'{fam[i]}{i}_v2,{x[i]!r},{y[i]!r},"{c1[i]:,.6f}",{c2[i]!r}\n')
# 2: the score is a function of model size plus noise
m = 200
size = rng.normal(4, 1.2, m)  # e.g. log param_count
dse = 2.0 * size + 0.05 * rng.normal(size=m)
acc = 60 + 5 * size + rng.normal(size=m)
with open(tmp + "/b.csv", "w") as f:
    f.write("name,x,y,param_count\n")
    for i in range(m):
        f.write(f"m{i},{dse[i]!r},{acc[i]!r},{size[i]!r}\n")
# 3: two families with opposite signs
with open(tmp + "/c.csv", "w") as f:
    f.write("name,x,y\n")
    for fam_name, r in (("alpha", 0.9), ("beta", -0.9)):
        a = rng.normal(size=60); b = r * a + np.sqrt(1 - r * r) * rng.normal(size=60)
        for i in range(60):
            f.write(f"{fam_name}{i},{a[i]!r},{b[i]!r}\n")
EOP

"$prog" "$tmp/a.csv" '^([a-z]+)' param_count c2 > "$tmp/a.out" 2>"$tmp/err" && ok || bad "a.csv: $(cat "$tmp/err")"
"$prog" "$tmp/b.csv" '^([a-z]+)' param_count > "$tmp/b.out" 2>"$tmp/err" && ok || bad "b.csv: $(cat "$tmp/err")"
"$prog" "$tmp/c.csv" '^([a-z]+)' > "$tmp/c.out" 2>"$tmp/err" && ok || bad "c.csv: $(cat "$tmp/err")"

"$py" - "$tmp" > "$tmp/cmp.out" 2>&1 <<'EOP' && ok || bad "numpy comparison: $(cat "$tmp/cmp.out")"
import csv, sys
import numpy as np
tmp = sys.argv[1]

def load(path):
    rows = list(csv.DictReader(open(path)))
    col = lambda k: np.array([float(r[k].replace(",", "")) for r in rows])
    return rows, col

def ranks(v):  # average ranks, ties shared
    order = np.argsort(v, kind="stable"); r = np.empty(len(v)); s = v[order]; i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and s[j + 1] == s[i]: j += 1
        r[order[i:j + 1]] = (i + j) / 2 + 1; i = j + 1
    return r

def partial(x, y, covs):  # numpy's residual method
    A = np.column_stack([np.ones(len(x))] + list(covs))
    rx = x - A @ np.linalg.lstsq(A, x, rcond=None)[0]
    ry = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
    return np.corrcoef(rx, ry)[0, 1]

def parse(path):
    out = {}
    for line in open(path):
        f = line.split()
        if f[0] == "partial": out[("partial", f[1])] = tuple(map(float, f[2:5]))
        elif f[0] == "plain": out[("plain", f[1])] = float(f[2])
        else: out.setdefault("families", []).append((f[1], int(f[2]), float(f[3]), float(f[4])))
    return out

# 1
rows, col = load(tmp + "/a.csv")
x, y, c1, c2 = col("x"), col("y"), col("param_count"), col("c2")
got = parse(tmp + "/a.out")
want_p = partial(x, y, [c1, c2])
want_s = partial(ranks(x), ranks(y), [ranks(c1), ranks(c2)])
for kind, want in (("pearson", want_p), ("spearman", want_s)):
    r, lo, hi = got[("partial", kind)]
    assert abs(r - want) <= 1e-12 * max(1, abs(want)), (kind, r, want)
    assert lo <= r <= hi, (kind, lo, r, hi)
print("1: partial pearson %.6f spearman %.6f (numpy %.6f %.6f)" % (got[("partial", "pearson")][0], got[("partial", "spearman")][0], want_p, want_s))
# per family on a.csv
names = [r["name"] for r in rows]
fams = []
for nm in names:
    fm = "".join(ch for ch in nm.split("_")[0] if ch.isalpha())
    if fm not in fams: fams.append(fm)
assert [f[0] for f in got["families"]] == fams, (got["families"], fams)
for name, n, p, s in got["families"]:
    idx = np.array([i for i, nm in enumerate(names) if nm.startswith(name) and nm[len(name)].isdigit()])
    assert n == len(idx), (name, n, len(idx))
    wp = np.corrcoef(x[idx], y[idx])[0, 1]; ws = np.corrcoef(ranks(x[idx]), ranks(y[idx]))[0, 1]
    assert abs(p - wp) <= 1e-12 and abs(s - ws) <= 1e-12, (name, p, wp, s, ws)
print("3a: families", [(f[0], f[1], round(f[2], 4)) for f in got["families"]])
# 2
got = parse(tmp + "/b.out")
plain = got[("plain", "pearson")]; r, lo, hi = got[("partial", "pearson")]
_, col = load(tmp + "/b.csv")
assert abs(r - partial(col("x"), col("y"), [col("param_count")])) <= 1e-12
assert plain > 0.8 and got[("plain", "spearman")] > 0.8, got
assert abs(r) < 0.15 and lo <= 0 <= hi, (r, lo, hi)
rs, los, his = got[("partial", "spearman")]
assert abs(rs) < 0.15 and los <= 0 <= his, (rs, los, his)
print("2: plain pearson %.3f, partial given param_count %.3f [%.3f, %.3f]; spearman %.3f -> %.3f" % (plain, r, lo, hi, got[("plain", "spearman")], rs))
# 3
got = parse(tmp + "/c.out")
fams = {f[0]: f for f in got["families"]}
assert list(fams) == ["alpha", "beta"], fams
assert fams["alpha"][1] == 60 and fams["alpha"][2] > 0.8 and fams["beta"][2] < -0.8, fams
print("3b:", fams)
EOP
cat "$tmp/cmp.out"

err=$("$prog" "$tmp/c.csv" '^([a-z' 2>&1 >/dev/null)
grep -q "^bad family regex '^(\[a-z': " <<<"$err" && ok || bad "bad regex message: '$err'"
finish "test_partial"
