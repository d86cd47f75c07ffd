"""AttentionView fed with an "attention" snapshot in the probe's format."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground.data import make_dataset
from playground.graph.model import Graph
from playground.graph.templates import TEMPLATES
from playground.train import TrainConfig, Trainer
from playground.train.metrics import MetricsBuffer
from playground.ui.views import AttentionView, ViewContext


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def snapshot(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "maps": {"n4": softmax(rng.normal(size=(3, 2, 5, 5))).astype(np.float32),
                 "n7": softmax(rng.normal(size=(3, 4, 5, 5))).astype(np.float32)},
        "labels": {"n4": "block1", "n7": "block2"},
        "tokens": [list("abcde"), list("edcba"), list("aabbc")],
    }


def tick_strings(axis) -> list[str]:
    return [label for _, label in axis._tickLevels[0]]


@pytest.fixture
def view(view_of):
    return view_of(AttentionView)  # draws on every refresh (tests/ui/conftest.py)


def test_pickers_image_and_token_labels(view: AttentionView) -> None:
    buffer = MetricsBuffer()
    data = snapshot()
    buffer.put_snapshot("attention", 30, data)
    view.follow.setChecked(False)  # the pickers by hand (the automatic choice is tested below)
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert [view.block.itemText(i) for i in range(view.block.count())] == ["block1", "block2"]
    assert [view.head.itemText(i) for i in range(view.head.count())] == ["head 1", "head 2"]
    assert view.sample.count() == 3 and view.sample.itemText(1) == "2: e d c b a"
    assert np.allclose(view.image.image, data["maps"]["n4"][0, 0])
    assert list(view.image.getLevels()) == [0.0, 1.0]
    assert tick_strings(view.plot.getAxis("bottom")) == list("abcde")
    assert tick_strings(view.plot.getAxis("left")) == list("abcde")
    assert view.plot.titleLabel.text == "block1 · head 1 · sample 1 · step 30"

    view.block.setCurrentIndex(1)
    assert view.head.count() == 4
    view.head.setCurrentIndex(3)
    view.sample.setCurrentIndex(1)
    assert np.allclose(view.image.image, data["maps"]["n7"][1, 3])
    assert tick_strings(view.plot.getAxis("bottom")) == list("edcba")
    view.average.setChecked(True)
    assert np.allclose(view.image.image, data["maps"]["n7"][1].mean(axis=0))
    assert not view.head.isEnabled()
    assert "mean over heads" in view.plot.titleLabel.text


def test_live_update_and_export(view: AttentionView, tmp_path) -> None:
    buffer = MetricsBuffer()
    view.follow.setChecked(False)
    buffer.put_snapshot("attention", 10, snapshot(0))
    view.refresh(buffer, ViewContext(graph=Graph()))
    newer = snapshot(1)
    buffer.put_snapshot("attention", 20, newer)
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert np.allclose(view.image.image, newer["maps"]["n4"][0, 0])
    view.export_csv(str(tmp_path / "a.csv"))
    with open(tmp_path / "a.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 25
    assert rows[7]["query_token"] == "b" and rows[7]["key_token"] == "c"
    assert float(rows[7]["weight"]) == pytest.approx(float(newer["maps"]["n4"][0, 0, 1, 2]), rel=1e-6)
    assert sum(float(r["weight"]) for r in rows[:5]) == pytest.approx(1.0, rel=1e-5)


def test_tokens_of_other_length_fall_back_to_positions(view: AttentionView) -> None:
    buffer = MetricsBuffer()
    data = snapshot()
    data["tokens"] = [["x", "y"]] * 3  # e.g. patches + class token: no symbols per position
    buffer.put_snapshot("attention", 5, data)
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert tick_strings(view.plot.getAxis("bottom")) == ["0", "1", "2", "3", "4"]




def entropy_by_hand(maps: np.ndarray) -> list[float]:
    """Mean over samples and queries of -sum p log p / log(keys), one head at a time."""
    out = []
    for h in range(maps.shape[1]):
        rows = [-sum(p * np.log(p) for p in row if p > 0) / np.log(maps.shape[-1])
                for sample in maps[:, h] for row in sample]
        out.append(float(np.mean(rows)))
    return out


def focused(data: dict, node: str, head: int) -> dict:
    """``data`` with one head that looks at the mirrored position (reverse's anti-diagonal)."""
    maps = {k: v.copy() for k, v in data["maps"].items()}
    eye = np.fliplr(np.eye(5)) * 0.96 + 0.01
    maps[node][:, head] = eye / eye.sum(-1, keepdims=True)
    return {**data, "maps": maps}


def test_opens_on_the_most_structured_head_says_so_and_the_users_choice_wins(view: AttentionView) -> None:
    buffer = MetricsBuffer()
    data = focused(snapshot(0), "n7", 2)
    buffer.put_snapshot("attention", 10, data)
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert (view.block.currentText(), view.head.currentText()) == ("block2", "head 3")
    assert np.allclose(view.image.image, data["maps"]["n7"][0, 2])
    assert view.choice.text().startswith("Showing block2 · head 3") and "most structured" in view.choice.text()
    assert view.scores["n7"][2] == pytest.approx(min(min(v) for v in view.scores.values()))

    view.block.setCurrentIndex(0)  # the user picks block1: it stays so when new maps arrive
    assert not view.follow.isChecked()
    buffer.put_snapshot("attention", 20, focused(snapshot(1), "n7", 1))
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert view.block.currentText() == "block1"
    assert view.choice.text().startswith("Your choice: block1 · head 2")  # head 3 of 2: the last
    assert "Most structured: block2 · head 2" in view.choice.text()
    view.follow.setChecked(True)  # back to the automatic choice
    assert (view.block.currentText(), view.head.currentText()) == ("block2", "head 2")


def test_show_step_shows_the_map_recorded_at_or_before_it(view: AttentionView) -> None:
    buffer = MetricsBuffer()
    early, late = snapshot(0), snapshot(1)
    buffer.put_snapshot("attention", 10, early)
    buffer.put_snapshot("attention", 20, late)
    view.follow.setChecked(False)
    view.refresh(buffer, ViewContext(graph=TEMPLATES["transformer"].build()))
    assert np.allclose(view.image.image, late["maps"]["n4"][0, 0])
    view.show_step(15)
    assert view.step == 10 and np.allclose(view.image.image, early["maps"]["n4"][0, 0])
    assert "step 10" in view.plot.titleLabel.text
    view.show_step(5)
    assert view.graphics.isHidden()
    assert view.hint.text() == "No attention map was recorded at or before step 5; the first is at step 10."
    view.show_step(None)
    assert view.step == 20 and not view.graphics.isHidden()


def test_placeholders_are_true_for_the_graph_and_show_no_axes(view: AttentionView) -> None:
    view.show()
    view.refresh(MetricsBuffer(), ViewContext(graph=TEMPLATES["transformer"].build()))
    text = view.hint.text()
    assert "press Start" in text and "block1 and block2" in text and "Add a" not in text
    assert view.graphics.isHidden()  # no "query -400…400" axes around nothing
    view.refresh(MetricsBuffer(), ViewContext(graph=TEMPLATES["mlp"].build()))
    assert view.hint.text().startswith("This network has no attention block") and view.graphics.isHidden()


def test_all_heads_side_by_side_each_readable_and_a_click_picks_one(view: AttentionView, qtbot) -> None:
    buffer = MetricsBuffer()
    data = focused(snapshot(0), "n7", 3)
    buffer.put_snapshot("attention", 10, data)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.refresh(buffer, ViewContext(graph=Graph()))
    view.grid_mode.setChecked(True)
    assert [(nid, h) for nid, h, _, _ in view.cells] == [("n4", 0), ("n4", 1)] + [("n7", h) for h in range(4)]
    qtbot.wait(50)
    for nid, h, plot, image in view.cells:
        assert np.allclose(image.image, data["maps"][nid][0, h])
        rect = plot.vb.sceneBoundingRect()
        assert min(rect.width(), rect.height()) >= 80, (nid, h, rect)  # 5 tokens in >= 16 px each
        assert [t for _, t in plot.getAxis("bottom")._tickLevels[0]] == list("abcde")
    titles = [plot.titleLabel.text for _, _, plot, _ in view.cells]
    assert titles[5].startswith("▶ block2 · head 4 · H ") and sum(t.startswith("▶") for t in titles) == 1
    assert f"H {view.scores['n4'][1]:.2f}" in titles[1]

    _, _, plot, _ = view.cells[1]  # block1 · head 2, clicked like a person would
    centre = view.graphics.mapFromScene(plot.vb.sceneBoundingRect().center())
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert not view.grid_mode.isChecked() and not view.follow.isChecked()
    assert (view.block.currentText(), view.head.currentText()) == ("block1", "head 2")
    assert np.allclose(view.image.image, data["maps"]["n4"][0, 1])
    assert view.plot in view.graphics.ci.items


@pytest.fixture(scope="module")
def reverse_trained():
    """The transformer template trained on Reverse for real, until block2's maps are sharp."""
    t = TEMPLATES["transformer"]
    bundle = make_dataset(t.dataset, {**t.dataset_params, "n_samples": 512})
    config = TrainConfig.from_dict({**t.config, "device": "cpu", "batch_size": 64, "eval_every": 25,
                                    "probe_every": 25})
    graph = t.build()
    trainer = Trainer(graph, bundle, config, MetricsBuffer())
    trainer.run(max_steps=150)
    return trainer, ViewContext(graph=graph, task=bundle.task, bundle=bundle)


def test_a_transformer_trained_on_reverse_opens_on_its_sharpest_head(view: AttentionView, reverse_trained) -> None:
    trainer, context = reverse_trained
    view.refresh(trainer.buffer, context)
    _, data = trainer.buffer.snapshot("attention")
    by_hand = {(data["labels"][nid], h): e for nid, maps in data["maps"].items()
               for h, e in enumerate(entropy_by_hand(maps))}
    best = min(by_hand, key=by_hand.get)
    shown = (view.block.currentText(), int(view.head.currentText().split()[1]) - 1)
    assert shown == best
    assert by_hand[best] < by_hand[("block1", 0)] - 0.2  # far sharper than the old first pick
    assert view.choice.text().startswith(f"Showing {best[0]} · head {best[1] + 1} (mean row entropy "
                                         f"{by_hand[best]:.2f})")
    assert all(view.scores[nid] == pytest.approx(entropy_by_hand(m), abs=1e-6) for nid, m in data["maps"].items())
