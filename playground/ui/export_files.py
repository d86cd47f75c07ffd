"""The files File ▸ Export writes: standalone PyTorch code, an ONNX model, a torchrun script.

Qt-free, so the dialog stays thin: ``export_files`` checks the folder and the network first,
then writes each file atomically (a failed export never leaves half a file). The formats are
the command line's (``playground export``), written by the same ``playground.export.files`` writers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from playground.data import DataBundle
from playground.graph.model import Graph
from playground.graph.spec import Diagnostic
from playground.session.model import Session


@dataclass(frozen=True)
class ExportFormat:
    key: str
    title: str
    suffix: str  # added to the chosen name: "name.py", "name.onnx", "name_train.py"
    description: str


FORMATS: dict[str, ExportFormat] = {f.key: f for f in (
    ExportFormat("python", "Python code", ".py",
                 "One PyTorch nn.Module with layers named after your blocks; the trained weights go "
                 "next to it as .safetensors with a load_trained() helper. Needs only torch."),
    ExportFormat("onnx", "ONNX model", ".onnx",
                 "The network and its weights for onnxruntime, Netron and other frameworks; any batch "
                 "size. Needs the onnx package to write."),
    ExportFormat("torchrun", "torchrun training script", "_train.py",
                 "One script with the model, the data and the training settings baked in: run "
                 "python FILE, or torchrun --nproc_per_node=N FILE for data-parallel training."),
)}


class ExportProblem(Exception):
    """Why nothing (or not everything) was exported, in words for a person."""


def output_paths(folder: str, name: str, kinds: Sequence[str]) -> dict[str, str]:
    """Format key -> the file it writes (``name`` without its extension)."""
    stem = os.path.splitext(name.strip())[0] if name.strip().endswith((".py", ".onnx")) else name.strip()
    return {kind: os.path.join(folder, stem + FORMATS[kind].suffix) for kind in kinds}


def check_folder(folder: str) -> None:
    if not folder.strip():
        raise ExportProblem("Choose a folder to export to.")
    if not os.path.isdir(folder):
        raise ExportProblem(f"The folder {folder} does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportProblem(f"No permission to write in {folder}. Choose another folder.")


def graph_problems(graph: Graph, diagnostics: Sequence[Diagnostic]) -> str:
    """The network's errors as lines naming their blocks ("" when it can be built)."""
    lines = []
    for d in diagnostics:
        if d.severity != "error":
            continue
        node = graph.nodes.get(d.node_id) if d.node_id else None
        lines.append(f"• {node.label}: {d.message}" if node is not None else f"• {d.message}")
    return "\n".join(lines[:8]) + (f"\n… and {len(lines) - 8} more" if len(lines) > 8 else "")


def export_files(session: Session, bundle: DataBundle, kinds: Sequence[str], folder: str, name: str) -> list[str]:
    """Write the chosen formats for ``session`` (its data ``bundle``); the paths written.

    Raises ExportProblem, saying what and where, before writing anything when the folder or the
    network is not usable, and naming what was already written when a later format fails."""
    from playground.compile.check import check

    if not kinds:
        raise ExportProblem("Choose at least one format to export.")
    unknown = [k for k in kinds if k not in FORMATS]
    if unknown:
        raise ExportProblem(f"Unknown export format: {', '.join(unknown)}")
    if not name.strip() or os.sep in name or (os.altsep and os.altsep in name):
        raise ExportProblem("Give the files a name (without a folder), e.g. spiral_net.")
    check_folder(folder)
    problems = graph_problems(session.graph, check(session.graph, bundle.task).diagnostics)
    if problems:
        raise ExportProblem("The network has problems, so it cannot be exported yet:\n" + problems
                            + "\n\nFix them (the red badges on the canvas) and export again.")
    written: list[str] = []
    for kind, path in output_paths(folder, name, kinds).items():
        try:
            written += _write_one(kind, session, bundle, path)
        except ExportProblem as err:
            raise ExportProblem(_with_written(f"{FORMATS[kind].title}: {err}", written)) from None
        except OSError as err:
            raise ExportProblem(_with_written(f"Cannot write {path}: {err.strerror or err}", written)) from None
        except ValueError as err:  # CompileError, ExportError: the network cannot be written this way
            raise ExportProblem(_with_written(f"{FORMATS[kind].title}: {err}", written)) from None
    return written


def _with_written(message: str, written: list[str]) -> str:
    return message + (f"\n\nAlready written: {', '.join(written)}" if written else "")


def _write_one(kind: str, session: Session, bundle: DataBundle, path: str) -> list[str]:
    from playground.export.files import WRITERS
    from playground.export.onnx import OnnxExportError

    try:
        return WRITERS[kind](session, bundle, path)
    except OnnxExportError as err:
        raise ExportProblem(str(err)) from None
