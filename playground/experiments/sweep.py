"""Sweeps: a grid of settings times seeds, trained as batched variants where they can be.

``parse_grid(["lr=0.01,0.03", "fc1.out_features=8,16"])`` reads the grid. A key is a training
setting (``lr`` or ``config.lr``), a dataset parameter (``data.noise``) or a block's parameter
by the block's name (``fc1.out_features``), as ``playground new --set`` reads them. Every point of
the grid is trained once per seed. Points that share their network, data and shape-changing
settings form one group, and each group is trained by ``train.variants.train_variants``, so
seeds and learning rates of a small network train as one stacked model.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.session.model import Session
from playground.session.new import SettingError, apply_overrides, parse_value
from playground.train.config import TrainConfig
from playground.train.variants import PER_VARIANT, run_length, train_variants

Grid = list[tuple[str, list[Any]]]
MAX_RUNS = 4096  # a grid that large is a typo (a missing comma makes a long list of one value)


def parse_grid(items: Sequence[str]) -> Grid:
    """``"KEY=V1,V2,..."`` items -> [(key, values)]; SettingError with one line when malformed."""
    grid: Grid = []
    for item in items:
        key, sep, raw = str(item).partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise SettingError(f"--grid {item!r}: expected KEY=V1,V2,..., e.g. lr=0.01,0.03,0.1")
        if any(key == k for k, _ in grid):
            raise SettingError(f"--grid {key} is given twice; list all its values in one --grid")
        values = [parse_value(v.strip()) for v in raw.split(",") if v.strip()]
        grid.append((key, values))
    return grid


def _scoped(key: str) -> str:
    """A bare training-setting name means the config (``lr`` -> ``config.lr``)."""
    if "." in key:
        return key
    return f"config.{key}" if key in TrainConfig.__dataclass_fields__ else f"data.{key}"


@dataclass
class SweepRow:
    settings: dict[str, Any]
    seed: int
    engine: str
    train_loss: float
    val_loss: float
    val_accuracy: float | None
    diverged_at: int | None


@dataclass
class SweepResult:
    rows: list[SweepRow] = field(default_factory=list)
    seconds: float = 0.0
    skipped: int = 0  # runs not trained because the sweep was stopped

    def summary(self) -> list[dict[str, Any]]:
        """Mean and spread over seeds for every grid point, in grid order."""
        points: dict[tuple, list[SweepRow]] = {}
        for row in self.rows:
            points.setdefault(tuple(row.settings.items()), []).append(row)
        out = []
        for key, rows in points.items():
            entry: dict[str, Any] = dict(key)
            for metric in ("val_loss", "val_accuracy", "train_loss"):
                values = np.asarray([getattr(r, metric) for r in rows if getattr(r, metric) is not None], float)
                values = values[np.isfinite(values)]
                entry[metric] = float(values.mean()) if len(values) else math.nan
                entry[f"{metric}_std"] = float(values.std()) if len(values) else math.nan
            entry["seeds"] = len(rows)
            entry["diverged"] = sum(r.diverged_at is not None for r in rows)
            out.append(entry)
        return out


def plan(session: Session, grid: Grid, seeds: int) -> list[tuple[dict[str, Any], Session, list[TrainConfig]]]:
    """The sweep's groups: (grid point, its session, one config per seed). Checks every setting."""
    if seeds < 1:
        raise SettingError(f"--seeds {seeds}: give at least 1 seed")
    total = seeds * math.prod(len(values) for _, values in grid)
    if total > MAX_RUNS:
        raise SettingError(f"the sweep has {total:,} runs; at most {MAX_RUNS:,} are allowed")
    base = session.config or TrainConfig()
    groups = []
    for combo in itertools.product(*[[(key, v) for v in values] for key, values in grid]):
        point = dict(combo)
        graph = session.graph.copy()
        data_params = dict(session.dataset_params)
        config = base.to_dict()
        overrides = []
        for key, value in combo:
            scope, _, name = _scoped(key).rpartition(".")
            overrides.append((scope, name, value))
        apply_overrides(graph, data_params, config, overrides, session.dataset)
        try:
            point_config = TrainConfig.from_dict(config)
            point_config.validate()
        except ValueError as err:
            raise SettingError(f"--grid {', '.join(f'{k}={v}' for k, v in combo)}: {err}") from None
        point_session = Session(graph=graph, dataset=session.dataset, dataset_params=data_params,
                                config=point_config, embedded_data=session.embedded_data)
        configs = [point_config.with_changes(seed=point_config.seed + i) for i in range(seeds)]
        groups.append((point, point_session, configs))
    return groups


def _stack_key(point_session: Session) -> str:
    """Grid points with equal keys differ only in what variants may differ in: one stacked group."""
    assert point_session.config is not None
    config = {k: v for k, v in point_session.config.to_dict().items() if k not in PER_VARIANT}
    return json.dumps([point_session.graph.to_dict(), point_session.dataset_params, config], sort_keys=True,
                      default=str)


def run_sweep(session: Session, grid: Grid, seeds: int, steps: int | None = None,
              should_stop: Callable[[], bool] | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Train every grid point for every seed (``steps`` each, else the session's run length).
    Points that differ only in per-variant settings (e.g. learning rates) train together."""
    groups: dict[str, list[tuple[dict[str, Any], Session, list[TrainConfig]]]] = {}
    for entry in plan(session, grid, seeds):
        groups.setdefault(_stack_key(entry[1]), []).append(entry)
    result = SweepResult()
    start = time.perf_counter()
    for index, members in enumerate(groups.values()):
        configs = [cfg for _, _, cfgs in members for cfg in cfgs]
        if should_stop is not None and should_stop():
            result.skipped += sum(len(c) for m in list(groups.values())[index:] for _, _, c in m)
            break
        point_session = members[0][1]
        bundle = point_session.bundle()
        n = len(bundle.x_train)
        batch = configs[0].batch_size
        per_epoch = 1 if batch == 0 or batch >= n else math.ceil(n / batch)
        length = steps if steps is not None else run_length(configs[0], per_epoch)
        if length <= 0:
            raise SettingError("the session's training runs until stopped: give --steps N for the sweep")
        run = train_variants(point_session.graph, bundle, configs, length, should_stop=should_stop)
        diverged = run.diverged_at()
        points = [point for point, _, cfgs in members for _ in cfgs]
        for k, config in enumerate(run.configs):
            finite = run.losses[k][np.isfinite(run.losses[k])]
            result.rows.append(SweepRow(
                settings=points[k], seed=config.seed, engine=run.engine,
                train_loss=float(finite[-1]) if len(finite) else math.nan, val_loss=float(run.val_loss[k]),
                val_accuracy=None if run.val_accuracy is None else float(run.val_accuracy[k]),
                diverged_at=diverged[k]))
        result.skipped += len(configs) - len(run.configs)
        if progress is not None:
            progress(index + 1, len(groups))
    result.seconds = time.perf_counter() - start
    return result
