"""``double-descent``: test error against width through the interpolation threshold.

A two-layer ReLU network whose first layer keeps its random initial weights and whose readout
is fitted to the training set. The readout is the minimum-norm least-squares solution, which is
exactly where gradient descent on the readout from zero weights converges (on the threshold it
would need unboundedly many steps to get there, so the closed form stands in for a very long
run). As the width grows towards the number of training points the network starts to
interpolate the noisy targets and the test error peaks; wider still, among the many
interpolating readouts the minimum-norm one is smooth and the error falls again (Belkin et
al., 2019; Nakkiran et al., 2020).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from playground.data.bundle import DataBundle
from playground.experiments.base import Context, Experiment, ExperimentResult, Plot, Series
from playground.graph.builder import GraphBuilder
from playground.graph.spec import TaskSpec
from playground.train import TrainConfig
from playground.train.trainer import build_model

N_TRAIN = 100
DIM = 10


def noisy_teacher(n_train: int = N_TRAIN, n_val: int = 1000, dim: int = DIM, noise: float = 0.5,
                  seed: int = 0) -> DataBundle:
    """Gaussian inputs in ``dim`` dimensions; the target is a random linear teacher plus a
    quadratic term, with noise on the training targets only."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_val, dim, generator=g)
    teacher = torch.randn(dim, 1, generator=g) / math.sqrt(dim)
    y = x @ teacher + 0.5 * (x[:, :1] ** 2 - 1)
    y[:n_train] += noise * torch.randn(n_train, 1, generator=g)
    task = TaskSpec(task="regression", input_shape=(dim,), target_shape=(1,))
    return DataBundle("noisy_teacher", {"n_train": n_train, "dim": dim, "noise": noise, "seed": seed}, task,
                      x[:n_train], y[:n_train], x[n_train:], y[n_train:])


def test_error(bundle: DataBundle, width: int, seed: int) -> tuple[float, float]:
    """(train MSE, validation MSE) of the width-``width`` network with a fitted min-norm readout."""
    b = GraphBuilder().then("Input", "input").then("Linear", "hidden", out_features=width)
    graph = b.then("ReLU", "relu").then("Linear", "head", out_features=1).then("Output", "output").graph
    model = build_model(graph, bundle.task, TrainConfig(seed=seed, init="default", device="cpu"))
    hidden = next(nid for nid, kind in model.node_types.items() if kind == "ReLU")
    model.taps = {hidden}
    with torch.no_grad():
        model(bundle.x_train)
        f_train = model.captured[hidden].double()
        model(bundle.x_val)
        f_val = model.captured[hidden].double()
    readout = torch.linalg.pinv(f_train) @ bundle.y_train.double()  # the minimum-norm least-squares fit
    train = float(((f_train @ readout - bundle.y_train.double()) ** 2).mean())
    val = float(((f_val @ readout - bundle.y_val.double()) ** 2).mean())
    return train, val


def _double_descent(ctx: Context) -> ExperimentResult:
    bundle = noisy_teacher()
    widths = sorted({*np.unique(np.geomspace(5, 3000, 18 if ctx.quick else 40).astype(int)).tolist(),
                     N_TRAIN})
    seeds = max(ctx.seeds, 5)  # each point is cheap; the peak is clearer averaged over seeds
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for width in widths:
        if not ctx.begin(f"width {width}", skipped, f"fitting width {width}"):
            continue
        results = [test_error(bundle, width, seed) for seed in range(seeds)]
        rows.append({"width": width, "train_mse": float(np.median([r[0] for r in results])),
                     "val_mse": float(np.median([r[1] for r in results])), "seeds": seeds})
    w = np.array([r["width"] for r in rows], dtype=float)
    val = np.array([r["val_mse"] for r in rows])
    peak = int(np.argmax(val))
    before = float(val[: max(peak, 1)].min())
    after = float(val[peak + 1:].min()) if peak + 1 < len(val) else math.nan
    plot = Plot(f"Double descent: {N_TRAIN} noisy training points", "width (hidden units)",
                "validation MSE (median over seeds)", log_x=True, log_y=True)
    plot.series.append(Series("validation", w.tolist(), val.tolist()))
    plot.series.append(Series("training", w.tolist(), [max(r["train_mse"], 1e-12) for r in rows], dashed=True))
    verdict = (f"the test error peaks at width {int(w[peak])} ({val[peak]:.3g}) for {N_TRAIN} training points; "
               f"best below the peak {before:.3g}, best beyond it {after:.3g}")
    facts = {"peak_width": int(w[peak]), "peak_mse": float(val[peak]), "best_before": before, "best_after": after,
             "n_train": N_TRAIN}
    return ExperimentResult("double-descent", verdict, facts, rows, plot, skipped)


DOUBLE_DESCENT = Experiment(
    "double-descent", "Double descent",
    f"Two-layer ReLU networks of growing width on {N_TRAIN} noisy points in {DIM} dimensions; the first layer stays "
    "random and the readout is the minimum-norm fit (where gradient descent from zero converges).",
    f"The test error rises to a peak where the width reaches the number of training points ({N_TRAIN}) "
    "and falls again beyond it.",
    _double_descent)
