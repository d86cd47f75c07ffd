"""The chooser of "Zero units/channels/heads…": one tick box per unit of the block."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


class UnitChooser(QDialog):
    """Lists ``count`` units named by ``noun`` ("units", "channels", "heads"); ``chosen()`` are the ticked."""

    def __init__(self, block: str, count: int, noun: str, chosen: tuple[int, ...] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Zero {noun} of {block}")
        self.setObjectName("unit_chooser")
        self.setAccessibleName(f"Choose the {noun} to zero")
        self.setToolTip(f"Tick the {noun} of {block} whose output reads zero")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{block} has {count} {noun}. Tick the ones to zero:"))
        self.list = QListWidget()
        self.list.setAccessibleName(f"{noun.capitalize()} of {block}")
        self.list.setToolTip(f"Ticked {noun} are zeroed; the others are left as they are")
        singular = noun[:-1] if noun.endswith("s") else noun
        for unit in range(count):
            item = QListWidgetItem(f"{singular} {unit}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if unit in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        for button in buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
            button.setToolTip("Zero the ticked ones" if buttons.buttonRole(button) == QDialogButtonBox.ButtonRole.AcceptRole
                              else "Change nothing")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def set_chosen(self, units: tuple[int, ...]) -> None:
        for i in range(self.list.count()):
            self.list.item(i).setCheckState(Qt.CheckState.Checked if i in units else Qt.CheckState.Unchecked)

    def chosen(self) -> tuple[int, ...]:
        return tuple(i for i in range(self.list.count())
                     if self.list.item(i).checkState() == Qt.CheckState.Checked)
