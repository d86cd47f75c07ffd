"""File ▸ Export and ``playground export`` write the same files through ``playground.export.files``;
a pruned session's masks reach every format (the app's dialog once dropped them)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from playground.session.new import new_session
from playground.ui.export_files import export_files


@pytest.fixture
def pruned(tmp_path):
    session, _ = new_session("mlp")
    trainer = session.make_trainer()
    trainer.run(max_steps=5, raise_errors=True)
    session.capture(trainer)
    weights = dict(session.weights or {})
    key = next(k for k, v in weights.items() if v.dim() == 2)
    mask = torch.rand(weights[key].shape, generator=torch.Generator().manual_seed(0)) > 0.5
    session.weights, session.masks = weights, {key: mask}
    return session, key, mask


def test_the_app_export_zeroes_pruned_weights_in_python_and_onnx(pruned, tmp_path):
    session, _key, mask = pruned
    written = export_files(session, session.bundle(), ["python", "onnx", "torchrun"], str(tmp_path), "net")
    assert sorted(p.rsplit("/", 1)[1] for p in written) == ["net.onnx", "net.py", "net.safetensors", "net_train.py"]
    saved = load_file(str(tmp_path / "net.safetensors"))
    exported = next(v for v in saved.values() if v.shape == mask.shape)
    assert torch.all(exported[~mask] == 0) and torch.any(exported[mask] != 0)
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(tmp_path / "net.onnx"))
    matrices = [numpy_helper.to_array(t) for t in model.graph.initializer]
    pruned_matrix = next(m for m in matrices if m.shape in (tuple(mask.shape), tuple(mask.shape)[::-1]))
    pruned_matrix = pruned_matrix if pruned_matrix.shape == tuple(mask.shape) else pruned_matrix.T
    assert np.all(pruned_matrix[~mask.numpy()] == 0)
    assert "MASKS = {\n    \"" in (tmp_path / "net_train.py").read_text()  # the script keeps the mask
