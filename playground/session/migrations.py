"""Schema migrations: pure functions that lift a session document one version at a time.

A *document* is the dict of a session file's JSON parts keyed by member stem
(``{"manifest": ..., "graph": ..., "config": ..., "dataset": ..., ...}``).
``MIGRATIONS[n]`` turns a version-``n`` document into a version ``n + 1`` one
without touching its input. Every schema version ever released keeps a frozen
file under ``tests/sessions/`` that must keep loading through this chain.

Tensors are not part of the document: a step that renames tensor keys registers, beside its
document step, a function in ``WEIGHT_RENAMES`` that reads the (old) document and returns
``{old module prefix: new prefix}``; the loader applies it to the weights while reading them
(optimizer state is keyed by parameter index, which a rename does not change).

Schema history:
    1  first release.
    2  the snapshot record is stored (``record.json`` + ``record.safetensors``); weights are
       keyed by node id (``"{node_id}.{param}"``) instead of by label
       (``"{attr_name(label)}.{param}"``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

Document = dict[str, Any]
Migration = Callable[[Document], Document]

Renames = Callable[[Document], dict[str, str]]


def _v1_to_v2(doc: Document) -> Document:
    # the JSON parts are unchanged; a v1 file simply has no record
    return doc


def v1_weight_renames(doc: Document) -> dict[str, str]:
    """v1 keyed a block's tensors by ``attr_name(label)``; v2 by the module name the compiler
    gives the node now (its id, contract 4). Labels and ids come from graph.json."""
    from playground.compile.compiler import attr_name

    nodes = doc.get("graph", {}).get("nodes", [])
    renames = {}
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict) and isinstance(node.get("label"), str) and isinstance(node.get("id"), str):
            renames[attr_name(node["label"])] = compiled_module_name(node["id"], node["label"])
    return renames


def compiled_module_name(node_id: str, label: str) -> str:
    """The submodule name the compiler gives a node (contract 4: its id once the compiler keys
    by id; until then its label's attribute name, so files keep loading in either state)."""
    from playground.compile.compiler import attr_name

    return node_id if _compiler_keys_by_id() else attr_name(label)


_KEYED_BY_ID: list[bool] = []


def _compiler_keys_by_id() -> bool:
    if not _KEYED_BY_ID:
        from playground.compile import compile_graph
        from playground.graph.model import Graph, Node, PortRef
        from playground.graph.spec import TaskSpec

        g = Graph()
        g.add_node(Node("n1", "Input", "input"))
        g.add_node(Node("n2", "Linear", "probe_label", {"out_features": 1}))
        g.add_node(Node("n3", "Output", "output"))
        g.connect(PortRef("n1", "out"), PortRef("n2", "in"))
        g.connect(PortRef("n2", "out"), PortRef("n3", "in"))
        task = TaskSpec(task="regression", input_shape=(1,), target_shape=(1,))
        import torch

        with torch.device("meta"):
            model = compile_graph(g, task)
        _KEYED_BY_ID.append(any(k.startswith("n2.") for k in model.state_dict()))
    return _KEYED_BY_ID[0]


def rename_weights(weights: dict[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """``weights`` with each key's module prefix renamed (keys of other modules untouched)."""
    out = {}
    for key, value in weights.items():
        prefix, dot, rest = key.partition(".")
        out[renames.get(prefix, prefix) + dot + rest] = value
    return out


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}
WEIGHT_RENAMES: dict[int, Renames] = {1: v1_weight_renames}


def weight_renames(doc: Document, version: int, target: int) -> list[dict[str, str]]:
    """The prefix renames to apply, in order, to the weights of a ``version`` file (from its
    document as read)."""
    return [WEIGHT_RENAMES[v](doc) for v in range(version, target) if v in WEIGHT_RENAMES]


def migrate(doc: Document, version: int, target: int,
            registry: Mapping[int, Migration] | None = None) -> Document:
    """Apply ``registry[version]``, ``registry[version + 1]``, ... until ``target``."""
    registry = MIGRATIONS if registry is None else registry
    if version > target:
        raise ValueError(f"cannot migrate schema {version} down to {target}")
    doc = copy.deepcopy(doc)
    while version < target:
        step = registry.get(version)
        if step is None:
            raise ValueError(f"no migration from schema {version} to {version + 1}")
        doc = step(doc)
        version += 1
        doc.setdefault("manifest", {})["schema"] = version
    return doc
