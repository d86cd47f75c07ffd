"""Experiments that take trained networks apart (they use ``playground.analysis``).

* ``residual``: residual networks behave like ensembles of shallow paths (Veit et al., 2016).
  After the same training, removing one block at a time hurts the residual network gently and
  the plain network of the same depth badly; and plain networks get worse as they get deeper
  while residual ones don't.
* ``pruning``: most of a trained network is idle. Magnitude pruning removes 70–90% of an MLP's
  weights; a "winning ticket" (the surviving weights rewound to their initial values, retrained
  with the mask fixed) is compared with the same mask on a random re-initialisation (Frankle
  and Carbin, 2019).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.analysis.evaluation import Evaluator, trained_model
from playground.analysis.lesion_table import lesion_table
from playground.analysis.prune import prune_session, train_masked
from playground.compile.masks import masked
from playground.experiments.base import Context, Experiment, ExperimentResult, Plot, Series, train_quietly
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.session.model import Session
from playground.session.new import new_session
from playground.train import TrainConfig
from playground.train.trainer import build_model


def _trained_session(template: str, overrides: list[str]) -> Session:
    session, _ = new_session(template, overrides=overrides)
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    return session


def deep_mlp(depth: int, residual: bool, width: int = 32) -> Graph:
    """``depth`` hidden blocks of Linear + ReLU, each added to its input when ``residual``."""
    b = GraphBuilder().then("Input", "input").then("Linear", "stem", out_features=width)
    last = "stem"
    for i in range(1, depth + 1):
        b.add("ReLU", f"relu{i}", last).then("Linear", f"fc{i}", out_features=width)
        if residual:
            b.add("Add", f"add{i}", last, port="a").wire(f"fc{i}", f"add{i}", port="b")
            last = f"add{i}"
        else:
            last = f"fc{i}"
    return b.add("ReLU", "relu_out", last).then("Linear", "head", out_features=2).then("Output", "output").graph


def _residual(ctx: Context) -> ExperimentResult:
    from playground.data import make_dataset

    size = ["n_samples=500", "rotation=0", "config.batch_size=32", "config.epochs=10"] if ctx.quick else []
    rows: list[dict[str, Any]] = []
    mean_drop: dict[str, float] = {}
    skipped: list[str] = []
    for template, name in (("resnet", "residual"), ("plain_deep", "plain")):
        if not ctx.begin(f"lesions of the {name} network", skipped,
                         f"training the {name} network and removing each block"):
            continue
        drops = []
        for seed in range(ctx.seeds):
            session = _trained_session(template, [*size, f"config.seed={seed}"])
            for row in lesion_table(session):
                drops.append(row.drop)
                rows.append({"part": "lesion", "network": name, "seed": seed, "block": row.block,
                             "lesion": row.kind, "before": row.before, "after": row.after, "drop": row.drop})
        mean_drop[name] = float(np.mean(drops))
    bundle = make_dataset("spirals", {"n_samples": 400})
    depths = [2, 8, 16] if ctx.quick else [2, 4, 8, 16, 24]
    steps = 400 if ctx.quick else 1500
    by_depth: dict[str, list[float]] = {"plain": [], "residual": []}
    for depth in depths:
        for name in ("plain", "residual"):
            if not ctx.begin(f"{name} MLP of depth {depth}", skipped, f"training a {name} MLP of depth {depth}"):
                continue
            accs = []
            for seed in range(ctx.seeds):
                config = TrainConfig(optimizer="sgd", lr=0.01, momentum=0.9, batch_size=32, seed=seed, device="cpu")
                trainer = train_quietly(deep_mlp(depth, name == "residual"), bundle, config, steps)
                trainer.model.eval()
                result = trainer.data.evaluate(trainer.model)
                accs.append(result[1] if result and result[1] is not None and trainer.diverged_at is None else 0.5)
            by_depth[name].append(float(np.mean(accs)))
            rows.append({"part": "depth", "network": name, "depth": depth, "val_accuracy": float(np.mean(accs))})
    plot = Plot("Validation accuracy against depth (MLPs on spirals)", "hidden blocks", "validation accuracy")
    for name, values in by_depth.items():
        plot.series.append(Series(name, [float(d) for d in depths[: len(values)]], values))
    verdict = (f"removing one block costs the residual network {mean_drop.get('residual', float('nan')):.1%} "
               f"accuracy on average and the plain one {mean_drop.get('plain', float('nan')):.1%}; accuracy at depth "
               + ", ".join(f"{d}: plain {p:.1%} / residual {r:.1%}"
                           for d, p, r in zip(depths, by_depth["plain"], by_depth["residual"], strict=False)))
    facts = {"mean_drop": mean_drop, "depths": depths, "accuracy_by_depth": by_depth}
    return ExperimentResult("residual", verdict, facts, rows, plot, skipped)


def _pruning(ctx: Context) -> ExperimentResult:
    overrides = ["n_samples=400", "fc1.out_features=64", "fc2.out_features=64", "config.epochs=300"]
    ctx.progress("training the dense MLP")
    session = _trained_session("mlp", overrides)
    bundle = session.bundle()
    sparsities = [0.7, 0.9, 0.97, 0.99] if ctx.quick else [0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
    steps = 300
    dense = Evaluator(trained_model(session, bundle), bundle).score()
    rows: list[dict[str, Any]] = [{"sparsity": 0.0, "kind": "dense", "val_accuracy": dense.value}]
    ticket_acc: list[float] = []
    random_acc: list[float] = []
    skipped: list[str] = []
    for sparsity in sparsities:
        if not ctx.begin(f"sparsity {sparsity:.0%}", skipped, f"pruning to {sparsity:.0%}: the rewound ticket"):
            continue
        ticket = prune_session(session, sparsity, rewind=0, rounds=3, train_steps=steps, bundle=bundle)
        ctx.progress(f"pruning to {sparsity:.0%}: the same mask on random weights")
        masks = ticket.session.masks or {}
        assert session.config is not None
        fresh = build_model(session.graph, bundle.task, session.config.with_changes(seed=session.config.seed + 101))
        weights = masked({k: v.detach().clone() for k, v in fresh.state_dict().items()}, masks)
        random_weights = train_masked(session, bundle, weights, masks, steps)
        model = trained_model(session, bundle)
        model.load_state_dict(random_weights)
        random_score = Evaluator(model, bundle).score()
        ticket_acc.append(ticket.pruned.value)
        random_acc.append(random_score.value)
        rows.append({"sparsity": ticket.sparsity, "kind": "ticket (rewound to init)", "val_accuracy": ticket.pruned.value})
        rows.append({"sparsity": ticket.sparsity, "kind": "random re-init, same mask", "val_accuracy": random_score.value})
    done = sparsities[: len(ticket_acc)]
    plot = Plot("Pruned MLP on spirals", "share of weights removed", "validation accuracy")
    plot.series.append(Series("ticket (rewound to init)", done, ticket_acc))
    plot.series.append(Series("random re-init, same mask", done, random_acc))
    plot.series.append(Series("dense", [0.0, max(done or [1.0])], [dense.value, dense.value], dashed=True))
    verdict = (f"dense {dense.value:.1%}; " + ", ".join(
        f"{s:.0%} pruned: ticket {t:.1%} / random {r:.1%}" for s, t, r in zip(done, ticket_acc, random_acc, strict=True)))
    facts = {"dense": dense.value, "sparsities": done, "ticket": ticket_acc, "random": random_acc}
    return ExperimentResult("pruning", verdict, facts, rows, plot, skipped)


RESIDUAL = Experiment(
    "residual", "Residual networks as ensembles",
    "The residual and the plain convolutional template, after the same training, each lose one block at a "
    "time; then plain and residual MLPs of growing depth train on the spirals.",
    "Lesions hurt the residual network gently and the plain one badly; deep plain MLPs fall behind, "
    "deep residual ones don't.",
    _residual)
PRUNING = Experiment(
    "pruning", "Pruning and lottery tickets",
    "A trained MLP is pruned by weight magnitude to 70-90% sparsity in three rounds; its surviving weights "
    "are rewound to their initial values and retrained (the ticket), and the same mask is also tried "
    "on a random re-initialisation.",
    "Accuracy stays within a few points of the dense network; the ticket does at least as well as random weights.",
    _pruning)
