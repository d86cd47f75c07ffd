"""An edit during a paused run keeps the run and the views when it is compatible (every trained
tensor keeps its shape); other edits still ask whether to keep the weights that fit."""

from __future__ import annotations

import torch

from playground.graph.edits import Connect, Disconnect, Macro, RemoveNode, SetParam
from playground.graph.elements import PortRef
from playground.ui.main_window import KEEP


def paused_window(open_window, qtbot):
    w = open_window("mlp")
    w.training_panel.pace.setCurrentIndex(w.training_panel.pace.findData("fastest"))
    w.training_panel.until_stopped.setChecked(True)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step >= 40, timeout=20000)
    assert w.controller.pause(wait=5.0)
    qtbot.waitUntil(lambda: w.controller.poll() == "paused", timeout=20000)
    return w


def edge_between(graph, src: str, dst: str):
    return next(e for e in graph.edges.values() if e.src.node_id == src and e.dst.node_id == dst)


def test_pasting_and_wiring_a_block_while_paused_keeps_the_run(env_answers, open_window, qtbot):
    asked = env_answers
    w = paused_window(open_window, qtbot)
    ctl, graph = w.controller, w.document.graph
    step, trainer = ctl.trainer.step, ctl.trainer
    losses = ctl.buffer.series("train/loss")[0].size
    recorded = ctl.buffer.recorded_steps("boundary")
    tanh1 = graph.node_by_label("tanh1").id
    before = set(graph.nodes)
    w.canvas.select_nodes([tanh1])
    w.canvas.copy()
    w.canvas.paste()  # the pasted Tanh is not wired yet: the network cannot be built
    pasted = next(n for n in graph.nodes if n not in before)
    qtbot.wait(50)  # the prompts act on the next event-loop turn
    assert not asked and ctl.state == "paused" and ctl.trainer is trainer and ctl.trainer.step == step
    assert ctl.buffer.series("train/loss")[0].size == losses  # the views keep their history
    assert ctl.buffer.recorded_steps("boundary") == recorded and len(recorded) > 20
    assert not ctl.start()  # says why, instead of training the old network
    fc2 = graph.node_by_label("fc2").id
    wire = edge_between(graph, tanh1, fc2)
    w.document.push(Macro([Disconnect(wire.id), Connect(PortRef(tanh1, "out"), PortRef(pasted, "in")),
                           Connect(PortRef(pasted, "out"), PortRef(fc2, "in"))], "Wire the pasted block"))
    qtbot.waitUntil(lambda: ctl.trainer is not trainer and ctl.trainer_matches_inputs(), timeout=20000)
    qtbot.waitUntil(lambda: ctl.poll() == "paused", timeout=20000)
    assert not asked  # compatible: no question
    assert ctl.trainer.step == step and ctl.buffer.series("train/loss")[0].size == losses
    assert ctl.buffer.recorded_steps("boundary")[:-1] == recorded[:-1]  # the last: the edited network
    assert all(torch.equal(v, trainer.model.state_dict()[k]) for k, v in ctl.trainer.model.state_dict().items())
    old_moments = {k: s for k, s in trainer.optimizer.state.items()}
    assert len(ctl.trainer.optimizer.state) == len(old_moments) > 0  # Adam's moments came along
    assert "goes on" in w.status_widget.currentMessage()
    ctl.resume()
    qtbot.waitUntil(lambda: ctl.trainer.step > step + 10, timeout=15000)
    steps = ctl.buffer.series("train/loss")[0]
    assert list(steps[:losses]) == list(range(1, losses + 1)) and steps[-1] > step  # one run, on and on


def test_a_deleted_block_comes_back_trained_on_undo(env_answers, open_window, qtbot):
    asked = env_answers
    w = paused_window(open_window, qtbot)
    ctl, graph = w.controller, w.document.graph
    tanh1, fc2, tanh2 = (graph.node_by_label(n).id for n in ("tanh1", "fc2", "tanh2"))
    trained = ctl.weights()[f"{fc2}.weight"]
    step = ctl.trainer.step
    w.document.push(Macro([RemoveNode(fc2), Connect(PortRef(tanh1, "out"), PortRef(tanh2, "in"))], "Drop fc2"))
    qtbot.waitUntil(lambda: bool(asked) or (ctl.trainer_matches_inputs() and ctl.poll() == "paused"),
                    timeout=20000)
    assert not asked and ctl.trainer.step == step and f"{fc2}.weight" not in ctl.weights()
    w.window_actions.undo.trigger()
    qtbot.waitUntil(lambda: ctl.trainer_matches_inputs() and f"{fc2}.weight" in ctl.weights(), timeout=20000)
    assert not asked and ctl.trainer.step == step
    assert torch.equal(ctl.weights()[f"{fc2}.weight"], trained)


def test_a_width_change_still_asks(env_answers, open_window, qtbot):
    asked = env_answers
    w = paused_window(open_window, qtbot)
    fc1 = w.document.graph.node_by_label("fc1").id
    w.document.push(SetParam(fc1, "out_features", 8))
    qtbot.waitUntil(lambda: any(q.title == "The network changed" for q in asked), timeout=20000)
    assert w.controller.trainer is None and w.controller.has_weights()  # the answer was KEEP


import pytest  # noqa: E402


@pytest.fixture
def env_answers(answers, asked):
    answers["The network changed"] = KEEP
    return asked


def test_an_autosave_tick_right_after_resume_does_not_pause_the_run_again(env_answers, open_window, qtbot):
    # the controller still reads "paused" until the training thread wakes; the pause checkpoint
    # used to pause the run again then, and it crawled on a step at a time
    w = paused_window(open_window, qtbot)
    ctl = w.controller
    assert w.file_ops.autosaver is not None
    step = ctl.trainer.step
    ctl.trainer.resume()  # resumed, not yet polled: the controller's state is still "paused"
    assert ctl.state == "paused"
    w.file_ops.tick_autosave()
    qtbot.waitUntil(lambda: ctl.poll() == "running" and ctl.trainer.step > step + 200, timeout=15000)
