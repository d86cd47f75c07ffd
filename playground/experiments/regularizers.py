"""``regularizers``: no regularisation, dropout, batch norm and layer norm on the same wide MLP,
on a small and a larger noisy training set. The generalisation gap (training accuracy minus
validation accuracy, and validation loss minus training loss) says how much each one curbs
memorising the training points."""

from __future__ import annotations

from typing import Any

import torch

from playground.experiments.base import Context, Experiment, ExperimentResult, Plot, Series, train_quietly
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.train import TrainConfig, Trainer

WIDTH = 128


def regularized_mlp(kind: str) -> Graph:
    """Two hidden layers of WIDTH units with ``kind`` ("none", "dropout", "batchnorm", "layernorm")."""
    b = GraphBuilder().then("Input", "input")
    for i in (1, 2):
        b.then("Linear", f"fc{i}", out_features=WIDTH)
        if kind == "batchnorm":
            b.then("BatchNorm", f"bn{i}")
        elif kind == "layernorm":
            b.then("LayerNorm", f"ln{i}")
        b.then("ReLU", f"relu{i}")
        if kind == "dropout":
            b.then("Dropout", f"drop{i}", p=0.3)
    return b.then("Linear", "head", out_features=2).then("Output", "output").graph


def _measure(trainer: Trainer) -> tuple[float, float, float, float]:
    """(train loss, train accuracy, val loss, val accuracy), all in eval mode."""
    model, data = trainer.model, trainer.data
    model.eval()
    with torch.no_grad():
        out = model(data.x)
        train_loss = float(data.loss.fn(out, data.y))
        right = data.loss.correct(out, data.y)
        train_acc = float(right[0]) / right[1] if right else float("nan")
        val = data.evaluate(model)
    val_loss, val_acc = val if val else (float("nan"), None)
    return train_loss, train_acc, val_loss, val_acc if val_acc is not None else float("nan")


def _regularizers(ctx: Context) -> ExperimentResult:
    from playground.data import make_dataset

    sizes = {"small": 100, "larger": 1000}
    steps = 600 if ctx.quick else 2000
    kinds = ("none", "dropout", "batchnorm", "layernorm")
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for size_name, n in sizes.items():
        bundle = make_dataset("spirals", {"n_samples": n, "noise": 0.15, "val_fraction": 0.5 if n < 500 else 0.2})
        for kind in kinds:
            if not ctx.begin(f"{kind} on the {size_name} set", skipped):
                continue
            measured = []
            for seed in range(ctx.seeds):
                config = TrainConfig(optimizer="adam", lr=0.01, batch_size=32, seed=seed, device="cpu")
                trainer = train_quietly(regularized_mlp(kind), bundle, config, steps)
                measured.append(_measure(trainer))
            tl, ta, vl, va = (sum(m[i] for m in measured) / len(measured) for i in range(4))
            rows.append({"data": size_name, "train_examples": bundle.n_train, "regularizer": kind,
                         "train_loss": tl, "train_accuracy": ta, "val_loss": vl, "val_accuracy": va,
                         "accuracy_gap": ta - va, "loss_gap": vl - tl})
    plot = Plot("Generalisation gap (train − validation accuracy)", "training examples", "accuracy gap",
                log_x=True)
    for kind in kinds:
        mine = [r for r in rows if r["regularizer"] == kind]
        if mine:
            plot.series.append(Series(kind, [r["train_examples"] for r in mine], [r["accuracy_gap"] for r in mine]))
    parts = []
    for size_name in sizes:
        at = [r for r in rows if r["data"] == size_name]
        if at:
            gaps = ", ".join(f"{r['regularizer']} {r['accuracy_gap'] * 100:.1f}" for r in at)
            parts.append(f"{size_name} set ({at[0]['train_examples']} points): gap in points {gaps}")
    verdict = "; ".join(parts)
    facts = {f"{r['data']}/{r['regularizer']}": {"accuracy_gap": r["accuracy_gap"], "loss_gap": r["loss_gap"],
                                                 "val_accuracy": r["val_accuracy"]} for r in rows}
    return ExperimentResult("regularizers", verdict, facts, rows, plot, skipped)


REGULARIZERS = Experiment(
    "regularizers", "Regularisers and the generalisation gap",
    "The same wide MLP with no regularisation, dropout, batch norm or layer norm, trained on a small "
    "and a larger noisy spiral set.",
    "The gap between training and validation accuracy: largest with no regulariser on the small set, "
    "and smaller for every method on more data.",
    _regularizers)
