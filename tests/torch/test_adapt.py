"""Switching datasets: fit_to_task makes each dataset's default template fit, undoably."""

import pytest
import torch

from playground.compile import check, compile_graph
from playground.compile.adapt import fit_to_task
from playground.data import DATASETS, make_dataset
from playground.graph.templates import make_template

NAMES = [n for n in DATASETS if n != "csv"]


@pytest.mark.parametrize("name", NAMES)
def test_default_template_fits_every_dataset_after_adapting(name):
    bundle = make_dataset(name, {"n_samples": 200} if DATASETS[name].param("n_samples") else None)
    graph = make_template(DATASETS[name].default_template)
    before = graph.to_dict()
    macro = fit_to_task(graph, bundle.task)
    assert graph.to_dict() == before, "fit_to_task must not change the graph itself"
    if macro is not None:
        macro.apply(graph)
    assert check(graph, bundle.task).errors == []
    model = compile_graph(graph, bundle.task).eval()
    with torch.no_grad():
        out = model(bundle.x_train[:4])
    assert out.shape[0] == 4
    if macro is not None:
        macro.revert(graph)
        assert graph.to_dict() == before


def test_mlp_on_five_gaussian_classes_gets_five_outputs():
    task = make_dataset("gaussians", {"classes": 5}).task
    graph = make_template("mlp")
    assert check(graph, task).errors, "the 2-class head must not fit 5 classes"
    fit_to_task(graph, task).apply(graph)
    head = graph.node_by_label("head")
    assert head.params["out_features"] == 5


def test_nothing_to_do_when_it_already_fits():
    assert fit_to_task(make_template("mlp"), make_dataset("spirals").task) is None


def test_mlp_on_images_gets_a_flatten_in_front_of_its_first_linear():
    bundle = make_dataset("digits")
    graph = make_template("mlp")
    before = graph.to_dict()
    macro = fit_to_task(graph, bundle.task)
    macro.apply(graph)
    assert "Features2D" not in {n.type for n in graph.nodes.values()}
    flatten = next(n for n in graph.nodes.values() if n.type == "Flatten")
    assert [graph.nodes[e.dst.node_id].label for e in graph.edges_out_of(flatten.id)] == ["fc1"]
    assert check(graph, bundle.task).errors == []
    with torch.no_grad():
        assert compile_graph(graph, bundle.task)(bundle.x_train[:3]).shape == (3, 10)
    macro.revert(graph)
    assert graph.to_dict() == before
    macro.apply(graph)  # redo gives the same ids
    assert flatten.id in graph.nodes
