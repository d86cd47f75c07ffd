"""The trained session an analysis window works on: a copy taken from the Workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playground.data import DataBundle
from playground.session.model import Session

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow


def trained_snapshot(window: MainWindow) -> tuple[Session, DataBundle] | str:
    """(session, bundle) of what the window's network has learned so far (training is paused
    first, so the weights are one step's), or the reason there is none, for a person."""
    ctl = window.controller
    if ctl.state == "running":
        ctl.pause(wait=2.0)
    bundle = window.workspace.bundle
    if bundle is None:
        return "choose a dataset and train the network first"
    if not ctl.has_weights():
        return "the network is untrained: train it first"
    ctl.store_training()
    session = window.workspace.to_session()
    if session.weights is None:
        return "the network is untrained: train it first"
    return session, bundle
