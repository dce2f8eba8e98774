"""flern's exception hierarchy.

Every error raised while compiling or running a plan is a :class:`FlernError`
that names the problem and the user's own source line that recorded the
failing operation (``loc``), not the line that triggered execution. Each class
also derives from the builtin exception pandas would raise in the same
situation, so ``except KeyError`` keeps working.
"""

from __future__ import annotations


class FlernError(Exception):
    """Base class of all flern errors.

    Attributes:
        kind: the native error kind (``"ColumnNotFound"``, ``"Parse"``, ...).
        op: the IR op that failed, if known.
        loc: ``"file.py:line"`` of the user's call that recorded that op.
    """

    def __init__(self, message: str, *, kind: str = "", op: str = "", loc: str = "") -> None:
        self.message = message
        self.kind = kind
        self.op = op
        self.loc = loc
        super().__init__(message)

    def __str__(self) -> str:
        s = self.message
        if self.loc:
            where = f"{self.op} at {self.loc}" if self.op else self.loc
            s = f"{s}\n  (recorded by {where})"
        return s


class ColumnNotFoundError(FlernError, KeyError):
    """A column (or index label) that does not exist was referenced."""


class FlernTypeError(FlernError, TypeError):
    """An operation was applied to values of an unsupported type."""


class ParseError(FlernError, ValueError):
    """Input data (CSV, ...) is malformed."""


class FlernValueError(FlernError, ValueError):
    """A value is invalid for the operation (bad conversion, bad argument)."""


class FlernIndexError(FlernError, IndexError):
    """An index is out of range or of the wrong kind (tensor indexing)."""


class FlernFileNotFoundError(FlernError, FileNotFoundError):
    """An input file does not exist or cannot be read."""


class FlernNotImplementedError(FlernError, NotImplementedError):
    """The call is valid pandas/PyTorch but flern does not support it (yet)."""


class FlernUnsupportedAttributeError(FlernNotImplementedError, AttributeError):
    """An attribute pandas/PyTorch has that flern does not (yet): a NotImplementedError naming
    it, and an AttributeError too, so that ``hasattr()`` (duck typing) answers False."""


class InternalError(FlernError, RuntimeError):
    """A bug inside flern (including a recovered panic in the native core)."""


class ForkError(FlernError, RuntimeError):
    """flern's native core was used in a forked child process."""


class CancelledError(FlernError, RuntimeError):
    """A run was cancelled (for example by Ctrl-C)."""


class FlernMemoryError(FlernError, MemoryError):
    """A run needed more memory than the memory limit (``FLERN_MEMORY_LIMIT``) allows."""


_KINDS = {
    "ColumnNotFound": ColumnNotFoundError,
    "Type": FlernTypeError,
    "Parse": ParseError,
    "Value": FlernValueError,
    "Index": FlernIndexError,
    "IO": FlernFileNotFoundError,
    "NotImplemented": FlernNotImplementedError,
    "Internal": InternalError,
    "Cancelled": CancelledError,
    "Memory": FlernMemoryError,
}


def from_native(kind: str, message: str, op: str = "", loc: str = "") -> FlernError:
    """Build the exception for a native error report."""
    cls = _KINDS.get(kind, InternalError)
    return cls(message, kind=kind, op=op, loc=loc)


def unsupported_attribute(what: str) -> FlernUnsupportedAttributeError:
    """The error raised for an attribute of a pandas/PyTorch object flern does not have."""
    return FlernUnsupportedAttributeError(
        f"{what} is not supported by flern (yet); use .to_pandas() / .numpy() to continue in pandas / PyTorch",
        kind="NotImplemented",
    )


def not_implemented(what: str) -> FlernNotImplementedError:
    """The error raised for a pandas/PyTorch call flern does not support."""
    return FlernNotImplementedError(
        f"{what} is not supported by flern (yet); use .to_pandas() to continue in pandas",
        kind="NotImplemented",
    )
