"""AttentionView fed with an "attention" snapshot in the probe's format."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.graph.model import Graph
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


def test_hint_without_attention(view: AttentionView) -> None:
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph()))
    assert "No attention maps" in view.hint.text()
