"""README screenshots of the Compare Runs and Sweep windows, from the real app.

    DISPLAY=:107 python packaging/compare_screenshots.py [OUT_DIR]

Opens the app on the spiral MLP, compares four variants over five seeds, shows two runs side by
side, runs a learning-rate sweep, and saves ``compare.png``, ``side_by_side.png`` and
``sweep.png`` (default: packaging/screenshots/compare/).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication


def _wait(app: QApplication, done, timeout: float = 600.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()
        time.sleep(0.02)


def main(out: Path) -> None:
    from playground.experiments.compare import VariantSpec
    from playground.ui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    settings = QSettings(str(out / "screens.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.show()
    window.file_ops.load_template("mlp")
    # noisier spirals than the template's: the variants then differ in validation accuracy too
    window.workspace.choose_dataset("spirals", {**window.workspace.dataset_params, "noise": 0.12})
    train = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Train")
    actions = {a.objectName(): a for a in train.actions()}
    actions["action_compare_runs"].trigger()
    compare = window.compare_windows.windows[-1]
    compare.specs += [VariantSpec("narrow", ["fc1.out_features=4"]), VariantSpec("deeper", ["add_layer=fc1"])]
    compare.variants.show_specs()
    compare.seeds.setValue(5)
    compare.steps.setValue(400)
    compare.start()
    _wait(app, lambda: not compare.is_running() and compare.comparison.results)
    compare.band.each_seed.setChecked(False)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    compare.grab().save(str(out / "compare.png"))
    compare.tabs.setCurrentWidget(compare.side)
    compare.side.choose(("as it is", 0), ("narrow", 0))
    compare.side.request()
    _wait(app, lambda: len(compare.side.shown) == 2)
    compare.side.slider.setValue(150)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    compare.grab().save(str(out / "side_by_side.png"))
    compare.close()
    window.workspace.choose_dataset("spirals", {**window.workspace.dataset_params, "noise": 0.1})
    actions["action_sweep"].trigger()
    sweep = window.compare_windows.windows[-1]
    sweep.grid_text.setPlainText("lr=0.001,0.003,0.01,0.03,0.1,0.3\nfc1.out_features=4,16")
    sweep.seeds.setValue(3)
    sweep.steps.setValue(300)
    sweep.start()
    _wait(app, lambda: not sweep.job.is_running() and sweep.result is not None)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.05)
    sweep.grab().save(str(out / "sweep.png"))
    sweep.close()
    window.workspace.mark_saved(str(out / "unused.playground"))  # nothing to ask about on close
    window.close()
    (out / "screens.ini").unlink(missing_ok=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "screenshots" / "compare")
