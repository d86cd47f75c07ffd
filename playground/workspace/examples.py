"""Examples: ready sessions with a story (what to do, what to look for), shipped as files.

An example is not a template. A template is a network and its settings (File ▸ New from
Template); an example is a whole session saved under ``resources/examples/`` whose notes tell a
person what to try and what they will see. The files are untrained (small, and the story says
"press Train"); ``packaging/make_examples.py`` writes them from :func:`build_example`, and a test
checks that the shipped files still equal what it would write today.

    from playground.workspace.examples import EXAMPLES, load_example
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from playground.data import DatasetError
from playground.data.images import resource_path
from playground.session.errors import SessionError
from playground.session.fileformat import load_session
from playground.session.model import Session
from playground.session.new import new_session

EXAMPLES_FOLDER = "examples"


@dataclass(frozen=True)
class Example:
    """``file`` is relative to ``resources/examples/``; ``summary`` is the one line a menu shows,
    ``story`` the session's notes."""

    name: str
    title: str
    summary: str
    story: str
    file: str
    template: str
    overrides: tuple[str, ...] = ()


def _story(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


EXAMPLES: dict[str, Example] = {e.name: e for e in (
    Example(
        "spiral_mlp", "Spiral: a small MLP bends its boundary",
        "Watch a decision boundary wrap itself around two interleaved spirals.",
        _story(
            "Two spirals of points, one per class, wound into each other. A straight line cannot "
            "separate them; a small MLP with x², xy and sin x features can.",
            "What to do: press Train (Space). The network starts untrained.",
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
            "What to do: press Train (Space). The network starts untrained.",
            "What to look for: the loss on the Curves does not fall smoothly. It stays on a plateau, "
            "drops, plateaus again: one drop per mode of the data, the strongest mode first. The "
            "Learning dynamics view shows each mode's strength rising as an S-curve, one after another.",
            "Then try: set init to default in the Training panel (larger starting weights) and "
            "train again: the stages blur into one smooth fall."),
        "deep_linear_stages.playground", "deep_linear"),
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
            "positions the network cannot tell where a symbol was, and accuracy stays near chance."),
        "transformer_reverse.playground", "transformer"),
    Example(
        "lenet_digits", "LeNet: a CNN reads handwritten digits",
        "Two convolution stages read 8×8 handwritten digits; watch the filters and activations form.",
        _story(
            "Real 8×8 handwritten digits (UCI, 1,797 images) read by two convolution + pooling stages "
            "and a dense head, in the spirit of LeCun's LeNet.",
            "What to do: press Train (Space). The network starts untrained.",
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
            "What to do: press Train (Space). The network starts untrained.",
            "What to look for: how many steps the validation accuracy on the Curves takes to pass "
            "0.9 (chance is 0.25).",
            "Then compare: press Reset weights (Ctrl+R); the run stays on the Curves as an earlier "
            "run. Delete the two Add blocks (block1_add, block2_add), wire each block's last BatchNorm "
            "straight into the ReLU after it, and press Train again. The same layers without skips "
            "start slower; the gap grows with depth (copy a block to make it deeper).",
            "The plain network alone is also under File ▸ New from Template ▸ Plain deep CNN."),
        "residual_vs_plain.playground", "resnet"),
    Example(
        "autoencoder", "Autoencoder: digits through an 8-number code",
        "An autoencoder squeezes digits through 8 numbers and rebuilds them.",
        _story(
            "An encoder squeezes each 8×8 digit (64 pixels) into a code of 8 numbers; a decoder "
            "rebuilds the image from that code alone. The target is the input itself.",
            "What to do: press Train (Space). The network starts untrained.",
            "What to look for: the reconstructions start as grey smudges (the mean digit), then "
            "become recognisable digits. The validation loss falls below 0.03 (drawing the mean digit "
            "scores 0.073).",
            "Then try: set the code block to 2 units. The digits blur together: 2 numbers cannot "
            "tell ten digits apart in every detail."),
        "autoencoder.playground", "autoencoder"),
)}


def build_example(name: str) -> Session:
    """The example ``name`` made afresh from its template, with its story as notes (what
    ``packaging/make_examples.py`` saves). Raises KeyError for an unknown name."""
    example = _example(name)
    session, _changes = new_session(example.template, overrides=example.overrides)
    session.notes = example.story
    return session


def example_path(name: str) -> Path:
    """Where the shipped file of example ``name`` is (SessionError when it is missing)."""
    example = _example(name)
    try:
        return resource_path(f"{EXAMPLES_FOLDER}/{example.file}")
    except DatasetError as err:
        raise SessionError(f"example {example.title!r} is missing from this installation: {err}") from None


def load_example(name: str) -> Session:
    """The shipped session of example ``name``; SessionError when it is missing or unreadable,
    KeyError for an unknown name."""
    return load_session(str(example_path(name)))


def _example(name: str) -> Example:
    found = EXAMPLES.get(name)
    if found is None:
        raise KeyError(f"unknown example {name!r}; choose one of: {', '.join(EXAMPLES)}")
    return found


def out_of_date(path: Path, fresh: Session) -> str:
    """"" when the file at ``path`` holds what :func:`build_example` makes today (the
    deterministic parts: schema version, graph, data, settings, story); else what differs."""
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("manifest.json")).get("schema")
    saved = load_session(str(path))
    parts = {
        "schema version": (schema, fresh.schema),
        "graph": (saved.graph.to_dict(), fresh.graph.to_dict()),
        "dataset": ((saved.dataset, saved.dataset_params), (fresh.dataset, fresh.dataset_params)),
        "training settings": (saved.config.to_dict() if saved.config else None,
                              fresh.config.to_dict() if fresh.config else None),
        "story": (saved.notes, fresh.notes),
        "training state": (saved.weights is None, True),
    }
    differ = [name for name, (a, b) in parts.items() if a != b]
    return ", ".join(differ) + " differ" if differ else ""
