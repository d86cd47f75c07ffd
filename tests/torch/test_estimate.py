"""The training memory estimate (contract 6): what dominates, how much, refused over the budget."""

from __future__ import annotations

import pytest

from playground.data import make_dataset
from playground.graph.edits import AddNode, Connect
from playground.graph.model import Graph, PortRef
from playground.session import Session, SessionError
from playground.train import TrainConfig
from playground.train import estimate as est

SPIRALS = make_dataset("spirals", {"n_samples": 200})


def chain(*blocks):
    g = Graph()
    prev = None
    for type_, params in (("Input", {}), *blocks, ("Output", {})):
        add = AddNode(type_, dict(params))
        add.apply(g)
        if prev is not None:
            Connect(PortRef(prev, "out"), PortRef(add.node_id, "in")).apply(g)
        prev = add.node_id
    return g


def wide(units):
    return chain(("Linear", {"out_features": units}), ("ReLU", {}), ("Linear", {"out_features": 2}))


def test_a_wide_layer_is_named_with_its_units_and_refused_over_the_budget():
    e = est.estimate_training(wide(65_536), SPIRALS.task, TrainConfig(batch_size=32), samples=160, val_samples=40)
    assert e.largest == 'Linear "linear1" with 65,536 units'
    # the probes scale their inputs to PROBE_BYTES, so the views no longer cost gigabytes
    assert 0.4e9 < e.bytes < 2e9 and e.parts["the boundary view"] < 300e6
    with pytest.raises(est.MemoryBudgetError) as err:
        est.ensure_fits(e, budget=400 * 10**6)
    msg = str(err.value)
    assert msg.startswith('Linear "linear1" with 65,536 units needs ') and msg.endswith("; the limit is 400 MB")
    assert "\n" not in msg
    est.ensure_fits(e, budget=10**11)


def test_the_estimate_grows_with_what_training_holds():
    small = est.estimate_training(wide(16), SPIRALS.task, TrainConfig(), samples=160)
    assert small.bytes < 400 * 2**20  # the runtime and almost nothing else
    sgd = est.estimate_training(wide(4096), SPIRALS.task, TrainConfig(optimizer="sgd"), samples=160)
    adam = est.estimate_training(wide(4096), SPIRALS.task, TrainConfig(optimizer="adam"), samples=160)
    assert adam.parts["training"] > sgd.parts["training"]
    full = est.estimate_training(wide(4096), SPIRALS.task, TrainConfig(batch_size=0), samples=10_000)
    assert full.parts["training"] > adam.parts["training"]


def test_a_deep_chain_is_attributed_to_the_whole_network():
    e = est.estimate_training(chain(*[("Linear", {"out_features": 8})] * 299, ("Linear", {"out_features": 2})),
                              SPIRALS.task, TrainConfig(batch_size=32), samples=160)
    assert e.largest == "the network (300 blocks)"


def test_the_budget_can_be_set_and_follows_an_address_space_limit(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MEMORY_BUDGET", "3G")
    assert est.memory_budget() == 3 * 2**30
    est.set_memory_budget(12345678)
    try:
        assert est.memory_budget() == 12345678
    finally:
        est.set_memory_budget(None)
    monkeypatch.delenv("PLAYGROUND_MEMORY_BUDGET")
    assert est.memory_budget() <= est.physical_memory() // 4
    monkeypatch.setattr(est, "address_space_room", lambda: 2 * 10**9)
    assert est.memory_budget() == min(int(est.physical_memory() * 0.25), 10**9)
    assert est.parse_bytes("1.5 GB") == int(1.5 * 2**30) and est.parse_bytes("lots") is None


def test_a_session_refuses_to_build_a_trainer_that_would_not_fit():
    s = Session(graph=wide(65_536), dataset="spirals", dataset_params={"n_samples": 200},
                config=TrainConfig(batch_size=32))
    est.set_memory_budget(400 * 10**6)
    try:
        with pytest.raises(SessionError, match=r"65,536 units needs .* the limit is 400 MB"):
            s.make_trainer()
    finally:
        est.set_memory_budget(None)
