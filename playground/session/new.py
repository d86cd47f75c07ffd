"""``new_session``: the one way to make a session from a template (the CLI's ``new``, the app's
New and Examples).

A template names its network, its dataset and its training overrides. The settings start from
the good defaults of the dataset's category (``train.config.default_config``), then take the
template's overrides, then the caller's. Whenever the data differs from what the template was
drawn for (another dataset, or other dataset parameters), the network is fitted to it through
``compile.adapt.fit_to_task``, and each change is returned as a line for a person.

Overrides are ``KEY=VALUE`` strings (the CLI's ``--set``; see ``OVERRIDE_HELP``). Data that cannot
be regenerated (``DatasetDef.regenerable`` is False, e.g. a CSV table) is embedded in the session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from playground.graph.model import Graph
from playground.graph.spec import ParamSpec, TaskSpec
from playground.session.errors import SessionError
from playground.session.model import Session

OVERRIDE_HELP = """\
KEY=VALUE changes one setting:
  config.FIELD=V   training settings, e.g. config.lr=0.01 config.optimizer=sgd config.epochs=50
  data.PARAM=V     dataset parameters, e.g. data.noise=0.2 data.n_samples=2000 (also dataset.PARAM)
  LABEL.PARAM=V    a block's parameter by the block's name, e.g. fc1.out_features=32
  PARAM=V          a dataset parameter (shorthand for data.PARAM)
Values are read as JSON when they parse (0.01, true, [3,3]) and as text otherwise."""


class SettingError(SessionError):
    """A template, dataset or override that does not exist or is out of range (a usage mistake)."""


Override = tuple[str, str, Any]  # (scope: "config" | "data" | a block label, name, value)


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_overrides(items: Sequence[str]) -> list[Override]:
    """``["config.lr=0.1", "fc1.out_features=8", "noise=0.2"]`` -> [(scope, name, value)]."""
    out = []
    for item in items:
        key, sep, raw = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise SettingError(f"setting {item!r}: expected KEY=VALUE, e.g. config.lr=0.01")
        scope, dot, name = key.rpartition(".")
        if not dot or scope == "dataset":
            scope = "data"
        if not name:
            raise SettingError(f"setting {item!r}: missing a name after the dot")
        out.append((scope, name, parse_value(raw.strip())))
    return out


def _checked(spec: ParamSpec, value: Any, where: str) -> Any:
    if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    problem = spec.check(value)
    if problem:
        raise SettingError(f"setting {where}: {problem}")
    return value


def apply_overrides(graph: Graph, dataset_params: dict[str, Any], config: dict[str, Any],
                    overrides: Sequence[Override], dataset: str) -> None:
    """Apply parsed overrides in place, checking each against its spec (SettingError if not)."""
    from playground.compile.shapes import block_for
    from playground.data import get_dataset

    definition = get_dataset(dataset)
    for scope, name, value in overrides:
        if scope == "config":
            config[name] = value
        elif scope == "data":
            spec = definition.param(name)
            if spec is None:
                known = ", ".join(p.name for p in definition.params)
                raise SettingError(f"setting {name}: dataset {dataset!r} has no parameter {name!r} "
                                   f"(it takes {known})")
            dataset_params[name] = _checked(spec, value, name)
        else:
            node = graph.node_by_label(scope)
            if node is None:
                labels = ", ".join(sorted(n.label for n in graph.nodes.values()))
                raise SettingError(f"setting {scope}.{name}: no block called {scope!r} (blocks: {labels})")
            block = block_for(node.type)
            param = block.spec().param(name) if block else None
            if param is None:
                raise SettingError(f"setting {scope}.{name}: {node.type} has no parameter {name!r}")
            graph.set_param(node.id, name, _checked(param, value, f"{scope}.{name}"))


def fit_network(graph: Graph, task: TaskSpec) -> list[str]:
    """Make ``graph`` fit ``task`` the way a person would (see compile.adapt); say what changed."""
    from playground.compile.adapt import fit_to_task
    from playground.graph.edits import AddNode, RemoveNode, SetParam

    macro = fit_to_task(graph, task)
    if macro is None:
        return []
    said = []
    for edit in macro.edits:
        if isinstance(edit, RemoveNode):
            node = graph.nodes[edit.node_id]
            said.append(f'removed {node.type} "{node.label}" (it needs 2-D points)')
        elif isinstance(edit, AddNode):
            said.append(f'added {edit.type} "{edit.label}" to feed the input to a Linear layer')
        elif isinstance(edit, SetParam):
            said.append(f"set {graph.nodes[edit.node_id].label}.{edit.name} = {edit.value}")
    macro.apply(graph)
    return said


def new_session(template: str, dataset: str | None = None,
                overrides: Sequence[str] = ()) -> tuple[Session, list[str]]:
    """A fresh session of ``template`` on ``dataset`` (default: the template's own) with
    ``overrides`` applied; and the lines that say what was changed in the network to fit the data.

    Raises SettingError (a SessionError) for an unknown template, dataset or override, and
    SessionError when the data cannot be made (e.g. a CSV file that cannot be read).
    """
    from playground.data import DatasetError, get_dataset
    from playground.graph.templates import TEMPLATES
    from playground.train import ConfigError, TrainConfig
    from playground.train.config import default_config

    found = TEMPLATES.get(template) if isinstance(template, str) else None
    if found is None:
        raise SettingError(f"unknown template {template!r}; choose one of: {', '.join(TEMPLATES)}")
    name = dataset or found.dataset
    try:
        definition = get_dataset(name)
    except DatasetError as err:  # an unknown name: the message lists the known ones
        raise SettingError(str(err)) from None
    graph = found.build()
    dataset_params = dict(found.dataset_params) if name == found.dataset else {}
    try:
        config = default_config(definition.category, **found.config).to_dict()
    except ConfigError as err:  # a template's own settings: a bug, but still one line
        raise SessionError(f"template {template!r}: {'; '.join(err.problems)}") from None
    apply_overrides(graph, dataset_params, config, parse_overrides(overrides), name)
    try:
        train_config = TrainConfig.from_dict(config)
    except ConfigError as err:
        raise SettingError(f"setting: {'; '.join(err.problems)}") from None
    if not definition.regenerable and not str(dataset_params.get("path", "")).strip():
        raise SettingError(f"dataset {name!r} reads your own file: give it with path=FILE.csv")
    session = Session(graph=graph, dataset=name, dataset_params=dataset_params, config=train_config)
    bundle = session.bundle()
    session.dataset_params = dict(bundle.params)  # resolved: later default changes keep this data
    if not definition.regenerable:
        session.embed_bundle(bundle)  # it cannot be made again from its parameters: it travels along
    changes = fit_network(graph, bundle.task)  # another dataset, or other sizes of the same one
    return session, changes
