"""A long job (an analysis, a comparison, a sweep) on a worker thread, with progress and Stop,
its results back on the GUI thread; the one worker every such window of the app uses.

``job(report, stopped)`` runs on the thread: it calls ``report(value)`` as it goes and checks
``stopped()`` between pieces of work (raising ``Stopped`` ends it early). Only signals cross to
the GUI thread (queued), so no widget is touched from the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

Job = Callable[[Callable[[Any], None], Callable[[], bool]], Any]


class Stopped(Exception):
    """A person pressed Stop: the job ends early, nothing is applied."""


class _Worker(QObject):
    # every signal carries the job's number: what a replaced job still had queued is dropped
    progress = Signal(int, object)
    done = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, job: Job, stop: threading.Event, number: int) -> None:
        super().__init__()
        self.job = job
        self.stop = stop
        self.number = number

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(lambda value: self.progress.emit(self.number, value), self.stop.is_set)
        except Stopped:
            self.failed.emit(self.number, "Stopped")
        except Exception as exc:  # shown inline; the app keeps running
            self.failed.emit(self.number, str(exc))
        else:
            self.done.emit(self.number, result)


class BackgroundJob(QObject):
    """Signals (GUI thread): ``progress(value)``, ``done(result)``, ``failed(message)``, and
    ``finished(result, error)`` after either (``None`` and the message on failure, ``""`` on
    success); the thread has ended and been joined when they arrive."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)
    finished = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._stop = threading.Event()
        self._number = 0  # the current job's; signals of an earlier one are dropped

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, job: Job) -> bool:
        if self._thread is not None:
            return False
        self._stop = threading.Event()
        self._number += 1
        thread = QThread()
        thread.setObjectName("playground-background")
        worker = _Worker(job, self._stop, self._number)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.done.connect(self._on_done)  # slots of this GUI-thread object: queued across
        worker.failed.connect(self._on_failed)
        self._thread, self._worker = thread, worker
        thread.start()
        return True

    def stop(self) -> None:
        """Ask the job to end at its next check."""
        self._stop.set()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Stop and join (the window closes)."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        thread.quit()
        thread.wait(timeout_ms)
        self._join()

    def wait(self, timeout_ms: int = 120_000) -> None:
        """Stop and wait for the thread (the piece of work under way finishes; nothing keeps running)."""
        self.shutdown(timeout_ms)

    @Slot(int, object)
    def _on_progress(self, number: int, value: Any) -> None:
        if number == self._number and self._thread is not None:
            self.progress.emit(value)

    @Slot(int, object)
    def _on_done(self, number: int, result: Any) -> None:
        if number != self._number or self._thread is None:  # waited for, or replaced: not wanted
            return
        self._join()
        self.done.emit(result)
        self.finished.emit(result, "")

    @Slot(int, str)
    def _on_failed(self, number: int, message: str) -> None:
        if number != self._number or self._thread is None:
            return
        self._join()
        self.failed.emit(message)
        self.finished.emit(None, message)

    def _join(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread, self._worker = None, None
        if thread is not None:
            thread.quit()
            thread.wait(30_000)
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()
