"""``playground export FILE --python OUT.py | --onnx OUT.onnx | --torchrun OUT.py``."""

from __future__ import annotations

import argparse
from typing import Any

from playground.cli.errors import EXIT_USAGE, CliError
from playground.cli.files import check_writable, open_session


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


def run(args: argparse.Namespace) -> int:
    from playground.compile import CompileError
    from playground.export.python_code import ExportError

    if not (args.python or args.onnx or args.torchrun):
        raise CliError("say what to export: --python OUT.py, --onnx OUT.onnx or --torchrun OUT.py", EXIT_USAGE)
    for option, path in (("--python", args.python), ("--onnx", args.onnx), ("--torchrun", args.torchrun)):
        if path:
            check_writable(path, option)
    session = open_session(args.file)
    bundle = session.bundle()
    from playground.export.files import write_onnx, write_python, write_torchrun
    from playground.export.onnx import OnnxExportError

    try:
        if args.python:
            written = write_python(session, bundle, args.python)
            if len(written) > 1:
                print(f"wrote {args.python} and its weights {written[1]}")
            else:
                print(f"wrote {args.python} (untrained: the session has no weights yet)")
        if args.onnx:
            try:
                write_onnx(session, bundle, args.onnx)
            except OnnxExportError as err:
                raise CliError(str(err)) from None
            print(f"wrote {args.onnx}" + ("" if session.weights is not None else " (untrained weights)"))
        if args.torchrun:
            write_torchrun(session, bundle, args.torchrun)
            print(f"wrote {args.torchrun}: run it with 'torchrun --nproc_per_node=2 {args.torchrun}'"
                  f" (it writes the trained session beside itself for Neural Playground)")
    except (CompileError, ExportError) as err:
        raise CliError(f"cannot export: {err}") from None
    return 0
