"""The plain records a Graph is made of: Node, Edge, Group, PortRef, and the graph's errors.

They live apart from ``model.py`` so that ``serialize.py`` can build them without importing the
Graph (which imports the parser): no import cycle between the two.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1
MAX_NODES = 5000
MAX_EDGES = 20000
_LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class GraphFormatError(ValueError):
    """A graph dict that cannot be loaded; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid graph: " + "; ".join(problems[:20]))


class GraphEditError(ValueError):
    """An edit that cannot be applied (e.g. wiring an occupied input)."""


@dataclass(frozen=True)
class PortRef:
    node_id: str
    port: str

    def to_list(self) -> list[str]:
        return [self.node_id, self.port]


@dataclass
class Node:
    id: str
    type: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "label": self.label,
            "params": copy.deepcopy(self.params),
            "pos": [float(self.pos[0]), float(self.pos[1])],
        }


@dataclass
class Edge:
    id: str
    src: PortRef
    dst: PortRef

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "src": self.src.to_list(), "dst": self.dst.to_list()}


@dataclass(frozen=True)
class Group:
    """A titled box around some nodes (purely organisational). A group always has a member:
    the Graph removes a group when its last block goes.

    A value: its members change only through the Graph's methods, which store a new Group
    (a list given by older callers is kept as a tuple).
    """

    id: str
    title: str
    node_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_ids", tuple(self.node_ids))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "node_ids": list(self.node_ids)}


@dataclass(frozen=True)
class NodeRemoval:
    """Everything ``Graph.remove_node`` took away, so ``Graph.restore_node`` puts it all back
    where it was (saved files and compile order stay identical after undo).

    ``edges`` and ``emptied`` hold (position before the removal, item) in ascending position;
    ``memberships`` holds (group id, position in its ``node_ids``) for the groups that kept
    other blocks; ``emptied`` holds the groups removed because this was their last block.
    """

    node: Node
    index: int
    edges: tuple[tuple[int, Edge], ...] = ()
    memberships: tuple[tuple[str, int], ...] = ()
    emptied: tuple[tuple[int, Group], ...] = ()

    @property
    def removed_edges(self) -> list[Edge]:
        return [edge for _, edge in self.edges]


def is_valid_label(label: str) -> bool:
    return bool(_LABEL_RE.match(label))
