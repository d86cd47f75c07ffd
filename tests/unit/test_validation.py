"""Validation: every mistake a person can wire up becomes a readable diagnostic on the right block."""

import resource

import pytest
import torch

from playground.compile import CompileError, check, compile_graph
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph, PortRef
from playground.graph.spec import TaskSpec
from playground.graph.validate import topological_order

CLS3 = TaskSpec("classification", (4,), num_classes=3)
REG = TaskSpec("regression", (4,), target_shape=(2,))


class G(GraphBuilder):
    """The public GraphBuilder with each block's id equal to its label (the assertions below name
    blocks by id): G().add("fc1", "Linear", out_features=3).wire("input", "fc1")."""

    def add(self, label: str, type_: str, **params) -> "G":  # type: ignore[override]
        super().add(type_, label, node_id=label, **params)
        return self

    @property
    def g(self) -> Graph:
        return self.graph


def mlp(out: int = 3, hidden: int = 8) -> G:
    return (G().add("input", "Input").add("fc1", "Linear", out_features=hidden).add("relu", "ReLU")
            .add("fc2", "Linear", out_features=out).add("output", "Output")
            .chain("input", "fc1", "relu", "fc2", "output"))


def messages(report, severity="error") -> list[str]:
    return [d.message for d in report.diagnostics if d.severity == severity]


def test_a_correct_graph_has_no_diagnostics_and_shapes_on_every_wire():
    g = mlp().g
    report = check(g, CLS3)
    assert report.ok and report.diagnostics == []
    assert set(report.edge_shapes) == set(g.edges)
    assert report.node_outputs["fc1"] == {"out": (8,)}
    assert compile_graph(g, CLS3)(torch.zeros(5, 4)).shape == (5, 3)


def test_cycle_is_reported_on_the_blocks_that_form_it_only():
    b = (G().add("input", "Input").add("add", "Add").add("fc", "Linear", out_features=4)
         .add("after", "ReLU").add("output", "Output"))
    b.wire("input", "add", "a").wire("add", "fc").wire("fc", "add", "b").wire("fc", "after").wire("after", "output")
    report = check(b.g, CLS3)
    cyc = [d for d in report.errors if "cycle" in d.message]
    assert sorted(d.node_id for d in cyc) == ["add", "fc"]
    assert cyc[0].message.endswith("is part of a cycle; networks must flow one way")
    order, stuck = topological_order(b.g)
    assert stuck == {"add", "fc", "after", "output"} and order == ["input"]
    with pytest.raises(CompileError, match="cycle"):
        compile_graph(b.g, CLS3)


def test_unconnected_required_input_names_the_port():
    b = G().add("input", "Input").add("add", "Add").add("output", "Output")
    b.wire("input", "add", "a").wire("add", "output")
    report = check(b.g, TaskSpec("regression", (4,), target_shape=(4,)))
    assert 'Add "add": input "b" is not connected' in messages(report)
    assert [d.node_id for d in report.errors] == ["add"]


def test_block_feeding_nothing_is_only_a_warning():
    b = mlp().add("spare", "Tanh").wire("relu", "spare")
    report = check(b.g, CLS3)
    assert report.ok
    assert messages(report, "warning") == ['Tanh "spare" feeds nothing']
    assert report.diagnostics[0].node_id == "spare"
    # and it is left out of the compiled network
    model = compile_graph(b.g, CLS3)
    assert "spare" not in model.node_names


def test_unknown_block_type_is_an_error_naming_it():
    b = mlp()
    b.g.set_params("fc1", {})
    b.g.nodes["relu"].type = "Relu9000"
    report = check(b.g, CLS3)
    assert "Unknown block type 'Relu9000' (\"relu\")" in messages(report)
    with pytest.raises(CompileError, match="Unknown block type"):
        compile_graph(b.g, CLS3)


@pytest.mark.parametrize("value, text", [
    ("8", 'Linear "fc1": out_features must be a whole number, got \'8\''),
    (2.5, 'Linear "fc1": out_features must be a whole number, got 2.5'),
    (True, 'Linear "fc1": out_features must be a whole number, got True'),
    (0, 'Linear "fc1": out_features must be at least 1, got 0'),
    (10**9, 'Linear "fc1": out_features must be at most 65536, got 1e+09'),
    (None, 'Linear "fc1": out_features must be set'),
])
def test_bad_param_values_are_refused_with_the_param_named(value, text):
    b = mlp()
    b.g.set_param("fc1", "out_features", value)
    report = check(b.g, CLS3)
    assert text in messages(report)
    bad = [d for d in report.errors if d.param == "out_features"]
    assert bad and bad[0].node_id == "fc1"


def test_bool_and_unknown_params():
    b = mlp()
    b.g.set_param("fc1", "bias", "yes")
    b.g.set_param("fc2", "colour", "blue")
    report = check(b.g, CLS3)
    assert 'Linear "fc1": bias must be true or false' in messages(report)
    assert "Linear \"fc2\" has an unknown parameter 'colour' (ignored)" in messages(report, "warning")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_absurd_sizes_are_refused_without_allocating():
    start = _max_rss_mb()
    b = mlp(hidden=10**9)
    with pytest.raises(CompileError) as info:
        compile_graph(b.g, CLS3)
    assert any("at most 65536" in d.message for d in info.value.diagnostics)
    # every layer within its own limit, but together far too many parameters (4 billion)
    b = (G().add("input", "Input").add("fc1", "Linear", out_features=65536)
         .add("fc2", "Linear", out_features=65536).add("fc3", "Linear", out_features=3).add("output", "Output")
         .chain("input", "fc1", "fc2", "fc3", "output"))
    report = check(b.g, CLS3)
    assert any("parameters (limit" in m and "reduce layer sizes" in m for m in messages(report))
    with pytest.raises(CompileError, match="parameters"):
        compile_graph(b.g, CLS3)
    assert _max_rss_mb() - start < 500  # a real build would need 16 GB


def test_shape_mismatch_says_what_where_and_from_whom():
    b = mlp()
    b.g.set_param("fc2", "in_features", 64)
    report = check(b.g, CLS3)
    wanted = 'Linear "fc2" expects 64 input features but receives 8 from "relu" (N×8)'
    assert messages(report) == [wanted]
    diag = report.errors[0]
    edge = b.g.edge_into(PortRef("fc2", "in"))
    assert diag.node_id == "fc2" and diag.edge_id == edge.id
    # shapes upstream of the problem are still known (the canvas still labels those wires)
    assert report.edge_shapes[b.g.edge_into(PortRef("relu", "in")).id] == (8,)


def test_add_of_unequal_shapes():
    b = (G().add("input", "Input").add("fc", "Linear", out_features=5).add("add", "Add")
         .add("output", "Output"))
    b.wire("input", "fc").wire("fc", "add", "a").wire("input", "add", "b").wire("add", "output")
    report = check(b.g, TaskSpec("regression", (4,), target_shape=(5,)))
    [diag] = report.errors
    assert diag.message.startswith('Add "add"')
    assert 'needs equal shapes but receives N×5 and N×4' in diag.message and 'from "input"' in diag.message
    assert diag.edge_id == b.g.edge_into(PortRef("add", "b")).id


@pytest.mark.parametrize("task, out, loss, text", [
    (CLS3, 2, "auto", 'receives N×2 but the dataset needs N×3 (3 classes)'),
    (REG, 3, "auto", 'receives N×3 but the dataset needs N×2 (one value per target)'),
    (CLS3, 3, "mse", "mse loss does not fit a classification task; use cross_entropy"),
    (REG, 2, "cross_entropy", "cross-entropy loss does not fit a regression task; use mse"),
    (TaskSpec("classification", (4,), num_classes=2), 2, "bce", "bce loss needs a single output unit"),
    (TaskSpec("sequence", (4,), target_shape=(6,), num_classes=5), 5, "auto",
     "N×6×5 (5 symbols at each of 6 positions)"),
])
def test_output_incompatible_with_the_task(task, out, loss, text):
    b = mlp(out=out)
    b.g.set_param("output", "loss", loss)
    report = check(b.g, task)
    assert any(text in m for m in messages(report)), messages(report)
    assert all(d.node_id == "output" for d in report.errors)


def test_binary_head_with_bce_is_accepted():
    b = mlp(out=1)
    task = TaskSpec("classification", (4,), num_classes=2)
    assert check(b.g, task).ok
    assert compile_graph(b.g, task).loss_name == "bce"


def test_missing_input_or_output_and_extra_outputs():
    g = Graph()
    report = check(g, CLS3)
    assert messages(report) == ["The network has no Input block", "The network has no Output block"]
    b = mlp().add("output2", "Output").wire("relu", "output2")
    report = check(b.g, CLS3)
    assert 'Only one Output block is allowed; "output2" is extra' in messages(report)


def test_wires_to_or_from_ports_that_do_not_exist():
    b = mlp()
    b.add("act", "ReLU").wire("fc2", "act", "gate").add("act2", "ReLU").wire("act", "act2", src_port="side")
    report = check(b.g, CLS3)
    assert "ReLU \"act\" has no input called 'gate'" in messages(report)
    assert "ReLU \"act\" has no output called 'side'" in messages(report)


def test_no_task_still_checks_structure_without_raising():
    report = check(mlp().g, None)
    [diag] = report.errors
    assert diag.node_id == "input" and diag.message.endswith("has no dataset to take its shape from")


def test_check_never_raises_on_odd_but_loadable_graphs():
    b = G().add("input", "Input").add("a", "Add").add("output", "Output").add("x", "Nope", foo=[1, 2])
    b.wire("input", "a", "a").wire("a", "output").wire("x", "a", "b")
    report = check(b.g, CLS3)
    assert "Unknown block type 'Nope' (\"x\")" in messages(report)
    assert [d.node_id for d in report.errors] == ["x"]  # blocks downstream are not blamed too
    with pytest.raises(CompileError, match="Nope"):
        compile_graph(b.g, CLS3)
