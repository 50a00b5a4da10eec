"""The package's own parts beside the engine (pyproject.toml, _capi's runtime
check, _threads): the message for each missing Debian library, the docs'
package list, OpenBLAS's threads without torch, python -m dsesweep from the
build tree. The pip installs themselves are tests/test_pip.sh."""
import os
import re
import subprocess
import sys
import types

import pytest

import dsesweep
from dsesweep import _capi, _threads

SOURCE = os.environ.get("DSE_SOURCE_DIR", "")


def loader_error(name):
    """cffi's text when the loader cannot find name (as Debian's glibc words it)."""
    return ("cannot load library '/x/libdsesweep_capi.so': %s: cannot open shared object file: "
            "No such file or directory.  Additionally, ctypes.util.find_library() did not manage "
            "to locate a library called '/x/libdsesweep_capi.so'" % name)


@pytest.mark.parametrize("base,what,package", _capi.RUNTIME_PACKAGES)
def test_each_missing_library_names_its_package(base, what, package, tmp_path):
    lib = tmp_path / "libdsesweep_capi.so"
    lib.write_bytes(b"")
    name = base + ".so.7"
    msg = _capi._missing_message(str(lib), loader_error(name).replace("/x/", str(tmp_path) + "/"))
    assert msg == ("dsesweep needs %s: %s cannot be loaded (not found); install the Debian "
                   "package %s: apt-get install %s" % (what, name, package, package))


def test_an_unknown_library_and_a_missing_package_file(tmp_path):
    lib = tmp_path / "libdsesweep_capi.so"
    assert "has no libdsesweep_capi.so at %s" % lib in _capi._missing_message(str(lib), "x")
    lib.write_bytes(b"")
    msg = _capi._missing_message(str(lib), loader_error("libfoo.so.3"))
    assert msg == ("dsesweep: libfoo.so.3, which libdsesweep_capi.so needs, cannot be loaded "
                   "(not found); `ldd %s` lists what is missing" % lib)


def test_the_docs_list_every_runtime_package():
    with open(os.path.join(SOURCE, "docs", "python.md")) as f:
        text = f.read()
    apt = re.search(r"apt-get install (libopenmpi3 [^`]*?)\n```", text, re.S).group(1)
    listed = set(apt.replace("\\", " ").split())
    assert {p for _, _, p in _capi.RUNTIME_PACKAGES} | {"openmpi-bin"} == listed


def test_no_torch_leaves_openblas_alone(monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    own = _capi.lib.openblas_get_num_threads()
    assert own == int(os.environ["OPENBLAS_NUM_THREADS"])  # run_pytest.sh sets 1
    assert dsesweep.blas_threads() == own


def test_the_cap_follows_torchs_threads(monkeypatch):
    """A stand-in torch module (the real one: tests/pip_torch_threads.py)."""
    fake = types.SimpleNamespace(threads=1, get_num_threads=lambda: fake.threads)
    monkeypatch.setitem(sys.modules, "torch", fake)
    monkeypatch.setattr(_threads, "cores", lambda: 8)
    saved = _capi.lib.openblas_get_num_threads()
    try:
        _capi.lib.openblas_set_num_threads(8)
        for torch_threads, want in ((1, 8), (2, 4), (3, 2), (8, 1), (16, 1)):
            fake.threads = torch_threads
            assert dsesweep.blas_threads() == want, torch_threads
            with _threads.blas_limit():
                assert _capi.lib.openblas_get_num_threads() == want
            assert _capi.lib.openblas_get_num_threads() == 8
        _capi.lib.openblas_set_num_threads(2)  # a lower setting is kept
        fake.threads = 2
        assert dsesweep.blas_threads() == 2
    finally:
        _capi.lib.openblas_set_num_threads(saved)


def test_python_m_runs_the_program_from_the_build_tree(tmp_path):
    with open(os.path.join(SOURCE, "VERSION")) as f:
        version = f.readline().strip()
    out = subprocess.run([sys.executable, "-m", "dsesweep", "--version"], capture_output=True,
                         text=True, cwd=tmp_path)
    assert (out.returncode, out.stdout, out.stderr) == (0, "dsesweep %s\n" % version, "")
    assert dsesweep.__version__ == version
    bad = subprocess.run([sys.executable, "-m", "dsesweep", "no-such-command"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode != 0 and "no-such-command" in bad.stderr  # the program's own exit
