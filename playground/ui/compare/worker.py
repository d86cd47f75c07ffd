"""BackgroundJob: one function run on a worker thread, with progress and a stop flag, whose
result comes back to the GUI thread as a signal (the window stays responsive meanwhile)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

Work = Callable[[Callable[[], bool], Callable[[int, int, str], None]], Any]


class _Runner(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object, str)  # the result (None on failure), the error text

    def __init__(self, work: Work, stop: threading.Event) -> None:
        super().__init__()
        self.work, self.stop = work, stop

    def run(self) -> None:
        try:
            result = self.work(self.stop.is_set, self.progress.emit)
        except Exception as exc:  # a failed job says so in its window; the app goes on
            self.finished.emit(None, f"{type(exc).__name__}: {exc}")
            return
        self.finished.emit(result, "")


class BackgroundJob(QObject):
    """``start(work)`` runs ``work(should_stop, progress)`` on a thread; ``progress(done, total,
    text)`` and ``finished(result, error)`` arrive on the GUI thread. One job at a time."""

    progress = Signal(int, int, str)
    finished = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()
        self._thread: QThread | None = None
        self._runner: _Runner | None = None

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def start(self, work: Work) -> None:
        if self.is_running():
            raise RuntimeError("a job is already running")
        self._stop.clear()
        self._thread = QThread(self)
        self._runner = _Runner(work, self._stop)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progress.connect(self.progress.emit)
        self._runner.finished.connect(self._done)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def wait(self, ms: int = 120_000) -> None:
        """Stop and wait for the thread (the step being trained finishes; nothing is left running)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(ms)

    def _done(self, result: object, error: str) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self.finished.emit(result, error)
