"""``playground summary FILE [--json]``: per block output shape, parameters, MACs and activation
memory per sample, and the totals."""

from __future__ import annotations

import argparse
import json
from typing import Any

from playground.cli.files import open_session


def register(sub: Any) -> None:
    p = sub.add_parser(
        "summary", help="per block: output shape, parameters, multiply-accumulates, activation memory",
        description="Print a table of the network's blocks: output shape, parameters (all and "
                    "trainable), multiply-accumulates per sample, and activation memory per sample "
                    "(forward, and what training keeps for the backward pass), with totals.")
    p.add_argument("file", help="a .playground session")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from playground.analysis.summary import model_summary

    session = open_session(args.file)
    summary = model_summary(session.graph, session.bundle().task)
    print(json.dumps(summary.to_dict(), indent=1) if args.json else summary.table())
    return 0
