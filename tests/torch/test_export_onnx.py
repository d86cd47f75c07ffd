"""ONNX export: onnxruntime gives the same outputs as PyTorch for trained-looking weights."""

from __future__ import annotations

import sys

import numpy as np
import onnxruntime as ort
import pytest
import torch

from playground.compile import compile_graph
from playground.data import make_dataset
from playground.export.onnx import OnnxExportError, example_input, export_onnx
from playground.graph.templates import TEMPLATES


@pytest.mark.parametrize("name", ["mlp", "lenet", "resnet", "lstm_classifier", "vit"])
def test_onnxruntime_matches_pytorch(tmp_path, name):
    template = TEMPLATES[name]
    bundle = make_dataset(template.dataset, template.dataset_params)
    torch.manual_seed(0)
    model = compile_graph(template.build(), bundle.task)
    with torch.no_grad():  # move BatchNorm statistics away from their defaults too
        model.train()
        model(bundle.x_train[:64])
    model.eval()
    path = tmp_path / f"{name}.onnx"
    export_onnx(model, bundle.task, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = bundle.x_val[:5]  # a batch size other than the traced one
    (got,) = session.run(None, {"x": x.numpy()})
    with torch.no_grad():
        want = model(x).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert not model.training  # export leaves the model as it found it


def test_missing_onnx_package_gives_a_clear_message(tmp_path, monkeypatch):
    template = TEMPLATES["mlp"]
    bundle = make_dataset(template.dataset)
    model = compile_graph(template.build(), bundle.task)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(OnnxExportError, match=r"pip install 'neural-playground\[onnx\]'"):
        export_onnx(model, bundle.task, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_token_inputs_export_as_integers():
    bundle = make_dataset("parity")
    assert example_input(bundle.task).dtype == torch.long
