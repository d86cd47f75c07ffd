"""Writing a view's picture and data: PNG from a widget grab, CSV from rows."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QWidget


class ExportError(OSError):
    """A PNG or CSV file could not be written; the message names the file."""


def save_png(widget: QWidget, path: str | Path) -> None:
    """Render ``widget`` (shown or not) and save it as PNG at ``path``."""
    pixmap = widget.grab()
    if pixmap.isNull() or not pixmap.save(str(path), "PNG"):
        raise ExportError(f"could not write the picture to {path}: check that the folder exists and is writable")


def _cell(value: object) -> object:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.9g}"
    return value


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write ``header`` and ``rows`` (floats with 9 significant digits, NaN as empty); return the row count."""
    count = 0
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow([_cell(v) for v in row])
                count += 1
    except OSError as err:
        raise ExportError(f"could not write the data to {path}: {err.strerror or err}") from err
    return count
