"""ResultsTable: one row per variant with its final metrics (mean ± std over seeds), parameters,
multiply–accumulates and wall time; sortable by any column (numbers sort as numbers)."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QWidget

from playground.experiments.compare import VariantResult

COLUMNS = ("Variant", "Changes", "Engine", "Seeds", "Train loss", "Val loss", "Val accuracy", "Params", "MACs",
           "Time (s)")
TIPS = {"Train loss": "Training loss at the last step: mean ± std over seeds",
        "Val loss": "Validation loss after the last step: mean ± std over seeds",
        "Val accuracy": "Validation accuracy after the last step: mean ± std over seeds",
        "Params": "Parameters of the variant's network", "MACs": "Multiply–accumulates per sample",
        "Time (s)": "Wall time to train all the variant's seeds (they train together where they can)",
        "Engine": "How the seeds were trained: one stacked model, or Trainers one after another"}


class NumberItem(QTableWidgetItem):
    """A cell that shows text and sorts by the number kept in ``Qt.UserRole`` (NaN last)."""

    def __init__(self, text: str, value: float | None) -> None:
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, value)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        a, b = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return super().__lt__(other)
        a = math.inf if math.isnan(a) else a
        b = math.inf if math.isnan(b) else b
        return a < b


def mean_std_text(mean: float, std: float) -> str:
    """``0.7 ± 0.028``; a spread that is only rounding (equal values) reads 0."""
    if std <= 1e-9 * max(abs(mean), 1e-300):
        std = 0.0
    return f"{mean:.4g} ± {std:.2g}"


def spread_text(stats: dict[str, float]) -> str:
    return mean_std_text(stats["mean"], stats["std"]) if stats["n"] else "–"


def count_text(n: int) -> str:
    return f"{n:,}"


class ResultsTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        for i, name in enumerate(COLUMNS):
            header = self.horizontalHeaderItem(i)
            if header is not None:
                header.setToolTip(TIPS.get(name, name))
        self.setAccessibleName("Comparison results")
        self.setToolTip("Final metrics, size, cost and time of each variant; click a header to sort")
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(True)
        self.verticalHeader().setVisible(False)

    def show_results(self, results: list[VariantResult]) -> None:
        self.setSortingEnabled(False)
        self.setRowCount(len(results))
        for row, result in enumerate(results):
            cells: list[Any] = [QTableWidgetItem(result.name), QTableWidgetItem(", ".join(result.changes) or "—"),
                                QTableWidgetItem(result.engine), NumberItem(str(len(result.runs)), len(result.runs))]
            for metric in ("train_loss", "val_loss", "val_accuracy"):
                stats = result.final(metric)
                cells.append(NumberItem(spread_text(stats), stats["mean"]))
            cells += [NumberItem(count_text(result.params), result.params),
                      NumberItem(count_text(result.macs), result.macs),
                      NumberItem(f"{result.seconds:.2f}", result.seconds)]
            if result.reason:
                cells[2].setToolTip(f"trained one run at a time: {result.reason}")
            for column, item in enumerate(cells):
                self.setItem(row, column, item)
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # in variant order until a click
        self.setSortingEnabled(True)
        self.resizeColumnsToContents()

    def column(self, name: str) -> int:
        return COLUMNS.index(name)
