"""Every modal question the app asks goes through :func:`ask` or :func:`choose_path`.

One small routing point lets tests answer dialogs (``set_answerer``) and lets
``PLAYGROUND_NO_AUTOSAVE_PROMPT=1`` suppress modal prompts entirely: the
default answer is taken and the question is recorded in ``history``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget


@dataclass
class Question:
    kind: str  # "question", "warning", "error", "info", "open", "save", "folder", "text", "dialog"
    title: str
    text: str
    choices: list[str] = field(default_factory=list)
    default: str = ""
    widget: Any = None  # the dialog itself, for exec_dialog (tests fill it in and answer "OK")


Answerer = Callable[[Question], "str | None"]
_answerer: Answerer | None = None
history: list[Question] = []


def set_answerer(answerer: Answerer | None) -> None:
    """Answer every following dialog with ``answerer(question)`` (None restores real dialogs)."""
    global _answerer
    _answerer = answerer


def has_answerer() -> bool:
    """True while a test (or script) answers the dialogs."""
    return _answerer is not None


def prompts_suppressed() -> bool:
    return os.environ.get("PLAYGROUND_NO_AUTOSAVE_PROMPT", "") == "1"


def _route(question: Question) -> tuple[bool, str | None]:
    """(handled, answer): handled when a test answerer or suppression decides."""
    history.append(question)
    del history[:-200]
    if _answerer is not None:
        return True, _answerer(question)
    if prompts_suppressed():
        return True, question.default or None
    return False, None


def ask(parent: QWidget | None, title: str, text: str, choices: list[str], default: str,
        kind: str = "question") -> str:
    """Ask a question with named buttons; return the chosen button text (``default`` on Escape)."""
    handled, answer = _route(Question(kind, title, text, list(choices), default))
    if handled:
        return answer if answer in choices else default
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setText(text)
    box.setIcon(QMessageBox.Icon.Warning if kind == "warning" else QMessageBox.Icon.Question)
    buttons = {}
    for choice in choices:
        role = QMessageBox.ButtonRole.RejectRole if choice == "Cancel" else QMessageBox.ButtonRole.AcceptRole
        buttons[box.addButton(choice, role)] = choice
        if choice == default:
            box.setDefaultButton(list(buttons)[-1])
    box.exec()
    return buttons.get(box.clickedButton(), default)


def inform(parent: QWidget | None, title: str, text: str, kind: str = "error") -> None:
    """Show a message (an error a person can act on); never raises."""
    handled, _ = _route(Question(kind, title, text, ["OK"], "OK"))
    if handled:
        return
    icon = {"error": QMessageBox.Icon.Critical, "warning": QMessageBox.Icon.Warning}.get(
        kind, QMessageBox.Icon.Information)
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.exec()


def choose_path(parent: QWidget | None, mode: str, title: str, directory: str = "",
                name_filter: str = "Playground sessions (*.playground)") -> str | None:
    """A file path from an open (``mode="open"``) or save (``"save"``) dialog, or a folder
    (``"folder"``); None if cancelled."""
    handled, answer = _route(Question(mode, title, directory, [], ""))
    if handled:
        return answer or None
    if mode == "folder":
        path = QFileDialog.getExistingDirectory(parent, title, directory)
    elif mode == "open":
        path, _ = QFileDialog.getOpenFileName(parent, title, directory, name_filter)
    else:
        path, _ = QFileDialog.getSaveFileName(parent, title, directory, name_filter)
    return path or None


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """One line of text (e.g. a group's title); None if cancelled. A test answerer's reply is
    the text; under suppressed prompts the current ``text`` is kept."""
    handled, answer = _route(Question("text", title, label, [], text))
    if handled:
        return answer
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok else None


def exec_dialog(dialog: QDialog, accept: Any = None) -> bool:
    """Run a custom modal dialog; True if accepted. A test answerer gets the dialog as
    ``question.widget`` and answers "OK" (then ``accept()`` is called) or anything else."""
    handled, answer = _route(Question("dialog", dialog.windowTitle(), "", ["OK", "Cancel"], "Cancel",
                                      widget=dialog))
    if handled:
        return answer == "OK" and bool(accept() if accept else True)
    return dialog.exec() == QDialog.DialogCode.Accepted
