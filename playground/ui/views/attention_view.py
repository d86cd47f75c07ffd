"""AttentionView: the query × key attention matrix of one attention block, head and probe sample,
with token labels on both axes, or the mean over heads; updates live while training."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

from playground.train.snapshots import AttentionSnapshot
from playground.ui.views.colormaps import sequential
from playground.ui.views.export import write_csv
from playground.ui.views.view_panel import ViewPanel

MAX_TICKS = 40  # beyond this many tokens, label every n-th


def _ticks(labels: list[str]) -> list[list[tuple[float, str]]]:
    every = max(1, int(np.ceil(len(labels) / MAX_TICKS)))
    return [[(i + 0.5, str(t)) for i, t in enumerate(labels) if i % every == 0], []]


class AttentionView(ViewPanel):
    title = "Attention"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.block = QComboBox()
        self.block.setToolTip("Attention block")
        self.head = QComboBox()
        self.head.setToolTip("Attention head")
        self.average = QCheckBox("mean over heads")
        self.sample = QComboBox()
        self.sample.setToolTip("Probe sample (its tokens)")
        self.sample.setMinimumContentsLength(16)
        self.add_control("block", self.block)
        self.add_control("head", self.head)
        self.add_control("", self.average)
        self.add_control("sample", self.sample)
        self.controls.addStretch(1)
        self.plot = self.graphics.addPlot(title="Attention")
        self.plot.setLabel("bottom", "key")
        self.plot.setLabel("left", "query")
        self.plot.invertY(True)  # first query at the top, like a matrix
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=sequential(), interactive=False,
                                        label="weight", width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.data: AttentionSnapshot | None = None
        self.step = -1
        self.matrix = np.zeros((0, 0))
        self.query_labels: list[str] = []
        self.key_labels: list[str] = []
        self._shown: tuple = ()
        for combo in (self.block, self.head, self.sample):
            combo.currentIndexChanged.connect(self.redraw)
        self.average.toggled.connect(self._average_toggled)

    def _average_toggled(self, on: bool) -> None:
        self.head.setEnabled(not on)
        self.redraw()

    @staticmethod
    def _fill(combo: QComboBox, items: list[str], data: list[Any] | None = None) -> None:
        current = combo.currentIndex()
        texts = [combo.itemText(i) for i in range(combo.count())]
        if texts == items:
            return
        combo.blockSignals(True)
        combo.clear()
        for i, text in enumerate(items):
            combo.addItem(text, data[i] if data else None)
        combo.setCurrentIndex(min(max(current, 0), len(items) - 1))
        combo.blockSignals(False)

    def draw(self) -> None:
        assert self.buffer is not None
        snap = self.buffer.snapshot("attention")
        if snap is None or not snap[1].get("maps"):
            self.show_hint("No attention maps: add a SelfAttention, CrossAttention or TransformerBlock "
                           "and train (e.g. the transformer template).")
            if self._shown:
                self._shown, self.data, self.matrix = (), None, np.zeros((0, 0))
                self.image.clear()
            return
        self.show_hint("")
        step, data = snap
        maps: dict[str, np.ndarray] = data["maps"]
        labels = data.get("labels", {})
        ids = list(maps)
        self._fill(self.block, [str(labels.get(i, i)) for i in ids], ids)
        node = self.block.currentData() or ids[0]
        arr = maps[node]  # (S, heads, Tq, Tk)
        self._fill(self.head, [f"head {h + 1}" for h in range(arr.shape[1])])
        tokens = data.get("tokens") or []
        self._fill(self.sample, [f"{s + 1}: " + " ".join(map(str, tokens[s][:12])) if s < len(tokens)
                                 else f"{s + 1}" for s in range(arr.shape[0])])
        sample = min(max(self.sample.currentIndex(), 0), arr.shape[0] - 1)
        head = min(max(self.head.currentIndex(), 0), arr.shape[1] - 1)
        shown = (step, node, sample, head if not self.average.isChecked() else -1)
        if shown == self._shown:
            return
        self._shown, self.data, self.step = shown, data, step
        matrix = arr[sample].mean(axis=0) if self.average.isChecked() else arr[sample, head]
        self.matrix = np.asarray(matrix, dtype=np.float32)
        tq, tk = self.matrix.shape
        sample_tokens = [str(t) for t in tokens[sample]] if sample < len(tokens) else []
        self.key_labels = sample_tokens if len(sample_tokens) == tk else [str(i) for i in range(tk)]
        self.query_labels = sample_tokens if len(sample_tokens) == tq else [str(i) for i in range(tq)]
        self.image.setImage(self.matrix, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(QRectF(0, 0, tk, tq))
        self.plot.getAxis("bottom").setTicks(_ticks(self.key_labels))
        self.plot.getAxis("left").setTicks(_ticks(self.query_labels))
        which = "mean over heads" if self.average.isChecked() else f"head {head + 1}"
        self.plot.setTitle(f"{self.block.currentText()} · {which} · sample {sample + 1} · step {step}")
        self.plot.setRange(QRectF(0, 0, tk, tq), padding=0.02)

    def export_csv(self, path: str) -> None:
        """The matrix shown: query_index, query_token, key_index, key_token, weight (plus what and when)."""
        block, step = self.block.currentText(), self.step
        head = "mean" if self.average.isChecked() else self.head.currentIndex() + 1
        sample = self.sample.currentIndex() + 1

        def rows():
            for q in range(self.matrix.shape[0]):
                for k in range(self.matrix.shape[1]):
                    yield (block, head, sample, step, q, self.query_labels[q], k, self.key_labels[k],
                           float(self.matrix[q, k]))
        write_csv(path, ("block", "head", "sample", "step", "query_index", "query_token", "key_index",
                         "key_token", "weight"), rows())
