"""The example sessions themselves: one per template and one per experiment, each with its story.

Most examples are a template as it is (``template=``). An experiment's example sets up the task
and one network of the experiment (``build=``) and says which Experiments menu entry runs the
whole comparison (``experiment=``); an example can stand for a template and an experiment at once
(the deep-linear stages are the ``stages`` experiment's network). ``examples.py`` serves them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground.graph.builder import GraphBuilder
from playground.graph.layout import auto_layout
from playground.graph.model import Graph
from playground.session.model import Session


@dataclass(frozen=True)
class Example:
    """``file`` is relative to ``resources/examples/``; ``summary`` is the one line a menu shows,
    ``story`` the session's notes. ``build`` makes the session when it is not ``template`` as it
    is (with ``overrides``); ``experiment`` names the experiment it sets up, if any."""

    name: str
    title: str
    summary: str
    story: str
    file: str
    template: str = ""
    overrides: tuple[str, ...] = ()
    experiment: str = ""
    build: Callable[[], Session] | None = None


def _story(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


PRESS = "What to do: press Train (Space). The network starts untrained."


def _menu(title: str, what: str) -> str:
    return f"The whole experiment: Experiments ▸ {title} {what}, and states its measured verdict."


def _session(graph: Graph, dataset: str, params: dict[str, Any], **config: Any) -> Session:
    """A session of ``graph`` on ``dataset``, laid out, with the dataset category's defaults and
    the experiment's own training settings."""
    from playground.data import get_dataset
    from playground.train.config import default_config

    for nid, pos in auto_layout(graph).items():
        graph.move_node(nid, pos)
    definition = get_dataset(dataset)
    session = Session(graph=graph, dataset=dataset, dataset_params=dict(params),
                      config=default_config(definition.category, **config))
    session.dataset_params = dict(session.bundle().params)  # resolved, as new_session does
    return session


def _inductive_bias_cnn() -> Session:
    from playground.experiments.inductive_bias import image_networks

    return _session(image_networks()["CNN"], "shapes", {"n_samples": 2000, "position": 0.1},
                    optimizer="adam", lr=0.003, batch_size=64, max_steps=800)


def _regularizers_mlp() -> Session:
    from playground.experiments.regularizers import regularized_mlp

    return _session(regularized_mlp("none"), "spirals", {"n_samples": 50, "noise": 0.15, "val_fraction": 0.5},
                    optimizer="adam", lr=0.01, batch_size=32, max_steps=2000)


def _gating_xor() -> Session:
    b = GraphBuilder().then("Input", "input").then("Linear", "a", out_features=8)
    b.add("Linear", "b", "input", out_features=8).add("Multiply", "gate", "a", port="a")
    b.wire("b", "gate", port="b").then("Linear", "head", out_features=2).then("Output", "output")
    return _session(b.graph, "xor", {}, optimizer="adam", lr=0.01, batch_size=32, max_steps=1000)


def _dying_relu() -> Session:
    from playground.experiments.classics import relu_net

    return _session(relu_net(), "spirals", {"n_samples": 400}, optimizer="sgd", lr=0.5, momentum=0.0,
                    batch_size=16, blowup_train=0, max_steps=500)


def _double_descent() -> Session:
    b = GraphBuilder().then("Input", "input").then("Linear", "hidden", out_features=100)
    b.then("ReLU", "relu").then("Linear", "head", out_features=1).then("Output", "output")
    return _session(b.graph, "polynomial", {"n_samples": 125, "noise": 0.3, "val_fraction": 0.2},
                    optimizer="adam", lr=0.01, batch_size=0, init="default", max_steps=3000)


def _topology() -> Session:
    from playground.graph.random_wiring import random_topology, wired_network

    edges = random_topology("watts_strogatz", 8, seed=1000)
    return _session(wired_network(8, edges, width=16), "spirals", {"n_samples": 400, "turns": 1.75},
                    optimizer="adam", lr=0.01, batch_size=32, max_steps=800)


TEMPLATE_EXAMPLES: tuple[Example, ...] = (
    Example(
        "spiral_mlp", "Spiral: a small MLP bends its boundary",
        "Watch a decision boundary wrap itself around two interleaved spirals.",
        _story(
            "Two spirals of points, one per class, wound into each other. A straight line cannot "
            "separate them; a small MLP with x², xy and sin x features can.",
            PRESS,
            "What to look for: the Decision boundary view starts as a blur, then bends into two arms "
            "within a few hundred steps. The per-unit maps on the blocks show what each hidden unit "
            "has learned: early units draw simple edges, later ones combine them into curves. "
            "Validation accuracy climbs above 0.95.",
            "Then try: in the Inspector, untick the sin features of the features block, or halve the "
            "units of fc1, and train again: the boundary gets coarser and the tips of the arms are "
            "the first to go wrong."),
        "spiral_mlp.playground", "mlp"),
    Example(
        "deep_linear_stages", "Deep linear network: learning in stages",
        "A linear network learns a hierarchy one mode at a time, in sudden drops of the loss.",
        _story(
            "Two linear layers with no nonlinearity, started from very small weights, trained on items "
            "whose features form a hierarchy (a classic result of Saxe, McClelland and Ganguli, 2014).",
            PRESS,
            "What to look for: the loss on the Curves does not fall smoothly. It stays on a plateau, "
            "drops, plateaus again: one drop per mode of the data, the strongest mode first. The "
            "Learning dynamics view shows each mode's strength rising as an S-curve, one after another.",
            "Then try: set init to default in the Training panel (larger starting weights) and "
            "train again: the stages blur into one smooth fall.",
            _menu("Stages in deep linear networks", "trains this network and overlays the closed-form "
                  "prediction of every mode's rise")),
        "deep_linear_stages.playground", "deep_linear", experiment="stages"),
    Example(
        "transformer_reverse", "Transformer: attention learns to reverse",
        "Two transformer blocks learn to reverse a sequence; the attention map becomes an anti-diagonal.",
        _story(
            "Token embeddings, sinusoidal positions and two transformer blocks. Each output position "
            "must name the symbol at the mirrored input position.",
            "What to do: press Train (Space). The network starts untrained; a run takes a minute or "
            "two on a laptop CPU.",
            "What to look for: in the Attention view, the maps start diffuse. As validation accuracy "
            "rises past 0.9, one block's heads sharpen into a clean anti-diagonal: position i looks at "
            "position n−1−i. Compare the heads: not every head learns the same thing.",
            "Then try: delete the positional encoding block (pos) and wire embed to block1. Without "
            "positions the network cannot tell where a symbol was, and accuracy stays near chance.",
            _menu("Attention learns the task", "trains this transformer and follows every head's "
                  "share of attention on the anti-diagonal")),
        "transformer_reverse.playground", "transformer", experiment="attention"),
    Example(
        "lenet_digits", "LeNet: a CNN reads handwritten digits",
        "Two convolution stages read 8×8 handwritten digits; watch the filters and activations form.",
        _story(
            "Real 8×8 handwritten digits (UCI, 1,797 images) read by two convolution + pooling stages "
            "and a dense head, in the spirit of LeCun's LeNet.",
            PRESS,
            "What to look for: validation accuracy passes 0.9 within a few epochs (chance is 0.1). "
            "The Activations view shows the feature maps of each stage for one digit; the Histograms "
            "show the weights spreading out from their initial values as they learn.",
            "Then try: set conv1 to 2 channels; it still learns, but slower and less well."),
        "lenet_digits.playground", "lenet"),
    Example(
        "residual_vs_plain", "Residual vs plain: what the skips do",
        "A small ResNet; train it, then remove the skip connections and compare the curves.",
        _story(
            "A convolutional stem and two residual blocks on 16×16 shapes. Each block adds its input "
            "back to its output through an Add block: the skip connection of He et al., 2015.",
            PRESS,
            "What to look for: how many steps the validation accuracy on the Curves takes to pass "
            "0.9 (chance is 0.25).",
            "Then compare: press Reset weights (Ctrl+R); the run stays on the Curves as an earlier "
            "run. Delete the two Add blocks (block1_add, block2_add), wire each block's last BatchNorm "
            "straight into the ReLU after it, and press Train again. The same layers without skips "
            "start slower; the gap grows with depth (copy a block to make it deeper).",
            "The plain network alone is also under File ▸ New from Template ▸ Plain deep CNN.",
            _menu("Residual networks as ensembles", "takes one block at a time out of this network "
                  "and of the plain one, then compares plain and residual MLPs of growing depth")),
        "residual_vs_plain.playground", "resnet", experiment="residual"),
    Example(
        "plain_deep_shapes", "Plain deep CNN: the ResNet without its skips",
        "The small ResNet's layers with no skip connections, to compare how fast each one trains.",
        _story(
            "The same convolutions, batch norms and ReLUs as the small ResNet, on the same 16×16 "
            "shapes, but each block's output is no longer added to its input.",
            PRESS,
            "What to look for: note the step at which validation accuracy on the Curves passes 0.9, "
            "then open the Residual vs plain example, train it, and compare: with the skips the "
            "network gets there sooner."),
        "plain_deep_shapes.playground", "plain_deep"),
    Example(
        "autoencoder", "Autoencoder: digits through an 8-number code",
        "An autoencoder squeezes digits through 8 numbers and rebuilds them.",
        _story(
            "An encoder squeezes each 8×8 digit (64 pixels) into a code of 8 numbers; a decoder "
            "rebuilds the image from that code alone. The target is the input itself.",
            PRESS,
            "What to look for: the reconstructions start as grey smudges (the mean digit), then "
            "become recognisable digits. The validation loss falls below 0.03 (drawing the mean digit "
            "scores 0.073).",
            "Then try: set the code block to 2 units. The digits blur together: 2 numbers cannot "
            "tell ten digits apart in every detail."),
        "autoencoder.playground", "autoencoder"),
    Example(
        "vae_digits", "Variational autoencoder: a code that is a distribution",
        "An autoencoder whose code is sampled from a Gaussian; the KL term keeps codes near a standard normal.",
        _story(
            "The encoder gives a mean and a log-variance for each digit; the sampler draws the code "
            "from that Gaussian and adds a KL term to the loss that pulls every code towards a "
            "standard normal. The decoder rebuilds the digit from the sampled code.",
            PRESS,
            "What to look for: the reconstructions sharpen more slowly than the plain autoencoder's "
            "and stay a little blurrier, since every code is noisy; the validation loss settles "
            "under 0.065 (the mean digit scores 0.073). The Activations of z_logvar show how sure "
            "the encoder is of each code.",
            "Then try: open the Autoencoder example, train both, and compare their curves."),
        "vae_digits.playground", "vae"),
    Example(
        "lstm_parity", "LSTM: counting ones to tell parity",
        "An LSTM reads a bit string one symbol at a time and says whether it holds an odd number of ones.",
        _story(
            "Bit strings are embedded and read by an LSTM; its last state goes to a classifier. "
            "Parity depends on every position, so no single bit gives the answer away.",
            PRESS,
            "What to look for: the accuracy sits near 0.5 (chance) for a while, then climbs to "
            "above 0.9 once the LSTM has learned to carry the running parity in its state.",
            "Then try: make the strings longer in the Dataset panel: the plateau lasts longer."),
        "lstm_parity.playground", "lstm_classifier"),
    Example(
        "vit_shapes", "Tiny ViT: attention over image patches",
        "A vision transformer cuts 16×16 shapes into patches and classifies them with attention.",
        _story(
            "Each 16×16 image is cut into 4×4 patches; a class token and the patches go through two "
            "transformer blocks, and the class token is read out.",
            PRESS,
            "What to look for: validation accuracy climbs past 0.75 (chance is 0.25), although a "
            "ViT has no built-in sense that nearby pixels belong together. In the Attention view, "
            "the class token learns which patches to look at.",
            "Then try: the Inductive bias example puts a CNN on the same shapes, for comparison."),
        "vit_shapes.playground", "vit"),
)

EXPERIMENT_EXAMPLES: tuple[Example, ...] = (
    Example(
        "inductive_bias_cnn", "Inductive bias: a CNN on nearly centred shapes",
        "The experiment's CNN on shapes that sit near the centre; convolutions do not care where.",
        _story(
            "Two convolution + pooling stages and a global average pool read 16×16 shapes that are "
            "nearly centred in training (position 0.1).",
            PRESS,
            "What to look for: validation accuracy rises fast (chance is 0.25) and the Activations "
            "of conv1 show edge detectors. Because the same filters slide over the whole image, "
            "the network also reads shapes moved off centre far better than an MLP trained on the "
            "same images.",
            _menu("Inductive bias: MLP, CNN and ViT", "trains an MLP, this CNN and a tiny ViT on "
                  "100%, 30% and 10% of the images and tests each on images shifted by 3 pixels")),
        "inductive_bias_cnn.playground", experiment="inductive-bias", build=_inductive_bias_cnn),
    Example(
        "regularizers_small_data", "Regularisers: a wide MLP on 25 noisy points",
        "A 128-unit MLP with nothing to hold it back memorises a tiny noisy spiral set.",
        _story(
            "Two hidden layers of 128 units, no dropout and no normalisation, on only 50 noisy "
            "spiral points, half of them kept for validation.",
            PRESS,
            "What to look for: the training loss on the Curves falls towards zero while the "
            "validation loss stops falling and turns up: the network learns the noise. The "
            "Decision boundary can grow islands around single points.",
            "Then try: insert a Dropout block after each ReLU (p 0.3), or a LayerNorm after each "
            "Linear, reset and train again: the gap between the curves narrows.",
            _menu("Regularisers and the generalisation gap", "measures the gap for none, dropout, batch "
                  "norm and layer norm on 50 and 800 points")),
        "regularizers_small_data.playground", experiment="regularizers", build=_regularizers_mlp),
    Example(
        "multiplication_gate", "Multiplication: a gating block solves XOR",
        "Two linear projections multiplied together: the operation inside attention, on XOR.",
        _story(
            "XOR's label is the sign of x1·x2: a product. The network has no nonlinearity except a "
            "Multiply block that multiplies two linear projections of the input, element by element, "
            "as attention multiplies queries with keys.",
            PRESS,
            "What to look for: the Decision boundary settles on the four quadrants within a few "
            "hundred steps. One product of two projections can draw the axes themselves, where an "
            "MLP has to bend curves to approximate them.",
            _menu("Attention is multiplication", "fits y = x1·x2 with an MLP, this gating network "
                  "and a learned mask, and says how fast each one learns it")),
        "multiplication_gate.playground", experiment="multiplication", build=_gating_xor),
    Example(
        "dying_relu", "Dying ReLUs: plain SGD at a high learning rate",
        "A four-layer ReLU net trained with plain SGD at lr 0.5: watch units switch off for good.",
        _story(
            "Four layers of 32 ReLU units on the spirals, plain SGD at learning rate 0.5 on batches "
            "of 16: large steps can push a unit's inputs below zero for every point.",
            PRESS,
            "What to look for: the per-unit heatmaps on the canvas: a unit that dies turns into a "
            "flat, single-coloured tile and never comes back, since a ReLU with no positive input "
            "gets no gradient. The Histograms of its activations pile up at zero.",
            "Then try: set the learning rate to 0.01 and reset: far fewer units die.",
            _menu("Dying ReLUs", "counts the dead units after training at learning rates from 0.01 to 1 "
                  "over three seeds")),
        "dying_relu.playground", experiment="dying-relu", build=_dying_relu),
    Example(
        "pruning_wide_mlp", "Pruning: most of a wide MLP's weights can go",
        "The spiral MLP widened to 64 units a layer: train it, then prune it.",
        _story(
            "The spiral MLP with 64 units in each hidden layer: far more weights than two spirals "
            "need.",
            PRESS,
            "What to look for: once validation accuracy is near 1, prune it: from the command line "
            "playground prune FILE --sparsity 0.8 --rounds 4 --finetune 100 -o pruned.playground, "
            "then open the pruned file. Four of every five weights are zero and the validation "
            "accuracy stays close to the dense network's.",
            _menu("Pruning and lottery tickets", "prunes this network to 70-99% sparsity, rewinds the "
                  "survivors to their initial weights (the lottery ticket) and compares random "
                  "weights with the same mask")),
        "pruning_wide_mlp.playground", "mlp", ("n_samples=400", "fc1.out_features=64", "fc2.out_features=64",
                                                "config.epochs=300"), experiment="pruning"),
    Example(
        "double_descent", "Double descent: a 100-unit net on 100 noisy points",
        "As many hidden units as training points: the width where test error peaks.",
        _story(
            "One hidden layer of 100 ReLU units fits a noisy 2-D polynomial from 100 training points: "
            "about as many units as points, the width at which a network can just fit the noise.",
            PRESS,
            "What to look for: the training loss keeps falling while the validation loss bottoms out "
            "and climbs: at this width the fit can thread through every noisy point. Then try: "
            "set hidden to 10 or to 1000 units, reset and train again, and compare where the "
            "validation loss ends.",
            _menu("Double descent", "fits random-feature networks of many widths by least squares and "
                  "finds the peak of the test error at as many features as training points")),
        "double_descent.playground", experiment="double-descent", build=_double_descent),
    Example(
        "topology_wiring", "Networks as graphs: a randomly wired network",
        "Eight ReLU-Linear nodes wired by a Watts–Strogatz random graph, on the spirals.",
        _story(
            "Each node is a ReLU then a Linear layer; which node feeds which comes from a small-world "
            "(Watts–Strogatz) random graph, with an Add wherever several inputs meet.",
            PRESS,
            "What to look for: most random wirings learn the spirals well: the wiring matters less "
            "than one might think. Follow the wires on the canvas to find the longest path from "
            "input to output.",
            _menu("Networks as graphs", "trains 21 random wirings from three graph families with "
                  "equal parameter counts and correlates accuracy with clustering and path length")),
        "topology_wiring.playground", experiment="topology", build=_topology),
)
