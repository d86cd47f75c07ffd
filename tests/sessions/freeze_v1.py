"""How the frozen schema-1 session files next to this script were made (run once, 2026-11-23).

They are test fixtures forever: never regenerate them. When the schema changes, add a
``freeze_vN.py`` for the new version and keep every older file loading through migrations.

    .venv/bin/python tests/sessions/freeze_v1.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from playground.data import load_csv
from playground.graph.templates import TEMPLATES
from playground.session import Session, save_session
from playground.train import TrainConfig

HERE = Path(__file__).parent


def main() -> int:
    targets = [HERE / "v1_mlp_trained.playground", HERE / "v1_csv_untrained.playground"]
    if any(t.exists() for t in targets):
        print("frozen files exist already; they must never be regenerated", file=sys.stderr)
        return 1
    t = TEMPLATES["mlp"]
    s = Session(graph=t.build(), dataset="spirals", dataset_params={"n_samples": 200, "seed": 5},
                config=TrainConfig.from_dict({**t.config, "batch_size": 32, "epochs": 0}))
    s.dataset_params = dict(s.bundle().params)
    trainer = s.make_trainer()
    trainer.run(max_steps=40)
    s.capture(trainer)
    s.notes = "frozen schema 1 file: mlp on spirals, 40 steps"
    s.ui_state = {"viewport": {"x": 10.0, "y": -5.0, "zoom": 1.5}, "open_views": ["loss", "boundary"]}
    s.runs = [{"label": "first run", "config": s.config.to_dict(), "history": s.history}]
    save_session(s, str(targets[0]))

    rng = np.random.default_rng(0)
    csv = HERE / "_points.csv"
    rows = ["height,width,kind"] + [f"{a:.3f},{b:.3f},{'big' if a + b > 0 else 'small'}"
                                    for a, b in rng.normal(size=(50, 2))]
    csv.write_text("\n".join(rows) + "\n")
    bundle = load_csv(csv)
    csv.unlink()
    c = Session(graph=t.build(), dataset="csv", dataset_params={"path": "points.csv"},
                config=TrainConfig(batch_size=16, max_steps=20))
    c.embed_bundle(bundle)
    c.notes = "frozen schema 1 file: CSV data embedded, not trained"
    save_session(c, str(targets[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
