"""The tour of the first five minutes: a few steps, each highlighting one part of the window
(palette, canvas, dataset, the Train button, the views) with a card that says what to do there.

Skippable at any step (Skip, or Escape). Offered once, on the first launch: when a person
finishes or dismisses it, ``help/tour_dismissed`` is set in QSettings and it is never offered
again. Help ▸ Take the Tour starts it at any time. Prompts suppressed for scripts
(``PLAYGROUND_NO_AUTOSAVE_PROMPT=1``) mean it is never offered on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QRect, QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStackedWidget, QTabWidget, QToolBar, QWidget

from playground.ui import dialogs
from playground.ui.help.card import Highlight, InfoCard

DISMISSED_KEY = "help/tour_dismissed"
Finder = Callable[[QMainWindow], "QWidget | None"]


@dataclass(frozen=True)
class TourStep:
    key: str
    title: str
    text: str
    target: Finder | None = None  # None: a card in the middle of the window


def _attr(name: str) -> Finder:
    return lambda window: getattr(window, name, None)


def _train_button(window: QMainWindow) -> QWidget | None:
    actions = getattr(window, "window_actions", None)
    start = getattr(actions, "start", None)
    for bar in window.findChildren(QToolBar):
        widget = bar.widgetForAction(start) if start is not None else None
        if widget is not None and bar.isVisible():
            return widget
    return None


def _views(window: QMainWindow) -> QWidget | None:
    return getattr(window, "curves_view", None)


TOUR_STEPS: tuple[TourStep, ...] = (
    TourStep("welcome", "Welcome to Neural Playground",
             "Build a network from blocks, train it on small data and watch it learn. This tour shows "
             "the five places you need, in about a minute. Skip it at any time (Escape); it stays under "
             "Help ▸ Take the Tour."),
    TourStep("palette", "1 · Blocks",
             "Every layer you can use. Drag a block onto the canvas, or double-click it to add it. On the "
             "canvas, press / or Ctrl+K to find a block by typing its name.", _attr("block_palette")),
    TourStep("canvas", "2 · The network",
             "Blocks wired from output to input. Drag from a port to another block's port to wire them. "
             "A red badge marks a problem: hover it to read what is wrong. F fits the whole network in "
             "view; the Inspector shows the selected block's settings.", _attr("canvas")),
    TourStep("dataset", "3 · The data",
             "Choose what the network learns from. The preview shows the points or pictures; 2-D "
             "datasets show the decision boundary while training.", _attr("dataset_panel")),
    TourStep("train", "4 · Train",
             "Start trains in the background (Space starts and pauses). Step takes one step, Stop ends "
             "the run and keeps the weights. You can edit the network and the settings while paused.",
             _train_button),
    TourStep("views", "5 · Watch it learn",
             "The views follow training live: loss and accuracy curves, the decision boundary, weight "
             "histograms, activations, attention maps. Help ▸ About the Views says what each one shows. "
             "Open File ▸ Open Example for a session with a story to follow.", _views),
)


def tour_dismissed(settings: QSettings) -> bool:
    return str(settings.value(DISMISSED_KEY, "false")).lower() in ("true", "1")


def bring_forward(widget: QWidget) -> None:
    """Show the tab, stack page or dock that holds ``widget``, so it can be pointed at."""
    child: QWidget = widget
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QStackedWidget) and parent.indexOf(child) >= 0:
            parent.setCurrentWidget(child)
        elif isinstance(parent, QTabWidget):
            for index in range(parent.count()):
                page = parent.widget(index)
                if page is child or page.isAncestorOf(widget):
                    parent.setCurrentIndex(index)
        elif isinstance(parent, QDockWidget):
            parent.show()
            parent.raise_()
        child, parent = parent, parent.parentWidget()


class Tour(QObject):
    """The tour over ``window``; ``start()`` shows its first step, ``step`` is the one shown
    (None when not running). ``finished(dismissed)`` is called when it ends."""

    def __init__(self, window: QMainWindow, settings: QSettings, steps: tuple[TourStep, ...] = TOUR_STEPS) -> None:
        super().__init__(window)
        self.window, self.settings, self.steps = window, settings, steps
        self.index: int | None = None
        self.card = InfoCard(window, "tour_card")
        self.highlight = Highlight(window)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self._escape.setEnabled(False)
        self._escape.activated.connect(self.skip)
        window.installEventFilter(self)

    @property
    def step(self) -> TourStep | None:
        return self.steps[self.index] if self.index is not None else None

    def start(self, focus: bool = True) -> None:
        self._escape.setEnabled(True)
        self.show_step(0, focus)

    def show_step(self, index: int, focus: bool = True) -> None:
        self.index = max(0, min(index, len(self.steps) - 1))
        step = self.steps[self.index]
        last = self.index == len(self.steps) - 1
        if self.index == 0:
            buttons = [("Start the Tour", "Show the five places you need", self.next),
                       ("No Thanks", "Close the tour; Help ▸ Take the Tour brings it back", self.skip)]
        else:
            buttons = [("Skip", "End the tour (Escape); Help ▸ Take the Tour brings it back", self.skip),
                       ("Back", "The previous step", self.back),
                       ("Done" if last else "Next", "Close the tour" if last else "The next step",
                        self.finish if last else self.next)]
        self.card.set_content(step.title, step.text, buttons)
        self._place()
        primary = self.card.button_widgets[buttons[-1][0] if self.index else buttons[0][0]]
        primary.setDefault(True)
        if focus:
            primary.setFocus(Qt.FocusReason.OtherFocusReason)

    def target_rect(self) -> QRect | None:
        """Where the current step points, in window coordinates (None: nothing to point at)."""
        step = self.step
        widget = step.target(self.window) if step is not None and step.target is not None else None
        if widget is None:
            return None
        bring_forward(widget)
        shown = widget.visibleRegion().boundingRect() if widget.isVisible() else QRect()
        if shown.isEmpty():
            return None
        # only the part on screen: a panel in a scroll area may reach far below its dock
        return QRect(widget.mapTo(self.window, shown.topLeft()), shown.size())

    def _place(self) -> None:
        rect = self.target_rect()
        if rect is None:
            self.highlight.hide()
        else:
            self.highlight.ring(rect)
        self.card.place_near(rect)

    def next(self) -> None:
        if self.index is not None:
            self.show_step(self.index + 1)

    def back(self) -> None:
        if self.index is not None:
            self.show_step(self.index - 1)

    def finish(self) -> None:
        self._end()

    def skip(self) -> None:
        self._end()

    def _end(self) -> None:
        self.index = None
        self.card.hide()
        self.highlight.hide()
        self._escape.setEnabled(False)
        self.settings.setValue(DISMISSED_KEY, True)  # finished or dismissed: never offered again
        self.settings.sync()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize and self.index is not None:
            self._place()
        return False

    def offer(self) -> bool:
        """On a first launch: show the welcome card (without taking focus). False when the tour
        was dismissed before, or prompts are suppressed for a script."""
        if tour_dismissed(self.settings) or (dialogs.prompts_suppressed() and not dialogs.has_answerer()):
            return False
        self.start(focus=False)
        return True
