"""Every way of loading work (example, template, file, recovery, CSV) leaves the window in the
same state: the settings a person then types are the ones the next run trains with.

The Examples bug: File ▸ Examples ▸ MLP on spirals trains at once (300 epochs at lr 0.03); set
Epochs to 40 and the learning rate to 3 and press Start, and the run must train 40 epochs at lr 3
(it used to refuse, "reached its 40 epochs", while the status showed epoch 300).
"""

from __future__ import annotations

from playground.session.autosave import Autosaver
from playground.ui import dialogs
from playground.ui.main_window import MainWindow


def menu_action(w: MainWindow, name: str):
    menus = (w.window_actions.examples_menu, w.window_actions.template_menu)
    return next(a for m in menus for a in m.actions() if a.objectName() == name)


def finished_example(w: MainWindow, qtbot) -> None:
    """File ▸ Examples ▸ MLP on spirals, watched until its run ends."""
    menu_action(w, "example_spiral_mlp").trigger()
    w.window_actions.start.trigger()  # an example opens untrained; its story says "press Train"
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.state == "finished", timeout=30000)
    assert w.controller.trainer.epoch == 300


def assert_start_trains_with_what_the_fields_show(w: MainWindow, qtbot) -> None:
    w.training_panel.epochs.setValue(40)
    w.training_panel.lr.setValue(3.0)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: not w.controller.is_running(), timeout=30000)
    trainer = w.controller.trainer
    assert (trainer.config.epochs, trainer.config.lr) == (40, 3.0)
    assert 1 <= trainer.epoch <= 40, f"trained to epoch {trainer.epoch}"
    assert "reached its" not in w.statusBar().currentMessage()
    assert (w.training_panel.epochs.value(), w.training_panel.lr.value()) == (40, 3.0)


def test_example(answers, qtbot, tmp_path, open_window):
    w = open_window()
    finished_example(w, qtbot)
    assert_start_trains_with_what_the_fields_show(w, qtbot)
    assert [run["steps"] for run in w.controller.runs] == [300]  # the example's run stays as an earlier run


def test_template(answers, qtbot, tmp_path, open_window):
    w = open_window()
    menu_action(w, "new_mlp").trigger()
    assert w.controller.trainer is None
    assert_start_trains_with_what_the_fields_show(w, qtbot)


def test_file(answers, qtbot, tmp_path, open_window):
    w = open_window()
    finished_example(w, qtbot)
    path = str(tmp_path / "example.playground")
    assert w.file_ops.save_to(path)
    w.close()
    again = open_window()
    assert again.file_ops.open_path(path) and again.controller.trainer.epoch == 300
    assert_start_trains_with_what_the_fields_show(again, qtbot)


def test_recovery(answers, qtbot, tmp_path, open_window):
    w = open_window()
    finished_example(w, qtbot)
    crashed = Autosaver(w.file_ops.snapshot, folder=str(tmp_path / "state"))
    crashed.autosave_now()
    crashed._lock_file.close()  # the process "dies": lock released, marker and autosave stay
    answers["Unsaved changes"] = "Discard"
    w.close()
    again = open_window()
    answers["Recover unsaved work"] = "Recover"
    assert again.file_ops.offer_recovery() and again.controller.trainer.epoch == 300
    assert_start_trains_with_what_the_fields_show(again, qtbot)


def test_csv(answers, qtbot, tmp_path, open_window):
    table = tmp_path / "points.csv"
    table.write_text("a,b,label\n" + "".join(f"{(i % 9) / 4 - 1},{(i % 7) / 3 - 1},{'in' if i % 3 else 'out'}\n"
                                             for i in range(90)))
    w = open_window()
    menu_action(w, "new_mlp").trigger()

    def fill(question: dialogs.Question):
        question.widget.set_path(str(table))
        return "OK"

    answers["Import CSV"] = fill
    assert w.dataset_panel.import_csv()
    assert w.dataset_panel.bundle.name == "csv" and w.document.report.ok
    assert_start_trains_with_what_the_fields_show(w, qtbot)
    assert w.controller.trainer.bundle.name == "csv"


def test_new_keeps_the_data_and_settings_and_forgets_the_network(answers, qtbot, tmp_path, open_window):
    w = open_window()
    menu_action(w, "new_mlp").trigger()
    w.training_panel.epochs.setValue(40)
    answers["Unsaved changes"] = "Discard"
    w.window_actions.new.trigger()
    assert w.document.graph.nodes == {} and w.dataset_panel.bundle.name == "spirals"
    assert w.workspace.config.epochs == 40 and w.training_panel.epochs.value() == 40
    assert w.controller.trainer is None and not w.isWindowModified()
