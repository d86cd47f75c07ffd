"""The argument parser, assembled from each command module's ``register(subparsers)``.

``COMMANDS`` is read back from the subparsers, so a new command is one module plus one entry
in ``COMMAND_MODULES``. Building the parser imports no torch: commands import the core only
when they run.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from playground import __version__
from playground.cli import check, experiment, export, history, lesion, new, prune, summary, sweep, train
from playground.cli import inspect as inspect_command
from playground.cli import list as list_command
from playground.cli.errors import EXIT_USAGE, CliError

COMMAND_MODULES = (list_command, new, check, train, export, history, summary, inspect_command, lesion, prune, sweep,
                   experiment)


class ArgParser(argparse.ArgumentParser):
    """argparse that reports a mistake as a CliError (one line, exit 2) instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see '{self.prog} --help')", EXIT_USAGE)


def build_parser() -> ArgParser:
    parser = ArgParser(
        prog="playground", description="Neural Playground: build, train and watch neural networks.",
        epilog="Run 'playground' alone to open the app on an example, or 'playground FILE' to open a "
               "session in the app.")
    parser.add_argument("--version", action="version", version=f"Neural Playground {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgParser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def command_names(parser: argparse.ArgumentParser) -> tuple[str, ...]:
    """The sub-command names a parser accepts, in the order they were registered."""
    for action in parser._actions:  # argparse keeps its sub-commands here; there is no public getter
        if isinstance(action, argparse._SubParsersAction):
            return tuple(action.choices)
    return ()


COMMANDS: tuple[str, ...] = command_names(build_parser())
