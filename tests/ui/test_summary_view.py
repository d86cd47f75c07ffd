"""The model summary in the app: the Summary panel's table (Analyze ▸ Model summary…) and the
Inspector's cost rows show exactly what ``analysis.summary.model_summary`` counts, and follow the
graph when it changes."""

from __future__ import annotations

import csv

from PySide6.QtWidgets import QMenu

from playground.analysis.summary import _bytes, model_summary
from playground.graph.builder import GraphBuilder
from playground.graph.edits import SetParam
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec, format_shape
from playground.train import MetricsBuffer
from playground.ui.document import Document
from playground.ui.inspector import Inspector
from playground.ui.summary_window import SummaryWindow
from playground.ui.views import ViewContext
from playground.ui.views.summary_view import SummaryView

TASK = TaskSpec("classification", (1, 8, 8), num_classes=3)


def cnn() -> Graph:
    return (GraphBuilder().then("Input", "input")
            .then("Conv2d", "conv", out_channels=4, kernel_size=3, padding=1).then("ReLU", "relu")
            .then("Flatten", "flat").then("Linear", "fc", out_features=3).then("Output", "output").graph)


def cells(view: SummaryView) -> list[list[str]]:
    t = view.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_the_summary_panel_shows_the_summary_and_its_totals(view_of, tmp_path):
    graph = cnn()
    view = view_of(SummaryView)
    view.refresh(MetricsBuffer(), ViewContext(graph=graph, task=TASK))
    expected = model_summary(graph, TASK)
    shown = cells(view)
    assert [row[0] for row in shown] == [r.label for r in expected.rows] + ["total"]
    for row, r in zip(shown, expected.rows, strict=False):
        assert row[2] == format_shape(r.output_shape)
        assert [int(v.replace(",", "")) for v in row[3:6]] == [r.params, r.trainable, r.macs]
        assert row[6:] == [_bytes(r.activation_bytes), _bytes(r.train_activation_bytes)]
    conv = expected.row("conv")
    assert conv.params == 4 * 9 + 4 and conv.macs == 4 * 9 * 64  # by hand: 3×3 kernels over 8×8, 4 channels
    assert [int(v.replace(",", "")) for v in shown[-1][3:6]] == [expected.params, expected.trainable, expected.macs]
    assert view.table.accessibleName() and view.table.toolTip()
    path = tmp_path / "summary.csv"
    view.export_csv(str(path))
    rows = list(csv.DictReader(path.open()))
    assert int(rows[-1]["macs"]) == expected.macs and int(rows[0]["activation_bytes"]) == expected.rows[0].activation_bytes


def test_the_panel_follows_an_edit_of_the_graph(view_of, qtbot):
    graph = cnn()
    view = view_of(SummaryView)
    view.show()
    view.refresh(MetricsBuffer(), ViewContext(graph=graph, task=TASK))
    before = model_summary(graph, TASK).macs
    fc = graph.node_by_label("conv")
    SetParam(fc.id, "out_channels", 8).apply(graph)
    after = model_summary(graph, TASK).macs
    assert after != before
    qtbot.waitUntil(lambda: cells(view)[-1][5] == f"{after:,}", timeout=3000)
    view.refresh(MetricsBuffer(), ViewContext(graph=graph, task=None))
    assert view.empty and "Choose a dataset" in view.hint.text()


def test_the_inspector_shows_the_blocks_cost_from_the_summary(qtbot):
    doc = Document(cnn(), TASK)
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    expected = model_summary(doc.graph, TASK)
    for label in ("conv", "fc", "relu"):
        r = expected.row(label)
        inspector.set_node(doc.graph.node_by_label(label).id)
        text = inspector.cost.text()
        assert f"Trainable: {r.trainable:,} of {r.params:,} parameters" in text
        assert f"MACs per sample: {r.macs:,}" in text
        assert f"{_bytes(r.activation_bytes)} forward, {_bytes(r.train_activation_bytes)} for training" in text
        assert f"Output: {format_shape(r.output_shape)}" in inspector.info.text()
    conv = doc.graph.node_by_label("conv")
    inspector.set_node(conv.id)
    inspector.editors["out_channels"].editor.setValue(6)
    six = model_summary(doc.graph, TASK).row("conv")
    qtbot.waitUntil(lambda: f"MACs per sample: {six.macs:,}" in inspector.cost.text(), timeout=2000)
    doc.set_task(None)
    qtbot.waitUntil(lambda: not inspector.cost.isVisible(), timeout=2000)


def test_analyze_model_summary_opens_a_window_that_follows_the_document(open_window, qtbot):
    w = open_window("mlp")
    menu = w.findChild(QMenu, "analyze_menu")
    entry = next(a for a in menu.actions() if a.text() == "Model summary…")
    assert entry.toolTip()
    entry.trigger()
    summary = w.findChild(SummaryWindow)
    assert summary is not None and summary.isVisible()
    graph, task = w.document.graph, w.document.task
    qtbot.waitUntil(lambda: cells(summary.view)[-1][3] == f"{model_summary(graph, task).params:,}", timeout=3000)
    fc1 = graph.node_by_label("fc1")
    w.document.push(SetParam(fc1.id, "out_features", 24))
    wanted = model_summary(graph, task)
    qtbot.waitUntil(lambda: cells(summary.view)[-1][3] == f"{wanted.params:,}", timeout=3000)
    assert [row[0] for row in cells(summary.view)][:-1] == [r.label for r in wanted.rows]
    projector = next(a for a in menu.actions() if a.text() == "Projector")
    projector.trigger()
    dock = next(d for d, v in w.views if v.title == "Projector")
    qtbot.waitUntil(dock.isVisible, timeout=2000)
