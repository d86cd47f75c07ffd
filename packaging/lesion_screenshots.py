"""Screenshots of the lesion table and the Prune dialog for the README, from the real app on a
display (Xvfb works: ``Xvfb :105 -screen 0 1600x1000x24 &``; needs ImageMagick's ``import``).

    DISPLAY=:105 .venv/bin/python packaging/lesion_screenshots.py [OUT_DIR]

Trains the small ResNet template in the window, cuts one residual branch from the block menu's
lesion entries and opens Analyze ▸ Lesion table… (lesion_table.png); then trains the spiral MLP
and prunes it to 97% in six rounds with fine-tuning, applied to the workspace (pruning.png).
Default OUT_DIR: packaging/screenshots/analysis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("PLAYGROUND_NO_AUTOSAVE_PROMPT", "1")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from playground.analysis.lesions import Lesion
from playground.ui.lesions import lesion_controller, open_lesion_table, open_prune_dialog
from playground.ui.main_window import MainWindow
from playground.ui.theme import apply_theme

WIDTH, HEIGHT = 1600, 1000


def pump(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def wait_for(app: QApplication, done, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    if not done():
        raise SystemExit("timed out")


def trained_window(app: QApplication, template: str) -> MainWindow:
    settings = QSettings(tempfile.mktemp(suffix=".ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave=False)
    window.move(0, 0)
    window.resize(WIDTH, HEIGHT)
    window.show()
    assert window.file_ops.load_template(template)
    window.workspace.update_config(pace="fastest")
    assert window.controller.start()
    wait_for(app, lambda: window.controller.state in ("finished", "stopped") and not window.controller.is_running(), 600)
    pump(app, 1.0)
    window.canvas.fit_view()
    return window


def shoot(app: QApplication, path: str) -> None:
    pump(app, 1.5)
    subprocess.run(["import", "-window", "root", path], check=True)
    print("wrote", path)


def main(out_dir: str) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app, "light")
    os.makedirs(out_dir, exist_ok=True)

    window = trained_window(app, "resnet")
    graph = window.workspace.document.graph
    lesion_controller(window).toggle(Lesion("cut_branch", graph.node_by_label("block1_add").id))
    table = open_lesion_table(window)
    table.move(WIDTH - 700, 60)
    table.resize(690, 860)
    wait_for(app, lambda: not table.job.is_running() and bool(table.rows), 300)
    window.canvas.fit_view()
    table.select_bar(0)
    shoot(app, os.path.join(out_dir, "lesion_table.png"))
    table.close()
    window.close()

    window = trained_window(app, "mlp")
    dialog = open_prune_dialog(window)
    dialog.move(330, 50)
    dialog.resize(700, 820)
    dialog.sparsity.setText("0.97")
    dialog.rounds.setValue(6)
    dialog.steps.setValue(60)
    assert dialog.run()
    wait_for(app, lambda: dialog.outcome is not None, 600)
    dialog.apply()
    window.canvas.fit_view()
    shoot(app, os.path.join(out_dir, "pruning.png"))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("packaging", "screenshots", "analysis")))
