"""Autosave while dirty, on training stop; recovery after a crash; nothing left after a clean exit."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import pytest

from playground.graph.builder import GraphBuilder
from playground.session import Autosaver, Session, find_recoverable, load_session, state_dir
from playground.session.checkpoint import CHECKPOINT_ENV, SessionWriter, checkpoint_interval_s


def session(notes: str = "") -> Session:
    g = GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=2).then("Output", "output").graph
    return Session(graph=g, dataset="xor", dataset_params={"n_samples": 40}, notes=notes)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_state_dir_follows_the_environment(folder):
    assert state_dir() == folder


def test_saves_only_while_dirty_and_after_the_interval(folder):
    current = session("v1")
    saver = Autosaver(lambda: current, interval_s=30)
    assert not saver.maybe_autosave(now=0.0)  # clean: nothing to do
    saver.mark_dirty()
    assert not saver.maybe_autosave(now=10.0)
    assert saver.maybe_autosave(now=31.0)
    assert load_session(saver.autosave_path).notes == "v1"
    assert not saver.maybe_autosave(now=500.0)  # saved: clean again
    current = session("v2")
    saver.mark_dirty()
    assert saver.maybe_autosave(now=510.0)  # the last autosave is older than the interval
    assert load_session(saver.autosave_path).notes == "v2"
    saver.mark_dirty()
    assert not saver.maybe_autosave(now=520.0)  # at most one save per interval
    assert saver.maybe_autosave(now=541.0)
    saver.close()


def test_training_stop_saves_at_once(folder):
    saver = Autosaver(lambda: session("trained"), interval_s=3600)
    assert saver.on_training_stopped(now=1.0)
    assert load_session(saver.autosave_path).notes == "trained"
    saver.close()


def test_a_user_save_clears_the_autosave(folder, tmp_path):
    saver = Autosaver(lambda: session("x"), interval_s=1)
    saver.on_training_stopped()
    saver.mark_clean(source=str(tmp_path / "mine.playground"))
    assert not saver.autosave_path.exists() and not saver.dirty
    saver.close()


def test_failures_are_reported_not_raised(folder):
    def broken() -> Session:
        s = session()
        s.ui_state = {"x": object()}
        return s

    saver = Autosaver(broken, interval_s=0)
    assert not saver.on_training_stopped()
    assert "cannot save" in saver.last_error
    saver.close()


def test_clean_shutdown_leaves_nothing_to_recover(folder):
    saver = Autosaver(lambda: session("x"))
    saver.on_training_stopped()
    saver.close()
    assert find_recoverable() == []
    assert list((folder / "instances").iterdir()) == []


def test_a_live_instance_is_not_offered_for_recovery(folder):
    saver = Autosaver(lambda: session("alive"))
    saver.on_training_stopped()
    assert find_recoverable() == []
    saver.close()


def _crash_after_autosave(folder: str, source: str) -> None:
    os.environ["PLAYGROUND_STATE_DIR"] = folder
    saver = Autosaver(lambda: session("unsaved work"), source=source)
    saver.on_training_stopped()
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_crashed_instance_is_offered_and_can_be_discarded(folder, tmp_path):
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=_crash_after_autosave, args=(str(folder), str(tmp_path / "orig.playground")))
    proc.start()
    proc.join(60)
    assert proc.exitcode == -signal.SIGKILL
    found = find_recoverable()
    assert len(found) == 1
    rec = found[0]
    assert rec.pid == proc.pid and rec.source == str(tmp_path / "orig.playground")
    assert rec.load().notes == "unsaved work"
    # the next instance runs alongside: the old autosave stays offered until discarded
    saver = Autosaver(lambda: session("new"))
    assert [r.autosave_path for r in find_recoverable()] == [rec.autosave_path]
    rec.discard()
    assert find_recoverable() == []
    saver.close()
    assert list((folder / "instances").iterdir()) == []


def test_a_crash_before_any_autosave_leaves_only_a_stale_marker_that_is_cleaned(folder):
    ctx = multiprocessing.get_context("fork")

    def crash() -> None:
        os.environ["PLAYGROUND_STATE_DIR"] = str(folder)
        Autosaver(lambda: session())
        os.kill(os.getpid(), signal.SIGKILL)

    proc = ctx.Process(target=crash)
    proc.start()
    proc.join(60)
    assert list((folder / "instances").glob("*.json"))
    assert find_recoverable() == []
    assert list((folder / "instances").iterdir()) == []


def test_a_running_session_is_checkpointed_every_25_s_by_default(folder, monkeypatch):
    monkeypatch.delenv(CHECKPOINT_ENV, raising=False)
    assert checkpoint_interval_s() == 25.0 < 30.0  # a crash loses at most 25 s plus one save
    monkeypatch.setenv(CHECKPOINT_ENV, "400")  # the override may only shorten it
    assert checkpoint_interval_s() == 25.0
    monkeypatch.setenv(CHECKPOINT_ENV, "1.5")
    assert checkpoint_interval_s() == 1.5
    monkeypatch.delenv(CHECKPOINT_ENV)
    saver = Autosaver(lambda: session(), interval_s=3600)
    assert not saver.checkpoint_due(now=100.0)  # the run's clock starts at its first tick
    assert not saver.checkpoint_due(now=124.9)
    assert saver.checkpoint_due(now=125.0)
    saver.checkpoint_taken(now=125.5)
    assert not saver.checkpoint_due(now=150.0) and saver.checkpoint_due(now=150.5)
    saver.run_ended()
    assert not saver.checkpoint_due(now=1000.0)  # a new run counts from its own start
    saver.close()


def test_the_writer_saves_on_its_own_thread_and_reports_failures(folder, tmp_path):
    writer = SessionWriter()
    saver = Autosaver(lambda: session("async"), interval_s=3600, writer=writer)
    assert saver.on_training_stopped()
    assert writer.wait(60)
    assert load_session(saver.autosave_path).notes == "async"
    assert writer.save_threads and all(name.startswith("playground-save") for name in writer.save_threads)
    assert threading.current_thread().name not in writer.save_threads
    failed = writer.submit(session(), str(tmp_path / "no such folder" / "x.playground"))
    assert "cannot save" in str(failed.result(60))
    saver.close()
    assert find_recoverable() == []


def test_a_written_snapshot_lets_its_tensors_go_on_the_writer_thread(tmp_path):
    """A snapshot in a reference cycle would otherwise keep its tensors until a cycle collection,
    which runs on the GUI thread; the file still holds them."""
    import gc
    import weakref

    import torch

    from playground.train import Trainer

    snapshot = session("weights")
    snapshot.weights = Trainer(snapshot.graph, snapshot.bundle(), snapshot.config).model.state_dict()
    key = next(k for k in snapshot.weights if k.endswith("weight"))
    weight = snapshot.weights[key]
    want = weight.clone()
    snapshot.cycle = snapshot  # type: ignore[attr-defined]  # what a graph's observers can make
    gone = weakref.ref(weight)
    del weight
    was = gc.isenabled()
    gc.disable()
    try:
        writer = SessionWriter()
        assert writer.submit(snapshot, str(tmp_path / "w.playground")).result(60) is None
        assert gone() is None and snapshot.weights is None
    finally:
        if was:
            gc.enable()
    saved = load_session(str(tmp_path / "w.playground"))
    assert torch.equal(saved.weights[key], want)
    writer.close()
