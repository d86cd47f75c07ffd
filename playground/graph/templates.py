"""Built-in example networks (graphs, not blocks), each paired with its dataset and settings.

Pure graph data: a template only names block types and params, so this module
needs no torch. ``make_template(name)`` returns a fresh, laid-out Graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.graph.layout import auto_layout
from playground.graph.model import Graph, Node, PortRef


@dataclass(frozen=True)
class Template:
    """A ready example: a network, the dataset it is meant for and training overrides.

    ``config`` holds TrainConfig field overrides (e.g. optimizer, lr, init).
    """

    name: str
    title: str
    description: str
    dataset: str
    dataset_params: dict[str, Any]
    builder: Callable[[], Graph]
    config: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Graph:
        """A new graph (callers may edit it freely)."""
        return self.builder()


class _Builder:
    """Adds labelled blocks and wires them; ``done()`` lays the graph out left to right."""

    def __init__(self) -> None:
        self.graph = Graph()

    def add(self, type_: str, label: str, after: str | None = None, port: str = "in",
            src_port: str = "out", **params: Any) -> str:
        nid = self.graph.new_id("n")
        self.graph.add_node(Node(nid, type_, label, dict(params)))
        if after is not None:
            self.wire(after, nid, port, src_port)
        return nid

    def wire(self, src: str, dst: str, port: str = "in", src_port: str = "out") -> None:
        self.graph.connect(PortRef(src, src_port), PortRef(dst, port))

    def done(self) -> Graph:
        for nid, pos in auto_layout(self.graph).items():
            self.graph.nodes[nid].pos = pos
        return self.graph


# ------------------------------------------------------------------ builders
def _mlp() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Features2D", "features", x, x1=True, x2=True, x1_sq=True, x2_sq=True, x1x2=True,
              sin_x1=True, sin_x2=True)
    for i in (1, 2):
        x = b.add("Linear", f"fc{i}", x, out_features=16)
        x = b.add("Tanh", f"tanh{i}", x)
    x = b.add("Linear", "head", x, out_features=2)
    b.add("Output", "output", x)
    return b.done()


def _deep_linear() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Linear", "fc1", x, out_features=32, bias=False)
    x = b.add("Linear", "fc2", x, out_features=HIERARCHY_FEATURES, bias=False)
    b.add("Output", "output", x)
    return b.done()


def _lenet() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Conv2d", "conv1", x, out_channels=8, kernel_size=3, padding=1)
    x = b.add("ReLU", "relu1", x)
    x = b.add("MaxPool", "pool1", x, kernel_size=2, stride=2)
    x = b.add("Conv2d", "conv2", x, out_channels=16, kernel_size=3, padding=1)
    x = b.add("ReLU", "relu2", x)
    x = b.add("MaxPool", "pool2", x, kernel_size=2, stride=2)
    x = b.add("Flatten", "flatten", x)
    x = b.add("Linear", "fc1", x, out_features=64)
    x = b.add("ReLU", "relu3", x)
    x = b.add("Linear", "fc2", x, out_features=10)
    b.add("Output", "output", x)
    return b.done()


def _conv_net(residual: bool) -> Graph:
    """Stem + two residual stages (or the same layers without skips) + global pool + head."""
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Conv2d", "stem", x, out_channels=16, kernel_size=3, padding=1, bias=False)
    x = b.add("BatchNorm", "stem_bn", x)
    x = b.add("ReLU", "stem_relu", x)
    for i in (1, 2):
        skip = x
        h = b.add("Conv2d", f"block{i}_conv1", x, out_channels=16, kernel_size=3, padding=1, bias=False)
        h = b.add("BatchNorm", f"block{i}_bn1", h)
        h = b.add("ReLU", f"block{i}_relu1", h)
        h = b.add("Conv2d", f"block{i}_conv2", h, out_channels=16, kernel_size=3, padding=1, bias=False)
        h = b.add("BatchNorm", f"block{i}_bn2", h)
        if residual:
            h = b.add("Add", f"block{i}_add", h, port="a")
            b.wire(skip, h, "b")
        x = b.add("ReLU", f"block{i}_relu2", h)
    x = b.add("GlobalAvgPool", "pool", x)
    x = b.add("Linear", "head", x, out_features=SHAPES_CLASSES)
    b.add("Output", "output", x)
    return b.done()


def _autoencoder() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Flatten", "flatten", x)
    x = b.add("Linear", "enc1", x, out_features=32)
    x = b.add("ReLU", "enc_relu", x)
    x = b.add("Linear", "code", x, out_features=8)
    return _pixel_decoder(b, x, hidden=32)


def _pixel_decoder(b: _Builder, code: str, hidden: int, src_port: str = "out") -> Graph:
    """Code -> hidden -> 64 pixels in [0, 1] (as digits are) -> 1×8×8 image -> Output."""
    x = b.add("Linear", "dec1", code, src_port=src_port, out_features=hidden)
    x = b.add("ReLU", "dec_relu", x)
    x = b.add("Linear", "dec2", x, out_features=64)
    x = b.add("Sigmoid", "pixels", x)
    x = b.add("Reshape", "unflatten", x, shape=[1, 8, 8])
    b.add("Output", "output", x)
    return b.done()


def _vae() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Flatten", "flatten", x)
    x = b.add("Linear", "enc1", x, out_features=64)
    h = b.add("ReLU", "enc_relu", x)
    mean = b.add("Linear", "z_mean", h, out_features=8)
    logvar = b.add("Linear", "z_logvar", h, out_features=8)
    z = b.add("VAESampler", "sampler", mean, port="mean", kl_weight=0.01)
    b.wire(logvar, z, "logvar")
    return _pixel_decoder(b, z, hidden=64, src_port="z")


def _lstm_classifier() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Embedding", "embed", x, embedding_dim=8)
    x = b.add("LSTM", "lstm", x, hidden_size=32, num_layers=1, bidirectional=False)
    x = b.add("SequencePool", "last", x, mode="last")
    x = b.add("Linear", "head", x, out_features=2)
    b.add("Output", "output", x)
    return b.done()


def _transformer() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    x = b.add("Embedding", "embed", x, embedding_dim=32)
    x = b.add("PositionalEncoding", "pos", x, kind="sinusoidal")
    for i in (1, 2):
        x = b.add("TransformerBlock", f"block{i}", x, heads=4, ffn_width=64, norm="pre", dropout=0.0)
    x = b.add("LayerNorm", "norm", x)
    x = b.add("Linear", "head", x, out_features=REVERSE_SYMBOLS)
    b.add("Output", "output", x)
    return b.done()


def _vit() -> Graph:
    b = _Builder()
    x = b.add("Input", "input")
    # PatchEmbed adds a learned position vector to every patch itself.
    x = b.add("PatchEmbed", "patches", x, patch_size=4, dim=32, class_token=True)
    for i in (1, 2):
        x = b.add("TransformerBlock", f"block{i}", x, heads=4, ffn_width=64, norm="pre", dropout=0.0)
    x = b.add("LayerNorm", "norm", x)
    x = b.add("SequencePool", "cls", x, mode="first")
    x = b.add("Linear", "head", x, out_features=SHAPES_CLASSES)
    b.add("Output", "output", x)
    return b.done()


# Sizes of the default datasets' targets (the heads must match them).
HIERARCHY_FEATURES = 15
SHAPES_CLASSES = 4
REVERSE_SYMBOLS = 9

_FULL_BATCH_ADAM = {"optimizer": "adam", "batch_size": 0}

TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("mlp", "MLP on spirals",
             "A small multilayer perceptron with the classic x², xy, sin x input features; "
             "watch it bend its decision boundary around two interleaved spirals.",
             "spirals", {}, _mlp, {**_FULL_BATCH_ADAM, "lr": 0.03, "epochs": 300}),
    Template("deep_linear", "Deep linear network",
             "Two linear layers with no nonlinearity and no bias, started from small weights: "
             "learns a hierarchy one mode at a time, in stage-like drops of the loss.",
             "hierarchy", {}, _deep_linear,
             {"optimizer": "sgd", "momentum": 0.0, "lr": 0.2, "batch_size": 0, "init": "small",
              "epochs": 2000}),
    Template("lenet", "LeNet-style CNN",
             "Two convolution + pooling stages and a dense head that read 8×8 digits.",
             "digits", {}, _lenet, {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 15}),
    Template("resnet", "Small ResNet",
             "A convolutional stem and two residual blocks (conv, norm, conv, norm, add the skip) "
             "on 16×16 shapes.",
             "shapes", {}, lambda: _conv_net(True),
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 10}),
    Template("plain_deep", "Plain deep CNN (no skips)",
             "The same layers as the small ResNet without the skip connections: compare how "
             "fast each one trains.",
             "shapes", {}, lambda: _conv_net(False),
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 10}),
    Template("autoencoder", "Autoencoder",
             "Squeezes 8×8 digits through an 8-number code and rebuilds them.",
             "digits", {"task": "reconstruction"}, _autoencoder,
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 30}),
    Template("vae", "Variational autoencoder",
             "An autoencoder whose code is a Gaussian: the sampler adds a KL term that keeps "
             "codes close to a standard normal.",
             "digits", {"task": "reconstruction"}, _vae,
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 30}),
    Template("lstm_classifier", "LSTM sequence classifier",
             "Embeds a bit string, runs an LSTM over it and reads the last state to tell its parity.",
             "parity", {}, _lstm_classifier,
             {"optimizer": "adam", "lr": 0.01, "batch_size": 64, "epochs": 30}),
    Template("transformer", "Transformer encoder",
             "Token embeddings, sinusoidal positions and two transformer blocks that learn to "
             "reverse a sequence; watch the attention maps form an anti-diagonal.",
             "reverse", {}, _transformer,
             {"optimizer": "adamw", "lr": 0.003, "batch_size": 64, "epochs": 30}),
    Template("vit", "Tiny vision transformer",
             "Cuts 16×16 images into 4×4 patches, adds a class token and classifies it after "
             "two transformer blocks.",
             "shapes", {}, _vit, {"optimizer": "adamw", "lr": 0.003, "batch_size": 64, "epochs": 15}),
)}


def make_template(name: str) -> Graph:
    """A fresh graph of the named template; unknown names raise KeyError listing the known ones."""
    template = TEMPLATES.get(name)
    if template is None:
        raise KeyError(f"unknown template {name!r}; choose one of: {', '.join(TEMPLATES)}")
    return template.build()
