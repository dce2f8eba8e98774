"""The one module that talks to libflern (ctypes over the C ABI in capi/flern.h).

Responsibilities: load the shared library, guard against use in a forked
child (the Go runtime does not survive fork), move Arrow data in and out
through the Arrow C Data Interface (ArrowArrayStream structs, zero-copy), and
turn native error reports into :mod:`flern.errors` exceptions.
"""

from __future__ import annotations

import atexit
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
ABI_VERSION = 4
_STREAM_SIZE = 5 * ctypes.sizeof(ctypes.c_void_p)  # struct ArrowArrayStream


def _after_fork_in_child() -> None:
    global _forked_after_load
    if _lib is not None:
        _forked_after_load = True


os.register_at_fork(after_in_child=_after_fork_in_child)


def _at_exit() -> None:
    """At interpreter exit (atexit runs before modules and C++ libraries are torn down): imported
    pyarrow buffers are no longer released from Go finalizers (golib/arrowio Shutdown). Not in a
    child forked after the Go runtime started: calling into it there may hang."""
    if _lib is not None and not _forked_after_load:
        _lib.flern_shutdown()


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
        L.flern_plan_rebind.restype = ctypes.c_int
        L.flern_plan_rebind.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_int64), ctypes.c_int64,
                                        ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_void_p)]
        L.flern_plan_fresh.restype = ctypes.c_int
        L.flern_plan_fresh.argtypes = [ctypes.c_size_t]
        L.flern_result_cache.restype = ctypes.c_void_p
        L.flern_result_cache.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        L.flern_plan_release.restype = None
        L.flern_plan_release.argtypes = [ctypes.c_size_t]
        L.flern_string_free.restype = None
        L.flern_string_free.argtypes = [ctypes.c_void_p]
        _declare_state(L)
        _load_blas(L)
        del c_char_pp
        if L.flern_abi_version() != ABI_VERSION:
            raise errors.InternalError(
                f"libflern ABI {L.flern_abi_version()} does not match the Python package's {ABI_VERSION}; "
                "reinstall flern", kind="Internal")
        L.flern_shutdown.restype = None
        L.flern_shutdown.argtypes = []
        atexit.register(_at_exit)
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

    def info(self, memo: bool = True) -> dict:
        """The plan's output schemas and result-cache keys (capi/flern.h flern_plan_info), a
        fresh dict per call. They are fixed when the plan is compiled, so the text is asked
        for once (a plan-cache hit per schema() call); ``memo=False`` asks again, for
        cached_held (the frames the plan holds now)."""
        text = self.__dict__.get("_info") if memo else None
        if text is None:
            _check_fork()
            err = ctypes.c_void_p(None)
            p = lib().flern_plan_info(self._h, ctypes.byref(err))
            if not p:
                _raise(err)
            text = self._info = _take_string(p)
        return json.loads(text)

    def rebind(self, keys: Sequence[int]) -> "Plan":
        """This compiled plan with its placeholder state keys -1, -2, ... (encode_plan's slots)
        bound to ``keys`` (a model's parameter and optimizer-state handles), as a new plan."""
        _check_fork()
        pairs = []
        for i, k in enumerate(keys):
            pairs += (-(i + 1), int(k))
        arr = (ctypes.c_int64 * max(1, len(pairs)))(*pairs)
        out = ctypes.c_size_t(0)
        err = ctypes.c_void_p(None)
        if lib().flern_plan_rebind(self._h, arr, len(keys), ctypes.byref(out), ctypes.byref(err)) != 0:
            _raise(err)
        p = Plan.__new__(Plan)
        p._h = out.value
        return p

    def unheld(self) -> "Plan | None":
        """A copy of this plan without the frames it holds of cached results that are no
        longer cached (fresh again, without a compile, once the same subplan is cached
        again), or None when it holds none or this library cannot."""
        _check_fork()
        L = lib()
        fn = getattr(L, "flern_plan_unheld", None)
        if fn is None:
            return None
        if not fn.argtypes:
            fn.restype = ctypes.c_int
            fn.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_void_p)]
        out = ctypes.c_size_t(0)
        err = ctypes.c_void_p(None)
        if fn(self._h, ctypes.byref(out), ctypes.byref(err)) != 0:
            _raise(err)
        if not out.value:
            return None
        p = Plan.__new__(Plan)
        p._h = out.value
        return p

    def fresh(self) -> bool:
        """Whether compiling the same plan bytes now would give this plan (its files are
        unchanged and the result cache holds what it read and nothing it computes)."""
        _check_fork()
        return lib().flern_plan_fresh(self._h) == 1

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


def result_cache(op: str = "stats", key: str = "", budget: int = 0) -> dict:
    """Command the native result cache (golib/exec/resultcache.go): "stats", "clear",
    "drop" (``key``) or "budget" (``budget`` bytes); returns its statistics."""
    L = lib()
    err = ctypes.c_void_p(None)
    p = L.flern_result_cache(json.dumps({"op": op, "key": key, "budget": int(budget)}).encode(), ctypes.byref(err))
    if not p:
        _raise(err)
    return json.loads(_take_string(p))


def result_cache_drop(key: str) -> None:
    """Drop one result-cache entry (finalizers: no-op after fork or interpreter teardown)."""
    if _lib is not None and not _forked_after_load:
        try:
            result_cache("drop", key)
        except Exception:  # noqa: BLE001 - a finalizer must not raise
            pass


def compile_plan(plan: bytes, options: dict | None = None) -> Plan:
    return Plan(plan, options)


def run_plan(plan: Plan, inputs: Sequence[Any], n_outputs: int) -> list[pa.Table]:
    return plan.run(inputs, n_outputs)


# ---- GEMM: OpenBLAS from the scipy-openblas32 wheel, loaded at run time -----------------
def _openblas_path() -> str | None:
    """FLERN_OPENBLAS, else the scipy-openblas32 package's library (None if absent)."""
    path = os.environ.get("FLERN_OPENBLAS")
    if path:
        return path
    try:
        import scipy_openblas32 as sob
    except ImportError:
        return None
    import glob
    found = sorted(glob.glob(os.path.join(sob.get_lib_dir(), f"lib{sob.get_library()}*.so*")))
    return found[0] if found else None


def _load_blas(L: ctypes.CDLL) -> None:
    L.flern_blas_load.restype = ctypes.c_int
    L.flern_blas_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    L.flern_blas_backend.restype = ctypes.c_void_p
    L.flern_blas_backend.argtypes = []
    path = _openblas_path()
    if path is None:
        return  # gonum's pure-Go GEMM
    err = ctypes.c_void_p(None)
    if L.flern_blas_load(path.encode(), ctypes.byref(err)) != 0:
        import warnings
        warnings.warn(f"flern: could not load OpenBLAS ({path}); using the slower pure-Go GEMM", RuntimeWarning)
        L.flern_string_free(err.value)


def blas_backend() -> str:
    """The GEMM in use: "openblas (<path>)" or "gonum"."""
    L = lib()
    p = L.flern_blas_backend()
    s = ctypes.string_at(p).decode()
    L.flern_string_free(p)
    return s


# ---- Go-resident state and staged training (capi/flern.h) ----------------------------
# Rows from which permutation() draws natively: below, numpy's loop stays in cache and
# is as fast (251 rows: numpy 6 us, native 17 us with the state handed over; 100K rows:
# 1.5 ms both; 1M: numpy 34 ms, native 22 ms; 3M: numpy 170-250 ms, native 60-90 ms).
_NATIVE_PERM_MIN = 1 << 18


def permutation(rng: Any, n: int, out: Any = None) -> Any:
    """``rng.permutation(n)`` for a numpy Generator, the same values and the same generator
    state after, drawn by the native core when ``rng`` runs on PCG64 (numpy's default;
    interp.PCG64 draws a block ahead so the swaps' cache misses overlap: ~3x faster for
    millions of rows) and n is large; written into ``out`` (an int64 array of n) when given."""
    import numpy as np
    L = lib()
    bg = rng.bit_generator
    fn = getattr(L, "flern_pcg64_permutation", None)
    if fn is None or type(bg) is not np.random.PCG64 or n < max(2, _NATIVE_PERM_MIN):
        p = rng.permutation(n)
        if out is None:
            return p.astype(np.int64, copy=False)
        out[...] = p
        return out
    if not fn.argtypes:
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.c_int64, ctypes.c_void_p,
                       ctypes.POINTER(ctypes.c_void_p)]
    st = bg.state
    m64 = (1 << 64) - 1
    s, inc = st["state"]["state"], st["state"]["inc"]
    words = (ctypes.c_uint64 * 6)(s >> 64, s & m64, inc >> 64, inc & m64, int(st["has_uint32"]),
                                  int(st["uinteger"]))
    if out is None:
        out = np.empty(n, np.int64)
    if out.dtype != np.int64 or out.shape != (n,) or not out.flags.c_contiguous:
        raise ValueError("permutation: out must be a contiguous int64 array of n")
    err = ctypes.c_void_p()
    with bg.lock:
        if fn(words, n, out.ctypes.data, ctypes.byref(err)) != 0:
            _raise(err)
        bg.state = {"bit_generator": "PCG64", "state": {"state": (words[0] << 64) | words[1],
                    "inc": (words[2] << 64) | words[3]}, "has_uint32": int(words[4]), "uinteger": int(words[5])}
    return out


def _declare_state(L: ctypes.CDLL) -> None:
    i64, vp, cp = ctypes.c_int64, ctypes.c_void_p, ctypes.c_char_p
    i64p, errp = ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_void_p)
    L.flern_state_new.restype = ctypes.c_int
    L.flern_state_new.argtypes = [cp, vp, i64, vp, i64, i64p, errp]
    L.flern_state_write.restype = ctypes.c_int
    L.flern_state_write.argtypes = [i64, cp, vp, i64, vp, i64, errp]
    L.flern_state_info.restype = vp
    L.flern_state_info.argtypes = [i64, errp]
    L.flern_state_read.restype = ctypes.c_int
    L.flern_state_read.argtypes = [i64, vp, i64, errp]
    L.flern_state_release.restype = None
    L.flern_state_release.argtypes = [i64]
    L.flern_plan_run_step.restype = ctypes.c_int
    L.flern_plan_run_step.argtypes = [ctypes.c_size_t, ctypes.POINTER(vp), i64, ctypes.POINTER(vp), i64, errp]
    L.flern_trainer_new.restype = ctypes.c_int
    L.flern_trainer_new.argtypes = [ctypes.c_size_t, ctypes.c_size_t, cp, ctypes.POINTER(ctypes.c_size_t), errp]
    L.flern_trainer_epoch.restype = ctypes.c_int
    L.flern_trainer_epoch.argtypes = [ctypes.c_size_t, vp, i64, vp, i64, i64p, errp]
    L.flern_trainer_cancel.restype = None
    L.flern_trainer_cancel.argtypes = [ctypes.c_size_t]
    L.flern_trainer_release.restype = None
    L.flern_trainer_release.argtypes = [ctypes.c_size_t]


def _raw(a: Any) -> tuple[bytes, Any, int, Any, int]:
    """(dtype name, shape array, ndim, data pointer, nbytes) of a C-contiguous numpy array."""
    shape = (ctypes.c_int64 * max(1, a.ndim))(*a.shape)
    name = _DTYPE_NAMES.get(a.dtype)
    if name is None:
        name = a.dtype.name.encode()
    return name, shape, a.ndim, a.ctypes.data, a.nbytes


_DTYPE_NAMES: dict = {}  # numpy dtype -> its name as bytes (numpy's dtype.name is slow)


def _dtype_names() -> None:
    import numpy as np
    for n in ("float32", "float64", "int64", "int32", "bool"):
        _DTYPE_NAMES[np.dtype(n)] = n.encode()


_dtype_names()


def state_new(a: Any) -> int:
    """Copy a C-contiguous numpy array into the native state store; returns its key."""
    L = lib()
    key = ctypes.c_int64(0)
    err = ctypes.c_void_p(None)
    if L.flern_state_new(*_raw(a), ctypes.byref(key), ctypes.byref(err)) != 0:
        _raise(err)
    return key.value


def state_borrow(a: Any) -> int | None:
    """A state entry over a C-contiguous numpy array's buffer without copying it (the
    caller keeps ``a`` alive and unchanged while the entry lives); None when this
    library cannot (the caller copies with state_new)."""
    L = lib()
    fn = getattr(L, "flern_state_borrow", None)
    if fn is None:
        return None
    if not fn.argtypes:
        fn.restype = ctypes.c_int
        fn.argtypes = list(L.flern_state_new.argtypes)
    key = ctypes.c_int64(0)
    err = ctypes.c_void_p(None)
    if fn(*_raw(a), ctypes.byref(key), ctypes.byref(err)) != 0:
        _raise(err)
    return key.value


def state_write(key: int, a: Any) -> None:
    """Replace the store entry ``key`` with a copy of a C-contiguous numpy array."""
    L = lib()
    err = ctypes.c_void_p(None)
    if L.flern_state_write(key, *_raw(a), ctypes.byref(err)) != 0:
        _raise(err)


def state_read(key: int) -> Any:
    """A numpy copy of the store entry ``key``."""
    import numpy as np

    L = lib()
    err = ctypes.c_void_p(None)
    p = L.flern_state_info(key, ctypes.byref(err))
    if not p:
        _raise(err)
    info = json.loads(_take_string(p))
    out = np.empty(info["shape"], dtype=info["dtype"])
    if L.flern_state_read(key, out.ctypes.data, out.nbytes, ctypes.byref(err)) != 0:
        _raise(err)
    return out


def state_release(key: int) -> None:
    if _lib is not None and not _forked_after_load:
        _lib.flern_state_release(key)


def run_step(plan: Plan, inputs: Sequence[pa.Table], n_outputs: int) -> list[pa.Table]:
    """Run a plan whose state_write outputs stay in the store: only the other
    ``n_outputs`` outputs come back."""
    L = lib()
    in_structs = [ctypes.create_string_buffer(_STREAM_SIZE) for _ in inputs]
    for t, s in zip(inputs, in_structs):
        t.to_reader()._export_to_c(ctypes.addressof(s))
    out_structs = [ctypes.create_string_buffer(_STREAM_SIZE) for _ in range(n_outputs)]
    in_ptrs = (ctypes.c_void_p * max(1, len(inputs)))(*[ctypes.addressof(s) for s in in_structs])
    out_ptrs = (ctypes.c_void_p * max(1, n_outputs))(*[ctypes.addressof(s) for s in out_structs])
    err = ctypes.c_void_p(None)
    if L.flern_plan_run_step(plan._h, in_ptrs, len(inputs), out_ptrs, n_outputs, ctypes.byref(err)) != 0:
        _release_unconsumed(in_structs)
        _raise(err)
    return [pa.RecordBatchReader._import_from_c(ctypes.addressof(s)).read_all() for s in out_structs]


class Trainer:
    """A native staged-training loop (golib/exec/train.go) over compiled step plans."""

    def __init__(self, step: Plan, tail: Plan | None, spec: dict) -> None:
        L = lib()
        self._h = 0
        out = ctypes.c_size_t(0)
        err = ctypes.c_void_p(None)
        if L.flern_trainer_new(step._h, tail._h if tail is not None else 0, json.dumps(spec).encode(),
                               ctypes.byref(out), ctypes.byref(err)) != 0:
            _raise(err)
        self._h = out.value
        self._plans = (step, tail)

    def epoch(self, perm: Any, losses: Any) -> tuple[int, Exception | None]:
        """Run one epoch over ``perm`` (int64 numpy rows), writing step losses into
        ``losses`` (float64 numpy). Returns (steps done, error or None); releases the GIL."""
        L = lib()
        done = ctypes.c_int64(0)
        err = ctypes.c_void_p(None)
        rc = L.flern_trainer_epoch(self._h, perm.ctypes.data, len(perm), losses.ctypes.data, len(losses),
                                   ctypes.byref(done), ctypes.byref(err))
        if rc != 0:
            try:
                _raise(err)
            except errors.FlernError as e:
                return done.value, e
        return done.value, None

    def cancel(self) -> None:
        if self._h and _lib is not None:
            _lib.flern_trainer_cancel(self._h)

    def __del__(self) -> None:
        h, self._h = getattr(self, "_h", 0), 0
        if h and _lib is not None and not _forked_after_load:
            _lib.flern_trainer_release(h)
