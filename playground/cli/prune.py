"""``playground prune FILE --sparsity S [--per-layer] [--units] [--rewind init|STEP] [--rounds N]
[--finetune STEPS] -o OUT [--csv CURVE]``: magnitude pruning and lottery tickets.

OUT gets the pruned session: masked weights are zeros, the masks are kept (later training
keeps them, and the exports respect them), and so are the rewind weights used. FILE is never
changed. CURVE gets one row per round: round, sparsity, metric, value.
"""

from __future__ import annotations

import argparse
import csv
import os
from typing import Any

from playground.cli.errors import EXIT_USAGE, CliError
from playground.cli.files import check_writable, open_session, same_file


def register(sub: Any) -> None:
    p = sub.add_parser(
        "prune", help="remove the smallest weights (or units) of a trained network; lottery tickets",
        description="Prune a trained session by magnitude to a sparsity (the share of weight "
                    "matrices and kernels set to zero), in one shot or over --rounds rounds that each "
                    "take the same share of what is left; optionally fine-tune with the mask fixed, or "
                    "rewind the survivors to their initial values (--rewind init) or to step k and "
                    "retrain: a lottery ticket.")
    p.add_argument("file", help="a trained .playground session")
    p.add_argument("--sparsity", type=float, required=True, metavar="S", help="share of weights removed, 0 ≤ S < 1")
    p.add_argument("--per-layer", action="store_true", help="the same share in every layer (default: global ranking)")
    p.add_argument("--units", action="store_true", help="remove whole units / channels instead of single weights")
    p.add_argument("--rewind", metavar="init|STEP", help="reset survivors to the initial weights or step STEP, retrain")
    p.add_argument("--rounds", type=int, default=1, metavar="N", help="iterative pruning in N rounds (default 1)")
    p.add_argument("--finetune", type=int, metavar="STEPS",
                   help="training steps after each round with the mask fixed (with --rewind: default "
                        "as many as the session trained after that step; else default 0)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="write the pruned session here")
    p.add_argument("--csv", metavar="CURVE", help="write the metric against sparsity, one row per round")
    p.set_defaults(func=run)


def _rewind(text: str | None) -> int | None:
    if text is None:
        return None
    if text == "init":
        return 0
    try:
        return int(text)
    except ValueError:
        raise CliError(f"--rewind {text}: give 'init' or a step number", EXIT_USAGE) from None


def run(args: argparse.Namespace) -> int:
    from playground.analysis.prune import prune_session
    from playground.analysis.pruning import PruneError
    from playground.session import save_session

    rewind = _rewind(args.rewind)
    check_writable(args.output, "-o")
    if args.csv:
        check_writable(args.csv, "--csv", replace=False)
    session = open_session(args.file)
    if os.path.exists(args.output) and same_file(args.output, args.file):
        raise CliError(f"-o {args.output} is the input file: write the pruned session elsewhere", EXIT_USAGE)

    def report(point: Any) -> None:
        print(f"round {point.round}: sparsity {point.sparsity:.3f}, {point.metric} {point.value:.4f}")

    try:
        result = prune_session(session, args.sparsity, args.per_layer, args.units, rewind, args.rounds,
                               args.finetune, progress=report)
    except PruneError as err:
        raise CliError(str(err), EXIT_USAGE) from None
    save_session(result.session, args.output)
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(("round", "sparsity", "metric", "value"))
            writer.writerows((p.round, f"{p.sparsity:.6g}", p.metric, f"{p.value:.6g}") for p in result.curve)
    print(f"wrote {args.output}: {result.dense.metric} {result.dense.value:.4f} dense, "
          f"{result.pruned.value:.4f} at sparsity {result.sparsity:.3f}")
    return 0
