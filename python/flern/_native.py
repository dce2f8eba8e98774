"""The one module that talks to libflern (ctypes over the C ABI in capi/flern.h).

Responsibilities: load the shared library, guard against use in a forked
child (the Go runtime does not survive fork), move Arrow data in and out
through the Arrow C Data Interface (ArrowArrayStream structs, zero-copy), and
turn native error reports into :mod:`flern.errors` exceptions.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from typing import Any, Sequence

import pyarrow as pa

from . import errors

_LIB_NAME = "libflern.so"
_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()
_forked_after_load = False
ABI_VERSION = 1
_STREAM_SIZE = 5 * ctypes.sizeof(ctypes.c_void_p)  # struct ArrowArrayStream


def _after_fork_in_child() -> None:
    global _forked_after_load
    if _lib is not None:
        _forked_after_load = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def _check_fork() -> None:
    if _forked_after_load:
        raise errors.ForkError(
            "flern cannot run in a process forked after flern's native core started "
            "(the Go runtime does not survive fork). Use multiprocessing with the 'spawn' or "
            "'forkserver' start method (e.g. torch DataLoader(multiprocessing_context='spawn')).",
            kind="Fork")


def lib() -> ctypes.CDLL:
    """Load libflern once and declare its functions."""
    global _lib
    _check_fork()
    if _lib is not None:
        return _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        path = os.environ.get("FLERN_LIBRARY") or os.path.join(os.path.dirname(__file__), _LIB_NAME)
        if not os.path.exists(path):
            raise errors.InternalError(
                f"flern's native library was not found at {path}; reinstall with `pip install .` "
                "(building it needs Go >= 1.26)", kind="Internal")
        L = ctypes.CDLL(path)
        c_char_pp = ctypes.POINTER(ctypes.c_char_p)
        L.flern_version.restype = ctypes.c_char_p
        L.flern_version.argtypes = []
        L.flern_abi_version.restype = ctypes.c_int
        L.flern_abi_version.argtypes = []
        L.flern_plan_compile.restype = ctypes.c_int
        L.flern_plan_compile.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p,
                                         ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_void_p)]
        L.flern_plan_run.restype = ctypes.c_int
        L.flern_plan_run.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p), ctypes.c_int64,
                                     ctypes.POINTER(ctypes.c_void_p), ctypes.c_int64,
                                     ctypes.POINTER(ctypes.c_void_p)]
        L.flern_plan_explain.restype = ctypes.c_void_p
        L.flern_plan_explain.argtypes = [ctypes.c_size_t, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)]
        L.flern_plan_info.restype = ctypes.c_void_p
        L.flern_plan_info.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
        L.flern_plan_release.restype = None
        L.flern_plan_release.argtypes = [ctypes.c_size_t]
        L.flern_string_free.restype = None
        L.flern_string_free.argtypes = [ctypes.c_void_p]
        del c_char_pp
        if L.flern_abi_version() != ABI_VERSION:
            raise errors.InternalError(
                f"libflern ABI {L.flern_abi_version()} does not match the Python package's {ABI_VERSION}; "
                "reinstall flern", kind="Internal")
        _lib = L
        return L


def version() -> str:
    """The native library's version string."""
    return lib().flern_version().decode()


def _take_string(ptr: int | None) -> str:
    if not ptr:
        return ""
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib().flern_string_free(ptr)


def _raise(err: ctypes.c_void_p) -> None:
    text = _take_string(err.value)
    try:
        e = json.loads(text)
    except ValueError:
        raise errors.InternalError(text or "unknown native error", kind="Internal") from None
    raise errors.from_native(e.get("kind", "Internal"), e.get("message", ""), e.get("op", ""),
                             e.get("loc", ""))


class Plan:
    """A compiled plan handle; released when garbage collected."""

    def __init__(self, plan: bytes, options: dict | None = None) -> None:
        L = lib()
        self._h = 0
        out = ctypes.c_size_t(0)
        err = ctypes.c_void_p(None)
        opts = json.dumps(options).encode() if options else None
        if L.flern_plan_compile(plan, len(plan), opts, ctypes.byref(out), ctypes.byref(err)) != 0:
            _raise(err)
        self._h = out.value

    def __del__(self) -> None:
        h, self._h = getattr(self, "_h", 0), 0
        if h and _lib is not None and not _forked_after_load:
            _lib.flern_plan_release(h)

    def explain(self, verbose: bool = False) -> str:
        _check_fork()
        err = ctypes.c_void_p(None)
        p = lib().flern_plan_explain(self._h, 1 if verbose else 0, ctypes.byref(err))
        if not p:
            _raise(err)
        return _take_string(p)

    def info(self) -> dict:
        _check_fork()
        err = ctypes.c_void_p(None)
        p = lib().flern_plan_info(self._h, ctypes.byref(err))
        if not p:
            _raise(err)
        return json.loads(_take_string(p))

    def run(self, inputs: Sequence[pa.Table], n_outputs: int) -> list[pa.Table]:
        """Run on input tables (zero-copy); returns one pyarrow Table per output."""
        L = lib()
        in_structs = [ctypes.create_string_buffer(_STREAM_SIZE) for _ in inputs]
        for t, s in zip(inputs, in_structs):
            t.to_reader()._export_to_c(ctypes.addressof(s))
        out_structs = [ctypes.create_string_buffer(_STREAM_SIZE) for _ in range(n_outputs)]
        in_ptrs = (ctypes.c_void_p * max(1, len(inputs)))(*[ctypes.addressof(s) for s in in_structs])
        out_ptrs = (ctypes.c_void_p * max(1, n_outputs))(*[ctypes.addressof(s) for s in out_structs])
        err = ctypes.c_void_p(None)
        rc = L.flern_plan_run(self._h, in_ptrs, len(inputs), out_ptrs, n_outputs, ctypes.byref(err))
        if rc != 0:
            _release_unconsumed(in_structs)
            _raise(err)
        return [pa.RecordBatchReader._import_from_c(ctypes.addressof(s)).read_all() for s in out_structs]


def _release_unconsumed(structs: list) -> None:
    """Release input streams libflern did not move out (on early errors)."""
    for s in structs:
        release = ctypes.c_void_p.from_buffer(s, 3 * ctypes.sizeof(ctypes.c_void_p)).value
        if release:
            fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(release)
            fn(ctypes.addressof(s))


def compile_plan(plan: bytes, options: dict | None = None) -> Plan:
    return Plan(plan, options)


def run_plan(plan: Plan, inputs: Sequence[Any], n_outputs: int) -> list[pa.Table]:
    return plan.run(inputs, n_outputs)
