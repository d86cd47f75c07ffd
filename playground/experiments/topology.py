"""``topology``: networks as graphs. Many random wirings with the same parameter count, from three
graph families, trained on one task; how the result depends on clustering and path length."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from playground.experiments.base import Context, Experiment, ExperimentResult, Plot, Series, train_quietly
from playground.graph.random_wiring import (
    FAMILIES,
    average_path_length,
    clustering_coefficient,
    random_topology,
    wired_network,
)
from playground.train import TrainConfig

FAMILY_NAMES = {"erdos_renyi": "Erdős–Rényi", "watts_strogatz": "Watts–Strogatz", "barabasi_albert": "Barabási–Albert"}


def rank_correlation(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN when either side is constant."""
    def ranks(values: list[float]) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v), dtype=float)
        for value in np.unique(v):  # ties share their mean rank
            tied = v == value
            r[tied] = r[tied].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def _topology(ctx: Context) -> ExperimentResult:
    from playground.data import make_dataset

    bundle = make_dataset("spirals", {"n_samples": 400, "turns": 1.75})
    per_family = 7 if ctx.quick else 20
    nodes, steps = 8, (250 if ctx.quick else 800)
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for family in FAMILIES:
        for i in range(per_family):
            if not ctx.begin(f"{FAMILY_NAMES[family]} wiring {i + 1}", skipped,
                             f"training {FAMILY_NAMES[family]} wiring {i + 1}/{per_family}"):
                continue
            edges = random_topology(family, nodes, seed=1000 * FAMILIES.index(family) + i)
            graph = wired_network(nodes, edges, width=16)
            losses, accs = [], []
            for seed in range(ctx.seeds):
                config = TrainConfig(optimizer="adam", lr=0.01, batch_size=32, seed=seed, device="cpu")
                trainer = train_quietly(graph, bundle, config, steps)
                trainer.model.eval()
                result = trainer.data.evaluate(trainer.model)
                loss, acc = result if result else (math.nan, None)
                losses.append(loss)
                accs.append(acc if acc is not None else math.nan)
            rows.append({"family": family, "wiring": i + 1, "edges": len(edges),
                         "clustering": clustering_coefficient(nodes, edges),
                         "path_length": average_path_length(nodes, edges),
                         "parameters": sum(p.numel() for p in trainer.model.parameters()),
                         "val_loss": float(np.mean(losses)), "val_accuracy": float(np.mean(accs))})
    accuracy = [r["val_accuracy"] for r in rows]
    rho_c = rank_correlation(accuracy, [r["clustering"] for r in rows])
    rho_l = rank_correlation(accuracy, [r["path_length"] for r in rows])
    by_family = {f: float(np.mean([r["val_accuracy"] for r in rows if r["family"] == f]))
                 for f in FAMILIES if any(r["family"] == f for r in rows)}
    best = max(by_family, key=lambda f: by_family[f])
    plot = Plot(f"{len(rows)} random wirings of {nodes} nodes, equal parameters", "clustering coefficient",
                "validation accuracy")
    for family in by_family:
        picked = [r for r in rows if r["family"] == family]
        plot.series.append(Series(FAMILY_NAMES[family], [r["clustering"] for r in picked],
                                  [r["val_accuracy"] for r in picked], markers_only=True))
    verdict = (f"{len(rows)} wirings: rank correlation of accuracy with clustering {rho_c:+.2f}, with average "
               f"path length {rho_l:+.2f}; best family {FAMILY_NAMES[best]} "
               f"({', '.join(f'{FAMILY_NAMES[f]} {a:.1%}' for f, a in by_family.items())})")
    facts = {"wirings": len(rows), "rho_clustering": rho_c, "rho_path_length": rho_l, "best_family": best,
             "accuracy_by_family": by_family, "parameters": sorted({r["parameters"] for r in rows})}
    return ExperimentResult("topology", verdict, facts, rows, plot, skipped)


TOPOLOGY = Experiment(
    "topology", "Networks as graphs",
    "Randomly wired networks from three graph families (Erdős–Rényi, Watts–Strogatz small-world, "
    "Barabási–Albert), every node a ReLU–Linear block and every edge a summed input, all with the "
    "same number of parameters, trained on the same spirals.",
    "How accuracy varies with the wiring's clustering coefficient and average path length.",
    _topology)
