"""Canvas speed, offscreen: a 300-block residual graph (about 400 wires, all with shape labels)
in the editor view at 1400×900.

Measures building the scene, fit-to-view, and the time per frame of pan and wheel-zoom steps,
each step forcing a synchronous repaint of the whole viewport (the worst case: Qt's own scrolling
only repaints the strip that comes into view).

Run: .venv/bin/python benchmarks/bench_canvas.py [--steps N] [--blocks N]
Prints JSON lines {"case": ..., "median_ms": ..., "p95_ms": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from playground.compile.blocks import BLOCKS
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document

TASK = TaskSpec("classification", (16,), num_classes=4)
COLUMNS = 15
SPACING = (220.0, 150.0)


def residual_graph(n_blocks: int) -> Graph:
    """Input -> (Linear -> ReLU -> Add(residual)) × k -> Linear -> Output, laid out row by row."""
    builder = GraphBuilder()
    graph = builder.graph

    def add(block_type: str, **params: object) -> str:  # returns the block's default label
        count = len(graph.nodes)
        pos = ((count % COLUMNS) * SPACING[0], (count // COLUMNS) * SPACING[1])
        label = builder.add(block_type, pos=pos, **{**BLOCKS[block_type].spec().defaults(), **params}).last
        assert label is not None
        return label

    def wire(src: str, dst: str, port: str = "in") -> None:
        builder.wire(src, dst, port)

    prev = add("Input")
    for _ in range(max(0, (n_blocks - 3) // 3)):
        lin = add("Linear", out_features=16)
        act = add("ReLU")
        join = add("Add")
        wire(prev, lin)
        wire(lin, act)
        wire(act, join, "a")
        wire(prev, join, "b")
        prev = join
    head = add("Linear", out_features=TASK.num_classes)
    wire(prev, head)
    wire(head, add("Output"))
    return graph


def stats(case: str, times_ms: list[float]) -> None:
    ordered = sorted(times_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(json.dumps({"case": case, "median_ms": round(statistics.median(ordered), 2),
                      "p95_ms": round(p95, 2), "n": len(ordered)}), flush=True)


def frame(app: QApplication, view: GraphCanvasView, step: Callable[[], None]) -> float:
    """Milliseconds for one step plus a full synchronous repaint."""
    t = time.perf_counter()
    step()
    view.viewport().repaint()
    app.processEvents()
    return (time.perf_counter() - t) * 1000


def pan_frames(app: QApplication, view: GraphCanvasView, steps: int, px: int = 25) -> list[float]:
    h, v = view.horizontalScrollBar(), view.verticalScrollBar()
    times = []
    for i in range(steps):
        sign = 1 if (i // 10) % 2 == 0 else -1  # back and forth, so the view stays on the graph
        times.append(frame(app, view, lambda s=sign: (h.setValue(h.value() + s * px),
                                                 v.setValue(v.value() + s * px // 2))))
    return times


def zoom_frames(app: QApplication, view: GraphCanvasView, steps: int) -> list[float]:
    """Wheel-zoom steps (×1.15) in then out around the viewport centre, like a user scrolling."""
    anchor = view.viewport().rect().center() + QPoint(37, -21)
    times = []
    for i in range(steps):
        factor = 1.15 if (i // 4) % 2 == 0 else 1 / 1.15
        times.append(frame(app, view, lambda f=factor: view.zoom_by(f, anchor)))
    return times


def partial_pan_frames(app: QApplication, view: GraphCanvasView, steps: int, px: int = 25) -> list[float]:
    """Scroll-bar steps painted the way Qt does it on screen: only the newly exposed strip."""
    h = view.horizontalScrollBar()
    times = []
    for i in range(steps):
        sign = 1 if (i // 10) % 2 == 0 else -1
        t = time.perf_counter()
        h.setValue(h.value() + sign * px)
        app.processEvents()
        times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--blocks", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    graph = residual_graph(args.blocks)
    document = Document(graph, TASK)
    view = GraphCanvasView(document)
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    scene = view.graph_scene
    assert len(scene.blocks) == args.blocks, len(scene.blocks)
    labelled = sum(1 for e in scene.edges.values() if e.shape_text)

    build = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        scene.rebuild()
        build.append((time.perf_counter() - t) * 1000)
    stats("scene_build", build)

    swap = []
    for _ in range(args.repeats):
        copy = graph.copy()
        t = time.perf_counter()
        document.set_graph(copy)
        swap.append((time.perf_counter() - t) * 1000)
    stats("open_graph_with_check", swap)
    app.processEvents()

    stats("fit_view", [frame(app, view, view.fit_view) for _ in range(args.repeats)])
    print(json.dumps({"case": "info", "blocks": len(scene.blocks), "wires": len(scene.edges),
                      "labelled_wires": labelled, "fit_zoom": round(view.zoom(), 3)}), flush=True)
    stats("repaint_at_fit", [frame(app, view, lambda: None) for _ in range(args.steps // 2)])
    stats("pan_at_fit", pan_frames(app, view, args.steps))
    view.fit_view()
    stats("zoom_at_fit", zoom_frames(app, view, args.steps))
    view.fit_view()
    view.zoom_by(1.0 / view.zoom())
    stats("pan_at_100", pan_frames(app, view, args.steps))
    stats("zoom_at_100", zoom_frames(app, view, args.steps))
    view.fit_view()
    stats("pan_at_fit_partial", partial_pan_frames(app, view, args.steps))
    # a fit stops at readable titles now; far out (the overview's silhouettes) is a zoom of its own
    view.zoom_by(0.2 / view.zoom())
    stats("pan_far_out", pan_frames(app, view, args.steps))
    stats("zoom_far_out", zoom_frames(app, view, args.steps))


if __name__ == "__main__":
    main()
