"""The Workspace: everything about the session being edited, except what the graph holds.

It holds the Document (graph, task, check, selection), the dataset choice, its params and
bundle, the TrainConfig, the saved training state, the earlier runs and the step being viewed.
Every change goes through a method that emits an event; nothing else writes its fields.
``load(session)`` is the only way a whole piece of work comes in (example, template, file,
recovery), ``to_session()`` the only way it goes out.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch

from playground.compile.masks import masked
from playground.data import DataBundle
from playground.graph.observer import Signal
from playground.session.model import Session
from playground.train.config import TrainConfig
from playground.workspace.document import Document
from playground.workspace.sources import build_bundle, embeds_data, usable_config

MAX_EARLIER_RUNS = 8  # histories kept for the Curves overlay (and saved with the session)


@dataclass
class TrainingState:
    """What a trained network carries between files and trainers (see ``Session``'s fields)."""

    weights: dict[str, torch.Tensor] | None = None
    optimizer_state: dict[str, Any] | None = None
    trainer_state: dict[str, Any] | None = None
    history: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    record: tuple[dict[str, Any], dict[str, Any]] | None = None  # MetricsBuffer.export_record(): the snapshots


class Workspace:
    """Events (observer signals, called on the thread that made the change):

    * ``loaded()``: a whole new piece of work replaced the old one;
    * ``dataset_changed(bundle)``: a person chose other data (``dataset_failed(message)`` if it
      could not be made; the last good data stays);
    * ``config_changed(fields)``: the training settings that just changed, by name;
    * ``runs_changed(runs)``, ``variants_changed(variants)``, ``viewed_step_changed(step)``, ``modified_changed(bool)``,
      ``path_changed(path)``;
    * ``lesions_changed(lesions)``: the lesions in force changed (``set_lesions``).
    """

    def __init__(self, document: Document | None = None) -> None:
        self.loaded = Signal()
        self.dataset_changed = Signal()
        self.dataset_failed = Signal()
        self.config_changed = Signal()
        self.runs_changed = Signal()
        self.viewed_step_changed = Signal()
        self.modified_changed = Signal()
        self.path_changed = Signal()
        self.lesions_changed = Signal()
        self.document = document if document is not None else Document()
        self.dataset = ""
        self.dataset_params: dict[str, Any] = {}
        self.bundle: DataBundle | None = None
        self.config = TrainConfig()
        self.training = TrainingState()
        self.runs: list[dict[str, Any]] = []
        self.variants: list[dict[str, Any]] = []  # compared variants (experiments.compare), saved along
        self.variants_changed = Signal()
        self.best: dict[str, Any] | None = None  # the best checkpoint (Session.best; set_best)
        self.viewed_step: int | None = None
        self.notes = ""
        self.ui_state: dict[str, Any] = {}
        # playground.analysis: lesions ({"kind", "node_id", "units"}), pruning masks, rewind points
        self.lesions: list[dict[str, Any]] = []
        self.masks: dict[str, torch.Tensor] | None = None
        self.rewind_weights: dict[int, dict[str, torch.Tensor]] = {}
        self.path: str | None = None
        self._modified = False
        self.document.dirty_changed.connect(lambda _dirty: self.modified_changed.emit(self.is_modified()))

    # -------------------------------------------------------------- loading
    def load(self, session: Session, bundle: DataBundle | None = None, path: str | None = None,
             modified: bool = False) -> list[str]:
        """Make ``session`` the work being edited (its data made from it unless ``bundle`` is given;
        raises SessionError or DatasetError before anything changes). Returns notes for a person
        about what had to change to fit this machine."""
        if bundle is None and session.dataset:
            bundle = session.bundle()
        config, notes = usable_config(session.config or TrainConfig())
        self.dataset = session.dataset
        self.dataset_params = dict(bundle.params) if bundle is not None else dict(session.dataset_params)
        self.bundle = bundle
        self.config = config
        self.training = TrainingState(weights=session.weights, optimizer_state=session.optimizer_state,
                                      trainer_state=session.trainer_state, history=dict(session.history),
                                      record=session.record)
        self.runs = _kept_runs(session.runs)
        self.variants = copy.deepcopy(session.variants)
        self.best = session.best
        self.notes = session.notes
        self.ui_state = dict(session.ui_state or {})
        self.lesions = [dict(x) for x in session.lesions]
        self.masks = dict(session.masks) if session.masks else None
        self.rewind_weights = {step: dict(state) for step, state in session.rewind_weights.items()}
        step = self.ui_state.get("viewed_step")
        self.viewed_step = step if isinstance(step, int) and not isinstance(step, bool) else None
        self.path = path
        self._modified = modified
        self.document.replace(session.graph, bundle.task if bundle is not None else None)
        self.loaded.emit()
        self.path_changed.emit(path)
        self.modified_changed.emit(self.is_modified())
        return notes

    def to_session(self) -> Session:
        """The work as a Session (copies: later edits do not reach it)."""
        ui_state = dict(self.ui_state)
        ui_state.pop("viewed_step", None)
        if self.viewed_step is not None:
            ui_state["viewed_step"] = self.viewed_step
        state = self.training
        session = Session(graph=self.document.graph.copy(), dataset=self.dataset,
                          dataset_params=copy.deepcopy(self.dataset_params), config=self.config,
                          weights=dict(state.weights) if state.weights is not None else None,
                          optimizer_state=state.optimizer_state, trainer_state=state.trainer_state,
                          history=copy.deepcopy(state.history), record=state.record, runs=copy.deepcopy(self.runs),
                          notes=self.notes, ui_state=ui_state)
        session.variants = copy.deepcopy(self.variants)
        session.lesions = copy.deepcopy(self.lesions)
        session.masks = dict(self.masks) if self.masks else None
        if session.masks and session.weights is not None:  # an optimizer step moved pruned weights: zeros
            session.weights = masked(session.weights, session.masks)
        session.rewind_weights = {step: dict(state) for step, state in self.rewind_weights.items()}
        session.best = self.best
        if self.bundle is not None and embeds_data(self.dataset):
            session.embed_bundle(self.bundle)  # the file may move; the table travels with the session
        return session

    # ----------------------------------------------------------------- data
    def choose_dataset(self, name: str, params: dict[str, Any] | None = None) -> bool:
        """Make ``name`` with ``params`` the data; False (``dataset_failed`` emitted) when it cannot be made."""
        from playground.data import DatasetError

        try:
            bundle = build_bundle(name, params)
        except DatasetError as exc:
            self.dataset_failed.emit(str(exc))
            return False
        self.use_bundle(bundle)
        return True

    def use_bundle(self, bundle: DataBundle) -> None:
        """Data that is already made (an imported table, or a dataset just generated)."""
        self.dataset, self.dataset_params, self.bundle = bundle.name, dict(bundle.params), bundle
        self.document.set_task(bundle.task)
        self.mark_modified()
        self.dataset_changed.emit(bundle)

    # ------------------------------------------------------------- settings
    def update_config(self, **fields: Any) -> dict[str, Any]:
        """Change training settings (ConfigError, and no change, if one is invalid); returns the
        fields that really changed, also announced by ``config_changed``."""
        new = self.config.with_changes(**fields)
        changed = {k: v for k, v in fields.items() if getattr(self.config, k) != getattr(new, k)}
        if changed:
            self.config = new
            self.mark_modified()
            self.config_changed.emit(changed)
        return changed

    # --------------------------------------------------------------- training
    def set_training(self, state: TrainingState) -> None:
        """What the trainer learned so far (the controller stores it before saving)."""
        self.training = state

    def set_best(self, best: dict[str, Any] | None) -> None:
        """The best checkpoint the trainer kept (the controller stores it with the training state)."""
        self.best = best

    def add_run(self, run: dict[str, Any]) -> None:
        """Keep a finished history as an earlier run (oldest dropped beyond MAX_EARLIER_RUNS)."""
        self.runs = _kept_runs([*self.runs, run])
        self.runs_changed.emit(list(self.runs))

    def set_runs(self, runs: list[dict[str, Any]]) -> None:
        self.runs = _kept_runs(runs)
        self.runs_changed.emit(list(self.runs))

    def set_variants(self, variants: list[dict[str, Any]]) -> None:
        """The compared variants (``Comparison.to_session()``), saved with the work."""
        self.variants = copy.deepcopy(variants)
        self.mark_modified()
        self.variants_changed.emit(list(self.variants))

    def next_run_number(self) -> int:
        return int(self.runs[-1].get("number", len(self.runs))) + 1 if self.runs else 1

    def view_step(self, step: int | None) -> None:
        """The step the views show (None: the latest)."""
        if step != self.viewed_step:
            self.viewed_step = step
            self.viewed_step_changed.emit(step)

    def set_view(self, **entries: Any) -> None:
        """How the work is shown (viewport, open views, theme): saved with it, not a modification."""
        self.ui_state.update(entries)

    # ------------------------------------------------------------- analysis
    def set_lesions(self, lesions: list[dict[str, Any]]) -> None:
        """The lesions in force (``playground.analysis.lesions.Lesion.to_dict`` form), announced by
        ``lesions_changed``; checking that the network allows them is the caller's part."""
        lesions = [dict(x) for x in lesions]
        if lesions != self.lesions:
            self.lesions = lesions
            self.mark_modified()
            self.lesions_changed.emit([dict(x) for x in lesions])

    # ------------------------------------------------------------ save state
    def is_modified(self) -> bool:
        return self._modified or self.document.dirty

    def mark_modified(self) -> None:
        if not self._modified:
            self._modified = True
            self.modified_changed.emit(self.is_modified())

    def mark_saved(self, path: str) -> None:
        self._modified = False
        self.document.mark_saved()
        if path != self.path:
            self.path = path
            self.path_changed.emit(path)
        self.modified_changed.emit(self.is_modified())


def _kept_runs(runs: list[Any]) -> list[dict[str, Any]]:
    kept = [dict(r) for r in runs if isinstance(r, dict) and isinstance(r.get("history"), dict)]
    return kept[-MAX_EARLIER_RUNS:]
