"""Row lineage: when may an expression recorded on one frame be used on another?

pandas aligns Series by index labels. flern supports the overwhelmingly
common case without a join: both frames are the same rows because one was
derived from the other through column-only operations (assign, select,
rename, drop_columns, project) that leave the expression's columns unchanged.
Anything else raises NotImplementedError rather than guessing.
"""

from __future__ import annotations

from ._expr import Expr
from ._graph import Node
from .errors import not_implemented

_COLUMN_ONLY = {"assign", "select", "drop_columns", "rename", "project"}


def _survives(node: Node, cols: set) -> bool:
    """Do columns ``cols`` of node's input reach node's output unchanged?"""
    a = node.attrs
    if node.op == "assign":
        return not (cols & {e["name"] for e in a["exprs"]})
    if node.op == "select":
        return cols <= set(a["columns"])
    if node.op == "drop_columns":
        return not (cols & set(a["columns"]))
    if node.op == "rename":
        m = a["mapping"]
        return not (cols & set(m)) and not (cols & set(m.values()))
    if node.op == "project":
        keep = {e["name"] for e in a["exprs"] if e["expr"] == {"k": "col", "name": e["name"]}}
        return cols <= keep
    return False


def _descends(desc: Node, anc: Node, cols: set) -> bool:
    node = desc
    while node is not anc:
        if node.op not in _COLUMN_ONLY or not _survives(node, cols):
            return False
        node = node.inputs[0]
    return True


def rebase(expr: Expr, frame: Node, target: Node) -> Expr | None:
    """``expr`` (recorded on ``frame``) as an expression valid on ``target``, or None."""
    if frame is target:
        return expr
    cols = expr.columns()
    if _descends(target, frame, cols) or _descends(frame, target, cols):
        return expr
    return None


def rebase_or_raise(expr: Expr, frame: Node, target: Node, what: str) -> Expr:
    e = rebase(expr, frame, target)
    if e is None:
        raise not_implemented(
            f"{what} with a Series from a different frame (pandas would align on the index)")
    return e


def common_frame(fa: Node, ea: Expr, fb: Node, eb: Expr, what: str) -> tuple[Node, Expr, Expr]:
    """A frame on which both expressions are valid."""
    if fa is fb:
        return fa, ea, eb
    if _descends(fa, fb, eb.columns()):  # fa derives from fb and eb's columns survive
        return fa, ea, eb
    if _descends(fb, fa, ea.columns()):
        return fb, ea, eb
    raise not_implemented(f"{what} between Series of different frames (pandas would align on the index)")
