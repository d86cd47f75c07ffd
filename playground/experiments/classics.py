"""The classic results, reproduced and measured: each experiment trains for real and computes its
verdict from the run (nothing here is a canned sentence).

* ``stages``: a deep linear network learns a hierarchy one mode at a time, strongest first, at
  the half-rise steps the closed form of Saxe et al. (2014) predicts.
* ``attention``: a transformer learns to reverse sequences, and one attention head turns into
  an anti-diagonal: query i looks at key T-1-i.
* ``multiplication``: a target that is a product of inputs (y = x1·x2). A network with a
  Multiply (gating) block represents it exactly; an MLP of the same size has to approximate it
  with saturating units; a learned input-free Parameter used as a mask does not multiply inputs.
* ``dying-relu``: plain SGD on a deep ReLU network at growing learning rates; the share of
  units that never fire on any validation input grows with the rate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from playground.analysis.temperature import entropy_at
from playground.data.bundle import DataBundle
from playground.experiments.base import Context, Experiment, ExperimentResult, Plot, Series
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.train.trainer import build_model
from playground.train.variants import train_variants


def _template(name: str, **data: Any) -> tuple[Graph, DataBundle, TrainConfig]:
    from playground.graph.templates import TEMPLATES
    from playground.session.new import new_session

    session, _ = new_session(name, overrides=[f"data.{k}={v}" for k, v in data.items()])
    assert session.config is not None and name in TEMPLATES
    return session.graph, session.bundle(), session.config


def _train(graph: Graph, bundle: DataBundle, config: TrainConfig, ctx: Context, what: str) -> Trainer:
    ctx.progress(f"training {what}")
    trainer = Trainer(graph, bundle, config, MetricsBuffer())
    trainer.run(wait_when_paused=False)
    return trainer


def half_rise(steps: np.ndarray, strengths: np.ndarray, s: np.ndarray) -> np.ndarray:
    """First step (linearly interpolated) at which each mode reaches half its singular value."""
    out = np.full(len(s), np.nan)
    for i in range(len(s)):
        above = strengths[:, i] >= s[i] / 2
        if not above.any():
            continue
        j = int(np.argmax(above))
        if j == 0:
            out[i] = steps[0]
            continue
        a, b = strengths[j - 1, i], strengths[j, i]
        out[i] = steps[j - 1] + (s[i] / 2 - a) / (b - a) * (steps[j] - steps[j - 1])
    return out


# ------------------------------------------------------------------ stages
def _stages(ctx: Context) -> ExperimentResult:
    graph, bundle, config = _template("deep_linear")
    trainer = _train(graph, bundle, config, ctx, "the deep linear network")
    history = trainer.buffer.snapshot_history("modes")
    steps = np.array([s for s, _ in history], dtype=float)
    strength = np.stack([snap["strength"] for _, snap in history])
    analytic = np.stack([snap["analytic"] for _, snap in history])
    sv = np.asarray(history[-1][1]["singular_values"], dtype=float)
    predicted = np.asarray(history[-1][1].get("predicted_half_rise_steps", np.full(len(sv), np.nan)), dtype=float)
    measured = half_rise(steps, strength, sv)
    distinct = [i for i in range(len(sv)) if all(abs(sv[i] - sv[j]) > 1e-3 * sv[0] for j in range(len(sv)) if j != i)]
    risen = [i for i in distinct if np.isfinite(measured[i])]
    order = sorted(risen, key=lambda i: measured[i])
    in_order = order == sorted(risen, key=lambda i: -sv[i])
    errors = [abs(predicted[i] / measured[i] - 1) for i in risen if np.isfinite(predicted[i]) and measured[i] > 0]
    worst = max(errors) if errors else math.nan
    rows = [{"mode": i + 1, "singular_value": float(sv[i]), "measured_half_rise_step": float(measured[i]),
             "predicted_half_rise_step": float(predicted[i])} for i in range(len(sv))]
    plot = Plot("Mode strengths of a deep linear network", "step", "strength a(t)")
    for i in distinct[:6]:
        plot.series.append(Series(f"mode {i + 1} (s={sv[i]:.2f})", steps.tolist(), strength[:, i].tolist()))
        plot.series.append(Series(f"closed form {i + 1}", steps.tolist(), analytic[:, i].tolist(), dashed=True))
    rises = ", ".join(f"{measured[i]:.0f}" for i in order)
    splits = hidden_splits(trainer.buffer.snapshot_history("activations"), graph, bundle)
    split_steps = [s for _, s in splits]
    broad_first = len(split_steps) > 1 and all(np.diff(split_steps) > 0)
    split_text = ", ".join(f"{level} at step {step:.0f}" for level, step in splits)
    verdict = (f"{len(risen)} modes rose {'in' if in_order else 'OUT OF'} order of singular value, at steps "
               f"{rises}; the closed form predicted each within {100 * worst:.1f}%; in the hidden layer's "
               f"similarity, categories split {'broad before fine' if broad_first else 'OUT OF order'} "
               f"({split_text})")
    facts = {"in_order": in_order, "modes_risen": len(risen), "worst_prediction_error": worst,
             "measured_half_rise": measured.tolist(), "singular_values": sv.tolist(),
             "hidden_split_steps": split_steps, "broad_before_fine": broad_first}
    return ExperimentResult("stages", verdict, facts, rows, plot)


LEVELS = {0: "broad", 1: "middle"}  # how deep the split between two items lies (the last level: fine)


def hidden_splits(history: list[tuple[int, Any]], graph: Graph, bundle: DataBundle) -> list[tuple[str, float]]:
    """When the hidden layer tells categories apart, from the recorded activations of its first
    hidden block on the probe items: for each level of the tree, the mean distance between the
    hidden codes of two items whose paths part at that level, and the step (interpolated) at
    which it reaches half its final value. Broad first, fine last, when the hierarchy is learned
    top-down. Returns (level name, step) in tree order, broad first."""
    items = [str(name).split(".") for name in (bundle.meta.get("items") or [])]
    hidden = next((n.id for n in graph.nodes.values() if n.type == "Linear"), None)
    rows = [(s, snap[hidden]["values"]) for s, snap in history if hidden in snap] if items and hidden else []
    if len(rows) < 2:
        return []
    n = min(len(rows[-1][1]), len(bundle.x_val))
    which = bundle.x_val[:n].argmax(dim=1).tolist()  # one-hot inputs: the item of each probe row
    depth = len(items[0])
    pairs: dict[int, list[tuple[int, int]]] = {}
    for a in range(n):
        for b in range(a + 1, n):
            pa, pb = items[which[a]], items[which[b]]
            level = next((k for k in range(depth) if pa[k] != pb[k]), None)
            if level is not None:
                pairs.setdefault(level, []).append((a, b))
    levels = sorted(pairs)
    steps = np.array([s for s, _ in rows], dtype=float)
    distance = np.zeros((len(rows), len(levels)))
    for t, (_, values) in enumerate(rows):
        codes = np.asarray(values, dtype=np.float64)[:n].reshape(n, -1)
        for k, level in enumerate(levels):
            distance[t, k] = np.mean([np.linalg.norm(codes[a] - codes[b]) for a, b in pairs[level]])
    halves = half_rise(steps, distance, distance[-1])
    return [(LEVELS.get(level, "fine") if level < depth - 1 else "fine", float(halves[k]))
            for k, level in enumerate(levels)]


# --------------------------------------------------------------- attention
TEMPERATURES = (0.25, 1.0, 4.0)  # softmax temperatures the verdict measures saturation at


def anti_diagonal_mass(maps: np.ndarray) -> np.ndarray:
    """Per head, the mean attention weight query i puts on key T-1-i: (S, heads, T, T) -> (heads,)."""
    t = maps.shape[-1]
    idx = np.arange(t)
    return maps[:, :, idx, t - 1 - idx].mean(axis=(0, 2))


def _attention(ctx: Context) -> ExperimentResult:
    graph, bundle, config = _template("transformer", **({"n_samples": 1000} if ctx.quick else {}))
    if ctx.quick:
        config = config.with_changes(epochs=15)
    trainer = _train(graph, bundle, config, ctx, "the transformer on reversal")
    history = trainer.buffer.snapshot_history("attention")
    rows: list[dict[str, Any]] = []
    curves: dict[str, list[tuple[int, float]]] = {}
    where: dict[str, tuple[str, int]] = {}
    for step, snap in history:
        for nid, maps in snap["maps"].items():
            for head, mass in enumerate(anti_diagonal_mass(np.asarray(maps, dtype=np.float64))):
                key = f"{snap['labels'].get(nid, nid)} head {head + 1}"
                curves.setdefault(key, []).append((step, float(mass)))
                where[key] = (nid, head)
                rows.append({"step": step, "block": snap["labels"].get(nid, nid), "head": head + 1,
                             "anti_diagonal_mass": float(mass)})
    best = max(curves, key=lambda k: curves[k][-1][1])
    final = curves[best][-1][1]
    start = curves[best][0][1]
    crossed = next((s for s, m in curves[best] if m >= 0.5), None)
    accuracy = trainer.buffer.series("val/accuracy")[1]
    plot = Plot("Attention mass on the anti-diagonal", "step", "share of attention on key T-1-i")
    for key, points in curves.items():
        plot.series.append(Series(key, [float(s) for s, _ in points], [m for _, m in points]))
    # saturation: the head's last map redrawn at softmax temperatures (scores / T, exact from the
    # recorded probabilities); its mean row entropy falls to 0 (one key) as T falls
    nid, head = where[best]
    final_map = np.asarray(history[-1][1]["maps"][nid], dtype=np.float64)[:, head]
    entropy = {t: entropy_at(final_map, t) for t in TEMPERATURES}
    saturation = ", ".join(f"{entropy[t]:.2f} at T={t:g}" for t in TEMPERATURES)
    verdict = (f"{best} put {final:.0%} of its attention on the anti-diagonal at the end (from {start:.0%} at "
               f"the start{'' if crossed is None else f', past 50% at step {crossed}'}); validation accuracy "
               f"{accuracy[-1]:.1%}; its rows' entropy (0: one key, 1: even) {saturation}")
    facts = {"head": best, "final_mass": final, "start_mass": start, "val_accuracy": float(accuracy[-1]),
             "final_map": final_map, "tokens": history[-1][1].get("tokens", []),
             "entropy_by_temperature": entropy}
    return ExperimentResult("attention", verdict, facts, rows, plot)


# ---------------------------------------------------------- multiplication
def product_data(n_train: int = 1000, n_val: int = 250, seed: int = 0) -> DataBundle:
    """y = x1·x2 with x uniform in [-1, 1]²: a target that is a product of inputs."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_train + n_val, 2, generator=g) * 2 - 1
    y = (x[:, 0] * x[:, 1]).unsqueeze(1)
    task = TaskSpec(task="regression", input_shape=(2,), target_shape=(1,))
    return DataBundle("product", {"seed": seed}, task, x[:n_train], y[:n_train], x[n_train:], y[n_train:],
                      {"summary": "y = x1·x2 on uniform points in [-1, 1]²"})


def product_networks(width: int = 8) -> dict[str, Graph]:
    mlp = GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=width).then("Tanh", "tanh1")
    mlp.then("Linear", "fc2", out_features=width).then("Tanh", "tanh2").then("Linear", "head", out_features=1)
    gate = GraphBuilder().then("Input", "input").then("Linear", "a", out_features=width)
    gate.add("Linear", "b", "input", out_features=width).add("Multiply", "gate", "a", port="a")
    gate.wire("b", "gate", port="b").then("Linear", "head", out_features=1)
    mask = GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=width).then("Tanh", "tanh1")
    mask.add("Parameter", "mask", shape=[width], init="ones").add("Multiply", "masked", "tanh1", port="a")
    mask.wire("mask", "masked", port="b").then("Linear", "head", out_features=1)
    return {name: b.then("Output", "output").graph for name, b in
            (("MLP", mlp), ("Multiply (gating)", gate), ("Parameter mask", mask))}


def _multiplication(ctx: Context) -> ExperimentResult:
    bundle = product_data()
    steps = 600 if ctx.quick else 2000
    variance = float(bundle.y_val.var())
    target = 0.05 * variance  # "learned": validation error below 5% of the target's variance
    rows: list[dict[str, Any]] = []
    plot = Plot("Learning y = x1·x2", "step", "training loss (MSE)", log_y=True)
    facts: dict[str, Any] = {}
    skipped: list[str] = []
    for name, graph in product_networks().items():
        if ctx.should_stop():
            skipped.append(name)
            continue
        configs = [TrainConfig(optimizer="adam", lr=0.01, batch_size=32, seed=s, device="cpu")
                   for s in range(ctx.seeds)]
        ctx.progress(f"training {name}")
        run = train_variants(graph, bundle, configs, steps)
        losses = np.nanmean(run.losses, axis=0)
        smooth = np.convolve(losses, np.ones(20) / 20, mode="valid")
        reached = int(np.argmax(smooth < target)) + 20 if (smooth < target).any() else None
        r2 = float(1 - np.nanmean(run.val_loss) / variance)
        facts[name] = {"val_r2": r2, "val_mse": float(np.nanmean(run.val_loss)), "steps_to_learn": reached}
        rows.append({"network": name, "val_mse": facts[name]["val_mse"], "val_r2": r2, "steps_to_5pct": reached,
                     "engine": run.engine})
        every = max(1, steps // 300)
        plot.series.append(Series(name, list(range(1, steps + 1, every)), losses[::every].tolist(),
                                  band=np.nanstd(run.losses, axis=0)[::every].tolist() if ctx.seeds > 1 else None))
    verdict = "; ".join(f"{name}: R² {f['val_r2']:.3f}, "
                        + (f"learned in {f['steps_to_learn']} steps" if f["steps_to_learn"] else "not learned")
                        for name, f in facts.items())
    return ExperimentResult("multiplication", verdict, facts, rows, plot, skipped)


# ---------------------------------------------------------------- dying relu
def relu_net(depth: int = 4, width: int = 32) -> Graph:
    b = GraphBuilder().then("Input", "input")
    for i in range(1, depth + 1):
        b.then("Linear", f"fc{i}", out_features=width).then("ReLU", f"relu{i}")
    return b.then("Linear", "head", out_features=2).then("Output", "output").graph


def dead_fraction(graph: Graph, bundle: DataBundle, config: TrainConfig, state: dict[str, torch.Tensor]) -> float:
    """Share of ReLU units that output zero for every validation input."""
    model = build_model(graph, bundle.task, config)
    model.load_state_dict(state)
    relus = [nid for nid, kind in model.node_types.items() if kind == "ReLU"]
    model.taps = set(relus)
    model.eval()
    with torch.no_grad():
        model(bundle.x_val)
    dead = [(model.captured[nid] <= 0).all(dim=0).float().mean().item() for nid in relus]
    model.taps = set()
    return float(np.mean(dead))


def _dying_relu(ctx: Context) -> ExperimentResult:
    from playground.data import make_dataset

    bundle = make_dataset("spirals", {"n_samples": 400})
    graph = relu_net()
    lrs = [0.01, 0.1, 0.5, 1.0] if ctx.quick else [0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0]
    steps = 500 if ctx.quick else 1500
    seeds = max(ctx.seeds, 3)  # all variants train as one stacked model: seeds are nearly free
    configs = [TrainConfig(optimizer="sgd", lr=lr, batch_size=16, seed=s, device="cpu", blowup_train=0)
               for lr in lrs for s in range(seeds)]
    start = build_model(graph, bundle.task, configs[0])
    ctx.progress("training the ReLU networks")
    run = train_variants(graph, bundle, configs, steps)
    at_init = dead_fraction(graph, bundle, configs[0], start.state_dict())
    rows: list[dict[str, Any]] = []
    by_lr: dict[float, list[float]] = {}
    for k, cfg in enumerate(run.configs):
        weights = run.weights[k]
        finite = all(torch.isfinite(t).all() for t in weights.values())
        dead = dead_fraction(graph, bundle, cfg, weights) if finite else 1.0
        by_lr.setdefault(cfg.lr, []).append(dead)
        rows.append({"lr": cfg.lr, "seed": cfg.seed, "dead_fraction": dead, "val_loss": float(run.val_loss[k])})
    grads = _gradient_norms(graph, bundle, configs[0])
    means = [float(np.mean(by_lr[lr])) for lr in lrs]
    plot = Plot("Dead ReLU units after training", "learning rate", "share of units never active", log_x=True)
    plot.series.append(Series("dead fraction", lrs, means,
                              band=[float(np.std(by_lr[lr])) for lr in lrs]))
    ratio = grads[0] / grads[-1] if grads[-1] > 0 else math.inf
    verdict = (f"dead units: {at_init:.0%} at initialisation; after {steps} steps "
               + ", ".join(f"{m:.0%} at lr {lr:g}" for lr, m in zip(lrs, means, strict=True))
               + f"; gradient norm first/last layer at initialisation {ratio:.2f}")
    facts = {"lrs": lrs, "dead": means, "dead_at_init": at_init, "grad_ratio_first_last": ratio}
    return ExperimentResult("dying-relu", verdict, facts, rows, plot)


def _gradient_norms(graph: Graph, bundle: DataBundle, config: TrainConfig) -> list[float]:
    """Per Linear layer, the gradient norm of its weights at initialisation on the training set."""
    from playground.train.batches import LossKit

    model = build_model(graph, bundle.task, config)
    kit = LossKit(model.loss_name, bundle.task)
    loss = kit.fn(model(bundle.x_train), kit.prepare(bundle.y_train, bundle.x_train))
    loss.backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, torch.nn.Linear)
            and m.weight.grad is not None]


CLASSICS = [
    Experiment("stages", "Stages in deep linear networks",
               "A two-layer linear network started from small weights learns a hierarchy of "
               "categories one mode at a time, strongest first, with plateaus between.",
               "S-shaped rises of each mode's strength at the steps the closed form predicts (dashed).",
               _stages),
    Experiment("attention", "Attention learns the task",
               "A two-block transformer learns to reverse sequences; its attention maps show how.",
               "One head of the second block turns into an anti-diagonal: output i reads input T-1-i.",
               _attention),
    Experiment("multiplication", "Attention is multiplication",
               "The target is a product of inputs, y = x1·x2. A Multiply (gating) block, the "
               "operation at the heart of attention, represents it exactly; an MLP must approximate it.",
               "The gating network's loss falls fastest and lowest; the MLP lags; a learned "
               "input-free mask does not help.",
               _multiplication),
    Experiment("dying-relu", "Dying ReLUs",
               "Plain SGD on a four-layer ReLU network at growing learning rates.",
               "The share of units that never fire on any input grows with the learning rate.",
               _dying_relu),
]
