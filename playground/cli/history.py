"""``playground history FILE --out DIR``: everything a saved session recorded, as files.

The same files ``train --history DIR`` writes (``scalars.csv``, ``modes.csv`` and
``modes_meta.json`` for deep-linear runs, one ``KIND.npz`` per array kind), read from the
session's stored record instead of a live run.
"""

from __future__ import annotations

import argparse
from typing import Any

from playground.cli.errors import CliError
from playground.cli.files import check_folder, open_session
from playground.cli.results import write_history_folder


def register(sub: Any) -> None:
    p = sub.add_parser("history", help="write everything a saved session recorded into a folder",
                       description="Write a session's recorded history (scalars, mode strengths, "
                                   "histograms, attention, boundary and activation maps) as CSV, "
                                   "JSON and .npz files in a folder.")
    p.add_argument("file", help="a .playground session")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (created if missing)")
    p.set_defaults(func=run)


def load_record(session: Any, path: str) -> Any:
    """A MetricsBuffer holding the session's scalar series and its stored record of every kind."""
    from playground.train import MetricsBuffer

    buffer = MetricsBuffer()
    if session.history:
        buffer.import_history(session.history)
    record = getattr(session, "record", None)  # (meta, arrays) from MetricsBuffer.export_record()
    if record:
        meta, arrays = record
        try:
            buffer.import_record(meta, arrays)
        except ValueError as err:
            raise CliError(f"{path}: the stored record cannot be read ({err})") from None
    return buffer


def run(args: argparse.Namespace) -> int:
    check_folder(args.out, "--out")
    session = open_session(args.file)
    for warning in session.warnings:
        print(f"warning: {warning}")
    buffer = load_record(session, args.file)
    if not buffer.series_names() and not getattr(session, "record", None):
        raise CliError(f"{args.file} has no recorded history yet: train it first "
                       f"(playground train {args.file} --steps N)")
    written = write_history_folder(buffer, args.out)
    for path in written:
        print(f"wrote {path}")
    return 0
