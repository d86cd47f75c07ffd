"""Undo/redo through the Document restores the graph exactly, and the canvas follows."""

from __future__ import annotations

import random

import pytest

from playground.graph.edits import (
    AddNode,
    Connect,
    Disconnect,
    Edit,
    Macro,
    MoveNode,
    RenameNode,
    SetGroup,
    SetParam,
    remove_nodes,
)
from playground.graph.model import Graph, Group, PortRef
from playground.graph.spec import TaskSpec
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document

TASK = TaskSpec("classification", (2,), num_classes=2)
TYPES = ["Linear", "ReLU", "Tanh", "Add", "Dropout"]
PORTS = {"Linear": ["in"], "ReLU": ["in"], "Tanh": ["in"], "Add": ["a", "b"], "Dropout": ["in"]}


def _random_edit(rng: random.Random, graph: Graph) -> Edit:
    nodes = list(graph.nodes.values())
    kind = rng.choice(["add", "add", "connect", "connect", "disconnect", "remove", "param", "move",
                       "rename", "group", "macro"])
    if kind == "add" or len(nodes) < 2:
        t = rng.choice(TYPES)
        return AddNode(t, {"out_features": rng.randint(1, 9)} if t == "Linear" else {},
                       (rng.uniform(-500, 500), rng.uniform(-500, 500)))
    a, b = rng.sample(nodes, 2)
    if kind == "connect":
        return Connect(PortRef(a.id, "out"), PortRef(b.id, rng.choice(PORTS[b.type])))
    if kind == "disconnect" and graph.edges:
        return Disconnect(rng.choice(list(graph.edges)))
    if kind == "remove":
        return remove_nodes(graph, [a.id] + ([b.id] if rng.random() < 0.3 else []))
    if kind == "param":
        return SetParam(a.id, "out_features" if a.type == "Linear" else "p", rng.randint(1, 9))
    if kind == "rename":
        return RenameNode(a.id, rng.choice(["x", "y", "z", "9bad", b.label]))
    if kind == "group":
        gid = rng.choice(list(graph.groups) or [graph.new_id("g")])
        return SetGroup(gid, None if rng.random() < 0.3 else Group(gid, "G", [a.id, b.id]))
    if kind == "macro":
        return Macro([MoveNode(n.id, (n.pos[0] + 20, n.pos[1])) for n in nodes[:5]]
                     + [remove_nodes(graph, [a.id])], "mixed")
    return MoveNode(a.id, (rng.uniform(-500, 500), rng.uniform(-500, 500)))


def _assert_canvas_mirrors(view: GraphCanvasView, graph: Graph) -> None:
    scene = view.graph_scene
    assert set(scene.blocks) == set(graph.nodes)
    assert set(scene.edges) == set(graph.edges)
    assert set(scene.group_items) == set(graph.groups)
    for nid, node in graph.nodes.items():
        assert (scene.blocks[nid].pos().x(), scene.blocks[nid].pos().y()) == node.pos
        assert scene.blocks[nid].label == node.label


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_undo_and_redo_exactly(qtbot, seed):
    rng = random.Random(seed)
    doc = Document(Graph(), TASK)
    view = GraphCanvasView(doc)
    qtbot.addWidget(view)
    snapshots = [doc.graph.to_dict()]
    refused = 0
    for _ in range(80):
        if doc.push(_random_edit(rng, doc.graph)):
            snapshots.append(doc.graph.to_dict())
        else:
            refused += 1
            assert doc.graph.to_dict() == snapshots[-1]  # a refused edit changes nothing
    assert doc.undo_stack.count() == len(snapshots) - 1 and refused > 0
    _assert_canvas_mirrors(view, doc.graph)
    for i in range(len(snapshots) - 2, -1, -1):
        doc.undo_stack.undo()
        assert doc.graph.to_dict() == snapshots[i]
    _assert_canvas_mirrors(view, doc.graph)
    for i in range(1, len(snapshots)):
        doc.undo_stack.redo()
        assert doc.graph.to_dict() == snapshots[i]
    _assert_canvas_mirrors(view, doc.graph)


def test_refused_edit_becomes_a_message(qtbot):
    doc = Document(Graph(), TASK)
    doc.push(AddNode("Linear", {}, (0, 0), "a", "n1"))
    with qtbot.waitSignal(doc.message, timeout=1000) as blocker:
        assert not doc.push(RenameNode("n1", "1abc"))
    assert "not a valid name" in blocker.args[0]
    assert doc.undo_stack.count() == 1


def test_a_macro_of_many_edits_is_checked_once(qtbot):
    doc = Document(Graph(), TASK)
    reports = []
    doc.report_changed.connect(reports.append)
    doc.push(Macro([AddNode("ReLU", {}, (i * 10.0, 0.0)) for i in range(50)], "many"))
    assert reports == []  # coalesced until the event loop turns
    qtbot.waitUntil(lambda: len(reports) == 1, timeout=1000)
    qtbot.wait(20)
    assert len(reports) == 1 and len(doc.graph.nodes) == 50
    assert any("no Input" in d.message for d in doc.report.diagnostics)


def test_dirty_state_follows_undo_stack(qtbot):
    doc = Document(Graph(), TASK)
    changes = []
    doc.dirty_changed.connect(changes.append)
    assert not doc.is_dirty()
    doc.push(AddNode("ReLU", {}, (0.0, 0.0)))
    assert doc.is_dirty() and changes == [True]
    doc.mark_saved()
    assert not doc.is_dirty()
    doc.undo_stack.undo()
    assert doc.is_dirty()
    replaced = []
    doc.graph_replaced.connect(lambda: replaced.append(True))
    doc.set_graph(Graph())
    assert replaced and not doc.is_dirty() and doc.undo_stack.count() == 0
