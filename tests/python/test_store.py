"""open_store equals `dsesweep export --format csv` on the demo store, the
spectra come back as numpy arrays, and a store can be read while a run
writes it."""
import csv
import io
import subprocess

import numpy as np
import pytest

import dsesweep
from conftest import CLI, MPIEXEC, make_demo, mpi_env


def export_rows(store):
    text = subprocess.run([CLI, "export", str(store), "--format", "csv"], check=True,
                          capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def assert_same(df, header, rows):
    assert list(df.columns) == header
    assert len(df) == len(rows)
    for i, r in enumerate(rows):
        for j, name in enumerate(header):
            got = df.iat[i, j]
            if name in ("run", "path", "quantity", "status", "error", "sigma_rule", "method",
                        "interval"):
                assert got == r[j], (i, name)
            elif name == "step":
                assert got == int(r[j]), (i, name)
            elif r[j] == "":
                assert np.isnan(got), (i, name)
            else:
                assert got == float(r[j]), (i, name)  # exact: %.17g round-trips


def test_open_store_equals_export(demo_store):
    df = dsesweep.open_store(demo_store)
    header, rows = export_rows(demo_store)
    # 12 checkpoints x (DSE, DSMI, DSMI_X at t = 1, 2 under sigma = 4 and median, + CSE + RankMe)
    assert len(rows) == 168
    assert header == ["run", "step", "path", "quantity", "sigma", "t", "value", "status", "error",
                      "se", "sigma_rule", "sigma_used", "sigma_min", "sigma_max",
                      "median_distance", "method", "interval", "lower", "upper", "k", "products"]
    assert_same(df, header, rows)
    assert set(df["run"]) == {"run_a", "run_b", "run_shuffled"}
    assert (df["status"] == "ok").all()
    assert set(df["sigma_rule"]) == {"", "4", "median"}
    kernel = df[df.sigma_rule != ""]
    assert (df[df.sigma_rule == ""].quantity.isin(["CSE", "RankMe"])).all()
    assert (kernel[kernel.sigma_rule == "4"].sigma_used == 4).all()
    med = kernel[kernel.sigma_rule == "median"]
    assert (med.sigma_used == med.median_distance).all() and (med.sigma_used > 0).all()
    assert (kernel.sigma_min == kernel.sigma_used).all() and (kernel.sigma_max == kernel.sigma_used).all()
    assert (df[df.quantity.isin(["DSMI", "DSMI_X"])].se > 0).all()  # over the R subset draws
    assert (df[df.quantity == "DSE"].se == 0).all()  # one subsample: not estimated
    a = df[(df.run == "run_a") & (df.quantity == "DSMI") & (df.t == 1) & (df.sigma_rule == "4")]
    a = a.sort_values("step")
    assert len(a) == 4
    assert a["value"].iloc[-1] > a["value"].iloc[0] + 0.1  # DSMI rises as the classes separate


def test_spectra(demo_store):
    """Every stored spectrum comes back as a float64 array equal to the
    diffusion spectrum of its checkpoint under the sweep's first rule
    (sigma = 4), computed here through dsesweep.spectrum."""
    sp = dsesweep.open_spectra(demo_store)
    assert len(sp) >= 12 and set(sp["path"]) == set(dsesweep.open_store(demo_store)["path"])
    for path, eig in zip(sp["path"], sp["eigenvalues"]):
        assert isinstance(eig, np.ndarray) and eig.dtype == np.float64 and eig.shape == (400,)
        assert abs(eig[0] - 1) < 1e-9 and np.all(np.diff(eig) <= 1e-12)
        assert np.max(np.abs(eig - dsesweep.spectrum(np.load(path), sigma=4))) < 1e-12


def test_one_spectrum_per_checkpoint_with_its_sigma(demo_store):
    """One diffusion spectrum per checkpoint (the spectral task's, not one per
    MI family too), recorded with the bandwidth of the config's first rule (4)."""
    sp = dsesweep.open_spectra(demo_store)
    assert len(sp) == 12
    assert (sp["sigma"] == 4).all()


def test_missing_store(tmp_path):
    with pytest.raises(dsesweep.Error) as e:
        dsesweep.open_store(tmp_path / "none.h5")
    assert str(tmp_path / "none.h5") in str(e.value)
    assert "No such file or directory" in str(e.value)  # not "not an HDF5 file"


def test_read_while_a_run_writes(tmp_path):
    """Poll the store while a 2-rank run fills it: every read succeeds, its
    rows only grow, and the last read equals export's."""
    cfg = make_demo(tmp_path)
    store = tmp_path / "demo.h5"
    run = subprocess.Popen([MPIEXEC, "-n", "2", CLI, "run", "-q", str(cfg)], env=mpi_env(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    counts = []
    while run.poll() is None:
        if store.exists() or (tmp_path / "demo.h5.journal").exists():
            try:
                counts.append(len(dsesweep.open_store(store)))
            except dsesweep.Error as e:  # only before the first file exists
                assert "demo.h5" in str(e) and not counts, str(e)
    assert run.wait() == 0, run.stderr.read()
    assert counts and counts == sorted(counts)
    header, rows = export_rows(store)
    assert_same(dsesweep.open_store(store), header, rows)
