"""Schema migrations: pure functions that lift a session document one version at a time.

A *document* is the dict of a session file's JSON parts keyed by member stem
(``{"manifest": ..., "graph": ..., "config": ..., "dataset": ..., ...}``).
``MIGRATIONS[n]`` turns a version-``n`` document into a version ``n + 1`` one
without touching its input. Every schema version ever released keeps a frozen
file under ``tests/sessions/`` that must keep loading through this chain.

Schema history:
    1  first release.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

Document = dict[str, Any]
Migration = Callable[[Document], Document]

MIGRATIONS: dict[int, Migration] = {}


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
