"""``check`` passing means ``train --steps 1`` starts: every field of the saved trainer and optimizer
state is checked when the file is opened (issue 12 §5)."""

from __future__ import annotations

import functools

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.graph.model import Graph, Node, PortRef
from playground.session import Session, SessionError, load_session_bytes, session_bytes
from playground.train import TrainConfig


def net() -> Graph:
    g = Graph()
    chain = [("Input", "input", {}), ("Linear", "fc1", {"out_features": 4}), ("ReLU", "relu", {}),
             ("Linear", "head", {"out_features": 2}), ("Output", "output", {})]
    prev = None
    for i, (kind, label, params) in enumerate(chain):
        node = g.add_node(Node(f"n{i}", kind, label, params))
        if prev is not None:
            g.connect(PortRef(prev, "out"), PortRef(node.id, "in"))
        prev = node.id
    return g


@functools.cache
def trained(optimizer: str) -> bytes:
    s = Session(graph=net(), dataset="moons", dataset_params={"n_samples": 60},
                config=TrainConfig(optimizer=optimizer, momentum=0.5 if optimizer != "adam" else 0.0,
                                   batch_size=16, max_steps=100, device="cpu"))
    trainer = s.make_trainer()
    trainer.run(max_steps=5)
    s.capture(trainer)
    return session_bytes(s)


def paths(obj, prefix=()):
    """Every place in a state tree a value can be replaced."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def replaced(obj, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        return {**obj, head: replaced(obj[head], rest, value)}
    items = list(obj)
    items[head] = replaced(items[head], rest, value)
    return tuple(items) if isinstance(obj, tuple) else items


ODD_VALUES = st.sampled_from([
    "x", None, -1, 0, 7, 10**15, 1e30, float("nan"), float("inf"), True, [], {}, [0.9, "a"], (0.5,),
    torch.zeros(3), torch.zeros((), dtype=torch.float64), torch.ones(4, 2), torch.tensor(-3.0),
    torch.zeros(10, dtype=torch.uint8), "DELETE",
])


def starts_one_step(s: Session) -> None:
    trainer = s.make_trainer()
    before = trainer.step
    # a state may be valid yet make the run blow up (e.g. huge optimizer moments): then it must stop
    # cleanly on divergence, as `train` does (exit 3), never hang or raise
    state = trainer.run(max_steps=1, raise_errors=True, wait_when_paused=False)
    assert trainer.step == before + 1 or trainer.diverged_at is not None, state


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(optimizer=st.sampled_from(["adam", "sgd", "rmsprop"]), part=st.sampled_from(["trainer", "optimizer"]),
       data=st.data(), value=ODD_VALUES)
def test_a_state_that_passes_the_check_trains(optimizer, part, data, value):
    s = load_session_bytes(trained(optimizer))
    state = s.trainer_state if part == "trainer" else s.optimizer_state
    where = data.draw(st.sampled_from(list(paths(state))))
    if value == "DELETE":
        parent = functools.reduce(lambda o, k: o[k], where[:-1], state)
        if not isinstance(parent, dict):
            return
        mutated = replaced(state, where[:-1], {k: v for k, v in parent.items() if k != where[-1]})
    else:
        mutated = replaced(state, where, value)
    setattr(s, f"{part}_state", mutated)
    try:
        raw = session_bytes(s)
    except (ValueError, TypeError):
        return  # cannot even be written
    try:
        opened = load_session_bytes(raw)  # what `check` runs
    except SessionError as err:
        assert "\n" not in str(err)
        return
    starts_one_step(opened)  # then `train --steps 1` must start and take its step


@pytest.mark.parametrize("value", ["x", None, -4, 2.5])
def test_a_step_counter_that_is_not_a_count_is_refused_when_opened(value):
    s = load_session_bytes(trained("adam"))
    s.trainer_state["counters"]["step"] = value
    with pytest.raises(SessionError, match="counter 'step'"):
        load_session_bytes(session_bytes(s))


def test_string_betas_are_refused_when_opened():
    s = load_session_bytes(trained("adam"))
    s.optimizer_state["param_groups"][0]["betas"] = ("0.9", "0.999")
    with pytest.raises(SessionError, match="betas"):
        load_session_bytes(session_bytes(s))


def test_a_missing_optimizer_state_is_a_warning_and_the_counters_resume():
    s = load_session_bytes(trained("adam"))
    s.optimizer_state = None
    opened = load_session_bytes(session_bytes(s))
    assert any("optimizer state is missing" in w for w in opened.warnings)
    trainer = opened.make_trainer()
    assert trainer.step == 5
    starts_one_step(opened)
