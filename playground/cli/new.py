"""``playground new TEMPLATE [--dataset NAME] [--set KEY=VALUE ...] -o FILE``.

The session comes from ``playground.session.new.new_session``, the same function the app uses,
so a template gives the same session from either.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from playground.cli.errors import EXIT_PROBLEM, EXIT_USAGE, CliError
from playground.cli.files import check_writable

# The same text as playground.session.new.OVERRIDE_HELP (kept here so --help imports no torch);
# tests/torch/test_cli_new.py checks that the two agree.
SET_HELP = """\
--set KEY=VALUE (repeatable) changes one setting:
  config.FIELD=V   training settings, e.g. config.lr=0.01 config.optimizer=sgd config.epochs=50
  data.PARAM=V     dataset parameters, e.g. data.noise=0.2 data.n_samples=2000 (also dataset.PARAM)
  LABEL.PARAM=V    a block's parameter by the block's name, e.g. fc1.out_features=32
  PARAM=V          a dataset parameter (shorthand for data.PARAM)
Values are read as JSON when they parse (0.01, true, [3,3]) and as text otherwise."""


def register(sub: Any) -> None:
    p = sub.add_parser("new", help="create a session from a template",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Create a session file from a template (see 'playground list templates'). "
                                   "When the data differs from the template's own, the network is "
                                   "fitted to it and each change is printed.",
                       epilog=SET_HELP)
    p.add_argument("template", help="template name, e.g. mlp, lenet, transformer")
    p.add_argument("--dataset", help="use this dataset instead of the template's own")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="change a setting (see below)")
    p.add_argument("-o", "--output", required=True, help="session file to write (.playground)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.output and os.path.exists(args.output) and not os.path.isdir(args.output) and not args.force:
        raise CliError(f"{args.output} already exists (use --force to overwrite)", EXIT_PROBLEM)
    check_writable(args.output, "-o")
    from playground.compile import check
    from playground.session import save_session
    from playground.session.new import SettingError, new_session

    try:
        session, changes = new_session(args.template, args.dataset, args.settings)
    except SettingError as err:
        raise CliError(str(err).replace("setting ", "--set ", 1) if str(err).startswith("setting ")
                       else str(err), EXIT_USAGE) from None
    bundle = session.bundle()
    report = check(session.graph, bundle.task)
    save_session(session, args.output)
    for change in changes:
        print(f"adapted the network to {session.dataset}: {change}")
    for d in report.errors:
        print(f"warning: the network does not fit {session.dataset} yet: {d.message}", file=sys.stderr)
    print(f"wrote {args.output}: template {args.template}, data {bundle.describe()}")
    return 0
