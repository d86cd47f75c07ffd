"""ViewPanel: the common frame of the plot views (controls row, hint line, pyqtgraph area, theme)
and the rule that keeps watching cheap: a view spends at most ``busy_budget`` of the wall time
drawing and painting; refreshes that come sooner are folded into one deferred redraw."""

from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QStyle, QToolButton, QVBoxLayout, QWidget

from playground.train.metrics import MetricsBuffer
from playground.ui.views.base import ViewBase, ViewContext, on_screen
from playground.ui.views.export import save_png
from playground.ui.views.export_menu import export_dialog

THEME_COLORS = {"light": ("w", "#303030"), "dark": ("#1e1f22", "#d0d0d0")}
BUSY_BUDGET = 0.03  # CPU share all views together may spend drawing + painting streamed data
MIN_INTERVAL_S = 1 / 30
BUDGET_HORIZON_S = 2.0


class DrawBudget:
    """CPU time the UI thread spent on views (every draw and every paint, whoever caused it),
    kept as a total that decays over ``horizon`` seconds. While training runs, Python drawing
    code holds the GIL the training thread needs, so all views together must stay within a
    small share of one core: ``wait(share)`` says how long until drawing fits again."""

    def __init__(self, horizon: float = BUDGET_HORIZON_S) -> None:
        self.horizon = horizon
        self.spent = 0.0
        self._at = time.perf_counter()
        self.watch_share: float | None = None  # set by the watch pace: training waits, views may draw more

    def share_for(self, share: float) -> float:
        return share if self.watch_share is None else max(share, self.watch_share)

    def _decay(self) -> None:
        now = time.perf_counter()
        self.spent *= math.exp(-(now - self._at) / self.horizon)
        self._at = now

    def charge(self, seconds: float) -> None:
        self._decay()
        self.spent += max(seconds, 0.0)

    def wait(self, share: float) -> float:
        self._decay()
        limit = share * self.horizon
        return 0.0 if self.spent <= limit else self.horizon * math.log(self.spent / limit)


BUDGET = DrawBudget()


class TimedGraphics(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget whose paints are charged to the shared drawing budget."""

    paint_seconds = 0.0

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.thread_time()
        super().paintEvent(event)
        self.paint_seconds = time.thread_time() - started
        BUDGET.charge(self.paint_seconds)


class ElidedLabel(QLabel):
    """One line of text that takes the room its row has but never asks for more than a few
    characters: where the row is narrower than the text, it ends in "…" and the tooltip holds the
    whole (``text()`` is always the whole), so a long sentence cannot widen its view."""

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("x…") + 4, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), text,
                                  self.foregroundRole())


class ViewPanel(ViewBase):
    """A view with a row of controls, a one-line hint (shown when there is nothing to draw)
    and a ``pg.GraphicsLayoutWidget``. Subclasses implement ``draw()``, which reads
    ``self.buffer`` / ``self.context`` (the last ones handed to ``refresh``), so a control
    change redraws at once without waiting for new data.

    ``busy_budget`` (None: draw on every refresh) is the share of one core that all views
    together may spend on streamed data (see DrawBudget); a refresh that comes sooner, or sooner
    than ``min_interval_s`` after this view's last draw, is folded into one deferred redraw.
    CPU time of this thread, not wall time: waiting for the training thread's GIL costs
    training nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buffer: MetricsBuffer | None = None
        self.context: ViewContext | None = None
        self.theme = ""
        self.busy_budget: float | None = BUSY_BUDGET
        self.min_interval_s = MIN_INTERVAL_S
        self.draw_count = 0
        self._next_draw = 0.0
        self._stale = False
        self._empty = False
        self._drawn_key: object = None
        self._deferred = QTimer(self)
        self._deferred.setSingleShot(True)
        self._deferred.timeout.connect(self._catch_up)
        layout = self.body = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.controls = QHBoxLayout()
        self.controls.setSpacing(8)
        top = QHBoxLayout()
        top.addLayout(self.controls, 1)
        top.addWidget(self._export_button())
        layout.addLayout(top)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.graphics = TimedGraphics()
        layout.addWidget(self.graphics, 1)
        self.resize(720, 420)

    # ------------------------------------------------------------ protocol
    def refresh(self, buffer: MetricsBuffer, context: ViewContext) -> None:
        self.buffer, self.context = buffer, context
        if context.theme != self.theme:
            self.set_theme(context.theme)
        key = self.draw_key(buffer)
        if key is not None:  # the buffer changes at every step; this view's data did not, maybe
            key = (key, self.pinned_step, self.theme)
            if key == self._drawn_key and not self._stale and self.draw_count:
                return
            self._drawn_key = key
        # a view's first picture comes at once, and so does a step chosen while it was tabbed behind
        if self.busy_budget is None or self.draw_count == 0 or self._stale:
            self._draw_timed()
            return
        wait = max(self._next_draw - time.perf_counter(), self._budget_wait())
        if wait > 0:
            ms = max(1, int(wait * 1000))
            if not self._deferred.isActive() or self._deferred.remainingTime() > ms:
                self._deferred.start(ms)
            return
        self._draw_timed()

    def draw_key(self, buffer: MetricsBuffer) -> object | None:
        """What this view's picture is drawn from, for a view that can tell cheaply (e.g. the step
        and identity of the snapshot it shows); a refresh with the key of the last one draws
        nothing. None (the default): every refresh draws (or folds into a deferred draw)."""
        return None

    def _budget_wait(self) -> float:
        """Seconds until the shared budget lets this view draw. A view that shows only its
        placeholder (its plots hidden) does not wait: its first picture of data comes at once,
        like its very first picture, rather than leaving the dock blank for seconds while other
        views spend the budget (a placeholder costs next to nothing to draw again)."""
        if self.busy_budget is None or self.graphics.isHidden():
            return 0.0
        return BUDGET.wait(BUDGET.share_for(self.busy_budget))

    def _draw_timed(self) -> None:
        self._deferred.stop()
        self._stale = False
        started = time.thread_time()
        self.draw()
        # pyqtgraph fits auto-ranged plots to new data just before it paints; a range that moves
        # during that paint asks for a second, full paint of the view. Fitting here, with the
        # draw, makes one paint show it (the same work, done once)
        self.graphics.scene().prepareForPaint()
        self.draw_count += 1
        BUDGET.charge(time.thread_time() - started)
        self._next_draw = time.perf_counter() + self.min_interval_s

    def _catch_up(self) -> None:
        if not on_screen(self):  # hidden meanwhile: draw when shown again
            self._stale = True
            return
        wait = self._budget_wait()
        if wait > 0:  # other views spent the budget first: wait for another turn
            self._deferred.start(max(1, int(wait * 1000)))
            return
        self._draw_timed()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale and self.buffer is not None:
            self._draw_timed()

    def draw(self) -> None:
        raise NotImplementedError

    def redraw(self) -> None:
        """Draw again with the last data, now (after a control changed or the timeline moved)."""
        if self.buffer is not None:
            self._draw_timed()

    def show_step(self, step: int | None) -> None:
        """Show ``step`` now if on screen; a view tabbed behind another one draws it when shown."""
        self.pinned_step = step
        if self.buffer is None:
            return
        if not on_screen(self) and self.window().isVisible():
            self._stale = True  # drawn when shown (showEvent, or the refresh its dock's tab brings)
            return
        self._draw_timed()

    def export_png(self, path: str) -> None:
        if self._deferred.isActive():
            self._draw_timed()  # the picture shows the latest data
        save_png(self, path)

    def _export_button(self) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName("export_view")
        button.setText("Export")
        button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setAutoRaise(True)
        button.setToolTip(f"Save the {self.title} view as a picture (PNG) or its data as a table (CSV)")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        menu.addAction("Picture (PNG)…", lambda: export_dialog(self, "png"))
        menu.addAction("Data (CSV)…", lambda: export_dialog(self, "csv"))
        button.setMenu(menu)
        self.export_menu = menu
        return button

    # ------------------------------------------------------------ helpers
    def show_hint(self, text: str) -> None:
        """A sentence saying why only part is drawn (empty hides it), above the plots."""
        self._set_empty(False)
        if self.hint.text() != text:
            self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def show_empty(self, text: str) -> None:
        """Nothing to draw: only the sentence saying why, centred, and no plots (no fake axes)."""
        self._set_empty(True)
        if self.hint.text() != text:
            self.hint.setText(text)
        self.hint.setVisible(True)

    @property
    def empty(self) -> bool:
        """Whether the view shows only its placeholder sentence."""
        return self._empty

    def _set_empty(self, empty: bool) -> None:
        if self._empty == empty:
            return
        self._empty = empty
        self.graphics.setVisible(not empty)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter if empty else Qt.AlignmentFlag.AlignLeft)
        self.body.setStretchFactor(self.hint, 1 if empty else 0)

    def add_control(self, label: str, widget: QWidget) -> QWidget:
        if label:
            self.controls.addWidget(QLabel(label))
        self.controls.addWidget(widget)
        return widget

    def plots(self) -> list[pg.PlotItem]:
        return [item for item in self.graphics.ci.items if isinstance(item, pg.PlotItem)]

    def set_theme(self, theme: str) -> None:
        self.theme = theme if theme in THEME_COLORS else "light"
        background, foreground = THEME_COLORS[self.theme]
        self.graphics.setBackground(background)
        for plot in self.plots():
            for name in ("left", "bottom", "right", "top"):
                axis = plot.getAxis(name)
                axis.setPen(foreground)
                axis.setTextPen(foreground)
            plot.titleLabel.setAttr("color", foreground)
            plot.titleLabel.setText(plot.titleLabel.text)
