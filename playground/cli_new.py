"""``playground new TEMPLATE [--dataset NAME] [--set key=value ...] -o FILE`` and the --set syntax."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from playground.graph.model import Graph


def add_new_parser(sub: Any) -> None:
    from playground.cli import SET_HELP

    p = sub.add_parser("new", help="create a session from a template",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Create a session file from a template (see 'playground list templates').",
                       epilog=SET_HELP)
    p.add_argument("template", help="template name, e.g. mlp, lenet, transformer")
    p.add_argument("--dataset", help="use this dataset instead of the template's own")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                   help="change a setting (see below)")
    p.add_argument("-o", "--output", required=True, help="session file to write (.playground)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_new)


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_settings(items: list[str]) -> list[tuple[str, str, Any]]:
    """``["config.lr=0.1", "fc1.out_features=8", "noise=0.2"]`` -> [(scope, key, value)]."""
    from playground.cli import CliError

    out = []
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CliError(f"--set {item!r}: expected KEY=VALUE, e.g. config.lr=0.01", 2)
        scope, dot, name = key.rpartition(".")
        if not dot:
            scope = "data"
        if scope == "dataset":
            scope = "data"
        if not name:
            raise CliError(f"--set {item!r}: missing a name after the dot", 2)
        out.append((scope, name, parse_value(raw.strip())))
    return out


def apply_settings(graph: Graph, dataset_params: dict[str, Any], config: dict[str, Any],
                   settings: list[tuple[str, str, Any]], dataset: str) -> None:
    """Apply parsed --set items in place, checking each against its spec."""
    from playground.cli import CliError
    from playground.compile.shapes import block_for
    from playground.data import get_dataset

    for scope, name, value in settings:
        if scope == "config":
            config[name] = value
        elif scope == "data":
            spec = get_dataset(dataset).param(name)
            if spec is None:
                known = ", ".join(p.name for p in get_dataset(dataset).params)
                raise CliError(f"--set {name}: dataset {dataset!r} has no parameter {name!r} "
                               f"(it takes {known})", 2)
            if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            problem = spec.check(value)
            if problem:
                raise CliError(f"--set {name}: {problem}", 2)
            dataset_params[name] = value
        else:
            node = graph.node_by_label(scope)
            if node is None:
                labels = ", ".join(sorted(n.label for n in graph.nodes.values()))
                raise CliError(f"--set {scope}.{name}: no block called {scope!r} (blocks: {labels})", 2)
            block = block_for(node.type)
            spec = block.spec().param(name) if block else None
            if spec is None:
                raise CliError(f"--set {scope}.{name}: {node.type} has no parameter {name!r}", 2)
            if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            problem = spec.check(value)
            if problem:
                raise CliError(f"--set {scope}.{name}: {problem}", 2)
            graph.set_param(node.id, name, value)


def _new(args: argparse.Namespace) -> int:
    from playground.cli import CliError
    from playground.cli_session import check_writable
    from playground.compile import check
    from playground.graph.templates import TEMPLATES
    from playground.session import Session, save_session
    from playground.train import ConfigError, TrainConfig

    template = TEMPLATES.get(args.template)
    if template is None:
        raise CliError(f"unknown template {args.template!r}; choose one of: {', '.join(TEMPLATES)}", 2)
    if os.path.exists(args.output) and not args.force:
        raise CliError(f"{args.output} already exists (use --force to overwrite)", 1)
    dataset = args.dataset or template.dataset
    from playground.data import DatasetError, get_dataset

    try:
        get_dataset(dataset)
    except DatasetError as err:  # an unknown name: the message lists the known ones
        raise CliError(str(err), 2) from None
    graph = template.build()
    dataset_params = dict(template.dataset_params) if dataset == template.dataset else {}
    config = {**TrainConfig().to_dict(), **template.config}
    apply_settings(graph, dataset_params, config, parse_settings(args.settings), dataset)
    try:
        train_config = TrainConfig.from_dict(config)
    except ConfigError as err:
        raise CliError(f"--set: {'; '.join(err.problems)}", 2) from None
    if get_dataset(dataset).category == "table" and not dataset_params.get("path"):
        raise CliError(f"dataset {dataset!r} reads your own file: add --set path=FILE.csv", 2)
    check_writable(args.output, "-o")
    session = Session(graph=graph, dataset=dataset, dataset_params=dataset_params, config=train_config)
    bundle = session.bundle()
    session.dataset_params = dict(bundle.params)  # resolved: later default changes keep this data
    if get_dataset(dataset).category == "table":
        session.embed_bundle(bundle)  # a table cannot be regenerated: it travels inside the session
    adapted = _fit(graph, bundle.task) if dataset != template.dataset else []
    report = check(graph, bundle.task)
    save_session(session, args.output)
    for change in adapted:
        print(f"adapted the network to {dataset}: {change}")
    for d in report.errors:
        print(f"warning: the network does not fit {dataset} yet: {d.message}", file=sys.stderr)
    print(f"wrote {args.output}: template {template.name}, data {bundle.describe()}")
    return 0


def _fit(graph: Graph, task: Any) -> list[str]:
    """Make a template fit another dataset the way a person would (see compile.adapt); say what changed."""
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
            said.append(f'set {graph.nodes[edit.node_id].label}.{edit.name} = {edit.value}')
    macro.apply(graph)
    return said
