"""VariantTable: the variants to compare, one row each (a name and its changes), edited in place.

The list of ``VariantSpec`` is the model: every edit of a cell writes it there at once, and the
window reads the list, never the cells."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from playground.experiments.compare import MAX_VARIANTS, VariantSpec
from playground.experiments.compare_changes import join_changes, split_changes

CHANGES_HELP = ("Changes, separated by commas: a setting (lr=0.1, optimizer=sgd), a block's parameter "
                "(fc1.out_features=16), another template's network (template=plain_deep) or a copy of a "
                "layer after it (add_layer=fc1). Empty: the session as it is.")


class VariantTable(QWidget):
    def __init__(self, specs: list[VariantSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.specs = specs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Variant", "Changes"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName("Variants to compare")
        self.table.setToolTip("Each row is a variant: a name and its changes. " + CHANGES_HELP)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add Variant")
        self.add_button.setToolTip("Add a row for another variant")
        self.remove_button = QPushButton("Remove Variant")
        self.remove_button.setToolTip("Remove the selected variant")
        for button in (self.add_button, self.remove_button):
            button.setAccessibleName(button.text())
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.add(VariantSpec(self._free_name(), [])))
        self.remove_button.clicked.connect(self._remove_selected)
        self.table.itemChanged.connect(self._edited)
        self.show_specs()

    def show_specs(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.specs))
        for row, spec in enumerate(self.specs):
            name, changes = QTableWidgetItem(spec.name), QTableWidgetItem(join_changes(spec.changes))
            changes.setToolTip(CHANGES_HELP)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, changes)
        self.table.blockSignals(False)
        self.add_button.setEnabled(len(self.specs) < MAX_VARIANTS)
        self.table.resizeColumnToContents(0)

    def add(self, spec: VariantSpec) -> None:
        self.specs.append(spec)
        self.show_specs()

    def set_cell(self, row: int, column: int, text: str) -> None:
        """Type ``text`` into a cell, as a person would (the edit reaches the model)."""
        item = self.table.item(row, column)
        assert item is not None
        item.setText(text)

    def _free_name(self) -> str:
        names = {s.name for s in self.specs}
        i = len(self.specs) + 1
        while f"variant {i}" in names:
            i += 1
        return f"variant {i}"

    def _remove_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.specs):
            del self.specs[row]
            self.show_specs()

    def _edited(self, item: QTableWidgetItem) -> None:
        spec = self.specs[item.row()]
        if item.column() == 0:
            spec.name = item.text().strip()
        else:
            spec.changes = split_changes(item.text())
