"""The batched variants engine: every stacked variant trains exactly as it would alone."""

import numpy as np
import pytest
import torch

from playground.data import make_dataset
from playground.graph.builder import chain_graph
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.train.variants import stack_reason, train_variants

STEPS = 60


@pytest.fixture(scope="module")
def spirals():
    return make_dataset("spirals", {"n_samples": 300})


def alone(graph_fn, bundle, config: TrainConfig, steps: int = STEPS) -> Trainer:
    trainer = Trainer(graph_fn(), bundle, config, MetricsBuffer(), record=False)
    trainer.run(max_steps=steps, wait_when_paused=False)
    return trainer


def assert_like_alone(graph_fn, bundle, configs, engine: str, rtol: float = 1e-4) -> None:
    run = train_variants(graph_fn(), bundle, configs, STEPS)
    assert run.engine == engine, run.reason
    assert run.losses.shape == (len(configs), STEPS)
    for k, config in enumerate(configs):
        trainer = alone(graph_fn, bundle, config)
        ref = trainer.buffer.series("train/loss")[1]
        np.testing.assert_allclose(run.losses[k], ref, rtol=rtol, atol=1e-6, err_msg=f"variant {k}: {config}")
        for name, tensor in trainer.model.state_dict().items():
            torch.testing.assert_close(run.weights[k][name], tensor.detach(), rtol=rtol * 10, atol=1e-5)
        trainer.model.eval()
        with torch.no_grad():
            val_loss, val_acc = trainer.data.evaluate(trainer.model)
        assert run.val_loss[k] == pytest.approx(val_loss, rel=1e-4)
        assert run.val_accuracy is not None and run.val_accuracy[k] == pytest.approx(val_acc, abs=1e-9)


@pytest.mark.parametrize("optimizer,extra", [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 1e-3, "l2": 1e-3}),
    ("adam", {"weight_decay": 1e-3, "grad_clip": 0.5}),
    ("adamw", {"weight_decay": 1e-2, "schedule": "warmup_cosine", "warmup_steps": 10, "epochs": 3}),
])
def test_stacked_variants_match_single_runs(spirals, optimizer, extra):
    """Seeds and learning rates differ per variant; each variant's loss at every step and its
    final weights equal a Trainer's with that config (batch order, init and maths included)."""
    configs = [TrainConfig(optimizer=optimizer, lr=lr, batch_size=10, seed=seed, device="cpu", **extra)
               for seed, lr in ((0, 0.05), (1, 0.01), (7, 0.03))]
    assert_like_alone(TEMPLATES["mlp"].build, make_dataset("spirals"), configs, "stacked-matmul")


def test_full_batch_and_residual_adds_stack(spirals):
    def residual():
        from playground.graph.builder import GraphBuilder
        b = GraphBuilder().then("Input", "in").then("Linear", "a", out_features=16).then("ReLU", "r")
        b.then("Linear", "b", out_features=16).add("Add", "add", "r", port="a").wire("b", "add", port="b")
        return b.then("Linear", "head", out_features=2).then("Output", "out").graph

    configs = [TrainConfig(optimizer="sgd", lr=0.1, momentum=m, batch_size=0, seed=s, device="cpu")
               for s, m in ((0, 0.0), (3, 0.5))]
    assert_like_alone(residual, spirals, configs, "stacked-matmul")


def test_other_networks_go_through_vmap(spirals):
    graph_fn = lambda: chain_graph(("Linear", {"out_features": 12}), ("LayerNorm", {}), ("GELU", {}),  # noqa: E731
                                   ("Linear", {"out_features": 2}))
    configs = [TrainConfig(optimizer="adam", lr=lr, batch_size=16, seed=s, device="cpu")
               for s, lr in ((0, 0.01), (5, 0.003))]
    assert_like_alone(graph_fn, spirals, configs, "vmap")


def test_random_blocks_and_mixed_batch_sizes_run_one_at_a_time(spirals):
    dropout = lambda: chain_graph(("Linear", {"out_features": 16}), ("Dropout", {"p": 0.2}),  # noqa: E731
                                  ("Linear", {"out_features": 2}))
    configs = [TrainConfig(optimizer="sgd", lr=0.1, batch_size=10, seed=s, device="cpu") for s in (0, 1)]
    assert "Dropout" in stack_reason(dropout(), configs)
    run = train_variants(dropout(), spirals, configs, STEPS)
    assert run.engine == "sequential" and "Dropout" in run.reason
    for k, config in enumerate(configs):  # sequential runs are the Trainer itself: equal, not close
        np.testing.assert_array_equal(run.losses[k], alone(dropout, spirals, config).buffer.series("train/loss")[1])
    mixed = [configs[0], configs[1].with_changes(batch_size=20)]
    assert "batch_size" in stack_reason(TEMPLATES["mlp"].build(), mixed)


def test_a_diverging_variant_does_not_touch_the_others(spirals):
    configs = [TrainConfig(optimizer="sgd", lr=lr, batch_size=10, seed=0, device="cpu") for lr in (0.05, 1e6)]
    run = train_variants(TEMPLATES["mlp"].build(), spirals, configs, STEPS)
    diverged = run.diverged_at()
    assert diverged[0] is None and diverged[1] is not None
    wild = alone(TEMPLATES["mlp"].build, spirals, configs[1])  # the single run pauses at the same step
    assert wild.diverged_at == diverged[1]
    assert np.isnan(run.val_loss[1]) and np.isfinite(run.val_loss[0])
    ref = alone(TEMPLATES["mlp"].build, spirals, configs[0]).buffer.series("train/loss")[1]
    np.testing.assert_allclose(run.losses[0], ref, rtol=1e-4, atol=1e-6)
