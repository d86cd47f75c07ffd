"""Import a CSV file: pick the file, the input columns, the target column and the task.

The first rows are shown so a person sees what they pick; any problem (no
file, no numeric columns, a bad cell) is shown in red inside the dialog,
which stays open until the table loads.
"""

from __future__ import annotations

import csv
import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.data import DataBundle, DatasetError, make_dataset
from playground.ui import dialogs

PREVIEW_ROWS = 8


def load_csv_bundle(params: dict[str, Any]) -> DataBundle:
    """The registry's "csv" dataset with ``params`` (path, target, inputs, task); DatasetError on problems."""
    if not str(params.get("path", "")).strip():
        raise DatasetError("CSV import: choose a file first")
    return make_dataset("csv", params)


def read_head(path: str, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[list[str]]]:
    """Header and first rows of a CSV file (for the preview); raises DatasetError when unreadable."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(8192)
            fh.seek(0)
            try:
                delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
            except csv.Error:
                delimiter = ","
            reader = csv.reader(fh, delimiter=delimiter)
            header = next(reader, None)
            body = [row for _, row in zip(range(rows), reader, strict=False)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    if not header:
        raise DatasetError(f"{path} is empty (a header row with column names is needed)")
    return [h.strip() for h in header], body


class CsvDialog(QDialog):
    """After ``run()`` returns True, ``bundle`` holds the loaded data and ``csv_params()`` how to reload it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import CSV")
        self.bundle: DataBundle | None = None
        self.path = QLineEdit()
        self.path.setObjectName("csv_path")
        self.path.setAccessibleName("CSV file")
        self.path.setPlaceholderText("path/to/table.csv")
        self.path.setToolTip("The CSV file: a header row, then one example per row")
        self.path.editingFinished.connect(lambda: self.set_path(self.path.text()))
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose a CSV file")
        browse.setAccessibleName("Choose a CSV file")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setToolTip("The first rows of the file")
        self.table.setAccessibleName("Preview of the first rows")
        self.inputs = QListWidget()
        self.inputs.setObjectName("csv_inputs")
        self.inputs.setAccessibleName("Input columns")
        self.inputs.setToolTip("Tick the columns the network sees as input")
        self.target = QComboBox()
        self.target.setObjectName("csv_target")
        self.target.setAccessibleName("Target column")
        self.target.setToolTip("The column the network learns to predict")
        self.target.currentTextChanged.connect(self._target_changed)
        self.task = QComboBox()
        self.task.setObjectName("csv_task")
        self.task.setAccessibleName("Task")
        self.task.addItems(["auto", "classification", "regression"])
        self.task.setToolTip("classification: the target names a class; regression: the target is a number; "
                             "auto decides from the values")
        self.error = QLabel()
        self.error.setObjectName("csv_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d9534f")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        # mnemonics (Alt+letter) reach each field without a mouse
        form.addRow("&File", row)
        form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget().setBuddy(self.path)
        form.addRow("&Input columns", self.inputs)
        form.addRow("Ta&rget column", self.target)
        form.addRow("T&ask", self.task)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(640, 520)

    def _browse(self) -> None:
        path = dialogs.choose_path(self, "open", "Choose a CSV file", os.getcwd(), "CSV tables (*.csv)")
        if path:
            self.set_path(path)

    def set_path(self, path: str) -> bool:
        self.path.setText(path)
        self.inputs.clear()
        self.target.clear()
        self.table.clear()
        try:
            header, rows = read_head(path)
        except DatasetError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        self.table.setColumnCount(len(header))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(header)
        for r, values in enumerate(rows):
            for c, value in enumerate(values[:len(header)]):
                self.table.setItem(r, c, QTableWidgetItem(value))
        for name in header:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            self.inputs.addItem(item)
        self.target.blockSignals(True)
        self.target.addItems(header)
        self.target.blockSignals(False)
        self.set_columns(header[:-1], header[-1])  # by default: every column predicts the last one
        return True

    def _target_changed(self, name: str) -> None:
        for i in range(self.inputs.count()):
            item = self.inputs.item(i)
            if item.text() == name:
                item.setCheckState(Qt.CheckState.Unchecked)

    def set_columns(self, inputs: list[str], target: str) -> None:
        self.target.setCurrentText(target)
        for i in range(self.inputs.count()):
            item = self.inputs.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in inputs else Qt.CheckState.Unchecked)

    def csv_params(self) -> dict[str, Any]:
        inputs = [self.inputs.item(i).text() for i in range(self.inputs.count())
                  if self.inputs.item(i).checkState() == Qt.CheckState.Checked]
        return {"path": self.path.text().strip(), "inputs": ",".join(inputs),
                "target": self.target.currentText(), "task": self.task.currentText()}

    def try_accept(self) -> bool:
        """Load the table with the chosen columns; accept on success, else show why and stay open."""
        params = self.csv_params()
        inputs = params["inputs"].split(",") if params["inputs"] else []
        if not inputs:
            self.error.setText("Tick at least one input column")
            return False
        if params["target"] in inputs:
            self.error.setText(f"The target column {params['target']!r} cannot also be an input")
            return False
        try:
            self.bundle = load_csv_bundle(params)
        except DatasetError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        self.accept()
        return True

    def run(self) -> bool:
        return dialogs.exec_dialog(self, accept=lambda: self.bundle is not None or self.try_accept())
