"""The optimizer base class: fused, Go-resident updates.

Parameters, their gradients and the optimizer's buffers live in the native
state store (:mod:`flern._state`). ``step()`` records ONE fused update node
per parameter (``sgd_update``/``adam_update``/``adamw_update``/
``rmsprop_update``, golib/tensor/optim.go) that reads the parameter, its
gradient, the group's learning rate (a store entry, so a scheduler changes it
without a recompile), the step counter and the buffers, and writes the new
parameter and gradient back into the store. The forward/backward/update graph
of a step is compiled once and reused while its structure repeats (plan cache,
``_collect.cached_plan``); nothing is copied to Python except the losses that
``backward()`` was called on (so ``loss.item()`` after ``step()`` is free).
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .. import _collect, _state
from .._graph import Node
from ..tensor import Tensor

__all__ = ["Optimizer"]


class _ParamState:
    """The store entries of one parameter's optimizer state."""

    __slots__ = ("step", "buffers", "grad")

    def __init__(self, p: Any, names: tuple[str, ...]) -> None:
        self.step = _state.scalar(0, "int64")
        shape, dtype = p._entry.shape, p._entry.dtype
        self.buffers = {n: _state.StateEntry(np.zeros(shape, dtype)) for n in names}
        self.grad: _state.StateEntry | None = None


class Optimizer:
    """Base class: ``param_groups`` (list of dicts with "params" and the
    hyper-parameters), ``state`` (parameter -> dict of numpy copies),
    ``zero_grad``, ``step``, ``state_dict``/``load_state_dict``.

    Subclasses set ``_op`` (the fused update op), ``_buffers`` (the names of
    its per-parameter buffers, in the op's input order) and ``_attrs(group)``.
    """

    _op = ""
    _buffers: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = dict(defaults)
        self._pstate: dict[int, _ParamState] = {}
        self._lr: dict[int, tuple[float, _state.StateEntry]] = {}
        self.param_groups: list[dict] = []
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict) -> None:
        group = dict(group)
        ps = group["params"]
        group["params"] = [ps] if isinstance(ps, Tensor) else list(ps)
        for p in group["params"]:
            if not isinstance(p, Tensor) or not hasattr(p, "_entry"):
                from ..errors import not_implemented
                raise not_implemented("optimizing a tensor that is not an nn.Parameter")
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self.param_groups.append(group)

    def _attrs(self, group: dict) -> dict:
        raise NotImplementedError

    # ---- state --------------------------------------------------------------------
    @property
    def state(self) -> dict:
        """parameter -> {"step": float, buffer name: numpy copy} (read from the store)."""
        out = {}
        for g in self.param_groups:
            for p in g["params"]:
                st = self._pstate.get(id(p))
                if st is not None:
                    out[p] = {"step": float(st.step.read()), **{k: e.read() for k, e in st.buffers.items()}}
        return out

    def _param_state(self, p: Any) -> _ParamState:
        st = self._pstate.get(id(p))
        if st is None:
            st = _ParamState(p, self._buffers)
            self._pstate[id(p)] = st
        return st

    def _lr_node(self, gi: int, group: dict) -> Node:
        lr = float(group["lr"])
        cur = self._lr.get(gi)
        if cur is None:
            cur = (lr, _state.StateEntry(np.array([lr], np.float64)))
        elif cur[0] != lr:
            cur[1].write(np.array([lr], np.float64))
            cur = (lr, cur[1])
        self._lr[gi] = cur
        return cur[1].node

    def _sync_lr(self) -> None:
        """Write every group's current lr into its store entry (staged loops)."""
        for gi, g in enumerate(self.param_groups):
            self._lr_node(gi, g)

    # ---- the step -------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        from ..nn.modules import _zero_grad
        for g in self.param_groups:
            for p in g["params"]:
                _zero_grad(p, set_to_none)

    def _record(self, write_grads: bool = True) -> tuple[list[Node], Any]:
        """The update graph for every parameter with a gradient: (state_write
        outputs, commit callback to run after the plan ran)."""
        outs: list[Node] = []
        done: list[tuple[Any, _ParamState]] = []
        for gi, group in enumerate(self.param_groups):
            lr = self._lr_node(gi, group)
            attrs = self._attrs(group)
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                st = self._param_state(p)
                upd = Node(self._op, [p._node, g._node, lr, st.step.node] + [e.node for e in st.buffers.values()],
                           attrs, loc=g._node.loc)
                outs.append(p._entry.write_node(upd))
                if write_grads:
                    if st.grad is None:
                        st.grad = _state.StateEntry(np.zeros(p._entry.shape, p._entry.dtype))
                    outs.append(st.grad.write_node(g._node))
                done.append((p, st))

        def commit() -> None:
            for p, st in done:
                p._after_write()
                st.step.bump()
                for e in st.buffers.values():
                    e.bump()
                if write_grads:
                    p.grad = Tensor._from_node(st.grad.bump(), track=False)
                else:
                    p.grad = None
        commit.params = [p for p, _ in done]  # type: ignore[attr-defined] (flern.staged's per-call commit)
        return outs, commit

    def step(self, closure: Any = None):
        """One fused update of every parameter with a gradient (runs the step's
        forward, backward and update graph in the native core)."""
        loss = None
        if closure is not None:
            from ..tensor import enable_grad
            with enable_grad():
                loss = closure()
        from ..staged import current
        stage = current()
        if stage is not None:  # inside @flern.staged: record the update, the staged run applies it
            outs, commit = self._record(write_grads=False)
            stage.add_update(self, outs, commit)
            return loss
        outs, commit = self._record()
        if outs:
            _collect.run_step(outs + _loss_roots(self.param_groups))
            commit()
        return loss

    # ---- (de)serialization -----------------------------------------------------------
    def state_dict(self) -> dict:
        """torch's layout: {"state": {index: {"step", buffers...}}, "param_groups": [...]}
        with numpy arrays (load into torch with torch.as_tensor)."""
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({k: v for k, v in g.items() if k != "params"} | {"params": ids})
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                st = self._pstate.get(id(p))
                if st is not None:
                    state[index[id(p)]] = {"step": np.asarray(float(st.step.read()), np.float32),
                                           **{k: e.read() for k, e in st.buffers.items()}}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state dict from :meth:`state_dict` or from torch's optimizer of
        the same kind (tensors are converted through numpy)."""
        from ..nn.modules import _to_numpy
        params = [p for g in self.param_groups for p in g["params"]]
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, saved in zip(self.param_groups, groups):
            if len(g["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
            g.update({k: v for k, v in saved.items() if k != "params"})
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            st = self._param_state(p)
            st.step.write(np.asarray(int(round(float(_to_numpy(s["step"])))), np.int64))
            for k, e in st.buffers.items():
                if k in s:
                    e.write(_to_numpy(s[k]).astype(e.dtype))

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _loss_roots(groups: list[dict]) -> list[Node]:
    """The nodes backward() was called on (found through the grad nodes), so
    the step computes them too and a later ``loss.item()`` reads the result."""
    roots: dict[int, Node] = {}
    for g in groups:
        for p in g["params"]:
            gr = p.grad
            stack = [gr._node] if gr is not None else []
            while stack:
                n = stack.pop()
                if n.op == "grad":
                    roots.setdefault(id(n.inputs[0]), n.inputs[0])
                elif n.op == "add":
                    stack.extend(n.inputs)
    return [n for n in roots.values() if n not in _collect._RESULTS]
