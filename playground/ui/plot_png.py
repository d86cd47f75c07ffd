"""Draw an experiment's key plot (``experiments.base.Plot``) to a PNG, with no window.

Used by ``playground experiment`` (headless: Qt's offscreen platform when there is no display)
and by the app. Plain QPainter: axes with ticks, one coloured line per series, an optional
band of ± spread, dashed lines for theory curves, and a legend.
"""

from __future__ import annotations

import math
import os

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen, QPolygonF

from playground.experiments.base import Plot

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _app() -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    assert isinstance(app, QGuiApplication)
    return app


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if raw <= m * step)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def render_plot(plot: Plot, path: str, width: int = 960, height: int = 600) -> None:
    _app()
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPointSize(10)
    painter.setFont(font)
    left, right, top, bottom = 80, 220, 50, 60
    area = QRectF(left, top, width - left - right, height - top - bottom)

    def tx(v: float) -> float:
        return math.log10(max(v, 1e-300)) if plot.log_x else v

    def ty(v: float) -> float:
        return math.log10(max(v, 1e-300)) if plot.log_y else v

    xs = [tx(v) for s in plot.series for v in s.x if math.isfinite(v)]
    ys = [ty(v) for s in plot.series for v in s.y if math.isfinite(v)]
    for s in plot.series:
        if s.band:
            ys += [ty(y + b) for y, b in zip(s.y, s.band, strict=False) if math.isfinite(y + b)]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    y0, y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    pad = 0.04 * (y1 - y0)
    y0, y1 = y0 - pad, y1 + pad
    if any(s.markers_only for s in plot.series):  # markers at the edge stay whole
        pad = 0.03 * (x1 - x0)
        x0, x1 = x0 - pad, x1 + pad

    def point(x: float, y: float) -> QPointF:
        return QPointF(area.left() + (tx(x) - x0) / (x1 - x0) * area.width(),
                       area.bottom() - (ty(y) - y0) / (y1 - y0) * area.height())

    painter.setPen(QPen(QColor("#303030"), 1))
    painter.drawRect(area)
    for t in _ticks(x0, x1):
        px = area.left() + (t - x0) / (x1 - x0) * area.width()
        painter.drawLine(QPointF(px, area.bottom()), QPointF(px, area.bottom() + 5))
        label = f"{10 ** t:g}" if plot.log_x else f"{t:g}"
        painter.drawText(QRectF(px - 40, area.bottom() + 6, 80, 18), Qt.AlignmentFlag.AlignHCenter, label)
    for t in _ticks(y0, y1):
        py = area.bottom() - (t - y0) / (y1 - y0) * area.height()
        painter.drawLine(QPointF(area.left() - 5, py), QPointF(area.left(), py))
        label = f"{10 ** t:.3g}" if plot.log_y else f"{t:.3g}"
        painter.drawText(QRectF(0, py - 9, left - 8, 18), Qt.AlignmentFlag.AlignRight, label)
    painter.drawText(QRectF(area.left(), height - 26, area.width(), 20), Qt.AlignmentFlag.AlignHCenter, plot.x_label)
    painter.save()
    painter.translate(16, area.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-area.height() / 2, -10, area.height(), 20), Qt.AlignmentFlag.AlignHCenter, plot.y_label)
    painter.restore()
    title = QFont(font)
    title.setPointSize(13)
    title.setBold(True)
    painter.setFont(title)
    painter.drawText(QRectF(0, 12, width, 28), Qt.AlignmentFlag.AlignHCenter, plot.title)
    painter.setFont(font)
    painter.setClipRect(area)
    for i, s in enumerate(plot.series):
        color = QColor(COLORS[(i // 2 if any(t.dashed for t in plot.series) else i) % len(COLORS)])
        pts = [(x, y) for x, y in zip(s.x, s.y, strict=False) if math.isfinite(x) and math.isfinite(y)]
        if s.band:
            upper = [point(x, y + b) for (x, y), b in zip(pts, s.band, strict=False)]
            lower = [point(x, y - b) for (x, y), b in zip(pts, s.band, strict=False)]
            fill = QColor(color)
            fill.setAlpha(50)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawPolygon(QPolygonF(upper + lower[::-1]))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(color, 2)
        if s.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if len(pts) <= 12 or s.markers_only:
            painter.setBrush(color)
            for x, y in pts:
                painter.drawEllipse(point(x, y), 3.5, 3.5)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        if s.markers_only:
            continue
        path_ = QPainterPath()
        for j, (x, y) in enumerate(pts):
            if j == 0:
                path_.moveTo(point(x, y))
            else:
                path_.lineTo(point(x, y))
        painter.drawPath(path_)
    painter.setClipping(False)
    for i, s in enumerate(plot.series[:20]):
        color = QColor(COLORS[(i // 2 if any(t.dashed for t in plot.series) else i) % len(COLORS)])
        pen = QPen(color, 2)
        if s.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        y = top + 10 + i * 20
        painter.drawLine(QPointF(width - right + 12, y), QPointF(width - right + 36, y))
        painter.setPen(QColor("#303030"))
        painter.drawText(QRectF(width - right + 42, y - 9, right - 46, 18), Qt.AlignmentFlag.AlignLeft, s.label)
    painter.end()
    if not image.save(path, "PNG"):
        raise OSError(f"could not write {path}")
