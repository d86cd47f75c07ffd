"""A trained session's network and its main validation metric.

The main metric is what a lesion or a pruning is judged by: accuracy (a fraction in [0, 1])
for tasks with classes (classification, sequences), the validation loss otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.compile.compiler import CompiledModel, CompileError, compile_graph
from playground.data import DataBundle
from playground.session.errors import SessionError
from playground.session.model import Session
from playground.train.batches import BatchSampler, LossKit


@dataclass(frozen=True)
class Score:
    loss: float
    accuracy: float | None

    @property
    def metric(self) -> str:
        return "val/loss" if self.accuracy is None else "val/accuracy"

    @property
    def value(self) -> float:
        return self.loss if self.accuracy is None else self.accuracy


def drop(before: Score, after: Score) -> float:
    """How much worse ``after`` is than ``before`` on the main metric (worse is positive)."""
    if before.accuracy is not None and after.accuracy is not None:
        return before.accuracy - after.accuracy
    return after.loss - before.loss


def trained_model(session: Session, bundle: DataBundle, need_weights: bool = True) -> CompiledModel:
    """The session's network with its learned weights, in eval mode, on the CPU."""
    if need_weights and session.weights is None:
        raise SessionError("the session is untrained: train it first (playground train FILE)")
    try:
        model = compile_graph(session.graph, bundle.task)
    except CompileError as err:
        raise SessionError(str(err)) from None
    if session.weights is not None:
        try:
            model.load_state_dict(session.weights)
        except (RuntimeError, KeyError) as err:
            raise SessionError(f"the saved weights do not fit this network ({err})") from None
    return model.eval()


class Evaluator:
    """Scores a model on a bundle's validation set (the data stay put between calls)."""

    def __init__(self, model: CompiledModel, bundle: DataBundle) -> None:
        self.model = model
        loss = LossKit(model.loss_name, bundle.task)
        self.data = BatchSampler(bundle, torch.device("cpu"), loss, 0, 0)
        if len(self.data.xv) == 0:
            raise SessionError("the dataset has no validation samples to measure on")

    def score(self) -> Score:
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                result = self.data.evaluate(self.model)
        finally:
            self.model.train(was_training)
        assert result is not None
        return Score(*result)
