"""The best checkpoint by a validation metric and early stopping with patience, kept by the
trainer itself at the steps of the record schedule: real runs, real files."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import torch

from playground.analysis.evaluation import Evaluator
from playground.cli import main
from playground.session import load_session
from playground.session.fileformat import load_session_bytes, session_bytes
from playground.session.new import new_session
from playground.train.best import NoBestCheckpoint
from playground.train.schedule import is_due
from playground.workspace import Workspace

SPIRAL = ["n_samples=200", "config.lr=0.05", "config.seed=0"]


def _trained(*overrides: str):
    session, _ = new_session("mlp", overrides=[*SPIRAL, *overrides])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    return session, trainer


def _recorded(trainer, name: str) -> list[tuple[int, float]]:
    steps, values = trainer.buffer.series(name)
    return [(int(s), float(v)) for s, v in zip(steps, values, strict=True)]


def test_the_best_is_the_best_recorded_validation_and_restoring_it_gives_that_metric():
    _, trainer = _trained("config.epochs=120")
    best = trainer.best
    assert best is not None and best["metric"] == "val/accuracy"  # auto: a classifier keeps accuracy
    recorded = _recorded(trainer, "val/accuracy")
    top = max(v for _, v in recorded)
    assert best["value"] == pytest.approx(top)
    assert best["step"] == min(s for s, v in recorded if v == top)  # the first to reach it
    last = Evaluator(trainer.model, trainer.bundle).score().accuracy
    restored = trainer.restore_best()
    assert restored is best
    assert Evaluator(trainer.model, trainer.bundle).score().accuracy == pytest.approx(best["value"])
    assert trainer.step == 120  # the run's counters stay; only the weights go back
    # the views see what the restored weights do: the step is recorded again with them
    assert _recorded(trainer, "val/accuracy")[-1] == (120, pytest.approx(best["value"]))
    if last != best["value"]:
        assert _recorded(trainer, "val/accuracy")[-1][1] != last


def test_val_loss_is_kept_lowest_and_the_best_is_the_same_for_the_same_seed():
    _, a = _trained("config.epochs=60", "config.best_metric=val_loss")
    _, b = _trained("config.epochs=60", "config.best_metric=val_loss")
    assert a.best["metric"] == "val/loss"
    assert a.best["value"] == pytest.approx(min(v for _, v in _recorded(a, "val/loss")))
    assert (a.best["step"], a.best["value"]) == (b.best["step"], b.best["value"])
    assert all(torch.equal(v, b.best["weights"][k]) for k, v in a.best["weights"].items())


def test_patience_stops_the_run_at_a_step_and_says_why():
    _, trainer = _trained("config.epochs=600", "config.patience=3")
    assert trainer.state == "stopped" and trainer.step < 600
    stopped = trainer.early_stopped_at
    assert stopped == trainer.step
    message = trainer.buffer.status()["message"]
    assert message.startswith(f"Early stop at step {stopped}: 3 validations in a row without a better "
                              "validation accuracy")
    assert f"at step {trainer.best['step']}" in message
    after = [(s, v) for s, v in _recorded(trainer, "val/accuracy") if s > trainer.best["step"]]
    assert [s for s, _ in after][-1] == stopped and len(after) == 3
    assert all(is_due(s, 600) for s, _ in after)  # validations of the schedule, by step number
    assert all(v <= trainer.best["value"] for _, v in after)
    _, again = _trained("config.epochs=600", "config.patience=3")
    assert again.early_stopped_at == stopped


def test_no_patience_trains_to_the_limit():
    _, trainer = _trained("config.epochs=40")
    assert trainer.state == "finished" and trainer.step == 40 and trainer.early_stopped_at is None


def test_restoring_without_a_best_says_so():
    session, _ = new_session("mlp", overrides=SPIRAL)
    trainer = session.make_trainer()
    with pytest.raises(NoBestCheckpoint, match="no best checkpoint yet"):
        trainer.restore_best()


def test_save_and_reopen_keeps_the_best():
    session, trainer = _trained("config.epochs=80")
    session.capture(trainer)
    reopened = load_session_bytes(session_bytes(session))
    assert reopened.warnings == []
    assert {k: reopened.best[k] for k in ("metric", "step", "value")} == \
        {k: trainer.best[k] for k in ("metric", "step", "value")}
    resumed = reopened.make_trainer()
    assert resumed.best["step"] == trainer.best["step"]
    resumed.restore_best()
    assert Evaluator(resumed.model, resumed.bundle).score().accuracy == pytest.approx(trainer.best["value"])


def test_the_workspace_carries_the_best_through_load_and_to_session(tmp_path):
    session, trainer = _trained("config.epochs=40")
    session.capture(trainer)
    workspace = Workspace()
    workspace.load(session)
    assert workspace.best is session.best
    out = workspace.to_session()
    assert out.best["step"] == trainer.best["step"]
    path = tmp_path / "w.playground"
    from playground.session import save_session

    save_session(out, str(path))
    assert load_session(str(path)).best["value"] == pytest.approx(trainer.best["value"])


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            out.writestr(info, content if info.filename == name else src.read(info.filename))
    return buf.getvalue()


@pytest.mark.parametrize(("doc", "reason"), [
    ({"metric": "train/loss", "step": 4, "value": 0.5}, "its metric must be one of"),
    ({"metric": "val/loss", "step": -3, "value": 0.5}, "its step must be a whole number"),
    ({"metric": "val/loss", "step": True, "value": 0.5}, "its step must be a whole number"),
    ({"metric": "val/loss", "step": 4, "value": "NaN"}, "its value must be a finite number"),
    ([1, 2, 3], "is not a mapping"),
])
def test_a_hostile_best_is_left_out_with_one_message_and_the_rest_opens(doc, reason):
    session, trainer = _trained("config.epochs=20")
    session.capture(trainer)
    data = _with_member(session_bytes(session), "best.json", json.dumps(doc).encode())
    reopened = load_session_bytes(data)
    assert reopened.best is None
    assert len(reopened.warnings) == 1 and reason in reopened.warnings[0]
    assert reopened.warnings[0].startswith("the best checkpoint could not be read")
    assert reopened.weights is not None and reopened.history  # the rest of the file opened


def test_best_weights_that_do_not_fit_are_left_out():
    session, trainer = _trained("config.epochs=20")
    session.capture(trainer)
    session.best = {**session.best, "weights": {k: torch.zeros(3) for k in session.best["weights"]}}
    reopened = load_session_bytes(session_bytes(session))
    assert reopened.best is None and "could not be read" in reopened.warnings[0]
    assert reopened.weights is not None


def test_cli_train_keeps_the_best_and_stops_by_the_sessions_patience(tmp_path, capsys):
    path = tmp_path / "mlp.playground"
    assert main(["new", "mlp", "--set", "n_samples=200", "--set", "config.epochs=600", "--set",
                 "config.lr=0.05", "--set", "config.patience=3", "-o", str(path)]) == 0
    assert main(["train", str(path), "--quiet"]) == 0
    assert "Early stop at step" in capsys.readouterr().err
    session = load_session(str(path))
    assert session.config.patience == 3 and session.best is not None
    assert session.best["value"] == pytest.approx(max(session.history["val/accuracy"]["values"]))
