"""Re-check time of a 500-block graph after a small edit (target: under 100 ms on one core).

Run: .venv/bin/python benchmarks/bench_check.py [--repeats 30] [--profile]
Prints one JSON line: {"case": "recheck_500_blocks", "median_ms": ..., "target_ms": 100, ...}
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from playground.compile import check
from playground.graph.builder import GraphBuilder
from playground.graph.edits import SetParam
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec

TASK = TaskSpec("classification", (32,), num_classes=4)
WIDTH = 32


def build_graph(n_blocks: int = 500) -> Graph:
    """A long chain of residual units (Linear -> ReLU -> Linear -> Add(skip)) with side branches
    joined by Concat + Linear, ending in a head and an Output. Exactly ``n_blocks`` blocks."""
    builder = GraphBuilder()
    g = builder.graph

    def add(type_: str, **params) -> str:  # the block's default label, as a person would get it
        label = builder.add(type_, **params).last
        assert label is not None
        return label

    def wire(s: str, d: str, port: str = "in") -> None:
        builder.wire(s, d, port)

    x = add("Input")
    unit = 0
    # Each unit is 5 or 8 blocks; stop leaving room for head (Linear) + Output.
    while len(g.nodes) + 8 + 2 <= n_blocks:
        unit += 1
        a = add("Linear", out_features=WIDTH)
        wire(x, a)
        r = add("ReLU")
        wire(a, r)
        b = add("Linear", out_features=WIDTH)
        wire(r, b)
        n = add("LayerNorm")
        wire(b, n)
        s = add("Add")
        wire(n, s, "a")
        wire(x, s, "b")
        x = s
        if unit % 3 == 0:  # a side branch: x -> Tanh -> Concat(x, tanh) -> Linear back to WIDTH
            t = add("Tanh")
            wire(x, t)
            c = add("Concat")
            wire(x, c, "a")
            wire(t, c, "b")
            p = add("Linear", out_features=WIDTH)
            wire(c, p)
            x = p
    while len(g.nodes) < n_blocks - 2:
        i = add("Identity")
        wire(x, i)
        x = i
    head = add("Linear", out_features=TASK.num_classes)
    wire(x, head)
    out = add("Output")
    wire(head, out)
    assert len(g.nodes) == n_blocks
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--blocks", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the re-checks")
    args = parser.parse_args()
    torch.set_num_threads(1)

    graph = build_graph(args.blocks)
    first = check(graph, TASK)
    assert first.ok, [d.message for d in first.errors[:5]]
    linears = [n.id for n in graph.nodes.values() if n.type == "Linear"]
    target = linears[len(linears) // 2]

    def one_recheck(i: int) -> float:
        # the small edit a person makes: change one width back and forth (the graph stays valid
        # on even steps; on odd steps it has a shape error, which is what the canvas then shows)
        SetParam(target, "out_features", WIDTH + (i % 2)).apply(graph)
        t0 = time.perf_counter()
        report = check(graph, TASK)
        elapsed = time.perf_counter() - t0
        assert report.ok == (i % 2 == 0)
        return elapsed * 1000

    for i in range(3):
        one_recheck(i)  # warm-up
    times = [one_recheck(i) for i in range(args.repeats)]
    print(json.dumps({
        "case": "recheck_500_blocks",
        "blocks": len(graph.nodes),
        "wires": len(graph.edges),
        "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
        "repeats": args.repeats,
        "target_ms": 100,
    }))
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for i in range(10):
            one_recheck(i)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
