"""Templates: each one validates against its dataset, and each compiled template computes exactly
what an equivalent hand-written PyTorch module computes with the same weights (micrograd-style
parity: the same result two ways)."""

import math
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from playground.compile import check, compile_graph
from playground.data import DATASETS, make_dataset
from playground.graph.model import Graph
from playground.graph.templates import TEMPLATES, make_template
from playground.train import TrainConfig

NAMES = ["mlp", "deep_linear", "lenet", "resnet", "plain_deep", "autoencoder", "vae", "lstm_classifier",
         "transformer", "vit"]
_BUNDLES: dict[str, object] = {}


def bundle_for(name: str):
    t = TEMPLATES[name]
    key = f"{t.dataset}:{sorted(t.dataset_params.items())}"
    if key not in _BUNDLES:
        _BUNDLES[key] = make_dataset(t.dataset, t.dataset_params)
    return _BUNDLES[key]


# -------------------------------------------------------------- the catalogue
def test_the_promised_templates_exist():
    assert sorted(TEMPLATES) == sorted(NAMES)
    for name, t in TEMPLATES.items():
        assert t.name == name and t.title and len(t.description) > 30
        assert t.dataset in DATASETS, f"{name}: unknown dataset {t.dataset}"


def test_unknown_template_lists_the_known_ones():
    with pytest.raises(KeyError) as info:
        make_template("resnet152")
    text = str(info.value)
    assert "resnet152" in text and all(n in text for n in NAMES)


def test_builds_are_fresh_graphs_with_readable_labels():
    a, b = make_template("resnet"), make_template("resnet")
    assert a is not b and a.to_dict() == b.to_dict()
    a.set_param(next(iter(a.nodes)), "x", 1)
    assert a.to_dict() != make_template("resnet").to_dict()
    labels = {n.label for n in b.nodes.values()}
    assert {"stem", "block1_conv1", "block1_add", "block2_add", "head", "output"} <= labels
    assert not any(n.type == "Add" for n in make_template("plain_deep").nodes.values())


@pytest.mark.parametrize("name", NAMES)
def test_template_validates_cleanly_against_its_dataset(name):
    t = TEMPLATES[name]
    graph = t.build()
    assert Graph.from_dict(graph.to_dict()).to_dict() == graph.to_dict()
    report = check(graph, bundle_for(name).task)
    assert report.diagnostics == [], [d.message for d in report.diagnostics]
    assert set(report.edge_shapes) == set(graph.edges)
    config = TrainConfig.from_dict(t.config)
    assert config.to_dict()["optimizer"] == t.config.get("optimizer", "adam")


def test_datasets_point_back_at_their_templates():
    for name in ("spirals", "hierarchy", "digits", "shapes", "parity", "reverse"):
        assert DATASETS[name].default_template in TEMPLATES


def test_deep_linear_has_no_bias_and_no_nonlinearity_and_small_init():
    t = TEMPLATES["deep_linear"]
    g = t.build()
    assert {n.type for n in g.nodes.values()} == {"Input", "Linear", "Output"}
    assert all(n.params.get("bias") is False for n in g.nodes.values() if n.type == "Linear")
    assert t.config["init"] == "small"


# ----------------------------------------------------------- hand-written nets
def sinusoid(length: int, dim: int) -> torch.Tensor:
    table = torch.zeros(length, dim)
    for pos in range(length):
        for i in range(0, dim, 2):
            angle = pos / 10000 ** (i / dim)
            table[pos, i] = math.sin(angle)
            table[pos, i + 1] = math.cos(angle)
    return table


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.ModuleList([nn.Linear(7, 16), nn.Linear(16, 16)])
        self.logits = nn.Linear(16, 2)

    def forward(self, x):
        a, b = x[:, 0], x[:, 1]
        h = torch.stack([a, b, a * a, b * b, a * b, torch.sin(a), torch.sin(b)], dim=1)
        for layer in self.hidden:
            h = torch.tanh(layer(h))
        return self.logits(h)


class DeepLinear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(32, 8))
        self.w2 = nn.Parameter(torch.empty(15, 32))

    def forward(self, x):
        return x @ self.w1.T @ self.w2.T


class LeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
        self.f1, self.f2 = nn.Linear(64, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(x.reshape(len(x), -1))))


class ConvUnit(nn.Module):
    def __init__(self, residual: bool) -> None:
        super().__init__()
        self.residual = residual
        self.conv_a, self.conv_b = (nn.Conv2d(16, 16, 3, padding=1, bias=False) for _ in range(2))
        self.norm_a, self.norm_b = nn.BatchNorm2d(16), nn.BatchNorm2d(16)

    def forward(self, x):
        h = self.norm_b(self.conv_b(F.relu(self.norm_a(self.conv_a(x)))))
        return F.relu(h + x if self.residual else h)


class ConvNet(nn.Module):
    def __init__(self, residual: bool) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.units = nn.Sequential(ConvUnit(residual), ConvUnit(residual))
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.units(self.stem(x)).mean(dim=(2, 3)))


class AutoEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 8))
        self.decoder = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 64), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x.flatten(1))).view(-1, 1, 8, 8)


class VAE(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(64, 64)
        self.mu, self.logvar = nn.Linear(64, 8), nn.Linear(64, 8)
        self.dec = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.Sigmoid())
        self.kl = torch.zeros(())

    def forward(self, x):
        h = F.relu(self.enc(x.flatten(1)))
        mu, logvar = self.mu(h), self.logvar(h)
        self.kl = 0.01 * (0.5 * (mu**2 + logvar.exp() - 1 - logvar)).sum(1).mean()
        return self.dec(mu).view(-1, 1, 8, 8)  # evaluation: z is the mean


class LSTMClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.tokens = nn.Embedding(2, 16)
        self.rnn = nn.LSTM(16, 32, batch_first=True)
        self.out = nn.Linear(32, 2)

    def forward(self, x):
        seq, _ = self.rnn(self.tokens(x))
        return self.out(seq[:, -1])


def encoder_layer() -> nn.TransformerEncoderLayer:
    return nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, dropout=0.0, activation="gelu",
                                      batch_first=True, norm_first=True)


class Transformer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.tokens = nn.Embedding(9, 32)
        self.layers = nn.ModuleList([encoder_layer(), encoder_layer()])
        self.final_norm = nn.LayerNorm(32)
        self.unembed = nn.Linear(32, 9)

    def forward(self, x):
        h = self.tokens(x) + sinusoid(x.shape[1], 32)
        for layer in self.layers:
            h = layer(h)
        return self.unembed(self.final_norm(h))


class ViT(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.patchify = nn.Conv2d(1, 32, 4, stride=4)
        self.cls = nn.Parameter(torch.empty(1, 1, 32))
        self.pos = nn.Parameter(torch.empty(1, 17, 32))
        self.layers = nn.ModuleList([encoder_layer(), encoder_layer()])
        self.final_norm = nn.LayerNorm(32)
        self.classify = nn.Linear(32, 4)

    def forward(self, x):
        patches = self.patchify(x).flatten(2).transpose(1, 2)
        h = torch.cat([self.cls.expand(len(x), -1, -1), patches], dim=1) + self.pos
        for layer in self.layers:
            h = layer(h)
        return self.classify(self.final_norm(h)[:, 0])


# ------------------------------------------------------- weight name mappings
def prefixes(pairs: dict[str, str]) -> Callable[[dict], dict]:
    """Map reference keys to compiled keys by renaming prefixes (reference -> compiled)."""
    def convert(sd: dict) -> dict:
        out = {}
        for key, value in sd.items():
            for compiled, ref in pairs.items():
                if key == compiled or key.startswith(compiled + "."):
                    out[ref + key[len(compiled):]] = value
                    break
        return out
    return convert


def encoder_layer_keys(compiled: str, ref: str, sd: dict) -> dict:
    """Our TransformerBlock (separate query/key/value) -> torch's packed in_proj."""
    a = f"{compiled}.attn."
    out = {
        f"{ref}.self_attn.in_proj_weight": torch.cat([sd[a + n + ".weight"] for n in ("query", "key", "value")]),
        f"{ref}.self_attn.in_proj_bias": torch.cat([sd[a + n + ".bias"] for n in ("query", "key", "value")]),
    }
    for ours, theirs in (("attn.out", "self_attn.out_proj"), ("norm1", "norm1"), ("norm2", "norm2"),
                         ("ffn.0", "linear1"), ("ffn.2", "linear2")):
        for p in ("weight", "bias"):
            out[f"{ref}.{theirs}.{p}"] = sd[f"{compiled}.{ours}.{p}"]
    return out


def transformer_keys(sd: dict, vit: bool) -> dict:
    out = {}
    for i in (1, 2):
        out |= encoder_layer_keys(f"block{i}", f"layers.{i - 1}", sd)
    out |= prefixes({"norm": "final_norm", "head": "classify" if vit else "unembed"})(sd)
    if vit:
        out |= {"patchify.weight": sd["patches.proj.weight"], "patchify.bias": sd["patches.proj.bias"],
                "cls": sd["patches.class_token"], "pos": sd["patches.position"]}
    else:
        out["tokens.weight"] = sd["embed.weight"]
    return out


def conv_keys(residual: bool) -> Callable[[dict], dict]:
    pairs = {"stem": "stem.0", "stem_bn": "stem.1", "head": "fc"}
    for i in (1, 2):
        for ours, ref in (("conv1", "conv_a"), ("bn1", "norm_a"), ("conv2", "conv_b"), ("bn2", "norm_b")):
            pairs[f"block{i}_{ours}"] = f"units.{i - 1}.{ref}"
    return prefixes(pairs)


REFERENCES: dict[str, tuple[Callable[[], nn.Module], Callable[[dict], dict]]] = {
    "mlp": (MLP, prefixes({"fc1": "hidden.0", "fc2": "hidden.1", "head": "logits"})),
    "deep_linear": (DeepLinear, lambda sd: {"w1": sd["fc1.weight"], "w2": sd["fc2.weight"]}),
    "lenet": (LeNet, prefixes({"conv1": "c1", "conv2": "c2", "fc1": "f1", "fc2": "f2"})),
    "resnet": (lambda: ConvNet(True), conv_keys(True)),
    "plain_deep": (lambda: ConvNet(False), conv_keys(False)),
    "autoencoder": (AutoEncoder, prefixes({"enc1": "encoder.0", "code": "encoder.2", "dec1": "decoder.0",
                                           "dec2": "decoder.2"})),
    "vae": (VAE, prefixes({"enc1": "enc", "z_mean": "mu", "z_logvar": "logvar", "dec1": "dec.0",
                           "dec2": "dec.2"})),
    "lstm_classifier": (LSTMClassifier, prefixes({"embed": "tokens", "lstm.rnn": "rnn", "head": "out"})),
    "transformer": (Transformer, lambda sd: transformer_keys(sd, vit=False)),
    "vit": (ViT, lambda sd: transformer_keys(sd, vit=True)),
}


def scramble(model: nn.Module, seed: int) -> None:
    """Move every weight and running statistic away from its init, so a mix-up cannot hide."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.2)
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.3)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


@pytest.mark.parametrize("name", NAMES)
def test_compiled_template_matches_hand_written_torch(name):
    torch.manual_seed(0)
    data = bundle_for(name)
    model = compile_graph(make_template(name), data.task)
    scramble(model, seed=NAMES.index(name))
    make_ref, convert = REFERENCES[name]
    ref = make_ref()
    compiled_sd = model.readable_state_dict()  # label-based keys, as the references are written
    mapped = convert(compiled_sd)
    ref.load_state_dict(mapped, strict=True)  # every reference weight is given, none left over
    n_compiled = sum(v.numel() for k, v in compiled_sd.items() if not k.endswith("num_batches_tracked"))
    n_ref = sum(v.numel() for k, v in ref.state_dict().items() if not k.endswith("num_batches_tracked"))
    assert n_compiled == n_ref, "some compiled weights have no counterpart in the reference"

    model.eval()
    ref.eval()
    x = data.x_val[:32]
    with torch.no_grad():
        ours, theirs = model(x), ref(x)
    assert ours.shape == theirs.shape == (len(x), *model.output_shape)
    assert torch.allclose(ours, theirs, atol=1e-5, rtol=1e-4), (ours - theirs).abs().max()
    if name == "vae":
        assert torch.allclose(model.aux_loss(), ref.kl, atol=1e-6)
