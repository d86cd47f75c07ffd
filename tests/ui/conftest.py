"""Fixtures shared by the UI tests: scripted dialog answers, a main window on a private
settings file, and a view that draws on every refresh."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QSettings

from playground.ui import dialogs
from playground.ui.app import collect_on_gui_thread


@pytest.fixture(autouse=True, scope="session")
def _collector_on_the_gui_thread(qapp) -> Iterator[None]:
    """As in the app: Python's cycle collector runs only on the GUI thread (a collection on a
    training thread that frees a window of an earlier test deadlocks in its Qt destructor)."""
    collector = collect_on_gui_thread(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _earlier_windows_go_on_the_gui_thread() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture
def asked() -> list[dialogs.Question]:
    """Every question a dialog asked during the test, in order."""
    return []


@pytest.fixture
def answers(tmp_path, monkeypatch, asked) -> Iterator[dict[str, object]]:
    """Answers by dialog title (a value, or a function of the question); unanswered questions take
    their default. Autosaves go to the test's own folder."""
    monkeypatch.setenv("PLAYGROUND_STATE_DIR", str(tmp_path / "state"))
    given: dict[str, object] = {}

    def answer(question: dialogs.Question):
        asked.append(question)
        value = given.get(question.title, question.default)
        return value(question) if callable(value) else value

    dialogs.set_answerer(answer)
    yield given
    dialogs.set_answerer(None)


@pytest.fixture
def open_window(qtbot, tmp_path, answers) -> Callable[..., object]:
    """``open_window(template="mlp")``: a shown MainWindow on a settings file in ``tmp_path`` (the
    same file for every window of the test, so layout and recent files carry over)."""
    from playground.ui.main_window import MainWindow

    def make(template: str | None = None):
        window = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        if template:
            assert window.file_ops.load_template(template)
        return window

    return make


@pytest.fixture
def view_of(qtbot) -> Callable[[type], object]:
    """``view_of(CurvesView)``: the view, drawing on every refresh (these tests check what is drawn,
    not when)."""

    def make(cls: type):
        view = cls()
        qtbot.addWidget(view)
        view.busy_budget = None
        return view

    return make
