"""Every quantity through Python equals `dsesweep score --json` to 1e-12 on
the shared oracle inputs; dse() and dsmi() equal the same numbers; parameters
are the config's keys and values."""
import os

import numpy as np
import pytest

import dsesweep
from conftest import cli_json

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


def key(name):
    q, _, t = name.partition("(t=")
    return q, float(t.rstrip(")")) if t else 0.0


@pytest.mark.parametrize("emb,labels,settings", CASES)
def test_every_quantity_equals_cli(oracle, emb, labels, settings):
    args = [os.path.join(oracle, emb)] + flags(settings)
    if labels:
        args += ["--labels", os.path.join(oracle, labels)]
    want = cli_json(*args)
    Z = np.load(os.path.join(oracle, emb))
    y = np.load(os.path.join(oracle, labels)) if labels else None
    got = dsesweep.score(Z, labels=y, **settings)
    names = {key(k): v for k, v in got.items() if k not in ("sigma", "n_used")}
    assert set(names) == set(want)
    assert len(want) >= 10
    for k, v in want.items():
        assert abs(names[k] - v) <= 1e-12 * max(1.0, abs(v)), (k, names[k], v)
    assert got["sigma"] == float(settings.get("sigma", 10))


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
    z, x = os.path.join(oracle, "circle_z.npy"), os.path.join(oracle, "gauss5d_z.npy")
    want = cli_json(z, "--quantities", "DSMI,CSMI", "--n-clusters", "4", "--reference", x)
    got = dsesweep.score(np.load(z), quantities="DSMI,CSMI", reference=np.load(x), n_clusters=4)
    assert len(want) == 2
    for (q, t), v in want.items():
        assert got[q if t == 0 else "%s(t=%g)" % (q, t)] == pytest.approx(v, rel=1e-12, abs=1e-12)
    # the reference as a file spec
    again = dsesweep.score(np.load(z), quantities="DSMI", reference=x, n_clusters=4)
    assert again["DSMI(t=1)"] == got["DSMI(t=1)"]


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
