"""Dataset panel: choosing data and parameters with a live preview; the CSV import dialog."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from playground.data import DATASETS
from playground.ui import dialogs
from playground.ui.csv_dialog import CsvDialog
from playground.ui.dataset_panel import DatasetPanel
from playground.workspace import Workspace


@pytest.fixture
def panel(qtbot):
    widget = DatasetPanel(Workspace())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def choose(panel: DatasetPanel, name: str) -> None:
    panel.combo.setCurrentIndex(panel.combo.findData(name))


def made(panel: DatasetPanel) -> list:
    """The bundles the panel's workspace announces."""
    seen: list = []
    panel.workspace.dataset_changed.connect(seen.append)
    return seen


def test_choosing_datasets_previews_each_kind(panel, qtbot):
    seen = made(panel)
    for name, kind in (("circles", "points"), ("digits", "images"), ("reverse", "sequences"),
                       ("sine", "curve"), ("hierarchy", "matrix")):
        choose(panel, name)
        qtbot.waitUntil(lambda n=name: bool(seen) and seen[-1].name == n, timeout=5000)
        assert panel.preview.kind == kind
        assert panel.workspace.bundle is seen[-1] and panel.error.text() == ""
    assert "→" in panel.preview.text.toPlainText() or panel.preview.kind == "matrix"


def test_parameter_change_regenerates_after_a_pause(panel, qtbot):
    assert panel.workspace.choose_dataset("spirals", {"n_samples": 200})
    first = panel.workspace.bundle
    assert first.n_train + first.n_val == 200 and panel.combo.currentData() == "spirals"
    seen = made(panel)
    editor = next(w for w in panel.form.findChildren(object) if w.objectName() == "param_n_samples")
    assert editor.value() == 200
    editor.setValue(300)
    assert seen == []  # debounced
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0].n_train + seen[0].n_val == 300 and panel.workspace.dataset_params["n_samples"] == 300
    assert "spirals" in panel.summary.text()
    assert next(w for w in panel.form.findChildren(object) if w.objectName() == "param_n_samples") is editor


def test_bad_parameters_are_shown_and_keep_the_last_good_data(panel, qtbot):
    workspace = panel.workspace
    assert workspace.choose_dataset("gaussians", {"n_samples": 100})
    good = workspace.bundle
    editor = next(w for w in panel.form.findChildren(object) if w.objectName() == "param_n_samples")
    editor.setValue(3)
    qtbot.waitUntil(lambda: "n_samples" in panel.error.text(), timeout=5000)
    assert workspace.bundle is good and workspace.dataset_params["n_samples"] == 100
    assert not workspace.choose_dataset("no_such_data")
    assert "no_such_data" in panel.error.text()


def test_a_dataset_in_a_new_category_is_listed(qtbot, monkeypatch):
    spirals = DATASETS["spirals"]
    extra = dataclasses.replace(spirals, name="rings_of_saturn", title="Rings of Saturn", category="astronomy")
    monkeypatch.setitem(DATASETS, extra.name, extra)
    widget = DatasetPanel(Workspace())
    qtbot.addWidget(widget)
    names = [widget.combo.itemData(i) for i in range(widget.combo.count()) if widget.combo.itemData(i)]
    labels = [widget.combo.itemText(i) for i in range(widget.combo.count()) if widget.combo.itemData(i)]
    assert "Rings of Saturn  (astronomy classification)" in labels
    assert sorted(names) == sorted(DATASETS)
    categories = [DATASETS[n].category for n in names if DATASETS[n].task_group == "classification"]
    assert categories == sorted(categories, key=list(dict.fromkeys(categories)).index)  # grouped


def test_regression_and_classification_datasets_are_grouped_and_marked(panel, qtbot):
    combo = panel.combo
    rows = [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]
    headings = [text for text, name in rows if name is None]
    assert headings == ["Classification", "Regression", "Your own data"]
    model = combo.model()
    for i, (_text, name) in enumerate(rows):  # a heading cannot be chosen, a dataset can
        assert bool(model.item(i).isEnabled()) == (name is not None)
    group_of = {}
    heading = ""
    for text, name in rows:
        if name is None:
            heading = text
        else:
            group_of[name] = heading
    for name in ("plane", "bumps", "sine", "polynomial", "hierarchy"):
        assert group_of[name] == "Regression" and "regression" in combo.itemText(combo.findData(name))
    for name in ("spirals", "xor", "reverse", "digits"):
        assert group_of[name] == "Classification" and "classification" in combo.itemText(combo.findData(name))
    assert group_of["csv"] == "Your own data"
    # the mark is true: each built-in dataset's targets are what its group says
    for name in ("spirals", "plane", "sine", "hierarchy", "parity"):
        task = panel.workspace.choose_dataset(name) and panel.workspace.bundle.task.task
        assert task == DATASETS[name].task, name
    # keyboard: Down from the last classification dataset skips the "Regression" heading
    last = max(i for i, (_t, n) in enumerate(rows) if n and group_of[n] == "Classification")
    combo.setCurrentIndex(last)
    combo.setFocus()
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    QTest.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() is not None and group_of[combo.currentData()] == "Regression"


def write_csv(path, rows):
    path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return str(path)


def test_csv_dialog_loads_chosen_columns(qtbot, tmp_path):
    rows = [["height", "width", "colour", "kind"]]
    rows += [[1.0 + i * 0.1, 2.0 - i * 0.05, i % 3, "big" if i % 2 else "small"] for i in range(40)]
    path = write_csv(tmp_path / "table.csv", rows)
    dialog = CsvDialog()
    qtbot.addWidget(dialog)
    assert dialog.set_path(path)
    assert dialog.table.columnCount() == 4 and dialog.table.rowCount() == 8
    assert dialog.target.currentText() == "kind"
    assert dialog.csv_params()["inputs"] == "height,width,colour"
    dialog.set_columns(["height", "width"], "kind")
    assert dialog.try_accept()
    bundle = dialog.bundle
    assert bundle.task.task == "classification" and bundle.task.input_shape == (2,)
    assert bundle.meta["class_names"] == ["big", "small"]


def test_csv_errors_are_shown_in_the_dialog(qtbot, tmp_path):
    dialog = CsvDialog()
    qtbot.addWidget(dialog)
    assert not dialog.set_path(str(tmp_path / "missing.csv"))
    assert "missing.csv" in dialog.error.text()
    path = write_csv(tmp_path / "bad.csv", [["a", "b", "y"], [1, 2, 0], [3, "oops", 1], [5, 6, 0]])
    assert dialog.set_path(path)
    dialog.set_columns(["a", "b"], "y")
    assert not dialog.try_accept()
    assert "row 3" in dialog.error.text() and "oops" in dialog.error.text()
    dialog.set_columns([], "y")
    assert not dialog.try_accept() and "input column" in dialog.error.text()


def test_import_csv_through_the_panel(panel, qtbot, tmp_path):
    rows = [["x1", "x2", "y"]] + [[i * 0.1, (i % 7) * 0.2, i * 0.3 + 1] for i in range(30)]
    path = write_csv(tmp_path / "reg.csv", rows)

    def fill(question: dialogs.Question):
        question.widget.set_path(path)
        question.widget.task.setCurrentText("regression")
        return "OK"

    seen = made(panel)
    dialogs.set_answerer(fill)
    try:
        assert panel.import_csv()
    finally:
        dialogs.set_answerer(None)
    assert seen[0].name == "csv" and seen[0].task.task == "regression"
    assert panel.combo.currentData() == "csv" and panel.preview.kind == "points"
    assert panel.workspace.dataset_params["path"] == path
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert panel.findChildren(CsvDialog) == []  # the dialog does not linger as a child of the panel
