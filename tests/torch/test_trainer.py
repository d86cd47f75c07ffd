"""Trainer: real training on real datasets — settings, optimizers, determinism, resume, metrics."""

import dataclasses
import itertools
import math
import tracemalloc

import numpy as np
import pytest
import torch

from playground.compile.compiler import CompileError
from playground.data import make_dataset
from playground.graph.builder import chain_graph
from playground.graph.model import Graph
from playground.graph.templates import TEMPLATES
from playground.train import ConfigError, MetricsBuffer, TrainConfig, Trainer, default_config
from playground.train.optim import lr_at

chain = chain_graph


def mlp(hidden: int = 16, dropout: float = 0.0) -> Graph:
    blocks = [("Linear", {"out_features": hidden}), ("Tanh", {})]
    if dropout:
        blocks.append(("Dropout", {"p": dropout}))
    return chain(*blocks, ("Linear", {"out_features": 2}))


@pytest.fixture(scope="module")
def spirals():
    return make_dataset("spirals", {"n_samples": 300})


def losses(trainer: Trainer) -> np.ndarray:
    return trainer.buffer.series("train/loss")[1]


def test_mlp_template_solves_spirals_with_its_settings():
    t = TEMPLATES["mlp"]
    bundle = make_dataset(t.dataset, t.dataset_params)
    trainer = Trainer(t.build(), bundle, default_config("2-D", **t.config))
    assert trainer.run(max_steps=300) == "finished"
    val = trainer.buffer.series("val/accuracy")[1]
    assert val[-1] > 0.97
    assert trainer.buffer.series("val/loss")[1][-1] < 0.1
    assert trainer.step == 300 and trainer.epoch == 300  # full batch: one step per epoch


def test_same_seed_same_curve_and_other_seed_differs(spirals):
    cfg = TrainConfig(optimizer="sgd", lr=0.1, momentum=0.9, nesterov=True, batch_size=32, seed=3)
    runs = []
    for seed in (3, 3, 4):
        trainer = Trainer(mlp(dropout=0.2), spirals, dataclasses.replace(cfg, seed=seed))
        trainer.run(max_steps=60)
        runs.append(losses(trainer))
    assert len(runs[0]) == 60
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_resume_from_state_dict_continues_the_same_curve(spirals):
    cfg = TrainConfig(optimizer="adam", lr=0.01, batch_size=50, seed=1)  # 240 samples: epochs end mid-way
    whole = Trainer(mlp(dropout=0.1), spirals, cfg)
    whole.run(max_steps=70)
    first = Trainer(mlp(dropout=0.1), spirals, cfg)
    first.run(max_steps=33)
    state = first.state_dict()
    second = Trainer(mlp(dropout=0.1), spirals, cfg)
    second.load_state_dict(state)
    assert second.step == 33
    second.run(max_steps=37)
    np.testing.assert_array_equal(losses(whole)[33:], losses(second))
    for a, b in zip(whole.model.parameters(), second.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_full_batch_when_batch_size_is_zero_or_large(spirals):
    for size in (0, 10_000):
        trainer = Trainer(mlp(), spirals, TrainConfig(batch_size=size, max_steps=5))
        trainer.run()
        assert trainer.epoch == 5 and trainer.state == "finished"


def test_epochs_limit_counts_minibatch_passes(spirals):
    n = len(spirals.x_train)
    trainer = Trainer(mlp(), spirals, TrainConfig(batch_size=64, epochs=2))
    assert trainer.run() == "finished"
    assert trainer.epoch == 2 and trainer.step == 2 * math.ceil(n / 64)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
def test_every_optimizer_lowers_the_loss(spirals, optimizer):
    lr = {"sgd": 0.3, "rmsprop": 0.003}.get(optimizer, 0.01)
    cfg = TrainConfig(optimizer=optimizer, lr=lr, momentum=0.5, batch_size=0, weight_decay=1e-4)
    trainer = Trainer(mlp(32), spirals, cfg)
    trainer.run(max_steps=80)
    curve = losses(trainer)
    assert curve[-5:].mean() < 0.9 * curve[:5].mean()


def test_schedules_shape_the_learning_rate():
    cfg = TrainConfig(lr=1.0, schedule="warmup_cosine", warmup_steps=10, max_steps=110)
    lrs = [lr_at(cfg, s, 110) for s in range(110)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[60] == pytest.approx(0.5, abs=0.02) and lrs[-1] < 0.01
    assert all(b <= a for a, b in itertools.pairwise(lrs[10:]))
    step = TrainConfig(lr=1.0, schedule="step", step_size=10, gamma=0.5)
    assert [lr_at(step, s, 0) for s in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    assert lr_at(TrainConfig(lr=0.3), 12345, 10) == 0.3


def test_cosine_schedule_reaches_the_buffer(spirals):
    cfg = TrainConfig(lr=0.1, schedule="cosine", batch_size=0, max_steps=100, eval_every=1)
    trainer = Trainer(mlp(), spirals, cfg)
    trainer.run()
    steps, lrs = trainer.buffer.series("lr")
    assert lrs[0] == pytest.approx(0.1)
    assert lrs[-1] < 0.01 and steps[-1] == 100


@pytest.mark.parametrize("init", ["xavier", "kaiming", "orthogonal", "small"])
def test_init_choices_change_the_initial_weights(spirals, init):
    default = Trainer(mlp(8), spirals, TrainConfig())
    chosen = Trainer(mlp(8), spirals, TrainConfig(init=init))
    w0 = default.model.state_dict()
    w = chosen.model.state_dict()
    weights = [k for k in w if k.endswith("weight")]
    assert any(not torch.equal(w[k], w0[k]) for k in weights)
    assert all(torch.count_nonzero(w[k]) == 0 for k in w if k.endswith("bias"))
    first = w[weights[0]]
    if init == "small":
        assert first.std() < 0.02
    if init == "orthogonal":  # 8x2: orthonormal columns
        torch.testing.assert_close(first.T @ first, torch.eye(2), atol=1e-5, rtol=0)


def test_l1_penalty_and_weight_decay_shrink_weights(spirals):
    def weight_norm(**kw):
        trainer = Trainer(mlp(), spirals, TrainConfig(optimizer="sgd", lr=0.1, batch_size=0, **kw))
        trainer.run(max_steps=100)
        return sum(float(p.detach().abs().sum()) for k, p in trainer.model.named_parameters() if k.endswith("weight"))

    plain = weight_norm()
    assert weight_norm(l1=0.01) < 0.8 * plain
    assert weight_norm(l2=0.05) < 0.8 * plain
    assert weight_norm(weight_decay=0.5) < 0.8 * plain


def test_gradient_clipping_bounds_each_update(spirals):
    cfg = TrainConfig(optimizer="sgd", lr=1.0, batch_size=0, grad_clip=0.01)
    trainer = Trainer(mlp(), spirals, cfg)
    for _ in range(5):
        before = torch.cat([p.detach().reshape(-1).clone() for p in trainer.model.parameters()])
        trainer.run(max_steps=1)
        after = torch.cat([p.detach().reshape(-1) for p in trainer.model.parameters()])
        assert float((after - before).norm()) <= 0.01 + 1e-6


def test_settings_change_while_running_without_reset(spirals):
    trainer = Trainer(mlp(), spirals, TrainConfig(lr=0.01, batch_size=0, eval_every=1))
    trainer.run(max_steps=10)
    trainer.set_lr(0.002)
    trainer.update_config(momentum=0.5, probe_every=7, weight_decay=0.01)
    trainer.run(max_steps=10)
    steps, lrs = trainer.buffer.series("lr")
    assert lrs[steps <= 10].max() == pytest.approx(0.01)
    assert lrs[-1] == pytest.approx(0.002)
    assert trainer.optimizer.param_groups[0]["weight_decay"] == 0.01
    assert trainer.step == 20
    with pytest.raises(ConfigError, match="batch_size"):
        trainer.update_config(batch_size=8)
    with pytest.raises(ConfigError, match="lr"):
        trainer.update_config(lr=-1.0)


def test_metrics_at_intervals(spirals):
    trainer = Trainer(mlp(), spirals, TrainConfig(batch_size=16, eval_every=5))
    trainer.run(max_steps=40)
    names = trainer.buffer.series_names()
    for name in ("train/loss", "train/accuracy", "val/loss", "val/accuracy", "lr", "epoch",
                 "grad_norm/linear1", "grad_norm/linear2"):
        assert name in names, name
    assert len(trainer.buffer.series("train/loss")[0]) == 40
    assert all(v > 0 for v in trainer.buffer.series("grad_norm/linear1")[1])
    status = trainer.buffer.status()
    assert status["state"] == "finished" and status["step"] == 40 and status["device"] == "cpu"


def test_compile_error_propagates_with_diagnostics(spirals):
    graph = chain(("Linear", {"out_features": 3}))  # spirals have 2 classes
    with pytest.raises(CompileError) as err:
        Trainer(graph, spirals, TrainConfig())
    assert err.value.diagnostics and "2 classes" in str(err.value)


def test_missing_device_is_a_clear_message(spirals):
    missing = [d for d, ok in (("cuda", torch.cuda.is_available()), ("mps", torch.backends.mps.is_available()))
               if not ok]
    assert missing
    for device in missing:
        with pytest.raises(ConfigError, match=f"device '{device}' was requested"):
            Trainer(mlp(), spirals, TrainConfig(device=device))


def test_config_round_trip_and_problems():
    cfg = TrainConfig(optimizer="sgd", lr=0.5, momentum=0.9, nesterov=True, schedule="cosine", seed=7)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainConfig.from_dict({"lr": 1, "batch_size": 64.0}).lr == 1.0
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict({"lr": "fast", "optimizer": "lbfgs", "batch_size": -1, "colour": 3})
    text = str(err.value)
    assert len(err.value.problems) == 4
    for word in ("lr", "optimizer", "batch_size", "colour"):
        assert word in text
    with pytest.raises(ConfigError, match="nesterov"):
        TrainConfig.from_dict({"optimizer": "sgd", "nesterov": True, "momentum": 0})
    with pytest.raises(ConfigError, match="mapping"):
        TrainConfig.from_dict(["lr"])


def test_buffer_keeps_a_million_steps_under_50_mb():
    buffer = MetricsBuffer()
    tracemalloc.start()
    try:
        chunk = 5000
        values = np.linspace(1.0, 0.0, chunk)
        every_25 = np.full(chunk // 25, 0.5)
        eval_names = ["val/loss", "lr", "steps_per_s", *(f"grad_norm/layer{i}" for i in range(20))]
        for start in range(0, 1_000_000, chunk):
            buffer.add_points("train/loss", np.arange(start, start + chunk), values)
            for name in eval_names:  # what an eval every 25 steps writes
                buffer.add_points(name, np.arange(start, start + chunk, 25), every_25)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20
    steps, vals = buffer.series("train/loss")
    assert steps[-1] >= 995_000 and len(steps) <= 20_001
    assert np.all(np.diff(steps) > 0)
    assert vals[0] == 1.0


def test_buffer_history_survives_export_and_import():
    buffer = MetricsBuffer(capacity=100)
    buffer.add_points("train/loss", list(range(1000)), [float(i) for i in range(1000)])
    copy = MetricsBuffer(capacity=50)
    copy.import_history(buffer.export_history())
    steps, values = copy.series("train/loss")
    assert 25 <= len(steps) <= 51 and steps[0] == 0 and np.array_equal(steps, values)
