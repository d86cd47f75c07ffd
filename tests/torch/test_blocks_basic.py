"""Basic blocks as a person meets them: messages when wiring goes wrong (through
``check``) and the behaviour of regularizers, joins, learnable tensors and the VAE sampler."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from playground.compile import check, compile_graph
from playground.compile.blocks import BLOCKS
from playground.compile.blocks.base import params_with_defaults
from playground.graph.builder import GraphBuilder
from playground.graph.spec import TaskSpec

POINTS = TaskSpec("classification", (2,), num_classes=3)
VECTORS = TaskSpec("classification", (16,), num_classes=3)
IMAGES = TaskSpec("classification", (1, 8, 8), num_classes=3)


def errors(net: GraphBuilder, task: TaskSpec) -> list[str]:
    return [d.message for d in check(net.graph, task).errors]


def build(type_: str, ins: dict, task: TaskSpec | None = None, **params: Any) -> torch.nn.Module:
    block = BLOCKS[type_]
    return block.build(params_with_defaults(block, params), ins, task)


# ---------------------------------------------------------------- messages
def test_linear_feature_mismatch_names_both_blocks_and_the_shape() -> None:
    net = (GraphBuilder().add("Input", "x").add("Linear", "conv3", out_features=128)
           .add("Linear", "fc2", out_features=3, in_features=64).add("Output", "y")
           .chain("x", "conv3", "fc2", "y"))
    report = check(net.graph, POINTS)
    [diag] = report.errors
    assert diag.message == 'Linear "fc2" expects 64 input features but receives 128 from "conv3" (N×128)'
    assert diag.node_id == net.graph.node_by_label("fc2").id
    edge = net.graph.edges[diag.edge_id]
    assert edge.src.node_id == net.graph.node_by_label("conv3").id


def test_conv2d_on_flat_features_says_it_expects_images() -> None:
    net = (GraphBuilder().add("Input", "x").add("Conv2d", "conv1").add("Flatten", "flat")
           .add("Linear", "fc", out_features=3).add("Output", "y").chain("x", "conv1", "flat", "fc", "y"))
    [message] = errors(net, VECTORS)
    assert message.startswith('Conv2d "conv1" expects N×C×H×W')
    assert "N×16" in message and '"x"' in message


def test_conv_channel_mismatch_and_groups_are_explained() -> None:
    net = (GraphBuilder().add("Input", "x").add("Conv2d", "conv1", out_channels=8)
           .add("Conv2d", "conv2", in_channels=3).add("Conv2d", "conv3", groups=3)
           .add("Output", "y").chain("x", "conv1", "conv2", "y"))
    net.wire("conv1", "conv3")
    msgs = errors(net, IMAGES)
    assert 'Conv2d "conv2" expects 3 input channels but receives 8 from "conv1" (N×8×6×6)' in msgs
    assert any(m.startswith('Conv2d "conv3" groups=3 must divide both the input channels (8) and '
                            "out_channels (16)") for m in msgs)


def test_kernel_larger_than_image_is_refused() -> None:
    net = (GraphBuilder().add("Input", "x").add("Conv2d", "conv1", kernel_size=9).add("Output", "y")
           .chain("x", "conv1", "y"))
    assert any("kernel_size 9 is larger than its input (8×8)" in m for m in errors(net, IMAGES))


def test_reshape_count_mismatch_gives_both_counts() -> None:
    net = (GraphBuilder().add("Input", "x").add("Flatten", "flat").add("Reshape", "r", shape=[1, 7, 7])
           .add("Output", "y").chain("x", "flat", "r", "y"))
    [message] = errors(net, IMAGES)
    assert message.startswith('Reshape "r" cannot reshape 64 elements per sample into 1×7×7 (49 elements)')


@pytest.mark.parametrize(("type_", "params", "ins", "expected"), [
    ("Split", {}, {"in": (5,)}, "needs an even size on the last axis but receives N×5"),
    ("Slice", {"start": 2, "end": 9}, {"in": (4,)}, "end=9 is past the last axis, which has 4 entries"),
    ("Slice", {"start": 3, "end": 3}, {"in": (4,)}, "start=3 must be smaller than end=3"),
    ("Concat", {}, {"a": (3, 4, 4), "b": (2, 5, 4)}, "can only join shapes that differ on axis 1"),
    ("Multiply", {}, {"a": (4,), "b": (3,)}, "needs equal shapes (or size-1 axes) but receives N×4 and N×3"),
    ("Mean", {}, {"a": (4,), "b": (4,), "c": (5,)}, "needs equal shapes but receives N×4 on 'a' and N×5 on 'c'"),
    ("VAESampler", {}, {"mean": (4,), "logvar": (2,)}, "needs equal shapes"),
    ("Features2D", {}, {"in": (3,)}, "expects 2-D points (N×2) but receives N×3"),
    ("Features2D", {"x1": False, "x2": False}, {"in": (2,)}, "has no feature switched on"),
    ("ConvTranspose2d", {"stride": 2, "output_padding": 2}, {"in": (2, 4, 4)},
     "output_padding (2) must be smaller than stride (2)"),
    ("MaxPool", {}, {"in": (6,)}, "expects N×C×L (channels × length) or N×C×H×W"),
    ("BatchNorm", {}, {"in": (1, 2, 3, 4)}, "expects N×F (features) or"),
    ("Reshape", {"shape": [-1, -1]}, {"in": (4,)}, "at most one -1"),
    ("Reshape", {"shape": [-1, 3]}, {"in": (4,)}, "4 is not a multiple of 3"),
])
def test_shape_rule_messages(type_: str, params: dict, ins: dict, expected: str) -> None:
    from playground.compile.blocks import ShapeError

    block = BLOCKS[type_]
    with pytest.raises(ShapeError) as err:
        block.shape(params_with_defaults(block, params), ins, POINTS)
    assert expected in err.value.message


def test_absurd_sizes_are_refused_before_anything_is_built() -> None:
    net = (GraphBuilder().add("Input", "x").add("Conv2d", "conv1", out_channels=10**9).add("Output", "y")
           .chain("x", "conv1", "y"))
    [message] = errors(net, IMAGES)
    assert 'Conv2d "conv1"' in message and "out_channels must be at most 65536" in message
    huge = GraphBuilder().add("Input", "x").add("Parameter", "p", shape=[60000, 60000]).add("Add", "add")
    huge.add("Output", "y").wire("x", "add", "a").wire("p", "add", "b").wire("add", "y")
    assert any("too large" in m for m in errors(huge, VECTORS))


# ---------------------------------------------------------------- behaviour
@pytest.mark.parametrize(("type_", "params"), [
    ("Dropout", {"p": 0.5}), ("GaussianNoise", {"std": 1.0}), ("DropPath", {"p": 0.5}),
])
def test_regularizers_act_only_while_training(type_: str, params: dict) -> None:
    module = build(type_, {"in": (4, 5)}, **params)
    x = torch.randn(64, 4, 5)
    module.eval()
    assert torch.equal(module(x), x)
    module.train()
    assert not torch.equal(module(x), x)


def test_drop_path_drops_whole_samples_and_rescales_the_rest() -> None:
    torch.manual_seed(1)
    module = build("DropPath", {"in": (6,)}, p=0.25).train()
    x = torch.rand(2000, 6) + 1.0
    y = module(x)
    dropped = (y == 0).all(dim=1)
    kept = ~dropped
    assert torch.allclose(y[kept], x[kept] / 0.75)
    assert ((y == 0).any(dim=1) == dropped).all()  # never part of a sample
    assert 0.2 < dropped.float().mean().item() < 0.3


def test_vae_sampler_kl_is_non_negative_and_zero_at_the_prior() -> None:
    module = build("VAESampler", {"mean": (4,), "logvar": (4,)}, kl_weight=1.0)
    torch.manual_seed(0)
    for _ in range(5):
        mean, logvar = torch.randn(8, 4) * 2, torch.randn(8, 4) * 2
        module(mean, logvar)
        assert module.aux_loss.item() >= 0
    module(torch.zeros(8, 4), torch.zeros(8, 4))
    assert module.aux_loss.item() == pytest.approx(0.0)
    mean, logvar = torch.randn(8, 4), torch.randn(8, 4)
    assert not torch.equal(module.train()(mean, logvar), mean)
    assert torch.equal(module.eval()(mean, logvar), mean)


def test_compiled_vae_exposes_its_kl_term_as_aux_loss() -> None:
    task = TaskSpec("reconstruction", (6,))
    net = (GraphBuilder().add("Input", "x").add("Linear", "enc", out_features=4).add("Split", "split")
           .add("VAESampler", "z", kl_weight=0.5).add("Linear", "dec", out_features=6).add("Output", "y"))
    net.chain("x", "enc", "split").wire("split", "z", "mean", "a").wire("split", "z", "logvar", "b")
    net.wire("z", "dec", src_port="z").wire("dec", "y")
    model = compile_graph(net.graph, task)
    x = torch.randn(10, 6)
    out = model(x)
    assert out.shape == (10, 6)
    aux = model.aux_loss()
    assert aux is not None and aux.item() > 0
    enc = model.node_module(net.graph.node_by_label("enc").id)  # submodules are named by node id
    mean, logvar = enc(x).chunk(2, dim=-1)
    expected = 0.5 * (-0.5 * (1 + logvar - mean**2 - logvar.exp())).sum(1).mean()
    assert torch.allclose(aux, expected)
    aux.backward()
    assert enc.weight.grad is not None and enc.weight.grad.abs().sum() > 0


def test_parameter_broadcasts_over_the_batch_through_add() -> None:
    task = TaskSpec("regression", (3,), target_shape=(3,))
    net = (GraphBuilder().add("Input", "x").add("Parameter", "shift", shape=[3], init="normal").add("Add", "add")
           .add("Output", "y").wire("x", "add", "a").wire("shift", "add", "b").wire("add", "y"))
    model = compile_graph(net.graph, task)
    x = torch.randn(5, 3)
    out = model(x)
    assert out.shape == (5, 3)
    shift = model.node_module(net.graph.node_by_label("shift").id)
    assert torch.allclose(out, x + shift.value)
    out.sum().backward()
    assert torch.allclose(shift.value.grad, torch.full((1, 3), 5.0))


def test_concat_repeats_a_batch_one_input_over_the_batch() -> None:
    net = (GraphBuilder().add("Input", "x").add("Constant", "bias_in", shape=[1], value=1.0).add("Concat", "cat")
           .add("Linear", "fc", out_features=3).add("Output", "y")
           .wire("x", "cat", "a").wire("bias_in", "cat", "b").chain("cat", "fc", "y"))
    assert errors(net, POINTS) == []
    model = compile_graph(net.graph, POINTS)
    model.taps = {net.graph.node_by_label("cat").id}
    x = torch.randn(7, 2)
    assert model(x).shape == (7, 3)
    joined = model.captured[net.graph.node_by_label("cat").id]
    assert torch.equal(joined, torch.cat([x, torch.ones(7, 1)], dim=1))


def test_depthwise_conv_keeps_channels_apart() -> None:
    conv = build("Conv2d", {"in": (4, 6, 6)}, out_channels=4, groups=4, padding=1)
    assert conv.weight.shape == (4, 1, 3, 3)
    x = torch.randn(2, 4, 6, 6)
    bumped = x.clone()
    bumped[:, 2] += 1.0
    changed = (conv(bumped) - conv(x)).abs().flatten(2).sum(-1)
    assert (changed[:, 2] > 0).all()
    assert (changed[:, [0, 1, 3]] == 0).all()


def test_features_2d_computes_the_ticked_columns_in_order() -> None:
    module = build("Features2D", {"in": (2,)}, x1=False, x1x2=True, sin_x1=True)
    x = torch.tensor([[0.5, -2.0], [1.0, 3.0]])
    expected = torch.stack([x[:, 1], x[:, 0] * x[:, 1], torch.sin(x[:, 0])], dim=1)
    assert torch.allclose(module(x), expected)


def test_rbf_unit_peaks_at_its_centre() -> None:
    module = build("RBF", {"in": (2,)}, centers=3, init_width=0.5)
    at_centres = module(module.centers.detach())
    assert torch.allclose(at_centres.diagonal(), torch.ones(3))
    assert (module(module.centers.detach() + 5.0) < 1e-6).all()


def test_constant_and_softmax_and_square_values() -> None:
    const = build("Constant", {}, shape=[2, 3], value=-1.5)
    assert torch.equal(const(), torch.full((1, 2, 3), -1.5))
    assert const.state_dict() == {}  # fixed data is not a weight
    probs = build("Softmax", {"in": (4,)})(torch.randn(5, 4))
    assert torch.allclose(probs.sum(-1), torch.ones(5))
    x = torch.randn(5, 4)
    assert torch.equal(build("Square", {"in": (4,)})(x), x * x)
