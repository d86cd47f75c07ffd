"""CompareWindow: define variants and seeds, train them on a worker thread, then look at the
curves with their bands, the results table and any two runs side by side.

It works on the main window's Workspace: the network, data and settings at Start are the base of
every variant, and the finished comparison goes back into the Workspace (``set_variants``), so it
is saved with the session and shown again when the window opens on it."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground.experiments.compare import (
    MAX_SEEDS,
    MAX_STEPS,
    Comparison,
    PlannedVariant,
    VariantResult,
    VariantSpec,
    plan_comparison,
    plan_variant,
    record_run,
    run_comparison,
)
from playground.session.errors import SessionError
from playground.train.metrics import MetricsBuffer
from playground.ui.background import BackgroundJob
from playground.ui.compare.band_plot import BandPlot
from playground.ui.compare.results_table import ResultsTable
from playground.ui.compare.run_controls import RunControls, spin_box
from playground.ui.compare.side_by_side import RunKey, SideBySide
from playground.ui.compare.variant_table import VariantTable
from playground.ui.theme import current_theme
from playground.ui.views.base import ViewContext
from playground.workspace.model import Workspace

DEFAULT_STEPS = 300


def same_run(buffer: MetricsBuffer, result: VariantResult, seed: int) -> bool:
    """Whether a recorded run's losses are the compared run's (the replay is the same run)."""
    run = next((r for r in result.runs if r.seed == seed), None)
    steps, values = buffer.series("train/loss")  # thinned on a long run: compared at its steps
    if run is None or not len(steps) or int(steps[-1]) != len(run.losses):
        return False
    return bool(np.allclose(values, run.losses[steps.astype(int) - 1], rtol=1e-3, atol=1e-5, equal_nan=True))


class CompareWindow(QDialog):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compare_window")
        self.setWindowTitle("Compare Runs")
        self.resize(1200, 820)
        self.workspace = workspace
        self.comparison = Comparison.from_session(workspace.variants)
        self.planned: dict[str, PlannedVariant] = {}
        self.specs = [VariantSpec(r.name, list(r.changes)) for r in self.comparison.results] or self._defaults()
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.variants = VariantTable(self.specs)
        self.variants.setMaximumHeight(170)
        top.addWidget(self.variants, 1)
        seeds = len(self.comparison.results[0].runs) if self.comparison.results else 3
        steps = self.comparison.results[0].steps if self.comparison.results else DEFAULT_STEPS
        self.seeds = spin_box(1, MAX_SEEDS, seeds, "Seeds", "Runs per variant (seeds S, S+1, …); the band spans them")
        self.steps = spin_box(1, MAX_STEPS, steps, "Steps", "Training steps of every run")
        controls = RunControls(self.seeds, self.steps, "Train every variant over every seed on the session's data",
                               "Stop after the step being trained; finished variants are kept")
        self.start_button, self.stop_button = controls.start, controls.stop
        controls.addStretch(1)
        top.addLayout(controls)
        layout.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Comparison progress")
        self.progress.setToolTip("Variants trained so far")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Comparison status")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Comparison results")
        self.band = BandPlot()
        self.table = ResultsTable()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.band)
        split.addWidget(self.table)
        split.setSizes([420, 180])
        self.tabs.addTab(split, "Curves and Table")
        self.side = SideBySide()
        self.tabs.addTab(self.side, "Side by Side")
        layout.addWidget(self.tabs, 1)
        self.job = BackgroundJob(self)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self._finish: Any = None
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.job.stop)
        self.side.wanted.connect(self.record)
        workspace.loaded.connect(self._reloaded)  # another session: show its comparison, if any
        self._show(self.comparison)

    def _defaults(self) -> list[VariantSpec]:
        lr = self.workspace.config.lr
        return [VariantSpec("as it is", []), VariantSpec("lr × 3", [f"lr={lr * 3:.4g}"])]

    # ------------------------------------------------------------ training
    def start(self) -> bool:
        """Check the variants and train them on the worker thread; False (with a message) when
        something is wrong or a job runs."""
        if self.job.is_running():
            return False
        ws = self.workspace
        graph, config, dataset, bundle = ws.document.graph.copy(), ws.config, ws.dataset, ws.bundle
        specs = [VariantSpec(s.name, list(s.changes)) for s in self.specs]
        seeds, steps = self.seeds.value(), self.steps.value()

        def work(report: Any, should_stop: Any) -> Any:
            def progress(done: int, total: int, text: str) -> None:
                report((done, total, text))

            try:
                planned = plan_comparison(graph, config, dataset, bundle, specs, seeds, steps)
            except SessionError as err:  # a bad variant: said in the window, nothing trained
                return err.message
            progress(0, len(planned), "checked every variant")
            return planned, run_comparison(planned, bundle, should_stop, progress)

        self.message.setText("Checking the variants…")
        self.progress.setRange(0, len(specs))
        self.progress.setValue(0)
        self._finish = self._trained
        self._busy(True)
        self.job.start(work)
        return True

    def record(self, keys: list[RunKey]) -> None:
        """Record the runs ``keys`` (train each again with recording on) for the side-by-side views."""
        if self.job.is_running():
            self.side.step_label.setText("Wait for the comparison to finish.")
            return
        ws = self.workspace
        graph, config, dataset, bundle = ws.document.graph.copy(), ws.config, ws.dataset, ws.bundle
        if bundle is None:
            self.side.step_label.setText("Choose a dataset first: the runs are recorded on its data.")
            return
        by_name = {r.name: r for r in self.comparison.results}
        planned, theme = dict(self.planned), current_theme()

        def work(report: Any, _should_stop: Any) -> Any:
            out = []
            for i, (name, seed) in enumerate(keys):
                report((i, len(keys), f"recording {name} · seed {seed}"))
                plan = planned.get(name)
                if plan is None:  # shown from the session: planned again from its changes
                    result = by_name[name]
                    plan = plan_variant(graph, config, dataset, bundle, VariantSpec(name, result.changes),
                                        len(result.runs), result.steps, result.seeds)
                context = ViewContext(graph=plan.graph, task=bundle.task, bundle=bundle, theme=theme)
                buffer = record_run(plan, bundle, seed)
                out.append(((name, seed), buffer, context, same_run(buffer, by_name[name], seed)))
            return out

        self._finish = self._recorded
        self._busy(True)
        self.job.start(work)

    def _busy(self, on: bool) -> None:
        self.start_button.setEnabled(not on)
        self.stop_button.setEnabled(on)
        self.side.show_button.setEnabled(not on)

    def _progress(self, value: tuple[int, int, str]) -> None:
        done, total, text = value
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.message.setText(text)

    def _finished(self, result: object, error: str) -> None:
        self._busy(False)
        if error:
            self.message.setText(f"The comparison failed: {error}")
            return
        self._finish(result)

    def _trained(self, result: object) -> None:
        if isinstance(result, str):
            self.message.setText(f"<span style='color:#c03030'>{html.escape(result, quote=False)}</span>")
            return
        planned, comparison = result  # type: ignore[misc]
        if not comparison.results:  # stopped before a variant finished: the last comparison stays
            self.message.setText(f"Stopped before any variant finished; not trained: {', '.join(comparison.skipped)}")
            return
        self.planned = {p.spec.name: p for p in planned}
        self.comparison = comparison
        self.workspace.set_variants(comparison.to_session())
        engines = ", ".join(sorted({r.engine for r in comparison.results}))
        text = f"{len(comparison.results)} variants in {comparison.seconds:.1f} s ({engines})"
        if comparison.skipped:
            text += f"; stopped, not trained: {', '.join(comparison.skipped)}"
        self.message.setText(text)
        self._show(comparison)

    def _recorded(self, result: object) -> None:
        records = list(result)  # type: ignore[call-overload]
        self.progress.setValue(self.progress.maximum())
        text = "recorded " + " and ".join(f"{n} · seed {s}" for (n, s), _, _, _ in records)
        differ = [f"{n} · seed {s}" for (n, s), _, _, same in records if not same]
        if differ:  # e.g. the network was edited after the comparison was saved
            text += (f"; <span style='color:#c03030'>{html.escape(', '.join(differ), quote=False)} trained "
                     "differently this time (the network or settings changed since the comparison)</span>")
        self.message.setText(text)
        for key, buffer, context, _same in records:
            self.side.add_record(key, buffer, context)

    def _show(self, comparison: Comparison) -> None:
        self.band.show(comparison.results)
        self.table.show_results(comparison.results)
        self.side.set_runs([(r.name, run.seed) for r in comparison.results for run in r.runs])

    def _reloaded(self) -> None:
        if self.job.is_running():
            self.job.wait()  # its result belongs to the work that was replaced
        self.comparison = Comparison.from_session(self.workspace.variants)
        self.planned = {}
        self.side.records.clear()
        self.specs[:] = [VariantSpec(r.name, list(r.changes)) for r in self.comparison.results] or self._defaults()
        self.variants.show_specs()
        self.message.setText("")
        self._show(self.comparison)

    def is_running(self) -> bool:
        return self.job.is_running()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.workspace.loaded.disconnect(self._reloaded)
        self.job.wait()
        super().closeEvent(event)
