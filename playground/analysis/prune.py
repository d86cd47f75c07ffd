"""Prune a trained session: one shot or an iterative schedule, optional fine-tuning, and the
lottery-ticket rewind.

Each of ``rounds`` rounds removes the same share of what is left (five rounds to 0.67 take
20% a round), ranked by magnitude (``pruning.magnitude_masks``), then:

* ``rewind`` given: the surviving weights go back to their values at that step (0: the
  initial weights) and the network retrains with the mask fixed, for ``train_steps`` (default:
  as many steps as the session had trained after that point);
* else, with ``train_steps`` > 0: fine-tuning from the pruned weights with the mask fixed;
* else: nothing more (one-shot magnitude pruning).

The validation metric after every round makes the curve (sparsity, metric). Rewind points are
part of the record: the weights at step k are kept in the session (``Session.rewind_weights``);
a session that has none replays its own run to step k from its seed (the run is reproducible
by step number), and the pruned session keeps them, so a later rewind uses the kept copy.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import torch

from playground.analysis.evaluation import Evaluator, Score, trained_model
from playground.analysis.pruning import Masks, PruneError, check_sparsity, magnitude_masks, sparsity_of
from playground.compile.masks import keep_masks, masked
from playground.data import DataBundle
from playground.session.model import Session
from playground.train import MetricsBuffer, TrainConfig, Trainer


@dataclass(frozen=True)
class CurvePoint:
    round: int
    sparsity: float
    metric: str
    value: float


@dataclass
class PruneResult:
    session: Session  # a pruned copy; the input session is unchanged
    curve: list[CurvePoint]
    dense: Score
    pruned: Score

    @property
    def sparsity(self) -> float:
        return self.curve[-1].sparsity


def trained_steps(session: Session) -> int:
    counters = (session.trainer_state or {}).get("counters") or {}
    return int(counters.get("step", 0))


def check_rewind(session: Session, rewind: int | None) -> None:
    if rewind is None:
        return
    last = trained_steps(session)
    recorded = sorted(set(session.rewind_weights) | set(range(0, last + 1)))
    if rewind < 0 or rewind not in recorded:
        raise PruneError(f"rewind step {rewind} is past the recorded ones: this session was trained for "
                         f"{last} steps, so rewind to init (0) or a step up to {last}")


def prune_session(session: Session, sparsity: float, per_layer: bool = False, units: bool = False,
                  rewind: int | None = None, rounds: int = 1, train_steps: int | None = None,
                  bundle: DataBundle | None = None,
                  progress: Callable[[CurvePoint], None] | None = None) -> PruneResult:
    """Prune ``session`` (trained) to ``sparsity``; everything is checked before any work."""
    check_sparsity(sparsity)
    if rounds < 1:
        raise PruneError(f"rounds must be at least 1, not {rounds}")
    if train_steps is not None and train_steps < 0:
        raise PruneError(f"training steps must be 0 or more, not {train_steps}")
    check_rewind(session, rewind)
    bundle = bundle if bundle is not None else session.bundle()
    model = trained_model(session, bundle)
    out = _copy(session)
    evaluator = Evaluator(model, bundle)
    dense = evaluator.score()
    curve = [CurvePoint(0, sparsity_of(session.masks or {}, model), dense.metric, dense.value)]
    start: dict[str, torch.Tensor] | None = None
    if rewind is not None:
        start = rewind_weights(session, bundle, rewind)
        out.rewind_weights[rewind] = start
        if train_steps is None:
            train_steps = max(trained_steps(session) - rewind, 1)
    masks: Masks = dict(session.masks or {})
    score = dense
    for r in range(1, rounds + 1):
        target = 1.0 - (1.0 - sparsity) ** (r / rounds)
        masks = magnitude_masks(model, target, per_layer, units, keep=masks)
        weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if start is not None:
            weights.update({k: v.clone() for k, v in start.items() if k in masks})
        weights = masked(weights, masks)
        if train_steps:
            weights = train_masked(session, bundle, weights, masks, train_steps)
        model.load_state_dict(weights)
        score = evaluator.score()
        point = CurvePoint(r, sparsity_of(masks, model), score.metric, score.value)
        curve.append(point)
        if progress is not None:
            progress(point)
    out.weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    out.masks = masks
    out.optimizer_state = None  # the optimizer's moments belong to the dense weights
    return PruneResult(out, curve, dense, score)


def rewind_weights(session: Session, bundle: DataBundle, step: int) -> dict[str, torch.Tensor]:
    """The session's weights at ``step``: the kept copy, else its run replayed from the seed."""
    if step in session.rewind_weights:
        return {k: v.clone() for k, v in session.rewind_weights[step].items()}
    replay = Trainer(session.graph, bundle, _config(session), MetricsBuffer(), record=False)
    if step:
        replay.run(max_steps=step, raise_errors=True, wait_when_paused=False)
    return {k: v.detach().cpu().clone() for k, v in replay.model.state_dict().items()}


def train_masked(session: Session, bundle: DataBundle, weights: dict[str, torch.Tensor], masks: Masks,
                 steps: int) -> dict[str, torch.Tensor]:
    """``weights`` trained ``steps`` steps with ``masks`` held at zero (the session's settings)."""
    trainer = Trainer(session.graph, bundle, _config(session), MetricsBuffer(), record=False)
    trainer.model.load_state_dict(weights)
    handle = keep_masks(trainer.model, masks)
    try:
        trainer.run(max_steps=steps, raise_errors=True, wait_when_paused=False)
    finally:
        handle.remove()
    if trainer.state == "error":
        raise PruneError(f"retraining the pruned network failed: {trainer.buffer}")
    return masked({k: v.detach().cpu() for k, v in trainer.model.state_dict().items()}, masks)


def _config(session: Session) -> TrainConfig:
    assert session.config is not None
    # the steps are counted by the caller; the session's own limits must not stop it earlier
    return dataclasses.replace(session.config, epochs=0, max_steps=0, device="cpu")


def _copy(session: Session) -> Session:
    out = copy.copy(session)
    out.graph = session.graph.copy()
    out.rewind_weights = dict(session.rewind_weights)
    out.lesions = list(session.lesions)
    out.warnings = []
    return out
