"""Help ▸ About: what the app is and the versions of everything it runs on (for bug reports)."""

from __future__ import annotations

import platform
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground import __version__


def versions() -> dict[str, str]:
    """Name -> version of the app and what it runs on, in the order the About box lists them."""
    import numpy
    import pyqtgraph
    import PySide6
    import torch
    from PySide6.QtCore import qVersion

    return {"Neural Playground": __version__, "Python": platform.python_version(), "PyTorch": torch.__version__,
            "Qt": qVersion(), "PySide6": PySide6.__version__, "pyqtgraph": pyqtgraph.__version__,
            "NumPy": numpy.__version__, "System": f"{platform.system()} {platform.release()} ({platform.machine()})"}


def versions_text() -> str:
    return "\n".join(f"{name}: {version}" for name, version in versions().items())


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("About Neural Playground")
        intro = QLabel(
            f"<h3>Neural Playground {__version__}</h3>"
            "<p>Build networks from blocks, train them with real PyTorch and watch them learn.</p>")
        intro.setWordWrap(True)
        rows = "".join(f"<tr><td><b>{name}</b>&nbsp;&nbsp;</td><td>{value}</td></tr>"
                       for name, value in versions().items())
        self.table = QLabel(f"<table>{rows}</table>")
        self.table.setObjectName("about_versions")
        self.table.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.setAccessibleName("Versions")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setToolTip("Close this box (Escape)")
        self.copy = QPushButton("Copy Versions")
        self.copy.setObjectName("about_copy")
        self.copy.setAccessibleName("Copy versions")
        self.copy.setToolTip("Copy the versions to the clipboard, to paste into a bug report")
        self.copy.clicked.connect(self.copy_versions)
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def copy_versions(self) -> None:
        clipboard = QApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(versions_text() + f"\n({sys.executable})")
