"""Structural validation: problems a person can see without running torch.

Shape problems are found by ``playground.compile.shapes`` on top of this. Which block is the
network's input or output is each block's declared ``role``; it reaches this layer (which
cannot import the blocks) as plain data, in the ``BlockSpec`` of the catalog passed in.
"""

from __future__ import annotations

from collections import defaultdict

from playground.graph.model import Graph, Node
from playground.graph.spec import BlockRole, Catalog, Diagnostic


def topological_order(graph: Graph) -> tuple[list[str], set[str]]:
    """Kahn's algorithm. Returns (order, nodes_on_cycles_or_after_them)."""
    indeg = {nid: 0 for nid in graph.nodes}
    succ: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges.values():
        if e.src.node_id in indeg and e.dst.node_id in indeg:
            indeg[e.dst.node_id] += 1
            succ[e.src.node_id].append(e.dst.node_id)
    ready = [nid for nid, d in indeg.items() if d == 0]
    order: list[str] = []
    while ready:
        nid = ready.pop()
        order.append(nid)
        for nxt in succ[nid]:
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    stuck = set(graph.nodes) - set(order)
    return order, stuck


def _cycle_members(graph: Graph, stuck: set[str]) -> set[str]:
    """Nodes of ``stuck`` that actually lie on a cycle (not merely downstream)."""
    succ: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges.values():
        if e.src.node_id in stuck and e.dst.node_id in stuck:
            succ[e.src.node_id].add(e.dst.node_id)
    on_cycle = set()
    for start in stuck:
        seen, frontier = set(), list(succ[start])
        while frontier:
            n = frontier.pop()
            if n == start:
                on_cycle.add(start)
                break
            if n not in seen:
                seen.add(n)
                frontier.extend(succ[n])
    return on_cycle


def nodes_with_role(graph: Graph, catalog: Catalog, role: BlockRole) -> list[Node]:
    """The graph's blocks whose declared role is ``role`` (unknown types have none), in order."""
    found = []
    for node in graph.nodes.values():
        spec = catalog.get(node.type)
        if spec is not None and spec.role == role:
            found.append(node)
    return found


def validate_structure(graph: Graph, catalog: Catalog) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    outputs = nodes_with_role(graph, catalog, "output")
    inputs = nodes_with_role(graph, catalog, "input")
    if not inputs:
        diags.append(Diagnostic("error", "The network has no Input block"))
    if not outputs:
        diags.append(Diagnostic("error", "The network has no Output block"))
    elif len(outputs) > 1:
        for n in outputs[1:]:
            diags.append(Diagnostic("error", f'Only one Output block is allowed; "{n.label}" is extra', n.id))
    # One pass over the wires instead of a scan per block keeps big graphs fast to re-check.
    wired_ports: dict[str, set[str]] = defaultdict(set)
    feeds: set[str] = set()
    for e in graph.edges.values():
        wired_ports[e.dst.node_id].add(e.dst.port)
        feeds.add(e.src.node_id)
    for node in graph.nodes.values():
        spec = catalog.get(node.type)
        name = f'{node.type} "{node.label}"'
        if spec is None:
            diags.append(Diagnostic("error", f'Unknown block type {node.type!r} ("{node.label}")', node.id))
            continue
        for key in node.params:
            if spec.param(key) is None:
                diags.append(Diagnostic("warning", f"{name} has an unknown parameter {key!r} (ignored)", node.id, param=key))
        for p in spec.params:
            value = node.params.get(p.name, p.default)
            problem = p.check(value)
            if problem:
                diags.append(Diagnostic("error", f"{name}: {problem}", node.id, param=p.name))
        wired = wired_ports.get(node.id, set())
        for port in spec.inputs:
            if not port.optional and port.name not in wired:
                diags.append(Diagnostic("error", f'{name}: input "{port.name}" is not connected', node.id))
        for unknown in wired - set(spec.input_names()):
            diags.append(Diagnostic("error", f"{name} has no input called {unknown!r}", node.id))
        if spec.role != "output" and node.id not in feeds:
            diags.append(Diagnostic("warning", f"{name} feeds nothing", node.id))
    for edge in graph.edges.values():
        src = graph.nodes.get(edge.src.node_id)
        spec = catalog.get(src.type) if src else None
        if src is not None and spec is not None and edge.src.port not in spec.output_names():
            diags.append(Diagnostic("error", f'{src.type} "{src.label}" has no output called {edge.src.port!r}', edge_id=edge.id))
    _, stuck = topological_order(graph)
    for nid in sorted(_cycle_members(graph, stuck)):
        diags.append(Diagnostic("error", f'"{graph.nodes[nid].label}" is part of a cycle; networks must flow one way', nid))
    return diags
