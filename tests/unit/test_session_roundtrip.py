"""Save -> load gives back the same session: graph, settings, weights (bitwise), history, extras."""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.compile import compile_graph
from playground.data import load_csv, make_dataset
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.session import Session, load_session, load_session_bytes, save_session, session_bytes
from playground.train import MetricsBuffer, TrainConfig
from playground.train.config import DEVICES, INITS, OPTIMIZERS, SCHEDULES
from playground.train.optim import make_optimizer

SPIRALS = make_dataset("spirals", {"n_samples": 100})
ACTIVATIONS = ("ReLU", "Tanh", "GELU", "Sigmoid", "Identity")


def chain_graph(widths: list[int], acts: list[str], bias: bool) -> Graph:
    b = GraphBuilder().then("Input", "input", node_id="n0")
    for i, (w, act) in enumerate(zip(widths, acts, strict=True)):
        b.then("Linear", f"fc{i + 1}", pos=(100.0 * i, 10.5 * i), out_features=w, bias=bias)
        b.then(act, f"act{i + 1}", pos=(100.0 * i + 50, -3.25))
    b.then("Linear", "head", pos=(900.0, 0.0), out_features=2).then("Output", "output", pos=(1000.0, 0.0))
    return b.graph


def trained_session(steps: int = 20) -> Session:
    g = chain_graph([8, 8], ["Tanh", "ReLU"], True)
    s = Session(graph=g, dataset="spirals", dataset_params={"n_samples": 100},
                config=TrainConfig(batch_size=16, seed=3))
    trainer = s.make_trainer()
    trainer.run(max_steps=steps)
    s.capture(trainer)
    return s


def assert_same(a: Session, b: Session) -> None:
    assert b.graph.to_dict() == a.graph.to_dict()
    assert b.config == a.config
    assert (b.dataset, b.dataset_params) == (a.dataset, a.dataset_params)
    assert b.notes == a.notes and b.ui_state == a.ui_state
    assert _nan_equal(b.history, a.history)
    assert (a.weights is None) == (b.weights is None)
    if a.weights is not None:
        assert set(b.weights) == set(a.weights)
        for k, v in a.weights.items():
            assert b.weights[k].dtype == v.dtype
            assert b.weights[k].view(torch.uint8).equal(v.contiguous().view(torch.uint8)), k  # bitwise


def _nan_equal(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return (math.isnan(x) and math.isnan(y)) or x == y
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_nan_equal(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return len(x) == len(y) and all(_nan_equal(p, q) for p, q in zip(x, y, strict=True))
    return x == y


def test_trained_session_round_trips_through_a_file(tmp_path):
    s = trained_session()
    s.notes = "first try: tanh then relu — ünïcode ✓"
    s.ui_state = {"views": ["loss", "boundary"], "zoom": 1.25, "docks": {"left": [1, 2]}}
    s.runs = [{"label": "baseline", "config": s.config.to_dict(), "history": s.history}]
    path = tmp_path / "work.playground"
    save_session(s, path)
    back = load_session(path)
    assert_same(s, back)
    assert back.runs[0]["label"] == "baseline" and _nan_equal(back.runs[0]["history"], s.history)
    assert back.trainer_state["counters"]["step"] == 20
    assert back.optimizer_state["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples survive
    for pid, state in s.optimizer_state["state"].items():
        for name, value in state.items():
            assert torch.equal(back.optimizer_state["state"][pid][name], value)
    assert torch.equal(back.trainer_state["rng"]["torch"], s.trainer_state["rng"]["torch"])


def test_untrained_session_round_trips(tmp_path):
    s = Session(graph=chain_graph([4], ["ReLU"], False), dataset="spirals", dataset_params={"n_samples": 100})
    back = load_session_bytes(session_bytes(s))
    assert_same(s, back)
    assert back.weights is None and back.optimizer_state is None


def test_csv_session_embeds_its_data(tmp_path):
    csv = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{x:.3f},{y:.3f},{int(x > y)}" for x, y in rng.normal(size=(60, 2))]
    csv.write_text("\n".join(rows))
    bundle = load_csv(csv)
    s = Session(graph=chain_graph([4], ["ReLU"], True), dataset="csv", dataset_params={"path": str(csv)})
    s.embed_bundle(bundle)
    path = tmp_path / "csv.playground"
    save_session(s, path)
    csv.unlink()  # the session no longer needs the table
    back = load_session(path).bundle()
    for k in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(back, k), getattr(bundle, k))
    assert back.task == bundle.task


def test_history_with_nan_and_empty_series_survives():
    s = trained_session(steps=2)
    s.history["train/loss"]["values"][1] = float("nan")
    s.history["empty"] = {"steps": [], "values": [], "wall": [], "stride": [1.0]}
    back = load_session_bytes(session_bytes(s))
    assert math.isnan(back.history["train/loss"]["values"][1])
    assert back.history["empty"]["steps"] == []
    buffer = MetricsBuffer()
    buffer.import_history(back.history)
    assert "train/loss" in buffer.series_names()


configs = st.fixed_dictionaries({
    "optimizer": st.sampled_from(OPTIMIZERS), "lr": st.floats(1e-6, 10.0),
    "momentum": st.floats(0.0, 0.99), "schedule": st.sampled_from(SCHEDULES),
    "batch_size": st.integers(0, 512), "epochs": st.integers(0, 10_000),
    "weight_decay": st.floats(0.0, 1.0), "grad_clip": st.floats(0.0, 10.0),
    "init": st.sampled_from(INITS), "seed": st.integers(0, 2**31 - 1), "device": st.sampled_from(DEVICES),
})
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(widths=st.lists(st.integers(1, 24), min_size=0, max_size=3), data=st.data(), cfg=configs,
       bias=st.booleans(), notes=st.text(max_size=200),
       ui=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=4),
       with_optimizer=st.booleans())
def test_generated_sessions_round_trip(widths, data, cfg, bias, notes, ui, with_optimizer):
    acts = data.draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=len(widths), max_size=len(widths)))
    graph = chain_graph(widths, acts, bias)
    config = TrainConfig.from_dict(cfg)
    model = compile_graph(graph, SPIRALS.task)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape) * data.draw(st.floats(0.0, 100.0)))
    s = Session(graph=graph, dataset="spirals", dataset_params={"n_samples": 100}, config=config,
                weights=model.state_dict(), notes=notes, ui_state=ui)
    if with_optimizer:
        opt = make_optimizer(list(model.parameters()), config)  # the state must fit the settings
        model(SPIRALS.x_train[:8]).sum().backward()
        opt.step()
        s.weights = {k: v.clone() for k, v in model.state_dict().items()}
        s.optimizer_state = opt.state_dict()
        s.trainer_state = {"counters": {"step": 1, "epoch": 0}, "rng": {"torch": torch.get_rng_state()},
                           "sampler": {"epoch": 0, "pos": 0, "perm": None,
                                       "generator": torch.Generator().get_state()},
                           "odd": {3: (1.5, None, float("inf")), "$x": [np.arange(3)]}}
    back = load_session_bytes(session_bytes(s))
    assert_same(s, back)
    if with_optimizer:
        assert back.trainer_state["odd"][3] == (1.5, None, float("inf"))
        assert np.array_equal(back.trainer_state["odd"]["$x"][0], np.arange(3))
        assert back.optimizer_state["param_groups"] == s.optimizer_state["param_groups"]
