"""Analyze ▸ Prune…: magnitude pruning of the trained network (``analysis.prune``) with the
lottery-ticket rewind, on a worker thread, with the metric-against-sparsity chart across rounds.

Every setting is checked before any work (a sparsity outside [0, 1), a rewind past the recorded
steps: one inline line, nothing changed). The result is a pruned copy; nothing reaches the
Workspace until "Apply to the workspace" (the confirmation), which loads the pruned weights and
masks (saved with the session, held fixed by later training). "Restore the dense network" puts
back what was there before applying.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from playground.analysis.prune import CurvePoint, PruneResult, check_rewind, prune_session, trained_steps
from playground.analysis.pruning import PruneError, check_sparsity
from playground.session.model import Session
from playground.ui.background import BackgroundJob, Stopped
from playground.ui.lesions.lesion_state import lesion_controller
from playground.ui.lesions.session_snapshot import trained_snapshot

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow

REWIND_CHOICES = ("none", "init (step 0)", "step k")


class PruneDialog(QDialog):
    """``outcome``: the last finished pruning (None before one); ``curve``: its points so far."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main = window
        self.setObjectName("prune_dialog")
        self.setWindowTitle("Prune — Neural Playground")
        self.setAccessibleName("Prune the trained network")
        self.setToolTip("Remove the smallest weights or units of the trained network and see what it costs")
        self.setModal(False)
        self.outcome: PruneResult | None = None
        self.curve: list[CurvePoint] = []
        self.dense_session: Session | None = None  # what "Restore the dense network" puts back
        self.job = BackgroundJob(self)
        self.job.progress.connect(self._point)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        form = QFormLayout()
        self.sparsity = self._field(QLineEdit("0.8"), "Sparsity",
                                    "Share of the weights removed, at least 0 and below 1 (0.8: 80%)")
        self.scope = self._field(QComboBox(), "Ranking", "Global: the smallest weights of the whole network go; "
                                 "per layer: each layer loses the same share")
        self.scope.addItems(["global", "per layer"])
        self.what = self._field(QComboBox(), "Remove", "Single weights, or whole units/channels (a row and its bias)")
        self.what.addItems(["weights", "units/channels"])
        self.rounds = self._field(QSpinBox(), "Rounds", "Iterative pruning: each round removes the same share "
                                  "of what is left (5 rounds to 0.67 remove 20% a round)")
        self.rounds.setRange(1, 50)
        self.steps = self._field(QSpinBox(), "Retrain steps", "Fine-tuning steps after each round with the mask "
                                 "fixed (0: none; with a rewind, 0 means as many steps as the run had)")
        self.steps.setRange(0, 10_000_000)
        self.rewind = self._field(QComboBox(), "Rewind", "Lottery ticket: reset the surviving weights to their "
                                  "initial values or to step k, then retrain with the mask fixed")
        self.rewind.addItems(list(REWIND_CHOICES))
        self.rewind_step = self._field(QSpinBox(), "Rewind step k", "The step whose weights the survivors go back "
                                       "to; it must be one the run reached")
        self.rewind_step.setRange(0, 2_000_000_000)
        self.rewind_step.setEnabled(False)
        self.rewind.currentIndexChanged.connect(lambda i: self.rewind_step.setEnabled(i == 2))
        for label, widget in (("Sparsity", self.sparsity), ("Ranking", self.scope), ("Remove", self.what),
                              ("Rounds", self.rounds), ("Retrain steps", self.steps), ("Rewind", self.rewind),
                              ("Rewind step k", self.rewind_step)):
            form.addRow(label, widget)
        self.message = QLabel("")
        self.message.setObjectName("prune_message")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Prune message")
        self.message.setToolTip("Why the settings were refused, or what the pruning did")
        self.plot = pg.PlotWidget()
        self.plot.setAccessibleName("Metric against sparsity chart")
        self.plot.setToolTip("The validation metric after each round, against the share of weights removed")
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "sparsity (share of weights removed)")
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.line = self.plot.plot([], [], pen=pg.mkPen(120, 60, 170, width=2), symbol="o", symbolSize=7,
                                   symbolBrush=pg.mkBrush(120, 60, 170))
        buttons = QHBoxLayout()
        self.prune_button = self._button("Prune", "Prune a copy of the trained network with these settings", self.run)
        self.stop_button = self._button("Stop", "Stop after the current round; nothing is applied", self.job.stop)
        self.apply_button = self._button("Apply to the workspace", "Replace the trained weights by the pruned "
                                         "ones and keep the masks (saved with the session)", self.apply)
        self.restore_button = self._button("Restore the dense network", "Put back the weights from before "
                                           "the pruning was applied", self.restore)
        close = self._button("Close", "Close this dialog", self.close)
        for button in (self.prune_button, self.stop_button, self.apply_button, self.restore_button, close):
            buttons.addWidget(button)
        self.stop_button.setEnabled(False)
        self.apply_button.setEnabled(False)
        self.restore_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.plot, 1)
        layout.addLayout(buttons)
        self.resize(620, 620)

    def _field(self, widget: Any, name: str, tip: str) -> Any:
        widget.setAccessibleName(name)
        widget.setToolTip(tip)
        return widget

    def _button(self, text: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    # ------------------------------------------------------------ settings
    def settings(self, session: Session) -> dict[str, Any]:
        """The prune_session arguments the form asks for; PruneError saying what is wrong."""
        text = self.sparsity.text().strip().replace(",", ".")
        try:
            sparsity = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
        except ValueError:
            raise PruneError(f"sparsity must be a number at least 0 and below 1, not {text!r}") from None
        check_sparsity(sparsity)
        rewind = {0: None, 1: 0, 2: self.rewind_step.value()}[self.rewind.currentIndex()]
        check_rewind(session, rewind)
        steps = self.steps.value()
        return {"sparsity": sparsity, "per_layer": self.scope.currentIndex() == 1,
                "units": self.what.currentIndex() == 1, "rewind": rewind, "rounds": self.rounds.value(),
                "train_steps": None if steps == 0 and rewind is not None else steps}

    # ----------------------------------------------------------------- run
    def run(self) -> bool:
        """Check every setting, then prune a copy in the background; False (inline message) if refused."""
        if self.job.is_running():
            return False
        snapshot = trained_snapshot(self.main)
        if isinstance(snapshot, str):
            self.say(f"Cannot prune: {snapshot}", error=True)
            return False
        session, bundle = snapshot
        try:
            kwargs = self.settings(session)
        except PruneError as err:
            self.say(f"Cannot prune: {err}", error=True)
            return False
        self.curve = []
        self.outcome = None
        self.line.setData([], [])
        self.apply_button.setEnabled(False)
        self.prune_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.say(f"Pruning (trained for {trained_steps(session):,} steps)…")

        def job(report: Any, stopped: Any) -> PruneResult:
            def progress(point: CurvePoint) -> None:
                report(point)
                if stopped():
                    raise Stopped

            return prune_session(session, bundle=bundle, progress=progress, **kwargs)

        return self.job.start(job)

    def _point(self, point: CurvePoint) -> None:
        self.curve.append(point)
        self._draw(self.curve)

    def _draw(self, curve: list[CurvePoint]) -> None:
        self.line.setData([p.sparsity for p in curve], [p.value for p in curve])
        if curve:
            self.plot.setLabel("left", curve[0].metric)
        if curve and curve[0].metric == "val/accuracy":  # a fraction: the axis never passes 1
            low = min(p.value for p in curve)
            self.plot.setYRange(max(0.0, min(low - 0.05, 0.5)), 1.02, padding=0)
            self.plot.setXRange(0.0, 1.0, padding=0.02)

    def _done(self, result: PruneResult) -> None:
        self.outcome = result
        self.curve = list(result.curve)
        self._draw(self.curve)
        self.prune_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.apply_button.setEnabled(True)
        metric = result.dense.metric
        fmt = (lambda v: f"{v:.1%}") if metric == "val/accuracy" else (lambda v: f"{v:.4g}")
        self.say(f"{metric}: dense {fmt(result.dense.value)} → pruned {fmt(result.pruned.value)} at "
                 f"{result.sparsity:.0%} sparsity. Apply to the workspace to keep it.")

    def _failed(self, message: str) -> None:
        self.prune_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.say("Stopped: nothing was changed" if message == "Stopped" else f"Pruning failed: {message}",
                 error=message != "Stopped")

    # --------------------------------------------------------------- apply
    def apply(self) -> bool:
        """Load the pruned weights and masks into the Workspace (training state and history kept)."""
        if self.outcome is None:
            return False
        ws = self.main.workspace
        self.main.controller.store_training()
        self.dense_session = ws.to_session()
        pruned = self.outcome.session
        pruned.ui_state = dict(self.dense_session.ui_state)
        ws.load(pruned, bundle=ws.bundle, path=ws.path, modified=True)
        self._record()
        self.apply_button.setEnabled(False)
        self.restore_button.setEnabled(True)
        self.say(f"Applied: {self.outcome.sparsity:.0%} of the weights are zero and stay zero while training; "
                 "saving keeps the masks")
        return True

    def restore(self) -> None:
        if self.dense_session is None:
            return
        ws = self.main.workspace
        ws.load(self.dense_session, bundle=ws.bundle, path=ws.path, modified=True)
        self._record()
        self.dense_session = None
        self.restore_button.setEnabled(False)
        self.apply_button.setEnabled(self.outcome is not None)
        self.say("The dense network is back")

    def _record(self) -> None:
        """The views show the network now in force, at once (one record pass at the current step)."""
        lesion_controller(self.main).record_now()

    def closeEvent(self, event: Any) -> None:
        self.job.shutdown()
        super().closeEvent(event)

    def reject(self) -> None:  # Esc closes like the Close button (stopping a run first)
        self.job.shutdown()
        super().reject()


__all__ = ["PruneDialog"]
