"""Timeline: one step scrubber for the whole window (contract 1).

It runs over the steps the record keeps (``timeline_steps``: every snapshot kind's recorded steps
and the scheduled scalar series), one slider position per recorded step, so a long run scrubs as
easily as a short one. Choosing a step emits ``step_chosen(step)``; "Live" (``step_chosen(None)``)
follows the latest step, and dragging to the right end turns it on again. "Replay" steps through
the recorded steps from the start at ``BASE_MOMENTS_PER_S`` × the chosen speed and stops, live, at
the end. The widget only emits choices; the window keeps the chosen step in its Workspace
(``view_step``) and hands it back through ``show_step``.
"""

from __future__ import annotations

import bisect
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QToolBar, QToolButton, QWidget

from playground.train.metrics import MetricsBuffer
from playground.ui.steady_label import SteadyLabel

SPEEDS = (0.5, 1.0, 2.0, 4.0)
BASE_MOMENTS_PER_S = 20.0  # recorded steps shown a second at 1×: a full record (≤ 264 steps) in ~13 s
TICK_MS = 50  # the replay timer; faster speeds skip recorded steps rather than redraw more often
MAX_TICK_S = 2 * TICK_MS / 1000
EMIT_INTERVAL_S = 1 / 30  # while dragging, choices reach the views at most this often (the last one always)
PER_STEP_SERIES = ("train/loss",)  # every step, not on the record schedule: not timeline positions


def timeline_steps(buffer: MetricsBuffer) -> list[int]:
    """The steps the record holds: every snapshot kind's and every scheduled scalar's, sorted."""
    steps: set[int] = set()
    for kind in buffer.snapshot_kinds():
        steps.update(buffer.recorded_steps(kind))
    for name in buffer.series_names():
        if name not in PER_STEP_SERIES:
            steps.update(buffer.recorded_steps(name))
    return sorted(steps)


class Timeline(QWidget):
    """Live toggle, Replay button, speed choice, the step slider and a step readout, in one row."""

    step_chosen = Signal(object)  # int: show that step; None: live

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.steps: list[int] = []
        self.step: int | None = None  # the step shown (None: live)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(8)
        self.live = QToolButton()
        self.live.setObjectName("timeline_live")
        self.live.setText("Live")
        self.live.setCheckable(True)
        self.live.setChecked(True)
        self.live.setAccessibleName("Live")
        self.live.setToolTip("Follow the latest step of training (every view shows the newest data)")
        # on or off must be seen at a glance: the views show the past while it is off
        self.live.setStyleSheet("QToolButton { padding: 2px 8px; } QToolButton:checked { background: #d62728;"
                                " color: white; border: none; border-radius: 3px; font-weight: bold; }")
        self.replay = QToolButton()
        self.replay.setObjectName("timeline_replay")
        self.replay.setText("▶ Replay")
        self.replay.setCheckable(True)
        self.replay.setAccessibleName("Replay")
        self.replay.setToolTip("Play the recorded run from its first step, in every view; click again to stop")
        self.speed = QComboBox()
        self.speed.setObjectName("timeline_speed")
        for factor in SPEEDS:
            self.speed.addItem(f"{factor:g}×", factor)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setAccessibleName("Replay speed")
        self.speed.setToolTip(f"Replay speed: 1× shows {BASE_MOMENTS_PER_S:g} recorded steps a second")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeline_slider")
        self.slider.setRange(0, 0)
        self.slider.setAccessibleName("Timeline step")
        self.slider.setToolTip("Drag to see every view at an earlier step of the run; "
                               "the right end follows training")
        self.slider.setMinimumWidth(200)
        self.readout = SteadyLabel("")
        self.readout.setObjectName("timeline_readout")
        self.readout.setMinimumWidth(150)
        self.readout.setToolTip("The step every view shows, and the last recorded step")
        for widget in (self.live, self.replay, QLabel("speed"), self.speed):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.readout)
        self._replay_timer = QTimer(self)
        self._replay_timer.setInterval(TICK_MS)
        self._replay_timer.timeout.connect(self._advance)
        self._emit_timer = QTimer(self)
        self._emit_timer.setSingleShot(True)
        self._emit_timer.timeout.connect(self._emit_pending)
        self._emitted_at = 0.0
        self._pending: tuple[int | None] | None = None
        self._credit = 0.0  # replay: recorded steps owed to the next tick (speeds below 1 step a tick)
        self._ticked_at = 0.0
        self.live.toggled.connect(self._live_toggled)
        self.replay.toggled.connect(self._replay_toggled)
        self.slider.valueChanged.connect(self._slider_moved)
        self._update_enabled()
        self._show_readout()

    # ------------------------------------------------------------ model side
    def set_steps(self, steps: list[int]) -> None:
        """The recorded steps (sorted); the slider keeps the step shown, or the latest when live."""
        if steps == self.steps:
            return
        self.steps = list(steps)
        self._place_slider()
        self._update_enabled()
        self._show_readout()

    def show_step(self, step: int | None) -> None:
        """Show ``step`` (None: live) as chosen elsewhere, without emitting."""
        self.step = step
        self.live.blockSignals(True)
        self.live.setChecked(step is None)
        self.live.blockSignals(False)
        if step is None and self.replay.isChecked():
            self.replay.setChecked(False)
        self._place_slider()
        self._show_readout()

    def index_of(self, step: int | None) -> int:
        """Slider position of ``step``: the last recorded step at or before it (0 before the first)."""
        if not self.steps:
            return 0
        if step is None:
            return len(self.steps) - 1
        return max(bisect.bisect_right(self.steps, step) - 1, 0)

    def _place_slider(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setMaximum(max(len(self.steps) - 1, 0))
        self.slider.setValue(self.index_of(self.step))
        self.slider.blockSignals(False)

    def _update_enabled(self) -> None:
        self.slider.setEnabled(len(self.steps) > 1)
        self.replay.setEnabled(len(self.steps) > 1)

    def _show_readout(self) -> None:
        if not self.steps:
            self.readout.setText("no steps recorded yet")
            return
        last = self.steps[-1]
        if self.step is None:
            self.readout.setText(f"step {last} · live")
        else:
            self.readout.setText(f"step {self.steps[self.index_of(self.step)]} of {last}")

    # ----------------------------------------------------------- person side
    def choose(self, step: int | None) -> None:
        """Show ``step`` here and ask the window to show it everywhere (None: live)."""
        self.show_step(step)
        self._emit(step)

    def _emit(self, step: int | None) -> None:
        """Emit now, or, while choices come faster than EMIT_INTERVAL_S (a drag), a little later."""
        self._pending = (step,)
        wait = self._emitted_at + EMIT_INTERVAL_S - time.perf_counter()
        if wait > 0:
            if not self._emit_timer.isActive():
                self._emit_timer.start(max(1, int(wait * 1000)))
            return
        self._emit_pending()

    def _emit_pending(self) -> None:
        self._emit_timer.stop()
        if self._pending is None:
            return
        (step,) = self._pending
        self._pending = None
        self._emitted_at = time.perf_counter()
        self.step_chosen.emit(step)

    def _slider_moved(self, index: int) -> None:
        """A person moved the slider (the code's own moves are silent): that step, or live at the end."""
        if not self.steps:
            return
        self.replay.setChecked(False)  # a person took the slider: replay stops
        self.choose(None if index >= len(self.steps) - 1 else self.steps[index])

    def _live_toggled(self, on: bool) -> None:
        if on:
            self.replay.setChecked(False)
            self.choose(None)
        else:  # stay on the latest step, pinned
            self.choose(self.steps[-1] if self.steps else 0)

    # ---------------------------------------------------------------- replay
    def speed_factor(self) -> float:
        return float(self.speed.currentData())

    def _replay_toggled(self, on: bool) -> None:
        self.replay.setText("■ Stop" if on else "▶ Replay")
        if not on:
            self._replay_timer.stop()
            return
        if len(self.steps) < 2:
            self.replay.setChecked(False)
            return
        start = self.index_of(self.step)
        if self.step is None or start >= len(self.steps) - 1:
            start = 0  # from the beginning unless a person pinned an earlier step
        self._credit = 0.0
        self._ticked_at = time.perf_counter()
        self._replay_timer.start()
        self.choose(self.steps[start])

    def _advance(self) -> None:
        """One replay tick: ``BASE_MOMENTS_PER_S × speed`` recorded steps a second of the clock, so
        the pace holds when ticks come late (a busy machine); only which frames are shown changes."""
        now = time.perf_counter()
        late = min(now - self._ticked_at, MAX_TICK_S)  # a very late tick skips no more than two ticks' worth
        self._credit += self.speed_factor() * BASE_MOMENTS_PER_S * late
        self._ticked_at = now
        moves = int(self._credit)
        if moves == 0:
            return
        self._credit -= moves
        index = self.index_of(self.step) + moves
        if index >= len(self.steps) - 1:
            self._replay_timer.stop()
            self.replay.setChecked(False)
            self.choose(None)  # the end of the record is the latest step: live again
            return
        self.choose(self.steps[index])


class TimelineBar(QToolBar):
    """The timeline in a fixed tool bar, for the bottom edge of the main window (under the docks)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Timeline", parent)
        self.setObjectName("timeline_bar")
        self.setMovable(False)
        self.setFloatable(False)
        self.setToolTip("The timeline: the step every view shows")
        self.toggleViewAction().setToolTip("Show or hide the timeline")
        self.timeline = Timeline(self)
        self.addWidget(self.timeline)
