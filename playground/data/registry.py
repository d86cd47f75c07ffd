"""The dataset registry: DATASETS, DatasetDef, register() and make_dataset()."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from playground.data.bundle import DataBundle, DatasetError
from playground.graph.spec import ParamSpec

Category = Literal["2-D", "sequence", "image", "hierarchical", "table"]
TaskKind = Literal["classification", "regression"]
TASK_GROUPS = ("classification", "regression", "your own data")  # how the app groups datasets


@dataclass(frozen=True)
class DatasetDef:
    """One built-in dataset: its name, words for people, params, and a seeded generator.

    ``generate(params)`` receives every param resolved and checked; ``cross_check(params)``
    (optional) returns a message when params that are fine alone do not fit together.
    ``regenerable``: the same params always make the same data again (every generated set).
    False for data read from outside (a CSV file): a session must carry its arrays, and a
    session that names such data without carrying it is refused rather than read from a path.
    ``task``: what its targets are by default, "classification" including a class per position
    of a sequence (a ``task`` param, where there is one, may change
    it, e.g. images for reconstruction); known without making the data, so lists can group by it.
    """

    name: str
    title: str
    description: str
    category: Category
    params: tuple[ParamSpec, ...]
    default_template: str
    generate: Callable[[dict[str, Any]], DataBundle]
    cross_check: Callable[[dict[str, Any]], str | None] | None = None
    regenerable: bool = True
    task: TaskKind = "classification"

    @property
    def task_group(self) -> str:
        """One of ``TASK_GROUPS``: data read from outside is its own group (either task)."""
        return self.task if self.regenerable else "your own data"

    @property
    def task_mark(self) -> str:
        """A few words on what it predicts, e.g. "2-D regression", "image classification or
        reconstruction"."""
        choice = self.param("task")
        if not self.regenerable:
            return "classification or regression"
        tasks = [self.task] + [c for c in (choice.choices if choice is not None else ()) if c != self.task]
        return f"{self.category} {' or '.join(tasks)}"

    def defaults(self) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default) for p in self.params}

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults merged with ``params``, each checked; raises DatasetError on the first problem."""
        given = dict(params or {})
        unknown = sorted(set(given) - {p.name for p in self.params})
        if unknown:
            known = ", ".join(p.name for p in self.params)
            raise DatasetError(f"dataset '{self.name}': unknown parameter {', '.join(unknown)} "
                               f"(it takes {known})")
        resolved = self.defaults()
        for spec in self.params:
            if spec.name not in given:
                continue
            value = given[spec.name]
            # whole-number floats (e.g. from JSON or a spin box) are fine for int params
            if spec.kind == "int" and isinstance(value, float) and value.is_integer():
                value = int(value)
            msg = spec.check(value)
            if msg:
                raise DatasetError(f"dataset '{self.name}': {msg}")
            resolved[spec.name] = value
        if self.cross_check is not None:
            msg = self.cross_check(resolved)
            if msg:
                raise DatasetError(f"dataset '{self.name}': {msg}")
        return resolved


DATASETS: dict[str, DatasetDef] = {}


def register(d: DatasetDef) -> DatasetDef:
    if d.name in DATASETS:
        raise ValueError(f"dataset {d.name!r} registered twice")
    DATASETS[d.name] = d
    return d


def get_dataset(name: str) -> DatasetDef:
    """The DatasetDef called ``name``; DatasetError listing the known names otherwise."""
    d = DATASETS.get(name) if isinstance(name, str) else None
    if d is None:
        raise DatasetError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(DATASETS))}")
    return d


def make_dataset(name: str, params: Mapping[str, Any] | None = None) -> DataBundle:
    """Build dataset ``name`` with ``params`` over its defaults. Deterministic given ``seed``."""
    d = get_dataset(name)
    resolved = d.resolve(params)
    return d.generate(resolved)
