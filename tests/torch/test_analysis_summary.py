"""Model summary counts against hand-computed ones (issue 14, "summary counts equal the
hand-computed ones")."""

from __future__ import annotations

import json

import pytest

from playground.analysis.summary import model_summary
from playground.graph.builder import chain_graph
from playground.graph.spec import TaskSpec

F32 = 4


def test_linear_counts():
    task = TaskSpec("classification", (5,), num_classes=3)
    s = model_summary(chain_graph(("Linear", {"out_features": 7}), ("ReLU", {}),
                                  ("Linear", {"out_features": 3})), task)
    fc1, relu, fc2 = s.rows
    assert (fc1.params, fc1.trainable, fc1.macs) == (5 * 7 + 7, 5 * 7 + 7, 5 * 7)
    assert fc1.output_shape == (7,) and fc1.activation_bytes == 7 * F32
    assert relu.params == 0 and relu.macs == 0
    assert (fc2.params, fc2.macs) == (7 * 3 + 3, 7 * 3)
    assert s.params == 42 + 24 and s.macs == 35 + 21
    # training keeps the input of fc1, relu's output (its own backward and fc2's weight gradient)
    assert s.train_activation_bytes >= (5 + 7) * F32


def test_conv2d_counts():
    task = TaskSpec("classification", (3, 8, 8), num_classes=2)
    s = model_summary(chain_graph(("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 0}),
                                  ("Flatten", {}), ("Linear", {"out_features": 2})), task)
    conv = s.rows[0]
    assert conv.output_shape == (4, 6, 6)
    assert conv.params == 4 * 3 * 3 * 3 + 4
    assert conv.macs == 4 * 6 * 6 * (3 * 3 * 3)  # every output value: one 3×3×3 dot product
    assert conv.activation_bytes == 4 * 6 * 6 * F32


def test_attention_counts():
    t, d, heads = 6, 8, 2
    task = TaskSpec("regression", (t, d), target_shape=(t, d))
    s = model_summary(chain_graph(("SelfAttention", {"heads": heads})), task)
    attn = s.rows[0]
    assert attn.params == 4 * (d * d + d)  # Q, K, V and output projections
    projections = 4 * t * d * d
    scores = heads * t * t * (d // heads)  # Q·Kᵀ per head
    mixing = heads * t * t * (d // heads)  # weights · V per head
    assert attn.macs == projections + scores + mixing


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_lstm_counts(layers, bidirectional):
    t, f, h = 5, 3, 4
    task = TaskSpec("regression", (t, f), target_shape=(t, h * (2 if bidirectional else 1)))
    s = model_summary(chain_graph(("LSTM", {"hidden_size": h, "num_layers": layers,
                                            "bidirectional": bidirectional})), task)
    lstm = s.rows[0]
    dirs = 2 if bidirectional else 1
    macs = params = 0
    for layer in range(layers):
        width = f if layer == 0 else h * dirs
        macs += dirs * t * 4 * h * (width + h)  # four gates, input and hidden state, every step
        params += dirs * 4 * h * (width + h + 2)
    assert (lstm.macs, lstm.params) == (macs, params)
    assert lstm.activation_bytes == t * h * dirs * F32


def test_summary_json_and_table_carry_the_totals():
    task = TaskSpec("classification", (4,), num_classes=2)
    s = model_summary(chain_graph(("Linear", {"out_features": 2})), task)
    doc = json.loads(json.dumps(s.to_dict()))
    assert doc["totals"]["params"] == 10 and doc["blocks"][0]["output_shape"] == [2]
    assert "total" in s.table() and "10" in s.table().splitlines()[-1]
