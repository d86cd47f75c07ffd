"""The status bar's training fields, driven with the status dicts the trainer writes."""

from __future__ import annotations

from playground.ui.status_bar import TrainingStatusBar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def status(state: str, step: int, speed: float) -> dict:
    return {"state": state, "step": step, "epoch": step // 10, "steps_per_s": speed, "device": "cpu"}


def test_live_speed_while_running_and_the_run_average_afterwards(qtbot):
    clock = Clock()
    bar = TrainingStatusBar(clock=clock)
    qtbot.addWidget(bar)
    assert bar.state_label.text() == "Ready" and bar.speed_label.text() == "0.0 steps/s"
    bar.show_status(status("running", 0, 0.0))
    clock.now += 5.0  # warm-up before the first steps are reported (imports, first compile): not counted
    bar.show_status(status("running", 100, 20.0))
    clock.now += 1.0
    bar.show_status(status("running", 500, 420.0))
    assert bar.speed_label.text() == "420 steps/s" and bar.state_label.text() == "Training"
    clock.now += 1.0
    bar.show_status(status("finished", 900, 12.0))  # the trainer's last window: a stale, low figure
    assert bar.speed_label.text() == "400 steps/s avg" and bar.step_label.text() == "step 900"
    bar.show_status(status("running", 900, 12.0))  # resumed: the time paused does not count
    clock.now += 1.0
    bar.show_status(status("running", 1000, 100.0))
    clock.now += 10.0
    bar.show_status(status("paused", 1200, 15.0))
    assert bar.speed_label.text() == "83 steps/s avg"  # 800 + 200 steps in 2 + 10 s counted
    bar.show_status(status("idle", 0, 0.0))  # weights reset
    assert bar.speed_label.text() == "0.0 steps/s" and bar.state_label.text() == "Ready"
