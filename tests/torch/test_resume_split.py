"""A run split into pieces of any length, each limited the way ``train --steps N`` limits it, draws
the bit-identical curve of one unsplit run, for every schedule (issue 12 §7)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.graph.model import Graph, Node, PortRef
from playground.session import Session, load_session, save_session
from playground.train import TrainConfig
from playground.train.config import SCHEDULES
from playground.train.optim import lr_at, schedule_horizon

TOTAL = 12


def tiny_net() -> Graph:
    g = Graph()
    chain = [("Input", "input", {}), ("Linear", "fc1", {"out_features": 4}), ("Tanh", "tanh", {}),
             ("Linear", "head", {"out_features": 2}), ("Output", "output", {})]
    prev = None
    for i, (kind, label, params) in enumerate(chain):
        node = g.add_node(Node(f"n{i}", kind, label, params))
        if prev is not None:
            g.connect(PortRef(prev, "out"), PortRef(node.id, "in"))
        prev = node.id
    return g


def config_for(schedule: str) -> TrainConfig:
    return TrainConfig(optimizer="adam", lr=0.05, batch_size=16, seed=3, schedule=schedule,
                       warmup_steps=3, step_size=4, gamma=0.5, max_steps=TOTAL, device="cpu")


def train_piece(session: Session, steps: int) -> None:
    """What ``train --steps N`` does: lift the limits for this piece only, keep the horizon."""
    saved = session.config
    trainer = session.make_trainer()
    spe = trainer.data.steps_per_epoch
    piece = saved.pinned_horizon(spe).with_changes(max_steps=trainer.step + steps, epochs=0)
    trainer.update_config(**{k: v for k, v in piece.to_dict().items() if getattr(saved, k) != v})
    trainer.run()
    session.capture(trainer)
    session.config = dataclasses.replace(session.config, max_steps=saved.max_steps, epochs=saved.epochs)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schedule=st.sampled_from(SCHEDULES),
       cuts=st.lists(st.integers(1, TOTAL - 1), min_size=1, max_size=3, unique=True))
def test_a_run_split_anywhere_matches_the_unsplit_run(tmp_path, schedule, cuts):
    def fresh() -> Session:
        return Session(graph=tiny_net(), dataset="moons", dataset_params={"n_samples": 80},
                       config=config_for(schedule))

    straight = fresh().make_trainer()
    straight.run()
    _, expected = straight.buffer.series("train/loss")
    assert len(expected) == TOTAL

    bounds = [0, *sorted(cuts), TOTAL]
    path = tmp_path / f"split-{schedule}.playground"
    save_session(fresh(), str(path))
    for a, b in itertools.pairwise(bounds):
        session = load_session(str(path))
        train_piece(session, b - a)
        save_session(session, str(path))
    final = load_session(str(path))
    assert final.trainer_state["counters"]["step"] == TOTAL
    assert np.array_equal(np.asarray(final.history["train/loss"]["values"]), expected)


def test_the_horizon_is_kept_in_the_saved_config(tmp_path):
    config = config_for("cosine")
    pinned = config.pinned_horizon(5).with_changes(max_steps=3)
    assert pinned.horizon_steps == TOTAL and schedule_horizon(pinned, 5) == TOTAL
    # the learning rate at a step does not depend on where this piece of the run stops
    assert lr_at(pinned, 2, schedule_horizon(pinned, 5)) == lr_at(config, 2, schedule_horizon(config, 5))
    s = Session(graph=tiny_net(), dataset="moons", dataset_params={"n_samples": 80}, config=pinned)
    save_session(s, str(tmp_path / "h.playground"))
    assert load_session(str(tmp_path / "h.playground")).config.horizon_steps == TOTAL
