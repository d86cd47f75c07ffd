"""``playground experiment NAME [--out DIR] [--quick] [--seeds N]``: reproduce a classic result.

Trains the experiment's variants for real, prints its one-line verdict (computed from the run),
and with ``--out`` writes ``NAME.csv`` (its metrics) and ``NAME.png`` (its key plot). Ctrl+C
stops it; what finished is kept and the rest is named. ``playground experiment --list`` (or an
unknown name) lists the set.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from playground.cli.errors import EXIT_USAGE, CliError
from playground.cli.files import check_folder


def register(sub: Any) -> None:
    p = sub.add_parser("experiment", help="reproduce a classic result and print its measured verdict",
                       description="Run one of the built-in experiments (stages, attention, multiplication, "
                                   "dying-relu, ...): it trains its variants, prints a verdict measured "
                                   "from the run, and writes its metrics (CSV) and key plot (PNG).")
    p.add_argument("name", nargs="?", help="the experiment (see --list)")
    p.add_argument("--list", action="store_true", help="list the experiments and what each shows")
    p.add_argument("--out", metavar="DIR", help="write NAME.csv and NAME.png here (created if missing)")
    p.add_argument("--quick", action="store_true", help="the short version (about a minute on two cores)")
    p.add_argument("--seeds", type=int, default=1, metavar="N", help="seeds per variant (default 1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from playground.experiments.base import ExperimentError, write_rows
    from playground.experiments.registry import EXPERIMENTS, get_experiment, run_experiment

    if args.list or not args.name:
        for exp in EXPERIMENTS.values():
            print(f"{exp.name:16} {exp.title}: {exp.look_for}")
        return 0 if args.list else EXIT_USAGE
    if args.seeds < 1:
        raise CliError(f"--seeds {args.seeds}: give at least 1 seed", EXIT_USAGE)
    try:
        experiment = get_experiment(args.name)
    except ExperimentError as err:
        raise CliError(str(err), EXIT_USAGE) from None
    if args.out is not None:
        check_folder(args.out, "--out")
    print(f"{experiment.title}: {experiment.explanation}\nLook for: {experiment.look_for}", flush=True)
    result = run_experiment(args.name, quick=args.quick, seeds=args.seeds,
                            progress=lambda text: print(f"  {text} ...", flush=True))
    if args.out is not None:
        try:
            os.makedirs(args.out, exist_ok=True)
            from pathlib import Path
            csv_path = write_rows(result.rows, Path(args.out) / f"{result.name}.csv")
            from playground.ui.plot_png import render_plot
            png_path = os.path.join(args.out, f"{result.name}.png")
            render_plot(result.plot, png_path)
        except OSError as err:
            raise CliError(f"--out {args.out}: {err.strerror or err}") from None
        print(f"wrote {csv_path}\nwrote {png_path}")
    if result.skipped:
        print(f"stopped early; not run: {', '.join(result.skipped)}")
    print(f"verdict: {result.verdict}")
    return 0
