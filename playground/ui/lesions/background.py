"""A long analysis on a worker thread, with progress and Stop, its results back on the GUI thread.

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
    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, job: Job, stop: threading.Event) -> None:
        super().__init__()
        self.job = job
        self.stop = stop

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self.progress.emit, self.stop.is_set)
        except Stopped:
            self.failed.emit("Stopped")
        except Exception as exc:  # shown inline; the app keeps running
            self.failed.emit(str(exc))
        else:
            self.done.emit(result)


class BackgroundJob(QObject):
    """Signals (GUI thread): ``progress(value)``, ``done(result)``, ``failed(message)``; the thread
    has ended and been joined when ``done`` or ``failed`` arrives."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._stop = threading.Event()

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, job: Job) -> bool:
        if self._thread is not None:
            return False
        self._stop = threading.Event()
        thread = QThread()
        thread.setObjectName("playground-analysis")
        worker = _Worker(job, self._stop)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self.progress)
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

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        self._join()
        self.done.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._join()
        self.failed.emit(message)

    def _join(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread, self._worker = None, None
        if thread is not None:
            thread.quit()
            thread.wait(30_000)
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()
