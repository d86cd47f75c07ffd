"""Parse untrusted graph dicts into plain parts, listing every problem found.

``Graph.from_dict`` builds the graph from the parts; this module never touches a Graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from playground.graph.elements import (
    MAX_EDGES,
    MAX_NODES,
    SCHEMA_VERSION,
    Edge,
    GraphFormatError,
    Group,
    Node,
    PortRef,
    is_valid_label,
)

_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_safe(value: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, _JSON_SCALARS):
        return True
    if isinstance(value, list):
        return len(value) <= 64 and all(_json_safe(v, depth + 1) for v in value)
    return False


@dataclass
class GraphParts:
    """A checked graph, not yet built: blocks, wires and (non-empty) groups in file order."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


def parse_graph_dict(data: Any) -> GraphParts:
    """Check untrusted graph data; raise GraphFormatError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise GraphFormatError([f"graph must be an object, got {type(data).__name__}"])
    schema = data.get("schema", SCHEMA_VERSION)
    if not isinstance(schema, int) or schema > SCHEMA_VERSION:
        raise GraphFormatError([f"graph schema {schema!r} is newer than this version supports"])
    nodes, edges, groups = data.get("nodes"), data.get("edges", []), data.get("groups", [])
    if not isinstance(nodes, list):
        raise GraphFormatError(["'nodes' must be a list"])
    if not isinstance(edges, list) or not isinstance(groups, list):
        raise GraphFormatError(["'edges' and 'groups' must be lists"])
    if len(nodes) > MAX_NODES or len(edges) > MAX_EDGES:
        raise GraphFormatError(
            [f"graph too large: {len(nodes)} blocks / {len(edges)} wires "
             f"(limits {MAX_NODES} / {MAX_EDGES})"]
        )
    parsed_nodes: list[Node] = []
    seen_ids: set[str] = set()
    seen_labels: set[str] = set()
    for i, raw in enumerate(nodes):
        where = f"block #{i}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object")
            continue
        nid, ntype, label = raw.get("id"), raw.get("type"), raw.get("label", "")
        params, pos = raw.get("params", {}), raw.get("pos", [0.0, 0.0])
        if not isinstance(nid, str) or not nid or len(nid) > 64:
            problems.append(f"{where}: missing or invalid 'id'")
            continue
        where = f"block {nid!r}"
        if nid in seen_ids:
            problems.append(f"{where}: duplicate id")
            continue
        if not isinstance(ntype, str) or not ntype or len(ntype) > 64:
            problems.append(f"{where}: missing or invalid 'type'")
            continue
        if not isinstance(label, str) or not is_valid_label(label) or label in seen_labels:
            problems.append(f"{where}: invalid or duplicate label {label!r}")
            continue
        if not isinstance(params, dict) or len(params) > 64:
            problems.append(f"{where}: 'params' must be an object")
            continue
        bad = [k for k, v in params.items() if not isinstance(k, str) or not _json_safe(v)]
        if bad:
            problems.append(f"{where}: params {bad[:5]} have unsupported values")
            continue
        if (
            not isinstance(pos, list)
            or len(pos) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos)
            or not all(math.isfinite(v) and abs(v) < 1e7 for v in pos)
        ):
            problems.append(f"{where}: 'pos' must be two finite numbers")
            continue
        seen_ids.add(nid)
        seen_labels.add(label)
        parsed_nodes.append(Node(nid, ntype, label, dict(params), (float(pos[0]), float(pos[1]))))
    parsed_edges: list[Edge] = []
    seen_edges: set[str] = set()
    taken_inputs: set[tuple[str, str]] = set()
    for i, raw in enumerate(edges):
        where = f"wire #{i}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object")
            continue
        eid, src, dst = raw.get("id"), raw.get("src"), raw.get("dst")
        if not isinstance(eid, str) or not eid or eid in seen_edges or len(eid) > 64:
            problems.append(f"{where}: missing, invalid or duplicate 'id'")
            continue
        ends: list[PortRef | None] = []
        for end in (src, dst):
            if (
                not isinstance(end, list)
                or len(end) != 2
                or not all(isinstance(v, str) and 0 < len(v) <= 64 for v in end)
            ):
                ends.append(None)
            else:
                ends.append(PortRef(end[0], end[1]))
        if None in ends:
            problems.append(f"wire {eid!r}: 'src'/'dst' must be [block id, port]")
            continue
        s, d = ends
        assert s is not None and d is not None
        missing = [r.node_id for r in (s, d) if r.node_id not in seen_ids]
        if missing:
            problems.append(f"wire {eid!r}: refers to missing block(s) {missing}")
            continue
        if (d.node_id, d.port) in taken_inputs:
            problems.append(f"wire {eid!r}: input {d.port!r} of {d.node_id!r} is wired twice")
            continue
        if s.node_id == d.node_id:
            problems.append(f"wire {eid!r}: a block cannot be wired to itself")
            continue
        taken_inputs.add((d.node_id, d.port))
        seen_edges.add(eid)
        parsed_edges.append(Edge(eid, s, d))
    parsed_groups: list[Group] = []
    seen_groups: set[str] = set()
    for i, raw in enumerate(groups):
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("id"), str)
            or not raw["id"]
            or not isinstance(raw.get("title", ""), str)
            or not isinstance(raw.get("node_ids", []), list)
        ):
            problems.append(f"group #{i}: must have an 'id', a 'title' and 'node_ids'")
            continue
        gid = raw["id"][:64]
        if gid in seen_groups:
            problems.append(f"group {gid!r}: duplicate id")
            continue
        seen_groups.add(gid)
        members = [n for n in raw.get("node_ids", []) if isinstance(n, str) and n in seen_ids]
        members = list(dict.fromkeys(members))
        if members:  # a group whose blocks are all gone is dropped (older versions saved such boxes)
            parsed_groups.append(Group(gid, raw.get("title", "")[:200], tuple(members)))
    if problems:
        raise GraphFormatError(problems)
    return GraphParts(parsed_nodes, parsed_edges, parsed_groups)
