"""File work: new, open, save, save as, recent files, examples, the unsaved-changes prompt,
autosave, checkpoints of a running session, and the recovery prompt after a crash.

Saving never holds up the window: the GUI thread only takes a snapshot whose tensors are
copies (between two training steps, through ``Trainer.at_break``, or while the trainer
is paused or idle), and ``SessionWriter`` serializes, compresses and writes it on its own
thread. A save a person asked for waits for the writer in a local event loop, so the window
keeps drawing and answering meanwhile. While training runs, a checkpoint goes to the
autosave file every ``checkpoint_interval_s()`` (25 s) and at every pause.

Every way of loading (New, a template, an example, a file, a recovered autosave) ends in
:meth:`FileOps.load`, i.e. ``Workspace.load``; panels, canvas and training controller follow
the workspace's ``loaded`` event. A session file that cannot be read, or a folder that cannot
be written, becomes a message box; the work in the window stays as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QMenu, QWidget

from playground.data import DataBundle, DatasetError
from playground.graph.model import Graph
from playground.session.autosave import Autosaver
from playground.session.checkpoint import (
    SessionWriter,
    apply_training,
    capture_training,
    capture_while_paused,
    clone_tree,
)
from playground.session.errors import SessionError
from playground.session.fileformat import load_session
from playground.session.model import Session
from playground.session.validate import fit_session_weights
from playground.ui import dialogs
from playground.ui.recovery import offer_recovery
from playground.ui.settings import add_recent_file, recent_files, remove_recent_file
from playground.ui.training_controller import TrainingController
from playground.workspace import Workspace, template_session

SAVE, DISCARD, CANCEL = "Save", "Discard", "Cancel"
SESSION_FILTER = "Neural Playground sessions (*.playground)"
AUTOSAVE_INTERVAL_S = 60.0
PAUSE_WAIT_S = 5.0  # a consistent snapshot needs the training thread between two steps
CHECKPOINT_TICK_MS = 500


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
        self.writer = SessionWriter()
        self._saving = False
        self._pause_saved = False  # this pause's checkpoint is written
        self._closing = False  # the window is closing: a run stopped now needs no autosave
        controller.restore_failed.connect(self._restore_failed)
        controller.run_finished.connect(self.training_stopped)
        if autosave:
            try:
                self.autosaver = Autosaver(self.snapshot, AUTOSAVE_INTERVAL_S, writer=self.writer)
            except (SessionError, OSError) as exc:
                show_message(f"Autosave is off: {exc}")
            self._checkpoint_timer = QTimer(self)
            self._checkpoint_timer.setInterval(CHECKPOINT_TICK_MS)
            self._checkpoint_timer.timeout.connect(self.tick_autosave)
            self._checkpoint_timer.start()

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
        """The work as a Session with tensors of its own (on the GUI thread, with the trainer
        paused or idle), weights fitted to the network."""
        session = self._copy_of_work()
        fitted = self._fit(session)
        if fitted:
            self.show_message("Saved with the weights fitted to the network: " + "; ".join(fitted))
        return session

    def _copy_of_work(self) -> Session:
        """The snapshot before fitting: cheap copies (the trainer paused or idle)."""
        self.controller.store_training()
        session = self.workspace.to_session()
        session.optimizer_state = clone_tree(session.optimizer_state)  # the trainer goes on with its own
        session.trainer_state = clone_tree(session.trainer_state)
        if self.controller.trainer is not None:
            session.record = self.controller.buffer.export_record()
        return session

    def _paused_snapshot(self) -> tuple[Session, Callable[[Session], list[str]]]:
        """The work without what was learned, and the ``prepare`` that adds it on the writer
        thread (copied there while the trainer stays paused), then fits the weights. The GUI
        thread copies only the graph and settings: copying 10M weights here stalled the window."""
        trainer = self.controller.trainer
        if trainer is None or trainer.step == 0 or not self.controller.trainer_matches_inputs():
            return self._copy_of_work(), self._fit
        base = self.workspace.to_session()

        def prepare(session: Session) -> list[str]:  # on the writer thread
            captured = capture_while_paused(trainer)
            if captured is None:
                raise SessionError("training went on before the snapshot was taken; nothing was written, "
                                   "try again")
            apply_training(session, captured)
            return self._fit(session)

        return base, prepare

    def _fit(self, session: Session) -> list[str]:
        bundle = self.workspace.bundle
        # weights that no longer fit the edited network are fitted, never saved as they are
        return fit_session_weights(session, bundle.task) if bundle is not None else []

    def _running_snapshot(self, deliver) -> bool:
        """Ask the training thread for a copy of what it learned at its next step boundary;
        ``deliver(session)`` then runs there (False if there is no running trainer to ask)."""
        trainer = self.controller.trainer
        if trainer is None or self.controller.state != "running" or not self.controller.trainer_matches_inputs():
            return False
        base = self.workspace.to_session()
        if self.workspace.bundle is not None and self.workspace.bundle is not trainer.bundle:
            return False

        def capture() -> None:  # on the training thread, between two steps: records nothing
            trainer.at_break = None
            try:
                session = apply_training(base, capture_training(trainer))
                session.config = trainer.config
                deliver(session)
            except Exception as exc:  # a checkpoint that fails must never stop the run
                if self.autosaver is not None:
                    self.autosaver.last_error = f"checkpoint failed: {exc}"

        trainer.at_break = capture
        return True

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
        """Save now; False with a message on failure. The snapshot is taken between two training
        steps (training goes on), the file written on the writer's thread while the window
        keeps running; this returns once the file is complete."""
        if self._saving:
            self.show_message("A save is already under way")
            return False
        self._saving = True
        try:
            error, notes = self._save_and_wait(path)
        finally:
            self._saving = False
        if error is not None:
            dialogs.inform(self.parent_widget, "Cannot save session", str(error))
            return False
        if notes:
            self.show_message("Saved with the weights fitted to the network: " + "; ".join(notes))
        path = os.path.abspath(path)
        self.workspace.mark_saved(path)
        add_recent_file(self.settings, path)
        self.refresh_recent_menu()
        if self.autosaver is not None:
            self.autosaver.mark_clean(path)
        self.show_message(f"Saved {path}")
        return True

    def _save_and_wait(self, path: str) -> tuple[SessionError | None, list[str]]:
        notes: list[str] = []
        handed: list[object] = []

        def prepare(session: Session) -> None:  # on the writer thread
            notes.extend(self._fit(session))

        def deliver(session: Session) -> None:  # on the training thread
            handed.append(self.writer.submit(session, path, prepare))

        if self._running_snapshot(deliver):
            if not self._wait_until(lambda: bool(handed) or self.controller.state != "running", PAUSE_WAIT_S):
                return SessionError(f"training did not reach the end of a step within {PAUSE_WAIT_S:.0f} s; "
                                    "nothing was written. Try again.", path), []
        if not handed:  # paused, idle, or the run ended meanwhile
            trainer = self.controller.trainer
            if trainer is not None:
                trainer.at_break = None
            was_running = self.controller.state == "running"
            if was_running:
                self.controller.pause()
            if not self._wait_until(lambda: self.controller.pause(wait=0.0), PAUSE_WAIT_S):
                self.controller.resume()
                return SessionError(f"training did not pause within {PAUSE_WAIT_S:.0f} s; nothing was "
                                    "written. Try again.", path), []
            session, add_training = self._paused_snapshot()

            handed.append(self.writer.submit(session, path, lambda s: notes.extend(add_training(s))))
            future = handed[0]
            self._wait_until(future.done, None)  # type: ignore[attr-defined]
            if was_running:
                self.controller.resume()
        future = handed[0]
        self._wait_until(future.done, None)  # type: ignore[attr-defined]
        return future.result(), notes  # type: ignore[attr-defined]

    @staticmethod
    def _wait_until(done: Callable[[], bool], timeout_s: float | None) -> bool:
        """Run the event loop until ``done()`` (the window keeps drawing); False after ``timeout_s``."""
        if done():
            return True
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(5)
        poll.timeout.connect(lambda: done() and loop.quit())
        poll.start()
        if timeout_s is not None:
            QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        poll.stop()
        return bool(done())

    def maybe_save(self, doing: str) -> bool:
        """Unsaved work: ask Save / Discard / Cancel. True when it is fine to go on."""
        if not self.workspace.is_modified():
            return self._going_on(True, doing)
        name = os.path.basename(self.path) if self.path else "this session"
        answer = dialogs.ask(self.parent_widget, "Unsaved changes",
                             f"Save the changes to {name} before you {doing}?",
                             [SAVE, DISCARD, CANCEL], DISCARD if dialogs.prompts_suppressed() else SAVE,
                             kind="warning")
        if answer == SAVE:
            return self._going_on(self.save(), doing)
        return self._going_on(answer == DISCARD, doing)

    def _going_on(self, ok: bool, doing: str) -> bool:
        self._closing = ok and doing == "close the window"
        return ok

    # ------------------------------------------------------------- autosave
    def tick_autosave(self) -> None:
        """Called on a timer: checkpoints while training runs and at each pause, else the
        autosave of unsaved edits."""
        saver = self.autosaver
        if saver is None or self._saving:
            return
        state = self.controller.state
        if state != "paused":
            self._pause_saved = False
        if state == "running":
            trainer = self.controller.trainer
            waiting = trainer is not None and trainer.at_break is not None
            if not waiting and saver.checkpoint_due() and self._running_snapshot(lambda s: saver.save(s, self._fit)):
                saver.checkpoint_taken()
            return
        if state == "paused":
            # the pause's own record is taken first; then the trainer waits and can be copied
            # (asking, not pausing: a run resumed since the last poll must not be paused again)
            if not self._pause_saved and self.controller.waiting_paused():
                trainer = self.controller.trainer
                if trainer is not None:
                    trainer.at_break = None
                self._pause_saved = saver.save(*self._paused_snapshot())
                saver.checkpoint_taken()
            return
        if self.workspace.is_modified():
            saver.mark_dirty()
        saver.maybe_autosave()

    def training_stopped(self) -> None:
        if self.controller.trainer is not None:
            self.controller.trainer.at_break = None  # a checkpoint asked for too late: the stop saves
        if self.autosaver is not None:
            self.autosaver.run_ended()
            if self.controller.has_weights() and not self._closing:
                self.autosaver.save(*self._paused_snapshot())

    def keep_for_recovery(self, timeout_s: float) -> None:
        """Quitting on a signal, asking nothing: unsaved work goes to the autosave, which stays for
        the next launch's recovery prompt (waits at most ``timeout_s`` for the write)."""
        self._closing = True  # the run stopped by the quit needs no second save
        if self.autosaver is not None and self.workspace.is_modified():
            self.autosaver.save(*self._paused_snapshot())
        self.writer.wait(timeout_s)

    def close_autosave(self) -> None:
        if self.autosaver is not None:
            self.autosaver.close()
            self.autosaver = None
        self.writer.close(5.0)

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave or checkpoint; True if it was restored."""
        return offer_recovery(self.parent_widget, self.load)
