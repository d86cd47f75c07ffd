"""Analyze ▸ Lesion table… on a really trained network: the bars are sorted, largest drop first,
and are lesion_table's drops; clicking a bar selects its block on the canvas (issue 14)."""

from __future__ import annotations

from lesion_sessions import trained_path
from PySide6.QtCore import QPointF, Qt

from playground.analysis.lesion_table import lesion_table
from playground.session import load_session
from playground.ui.lesions.table_window import LesionTableWindow


def _analyze_action(window, name: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.menu() is not None
                and a.menu().objectName() == "analyze_menu")
    return next(a for a in menu.actions() if a.objectName() == name)


def test_the_bars_are_the_sorted_drops_and_a_click_selects_the_block(open_window, qtbot):
    window = open_window()
    assert window.file_ops.open_path(trained_path("residual"))
    _analyze_action(window, "action_lesion_table").trigger()
    table = window.findChild(LesionTableWindow)
    assert table is not None and table.isVisible()
    qtbot.waitUntil(lambda: not table.job.is_running() and bool(table.rows), timeout=60_000)
    expected = sorted(lesion_table(load_session(trained_path("residual"))), key=lambda r: -r.drop)
    assert [(r.block, r.kind) for r in table.rows] == [(r.block, r.kind) for r in expected]
    assert table.bar_heights() == [r.drop for r in expected]
    assert table.bar_heights() == sorted(table.bar_heights(), reverse=True)
    assert "cut_branch" in {r.kind for r in table.rows}
    assert table.table.rowCount() == len(expected)
    assert table.table.item(0, 5).text() == f"{expected[0].drop:+.4f}"
    assert table.progress.value() == table.progress.maximum() == len(expected)

    assert table.bar_positions()[0] == len(expected) - 1  # the largest drop on top
    # a real click in the middle of the second bar
    index = 1
    vb = table.plot.getPlotItem().vb
    scene_point = vb.mapViewToScene(QPointF(table.rows[index].drop / 2, table.bar_positions()[index]))
    widget_point = table.plot.mapFromScene(scene_point)
    qtbot.mouseClick(table.plot.viewport(), Qt.MouseButton.LeftButton, pos=widget_point)
    qtbot.waitUntil(lambda: window.canvas.selected_node_ids() == [table.rows[index].node_id], timeout=2000)
    assert window.workspace.document.selection == [table.rows[index].node_id]


def test_an_untrained_network_gets_a_message_instead_of_a_table(open_window):
    window = open_window("mlp")
    _analyze_action(window, "action_lesion_table").trigger()
    table = window.findChild(LesionTableWindow)
    assert "untrained" in table.status.text()
    assert table.rows == [] and table.bar_heights() == []


def test_stop_ends_a_background_job_and_says_so(qtbot):
    from playground.ui.background import BackgroundJob, Stopped

    job = BackgroundJob()
    seen: list[object] = []
    job.progress.connect(seen.append)
    job.failed.connect(seen.append)
    job.done.connect(seen.append)

    def work(report, stopped):
        report("started")
        while not stopped():
            pass
        raise Stopped

    assert job.start(work)
    assert not job.start(work)  # one at a time
    qtbot.waitUntil(lambda: seen == ["started"], timeout=5000)
    job.stop()
    qtbot.waitUntil(lambda: not job.is_running(), timeout=5000)
    assert seen == ["started", "Stopped"]


def test_a_job_waited_for_never_reports_afterwards(qtbot):
    # a window replaced its job (another session was loaded): what the old one still had queued
    # must not reach the new state
    import threading

    from playground.ui.background import BackgroundJob

    job = BackgroundJob()
    release = threading.Event()
    got: list[object] = []
    job.finished.connect(lambda result, error: got.append(result))

    def slow(report, stopped):
        release.wait(5)
        return "old"

    assert job.start(slow)
    release.set()
    job.wait()
    qtbot.wait(100)  # let any queued signal arrive
    assert got == [] and not job.is_running()
    assert job.start(lambda report, stopped: "new")
    qtbot.waitUntil(lambda: got == ["new"], timeout=5000)
