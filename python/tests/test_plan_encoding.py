"""The plan encoder (_graph.encode_plan) assembles the plan's JSON from per-node pieces, each
plain node's attributes encoded once: every plan it writes is byte for byte what the plain
json.dumps of the plan dict writes (REFERENCE below), across frame pipelines (a left merge
whose "matched" attribute is decided later), tensor hand-offs (KNOWN nodes), models (state
slot keys) and changed attributes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import flern.pandas as fpd
import flern.torch as ftorch
from flern import _collect, _graph
from flern._graph import KNOWN, MAGIC, VERSION, Node, PlanView, topo_order
from conftest import assert_frame_same


def reference_encode(outputs, known=True, state_keys=None, order=None):
    """The encoder as json.dumps of the whole plan dict (before per-node pieces)."""
    slots: dict = {}
    stop = KNOWN if known and len(KNOWN) else ()
    if order is None:
        order = topo_order(outputs, stop)
    known_ids = {id(k) for k in KNOWN.keys()} if stop else ()
    ids = {id(n): i for i, n in enumerate(order)}
    inputs, nodes = [], []
    view = PlanView(order, outputs)
    for i, n in enumerate(order):
        attrs = n.encode_attrs(view)
        if id(n) in known_ids:
            a = KNOWN[n]
            nodes.append({"id": i, "op": "source_tensor", "inputs": [], "loc": n.loc,
                          "attrs": {"dtype": a.dtype.name, "shape": [int(d) for d in a.shape], "input": len(inputs)}})
            inputs.append(None)
            continue
        if n.op in ("source", "source_tensor"):
            attrs = dict(attrs, input=len(inputs))
            inputs.append(n.data)
        elif state_keys is not None and n.op in ("state", "state_write"):
            k = attrs["key"]
            if k not in slots:
                slots[k] = -(len(slots) + 1)
                state_keys.append(k)
            attrs = dict(attrs, key=slots[k])
        nodes.append({"id": i, "op": n.op, "inputs": [ids[id(x)] for x in n.inputs], "attrs": attrs, "loc": n.loc})
    plan = {"magic": MAGIC, "version": VERSION, "nodes": nodes, "outputs": [ids[id(o)] for o in outputs]}
    return json.dumps(plan, allow_nan=False, separators=(",", ":")).encode(), inputs


@pytest.fixture
def checked(monkeypatch):
    """Every plan encoded while the test runs is compared with the reference encoding."""
    count = [0]
    real = _graph.encode_plan

    def encode(outputs, known=True, state_keys=None, order=None):
        ref_keys = None if state_keys is None else []
        want, want_in = reference_encode(outputs, known, ref_keys, order)
        got, got_in = real(outputs, known, state_keys, order)
        assert got == want
        assert ref_keys == state_keys and len(got_in) == len(want_in)
        count[0] += 1
        return got, got_in
    monkeypatch.setattr(_collect, "encode_plan", encode)
    return count


def pipeline(pd_):
    df = pd_.DataFrame({"k": ["a", "b", "a", "c"], "x": [1.0, 2.5, float("nan"), -4.0], "n": [1, 2, 3, 4]})
    df["y"] = (df["x"] - df["x"].mean()) / df["x"].std()
    codes = pd_.DataFrame({"k": ["a", "b", "c"], "code": np.arange(3, dtype=np.int64)})
    df = df.merge(codes, on="k", how="left")  # the left join's "matched": probed when encoded
    return df[df["n"] > 1][["y", "code", "n"]]


def test_frame_pipeline_encodes_as_the_reference(checked):
    assert_frame_same(pipeline(fpd), pipeline(pd))
    assert checked[0] > 3


def test_model_and_handoff_encode_as_the_reference(checked):
    ftorch.manual_seed(0)
    df = fpd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.5, -1.0, 2.0]})
    x = ftorch.from_numpy(df.to_numpy(dtype="float32"))  # a KNOWN hand-off node
    model = ftorch.nn.Sequential(ftorch.nn.Linear(2, 4), ftorch.nn.ReLU(), ftorch.nn.Linear(4, 1))
    opt = ftorch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):  # steps: state slot keys
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
    assert np.isfinite(loss.item())
    assert checked[0] > 2


def test_changed_attributes_encode_anew():
    n = Node("select", [Node("source", [], {"fields": []}, data=None, loc="t.py:1")], {"columns": ["a"]}, loc="t.py:2")
    first, _ = _graph.encode_plan([n])
    assert _graph.encode_plan([n])[0] == first
    n.attrs = dict(n.attrs, columns=["b"])  # a replaced dict (frame._pin_dummies does so)
    again, _ = _graph.encode_plan([n])
    assert again != first and b'"columns":["b"]' in again
    assert again == reference_encode([n])[0]


def test_left_join_matched_decided_after_a_plan_without_it(checked):
    """The left join's node first encodes without "matched" (the plan drops the column whose
    type it decides), then with it once a plan observes that column: the two encodings differ
    and the second gives pandas' int64 codes (every left key matches)."""
    def merged(pd_):
        left = pd_.DataFrame({"k": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]})
        codes = pd_.DataFrame({"k": ["a", "b"], "code": np.arange(2, dtype=np.int64)})
        return left.merge(codes, on="k", how="left")
    m, p = merged(fpd), merged(pd)
    assert_frame_same(m[["k", "x"]], p[["k", "x"]])
    assert_frame_same(m, p)
    assert str(m.to_pandas()["code"].dtype) == "int64"
