"""Every block, checked against real torch: the pure-Python shape rule must give the
shape the forward pass produces, ``param_count`` must match the module, and the module
must be rebuildable from the source code export pastes (class source + constructor call)."""

from __future__ import annotations

import inspect
import math
import textwrap
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from playground.compile.blocks import BLOCKS
from playground.compile.blocks.base import params_with_defaults
from playground.graph.spec import Shape, TaskSpec

BATCH = 3
POINTS = TaskSpec("classification", (2,), num_classes=3)
TOKENS = TaskSpec("sequence", (6,), "long", target_shape=(6,), num_classes=5, vocab_size=7)
IMAGES = TaskSpec("classification", (1, 8, 8), num_classes=4)

CONTRACT_BLOCKS = {
    "Input", "Output", "Features2D", "Linear", "RBF", "Conv1d", "Conv2d", "ConvTranspose2d", "Upsample",
    "MaxPool", "AvgPool", "GlobalAvgPool", "Flatten", "Reshape", "ReLU", "LeakyReLU", "GELU", "SiLU", "Tanh",
    "Sigmoid", "Softmax", "Square", "Identity", "BatchNorm", "LayerNorm", "Dropout", "GaussianNoise",
    "DropPath", "Embedding", "PositionalEncoding", "RNN", "LSTM", "GRU", "SequencePool", "SelfAttention",
    "CrossAttention", "TransformerBlock", "PatchEmbed", "Add", "Concat", "Multiply", "Mean", "Slice", "Split",
    "Parameter", "Constant", "VAESampler",
}


@dataclass
class Case:
    type: str
    ins: dict[str, Shape]
    params: dict[str, Any] = field(default_factory=dict)
    task: TaskSpec | None = POINTS
    tokens: bool = False  # inputs are token ids below task.vocab_size

    @property
    def id(self) -> str:
        shown = ",".join(f"{k}={v}" for k, v in self.params.items())
        ins = "+".join("x".join(map(str, s)) for s in self.ins.values())
        return f"{self.type}[{ins}]({shown})"


ACTIVATIONS = ["ReLU", "LeakyReLU", "GELU", "SiLU", "Tanh", "Sigmoid", "Softmax", "Square", "Identity"]

CASES = [
    Case("Input", {}, task=POINTS),
    Case("Input", {}, task=IMAGES),
    Case("Output", {"in": (3,)}),
    Case("Features2D", {"in": (2,)}),
    Case("Features2D", {"in": (2,)}, {f: True for f in ("x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")}),
    Case("Linear", {"in": (2,)}),
    Case("Linear", {"in": (6, 8)}, {"out_features": 5, "bias": False, "in_features": 8}),
    Case("RBF", {"in": (2,)}, {"centers": 5, "init_width": 0.5}),
    Case("RBF", {"in": (4, 3)}),
    Case("Conv1d", {"in": (3, 10)}, {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1}),
    Case("Conv1d", {"in": (4, 9)}, {"out_channels": 8, "groups": 4, "bias": False}),
    Case("Conv2d", {"in": (1, 8, 8)}, task=IMAGES),
    Case("Conv2d", {"in": (3, 5, 5)}, {"out_channels": 4, "kernel_size": 1}),
    Case("Conv2d", {"in": (2, 9, 7)}, {"out_channels": 6, "stride": 2, "padding": 1, "in_channels": 2}),
    Case("Conv2d", {"in": (4, 6, 6)}, {"out_channels": 4, "groups": 4, "bias": False}),
    Case("ConvTranspose2d", {"in": (4, 5, 5)}),
    Case("ConvTranspose2d", {"in": (4, 5, 5)},
         {"out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1}),
    Case("Upsample", {"in": (2, 4, 4)}),
    Case("Upsample", {"in": (2, 4, 3)}, {"mode": "bilinear", "scale_factor": 3}),
    Case("Upsample", {"in": (2, 5)}),
    Case("Upsample", {"in": (2, 5)}, {"mode": "bilinear"}),
    Case("MaxPool", {"in": (2, 8, 8)}),
    Case("MaxPool", {"in": (2, 9)}, {"kernel_size": 3, "stride": 2}),
    Case("AvgPool", {"in": (2, 7, 9)}, {"kernel_size": 3}),
    Case("AvgPool", {"in": (2, 9)}),
    Case("GlobalAvgPool", {"in": (4, 5, 5)}),
    Case("GlobalAvgPool", {"in": (4, 7)}),
    Case("Flatten", {"in": (2, 3, 4)}),
    Case("Flatten", {"in": (5,)}),
    Case("Reshape", {"in": (64,)}, {"shape": [1, 8, 8]}),
    Case("Reshape", {"in": (2, 4, 4)}, {"shape": [-1, 4]}),
    Case("Reshape", {"in": (2, 4, 4)}),
    *[Case(name, {"in": (5,)}) for name in ACTIVATIONS],
    *[Case(name, {"in": (2, 3, 3)}) for name in ACTIVATIONS],
    Case("LeakyReLU", {"in": (5,)}, {"negative_slope": 0.2}),
    Case("BatchNorm", {"in": (5,)}),
    Case("BatchNorm", {"in": (4, 7)}),
    Case("BatchNorm", {"in": (3, 4, 4)}, {"affine": False, "momentum": 0.5}),
    Case("LayerNorm", {"in": (5,)}),
    Case("LayerNorm", {"in": (6, 8)}, {"elementwise_affine": False}),
    Case("Dropout", {"in": (5,)}, {"p": 0.5}),
    Case("GaussianNoise", {"in": (2, 4, 4)}, {"std": 0.3}),
    Case("DropPath", {"in": (6, 8)}, {"p": 0.5}),
    Case("Add", {"a": (5,), "b": (5,)}),
    Case("Concat", {"a": (3, 4, 4), "b": (2, 4, 4)}),
    Case("Concat", {"a": (6, 4), "b": (6, 3)}),
    Case("Concat", {"a": (6, 4), "b": (2, 4)}, {"axis": "channel"}),
    Case("Concat", {"a": (5,), "b": (2,), "c": (1,), "d": (3,)}),
    Case("Concat", {"a": (2, 3, 3), "b": (2, 3, 1)}, {"axis": "last"}),
    Case("Multiply", {"a": (5,), "b": (5,)}),
    Case("Multiply", {"a": (4, 3, 3), "b": (4, 1, 1)}),
    Case("Mean", {"a": (5,), "b": (5,)}),
    Case("Mean", {"a": (2, 3), "b": (2, 3), "c": (2, 3), "d": (2, 3)}),
    Case("Slice", {"in": (10,)}, {"start": 2, "end": 5}),
    Case("Slice", {"in": (6, 8)}, {"start": 3}),
    Case("Split", {"in": (8,)}),
    Case("Split", {"in": (6, 4)}),
    Case("Parameter", {}),
    Case("Parameter", {}, {"shape": [4, 5], "init": "normal"}),
    Case("Constant", {}, {"shape": [3], "value": 2.5}),
    Case("VAESampler", {"mean": (4,), "logvar": (4,)}, {"kl_weight": 0.5}),
    Case("Embedding", {"in": (6,)}, {"embedding_dim": 8}, task=TOKENS, tokens=True),
    Case("Embedding", {"in": (6,)}, {"embedding_dim": 4, "num_embeddings": 10}, task=TOKENS, tokens=True),
    Case("PositionalEncoding", {"in": (6, 16)}),
    Case("PositionalEncoding", {"in": (6, 16)}, {"kind": "learned", "max_len": 32}),
    Case("PositionalEncoding", {"in": (6, 16)}, {"kind": "none"}),
    *[Case(rnn, {"in": (6, 4)}, {"hidden_size": 8}) for rnn in ("RNN", "LSTM", "GRU")],
    *[Case(rnn, {"in": (6, 4)}, {"hidden_size": 8, "num_layers": 2, "bidirectional": True})
      for rnn in ("RNN", "LSTM", "GRU")],
    *[Case("SequencePool", {"in": (6, 8)}, {"mode": mode}) for mode in ("last", "mean", "first")],
    Case("SelfAttention", {"in": (6, 16)}),
    Case("SelfAttention", {"in": (6, 16)}, {"heads": 2, "head_dim": 5, "causal": True, "scale": 0.5}),
    Case("CrossAttention", {"query": (5, 16), "context": (7, 16)}),
    Case("CrossAttention", {"query": (5, 8), "context": (7, 12)}, {"heads": 2, "head_dim": 3}),
    Case("TransformerBlock", {"in": (6, 16)}),
    Case("TransformerBlock", {"in": (6, 16)}, {"heads": 2, "ffn_width": 24, "norm": "post", "causal": True,
                                               "dropout": 0.1}),
    Case("PatchEmbed", {"in": (1, 8, 8)}, {"patch_size": 4, "dim": 16}, task=IMAGES),
    Case("PatchEmbed", {"in": (3, 12, 12)}, {"patch_size": 3, "dim": 8, "class_token": False}),
]


def _inputs(case: Case, block: Any) -> list[torch.Tensor | None]:
    torch.manual_seed(0)
    if block.role == "input":
        return [torch.randn(BATCH, *case.task.input_shape)]
    out: list[torch.Tensor | None] = []
    for port in block.inputs:
        shape = case.ins.get(port.name)
        if shape is None:
            out.append(None)
        elif case.tokens:
            out.append(torch.randint(0, case.task.vocab_size, (BATCH, *shape)))
        else:
            out.append(torch.randn(BATCH, *shape))
    return out


def _prepare(case: Case) -> tuple[Any, dict[str, Any], nn.Module, list[torch.Tensor | None]]:
    block = BLOCKS[case.type]
    p = params_with_defaults(block, case.params)
    for spec in block.params:
        assert spec.check(p[spec.name]) is None, f"case uses a bad value for {spec.name}"
    torch.manual_seed(0)
    module = block.build(p, dict(case.ins), case.task)
    return block, p, module, _inputs(case, block)


def _as_tuple(out: Any) -> tuple[torch.Tensor, ...]:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_shape_rule_matches_forward_pass(case: Case) -> None:
    block, p, module, xs = _prepare(case)
    predicted = block.shape(p, dict(case.ins), case.task)
    if not block.outputs:  # Output: a sink, nothing flows on
        assert predicted == {}
        return
    assert list(predicted) == [port.name for port in block.outputs]
    for mode in ("train", "eval"):
        module.train(mode == "train")
        outs = _as_tuple(module(*xs))
        assert len(outs) == len(block.outputs)
        for port, out in zip(block.outputs, outs, strict=True):
            # sources without inputs (Parameter, Constant) give one sample that broadcasts
            batch = 1 if block.role == "source" else BATCH
            assert tuple(out.shape) == (batch, *predicted[port.name]), f"{mode} output {port.name!r}"
            assert torch.isfinite(out).all()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_param_count_matches_module(case: Case) -> None:
    block, p, module, _ = _prepare(case)
    real = sum(t.numel() for t in module.parameters())
    assert block.param_count(p, dict(case.ins), case.task) == real


def _custom_classes(module: nn.Module) -> list[type]:
    return [type(m) for m in module.modules() if not type(m).__module__.startswith("torch.")]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_module_rebuilds_from_exported_source(case: Case) -> None:
    """What code export does: paste the class sources (only torch, nn, F, math in scope)
    and the constructor call; with the same state_dict the copy computes the same."""
    _, _, module, xs = _prepare(case)
    namespace: dict[str, Any] = {"torch": torch, "nn": nn, "F": F, "math": math}
    if type(module).__module__.startswith("torch."):
        text = repr(module)
        assert "\n" not in text, "built-in modules must have a one-line repr"
        call = "nn." + text
    else:
        call = module.ctor_source()
        assert call.startswith(type(module).__name__ + "(")
        for cls in dict.fromkeys(_custom_classes(module)):
            exec(textwrap.dedent(inspect.getsource(cls)), namespace)
    copy = eval(call, namespace)
    copy.load_state_dict(module.state_dict())
    module.eval()
    copy.eval()
    with torch.no_grad():
        for a, b in zip(_as_tuple(module(*xs)), _as_tuple(copy(*xs)), strict=True):
            assert torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("case", [c for c in CASES if BLOCKS[c.type].tokens == "carry"], ids=lambda c: c.id)
def test_blocks_that_carry_tokens_pass_integer_ids_through(case: Case) -> None:
    """What ``tokens = "carry"`` promises the checker: ids go in, ids come out, values kept."""
    block, _, module, _ = _prepare(case)
    ids = [torch.randint(0, 7, (BATCH, *case.ins[port.name])) for port in block.inputs]
    outs = _as_tuple(module(*ids))
    assert outs and all(out.dtype == torch.long for out in outs)
    assert all(set(out.unique().tolist()) <= set(ids[0].unique().tolist()) for out in outs)


@pytest.mark.parametrize("case", [c for c in CASES if BLOCKS[c.type].can_die], ids=lambda c: c.id)
def test_blocks_whose_units_can_die_output_exactly_zero_below_zero(case: Case) -> None:
    _, _, module, xs = _prepare(case)
    assert xs[0] is not None
    assert torch.equal(module(-xs[0].abs() - 0.1), torch.zeros_like(xs[0]))
    assert (module(xs[0].abs() + 0.1) > 0).all()


def test_every_registered_block_has_a_case() -> None:
    covered = {case.type for case in CASES}
    assert set(BLOCKS) - covered == set()


def test_every_contract_block_is_registered() -> None:
    assert CONTRACT_BLOCKS - set(BLOCKS) == set()


def test_size_params_have_sane_upper_bounds() -> None:
    """Absurd sizes (a 10^9-unit layer) are refused by the param check, before allocating."""
    for name, block in BLOCKS.items():
        for spec in block.params:
            if spec.kind in ("int", "ints"):
                assert spec.max is not None and spec.max <= 1_000_000, f"{name}.{spec.name}"
                absurd = [10**9] if spec.kind == "ints" else 10**9
                assert spec.check(absurd) is not None, f"{name}.{spec.name}"
