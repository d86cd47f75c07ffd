"""Choose a dataset and its parameters, with a live preview; import a CSV file.

A change of dataset or parameter is debounced, the data is generated on the
GUI thread (toy datasets take milliseconds), previewed, and announced with
``bundle_changed``. A bad parameter shows its message in red and keeps the
last good data.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.data import DATASETS, DataBundle, DatasetError, make_dataset
from playground.ui.csv_dialog import CsvDialog, load_csv_bundle
from playground.ui.dataset_preview import DatasetPreview
from playground.ui.param_form import ParamForm

CSV = "csv"


def build_bundle(name: str, params: dict[str, Any] | None) -> DataBundle:
    """The dataset ``name`` with ``params``; DatasetError (saying what is wrong) on any problem."""
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise DatasetError(f"unknown dataset {name!r} (choose one of {known})")
    if name == CSV:
        return load_csv_bundle(dict(params or {}))
    return make_dataset(name, params)


class DatasetPanel(QWidget):
    """Emits ``bundle_changed(bundle)`` whenever new data is ready."""

    bundle_changed = Signal(object)
    DEBOUNCE_MS = 200

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bundle: DataBundle | None = None
        self.name = ""
        self._loading = False
        self.combo = QComboBox()
        self.combo.setObjectName("dataset_combo")
        self.combo.setToolTip("The data the network learns from")
        for category in ("2-D", "sequence", "image", "hierarchical", "table"):
            for d in sorted((d for d in DATASETS.values() if d.category == category), key=lambda d: d.name):
                self.combo.addItem(f"{d.title}  ({d.category})", d.name)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(14)
        self.combo.currentIndexChanged.connect(self._dataset_chosen)
        self.csv_button = QPushButton("Import CSV…")
        self.csv_button.setObjectName("import_csv")
        self.csv_button.setToolTip("Train on your own table: choose input and target columns from a CSV file")
        self.csv_button.clicked.connect(self.import_csv)
        top = QHBoxLayout()
        top.addWidget(self.combo, 1)
        top.addWidget(self.csv_button)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.form = ParamForm()
        self.form.changed.connect(self._schedule)
        self.error = QLabel()
        self.error.setObjectName("dataset_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d9534f")
        self.summary = QLabel()
        self.summary.setObjectName("dataset_summary")
        self.summary.setWordWrap(True)
        self.preview = DatasetPreview()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.description)
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self.regenerate)

    # -------------------------------------------------------------- choose
    def _dataset_chosen(self, _index: int) -> None:
        if self._loading:
            return
        name = self.combo.currentData()
        if name:
            self._show_form(name, None)
            self._schedule()

    def _show_form(self, name: str, params: dict[str, Any] | None) -> None:
        self.name = name
        d = DATASETS[name]
        self.description.setText(d.description)
        self.form.set_specs(d.params, params)

    def _schedule(self) -> None:
        self._timer.start()

    def params(self) -> dict[str, Any]:
        return self.form.values()

    def set_dataset(self, name: str, params: dict[str, Any] | None = None, emit: bool = True) -> bool:
        """Select ``name`` with ``params`` and generate it now; False (message shown) on failure."""
        self._loading = True
        try:
            index = self.combo.findData(name)
            if index >= 0:
                self.combo.setCurrentIndex(index)
                self._show_form(name, params)
        finally:
            self._loading = False
        if name not in DATASETS:
            self.error.setText(f"Unknown dataset {name!r}")
            return False
        return self.regenerate(emit=emit, params=params)

    def regenerate(self, emit: bool = True, params: dict[str, Any] | None = None) -> bool:
        self._timer.stop()
        try:
            bundle = build_bundle(self.name, params if params is not None else self.params())
        except DatasetError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        self.bundle = bundle
        self.summary.setText(bundle.describe())
        self.preview.show_bundle(bundle)
        if emit:
            self.bundle_changed.emit(bundle)
        return True

    # ---------------------------------------------------------------- shown
    def show_bundle(self, bundle: DataBundle) -> None:
        """Show data that is already made (e.g. embedded in an opened session) without regenerating."""
        self._loading = True
        try:
            index = self.combo.findData(bundle.name)
            if index >= 0:
                self.combo.setCurrentIndex(index)
                self._show_form(bundle.name, bundle.params)
        finally:
            self._loading = False
        self.error.setText("")
        self.bundle = bundle
        self.summary.setText(bundle.describe())
        self.preview.show_bundle(bundle)

    # ----------------------------------------------------------------- CSV
    def import_csv(self) -> bool:
        """Ask for a CSV file and its columns; on success the table becomes the dataset."""
        dialog = CsvDialog(self)
        try:
            bundle = dialog.bundle if dialog.run() else None
        finally:
            dialog.deleteLater()  # one dialog per import, not one more child of the panel each time
        if bundle is None:
            return False
        self.show_bundle(bundle)
        self.bundle_changed.emit(bundle)
        return True
