"""Where the main window's docks go: the presets under View ▸ Layout, the output view that follows
the task, the views' minimum sizes, and the user's own layout kept across launches.

"Watch" (the default) is TensorFlow Playground's page: the data and its preview on the left, the
network in the middle, and on the right the loss/accuracy readout, the output view (boundary,
attention, reconstructions or confusion, from ``output_view_name``) and the curves. "Build" gives
the canvas room beside the block list, the inspector and the settings. "All views" tiles every
view dock in a grid around a smaller canvas.

Which preset is in force, and whether the person has since moved docks themselves ("custom"), is
kept in QSettings beside Qt's own window state. The output view follows a newly loaded task only
while the layout is the untouched "Watch" preset: once a person arranged docks, nothing moves
them but another preset.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.ui.views.pending import view_class_of

PRESETS = ("Watch", "Build", "All views")
CUSTOM = "custom"
LAYOUT_VERSION = 2  # 1: every view tabbed in one bottom dock; such saved states are not restored
DEFAULT_SIZE = (1600, 1000)
PRESET_TIPS = {
    "Watch": "Data on the left, the network in the middle, the output view, loss readout and curves on the right",
    "Build": "The block list, inspector and settings around a large canvas; no plots",
    "All views": "Every view at once in a grid around a smaller canvas (the curves carry the loss numbers)",
}
# The smallest heights (and widths) at which each view is still readable: the boundary and
# attention maps keep at least 280 px, the histogram strips their labels. Widths not listed come
# from the view's own controls row.
MIN_VIEW_HEIGHT = {"BoundaryView": 400, "AttentionView": 400, "HistogramView": 380, "ActivationsView": 320,
                   "DynamicsView": 300, "CurvesView": 260, "ConfusionView": 320}
MIN_VIEW_WIDTH = {"BoundaryView": 424}
MAP_MIN_PX = 280
# Watch gives the output view more than its minimum where its controls take rows of their own
WATCH_EXTRA = {"AttentionView": 40}
# Widths some views' controls rows grow to once data names a block or parameter (their combo
# boxes take the names' width): "All views" plans its rows with these so the window never has to
# grow when the first data arrives.
PLANNED_WIDTH = {"ActivationsView": 630, "HistogramView": 530, "AttentionView": 500}
OUTPUT_FALLBACKS = ("ActivationsView", "CurvesView")  # when a named output view is not built (yet)
PANELS = ("setup", "blocks", "inspector", "readout")
LEFT_WIDTH = 330
RIGHT_WIDTH = 480
READOUT_HEIGHT = 110
CANVAS_RESERVE = 360  # width the canvas keeps in "All views"
# Small screens (1024 × 700, 800 × 600): Watch keeps the canvas at least CANVAS_MIN wide. The right
# column keeps its width (the output map's 280 px); the left one narrows to what is left, down to
# LEFT_MIN; where even that does not fit, the left column's panels become tabs behind the curves
# in the right column.
CANVAS_MIN = 300
LEFT_MIN = 220
COLUMN_FRAMES = 12  # the separators and dock frames between the canvas and the two columns

Area = Qt.DockWidgetArea
V, H = Qt.Orientation.Vertical, Qt.Orientation.Horizontal


def view_name(dock: QDockWidget) -> str:
    """The class name of the view in ``dock``, built or still a PendingView placeholder."""
    return view_class_of(dock.widget()).__name__


def apply_view_minimum(view: QWidget) -> None:
    """The smallest size at which ``view`` (or the placeholder standing in for it) stays readable."""
    name = view_class_of(view).__name__
    if name in MIN_VIEW_HEIGHT:
        view.setMinimumHeight(MIN_VIEW_HEIGHT[name])
    if name in MIN_VIEW_WIDTH:
        view.setMinimumWidth(MIN_VIEW_WIDTH[name])


def view_key(class_name: str) -> str:
    """The dock key (in ``MainWindow.docks``) of the view class named ``class_name``."""
    return "view_" + class_name.lower()


def graph_has_attention(graph: Graph) -> bool:
    # every attention block (SelfAttention, CrossAttention, TransformerBlock) declares its heads
    return any("heads" in node.params for node in graph.nodes.values())


def output_view_name(task: TaskSpec | None, graph: Graph) -> str:
    """The class name of the view shown above the curves for ``task`` and ``graph``."""
    if task is None:
        return "CurvesView"
    if tuple(task.input_shape) == (2,):
        return "BoundaryView"
    if graph_has_attention(graph):
        return "AttentionView"
    if task.task == "reconstruction":
        return "ActivationsView"
    if task.task == "classification":
        return "ConfusionView"
    return "CurvesView"


def apply_preset(window: QMainWindow, name: str) -> None:
    """Arrange ``window``'s docks as the preset ``name`` (one of PRESETS)."""
    layout = getattr(window, "dock_layout", None)
    if not isinstance(layout, DockLayout):
        raise TypeError("apply_preset needs a window with a DockLayout")
    layout.apply(name)


class DockLayout(QObject):
    """Arranges ``docks`` (by key, as ``MainWindow.docks``) of ``window``. ``task_and_graph`` says
    what is being worked on, for the output view."""

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget],
                 task_and_graph: Callable[[], tuple[TaskSpec | None, Graph]],
                 build: Callable[[QDockWidget], object] | None = None) -> None:
        super().__init__(window)
        self.window, self.docks, self.task_and_graph = window, docks, task_and_graph
        self._build_view = build  # builds the view of a dock still holding a placeholder
        self.preset = "Watch"  # the last preset applied: its corners are in force
        self.custom = False  # the person moved, floated or closed a dock since
        self.output_key = ""  # the dock in Watch's output place
        self.watch_widths = (LEFT_WIDTH, RIGHT_WIDTH, False)  # Watch's (left, right, left folded right)
        self._applying = 0
        self.view_keys = [key for key in docks if key.startswith("view_")]
        for key in self.view_keys:
            apply_view_minimum(docks[key].widget())
        for dock in docks.values():
            dock.dockLocationChanged.connect(lambda _area: self._moved_by_person())
            dock.topLevelChanged.connect(lambda _floating: self._moved_by_person())
            dock.toggleViewAction().triggered.connect(lambda _checked: self._moved_by_person())
            dock.installEventFilter(self)
        self.actions: dict[str, QAction] = {}

    # ------------------------------------------------------------------ menu
    def add_menu(self, parent: QMenu) -> QMenu:
        """View ▸ Layout: one checkable action per preset."""
        menu = parent.addMenu("&Layout")
        menu.setToolTipsVisible(True)
        group = QActionGroup(menu)
        for name in PRESETS:
            action = QAction(name, menu)
            action.setObjectName("action_layout_" + name.lower().replace(" ", "_"))
            action.setCheckable(True)
            action.setToolTip(PRESET_TIPS[name])
            action.setStatusTip(PRESET_TIPS[name])
            action.triggered.connect(lambda _=False, n=name: self.apply(n))
            group.addAction(action)
            menu.addAction(action)
            self.actions[name] = action
        self._check_menu()
        return menu

    def _check_menu(self) -> None:
        for name, action in self.actions.items():
            action.setChecked(name == self.preset and not self.custom)

    # ---------------------------------------------------------- person moves
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and isinstance(watched, QDockWidget):
            self._moved_by_person()  # the dock's own close button
        return super().eventFilter(watched, event)

    def _moved_by_person(self) -> None:
        if not self._applying and not self.custom:
            self.custom = True
            self._check_menu()

    # ----------------------------------------------------------- output view
    def output_for_task(self) -> str:
        """The dock key of the output view for the current work, falling back to a view that is
        built when the named one is not (e.g. no ConfusionView yet)."""
        task, graph = self.task_and_graph()
        for name in (output_view_name(task, graph), *OUTPUT_FALLBACKS):
            if view_key(name) in self.docks:
                return view_key(name)
        return view_key("CurvesView")

    def follow_task(self) -> None:
        """Put the output view of newly loaded work in the output place, unless the person
        arranged the docks themselves or another preset is in force."""
        key = self.output_for_task()
        if self.custom or self.preset != "Watch" or key == self.output_key or key not in self.docks:
            return
        w, docks = self.window, self.docks
        old = docks.get(self.output_key)
        curves = docks[view_key("CurvesView")]
        height = old.height() if old is not None and old is not curves and old.isVisible() else 0
        self._applying += 1
        try:
            if old is not None and old is not curves:
                old.hide()
            new = docks[key]
            self._built(key)
            if new is not curves:
                w.splitDockWidget(docks["readout"], new, V)  # just below the readout: above the curves
                new.show()
            self.output_key = key
        finally:
            self._applying -= 1
        if key != view_key("CurvesView"):
            QTimer.singleShot(0, lambda: self._fit_output(height))

    def _fit_output(self, height: int) -> None:
        new, curves = self.docks[self.output_key], self.docks[view_key("CurvesView")]
        rest = new.height() + curves.height()
        name = view_name(new)
        height = max(height or rest // 2, MIN_VIEW_HEIGHT.get(name, 0) + 30 + WATCH_EXTRA.get(name, 0))
        self.window.resizeDocks([new, curves], [height, max(rest - height, 1)], V)
        self.window.resizeDocks([new], [self.watch_plan()[1]], H)

    # ---------------------------------------------------------------- presets
    def apply(self, name: str) -> None:
        if name not in PRESETS:
            raise ValueError(f"unknown layout {name!r}; choose one of: {', '.join(PRESETS)}")
        self._applying += 1
        try:
            for dock in self.managed().values():
                dock.setFloating(False)
                self.window.removeDockWidget(dock)
            self._set_corners(name)
            {"Watch": self._watch, "Build": self._build, "All views": self._all_views}[name]()
        finally:
            self._applying -= 1
        self.preset, self.custom = name, False
        self._check_menu()
        self._size()
        QTimer.singleShot(0, self._size)  # again once the window has laid the docks out

    def _set_corners(self, name: str) -> None:
        bottom = Area.BottomDockWidgetArea if name == "All views" else None
        w = self.window
        w.setCorner(Qt.Corner.TopLeftCorner, Area.LeftDockWidgetArea)
        w.setCorner(Qt.Corner.TopRightCorner, Area.RightDockWidgetArea)
        w.setCorner(Qt.Corner.BottomLeftCorner, bottom or Area.LeftDockWidgetArea)
        w.setCorner(Qt.Corner.BottomRightCorner, bottom or Area.RightDockWidgetArea)

    def _place(self, area: Area, first: str, *below: str) -> None:
        """``first`` in ``area``, then each of ``below`` under the one before, all shown."""
        w, docks = self.window, self.docks
        self._built(first, *below)
        w.addDockWidget(area, docks[first])
        docks[first].show()
        for upper, lower in zip((first, *below), below, strict=False):
            w.splitDockWidget(docks[upper], docks[lower], V)
            docks[lower].show()

    def _built(self, *keys: str) -> None:
        """Build the views of ``keys`` that a preset is about to show, so that their sizes are
        the real views' before the window lays the docks out."""
        if self._build_view is not None:
            for key in keys:
                if key.startswith("view_"):
                    self._build_view(self.docks[key])

    def _park(self, keys: list[str]) -> None:
        """Hidden, but in the right-hand column, where they appear when shown from the View menu."""
        for key in keys:
            self.window.addDockWidget(Area.RightDockWidgetArea, self.docks[key])
            self.docks[key].hide()

    def _shown_keys(self, *keys: str) -> list[str]:
        return [key for key in self.managed() if key not in keys]

    def managed(self) -> dict[str, QDockWidget]:
        """The docks the presets arrange: the panels and the views. Others (a timeline strip,
        say) stay where their owner put them."""
        return {k: d for k, d in self.docks.items() if k in PANELS or k.startswith("view_")}

    def watch_plan(self) -> tuple[int, int, bool]:
        """(left width, right width, whether the left panels fold into the right column) of Watch
        at the window's width: the canvas keeps CANVAS_MIN on a small screen."""
        width, right = self.window.width(), self._right_width()
        if width - LEFT_WIDTH - right - COLUMN_FRAMES >= CANVAS_MIN:
            return LEFT_WIDTH, right, False
        left = min(LEFT_WIDTH, width - right - CANVAS_MIN - COLUMN_FRAMES)
        return (left, right, False) if left >= LEFT_MIN else (0, right, True)

    def _watch(self) -> None:
        curves = view_key("CurvesView")
        self.output_key = self.output_for_task()
        right = ["readout", self.output_key, curves] if self.output_key != curves else ["readout", curves]
        self._built(*right)
        self.watch_widths = self.watch_plan()
        if self.watch_widths[2]:  # a small screen: the panels are tabs behind the curves
            self._place(Area.RightDockWidgetArea, *right)
            for key in ("setup", "blocks", "inspector"):
                self.window.tabifyDockWidget(self.docks[curves], self.docks[key])
                self.docks[key].show()
            self.docks[curves].raise_()
        else:
            self._place(Area.LeftDockWidgetArea, "setup", "blocks")
            self.window.tabifyDockWidget(self.docks["blocks"], self.docks["inspector"])
            self.docks["inspector"].show()
            self.docks["blocks"].raise_()
            self._place(Area.RightDockWidgetArea, *right)
        self._park(self._shown_keys("setup", "blocks", "inspector", *right))

    def window_resized(self) -> None:
        """The untouched Watch layout follows the window across the small-screen rule's steps
        (a person's own arrangement is never moved)."""
        if self.preset != "Watch" or self.custom or self._applying or not self.actions:
            return
        left, _right, folded = self.watch_plan()
        if (left < LEFT_WIDTH, folded) != (self.watch_widths[0] < LEFT_WIDTH, self.watch_widths[2]):
            QTimer.singleShot(0, self._follow_size)

    def _follow_size(self) -> None:
        if self.preset == "Watch" and not self.custom and not self._applying:
            self.apply("Watch")

    def _build(self) -> None:
        self._place(Area.LeftDockWidgetArea, "blocks")
        self._place(Area.RightDockWidgetArea, "readout", "inspector", "setup")
        self._park(self._shown_keys("blocks", "readout", "inspector", "setup"))

    def grid_rows(self) -> tuple[list[str], list[str], list[str]]:
        """(top-right row, bottom row, tabbed) of "All views": the output view first in the top
        row beside the canvas; the others split between the rows so that each row fits the window
        at the views' minimum widths. Views that fit in neither row (a small screen) are tabbed
        behind the widest view of the bottom row rather than making the window wider than it is."""
        self.output_key = self.output_for_task()
        rest = [k for k in self.view_keys if k != self.output_key]
        budget = self.window.width()
        widths = {k: self._planned_width(k) for k in self.view_keys}
        best: tuple[tuple[int, int], list[int]] | None = None
        for choice in itertools.product((0, 1, 2), repeat=len(rest)):  # 0 top, 1 bottom, 2 tabbed
            used = [CANVAS_RESERVE + widths[self.output_key], 0]
            for key, row in zip(rest, choice, strict=True):
                if row < 2:
                    used[row] += widths[key]
            if max(used) > budget:
                continue
            score = (choice.count(2), abs(used[0] - used[1]))
            if best is None or score < best[0]:
                best = (score, list(choice))
        rows = best[1] if best is not None else [2] * len(rest)
        top = [self.output_key] + [k for k, r in zip(rest, rows, strict=True) if r == 0]
        bottom = [k for k, r in zip(rest, rows, strict=True) if r == 1]
        tabbed = [k for k, r in zip(rest, rows, strict=True) if r == 2]
        if tabbed and not bottom:
            bottom, tabbed = tabbed[:1], tabbed[1:]
        return top, bottom, tabbed

    def _planned_width(self, key: str) -> int:
        return max(self._min_width(key), PLANNED_WIDTH.get(view_name(self.docks[key]), 0))

    def _all_views(self) -> None:
        w, docks = self.window, self.docks
        self._built(*self.view_keys)  # every view is shown, and the rows are planned on their widths
        top, bottom, tabbed = self.grid_rows()
        # no readout here: two rows of views at their minimum heights fill a 1000 px window
        # (the curves carry the same numbers)
        self._place(Area.RightDockWidgetArea, top[0])
        for left, right in itertools.pairwise(top):
            w.splitDockWidget(docks[left], docks[right], H)
            docks[right].show()
        if bottom:
            self._place(Area.BottomDockWidgetArea, bottom[0])
            for left, right in itertools.pairwise(bottom):
                w.splitDockWidget(docks[left], docks[right], H)
                docks[right].show()
            widest = max(bottom, key=self._planned_width)
            for key in tabbed:
                w.tabifyDockWidget(docks[widest], docks[key])
                docks[key].show()
            docks[widest].raise_()
        self._park(["blocks", "inspector", "setup", "readout"])

    # ------------------------------------------------------------------ sizes
    def _min_width(self, key: str) -> int:
        view = self.docks[key].widget()
        return max(view.minimumWidth(), view.minimumSizeHint().width())

    def _right_width(self) -> int:
        return max(RIGHT_WIDTH, self._min_width(self.output_key) + 16) if self.output_key in self.docks else RIGHT_WIDTH

    def _size(self) -> None:
        w, docks = self.window, self.docks
        height = max(w.height() - 140, 400)  # the docks' share of the window: menus, toolbars, status
        if self.preset == "Watch":
            left, right, folded = self.watch_widths
            if folded:
                w.resizeDocks([docks["readout"]], [right], H)
            else:
                w.resizeDocks([docks["setup"], docks["readout"]], [left, right], H)
                w.resizeDocks([docks["setup"], docks["blocks"]], [int(height * 0.64), int(height * 0.36)], V)
            keys = ["readout", self.output_key, view_key("CurvesView")]
            if self.output_key == view_key("CurvesView"):
                w.resizeDocks([docks["readout"], docks[keys[1]]], [READOUT_HEIGHT, height - READOUT_HEIGHT], V)
            else:
                name = view_name(docks[self.output_key])
                out = max(MIN_VIEW_HEIGHT.get(name, 300) + 30 + WATCH_EXTRA.get(name, 0), (height - READOUT_HEIGHT) // 2)
                w.resizeDocks([docks[k] for k in keys], [READOUT_HEIGHT, out, height - READOUT_HEIGHT - out], V)
        elif self.preset == "Build":
            w.resizeDocks([docks["blocks"], docks["readout"]], [240, 400], H)
            w.resizeDocks([docks["readout"], docks["inspector"], docks["setup"]],
                          [READOUT_HEIGHT, int(height * 0.35), int(height * 0.65) - READOUT_HEIGHT], V)
        else:
            top, bottom, _tabbed = self.grid_rows()
            span = max(w.width() - CANVAS_RESERVE, 400)
            w.resizeDocks([docks[k] for k in top], [span // len(top)] * len(top), H)
            if bottom:
                w.resizeDocks([docks[k] for k in bottom], [w.width() // len(bottom)] * len(bottom), H)
                w.resizeDocks([docks[top[0]], docks[bottom[0]]], [height // 2, height // 2], V)

    # ------------------------------------------------------------ settings
    def default_size(self) -> tuple[int, int]:
        """DEFAULT_SIZE, or the screen's free area where that is smaller."""
        screen = self.window.screen() or QGuiApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        if free is None:
            return DEFAULT_SIZE
        return min(DEFAULT_SIZE[0], free.width()), min(DEFAULT_SIZE[1], free.height())

    def restore(self, settings: QSettings) -> None:
        """The person's layout of the last launch, or "Watch" at the default size on a first launch
        (or after a version change of the layout)."""
        w = self.window
        geometry = settings.value("main_window/geometry")
        state = settings.value("main_window/state")
        if geometry is None or not w.restoreGeometry(geometry):
            w.resize(*self.default_size())
        preset = str(settings.value("main_window/preset", ""))
        self._applying += 1
        try:
            if state is not None:
                for dock in self.managed().values():
                    dock.hide()  # a dock the saved state does not know (a view added since) stays closed
            restored = state is not None and preset in PRESETS and w.restoreState(state, LAYOUT_VERSION)
        finally:
            self._applying -= 1
        if not restored:
            self.apply("Watch")
            return
        self.preset = preset
        self._set_corners(preset)
        self.custom = str(settings.value("main_window/custom", "false")).lower() == "true"
        output = str(settings.value("main_window/output", ""))
        self.output_key = output if output in self.docks else self.output_for_task()
        self._check_menu()

    def save(self, settings: QSettings) -> None:
        w = self.window
        settings.setValue("main_window/geometry", w.saveGeometry())
        settings.setValue("main_window/state", w.saveState(LAYOUT_VERSION))
        settings.setValue("main_window/preset", self.preset)
        settings.setValue("main_window/custom", "true" if self.custom else "false")
        settings.setValue("main_window/output", self.output_key)
        settings.sync()
