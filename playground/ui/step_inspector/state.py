"""InspectorState: what the step-through inspector has chosen and shows, without Qt.

The widgets edit it (``choose``, ``move``, ``select``) and follow its events; nothing is read
back from a widget. The network comes from a ``NetworkSource`` asked afresh on every run, so
the inspection always uses the workspace's current weights (the controller's latest).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from playground.analysis.inspect import Inspection, InspectStep, inspect_network
from playground.analysis.inspect_input import InputChoice, InspectInputError
from playground.analysis.lesions import Lesion, LesionError
from playground.compile.compiler import CompileError
from playground.data import DataBundle
from playground.graph.model import Graph
from playground.graph.observer import Signal
from playground.session.errors import SessionError


@dataclass
class NetworkSource:
    """The network to inspect as it is now: graph, weights (None: untrained), data, lesions."""

    graph: Graph
    weights: dict[str, torch.Tensor] | None
    bundle: DataBundle | None
    lesions: Sequence[Any] = field(default_factory=list)  # Lesion objects or their saved dicts
    where: str = ""  # e.g. "weights of step 120", for the window's status line


def lesions_of(items: Sequence[Any]) -> list[Lesion]:
    return [item if isinstance(item, Lesion) else Lesion.from_dict(item) for item in items]


class InspectorState:
    """Events (observer signals): ``changed()`` after a run (``inspection`` or ``error`` is new),
    ``moved(index)`` when another step is shown. ``index`` counts the flat list of steps, each
    attention block followed by its parts."""

    def __init__(self, source: Callable[[], NetworkSource]) -> None:
        self.changed = Signal()
        self.moved = Signal()
        self._source = source
        self.choice: InputChoice | None = None
        self.inspection: Inspection | None = None
        self.error = ""
        self.where = ""
        self.index = 0

    @property
    def flat(self) -> list[tuple[int, InspectStep]]:
        return self.inspection.flat() if self.inspection is not None else []

    @property
    def current(self) -> InspectStep | None:
        flat = self.flat
        return flat[self.index][1] if 0 <= self.index < len(flat) else None

    def choose(self, choice: InputChoice) -> bool:
        """Run the network on ``choice``. On a bad input the last good inspection stays and
        ``error`` says why (False is returned)."""
        self.choice = choice
        return self.refresh()

    def refresh(self) -> bool:
        """Run the chosen input again on the network as it is now (new weights, new graph)."""
        if self.choice is None:
            return False
        try:
            source = self._source()
            if source.bundle is None:
                raise SessionError("choose a dataset first: the inspector runs the network on its data")
            if source.weights is None:
                raise SessionError("the network is untrained: press Start (or Step) to train it, then inspect")
            inspection = inspect_network(source.graph, source.weights, source.bundle, self.choice,
                                         lesions_of(source.lesions))
        except (InspectInputError, SessionError, CompileError, LesionError) as err:
            self.error = str(err)
            self.changed.emit()
            return False
        except RuntimeError as err:  # torch refusing this network on this input: say so, keep the app going
            self.error = f"the network cannot run on this input: {str(err).splitlines()[0]}"
            self.changed.emit()
            return False
        before = len(self.flat)
        self.inspection, self.error, self.where = inspection, "", source.where
        if len(self.flat) != before:  # another network: start at its input; else stay on the same block
            self.index = 0
        self.changed.emit()
        self.moved.emit(self.index)
        return True

    def select(self, index: int) -> None:
        if 0 <= index < len(self.flat) and index != self.index:
            self.index = index
            self.moved.emit(index)

    def move(self, delta: int) -> None:
        """Next (+1) or previous (-1) step, parts included; stops at either end."""
        self.select(max(0, min(len(self.flat) - 1, self.index + delta)))
