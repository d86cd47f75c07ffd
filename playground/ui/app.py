"""Start the desktop app: ``playground`` opens a ready example, ``playground FILE`` a session."""

from __future__ import annotations

import os
import sys
import threading

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from playground import __version__
from playground.ui.settings import APP, ORG, app_settings
from playground.ui.theme import apply_theme

DEFAULT_TEMPLATE = "mlp"


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named so QSettings and autosaves find their folders."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
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


def launch(path: str | None = None) -> int:
    """Run the app until its window closes; returns the exit code."""
    app = make_application()
    use_threads_politely()
    threading.Thread(target=_warm_up_torch, name="playground-warm-up", daemon=True).start()
    window = open_main_window(path)
    window.window_actions.help.offer_tour()  # the tour of the first five minutes, on a first launch only
    code = app.exec()
    del window
    return int(code)


if __name__ == "__main__":
    raise SystemExit(launch(sys.argv[1] if len(sys.argv) > 1 else None))
