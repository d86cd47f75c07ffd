"""``train --patience N``: the early-stopping watcher for a headless run (analysis layer)."""

from __future__ import annotations

import argparse
from typing import Any


def early_stopping(args: argparse.Namespace, trainer: Any) -> Any:
    """An attached ``EarlyStopping`` when ``--patience`` was given, else None."""
    if args.patience is None:
        return None
    from playground.analysis.early_stopping import EarlyStopping

    return EarlyStopping(args.patience).attach(trainer)
