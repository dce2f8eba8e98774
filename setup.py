"""Build script for flern.

Metadata (name, version, dependencies, extras) lives in pyproject.toml. This
file adds what pyproject.toml cannot say:

* the packages under python/ (package ``flern`` and its subpackages);
* a build step that compiles the Go core into ``libflern.so`` with
  ``go build -buildmode=c-shared`` (cgo) from the repository root;
* a platform-specific wheel, since the wheel carries a native library.

Where the library goes:
  ``pip install .``     -> <build_lib>/flern/libflern.so, shipped in the wheel
  ``pip install -e .``  -> python/flern/libflern.so, in place (git-ignored)

Environment:
  FLERN_GO   path of the go binary to use (default: ``go`` on PATH)

Nothing is downloaded at run time; at build time Go fetches the modules
listed in go.sum through the Go module proxy unless they are already cached.
"""

import os
import re
import shutil
import subprocess
import sys

from setuptools import Distribution, find_packages, setup
from setuptools.command.build_py import build_py as _build_py

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # older setuptools: the wheel package provides it
    try:
        from wheel.bdist_wheel import bdist_wheel as _bdist_wheel
    except ImportError:
        _bdist_wheel = None

ROOT = os.path.dirname(os.path.abspath(__file__))
MIN_GO = (1, 26)
LIB_NAME = "libflern.so"
GO_PACKAGE = "./capi"  # package main with the //export'ed C ABI


class GoBuildError(Exception):
    """The native core could not be built; the message says why."""


def _find_go():
    """Return the go binary to use, or raise GoBuildError."""
    explicit = os.environ.get("FLERN_GO")
    if explicit:
        path = shutil.which(explicit)
        if path is None:
            raise GoBuildError(
                "FLERN_GO is set to %r, which is not an executable go binary." % explicit
            )
        return path
    path = shutil.which("go")
    if path is None and os.access("/usr/local/go/bin/go", os.X_OK):
        path = "/usr/local/go/bin/go"  # the standard tarball install, not always on PATH
    if path is None:
        raise GoBuildError(_too_old_message("no `go` on PATH (and FLERN_GO is not set)"))
    return path


def _too_old_message(found):
    return (
        "flern needs Go >= %d.%d to build its native core; install it from your "
        "package manager or from https://go.dev/dl/, put `go` on PATH or set "
        "FLERN_GO=/path/to/go. found: %s" % (MIN_GO + (found,))
    )


def _check_go_version(go):
    """Fail unless `go version` reports at least MIN_GO; return the version line."""
    try:
        out = subprocess.run(
            [go, "version"], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        raise GoBuildError(_too_old_message("%s could not run `go version` (%s)" % (go, e)))
    m = re.search(r"\bgo(\d+)\.(\d+)", out)
    if m is None or (int(m.group(1)), int(m.group(2))) < MIN_GO:
        raise GoBuildError(_too_old_message("%r from %s" % (out, go)))
    return out


def _check_cgo(go, env):
    """c-shared needs cgo, and cgo needs a C compiler."""
    cc = subprocess.run(
        [go, "env", "CC"], capture_output=True, text=True, env=env
    ).stdout.strip() or "gcc"
    if shutil.which(cc.split()[0]) is None:
        raise GoBuildError(
            "flern's native core is built with cgo (go build -buildmode=c-shared), "
            "which needs a C compiler: %r was not found. Install gcc (or clang) "
            "or set CC." % cc
        )


def build_native(dest_dir):
    """Build libflern.so (and its generated header libflern.h) into dest_dir."""
    if not os.path.isdir(os.path.join(ROOT, "capi")) or not os.path.isfile(
        os.path.join(ROOT, "go.mod")
    ):
        raise GoBuildError(
            "the Go sources (go.mod, capi/, golib/) are missing next to setup.py; "
            "build flern from a git checkout or from its sdist."
        )
    go = _find_go()
    version = _check_go_version(go)
    env = dict(os.environ)
    env["CGO_ENABLED"] = "1"
    # Never let go fetch a different toolchain behind the user's back.
    env.setdefault("GOTOOLCHAIN", "local")
    _check_cgo(go, env)
    os.makedirs(dest_dir, exist_ok=True)
    out = os.path.join(dest_dir, LIB_NAME)
    cmd = [
        go, "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false",
        # no DWARF/symbol table: a third smaller; panic traces keep function names (pclntab).
        # madvdontneed=0: the Go runtime hands freed memory back with MADV_FREE, which the kernel
        # takes only under memory pressure, instead of MADV_DONTNEED: a plan run after another
        # reuses those pages without faulting them in afresh (fuel inference: ~3500 -> ~140 page
        # faults a run). GODEBUG cannot be set from Python: a c-shared Go runtime reads the
        # environment the process started with.
        "-ldflags=-s -w -X runtime.godebugDefault=madvdontneed=0",
        "-o", out, GO_PACKAGE,
    ]
    print("flern: %s" % version, file=sys.stderr)
    print("flern: building native core: %s" % " ".join(cmd), file=sys.stderr)
    sys.stderr.flush()
    proc = subprocess.run(cmd, cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise GoBuildError(
            "`go build` of flern's native core failed (exit %d); see the "
            "compiler output above." % proc.returncode
        )
    return out


class build_py(_build_py):
    """Copy the Python sources, then build the Go core next to them."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            # pip install -e .: the package is imported from python/, so the
            # library must sit in the source tree.
            dest = os.path.join(ROOT, "python", "flern")
        else:
            dest = os.path.join(self.build_lib, "flern")
        try:
            build_native(dest)
        except GoBuildError as e:
            sys.exit("error: %s" % e)


class BinaryDistribution(Distribution):
    """The wheel carries libflern.so: never a pure-Python wheel."""

    def has_ext_modules(self):
        return True


cmdclass = {"build_py": build_py}

if _bdist_wheel is not None:

    class bdist_wheel(_bdist_wheel):
        """Platform wheel. libflern.so is loaded with ctypes and does not link
        libpython, so one wheel serves every CPython 3: tag py3-none-<platform>."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = bdist_wheel


# include=: python/tests (or anything else beside flern) must not land in site-packages.
packages = find_packages("python", include=["flern", "flern.*"])
if "flern" not in packages:
    sys.exit("error: python/flern/__init__.py is missing: nothing to package.")

setup(
    package_dir={"": "python"},
    packages=packages,
    package_data={"flern": [LIB_NAME, "libflern.h", "data/*"]},
    include_package_data=False,
    zip_safe=False,
    cmdclass=cmdclass,
    distclass=BinaryDistribution,
)
