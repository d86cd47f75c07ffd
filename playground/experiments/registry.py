"""The experiments by name: look one up, run it with a Context built from the options."""

from __future__ import annotations

from collections.abc import Callable

from playground.experiments.base import Context, Experiment, ExperimentError, ExperimentResult
from playground.experiments.classics import CLASSICS
from playground.experiments.dissection import PRUNING, RESIDUAL
from playground.experiments.double_descent import DOUBLE_DESCENT
from playground.experiments.inductive_bias import INDUCTIVE_BIAS
from playground.experiments.regularizers import REGULARIZERS
from playground.experiments.topology import TOPOLOGY

EXPERIMENTS: dict[str, Experiment] = {exp.name: exp for exp in [*CLASSICS[:1], RESIDUAL, INDUCTIVE_BIAS, REGULARIZERS, *CLASSICS[1:], PRUNING, DOUBLE_DESCENT, TOPOLOGY]}


def get_experiment(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise ExperimentError(f"unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


def run_experiment(name: str, quick: bool = False, seeds: int = 1,
                   should_stop: Callable[[], bool] | None = None,
                   progress: Callable[[str], None] | None = None) -> ExperimentResult:
    if seeds < 1:
        raise ExperimentError(f"--seeds {seeds}: give at least 1 seed")
    experiment = get_experiment(name)
    ctx = Context(quick=quick, seeds=seeds)
    if should_stop is not None:
        ctx.should_stop = should_stop
    if progress is not None:
        ctx.progress = progress
    return experiment.run(ctx)
