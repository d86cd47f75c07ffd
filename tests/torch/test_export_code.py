"""Code export round trip: the exported source, imported from a file, loads the compiled
model's state_dict with strict=True and computes the same outputs."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch

from playground.compile import CompileError, compile_graph
from playground.compile.export_code import ExportError, export_python
from playground.data import make_dataset
from playground.graph.edits import AddNode, Connect
from playground.graph.model import Graph, PortRef
from playground.graph.spec import TaskSpec
from playground.graph.templates import TEMPLATES, make_template

POINTS = TaskSpec("classification", (2,), num_classes=3)
VECTORS = TaskSpec("regression", (6,), target_shape=(2,))
DIGITS = TaskSpec("classification", (1, 8, 8), num_classes=10)
IMAGES = TaskSpec("reconstruction", (1, 8, 8), target_shape=(1, 8, 8))
PARITY = TaskSpec("classification", (8,), "long", num_classes=2, vocab_size=2)
REVERSE = TaskSpec("sequence", (7,), "long", target_shape=(7,), num_classes=9, vocab_size=9)


class Net:
    """Builds a graph from labelled blocks: ``net.add("fc1", "Linear", "input", out_features=8)``."""

    def __init__(self) -> None:
        self.graph = Graph()
        self.ids: dict[str, str] = {}

    def add(self, label: str, type_: str, *sources: str, **params: Any) -> Net:
        edit = AddNode(type_, params, label=label)
        edit.apply(self.graph)
        assert edit.node_id is not None and self.graph.nodes[edit.node_id].label == label
        self.ids[label] = edit.node_id
        for src in sources:
            self.wire(src, label)
        return self

    def wire(self, src: str, dst: str, port: str = "in") -> Net:
        src_label, _, src_port = src.partition(":")
        Connect(PortRef(self.ids[src_label], src_port or "out"), PortRef(self.ids[dst], port)).apply(self.graph)
        return self


def mlp() -> tuple[Graph, TaskSpec]:
    net = (Net().add("points", "Input").add("features", "Features2D", "points", x1_sq=True, x1x2=True)
           .add("fc1", "Linear", "features", out_features=8).add("act1", "Tanh", "fc1")
           .add("fc2", "Linear", "act1", out_features=3).add("out", "Output", "fc2"))
    return net.graph, POINTS


def conv_net() -> tuple[Graph, TaskSpec]:
    net = (Net().add("image", "Input").add("conv1", "Conv2d", "image", out_channels=4, kernel_size=3, padding=1)
           .add("bn1", "BatchNorm", "conv1").add("relu1", "ReLU", "bn1")
           .add("pool1", "MaxPool", "relu1", kernel_size=2, stride=2)
           .add("conv2", "Conv2d", "pool1", out_channels=6, kernel_size=3, groups=2)
           .add("gap", "GlobalAvgPool", "conv2").add("drop", "Dropout", "gap", p=0.5)
           .add("head", "Linear", "drop", out_features=10).add("out", "Output", "head"))
    return net.graph, DIGITS


def residual() -> tuple[Graph, TaskSpec]:
    """Residual MLP with awkward labels (a Python keyword, a reserved name) and an unused branch."""
    net = (Net().add("x", "Input").add("stem", "Linear", "x", out_features=8)
           .add("forward", "Linear", "stem", out_features=8).add("class", "GELU", "forward")
           .add("skip", "Add").wire("stem", "skip", "a").wire("class", "skip", "b")
           .add("norm", "LayerNorm", "skip").add("head", "Linear", "norm", out_features=2)
           .add("out", "Output", "head").add("unused", "Linear", "stem", out_features=3))
    return net.graph, VECTORS


def lstm() -> tuple[Graph, TaskSpec]:
    net = (Net().add("bits", "Input").add("embed", "Embedding", "bits", embedding_dim=4)
           .add("lstm", "LSTM", "embed", hidden_size=5, num_layers=2, bidirectional=True)
           .add("gru", "GRU", "lstm", hidden_size=3).add("rnn", "RNN", "gru", hidden_size=3, nonlinearity="relu")
           .add("last", "SequencePool", "rnn", mode="last").add("head", "Linear", "last", out_features=2)
           .add("out", "Output", "head"))
    return net.graph, PARITY


def transformer() -> tuple[Graph, TaskSpec]:
    net = (Net().add("tokens", "Input").add("embed", "Embedding", "tokens", embedding_dim=8)
           .add("pos", "PositionalEncoding", "embed", kind="sinusoidal", max_len=32)
           .add("block1", "TransformerBlock", "pos", heads=2, norm="pre", dropout=0.1)
           .add("block2", "TransformerBlock", "block1", heads=4, norm="post", ffn_width=12, causal=True)
           .add("attn", "SelfAttention", "block2", heads=2, head_dim=3, scale=0.3)
           .add("cross", "CrossAttention", heads=1).wire("attn", "cross", "query").wire("embed", "cross", "context")
           .add("head", "Linear", "cross", out_features=9).add("out", "Output", "head"))
    return net.graph, REVERSE


def vit() -> tuple[Graph, TaskSpec]:
    net = (Net().add("image", "Input").add("patches", "PatchEmbed", "image", patch_size=4, dim=8)
           .add("pos", "PositionalEncoding", "patches", kind="learned", max_len=8)
           .add("block", "TransformerBlock", "pos", heads=2)
           .add("cls", "SequencePool", "block", mode="first").add("head", "Linear", "cls", out_features=10)
           .add("out", "Output", "head"))
    return net.graph, DIGITS


def vae() -> tuple[Graph, TaskSpec]:
    net = (Net().add("image", "Input").add("flat", "Flatten", "image")
           .add("enc", "Linear", "flat", out_features=16).add("act", "ReLU", "enc")
           .add("stats", "Linear", "act", out_features=8).add("halves", "Split", "stats")
           .add("sampler", "VAESampler", kl_weight=0.5).wire("halves:a", "sampler", "mean")
           .wire("halves:b", "sampler", "logvar")
           .add("dec", "Linear", "sampler:z", out_features=32).add("both", "Concat")
           .wire("dec", "both", "a").wire("flat", "both", "b").add("mix", "Linear", "both", out_features=64)
           .add("pixels", "Sigmoid", "mix").add("shape", "Reshape", "pixels", shape=[1, 8, 8])
           .add("out", "Output", "shape"))
    return net.graph, IMAGES


GRAPHS = {f.__name__: f for f in (mlp, conv_net, residual, lstm, transformer, vit, vae)}


def sample_input(task: TaskSpec, n: int = 5) -> torch.Tensor:
    if task.input_dtype == "long":
        return torch.randint(0, task.vocab_size, (n, *task.input_shape))
    return torch.randn(n, *task.input_shape)


def import_exported(source: str, path: Path) -> ModuleType:
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_round_trip(graph: Graph, task: TaskSpec, path: Path) -> str:
    torch.manual_seed(0)
    model = compile_graph(graph, task)
    x = sample_input(task)
    model.train()
    model(x)  # move BatchNorm running statistics away from their initial values
    source = export_python(graph, task)
    exported = import_exported(source, path).Net()
    exported.load_state_dict(model.readable_state_dict(), strict=True)
    model.eval()
    exported.eval()
    with torch.no_grad():
        expected = model(x)
        got = exported(x)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-5), (got - expected).abs().max()
    if hasattr(exported, "aux_loss"):
        assert torch.allclose(exported.aux_loss(), model.aux_loss())
    return source


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_export_round_trip(name, tmp_path):
    graph, task = GRAPHS[name]()
    source = assert_round_trip(graph, task, tmp_path / f"{name}.py")
    assert imported_modules(source) <= {"torch", "math"}
    assert source.count("class Net(nn.Module)") == 1


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_round_trips(name, tmp_path):
    template = TEMPLATES[name]
    task = make_dataset(template.dataset, template.dataset_params).task
    source = assert_round_trip(make_template(name), task, tmp_path / f"template_{name}.py")
    assert imported_modules(source) <= {"torch", "math"}


def test_exported_code_reads_like_hand_written_pytorch(tmp_path):
    graph, task = residual()
    source = export_python(graph, task, class_name="ResidualMLP")
    assert source.startswith('"""ResidualMLP: PyTorch code generated by Neural Playground')
    assert "Input:  N×6 (float)" in source and "mse loss (regression)" in source
    init, forward = source.split("def forward(self, x: torch.Tensor) -> torch.Tensor:")
    assert "self.stem = nn.Linear(in_features=6, out_features=8, bias=True)" in init
    assert "self.forward_ = nn.Linear(" in init  # a label that would shadow Module.forward
    assert "unused" not in source  # blocks that do not reach the Output are left out, as when compiling
    assert [line.strip() for line in forward.strip().splitlines()] == [
        "stem = self.stem(x)",
        "forward_ = self.forward_(stem)",
        "class_ = self.class_(forward_)",  # a Python keyword
        "skip = self.skip(stem, class_)",
        "norm = self.norm(skip)",
        "head = self.head(norm)",
        "return head",
    ]
    assert "ctor_source" not in source
    module = import_exported(source, tmp_path / "residual_mlp.py")
    assert isinstance(module.ResidualMLP(), torch.nn.Module)


def test_multi_output_blocks_and_unwired_optional_inputs(tmp_path):
    graph, task = vae()
    source = export_python(graph, task)
    assert "halves_a, halves_b = self.halves(stats)" in source
    assert "both = self.both(dec, flat)" in source  # unconnected optional inputs are left out
    assert "def aux_loss(self)" in source and "self.sampler.aux_loss" in source


def test_custom_classes_are_defined_once_before_use(tmp_path):
    graph, task = transformer()
    source = export_python(graph, task)
    assert source.count("class MultiHeadAttention(nn.Module)") == 1
    assert source.index("class MultiHeadAttention") < source.index("class TransformerLayer")
    assert source.index("class TransformerLayer") < source.index("class Net")
    assert "import math" in source


def test_export_of_a_broken_graph_names_the_problem():
    graph, task = mlp()
    fc2 = next(n for n in graph.nodes.values() if n.label == "fc2")
    graph.set_param(fc2.id, "out_features", 4)
    with pytest.raises(CompileError, match="3 classes"):
        export_python(graph, task)


def test_graphs_cover_every_sequence_and_attention_block():
    """The hand-built graphs together cover every sequence and attention block type."""
    used = {n.type for build in GRAPHS.values() for n in build()[0].nodes.values()}
    wanted = {"Embedding", "PositionalEncoding", "RNN", "LSTM", "GRU", "SequencePool", "SelfAttention",
              "CrossAttention", "TransformerBlock", "PatchEmbed"}
    assert wanted <= used


def test_class_names_that_would_break_the_code_are_refused():
    graph, task = transformer()
    for name in ("MultiHeadAttention", "nn", "my net"):
        with pytest.raises(ExportError, match=repr(name)):
            export_python(graph, task, class_name=name)
