"""Where a workspace's parts come from: datasets by name, templates, settings that fit this machine."""

from __future__ import annotations

from typing import Any

import torch

from playground.data import DATASETS, DataBundle, DatasetError, make_dataset
from playground.session.model import Session
from playground.session.new import new_session
from playground.train.config import TrainConfig

CSV = "csv"


def build_bundle(name: str, params: dict[str, Any] | None) -> DataBundle:
    """The dataset ``name`` with ``params``; DatasetError (saying what is wrong) on any problem."""
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise DatasetError(f"unknown dataset {name!r} (choose one of {known})")
    if name == CSV and not str((params or {}).get("path", "")).strip():
        raise DatasetError("CSV import: choose a file first")
    return make_dataset(name, dict(params or {}))


def embeds_data(dataset: str) -> bool:
    """Data that cannot be regenerated from its name and params travels inside the session."""
    definition = DATASETS.get(dataset)
    return definition is not None and not definition.regenerable


def available_devices() -> list[str]:
    """"auto" and "cpu", plus "cuda"/"mps" only where present."""
    devices = ["auto", "cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def usable_config(config: TrainConfig) -> tuple[TrainConfig, list[str]]:
    """``config`` with a device this machine has (a GPU session opened on a CPU-only machine
    trains on "auto"), and what was changed."""
    if config.device in available_devices():
        return config, []
    return config.with_changes(device="auto"), [f"device {config.device!r} is not available here: using auto"]


def template_session(name: str) -> tuple[Session, list[str]]:
    """A new session from the template ``name``, as the CLI's ``new`` makes it (contract 5), and
    the lines that say what was changed to fit the data."""
    return new_session(name)
