"""Shared fixtures of the Python tests (run by tests/python/run_pytest.sh
under CTest, which sets the environment below)."""
import json
import os
import subprocess

import pytest

CLI = os.environ.get("DSESWEEP_CLI", "dsesweep")
DSE_GEN = os.environ.get("DSE_GEN", "dse_gen")
MPIEXEC = os.environ.get("DSE_MPIEXEC", "mpiexec")
ORACLE = os.environ.get("DSE_ORACLE_DIR", "")
SOURCE = os.environ.get("DSE_SOURCE_DIR", "")


def cli_doc(*args):
    """The document of `dsesweep score ... --json`."""
    out = subprocess.run([CLI, "score", *args, "--json"], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def cli_json(*args):
    """`dsesweep score ... --json` as a dict {(quantity, t): value} (one
    sigma rule)."""
    return {(r["quantity"], float(r["t"] or 0)): r["value"] for r in cli_doc(*args)["results"]}


def cli_flat(*args):
    """`dsesweep score ... --json` in the shape docs/python.md gives
    dsesweep.score()'s result, built here from the JSON's own fields: per
    result, the report's column name (docs/report.md: "DSE(t=1)", "CSE", and
    with several sigma rules "DSE(t=1,sigma=median)") -> value, "NAME se" ->
    se, and where the JSON gives the rule's bandwidth "NAME sigma",
    "NAME sigma_min", "NAME sigma_max"."""
    doc = cli_doc(*args)
    several = len(doc["params"].get("sigma_rules", [])) > 1
    flat = {}
    for r in doc["results"]:
        params = ["t=%g" % r["t"]] if r["t"] is not None else []
        if several and r.get("sigma_rule"):
            params.append("sigma=" + r["sigma_rule"])
        name = r["quantity"] + ("(%s)" % ",".join(params) if params else "")
        assert name not in flat, name
        flat[name] = r["value"]
        flat[name + " se"] = r["se"]
        for k in ("sigma", "sigma_min", "sigma_max"):
            if k in r:
                flat[name + " " + k] = r[k]
    return doc, flat


def mpi_env():
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
    return env


def make_demo(tmp):
    """The demo tree (dse_gen tree --inputs 20) and its config, in tmp."""
    subprocess.run([DSE_GEN, "tree", "--out", str(tmp / "tree"), "--inputs", "20"], check=True,
                   capture_output=True)
    with open(os.path.join(SOURCE, "configs", "demo.ini")) as f:
        text = f.read().replace("../demo-out/", str(tmp) + "/")
    cfg = tmp / "demo.ini"
    cfg.write_text(text)
    return cfg


@pytest.fixture(scope="session")
def oracle():
    assert ORACLE and os.path.isdir(ORACLE), "DSE_ORACLE_DIR must name the shared oracle folder"
    return ORACLE


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """The demo sweep's store, made by a 2-rank `dsesweep run`."""
    tmp = tmp_path_factory.mktemp("demo")
    cfg = make_demo(tmp)
    subprocess.run([MPIEXEC, "-n", "2", CLI, "run", "-q", str(cfg)], check=True, env=mpi_env(),
                   capture_output=True)
    return tmp / "demo.h5"
