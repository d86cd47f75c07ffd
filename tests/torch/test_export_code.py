"""Code export round trip: the exported source, imported from a file, loads the compiled
model's state_dict with strict=True and computes the same outputs."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch

from playground.compile import CompileError, compile_graph
from playground.data import make_dataset
from playground.export.python_code import ExportError, export_python
from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.graph.templates import TEMPLATES, make_template

POINTS = TaskSpec("classification", (2,), num_classes=3)
VECTORS = TaskSpec("regression", (6,), target_shape=(2,))
DIGITS = TaskSpec("classification", (1, 8, 8), num_classes=10)
IMAGES = TaskSpec("reconstruction", (1, 8, 8), target_shape=(1, 8, 8))
PARITY = TaskSpec("classification", (8,), "long", num_classes=2, vocab_size=2)
REVERSE = TaskSpec("sequence", (7,), "long", target_shape=(7,), num_classes=9, vocab_size=9)


def mlp() -> tuple[Graph, TaskSpec]:
    net = (GraphBuilder().add("Input", "points").add("Features2D", "features", "points", x1_sq=True, x1x2=True)
           .add("Linear", "fc1", "features", out_features=8).add("Tanh", "act1", "fc1")
           .add("Linear", "fc2", "act1", out_features=3).add("Output", "out", "fc2"))
    return net.graph, POINTS


def conv_net() -> tuple[Graph, TaskSpec]:
    net = (GraphBuilder().add("Input", "image").add("Conv2d", "conv1", "image", out_channels=4, kernel_size=3, padding=1)
           .add("BatchNorm", "bn1", "conv1").add("ReLU", "relu1", "bn1")
           .add("MaxPool", "pool1", "relu1", kernel_size=2, stride=2)
           .add("Conv2d", "conv2", "pool1", out_channels=6, kernel_size=3, groups=2)
           .add("GlobalAvgPool", "gap", "conv2").add("Dropout", "drop", "gap", p=0.5)
           .add("Linear", "head", "drop", out_features=10).add("Output", "out", "head"))
    return net.graph, DIGITS


def residual() -> tuple[Graph, TaskSpec]:
    """Residual MLP with awkward labels (a Python keyword, a reserved name) and an unused branch."""
    net = (GraphBuilder().add("Input", "x").add("Linear", "stem", "x", out_features=8)
           .add("Linear", "forward", "stem", out_features=8).add("GELU", "class", "forward")
           .add("Add", "skip").wire("stem", "skip", "a").wire("class", "skip", "b")
           .add("LayerNorm", "norm", "skip").add("Linear", "head", "norm", out_features=2)
           .add("Output", "out", "head").add("Linear", "unused", "stem", out_features=3))
    return net.graph, VECTORS


def lstm() -> tuple[Graph, TaskSpec]:
    net = (GraphBuilder().add("Input", "bits").add("Embedding", "embed", "bits", embedding_dim=4)
           .add("LSTM", "lstm", "embed", hidden_size=5, num_layers=2, bidirectional=True)
           .add("GRU", "gru", "lstm", hidden_size=3).add("RNN", "rnn", "gru", hidden_size=3, nonlinearity="relu")
           .add("SequencePool", "last", "rnn", mode="last").add("Linear", "head", "last", out_features=2)
           .add("Output", "out", "head"))
    return net.graph, PARITY


def transformer() -> tuple[Graph, TaskSpec]:
    net = (GraphBuilder().add("Input", "tokens").add("Embedding", "embed", "tokens", embedding_dim=8)
           .add("PositionalEncoding", "pos", "embed", kind="sinusoidal", max_len=32)
           .add("TransformerBlock", "block1", "pos", heads=2, norm="pre", dropout=0.1)
           .add("TransformerBlock", "block2", "block1", heads=4, norm="post", ffn_width=12, causal=True)
           .add("SelfAttention", "attn", "block2", heads=2, head_dim=3, scale=0.3)
           .add("CrossAttention", "cross", heads=1).wire("attn", "cross", "query").wire("embed", "cross", "context")
           .add("Linear", "head", "cross", out_features=9).add("Output", "out", "head"))
    return net.graph, REVERSE


def vit() -> tuple[Graph, TaskSpec]:
    net = (GraphBuilder().add("Input", "image").add("PatchEmbed", "patches", "image", patch_size=4, dim=8)
           .add("PositionalEncoding", "pos", "patches", kind="learned", max_len=8)
           .add("TransformerBlock", "block", "pos", heads=2)
           .add("SequencePool", "cls", "block", mode="first").add("Linear", "head", "cls", out_features=10)
           .add("Output", "out", "head"))
    return net.graph, DIGITS


def vae() -> tuple[Graph, TaskSpec]:
    net = (GraphBuilder().add("Input", "image").add("Flatten", "flat", "image")
           .add("Linear", "enc", "flat", out_features=16).add("ReLU", "act", "enc")
           .add("Linear", "stats", "act", out_features=8).add("Split", "halves", "stats")
           .add("VAESampler", "sampler", kl_weight=0.5).wire("halves:a", "sampler", "mean")
           .wire("halves:b", "sampler", "logvar")
           .add("Linear", "dec", "sampler:z", out_features=32).add("Concat", "both")
           .wire("dec", "both", "a").wire("flat", "both", "b").add("Linear", "mix", "both", out_features=64)
           .add("Sigmoid", "pixels", "mix").add("Reshape", "shape", "pixels", shape=[1, 8, 8])
           .add("Output", "out", "shape"))
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
