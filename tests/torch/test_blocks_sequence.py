"""Sequence and attention blocks: shape rules against real forward passes, the attention
math (causal masking, normalised weights, observable maps) and messages for bad wiring."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from playground.compile import check, compile_graph
from playground.compile.blocks import BLOCKS
from playground.compile.blocks.base import params_with_defaults
from playground.graph.builder import GraphBuilder
from playground.graph.edits import Connect
from playground.graph.model import Graph, PortRef
from playground.graph.spec import Shape, TaskSpec

BATCH = 3
TOKENS = TaskSpec("sequence", (7,), "long", target_shape=(7,), num_classes=11, vocab_size=11)
FEATURES = TaskSpec("regression", (6, 5), target_shape=(6, 5))


def run_block(type_: str, params: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = FEATURES,
              tokens: bool = False) -> tuple[dict[str, Shape], torch.nn.Module, torch.Tensor]:
    block = BLOCKS[type_]
    p = params_with_defaults(block, params)
    shapes = block.shape(p, ins, task)
    module = block.build(p, ins, task).eval()
    torch.manual_seed(0)
    args = [torch.randint(0, task.vocab_size, (BATCH, *s)) if tokens else torch.randn(BATCH, *s)
            for s in ins.values()]
    with torch.no_grad():
        out = module(*args)
    trainable = sum(t.numel() for t in module.parameters())
    assert block.param_count(p, ins, task) == trainable, f"{type_} param_count"
    return shapes, module, out


SHAPE_CASES = [
    ("Embedding", {"embedding_dim": 4}, {"in": (7,)}, TOKENS, True),
    ("Embedding", {"embedding_dim": 9, "num_embeddings": 20}, {"in": (7,)}, TOKENS, True),
    ("PositionalEncoding", {"kind": "sinusoidal", "max_len": 6}, {"in": (6, 5)}, FEATURES, False),
    ("PositionalEncoding", {"kind": "learned", "max_len": 10}, {"in": (6, 4)}, FEATURES, False),
    ("PositionalEncoding", {"kind": "none", "max_len": 2}, {"in": (6, 4)}, FEATURES, False),
    ("SequencePool", {"mode": "last"}, {"in": (6, 5)}, FEATURES, False),
    ("SequencePool", {"mode": "mean"}, {"in": (1, 3)}, FEATURES, False),
    ("SequencePool", {"mode": "first"}, {"in": (4, 2)}, FEATURES, False),
    ("SelfAttention", {"heads": 1}, {"in": (6, 5)}, FEATURES, False),
    ("SelfAttention", {"heads": 2, "causal": True}, {"in": (5, 8)}, FEATURES, False),
    ("SelfAttention", {"heads": 3, "head_dim": 2, "scale": 0.5}, {"in": (4, 5)}, FEATURES, False),
    ("CrossAttention", {"heads": 2}, {"query": (3, 6), "context": (9, 4)}, FEATURES, False),
    ("CrossAttention", {"heads": 5, "head_dim": 3, "scale": 1.0}, {"query": (2, 7), "context": (1, 7)},
     FEATURES, False),
    ("TransformerBlock", {"heads": 2}, {"in": (6, 8)}, FEATURES, False),
    ("TransformerBlock", {"heads": 4, "ffn_width": 7, "norm": "post", "dropout": 0.3, "causal": True},
     {"in": (3, 12)}, FEATURES, False),
    ("PatchEmbed", {"patch_size": 4, "dim": 6}, {"in": (3, 8, 12)}, FEATURES, False),
    ("PatchEmbed", {"patch_size": 1, "dim": 2, "class_token": False}, {"in": (1, 3, 2)}, FEATURES, False),
    ("PatchEmbed", {"patch_size": 5, "dim": 3}, {"in": (2, 5, 5)}, FEATURES, False),
]
for kind in ("RNN", "LSTM", "GRU"):
    SHAPE_CASES += [
        (kind, {"hidden_size": 3}, {"in": (6, 5)}, FEATURES, False),
        (kind, {"hidden_size": 4, "num_layers": 3, "bidirectional": True}, {"in": (2, 7)}, FEATURES, False),
    ]
SHAPE_CASES.append(("RNN", {"hidden_size": 2, "nonlinearity": "relu"}, {"in": (1, 1)}, FEATURES, False))


@pytest.mark.parametrize("case", SHAPE_CASES, ids=lambda c: f"{c[0]}-{c[1]}-{list(c[2].values())}")
def test_shape_rule_matches_forward(case):
    type_, params, ins, task, tokens = case
    shapes, _, out = run_block(type_, params, ins, task, tokens)
    assert tuple(out.shape) == (BATCH, *shapes["out"])
    assert torch.isfinite(out).all()


def test_sequence_pool_picks_the_right_step():
    x = torch.randn(2, 5, 3)
    for mode, expected in (("last", x[:, -1]), ("first", x[:, 0]), ("mean", x.mean(1))):
        module = BLOCKS["SequencePool"].build({"mode": mode}, {"in": (5, 3)}, None)
        assert torch.allclose(module(x), expected)


def test_positional_encoding_marks_positions_and_none_does_not():
    x = torch.zeros(1, 6, 4)
    sinus = BLOCKS["PositionalEncoding"].build({"kind": "sinusoidal", "max_len": 50}, {"in": (6, 4)}, None)
    codes = sinus(x)[0]
    assert len({tuple(row.tolist()) for row in codes}) == 6  # every position gets its own code
    assert torch.allclose(codes[0], torch.tensor([0.0, 1.0, 0.0, 1.0]))  # sin 0, cos 0
    none = BLOCKS["PositionalEncoding"].build({"kind": "none", "max_len": 50}, {"in": (6, 4)}, None)
    assert torch.equal(none(x), x)
    assert not list(none.parameters()) and not sinus.state_dict()


def test_bidirectional_recurrence_reads_the_future():
    """The backward direction's output at step 0 depends on the last step; the forward one's does not."""
    torch.manual_seed(1)
    lstm = BLOCKS["LSTM"].build({"hidden_size": 4, "num_layers": 1, "bidirectional": True}, {"in": (5, 3)}, None)
    x = torch.randn(1, 5, 3)
    changed = x.clone()
    changed[0, -1] += 1.0
    a, b = lstm(x)[0, 0], lstm(changed)[0, 0]
    assert torch.allclose(a[:4], b[:4])
    assert not torch.allclose(a[4:], b[4:])


@pytest.mark.parametrize("type_", ["SelfAttention", "TransformerBlock"])
def test_causal_mask_gives_future_keys_zero_weight(type_):
    torch.manual_seed(2)
    params = {"heads": 2, "causal": True}
    _, module, _ = run_block(type_, params, {"in": (6, 8)})
    module.record = True
    x = torch.randn(BATCH, 6, 8)
    out = module(x)
    weights = module.last_attention
    assert weights.shape == (BATCH, 2, 6, 6)
    future = torch.ones(6, 6, dtype=torch.bool).triu(1)
    assert (weights[..., future] == 0).all()
    assert (weights[..., ~future] > 0).all()
    # what a user sees: changing later tokens never changes earlier outputs
    changed = x.clone()
    changed[:, 4:] = torch.randn(BATCH, 2, 8)
    assert torch.allclose(module(changed)[:, :4], out[:, :4], atol=1e-6)
    assert not torch.allclose(module(changed)[:, 4:], out[:, 4:])


def test_non_causal_attention_sees_every_position():
    torch.manual_seed(3)
    _, module, _ = run_block("SelfAttention", {"heads": 1}, {"in": (4, 4)})
    module.record = True
    module(torch.randn(2, 4, 4))
    assert (module.last_attention > 0).all()


def test_scale_changes_how_peaked_attention_is():
    torch.manual_seed(4)
    _, module, _ = run_block("SelfAttention", {"heads": 1, "scale": 0.0}, {"in": (5, 4)})
    module.record = True
    module(torch.randn(2, 5, 4))
    assert torch.allclose(module.last_attention, torch.full((2, 1, 5, 5), 0.2))


def _add(graph: Graph, type_: str, label: str, **params: Any) -> str:
    b = GraphBuilder(graph).add(type_, label, **params)
    assert b.last is not None
    return b.id(b.last)


def _wire(graph: Graph, src: str, dst: str, port: str = "in", src_port: str = "out") -> None:
    Connect(PortRef(src, src_port), PortRef(dst, port)).apply(graph)


def attention_graph() -> tuple[Graph, dict[str, str]]:
    """Tokens -> embedding -> self-attention -> transformer; cross-attention back to the embedding."""
    b = GraphBuilder().then("Input", "tokens").then("Embedding", "emb", embedding_dim=8)
    b.then("PositionalEncoding", "pos", kind="learned", max_len=16).then("SelfAttention", "attn", heads=2, causal=True)
    b.then("TransformerBlock", "block", heads=4)
    b.add("CrossAttention", "cross", "block", port="query", heads=2, head_dim=3).wire("emb", "cross", "context")
    b.then("Linear", "head", out_features=11).then("Output", "out")
    return b.graph, {n.label: n.id for n in b.graph.nodes.values()}


def test_attention_maps_observed_through_compiled_model():
    g, ids = attention_graph()
    assert check(g, TOKENS).ok
    torch.manual_seed(5)
    model = compile_graph(g, TOKENS).eval()
    x = torch.randint(0, 11, (BATCH, 7))
    with torch.no_grad():
        plain = model(x)
        assert model.attention_maps() == {}  # nothing kept unless asked: training stays fast
        model.record_attention(True)
        observed = model(x)
    assert torch.equal(plain, observed)  # watching does not change the result
    maps = model.attention_maps()
    assert set(maps) == {ids["attn"], ids["block"], ids["cross"]}
    assert maps[ids["attn"]].shape == (BATCH, 2, 7, 7)
    assert maps[ids["block"]].shape == (BATCH, 4, 7, 7)
    assert maps[ids["cross"]].shape == (BATCH, 2, 7, 7)
    for weights in maps.values():
        assert not weights.requires_grad
        assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:-1]), atol=1e-5)
        assert (weights >= 0).all()
    model.record_attention(False)
    with torch.no_grad():
        model(torch.randint(0, 11, (1, 7)))
    assert model.attention_maps()[ids["attn"]].shape[0] == BATCH  # last recorded pass is kept


def _diagnostics_for(graph: Graph, task: TaskSpec, node: str) -> list[str]:
    report = check(graph, task)
    return [d.message for d in report.errors if d.node_id == node]


def _chain(types: list[tuple[str, dict[str, Any]]]) -> tuple[Graph, list[str]]:
    b = GraphBuilder()
    labels = [b.then(t, f"{t.lower()}_{i}", **p).last for i, (t, p) in enumerate(types)]
    return b.graph, [b.id(label) for label in labels if label is not None]


def test_embedding_on_real_valued_data_is_explained():
    g, ids = _chain([("Input", {}), ("Embedding", {"embedding_dim": 4}), ("SequencePool", {}),
                     ("Linear", {"out_features": 3}), ("Output", {})])
    points = TaskSpec("classification", (6, 2), num_classes=3)
    messages = _diagnostics_for(g, points, ids[1])
    assert len(messages) == 1
    assert "integer token ids" in messages[0] and "Linear" in messages[0] and '"input_0"' in messages[0]
    edge = check(g, points).errors[0].edge_id
    assert edge is not None and g.edges[edge].dst.node_id == ids[1]


def test_embedding_vocabulary_messages():
    g, ids = _chain([("Input", {}), ("Embedding", {"embedding_dim": 4, "num_embeddings": 5}),
                     ("Linear", {"out_features": 11}), ("Output", {})])
    (message,) = _diagnostics_for(g, TOKENS, ids[1])
    assert "num_embeddings 5" in message and "11 different tokens" in message
    no_vocab = TaskSpec("sequence", (7,), "long", target_shape=(7,), num_classes=11)
    g.set_param(ids[1], "num_embeddings", None)
    (message,) = _diagnostics_for(g, no_vocab, ids[1])
    assert "needs num_embeddings" in message


@pytest.mark.parametrize("block, params, task, expected", [
    ("SelfAttention", {"heads": 3}, FEATURES, ["3 heads", "width 5", '"input_0" (N×6×5)']),
    ("TransformerBlock", {"heads": 2}, FEATURES, ["2 heads", "width 5"]),
    ("LSTM", {}, TaskSpec("regression", (4,), target_shape=(4,)), ["expects a sequence", "2-D", "(N×4)"]),
    ("SequencePool", {}, TaskSpec("regression", (2, 3, 4), target_shape=(3, 4)), ["4-D", "(N×2×3×4)"]),
    ("PositionalEncoding", {"max_len": 4}, FEATURES, ["max_len=4", "receives 6 positions"]),
    ("PatchEmbed", {"patch_size": 5}, TaskSpec("regression", (1, 16, 16), target_shape=(1,)),
     ["patch_size 5", "16×16"]),
    ("PatchEmbed", {}, FEATURES, ["expects images", "N×6×5"]),
])
def test_bad_wiring_messages(block, params, task, expected):
    g, ids = _chain([("Input", {}), (block, params), ("Output", {})])
    messages = _diagnostics_for(g, task, ids[1])
    assert len(messages) == 1, messages
    assert messages[0].startswith(f'{block} "{block.lower()}_1"')
    for fragment in expected:
        assert fragment in messages[0]


def test_cross_attention_needs_both_inputs_and_sequences():
    g, ids = _chain([("Input", {}), ("SelfAttention", {"heads": 1}), ("Output", {})])
    cross = _add(g, "CrossAttention", "cross", heads=1)
    _wire(g, ids[0], cross, "query")
    report = check(g, FEATURES)
    assert any('"cross": input "context" is not connected' in d.message for d in report.errors)
    vec = _add(g, "SequencePool", "pool")
    _wire(g, ids[1], vec)
    _wire(g, vec, cross, "context")
    (message,) = _diagnostics_for(g, FEATURES, cross)
    assert "expects a sequence as context" in message and '"pool" (N×5)' in message


def test_absurd_sizes_are_refused_before_allocating():
    g, _ = _chain([("Input", {}), ("Embedding", {"embedding_dim": 4096, "num_embeddings": 1_000_000}),
                     ("Output", {})])
    report = check(g, TOKENS)
    assert any("parameters" in d.message for d in report.errors)
