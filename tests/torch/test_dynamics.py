"""Deep-linear learning dynamics: the analytic mode strength against numerics and a real network."""

import math

import numpy as np
import pytest
import torch

from playground.data import make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import Trainer, default_config
from playground.train.dynamics import ModeTracker, integrate_mode_ode, mode_strength_curve, tau_steps


@pytest.mark.parametrize(("s", "a0", "tau"), [(1.0, 1e-3, 100.0), (0.3, 1e-4, 50.0), (2.0, 0.5, 10.0),
                                              (0.5, 0.9, 20.0)])
def test_analytic_strength_matches_the_integrated_ode(s, a0, tau):
    t_half = tau / (2 * s) * math.log(max(s / a0 - 1, 1.5))
    ts, numeric = integrate_mode_ode(s, a0, tau, t_end=t_half + 4 * tau / s, dt=0.01 * tau / s)
    analytic = mode_strength_curve(ts, s, a0, tau)
    assert np.max(np.abs(analytic - numeric)) < 1e-6 * s
    assert analytic[0] == pytest.approx(a0)
    assert analytic[-1] == pytest.approx(s, rel=1e-2)


def test_half_strength_time_and_ordering():
    tau = 100.0
    for s in (0.5, 1.0, 2.0):
        a0 = 1e-4
        t_half = tau / (2 * s) * math.log(s / a0 - 1)
        assert float(mode_strength_curve(t_half, s, a0, tau)) == pytest.approx(s / 2)
    # stronger modes are learned first: a stage-like sequence
    t = np.linspace(0, 5000, 200)
    curves = [mode_strength_curve(t, s, 1e-4, tau) / s for s in (1.0, 0.5, 0.25)]
    halves = [t[np.argmax(c > 0.5)] for c in curves]
    assert halves[0] < halves[1] < halves[2]
    assert tau_steps(0.05, 15) == pytest.approx(150.0)


def test_strengths_of_the_target_itself_are_the_singular_values():
    x = torch.eye(6)
    y = torch.randn(6, 4, generator=torch.Generator().manual_seed(0))
    tracker = ModeTracker(x, y)
    np.testing.assert_allclose(tracker.strengths(y), tracker.s.numpy(), rtol=1e-5)
    np.testing.assert_allclose(tracker.strengths(torch.zeros_like(y)), 0.0, atol=1e-12)


@pytest.fixture(scope="module")
def deep_linear_run():
    t = TEMPLATES["deep_linear"]
    bundle = make_dataset(t.dataset, t.dataset_params)
    config = default_config("hierarchical", **t.config).with_changes(
        optimizer="sgd", lr=0.1, momentum=0.0, epochs=0, max_steps=1600, probe_every=10)
    trainer = Trainer(t.build(), bundle, config)
    assert trainer.run() == "finished"  # the record is step-scheduled: no budgets to lift
    return trainer


def _half_times(history, which):
    steps = np.array([s for s, _ in history])
    values = np.array([d[which] for _, d in history])
    s = history[0][1]["singular_values"]
    return [steps[np.argmax(values[:, k] > s[k] / 2)] if (values[:, k] > s[k] / 2).any() else np.inf
            for k in range(len(s))]


def test_trained_deep_linear_net_follows_the_analytic_curves(deep_linear_run):
    history = deep_linear_run.buffer.snapshot_history("modes")
    assert len(history) > 100 and history[0][0] == 0
    s = history[0][1]["singular_values"]
    strongest = np.array([d["strength"][0] for _, d in history])
    predicted = np.array([d["analytic"][0] for _, d in history])
    assert np.max(np.abs(strongest - predicted)) < 0.1 * s[0]
    assert strongest[-1] == pytest.approx(s[0], rel=0.05)
    measured, analytic = _half_times(history, "strength"), _half_times(history, "analytic")
    distinct = [0, 1, 2]  # the tree's first three singular values differ
    assert measured[0] < measured[1] < measured[2] < 1600  # stage-like: strongest mode first
    for k in distinct[:2]:
        assert 0.7 < measured[k] / analytic[k] < 1.3


def test_loss_shows_stages_and_similarity_shows_the_tree(deep_linear_run):
    loss = deep_linear_run.buffer.series("train/loss")[1]
    drops = -np.diff(loss[::50])
    assert drops.max() > 5 * np.median(np.abs(drops))  # plateaus and sudden drops
    _, sim = deep_linear_run.buffer.snapshot("similarity")
    items = sim["items"]
    m = sim["matrix"]
    assert m.shape == (len(items), len(items))
    sibling, distant = items.index("1.1.2"), len(items) - 1
    assert items[0] == "1.1.1" and items[distant].startswith("2")
    assert m[0, sibling] > m[0, distant] + 0.2
