"""Reversible edits: apply, revert and re-apply give back exactly the same graph."""

import pytest

from playground.graph.edits import (
    AddNode,
    Connect,
    Disconnect,
    Edit,
    Macro,
    MoveNode,
    RemoveNode,
    RenameNode,
    SetGroup,
    SetParam,
    remove_nodes,
)
from playground.graph.model import Graph, GraphEditError, Group, Node, PortRef


def sample() -> Graph:
    """input -> fc1 -> relu1 -> add1(a); input -> add1(b); add1 -> output; a group; a loose block."""
    g = Graph()
    for nid, t, label in [("n1", "Input", "input"), ("n2", "Linear", "fc1"), ("n3", "ReLU", "relu1"),
                          ("n4", "Add", "add1"), ("n5", "Output", "output"), ("n6", "Tanh", "loose")]:
        g.add_node(Node(nid, t, label, {}, (float(len(g.nodes)) * 100, 0.0)))
    g.set_param("n2", "out_features", 2)
    for s, d, port in [("n1", "n2", "in"), ("n2", "n3", "in"), ("n3", "n4", "a"), ("n1", "n4", "b"),
                       ("n4", "n5", "in")]:
        g.connect(PortRef(s, "out"), PortRef(d, port))
    g.set_group(Group("g1", "hidden", ["n2", "n3", "n6"]))
    return g


def state(g: Graph) -> dict:
    """The whole graph, order included: undo puts blocks and wires back where they were."""
    return g.to_dict()


def round_trip(edit: Edit) -> None:
    """Apply, revert, re-apply, revert; each undo restores and each redo recreates exactly."""
    g = sample()
    before = state(g)
    edit.apply(g)
    after = state(g)
    assert after != before, f"{edit.text} changed nothing"
    edit.revert(g)
    assert state(g) == before, f"undo of {edit.text} did not restore the graph"
    edit.apply(g)
    assert state(g) == after, f"redo of {edit.text} did not recreate the same graph (ids included)"
    edit.revert(g)
    assert state(g) == before
    assert Graph.from_dict(g.to_dict()).to_dict() == g.to_dict()


EDITS = {
    "add": lambda: AddNode("Linear", {"out_features": 3}, (10.0, 20.0)),
    "add_labelled": lambda: AddNode("ReLU", label="act"),
    "remove_middle": lambda: RemoveNode("n2"),
    "remove_input": lambda: RemoveNode("n1"),
    "remove_grouped": lambda: RemoveNode("n3"),
    "connect": lambda: Connect(PortRef("n3", "out"), PortRef("n6", "in")),
    "disconnect": lambda: Disconnect("e2"),
    "set_existing_param": lambda: SetParam("n2", "out_features", 7),
    "set_new_param": lambda: SetParam("n2", "bias", False),
    "move": lambda: MoveNode("n3", (1.5, -2.5)),
    "rename": lambda: RenameNode("n2", "hidden"),
    "group_new": lambda: SetGroup("g2", Group("g2", "new", ["n1"])),
    "group_change": lambda: SetGroup("g1", Group("g1", "renamed", ["n2"])),
    "group_delete": lambda: SetGroup("g1", None),
    "macro": lambda: Macro([AddNode("ReLU", node_id="n9"), Connect(PortRef("n3", "out"), PortRef("n9", "in")),
                            SetParam("n2", "out_features", 5)], "Insert"),
    "remove_many": lambda: remove_nodes(sample(), ["n2", "n4", "n6"]),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_apply_revert_reapply_is_exact(name):
    round_trip(EDITS[name]())


def test_add_then_redo_reuses_id_and_label():
    g = sample()
    edit = AddNode("Linear")
    edit.apply(g)
    nid, label = edit.node_id, edit.label
    assert g.nodes[nid].label == label and label.startswith("linear")
    edit.revert(g)
    assert nid not in g.nodes
    edit.apply(g)
    assert g.nodes[nid].label == label


def test_remove_restores_wires_and_group_position():
    g = sample()
    edit = RemoveNode("n3")
    edit.apply(g)
    assert "n3" not in g.nodes and all("n3" not in (e.src.node_id, e.dst.node_id) for e in g.edges.values())
    assert g.groups["g1"].node_ids == ("n2", "n6")
    edit.revert(g)
    assert g.groups["g1"].node_ids == ("n2", "n3", "n6")
    assert {e.id for e in g.edges.values() if "n3" in (e.src.node_id, e.dst.node_id)} == {"e2", "e3"}


def test_remove_nodes_ignores_unknown_ids_and_names_the_count():
    g = sample()
    macro = remove_nodes(g, ["n2", "nope"])
    assert len(macro.edits) == 1 and "Delete" in macro.text


def test_macro_rolls_back_when_a_step_fails():
    g = sample()
    state_before = state(g)
    macro = Macro([
        SetParam("n2", "out_features", 9),
        AddNode("ReLU", node_id="n9"),
        Connect(PortRef("n1", "out"), PortRef("n9", "in")),
        Connect(PortRef("n1", "out"), PortRef("n2", "in")),  # n2's input is already wired
    ])
    with pytest.raises(GraphEditError, match="already wired"):
        macro.apply(g)
    assert state(g) == state_before


def test_failed_single_edits_leave_the_graph_alone():
    g = sample()
    before = g.to_dict()
    for edit in (RenameNode("n2", "relu1"), RenameNode("n2", "1bad"), Connect(PortRef("n1", "out"),
                 PortRef("n5", "in")), Disconnect("e42"), RemoveNode("n42"), SetParam("n42", "p", 1)):
        with pytest.raises(GraphEditError):
            edit.apply(g)
        assert g.to_dict() == before, edit


def test_edits_emit_change_signals_for_listeners():
    g = sample()
    changes = []
    g.changed.connect(lambda: changes.append(1))
    moved = []
    g.node_changed.connect(lambda node, what: moved.append((node.id, what)))
    SetParam("n2", "out_features", 4).apply(g)
    assert changes
    count = len(changes)
    MoveNode("n2", (0, 0)).apply(g)
    assert moved[-1] == ("n2", "pos") and len(changes) == count


def test_every_edit_has_readable_text():
    for name, make in EDITS.items():
        text = make().text
        assert isinstance(text, str) and text and text[0].isupper(), name


# ------------------------------------------------------------ units and layers (canvas +/−)
def _specs():
    from playground.compile.blocks import catalog

    return catalog()


def _mlp() -> Graph:
    from playground.graph.builder import GraphBuilder

    return (GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=8).then("ReLU", "relu1")
            .then("Linear", "head", out_features=2, in_features=8).then("Output", "output").laid_out())


def test_resize_units_grows_and_shrinks_at_the_end_and_frees_a_pinned_consumer():
    from playground.graph.edits import resize_units

    g = _mlp()
    before = g.to_dict()
    fc1, head = g.node_by_label("fc1").id, g.node_by_label("head").id
    grow = resize_units(g, fc1, +1, _specs())
    grow.apply(g)
    assert g.nodes[fc1].params["out_features"] == 9 and g.nodes[head].params["in_features"] is None
    assert "8 → 9 units" in grow.text
    grow.revert(g)
    assert g.to_dict() == before
    with pytest.raises(GraphEditError, match="fewer than 1 units"):
        one = _mlp()
        one.set_param(one.node_by_label("fc1").id, "out_features", 1)
        resize_units(one, one.node_by_label("fc1").id, -1, _specs())
    with pytest.raises(GraphEditError, match="no units"):
        resize_units(g, g.node_by_label("relu1").id, +1, _specs())


def test_resize_channels_steps_by_groups():
    from playground.graph.builder import GraphBuilder
    from playground.graph.edits import resize_units

    g = GraphBuilder().then("Input").then("Conv2d", "conv", out_channels=8, groups=2).then("Output").graph
    conv = g.node_by_label("conv").id
    resize_units(g, conv, -1, _specs()).apply(g)
    assert g.nodes[conv].params["out_channels"] == 6  # stays divisible by its groups


def test_add_layer_after_copies_the_layer_and_its_activation_between_it_and_its_consumer():
    from playground.graph.edits import add_layer_after

    g = _mlp()
    before = g.to_dict()
    fc1, relu1, head = (g.node_by_label(n).id for n in ("fc1", "relu1", "head"))
    head_x = g.nodes[head].pos[0]
    edit, ids = add_layer_after(g, fc1, _specs(), 250.0)
    edit.apply(g)
    new_fc, new_relu = (g.nodes[i] for i in ids)
    assert (new_fc.type, new_relu.type) == ("Linear", "ReLU")
    assert new_fc.params["out_features"] == 8 and new_fc.label == "fc2" and new_relu.label == "relu2"
    chain = [(e.src.node_id, e.dst.node_id) for e in g.edges.values()]
    assert (relu1, new_fc.id) in chain and (new_fc.id, new_relu.id) in chain and (new_relu.id, head) in chain
    assert (relu1, head) not in chain
    assert g.nodes[head].pos[0] == head_x + 500.0  # what follows made room for two blocks
    edit.revert(g)
    assert g.to_dict() == before
    edit.apply(g)  # redo recreates the same ids
    assert set(ids) <= set(g.nodes)
