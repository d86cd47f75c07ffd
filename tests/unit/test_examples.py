"""The shipped examples (File ▸ Open Example): each loads, fits its data, tells a story, is
small, is shipped in a wheel, and equals what packaging/make_examples.py would write today."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from playground.compile.check import check
from playground.data.images import resource_path
from playground.experiments.registry import EXPERIMENTS
from playground.graph.templates import TEMPLATES
from playground.session import SessionError
from playground.workspace.examples import EXAMPLES, build_example, example_path, load_example, out_of_date

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "run: python packaging/make_examples.py (then commit resources/examples)"


def test_the_examples_asked_for_are_there_and_are_not_the_templates():
    assert {"spiral_mlp", "deep_linear_stages", "transformer_reverse", "lenet_digits", "residual_vs_plain",
            "autoencoder"} <= set(EXAMPLES)
    titles = {t.title for t in TEMPLATES.values()}
    for example in EXAMPLES.values():
        assert example.title not in titles
        assert example.summary and example.file.endswith(".playground")


def test_every_template_and_every_experiment_has_an_example():
    as_it_is = {e.template for e in EXAMPLES.values() if e.build is None and not e.overrides}
    assert set(TEMPLATES) - as_it_is == set(), "templates without an example of their own"
    assert set(EXPERIMENTS) - {e.experiment for e in EXAMPLES.values()} == set(), "experiments without one"
    for example in EXAMPLES.values():
        assert bool(example.template) != (example.build is not None), example.name


@pytest.mark.parametrize("name", [n for n, e in EXAMPLES.items() if e.experiment])
def test_an_experiments_example_names_the_menu_entry_that_runs_the_whole_experiment(name):
    example = EXAMPLES[name]
    assert f"Experiments ▸ {EXPERIMENTS[example.experiment].title} " in example.story


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_an_example_loads_untrained_with_its_story_and_a_network_that_fits_its_data(name):
    session = load_example(name)
    story = session.notes
    assert story == EXAMPLES[name].story
    assert "press Train" in story and "What to look for" in story
    assert session.weights is None and not session.history  # small: the story says "press Train"
    bundle = session.bundle()
    report = check(session.graph, bundle.task)
    assert report.ok, [d.message for d in report.errors]
    assert example_path(name).stat().st_size < 20_000


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_a_shipped_example_is_what_the_generator_writes_today(name):
    problem = out_of_date(example_path(name), build_example(name))
    assert problem == "", f"{EXAMPLES[name].file}: {problem}; {REGENERATE}"


def test_out_of_date_names_what_changed(tmp_path):
    fresh = build_example("dying_relu")
    stale = build_example("dying_relu")
    stale.notes += " (an older story)"
    assert stale.config is not None
    stale.config = stale.config.with_changes(lr=0.02)
    from playground.session import save_session

    save_session(stale, str(tmp_path / "old.playground"))
    assert out_of_date(tmp_path / "old.playground", fresh) == "training settings, story differ"
    save_session(fresh, str(tmp_path / "new.playground"))
    assert out_of_date(tmp_path / "new.playground", fresh) == ""


def test_every_example_file_is_one_the_generator_knows():
    shipped = {p.name for p in (ROOT / "resources" / "examples").glob("*.playground")}
    assert shipped == {e.file for e in EXAMPLES.values()}, REGENERATE


def test_the_examples_go_into_the_wheel_and_are_found_where_an_install_puts_them(tmp_path, monkeypatch):
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for example in EXAMPLES.values():
        assert any(Path(f"examples/{example.file}").match(p) for p in data["playground.resources"])
    # an installed package has no repository root: the files are found through the resources folder
    installed = tmp_path / "resources" / "examples"
    installed.mkdir(parents=True)
    source = ROOT / "resources" / "examples" / EXAMPLES["spiral_mlp"].file
    (installed / source.name).write_bytes(source.read_bytes())
    monkeypatch.setenv("PLAYGROUND_RESOURCES", str(tmp_path / "resources"))
    assert example_path("spiral_mlp") == installed / source.name
    assert resource_path("examples/" + source.name).parent == installed


def test_an_unknown_example_names_the_known_ones_and_a_damaged_file_is_one_clear_error(tmp_path, monkeypatch):
    with pytest.raises(KeyError, match="spiral_mlp"):
        load_example("nope")
    broken = tmp_path / "resources" / "examples"
    broken.mkdir(parents=True)
    (broken / EXAMPLES["autoencoder"].file).write_bytes(b"PK not really a zip")
    monkeypatch.setenv("PLAYGROUND_RESOURCES", str(tmp_path / "resources"))
    with pytest.raises(SessionError, match="damaged"):
        load_example("autoencoder")
