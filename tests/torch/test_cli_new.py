"""One way to make a session: ``playground new`` and ``new_session`` give the same session for
every template, take the app's settings, fit the network to changed data and say what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.cli import main
from playground.cli.new import SET_HELP
from playground.data import DATASETS
from playground.graph.templates import TEMPLATES
from playground.session import load_session, load_session_bytes, session_bytes
from playground.session.new import OVERRIDE_HELP, SettingError, new_session
from playground.train.config import default_config


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def same_session(a, b) -> None:
    assert a.graph.to_dict() == b.graph.to_dict()
    assert (a.dataset, a.dataset_params, a.config) == (b.dataset, b.dataset_params, b.config)
    assert a.weights is None and b.weights is None and a.embedded_data == b.embedded_data


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_gives_the_same_session_from_the_cli_and_new_session(tmp_path, capsys, name):
    path = tmp_path / f"{name}.playground"
    code, out, err = run(capsys, "new", name, "-o", str(path))
    assert code == 0, err
    assert "does not fit" not in err and "adapted" not in out  # a template fits its own data
    from_cli = load_session(path)
    direct, changes = new_session(name)
    assert changes == []
    same_session(from_cli, load_session_bytes(session_bytes(direct)))
    # the app's intent: the dataset category's defaults under the template's own settings
    template = TEMPLATES[name]
    assert from_cli.config == default_config(DATASETS[template.dataset].category, **template.config)


def test_deep_linear_records_as_often_as_the_app_does(tmp_path, capsys):
    path = tmp_path / "dl.playground"
    assert run(capsys, "new", "deep_linear", "-o", str(path))[0] == 0
    config = load_session(path).config
    assert (config.eval_every, config.probe_every) == (10, 10)  # was 25/50 from the CLI, 10/10 from the app


def test_changed_dataset_sizes_fit_the_network_and_say_so(tmp_path, capsys):
    path = tmp_path / "dl.playground"
    code, out, err = run(capsys, "new", "deep_linear", "--set", "depth=2", "--set", "branching=3",
                         "-o", str(path))
    assert code == 0, err
    assert "adapted the network to hierarchy: set fc2.out_features = 13" in out
    assert "does not fit" not in err
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and "ok:" in out  # it used to fail its own check: "receives N×15 but ... N×13"
    session, changes = new_session("deep_linear", overrides=["depth=2", "branching=3"])
    assert changes == ["set fc2.out_features = 13"]
    assert session.graph.node_by_label("fc2").params["out_features"] == 13


def test_new_session_on_another_dataset(tmp_path):
    session, changes = new_session("mlp", "digits")
    assert any("Flatten" in c for c in changes) and any("Features2D" in c for c in changes)
    assert session.dataset == "digits"
    assert session.config == default_config("image", **TEMPLATES["mlp"].config)


@pytest.mark.parametrize("template, dataset, overrides, message", [
    ("nope", None, [], "unknown template 'nope'"),
    ("mlp", "nope", [], "unknown dataset 'nope'"),
    ("mlp", None, ["zz.out_features=3"], "no block called 'zz'"),
    ("mlp", None, ["config.speed=3"], "unknown setting 'speed'"),
    ("mlp", None, ["volume=3"], "has no parameter 'volume'"),
    ("mlp", None, ["noequals"], "expected KEY=VALUE"),
    ("mlp", "csv", [], "path=FILE.csv"),
])
def test_new_session_refuses_bad_input_in_one_line(template, dataset, overrides, message):
    with pytest.raises(SettingError) as info:
        new_session(template, dataset, overrides)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_only_data_read_from_a_file_is_not_regenerable():
    assert {name for name, d in DATASETS.items() if not d.regenerable} == {"csv"}


def test_a_csv_session_carries_its_table_and_a_bare_one_is_refused(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("x1,x2,y\n" + "".join(f"{i % 7},{i % 3},{(i % 7 + i % 3) % 2}\n" for i in range(40)))
    session, _ = new_session("mlp", "csv", [f"path={table}"])
    assert session.embedded_data is not None
    session.embedded_data = None  # a file that names a table it does not contain
    bare = tmp_path / "bare.playground"
    bare.write_bytes(session_bytes(session))
    code, _, err = run(capsys, "check", str(bare))
    assert code == 1 and "does not contain its data" in err


def test_the_cli_help_states_the_override_syntax_of_new_session():
    assert SET_HELP.splitlines()[1:] == OVERRIDE_HELP.splitlines()[1:]


def test_new_writes_nothing_on_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (["new", "mlp", "--set", "fc1.out_features=0", "-o", "x.playground"],
                 ["new", "mlp", "-o", ""],
                 ["new", "mlp", "-o", str(tmp_path)]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and len(err.strip().splitlines()) == 1, argv
    assert list(Path(tmp_path).iterdir()) == []
