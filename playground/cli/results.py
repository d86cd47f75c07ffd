"""What ``train`` writes when a run ends: the session (kept somewhere even when its target
cannot be written), the metrics CSV and the history folder.

A session that cannot be saved to its target (a full disk, a folder made read-only during the
run) is written beside the target, else into ``<state dir>/unsaved/``, so the run's work is
never thrown away; the caller says where it went.
"""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from playground.cli.errors import describe_error

if TYPE_CHECKING:
    from playground.session import Session

UNSAVED_FOLDER = "unsaved"


@dataclass
class SaveResult:
    """Where the session went: ``path`` (None if nowhere) and why not to the target (``problem``)."""

    target: str
    path: str | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _spare_name(target: str) -> str:
    stem = os.path.splitext(os.path.basename(target))[0][:80] or "session"
    return f"{stem}.unsaved-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.playground"


def _put(f: BinaryIO, data: bytes) -> None:
    f.write(data)


def save_kept(session: Session, target: str) -> SaveResult:
    """Save ``session`` to ``target``; if that fails, to a spare file (see the module doc)."""
    from playground.session import SessionError, save_session, session_bytes
    from playground.session.atomic import atomic_write
    from playground.session.autosave import state_dir

    try:
        save_session(session, target)
        return SaveResult(target, target)
    except (SessionError, OSError) as err:
        problem = describe_error(err)
    try:
        data = session_bytes(session)  # the run's result, in memory
    except (SessionError, ValueError, TypeError, OSError):
        return SaveResult(target, None, problem)
    folders = [os.path.dirname(os.path.abspath(target))]
    try:
        folders.append(str(state_dir() / UNSAVED_FOLDER))
    except Exception:
        pass
    for folder in folders:
        path = os.path.join(folder, _spare_name(target))
        try:
            os.makedirs(folder, exist_ok=True)
            atomic_write(path, lambda f: _put(f, data))
        except OSError:
            continue
        return SaveResult(target, path, problem)
    return SaveResult(target, None, problem)


def write_metrics_csv(buffer: Any, path: str) -> int:
    """One row per recorded step, one column per scalar series; returns the row count.

    An OSError names ``path`` (a full disk says which file it could not finish).
    """
    names = buffer.series_names()
    table: dict[int, dict[str, float]] = {}
    for name in names:
        steps, values = buffer.series(name)
        for s, v in zip(steps, values, strict=True):
            table.setdefault(int(s), {})[name] = float(v)
    try:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["step", *names])
            for step in sorted(table):
                row = table[step]
                w.writerow([step, *(repr(row[n]) if n in row else "" for n in names)])
    except OSError as err:
        if err.filename is None:
            err.filename = path
        raise
    return len(table)


def write_history_folder(buffer: Any, directory: str) -> list[Path]:
    """Everything ``buffer`` recorded, as files in ``directory`` (``train.history.write_history``).

    An OSError always names a path (the folder when the writer did not say which file).
    """
    from playground.train.history import write_history

    try:
        return list(write_history(buffer, directory))
    except OSError as err:
        if err.filename is None:
            err.filename = directory
        raise
