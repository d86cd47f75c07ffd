"""Run comparison core: variants × seeds trained for real on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from playground.analysis.summary import model_summary
from playground.experiments.compare import (
    Comparison,
    VariantSpec,
    plan_comparison,
    record_run,
    run_comparison,
)
from playground.experiments.compare_changes import split_changes
from playground.session.new import SettingError, new_session
from playground.train.metrics import MetricsBuffer
from playground.train.trainer import Trainer

STEPS = 60


@pytest.fixture(scope="module")
def spiral():
    session, _ = new_session("mlp", overrides=["data.n_samples=200"])
    return session, session.bundle()


def _plan(spiral, specs, seeds=3, steps=STEPS):
    session, bundle = spiral
    return plan_comparison(session.graph, session.config, session.dataset, bundle, specs, seeds, steps)


def test_variants_train_every_seed_and_the_band_holds_every_curve(spiral):
    specs = [VariantSpec("base"), VariantSpec("fast", ["lr=0.1"]), VariantSpec("narrow", ["fc1.out_features=4"]),
             VariantSpec("deeper", ["add_layer=fc1"])]
    planned = _plan(spiral, specs)
    result = run_comparison(planned, spiral[1])
    assert [r.name for r in result.results] == ["base", "fast", "narrow", "deeper"]
    for variant in result.results:
        curves = variant.curves()
        assert curves.shape == (3, STEPS) and np.isfinite(curves).all()
        steps, mean, low, high = variant.band()
        assert list(steps) == list(range(1, STEPS + 1))
        assert np.allclose(mean, curves.mean(0))
        assert (low <= curves).all() and (curves <= high).all()
        assert len({tuple(c) for c in curves.round(6)}) == 3  # three seeds, three different runs
        assert variant.seconds > 0 and variant.seeds == [0, 1, 2]
        final = variant.final("train_loss")
        assert final["min"] <= final["mean"] <= final["max"] and final["n"] == 3
    # the sizes are the summary's of each variant's own network
    session, bundle = spiral
    sizes = {r.name: (r.params, r.macs) for r in result.results}
    base = model_summary(session.graph, bundle.task)
    assert sizes["base"] == sizes["fast"] == (base.params, base.macs)
    assert sizes["narrow"][0] < base.params and sizes["deeper"][0] > base.params
    assert [c.lr for c in planned[1].configs] == [0.1] * 3


def test_a_compared_run_is_the_run_a_trainer_gives_and_its_record_replays_it(spiral):
    planned = _plan(spiral, [VariantSpec("fast", ["lr=0.1"])], seeds=2)
    result = run_comparison(planned, spiral[1])
    curve = result.results[0].runs[1].losses
    trainer = Trainer(planned[0].graph, spiral[1], planned[0].configs[1], MetricsBuffer(), record=False)
    trainer.run(max_steps=STEPS, wait_when_paused=False)
    assert np.allclose(trainer.buffer.series("train/loss")[1], curve, rtol=1e-4, atol=1e-6)
    recorded = record_run(planned[0], spiral[1], seed=1)
    assert np.allclose(recorded.series("train/loss")[1], curve, rtol=1e-4, atol=1e-6)
    assert recorded.snapshot_at("boundary", STEPS) is not None  # the views have something to show


@pytest.mark.parametrize(("changes", "says"), [
    (["data.noise=0.3"], "same data"),
    (["fcX.out_features=3"], "no block called 'fcX'"),
    (["speed=3"], "not a training setting"),
    (["lr=-1"], "lr"),
    (["add_layer=tanh1"], "tanh1"),
    (["template=nope"], "unknown template"),
    (["lr"], "KEY=VALUE"),
])
def test_a_bad_change_is_one_line_naming_the_variant(spiral, changes, says):
    with pytest.raises(SettingError) as err:
        _plan(spiral, [VariantSpec("base"), VariantSpec("odd", changes)])
    assert "variant 'odd'" in str(err.value) and says in str(err.value)


def test_bad_comparisons_are_refused_before_training(spiral):
    for specs, seeds, steps, says in (([], 1, 10, "at least one variant"),
                                      ([VariantSpec("a"), VariantSpec("a")], 1, 10, "two variants are called"),
                                      ([VariantSpec(" ")], 1, 10, "no name"),
                                      ([VariantSpec("a")], 0, 10, "seeds 0"),
                                      ([VariantSpec("a")], 1, 0, "steps 0"),
                                      ([VariantSpec("a"), VariantSpec("b")], 64, 100_000, "too many losses")):
        with pytest.raises(SettingError, match=says):
            _plan(spiral, specs, seeds, steps)


def test_another_template_is_fitted_to_the_data(spiral):
    planned = _plan(spiral, [VariantSpec("linear", ["template=deep_linear"])], seeds=1, steps=5)
    assert planned[0].graph.to_dict() != spiral[0].graph.to_dict()
    result = run_comparison(planned, spiral[1])
    assert np.isfinite(result.results[0].curves()).all()


def test_a_stop_keeps_finished_variants_and_names_the_rest(spiral):
    planned = _plan(spiral, [VariantSpec("a"), VariantSpec("b", ["lr=0.1"]), VariantSpec("c", ["lr=0.2"])], seeds=1)
    done: list[str] = []
    result = run_comparison(planned, spiral[1], should_stop=lambda: len(done) >= 1,
                            progress=lambda i, n, text: done.append(text) if i > 0 else None)
    assert [r.name for r in result.results] == ["a"] and result.skipped == ["b", "c"]


def test_results_survive_the_session_form(spiral):
    result = run_comparison(_plan(spiral, [VariantSpec("a"), VariantSpec("b", ["lr=0.1"])], seeds=2), spiral[1])
    again = Comparison.from_session(result.to_session())
    for old, new in zip(result.results, again.results, strict=True):
        assert np.allclose(old.curves(), new.curves())
        assert (old.params, old.macs, old.seeds, old.changes) == (new.params, new.macs, new.seeds, new.changes)
        assert old.final("val_accuracy") == new.final("val_accuracy")


def test_changes_split_on_commas_outside_brackets():
    assert split_changes("lr=0.1, conv.kernel_size=[3,3]; add_layer=fc1 ,") == [
        "lr=0.1", "conv.kernel_size=[3,3]", "add_layer=fc1"]
