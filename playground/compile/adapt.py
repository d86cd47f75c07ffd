"""Fit a network to a newly chosen dataset: the edits a person would make by hand.

When someone switches the mlp template from spirals (2 classes) to "gaussians"
with 5 classes or to a regression set, the head no longer fits. ``fit_to_task``
proposes the obvious fixes as ordinary reversible edits (so the app can offer
them as one undoable step and the CLI can apply them):

* the Linear feeding the Output gets as many units as the task needs;
* a Features2D block whose input is not 2-D is bypassed (removed, its input
  wired straight to its consumers);
* a Linear fed straight from an image-like Input (rank above 1) gets a Flatten
  in front of it, as an MLP on images needs.
"""

from __future__ import annotations

from playground.compile.blocks.base import role_of
from playground.compile.check import check
from playground.graph.edits import AddNode, Connect, Disconnect, Edit, Macro, RemoveNode, SetParam
from playground.graph.model import Graph, PortRef
from playground.graph.spec import TaskSpec


def _bypass_features(graph: Graph, task: TaskSpec) -> list[Edit]:
    edits: list[Edit] = []
    if tuple(task.input_shape) == (2,):
        return edits
    for node in list(graph.nodes.values()):
        if node.type != "Features2D":
            continue
        into = graph.edges_into(node.id)
        if len(into) != 1:
            continue
        src = into[0].src
        edits.append(RemoveNode(node.id))
        for e in graph.edges_out_of(node.id):
            edits.append(Connect(PortRef(src.node_id, src.port), e.dst))
    return edits


def _flatten_inputs(graph: Graph, task: TaskSpec) -> list[Edit]:
    if len(task.input_shape) < 2 or task.input_dtype != "float":
        return []
    edits: list[Edit] = []
    for node in list(graph.nodes.values()):
        if role_of(node.type) != "input":
            continue
        for e in graph.edges_out_of(node.id):
            dst = graph.nodes[e.dst.node_id]
            if dst.type != "Linear":
                continue
            pos = ((node.pos[0] + dst.pos[0]) / 2, (node.pos[1] + dst.pos[1]) / 2)
            flatten = AddNode("Flatten", pos=pos, node_id=graph.new_id("n"), label=graph.unique_label("flatten"))
            edits += [Disconnect(e.id), flatten,
                      Connect(PortRef(node.id, e.src.port), PortRef(flatten.node_id or "", "in")),
                      Connect(PortRef(flatten.node_id or "", "out"), e.dst)]
    return edits


def _resize_head(graph: Graph, task: TaskSpec) -> list[Edit]:
    report = check(graph, task)
    output = next((n for n in graph.nodes.values() if role_of(n.type) == "output"), None)
    if output is None:
        return []
    into = graph.edges_into(output.id)
    if len(into) != 1:
        return []
    head = graph.nodes[into[0].src.node_id]
    if head.type != "Linear":
        return []
    got = report.edge_shapes.get(into[0].id)
    wanted = task.expected_output_shapes()
    if got is None or tuple(got) in [tuple(w) for w in wanted]:
        return []
    for w in wanted:
        if len(w) == len(got) and tuple(w[:-1]) == tuple(got[:-1]):
            return [SetParam(head.id, "out_features", int(w[-1]))]
    return []


def fit_to_task(graph: Graph, task: TaskSpec) -> Macro | None:
    """One undoable Macro that makes ``graph`` fit ``task``, or None if nothing obvious helps.

    The graph is left unchanged: callers apply the macro themselves (through the
    undo stack in the app)."""
    trial = graph.copy()
    edits: list[Edit] = []
    for step in (_bypass_features, _flatten_inputs, _resize_head):
        found = step(trial, task)
        if found:
            Macro(list(found)).apply(trial)
            edits.extend(found)
    if not edits:
        return None
    # The ids were fixed on the copy, and every edit's apply() recomputes its own undo state
    # (the redo contract), so the same edits replay on the real graph.
    return Macro(edits, "Fit network to dataset")

