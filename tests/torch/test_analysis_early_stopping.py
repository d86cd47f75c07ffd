"""Early stopping stops a real run once the validation metric stops improving, at the same step
every time (step numbers, not the clock), and the best weights can be restored."""

from __future__ import annotations

import pytest
import torch

from playground.analysis.early_stopping import EarlyStopping
from playground.analysis.evaluation import Evaluator
from playground.cli import main
from playground.session import load_session
from playground.session.new import new_session


def _run(patience: int):
    # the spiral MLP, far longer than it needs: its validation accuracy tops out and stays there
    session, _ = new_session("mlp", overrides=["n_samples=200", "config.epochs=600", "config.lr=0.05",
                                               "config.seed=0"])
    trainer = session.make_trainer()
    stopper = EarlyStopping(patience).attach(trainer)
    trainer.run(raise_errors=True, wait_when_paused=False)
    return trainer, stopper


def test_stops_when_the_metric_stops_improving_and_restores_the_best():
    trainer, stopper = _run(3)
    assert stopper.stopped_at is not None and trainer.step < 600 and trainer.state == "stopped"
    assert stopper.metric == "val/accuracy" and stopper.best_step < stopper.stopped_at
    steps, accs = trainer.buffer.series("val/accuracy")
    assert max(accs) == pytest.approx(stopper.best)
    after = [v for s, v in zip(steps, accs, strict=True) if s > stopper.best_step]
    assert len(after) == 3 and all(v <= stopper.best for v in after)  # patience: three evaluations, none better
    assert steps[-1] == stopper.stopped_at
    assert stopper.restore_best()
    best = Evaluator(trainer.model, trainer.bundle).score().accuracy
    assert best == pytest.approx(stopper.best)
    again, stopper2 = _run(3)
    assert (stopper2.stopped_at, again.step) == (stopper.stopped_at, trainer.step)  # by step number


def test_patience_is_checked():
    with pytest.raises(ValueError, match="patience must be at least 1"):
        EarlyStopping(0)


def test_cli_train_patience_saves_the_best(tmp_path, capsys):
    path = tmp_path / "mlp.playground"
    assert main(["new", "mlp", "--set", "n_samples=200", "--set", "config.epochs=600", "--set",
                 "config.lr=0.05", "-o", str(path)]) == 0
    assert main(["train", str(path), "--patience", "3", "--restore-best", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "stopped early at step" in out + err
    session = load_session(str(path))
    score = Evaluator(_model(session), session.bundle()).score()
    assert score.accuracy == pytest.approx(max(session.history["val/accuracy"]["values"]))
    capsys.readouterr()
    assert main(["train", str(path), "--patience", "0"]) == 2
    assert "--patience" in capsys.readouterr().err


def _model(session):
    from playground.analysis.evaluation import trained_model

    return trained_model(session, session.bundle())


def test_weights_are_not_touched_by_watching():
    session, _ = new_session("mlp", overrides=["n_samples=200", "config.epochs=30", "config.seed=0"])
    a = session.make_trainer()
    a.run(raise_errors=True, wait_when_paused=False)
    b = session.make_trainer()
    EarlyStopping(1000).attach(b)
    b.run(raise_errors=True, wait_when_paused=False)
    assert all(torch.equal(v, b.model.state_dict()[k]) for k, v in a.model.state_dict().items())
