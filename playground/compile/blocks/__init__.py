"""The block library. Each category module declares its blocks with ``@register``."""

from playground.compile.blocks import (  # noqa: F401  (imported for registration)
    activations,
    attention,
    conv,
    dense,
    io,
    norm,
    sequence,
    structure,
)
from playground.compile.blocks.base import BLOCKS, LEGACY, Block, ShapeError
from playground.graph.spec import BlockSpec


def catalog() -> dict[str, BlockSpec]:
    """Plain-data specs of every block, keyed by type (legacy names included)."""
    specs = {name: block.spec() for name, block in BLOCKS.items()}
    for old, new in LEGACY.items():
        specs[old] = specs[new]
    return specs


__all__ = ["BLOCKS", "LEGACY", "Block", "ShapeError", "catalog"]
