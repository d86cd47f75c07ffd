"""Asking where to export a view (PNG picture or CSV data) and reporting a failure to write."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from playground.ui import dialogs

if TYPE_CHECKING:
    from playground.ui.views.base import ViewBase

FILTERS = {"png": "PNG images (*.png)", "csv": "CSV tables (*.csv)"}


def export_dialog(view: ViewBase, kind: str) -> str | None:
    """Ask for a file and write the view's picture (``kind="png"``) or data (``"csv"``) there.
    Returns the path written, or None when cancelled or (with a message) when writing failed."""
    name = re.sub(r"[^a-z0-9]+", "_", view.title.lower()).strip("_") or "view"
    start = os.path.join(os.getcwd(), f"{name}.{kind}")
    what = "picture" if kind == "png" else "data"
    path = dialogs.choose_path(view, "save", f"Export the {view.title} {what}", start, FILTERS[kind])
    if not path:
        return None
    if not path.lower().endswith(f".{kind}"):
        path += f".{kind}"
    try:
        if kind == "png":
            view.export_png(path)
        else:
            view.export_csv(path)
    except (OSError, NotImplementedError) as exc:
        dialogs.inform(view, "Cannot export", str(exc))
        return None
    return path
