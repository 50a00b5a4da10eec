"""The C part of `pip install .` (pyproject.toml holds the metadata).

The build command `build_cmake` configures the project with its own CMake
(CMakeLists.txt), builds the two targets the package carries, and copies them
into the package: libdsesweep_capi.so (the C API the cffi layer loads) and
bin/dsesweep (the program `python -m dsesweep` and the console script run).
CMake assembles both in BUILD/python/dsesweep, as for `cmake --install`.

- The CMake build directory is build/pip/cmake in the source tree (setuptools'
  own build/lib and bdist directories are under build/pip too), kept between
  runs: a second `pip install .`, `pip wheel .` or `pip install -e .` rebuilds
  only what changed.
- DSESWEEP_CMAKE_BUILD_DIR=DIR uses an existing CMake build directory instead
  (e.g. build/ after tools/setup.sh): only `cmake --build DIR` runs.
- `pip install -e .` puts the two files into python/dsesweep/ (git ignores
  them); after a change to the C code, run it again.
- DSESWEEP_CMAKE_ARGS adds arguments to the configure step
  ("-DCMAKE_BUILD_TYPE=Debug").

The Debian packages the build needs are the project's (tools/setup.sh
installs them); a failing configure says which one is missing.
"""
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Command, setup
from setuptools.command.build import build
from setuptools.dist import Distribution

ROOT = os.path.dirname(os.path.abspath(__file__))
BUILD_BASE = os.path.join("build", "pip")
PACKAGE = "dsesweep"
# What the package ships from the CMake build: the targets, and the files they
# leave in CMAKE_BUILD/python/dsesweep (CMakeLists.txt), by their path in the package.
TARGETS = ("dsesweep_capi", "dsesweep_cli")
PRODUCTS = ("libdsesweep_capi.so", "bin/dsesweep")


class BinaryDistribution(Distribution):
    """The package holds machine code: a platform wheel, installed to platlib."""

    def has_ext_modules(self):
        return True


def run(cmd):
    print("dsesweep: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    try:
        subprocess.run(cmd, check=True)
    except FileNotFoundError:
        sys.exit("dsesweep: '%s' not found: building needs cmake and the project's Debian "
                 "packages (tools/setup.sh installs them)" % cmd[0])
    except subprocess.CalledProcessError as e:
        sys.exit("dsesweep: '%s' failed (exit %d); the lines above say why (a missing "
                 "Debian -dev package: tools/setup.sh installs them)" % (" ".join(cmd[:2]),
                                                                      e.returncode))


class build_cmake(Command):
    """Builds libdsesweep_capi.so and the dsesweep program with CMake and puts
    them into the package (build_lib, or python/dsesweep for -e)."""

    description = "build the C library and the program with CMake"
    user_options = []

    def initialize_options(self):
        self.editable_mode = False
        self.build_lib = None

    def finalize_options(self):
        self.set_undefined_options("build", ("build_lib", "build_lib"))

    def cmake_dir(self):
        """The CMake build directory: DSESWEEP_CMAKE_BUILD_DIR, else
        build/pip/cmake, configured here (again when it belongs to another
        source tree, e.g. a copied clone)."""
        given = os.environ.get("DSESWEEP_CMAKE_BUILD_DIR")
        if given:
            return os.path.abspath(given), False
        path = os.path.join(ROOT, BUILD_BASE, "cmake")
        cache = os.path.join(path, "CMakeCache.txt")
        if os.path.exists(cache):
            with open(cache, errors="replace") as f:
                home = [line.split("=", 1)[1].strip() for line in f
                        if line.startswith("CMAKE_HOME_DIRECTORY:")]
            if home and os.path.realpath(home[0]) != os.path.realpath(ROOT):
                shutil.rmtree(path)
        return path, True

    def destination(self):
        if self.editable_mode:
            return os.path.join(ROOT, "python", PACKAGE)
        return os.path.join(self.build_lib, PACKAGE)

    def get_outputs(self):
        return [os.path.join(self.destination(), p) for p in PRODUCTS]

    def get_output_mapping(self):
        path, _ = self.cmake_dir()
        return {os.path.join(self.destination(), p): os.path.join(path, "python", PACKAGE, p)
                for p in PRODUCTS}

    def run(self):
        path, configure = self.cmake_dir()
        if configure:
            run(["cmake", "-S", ROOT, "-B", path, "-DCMAKE_BUILD_TYPE=Release",
                 "-DDSE_WERROR=OFF", "-DDSE_BUILD_FUZZERS=OFF"]
                + shlex.split(os.environ.get("DSESWEEP_CMAKE_ARGS", "")))
        jobs = ["-j", str(os.cpu_count() or 1)]
        if os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL"):
            jobs = []  # cmake --build reads it
        run(["cmake", "--build", path, "--target", *TARGETS, *jobs])
        for dest, src in self.get_output_mapping().items():
            # a new file renamed into place: a process running the old one keeps it
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(src, dest + ".new")  # keeps the program's executable bit
            os.replace(dest + ".new", dest)


class build_with_cmake(build):
    sub_commands = build.sub_commands + [("build_cmake", None)]


cmdclass = {"build": build_with_cmake, "build_cmake": build_cmake}
try:  # setuptools >= 70.1 has it; Debian 12's 66 takes it from python3-wheel
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:
    from wheel.bdist_wheel import bdist_wheel


class bdist_wheel_py3(bdist_wheel):
    """The wheel's tag: any Python 3 (cffi's ABI mode compiles nothing
    against Python), this platform (the library and the program)."""

    def get_tag(self):
        return ("py3", "none", super().get_tag()[2])


cmdclass["bdist_wheel"] = bdist_wheel_py3

setup(distclass=BinaryDistribution, cmdclass=cmdclass,
      options={"build": {"build_base": BUILD_BASE}})
