"""The watch pace: the UI's worker spaces steps out, the record stays the same; the Training
panel's pace, regularisation and optimizer-dependent fields."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEventLoop

from playground.graph.templates import make_template
from playground.session.model import Session
from playground.train import TrainConfig
from playground.ui.pace import Pacer, steps_per_second
from playground.ui.training_controller import TrainingController
from playground.ui.training_panel import TrainingPanel
from playground.workspace import Workspace

CONFIG = TrainConfig(optimizer="adam", lr=0.03, batch_size=0, eval_every=10, probe_every=25)


def workspace_with(config: TrainConfig) -> Workspace:
    workspace = Workspace()
    workspace.load(Session(graph=make_template("mlp"), dataset="spirals", dataset_params={"n_samples": 200},
                           config=config))
    return workspace


@pytest.fixture
def make_controller(qtbot):
    made: list[TrainingController] = []

    def make(config: TrainConfig = CONFIG) -> TrainingController:
        ctl = TrainingController(workspace_with(config))
        made.append(ctl)
        return ctl

    yield make
    for ctl in made:
        ctl.shutdown()


def run_steps(qtbot, ctl: TrainingController, steps: int) -> float:
    """Train ``steps`` steps through the controller; the wall time it took (monotonic)."""
    loop = QEventLoop()
    ctl.run_finished.connect(loop.quit)
    started = time.monotonic()
    assert ctl.start(max_steps=steps)
    loop.exec()
    elapsed = time.monotonic() - started
    ctl.run_finished.disconnect(loop.quit)
    assert ctl.trainer is not None and ctl.trainer.step >= steps
    return elapsed


# ------------------------------------------------------------------ the pacing logic
def test_pacer_spaces_steps_to_the_rate_without_bursts():
    pacer = Pacer(50.0)
    assert pacer.delay(10.0) == pytest.approx(0.02)  # the first step's successor starts 1/rate later
    assert pacer.delay(10.025) == pytest.approx(0.015)  # a 5 ms step: wait the rest of the period
    assert pacer.delay(10.2) == 0.0  # a slow step (behind): go on at once...
    assert pacer.delay(10.201) == pytest.approx(0.019)  # ...and keep the rate from there, no burst
    pacer.set_rate(None)
    assert pacer.delay(11.0) == 0.0
    assert steps_per_second(CONFIG) is None
    assert steps_per_second(CONFIG.with_changes(pace="watch", watch_steps_per_s=20)) == 20.0


def test_an_interrupt_ends_a_long_wait_at_once():
    pacer = Pacer(0.5)  # two seconds a step
    pacer.delay(time.monotonic())  # a step was taken
    pacer.interrupt()
    started = time.monotonic()
    pacer.wait()
    assert time.monotonic() - started < 1.0


def test_a_watch_run_of_n_steps_takes_at_least_n_over_rate(make_controller, qtbot):
    ctl = make_controller(CONFIG.with_changes(pace="watch", watch_steps_per_s=100.0))
    assert ctl.pacer.rate == 100.0
    n = 40
    elapsed = run_steps(qtbot, ctl, n)
    assert elapsed >= n / 100.0  # a lower bound: it cannot flake on a slow machine


def test_the_record_is_the_same_at_either_pace(make_controller, qtbot):
    records = []
    for pace in ("watch", "fastest"):
        ctl = make_controller(CONFIG.with_changes(pace=pace, watch_steps_per_s=200.0, seed=3))
        run_steps(qtbot, ctl, 60)
        records.append(ctl.buffer)
    watch, fastest = records
    assert watch.series_names() == fastest.series_names()
    for name in watch.series_names():
        (s1, v1), (s2, v2) = watch.series(name), fastest.series(name)
        assert list(s1) == list(s2), name
        np.testing.assert_allclose(v1, v2, rtol=1e-5, atol=1e-6, err_msg=name)
    assert watch.snapshot_kinds() == fastest.snapshot_kinds() and "boundary" in watch.snapshot_kinds()
    for kind in watch.snapshot_kinds():
        assert watch.recorded_steps(kind) == fastest.recorded_steps(kind), kind
    (_, b1), (_, b2) = watch.snapshot("boundary"), fastest.snapshot("boundary")
    np.testing.assert_allclose(b1["output"], b2["output"], rtol=1e-5, atol=1e-6)


def test_until_stopped_trains_past_the_epoch_limit(make_controller, qtbot):
    ctl = make_controller(CONFIG.with_changes(epochs=5, until_stopped=True))
    assert ctl.start()
    qtbot.waitUntil(lambda: ctl.trainer.step > 30, timeout=15000)  # full batch: a step is an epoch
    assert ctl.state == "running" and ctl.trainer.config.epochs == 0
    ctl.workspace.update_config(until_stopped=False)  # the kept limit applies again, live
    qtbot.waitUntil(lambda: ctl.poll() == "finished" or ctl._thread is None, timeout=15000)
    assert ctl.workspace.config.epochs == 5


# ----------------------------------------------------------------- the Training panel
@pytest.fixture
def panel_and_controller(qtbot, make_controller):
    ctl = make_controller()
    panel = TrainingPanel(ctl.workspace)
    qtbot.addWidget(panel)
    panel.show()
    return panel, ctl


def test_the_pace_switch_sets_the_workers_rate(panel_and_controller):
    panel, ctl = panel_and_controller
    assert panel.pace.currentData() == "fastest" and ctl.pacer.rate is None
    assert not panel.field_visible(panel.rate_row)  # no speed slider at the fastest pace
    panel.pace.setCurrentIndex(panel.pace.findData("watch"))
    assert ctl.workspace.config.pace == "watch" and ctl.pacer.rate == 50.0
    assert panel.field_visible(panel.rate_row) and panel.rate_label.text() == "50 steps/s"
    panel.rate.setValue(120)
    assert ctl.workspace.config.watch_steps_per_s == 120.0 and ctl.pacer.rate == 120.0
    panel.pace.setCurrentIndex(panel.pace.findData("fastest"))
    assert ctl.pacer.rate is None


def test_regularisation_fields_write_the_config_and_reach_the_trainer(panel_and_controller, qtbot):
    panel, ctl = panel_and_controller
    panel.l1.setValue(0.001)
    panel.l2.setValue(0.002)
    panel.grad_clip.setValue(0.5)
    config = ctl.workspace.config
    assert (config.l1, config.l2, config.grad_clip) == (0.001, 0.002, 0.5)
    assert ctl.start()
    qtbot.waitUntil(lambda: ctl.trainer.step > 5, timeout=15000)
    trainer = ctl.trainer
    assert (trainer.config.l1, trainer.config.l2, trainer.config.grad_clip) == (0.001, 0.002, 0.5)
    panel.l2.setValue(0.0)  # live: the running trainer takes it, no rebuild
    qtbot.waitUntil(lambda: trainer.config.l2 == 0.0, timeout=5000)
    assert ctl.trainer is trainer and ctl.state == "running"


def test_penalties_change_what_is_learned(make_controller, qtbot):
    weights = []
    for l1 in (0.0, 0.01):
        ctl = make_controller(CONFIG.with_changes(l1=l1))
        run_steps(qtbot, ctl, 30)
        weights.append(torch.cat([w.flatten() for k, w in ctl.weights().items() if k.endswith("weight")]))
    assert weights[1].abs().sum() < weights[0].abs().sum()  # L1 shrinks the weights


def test_momentum_is_shown_only_for_optimizers_that_use_it(panel_and_controller):
    panel, ctl = panel_and_controller
    assert ctl.workspace.config.optimizer == "adam"
    assert not panel.field_visible(panel.momentum) and not panel.field_visible(panel.nesterov)
    panel.optimizer.setCurrentText("sgd")
    assert panel.field_visible(panel.momentum) and panel.field_visible(panel.nesterov)
    panel.optimizer.setCurrentText("rmsprop")
    assert panel.field_visible(panel.momentum) and not panel.field_visible(panel.nesterov)
    panel.optimizer.setCurrentText("adamw")
    assert not panel.field_visible(panel.momentum)


def test_run_until_stopped_keeps_the_epochs_for_later(panel_and_controller):
    panel, ctl = panel_and_controller
    panel.epochs.setValue(40)
    panel.until_stopped.setChecked(True)
    assert ctl.workspace.config.until_stopped and ctl.workspace.config.epochs == 40
    assert not panel.epochs.isEnabled()
    panel.until_stopped.setChecked(False)
    assert panel.epochs.isEnabled() and panel.epochs.value() == 40


def test_every_new_control_has_a_name_and_a_tooltip(panel_and_controller):
    panel, _ = panel_and_controller
    for widget in (panel.pace, panel.rate, panel.until_stopped, panel.l1, panel.l2, panel.grad_clip,
                   panel.nesterov, panel.momentum):
        assert widget.accessibleName() and widget.toolTip()


def test_views_may_draw_every_step_while_a_watch_run_goes(make_controller, qtbot):
    from playground.ui.pace import IDLE_DRAW_SHARE, WATCH_DRAW_SHARE
    from playground.ui.views import view_panel

    ctl = make_controller(CONFIG.with_changes(pace="watch", until_stopped=True))
    assert ctl.start()
    qtbot.waitUntil(lambda: ctl.poll() == "running", timeout=10000)
    assert view_panel.BUDGET.watch_share == WATCH_DRAW_SHARE
    assert view_panel.BUDGET.share_for(view_panel.BUSY_BUDGET) == WATCH_DRAW_SHARE
    ctl.workspace.update_config(pace="fastest")
    ctl.poll()
    assert view_panel.BUDGET.watch_share is None  # fastest: the views keep their small budget
    ctl.workspace.update_config(pace="watch")
    ctl.pause(wait=5.0)
    assert view_panel.BUDGET.watch_share == IDLE_DRAW_SHARE and ctl.state == "paused"  # no run to leave the CPU to
