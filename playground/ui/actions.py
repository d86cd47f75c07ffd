"""The main window's actions: menus, toolbars and standard shortcuts, each with a tooltip.

Actions call the methods of the objects they are given (file work, the document's undo
stack, the canvas, the training controller); this module holds no behaviour of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar
from shiboken6 import isValid

from playground.graph.templates import TEMPLATES
from playground.ui.analyze_menu import build_analyze_menu
from playground.ui.canvas import GraphCanvasView
from playground.ui.compare.menu import add_train_actions
from playground.ui.document import Document
from playground.ui.examples_menu import ExampleStories
from playground.ui.file_ops import FileOps
from playground.ui.help import HelpMenu
from playground.ui.training_controller import TrainingController

if TYPE_CHECKING:
    from playground.ui.experiments_menu import ExperimentsMenu

Key = QKeySequence.StandardKey


def _export(file_ops: FileOps, window: QMainWindow) -> None:
    # imported when first used: the export code is not needed for the window's first frame
    from playground.ui.export_dialog import export_from_window

    export_from_window(file_ops, file_ops.settings, window, file_ops.show_message)


class _EditNamer(QObject):
    """Keeps an undo/redo action's text fixed and names the edit in its tooltip (a child of the
    action; the stack may still emit while the window is torn down, after the action is gone)."""

    def __init__(self, action: QAction, text: str, keys: str) -> None:
        super().__init__(action)
        self.action, self.text, self.keys = action, text, keys

    @Slot(str)
    def name(self, edit: str) -> None:
        if not isValid(self.action):  # the window is being torn down
            return
        verb = self.text.replace("&", "")
        self.action.setText(self.text)
        self.action.setToolTip(f"{verb} {edit} ({self.keys})" if edit else f"{verb} ({self.keys})")


class WindowActions:
    """Creates every QAction of ``window`` and lays them out in its menus and toolbars."""

    def __init__(self, window: QMainWindow, file_ops: FileOps, document: Document, canvas: GraphCanvasView,
                 controller: TrainingController, toggle_theme: Callable[[], None],
                 reset_training: Callable[[], None]) -> None:
        self.window = w = window
        f = file_ops
        stack = document.undo_stack
        self.new = self._make("&New", f.new_blank, "Start an empty network", Key.New)
        self.open = self._make("&Open…", f.open_dialog, "Open a saved session", Key.Open)
        self.save = self._make("&Save", f.save, "Save this session", Key.Save)
        self.save_as = self._make("Save &As…", f.save_as, "Save this session under a new name", "Ctrl+Shift+S")
        self.export = self._make("E&xport…", lambda: _export(f, w),
                                 "Write the network as Python code, an ONNX model or a torchrun training script",
                                 "Ctrl+E")
        self.quit = self._make("&Quit", w.close, "Close the window", Key.Quit)
        self.undo = stack.createUndoAction(w, "&Undo")
        self.undo.setShortcut(Key.Undo)
        self.undo.setToolTip("Undo the last edit (Ctrl+Z)")
        self.redo = stack.createRedoAction(w, "&Redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.redo.setToolTip("Redo the last undone edit (Ctrl+Y)")
        window.addActions([self.undo, self.redo])
        # keep the toolbar steady: the edit's name goes in the tooltip, not the button text
        stack.undoTextChanged.connect(_EditNamer(self.undo, "&Undo", "Ctrl+Z").name)
        stack.redoTextChanged.connect(_EditNamer(self.redo, "&Redo", "Ctrl+Y").name)
        c = canvas
        self.cut = self._make("Cu&t", c.cut, "Cut the selected blocks", Key.Cut)
        self.copy = self._make("&Copy", c.copy, "Copy the selected blocks and the wires between them", Key.Copy)
        self.paste = self._make("&Paste", c.paste, "Paste copied blocks", Key.Paste)
        self.duplicate = self._make("&Duplicate", c.duplicate, "Duplicate the selected blocks", "Ctrl+D")
        self.delete = self._make("&Delete", c.delete_selected, "Delete the selected blocks or wires", "Delete")
        self.delete.setShortcuts([QKeySequence("Delete"), QKeySequence("Backspace")])
        self.select_all = self._make("Select &All", c.select_all, "Select every block", Key.SelectAll)
        self.group = self._make("&Group", c.group_selected, "Put a titled box around the selected blocks",
                                "Ctrl+G")
        self.fit = self._make("&Fit View", c.fit_view, "Show the whole network (F)", "F")
        self.layout = self._make("Auto &Layout", c.auto_layout, "Arrange the blocks left to right", "Ctrl+L")
        self.zoom_in = self._make("Zoom &In", lambda: c.zoom_by(1.25), "Zoom in", Key.ZoomIn)
        self.zoom_out = self._make("Zoom &Out", lambda: c.zoom_by(0.8), "Zoom out", Key.ZoomOut)
        self.dark = self._make("&Dark Theme", toggle_theme, "Switch between the light and dark theme")
        self.dark.setCheckable(True)
        t = controller
        self.start = self._make("Start", t.toggle, "Start training, or pause it (Space)", "Space")
        self.step = self._make("Step", lambda: t.step(1), "Take one optimizer step, then pause (Ctrl+Right)",
                               "Ctrl+Right")
        self.stop = self._make("Stop", t.stop, "Stop training (the weights are kept)", "Ctrl+.")
        self.reset = self._make("Reset Weights", reset_training,
                                "Start again from fresh weights; the last run's curves stay as an earlier run",
                                "Ctrl+R")
        self.reset.setObjectName("action_reset")
        self.recent_menu = QMenu("Open &Recent", w)
        self.recent_menu.setToolTipsVisible(True)
        self.template_menu = QMenu("New from &Template", w)
        self.template_menu.setToolTipsVisible(True)
        for name, template in TEMPLATES.items():
            action = self.template_menu.addAction(template.title)
            action.setToolTip(f"{template.description} (dataset: {template.dataset})")
            action.setObjectName(f"new_{name}")
            action.triggered.connect(lambda _=False, n=name: f.new_from_template(n))
        # examples are sessions with a story, not templates (playground.workspace.examples)
        self.examples = ExampleStories(w, f)
        self.examples_menu = self.examples.menu
        self.help = HelpMenu(w, f.settings, self.examples.show_story)
        self._build_menus()
        self._build_toolbars()

    def _make(self, text: str, slot: Callable[[], object], tip: str,
              shortcut: QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName("action_" + text.replace("&", "").replace("…", "").strip().lower().replace(" ", "_"))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            tip = f"{tip} ({keys})" if keys and keys not in tip else tip
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)  # shortcuts work even when menus are hidden
        return action

    def _build_menus(self) -> None:
        bar = self.window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.setToolTipsVisible(True)
        file_menu.addAction(self.new)
        file_menu.addMenu(self.template_menu)
        file_menu.addAction(self.open)
        file_menu.addMenu(self.recent_menu)
        file_menu.addMenu(self.examples_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save, self.save_as])
        file_menu.addSeparator()
        file_menu.addAction(self.export)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo, self.redo])
        edit.addSeparator()
        edit.addActions([self.cut, self.copy, self.paste, self.duplicate, self.delete])
        edit.addSeparator()
        edit.addActions([self.select_all, self.group])
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addActions([self.fit, self.layout, self.zoom_in, self.zoom_out])
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.dark)
        self.view_menu.addSeparator()
        train = bar.addMenu("&Train")
        train.addActions([self.start, self.step, self.stop, self.reset])
        add_train_actions(train, self.window)  # Compare Runs…, Sweep… (ui/compare)
        # the experiments (their registry, their plots) load when the menu first opens
        self._experiments: ExperimentsMenu | None = None
        self.experiments_menu = QMenu("E&xperiments", self.window)
        self.experiments_menu.setObjectName("menu_experiments")
        self.experiments_menu.setToolTipsVisible(True)
        self.experiments_menu.aboutToShow.connect(self._fill_experiments)
        bar.addMenu(self.experiments_menu)
        bar.addMenu(build_analyze_menu(self.window))  # type: ignore[arg-type]
        bar.addMenu(self.help.menu)

    @property
    def experiments(self) -> ExperimentsMenu:
        """The Experiments menu's entries and the windows they opened (built when first needed)."""
        if self._experiments is None:
            from playground.ui.experiments_menu import ExperimentsMenu

            self._experiments = ExperimentsMenu(self.window)
        return self._experiments

    def _fill_experiments(self) -> None:
        if self.experiments_menu.isEmpty():
            self.experiments_menu.addActions(self.experiments.menu.actions())

    def _build_toolbars(self) -> None:
        files = QToolBar("File", self.window)
        files.setObjectName("toolbar_file")
        files.addActions([self.new, self.open, self.save])
        files.addSeparator()
        files.addActions([self.undo, self.redo])
        files.addSeparator()
        files.addActions([self.fit, self.layout])
        self.window.addToolBar(files)
        train = QToolBar("Training", self.window)
        train.setObjectName("toolbar_training")
        train.addActions([self.start, self.step, self.stop, self.reset])
        self.window.addToolBar(train)
        self.training_toolbar = train

    def add_dock_toggle(self, action: QAction) -> None:
        self.view_menu.addAction(action)

    def show_state(self, state: str) -> None:
        """Start/Pause text and which controls make sense in ``state``."""
        running = state == "running"
        self.start.setText("Pause" if running else ("Resume" if state == "paused" else "Start"))
        self.start.setToolTip(("Pause training" if running else "Start training") + " (Space)")
        self.stop.setEnabled(state in ("running", "paused"))
