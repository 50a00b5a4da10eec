"""Every quantity through Python equals `dsesweep score --json` to 1e-12 on
the shared oracle inputs; dse() and dsmi() equal the same numbers; parameters
are the config's keys and values."""
import os

import numpy as np
import pytest

import dsesweep
from conftest import cli_flat, cli_json

CASES = [  # (embeddings, labels, extra settings)
    ("blobs_z.npy", "blobs_y.npy", {}),
    ("blobs_z.npy", "blobs_scalar.npy", {"n_clusters": 4}),
    ("circle_z.npy", None, {"sigma": 0.5, "t": [1, 2, 5]}),
    ("gauss5d_z.npy", None, {"sigma": 3, "bins": 3, "knn": 7, "alpha": 2}),
]

FLAGS = {"sigma": "--sigma", "t": "--t", "bins": "--bins", "knn": "--knn", "alpha": "--alpha",
         "n_clusters": "--n-clusters"}


def flags(settings):
    out = []
    for k, v in settings.items():
        out += [FLAGS[k], ",".join(map(str, v)) if isinstance(v, list) else str(v)]
    return out


CALL_KEYS = {"n_used", "median_distance", "sigma"}  # of the call, not of one value


def value_names(flat):
    """The column names of a flat result (per-value extras have a space)."""
    return {k for k in flat if " " not in k} - CALL_KEYS


def assert_matches(got, want, tol=1e-12):
    """Every entry of want (cli_flat) is in got to tol relative (null: NaN)."""
    for k, v in want.items():
        assert k in got, (k, sorted(got))
        if v is None:
            assert np.isnan(got[k]), k
        else:
            assert abs(got[k] - v) <= tol * max(1.0, abs(v)), (k, got[k], v)


def inputs(oracle, emb, labels):
    Z = np.load(os.path.join(oracle, emb))
    y = np.load(os.path.join(oracle, labels)) if labels else None
    args = [os.path.join(oracle, emb)]
    if labels:
        args += ["--labels", os.path.join(oracle, labels)]
    return Z, y, args


@pytest.mark.parametrize("emb,labels,settings", CASES)
def test_every_quantity_equals_cli(oracle, emb, labels, settings):
    """quantities="all" on both sides: every value and its se to 1e-12, the
    same names, and the fixed sigma on every kernel value."""
    Z, y, args = inputs(oracle, emb, labels)
    doc, want = cli_flat(*args, *flags(settings), "--quantities", "all")
    got = dsesweep.score(Z, quantities="all", labels=y, **settings)
    assert value_names(got) == value_names(want)
    assert {k for k in got if k.endswith(" se")} == {k for k in want if k.endswith(" se")}
    assert len(value_names(want)) >= 10
    assert_matches(got, want)
    sigma = float(settings.get("sigma", 10))
    assert got["sigma"] == sigma
    kernel = [k for k in got if k.endswith(" sigma")]
    assert "DSE(t=1) sigma" in kernel and "CSE sigma" not in got
    for k in kernel:
        assert got[k] == got[k + "_min"] == got[k + "_max"] == sigma, k
    assert got["n_used"] == doc["n_used"]
    assert got["median_distance"] == pytest.approx(doc["median_distance"], rel=1e-12)
    if labels:
        assert got["DSMI(t=1) se"] > 0  # MI's standard error over its subset draws


@pytest.mark.parametrize("emb,labels,reference,names", [
    ("blobs_z.npy", None, None, {"DSE(t=1)"}),
    ("blobs_z.npy", "blobs_y.npy", None, {"DSE(t=1)", "DSMI(t=1)"}),
    ("circle_z.npy", None, "gauss5d_z.npy", {"DSE(t=1)", "DSMI_X(t=1)"}),
])
def test_default_quantities_equal_cli(oracle, emb, labels, reference, names):
    """With no quantities given, score() computes what `dsesweep score`
    computes by default: DSE, and DSMI with labels or a reference."""
    z = os.path.join(oracle, emb)
    args, kw = [z], {}
    if labels:
        args += ["--labels", os.path.join(oracle, labels)]
        kw["labels"] = np.load(os.path.join(oracle, labels))
    if reference:
        args += ["--reference", os.path.join(oracle, reference), "--n-clusters", "4"]
        kw.update(reference=np.load(os.path.join(oracle, reference)), n_clusters=4)
    _, want = cli_flat(*args)
    got = dsesweep.score(np.load(z), **kw)
    assert value_names(want) == names
    assert value_names(got) == names
    assert_matches(got, want)


@pytest.mark.parametrize("rule", ["median", "knn:7"])
def test_sigma_rule_equals_cli(oracle, rule):
    """One adaptive rule: every kernel and MI value, its se and the sigma
    the rule gave (knn: median, least and largest sigma_i) equal the CLI's
    --json to 1e-12; one rule keeps the plain column names."""
    Z, y, args = inputs(oracle, "blobs_z.npy", "blobs_y.npy")
    doc, want = cli_flat(*args, "--sigma", rule, "--t", "1,2", "--quantities", "all")
    got = dsesweep.score(Z, quantities="all", labels=y, sigma=rule, t=[1, 2])
    assert value_names(got) == value_names(want)
    assert "DSE(t=2)" in want and "DSE(t=2) sigma" in want and "DSMI(t=1) sigma" in want
    assert_matches(got, want)
    assert set(k for k in got if " sigma" in k) == set(k for k in want if " sigma" in k)
    median = doc["median_distance"]
    if rule == "median":
        assert got["DSE(t=1) sigma"] == pytest.approx(median, rel=1e-12)
    else:
        assert got["DSE(t=1) sigma_min"] < got["DSE(t=1) sigma"] < got["DSE(t=1) sigma_max"]
    assert got["sigma"] == got["DSE(t=1) sigma"]  # the one rule's bandwidth
    assert dsesweep.dse(Z, sigma=rule, t=2) == pytest.approx(want["DSE(t=2)"], rel=1e-12)
    assert dsesweep.dsmi(Z, labels=y, sigma=rule) == pytest.approx(want["DSMI(t=1)"], rel=1e-12)


def test_rule_list_gives_one_value_per_rule(oracle):
    """A list of rules: one value per rule, named as the report names them,
    each equal to the CLI's --json with the same list and to a call with that
    rule alone."""
    Z, y, args = inputs(oracle, "blobs_z.npy", "blobs_y.npy")
    rules = ["10", "median", "knn:7"]
    _, want = cli_flat(*args, "--sigma", ",".join(rules), "--quantities", "DSE,DSMI,CSE")
    got = dsesweep.score(Z, quantities="DSE,DSMI,CSE", labels=y, sigma=",".join(rules))
    names = {"CSE"} | {"%s(t=1,sigma=%s)" % (q, r) for q in ("DSE", "DSMI") for r in rules}
    assert value_names(want) == names
    assert value_names(got) == names
    assert "sigma" not in got  # several rules: each value carries its own
    assert_matches(got, want)
    per_rule = dsesweep.dse(Z, sigma=rules)
    assert list(per_rule) == rules
    for r in rules:
        alone = dsesweep.score(Z, quantities="DSE,DSMI", labels=y, sigma=r)
        assert got["DSE(t=1,sigma=%s)" % r] == alone["DSE(t=1)"] == per_rule[r]
        assert got["DSMI(t=1,sigma=%s)" % r] == alone["DSMI(t=1)"]
        assert got["DSE(t=1,sigma=%s) sigma" % r] == alone["DSE(t=1) sigma"]
    assert len(set(per_rule.values())) == 3  # the rules differ


def test_subsample_error_bars_equal_cli(oracle):
    """DSE over B subsamples: its mean and standard error equal the CLI's."""
    Z, _, args = inputs(oracle, "blobs_z.npy", None)
    _, want = cli_flat(*args, "--max-n", "200", "--subsample-repeats", "4", "--t", "1,2")
    got = dsesweep.score(Z, max_n=200, subsample_repeats=4, t=[1, 2])
    assert value_names(got) == {"DSE(t=1)", "DSE(t=2)"}
    assert want["DSE(t=1) se"] > 0 and want["DSE(t=2) se"] > 0
    assert_matches(got, want)
    assert got["n_used"] == 200


def test_dse_and_dsmi_equal_cli(oracle):
    z, y = os.path.join(oracle, "blobs_z.npy"), os.path.join(oracle, "blobs_y.npy")
    want = cli_json(z, "--labels", y, "--sigma", "3", "--t", "1,2", "--quantities", "DSE,DSMI")
    Z, Y = np.load(z), np.load(y)
    assert dsesweep.dse(Z, sigma=3) == pytest.approx(want[("DSE", 1.0)], rel=1e-12, abs=1e-12)
    both = dsesweep.dse(Z, sigma=3, t=[1, 2])
    assert both[2.0] == pytest.approx(want[("DSE", 2.0)], rel=1e-12, abs=1e-12)
    mi = dsesweep.dsmi(Z, labels=Y, sigma=3, t=[1, 2])
    for t in (1.0, 2.0):
        assert mi[t] == pytest.approx(want[("DSMI", t)], rel=1e-12, abs=1e-12)
    # labels as a file spec, as in a config
    assert dsesweep.dsmi(Z, labels=y, sigma=3) == pytest.approx(mi[1.0], rel=1e-12, abs=1e-12)


def test_reference_equals_cli(oracle):
    """MI over a reference is named as in a sweep and the CLI (DSMI_X)."""
    z, x = os.path.join(oracle, "circle_z.npy"), os.path.join(oracle, "gauss5d_z.npy")
    _, want = cli_flat(z, "--quantities", "DSMI,CSMI", "--n-clusters", "4", "--reference", x)
    got = dsesweep.score(np.load(z), quantities="DSMI,CSMI", reference=np.load(x), n_clusters=4)
    assert value_names(want) == {"DSMI_X(t=1)", "CSMI_X"}
    assert value_names(got) == value_names(want)
    assert_matches(got, want)
    assert got["DSMI_X(t=1) se"] > 0
    # the reference as a file spec, and dsmi() over it
    again = dsesweep.score(np.load(z), quantities="DSMI", reference=x, n_clusters=4)
    assert again["DSMI_X(t=1)"] == got["DSMI_X(t=1)"]
    assert dsesweep.dsmi(np.load(z), reference=x, n_clusters=4) == got["DSMI_X(t=1)"]


def test_dse_equals_the_published_values(oracle):
    import json
    with open(os.path.join(oracle, "cases.json")) as f:
        cases = [c for c in json.load(f)["cases"] if c["kind"] == "dse"]
    assert len(cases) >= 6
    for c in cases:
        Z = np.load(os.path.join(oracle, c["input"]))
        got = dsesweep.dse(Z, sigma=c["sigma"], t=c["t"])
        assert got == pytest.approx(c["expected"], rel=1e-9, abs=1e-9), c


def test_max_n_and_seed_are_the_config_keys(oracle):
    Z = np.load(os.path.join(oracle, "blobs_z.npy"))
    want = cli_json(os.path.join(oracle, "blobs_z.npy"), "--max-n", "200", "--seed", "7",
                    "--quantities", "DSE")
    assert dsesweep.dse(Z, max_n=200, seed=7) == pytest.approx(want[("DSE", 1.0)], rel=1e-12)
    assert dsesweep.dse(Z, max_n=200, seed=7) != dsesweep.dse(Z, max_n=200, seed=8)


def test_spectrum_is_the_diffusion_spectrum(oracle):
    import json
    with open(os.path.join(oracle, "cases.json")) as f:
        cases = json.load(f)
    case = next(c for c in cases["cases"] if c["kind"] == "eigvals")
    Z = np.load(os.path.join(oracle, case["input"]))
    want = np.load(os.path.join(oracle, case["expected_file"]))
    got = dsesweep.spectrum(Z, sigma=case["sigma"])
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) < 1e-9


def config_keys():
    """(section, key, default) of every key, from `dsesweep config-keys`."""
    import subprocess
    from conftest import CLI
    out = subprocess.run([CLI, "config-keys"], check=True, capture_output=True,
                         text=True).stdout
    keys, section = [], None
    for line in out.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif line.strip():
            name, rest = line.split(None, 1)
            default = rest.split("default", 1)[1].split()[0]
            keys.append((section, name, default))
    return keys


def test_every_config_key_reaches_the_engine():
    """Each [quantities] key of the key table, at its default, is accepted
    and changes nothing; a key added to the table is reachable the same way
    with no change to the package. [sweep] keys other than memory_budget and
    group_size are refused by name."""
    Z = np.random.default_rng(1).normal(size=(120, 8))
    base = dsesweep.score(Z, quantities="DSE,CSE")
    keys = config_keys()
    quantities_keys = [(k, d) for s, k, d in keys if s == "quantities" and k != "compute"]
    assert {"sigma", "t", "max_n", "seed", "alpha"} <= {k for k, _ in quantities_keys}
    for key, default in quantities_keys:
        assert dsesweep.score(Z, quantities="DSE,CSE", **{key: default}) == base, key
    for section, key, default in keys:
        if section != "sweep" or key in ("labels", "reference"):  # arguments of score()
            continue
        if key in ("memory_budget", "group_size"):
            assert dsesweep.score(Z, quantities="DSE,CSE", **{key: default}) == base, key
        else:
            with pytest.raises(dsesweep.Error) as e:
                dsesweep.score(Z, quantities="DSE,CSE", **{key: "x"})
            assert str(e.value) == ("'%s' is a [sweep] key that scoring does not read (labels "
                                    "and reference are arguments of their own)" % key)
    # a non-default value does reach the engine
    assert dsesweep.score(Z, quantities="DSE,CSE", bins="3")["CSE"] != base["CSE"]
    assert dsesweep.score(Z, quantities="DSE,CSE", sigma="2.5")["DSE(t=1)"] != base["DSE(t=1)"]


def test_bounded_interval_holds_the_exact_value():
    """method="bounded": every t gets a certified interval that holds the
    exact value, the value is its midpoint, and the CLI agrees."""
    rng = np.random.default_rng(5)
    u = rng.uniform(0, 3, size=(700, 3))
    Z = u @ rng.standard_normal((3, 30)) + 0.05 * rng.standard_normal((700, 30))
    exact = dsesweep.score(Z, method="exact", sigma=5, t=[1, 2])
    got = dsesweep.score(Z, method="bounded", sigma=5, t=[1, 2])
    for name in ("DSE(t=1)", "DSE(t=2)"):
        lo, hi = got[name + " lower"], got[name + " upper"]
        assert got[name + " interval"] == "certified"
        assert lo - 1e-9 <= exact[name] <= hi + 1e-9
        assert hi - lo <= 0.02 + 1e-12
        assert got[name] == pytest.approx(0.5 * (lo + hi), abs=1e-12)
        assert name + " lower" not in exact


def test_bounded_wider_than_tol_warns():
    """An interval wider than tol has no value: dse() returns NaN with a
    RuntimeWarning naming the interval; score() says within_tol False."""
    rng = np.random.default_rng(6)
    centers = rng.standard_normal((12, 20)) * 3
    Z = centers[np.arange(600) % 12] + rng.standard_normal((600, 20))
    settings = dict(method="bounded", sigma=4, max_k=64, tol=1e-4)
    with pytest.warns(RuntimeWarning, match=r"DSE\(t=1\): the bounded method's .* is wider than tol"):
        v = dsesweep.dse(Z, **settings)
    assert np.isnan(v)
    got = dsesweep.score(Z, **settings)
    assert got["DSE(t=1) within_tol"] is False
    assert got["DSE(t=1) upper"] - got["DSE(t=1) lower"] > 2e-4
    exact = dsesweep.dse(Z, method="exact", sigma=4)
    assert got["DSE(t=1) lower"] - 1e-9 <= exact <= got["DSE(t=1) upper"] + 1e-9


def test_float32_interval_holds_the_float64_value():
    """precision="float32": every t's interval is proved to hold the float64
    DSE (and DSMI through its subsets); the value is its midpoint when within
    tol, else NaN with a RuntimeWarning that names the float32 solve."""
    rng = np.random.default_rng(7)
    centers = rng.standard_normal((8, 16)) * 3
    Z = centers[np.arange(700) % 8] + rng.standard_normal((700, 16))
    y = np.arange(700) % 8
    exact = dsesweep.score(Z, labels=y, sigma=6, t=[1, 3])
    got = dsesweep.score(Z, labels=y, sigma=6, t=[1, 3], precision="float32", tol=0.05)
    for name in ("DSE(t=1)", "DSE(t=3)", "DSMI(t=1)", "DSMI(t=3)"):
        lo, hi = got[name + " lower"], got[name + " upper"]
        assert got[name + " interval"] == "float32"
        assert lo <= exact[name] <= hi
        assert got[name] == pytest.approx(0.5 * (lo + hi), abs=1e-12)
    with pytest.warns(RuntimeWarning, match=r"DSE\(t=1\): the float32 solve's interval"):
        v = dsesweep.dse(Z, sigma=6, precision="float32", tol=1e-9)
    assert np.isnan(v)
