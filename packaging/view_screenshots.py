"""Render a screenshot of every plot view after real training runs (offscreen), for the README.

    .venv/bin/python packaging/view_screenshots.py [OUT_DIR]   (default: packaging/screenshots)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from playground.data import make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.ui.theme import apply_theme
from playground.ui.views import (
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


def train(template: str, steps: int, **overrides: object) -> tuple[MetricsBuffer, ViewContext, Trainer]:
    t = TEMPLATES[template]
    bundle = make_dataset(t.dataset, t.dataset_params)
    config = TrainConfig.from_dict({**t.config, "device": "cpu", **overrides})
    buffer = MetricsBuffer()
    graph = t.build()
    trainer = Trainer(graph, bundle, config, buffer)
    started = time.perf_counter()
    trainer.run(max_steps=steps)
    print(f"{template}: {steps} steps in {time.perf_counter() - started:.1f} s", flush=True)
    return buffer, ViewContext(graph=graph, task=bundle.task, bundle=bundle), trainer


def shoot(view: ViewBase, buffer: MetricsBuffer, context: ViewContext, path: Path) -> None:
    view.resize(900, 560)
    view.show()
    view.refresh(buffer, context)
    QApplication.processEvents()
    view.export_png(str(path))
    view.close()
    print("wrote", path)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    apply_theme(app, "light")

    mlp, mlp_ctx, _ = train("mlp", 800, probe_every=20, eval_every=10)
    curves = CurvesView()
    earlier, _, _ = train("mlp", 800, probe_every=100, eval_every=10, lr=0.005)
    curves.set_previous_runs([earlier.export_history()])
    shoot(curves, mlp, mlp_ctx, out / "curves.png")
    shoot(HistogramView(), mlp, mlp_ctx, out / "histograms.png")
    shoot(BoundaryView(), mlp, mlp_ctx, out / "boundary.png")
    thumbs = unit_thumbnails(mlp)
    first = next(iter(thumbs.values()))
    first.scaled(first.width() * 4, first.height() * 4).save(str(out / "unit_thumbnail.png"))
    print("wrote", out / "unit_thumbnail.png")

    lenet, lenet_ctx, trainer = train("lenet", 150, probe_every=25)
    relu = next(nid for nid, n in trainer._graph.nodes.items() if n.type == "ReLU")
    lenet_ctx.selected = [relu]
    shoot(ActivationsView(), lenet, lenet_ctx, out / "activations.png")

    tf, tf_ctx, _ = train("transformer", 400, probe_every=50)
    shoot(AttentionView(), tf, tf_ctx, out / "attention.png")

    deep, deep_ctx, _ = train("deep_linear", 3000, probe_every=30)
    shoot(DynamicsView(), deep, deep_ctx, out / "dynamics.png")


if __name__ == "__main__":
    main()
