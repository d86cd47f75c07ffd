"""What makes a compared variant different from the session: its list of changes.

A variant's ``changes`` are ``KEY=VALUE`` items, applied in the order written:

* ``lr=0.1``, ``config.optimizer=sgd``: a training setting (the sweep's keys);
* ``fc1.out_features=16``: a block's parameter, by the block's name;
* ``template=plain_deep``: the network of another template (e.g. residual links off), fitted
  to the session's data the way New from Template fits it;
* ``add_layer=fc1``: insert a copy of the layer ``fc1`` (and its activation) right after it,
  as the canvas's "+ layer" does (``graph.edits.add_layer_after``).

Dataset parameters are refused: every variant trains on the session's own data, so that the
comparison is of networks and settings, not of datasets. Any problem is one ``SettingError``
line that names the variant and the change.
"""

from __future__ import annotations

from typing import Any

from playground.graph.model import Graph
from playground.session.new import SettingError, apply_overrides, fit_network, parse_value
from playground.train.config import ConfigError, TrainConfig

LAYER_GAP = 250.0  # how far the blocks after an added layer move right (graph.layout's column gap)
SPECIAL = ("template", "add_layer")


def split_changes(text: str) -> list[str]:
    """``"lr=0.1, fc1.out_features=16; template=resnet"`` -> the items (commas or semicolons
    separate them, except inside brackets, so ``kernel_size=[3,3]`` stays one item)."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in str(text):
        if char in "[{(":
            depth += 1
        elif char in "]})":
            depth = max(depth - 1, 0)
        if char in ",;" and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def join_changes(changes: list[str]) -> str:
    return ", ".join(changes)


def _key(item: str, where: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise SettingError(f"{where}: change {item!r} is not KEY=VALUE (e.g. lr=0.1, fc1.out_features=16, "
                           "template=plain_deep, add_layer=fc1)")
    return key, parse_value(raw.strip())


def apply_changes(graph: Graph, config: TrainConfig, dataset: str, task: Any, changes: list[str],
                  where: str) -> tuple[Graph, TrainConfig]:
    """A copy of ``graph`` and ``config`` with ``changes`` applied; SettingError names ``where``
    (e.g. ``variant 'wide'``) and the change."""
    from playground.compile.blocks import catalog
    from playground.graph.edits import add_layer_after
    from playground.graph.model import GraphEditError
    from playground.graph.templates import TEMPLATES

    graph = graph.copy()
    settings = config.to_dict()
    for item in changes:
        key, value = _key(item, where)
        if key == "template":
            template = TEMPLATES.get(str(value))
            if template is None:
                raise SettingError(f"{where}: unknown template {value!r}; choose one of: {', '.join(TEMPLATES)}")
            graph = template.build()
            if task is not None:
                fit_network(graph, task)
        elif key == "add_layer":
            node = graph.node_by_label(str(value))
            if node is None:
                labels = ", ".join(sorted(n.label for n in graph.nodes.values()))
                raise SettingError(f"{where}: add_layer={value}: no block called {value!r} (blocks: {labels})")
            try:
                macro, _ids = add_layer_after(graph, node.id, catalog(), LAYER_GAP)
            except GraphEditError as err:
                raise SettingError(f"{where}: add_layer={value}: {err}") from None
            macro.apply(graph)
        else:
            scope, dot, name = key.rpartition(".")
            if not dot:
                if key not in TrainConfig.__dataclass_fields__:
                    raise SettingError(f"{where}: {key!r} is not a training setting; name a block's parameter "
                                       "as BLOCK.PARAM (e.g. fc1.out_features=16)")
                scope, name = "config", key
            if scope in ("data", "dataset"):
                raise SettingError(f"{where}: {key}: variants are compared on the same data; change the "
                                   "dataset in the Dataset panel instead")
            try:
                apply_overrides(graph, {}, settings, [(scope, name, value)], dataset)
            except SettingError as err:
                raise SettingError(f"{where}: {err}") from None
    try:
        changed = TrainConfig.from_dict(settings)
        changed.validate()
    except ConfigError as err:
        raise SettingError(f"{where}: {'; '.join(err.problems)}") from None
    except ValueError as err:
        raise SettingError(f"{where}: {err}") from None
    return graph, changed
