"""``playground sweep FILE --grid KEY=V1,V2 ... [--seeds N] [--steps N] --csv OUT``.

Trains every point of the grid once per seed (small networks as batched variants: see
``playground.experiments.sweep``), prints the mean and spread over seeds per point, and writes
one CSV row per run.
"""

from __future__ import annotations

import argparse
import csv
import math
from typing import Any

from playground.cli.errors import EXIT_USAGE, CliError
from playground.cli.files import check_writable, open_session


def register(sub: Any) -> None:
    p = sub.add_parser("sweep", help="train a grid of settings over several seeds and compare",
                       description="Train every combination of the --grid values once per seed and "
                                   "write one CSV row per run. Small networks train their variants "
                                   "together as one stacked model.")
    p.add_argument("file", help="a .playground session (its network, data and settings are the base)")
    p.add_argument("--grid", action="append", required=True, metavar="KEY=V1,V2",
                   help="values to try: a training setting (lr=0.01,0.1), a dataset parameter "
                        "(data.noise=0.1,0.3) or a block parameter (fc1.out_features=8,16); repeat for a grid")
    p.add_argument("--seeds", type=int, default=1, metavar="N", help="runs per grid point (seeds S, S+1, ...)")
    p.add_argument("--steps", type=int, metavar="N", help="steps per run (default: the session's run length)")
    p.add_argument("--csv", required=True, metavar="OUT", help="write one row per run here")
    p.set_defaults(func=run)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def run(args: argparse.Namespace) -> int:
    if args.seeds < 1:
        raise CliError(f"--seeds {args.seeds}: give at least 1 seed", EXIT_USAGE)
    if args.steps is not None and args.steps < 1:
        raise CliError(f"--steps {args.steps}: give at least 1 step", EXIT_USAGE)
    check_writable(args.csv, "--csv", replace=False)
    from playground.experiments.sweep import parse_grid, plan, run_sweep
    from playground.session.new import SettingError

    session = open_session(args.file)
    try:
        grid = parse_grid(args.grid)
        plan(session, grid, args.seeds)  # every setting checked before any training
    except SettingError as err:
        raise CliError(str(err), EXIT_USAGE) from None
    result = run_sweep(session, grid, args.seeds, args.steps,
                       progress=lambda done, total: print(f"trained group {done}/{total}", flush=True))
    keys = [key for key, _ in grid]
    try:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([*keys, "seed", "engine", "train_loss", "val_loss", "val_accuracy", "diverged_at"])
            for row in result.rows:
                writer.writerow([*(_cell(row.settings[k]) for k in keys), row.seed, row.engine, _cell(row.train_loss),
                                 _cell(row.val_loss), _cell(row.val_accuracy), _cell(row.diverged_at)])
    except OSError as err:
        raise CliError(f"--csv {args.csv}: {err.strerror or err}") from None
    for entry in result.summary():
        point = " ".join(f"{k}={_cell(entry[k])}" for k in keys)
        acc = entry["val_accuracy"]
        metric = (f"val accuracy {acc:.3f} ± {entry['val_accuracy_std']:.3f}" if not math.isnan(acc)
                  else f"val loss {entry['val_loss']:.4g} ± {entry['val_loss_std']:.2g}")
        extra = f", {entry['diverged']} diverged" if entry["diverged"] else ""
        print(f"{point}: {metric} over {entry['seeds']} seed(s){extra}")
    engines = sorted({row.engine for row in result.rows})
    print(f"{len(result.rows)} runs in {result.seconds:.1f} s ({', '.join(engines)}); wrote {args.csv}")
    return 0
