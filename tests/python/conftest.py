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


def cli_json(*args):
    """`dsesweep score ... --json` as a dict {(quantity, t): value}."""
    out = subprocess.run([CLI, "score", *args, "--json"], check=True, capture_output=True,
                         text=True).stdout
    doc = json.loads(out)
    return {(r["quantity"], float(r["t"] or 0)): r["value"] for r in doc["results"]}


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
