"""Randomly wired networks from a graph family (as in Xie et al., 2019, "Exploring randomly wired
neural networks"), and the graph measures that describe their topology.

``random_topology(family, n, seed, ...)`` draws an undirected graph: Erdős–Rényi (each edge with
probability ``p``), Watts–Strogatz small-world (a ring lattice of ``k`` neighbours, each edge
rewired with probability ``p``) or Barabási–Albert (each new node attaches to ``m`` nodes in
proportion to their degree). ``wired_network`` turns it into a network: edges point from the
lower to the higher node index (a DAG), every node is a small block (ReLU then Linear of
``width`` units), a node's inputs are summed, nodes with no input read the stem, and the outputs
of nodes with no successor are summed into the head. Every wiring of ``n`` nodes therefore has
the same number of parameters.

Stdlib only (graph layer).
"""

from __future__ import annotations

import random
from collections import deque

from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph

FAMILIES = ("erdos_renyi", "watts_strogatz", "barabasi_albert")
Edges = set[tuple[int, int]]  # undirected, stored as (low, high)


def random_topology(family: str, n: int, seed: int, p: float = 0.3, k: int = 4, m: int = 2) -> Edges:
    """An undirected graph on nodes 0..n-1 from ``family``; ValueError names a bad choice."""
    if family not in FAMILIES:
        raise ValueError(f"unknown graph family {family!r}; choose one of {', '.join(FAMILIES)}")
    if n < 2:
        raise ValueError(f"a random wiring needs at least 2 nodes, not {n}")
    rng = random.Random(seed)
    edges: Edges = set()
    if family == "erdos_renyi":
        edges = {(a, b) for a in range(n) for b in range(a + 1, n) if rng.random() < p}
    elif family == "watts_strogatz":
        half = max(1, min(k // 2, (n - 1) // 2))
        for a in range(n):
            for j in range(1, half + 1):
                b = (a + j) % n
                if rng.random() < p:  # rewire to a node not yet joined to a
                    choices = [c for c in range(n) if c != a and (min(a, c), max(a, c)) not in edges]
                    if choices:
                        b = rng.choice(choices)
                edges.add((min(a, b), max(a, b)))
    else:
        m = max(1, min(m, n - 1))
        targets = list(range(m))
        degree_list: list[int] = []
        for new in range(m, n):
            for t in set(targets):
                edges.add((t, new))
                degree_list += [t, new]
            picked: set[int] = set()
            while len(picked) < m:
                picked.add(rng.choice(degree_list))
            targets = list(picked)
    return edges


def clustering_coefficient(n: int, edges: Edges) -> float:
    """Mean over nodes of the share of a node's neighbour pairs that are joined (0 for degree < 2)."""
    adj = _adjacency(n, edges)
    total = 0.0
    for node in range(n):
        nbrs = sorted(adj[node])
        d = len(nbrs)
        if d < 2:
            continue
        links = sum(1 for i in range(d) for j in range(i + 1, d) if nbrs[j] in adj[nbrs[i]])
        total += 2.0 * links / (d * (d - 1))
    return total / n


def average_path_length(n: int, edges: Edges) -> float:
    """Mean shortest-path length over the connected pairs of nodes (breadth-first search)."""
    adj = _adjacency(n, edges)
    total = pairs = 0
    for source in range(n):
        dist = {source: 0}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for nb in adj[node]:
                if nb not in dist:
                    dist[nb] = dist[node] + 1
                    queue.append(nb)
        total += sum(dist.values())
        pairs += len(dist) - 1
    return total / pairs if pairs else 0.0


def _adjacency(n: int, edges: Edges) -> list[set[int]]:
    adj: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    return adj


def _sum_into(builder: GraphBuilder, sources: list[str], label: str) -> str:
    """Sum ``sources`` with a chain of Add blocks; returns the label holding the sum."""
    current = sources[0]
    for i, other in enumerate(sources[1:], 1):
        name = f"{label}_sum{i}"
        builder.add("Add", name, current, port="a").wire(other, name, port="b")
        current = name
    return current


def wired_network(n: int, edges: Edges, width: int = 16, outputs: int = 2, features: bool = False) -> Graph:
    """The network of a topology (see the module docstring); ``features`` adds the 2-D input
    features block before the stem."""
    b = GraphBuilder().then("Input", "input")
    if features:
        b.then("Features2D", "features", x1=True, x2=True, x1_sq=True, x2_sq=True, x1x2=True,
               sin_x1=True, sin_x2=True)
    b.then("Linear", "stem", out_features=width)
    preds: list[list[int]] = [[] for _ in range(n)]
    has_succ = [False] * n
    for a, c in sorted(edges):
        preds[c].append(a)
        has_succ[a] = True
    for node in range(n):
        inputs = [f"node{p}" for p in preds[node]] or ["stem"]
        joined = _sum_into(b, inputs, f"node{node}")
        b.add("ReLU", f"node{node}_relu", joined).then("Linear", f"node{node}", out_features=width)
    sinks = [f"node{i}" for i in range(n) if not has_succ[i]]
    joined = _sum_into(b, sinks, "out")
    b.add("ReLU", "head_relu", joined).then("Linear", "head", out_features=outputs).then("Output", "output")
    return b.laid_out()
