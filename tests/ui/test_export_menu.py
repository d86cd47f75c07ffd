"""File ▸ Export driven like a person: the menu action, the dialog answered, real files that
load and compute what the app's own network computes; and the failures a person can cause."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import torch

from playground.compile import compile_graph
from playground.graph.edits import RemoveNode
from playground.ui.export_dialog import ExportDialog


def fill(folder, name: str, kinds: tuple[str, ...]):
    """An answer to the Export dialog: tick ``kinds``, type the folder and name, press Export."""

    def answer(question):
        dialog = question.widget
        assert isinstance(dialog, ExportDialog)
        for key, check in dialog.checks.items():
            check.setChecked(key in kinds)
        dialog.folder.setText(str(folder))
        dialog.name.setText(name)
        assert dialog.export_button.isEnabled()
        return "OK"

    return answer


def trained_window(open_window, qtbot):
    w = open_window("mlp")
    w.window_actions.step.trigger()  # one step: the session has weights to export
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step == 1, timeout=20000)
    qtbot.waitUntil(lambda: w.controller.state == "paused", timeout=5000)
    return w


def app_outputs(w, x):
    model = compile_graph(w.document.graph, w.workspace.bundle.task)
    session = w.file_ops.snapshot()
    model.load_state_dict(session.weights)
    with torch.no_grad():
        return model.eval()(x)


def test_export_writes_python_onnx_and_torchrun_that_load_and_match_the_app(answers, asked, qtbot, open_window,
                                                                           tmp_path):
    w = trained_window(open_window, qtbot)
    out = tmp_path / "out"
    out.mkdir()
    answers["Export"] = fill(out, "spiral_net", ("python", "onnx", "torchrun"))
    w.window_actions.export.trigger()
    assert [q.title for q in asked][-2:] == ["Export", "Exported"], [q.text for q in asked]
    written = {p.name for p in out.iterdir()}
    assert written == {"spiral_net.py", "spiral_net.safetensors", "spiral_net.onnx", "spiral_net_train.py"}
    x = w.workspace.bundle.x_val[:5]
    expected = app_outputs(w, x)
    # the Python file imports, loads the weights written next to it and computes what the app computes
    spec = importlib.util.spec_from_file_location("spiral_net_export", out / "spiral_net.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with torch.no_grad():
        got = module.load_trained()(x)
    torch.testing.assert_close(got, expected)
    # ONNX: the venv has onnx and onnxruntime; the model loads, checks and runs
    import onnx
    import onnxruntime

    onnx.checker.check_model(onnx.load(str(out / "spiral_net.onnx")))
    run = onnxruntime.InferenceSession(str(out / "spiral_net.onnx"))
    (y,) = run.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(y, expected.numpy(), rtol=1e-4, atol=1e-5)
    # the torchrun script is a complete program
    source = (out / "spiral_net_train.py").read_text()
    compile(source, "spiral_net_train.py", "exec")
    assert "torchrun --nproc_per_node" in source and "class Net(nn.Module)" in source
    assert "spiral_net" in w.statusBar().currentMessage()
    assert str(w.settings.value("export/folder")) == str(out)  # the next export starts there


def test_export_into_a_missing_or_unwritable_folder_says_where_and_writes_nothing(answers, asked, qtbot,
                                                                                  open_window, tmp_path):
    w = open_window("mlp")
    missing = tmp_path / "no" / "such"
    answers["Export"] = fill(missing, "net", ("python",))
    w.window_actions.export.trigger()
    assert asked[-1].title == "Cannot export" and str(missing) in asked[-1].text
    assert not missing.exists()
    answers["Export"] = fill("/proc", "net", ("python", "torchrun"))  # refuses new files, even for root
    w.window_actions.export.trigger()
    assert asked[-1].title == "Cannot export" and "/proc/net.py" in asked[-1].text, asked[-1].text
    assert w.isVisible()  # the app keeps running


def test_a_network_with_problems_is_not_exported_and_the_message_names_the_block(answers, asked, qtbot,
                                                                                  open_window, tmp_path):
    w = open_window("mlp")
    head = w.document.graph.node_by_label("fc2")
    assert w.document.push(RemoveNode(head.id))  # tanh1 → (nothing) → head: the chain is broken
    assert not w.document.report.ok
    answers["Export"] = fill(tmp_path, "broken", ("python", "onnx", "torchrun"))
    w.window_actions.export.trigger()
    message = asked[-1]
    assert message.title == "Cannot export" and "problems" in message.text
    assert any(node.label in message.text for node in w.document.graph.nodes.values())
    assert not list(tmp_path.glob("broken*"))


def test_the_dialog_says_what_each_format_is_for_and_which_files_it_writes(qtbot, tmp_path):
    dialog = ExportDialog(str(tmp_path), "net")
    qtbot.addWidget(dialog)
    assert set(dialog.checks) == {"python", "onnx", "torchrun"}
    assert all(check.toolTip() and check.accessibleName() for check in dialog.checks.values())
    assert dialog.chosen() == ["python"] and "net.py" in dialog.preview.text()
    dialog.checks["torchrun"].setChecked(True)
    assert "net_train.py" in dialog.preview.text()
    dialog.name.setText("")
    assert not dialog.export_button.isEnabled()


@pytest.fixture(autouse=True)
def _forget_imported_exports():
    yield
    sys.modules.pop("spiral_net_export", None)
