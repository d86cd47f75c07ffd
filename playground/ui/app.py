"""Start the desktop app: ``playground`` opens a ready example, ``playground FILE`` a session."""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
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
    thread collects each generation once its count passes the usual threshold."""

    def __init__(self, interval_ms: int = 500) -> None:
        self.threshold = gc.get_threshold()
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
        gc.collect(due[0])
        return due[0]

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
    return app


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


def _warm_up_torch() -> None:
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
    threading.Thread(target=_warm_up_torch, name="playground-warm-up", daemon=True).start()
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
    code = int(app.exec())
    # Everything worth keeping is written by now: the window saved its layout and settings, the
    # training thread is joined, the autosave writer finished and the autosave removed. Tearing
    # down the interpreter (torch's and Qt's destructors, thousands of objects) took 3-10 s and
    # could print errors from half-destroyed widgets; the process ends here instead.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(launch(sys.argv[1] if len(sys.argv) > 1 else None))
