"""Command line: ``playground [FILE] | list | new | check | train | export | history``.

Layer: cli, above session (and the workspace). Imports the core freely, but only inside the
command that needs it, so ``playground --version`` and ``--help`` never import torch; imports
``playground.ui`` only to launch the app.

One module per command, each with ``register(subparsers)``; ``errors`` holds CliError and the
exit statuses, ``files`` the path checks, ``signals`` the stop handling, ``parser`` assembles
the commands and ``entry.main`` is the console script (``playground.cli:main``).
"""

from playground.cli.entry import main, run
from playground.cli.errors import CliError, describe_error
from playground.cli.parser import COMMANDS, build_parser

__all__ = ["COMMANDS", "CliError", "build_parser", "describe_error", "main", "run"]
