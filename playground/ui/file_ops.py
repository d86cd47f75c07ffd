"""File work: new, open, save, save as, recent files, examples, the unsaved-changes prompt,
autosave and the recovery prompt after a crash.

Every way of loading (New, a template, an example, a file, a recovered autosave) ends in
:meth:`FileOps.load`, i.e. ``Workspace.load``; panels, canvas and training controller follow
the workspace's ``loaded`` event. A session file that cannot be read, or a folder that cannot
be written, becomes a message box; the work in the window stays as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMenu, QWidget

from playground.data import DataBundle, DatasetError
from playground.graph.model import Graph
from playground.session.autosave import Autosaver, find_recoverable
from playground.session.errors import SessionError
from playground.session.fileformat import load_session, save_session
from playground.session.model import Session
from playground.session.validate import fit_session_weights
from playground.ui import dialogs
from playground.ui.settings import add_recent_file, recent_files, remove_recent_file
from playground.ui.training_controller import TrainingController
from playground.workspace import Workspace, template_session

SAVE, DISCARD, CANCEL = "Save", "Discard", "Cancel"
SESSION_FILTER = "Neural Playground sessions (*.playground)"
AUTOSAVE_INTERVAL_S = 60.0
PAUSE_WAIT_S = 5.0  # a consistent snapshot needs the training thread between two steps


class FileOps(QObject):
    """The autosaver and the file work of one workspace. ``parent`` is the widget dialogs open
    over, ``show_message`` a status-bar line; ``recent_menu`` is filled once the menus exist."""

    recent_changed = Signal()

    def __init__(self, workspace: Workspace, controller: TrainingController, settings: QSettings,
                 parent: QWidget, show_message: Callable[[str], None], autosave: bool = True) -> None:
        super().__init__(parent)
        self.workspace, self.controller, self.settings = workspace, controller, settings
        self.parent_widget, self.show_message = parent, show_message
        self.recent_menu: QMenu | None = None
        self.autosaver: Autosaver | None = None
        controller.restore_failed.connect(self._restore_failed)
        controller.run_finished.connect(self.training_stopped)
        if autosave:
            try:
                self.autosaver = Autosaver(self.snapshot, AUTOSAVE_INTERVAL_S)
            except (SessionError, OSError) as exc:
                show_message(f"Autosave is off: {exc}")

    @property
    def path(self) -> str | None:
        return self.workspace.path

    # -------------------------------------------------------------- loading
    def load(self, session: Session, bundle: DataBundle | None = None, path: str | None = None,
             modified: bool = False, problem: str = "Cannot open session") -> bool:
        """The one way work comes into the window; False (with a message box) if it cannot."""
        try:
            notes = self.workspace.load(session, bundle, path=path, modified=modified)
        except (SessionError, DatasetError) as exc:
            dialogs.inform(self.parent_widget, problem, str(exc))
            return False
        notes = [*notes, *session.warnings]
        if notes:
            self.show_message("; ".join(notes))
        return True

    def _restore_failed(self, problem: str) -> None:
        dialogs.inform(self.parent_widget, "Training state not restored",
                       f"The network and data were opened, but the saved weights could not be used: {problem}",
                       kind="warning")

    def snapshot(self) -> Session:
        """The work as a Session (on the GUI thread; pause training first for exactness)."""
        self.controller.store_training()
        session = self.workspace.to_session()
        bundle = self.workspace.bundle
        if bundle is not None:  # weights that no longer fit the edited network are fitted, never saved as they are
            fitted = fit_session_weights(session, bundle.task)
            if fitted:
                self.show_message("Saved with the weights fitted to the network: " + "; ".join(fitted))
        return session

    # ------------------------------------------------------------------ new
    def new_blank(self) -> bool:
        """An empty network on the data and settings already chosen."""
        if not self.maybe_save("start a new network"):
            return False
        ws = self.workspace
        return self.load(Session(graph=Graph(), dataset=ws.dataset, dataset_params=dict(ws.dataset_params),
                                 config=ws.config), bundle=ws.bundle)

    def new_from_template(self, name: str) -> bool:
        if not self.maybe_save("open the template"):
            return False
        return self.load_template(name)

    def open_example(self, name: str) -> bool:
        """An example is a template that starts training at once, so a person sees it learn."""
        if not self.new_from_template(name):
            return False
        return self.controller.start()

    def load_template(self, name: str) -> bool:
        try:
            session, changes = template_session(name)
        except SessionError as exc:
            dialogs.inform(self.parent_widget, "Cannot use the template", str(exc))
            return False
        if not self.load(session, problem="Cannot use the template"):
            return False
        if changes:
            self.show_message("; ".join(changes))
        return True

    # ----------------------------------------------------------------- open
    def open_dialog(self) -> bool:
        if not self.maybe_save("open another session"):
            return False
        start = os.path.dirname(self.path) if self.path else os.getcwd()
        path = dialogs.choose_path(self.parent_widget, "open", "Open session", start, SESSION_FILTER)
        return self.open_path(path) if path else False

    def open_path(self, path: str) -> bool:
        """Open a session file; on any problem show what is wrong and keep the current work."""
        try:
            session = load_session(path)
        except SessionError as exc:
            dialogs.inform(self.parent_widget, "Cannot open session", str(exc))
            if not os.path.exists(path):
                remove_recent_file(self.settings, path)
                self.refresh_recent_menu()
            return False
        if not self.load(session, path=os.path.abspath(path)):
            return False
        add_recent_file(self.settings, os.path.abspath(path))
        self.refresh_recent_menu()
        if self.autosaver is not None:
            self.autosaver.mark_clean(os.path.abspath(path))
        return True

    def open_recent(self, path: str) -> bool:
        if not self.maybe_save("open another session"):
            return False
        return self.open_path(path)

    def refresh_recent_menu(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        files = recent_files(self.settings)
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
        path = dialogs.choose_path(self.parent_widget, "save", "Save session as", start, SESSION_FILTER)
        if not path:
            return False
        if not path.endswith(".playground"):
            path += ".playground"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Save now (pausing a running trainer for a consistent snapshot); False with a message on failure."""
        controller = self.controller
        was_running = controller.state == "running"
        if was_running and not controller.pause(wait=PAUSE_WAIT_S):
            controller.resume()
            dialogs.inform(self.parent_widget, "Cannot save session",
                           f"Training did not pause within {PAUSE_WAIT_S:.0f} s; nothing was written. Try again.")
            return False
        try:
            save_session(self.snapshot(), path)
        except SessionError as exc:
            dialogs.inform(self.parent_widget, "Cannot save session", str(exc))
            return False
        finally:
            if was_running:
                controller.resume()
        path = os.path.abspath(path)
        self.workspace.mark_saved(path)
        add_recent_file(self.settings, path)
        self.refresh_recent_menu()
        if self.autosaver is not None:
            self.autosaver.mark_clean(path)
        self.show_message(f"Saved {path}")
        return True

    def maybe_save(self, doing: str) -> bool:
        """Unsaved work: ask Save / Discard / Cancel. True when it is fine to go on."""
        if not self.workspace.is_modified():
            return True
        name = os.path.basename(self.path) if self.path else "this session"
        answer = dialogs.ask(self.parent_widget, "Unsaved changes",
                             f"Save the changes to {name} before you {doing}?",
                             [SAVE, DISCARD, CANCEL], DISCARD if dialogs.prompts_suppressed() else SAVE,
                             kind="warning")
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    # ------------------------------------------------------------- autosave
    def tick_autosave(self) -> None:
        """Called about once a second; a running trainer is left alone (its run autosaves when it ends)."""
        if self.autosaver is None or self.controller.state == "running":
            return
        if self.workspace.is_modified():
            self.autosaver.mark_dirty()
        self.autosaver.maybe_autosave()

    def training_stopped(self) -> None:
        if self.autosaver is not None and self.controller.has_weights():
            self.autosaver.on_training_stopped()

    def close_autosave(self) -> None:
        if self.autosaver is not None:
            self.autosaver.close()
            self.autosaver = None

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave; True if it was restored."""
        if dialogs.prompts_suppressed() and not dialogs.has_answerer():
            return False
        found = find_recoverable()
        if not found:
            return False
        newest = found[0]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newest.saved_at))
        source = f" ({newest.source})" if newest.source else ""
        answer = dialogs.ask(self.parent_widget, "Recover unsaved work",
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
        except SessionError as exc:
            # say why, and let the person drop it: otherwise the same failure is offered at every launch
            choice = dialogs.ask(self.parent_widget, "Cannot recover",
                                 f"The autosave cannot be opened: {exc}\n\nDiscard it?",
                                 ["Discard", "Keep"], "Keep", kind="warning")
            if choice == "Discard":
                newest.discard()
            return False
        path = newest.source if newest.source and os.path.exists(newest.source) else None
        if not self.load(session, path=path, modified=True, problem="Cannot recover"):
            return False
        for item in found:
            item.discard()
        return True
