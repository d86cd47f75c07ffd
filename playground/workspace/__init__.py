"""Workspace layer: the session being edited, as an evented model without Qt.

Layer: above session, below cli and ui. May import session, train, compile, data, graph. Never Qt.
The app's panels edit a :class:`Workspace` and follow its events; the training controller
subscribes to it; saving turns it into a Session and opening turns a Session back into it.

    from playground.workspace import Workspace, Document, template_session
"""

from playground.workspace.document import Document
from playground.workspace.model import MAX_EARLIER_RUNS, TrainingState, Workspace
from playground.workspace.sources import build_bundle, template_session, usable_config

__all__ = ["MAX_EARLIER_RUNS", "Document", "TrainingState", "Workspace", "build_bundle", "template_session",
           "usable_config"]
