"""Built-in example networks (graphs, not blocks), each paired with its dataset and settings.

Pure graph data: a template only names block types and params, so this module
needs no torch. ``make_template(name)`` returns a fresh, laid-out Graph.

Each template states the validation result its default run reaches on its default dataset
(``Template.expected``; ``promise()`` is the one line lists show). Templates whose default run is
long on a CPU also declare a smaller ``QuickRun`` with its own goal: the test suite
(tests/torch/test_templates_learn.py) trains that one, with three seeds, and the default run
itself was checked by hand (see the closing note of issue 10).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph


@dataclass(frozen=True)
class Goal:
    """A validation result: ``metric`` at the end of the run is at least ``threshold`` (an
    accuracy) or at most ``threshold`` (a loss)."""

    metric: str  # a validation series the Trainer records: "val/accuracy" or "val/loss"
    threshold: float

    @property
    def higher_is_better(self) -> bool:
        return self.metric.endswith("accuracy")

    def met_by(self, value: float) -> bool:
        return value >= self.threshold if self.higher_is_better else value <= self.threshold

    def describe(self) -> str:
        return f"{self.metric} {'≥' if self.higher_is_better else '≤'} {self.threshold:g}"


@dataclass(frozen=True)
class QuickRun:
    """A smaller run of the same network and dataset for machines with little time (the test
    suite trains it): dataset and config overrides on top of the template's, and its own goal."""

    dataset_params: dict[str, Any]
    config: dict[str, Any]
    goal: Goal


@dataclass(frozen=True)
class Expected:
    """What a template's default run reaches on its default dataset, with every seed tried, and
    why that result means it learned (``note``, one line)."""

    goal: Goal
    note: str
    quick: QuickRun | None = None


@dataclass(frozen=True)
class Template:
    """A ready example: a network, the dataset it is meant for, training overrides and the
    validation result its default run reaches.

    ``config`` holds TrainConfig field overrides (e.g. optimizer, lr, init).
    """

    name: str
    title: str
    description: str
    dataset: str
    dataset_params: dict[str, Any]
    builder: Callable[[], Graph]
    config: dict[str, Any] = field(default_factory=dict)
    expected: Expected | None = None

    def build(self) -> Graph:
        """A new graph (callers may edit it freely)."""
        return self.builder()

    def run(self, quick: bool = False) -> tuple[dict[str, Any], dict[str, Any], Goal]:
        """(dataset params, config overrides, goal) of the default run, or of the declared
        quick run (the default run itself when the template declares none)."""
        if self.expected is None:
            raise ValueError(f"template {self.name!r} states no expected result")
        q = self.expected.quick if quick else None
        if q is None:
            return dict(self.dataset_params), dict(self.config), self.expected.goal
        return {**self.dataset_params, **q.dataset_params}, {**self.config, **q.config}, q.goal

    def promise(self) -> str:
        """One line for lists: what the default run reaches (and the quick run, if declared)."""
        if self.expected is None:
            return "no stated result"
        e = self.expected
        line = f"{e.goal.describe()} on {self.dataset} after {_run_length(self.config)}: {e.note}"
        if e.quick is not None:
            data = ", ".join(f"{k}={v}" for k, v in e.quick.dataset_params.items())
            length = _run_length({**self.config, **e.quick.config})
            line += f" (quick check{' with ' + data if data else ''}: {e.quick.goal.describe()} after {length})"
        return line


def _run_length(config: dict[str, Any]) -> str:
    if config.get("max_steps"):
        return f"{config['max_steps']} steps"
    epochs = config.get("epochs", 0)
    batch = config.get("batch_size", 32)
    return f"{epochs} full-batch steps" if batch == 0 else f"{epochs} epochs at batch {batch}"


# ------------------------------------------------------------------ builders
def _mlp() -> Graph:
    b = GraphBuilder().then("Input", "input")
    b.then("Features2D", "features", x1=True, x2=True, x1_sq=True, x2_sq=True, x1x2=True, sin_x1=True,
           sin_x2=True)
    for i in (1, 2):
        b.then("Linear", f"fc{i}", out_features=16).then("Tanh", f"tanh{i}")
    return b.then("Linear", "head", out_features=2).then("Output", "output").laid_out()


def _deep_linear() -> Graph:
    b = GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=32, bias=False)
    b.then("Linear", "fc2", out_features=HIERARCHY_FEATURES, bias=False)
    return b.then("Output", "output").laid_out()


def _lenet() -> Graph:
    b = GraphBuilder().then("Input", "input")
    for i, channels in ((1, 8), (2, 16)):
        b.then("Conv2d", f"conv{i}", out_channels=channels, kernel_size=3, padding=1).then("ReLU", f"relu{i}")
        b.then("MaxPool", f"pool{i}", kernel_size=2, stride=2)
    b.then("Flatten", "flatten").then("Linear", "fc1", out_features=64).then("ReLU", "relu3")
    return b.then("Linear", "fc2", out_features=10).then("Output", "output").laid_out()


def _conv_net(residual: bool) -> Graph:
    """Stem + two residual stages (or the same layers without skips) + global pool + head."""
    b = GraphBuilder().then("Input", "input")
    b.then("Conv2d", "stem", out_channels=16, kernel_size=3, padding=1, bias=False)
    b.then("BatchNorm", "stem_bn").then("ReLU", "stem_relu")
    for i in (1, 2):
        skip = b.last
        assert skip is not None
        for j in (1, 2):
            b.then("Conv2d", f"block{i}_conv{j}", out_channels=16, kernel_size=3, padding=1, bias=False)
            b.then("BatchNorm", f"block{i}_bn{j}")
            if j == 1:
                b.then("ReLU", f"block{i}_relu1")
        if residual:
            b.then("Add", f"block{i}_add", port="a").wire(skip, f"block{i}_add", "b")
        b.then("ReLU", f"block{i}_relu2")
    b.then("GlobalAvgPool", "pool").then("Linear", "head", out_features=SHAPES_CLASSES)
    return b.then("Output", "output").laid_out()


def _autoencoder() -> Graph:
    b = GraphBuilder().then("Input", "input").then("Flatten", "flatten")
    b.then("Linear", "enc1", out_features=32).then("ReLU", "enc_relu").then("Linear", "code", out_features=8)
    return _pixel_decoder(b, "code", hidden=32)


def _pixel_decoder(b: GraphBuilder, code: str, hidden: int) -> Graph:
    """Code -> hidden -> 64 pixels in [0, 1] (as digits are) -> 1×8×8 image -> Output."""
    b.add("Linear", "dec1", code, out_features=hidden).then("ReLU", "dec_relu")
    b.then("Linear", "dec2", out_features=64).then("Sigmoid", "pixels")
    return b.then("Reshape", "unflatten", shape=[1, 8, 8]).then("Output", "output").laid_out()


def _vae() -> Graph:
    b = GraphBuilder().then("Input", "input").then("Flatten", "flatten")
    b.then("Linear", "enc1", out_features=64).then("ReLU", "enc_relu")
    b.add("Linear", "z_mean", "enc_relu", out_features=8).add("Linear", "z_logvar", "enc_relu", out_features=8)
    b.add("VAESampler", "sampler", "z_mean", port="mean", kl_weight=0.01).wire("z_logvar", "sampler", "logvar")
    return _pixel_decoder(b, "sampler:z", hidden=64)


def _lstm_classifier() -> Graph:
    # 16 embedding dimensions (8 before): with 8, 2 of 10 seeds stayed at chance on parity
    b = GraphBuilder().then("Input", "input").then("Embedding", "embed", embedding_dim=16)
    b.then("LSTM", "lstm", hidden_size=32, num_layers=1, bidirectional=False)
    b.then("SequencePool", "last", mode="last").then("Linear", "head", out_features=2)
    return b.then("Output", "output").laid_out()


def _transformer() -> Graph:
    b = GraphBuilder().then("Input", "input").then("Embedding", "embed", embedding_dim=32)
    b.then("PositionalEncoding", "pos", kind="sinusoidal")
    for i in (1, 2):
        b.then("TransformerBlock", f"block{i}", heads=4, ffn_width=64, norm="pre", dropout=0.0)
    b.then("LayerNorm", "norm").then("Linear", "head", out_features=REVERSE_SYMBOLS)
    return b.then("Output", "output").laid_out()


def _vit() -> Graph:
    b = GraphBuilder().then("Input", "input")
    # PatchEmbed adds a learned position vector to every patch itself.
    b.then("PatchEmbed", "patches", patch_size=4, dim=32, class_token=True)
    for i in (1, 2):
        b.then("TransformerBlock", f"block{i}", heads=4, ffn_width=64, norm="pre", dropout=0.0)
    b.then("LayerNorm", "norm").then("SequencePool", "cls", mode="first")
    b.then("Linear", "head", out_features=SHAPES_CLASSES)
    return b.then("Output", "output").laid_out()


# Sizes of the default datasets' targets (the heads must match them).
HIERARCHY_FEATURES = 15
SHAPES_CLASSES = 4
REVERSE_SYMBOLS = 9

_FULL_BATCH_ADAM = {"optimizer": "adam", "batch_size": 0}

TEMPLATES: dict[str, Template] = {t.name: t for t in (
    Template("mlp", "MLP on spirals",
             "A small multilayer perceptron with the classic x², xy, sin x input features; "
             "watch it bend its decision boundary around two interleaved spirals.",
             "spirals", {}, _mlp, {**_FULL_BATCH_ADAM, "lr": 0.03, "epochs": 300},
             Expected(Goal("val/accuracy", 0.95), "both arms told apart on held-out points")),
    Template("deep_linear", "Deep linear network",
             "Two linear layers with no nonlinearity and no bias, started from small weights: "
             "learns a hierarchy one mode at a time, in stage-like drops of the loss.",
             "hierarchy", {}, _deep_linear,
             {"optimizer": "sgd", "momentum": 0.0, "lr": 0.2, "batch_size": 0, "init": "small",
              "epochs": 2000},
             Expected(Goal("val/loss", 1e-3), "every mode of the hierarchy learned (from 0.27 at the "
                      "start; validation items are the training items by design)")),
    Template("lenet", "LeNet-style CNN",
             "Two convolution + pooling stages and a dense head that read 8×8 digits.",
             "digits", {}, _lenet, {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 15},
             Expected(Goal("val/accuracy", 0.9), "reads handwritten digits it never saw (chance: 0.1)")),
    Template("resnet", "Small ResNet",
             "A convolutional stem and two residual blocks (conv, norm, conv, norm, add the skip) "
             "on 16×16 shapes.",
             "shapes", {}, lambda: _conv_net(True),
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 10},
             Expected(Goal("val/accuracy", 0.95), "names the shape of unseen pictures (chance: 0.25)",
                      QuickRun({"n_samples": 400}, {"batch_size": 32}, Goal("val/accuracy", 0.75)))),
    Template("plain_deep", "Plain deep CNN (no skips)",
             "The same layers as the small ResNet without the skip connections: compare how "
             "fast each one trains.",
             "shapes", {}, lambda: _conv_net(False),
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 10},
             Expected(Goal("val/accuracy", 0.95), "names the shape of unseen pictures (chance: 0.25)",
                      QuickRun({"n_samples": 400}, {"batch_size": 32}, Goal("val/accuracy", 0.75)))),
    Template("autoencoder", "Autoencoder",
             "Squeezes 8×8 digits through an 8-number code and rebuilds them.",
             "digits", {"task": "reconstruction"}, _autoencoder,
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 30},
             Expected(Goal("val/loss", 0.03), "rebuilds unseen digits (drawing the mean digit scores 0.073)")),
    Template("vae", "Variational autoencoder",
             "An autoencoder whose code is a Gaussian: the sampler adds a KL term that keeps "
             "codes close to a standard normal.",
             "digits", {"task": "reconstruction"}, _vae,
             {"optimizer": "adam", "lr": 0.003, "batch_size": 64, "epochs": 30},
             Expected(Goal("val/loss", 0.065), "rebuilds unseen digits through a sampled code (drawing "
                      "the mean digit scores 0.073)")),
    Template("lstm_classifier", "LSTM sequence classifier",
             "Embeds a bit string, runs an LSTM over it and reads the last state to tell its parity.",
             "parity", {}, _lstm_classifier,
             # Full batches and a cosine decay: with 64-string batches and a constant rate, parity
             # stayed at chance on 2 of 10 seeds; this way all 10 tried learned it.
             {"optimizer": "adam", "lr": 0.01, "batch_size": 0, "schedule": "cosine", "epochs": 300},
             Expected(Goal("val/accuracy", 0.9), "the parity of bit strings it never saw (chance: 0.5)")),
    Template("transformer", "Transformer encoder",
             "Token embeddings, sinusoidal positions and two transformer blocks that learn to "
             "reverse a sequence; watch the attention maps form an anti-diagonal.",
             "reverse", {}, _transformer,
             {"optimizer": "adamw", "lr": 0.003, "batch_size": 64, "epochs": 30},
             Expected(Goal("val/accuracy", 0.99), "reverses sequences it never saw, symbol by symbol",
                      QuickRun({"n_samples": 1000}, {"epochs": 12}, Goal("val/accuracy", 0.95)))),
    Template("vit", "Tiny vision transformer",
             "Cuts 16×16 images into 4×4 patches, adds a class token and classifies it after "
             "two transformer blocks.",
             "shapes", {}, _vit, {"optimizer": "adamw", "lr": 0.003, "batch_size": 64, "epochs": 15},
             Expected(Goal("val/accuracy", 0.75), "names the shape of unseen pictures (chance: 0.25)",
                      QuickRun({"n_samples": 800}, {"epochs": 20}, Goal("val/accuracy", 0.5)))),
)}


def make_template(name: str) -> Graph:
    """A fresh graph of the named template; unknown names raise KeyError listing the known ones."""
    template = TEMPLATES.get(name)
    if template is None:
        raise KeyError(f"unknown template {name!r}; choose one of: {', '.join(TEMPLATES)}")
    return template.build()
