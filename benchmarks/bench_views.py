"""Plot-view speed, offscreen: a 1,000,000-point loss curve (set, zoom, pan, repaint), each view's
refresh with realistic snapshots from real training, and training speed with all views refreshing.

Run: .venv/bin/python benchmarks/bench_views.py [--quick]
Prints JSON lines {"case": ..., "ms": ...} (median over repeats; "ratio" for the training case).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from playground.data import make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.ui.views import (
    ALL_VIEWS,
    ActivationsView,
    AttentionView,
    BoundaryView,
    CurvesView,
    DynamicsView,
    HistogramView,
    ViewContext,
    unit_thumbnails,
)
from playground.ui.views.base import ViewBase
from playground.ui.views.smoothing import ema_smooth

N_POINTS = 1_000_000


def emit(case: str, **fields: float | int | str) -> None:
    print(json.dumps({"case": case, **fields}), flush=True)


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Median milliseconds of ``fn``."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def loss_curve(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.arange(n, dtype=np.float64)
    return x, 2.0 * np.exp(-x / (n / 5)) + 0.1 + 0.05 * rng.standard_normal(n)


def bench_million(repeats: int) -> None:
    x, y = loss_curve(N_POINTS)
    bench_curve(x, y, True, repeats)
    bench_curve(x, y, False, 1)
    emit("smoothing_1e6_points", ms=timed(lambda: ema_smooth(y, 0.6), max(1, repeats // 4)))


def bench_curve(x: np.ndarray, y: np.ndarray, fast: bool, repeats: int) -> None:
    """setData + repaint, then zoom and pan (ViewBox.setRange) + repaint, of one 1e6-point curve."""
    label = "" if fast else "_no_downsampling"
    widget = pg.PlotWidget()
    widget.resize(1000, 400)
    widget.show()
    curve = widget.plot(pen=pg.mkPen("#1f77b4", width=1))
    if fast:
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
    plot = widget.getPlotItem()

    def set_and_draw() -> None:
        curve.setData(x, y)
        widget.grab()

    emit(f"curve_1e6_setdata_repaint{label}", ms=timed(set_and_draw, repeats), points=N_POINTS)
    emit(f"curve_1e6_full_view_repaint{label}", ms=timed(widget.grab, repeats))
    spans = iter(np.linspace(0.02, 0.5, 1000))
    starts = iter(np.linspace(0, 0.8, 1000))

    def zoom() -> None:
        width = next(spans) * N_POINTS
        plot.vb.setRange(xRange=(N_POINTS / 2 - width / 2, N_POINTS / 2 + width / 2), padding=0)
        widget.grab()

    def pan() -> None:
        start = next(starts) * N_POINTS
        plot.vb.setRange(xRange=(start, start + 0.2 * N_POINTS), padding=0)
        widget.grab()

    emit(f"curve_1e6_zoom_repaint{label}", ms=timed(zoom, repeats))
    emit(f"curve_1e6_pan_repaint{label}", ms=timed(pan, repeats))
    widget.close()


def train(template: str, steps: int, **config: object) -> tuple[Trainer, ViewContext]:
    t = TEMPLATES[template]
    bundle = make_dataset(t.dataset, t.dataset_params)
    graph = t.build()
    cfg = TrainConfig.from_dict({**t.config, "device": "cpu", **config})
    trainer = Trainer(graph, bundle, cfg, MetricsBuffer())
    trainer.run(max_steps=steps)
    return trainer, ViewContext(graph=graph, task=bundle.task, bundle=bundle)


def bench_curves_view(repeats: int) -> None:
    """The curves view when one new point arrives in full 20,000-point series (the buffer's cap)."""
    buffer = MetricsBuffer()
    _, y = loss_curve(20_000)
    buffer.add_points("train/loss", list(range(20_000)), list(y))
    buffer.add_points("val/loss", list(range(0, 20_000, 25)), list(y[::25]))
    buffer.add_points("lr", list(range(0, 20_000, 25)), [0.01] * 800)
    view = CurvesView()
    view.busy_budget = None
    view.resize(900, 500)
    view.show()
    ctx = ViewContext(graph=TEMPLATES["mlp"].build())
    view.refresh(buffer, ctx)
    step = iter(range(20_000, 10**7))

    def new_point() -> None:
        buffer.add_scalars(next(step), {"train/loss": 0.1})
        view.refresh(buffer, ctx)
        view.grab()

    emit("refresh_curves_20k_points_new_point_with_paint", ms=timed(new_point, repeats))
    emit("refresh_curves_unchanged", ms=timed(lambda: view.refresh(buffer, ctx), repeats))
    view.close()


def renew(buffer: MetricsBuffer, kinds: tuple[str, ...], history: bool) -> Callable[[], None]:
    """A function that posts the latest snapshots again under a new step (a new probe's worth of data)."""
    step = iter(range(10**6, 10**8))

    def post() -> None:
        s = next(step)
        for kind in kinds:
            snap = buffer.snapshot(kind)
            if snap is not None:
                data = dict(snap[1]) if isinstance(snap[1], dict) else snap[1]
                buffer.put_snapshot(kind, s, data, keep_history=history)
    return post


def bench_view(name: str, view: ViewBase, trainer: Trainer, ctx: ViewContext, kinds: tuple[str, ...],
               history: bool, repeats: int) -> None:
    """Refresh + paint (a widget grab) after a new probe, and a refresh with nothing new."""
    view.busy_budget = None  # the raw cost of one redraw
    view.resize(900, 500)
    view.show()
    post = renew(trainer.buffer, kinds, history)
    for _ in range(210 if history else 1):  # fill the bounded history (200) as a long run would
        post()
    view.refresh(trainer.buffer, ctx)

    def new_probe() -> None:
        post()
        view.refresh(trainer.buffer, ctx)
        view.grab()

    emit(f"refresh_{name}_new_probe_with_paint", ms=timed(new_probe, repeats))
    emit(f"refresh_{name}_unchanged", ms=timed(lambda: view.refresh(trainer.buffer, ctx), repeats))
    view.close()


def bench_training_ratio(seconds: float) -> None:
    """Steps per second of a training thread alone, and while all views (shown, default CPU budget)
    get a refresh call at 30 Hz as the main window's timer does; best of two interleaved runs each."""
    rates: dict[bool, list[float]] = {}
    draws = [0]
    for with_views in (False, True, False, True):
        trainer, ctx = train("mlp", 0, probe_every=50, eval_every=25, epochs=0)
        views = [cls() for cls in ALL_VIEWS] if with_views else []
        for v in views:
            v.resize(700, 400)
            v.show()
        timer = QTimer()
        timer.timeout.connect(lambda vs=views, c=ctx, t=trainer: [v.refresh(t.buffer, c) for v in vs])
        timer.start(33)
        thread = threading.Thread(target=trainer.run, daemon=True)
        start_step, t0 = trainer.step, time.perf_counter()
        thread.start()
        while time.perf_counter() - t0 < seconds:
            QApplication.processEvents()
            time.sleep(0.005)
        trainer.stop()
        thread.join()
        timer.stop()
        rate = (trainer.step - start_step) / (time.perf_counter() - t0)
        rates.setdefault(with_views, []).append(rate)
        draws[0] = sum(v.draw_count for v in views) if views else draws[0]
        for v in views:
            v.close()
    alone, watched = max(rates[False]), max(rates[True])
    emit("training_steps_per_s_no_views", ms=0, steps_per_s=round(alone, 1))
    emit("training_steps_per_s_all_views_30hz", ms=0, steps_per_s=round(watched, 1),
         ratio=round(watched / alone, 3), draws=draws[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter training comparison")
    args = parser.parse_args()
    repeats = 5 if args.quick else 20
    app = QApplication.instance() or QApplication([])
    assert app is not None
    bench_million(repeats)
    bench_curves_view(repeats)
    mlp, mlp_ctx = train("mlp", 200, probe_every=10)
    mlp_ctx.selected = [next(n for n, node in mlp_ctx.graph.nodes.items() if node.type == "Tanh")]
    bench_view("histograms", HistogramView(), mlp, mlp_ctx, ("weights", "grads"), True, repeats)
    bench_view("boundary", BoundaryView(), mlp, mlp_ctx, ("boundary",), False, repeats)
    bench_view("activations_mlp", ActivationsView(), mlp, mlp_ctx, ("activations",), False, repeats)
    emit("unit_thumbnails_new_probe", ms=timed(lambda: (renew(mlp.buffer, ("units",), False)(),
                                                        unit_thumbnails(mlp.buffer)), repeats))
    lenet, lenet_ctx = train("lenet", 20, probe_every=10)
    lenet_ctx.selected = [next(n for n, node in lenet_ctx.graph.nodes.items() if node.type == "ReLU")]
    bench_view("activations_conv", ActivationsView(), lenet, lenet_ctx, ("activations",), False, repeats)
    tf, tf_ctx = train("transformer", 10, probe_every=5)
    bench_view("attention", AttentionView(), tf, tf_ctx, ("attention",), False, repeats)
    deep, deep_ctx = train("deep_linear", 300, probe_every=10)
    bench_view("dynamics", DynamicsView(), deep, deep_ctx, ("modes", "similarity"), True, repeats)
    bench_training_ratio(2.0 if args.quick else 5.0)


if __name__ == "__main__":
    main()
