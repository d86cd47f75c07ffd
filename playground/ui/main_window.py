"""The main window: canvas in the middle, palette, inspector, dataset and training docks,
one dock per plot view, a loss/accuracy readout, a training toolbar and a status bar.

Assembly only. The work being edited is a Workspace (``playground.workspace``); the panels,
the canvas and the training controller follow it, file work lives in ``file_ops``, actions in
``actions``, the questions asked on changes in ``change_prompts``, how the work is shown in
``view_state``, where the docks go in ``layout``. A ~30 Hz timer pulls the MetricsBuffer and refreshes only visible views whose
data changed.
"""

from __future__ import annotations

import os
import time
from typing import TypeVar

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QWidget,
)

from playground.train.metrics import MetricsBuffer
from playground.ui.actions import WindowActions
from playground.ui.canvas import GraphCanvasView
from playground.ui.change_prompts import KEEP, RESET, ChangePrompts
from playground.ui.dataset_panel import DatasetPanel
from playground.ui.document import Document
from playground.ui.file_ops import FileOps
from playground.ui.inspector import Inspector
from playground.ui.layout import LAYOUT_VERSION, DockLayout, apply_view_minimum, view_key
from playground.ui.palette import BlockPalette
from playground.ui.readout import TrainingReadout
from playground.ui.settings import app_settings
from playground.ui.status_bar import TrainingStatusBar
from playground.ui.theme import apply_theme, current_theme
from playground.ui.timeline import TimelineBar, timeline_steps
from playground.ui.training_controller import TrainingController
from playground.ui.training_panel import TrainingPanel
from playground.ui.view_state import ViewState
from playground.ui.views import ALL_VIEWS, CurvesView, ViewBase, ViewContext, unit_thumbnails, view_panel
from playground.ui.views.base import on_screen
from playground.ui.views.pending import PendingView
from playground.workspace import Workspace

TICK_MS = 33
V = TypeVar("V", bound=ViewBase)
__all__ = ["KEEP", "LAYOUT_VERSION", "RESET", "MainWindow"]


class MainWindow(QMainWindow):
    """``settings`` defaults to the app's QSettings; tests pass a private ini file.
    ``autosave=False`` keeps the window from writing autosaves (e.g. benchmarks)."""

    _seen_record: tuple[int, int] = (0, -1)  # (buffer, record_version) the timeline and heatmaps show
    _thumbnails_due = False  # the record moved: the blocks' heatmaps wait for the drawing budget

    def __init__(self, settings: QSettings | None = None, autosave: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else app_settings()
        self.setObjectName("main_window")
        self.workspace = Workspace()
        self.document = Document(model=self.workspace.document, parent=self)
        self.controller = TrainingController(self.workspace, self)
        self.canvas = GraphCanvasView(self.document)
        self.canvas.setObjectName("canvas")
        self.canvas.paint_charged = view_panel.BUDGET.charge
        self.setCentralWidget(self.canvas)
        self.block_palette = BlockPalette()
        self.inspector = Inspector(self.document)
        self.dataset_panel = DatasetPanel(self.workspace)
        self.dataset_panel.preview.apply_theme(current_theme())
        # the preview takes the room the dock has left instead of asking for 480 px (its plot's
        # size hint), which pushed the dataset controls into a scroll area
        self.dataset_panel.preview.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.dataset_panel.preview.setMinimumHeight(180)
        self.training_panel = TrainingPanel(self.workspace)
        self.status_widget = TrainingStatusBar(self)
        self.setStatusBar(self.status_widget)
        self.prompts = ChangePrompts(self.workspace, self.document, self.controller, self, self.show_message)
        self._seen_version = -1
        self._thumbnail_key: tuple = ()
        self._view_errors: set[str] = set()
        self.file_ops = FileOps(self.workspace, self.controller, self.settings, self, self.show_message, autosave)
        self.window_actions = WindowActions(self, self.file_ops, self.document, self.canvas, self.controller,
                                            self.toggle_theme, self.reset_training)
        self.file_ops.recent_menu = self.window_actions.recent_menu
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("blocks", "Blocks", self.block_palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("inspector", "Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        # one dock with tabs, not two tabified docks: Qt 6.12 leaves a stray tab bar on screen when
        # a window tabifies docks in two different areas
        self.setup_tabs = QTabWidget()
        self.setup_tabs.setObjectName("setup_tabs")
        self.setup_tabs.addTab(self._scrolled(self.dataset_panel), "Dataset")
        self.setup_tabs.addTab(self._scrolled(self.training_panel), "Training")
        self.setup_tabs.setTabToolTip(0, "The data the network learns from")
        self.setup_tabs.setTabToolTip(1, "Optimizer, learning rate, batch size, epochs, device")
        self._add_dock("setup", "Data and training", self.setup_tabs, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.readout = TrainingReadout()
        self._add_dock("readout", "Loss and accuracy", self.readout, Qt.DockWidgetArea.RightDockWidgetArea)
        self.views: list[tuple[QDockWidget, ViewBase]] = []
        self._view_versions: dict[int, int] = {}
        self._build_views()
        self.view_state = ViewState(self.workspace, self.canvas, self.views, current_theme(), self)
        # the timeline (contract 1): one step scrubber for every view, along the bottom of the window
        self.timeline_bar = TimelineBar(self)
        self.timeline = self.timeline_bar.timeline
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.timeline_bar)
        self.timeline.step_chosen.connect(self.workspace.view_step)
        self.workspace.viewed_step_changed.connect(self._show_step)
        self.workspace.loaded.connect(lambda: self._show_step(self.workspace.viewed_step))
        self._connect()
        self.window_actions.show_state("idle")
        self.file_ops.refresh_recent_menu()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._autosave_ticks = 0
        self._keep_recovery = False  # closing on a signal: ask nothing, keep the autosave
        self.dock_layout = DockLayout(self, self.docks, lambda: (self.document.task, self.document.graph),
                                      build=self._ensure_view)
        self.dock_layout.add_menu(self.window_actions.view_menu)
        self.restore_layout()
        self.update_title()

    # ---------------------------------------------------------------- build
    @staticmethod
    def _scrolled(widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(widget)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        return area

    def _add_dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setToolTip(title)
        self.addDockWidget(area, dock)
        toggle = dock.toggleViewAction()
        toggle.setToolTip(f"Show or hide the {title} panel")
        self.window_actions.add_dock_toggle(toggle)
        self.docks[key] = dock
        return dock

    def _build_views(self) -> None:
        """One dock per view in ALL_VIEWS, each holding a PendingView until first shown: building
        every view's plots was most of the work before the first frame, and the default layout
        shows two or three of them."""
        for cls in ALL_VIEWS:
            dock = self._add_dock(view_key(cls.__name__), cls.title, PendingView(cls),
                                  Qt.DockWidgetArea.RightDockWidgetArea)
            self.views.append((dock, dock.widget()))  # type: ignore[arg-type]
            dock.visibilityChanged.connect(lambda visible, d=dock: visible and self._view_shown(d))

    def _view_shown(self, dock: QDockWidget) -> None:
        """A view's dock was shown (or its tab brought to the front): draw it now with the latest data."""
        view = self._ensure_view(dock)
        self._view_versions.pop(id(view), None)
        self.refresh_views()

    def _ensure_view(self, dock: QDockWidget) -> ViewBase:
        """The view in ``dock``, built now if the dock still holds its placeholder."""
        index = next((i for i, (d, _v) in enumerate(self.views) if d is dock), None)
        if index is None:
            raise KeyError(f"{dock.objectName()} is not a view's dock")
        pending = self.views[index][1]
        if not isinstance(pending, PendingView):
            return pending
        view = pending.view_class()
        apply_view_minimum(view)
        view.show_step(pending.pinned_step)  # the step the timeline picked before the view existed
        if isinstance(view, CurvesView):
            self._show_runs(view, self.workspace.runs)
        self.views[index] = (dock, view)
        self._view_versions.pop(id(pending), None)  # a later object may reuse the placeholder's id
        dock.setWidget(view)
        pending.deleteLater()
        return view

    def view_of(self, view_class: type[V]) -> V:
        """The view of ``view_class`` (one of ALL_VIEWS), built now if its dock has not been shown yet."""
        for dock, view in self.views:
            if isinstance(view, view_class) or (isinstance(view, PendingView) and view.view_class is view_class):
                built = self._ensure_view(dock)
                assert isinstance(built, view_class)
                return built
        raise KeyError(f"no {view_class.__name__} in this window")

    def built_views(self) -> list[tuple[QDockWidget, ViewBase]]:
        """(dock, view) of the views built so far, in ALL_VIEWS order; ``self.views`` also holds the
        PendingView placeholders of docks not shown yet."""
        return [(dock, view) for dock, view in self.views if not isinstance(view, PendingView)]

    def build_all_views(self) -> list[tuple[QDockWidget, ViewBase]]:
        """Build every view now (tests, benchmarks and screenshots that reach hidden views)."""
        for dock, _view in list(self.views):
            self._ensure_view(dock)
        return list(self.views)

    @property
    def curves_view(self) -> CurvesView:
        return self.view_of(CurvesView)

    def _connect(self) -> None:
        ws, ctl = self.workspace, self.controller
        self.document.message.connect(lambda text: self.show_message(text, 8000))
        ws.modified_changed.connect(lambda _modified: self.update_title())
        ws.path_changed.connect(lambda _path: self.update_title())
        ws.runs_changed.connect(self._runs_changed)
        ws.loaded.connect(lambda: self._runs_changed(ws.runs))
        ws.loaded.connect(lambda: self.dock_layout.follow_task())  # the output view follows the task
        ws.dataset_changed.connect(lambda _bundle: self.dock_layout.follow_task())
        self.block_palette.block_activated.connect(self.canvas.add_block_at_center)
        self.canvas.space_tapped.connect(self.controller.toggle)
        ctl.message.connect(lambda text: self.show_message(text, 10000))
        ctl.state_changed.connect(self._state_changed)

    # -------------------------------------------------------------- status
    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        self.status_widget.showMessage(text, timeout_ms)

    def is_modified(self) -> bool:
        return self.workspace.is_modified()

    def update_title(self) -> None:
        path = self.workspace.path
        name = os.path.basename(path) if path else "untitled"
        self.setWindowTitle(f"{name}[*] — Neural Playground")
        self.setWindowModified(self.workspace.is_modified())

    # ------------------------------------------------------------- changes
    def _runs_changed(self, runs: list[dict]) -> None:
        """Earlier runs of the session are overlaid on the current curves (once they are built)."""
        curves = next((view for _, view in self.built_views() if isinstance(view, CurvesView)), None)
        if curves is not None:
            self._show_runs(curves, runs)

    def _show_runs(self, curves: CurvesView, runs: list[dict]) -> None:
        try:
            curves.set_previous_runs([run["history"] for run in runs])
        except ValueError as exc:  # a hand-edited session file: the rest of it still opens
            self.show_message(f"Earlier runs not shown: {exc}", 15000)
            curves.set_previous_runs([])

    def _state_changed(self, state: str) -> None:
        self.window_actions.show_state(state)
        if state == "running":
            self.workspace.mark_modified()
        else:  # the run stopped: every visible view draws its last data now, not when its budget allows
            self._view_versions.clear()
        self._tick()

    # ------------------------------------------------------------ training
    def reset_training(self) -> None:
        """Fresh weights; the curves so far stay on the Curves view as an earlier run."""
        kept = self.controller.reset()  # stops the run first, then keeps its history as an earlier run
        self.workspace.view_step(None)  # the record starts over: the timeline follows it live
        self._view_versions.clear()
        self.show_message("Weights reset; the last run's curves stay as an earlier run" if kept
                          else "Weights reset")

    # ----------------------------------------------------------------- tick
    def view_context(self) -> ViewContext:
        ws = self.workspace
        return ViewContext(graph=ws.document.graph, task=ws.document.task, bundle=ws.bundle,
                           selected=list(ws.document.selection), theme=current_theme())

    def _tick(self) -> None:
        ctl = self.controller
        ctl.poll()
        buffer = ctl.buffer
        version = buffer.version
        if version != self._seen_version:
            self._seen_version = version
            self.status_widget.show_status(buffer.status())
            self.readout.show_buffer(buffer)
            for event in buffer.drain_events():
                if event.kind in ("error", "warning"):
                    self.show_message(event.message, 15000)
            record = (id(buffer), buffer.record_version)  # read before the record is: a write meanwhile shows next tick
            if record != self._seen_record:  # the per-step loss alone moves neither the timeline nor the heatmaps
                self._seen_record = record
                self.timeline.set_steps(timeline_steps(buffer))
                self._thumbnails_due = True
        if self._thumbnails_due:
            self._refresh_thumbnails(buffer)
        self.refresh_views()
        self._autosave_ticks += 1
        if self._autosave_ticks % 30 == 0:
            self.file_ops.tick_autosave()

    def _refresh_thumbnails(self, buffer: MetricsBuffer) -> None:
        """New probe data for the blocks' heatmaps: drawn under the views' shared budget (they
        cost the training thread the same GIL), so while the budget is spent they wait for a later
        tick, and the newest data is always the one drawn."""
        if view_panel.BUDGET.wait(view_panel.BUDGET.share_for(view_panel.BUSY_BUDGET)) > 0:
            return
        started = time.thread_time()
        self._thumbnails_due = False
        thumbs = unit_thumbnails(buffer, self.workspace.viewed_step)
        key = tuple((nid, image.cacheKey()) for nid, image in thumbs.items())
        if key != self._thumbnail_key:  # new probe data: repaint the blocks' heatmaps once
            self._thumbnail_key = key
            self.canvas.set_thumbnails(thumbs)
        view_panel.BUDGET.charge(time.thread_time() - started)

    def _show_step(self, step: int | None) -> None:
        """The timeline chose a step (None: live): every view and the canvas heatmaps show it."""
        self.timeline.show_step(step)
        self.readout.show_step(step)
        for _, view in self.views:
            try:
                view.show_step(step)
            except Exception as exc:  # one broken view must not stop the others
                self.show_message(f"{view.title} cannot show step {step}: {exc}", 15000)
        thumbs = unit_thumbnails(self.controller.buffer, step)
        self._thumbnail_key = tuple((nid, image.cacheKey()) for nid, image in thumbs.items())
        self.canvas.set_thumbnails(thumbs)

    def refresh_views(self) -> int:
        """Refresh visible views whose data changed; returns how many were refreshed."""
        buffer = self.controller.buffer
        version = buffer.version
        context: ViewContext | None = None
        done = 0
        for dock, view in self.views:
            if self._view_versions.get(id(view)) == version or not on_screen(dock):
                continue
            context = context or self.view_context()
            self._view_versions[id(view)] = version
            try:
                view.refresh(buffer, context)
                done += 1
            except Exception as exc:  # one broken view must not stop the others
                if view.title not in self._view_errors:
                    self._view_errors.add(view.title)
                    self.show_message(f"{view.title} cannot draw: {exc}", 15000)
        return done

    # --------------------------------------------------------- appearance
    def toggle_theme(self) -> None:
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        theme = apply_theme(app, "light" if current_theme(app) == "dark" else "dark")
        self.settings.setValue("theme", theme)
        self.view_state.set_theme(theme)
        self.window_actions.dark.setChecked(theme == "dark")
        self.dataset_panel.preview.apply_theme(theme)
        self._view_versions.clear()
        self.canvas.viewport().update()

    def restore_layout(self) -> None:
        """The layout of the last launch, or the "Watch" preset on a first launch."""
        self.dock_layout.restore(self.settings)
        self.window_actions.dark.setChecked(current_theme() == "dark")

    def save_layout(self) -> None:
        self.dock_layout.save(self.settings)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        layout = getattr(self, "dock_layout", None)
        if layout is not None:
            layout.window_resized()  # the small-screen rule of the untouched Watch layout

    # ---------------------------------------------------------------- close
    def quit_keeping_recovery(self) -> None:
        """Close as Quit does but ask nothing (SIGTERM, or Ctrl+C in the terminal): unsaved work and
        a run's progress stay in the autosave, so the next launch offers to recover them."""
        self._keep_recovery = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Pause training, offer to save, then stop and join the training thread."""
        ctl = self.controller
        if self._keep_recovery:
            ctl.pause(wait=0.3)
            self.file_ops.keep_for_recovery(timeout_s=0.5)
        else:
            was_running = ctl.state == "running"
            if was_running:
                ctl.pause()
            if not self.file_ops.maybe_save("close the window"):
                if was_running:
                    ctl.resume()
                event.ignore()
                return
        ctl.shutdown()
        self._timer.stop()
        self.save_layout()
        if not self._keep_recovery:
            self.file_ops.close_autosave()  # a clean quit: nothing is left to recover
        event.accept()
