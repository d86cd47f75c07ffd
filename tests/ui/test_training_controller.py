"""TrainingController: real training on a QThread, driven the way the window drives it."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from PySide6.QtCore import QThread

from playground.graph.edits import SetParam
from playground.graph.templates import make_template
from playground.session.model import Session
from playground.train import TrainConfig
from playground.ui.training_controller import TrainingController
from playground.workspace import Workspace, template_session

CONFIG = TrainConfig(optimizer="adam", lr=0.03, batch_size=0, eval_every=10, probe_every=25)


@pytest.fixture
def controller(qtbot):
    workspace = Workspace()
    workspace.load(Session(graph=make_template("mlp"), dataset="spirals", dataset_params={"n_samples": 200},
                           config=CONFIG))
    ctl = TrainingController(workspace)
    yield ctl
    ctl.shutdown()


def wait_for(qtbot, condition, timeout=15000):
    qtbot.waitUntil(condition, timeout=timeout)


def test_start_pause_step_stop(controller, qtbot):
    states = []
    controller.state_changed.connect(states.append)
    assert controller.start()
    wait_for(qtbot, lambda: controller.trainer.step >= 20)
    controller.pause()
    wait_for(qtbot, lambda: controller.poll() == "paused")
    before = controller.trainer.step
    controller.step(5)
    wait_for(qtbot, lambda: controller.trainer.step == before + 5 and controller.poll() == "paused")
    time.sleep(0.1)
    assert controller.trainer.step == before + 5  # exactly five, then paused again
    controller.resume()
    wait_for(qtbot, lambda: controller.trainer.step > before + 20)
    thread = controller._thread
    controller.stop()
    assert controller._thread is None and thread is not None
    assert controller.state == "stopped"
    assert "running" in states and "paused" in states
    steps, loss = controller.buffer.series("train/loss")
    assert len(steps) > 20 and loss[-1] < loss[0]


def test_step_from_idle_takes_one_step_and_waits(controller, qtbot):
    assert controller.step(1)
    wait_for(qtbot, lambda: controller.trainer is not None and controller.trainer.step == 1
             and controller.poll() == "paused")
    assert controller.is_running()
    controller.toggle()  # Space resumes
    wait_for(qtbot, lambda: controller.trainer.step > 10)
    controller.toggle()  # and pauses
    wait_for(qtbot, lambda: controller.poll() == "paused")


def test_run_finishes_by_itself_and_joins_its_thread(controller, qtbot):
    controller.workspace.update_config(**{"epochs": 30})
    finished = []
    controller.run_finished.connect(lambda: finished.append(True))
    controller.start()
    wait_for(qtbot, lambda: bool(finished))
    assert controller.state == "finished" and controller.trainer.step == 30
    assert controller._thread is None
    assert not controller.start()  # the limit is reached and nothing changed: says so instead of spinning
    controller.workspace.update_config(**{"epochs": 40})
    assert controller.start()
    wait_for(qtbot, lambda: controller.state == "finished" and controller.trainer.step == 40)


def test_shutdown_mid_run_leaves_no_thread(controller, qtbot):
    before = {t.ident for t in threading.enumerate()}
    controller.start()
    wait_for(qtbot, lambda: controller.trainer.step > 5)
    thread: QThread = controller._thread
    assert controller.shutdown()
    assert thread.isFinished() and not thread.isRunning()
    assert controller.state == "stopped"
    extra = [t for t in threading.enumerate() if t.ident not in before and not isinstance(t, threading._DummyThread)]
    assert extra == []


def test_live_learning_rate_and_rebuild_for_batch_size(controller, qtbot):
    controller.start()
    wait_for(qtbot, lambda: controller.trainer.step > 5)
    trainer = controller.trainer
    controller.workspace.update_config(**{"lr": 0.001})
    assert controller.trainer is trainer and trainer.config.lr == 0.001
    controller.workspace.update_config(**{"batch_size": 16})  # not live: rebuilt with the same weights, still running
    assert controller.trainer is not trainer
    wait_for(qtbot, lambda: controller.trainer.step > 3)
    assert controller.trainer.config.batch_size == 16


def test_compile_problem_is_a_message_not_a_crash(controller, qtbot):
    graph = make_template("mlp")
    head = graph.node_by_label("head")
    SetParam(head.id, "out_features", 5).apply(graph)  # spirals has 2 classes
    controller.workspace.document.set_graph(graph)
    messages = []
    controller.message.connect(messages.append)
    assert not controller.start()
    assert controller._thread is None
    assert messages and "Cannot train yet" in messages[0] and "2 classes" in messages[0]


def test_keep_matching_weights_after_an_edit(controller, qtbot):
    controller.start()
    wait_for(qtbot, lambda: controller.trainer.step > 20)
    controller.stop()
    trained = controller.weights()
    graph = controller.graph
    assert controller.trainer_matches_inputs()
    fc2 = graph.node_by_label("fc2")
    SetParam(fc2.id, "out_features", 8).apply(graph)  # fc2 and head change shape; fc1 still fits
    assert not controller.trainer_matches_inputs()
    controller.discard_trainer(keep_weights=True)
    assert controller.ensure_trainer()
    new = controller.trainer.model.state_dict()
    fc1, head = graph.node_by_label("fc1").id, graph.node_by_label("head").id
    assert torch.equal(new[f"{fc1}.weight"], trained[f"{fc1}.weight"])
    assert new[f"{fc2.id}.weight"].shape != trained[f"{fc2.id}.weight"].shape
    assert torch.equal(new[f"{head}.bias"], trained[f"{head}.bias"])  # its shape still fits: kept
    assert new[f"{head}.weight"].shape != trained[f"{head}.weight"].shape


def test_renaming_a_block_after_training_keeps_its_weights(controller, qtbot):
    controller.start()
    wait_for(qtbot, lambda: controller.trainer.step > 20)
    controller.stop()
    trained = controller.weights()
    graph = controller.graph
    graph.rename_node(graph.node_by_label("fc1").id, "hidden")
    assert controller.trainer_matches_inputs()  # a label is not something the weights depend on
    controller.discard_trainer(keep_weights=True)  # and a rebuilt trainer still finds every tensor
    messages = []
    controller.message.connect(messages.append)
    assert controller.ensure_trainer()
    new = controller.trainer.model.state_dict()
    assert set(new) == set(trained) and all(torch.equal(new[k], v) for k, v in trained.items())
    assert messages == [f"Kept trained weights for {len(trained)} of {len(trained)} tensors"]


def test_reset_forgets_weights_and_history(controller, qtbot):
    controller.start()
    wait_for(qtbot, lambda: controller.trainer.step > 10)
    controller.reset()
    assert controller.trainer is None and not controller.has_weights()
    assert controller.buffer.series("train/loss")[0].size == 0
    assert controller.buffer.status()["step"] == 0


def test_a_rebuilt_trainer_starts_a_new_run_instead_of_drawing_over_the_old_one(controller, qtbot):
    archived = []
    controller.workspace.runs_changed.connect(archived.append)
    controller.start()
    wait_for(qtbot, lambda: controller.trainer.step > 20)
    controller.workspace.update_config(**{"batch_size": 16})  # a fixed setting: rebuilt with the same weights
    wait_for(qtbot, lambda: controller.trainer.step > 5)
    controller.stop()
    steps, _ = controller.buffer.series("train/loss")
    assert len(steps) > 5 and (steps[1:] > steps[:-1]).all()
    assert len(controller.runs) == 1 and archived and archived[-1][0]["steps"] > 20
    assert controller.runs[0]["config"]["batch_size"] == 0
    controller.workspace.load(template_session("lenet")[0])  # other work: no earlier runs, no trainer
    assert controller.runs == [] and controller.trainer is None


def test_new_settings_after_the_end_start_a_new_run(controller, qtbot):
    controller.workspace.update_config(epochs=30)
    controller.start()
    wait_for(qtbot, lambda: controller.state == "finished" and not controller.is_running())
    first = controller.trainer
    controller.workspace.update_config(epochs=10, lr=0.1)  # below where the run ended
    assert controller.start()
    wait_for(qtbot, lambda: controller.state == "finished" and not controller.is_running())
    assert controller.trainer is not first and controller.trainer.step == 10
    assert controller.trainer.config.lr == 0.1
    assert [run["steps"] for run in controller.runs] == [30]


def test_pause_waits_until_the_thread_has_paused(controller, qtbot):
    controller.start()
    wait_for(qtbot, lambda: controller.trainer.step > 3)
    assert controller.pause(wait=5.0)
    assert controller.trainer.state == "paused"
    step = controller.trainer.step
    time.sleep(0.1)
    assert controller.trainer.step == step
