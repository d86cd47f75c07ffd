"""The Workspace without Qt: events, one way in (``load``), one way out (``to_session``), and a
saved workspace that opens exactly as it was."""

from __future__ import annotations

import os
import tempfile

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.data import DatasetError
from playground.graph.edits import SetParam
from playground.session.errors import SessionError
from playground.session.fileformat import load_session, save_session
from playground.session.model import Session
from playground.train.config import ConfigError, TrainConfig
from playground.train.metrics import MetricsBuffer
from playground.train.trainer import Trainer
from playground.workspace import MAX_EARLIER_RUNS, TrainingState, Workspace, build_bundle, template_session


def loaded(template: str = "mlp") -> Workspace:
    workspace = Workspace()
    workspace.load(template_session(template)[0])
    return workspace


def recorder(workspace: Workspace) -> list[tuple]:
    seen: list[tuple] = []
    for name in ("loaded", "dataset_changed", "dataset_failed", "config_changed", "runs_changed",
                 "viewed_step_changed", "modified_changed", "path_changed"):
        getattr(workspace, name).connect(lambda *args, n=name: seen.append((n, *args)))
    return seen


def picture(workspace: Workspace) -> dict:
    """Everything a person could notice about a workspace, in comparable form."""
    state = workspace.training
    bundle = workspace.bundle
    return {
        "graph": workspace.document.graph.to_dict(), "dataset": workspace.dataset,
        "params": workspace.dataset_params, "config": workspace.config, "runs": workspace.runs,
        "history": state.history, "viewed_step": workspace.viewed_step, "notes": workspace.notes,
        "weights": None if state.weights is None else {k: v.tolist() for k, v in state.weights.items()},
        "data": None if bundle is None else [getattr(bundle, k).tolist() for k in ("x_train", "y_train", "x_val", "y_val")],
        "task": None if bundle is None else bundle.task,
    }


def test_loading_a_template_sets_every_part_and_announces_it_once():
    workspace = Workspace()
    seen = recorder(workspace)
    workspace.load(template_session("mlp")[0])
    assert [e[0] for e in seen].count("loaded") == 1
    assert workspace.dataset == "spirals" and workspace.bundle is not None
    assert workspace.config.epochs == 300 and workspace.config.lr == 0.03
    assert workspace.document.task == workspace.bundle.task and workspace.document.report.ok
    assert not workspace.is_modified()


def test_a_bad_session_changes_nothing():
    workspace = loaded()
    before = picture(workspace)
    with pytest.raises(SessionError):
        workspace.load(Session(graph=workspace.document.graph.copy(), dataset="no_such_data"))
    assert picture(workspace) == before
    with pytest.raises(SessionError, match="unknown template"):
        template_session("no_such_template")


def test_settings_change_only_through_valid_values_and_say_which_changed():
    workspace = loaded()
    seen = recorder(workspace)
    assert workspace.update_config(epochs=40, lr=3.0, seed=0) == {"epochs": 40, "lr": 3.0}
    assert seen == [("modified_changed", True), ("config_changed", {"epochs": 40, "lr": 3.0})]
    with pytest.raises(ConfigError):
        workspace.update_config(lr=-1.0)
    assert workspace.config.lr == 3.0 and workspace.update_config(lr=3.0) == {}


def test_choosing_data_retasks_the_document_and_bad_params_keep_the_last_good_data():
    workspace = loaded()
    seen = recorder(workspace)
    assert workspace.choose_dataset("gaussians", {"n_samples": 60})
    assert workspace.bundle.name == "gaussians" and workspace.document.task == workspace.bundle.task
    assert not workspace.document.report.ok  # the spirals head has 2 outputs, gaussians 3 classes
    assert ("dataset_changed", workspace.bundle) in seen and workspace.is_modified()
    assert not workspace.choose_dataset("gaussians", {"n_samples": 3})
    assert seen[-1][0] == "dataset_failed" and "n_samples" in seen[-1][1]
    assert workspace.dataset_params["n_samples"] == 60
    with pytest.raises(DatasetError, match="choose a file"):
        build_bundle("csv", {})


def test_graph_edits_mark_the_workspace_modified_through_the_document():
    workspace = loaded()
    document = workspace.document
    fc1 = document.graph.node_by_label("fc1")
    document.apply(SetParam(fc1.id, "out_features", 9))
    assert document.stale and document.report.ok and not document.stale  # checked on demand
    assert not workspace.is_modified()
    document.set_dirty(True)  # what the app's undo history says after the edit
    assert workspace.is_modified()
    workspace.mark_saved("/tmp/x.playground")
    assert not workspace.is_modified() and workspace.path == "/tmp/x.playground"


def test_earlier_runs_are_bounded_and_numbered():
    workspace = loaded()
    for i in range(MAX_EARLIER_RUNS + 3):
        workspace.add_run({"label": f"run {i + 1}", "number": i + 1, "history": {}})
    assert len(workspace.runs) == MAX_EARLIER_RUNS and workspace.next_run_number() == MAX_EARLIER_RUNS + 4
    workspace.set_runs([{"label": "broken"}, {"history": {}}])
    assert workspace.runs == [{"history": {}}]


def test_a_gpu_session_opens_on_a_machine_without_that_device():
    session = template_session("mlp")[0]
    session.config = session.config.with_changes(device="mps" if torch.cuda.is_available() else "cuda")
    if session.config.device == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has every device")
    notes = (workspace := Workspace()).load(session)
    assert workspace.config.device == "auto" and "not available" in notes[0]


def test_csv_data_travels_inside_the_file(tmp_path):
    table = tmp_path / "points.csv"
    table.write_text("a,b,label\n" + "".join(f"{i % 7},{i % 5},{'yes' if i % 3 else 'no'}\n" for i in range(60)))
    workspace = loaded()
    assert workspace.choose_dataset("csv", {"path": str(table), "target": "label"})
    before = picture(workspace)
    path = tmp_path / "with_table.playground"
    save_session(workspace.to_session(), str(path))
    table.unlink()  # the table may be gone: the session carries it
    again = Workspace()
    again.load(load_session(str(path)))
    assert picture(again) == before


def _history(series: dict[str, list[float]]) -> dict:
    buffer = MetricsBuffer()
    for name, values in series.items():
        buffer.add_points(name, range(1, len(values) + 1), values)
    return buffer.export_history()


def test_trained_weights_and_optimizer_state_survive_a_save(tmp_path):
    workspace = loaded()
    trainer = Trainer(workspace.document.graph, workspace.bundle, workspace.config.with_changes(epochs=3))
    trainer.run(raise_errors=True, wait_when_paused=False)
    session = workspace.to_session()
    session.capture(trainer)
    workspace.set_training(TrainingState(session.weights, session.optimizer_state, session.trainer_state,
                                         session.history))
    before = picture(workspace)
    save_session(workspace.to_session(), str(tmp_path / "trained.playground"))
    again = Workspace()
    again.load(load_session(str(tmp_path / "trained.playground")))
    assert picture(again) == before
    resumed = again.to_session().make_trainer(bundle=again.bundle)
    assert resumed.step == 3 and resumed.optimizer.state_dict()["state"]


_histories = st.dictionaries(
    st.sampled_from(["train/loss", "val/loss", "val/accuracy"]),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=1, max_size=6),
    max_size=3).map(_history)


@st.composite
def workspaces(draw) -> Workspace:
    workspace = loaded(draw(st.sampled_from(["mlp", "deep_linear"])))
    if draw(st.booleans()):
        name = draw(st.sampled_from(["spirals", "circles", "xor", "moons"]))
        assert workspace.choose_dataset(name, {"n_samples": draw(st.integers(20, 80)),
                                               "noise": draw(st.floats(0.0, 1.0, width=32)),
                                               "seed": draw(st.integers(0, 2**31 - 1))})
    fields = draw(st.fixed_dictionaries({}, optional={
        "lr": st.floats(1e-5, 10.0), "epochs": st.integers(0, 10**6), "batch_size": st.integers(0, 512),
        "optimizer": st.sampled_from(["sgd", "adam", "adamw", "rmsprop"]), "seed": st.integers(0, 2**31 - 1),
        "schedule": st.sampled_from(["constant", "step", "cosine", "warmup_cosine"])}))
    workspace.update_config(**fields)
    graph = workspace.document.graph
    for node in list(graph.nodes.values())[: draw(st.integers(0, 2))]:
        if node.type == "Linear":
            workspace.document.apply(SetParam(node.id, "out_features", draw(st.integers(1, 64))))
    for number in range(1, draw(st.integers(0, 3)) + 1):
        workspace.add_run({"label": f"run {number}", "number": number, "steps": number * 10,
                           "config": workspace.config.to_dict(), "history": draw(_histories)})
    workspace.set_training(TrainingState(history=draw(_histories)))
    workspace.view_step(draw(st.one_of(st.none(), st.integers(0, 10**6))))
    workspace.notes = draw(st.text(max_size=40))
    return workspace


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workspaces())
def test_saving_a_workspace_and_opening_the_file_reproduces_it(workspace):
    before = picture(workspace)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "work.playground")
        save_session(workspace.to_session(), path)
        again = Workspace()
        again.load(load_session(path), path=path)
    assert picture(again) == before
    assert again.path == path and not again.is_modified()
    assert isinstance(again.config, TrainConfig)
