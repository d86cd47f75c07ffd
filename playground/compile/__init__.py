"""Compile layer: block implementations, shape inference, graph -> torch.nn.Module, export.

Layer: above ``graph``. May import ``playground.graph`` and torch (never Qt, never data/train).
"""

from playground.compile.blocks import BLOCKS, catalog
from playground.compile.check import check
from playground.compile.compiler import CompiledModel, CompileError, compile_graph

__all__ = ["BLOCKS", "CompileError", "CompiledModel", "catalog", "check", "compile_graph"]
