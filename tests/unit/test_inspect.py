"""The step-through inspector on real trained networks (MLP on spirals, transformer on reverse,
LeNet on digits): the final tensor is the model's output on that input, every step is its block
applied to the steps before it, an attention block's parts recombine into its output, and a bad
input is refused with one clear message while nothing changes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from playground.analysis.evaluation import trained_model
from playground.analysis.inspect import as_grid, inspect_model, inspect_network, inspect_session
from playground.analysis.inspect_input import InputChoice, InspectInputError, make_input, parse_input_text
from playground.analysis.lesions import Lesion
from playground.compile import compile_graph
from playground.compile.blocks.base import block_for
from playground.graph.builder import GraphBuilder
from playground.graph.spec import TaskSpec
from playground.session.new import new_session

# Reduced runs (marked): enough training that the weights are far from their start, in seconds.
RUNS = {
    "mlp": ["config.epochs=120"],
    "transformer": ["n_samples=1000", "config.epochs=12"],
    "lenet": ["config.epochs=3"],
}


@pytest.fixture(scope="module")
def trained():
    sessions = {}
    for template, overrides in RUNS.items():
        session, _ = new_session(template, overrides=[*overrides, "config.seed=0"])
        trainer = session.make_trainer()
        trainer.run(raise_errors=True, wait_when_paused=False)
        session.capture(trainer)
        sessions[template] = (session, session.bundle())
    return sessions


def _model(session, bundle):
    return trained_model(session, bundle)  # compiled and loaded apart from the inspector's own


CHOICES = {
    "mlp": [InputChoice.sample(0), InputChoice.sample(7, "train"), InputChoice.point(0.5, -0.2)],
    "transformer": [InputChoice.sample(3), InputChoice.tokens([3, 1, 4, 1, 5, 8, 2, 6])],
    "lenet": [InputChoice.sample(11), InputChoice.image([[(r * c) % 3 / 2 for c in range(8)] for r in range(8)])],
}


@pytest.mark.parametrize("template", list(RUNS))
def test_the_final_tensor_is_the_models_output_on_that_input(trained, template):
    session, bundle = trained[template]
    model = _model(session, bundle)
    for choice in CHOICES[template]:
        x = make_input(choice, bundle)
        inspection = inspect_session(session, choice, bundle)
        with torch.no_grad():
            expected = model(x)[0]
        assert inspection.steps[-1].type == "Output"
        assert torch.equal(inspection.output, expected), (template, choice)
        assert torch.equal(inspection.steps[0].tensor, x[0])  # the input step is the input


@pytest.mark.parametrize("template", list(RUNS))
def test_every_step_is_its_block_applied_to_the_steps_before_it(trained, template):
    session, bundle = trained[template]
    model = _model(session, bundle)
    graph = session.graph
    inspection = inspect_session(session, InputChoice.sample(2), bundle)
    by_node = {s.node_id: s.tensor for s in inspection.steps}
    blocks = [s for s in inspection.steps if s.type not in ("Input", "Output")]
    assert [s.node_id for s in blocks] == [nid for nid in _topological(graph) if nid in model.node_names]
    for step in blocks:
        edges = {e.dst.port: e.src.node_id for e in graph.edges_into(step.node_id)}
        ports = [p.name for p in block_for(step.type).inputs]
        args = [by_node[edges[p]].unsqueeze(0) for p in ports if p in edges]
        with torch.no_grad():
            again = model.node_module(step.node_id)(*args)[0]
        assert torch.allclose(again, step.tensor, atol=1e-6), step.label
        s = step.stats
        assert s.shape == tuple(step.tensor.shape)
        assert s.min == pytest.approx(float(step.tensor.min())) and s.max == pytest.approx(float(step.tensor.max()))
        assert s.zero_share == pytest.approx(float((step.tensor == 0).float().mean()))
    relu = [s for s in blocks if s.type == "ReLU"]
    assert all(s.stats.min >= 0 for s in relu) and (not relu or any(s.stats.zero_share > 0 for s in relu))


def _topological(graph):
    from playground.graph.validate import topological_order

    return topological_order(graph)[0]


def test_transformer_blocks_open_into_parts_that_recombine_into_the_block_output(trained):
    session, bundle = trained["transformer"]
    model = _model(session, bundle)
    inspection = inspect_session(session, InputChoice.sample(5), bundle)
    blocks = [s for s in inspection.steps if s.type == "TransformerBlock"]
    assert len(blocks) == 2
    for block in blocks:
        parts = {p.label: p.tensor for p in block.parts}
        layer = model.node_module(block.node_id)
        attn = layer.attn
        q, k, v = parts["attention: Q (queries)"], parts["attention: K (keys)"], parts["attention: V (values)"]
        assert q.shape == (attn.heads, 8, attn.head_dim)
        scores = next(t for label, t in parts.items() if label.startswith("attention: scores"))
        assert torch.allclose(scores, q @ k.transpose(-2, -1) * attn.scale, atol=1e-5)
        weights = parts["attention: softmax (attention weights)"]
        assert torch.allclose(weights, torch.softmax(scores, -1), atol=1e-6)
        assert torch.allclose(weights.sum(-1), torch.ones(attn.heads, 8), atol=1e-5)
        mixed = parts["attention: weighted sum of V"]
        assert torch.allclose(mixed, (weights @ v).transpose(0, 1).reshape(8, -1), atol=1e-5)
        with torch.no_grad():
            projected = attn.out(mixed)
            assert torch.allclose(parts["attention: output projection"], projected, atol=1e-5)
            previous = inspection.steps[inspection.steps.index(block) - 1].tensor
            assert torch.allclose(parts["norm 1 (LayerNorm)"], layer.norm1(previous), atol=1e-5)
            first_sum = previous + projected
            assert torch.allclose(parts["add (input + attention)"], first_sum, atol=1e-5)
            ffn = parts["FFN output (Linear)"]
            assert torch.allclose(ffn, layer.ffn(layer.norm2(first_sum)), atol=1e-5)
        assert torch.allclose(first_sum + ffn, block.tensor, atol=1e-5)  # the parts recombine
        assert torch.allclose(block.parts[-1].tensor, block.tensor, atol=1e-5)
    assert not inspection.notes


def test_self_attention_parts_end_in_its_output_and_a_causal_mask_stays_out_of_the_statistics():
    task = TaskSpec("regression", (5, 8), target_shape=(5, 8))
    graph = GraphBuilder().then("Input", "input").then("SelfAttention", "attn", heads=2, causal=True) \
        .then("Output", "output").graph
    torch.manual_seed(1)
    model = compile_graph(graph, task).eval()
    x = torch.randn(1, 5, 8)
    inspection = inspect_model(model, graph, x, InputChoice("vector"))
    step = inspection.step("attn")
    assert [p.label for p in step.parts][:3] == ["Q (queries)", "K (keys)", "V (values)"]
    assert torch.allclose(step.parts[-1].tensor, step.tensor, atol=1e-6)
    with torch.no_grad():
        assert torch.equal(inspection.output, model(x)[0])
    scores = step.parts[3]
    assert scores.stats.masked == 2 * (5 * 4 // 2)  # the future positions of each head
    assert scores.stats.max < float("inf") and scores.stats.min > float("-inf")
    data = json.loads(json.dumps(inspection.to_dict(), allow_nan=False))  # plain JSON: no ±∞
    masked = data["steps"][1]["parts"][3]
    assert masked["masked"] == 20 and masked["values"][0][0][1] is None


def test_a_zeroed_head_shows_in_the_parts_and_in_the_output(trained):
    session, bundle = trained["transformer"]
    block = session.graph.node_by_label("block1").id
    lesion = Lesion("zero_units", block, (0, 1, 2, 3))
    choice = InputChoice.sample(1)
    intact = inspect_network(session.graph, session.weights, bundle, choice)
    lesioned = inspect_network(session.graph, session.weights, bundle, choice, [lesion])
    projection = next(p for p in lesioned.step("block1").parts if p.label == "attention: output projection")
    bias = trained_model(session, bundle).node_module(block).attn.out.bias
    assert torch.allclose(projection.tensor, bias.expand(8, -1), atol=1e-6)  # every head muted
    assert not torch.allclose(lesioned.output, intact.output)
    assert any("lesion" in n for n in lesioned.notes)


def test_the_json_and_the_table_carry_every_step(trained):
    session, bundle = trained["lenet"]
    inspection = inspect_session(session, InputChoice.sample(0), bundle)
    data = json.loads(json.dumps(inspection.to_dict(), allow_nan=False))
    assert [s["label"] for s in data["steps"]] == [s.label for s in inspection.steps]
    conv = data["steps"][1]
    assert conv["shape"] == [8, 8, 8] and len(conv["values"]) == 8
    assert data["output"] == pytest.approx(inspection.output.tolist())
    assert data["prediction"].startswith("class ")
    table = inspection.table()
    assert all(s.label in table for s in inspection.steps) and "prediction: class" in table
    conv1 = inspection.steps[1].tensor
    grid = as_grid(conv1)  # eight 8×8 channels in three rows of three tiles, a blank line between
    assert grid.shape == (3 * 8 + 2, 3 * 8 + 2)
    assert np.array_equal(grid[:8, 9:17], conv1[1].numpy()) and np.array_equal(grid[9:17, :8], conv1[3].numpy())
    assert np.isnan(grid[8]).all() and np.isnan(grid[18:, 18:]).all()  # the gaps and the ninth, empty tile


BAD = [
    ("transformer", InputChoice.tokens([1, 2, 3]), r"give 8 tokens \(the sequence length\); 3 were given"),
    ("transformer", InputChoice.tokens([1, 2, 3, 4, 5, 6, 7, 9]),
     r"token 9 at position 7 is outside the vocabulary: tokens are 0 to 8"),
    ("transformer", InputChoice.point(0.1, 0.2), r"this network takes 8 token ids \(0 to 8\), not a point"),
    ("mlp", InputChoice.sample(100), r"sample 100 is not in the validation set of spirals: it has samples 0 to 99"),
    ("mlp", InputChoice.sample(-1, "train"), r"sample -1 is not in the training set"),
    ("mlp", InputChoice("vector", (1.0, 2.0, 3.0)), r"give 2 numbers \(the input width\); 3 were given"),
    ("mlp", InputChoice.point(float("nan"), 0.0), r"value 1 is nan; give finite numbers"),
    ("lenet", InputChoice.image([[0.0] * 8] * 7), r"the picture needs 8 rows of 8 values; it has 7 rows"),
    ("lenet", InputChoice.image([[0.0] * 8] * 3 + [[0.0] * 5 + [1.5] + [0.0] * 2] + [[0.0] * 8] * 4),
     r"pixel at row 4, column 6 is 1.5; values must be between 0 and 1 \(the dataset's range\)"),
    ("lenet", InputChoice.image([[0.0] * 16] * 8), r"row 1 of the picture has 16 values; it needs 8"),
]


@pytest.mark.parametrize(("template", "choice", "message"), BAD)
def test_a_bad_input_says_what_and_where_and_changes_nothing(trained, template, choice, message):
    session, bundle = trained[template]
    weights = {k: v.clone() for k, v in session.weights.items()}
    x_val = bundle.x_val.clone()
    with pytest.raises(InspectInputError, match=message):
        inspect_session(session, choice, bundle)
    assert all(torch.equal(weights[k], v) for k, v in session.weights.items())
    assert torch.equal(bundle.x_val, x_val)


def test_the_cli_text_is_read_as_the_task_takes_it(tmp_path, trained):
    tasks = {name: bundle.task for name, (_, bundle) in trained.items()}
    assert parse_input_text("0.5,-0.2", tasks["mlp"]) == InputChoice.point(0.5, -0.2)
    assert parse_input_text("0.5 -0.2", tasks["mlp"]) == InputChoice.point(0.5, -0.2)
    assert parse_input_text("3 1 4 1 5 8 2 6", tasks["transformer"]) == InputChoice.tokens([3, 1, 4, 1, 5, 8, 2, 6])
    picture = tmp_path / "seven.txt"
    rows = [[1.0 if r == 0 or c == 7 - r else 0.0 for c in range(8)] for r in range(8)]
    picture.write_text("\n".join(" ".join(f"{v:g}" for v in row) for row in rows) + "\n", encoding="utf-8")
    assert parse_input_text(str(picture), tasks["lenet"]) == InputChoice.image(rows)
    assert parse_input_text("/".join(",".join("0" for _ in range(8)) for _ in range(8)), tasks["lenet"]) \
        == InputChoice.image([[0.0] * 8] * 8)
    with pytest.raises(InspectInputError, match=r"token 'x' is not a whole number"):
        parse_input_text("3 x 4", tasks["transformer"])
    with pytest.raises(InspectInputError, match=r"^'a' is not a number$"):
        parse_input_text("0.5,a", tasks["mlp"])
    with pytest.raises(InspectInputError, match=r"nope.txt: no such file"):
        parse_input_text("nope.txt", tasks["lenet"])
