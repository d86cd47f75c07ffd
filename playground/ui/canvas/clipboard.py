"""Copy and paste of graph fragments: blocks plus the wires among them.

A fragment is plain JSON (``{"nodes": [...], "edges": [...]}``, the Graph's own
format), put on the system clipboard as text with a marker key so it can travel
between windows; pasting re-validates it like a file.
"""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtWidgets import QApplication

from playground.graph.edits import AddNode, Connect, Edit, Macro
from playground.graph.model import Graph, GraphFormatError, PortRef

FRAGMENT_MARKER = "playground_fragment"


def copy_fragment(graph: Graph, node_ids: list[str]) -> dict[str, Any]:
    """The chosen blocks and only the wires whose both ends are among them."""
    chosen = [nid for nid in graph.nodes if nid in set(node_ids)]
    inside = set(chosen)
    return {
        "nodes": [graph.nodes[nid].to_dict() for nid in chosen],
        "edges": [e.to_dict() for e in graph.edges.values()
                  if e.src.node_id in inside and e.dst.node_id in inside],
    }


def _fresh_label(base: str, used: set[str]) -> str:
    stem = re.sub(r"\d+$", "", base) or "block"
    i = 1
    while f"{stem}{i}" in used:
        i += 1
    return f"{stem}{i}"


def paste_edits(graph: Graph, fragment: Any, offset: tuple[float, float]) -> tuple[Macro, list[str]]:
    """One macro adding the fragment's blocks (new ids, unique labels, shifted by ``offset``)
    and its inner wires; also returns the new node ids. Raises GraphFormatError on bad data."""
    data = {"schema": 1, "nodes": fragment.get("nodes", []) if isinstance(fragment, dict) else None,
            "edges": fragment.get("edges", []) if isinstance(fragment, dict) else None, "groups": []}
    parsed = Graph.from_dict(data)  # validates ids, types of fields and wire ends
    used = {n.label for n in graph.nodes.values()}
    new_ids: dict[str, str] = {}
    edits: list[Edit] = []
    for node in parsed.nodes.values():
        new_id = graph.new_id("n")
        while new_id in new_ids.values():
            new_id = graph.new_id("n")
        new_ids[node.id] = new_id
        label = _fresh_label(node.label, used)
        used.add(label)
        pos = (node.pos[0] + offset[0], node.pos[1] + offset[1])
        edits.append(AddNode(node.type, dict(node.params), pos, label, new_id))
    for edge in parsed.edges.values():
        edits.append(Connect(PortRef(new_ids[edge.src.node_id], edge.src.port),
                             PortRef(new_ids[edge.dst.node_id], edge.dst.port)))
    return Macro(edits, f"Paste {len(new_ids)} block(s)"), list(new_ids.values())


def put_on_clipboard(fragment: dict[str, Any]) -> None:
    # Plain text (JSON with a marker key): a Python-made QMimeData left on the clipboard
    # crashes PySide at interpreter exit, and text also survives a trip through a chat message.
    QApplication.clipboard().setText(json.dumps({FRAGMENT_MARKER: 1, **fragment}))


def take_from_clipboard() -> Any:
    """The fragment on the clipboard, or None when it holds something else."""
    text = QApplication.clipboard().text()
    if FRAGMENT_MARKER not in text[:200]:
        return None
    try:
        data = json.loads(text)
    except ValueError as err:
        raise GraphFormatError([f"the clipboard holds damaged blocks ({err})"]) from None
    return data if isinstance(data, dict) and data.get(FRAGMENT_MARKER) == 1 else None
