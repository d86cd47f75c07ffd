"""Start the desktop app: ``playground`` opens a ready example, ``playground FILE`` a session."""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
import threading
import time

from PySide6.QtCore import QEvent, QObject, QSettings, QSize, QSocketNotifier, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from playground import __version__
from playground.ui.settings import APP, ORG, app_settings
from playground.ui.theme import apply_theme

DEFAULT_TEMPLATE = "mlp"
# For tests and benchmarks only: comma-separated words. "report" prints JSON lines on stdout
# (first_frame, then the step twice a second), "start" starts training after the first frame,
# "exit" ends the process right after the first frame, "quit=S" closes the window S seconds
# after it (printing "closing" first), "steps=N" trains N steps and then closes it (the desktop
# package's smoke test, packaging/pyinstaller/smoke.py).
SCRIPT_ENV = "PLAYGROUND_SCRIPT"


class GuiThreadCollector:
    """Python's cyclic garbage collector, run only on the GUI thread.

    Left automatic, a collection runs on whichever thread happens to allocate, often the training
    thread; when it frees a cycle holding a Qt object, the object's destructor runs there and can
    deadlock against the GUI thread (seen: a run frozen in ``QObject::~QObject`` called from
    ``gc_collect_main`` on the worker). So automatic collection is off and a timer on the GUI
    thread collects each generation once its count passes the usual threshold.

    The oldest generation follows Python's own rule as well: it is collected only once it has grown
    by a quarter since its last collection. With torch and Qt loaded it holds ~230,000 objects and a
    full collection holds the GIL for 0.3-0.8 s: run on the count alone (about once a minute while
    training), it stopped the window and the training thread that long, a save included."""

    def __init__(self, interval_ms: int = 500) -> None:
        self.threshold = gc.get_threshold()
        self.oldest: int | None = None  # objects in the oldest generation after its last collection
        gc.disable()
        self.timer = QTimer()
        self.timer.timeout.connect(self.collect)
        self.timer.start(interval_ms)

    def collect(self) -> int:
        """Collect the oldest generation that is due; returns that generation (-1: none)."""
        counts = gc.get_count()
        due = [g for g in (2, 1, 0) if counts[g] > self.threshold[g] and all(counts[h] > self.threshold[h]
                                                                              for h in range(g))]
        if not due:
            return -1
        generation = due[0] if due[0] < 2 or self._oldest_grew() else 1
        gc.collect(generation)
        if generation == 2:
            self.oldest = len(gc.get_objects(2))
        return generation

    def _oldest_grew(self) -> bool:
        held = len(gc.get_objects(2))
        if self.oldest is None:  # what was there when collection began to be due (the imports)
            self.oldest = held
        return held - self.oldest > self.oldest // 4

    def stop(self) -> None:
        """Back to Python's automatic collection (tests that end their Qt part)."""
        self.timer.stop()
        gc.enable()


def collect_on_gui_thread(app: QApplication) -> GuiThreadCollector:
    """Install the GUI-thread collector once per application (see GuiThreadCollector)."""
    collector = getattr(app, "_playground_gc", None)
    if collector is None:
        collector = GuiThreadCollector()
        app._playground_gc = collector  # type: ignore[attr-defined]  (kept alive with the app)
    return collector


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named so QSettings and autosaves find their folders."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    collect_on_gui_thread(app)
    app.setOrganizationName(os.environ.get("PLAYGROUND_SETTINGS_ORG", ORG))
    app.setApplicationName(os.environ.get("PLAYGROUND_SETTINGS_APP", APP))
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("neural-playground")  # the .desktop entry: the window groups under its icon
    if app.windowIcon().isNull():
        app.setWindowIcon(app_icon())
    return app


def app_icon() -> QIcon:
    """The app's icon (``resources/icons/``: the SVG plus PNG sizes); empty when none is shipped."""
    from playground.data.bundle import DatasetError
    from playground.data.images import resource_path

    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        try:
            icon.addFile(str(resource_path(f"icons/neural-playground-{size}.png")), QSize(size, size))
        except DatasetError:  # an install without the icons: Qt's default, nothing else changes
            continue
    return icon


def open_main_window(path: str | None = None, settings: QSettings | None = None, autosave: bool = True):
    """Create and show the main window on ``path`` (a session file) or on the default example.

    A file that cannot be opened is reported and the example opens instead.
    """
    from playground.ui.main_window import MainWindow

    app = make_application()
    settings = settings if settings is not None else app_settings()
    apply_theme(app, str(settings.value("theme", "light")))
    window = MainWindow(settings=settings, autosave=autosave)
    window.show()
    recovered = path is None and window.file_ops.offer_recovery()
    if not recovered and not (path and window.file_ops.open_path(path)):
        window.file_ops.load_template(DEFAULT_TEMPLATE)
    return window


def use_threads_politely() -> None:
    """Inter-op threads once, and training never takes every core: the window must stay responsive."""
    from playground.train import threads

    threads.configure_process()
    threads.set_thread_limit(max(1, threads.cores() - 1))


def warm_up_torch() -> None:
    # The first optimizer a process builds imports torch._dynamo (seconds); do it off the GUI thread
    # while the person looks at the example, so the first Start responds at once.
    import torch

    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


class FirstFrame(QObject):
    """Runs ``then()`` once, on the event-loop turn after ``widget`` first painted."""

    def __init__(self, widget: QWidget, then) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            then, self._then = self._then, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, then)
        return False


class StopSignals(QObject):
    """SIGTERM, SIGHUP and Ctrl+C in the terminal close ``window`` the way Quit does, but without
    asking anything (nobody may be there to answer): the window keeps the work in its autosave,
    for the next launch to offer, and the app ends with 128 + the signal's number, printing nothing.

    Python runs a signal handler only between two bytecodes of the main thread, and Qt's event loop
    runs none while it waits; the signal's wake-up byte on a socket pair wakes the loop at once."""

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.received: int | None = None
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self.notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._drain)
        self._previous = {signum: signal.signal(signum, self._note) for signum in self.SIGNALS
                          if signal.getsignal(signum) != signal.SIG_IGN}  # nohup's SIGHUP stays ignored

    def _drain(self) -> None:
        # the byte only wakes the loop; Python runs ``_note`` before this slot's first line
        try:
            while self._reader.recv(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _note(self, signum: int, _frame: object) -> None:
        if self.received is None:
            self.received = signum
            QTimer.singleShot(0, self.window.quit_keeping_recovery)

    def exit_code(self, code: int) -> int:
        return 128 + self.received if self.received is not None else code


def _script() -> dict[str, str]:
    words = [w.strip() for w in os.environ.get(SCRIPT_ENV, "").split(",") if w.strip()]
    return {w.partition("=")[0]: w.partition("=")[2] for w in words}


def _report(event: str, **fields: object) -> None:
    sys.stdout.write(json.dumps({"event": event, "t": time.monotonic(), **fields}) + "\n")
    sys.stdout.flush()


def _after_first_frame(window, script: dict[str, str]) -> None:
    # The first optimizer a process builds imports torch._dynamo (seconds): warm it now, while
    # the person looks at the example, not before the window (it would slow the first frame)
    # nor at the first Start.
    threading.Thread(target=warm_up_torch, name="playground-warm-up", daemon=True).start()
    if "report" in script:
        _report("first_frame")
        timer = QTimer(window)
        timer.timeout.connect(lambda: _report("step", step=window.controller.buffer.status().get("step", 0),
                                              state=window.controller.state))
        timer.start(500)
    if "exit" in script:
        os._exit(0)
    if "start" in script:
        window.controller.start()
    if "steps" in script:
        _train_then_close(window, int(script["steps"] or 20))
    if "quit" in script:
        def close() -> None:
            _report("closing")
            window.close()

        QTimer.singleShot(int(float(script["quit"] or 0) * 1000), close)


def _train_then_close(window, steps: int) -> None:
    window.controller.start(max_steps=steps)

    def close_when_trained() -> None:
        step = window.controller.buffer.status().get("step", 0)
        if window.controller.state != "running" and step >= steps:
            _report("closing", step=step)
            window.close()

    QTimer(window, timeout=close_when_trained, interval=100).start()


def launch(path: str | None = None) -> int:
    """Run the app until its window closes; returns the exit code."""
    app = make_application()
    use_threads_politely()
    window = open_main_window(path)
    window.window_actions.help.offer_tour()  # the tour of the first five minutes, on a first launch only
    script = _script()
    first_frame = FirstFrame(window, lambda: _after_first_frame(window, script))  # noqa: F841 (kept alive)
    stops = StopSignals(window)
    code = stops.exit_code(int(app.exec()))
    # Everything worth keeping is written by now: the window saved its layout and settings, the
    # training thread is joined, the autosave writer finished and the autosave removed. Tearing
    # down the interpreter (torch's and Qt's destructors, thousands of objects) took 3-10 s and
    # could print errors from half-destroyed widgets; the process ends here instead.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(launch(sys.argv[1] if len(sys.argv) > 1 else None))
