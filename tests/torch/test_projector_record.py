"""The "projection" record kind: every block's validation activations on their principal plane,
made at the record's due steps from the validation pass, the same in two runs with one seed, and
showing the classes of a trained spiral MLP pulled apart."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from playground.analysis.projector import projected_blocks, projected_points, separation
from playground.data import DATASETS, make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, Trainer, default_config
from playground.train.projection import PROJECTION_SAMPLES, align, principal_planes, wide_plane

STEPS = 600


def spiral_mlp(steps: int = STEPS) -> Trainer:
    t = TEMPLATES["mlp"]
    bundle = make_dataset(t.dataset, {**t.dataset_params, "n_samples": 600})
    config = default_config(DATASETS[t.dataset].category, **t.config).with_changes(
        max_steps=steps, epochs=0, device="cpu", seed=5)
    return Trainer(t.build(), bundle, config)


@pytest.fixture(scope="module")
def runs() -> tuple[Trainer, Trainer]:
    a, b = spiral_mlp(), spiral_mlp()
    a.run()
    b.run()
    return a, b


def test_it_is_recorded_at_every_due_step_of_the_validation_record(runs):
    a, _ = runs
    history = a.buffer.snapshot_history("projection")
    assert [s for s, _ in history] == a.buffer.recorded_steps("val/loss")
    _, snap = history[-1]
    labels = list(projected_blocks(snap).values())
    assert labels == ["input", "features", "fc1", "tanh1", "fc2", "tanh2", "head"]  # every block, in order
    n = min(PROJECTION_SAMPLES, a.bundle.n_val)
    assert np.array_equal(snap["targets"], a.bundle.y_val[:n].numpy())  # the first validation samples
    for rec in snap["blocks"].values():
        assert rec["points"].shape == (n, 2) and rec["points"].dtype == np.float32
        assert 0.0 <= rec["variance"][1] <= rec["variance"][0] <= 1.0


def test_two_runs_with_one_seed_record_the_same_projection_and_mistakes(runs):
    a, b = runs
    for kind in ("projection", "confusion"):
        ha, hb = a.buffer.snapshot_history(kind), b.buffer.snapshot_history(kind)
        assert [s for s, _ in ha] == [s for s, _ in hb] and ha, kind
        for (_, x), (_, y) in zip(ha, hb, strict=True):
            if kind == "projection":
                assert list(x["blocks"]) == list(y["blocks"])
                for nid in x["blocks"]:
                    np.testing.assert_array_equal(x["blocks"][nid]["points"], y["blocks"][nid]["points"])
            else:
                for key in x:
                    np.testing.assert_array_equal(x[key], y[key], err_msg=key)


def test_the_classes_separate_during_training(runs):
    """Measured on the head (the last block): the 16-unit hidden layers of this MLP separate the
    arms in 16 dimensions but not on their top two principal axes (their score falls)."""
    a, _ = runs
    history = a.buffer.snapshot_history("projection")
    (first_step, first), (last_step, last) = history[0], history[-1]
    assert first_step == 0 and last_step == STEPS
    hidden = next(nid for nid, label in projected_blocks(last).items() if label == "head")
    before, after = projected_points(first_step, first, hidden), projected_points(last_step, last, hidden)
    assert before is not None and after is not None
    score_before, score_after = separation(before.points, before.targets), separation(after.points, after.targets)
    assert score_after > 10 * score_before and score_after > 2.0, (score_before, score_after)
    assert a.buffer.series("val/accuracy")[1][-1] > 0.9


def test_successive_planes_are_turned_to_match_so_the_animation_does_not_flip(runs):
    a, _ = runs
    history = a.buffer.snapshot_history("projection")
    hidden = next(iter(history[-1][1]["blocks"]))
    for (_, x), (_, y) in itertools.pairwise(history):
        p, q = x["blocks"][hidden]["points"], y["blocks"][hidden]["points"]
        assert float((p * q).sum()) >= 0.0  # a flipped axis would make this negative


def test_the_plane_is_the_principal_plane():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 5, generator=g) * torch.tensor([5.0, 3.0, 1.0, 0.5, 0.1])
    coords, shares = principal_planes(x[None])
    # the same plane as an SVD's: equal coordinates up to the sign of each axis
    u, s, _ = torch.linalg.svd(x - x.mean(0), full_matrices=False)
    reference = u[:, :2] * s[:2]
    np.testing.assert_allclose(coords[0].abs().numpy(), reference.abs().numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(shares[0].numpy(), (s[:2] ** 2 / (s**2).sum()).numpy(), rtol=1e-4)
    wide = torch.randn(20, 300, generator=g)  # more features than samples: the samples × samples product
    w_coords, w_shares = wide_plane(wide)
    u, s, _ = torch.linalg.svd(wide - wide.mean(0), full_matrices=False)
    np.testing.assert_allclose(w_coords[0].abs().numpy(), (u[:, :2] * s[:2]).abs().numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(w_shares[0].numpy(), (s[:2] ** 2 / (s**2).sum()).numpy(), rtol=1e-4)
    # padding narrower blocks with zero features keeps their planes
    padded = torch.cat([x[:, :2], torch.zeros(200, 3)], 1)
    np.testing.assert_allclose(principal_planes(padded[None])[0][0].abs().numpy(),
                               principal_planes(x[None, :, :2])[0][0].abs().numpy(), rtol=1e-4, atol=1e-4)
    turned = align(-coords, coords, torch.tensor([True]))
    np.testing.assert_allclose(turned.numpy(), coords.numpy(), atol=1e-4)


def test_it_survives_export_and_import():
    trainer = spiral_mlp(20)
    trainer.run()
    meta, arrays = trainer.buffer.export_record()
    again = MetricsBuffer()
    again.import_record(meta, arrays)
    a, b = trainer.buffer.snapshot_at("projection", 12), again.snapshot_at("projection", 12)
    assert a is not None and b is not None and a[0] == b[0] == 12
    for nid, rec in a[1]["blocks"].items():
        np.testing.assert_array_equal(rec["points"], b[1]["blocks"][nid]["points"])
    np.testing.assert_array_equal(a[1]["targets"], b[1]["targets"])


def test_a_block_linalg_cannot_decompose_never_stops_the_record():
    # LAPACK's eigh gives up on some products (it raised inside a real training run); the record
    # must go on, with that block at the origin
    import torch

    from playground.train.projection import principal_planes, symmetric_eigh

    values, vectors = symmetric_eigh(torch.full((2, 3, 3), float("nan")))
    assert torch.equal(values, torch.zeros(2, 3)) and torch.equal(vectors[0], torch.eye(3))
    xs = torch.randn(3, 40, 5, generator=torch.Generator().manual_seed(0))
    xs[1, 7, 2] = float("inf")  # a diverged block beside two healthy ones
    points, shares = principal_planes(xs)
    assert torch.isfinite(points).all() and torch.isfinite(shares).all()
    healthy, _ = principal_planes(xs[[0, 2]])
    torch.testing.assert_close(points[[0, 2]].abs(), healthy.abs())
