"""The window's timeline with real widgets (offscreen): a real spiral run, scrubbed like a person would
(keyboard on the slider; mouse drags are checked on a real screen), Live, Replay and a reopened file."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from playground.train.snapshots import UNIT_NODES
from playground.ui.timeline import BASE_MOMENTS_PER_S, MAX_TICK_S, SPEEDS, Timeline, timeline_steps
from playground.ui.views import ActivationsView, BoundaryView, HistogramView, unit_thumbnails
from playground.ui.views.base import on_screen
from playground.ui.views.boundary_view import class_image

STEPS = 60


@pytest.fixture
def env(tmp_path, answers):
    return tmp_path, answers


def trained(qtbot, open_window):
    """A window that ran the spiral MLP for STEPS full-batch steps, with every view drawn once."""
    w = open_window("mlp")
    w.training_panel.epochs.setValue(STEPS)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=30000)
    qtbot.waitUntil(lambda: w.timeline.steps[-1:] == [STEPS], timeout=5000)
    show_every_view(w, qtbot)
    return w


def show_every_view(w, qtbot) -> None:
    for dock, _view in w.views:
        dock.show()  # the default layout keeps views other than the output and the curves closed
        dock.raise_()
        qtbot.waitUntil(lambda d=dock: d.widget().draw_count > 0, timeout=5000)  # built when first shown


def view(w, cls):
    return w.view_of(cls)


def look(w, qtbot, cls):
    """Bring a view's tab to the front (a view tabbed behind others draws the step when shown)."""
    shown = w.view_of(cls)
    dock = next(d for d, v in w.views if v is shown)
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: on_screen(shown), timeout=3000)
    qtbot.wait(50)
    return shown


def scrub_to(w, qtbot, step: int) -> None:
    """Home, then Right until the slider is at ``step`` (the keys a person without a mouse uses)."""
    slider = w.timeline.slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    while w.timeline.steps[slider.value()] < step:
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.workspace.viewed_step == step, timeout=2000)


def thumbnails_of(w) -> dict[str, QImage]:
    """The heatmaps the canvas blocks draw (QImage == compares pixels)."""
    return {nid: block.thumbnail.copy() for nid, block in w.canvas.graph_scene.blocks.items()
            if block.thumbnail is not None}


def boundary_at(buffer, step: int) -> np.ndarray:
    return class_image(buffer.snapshot_at("boundary", step)[1]["output"], False)


def test_scrubbing_shows_every_view_at_that_step_and_live_returns(env, qtbot, open_window):
    w = trained(qtbot, open_window)
    buffer = w.controller.buffer
    assert w.timeline.steps == timeline_steps(buffer) and w.timeline.steps[0] == 0
    assert w.timeline.live.isChecked() and w.timeline.readout.text() == f"step {STEPS} · live"
    boundary, hists, acts = view(w, BoundaryView), view(w, HistogramView), view(w, ActivationsView)
    # the last frame may wait for the drawing budget; it arrives within moments
    qtbot.waitUntil(lambda: np.array_equal(boundary.class_map.image, boundary_at(buffer, STEPS)), timeout=5000)
    # and the canvas heatmaps of the last step (set on the window's next tick)
    qtbot.waitUntil(lambda: thumbnails_of(w) == unit_thumbnails(buffer), timeout=5000)
    live_thumbs = thumbnails_of(w)
    assert live_thumbs

    boundary_dock = next(d for d, v in w.views if v is boundary)
    boundary_dock.toggleViewAction().trigger()  # a person closes it (View menu): the layout is theirs now
    assert not boundary_dock.isVisible()
    boundary_draws = boundary.draw_count
    scrub_to(w, qtbot, 10)
    assert not w.timeline.live.isChecked() and w.timeline.readout.text() == f"step 10 of {STEPS}"
    assert boundary.draw_count == boundary_draws  # closed: not drawn for nothing
    look(w, qtbot, BoundaryView)
    assert boundary.step == 10 and np.array_equal(boundary.class_map.image, boundary_at(buffer, 10))
    assert not np.array_equal(boundary.class_map.image, boundary_at(buffer, STEPS))  # it learned meanwhile
    look(w, qtbot, HistogramView)
    name = hists.param.currentText()
    assert hists.time_label.text() == "step 10" and hists.cursor.value() == 10
    counts = buffer.snapshot_at("weights", 10)[1][name]["counts"]
    assert np.array_equal(hists.hist_curve.getOriginalDataset()[1], counts)
    look(w, qtbot, ActivationsView)
    assert acts.step == 10
    assert acts.record is buffer.snapshot_at("activations", 10)[1][acts.node]
    early = thumbnails_of(w)
    assert len(live_thumbs) <= UNIT_NODES and early.keys() == live_thumbs.keys()  # the record keeps every block's
    assert sum(early[nid] != live_thumbs[nid] for nid in early) >= 2  # the hidden blocks (inputs stay)
    assert early == unit_thumbnails(buffer, 10)
    assert all(v.pinned_step == 10 for _, v in w.views)  # curves and attention get it through show_step

    qtbot.mouseClick(w.timeline.live, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.workspace.viewed_step is None, timeout=2000)
    look(w, qtbot, BoundaryView)
    assert boundary.step == STEPS and np.array_equal(boundary.class_map.image, boundary_at(buffer, STEPS))
    assert look(w, qtbot, HistogramView).time_label.text() == f"step {STEPS} (latest)"
    assert thumbnails_of(w) == live_thumbs
    assert w.timeline.slider.value() == w.timeline.slider.maximum()


def test_replay_plays_the_recorded_steps_in_order_and_stops_live_at_the_end(env, qtbot, open_window):
    w = trained(qtbot, open_window)
    look(w, qtbot, BoundaryView)
    seen: list[int | None] = []
    w.workspace.viewed_step_changed.connect(seen.append)
    w.timeline.speed.setCurrentIndex(SPEEDS.index(4.0))
    qtbot.mouseClick(w.timeline.replay, Qt.MouseButton.LeftButton)
    assert w.timeline.replay.isChecked() and w.timeline.replay.text() == "■ Stop"
    qtbot.waitUntil(lambda: w.timeline.readout.text().startswith("step") and 0 < len(seen) < 4, timeout=2000)
    assert view(w, BoundaryView).step == seen[-1]  # the views follow the replay
    qtbot.waitUntil(lambda: not w.timeline.replay.isChecked(), timeout=10000)
    steps = [s for s in seen if s is not None]
    assert seen[0] == 0 and seen[-1] is None and w.timeline.live.isChecked()
    assert steps == sorted(steps) and steps[-1] < STEPS
    jump = 4 * BASE_MOMENTS_PER_S * MAX_TICK_S  # 4×: at most this many recorded steps a tick, however late
    assert all(b - a <= jump for a, b in itertools.pairwise([*steps, STEPS])) and len(set(steps)) >= STEPS / jump
    assert view(w, BoundaryView).step == STEPS


def test_a_reopened_session_scrubs_before_any_training(env, qtbot, open_window):
    tmp_path, answers = env
    w = trained(qtbot, open_window)
    before = {s: boundary_at(w.controller.buffer, s) for s in (10, 30)}
    scrub_to(w, qtbot, 30)  # the step shown is saved with the work
    path = str(tmp_path / "scrub.playground")
    answers["Save session as"] = path
    assert w.file_ops.save()
    w.close()

    again = open_window()
    assert again.file_ops.open_path(path)
    assert again.controller.trainer is not None and again.controller.state != "running"
    qtbot.waitUntil(lambda: again.timeline.steps[-1:] == [STEPS], timeout=5000)
    show_every_view(again, qtbot)
    boundary = look(again, qtbot, BoundaryView)
    assert again.workspace.viewed_step == 30 and again.timeline.readout.text() == f"step 30 of {STEPS}"
    assert boundary.step == 30 and np.array_equal(boundary.class_map.image, before[30])
    scrub_to(again, qtbot, 10)
    assert boundary.step == 10 and np.array_equal(boundary.class_map.image, before[10])
    assert look(again, qtbot, HistogramView).time_label.text() == "step 10"
    assert again.controller.trainer.step == STEPS  # scrubbing trained nothing


def test_timeline_alone_dragging_to_the_end_is_live(qtbot):
    timeline = Timeline()
    qtbot.addWidget(timeline)
    chosen: list[int | None] = []
    timeline.step_chosen.connect(chosen.append)
    assert not timeline.slider.isEnabled() and timeline.readout.text() == "no steps recorded yet"
    timeline.set_steps([0, 4, 8, 16])
    assert timeline.slider.maximum() == 3 and timeline.slider.isEnabled()
    timeline.slider.setValue(1)
    qtbot.waitUntil(lambda: chosen == [4], timeout=1000)
    assert timeline.index_of(7) == 1 and timeline.index_of(100) == 3 and timeline.index_of(-3) == 0
    timeline.set_steps([0, 4, 8, 16, 32])  # more recorded: the pinned step stays
    assert timeline.slider.value() == 1 and timeline.readout.text() == "step 4 of 32"
    timeline.slider.setValue(4)
    qtbot.waitUntil(lambda: chosen[-1:] == [None], timeout=1000)
    assert timeline.live.isChecked() and timeline.readout.text() == "step 32 · live"
    timeline.set_steps([0, 4, 8, 16, 32, 64])
    assert timeline.slider.value() == 5  # live follows the latest
    assert all(w.accessibleName() and w.toolTip() for w in (timeline.live, timeline.replay, timeline.speed,
                                                              timeline.slider))


def test_the_tick_follows_the_record_and_heatmaps_wait_for_the_drawing_budget(qtbot, open_window, monkeypatch):
    """New per-step loss alone moves neither the timeline nor the heatmaps; new probe data shows on
    the blocks once the views' shared budget allows, and then it is the newest data."""
    from playground.ui.views import view_panel

    w = open_window("mlp")
    buffer = w.controller.buffer
    g = np.linspace(-1, 1, 64)
    xx, yy = np.meshgrid(g, g)
    node = next(nid for nid, node in w.document.graph.nodes.items() if node.type == "Linear")
    buffer.put_snapshot("units", 0, {node: np.stack([xx, yy]).astype(np.float32)})
    w._tick()
    assert w.timeline.steps == [0] and thumbnails_of(w)[node] == unit_thumbnails(buffer)[node]
    rebuilt: list[int] = []
    monkeypatch.setattr("playground.ui.main_window.timeline_steps", lambda b: rebuilt.append(1) or timeline_steps(b))
    buffer.add_points("train/loss", [1, 2, 3], [0.5, 0.4, 0.3])
    w._tick()
    assert not rebuilt  # the loss of every step is no timeline position
    spent = view_panel.DrawBudget()
    spent.charge(1000.0)  # far over any share: drawing must wait
    monkeypatch.setattr(view_panel, "BUDGET", spent)
    monkeypatch.setattr(view_panel.DrawBudget, "share_for", lambda self, share: share)  # as while a run goes
    for step in (4, 8):
        buffer.put_snapshot("units", step, {node: np.stack([xx * step, -yy]).astype(np.float32)})
        w._tick()
    assert w.timeline.steps == [0, 4, 8] and rebuilt
    assert thumbnails_of(w)[node] == unit_thumbnails(buffer, 0)[node]  # still the old picture
    monkeypatch.setattr(view_panel, "BUDGET", view_panel.DrawBudget())  # the budget has room again
    w._tick()
    assert thumbnails_of(w)[node] == unit_thumbnails(buffer, 8)[node] != unit_thumbnails(buffer, 0)[node]
