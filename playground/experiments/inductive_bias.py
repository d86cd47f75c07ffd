"""``inductive-bias``: an MLP, a CNN and a tiny ViT on the shapes images, as the training set
shrinks, and on test images shifted by a few pixels. Convolutions share weights across
positions and pool, so they need fewer examples and keep working on shifted shapes; the MLP
must learn every position separately."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from playground.data.bundle import DataBundle
from playground.experiments.base import Context, Experiment, ExperimentResult, Plot, Series, train_quietly
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.train import TrainConfig, Trainer

SHIFT = 3  # pixels, right and down (what leaves the image is lost; what enters is background)


def image_networks(classes: int = 4) -> dict[str, Graph]:
    from playground.graph.templates import TEMPLATES

    mlp = GraphBuilder().then("Input", "input").then("Flatten", "flatten")
    mlp.then("Linear", "fc1", out_features=128).then("ReLU", "relu1").then("Linear", "head", out_features=classes)
    cnn = GraphBuilder().then("Input", "input")
    for i, channels in ((1, 16), (2, 32)):
        cnn.then("Conv2d", f"conv{i}", out_channels=channels, kernel_size=3, padding=1).then("ReLU", f"relu{i}")
        cnn.then("MaxPool", f"pool{i}", kernel_size=2, stride=2)
    cnn.then("GlobalAvgPool", "gap").then("Linear", "head", out_features=classes)
    return {"MLP": mlp.then("Output", "output").graph, "CNN": cnn.then("Output", "output").graph,
            "ViT": TEMPLATES["vit"].build()}


def shifted(x: torch.Tensor, pixels: int = SHIFT) -> torch.Tensor:
    """Images moved ``pixels`` right and down, the uncovered border filled with the background."""
    out = torch.roll(x, shifts=(pixels, pixels), dims=(-2, -1))
    background = x[..., :1, :1].mean()
    out[..., :pixels, :] = background
    out[..., :, :pixels] = background
    return out


def subset(bundle: DataBundle, fraction: float) -> DataBundle:
    n = max(8, round(bundle.n_train * fraction))
    return dataclasses.replace(bundle, x_train=bundle.x_train[:n], y_train=bundle.y_train[:n])


def _accuracy(trainer: Trainer, x: torch.Tensor, y: torch.Tensor) -> float:
    trainer.model.eval()
    with torch.no_grad():
        return float((trainer.model(x).argmax(-1) == y).float().mean())


def _inductive_bias(ctx: Context) -> ExperimentResult:
    from playground.data import make_dataset

    bundle = make_dataset("shapes", {"n_samples": 2000, "position": 0.1})
    fractions = [1.0, 0.3, 0.1]
    steps = 250 if ctx.quick else 800
    x_shift = shifted(bundle.x_val)
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for name, graph in image_networks().items():
        for fraction in fractions:
            if not ctx.begin(f"{name} on {fraction:.0%} of the data", skipped):
                continue
            accs, shifted_accs = [], []
            for seed in range(ctx.seeds):
                config = TrainConfig(optimizer="adam", lr=0.003, batch_size=64, seed=seed, device="cpu")
                trainer = train_quietly(graph, subset(bundle, fraction), config, steps)
                accs.append(_accuracy(trainer, bundle.x_val, bundle.y_val))
                shifted_accs.append(_accuracy(trainer, x_shift, bundle.y_val))
            acc, acc_shift = sum(accs) / len(accs), sum(shifted_accs) / len(shifted_accs)
            rows.append({"network": name, "train_fraction": fraction,
                         "train_examples": subset(bundle, fraction).n_train, "val_accuracy": acc,
                         "shifted_accuracy": acc_shift, "shift_drop": acc - acc_shift,
                         "parameters": sum(p.numel() for p in trainer.model.parameters())})
    plot = Plot("Accuracy against training-set size", "training examples", "validation accuracy", log_x=True)
    for name in image_networks():
        mine = [r for r in rows if r["network"] == name]
        if mine:
            plot.series.append(Series(name, [r["train_examples"] for r in mine], [r["val_accuracy"] for r in mine]))
            plot.series.append(Series(f"{name}, shifted {SHIFT} px", [r["train_examples"] for r in mine],
                                      [r["shifted_accuracy"] for r in mine], dashed=True))
    winners = {}
    for fraction in fractions:
        at = [r for r in rows if r["train_fraction"] == fraction]
        if at:
            winners[fraction] = max(at, key=lambda r: r["val_accuracy"])["network"]
    full = {r["network"]: r for r in rows if r["train_fraction"] == 1.0}
    drops = {name: r["shift_drop"] for name, r in full.items()}
    verdict = ("best at " + ", ".join(f"{f:.0%} of the data: {w}" for f, w in winners.items())
               + f"; accuracy lost on images shifted {SHIFT} px: "
               + ", ".join(f"{n} {d * 100:+.1f} points" for n, d in drops.items()))
    facts = {"winners": winners, "shift_drop": drops,
             "accuracy": {f"{r['network']}@{r['train_fraction']}": r["val_accuracy"] for r in rows},
             "shifted_accuracy": {r["network"]: r["shifted_accuracy"] for r in full.values()}}
    return ExperimentResult("inductive-bias", verdict, facts, rows, plot, skipped)


INDUCTIVE_BIAS = Experiment(
    "inductive-bias", "Inductive bias: MLP, CNN and ViT",
    "Three networks on the shapes images, trained on the whole set and on smaller parts of it, then "
    f"tested on the validation images and on the same images shifted {SHIFT} pixels.",
    "The CNN needs fewer examples and loses little on shifted images; the MLP loses most.",
    _inductive_bias)
