"""Weights follow blocks: keyed by node id, carried through renames and edits, and whatever is
reset is named, with its old and new shape."""

from __future__ import annotations

import torch

from playground.compile import compile_graph
from playground.data import make_dataset
from playground.graph.edits import RemoveNode, SetParam
from playground.graph.model import PortRef
from playground.graph.templates import make_template
from playground.train import TrainConfig, Trainer
from playground.train.carry import carry_matching, fit_weights_to_graph, graph_fingerprint, preview_carry

SPIRALS = make_dataset("spirals", {"n_samples": 200})
CONFIG = TrainConfig(batch_size=32, seed=3)


def trained_mlp(steps: int = 15):
    graph = make_template("mlp")
    trainer = Trainer(graph, SPIRALS, CONFIG)
    trainer.run(max_steps=steps)
    return graph, {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}


def test_state_dict_keys_are_node_ids_and_read_as_labels():
    graph = make_template("mlp")
    model = compile_graph(graph, SPIRALS.task)
    fc1 = graph.node_by_label("fc1").id
    assert f"{fc1}.weight" in model.state_dict()
    assert model.readable_key(f"{fc1}.weight") == "fc1.weight"
    assert list(model.readable_state_dict())[:2] == ["fc1.weight", "fc1.bias"]


def test_carry_matching_copies_only_same_key_and_shape():
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 4))
    old = {"0.weight": torch.ones(3, 2), "0.bias": torch.ones(5, 1), "9.weight": torch.ones(1)}
    report = carry_matching(old, model)
    assert report.kept == ["0.weight"]
    assert [(r.key, r.old_shape, r.new_shape) for r in report.reset] == [("0.bias", (5, 1), (3,))]
    assert report.resized == []  # no units in common when the rank differs
    assert report.added == ["1.weight", "1.bias"] and report.dropped == ["9.weight"]
    assert torch.equal(model[0].weight, torch.ones(3, 2)) and not torch.equal(model[0].bias, torch.ones(3))


def test_fingerprint_ignores_positions_and_labels_but_not_params():
    graph = make_template("mlp")
    base = graph_fingerprint(graph)
    node = next(iter(graph.nodes.values()))
    graph.move_node(node.id, (999.0, 999.0))
    fc1 = graph.node_by_label("fc1")
    graph.rename_node(fc1.id, "hidden")
    assert graph_fingerprint(graph) == base
    graph.set_param(fc1.id, "out_features", 7)
    assert graph_fingerprint(graph) != base


def test_a_renamed_block_keeps_every_trained_tensor():
    graph, trained = trained_mlp()
    graph.rename_node(graph.node_by_label("fc1").id, "hidden")
    graph.rename_node(graph.node_by_label("head").id, "classifier")
    model = compile_graph(graph, SPIRALS.task)
    report = carry_matching(trained, model)
    assert report.exact and len(report.kept) == len(trained)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in trained.items())
    assert model.readable_key(report.kept[0]) == "hidden.weight"


def test_a_changed_block_keeps_what_fits_and_names_what_was_reset():
    graph, trained = trained_mlp()
    fc1 = graph.node_by_label("fc1").id
    SetParam(fc1, "out_features", 5).apply(graph)
    report = preview_carry(trained, graph, SPIRALS.task)
    features = trained[f"{fc1}.weight"].shape[1]  # after the Features2D expansion
    # fewer units: the units fc1 keeps keep their weights (the canvas's − button does this)
    assert report.lines() == [f"fc1.weight (16×{features} → 5×{features}) kept 5×{features} of it",
                              "fc1.bias (16 → 5) kept 5 of it",
                              "fc2.weight (16×16 → 16×5) kept 16×5 of it"]
    assert len(report.kept) == 3  # fc2.bias, head.weight, head.bias
    # still "reset" (their shapes changed: a run cannot go on with them unasked), kept in part
    assert report.resized == report.reset and len(report.reset) == 3 and not report.exact
    assert report.describe().startswith("Kept trained weights for 3 of 6 tensors; fc1.weight (16×")

    weights, fitted = fit_weights_to_graph(trained, graph, SPIRALS.task, CONFIG)
    assert weights is not None and fitted.lines() == report.lines()
    for key in fitted.kept:
        assert torch.equal(weights[key], trained[key])
    # what was reset starts exactly where a new trainer would start it, so saving changes nothing
    fresh = Trainer(graph, SPIRALS, CONFIG).model.state_dict()
    for r in fitted.reset:
        if r in fitted.resized:  # the units both shapes have are trained, the others fresh
            part = tuple(slice(0, n) for n in r.common_shape)
            assert torch.equal(weights[r.key][part], trained[r.key][part]), r.name
        else:
            assert torch.equal(weights[r.key], fresh[r.key]), r.name


def test_removed_blocks_drop_and_new_blocks_are_named():
    graph, trained = trained_mlp()
    fc2, tanh1, tanh2 = (graph.node_by_label(n).id for n in ("fc2", "tanh1", "tanh2"))
    RemoveNode(fc2).apply(graph)
    graph.connect(PortRef(tanh1, "out"), PortRef(tanh2, "in"))
    weights, report = fit_weights_to_graph(trained, graph, SPIRALS.task, CONFIG)
    assert weights is not None and sorted(report.dropped) == [f"{fc2}.bias", f"{fc2}.weight"]
    assert set(weights) == set(trained) - {f"{fc2}.weight", f"{fc2}.bias"}


def test_a_network_that_cannot_be_built_drops_its_weights_with_a_reason():
    graph, trained = trained_mlp()
    SetParam(graph.node_by_label("head").id, "out_features", 5).apply(graph)  # spirals has 2 classes
    weights, report = fit_weights_to_graph(trained, graph, SPIRALS.task, CONFIG)
    assert weights is None and report.problem
    assert report.lines()[0].startswith("the network cannot be built (") and "2 classes" in report.lines()[0]
