"""Save ⇔ load symmetry: whatever edit follows training, what is saved reopens.

The weights of an edited network are fitted before saving (the tensors that still fit are
kept, the others start afresh and are named), and ``save_session`` itself refuses to write
weights its own loader would refuse."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.data import make_dataset
from playground.graph.edits import SetParam
from playground.graph.model import Graph, GraphEditError, Node, PortRef
from playground.graph.templates import make_template
from playground.graph.validate import topological_order
from playground.session import Session, SessionError, load_session, save_session
from playground.session.validate import fit_session_weights
from playground.train import TrainConfig

DATASET, PARAMS = "spirals", {"n_samples": 200}
CONFIG = TrainConfig(batch_size=32, seed=5, epochs=0, max_steps=0)


@functools.cache
def trained() -> Session:
    """The mlp example after a short real training run (weights, optimizer state, counters)."""
    session = Session(graph=make_template("mlp"), dataset=DATASET, dataset_params=dict(PARAMS), config=CONFIG)
    trainer = session.make_trainer()
    trainer.run(max_steps=12)
    session.capture(trainer)
    return session


def edited(graph: Graph, weights: dict[str, torch.Tensor] | None = None) -> Session:
    """The trained session with its graph replaced by ``graph``, as a save after an edit sees it."""
    base = trained()
    session = Session(graph=graph, dataset=DATASET, dataset_params=dict(PARAMS), config=base.config)
    session.weights = dict(weights if weights is not None else base.weights)
    session.optimizer_state, session.trainer_state = base.optimizer_state, base.trainer_state
    session.history = base.history
    return session


def test_saving_weights_that_no_longer_fit_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "work.playground"
    save_session(trained(), path)
    before = path.read_bytes()
    graph = trained().graph.copy()
    SetParam(graph.node_by_label("fc1").id, "out_features", 5).apply(graph)
    with pytest.raises(SessionError, match=r"cannot save: the weights do not fit the network: "
                                           r"fc1\.weight is 16×7 float32 in the file but the network needs 5×7"):
        save_session(edited(graph), path)
    assert path.read_bytes() == before  # the old file is untouched


def test_fitted_weights_save_and_reopen_keeping_what_fits(tmp_path):
    graph = trained().graph.copy()
    SetParam(graph.node_by_label("fc1").id, "out_features", 5).apply(graph)
    session = edited(graph)
    lines = fit_session_weights(session)
    assert lines == ["fc1.weight (16×7 → 5×7) kept 5×7 of it", "fc1.bias (16 → 5) kept 5 of it",
                     "fc2.weight (16×16 → 16×5) kept 16×5 of it"]
    assert session.optimizer_state is None and session.trainer_state is None  # they belonged to old tensors
    save_session(session, tmp_path / "fitted.playground")
    back = load_session(str(tmp_path / "fitted.playground"))
    head = graph.node_by_label("head").id
    assert torch.equal(back.weights[f"{head}.weight"], trained().weights[f"{head}.weight"])
    back.make_trainer().run(max_steps=2)  # and it trains on from there


def test_weights_that_fit_keep_their_optimizer_state():
    session = edited(trained().graph.copy())
    session.graph.rename_node(session.graph.node_by_label("fc1").id, "hidden")
    assert fit_session_weights(session) == []
    assert session.optimizer_state is trained().optimizer_state


# ------------------------------------------------------------------ random edits
LINEARS = ("fc1", "fc2", "head")
FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")

EDITS = st.one_of(
    st.tuples(st.just("width"), st.sampled_from(LINEARS), st.integers(1, 24)),
    st.tuples(st.just("bias"), st.sampled_from(LINEARS), st.booleans()),
    st.tuples(st.just("feature"), st.sampled_from(FEATURES), st.booleans()),
    st.tuples(st.just("rename"), st.integers(0, 20), st.integers(0, 99)),
    st.tuples(st.just("add"), st.integers(0, 20), st.sampled_from(["Linear", "Tanh", "ReLU", "LayerNorm"])),
    st.tuples(st.just("remove"), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("rewire"), st.integers(0, 20), st.integers(0, 20)),
)


def _order(graph: Graph) -> list[str]:
    order, _ = topological_order(graph)
    return order


def apply_edit(graph: Graph, edit: tuple[str, Any, Any]) -> None:
    """One edit a person could make on the canvas; edits the graph refuses are skipped."""
    kind, a, b = edit
    try:
        if kind in ("width", "bias"):
            node = graph.node_by_label(a)
            if node is not None:
                graph.set_param(node.id, "out_features" if kind == "width" else "bias", b)
        elif kind == "feature":
            node = graph.node_by_label("features")
            if node is not None:
                graph.set_param(node.id, a, b)
        elif kind == "rename":
            nid = list(graph.nodes)[a % len(graph.nodes)]
            graph.rename_node(nid, f"renamed{b}")
        elif kind == "add":  # a new block right after an existing one, taking over its outputs
            order = [n for n in _order(graph) if graph.nodes[n].type != "Output"]
            src = order[a % len(order)]
            outs = graph.edges_out_of(src)
            new = graph.add_node(Node(graph.new_id("n"), b, graph.unique_label(b.lower()),
                                      {"out_features": 9} if b == "Linear" else {}))
            for e in outs:
                graph.disconnect(e.id)
                graph.connect(PortRef(new.id, "out"), e.dst)
            graph.connect(PortRef(src, "out"), PortRef(new.id, "in"))
        elif kind == "remove":  # a middle block, its input wired straight to its outputs
            middle = [n for n in _order(graph) if graph.nodes[n].type not in ("Input", "Output")]
            if middle:
                nid = middle[a % len(middle)]
                feed = graph.edges_into(nid)
                outs = graph.edges_out_of(nid)
                graph.remove_node(nid)
                if feed:
                    for e in outs:
                        graph.connect(feed[0].src, e.dst)
        elif kind == "rewire":  # an input fed from another, earlier block (a skip, or dropping a branch)
            order = _order(graph)
            targets = [n for n in order if graph.edges_into(n)]
            dst = targets[a % len(targets)]
            earlier = [n for n in order[: order.index(dst)] if graph.nodes[n].type != "Output"]
            edge = graph.edges_into(dst)[0]
            src = earlier[b % len(earlier)]
            graph.disconnect(edge.id)
            graph.connect(PortRef(src, "out"), edge.dst)
    except GraphEditError:
        pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=4))
def test_any_edit_after_training_saves_a_file_that_reopens(tmp_path, edits):
    graph = trained().graph.copy()
    for edit in edits:
        apply_edit(graph, edit)
    # as saved without fitting: refused, or written and reopened; never a file that fails to open
    raw = edited(graph)
    try:
        save_session(raw, tmp_path / "raw.playground")
    except SessionError as err:
        assert "cannot save" in str(err)
    else:
        load_session(str(tmp_path / "raw.playground"))
    # as the app saves: fitted first, then it always writes and always reopens
    session = edited(graph)
    fit_session_weights(session)
    save_session(session, tmp_path / "fitted.playground")
    back = load_session(str(tmp_path / "fitted.playground"))
    if back.weights is not None:  # every tensor that still fits kept its trained value
        old = trained().weights
        for key, value in back.weights.items():
            if key in old and old[key].shape == value.shape:
                assert torch.equal(value, old[key]), key


def test_the_random_edits_reach_weights_that_no_longer_fit():
    """The property above is not vacuous: these edits do make the trained weights unfit."""
    task = make_dataset(DATASET, PARAMS).task
    graph = trained().graph.copy()
    apply_edit(graph, ("add", 2, "Linear"))
    apply_edit(graph, ("remove", 0, 0))
    session = edited(graph)
    assert fit_session_weights(session, task)  # something was reset or dropped


def test_a_run_that_ends_on_a_partial_batch_saves_a_file_that_reopens_and_resumes(tmp_path):
    # 160 training samples in batches of 48: every epoch ends on a batch of 16
    from playground.session.new import new_session

    session, _ = new_session("mlp", overrides=["n_samples=200", "config.batch_size=48", "config.epochs=2"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True)
    assert trainer.data.n % 48 and trainer.data.pos <= trainer.data.n
    session.capture(trainer)
    path = tmp_path / "partial.playground"
    save_session(session, str(path))
    reopened = load_session(str(path))  # was refused: "the saved training state is damaged"
    assert reopened.trainer_state is not None
    import dataclasses

    reopened.config = dataclasses.replace(reopened.config, epochs=3)  # one epoch more
    resumed = reopened.make_trainer()
    resumed.run(raise_errors=True)
    assert resumed.epoch == 3 and resumed.step == trainer.step + trainer.data.steps_per_epoch


def test_a_file_saved_with_the_end_of_a_partial_batch_as_its_position_still_opens(tmp_path):
    # files written before the position was clamped hold up to n + batch - 1 there
    from playground.session.new import new_session

    session, _ = new_session("mlp", overrides=["n_samples=200", "config.batch_size=48", "config.epochs=1"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True)
    session.capture(trainer)
    assert session.trainer_state is not None and session.trainer_state["sampler"]["perm"] is None
    session.trainer_state["sampler"]["pos"] = trainer.data.n + 32
    path = tmp_path / "old.playground"
    save_session(session, str(path))
    assert load_session(str(path)).trainer_state is not None
