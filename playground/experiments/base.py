"""What an experiment is, and running one: set-up, training, a measured verdict, CSV and a plot.

An ``Experiment`` has a name, a short explanation, what to look for, and ``run(ctx)``, which
trains its variants for real and returns an ``ExperimentResult``: the verdict (one line computed
from the run), ``facts`` (the measured numbers the verdict is made of, for tests and the
README), ``rows`` (its metrics, written as CSV) and ``plot`` (its key plot, drawn to PNG by the
app's renderer). ``ctx.quick`` asks for the version that fits in about a minute on two cores.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.data import DataBundle
from playground.graph.model import Graph
from playground.train import MetricsBuffer, TrainConfig, Trainer


class ExperimentError(ValueError):
    """An unknown experiment, a bad option or an output that cannot be written: one line."""


@dataclass
class Series:
    label: str
    x: list[float]
    y: list[float]
    band: list[float] | None = None  # ± spread around y (e.g. across seeds)
    dashed: bool = False
    markers_only: bool = False  # a scatter


@dataclass
class Plot:
    title: str
    x_label: str
    y_label: str
    series: list[Series] = field(default_factory=list)
    log_x: bool = False
    log_y: bool = False


@dataclass
class ExperimentResult:
    name: str
    verdict: str
    facts: dict[str, Any]
    rows: list[dict[str, Any]]
    plot: Plot
    skipped: list[str] = field(default_factory=list)  # what a stop left out


@dataclass
class Context:
    quick: bool = False
    seeds: int = 1
    should_stop: Callable[[], bool] = field(default=lambda: False)
    progress: Callable[[str], None] = field(default=lambda _text: None)

    def begin(self, what: str, skipped: list[str], doing: str | None = None) -> bool:
        """Whether to go on with ``what``: False (and ``what`` noted as skipped) once a stop was
        asked for; otherwise the progress line says ``doing`` (default: "training WHAT")."""
        if self.should_stop():
            skipped.append(what)
            return False
        self.progress(doing if doing is not None else f"training {what}")
        return True


def train_quietly(graph: Graph, bundle: DataBundle, config: TrainConfig, steps: int) -> Trainer:
    """A Trainer run for ``steps`` with the loss only (experiments measure at the end)."""
    trainer = Trainer(graph, bundle, config, MetricsBuffer(), record=False)
    trainer.run(max_steps=steps, wait_when_paused=False)
    return trainer


@dataclass
class Experiment:
    name: str
    title: str
    explanation: str
    look_for: str
    run: Callable[[Context], ExperimentResult]


def write_rows(rows: list[dict[str, Any]], path: Path) -> Path:
    """The metrics as CSV: the union of the rows' keys, in first-seen order."""
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(keys)
        for row in rows:
            writer.writerow([_cell(row.get(k)) for k in keys])
    return path


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)
