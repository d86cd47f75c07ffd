"""``playground lesion FILE [--block LABEL …] [--zero LABEL:UNITS …] [--all-single] [--csv OUT]
[-o OUT]``: take blocks out of a trained network (no retraining) and report the metric drop.

``--block`` makes a block's single lesion (an Add's residual branch is cut, any other block is
bypassed); ``--zero fc1:0,3`` zeroes units (channels, attention heads). Without any of them, or
with ``--all-single``, every block's single lesion is made, one at a time. ``-o`` saves a copy
of the session with the named lesions kept in it (the weights are never changed).
"""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from playground.cli.errors import EXIT_USAGE, CliError
from playground.cli.files import check_writable, open_session


def register(sub: Any) -> None:
    p = sub.add_parser(
        "lesion", help="take blocks out of a trained network and report the validation metric drop",
        description="Lesion a trained network without retraining and report, per lesion, the drop "
                    "of the main validation metric (accuracy as a fraction, or the loss; worse is "
                    "positive). Without --block/--zero every single-block lesion is made.")
    p.add_argument("file", help="a trained .playground session")
    p.add_argument("--block", nargs="+", action="extend", default=[], metavar="LABEL",
                   help="bypass the block (an Add: cut its residual branch)")
    p.add_argument("--zero", action="append", default=[], metavar="LABEL:UNITS",
                   help="zero units, channels or attention heads, e.g. fc1:0,3")
    p.add_argument("--all-single", action="store_true", help="every block's single lesion, one at a time")
    p.add_argument("--csv", metavar="OUT", help="write the rows as CSV: block, kind, metric, before, after, drop")
    p.add_argument("-o", "--output", metavar="OUT", help="save the session with the named lesions kept in it")
    p.set_defaults(func=run)


def _units(text: str) -> tuple[str, tuple[int, ...]]:
    label, sep, units = text.rpartition(":")
    try:
        parsed = tuple(int(u) for u in units.split(",") if u.strip())
    except ValueError:
        parsed = ()
    if not sep or not label or not parsed:
        raise CliError(f"--zero {text}: give LABEL:UNITS, e.g. fc1:0,3", EXIT_USAGE)
    return label, parsed


def run(args: argparse.Namespace) -> int:
    from playground.analysis.lesion_table import CSV_COLUMNS, lesion_for_label, lesion_table
    from playground.analysis.lesions import LesionError

    zeros = [_units(z) for z in args.zero]
    if args.csv:
        check_writable(args.csv, "--csv", replace=False)
    if args.output:
        if not (args.block or zeros):
            raise CliError("-o saves named lesions: give --block or --zero", EXIT_USAGE)
        check_writable(args.output, "-o")
    session = open_session(args.file)
    bundle = session.bundle()
    try:
        named = [lesion_for_label(session, bundle, label) for label in args.block]
        named += [lesion_for_label(session, bundle, label, units) for label, units in zeros]
    except LesionError as err:
        raise CliError(str(err), EXIT_USAGE) from None
    rows = []
    if named:
        rows += lesion_table(session, bundle, named)
    if args.all_single or not named:
        rows += lesion_table(session, bundle)
    width = max([len(r.block) for r in rows] + [5])
    print(f"{'block':<{width}}  {'kind':<10}  {'metric':<12}  {'before':>8}  {'after':>8}  {'drop':>8}")
    for r in rows:
        print(f"{r.block:<{width}}  {r.kind:<10}  {r.metric:<12}  {r.before:>8.4f}  {r.after:>8.4f}  {r.drop:>8.4f}")
    if args.csv:
        out = sys.stdout if args.csv == "-" else open(args.csv, "w", newline="", encoding="utf-8")
        try:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(r.csv_row() for r in rows)
        finally:
            if out is not sys.stdout:
                out.close()
    if args.output:
        from playground.session import save_session

        session.lesions = [lesion.to_dict() for lesion in named]
        save_session(session, args.output)
        print(f"wrote {args.output} with {len(named)} lesion(s) kept")
    return 0
