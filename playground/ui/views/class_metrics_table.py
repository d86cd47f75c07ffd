"""ClassMetricsTable: per-class precision, recall, F1 and support of a confusion matrix, one row
per class, with the macro average last."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from playground.analysis.confusion import Confusion

COLUMNS = ("class", "precision", "recall", "F1", "support")


class ClassMetricsTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.setAccessibleName("Confusion: precision, recall and F1 per class")
        self.setToolTip("Precision: share of the predictions of a class that were right. Recall: share of "
                        "the class's examples found. F1: their harmonic mean. Support: examples of the class.")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def set_confusion(self, result: Confusion | None, names: list[str] | None = None) -> None:
        if result is None:
            self.setRowCount(0)
            return
        precision, recall, f1 = result.precision.tolist(), result.recall.tolist(), result.f1.tolist()
        support = result.counts.sum(1).tolist()
        c = result.classes
        self.setRowCount(c + 1)
        for k in range(c):
            name = names[k] if names and k < len(names) else str(k)
            self._row(k, (name, f"{precision[k]:.3f}", f"{recall[k]:.3f}", f"{f1[k]:.3f}", str(int(support[k]))))
        self._row(c, ("macro mean", f"{sum(precision) / c:.3f}", f"{sum(recall) / c:.3f}", f"{sum(f1) / c:.3f}",
                      str(int(sum(support)))))

    def _row(self, row: int, cells: tuple[str, ...]) -> None:
        for col, text in enumerate(cells):
            item = self.item(row, col)
            if item is None:
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter if col else
                                      Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, col, item)
            item.setText(text)
