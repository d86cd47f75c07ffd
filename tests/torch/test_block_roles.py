"""Block roles live on the block class: the checker, the validator and the UI read them there.

A block added tomorrow declares its role in its class and every consumer follows; nothing has
to be added to a table of type names elsewhere.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from playground.compile.blocks import BLOCKS, base, catalog
from playground.compile.blocks.base import Block, declaration_problems, register, role_of, unit_axis
from playground.compile.shapes import infer_shapes
from playground.graph.model import Graph, Node, PortRef
from playground.graph.spec import BLOCK_CATEGORIES, BlockSpec, ShapeReport, TaskSpec
from playground.graph.validate import nodes_with_role, validate_structure

TOKENS = TaskSpec("sequence", (6,), "long", target_shape=(6,), num_classes=5, vocab_size=7)


class ReverseModule(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flip(x, dims=(-1,))


class Reverse(Block):
    """A token-preserving block no table has heard of (the issue's Transpose)."""

    type = "TestReverse"
    category = "Structure"
    description = "Reverse the last axis"
    tokens = "carry"

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Any], task: TaskSpec | None) -> nn.Module:
        return ReverseModule()


class RealValuedReverse(Reverse):
    type = "TestRealReverse"
    tokens = "refuse"


def _token_net(middle: str) -> Graph:
    g = Graph()
    steps = [("Input", {}), (middle, {}), ("Embedding", {"embedding_dim": 8}),
             ("Linear", {"out_features": 5}), ("Output", {})]
    for i, (type_, params) in enumerate(steps, start=1):
        g.add_node(Node(f"n{i}", type_, f"b{i}", params))
        if i > 1:
            g.connect(PortRef(f"n{i - 1}", "out"), PortRef(f"n{i}", "in"))
    return g


def _check(graph: Graph, *extra: type[Block]) -> ShapeReport:
    specs = {**catalog(), **{b.type: b.spec() for b in extra}}
    return infer_shapes(graph, TOKENS, ShapeReport(diagnostics=validate_structure(graph, specs)))


@pytest.fixture
def test_blocks(monkeypatch):
    for block in (Reverse, RealValuedReverse):
        assert declaration_problems(block) == []
        monkeypatch.setitem(base.BLOCKS, block.type, block)


def test_a_new_token_carrying_block_is_not_told_to_put_an_embedding_first(test_blocks):
    report = _check(_token_net("TestReverse"), Reverse)
    assert report.ok, [str(d) for d in report.diagnostics]
    assert report.edge_shapes["e2"] == (6,) and report.edge_shapes["e3"] == (6, 8)


def test_a_block_that_refuses_tokens_is_told_where_they_came_from(test_blocks):
    report = _check(_token_net("TestRealReverse"), RealValuedReverse)
    problems = [d for d in report.errors if "put an Embedding first" in d.message]
    assert len(problems) == 1 and problems[0].node_id == "n2" and '"b1"' in problems[0].message


def test_the_graph_layer_learns_roles_from_plain_specs():
    """validate cannot import the blocks: the role travels in the BlockSpec of the catalog."""
    specs = dict(catalog())
    specs["Sensor"] = BlockSpec("Sensor", "Input/Output", "reads a sensor", (), catalog()["Input"].outputs, (),
                                role="input")
    g = Graph()
    g.add_node(Node("n1", "Sensor", "s"))
    g.add_node(Node("n2", "Output", "out"))
    g.connect(PortRef("n1", "out"), PortRef("n2", "in"))
    messages = [d.message for d in validate_structure(g, specs)]
    assert not any("no Input" in m or "no Output" in m for m in messages), messages
    assert [n.id for n in nodes_with_role(g, specs, "input")] == ["n1"]
    assert "The network has no Input block" in [d.message for d in validate_structure(g, catalog())]


def test_declarations_are_checked_when_a_block_registers():
    class Orphan(Reverse):
        type = "TestOrphan"
        role = "source"  # but it has an input

    class Odd(Reverse):
        type = "TestOdd"
        category = "Misc"
        tokens = "eat"  # type: ignore[assignment]
        channel_axis = 2

    assert "must have no inputs" in declaration_problems(Orphan)[0]
    problems = " ".join(declaration_problems(Odd))
    assert "category 'Misc'" in problems and "tokens 'eat'" in problems and "channel_axis" in problems
    with pytest.raises(ValueError, match="TestOrphan"):
        register(Orphan)
    assert "TestOrphan" not in BLOCKS


def test_every_library_block_declares_sound_roles():
    for name, block in BLOCKS.items():
        assert declaration_problems(block) == [], name
        assert block.category in BLOCK_CATEGORIES
    assert [n for n, b in BLOCKS.items() if b.role == "input"] == ["Input"]
    assert [n for n, b in BLOCKS.items() if b.role == "output"] == ["Output"]
    assert {n for n, b in BLOCKS.items() if b.role == "source"} == {"Parameter", "Constant"}
    assert role_of("Linear") == "layer" and role_of("NoSuchBlock") is None


@pytest.mark.parametrize(("type_name", "shape", "axis"), [
    ("Conv1d", (8, 20), 0),        # channels × length
    ("Linear", (6, 16), 1),        # positions × features
    ("BatchNorm", (8, 20), 0),     # statistics per channel
    ("ReLU", (4, 5, 5), 0),        # keeps its input's layout: an image's channels
    ("ReLU", (6, 16), 1),
    ("Linear", (16,), 0),
    ("NoSuchBlock", (3, 4, 4), 0),
])
def test_unit_axis_follows_the_declared_channel_axis(type_name, shape, axis):
    assert unit_axis(base.block_for(type_name), shape) == axis
