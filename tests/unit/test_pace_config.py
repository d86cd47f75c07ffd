"""Contract 3: the pace settings are TrainConfig fields, saved with the session, checked by
``playground check``; watch is the default for 2-D and hierarchical data; old files still load."""

from __future__ import annotations

import pytest

from playground.cli import main
from playground.data import DATASETS, make_dataset
from playground.session import load_session, save_session
from playground.train import ConfigError, TrainConfig
from playground.workspace import template_session


def test_pace_fields_and_their_defaults():
    config = TrainConfig()
    assert (config.pace, config.watch_steps_per_s, config.until_stopped) == ("fastest", 50.0, False)
    with pytest.raises(ConfigError, match="pace"):
        TrainConfig.from_dict({"pace": "slow"})
    with pytest.raises(ConfigError, match="watch_steps_per_s"):
        TrainConfig.from_dict({"watch_steps_per_s": 0})


@pytest.mark.parametrize(("template", "pace"), [("mlp", "watch"), ("deep_linear", "watch"),
                                                ("transformer", "fastest"), ("lenet", "fastest")])
def test_watch_is_the_default_for_2d_and_hierarchical_data(template, pace):
    session, _ = template_session(template)
    assert session.config.pace == pace


def test_until_stopped_drops_the_limits_of_a_run_only():
    config = TrainConfig(epochs=300, max_steps=900, until_stopped=True)
    limits = config.run_limits()
    assert (limits.epochs, limits.max_steps) == (0, 0) and limits.until_stopped
    assert TrainConfig(epochs=300).run_limits().epochs == 300
    assert config.epochs == 300  # the person's limit is kept for when it is turned off


def test_pace_is_saved_and_checked_and_old_files_load(tmp_path, capsys):
    session, _ = template_session("mlp")
    session.config = session.config.with_changes(pace="watch", watch_steps_per_s=12.5, until_stopped=True)
    path = tmp_path / "paced.playground"
    save_session(session, str(path))
    reopened = load_session(str(path))
    assert (reopened.config.pace, reopened.config.watch_steps_per_s, reopened.config.until_stopped) == \
        ("watch", 12.5, True)
    assert main(["check", str(path)]) == 0
    assert "Traceback" not in "".join(capsys.readouterr())
    old = load_session("tests/sessions/v1_mlp_trained.playground")  # written before the pace fields
    assert old.config.pace == "fastest" and not old.config.until_stopped


def test_each_dataset_says_truly_whether_it_is_regression():
    as_marked = {"sequence": "classification"}  # a class per position
    for name in ("spirals", "plane", "sine", "polynomial", "bumps", "hierarchy", "reverse", "digits"):
        task = make_dataset(name).task.task
        assert as_marked.get(task, task) == DATASETS[name].task, name
