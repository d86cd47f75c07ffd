"""``playground inspect FILE (--input TEXT | --sample N [--split train|val]) [--json]``: run a
trained network on one input and print every block's output, in topological order, with its
shape, min/max/mean and share of zeros; attention blocks are opened into their parts.

``--input`` is read as the network's input takes it:

* 2-D points and other 1-D inputs: numbers separated by commas or spaces, ``--input "0.5,-0.2"``;
* tokens (sequence tasks): token ids separated by spaces, ``--input "3 1 4 1 5 9 2 6"``;
* pictures (8×8, 16×16 images): a text file with one row of pixel values per line, or the
  rows inline separated by ``/``, in the dataset's value range (0 to 1 for digits and shapes).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from playground.cli.errors import EXIT_USAGE, CliError
from playground.cli.files import open_session


def register(sub: Any) -> None:
    p = sub.add_parser(
        "inspect", help="step through a trained network block by block on one input",
        description="Run a trained network on one input (typed with --input, or a dataset sample "
                    "with --sample) and print each block's output in topological order: shape, min, "
                    "max, mean and share of zeros; attention blocks open into Q, K, V, scores, "
                    "softmax, weighted sum, add & norm and the feed-forward net. --input takes "
                    "\"0.5,-0.2\" for a 2-D point, \"3 1 4 1\" for tokens, and for a picture a text "
                    "file with one row of pixel values per line (or rows inline, separated by '/').",
        epilog="Lesions saved in the session are applied (as the app does); --no-lesions leaves them off.")
    p.add_argument("file", help="a trained .playground session")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--input", metavar="TEXT", help='the input: "0.5,-0.2" (point), "3 1 4 1" (tokens), '
                                                       "or a picture's text file")
    which.add_argument("--sample", type=int, metavar="N", help="a dataset sample by index")
    p.add_argument("--split", choices=("train", "val"), default="val",
                   help="which part of the dataset --sample counts in (default: val)")
    p.add_argument("--block", metavar="LABEL", help="show only this block (with its attention parts) and its values")
    p.add_argument("--no-lesions", action="store_true", help="leave out the lesions saved in the session")
    p.add_argument("--json", action="store_true",
                   help="print JSON: every step's statistics and its values (up to 4,096 numbers per tensor)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from playground.analysis.inspect import inspect_session
    from playground.analysis.inspect_input import InputChoice, InspectInputError, parse_input_text
    from playground.analysis.lesions import LesionError

    session = open_session(args.file)
    bundle = session.bundle()
    try:
        if args.input is not None:
            choice = parse_input_text(args.input, bundle.task)
        else:
            choice = InputChoice.sample(args.sample, args.split)
        inspection = inspect_session(session, choice, bundle, with_lesions=not args.no_lesions)
    except (InspectInputError, LesionError) as err:
        where = "--input" if args.input is not None else "--sample"
        raise CliError(f"{where}: {err}", EXIT_USAGE) from None
    if args.block is not None:
        try:
            inspection = inspection.only(args.block)
        except InspectInputError as err:
            raise CliError(f"--block: {err}", EXIT_USAGE) from None
    if args.json:
        print(json.dumps(inspection.to_dict(), indent=1))
        return 0
    print(inspection.table())
    if args.block is not None:
        for step in (*inspection.steps, *inspection.steps[0].parts):
            print(f"\n{step.label} {list(step.tensor.shape)}:\n{values_text(step.tensor)}")
    return 0


def values_text(tensor: Any) -> str:
    """A tensor's numbers in full, rows on their own lines (--block asks for one block's values)."""
    import sys

    import numpy as np

    array = tensor.detach().cpu().numpy()
    return np.array2string(array, precision=4, suppress_small=True, max_line_width=110,
                           threshold=sys.maxsize, floatmode="maxprec")
