"""Command line: ``playground [FILE] | list | new | check | train | export``.

Layer: above session. Imports the core freely; imports ``playground.ui`` only to launch the app.
Every failure a person can cause ends as one line on stderr and a non-zero exit status:
1 for a problem with a file or its contents, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from playground import __version__

COMMANDS = ("list", "new", "check", "train", "export")
EXAMPLE_TEMPLATE = "mlp"


class CliError(Exception):
    """A problem to report as one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see '{self.prog} --help')", 2)


SET_HELP = """\
--set KEY=VALUE (repeatable) changes one setting:
  config.FIELD=V   training settings, e.g. config.lr=0.01 config.optimizer=sgd config.epochs=50
  data.PARAM=V     dataset parameters, e.g. data.noise=0.2 data.n_samples=2000 (also dataset.PARAM)
  LABEL.PARAM=V    a block's parameter by the block's name, e.g. fc1.out_features=32
  PARAM=V          a dataset parameter (shorthand for data.PARAM)
Values are read as JSON when they parse (0.01, true, [3,3]) and as text otherwise."""


def _list(args: argparse.Namespace) -> int:
    if args.what == "blocks":
        from playground.compile.blocks import BLOCKS

        for name, block in sorted(BLOCKS.items(), key=lambda kv: (kv[1].category, kv[0])):
            print(f"{name:<18} {block.category:<15} {block.description}")
    elif args.what == "templates":
        from playground.graph.templates import TEMPLATES

        for name, t in TEMPLATES.items():
            print(f"{name:<16} {t.dataset:<12} {t.title}: {t.description}")
    else:
        from playground.data import DATASETS

        for name, d in sorted(DATASETS.items(), key=lambda kv: (kv[1].category, kv[0])):
            print(f"{name:<14} {d.category:<13} {d.title}: {d.description}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from playground.cli_session import open_session
    from playground.compile import check

    session = open_session(args.file)
    bundle = session.bundle()
    report = check(session.graph, bundle.task)
    print(f"{args.file}: {len(session.graph.nodes)} blocks, {len(session.graph.edges)} wires; "
          f"data {bundle.describe()}")
    for warning in session.warnings:
        print(f"warning: {warning}")
    labels = {n.id: n.label for n in session.graph.nodes.values()}
    for d in report.diagnostics:
        where = f" [{labels[d.node_id]}]" if d.node_id in labels else ""
        print(f"{d.severity}{where}: {d.message}")
    if report.errors:
        print(f"{len(report.errors)} error(s)", file=sys.stderr)
        return 1
    from playground.compile import compile_graph

    model = compile_graph(session.graph, bundle.task)
    n_params = sum(p.numel() for p in model.parameters())
    trained = "untrained" if session.weights is None else "trained"
    print(f"ok: {n_params:,} parameters, loss {model.loss_name}, {trained}")
    return 0


def no_display_reason() -> str | None:
    """Why a window cannot open here (Linux without X11 or Wayland), or None.

    Checked before Qt starts: Qt itself aborts the process with a multi-line plugin message.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the app on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "the command line still works without one (see 'playground --help')")


def _launch(path: str | None) -> int:
    if path is not None and not os.path.isfile(path):
        raise CliError(f"no such file: {path}", 2 if not os.path.exists(path) else 1)
    reason = no_display_reason()
    if reason is not None:
        raise CliError(reason)
    try:
        from playground.ui import app
    except ImportError as err:
        raise CliError(f"the desktop app is not available ({err}); the command line still works "
                       f"(see 'playground --help')") from None
    launch = getattr(app, "launch", None)
    if launch is None:
        raise CliError("the desktop app is not available in this build (no playground.ui.app.launch)")
    return int(launch(path))


def build_parser() -> argparse.ArgumentParser:
    from playground.cli_export import add_export_parser
    from playground.cli_new import add_new_parser
    from playground.cli_train import add_train_parser

    parser = _Parser(
        prog="playground", description="Neural Playground: build, train and watch neural networks.",
        epilog="Run 'playground' alone to open the app on an example, or 'playground FILE' to open a "
               "session in the app.")
    parser.add_argument("--version", action="version", version=f"Neural Playground {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p_list = sub.add_parser("list", help="list templates, datasets or blocks")
    p_list.add_argument("what", choices=["templates", "datasets", "blocks"])
    p_list.set_defaults(func=_list)
    add_new_parser(sub)
    p_check = sub.add_parser("check", help="print a session's diagnostics; exit status 1 on errors")
    p_check.add_argument("file", help="a .playground session")
    p_check.set_defaults(func=_check)
    add_train_parser(sub)
    add_export_parser(sub)
    return parser


def run(argv: list[str]) -> int:
    if not argv:
        return _launch(None)
    if argv[0] not in COMMANDS and not argv[0].startswith("-"):
        # one argument is a session to open, unless it is clearly a mistyped command ("help", "lsit")
        looks_like_file = os.path.exists(argv[0]) or "." in os.path.basename(argv[0]) or os.sep in argv[0]
        if len(argv) > 1 or not looks_like_file:
            raise CliError(f"unknown command {argv[0]!r}; commands: {', '.join(COMMANDS)} "
                           "(or give a .playground file to open)", 2)
        return _launch(argv[0])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help / --version
        return int(done.code or 0)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return int(args.func(args))


def describe_error(err: BaseException) -> str:
    """One line for a person; an OSError names the file and the reason, not an errno."""
    if isinstance(err, OSError) and err.strerror:
        where = err.filename if err.filename is not None else ""
        return f"{where}: {err.strerror}" if where else err.strerror
    return str(err)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from playground.cli_session import known_errors

    try:
        return run(argv)
    except CliError as err:
        print(f"playground: {err}", file=sys.stderr)
        return err.code
    except known_errors() as err:
        print(f"playground: {describe_error(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("playground: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `playground list blocks | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
