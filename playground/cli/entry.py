"""``main()``: run one command line and turn every way it can end into an exit status.

The whole run, imports included, sits inside one handler: a failure is one line on stderr,
never a traceback, and Ctrl+C (or SIGTERM, SIGHUP) at any moment exits 128 + N with one line.
Set ``PLAYGROUND_DEBUG=1`` to see the traceback of an unexpected error.
"""

from __future__ import annotations

import os
import sys
import traceback

from playground.cli.errors import (
    EXIT_PROBLEM,
    EXIT_USAGE,
    CliError,
    describe_error,
    is_allocation_failure,
    is_known,
    stop_code,
    stop_name,
)
from playground.cli.launch import launch
from playground.cli.parser import COMMANDS, build_parser
from playground.cli.signals import install_stop_handlers, restore_handlers


def run(argv: list[str]) -> int:
    """Run one command line; raises what goes wrong (``main`` reports it)."""
    if not argv:
        return launch(None)
    if argv[0] not in COMMANDS and not argv[0].startswith("-"):
        # one argument is a session to open, unless it is clearly a mistyped command ("help", "lsit")
        looks_like_file = os.path.exists(argv[0]) or "." in os.path.basename(argv[0]) or os.sep in argv[0]
        if len(argv) > 1 or not looks_like_file:
            raise CliError(f"unknown command {argv[0]!r}; commands: {', '.join(COMMANDS)} "
                           "(or give a .playground file to open)", EXIT_USAGE)
        return launch(argv[0])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help / --version
        return int(done.code or 0)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return int(args.func(args))


def report(err: BaseException) -> int:
    """Say what ended the run in one line; its exit status."""
    if isinstance(err, SystemExit):
        return err.code if isinstance(err.code, int) else EXIT_PROBLEM
    if isinstance(err, KeyboardInterrupt):
        print(f"playground: interrupted ({stop_name(err)})", file=sys.stderr)
        return stop_code(err)
    if isinstance(err, BrokenPipeError):  # `playground list blocks | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    if isinstance(err, CliError):
        print(f"playground: {err}", file=sys.stderr)
        return err.code
    line = describe_error(err)
    if not is_known(err) and not is_allocation_failure(err):
        line += " (a bug in Neural Playground: please report it; PLAYGROUND_DEBUG=1 shows the details)"
    print(f"playground: {line}", file=sys.stderr)
    if os.environ.get("PLAYGROUND_DEBUG"):
        traceback.print_exception(err)
    return EXIT_PROBLEM


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    previous = install_stop_handlers()
    try:
        try:
            return run(argv)
        except BaseException as err:  # every way a run can end is reported as one line
            return report(err)
    except KeyboardInterrupt as err:  # pressed again while the first one was being reported
        print(f"playground: interrupted ({stop_name(err)})", file=sys.stderr)
        return stop_code(err)
    finally:
        restore_handlers(previous)
