"""A process killed in the middle of saving never leaves a broken session file behind."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import pytest
import torch

from playground.compile import compile_graph
from playground.data import make_dataset
from playground.graph.builder import GraphBuilder
from playground.session import Session, SessionError, load_session, save_session


def big_session() -> Session:
    """About 10 MB of weights, so a save takes long enough to be interrupted."""
    g = (GraphBuilder().then("Input", "input").then("Linear", "wide", out_features=1200)
         .then("Linear", "deep", out_features=1200).then("Linear", "head", out_features=2)
         .then("Output", "output").graph)
    task = make_dataset("xor", {"n_samples": 40}).task
    weights = compile_graph(g, task).state_dict()
    return Session(graph=g, dataset="xor", dataset_params={"n_samples": 40}, weights=weights)


def _save_forever(path: str, ready: multiprocessing.synchronize.Event) -> None:
    session = big_session()
    version = int(load_session(path).notes)
    ready.set()
    while True:
        version += 1
        session.notes = str(version)
        session.weights["n4.bias"] = torch.full((2,), float(version))
        save_session(session, path)


def test_killing_a_saving_process_leaves_the_old_or_the_new_file(tmp_path):
    path = tmp_path / "work.playground"
    first = big_session()
    first.notes = "0"
    save_session(first, path)
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(1)
    seen = 0
    interrupted_saves = 0
    for _ in range(6):
        ready = ctx.Event()
        proc = ctx.Process(target=_save_forever, args=(str(path), ready), daemon=True)
        proc.start()
        assert ready.wait(60)
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        loaded = load_session(path)  # raises if the file were half written
        version = int(loaded.notes)
        assert version >= seen  # never goes back to an older state
        assert torch.equal(loaded.weights["n4.bias"], torch.full((2,), float(version))) or version == 0
        seen = version
        leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        interrupted_saves += bool(leftovers)
        for p in leftovers:
            p.unlink()
    assert seen > 0  # saves did complete between kills
    assert interrupted_saves > 0  # and at least one kill landed in the middle of a save


def test_a_failed_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "work.playground"
    s = big_session()
    s.notes = "good"
    save_session(s, path)
    s.ui_state = {"bad": object()}  # not JSON: the save fails before touching the file
    with pytest.raises(SessionError, match="cannot save"):
        save_session(s, path)
    assert load_session(path).notes == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["work.playground"]
