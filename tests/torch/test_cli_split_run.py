"""``train --steps`` limits one run, not the schedule: a cosine run trained in pieces from the
command line follows the same learning-rate curve and losses as one run of the whole length
(issue 12, failure 7: `--steps` used to replace the cosine horizon)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from playground.cli import main
from playground.session import load_session, save_session
from playground.session.new import new_session


def _train(*argv: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["train", *argv, "--quiet"]) == 0


@pytest.mark.parametrize("schedule", ["cosine", "warmup_cosine"])
def test_a_cosine_run_trained_in_pieces_matches_one_run(tmp_path, schedule):
    session, _ = new_session("mlp", overrides=[f"config.schedule={schedule}", "config.max_steps=40",
                                              "config.epochs=0", "config.warmup_steps=5", "n_samples=200"])
    start = tmp_path / "start.playground"
    save_session(session, str(start))
    whole, pieces = tmp_path / "whole.playground", tmp_path / "pieces.playground"
    _train(str(start), "--steps", "30", "-o", str(whole))
    _train(str(start), "--steps", "12", "-o", str(pieces))
    _train(str(pieces), "--steps", "18", "--in-place")

    a, b = load_session(str(whole)), load_session(str(pieces))
    for name in ("train/loss", "lr"):
        sa, sb = a.history[name], b.history[name]
        assert sa["steps"] == sb["steps"], name
        assert np.array_equal(np.asarray(sa["values"]), np.asarray(sb["values"])), name
    assert a.history["lr"]["values"][-1] > 0  # 30 of 40 steps: the curve has not reached its end
    assert a.config.max_steps == b.config.max_steps == 40  # the session keeps its own limit
