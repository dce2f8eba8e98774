"""The lazy graph: nodes recorded by the user API, and the plan encoder.

Every DataFrame/Series call records a :class:`Node` (op, inputs, attributes,
the user's ``file:line``). Nothing runs until a result is needed; then
:func:`encode_plan` serializes the nodes reachable from the requested outputs.

Plan wire format, version 1 (decoder: golib/ir/wire/wire.go — keep in step)::

    {"magic": "flern-plan", "version": 1,
     "nodes": [{"id": 0, "op": "scan_csv", "inputs": [], "attrs": {...}, "loc": "etl.py:12"}, ...],
     "outputs": [3]}

Nodes are topologically ordered and ids equal positions. Expressions inside
attributes are ``{"k": "col", "name": ...}``, ``{"k": "lit", "t": dtype,
"v": "<value as string>"}`` or ``{"k": "call", "fn": ..., "args": [...],
"opts": {...}}``; projection lists are ``[{"name": ..., "expr": expr}]``.
Source nodes (``source`` for frames, ``source_tensor`` for tensors) carry their
in-memory data (a pyarrow Table; for a tensor, one column of its elements in
row-major order) outside the JSON: the k-th source's table is run input k.
"""

from __future__ import annotations

import json
import os
import sys
import weakref
from typing import Any, Iterable

MAGIC = "flern-plan"
VERSION = 1

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


_IN_PKG: dict[str, bool] = {}  # code file name -> whether it is part of the flern package


def user_location() -> str:
    """``"file.py:line"`` of the innermost stack frame outside the flern package."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        inside = _IN_PKG.get(fn)
        if inside is None:
            inside = _IN_PKG[fn] = os.path.abspath(fn).startswith(_PKG_DIR + os.sep)
        if not inside:
            return f"{fn}:{f.f_lineno}"
        f = f.f_back
    return ""


class Node:
    """One recorded operation.

    Attributes:
        op: IR op name (see golib/frame/frame.go for the op table).
        inputs: input nodes.
        attrs: JSON-able attributes (expressions as their wire dicts).
        loc: the user's source location that recorded the node.
        data: for ``source`` nodes, the pyarrow Table to feed as input.
    """

    __slots__ = ("op", "inputs", "attrs", "loc", "data", "_enc", "__weakref__")

    def __init__(self, op: str, inputs: Iterable["Node"] = (), attrs: dict | None = None,
                 data: Any = None, loc: str | None = None) -> None:
        self.op = op
        self.inputs = tuple(inputs)
        self.attrs = attrs or {}
        self.loc = user_location() if loc is None else loc
        self.data = data
        self._enc = None  # (attrs, op, loc, and the node's JSON around its id and inputs): encode_plan

    def __repr__(self) -> str:
        return f"Node({self.op}, {len(self.inputs)} inputs, at {self.loc})"

    def encode_attrs(self, plan: "PlanView") -> dict:
        """The attributes to encode in ``plan`` (a node may leave out what no reader in
        that plan observes, see frame._LeftJoinNode)."""
        return self.attrs


class PlanView:
    """The plan being encoded: its nodes, outputs and each node's readers."""

    __slots__ = ("order", "outputs", "_readers")

    def __init__(self, order: list[Node], outputs: list[Node]) -> None:
        self.order = order
        self.outputs = {id(o) for o in outputs}
        self._readers: dict[int, list[Node]] | None = None

    def readers(self, node: Node) -> list[Node]:
        """The plan's nodes that take ``node`` as an input (once per input slot)."""
        if self._readers is None:
            self._readers = {}
            for n in self.order:
                for i in n.inputs:
                    self._readers.setdefault(id(i), []).append(n)
        return self._readers.get(id(node), [])


# Nodes whose values are already known (numpy arrays): the frame -> tensor
# hand-off of an array that to_numpy() materialized (_handoff.py). A plan that
# runs reads them as source_tensor inputs instead of recomputing their inputs.
KNOWN: "weakref.WeakKeyDictionary[Node, Any]" = weakref.WeakKeyDictionary()


def topo_order(outputs: list[Node], stop: Any = ()) -> list[Node]:
    """Nodes reachable from outputs, inputs before users (iterative DFS); the
    inputs of nodes in ``stop`` are not visited."""
    order: list[Node] = []
    state: dict[int, int] = {}
    if stop is KNOWN:  # membership by id: a WeakKeyDictionary lookup builds a weak reference
        stop = {id(k) for k in KNOWN.keys()}
    elif stop:
        stop = {id(k) for k in stop}
    for root in outputs:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            key = id(node)
            if done:
                if state.get(key) != 2:
                    state[key] = 2
                    order.append(node)
                continue
            if key in state:
                continue
            state[key] = 1
            stack.append((node, True))
            if key in stop:
                continue
            for inp in reversed(node.inputs):
                if id(inp) not in state:
                    stack.append((inp, False))
    return order


def plan_order(outputs: list[Node], known: bool = True) -> list[Node]:
    """The nodes a plan for ``outputs`` encodes, in order (with ``known``, the inputs of
    nodes with a KNOWN value are left out: those nodes are encoded as source_tensor)."""
    return topo_order(outputs, KNOWN if known and len(KNOWN) else ())


def encode_plan(outputs: list[Node], known: bool = True,
                state_keys: list[int] | None = None, order: list[Node] | None = None) -> tuple[bytes, list[Any]]:
    """Serialize the plan for ``outputs``; returns (plan bytes, input tables).
    With ``known``, nodes with a KNOWN value are encoded as source_tensor. With a
    ``state_keys`` list, state/state_write nodes are encoded with slot keys -1, -2, ... (in
    order of first appearance) and their real keys appended to the list, so that the same
    step over another model's parameters encodes to the same bytes (Plan.rebind binds them).
    ``order``: plan_order(outputs, known), when the caller has it."""
    slots: dict[int, int] = {}
    stop = KNOWN if known and len(KNOWN) else ()
    if order is None:
        order = topo_order(outputs, stop)
    known_ids = {id(k) for k in KNOWN.keys()} if stop else ()
    ids = {id(n): i for i, n in enumerate(order)}
    inputs: list[Any] = []
    parts = []
    view = PlanView(order, outputs)
    for i, n in enumerate(order):
        attrs = n.encode_attrs(view)
        if id(n) in known_ids:
            a = KNOWN[n]
            import pyarrow as pa
            attrs = {"dtype": a.dtype.name, "shape": [int(d) for d in a.shape], "input": len(inputs)}
            parts.append('{"id":' + str(i) + ',"op":"source_tensor","inputs":[],"loc":' + _dumps(n.loc)
                         + ',"attrs":' + _dumps(attrs) + "}")
            inputs.append(pa.table({"data": pa.array(a.reshape(-1))}))
            continue
        if n.op in ("source", "source_tensor"):
            attrs = dict(attrs, input=len(inputs))
            inputs.append(n.data)
        elif state_keys is not None and n.op in ("state", "state_write"):
            k = attrs["key"]
            slot = slots.get(k)
            if slot is None:
                slot = slots[k] = -(len(slots) + 1)
                state_keys.append(k)
            attrs = dict(attrs, key=slot)
        elif type(n) is Node and attrs is n.attrs:
            # A plain node's attributes do not change once recorded (a node that decides
            # one later, frame._LeftJoinNode, is a subclass; a replaced dict is a new
            # object): their JSON is made once per node, not once per plan that holds it.
            enc = n._enc
            if enc is None or enc[0] is not attrs or enc[1] is not n.op or enc[2] is not n.loc:
                enc = n._enc = (attrs, n.op, n.loc, ',"op":' + _dumps(n.op) + ',"inputs":[',
                                '],"attrs":' + _dumps(attrs) + ',"loc":' + _dumps(n.loc) + "}")
            parts.append('{"id":' + str(i) + enc[3] + ",".join([str(ids[id(x)]) for x in n.inputs]) + enc[4])
            continue
        parts.append(_node_json(i, n.op, [ids[id(x)] for x in n.inputs], _dumps(attrs), n.loc))
    plan = (_PLAN_HEAD + ",".join(parts) + '],"outputs":' + _dumps([ids[id(o)] for o in outputs]) + "}")
    return plan.encode(), inputs


# The plan's JSON is assembled from each node's, byte for byte what
# json.dumps(plan, allow_nan=False, separators=(",", ":")) writes for the dict
# {"magic", "version", "nodes": [{"id", "op", "inputs", "attrs", "loc"}, ...], "outputs"}.
_dumps = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode
_PLAN_HEAD = '{"magic":' + _dumps(MAGIC) + ',"version":' + _dumps(VERSION) + ',"nodes":['


def _node_json(i: int, op: str, inputs: Any, attrs_json: str, loc: str) -> str:
    return ('{"id":' + str(i) + ',"op":' + _dumps(op) + ',"inputs":[' + ",".join(map(str, inputs))
            + '],"attrs":' + attrs_json + ',"loc":' + _dumps(loc) + "}")
