"""Stop signals: SIGTERM and SIGHUP stop the CLI the way Ctrl+C does, and a save is never cut short.

Python turns SIGINT into KeyboardInterrupt; here SIGTERM and SIGHUP raise ``Stopped``, a
KeyboardInterrupt too, so one code path saves what a run learned and exits 128 + N. While a
file is being written, ``DeferredStops`` only notes a signal, so a second Ctrl+C cannot throw
the run's result away half-written.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType, TracebackType
from typing import Any

from playground.cli.errors import Stopped

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
Handlers = dict[int, Any]


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def install_stop_handlers() -> Handlers:
    """Make SIGTERM and SIGHUP raise ``Stopped``; returns the handlers to restore.

    A signal that was ignored when we started (``nohup`` ignores SIGHUP) stays ignored, and
    nothing changes outside the main thread (where Python cannot install handlers).
    """
    previous: Handlers = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for signum in STOP_SIGNALS:
        current = signal.getsignal(signum)
        if current == signal.SIG_DFL:
            previous[signum] = signal.signal(signum, _raise_stopped)
    return previous


def restore_handlers(previous: Handlers) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


class DeferredStops:
    """A block during which Ctrl+C, SIGTERM and SIGHUP are noted, not raised.

    ``received`` holds the first signal noted (None if none), so the caller can exit with its
    status once the block is done.
    """

    def __init__(self, note: str = "") -> None:
        self.note = note
        self.received: int | None = None
        self._previous: Handlers = {}

    def _defer(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
            if self.note:
                print(f"playground: {self.note}", file=sys.stderr, flush=True)

    def __enter__(self) -> DeferredStops:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, *STOP_SIGNALS):
                current = signal.getsignal(signum)
                if current != signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._defer)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        restore_handlers(self._previous)
        self._previous = {}
