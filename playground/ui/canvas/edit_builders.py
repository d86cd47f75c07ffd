"""Edits the canvas builds from what is on screen: deleting a selection, laying out the graph."""

from __future__ import annotations

from playground.graph.edits import Disconnect, Edit, Macro, MoveNode, RemoveNode, SetGroup
from playground.graph.layout import auto_layout
from playground.graph.model import Graph
from playground.ui.canvas.block_item import THUMB, WIDTH
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


COLUMN_GAP = WIDTH + 120  # room between columns for a readable shape label on the wire


def _tallest(scene: GraphScene) -> float:
    """The tallest block, counting the heatmap that hidden layers grow once 2-D data trains."""
    task = scene.document.task
    planar = task is not None and tuple(task.input_shape) == (2,)
    heights = [b.size()[1] + (THUMB if planar and b.thumbnail is None and b.has_unit_controls else 0.0)
               for b in scene.blocks.values()]
    return max(heights, default=60.0)


def layout_positions(scene: GraphScene, graph: Graph, max_columns: int | None = None) -> dict[str, tuple[float, float]]:
    """Auto-layout with the canvas's spacing (relative to (0, 0)); ``max_columns`` wraps onto bands."""
    tallest = _tallest(scene)
    return auto_layout(graph, column_gap=COLUMN_GAP, row_gap=max(100.0, tallest + 40),
                       max_columns=max_columns, band_gap=tallest + 90)


def layout_moves(scene: GraphScene, graph: Graph, snap_to_grid: bool,
                 max_columns: int | None = None) -> Macro | None:
    """Layered left-to-right layout, anchored at the graph's current top-left corner; with
    ``max_columns`` a longer chain continues on bands below."""
    if not graph.nodes:
        return None
    positions = layout_positions(scene, graph, max_columns)
    x0 = min(n.pos[0] for n in graph.nodes.values())
    y0 = min(n.pos[1] for n in graph.nodes.values())
    edits: list[Edit] = []
    for nid, (x, y) in positions.items():
        new = (snap(x0 + x), snap(y0 + y)) if snap_to_grid else (x0 + x, y0 + y)
        if new != graph.nodes[nid].pos:
            edits.append(MoveNode(nid, new))
    return Macro(edits, "Auto-layout") if edits else None
