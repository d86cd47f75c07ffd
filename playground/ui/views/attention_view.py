"""AttentionView: the query × key attention matrix of one attention block, head and probe sample,
with token labels on both axes, or the mean over heads, or every head side by side. It opens on the
most structured head (lowest mean row entropy) and says so, until the user picks one; it shows the
map recorded at the step the timeline picks, and live while training."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QWidget

from playground.train.snapshots import AttentionSnapshot
from playground.ui.views.attention_maps import (
    and_list,
    attention_blocks,
    entropies,
    most_structured,
    snapshot_at,
)
from playground.ui.views.colormaps import sequential
from playground.ui.views.export import write_csv
from playground.ui.views.view_panel import ElidedLabel, ViewPanel

MAX_TICKS = 40  # beyond this many tokens, label every n-th
GRID_TICKS = 12  # the same in a small multiple
GRID_CELLS = 16  # more heads than this: the grid shows the chosen block's heads only
SWITCH_MARGIN = 0.02  # while following the most structured head, a rival must beat it by this much


def _ticks(labels: list[str], most: int = MAX_TICKS) -> list[list[tuple[float, str]]]:
    every = max(1, int(np.ceil(len(labels) / most)))
    return [[(i + 0.5, str(t)) for i, t in enumerate(labels) if i % every == 0], []]


def _labels(tokens: list[Any], n: int) -> list[str]:
    words = [str(t) for t in tokens]
    return words if len(words) == n else [str(i) for i in range(n)]


class AttentionView(ViewPanel):
    title = "Attention"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.block = QComboBox()
        # as wide as ten characters whatever the blocks are called (the list shows whole names):
        # the view keeps the width "All views" planned for it once data names the blocks
        self.block.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.block.setMinimumContentsLength(10)
        self.head = QComboBox()
        self.average = QCheckBox("mean over heads")
        self.sample = QComboBox()
        self.sample.setMinimumContentsLength(12)
        self.follow = QCheckBox("most structured")
        self.follow.setChecked(True)
        self.grid_mode = QCheckBox("all heads")
        for widget, name, tip in (
                (self.block, "Attention block", "Attention block"),
                (self.head, "Attention head", "Attention head"),
                (self.average, "Mean over heads", "Show the mean of all heads' maps"),
                (self.sample, "Probe sample", "Probe sample (its tokens)"),
                (self.follow, "Follow the most structured head",
                 "Show the block and head whose map is most structured (lowest mean row entropy: each query "
                 "looks at few keys). Picking a block or head yourself turns this off."),
                (self.grid_mode, "All heads side by side",
                 "Every head of every block side by side (click one to show it alone)")):
            widget.setAccessibleName(name)
            widget.setToolTip(tip)
        self.add_control("block", self.block)
        self.add_control("head", self.head)
        self.add_control("sample", self.sample)
        self.controls.addStretch(1)
        # one line that never asks for width (cut with "…", the full sentence is its tooltip): the
        # map keeps its height in a narrow side column
        self.choice = ElidedLabel("")
        self.choice.setAccessibleName("Which attention map is shown")
        # the pickers on the first row, the switches of which map on a row of their own, so the view
        # stays narrow enough for a side column and for "All views" to hold every view at once
        second = QHBoxLayout()
        second.setSpacing(8)
        second.addWidget(self.follow)
        second.addWidget(self.average)
        second.addWidget(self.grid_mode)
        second.addWidget(self.choice, 1)
        self.layout().insertLayout(1, second)
        self.plot = self.graphics.addPlot()  # the dock's title names it: the map keeps the room
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
        self.cells: list[tuple[str, int, pg.PlotItem, pg.ImageItem]] = []  # the small multiples
        self._cells_for: tuple = ()
        self._grid_shape = (0, 0)  # (columns, cells) as laid out
        self._grid_tokens: list[Any] = []
        self.grid_bar: pg.ColorBarItem | None = None
        self.data: AttentionSnapshot | None = None
        self.step = -1
        self.scores: dict[str, np.ndarray] = {}  # mean row entropy per head, by node id
        self.matrix = np.zeros((0, 0))
        self.query_labels: list[str] = []
        self.key_labels: list[str] = []
        self.pinned_step: int | None = None
        self._shown: tuple = ()
        self._blocks_seen: tuple[str, ...] = ()
        self.block.currentIndexChanged.connect(self._user_picked)
        self.head.currentIndexChanged.connect(self._user_picked)
        self.sample.currentIndexChanged.connect(self.redraw)
        self.average.toggled.connect(self._average_toggled)
        self.follow.toggled.connect(self.redraw)
        self.grid_mode.toggled.connect(self._grid_toggled)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.graphics.installEventFilter(self)
        self.layout().addStretch(0)  # takes the room of the hidden plot, so the hint sits at the top

    # ------------------------------------------------------------ controls
    def _user_picked(self) -> None:
        """A block or head picked by hand wins over the automatic choice from now on."""
        self._quiet(self.follow, lambda: self.follow.setChecked(False))
        self.redraw()

    def _average_toggled(self, on: bool) -> None:
        self.head.setEnabled(not on)
        if on:
            self._quiet(self.follow, lambda: self.follow.setChecked(False))
        self.redraw()

    def _grid_toggled(self, on: bool) -> None:
        layout = self.graphics.ci
        layout.clear()  # removes the single plot or the cells; both are kept and re-added
        if not on:
            layout.addItem(self.plot, row=0, col=0)
        self._grid_shape, self._shown = (0, 0), ()
        self.redraw()

    def _enable(self, on: bool) -> None:
        """Pickers are live only while there are maps to pick from."""
        for widget in (self.block, self.sample, self.average, self.follow, self.grid_mode):
            widget.setEnabled(on)
        self.head.setEnabled(on and not self.average.isChecked())

    @staticmethod
    def _quiet(widget: QWidget, change: Any) -> None:
        widget.blockSignals(True)
        try:
            change()
        finally:
            widget.blockSignals(False)

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

    def show_step(self, step: int | None) -> None:
        """Contract 1: the map recorded at or before ``step`` (None: the latest)."""
        self.pinned_step = None if step is None else int(step)
        self.redraw()

    # ------------------------------------------------------------ drawing
    def _placeholder(self) -> str:
        blocks = attention_blocks(self.context.graph) if self.context is not None else []
        history = self.buffer.recorded_steps("attention") if self.buffer is not None else []
        if self.pinned_step is not None and history:
            return (f"No attention map was recorded at or before step {self.pinned_step}; "
                    f"the first is at step {history[0]}.")
        if blocks:
            return (f"No attention maps yet: press Start (Space) to train. The maps of {and_list(blocks)} "
                    "appear here at the first validation pass.")
        return ("This network has no attention block, so there is no map to show. Add a SelfAttention, "
                "CrossAttention or TransformerBlock to see which positions each position looks at.")

    def draw(self) -> None:
        assert self.buffer is not None
        snap = snapshot_at(self.buffer, "attention", self.pinned_step)
        if snap is None or not snap[1].get("maps"):
            self.show_hint(self._placeholder())
            self.choice.setText("")
            self.choice.setVisible(False)
            self.graphics.setVisible(False)  # no empty axes
            self._enable(False)
            if self._shown:
                self._shown, self.data, self.matrix = (), None, np.zeros((0, 0))
                self.image.clear()
            return
        self.show_hint("")
        self.graphics.setVisible(True)
        self._enable(True)
        step, data = snap
        maps: dict[str, np.ndarray] = data["maps"]
        labels = data.get("labels", {})
        ids = list(maps)
        if tuple(ids) != self._blocks_seen:
            if self._blocks_seen:  # another network: the automatic choice again
                self._quiet(self.follow, lambda: self.follow.setChecked(True))
            self._blocks_seen = tuple(ids)
        self._fill(self.block, [str(labels.get(i, i)) for i in ids], ids)
        if self.data is not data:
            self.scores = entropies(maps)
        if self.follow.isChecked():
            self._follow_most_structured()
        node = self.block.currentData() or ids[0]
        arr = maps[node]  # (S, heads, Tq, Tk)
        self._fill(self.head, [f"head {h + 1}" for h in range(arr.shape[1])])
        tokens = data.get("tokens") or []
        self._fill(self.sample, [f"{s + 1}: " + " ".join(map(str, tokens[s][:12])) if s < len(tokens)
                                 else f"{s + 1}" for s in range(arr.shape[0])])
        sample = min(max(self.sample.currentIndex(), 0), arr.shape[0] - 1)
        head = min(max(self.head.currentIndex(), 0), arr.shape[1] - 1)
        averaged = self.average.isChecked()
        shown = (step, node, sample, -1 if averaged else head, self.grid_mode.isChecked(), id(data))
        self._say_choice(labels, node, head, averaged)
        if shown == self._shown:
            return
        self._shown, self.data, self.step = shown, data, step
        matrix = arr[sample].mean(axis=0) if averaged else arr[sample, head]
        self.matrix = np.asarray(matrix, dtype=np.float32)
        tq, tk = self.matrix.shape
        sample_tokens = tokens[sample] if sample < len(tokens) else []
        self.key_labels, self.query_labels = _labels(sample_tokens, tk), _labels(sample_tokens, tq)
        if self.grid_mode.isChecked():
            self._draw_grid(maps, labels, node, head, sample, sample_tokens)
            return
        self.image.setImage(self.matrix, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(QRectF(0, 0, tk, tq))
        self.plot.getAxis("bottom").setTicks(_ticks(self.key_labels))
        self.plot.getAxis("left").setTicks(_ticks(self.query_labels))
        which = "mean over heads" if averaged else f"head {head + 1}"
        self.plot.setTitle(f"{self.block.currentText()} · {which} · sample {sample + 1} · step {step}")
        self.plot.setRange(QRectF(0, 0, tk, tq), padding=0.02)
        self._fit()

    def _follow_most_structured(self) -> None:
        best = most_structured(self.scores)
        if best is None:
            return
        node, head = self.block.currentData(), self.head.currentIndex()
        now = self.scores.get(node)
        if now is not None and 0 <= head < len(now) and now[head] - best[2] <= SWITCH_MARGIN:
            return  # the shown head is (nearly) as structured: no flicker between close rivals
        index = self.block.findData(best[0])
        self._quiet(self.block, lambda: self.block.setCurrentIndex(index))
        self._fill(self.head, [f"head {h + 1}" for h in range(len(self.scores[best[0]]))])
        self._quiet(self.head, lambda: self.head.setCurrentIndex(best[1]))

    def _say_choice(self, labels: dict[str, str], node: str, head: int, averaged: bool) -> None:
        best = most_structured(self.scores)
        if best is None:
            self.choice.setText("")
            self.choice.setVisible(False)
            return
        best_text = f"{labels.get(best[0], best[0])} · head {best[1] + 1} (mean row entropy {best[2]:.2f})"
        if self.follow.isChecked():
            text = (f"Showing {best_text}: the most structured map, where each query looks at the fewest "
                    "keys (0 = one key each, 1 = all keys evenly).")
        else:
            mine = self.scores.get(node)
            which = "mean over heads" if averaged else f"head {head + 1}"
            score = "" if averaged or mine is None or head >= len(mine) else f" (entropy {mine[head]:.2f})"
            text = f"Your choice: {labels.get(node, node)} · {which}{score}. Most structured: {best_text}."
        self.choice.setText(text)
        self.choice.setToolTip(text)
        self.choice.setVisible(True)

    # ------------------------------------------------------------ small multiples
    def _draw_grid(self, maps: dict[str, np.ndarray], labels: dict[str, str], node: str, head: int,
                   sample: int, tokens: list[Any]) -> None:
        """One small map per head (block by block; the chosen block alone when there are more than
        GRID_CELLS heads), each with its entropy; the shown head is marked."""
        blocks = [nid for nid in maps if np.asarray(maps[nid]).ndim == 4]
        if sum(maps[nid].shape[1] for nid in blocks) > GRID_CELLS:
            blocks = [node]
        wanted = tuple((nid, maps[nid].shape[1]) for nid in blocks)
        if wanted != self._cells_for:
            self.cells = []
            for nid, heads in wanted:
                for h in range(heads):
                    plot = pg.PlotItem()
                    plot.invertY(True)
                    plot.setAspectLocked(True)
                    plot.hideButtons()
                    plot.setMouseEnabled(False, False)
                    image = pg.ImageItem(axisOrder="row-major")
                    image.setLookupTable(sequential().getLookupTable(nPts=256))
                    plot.addItem(image)
                    self.cells.append((nid, h, plot, image))
            self.grid_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=sequential(), interactive=False,
                                            label="weight", width=12)
            self._cells_for, self._grid_shape = wanted, (0, 0)
        self._grid_tokens = tokens
        for nid, h, plot, image in self.cells:
            arr = maps[nid]
            matrix = np.asarray(arr[min(sample, arr.shape[0] - 1), h], dtype=np.float32)
            tq, tk = matrix.shape
            image.setImage(matrix, levels=(0.0, 1.0), autoLevels=False)
            image.setRect(QRectF(0, 0, tk, tq))
            score = self.scores.get(nid)
            entropy = f" · H {score[h]:.2f}" if score is not None and h < len(score) else ""
            mark = "▶ " if (nid, h) == (node, head) and not self.average.isChecked() else ""
            plot.setTitle(f"{mark}{labels.get(nid, nid)} · head {h + 1}{entropy}", size="9pt")
            plot.setRange(QRectF(0, 0, tk, tq), padding=0.02)
        self._fit()

    def _fit(self) -> None:
        """Maps stay square-celled and their axes no wider than the map: the single plot is centred
        at the width its height allows; the small multiples take the number of columns that makes
        each of them largest in this dock's shape."""
        width, height = max(self.graphics.width(), 1), max(self.graphics.height(), 1)
        layout = self.graphics.ci
        if not self.grid_mode.isChecked():
            tq, tk = self.matrix.shape if self.matrix.size else (1, 1)
            side = max(height - 90, 40)
            self.plot.setMaximumWidth(max(side * tk / max(tq, 1) + 140, 240))
            layout.layout.setAlignment(self.plot, Qt.AlignmentFlag.AlignHCenter)
            return
        n = len(self.cells)
        if not n:
            return
        def cell_side(cols: int) -> float:
            rows = -(-n // cols)
            return min((width - 90) / cols - 40, (height - 10) / rows - 50)
        cols = max(range(1, n + 1), key=cell_side)
        if (cols, n) != self._grid_shape:
            self._grid_shape = (cols, n)
            layout.clear()
            for i, (_, _, plot, _) in enumerate(self.cells):
                layout.addItem(plot, row=i // cols, col=i % cols)
            assert self.grid_bar is not None
            layout.addItem(self.grid_bar, row=0, col=cols, rowspan=-(-n // cols))
            if self.theme:
                self.set_theme(self.theme)
        side = max(cell_side(cols), 20)
        for _, _, plot, image in self.cells:
            plot.setMaximumWidth(side + 50)
            layout.layout.setAlignment(plot, Qt.AlignmentFlag.AlignHCenter)
            tq, tk = image.image.shape if image.image is not None else (1, 1)
            # token labels only where each cell row is tall enough to hold one
            readable = side / max(tq, tk) >= 11
            plot.getAxis("bottom").setTicks(_ticks(_labels(self._grid_tokens, tk), GRID_TICKS) if readable else [[], []])
            plot.getAxis("left").setTicks(_ticks(_labels(self._grid_tokens, tq), GRID_TICKS) if readable else [[], []])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.Resize and self.data is not None:
            self._fit()
        return super().eventFilter(watched, event)

    def _clicked(self, event: Any) -> None:
        """A click on a small multiple shows that head alone (the user's choice)."""
        if not self.grid_mode.isChecked():
            return
        pos: QPointF = event.scenePos()
        for nid, h, plot, _ in self.cells:
            if plot.sceneBoundingRect().contains(pos):
                self.pick(nid, h)
                self.grid_mode.setChecked(False)
                return

    def pick(self, node: str, head: int) -> None:
        """Show ``head`` of block ``node``, as if chosen in the pickers."""
        self._quiet(self.follow, lambda: self.follow.setChecked(False))
        self._quiet(self.average, lambda: self.average.setChecked(False))
        self.head.setEnabled(True)
        self._quiet(self.block, lambda: self.block.setCurrentIndex(self.block.findData(node)))
        if self.data is not None and node in self.data["maps"]:
            self._fill(self.head, [f"head {i + 1}" for i in range(self.data["maps"][node].shape[1])])
        self._quiet(self.head, lambda: self.head.setCurrentIndex(head))
        self.redraw()

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
