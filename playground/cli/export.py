"""``playground export FILE --python OUT.py | --onnx OUT.onnx | --torchrun OUT.py``."""

from __future__ import annotations

import argparse
import os
from typing import Any, BinaryIO

from playground.cli.errors import EXIT_USAGE, CliError
from playground.cli.files import check_writable, open_session

_LOADER = '''

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


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export", help="export a session's network as Python, ONNX or a torchrun training script",
        description="Export the network of a session. Give one or more of the outputs.")
    p.add_argument("file", help="a .playground session")
    p.add_argument("--python", metavar="OUT.py",
                   help="standalone PyTorch code; trained weights go next to it as OUT.safetensors")
    p.add_argument("--onnx", metavar="OUT.onnx", help="ONNX model with weights (needs the onnx extra)")
    p.add_argument("--torchrun", metavar="OUT.py",
                   help="standalone training script (model, data, settings baked in) for "
                        "'torchrun --nproc_per_node=N OUT.py' or plain 'python OUT.py'")
    p.set_defaults(func=run)


def _write(path: str, data: bytes) -> None:
    from playground.session.atomic import atomic_write

    def put(f: BinaryIO) -> None:
        f.write(data)

    atomic_write(path, put)


def run(args: argparse.Namespace) -> int:
    from playground.compile import CompileError, compile_graph
    from playground.compile.export_code import ExportError

    if not (args.python or args.onnx or args.torchrun):
        raise CliError("say what to export: --python OUT.py, --onnx OUT.onnx or --torchrun OUT.py", EXIT_USAGE)
    for option, path in (("--python", args.python), ("--onnx", args.onnx), ("--torchrun", args.torchrun)):
        if path:
            check_writable(path, option)
    session = open_session(args.file)
    bundle = session.bundle()
    task = bundle.task
    try:
        if args.python:
            from playground.compile.export_code import export_python, exported_weights

            code = export_python(session.graph, task, "Net")
            if session.weights is not None:
                from safetensors.torch import save

                weights = os.path.splitext(args.python)[0] + ".safetensors"
                readable = exported_weights(session.graph, task, session.weights, session.masks)  # label names
                _write(weights, save({k: v.contiguous() for k, v in readable.items()}))
                code += _LOADER.format(weights=os.path.basename(weights))
                _write(args.python, code.encode("utf-8"))
                print(f"wrote {args.python} and its weights {weights}")
            else:
                _write(args.python, code.encode("utf-8"))
                print(f"wrote {args.python} (untrained: the session has no weights yet)")
        if args.onnx:
            from playground.compile.export_onnx import OnnxExportError, export_onnx

            model = compile_graph(session.graph, task)
            if session.weights is not None:
                model.load_state_dict(session.weights)
            try:
                export_onnx(model, task, args.onnx, session.masks)
            except OnnxExportError as err:
                raise CliError(str(err)) from None
            print(f"wrote {args.onnx}" + ("" if session.weights is not None else " (untrained weights)"))
        if args.torchrun:
            from playground.compile.export_torchrun import export_torchrun

            arrays = {k: getattr(bundle, k).numpy() for k in ("x_train", "y_train", "x_val", "y_val")}
            code = export_torchrun(session.graph, task, arrays, session.config.to_dict() if session.config else {},
                                   title=os.path.basename(args.file), masks=session.masks)
            _write(args.torchrun, code.encode("utf-8"))
            print(f"wrote {args.torchrun}: run it with 'torchrun --nproc_per_node=2 {args.torchrun}'")
    except (CompileError, ExportError) as err:
        raise CliError(f"cannot export: {err}") from None
    return 0
