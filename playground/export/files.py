"""Writing exports to disk: the files ``playground export`` and File ▸ Export both write.

Each writer takes a session and its data, writes atomically (a failed export never leaves half
a file) and returns the paths written. Pruning masks are respected by all three: masked weights
are zeros in the Python weights and the ONNX model, and the torchrun script keeps the mask
while it trains.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO

from playground.compile.compiler import compile_graph
from playground.data import DataBundle
from playground.session.atomic import atomic_write
from playground.session.model import Session

LOADER = '''

def load_trained(path=None):
    """The network with the weights it learned in the playground.

    They are kept next to this file as {weights} (safetensors: tensors only, no code).
    """
    from pathlib import Path

    from safetensors.torch import load_file

    model = Net()
    model.load_state_dict(load_file(path or Path(__file__).with_name("{weights}")))
    return model.eval()
'''


def write_bytes(path: str, data: bytes) -> None:
    def put(f: BinaryIO) -> None:
        f.write(data)

    atomic_write(path, put)


def write_python(session: Session, bundle: DataBundle, path: str) -> list[str]:
    """``path``: the network as one nn.Module; trained weights beside it as ``.safetensors``."""
    from playground.export.python_code import export_python, exported_weights

    code = export_python(session.graph, bundle.task, "Net")
    if session.weights is None:
        write_bytes(path, code.encode("utf-8"))
        return [path]
    from safetensors.torch import save

    weights = os.path.splitext(path)[0] + ".safetensors"
    readable = exported_weights(session.graph, bundle.task, session.weights, session.masks)  # label names
    write_bytes(weights, save({k: v.contiguous() for k, v in readable.items()}))
    write_bytes(path, (code + LOADER.format(weights=os.path.basename(weights))).encode("utf-8"))
    return [path, weights]


def write_onnx(session: Session, bundle: DataBundle, path: str) -> list[str]:
    """``path``: the network and its weights as ONNX (raises OnnxExportError, saying why)."""
    from playground.export.onnx import export_onnx

    model = compile_graph(session.graph, bundle.task)
    if session.weights is not None:
        model.load_state_dict(session.weights)
    export_onnx(model, bundle.task, path, session.masks)
    return [path]


def write_torchrun(session: Session, bundle: DataBundle, path: str) -> list[str]:
    """``path``: a standalone training script with the model, data and settings baked in."""
    from playground.export.torchrun import export_torchrun

    arrays = {k: getattr(bundle, k).numpy() for k in ("x_train", "y_train", "x_val", "y_val")}
    config = session.config.to_dict() if session.config else {}
    code = export_torchrun(session.graph, bundle.task, arrays, config, title=os.path.basename(path),
                           masks=session.masks, session=session)
    write_bytes(path, code.encode("utf-8"))
    return [path]


WRITERS: dict[str, Callable[[Session, DataBundle, str], list[str]]] = {
    "python": write_python, "onnx": write_onnx, "torchrun": write_torchrun}
