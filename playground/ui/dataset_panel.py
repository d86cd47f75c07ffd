"""Choose a dataset and its parameters, with a live preview; import a CSV file.

The panel edits the Workspace's data and shows what the Workspace holds. A change of dataset
or parameter is debounced, then handed to ``Workspace.choose_dataset`` (toy datasets take
milliseconds on the GUI thread); the preview follows the workspace's events. A bad parameter
shows its message in red and the workspace keeps the last good data.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.data import DATASETS, DataBundle
from playground.data.registry import TASK_GROUPS
from playground.ui.csv_dialog import CsvDialog
from playground.ui.dataset_preview import DatasetPreview
from playground.ui.param_form import ParamForm
from playground.workspace import Workspace


def dataset_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """(group heading, [(label, name)]) for every registered dataset: classification, then
    regression, then your own data; within a group by category in the registry's order, then by
    name. Each label is marked with what the data is, e.g. "Plane  (2-D regression)"."""
    categories = list(dict.fromkeys(d.category for d in DATASETS.values()))
    groups = list(TASK_GROUPS) + sorted({d.task_group for d in DATASETS.values()} - set(TASK_GROUPS))
    out = []
    for group in groups:
        members = sorted((d for d in DATASETS.values() if d.task_group == group),
                         key=lambda d: (categories.index(d.category), d.name))
        if members:
            out.append((group.capitalize(), [(f"{d.title}  ({d.task_mark})", d.name) for d in members]))
    return out


def dataset_choices() -> list[tuple[str, str]]:
    """(label, name) for every registered dataset, in the order the panel lists them."""
    return [choice for _heading, choices in dataset_groups() for choice in choices]


class DatasetPanel(QWidget):
    DEBOUNCE_MS = 200

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._form_for = ""  # the dataset whose parameters the form shows
        self.combo = QComboBox()
        self.combo.setObjectName("dataset_combo")
        self.combo.setToolTip("The data the network learns from")
        self.combo.setAccessibleName("Dataset")
        self._fill_combo()
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
        workspace.loaded.connect(self._show_workspace)
        workspace.dataset_changed.connect(lambda _bundle: self._show_workspace())
        workspace.dataset_failed.connect(self.error.setText)
        self._show_workspace()

    def _fill_combo(self) -> None:
        """Group headings are items that cannot be chosen (the arrow keys skip them)."""
        model = self.combo.model()
        assert isinstance(model, QStandardItemModel)
        bold = QFont(self.combo.font())
        bold.setBold(True)
        for heading, choices in dataset_groups():
            header = QStandardItem(heading)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setFont(bold)
            header.setToolTip(f"{heading} datasets")
            model.appendRow(header)
            for label, name in choices:
                self.combo.addItem(label, name)
                self.combo.setItemData(self.combo.count() - 1, DATASETS[name].description,
                                       Qt.ItemDataRole.ToolTipRole)

    @property
    def bundle(self) -> DataBundle | None:
        """The data being shown: the workspace's."""
        return self.workspace.bundle

    # -------------------------------------------------------------- choose
    def _dataset_chosen(self, _index: int) -> None:
        name = self.combo.currentData()
        if name:
            self._show_form(name, None)
            self._schedule()

    def _show_form(self, name: str, params: dict | None) -> None:
        self._form_for = name
        d = DATASETS[name]
        self.description.setText(d.description)
        self.form.set_specs(d.params, params)

    def _schedule(self) -> None:
        self._timer.start()

    def regenerate(self) -> bool:
        """Hand the chosen dataset and the form's parameters to the workspace now."""
        self._timer.stop()
        name = self.combo.currentData()
        return bool(name) and self.workspace.choose_dataset(name, self.form.values())

    # ---------------------------------------------------------------- shown
    def _show_workspace(self) -> None:
        """Show the workspace's data (after a load, or once new data was made)."""
        self._timer.stop()
        workspace = self.workspace
        index = self.combo.findData(workspace.dataset)
        if index >= 0:
            with QSignalBlocker(self.combo):
                self.combo.setCurrentIndex(index)
            # rebuilding the form under a person's fingers would take away the editor they type in
            if self._form_for != workspace.dataset or self.form.values() != workspace.dataset_params:
                self._show_form(workspace.dataset, workspace.dataset_params)
        self.error.setText("")
        bundle = workspace.bundle
        self.summary.setText(bundle.describe() if bundle is not None else "")
        if bundle is not None:
            self.preview.show_bundle(bundle)

    # ----------------------------------------------------------------- CSV
    def import_csv(self) -> bool:
        """Ask for a CSV file and its columns; on success the table becomes the workspace's data."""
        dialog = CsvDialog(self)
        try:
            bundle = dialog.bundle if dialog.run() else None
        finally:
            dialog.deleteLater()  # one dialog per import, not one more child of the panel each time
        if bundle is None:
            return False
        self.workspace.use_bundle(bundle)
        return True
