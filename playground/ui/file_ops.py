"""File work of the main window: new, open, save, save as, recent files, examples,
the unsaved-changes prompt, autosave and the recovery prompt after a crash.

A session file that cannot be read, or a folder that cannot be written, becomes
a message box; the window and everything in it stay as they were.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from playground.data import DATASETS, DatasetError
from playground.graph.model import Graph
from playground.graph.templates import TEMPLATES
from playground.session.autosave import Autosaver, find_recoverable
from playground.session.errors import SessionError
from playground.session.fileformat import load_session, save_session
from playground.train.config import TrainConfig, default_config
from playground.ui import dialogs
from playground.ui.settings import add_recent_file, recent_files, remove_recent_file

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow

SAVE, DISCARD, CANCEL = "Save", "Discard", "Cancel"
SESSION_FILTER = "Neural Playground sessions (*.playground)"
AUTOSAVE_INTERVAL_S = 60.0


def template_config(name: str) -> TrainConfig:
    template = TEMPLATES[name]
    category = DATASETS[template.dataset].category if template.dataset in DATASETS else None
    return default_config(category, **template.config)


class FileOps(QObject):
    """Owns the current file path and the autosaver of one window."""

    def __init__(self, window: MainWindow, autosave: bool = True) -> None:
        super().__init__(window)
        self.window = window
        self.path: str | None = None
        self.autosaver: Autosaver | None = None
        if autosave:
            try:
                self.autosaver = Autosaver(window.snapshot_session, AUTOSAVE_INTERVAL_S)
            except (SessionError, OSError) as exc:
                window.show_message(f"Autosave is off: {exc}")

    # ------------------------------------------------------------------ new
    def new_blank(self) -> bool:
        if not self.maybe_save("start a new network"):
            return False
        graph = Graph()
        self.window.load_network(graph, None, None, None, title_path=None)
        self.path = None
        self.window.update_title()
        return True

    def new_from_template(self, name: str) -> bool:
        if not self.maybe_save("open the template"):
            return False
        return self.load_template(name)

    def open_example(self, name: str) -> bool:
        """An example is a template that starts training at once, so a person sees it learn."""
        if not self.new_from_template(name):
            return False
        return self.window.controller.start()

    def load_template(self, name: str) -> bool:
        template = TEMPLATES.get(name)
        if template is None:
            dialogs.inform(self.window, "Unknown template", f"There is no template called {name!r}.")
            return False
        ok = self.window.load_network(template.build(), template.dataset, dict(template.dataset_params),
                                      template_config(name), title_path=None)
        self.path = None
        self.window.update_title()
        return ok

    # ----------------------------------------------------------------- open
    def open_dialog(self) -> bool:
        if not self.maybe_save("open another session"):
            return False
        start = os.path.dirname(self.path) if self.path else os.getcwd()
        path = dialogs.choose_path(self.window, "open", "Open session", start, SESSION_FILTER)
        return self.open_path(path) if path else False

    def open_path(self, path: str) -> bool:
        """Open a session file; on any problem show what is wrong and keep the current work."""
        try:
            session = load_session(path)
            bundle = session.bundle()
        except (SessionError, DatasetError) as exc:
            dialogs.inform(self.window, "Cannot open session", str(exc))
            if not os.path.exists(path):
                remove_recent_file(self.window.settings, path)
                self.refresh_recent_menu()
            return False
        if not self.window.apply_session(session, bundle):
            return False
        self.path = os.path.abspath(path)
        add_recent_file(self.window.settings, self.path)
        self.refresh_recent_menu()
        if self.autosaver is not None:
            self.autosaver.mark_clean(self.path)
        self.window.update_title()
        if session.warnings:
            self.window.show_message("; ".join(session.warnings))
        return True

    def open_recent(self, path: str) -> bool:
        if not self.maybe_save("open another session"):
            return False
        return self.open_path(path)

    def refresh_recent_menu(self) -> None:
        menu = self.window.window_actions.recent_menu
        menu.clear()
        files = recent_files(self.window.settings)
        for path in files:
            action = menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        menu.setEnabled(bool(files))

    # ----------------------------------------------------------------- save
    def save(self) -> bool:
        return self.save_to(self.path) if self.path else self.save_as()

    def save_as(self) -> bool:
        start = self.path or os.path.join(os.getcwd(), "untitled.playground")
        path = dialogs.choose_path(self.window, "save", "Save session as", start, SESSION_FILTER)
        if not path:
            return False
        if not path.endswith(".playground"):
            path += ".playground"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Save now (pausing a running trainer for a consistent snapshot); False with a message on failure."""
        controller = self.window.controller
        was_running = controller.state == "running"
        if was_running:
            controller.pause()
            deadline = time.monotonic() + 5.0
            while controller.trainer is not None and controller.trainer.state == "running" \
                    and time.monotonic() < deadline:
                time.sleep(0.005)
        try:
            save_session(self.window.snapshot_session(), path)
        except SessionError as exc:
            dialogs.inform(self.window, "Cannot save session", str(exc))
            return False
        finally:
            if was_running:
                controller.resume()
        self.path = os.path.abspath(path)
        add_recent_file(self.window.settings, self.path)
        self.refresh_recent_menu()
        self.window.mark_saved()
        if self.autosaver is not None:
            self.autosaver.mark_clean(self.path)
        self.window.update_title()
        self.window.show_message(f"Saved {self.path}")
        return True

    def maybe_save(self, doing: str) -> bool:
        """Unsaved work: ask Save / Discard / Cancel. True when it is fine to go on."""
        if not self.window.is_modified():
            return True
        name = os.path.basename(self.path) if self.path else "this session"
        answer = dialogs.ask(self.window, "Unsaved changes",
                             f"Save the changes to {name} before you {doing}?",
                             [SAVE, DISCARD, CANCEL], DISCARD if dialogs.prompts_suppressed() else SAVE,
                             kind="warning")
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    # ------------------------------------------------------------- autosave
    def tick_autosave(self) -> None:
        """Called about once a second; a running trainer is left alone (its run autosaves when it ends)."""
        if self.autosaver is None or self.window.controller.state == "running":
            return
        if self.window.is_modified():
            self.autosaver.mark_dirty()
        self.autosaver.maybe_autosave()

    def training_stopped(self) -> None:
        if self.autosaver is not None and self.window.controller.has_weights():
            self.autosaver.on_training_stopped()

    def close_autosave(self) -> None:
        if self.autosaver is not None:
            self.autosaver.close()
            self.autosaver = None

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave; True if it was restored."""
        if dialogs.prompts_suppressed() and dialogs._answerer is None:
            return False
        found = find_recoverable()
        if not found:
            return False
        newest = found[0]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newest.saved_at))
        source = f" ({newest.source})" if newest.source else ""
        answer = dialogs.ask(self.window, "Recover unsaved work",
                             f"Neural Playground did not close properly. Recover the work autosaved "
                             f"at {when}{source}?", ["Recover", "Discard", "Later"], "Recover")
        if answer == "Later":
            return False
        if answer == "Discard":
            for item in found:
                item.discard()
            return False
        try:
            session = newest.load()
            bundle = session.bundle()
        except (SessionError, DatasetError) as exc:
            dialogs.inform(self.window, "Cannot recover", f"The autosave cannot be opened: {exc}")
            return False
        if not self.window.apply_session(session, bundle):
            return False
        self.path = newest.source if newest.source and os.path.exists(newest.source) else None
        for item in found:
            item.discard()
        self.window.set_modified()
        self.window.update_title()
        return True
