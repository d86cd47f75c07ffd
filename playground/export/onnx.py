"""ONNX export of a compiled network, weights included (needs the ``onnx`` extra)."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from typing import Any, cast

import torch

from playground.compile.compiler import CompiledModel
from playground.compile.masks import Masks, zero_masked
from playground.graph.spec import TaskSpec

ONNX_MISSING = ("ONNX export needs the onnx package: pip install 'neural-playground[onnx]' "
                "(or pip install onnx)")
OPSET = 17


class OnnxExportError(ValueError):
    """The network could not be written as ONNX; the message says why."""


def example_input(task: TaskSpec, batch: int = 2) -> torch.Tensor:
    """A batch the exporter can trace: zeros of the input shape (token id 0 for token inputs)."""
    if task.input_dtype == "long":
        return torch.zeros((batch, *task.input_shape), dtype=torch.long)
    return torch.zeros((batch, *task.input_shape), dtype=torch.float32)


def export_onnx(model: CompiledModel, task: TaskSpec, path: str | os.PathLike[str],
                masks: Masks | None = None) -> None:
    """Write ``model`` (in eval mode, on CPU) to ``path`` with a dynamic batch dimension.

    ``masks`` (pruning, by state_dict key): the pruned weights are set to zero in ``model``
    first, so the file holds them as zeros.

    The graph takes ``x`` (N, *input_shape) and returns ``y``, the tensor fed to the Output
    block (logits for classification, before any softmax).
    """
    try:
        import onnx
    except ImportError:
        raise OnnxExportError(ONNX_MISSING) from None
    was_training = model.training
    model = model.cpu().eval()
    if masks:
        zero_masked(model, masks)
    taps, model.taps = model.taps, set()
    model.record_attention(False)
    try:
        buf = io.BytesIO()
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (example_input(task),), cast(Any, buf), dynamo=False, input_names=["x"],  # a file works too
                output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
                opset_version=OPSET, do_constant_folding=True,
            )
        proto = onnx.load_from_string(buf.getvalue())
        _use_readable_names(proto, model)
        onnx.checker.check_model(proto)
    except OnnxExportError:
        raise
    except Exception as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise OnnxExportError(f"this network cannot be exported to ONNX: {first}") from None
    finally:
        model.taps = taps
        model.train(was_training)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(proto.SerializeToString())
    os.replace(tmp, path)


def _use_readable_names(proto: Any, model: CompiledModel) -> None:
    """Tensors and nodes named after the block labels (``fc1.weight``, ``/fc1/Gemm``), as on the
    canvas and in exported code, instead of the node ids the compiled module uses."""
    graph = proto.graph
    existing = {t.name for t in graph.initializer} | {v.name for v in graph.input}
    existing |= {n for node in graph.node for n in (*node.input, *node.output)}
    keys = {t.name for t in graph.initializer} & set(model.state_dict())
    renamed = {key: model.readable_key(key) for key in keys}
    # never let a new name meet a tensor name already there (it would wire the graph differently)
    renamed = {k: v for k, v in renamed.items() if v == k or v not in existing}
    names = model.readable_names()
    prefixes = {f"/{model.node_names[nid]}/": f"/{name}/" for nid, name in names.items()}

    def new(name: str) -> str:
        return renamed.get(name, name)

    for tensor in graph.initializer:
        tensor.name = new(tensor.name)
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        value.name = new(value.name)
    for node in graph.node:
        node.input[:] = [new(n) for n in node.input]
        node.output[:] = [new(n) for n in node.output]
        for old, readable in prefixes.items():
            if node.name.startswith(old):
                node.name = readable + node.name[len(old):]
                break
