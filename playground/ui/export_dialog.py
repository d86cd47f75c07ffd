"""File ▸ Export: choose formats (each with a line on what it is for), a folder and a name;
the files are written by ``export_files`` and any problem is one message saying what and where."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.ui import dialogs
from playground.ui.export_files import FORMATS, ExportProblem, export_files, output_paths
from playground.ui.file_ops import PAUSE_WAIT_S, FileOps

FOLDER_KEY = "export/folder"


def onnx_available() -> bool:
    return importlib.util.find_spec("onnx") is not None


class ExportDialog(QDialog):
    """``checks[key]`` per format, ``folder`` and ``name`` line edits; ``chosen()`` the formats ticked."""

    def __init__(self, folder: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Write this network as files you can use outside the playground."))
        self.checks: dict[str, QCheckBox] = {}
        for key, fmt in FORMATS.items():
            check = QCheckBox(f"{fmt.title} ({fmt.suffix.lstrip('_')})")
            check.setObjectName(f"export_{key}")
            check.setAccessibleName(fmt.title)
            check.setToolTip(fmt.description)
            check.setChecked(key == "python")
            about = QLabel(fmt.description)
            about.setWordWrap(True)
            about.setIndent(24)
            small = about.font()
            small.setPointSizeF(small.pointSizeF() * 0.92)
            about.setFont(small)
            if key == "onnx" and not onnx_available():
                check.setEnabled(False)
                check.setChecked(False)
                about.setText(fmt.description + " The onnx package is not installed: pip install onnx.")
            check.toggled.connect(self._update)
            layout.addWidget(check)
            layout.addWidget(about)
            self.checks[key] = check
        form = QFormLayout()
        self.folder = QLineEdit(folder)
        self.folder.setObjectName("export_folder")
        self.folder.setAccessibleName("Folder")
        self.folder.setToolTip("The folder the files are written to")
        browse = QPushButton("Browse…")
        browse.setObjectName("export_browse")
        browse.setAccessibleName("Choose folder")
        browse.setToolTip("Choose the folder")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        folder_label = QLabel("&Folder:")
        folder_label.setBuddy(self.folder)  # Alt+F; a row holding a layout gets no buddy of its own
        form.addRow(folder_label, row)
        self.name = QLineEdit(name)
        self.name.setObjectName("export_name")
        self.name.setAccessibleName("File name")
        self.name.setToolTip("The name of the files, without extension")
        form.addRow("&Name:", self.name)
        layout.addLayout(form)
        self.preview = QLabel()
        self.preview.setObjectName("export_preview")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("export_go")
        self.export_button.setToolTip("Write the files")
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.folder.textChanged.connect(self._update)
        self.name.textChanged.connect(self._update)
        self._update()
        self.resize(560, self.sizeHint().height())

    def chosen(self) -> list[str]:
        return [key for key, check in self.checks.items() if check.isChecked() and check.isEnabled()]

    def _browse(self) -> None:
        path = dialogs.choose_path(self, "folder", "Export to folder", self.folder.text())
        if path:
            self.folder.setText(path)

    def _update(self) -> None:
        kinds = self.chosen()
        files = output_paths(self.folder.text(), self.name.text(), kinds).values() if self.name.text().strip() else []
        names = ", ".join(os.path.basename(f) for f in files)
        self.preview.setText(f"Writes: {names}" if names else "Choose a format and a name.")
        self.export_button.setEnabled(bool(names))


def export_from_window(file_ops: FileOps, settings: QSettings, parent: QWidget,
                       show_message: Callable[[str], None]) -> list[str]:
    """The Export command: the dialog, then the files; the paths written ([] when cancelled or
    when it failed, with a message saying why)."""
    workspace, controller = file_ops.workspace, file_ops.controller
    if workspace.bundle is None:
        dialogs.inform(parent, "Cannot export", "Choose a dataset first: the export needs the shape of "
                       "the data the network reads.")
        return []
    path = workspace.path
    folder = str(settings.value(FOLDER_KEY, "")) or (os.path.dirname(path) if path else os.getcwd())
    name = os.path.splitext(os.path.basename(path))[0] if path else "network"
    dialog = ExportDialog(folder, name, parent)
    if not dialogs.exec_dialog(dialog):
        return []
    kinds, folder, name = dialog.chosen(), dialog.folder.text().strip(), dialog.name.text().strip()
    was_running = controller.state == "running"
    if was_running and not controller.pause(wait=PAUSE_WAIT_S):
        controller.resume()
        dialogs.inform(parent, "Cannot export", f"Training did not pause within {PAUSE_WAIT_S:.0f} s; "
                       "nothing was written. Try again.")
        return []
    try:
        session = file_ops.snapshot()
    finally:
        if was_running:
            controller.resume()
    try:
        written = export_files(session, workspace.bundle, kinds, folder, name)
    except ExportProblem as err:
        dialogs.inform(parent, "Cannot export", str(err))
        return []
    settings.setValue(FOLDER_KEY, folder)
    trained = "" if session.weights is not None else "\n\nThe network is untrained: press Train first to export what it learned."
    show_message(f"Exported {', '.join(os.path.basename(p) for p in written)} to {folder}")
    dialogs.inform(parent, "Exported", "Written:\n" + "\n".join(written) + trained, kind="info")
    return written
