"""What ``train`` shows and runs while it trains: the progress bar and the training thread."""

from __future__ import annotations

import threading
import time
from typing import IO, Any

REFRESH_S = 0.1


class ProgressBar:
    """A one-line text bar redrawn in place (only on a terminal)."""

    def __init__(self, stream: IO[str], width: int = 28) -> None:
        self.stream = stream
        self.width = width
        self.shown = False

    def update(self, fraction: float | None, text: str) -> None:
        if fraction is None:
            bar = ""
        else:
            fraction = min(max(fraction, 0.0), 1.0)
            filled = round(fraction * self.width)
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction * 100:3.0f}% "
        self.stream.write(f"\r{bar}{text}\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


class TrainingThread:
    """``trainer.run()`` on a background thread, with a finish signal Ctrl+C cannot corrupt.

    A KeyboardInterrupt that lands inside ``Thread.join()`` can leave CPython 3.11 believing the
    thread has ended while it still runs: saving then races the last step and the process may
    abort at exit ("terminate called without an active exception"). So the main thread waits
    on an Event, which Ctrl+C interrupts harmlessly, and joins only once training has ended.
    """

    def __init__(self, trainer: Any) -> None:
        self.done = threading.Event()
        self.started = False
        self.thread = threading.Thread(target=self._work, args=(trainer,), name="playground-train",
                                       daemon=True)

    def _work(self, trainer: Any) -> None:
        try:
            trainer.run()
        finally:
            self.done.set()

    def start(self) -> None:
        self.thread.start()
        self.started = True

    def wait(self, seconds: float) -> bool:
        """True once training has ended (interruptible, harmlessly)."""
        return self.done.wait(seconds)

    def finish(self) -> None:
        """Wait until training has ended (it stops within one step), even through more Ctrl+C presses."""
        # Ctrl+C inside start() may or may not have launched the thread: give it a moment to show up
        deadline = None if self.started else time.monotonic() + 2.0
        while not self.done.is_set():
            try:
                if self.done.wait(0.1):
                    break
                if deadline is not None and time.monotonic() > deadline:
                    return
            except KeyboardInterrupt:  # pressed again: we are already stopping
                continue
        self.thread.join()
