"""The learning-dynamics prediction against an independent float64 gradient-descent reference.

The reference below trains the same initial weights (taken from a real Trainer, so the real
initialisation is what is predicted) by hand: full-batch gradient descent on the mean squared
error over samples and features, in float64, one step at a time, with no playground code.
"""

import importlib.util
import itertools
import json
import math

import numpy as np
import pytest
import torch

from playground.data import make_dataset
from playground.experiments.classics import half_rise
from playground.graph.edits import AddNode, Connect
from playground.graph.model import Graph, PortRef
from playground.graph.templates import TEMPLATES
from playground.train import Trainer, default_config
from playground.train.dynamics import ModePrediction, ModeTracker, linear_chain, modes_meta, predict_modes
from playground.train.metrics import MetricsBuffer

SEEDS = range(5)
LR = 0.2  # the deep-linear template's own learning rate
STEPS = 1300  # every mode of the default tree is past half strength by then


def reference_strengths(weights: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor, u: torch.Tensor,
                        v: torch.Tensor, lr: float, steps: int) -> np.ndarray:
    """Strengths u_αᵀ E[ŷ xᵀ] v_α after 0..steps steps of float64 gradient descent on W_L…W_1."""
    ws = [w.detach().double().clone() for w in weights]
    x, y = x.double(), y.double().reshape(len(y), -1)
    n, d = y.shape
    out = np.empty((steps + 1, u.shape[1]))
    for k in range(steps + 1):
        end_to_end = ws[0]
        for w in ws[1:]:
            end_to_end = w @ end_to_end
        pred = x @ end_to_end.T
        sigma = pred.T @ x / n
        out[k] = torch.einsum("ia,ij,ja->a", u.double(), sigma, v.double()).numpy()
        grad_end = (2.0 / (n * d)) * (pred - y).T @ x  # dL/d(end-to-end map)
        grads = []
        for i in range(len(ws)):
            below = torch.eye(ws[0].shape[1], dtype=torch.float64)
            for w in ws[:i]:
                below = w @ below
            above = torch.eye(ws[-1].shape[0], dtype=torch.float64)
            for w in reversed(ws[i + 1:]):
                above = above @ w
            grads.append(above.T @ grad_end @ below.T)
        for w, g in zip(ws, grads, strict=True):
            w -= lr * g
    return out


def distinct_modes(s: np.ndarray) -> list[int]:
    return [i for i in range(len(s)) if np.sum(np.isclose(s, s[i], rtol=1e-6)) == 1]


@pytest.fixture(scope="module")
def hierarchy():
    t = TEMPLATES["deep_linear"]
    return t, make_dataset(t.dataset, t.dataset_params)


def start_of(t, bundle, seed: int) -> tuple[Trainer, ModeTracker, ModePrediction]:
    config = default_config("hierarchical", **t.config).with_changes(seed=seed)
    trainer = Trainer(t.build(), bundle, config)
    tracker = ModeTracker(bundle.x_train, bundle.y_train)
    assert config.lr == LR
    prediction = tracker.start(trainer.model, 0, LR, tracker.strengths(trainer.model(tracker.x).detach()))
    return trainer, tracker, prediction


@pytest.fixture(scope="module")
def five_seeds(hierarchy):
    t, bundle = hierarchy
    runs = []
    for seed in SEEDS:
        trainer, tracker, prediction = start_of(t, bundle, seed)
        ref = reference_strengths(linear_chain(trainer.model), bundle.x_train, bundle.y_train,
                                  tracker.u, tracker.v, LR, STEPS)
        s = tracker.s.numpy()
        runs.append((tracker, prediction, ref, half_rise(np.arange(STEPS + 1.0), ref, s)))
    return runs


def test_predicted_half_rise_within_ten_percent_for_every_distinct_mode(five_seeds):
    for tracker, prediction, _, measured in five_seeds:
        s = tracker.s.numpy()
        distinct = distinct_modes(s)
        assert prediction.method == "two-layer" and len(distinct) >= 2  # the tree has two distinct modes
        predicted = prediction.half_rise_steps()
        assert np.isfinite(measured).all()
        for i in distinct:
            assert abs(predicted[i] / measured[i] - 1) < 0.10, (i, predicted[i], measured[i])


def test_the_whole_predicted_curve_follows_gradient_descent(five_seeds):
    """Not only the half-rise step: the overlay stays close at every step, modes of equal strength included."""
    for tracker, prediction, ref, measured in five_seeds:
        s = tracker.s.numpy()
        curves = prediction.curves(np.arange(STEPS + 1.0)).T
        assert np.max(np.abs(curves - ref) / s) < 0.10
        assert np.all(np.abs(prediction.half_rise_steps() / measured - 1) < 0.10)


def test_the_old_estimate_uTWv_would_fail_the_same_check(five_seeds):
    """The check has teeth: a0 = |uᵀW(0)v|-based timing misses by far more than 10 % on some mode."""
    worst = 0.0
    for tracker, prediction, ref, measured in five_seeds:
        s = tracker.s.numpy()
        naive = np.log(s / np.maximum(np.abs(ref[0]), 1e-12) - 1) / prediction.growth
        worst = max(worst, float(np.max(np.abs(naive / measured - 1))))
    assert worst > 0.10


def test_modes_rise_in_order_of_singular_value(five_seeds):
    for tracker, prediction, _, measured in five_seeds:
        s = tracker.s.numpy()
        levels = sorted(set(np.round(s, 6)), reverse=True)
        groups = [np.flatnonzero(np.isclose(s, level, atol=1e-6)) for level in levels]
        for stronger, weaker in itertools.pairwise(groups):
            assert measured[stronger].max() < measured[weaker].min()
        predicted = prediction.half_rise_steps()
        for stronger, weaker in itertools.pairwise(groups):
            assert predicted[stronger].max() < predicted[weaker].min()


STEP_SCHEDULED = importlib.util.find_spec("playground.train.schedule") is not None


@pytest.mark.parametrize("seed", [0, 3])
def test_half_rise_from_the_trainers_record_matches_the_per_step_reference(hierarchy, monkeypatch, seed):
    """The template's own run, as the app and CLI record it (step-scheduled, bounded)."""
    t, bundle = hierarchy
    config = default_config("hierarchical", **t.config).with_changes(seed=seed)
    if not STEP_SCHEDULED:  # the wall-clock-throttled record before issue 10: probe every 7th step
        from playground.train import trainer as trainer_module
        monkeypatch.setattr(trainer_module, "PROBE_BUDGET", 1e9)
        monkeypatch.setattr(trainer_module, "PROBE_MIN_SECONDS", 0.0)
        config = config.with_changes(epochs=0, max_steps=1302, probe_every=7)  # ≤ 200 kept snapshots
    trainer = Trainer(t.build(), bundle, config)
    steps = config.max_steps or trainer.data.steps_per_epoch * config.epochs
    tracker = trainer.modes
    assert tracker is not None
    ref = reference_strengths(linear_chain(trainer.model), bundle.x_train, bundle.y_train,
                              tracker.u, tracker.v, LR, steps)
    assert trainer.run() == "finished" and trainer.step == steps
    history = trainer.buffer.snapshot_history("modes")
    rec_steps = np.array([step for step, _ in history], dtype=np.float64)
    rec = np.stack([d["strength"] for _, d in history])
    assert len(history) >= 128 and rec_steps[0] == 0 and rec_steps[-1] == steps
    s = tracker.s.numpy()
    risen = [i for i in range(len(s)) if ref[-1, i] > s[i] / 2]
    assert len(risen) == len(s)  # every mode is learned within the run
    from_record = half_rise(rec_steps, rec, s)[risen]
    reference = half_rise(np.arange(steps + 1.0), ref, s)[risen]
    np.testing.assert_allclose(from_record, reference, rtol=0.01)
    analytic = np.stack([d["analytic"] for _, d in history])
    assert np.max(np.abs(rec - analytic) / s) < 0.10  # the recorded S-curves follow the overlay
    # every snapshot carries the prediction a view can mark; it matches the tracker's meta
    last = history[-1][1]
    meta = tracker.meta()
    assert meta is not None and json.loads(json.dumps(meta)) == meta
    assert modes_meta(last) == meta
    assert meta["tau_steps"] == pytest.approx(bundle.y_train.shape[1] / (2 * LR))
    predicted = np.array(meta["predicted_half_rise_steps"], dtype=float)
    np.testing.assert_allclose(predicted[risen[:2]], reference[:2], rtol=0.10)
    np.testing.assert_allclose(last["analytic"], tracker.prediction.curves(steps), rtol=1e-9)


def test_prediction_survives_a_save_and_reset(five_seeds):
    tracker, prediction, _, _ = five_seeds[0]
    restored = ModeTracker(tracker.x, tracker.y)
    restored.load_state(json.loads(json.dumps(tracker.state())))
    assert restored.prediction is not None
    np.testing.assert_allclose(restored.prediction.curves(np.arange(0, 1000.0, 7)),
                               prediction.curves(np.arange(0, 1000.0, 7)))
    restored.a0 = None  # what the Trainer does on reset: the next probe predicts afresh
    assert restored.prediction is None and restored.meta() is None


def _chain(widths: list[int], bias: bool = False, relu: bool = False) -> Graph:
    g = Graph()
    prev = AddNode("Input", {})
    prev.apply(g)
    ids = [prev.node_id]
    for i, w in enumerate(widths):
        for type_, params in (("Linear", {"out_features": w, "bias": bias}),
                              *((("ReLU", {}),) if relu and i < len(widths) - 1 else ())):
            add = AddNode(type_, params)
            add.apply(g)
            Connect(PortRef(ids[-1], "out"), PortRef(add.node_id, "in")).apply(g)
            ids.append(add.node_id)
    out = AddNode("Output", {})
    out.apply(g)
    Connect(PortRef(ids[-1], "out"), PortRef(out.node_id, "in")).apply(g)
    return g


def _probe_first(graph: Graph, bundle, lr: float) -> tuple[Trainer, ModeTracker]:
    config = default_config("hierarchical", **TEMPLATES["deep_linear"].config).with_changes(lr=lr)
    trainer = Trainer(graph, bundle, config)
    tracker = ModeTracker(bundle.x_train, bundle.y_train)
    trainer.model.eval()
    with torch.no_grad():
        tracker.probe(trainer.model, 0, lr, MetricsBuffer())
    return trainer, tracker


def test_one_layer_prediction_is_exact(hierarchy):
    _, bundle = hierarchy
    trainer, tracker = _probe_first(_chain([15]), bundle, 0.5)
    assert tracker.prediction is not None and tracker.prediction.method == "one-layer"
    ref = reference_strengths(linear_chain(trainer.model), bundle.x_train, bundle.y_train,
                              tracker.u, tracker.v, 0.5, 400)
    np.testing.assert_allclose(tracker.prediction.curves(np.arange(401.0)).T, ref,
                               atol=1e-5 * float(tracker.s[0]))


def test_deeper_chains_and_other_networks_get_a_shape_guide(hierarchy):
    _, bundle = hierarchy
    _, deep = _probe_first(_chain([32, 32, 15]), bundle, 0.2)
    _, relu = _probe_first(_chain([32, 15], relu=True), bundle, 0.2)
    _, biased = _probe_first(_chain([32, 15], bias=True), bundle, 0.2)
    assert deep.prediction is not None and deep.prediction.method == "deep-balanced"
    assert relu.prediction is not None and relu.prediction.method == "shape"
    assert biased.prediction is not None and biased.prediction.method == "shape"
    for tracker in (deep, relu, biased):
        assert tracker.prediction is not None
        s = tracker.s.numpy()
        half = tracker.prediction.half_rise_steps()
        assert np.all(np.isfinite(half)) and np.all(np.diff(half[distinct_modes(s)]) > 0)
        curves = tracker.prediction.curves(np.linspace(0, 3 * half.max(), 400))
        assert np.all(np.diff(curves, axis=1) >= -1e-12)  # rises monotonically ...
        np.testing.assert_allclose(tracker.prediction.curves(100 * half.max()), s, rtol=1e-3)  # ... to s
        assert math.isfinite(tracker.prediction.tau)


def test_modes_from_the_end_to_end_matrix_match_a_forward_pass(hierarchy):
    t, bundle = hierarchy
    trainer, tracker, _ = start_of(t, bundle, 1)
    with torch.no_grad():
        for w in linear_chain(trainer.model):
            w.add_(0.3 * torch.randn(w.shape, generator=torch.Generator().manual_seed(w.numel())))
    trainer.model.eval()
    with_forward, projected = MetricsBuffer(), MetricsBuffer()
    with torch.no_grad():
        tracker.probe(trainer.model, 7, LR, with_forward)
        tracker.probe(trainer.model, 7, LR, projected, with_similarity=False)
    a, b = with_forward.snapshot("modes")[1], projected.snapshot("modes")[1]
    np.testing.assert_allclose(b["strength"], a["strength"], rtol=1e-4, atol=1e-6)
    assert np.abs(a["strength"]).max() > 0.01  # a real signal, not two zeros
    np.testing.assert_array_equal(b["analytic"], tracker.prediction.curves(7.0 - tracker.prediction.t0))
    assert with_forward.snapshot("similarity") is not None and projected.snapshot("similarity") is None


@pytest.mark.parametrize("seed", [0, 1])
def test_three_layer_guide_times_the_strongest_mode_within_a_quarter(hierarchy, seed):
    _, bundle = hierarchy
    tracker = ModeTracker(bundle.x_train, bundle.y_train)
    g = torch.Generator().manual_seed(seed)
    weights = [torch.randn(shape, generator=g) * 0.05 for shape in ((32, 8), (32, 32), (15, 32))]
    ref = reference_strengths(weights, bundle.x_train, bundle.y_train, tracker.u, tracker.v, LR, 800)
    s = tracker.s.numpy()
    measured = half_rise(np.arange(801.0), ref, s)
    prediction = predict_modes(weights, tracker.u, tracker.s, tracker.v, tracker.scale, LR, 15, ref[0])
    assert prediction.method == "deep-balanced"
    assert abs(prediction.half_rise_steps()[0] / measured[0] - 1) < 0.25
