"""Text laid out once and drawn many times: block titles, port names, shape labels."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QStaticText, QTransform

_FONTS: dict[str, QFont] = {}


def placed_text(text: str, font: QFont, rect: QRectF, align: Qt.AlignmentFlag) -> tuple[QPointF, QStaticText]:
    """Text laid out once (QStaticText) and where to draw it to sit in ``rect`` as ``align`` says.

    ``drawText(rect, ...)`` lays the text out again on every paint, the costliest part of a block.
    Layouts are shared between items: port names, types and shapes repeat a lot."""
    key = font.key()
    _FONTS.setdefault(key, font)
    offset, static = _layout(text, key, rect.width(), rect.height(), int(align.value))
    return rect.topLeft() + offset, static


@lru_cache(maxsize=4096)
def _layout(text: str, font_key: str, width: float, height: float, align: int) -> tuple[QPointF, QStaticText]:
    static = QStaticText(text)
    static.setTextFormat(Qt.TextFormat.PlainText)
    static.prepare(QTransform(), _FONTS[font_key])
    size = static.size()
    x = 0.0
    if align & Qt.AlignmentFlag.AlignRight.value:
        x = width - size.width()
    elif align & Qt.AlignmentFlag.AlignHCenter.value:
        x = (width - size.width()) / 2
    return QPointF(x, (height - size.height()) / 2), static
