"""Automatic left-to-right layout of a graph (what the app's "auto-layout" does).

Layered drawing in the Sugiyama style, kept small:
1. longest-path layering: a block sits one column right of its furthest-right source;
2. wires that skip columns get invisible waypoints so they take part in ordering;
3. a few barycenter sweeps order each column to reduce wire crossings;
4. vertical positions are pulled towards neighbours (straight chains) while
   keeping a minimum gap between blocks of one column;
5. optionally, a chain longer than ``max_columns`` columns is wrapped onto rows (bands), read
   like text: left to right, then the next band below, so a long network stays readable at a
   zoom where block names can be read instead of shrinking to fit one line.
Pure Python (standard library only). Blocks on a cycle are placed after the rest.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from playground.graph.model import Graph

COLUMN_GAP = 250.0  # block width (170) plus room for a readable shape label on the wire
ROW_GAP = 110.0
_SWEEPS = 4


def _layers(graph: Graph, succ: dict[str, list[str]], pred: dict[str, list[str]]) -> dict[str, int]:
    """Longest-path layering over a DAG; nodes on cycles go after what precedes them."""
    indeg = {nid: len(pred[nid]) for nid in graph.nodes}
    ready = [nid for nid in graph.nodes if indeg[nid] == 0]
    layer: dict[str, int] = {}
    while ready:
        nid = ready.pop(0)
        layer[nid] = max((layer[p] + 1 for p in pred[nid] if p in layer), default=0)
        for nxt in succ[nid]:
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    # Cycles: place remaining nodes after their known predecessors, in insertion order.
    for nid in graph.nodes:
        if nid not in layer:
            layer[nid] = max((layer[p] + 1 for p in pred[nid] if p in layer), default=0)
    return layer


def _crossings(upper: list[str], lower: list[str], links: list[tuple[str, str]]) -> int:
    pos_u = {n: i for i, n in enumerate(upper)}
    pos_l = {n: i for i, n in enumerate(lower)}
    pairs = sorted((pos_u[a], pos_l[b]) for a, b in links if a in pos_u and b in pos_l)
    count = 0
    for i in range(len(pairs)):
        for j in range(i + 1, len(pairs)):
            if pairs[i][0] < pairs[j][0] and pairs[i][1] > pairs[j][1]:
                count += 1
    return count


def count_crossings(graph: Graph, positions: dict[str, tuple[float, float]]) -> int:
    """How many pairs of wires cross when drawn as straight lines between block positions."""
    segs = []
    for e in graph.edges.values():
        a, b = positions.get(e.src.node_id), positions.get(e.dst.node_id)
        if a is not None and b is not None:
            segs.append((e.src.node_id, e.dst.node_id, a, b))
    total = 0
    for i in range(len(segs)):
        s1, d1, p1, q1 = segs[i]
        for j in range(i + 1, len(segs)):
            s2, d2, p2, q2 = segs[j]
            if {s1, d1} & {s2, d2}:
                continue  # wires sharing a block meet there; that is not a crossing
            if _segments_cross(p1, q1, p2, q2):
                total += 1
    return total


def _segments_cross(p1: tuple[float, float], q1: tuple[float, float],
                    p2: tuple[float, float], q2: tuple[float, float]) -> bool:
    def orient(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(p2, q2, p1), orient(p2, q2, q1)
    d3, d4 = orient(p1, q1, p2), orient(p1, q1, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def auto_layout(graph: Graph, column_gap: float = COLUMN_GAP, row_gap: float = ROW_GAP,
                max_columns: int | None = None,
                band_gap: float | None = None) -> dict[str, tuple[float, float]]:
    """Positions {node_id: (x, y)} flowing left to right; the graph itself is not changed.

    With ``max_columns``, columns beyond it continue on a new band below (``band_gap`` apart,
    default ``row_gap``), each band again starting at x = 0."""
    if not graph.nodes:
        return {}
    succ: dict[str, list[str]] = defaultdict(list)
    pred: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges.values():
        s, d = e.src.node_id, e.dst.node_id
        if s in graph.nodes and d in graph.nodes and s != d:
            succ[s].append(d)
            pred[d].append(s)
    layer = _layers(graph, succ, pred)

    # Split wires spanning several columns with waypoints; links run between adjacent columns
    # (a wire going backwards, only possible on a cycle, is left out of ordering).
    links: list[tuple[str, str]] = []
    layer_of = dict(layer)
    for e in graph.edges.values():
        s, d = e.src.node_id, e.dst.node_id
        if s not in layer or d not in layer or layer[d] <= layer[s]:
            continue
        prev = s
        for k in range(layer[s] + 1, layer[d]):
            way = f"\x00{e.id}:{k}"
            layer_of[way] = k
            links.append((prev, way))
            prev = way
        links.append((prev, d))
    ups: dict[str, list[str]] = defaultdict(list)
    downs: dict[str, list[str]] = defaultdict(list)
    for a, b in links:
        downs[a].append(b)
        ups[b].append(a)

    # Initial order: the current vertical order on the canvas, then insertion order.
    rank = {nid: i for i, nid in enumerate(graph.nodes)}
    columns: list[list[str]] = [[] for _ in range(max(layer_of.values()) + 1)]
    for nid in graph.nodes:
        columns[layer_of[nid]].append(nid)
    for nid in layer_of:
        if nid not in graph.nodes:
            columns[layer_of[nid]].append(nid)
    columns[0].sort(key=lambda n: (graph.nodes[n].pos[1], rank[n]))
    _order_columns(columns, ups, downs)

    y = _assign_rows(columns, ups, downs, row_gap)
    if max_columns is not None and max_columns >= 1 and len(columns) > max_columns:
        return _wrapped(graph, layer_of, y, max_columns, column_gap,
                        row_gap if band_gap is None else band_gap)
    top = min(y[n] for n in graph.nodes)
    return {nid: (layer_of[nid] * column_gap, y[nid] - top) for nid in graph.nodes}


def columns_that_fit(width: float, block_width: float, column_gap: float) -> int:
    """How many columns of blocks ``block_width`` wide, ``column_gap`` apart, fit in ``width``."""
    return max(1, int((width - block_width) // column_gap) + 1)


def _wrapped(graph: Graph, layer_of: dict[str, int], y: dict[str, float], per_band: int,
             column_gap: float, band_gap: float) -> dict[str, tuple[float, float]]:
    """Columns ``k * per_band ...`` form band ``k``; bands are stacked top to bottom, each as
    tall as its own blocks' spread plus ``band_gap``."""
    bands: dict[int, list[str]] = defaultdict(list)
    for nid in graph.nodes:
        bands[layer_of[nid] // per_band].append(nid)
    out: dict[str, tuple[float, float]] = {}
    top = 0.0
    for band in sorted(bands):
        members = bands[band]
        low, high = min(y[n] for n in members), max(y[n] for n in members)
        for nid in members:
            out[nid] = ((layer_of[nid] - band * per_band) * column_gap, top + y[nid] - low)
        top += high - low + band_gap
    return out


def is_machine_layout(graph: Graph, column_gaps: tuple[float, ...] = (COLUMN_GAP,),
                      tolerance: float = 1.0) -> bool:
    """True when the blocks sit where :func:`auto_layout` would put them (one band with one of
    ``column_gaps``, up to a shift, or the same columns wrapped onto bands): nobody arranged
    them by hand, so laying them out again loses nothing."""
    if not graph.nodes:
        return False
    now = {nid: n.pos for nid, n in graph.nodes.items()}
    first = next(iter(now))
    x0 = min(p[0] for p in now.values())
    for gap in column_gaps:
        flat = auto_layout(graph, column_gap=gap)
        dx, dy = now[first][0] - flat[first][0], now[first][1] - flat[first][1]
        if all(abs(now[n][0] - p[0] - dx) <= tolerance and abs(now[n][1] - p[1] - dy) <= tolerance
               for n, p in flat.items()):
            return True
        column = {nid: round(p[0] / gap) for nid, p in flat.items()}
        per_band = len({round(p[0] - x0) for p in now.values()})
        if per_band <= max(column.values()) and all(
                abs(now[n][0] - x0 - (c % per_band) * gap) <= tolerance for n, c in column.items()):
            return True
    return False


def _order_columns(columns: list[list[str]], ups: dict[str, list[str]],
                   downs: dict[str, list[str]]) -> None:
    """Barycenter sweeps, down then up, keeping the best ordering seen."""

    def bary(col: list[str], neighbours: dict[str, list[str]], ref: list[str]) -> list[str]:
        pos = {n: i for i, n in enumerate(ref)}
        keyed = []
        for i, n in enumerate(col):
            ns = [pos[m] for m in neighbours[n] if m in pos]
            keyed.append((sum(ns) / len(ns) if ns else float(i), i, n))
        keyed.sort()
        return [n for _, _, n in keyed]

    def total(cols: list[list[str]]) -> int:
        return sum(
            _crossings(a, b, [(u, v) for u in a for v in downs[u]])
            for a, b in itertools.pairwise(cols)
        )

    best = [list(c) for c in columns]
    best_score = total(best)
    for _ in range(_SWEEPS):
        for i in range(1, len(columns)):
            columns[i] = bary(columns[i], ups, columns[i - 1])
        for i in range(len(columns) - 2, -1, -1):
            columns[i] = bary(columns[i], downs, columns[i + 1])
        score = total(columns)
        if score < best_score:
            best, best_score = [list(c) for c in columns], score
        if best_score == 0:
            break
    columns[:] = best


def _assign_rows(columns: list[list[str]], ups: dict[str, list[str]], downs: dict[str, list[str]],
                 gap: float) -> dict[str, float]:
    """Vertical positions: pulled towards the mean of neighbours, at least ``gap`` apart."""
    y: dict[str, float] = {}
    for col in columns:
        offset = (len(col) - 1) / 2
        for i, n in enumerate(col):
            y[n] = (i - offset) * gap

    def place(col: list[str], neighbours: dict[str, list[str]]) -> None:
        wanted = []
        for n in col:
            ns = [y[m] for m in neighbours[n]]
            wanted.append(sum(ns) / len(ns) if ns else y[n])
        placed: list[float] = []
        for w in wanted:
            placed.append(w if not placed else max(w, placed[-1] + gap))
        # Shift the column back so it sits, on average, where its members want to be.
        shift = sum(w - p for w, p in zip(wanted, placed, strict=True)) / len(col)
        for n, p in zip(col, placed, strict=True):
            y[n] = p + shift

    for _ in range(_SWEEPS):
        for col in columns[1:]:
            place(col, ups)
        for col in reversed(columns[:-1]):
            place(col, downs)
    # Final down sweep so chains read straight from the sources onwards.
    for col in columns[1:]:
        place(col, ups)
    return y
