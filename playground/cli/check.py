"""``playground check FILE``: a session's diagnostics; exit status 1 on errors."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from playground.cli.files import open_session


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="print a session's diagnostics; exit status 1 on errors")
    p.add_argument("file", help="a .playground session")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from playground.compile import check, compile_graph
    from playground.session import SessionError

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
    # the estimate and budget that Session.make_trainer applies: check passing means train fits
    print(f"memory: {session.memory_estimate(bundle).describe()}")
    try:
        session.ensure_memory(bundle)
    except SessionError as err:
        print(f"error: {err}")
        print("1 error(s)", file=sys.stderr)
        return 1
    model = compile_graph(session.graph, bundle.task)
    n_params = sum(p.numel() for p in model.parameters())
    trained = "untrained" if session.weights is None else "trained"
    print(f"ok: {n_params:,} parameters, loss {model.loss_name}, {trained}")
    return 0
