"""The Experiments menu: an experiment runs from the app, off the GUI thread, and shows its
measured verdict and plot; Stop keeps what finished; Save writes the CSV and the PNG."""

from __future__ import annotations

import csv

from PySide6.QtCore import QEventLoop, QTimer

from playground.experiments.registry import EXPERIMENTS


def wait_until_done(win, seconds: float = 300.0) -> None:
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: None if win.is_running() else loop.quit())
    poll.start(50)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    poll.stop()


def test_every_experiment_is_in_the_menu_with_its_explanation(open_window):
    window = open_window()
    menu = window.window_actions.experiments
    titles = {a.objectName(): a for a in menu.menu.actions() if a.objectName().startswith("experiment_")}
    assert set(titles) == {f"experiment_{name}" for name in EXPERIMENTS}
    for name, exp in EXPERIMENTS.items():
        assert exp.look_for in titles[f"experiment_{name}"].toolTip()
    assert menu.quick.isChecked()


def test_an_experiment_runs_and_shows_its_verdict_and_plot(open_window, tmp_path):
    window = open_window()
    action = next(a for a in window.window_actions.experiments.menu.actions()
                  if a.objectName() == "experiment_multiplication")
    action.trigger()
    win = window.window_actions.experiments.windows[-1]
    assert win.is_running()  # on a worker thread: the window is back at once
    wait_until_done(win)
    assert win.result is not None, win.error
    assert "Verdict:" in win.verdict.text() and "Multiply (gating)" in win.verdict.text()
    assert not win.plot.pixmap().isNull() and win.plot.pixmap().width() > 400
    assert win.temperature_map is None  # only the attention experiment has a softmax temperature
    assert "training MLP" in win.log.toPlainText()
    written = win.save_to(str(tmp_path / "out"))
    rows = list(csv.DictReader(open(written[0])))
    assert [r["network"] for r in rows] == ["MLP", "Multiply (gating)", "Parameter mask"]
    assert open(written[1], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    win.close()


def test_stop_keeps_what_finished_and_names_the_rest(open_window):
    window = open_window()
    win = window.window_actions.experiments.open("multiplication")
    win.stop_button.click()  # before the second network starts
    wait_until_done(win)
    assert win.result is not None and win.result.skipped
    assert "not run:" in win.verdict.text()
    win.close()
