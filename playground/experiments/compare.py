"""Run comparison: variants of the session's network or settings, each over several seeds, on
the same data.

A variant is a name and a list of changes (``compare_changes``: ``lr=0.1``,
``fc1.out_features=16``, ``template=plain_deep``, ``add_layer=fc1``). ``plan_comparison``
checks every variant before anything trains (one ``SettingError`` line naming the variant);
``run_comparison`` trains each variant's seeds together through ``train.variants.train_variants``
(one stacked model where the network allows it, Trainers one after another otherwise) for the
same number of steps, and gives per variant: the training loss at every step of every seed, the
mean and the spread (min–max over seeds: the band contains every seed's curve), the final
metrics, the parameters and multiply–accumulates (``analysis.summary``) and the wall time.

``record_run`` trains one run again with a recording Trainer (same config and seed, so the same
run) to give its full record for the views shown side by side. ``VariantResult.to_dict`` is
the session's ``variants`` entry (see ``session.variants_part``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.experiments.compare_changes import apply_changes
from playground.graph.model import Graph
from playground.session.new import SettingError
from playground.train.config import TrainConfig
from playground.train.metrics import MetricsBuffer

MAX_VARIANTS = 16
MAX_SEEDS = 64
MAX_STEPS = 100_000
MAX_POINTS = 10_000_000  # losses kept in all (80 MB): the curves of every seed of every variant
METRICS = ("train_loss", "val_loss", "val_accuracy")
Progress = Callable[[int, int, str], None]


@dataclass
class VariantSpec:
    name: str
    changes: list[str] = field(default_factory=list)


@dataclass
class PlannedVariant:
    """A variant ready to train: its network, one config per seed, its size and cost."""

    spec: VariantSpec
    graph: Graph
    configs: list[TrainConfig]
    steps: int
    params: int
    macs: int


@dataclass
class SeedRun:
    seed: int
    losses: np.ndarray  # training loss at steps 1..steps (NaN from a divergence on)
    val_loss: float
    val_accuracy: float | None

    @property
    def train_loss(self) -> float:
        finite = self.losses[np.isfinite(self.losses)]
        return float(finite[-1]) if len(finite) else math.nan

    def metric(self, name: str) -> float:
        value = getattr(self, name)
        return math.nan if value is None else float(value)

    def history(self) -> dict[str, dict[str, list[float]]]:
        """The run's scalar history in ``MetricsBuffer.export_history`` form (the stacked engine
        times the whole run, not single steps: ``wall`` is 0)."""
        steps = np.arange(1, len(self.losses) + 1, dtype=np.float64)
        keep = np.isfinite(self.losses)
        return {"train/loss": {"steps": steps[keep].tolist(), "values": self.losses[keep].tolist(),
                               "wall": [0.0] * int(keep.sum()), "stride": [1.0]}}


@dataclass
class VariantResult:
    name: str
    changes: list[str]
    engine: str
    reason: str
    steps: int
    params: int
    macs: int
    seconds: float
    runs: list[SeedRun]

    @property
    def seeds(self) -> list[int]:
        return [run.seed for run in self.runs]

    def curves(self) -> np.ndarray:
        """(seeds, steps): every seed's training loss per step."""
        return np.stack([run.losses for run in self.runs]) if self.runs else np.zeros((0, self.steps))

    def band(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(steps 1..n, mean, min, max) over seeds, at the steps where some seed has a loss."""
        curves = self.curves()
        steps = np.arange(1, curves.shape[1] + 1, dtype=np.float64)
        alive = np.isfinite(curves).any(axis=0) if len(curves) else np.zeros(0, bool)
        kept = curves[:, alive]
        with np.errstate(all="ignore"):
            return steps[alive], np.nanmean(kept, 0), np.nanmin(kept, 0), np.nanmax(kept, 0)

    def final(self, metric: str) -> dict[str, float]:
        """``metric`` (train_loss, val_loss, val_accuracy) over seeds: mean, std, min, max, n."""
        values = np.asarray([run.metric(metric) for run in self.runs], dtype=np.float64)
        values = values[np.isfinite(values)]
        if not len(values):
            return {"mean": math.nan, "std": math.nan, "min": math.nan, "max": math.nan, "n": 0}
        return {"mean": float(values.mean()), "std": float(values.std()), "min": float(values.min()),
                "max": float(values.max()), "n": len(values)}

    def to_dict(self) -> dict[str, Any]:
        """The session's ``variants`` entry: JSON-safe, NaN as None."""
        return {"name": self.name, "changes": list(self.changes), "seeds": self.seeds, "steps": self.steps,
                "engine": self.engine, "reason": self.reason, "params": self.params, "macs": self.macs,
                "seconds": self.seconds,
                "runs": [{"seed": run.seed, "history": run.history(), "val_loss": _or_none(run.val_loss),
                          "val_accuracy": _or_none(run.val_accuracy)} for run in self.runs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VariantResult:
        """From a validated session entry (``session.variants_part`` checks it on load)."""
        steps = int(data["steps"])
        runs = []
        for run in data["runs"]:
            losses = np.full(steps, np.nan)
            series = run["history"].get("train/loss", {"steps": [], "values": []})
            for step, value in zip(series["steps"], series["values"], strict=False):
                if 1 <= int(step) <= steps:
                    losses[int(step) - 1] = float(value)
            runs.append(SeedRun(int(run["seed"]), losses, _nan(run.get("val_loss")), run.get("val_accuracy")))
        return cls(str(data["name"]), [str(c) for c in data["changes"]], str(data.get("engine", "")),
                   str(data.get("reason", "")), steps, int(data.get("params", 0)), int(data.get("macs", 0)),
                   float(data.get("seconds", 0.0)), runs)


@dataclass
class Comparison:
    results: list[VariantResult] = field(default_factory=list)
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # variants a stop left out

    def to_session(self) -> list[dict[str, Any]]:
        return [result.to_dict() for result in self.results]

    @classmethod
    def from_session(cls, entries: Sequence[dict[str, Any]]) -> Comparison:
        return cls([VariantResult.from_dict(entry) for entry in entries])


def _or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _nan(value: Any) -> float:
    return math.nan if value is None else float(value)


def plan_comparison(graph: Graph, config: TrainConfig, dataset: str, bundle: Any, variants: Sequence[VariantSpec],
                    seeds: int, steps: int) -> list[PlannedVariant]:
    """Every variant checked and built (network compiled, size measured) before any training."""
    if not variants:
        raise SettingError("add at least one variant to compare")
    if len(variants) > MAX_VARIANTS:
        raise SettingError(f"{len(variants)} variants: at most {MAX_VARIANTS} are compared at once")
    if not 1 <= seeds <= MAX_SEEDS:
        raise SettingError(f"seeds {seeds}: give 1 to {MAX_SEEDS} seeds")
    if not 1 <= steps <= MAX_STEPS:
        raise SettingError(f"steps {steps}: give 1 to {MAX_STEPS:,} steps")
    if len(variants) * seeds * steps > MAX_POINTS:
        raise SettingError(f"{len(variants)} variants × {seeds} seeds × {steps:,} steps keep too many losses "
                           f"(at most {MAX_POINTS:,}); give fewer seeds or steps")
    names = [v.name.strip() for v in variants]
    for i, name in enumerate(names):
        if not name:
            raise SettingError(f"variant {i + 1} has no name")
        if names.index(name) != i:
            raise SettingError(f"two variants are called {name!r}; give each its own name")
    return [plan_variant(graph, config, dataset, bundle, VariantSpec(name, list(v.changes)), seeds, steps)
            for name, v in zip(names, variants, strict=True)]


def plan_variant(graph: Graph, config: TrainConfig, dataset: str, bundle: Any, spec: VariantSpec, seeds: int,
                 steps: int, seed_list: Sequence[int] | None = None) -> PlannedVariant:
    from playground.analysis.summary import model_summary
    from playground.compile import CompileError

    where = f"variant {spec.name!r}"
    if bundle is None:
        raise SettingError("choose a dataset first: the variants are compared on its data")
    task = bundle.task
    changed_graph, changed = apply_changes(graph, config, dataset, task, spec.changes, where)
    # a whole run of ``steps`` steps: schedules decay over it and each Trainer stops at its end
    base = changed.with_changes(max_steps=steps, until_stopped=False, pace="fastest")
    chosen = list(seed_list) if seed_list is not None else [base.seed + i for i in range(seeds)]
    try:
        summary = model_summary(changed_graph, task)
    except CompileError as err:
        raise SettingError(f"{where}: {err}") from None
    except (RuntimeError, ValueError) as err:  # shapes that only the forward pass finds wrong
        raise SettingError(f"{where}: the network does not run on this data ({err})") from None
    return PlannedVariant(spec, changed_graph, [base.with_changes(seed=s) for s in chosen], steps,
                          summary.params, summary.macs)


def run_comparison(planned: Sequence[PlannedVariant], bundle: Any, should_stop: Callable[[], bool] | None = None,
                   progress: Progress | None = None) -> Comparison:
    """Train every planned variant's seeds; a stop keeps the finished variants and names the rest."""
    from playground.train.variants import train_variants

    stop = should_stop or (lambda: False)
    comparison = Comparison()
    started = time.perf_counter()
    for index, plan in enumerate(planned):
        if stop():
            comparison.skipped = [p.spec.name for p in planned[index:]]
            break
        if progress is not None:
            progress(index, len(planned), f"training {plan.spec.name} ({len(plan.configs)} seeds)")
        run = train_variants(plan.graph, bundle, plan.configs, plan.steps, should_stop=stop)
        if len(run.configs) < len(plan.configs) or run.losses.shape[1] < plan.steps:
            comparison.skipped = [p.spec.name for p in planned[index:]]  # stopped mid-way: not a whole result
            break
        runs = [SeedRun(cfg.seed, run.losses[k].copy(), float(run.val_loss[k]),
                        None if run.val_accuracy is None else float(run.val_accuracy[k]))
                for k, cfg in enumerate(run.configs)]
        comparison.results.append(VariantResult(plan.spec.name, list(plan.spec.changes), run.engine, run.reason,
                                                plan.steps, plan.params, plan.macs, run.seconds, runs))
        if progress is not None:
            progress(index + 1, len(planned), f"{plan.spec.name}: {run.engine}, {run.seconds:.1f} s")
    comparison.seconds = time.perf_counter() - started
    return comparison


def record_run(plan: PlannedVariant, bundle: Any, seed: int) -> MetricsBuffer:
    """The full record (every snapshot kind, on the step schedule) of ``plan``'s run with
    ``seed``: a recording Trainer with the same config gives the same run the comparison trained."""
    from playground.train.trainer import Trainer

    config = next((c for c in plan.configs if c.seed == seed), plan.configs[0].with_changes(seed=seed))
    buffer = MetricsBuffer()
    trainer = Trainer(plan.graph, bundle, config, buffer)
    trainer.run(max_steps=plan.steps, wait_when_paused=False)
    return buffer
