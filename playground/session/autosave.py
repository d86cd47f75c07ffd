"""Autosave and crash recovery.

The app owns one :class:`Autosaver`. It is a plain object, not a thread or a
timer: the app calls ``maybe_autosave()`` from its own UI timer and
``on_training_stopped()`` when a run ends. Saving therefore happens on the
thread that owns the Graph (which is not thread-safe), at moments the app
chooses, and tests drive it with an explicit clock — no Qt, no races.

Each running instance keeps two files in ``<state dir>/instances/``: a JSON
marker (pid, start time, the file the session came from, the autosave file)
and a ``.lock`` file it holds an exclusive OS lock on for its whole life.
When a process dies the OS releases the lock, so the next launch's
:func:`find_recoverable` can tell crashed instances (lock free, autosave
present) from live ones. A clean :meth:`Autosaver.close` removes all three.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from playground.session.atomic import atomic_write
from playground.session.checkpoint import SessionWriter, checkpoint_interval_s
from playground.session.errors import SessionError
from playground.session.fileformat import load_session, save_session
from playground.session.model import Session

ENV_VAR = "PLAYGROUND_STATE_DIR"
DEFAULT_INTERVAL_S = 60.0


def state_dir() -> Path:
    """Where autosaves live: ``$PLAYGROUND_STATE_DIR`` or the platform's user state folder."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir("neural-playground", appauthor=False))


def _lock(f: IO[bytes]) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False if someone holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


@dataclass
class Recoverable:
    """A session autosaved by an instance that did not shut down cleanly."""

    autosave_path: Path
    marker_path: Path
    source: str | None  # the file the session was opened from / saved to, if any
    saved_at: float  # modification time of the autosave
    pid: int

    def load(self) -> Session:
        return load_session(str(self.autosave_path))

    def discard(self) -> None:
        for p in (self.autosave_path, self.marker_path, self.marker_path.with_suffix(".lock")):
            with contextlib.suppress(OSError):
                p.unlink()


def find_recoverable(folder: str | os.PathLike[str] | None = None) -> list[Recoverable]:
    """Autosaves left by crashed instances, newest first. Stale markers without one are cleaned up."""
    inst = Path(folder) if folder is not None else state_dir()
    inst = inst / "instances"
    found: list[Recoverable] = []
    if not inst.is_dir():
        return found
    for marker in sorted(inst.glob("*.json")):
        lock_path = marker.with_suffix(".lock")
        try:
            with open(lock_path, "ab") as lf:
                if not _lock(lf):
                    continue  # a live instance holds it
                info = json.loads(marker.read_text("utf-8"))
            autosave = inst / str(info.get("autosave", ""))
            pid = int(info.get("pid", 0))
            source = info.get("source")
        except (OSError, ValueError, TypeError, AttributeError):
            continue
        if autosave.parent != inst or not autosave.is_file():
            Recoverable(autosave, marker, None, 0.0, pid).discard()
            continue
        found.append(Recoverable(autosave, marker, source if isinstance(source, str) else None,
                                 autosave.stat().st_mtime, pid))
    found.sort(key=lambda r: r.saved_at, reverse=True)
    return found


class Autosaver:
    """Saves ``snapshot()`` to the state folder every ``interval_s`` while there are unsaved changes.

    ``snapshot`` is called on the caller's thread and must return the current Session (with
    tensors of its own when a ``writer`` is given: the writer then serializes and writes it on
    its thread). Autosave failures never raise: they are kept in ``last_error`` for the status bar.

    While training runs, a checkpoint is due every ``checkpoint_s`` (:meth:`checkpoint_due`):
    the clock decides when a checkpoint is taken, never what the run records.
    """

    def __init__(self, snapshot: Callable[[], Session], interval_s: float = DEFAULT_INTERVAL_S,
                 folder: str | os.PathLike[str] | None = None, source: str | None = None,
                 writer: SessionWriter | None = None, checkpoint_s: float | None = None) -> None:
        self.snapshot = snapshot
        self.interval_s = float(interval_s)
        self.writer = writer
        self.checkpoint_s = float(checkpoint_s) if checkpoint_s is not None else checkpoint_interval_s()
        self.checkpoints = 0
        self._last_checkpoint: float | None = None
        self.dirty = False
        self.last_error: str | None = None
        self.saves = 0
        self._source = source
        self._last_save: float | None = None
        base = Path(folder) if folder is not None else state_dir()
        self.folder = base / "instances"
        self.folder.mkdir(parents=True, exist_ok=True)
        ident = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.marker_path = self.folder / f"{ident}.json"
        self.autosave_path = self.folder / f"{ident}.playground"
        self._lock_file: IO[bytes] | None = open(self.marker_path.with_suffix(".lock"), "ab")
        if not _lock(self._lock_file):
            self._lock_file.close()
            self._lock_file = None
            raise SessionError("cannot lock the autosave marker", str(self.marker_path))
        self._write_marker()

    # ------------------------------------------------------------ state
    def mark_dirty(self) -> None:
        self.dirty = True

    def mark_clean(self, source: str | None = None) -> None:
        """After the user saved (to ``source``): nothing to recover until the next change."""
        self.dirty = False
        if source is not None and source != self._source:
            self._source = source
            self._write_marker()
        if self.writer is not None:
            self.writer.wait(30.0)  # a checkpoint still being written must not bring the file back
        with contextlib.suppress(OSError):
            self.autosave_path.unlink()

    # ----------------------------------------------------------- saving
    def maybe_autosave(self, now: float | None = None) -> bool:
        """Save if dirty and ``interval_s`` passed since the last autosave (or since the first call).

        So unsaved work is never older than about one interval, and saves come at most once
        per interval however often the app calls this.
        """
        now = time.monotonic() if now is None else now
        if self._last_save is None:
            self._last_save = now
        if not self.dirty or now - self._last_save < self.interval_s:
            return False
        return self.autosave_now(now)

    def on_training_stopped(self, now: float | None = None) -> bool:
        """Training changes the weights without user edits: always save what was learned."""
        self.dirty = True
        return self.autosave_now(now)

    def autosave_now(self, now: float | None = None) -> bool:
        """Save the snapshot now (handed to the writer, when there is one); False if it failed."""
        if self._lock_file is None:
            return False
        self._last_save = time.monotonic() if now is None else now
        try:
            session = self.snapshot()
        except (SessionError, OSError, ValueError) as err:
            self.last_error = str(err)
            return False
        return self.save(session)

    def save(self, session: Session, prepare: Callable[[Session], object] | None = None) -> bool:
        """Write ``session`` as the autosave: on the writer's thread if there is one (True once
        handed over; a failure shows in ``last_error`` later), else here."""
        if self._lock_file is None:
            return False
        self.dirty = False
        if self.writer is not None:
            future = self.writer.submit(session, str(self.autosave_path), prepare)
            future.add_done_callback(lambda f: self._saved(f.result()))
            return True
        try:
            if prepare is not None:
                prepare(session)
            save_session(session, str(self.autosave_path))
        except (SessionError, OSError, ValueError) as err:
            self._saved(err if isinstance(err, SessionError) else SessionError(f"cannot save: {err}"))
            return False
        self._saved(None)
        return True

    def _saved(self, error: SessionError | None) -> None:
        if error is None:
            self.last_error = None
            self.saves += 1
        else:
            self.last_error = str(error)
            self.dirty = True

    # ------------------------------------------------------- checkpoints
    def checkpoint_due(self, now: float | None = None) -> bool:
        """While training runs: True once ``checkpoint_s`` passed since the last checkpoint (or
        since the first call of a run; :meth:`checkpoint_taken` restarts the count)."""
        now = time.monotonic() if now is None else now
        if self._last_checkpoint is None:
            self._last_checkpoint = now
        return now - self._last_checkpoint >= self.checkpoint_s

    def checkpoint_taken(self, now: float | None = None) -> None:
        self._last_checkpoint = time.monotonic() if now is None else now
        self.checkpoints += 1

    def run_ended(self) -> None:
        """The next run counts its interval from its own start."""
        self._last_checkpoint = None

    # --------------------------------------------------------- lifetime
    def close(self) -> None:
        """Clean shutdown: nothing is left to recover."""
        if self._lock_file is None:
            return
        if self.writer is not None:
            self.writer.close(5.0)
        for p in (self.autosave_path, self.marker_path):
            with contextlib.suppress(OSError):
                p.unlink()
        lock_path = self.marker_path.with_suffix(".lock")
        with contextlib.suppress(OSError):
            lock_path.unlink()
        self._lock_file.close()
        self._lock_file = None

    def _write_marker(self) -> None:
        info: dict[str, Any] = {"pid": os.getpid(), "started": time.time(), "source": self._source,
                                "autosave": self.autosave_path.name}
        data = json.dumps(info).encode("utf-8")
        atomic_write(str(self.marker_path), lambda f: f.write(data))
