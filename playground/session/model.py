"""Session: everything needed to reopen a piece of work exactly where it was left."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from playground import __version__
from playground.graph.model import Graph
from playground.session.errors import SessionError

if TYPE_CHECKING:
    from playground.data import DataBundle
    from playground.train import MetricsBuffer, TrainConfig, Trainer
    from playground.train.estimate import MemoryEstimate

SCHEMA_VERSION = 2
DATA_ARRAYS = ("x_train", "y_train", "x_val", "y_val")
_TRAINER_PARTS = ("model", "optimizer")


@dataclass
class Session:
    """A network, its data and training set-up, what it learned, and how it was shown.

    * ``weights``: the model's state_dict (None before training);
    * ``optimizer_state``: the optimizer's state_dict; ``trainer_state``: the rest of
      ``Trainer.state_dict()`` (step/epoch counters, RNG states) for exact resume;
    * ``history``: ``MetricsBuffer.export_history()`` (scalar series); ``record``:
      ``MetricsBuffer.export_record()`` (every snapshot kind: a JSON-safe meta dict and flat
      numeric arrays), None when there is none; ``runs``: earlier runs, each a dict
      with at least ``"history"`` (same format) plus any JSON-safe fields (``"label"``, ``"config"``);
    * ``embedded_data``: for datasets that cannot be regenerated (CSV): ``{"task": TaskSpec
      fields, "meta": JSON-safe meta, "arrays": {x_train, y_train, x_val, y_val}}``;
    * ``ui_state``: whatever JSON-safe dict the app hands over (layout, viewport, views).
    """

    graph: Graph
    dataset: str
    dataset_params: dict[str, Any] = field(default_factory=dict)
    config: TrainConfig | None = None
    weights: dict[str, torch.Tensor] | None = None
    optimizer_state: dict[str, Any] | None = None
    trainer_state: dict[str, Any] | None = None
    history: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    record: tuple[dict[str, Any], dict[str, np.ndarray]] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    notes: str = ""
    ui_state: dict[str, Any] = field(default_factory=dict)
    embedded_data: dict[str, Any] | None = None
    # playground.analysis (session/analysis_part.py): lesions as {"kind", "node_id", "units"};
    # pruning masks by state_dict key (True kept); lottery-ticket rewind weights by step
    lesions: list[dict[str, Any]] = field(default_factory=list)
    masks: dict[str, torch.Tensor] | None = None
    rewind_weights: dict[int, dict[str, torch.Tensor]] = field(default_factory=dict)
    # playground.experiments.compare (session/variants_part.py): compared variants, each with its
    # name, changes, seeds and per seed its history
    variants: list[dict[str, Any]] = field(default_factory=list)
    # the best checkpoint by a validation metric (playground.train.best, session/best_part.py)
    best: dict[str, Any] | None = None
    app_version: str = __version__
    schema: int = SCHEMA_VERSION
    warnings: list[str] = field(default_factory=list)  # not saved: what loading had to tell

    def __post_init__(self) -> None:
        if self.config is None:
            from playground.train import TrainConfig

            self.config = TrainConfig()

    # ------------------------------------------------------------- data
    def bundle(self) -> DataBundle:
        """The dataset: regenerated from name and params, or rebuilt from embedded arrays."""
        from playground.data import DataBundle, DatasetError, make_dataset
        from playground.graph.spec import TaskSpec

        if self.embedded_data is None:
            try:
                return make_dataset(self.dataset, dict(self.dataset_params))
            except DatasetError as err:
                raise SessionError(str(err)) from None
        emb = self.embedded_data
        t = dict(emb["task"])
        for key in ("input_shape", "target_shape"):
            t[key] = tuple(t.get(key, ()))
        arrays = {k: torch.from_numpy(np.array(emb["arrays"][k])) for k in DATA_ARRAYS}
        return DataBundle(name=self.dataset, params=dict(self.dataset_params), task=TaskSpec(**t),
                          meta=dict(emb.get("meta", {})), **arrays)

    def embed_bundle(self, bundle: DataBundle) -> None:
        """Keep the bundle's arrays in the session (for data that cannot be regenerated)."""
        task = bundle.task
        self.embedded_data = {
            "task": {"task": task.task, "input_shape": list(task.input_shape),
                     "input_dtype": task.input_dtype, "target_shape": list(task.target_shape),
                     "num_classes": task.num_classes, "vocab_size": task.vocab_size},
            "meta": _json_safe_meta(bundle.meta),
            "arrays": {k: getattr(bundle, k).detach().cpu().numpy() for k in DATA_ARRAYS},
        }

    # ---------------------------------------------------------- training
    def capture(self, trainer: Trainer) -> None:
        """Take weights, optimizer, counters, RNG and metric history from a trainer."""
        state = trainer.state_dict()
        self.weights = {k: v.detach().cpu().clone() for k, v in state.get("model", {}).items()}
        if self.masks:  # the last optimizer step moved pruned weights; they are zeros in the record
            from playground.compile.masks import masked

            self.weights = masked(self.weights, self.masks)
        self.optimizer_state = state.get("optimizer")
        self.trainer_state = {k: v for k, v in state.items() if k not in _TRAINER_PARTS}
        self.config = trainer.config
        self.best = trainer.best
        if trainer.buffer is not None:
            self.history = trainer.buffer.export_history()
            export = getattr(trainer.buffer, "export_record", None)  # contract 1 (record engineer)
            if export is not None:
                self.record = export()

    def trainer_state_dict(self) -> dict[str, Any] | None:
        """The dict ``Trainer.load_state_dict`` expects, or None if nothing was trained."""
        if self.weights is None:
            return None
        state = dict(self.trainer_state or {})
        state["model"] = self.weights
        if self.optimizer_state is not None:
            state["optimizer"] = self.optimizer_state
        return state

    def memory_estimate(self, bundle: DataBundle | None = None) -> MemoryEstimate:
        """What training this session will take (``playground.train.estimate``), from shapes only."""
        from playground.compile import CompileError
        from playground.train.estimate import estimate_training

        bundle = bundle if bundle is not None else self.bundle()
        try:
            return estimate_training(self.graph, bundle.task, self.config, samples=len(bundle.x_train),
                                     val_samples=len(bundle.x_val))
        except CompileError as err:
            raise SessionError(str(err)) from None

    def ensure_memory(self, bundle: DataBundle | None = None, budget: int | None = None) -> None:
        """SessionError with one line (what is too big, how much, the limit) when training would
        not fit the memory budget."""
        from playground.train.estimate import MemoryBudgetError, ensure_fits

        try:
            ensure_fits(self.memory_estimate(bundle), budget)
        except MemoryBudgetError as err:
            raise SessionError(str(err)) from None

    def make_trainer(self, buffer: MetricsBuffer | None = None, bundle: DataBundle | None = None) -> Trainer:
        """A Trainer for this session, resumed from the saved state (if any) and history."""
        from playground.compile import CompileError
        from playground.train import MetricsBuffer, Trainer

        buffer = buffer if buffer is not None else MetricsBuffer()
        if self.history:
            buffer.import_history(self.history)
        restore = getattr(buffer, "import_record", None)
        if self.record is not None and restore is not None:
            try:
                restore(*self.record)
            except ValueError as err:  # the buffer is left unchanged; the session still trains
                self.warnings.append(f"the recorded snapshots could not be restored ({err}), so they start over")
        bundle = bundle if bundle is not None else self.bundle()
        self.ensure_memory(bundle)
        try:
            trainer = Trainer(self.graph, bundle, self.config, buffer)
        except CompileError as err:
            raise SessionError(str(err)) from None
        state = self.trainer_state_dict()
        if state is not None:
            try:
                if self.trainer_state is None:
                    trainer.model.load_state_dict(state["model"])
                else:
                    if self.optimizer_state is None:  # resume the counters with a fresh optimizer
                        state["optimizer"] = trainer.optimizer.state_dict()
                    trainer.load_state_dict(state)
            except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as err:
                raise SessionError(f"the saved training state does not fit this network ({err})") from None
        if not trainer.seed_best(self.best):
            self.warnings.append("the best checkpoint does not fit this network, so it was left out")
        if self.masks:  # a pruned network trains with its mask fixed
            from playground.compile.masks import keep_masks

            keep_masks(trainer.model, self.masks)
        return trainer


def _json_safe_meta(meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in meta.items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        elif isinstance(v, torch.Tensor):
            v = v.tolist()
        elif isinstance(v, tuple):
            v = list(v)
        if _plain(v):
            out[str(k)] = v
    return out


def _plain(v: Any, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if v is None or isinstance(v, (bool, int, str)):
        return True
    if isinstance(v, float):
        return v == v and abs(v) != float("inf")
    if isinstance(v, list):
        return all(_plain(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x, depth + 1) for k, x in v.items())
    return False
