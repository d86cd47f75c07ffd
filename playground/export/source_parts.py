"""The trainer's own helpers, as source, for scripts that must run without Neural Playground.

A training script exported for ``torchrun`` needs the loss, the initialisation, the optimizer
set-up, the learning-rate schedule, the batching, the pruning masks and the session file's
tensor layout. Each has one definition, in the layer that uses it (``train.batches``,
``train.optim``, ``compile.masks``, ``session.tensor_bytes``, ``session.fileformat``). This
module copies those definitions' source text out of their modules (top-level functions,
classes and constants, by name, in the order they are written there), so that the script runs
exactly the code the Trainer runs and can never drift from it.

Every copied definition may use only torch, numpy, the standard library and other copied
definitions; :func:`check_standalone` refuses one that reaches into ``playground``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from types import ModuleType

from playground.compile import masks
from playground.session import fileformat, tensor_bytes
from playground.train import batches, config, optim

# (module, the top-level names copied from it). Order matters: a definition comes after the
# constants its class bodies or default values read at import.
PARTS: tuple[tuple[ModuleType, tuple[str, ...]], ...] = (
    (config, ("ConfigError",)),
    (batches, ("SHUFFLED_COPY_BYTES", "EVAL_CHUNK", "LossKit", "BatchSampler")),
    (optim, ("SMALL_INIT_STD", "seeded_model", "make_optimizer", "_fast", "apply_hyperparameters", "lr_at",
             "init_weights", "_init_tensor", "weight_matrices", "penalty")),
    (masks, ("zero_masked", "keep_masks")),
    (tensor_bytes, ("DTYPE_NAMES", "safetensors_bytes")),
    (fileformat, ("_write_zip", "_encode_history")),
)
# methods of the config the copied helpers call (``config.horizon(...)``), pasted into the
# script's small config class
CONFIG_METHODS = ("horizon",)


class SourcePartError(RuntimeError):
    """A helper the exported script needs could not be copied (a developer error, not a user's)."""


def definitions(module: ModuleType, names: tuple[str, ...]) -> str:
    """The source of the top-level definitions ``names`` of ``module``, in file order."""
    source = inspect.getsource(module)
    tree = ast.parse(source)
    lines = source.splitlines()
    found: dict[str, str] = {}
    for node in tree.body:
        name = _defined_name(node)
        if name in names:
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            found[name] = "\n".join(lines[start - 1:node.end_lineno])
    missing = [n for n in names if n not in found]
    if missing:
        raise SourcePartError(f"{module.__name__} has no top-level {', '.join(missing)}")
    ordered = [found[name] for name in (_defined_name(node) for node in tree.body) if name in found]
    return "\n\n\n".join(ordered)


def _defined_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def config_methods() -> str:
    """The config's methods the helpers call, indented for a class body."""
    parts = [textwrap.dedent(inspect.getsource(getattr(config.TrainConfig, name))) for name in CONFIG_METHODS]
    return textwrap.indent("\n".join(parts), "    ")


def check_standalone(source: str) -> None:
    """Refuse copied source that imports or names ``playground`` (it would fail in the script)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise SourcePartError(f"a copied helper imports at line {node.lineno}: move the import out of it")
        if isinstance(node, ast.Name) and node.id == "playground":
            raise SourcePartError(f"a copied helper names playground at line {node.lineno}")


def helper_source() -> str:
    """Every copied helper, as one block of source for the script."""
    blocks = []
    for module, names in PARTS:
        block = definitions(module, names)
        check_standalone(block)
        blocks.append(f"# --- {module.__name__}, copied unchanged\n{block}")
    return "\n\n\n".join(blocks)
