"""Probes on every template: snapshot formats of the contract, filled with what the network computed."""

import math

import numpy as np
import pytest
import torch

from playground.data import DATASETS, make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, Trainer, default_config
from playground.train.probes import GRID, HIST_BINS, PROBE_SAMPLES, histograms, nice_range

SMALL = {"digits": {"n_samples": 300}, "shapes": {"n_samples": 200}, "reverse": {"n_samples": 200},
         "parity": {"n_samples": 200}, "spirals": {"n_samples": 200}}


def trained(name: str, steps: int = 3) -> Trainer:
    t = TEMPLATES[name]
    params = {**SMALL.get(t.dataset, {}), **t.dataset_params}
    bundle = make_dataset(t.dataset, params)
    config = default_config(DATASETS[t.dataset].category, **t.config)
    trainer = Trainer(t.build(), bundle, config)
    assert trainer.run(max_steps=steps, raise_errors=True) == "finished"
    return trainer


@pytest.fixture(scope="module", params=sorted(TEMPLATES))
def template_run(request):
    return request.param, trained(request.param)


def test_histograms_cover_every_parameter(template_run):
    _name, trainer = template_run
    # keyed as people read them ("fc1.weight"), whatever the module's own (node id) names are
    params = {trainer.model.readable_key(k): p for k, p in trainer.model.named_parameters()}
    assert all(key.split(".")[0] in trainer.labels.values() for key in params)
    for kind in ("weights", "grads"):
        step, hists = trainer.buffer.snapshot(kind)
        assert step == 3
        assert set(hists) == set(params), kind
        for key, h in hists.items():
            assert h["counts"].shape == (HIST_BINS,) and h["edges"].shape == (HIST_BINS + 1,)
            assert h["counts"].sum() == params[key].numel()
            assert np.all(np.diff(h["edges"]) > 0)
    assert next(s for s, _ in trainer.buffer.snapshot_history("weights")) == 0  # the starting weights
    assert len(trainer.buffer.snapshot_history("weights")) >= 2


def test_activations_of_every_node_on_the_probe_batch(template_run):
    name, trainer = template_run
    _step, acts = trainer.buffer.snapshot("activations")
    model = trainer.model
    floating = {nid for nid in model.node_names} | ({model.input_node}
                                                    if trainer.bundle.x_train.is_floating_point() else set())
    assert floating <= set(acts), name
    for nid, rec in acts.items():
        assert rec["label"] == trainer.labels[nid]
        shape = tuple(rec["shape"])
        assert rec["values"].dtype == np.float32
        assert rec["values"].shape[1:] == shape and 1 <= rec["values"].shape[0] <= PROBE_SAMPLES
        assert np.isfinite(rec["values"]).all()
        assert rec["mean"].ndim == 1
        if rec["type"] == "ReLU":
            assert 0.0 <= rec["dead_fraction"] <= 1.0
            assert rec["values"].min() >= 0
        else:
            assert rec["dead_fraction"] is None
    # the probe ran in eval mode and handed the model back in train mode, without taps
    assert model.training and not model.taps and not model.captured


def test_attention_maps_where_there_is_attention(template_run):
    name, trainer = template_run
    snap = trainer.buffer.snapshot("attention")
    if name not in ("transformer", "vit"):
        assert snap is None
        return
    _, data = snap
    blocks = [nid for nid, t in trainer.model.node_types.items() if t == "TransformerBlock"]
    assert set(data["maps"]) == set(blocks)
    for nid, m in data["maps"].items():
        s, heads, tq, tk = m.shape
        assert s == PROBE_SAMPLES and heads == 4 and tq == tk
        np.testing.assert_allclose(m.sum(-1), 1.0, atol=1e-4)  # softmax rows
        assert data["labels"][nid] == trainer.labels[nid]
    assert len(data["tokens"]) == PROBE_SAMPLES
    if name == "transformer":  # real symbols from the vocabulary, one per position
        vocab = set(trainer.bundle.meta["tokens"])
        assert all(len(row) == tk and set(row) <= vocab for row in data["tokens"])


def test_plane_probes_for_two_dimensional_data(template_run):
    name, trainer = template_run
    boundary, units = trainer.buffer.snapshot("boundary"), trainer.buffer.snapshot("units")
    if name != "mlp":
        assert boundary is None and units is None
        return
    _, b = boundary
    assert b["resolution"] == GRID and b["output"].shape == (GRID, GRID, 2)
    np.testing.assert_allclose(b["output"].sum(-1), 1.0, atol=1e-5)
    assert b["task"] == "classification" and b["num_classes"] == 2
    assert len(b["train_x"]) == len(b["train_y"]) and b["train_x"].shape[1] == 2
    assert b["extent"] == tuple(trainer.bundle.meta["extent"])
    _, u = units
    hidden = [nid for nid, t in trainer.model.node_types.items() if t in ("Linear", "Tanh")]
    assert set(hidden) <= set(u)
    for nid in hidden:
        width = trainer.model.output_shapes[nid]["out"][0]
        assert u[nid].shape == (width, GRID, GRID)


def test_boundary_matches_the_model_at_a_grid_point():
    trainer = trained("mlp", steps=20)
    _, b = trainer.buffer.snapshot("boundary")
    xmin, xmax, ymin, ymax = b["extent"]
    row, col = 10, 50  # rows run along y, columns along x
    point = torch.tensor([[xmin + (xmax - xmin) * col / (GRID - 1), ymin + (ymax - ymin) * row / (GRID - 1)]])
    trainer.model.eval()
    with torch.no_grad():
        expected = torch.softmax(trainer.model(point), -1)[0].numpy()
    trainer.model.train()
    np.testing.assert_allclose(b["output"][row, col], expected, atol=1e-5)


def test_modes_and_similarity_on_the_hierarchy(template_run):
    name, trainer = template_run
    modes, sim = trainer.buffer.snapshot("modes"), trainer.buffer.snapshot("similarity")
    if name != "deep_linear":
        assert modes is None and sim is None
        return
    _, m = modes
    p = len(trainer.bundle.meta["items"])
    assert m["strength"].shape == m["singular_values"].shape == m["analytic"].shape
    assert np.all(np.diff(m["singular_values"]) <= 1e-12)
    _, s = sim
    assert s["matrix"].shape == (p, p) and s["items"] == list(trainer.bundle.meta["items"])
    np.testing.assert_allclose(s["matrix"], s["matrix"].T, atol=1e-6)


def test_histogram_range_is_robust_and_counts_outliers():
    t = torch.randn(10_000, generator=torch.Generator().manual_seed(0))
    t[0] = 1e6  # one huge outlier must not squash the rest into one bin
    h = histograms({"w": t})["w"]
    assert h["edges"][-1] <= 5.0
    assert h["counts"].sum() == t.numel()
    assert h["counts"][-1] >= 1
    assert (h["counts"] > 0).sum() > 20
    assert [nice_range(v) for v in (0.3, 1.0, 1.7, 4.2, 0.0)] == [0.5, 1.0, 2.0, 5.0, 1.0]


def test_probes_do_not_change_the_training_curve():
    """Probe timing depends on the clock; the loss curve must not."""
    from playground.train import TrainConfig

    bundle = make_dataset("spirals", {"n_samples": 200})
    graph = TEMPLATES["mlp"].build()
    a = Trainer(graph, bundle, TrainConfig(batch_size=16, probe_every=1, eval_every=1), MetricsBuffer())
    b = Trainer(graph, bundle, TrainConfig(batch_size=16, probe_every=10**6, eval_every=10**6), MetricsBuffer())
    a.run(max_steps=30)
    b.run(max_steps=30)
    np.testing.assert_array_equal(a.buffer.series("train/loss")[1], b.buffer.series("train/loss")[1])
    assert math.isfinite(a.buffer.series("val/loss")[1][-1])
