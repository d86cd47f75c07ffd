"""Shape inference: every wire gets its per-sample shape from the dataset's input spec.

Pure-Python shape rules (declared on each block) keep a 500-block re-check
well under 100 ms; tests compare every rule with the real forward pass.
"""

from __future__ import annotations

from typing import Any

from playground.compile.blocks.base import Block, ShapeError, block_for, params_with_defaults
from playground.graph.model import Graph
from playground.graph.spec import Diagnostic, Shape, ShapeReport, TaskSpec, format_shape
from playground.graph.validate import topological_order

MAX_PARAMETERS = 50_000_000  # ~200 MB of float32; beyond this a toy playground is the wrong tool
MAX_ELEMENTS = 2_000_000  # per-sample activation elements of any one wire

__all__ = ["MAX_ELEMENTS", "MAX_PARAMETERS", "block_for", "infer_shapes"]


def infer_shapes(graph: Graph, task: TaskSpec | None, report: ShapeReport | None = None) -> ShapeReport:
    """Annotate edges with shapes; shape problems become diagnostics (never exceptions)."""
    report = report or ShapeReport()
    order, _ = topological_order(graph)
    incoming: dict[str, dict[str, Any]] = {nid: {} for nid in graph.nodes}
    outgoing: dict[str, list[Any]] = {nid: [] for nid in graph.nodes}
    for e in graph.edges.values():
        if e.dst.node_id in incoming:
            incoming[e.dst.node_id][e.dst.port] = e
        if e.src.node_id in outgoing:
            outgoing[e.src.node_id].append(e)
    total_params = 0
    tokens: set[str] = set()  # ids of nodes whose outputs are integer token ids
    for nid in order:
        node = graph.nodes[nid]
        block = block_for(node.type)
        if block is None:
            continue
        ins: dict[str, Shape] = {}
        missing = False
        for port in block.inputs:
            edge = incoming[nid].get(port.name)
            if edge is None:
                if not port.optional:
                    missing = True
                continue
            src_shapes = report.node_outputs.get(edge.src.node_id)
            if src_shapes is None or edge.src.port not in src_shapes:
                missing = True
                continue
            ins[port.name] = src_shapes[edge.src.port]
        if missing:
            continue  # upstream problem already reported
        p = params_with_defaults(block, node.params)
        if any(spec.check(p[spec.name]) for spec in block.params):
            continue  # bad params are reported by structural validation
        # Integer token ids may only flow into a block that consumes them (an Embedding),
        # through blocks that carry them unchanged in kind; each block declares which it does.
        token_ports = [port for port, e in incoming[nid].items() if e.src.node_id in tokens]
        problem = _token_problem(graph, node, block, token_ports, incoming[nid], ins)
        if problem is not None:
            report.diagnostics.append(problem)
            continue
        if (block.role == "input" and task is not None and task.input_dtype == "long") or (
            token_ports and block.tokens == "carry"
        ):
            tokens.add(nid)
        try:
            outs = block.shape(p, ins, task)
            count = block.param_count(p, ins, task)
        except ShapeError as err:
            report.diagnostics.append(_shape_diag(graph, node, block, err, incoming[nid], ins))
            continue
        except Exception as err:  # a rule that trips on odd input must not crash the editor
            report.diagnostics.append(
                Diagnostic("error", f'{node.type} "{node.label}": cannot work out shapes ({err})', nid)
            )
            continue
        total_params += count
        too_big = [s for s in outs.values() if _elements(s) > MAX_ELEMENTS or any(d <= 0 for d in s)]
        if too_big:
            s = too_big[0]
            why = "is empty" if any(d <= 0 for d in s) else "is too large"
            report.diagnostics.append(Diagnostic(
                "error", f'{node.type} "{node.label}" output {format_shape(s)} {why}', nid))
            continue
        report.node_outputs[nid] = {k: tuple(v) for k, v in outs.items()}
        for e in outgoing[nid]:
            if e.src.port in outs:
                report.edge_shapes[e.id] = tuple(outs[e.src.port])
    if total_params > MAX_PARAMETERS:
        report.diagnostics.append(Diagnostic(
            "error",
            f"The network would have {total_params:,} parameters (limit {MAX_PARAMETERS:,}); "
            "reduce layer sizes",
        ))
    return report


def _token_problem(graph: Graph, node: Any, block: type[Block], token_ports: list[str],
                   incoming: dict[str, Any], ins: dict[str, Shape]) -> Diagnostic | None:
    def source(port: str) -> str:
        edge = incoming[port]
        return f'"{graph.nodes[edge.src.node_id].label}" ({format_shape(ins[port])})'

    if block.tokens == "consume":
        floats = [p for p in incoming if p not in token_ports]
        if floats:
            return Diagnostic("error", f'{node.type} "{node.label}" needs integer token ids (use Linear for real-valued data) but receives '
                              f"real-valued features from {source(floats[0])}", node.id,
                              incoming[floats[0]].id)
        return None
    if token_ports and block.tokens != "carry":
        port = token_ports[0]
        return Diagnostic("error", f'{node.type} "{node.label}" receives integer token ids from '
                          f"{source(port)}; put an Embedding first", node.id, incoming[port].id)
    return None


def _elements(shape: Shape) -> int:
    n = 1
    for s in shape:
        n *= max(int(s), 0)
    return n


def _shape_diag(graph: Graph, node: Any, block: type[Block], err: ShapeError,
                incoming: dict[str, Any], ins: dict[str, Shape]) -> Diagnostic:
    text = err.message
    if text.startswith(node.type + " "):
        text = text[len(node.type) + 1:]
    message = f'{node.type} "{node.label}" {text}'
    edge_id = None
    if err.port and err.port in incoming:
        edge = incoming[err.port]
        src = graph.nodes[edge.src.node_id]
        edge_id = edge.id
        shape_text = format_shape(ins[err.port])
        if shape_text in err.message:
            message += f' from "{src.label}"'
        else:
            message += f' from "{src.label}" ({shape_text})'
    return Diagnostic("error", message, node.id, edge_id)
