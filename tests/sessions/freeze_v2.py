"""How the frozen schema-2 session file next to this script was made (run once, 2026-12-01).

A test fixture forever: never regenerate it. It holds what schema 2 added: a snapshot record
(``record.json`` + ``record.safetensors``: a meta dict and flat numeric arrays, contract 1).
It carries no weights: they were keyed by label until the compiler keyed them by node id
(contract 4), so a trained v2 file is to be frozen as ``freeze_v2_trained.py`` once both landed.

    .venv/bin/python tests/sessions/freeze_v2.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from playground.graph.templates import TEMPLATES
from playground.session import SCHEMA_VERSION, Session, save_session
from playground.train import TrainConfig

HERE = Path(__file__).parent


def main() -> int:
    target = HERE / "v2_mlp_record.playground"
    if target.exists():
        print("the frozen file exists already; it must never be regenerated", file=sys.stderr)
        return 1
    assert SCHEMA_VERSION == 2
    t = TEMPLATES["mlp"]
    s = Session(graph=t.build(), dataset="spirals", dataset_params={"n_samples": 200, "seed": 5},
                config=TrainConfig.from_dict({**t.config, "batch_size": 32, "epochs": 0, "max_steps": 40}))
    s.dataset_params = dict(s.bundle().params)
    s.notes = "frozen schema 2 file: mlp on spirals with a snapshot record"
    s.ui_state = {"viewport": {"x": 1.0, "y": 2.0, "zoom": 0.75}, "open_views": ["histograms"]}
    steps = np.arange(0, 40, 4, dtype=np.int64)
    s.record = ({"kinds": {"weights": {"steps": "weights_steps", "counts": "weights_counts"}}, "version": 1},
                {"weights_steps": steps,
                 "weights_counts": np.arange(len(steps) * 41, dtype=np.int64).reshape(len(steps), 41),
                 "weights_edges": np.linspace(-1.0, 1.0, 42)})
    save_session(s, str(target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
