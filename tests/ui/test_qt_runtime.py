"""The installed Qt binding must not leak references to None (PySide6 6.12.0 on Python 3.11 did,
and the interpreter aborted after ~10k paint calls). pyproject excludes that release; this
test fails if a broken binding slips back in."""

import sys

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen


def test_paint_calls_keep_none_alive(qapp):
    image = QImage(64, 64, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    pen = QPen(QColor(10, 20, 30))
    try:
        before = sys.getrefcount(None)
        for _ in range(3000):
            painter.setPen(pen)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRect(QRectF(0, 0, 8, 8))
        lost = before - sys.getrefcount(None)
    finally:
        painter.end()
    assert lost < 100, f"the Qt binding dropped {lost} references to None"


def test_the_app_has_its_own_icon(qapp):
    from playground.ui.app import app_icon, make_application

    app = make_application()
    sizes = {(s.width(), s.height()) for s in app_icon().availableSizes()}
    assert {(16, 16), (48, 48), (256, 256)} <= sizes
    assert not app.windowIcon().isNull()
