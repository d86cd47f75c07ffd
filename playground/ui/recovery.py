"""The question after a crash: recover the newest autosave or checkpoint, discard it, or later.

An autosave that cannot be opened says why and offers to discard it, so a broken one is not
offered again at every launch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from playground.session.autosave import find_recoverable
from playground.session.errors import SessionError
from playground.ui import dialogs


def offer_recovery(parent: QWidget, load: Callable[..., bool]) -> bool:
    """Offer what a crashed instance left; ``load(session, path=, modified=, problem=)`` opens
    it (``FileOps.load``). True if it was restored."""
    if dialogs.prompts_suppressed() and not dialogs.has_answerer():
        return False
    found = find_recoverable()
    if not found:
        return False
    newest = found[0]
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newest.saved_at))
    source = f" ({newest.source})" if newest.source else ""
    answer = dialogs.ask(parent, "Recover unsaved work",
                         f"Neural Playground did not close properly. Recover the work autosaved "
                         f"at {when}{source}?", ["Recover", "Discard", "Later"], "Recover")
    if answer == "Later":
        return False
    if answer == "Discard":
        for item in found:
            item.discard()
        return False
    try:
        session = newest.load()
    except SessionError as exc:
        # say why, and let the person drop it: otherwise the same failure is offered at every launch
        choice = dialogs.ask(parent, "Cannot recover",
                             f"The autosave cannot be opened: {exc}\n\nDiscard it?",
                             ["Discard", "Keep"], "Keep", kind="warning")
        if choice == "Discard":
            newest.discard()
        return False
    path = newest.source if newest.source and os.path.exists(newest.source) else None
    if not load(session, path=path, modified=True, problem="Cannot recover"):
        return False
    for item in found:
        item.discard()
    return True
