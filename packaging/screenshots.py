"""Render screenshots of the main window for the README (offscreen; no display needed).

    .venv/bin/python packaging/screenshots.py [OUT_DIR]      (default: packaging/screenshots)

Writes window_mlp.png (the MLP learning the spirals, light theme), window_transformer_dark.png
(the transformer reversing sequences, dark theme, attention maps), window_lenet.png (the CNN on
digits, with its confusion matrix) and window_building.png (a network being wired, with an error
badge and the inspector open). Each is the default ("Watch") layout: data, network, output view
and curves at once.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

WIDTH, HEIGHT = 1600, 1000


def _offscreen_screen() -> None:
    # A screen large enough for the whole window (the offscreen plugin's default is 800×800).
    if "QT_QPA_PLATFORM" in os.environ and not os.environ["QT_QPA_PLATFORM"].startswith("offscreen"):
        return
    config = Path(tempfile.gettempdir()) / "playground_screen.json"
    config.write_text(json.dumps({"screens": [{"name": "shot", "x": 0, "y": 0, "width": WIDTH + 100,
                                               "height": HEIGHT + 100, "logicalDpi": 96,
                                               "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


_offscreen_screen()
os.environ.setdefault("PLAYGROUND_NO_AUTOSAVE_PROMPT", "1")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from playground.graph.edits import SetParam  # noqa: E402
from playground.ui.app import make_application  # noqa: E402
from playground.ui.main_window import MainWindow  # noqa: E402
from playground.ui.theme import apply_theme  # noqa: E402
from playground.ui.views.base import on_screen  # noqa: E402
from playground.ui.views.view_panel import ViewPanel  # noqa: E402


def pump(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def make_window(app: QApplication, settings_dir: str, theme: str) -> MainWindow:
    apply_theme(app, theme)
    # a first launch each time: the default layout, not the one the previous window left
    settings = QSettings(tempfile.mktemp(suffix=".ini", dir=settings_dir), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave=False)
    window.resize(WIDTH, HEIGHT)
    window.show()
    pump(app, 0.2)
    return window


def raise_view(window: MainWindow, title: str) -> None:
    for dock, view in window.views:
        if view.title.lower().startswith(title.lower()):
            dock.raise_()


def shown_views(window: MainWindow) -> list[ViewPanel]:
    return [view for dock, view in window.built_views() if on_screen(dock) and isinstance(view, ViewPanel)]


def last_frames_drawn(window: MainWindow) -> bool:
    """Every view on screen was handed the run's final data and drew it: no redraw is still
    waiting for its turn in the drawing budget, nor for the dock to be shown."""
    buffer = window.controller.buffer
    return all(window._view_versions.get(id(view)) == buffer.version and view.buffer is buffer
               and not view._deferred.isActive() and not view._stale for view in shown_views(window))


def train(app: QApplication, window: MainWindow, steps: int, timeout: float = 120.0) -> None:
    """Train ``steps`` steps, then wait until every view on screen shows the run's last step.

    The views share one drawing budget (``views.view_panel.BUDGET``, for every window of the
    process) and defer a redraw while it is spent: a fixed pause after the run was sometimes too
    short, and a shot caught a view still showing its placeholder."""
    window.controller.start(max_steps=steps)
    end = time.monotonic() + timeout
    while window.controller.is_running() and time.monotonic() < end:
        pump(app, 0.05)
    # the window sees the run end on its next tick and asks every view on screen for its last frame
    end = time.monotonic() + 30.0
    while window.controller.is_running() or not last_frames_drawn(window):
        if time.monotonic() > end:
            raise RuntimeError(f"views not drawn after the run: {[v.title for v in shown_views(window)]}")
        pump(app, 0.05)
    pump(app, 0.3)  # the paints of those frames
    blank = [view.title for view in shown_views(window) if view.empty]
    if blank:
        raise RuntimeError(f"still showing a placeholder after training: {', '.join(blank)}")


def shoot(window: MainWindow, path: Path) -> None:
    window.grab().save(str(path), "PNG")
    print(f"wrote {path}")


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    with tempfile.TemporaryDirectory() as settings_dir:
        w = make_window(app, settings_dir, "light")
        w.file_ops.load_template("mlp")
        train(app, w, 300)
        shoot(w, out / "window_mlp.png")
        w.close()

        w = make_window(app, settings_dir, "dark")
        w.file_ops.load_template("transformer")
        train(app, w, 150)
        shoot(w, out / "window_transformer_dark.png")
        w.close()

        w = make_window(app, settings_dir, "light")
        w.file_ops.load_template("lenet")
        train(app, w, 200)
        shoot(w, out / "window_lenet.png")
        w.close()

        w = make_window(app, settings_dir, "light")
        w.file_ops.load_template("lenet")
        graph = w.document.graph
        output = next(n for n in graph.nodes.values() if n.type == "Output")
        head = graph.nodes[graph.edges_into(output.id)[0].src.node_id]
        w.document.push(SetParam(head.id, "out_features", 7))  # digits has 10 classes: an error badge
        w.canvas.select_nodes([head.id])
        w.docks["inspector"].raise_()  # the selected block's settings, beside the badge
        raise_view(w, "Curves")
        pump(app, 0.3)
        w.canvas.fit_view()
        shoot(w, out / "window_building.png")
        w.close()
    apply_theme(app, "light")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent / "screenshots")))
