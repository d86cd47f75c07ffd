"""A tiny observer: the model notifies listeners without knowing about Qt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """A list of callbacks called in connection order.

    A failing listener must not break the model, so exceptions propagate to
    the emitter only after every listener has run (the first one is re-raised).
    """

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any]) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        first_error: BaseException | None = None
        for slot in list(self._slots):
            try:
                slot(*args)
            except Exception as exc:
                first_error = first_error or exc
        if first_error is not None:
            raise first_error

    def __len__(self) -> int:
        return len(self._slots)
