"""Edits the canvas builds from what is on screen: deleting a selection, laying out the graph."""

from __future__ import annotations

from playground.graph.edits import Disconnect, Edit, Macro, MoveNode, RemoveNode, SetGroup
from playground.graph.layout import auto_layout
from playground.graph.model import Graph
from playground.ui.canvas.block_item import WIDTH
from playground.ui.canvas.interactions import snap
from playground.ui.canvas.scene import GraphScene


def delete_selection(scene: GraphScene, graph: Graph) -> Macro | None:
    """Selected blocks (with their wires), selected wires and selected group boxes, in one step."""
    nodes = set(scene.selected_node_ids())
    edits: list[Edit] = [
        Disconnect(eid) for eid in scene.selected_edge_ids()
        if eid in graph.edges and not ({graph.edges[eid].src.node_id, graph.edges[eid].dst.node_id} & nodes)
    ]
    edits += [SetGroup(gid, None) for gid in scene.selected_group_ids()]
    edits += [RemoveNode(nid) for nid in graph.nodes if nid in nodes]
    return Macro(edits, f"Delete {len(edits)} item(s)") if edits else None


def layout_moves(scene: GraphScene, graph: Graph, snap_to_grid: bool) -> Macro | None:
    """Layered left-to-right layout, anchored at the graph's current top-left corner."""
    if not graph.nodes:
        return None
    tallest = max((b.size()[1] for b in scene.blocks.values()), default=60.0)
    positions = auto_layout(graph, column_gap=WIDTH + 120, row_gap=max(100.0, tallest + 40))
    x0 = min(n.pos[0] for n in graph.nodes.values())
    y0 = min(n.pos[1] for n in graph.nodes.values())
    edits: list[Edit] = []
    for nid, (x, y) in positions.items():
        new = (snap(x0 + x), snap(y0 + y)) if snap_to_grid else (x0 + x, y0 + y)
        if new != graph.nodes[nid].pos:
            edits.append(MoveNode(nid, new))
    return Macro(edits, "Auto-layout") if edits else None
